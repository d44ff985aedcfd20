//! A participant's time extension (extra minutes and/or a multiplier of the time limit, applied
//! to attempts started afterwards) and the contest's referral counts for the "lan tỏa" prizes.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::contests::{contest_org, participant_org};
use super::{Organiser, Role};
use crate::domain::FieldError;
use crate::http::{ApiError, AppState};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtensionBody {
    #[serde(default)]
    extra_minutes: i32,
    #[serde(default = "hundred")]
    multiplier_pct: i32,
    reason: String,
}

fn hundred() -> i32 {
    100
}

pub async fn grant(
    path: web::Path<i64>,
    body: web::Json<ExtensionBody>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let participant = path.into_inner();
    let b = body.into_inner();
    let reason = b.reason.trim();
    let mut errors = Vec::new();
    if !(0..=600).contains(&b.extra_minutes) {
        errors.push(FieldError { field: "extra_minutes", code: "invalid_value" });
    }
    if !(100..=300).contains(&b.multiplier_pct) {
        errors.push(FieldError { field: "multiplier_pct", code: "invalid_value" });
    }
    if reason.is_empty() || reason.chars().count() > 1000 {
        errors.push(FieldError { field: "reason", code: "required" });
    }
    let org = participant_org(&state.pg, &who, participant, Role::Organiser).await?;
    if !errors.is_empty() {
        return Err(ApiError::invalid_fields(who.lang, &errors));
    }
    let mut tx = state.pg.begin().await?;
    sqlx::query(
        "INSERT INTO time_extensions (participant_id, extra_minutes, multiplier_pct, reason, granted_by) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (participant_id) DO UPDATE SET extra_minutes = $2, \
         multiplier_pct = $3, reason = $4, granted_by = $5, granted_at = now()",
    )
    .bind(participant)
    .bind(b.extra_minutes)
    .bind(b.multiplier_pct)
    .bind(reason)
    .bind(who.account_id)
    .execute(&mut *tx)
    .await?;
    let detail = json!({"extra_minutes": b.extra_minutes, "multiplier_pct": b.multiplier_pct, "reason": reason});
    who.audit(
        &mut *tx,
        Some(org),
        "participant.time_extension",
        ("participant", Some(participant.to_string())),
        detail,
    )
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(json!({
        "participant_id": participant, "extra_minutes": b.extra_minutes, "multiplier_pct": b.multiplier_pct,
    })))
}

/// Participants of a contest ranked by how many registrations their share code brought.
pub async fn referrals(
    path: web::Path<i64>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let contest = path.into_inner();
    contest_org(&state.pg, &who, contest, Role::Viewer).await?;
    let rows: Vec<(i64, String, String, i64)> = sqlx::query_as(
        "SELECT r.participant_id, p.full_name, r.code, count(x.participant_id) AS n \
         FROM referrals r JOIN participants p ON p.id = r.participant_id \
         JOIN referrals x ON x.referred_by = r.participant_id \
         WHERE r.contest_id = $1 GROUP BY r.participant_id, p.full_name, r.code \
         ORDER BY n DESC, r.participant_id LIMIT 500",
    )
    .bind(contest)
    .fetch_all(&state.pg)
    .await?;
    let items: Vec<_> = rows
        .iter()
        .map(|(id, name, code, n)| json!({"participant_id": id, "full_name": name, "code": code, "referred": n}))
        .collect();
    Ok(HttpResponse::Ok().json(json!({"contest_id": contest, "items": items})))
}
