//! Prizes and winners: awards computed from the finalised rounds, each winner verified or
//! rejected with a reason by the organiser (a rejection passes the prize down the ranking),
//! then a public winners list with personal data masked.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::contests::{contest_org, participant_org};
use super::{Organiser, Role};
use crate::awards::{all_awards, describe, published_winners};
use crate::domain::units;
use crate::http::{ApiError, AppState, Lang};

pub async fn list(path: web::Path<i64>, who: Organiser, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let contest = path.into_inner();
    contest_org(&state.pg, &who, contest, Role::Viewer).await?;
    let awards = all_awards(&state.pg, contest).await?;
    let items: Vec<_> = describe(&state.pg, &awards, contest)
        .await?
        .into_iter()
        .map(|(a, (name, phone, commune, status), title)| {
            json!({
                "round_id": a.round_id, "round_title": title, "participant_id": a.participant_id, "rank": a.rank,
                "tier": a.tier, "prize": a.prize, "full_name": name, "phone": phone,
                "commune": units::commune(&commune).map(|c| c.name.clone()),
                "verification": status.unwrap_or_else(|| "pending".into()),
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({"items": items})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckBody {
    round_id: i64,
    participant_id: i64,
    status: String,
    reason: String,
}

/// Verifies a winner (identity checked against the registration) or rejects them with a
/// reason; a rejection passes the prize to the next in line.
pub async fn check(
    path: web::Path<i64>,
    body: web::Json<CheckBody>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let contest = path.into_inner();
    let org = contest_org(&state.pg, &who, contest, Role::Organiser).await?;
    let b = body.into_inner();
    let mut errors = Vec::new();
    if b.status != "verified" && b.status != "rejected" {
        errors.push(crate::domain::FieldError { field: "status", code: "invalid_value" });
    }
    if b.reason.trim().is_empty() {
        errors.push(crate::domain::FieldError { field: "reason", code: "required" });
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid_fields(who.lang, &errors));
    }
    let current = all_awards(&state.pg, contest).await?;
    if !current.iter().any(|a| a.round_id == b.round_id && a.participant_id == b.participant_id) {
        return Err(who.error(StatusCode::CONFLICT, "not_a_winner"));
    }
    let mut tx = state.pg.begin().await?;
    // Round 0 is the overall ranking, whose decisions are kept per contest.
    let (sql, scope) = if b.round_id == 0 {
        (
            "INSERT INTO overall_winner_checks (contest_id, participant_id, status, reason, decided_by) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (contest_id, participant_id) DO UPDATE SET \
             status = EXCLUDED.status, reason = EXCLUDED.reason, decided_by = EXCLUDED.decided_by, decided_at = now()",
            contest,
        )
    } else {
        (
            "INSERT INTO winner_checks (round_id, participant_id, status, reason, decided_by) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (round_id, participant_id) DO UPDATE SET status = EXCLUDED.status, reason = EXCLUDED.reason, \
             decided_by = EXCLUDED.decided_by, decided_at = now()",
            b.round_id,
        )
    };
    sqlx::query(sql)
        .bind(scope)
        .bind(b.participant_id)
        .bind(&b.status)
        .bind(b.reason.trim())
        .bind(who.account_id)
        .execute(&mut *tx)
        .await?;
    let action = if b.status == "verified" { "winner.verify" } else { "winner.reject" };
    who.audit(
        &mut *tx,
        Some(org),
        action,
        ("participant", Some(b.participant_id.to_string())),
        json!({"round": b.round_id, "reason": b.reason.trim()}),
    )
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(json!({"ok": true})))
}

/// Publishes the winners list once every current winner is verified.
pub async fn publish(
    path: web::Path<i64>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let contest = path.into_inner();
    let org = contest_org(&state.pg, &who, contest, Role::Organiser).await?;
    let current = all_awards(&state.pg, contest).await?;
    let described = describe(&state.pg, &current, contest).await?;
    let pending = described.iter().filter(|(_, row, _)| row.3.as_deref() != Some("verified")).count();
    if current.is_empty() || pending > 0 {
        return Err(ApiError {
            details: Some(json!({"unverified": pending, "awards": current.len()})),
            ..who.error(StatusCode::CONFLICT, "winners_unverified")
        });
    }
    let mut tx = state.pg.begin().await?;
    sqlx::query("UPDATE contests SET winners_published_at = now() WHERE id = $1")
        .bind(contest)
        .execute(&mut *tx)
        .await?;
    who.audit(
        &mut *tx,
        Some(org),
        "winners.publish",
        ("contest", Some(contest.to_string())),
        json!({"awards": current.len()}),
    )
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(json!({"published": current.len()})))
}

/// The public winners list (404 until published).
pub async fn public(path: web::Path<String>, state: web::Data<AppState>, lang: Lang) -> Result<HttpResponse, ApiError> {
    let not_found = || ApiError::new(lang, StatusCode::NOT_FOUND, "not_found");
    let contest = crate::store::pg::contest_by_slug(&state.pg, &path).await?.ok_or_else(not_found)?;
    let items = published_winners(&state.pg, contest.id).await?.ok_or_else(not_found)?;
    Ok(HttpResponse::Ok().json(json!({"items": items})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffBody {
    staff: bool,
    reason: String,
}

/// Marks a participant as organising-committee or software staff: they may play but not win.
pub async fn set_staff(
    path: web::Path<i64>,
    body: web::Json<StaffBody>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let participant = path.into_inner();
    let org = participant_org(&state.pg, &who, participant, Role::Organiser).await?;
    if body.reason.trim().is_empty() {
        return Err(ApiError::invalid_fields(
            who.lang,
            &[crate::domain::FieldError { field: "reason", code: "required" }],
        ));
    }
    let mut tx = state.pg.begin().await?;
    sqlx::query("UPDATE participants SET staff = $2 WHERE id = $1")
        .bind(participant)
        .bind(body.staff)
        .execute(&mut *tx)
        .await?;
    who.audit(
        &mut *tx,
        Some(org),
        "participant.staff",
        ("participant", Some(participant.to_string())),
        json!({"staff": body.staff, "reason": body.reason.trim()}),
    )
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(json!({"participant_id": participant, "staff": body.staff})))
}
