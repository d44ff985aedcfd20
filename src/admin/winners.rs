//! Prizes and winners: awards computed from the finalised rounds, each winner verified or
//! rejected with a reason by the organiser (a rejection passes the prize down the ranking),
//! then a public winners list with personal data masked.

use std::collections::{HashMap, HashSet};

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;
use sqlx::PgPool;

use super::contests::{contest_org, participant_org};
use super::{Organiser, Role};
use crate::contest::prizes::{allocate, places, reach, Award, RoundRanking, Tier};
use crate::domain::units;
use crate::http::{ApiError, AppState, Lang};

/// The current awards of a contest's finalised rounds, in round order. Only the top of each
/// ranking that the tiers can reach is read ([`reach`]; staff and the disqualified left out
/// in SQL): a few index reads however many took part.
pub async fn awards(pg: &PgPool, contest: i64) -> sqlx::Result<Vec<Award>> {
    let rounds: Vec<(i64, sqlx::types::Json<Vec<Tier>>, i64)> = sqlx::query_as(
        "SELECT d.id, d.prizes, (SELECT count(*) FROM winner_checks w WHERE w.round_id = d.id AND w.status = 'rejected') \
         FROM rounds d WHERE d.contest_id = $1 AND d.finalized_at IS NOT NULL ORDER BY d.position",
    )
    .bind(contest)
    .fetch_all(pg)
    .await?;
    let one: bool = sqlx::query_scalar("SELECT one_prize_per_person FROM contests WHERE id = $1")
        .bind(contest)
        .fetch_one(pg)
        .await?;
    let all_places = rounds.iter().fold(0usize, |n, r| n.saturating_add(places(&r.1)));
    let mut rankings = Vec::with_capacity(rounds.len());
    for (round_id, tiers, rejected) in rounds {
        let reach = reach(&tiers, all_places, usize::try_from(rejected).unwrap_or(0), one);
        let ranked: Vec<(i64, i64)> = if places(&tiers) == 0 {
            Vec::new()
        } else {
            sqlx::query_as(
                "SELECT x.participant_id, x.rank::bigint FROM results x JOIN participants p ON p.id = x.participant_id \
                 WHERE x.round_id = $1 AND NOT p.staff AND p.disqualified_at IS NULL \
                 ORDER BY x.rank, x.participant_id LIMIT $2",
            )
            .bind(round_id)
            .bind(i64::try_from(reach).unwrap_or(i64::MAX))
            .fetch_all(pg)
            .await?
        };
        rankings.push(RoundRanking { round_id, tiers: tiers.0, ranked });
    }
    let rejected: HashSet<(i64, i64)> = sqlx::query_as(
        "SELECT w.round_id, w.participant_id FROM winner_checks w JOIN rounds r ON r.id = w.round_id \
         WHERE r.contest_id = $1 AND w.status = 'rejected'",
    )
    .bind(contest)
    .fetch_all(pg)
    .await?
    .into_iter()
    .collect();
    Ok(allocate(&rankings, &rejected, &HashSet::new(), one))
}

/// Every prize of the contest: the rounds' ([`awards`]) and then the overall ranking's
/// (round id 0, see `results::overall_awards`). These are the winners to verify and publish.
pub async fn all_awards(pg: &PgPool, contest: i64) -> sqlx::Result<Vec<Award>> {
    let mut all = awards(pg, contest).await?;
    all.extend(super::results::overall_awards(pg, contest).await?);
    Ok(all)
}

type WinnerRow = (String, String, String, Option<String>);

/// Each award with its winner (name, masked phone, commune, verification) and round title,
/// in one query.
async fn describe(
    pg: &PgPool,
    awards: &[Award],
    contest: i64,
) -> sqlx::Result<Vec<(Award, WinnerRow, Option<String>)>> {
    let rounds: Vec<i64> = awards.iter().map(|a| a.round_id).collect();
    let people: Vec<i64> = awards.iter().map(|a| a.participant_id).collect();
    #[derive(sqlx::FromRow)]
    struct Found {
        round_id: i64,
        participant_id: i64,
        full_name: String,
        phone_masked: String,
        commune_code: String,
        status: Option<String>,
        title: Option<String>,
    }
    let rows: Vec<Found> = sqlx::query_as(
        "SELECT a.round_id, a.participant_id, p.full_name, p.phone_masked, p.commune_code, \
           COALESCE(w.status, o.status) AS status, d.title \
         FROM unnest($1::bigint[], $2::bigint[]) AS a (round_id, participant_id) \
         JOIN participants p ON p.id = a.participant_id AND p.contest_id = $3 \
         LEFT JOIN rounds d ON d.id = a.round_id \
         LEFT JOIN winner_checks w ON w.round_id = a.round_id AND w.participant_id = a.participant_id \
         LEFT JOIN overall_winner_checks o ON a.round_id = 0 AND o.contest_id = $3 \
           AND o.participant_id = a.participant_id",
    )
    .bind(&rounds)
    .bind(&people)
    .bind(contest)
    .fetch_all(pg)
    .await?;
    let mut found: HashMap<(i64, i64), (WinnerRow, Option<String>)> = rows
        .into_iter()
        .map(|f| ((f.round_id, f.participant_id), ((f.full_name, f.phone_masked, f.commune_code, f.status), f.title)))
        .collect();
    awards
        .iter()
        .map(|a| {
            let (row, title) = found.remove(&(a.round_id, a.participant_id)).ok_or(sqlx::Error::RowNotFound)?;
            Ok((a.clone(), row, title))
        })
        .collect()
}

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

/// One line of the public winners list: name and phone masked, commune shown.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PublicWinner {
    pub round_title: Option<String>,
    pub prize: String,
    pub rank: i64,
    pub name: String,
    pub phone: String,
    pub commune: Option<String>,
}

/// The published contest's verified winners; `None` while the list is not published.
pub async fn published_winners(pg: &PgPool, contest: i64) -> sqlx::Result<Option<Vec<PublicWinner>>> {
    let published: bool = sqlx::query_scalar("SELECT winners_published_at IS NOT NULL FROM contests WHERE id = $1")
        .bind(contest)
        .fetch_one(pg)
        .await?;
    if !published {
        return Ok(None);
    }
    let current = all_awards(pg, contest).await?;
    let items = describe(pg, &current, contest)
        .await?
        .into_iter()
        .filter(|(_, row, _)| row.3.as_deref() == Some("verified"))
        .map(|(a, (name, phone, commune, _), round_title)| PublicWinner {
            round_title,
            prize: a.prize,
            rank: a.rank,
            name: crate::domain::person::FullName::parse(&name).map(|n| n.masked()).unwrap_or_default(),
            phone,
            commune: units::commune(&commune).map(|c| c.name.clone()),
        })
        .collect();
    Ok(Some(items))
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
