//! The organiser's side of personal-data rights: a contest's retention and re-entry
//! settings, and erasure of a participant on their request received another way (a letter,
//! an e-mail, at the desk). See `crate::privacy` for what erasure keeps and removes.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;

use super::contests::{contest_org, participant_org};
use super::{Organiser, Role};
use crate::domain::FieldError;
use crate::http::{ApiError, AppState};
use crate::privacy::{self, ErasedBy};

async fn settings_json(state: &AppState, contest: i64) -> Result<serde_json::Value, ApiError> {
    type Row = (i32, bool, Option<DateTime<Utc>>, Option<DateTime<Utc>>, i64);
    let (days, reentry, anonymised, last_close, erased): Row = sqlx::query_as(
        "SELECT c.retention_days, c.reentry_after_erasure, c.anonymised_at, \
           (SELECT max(closes_at) FROM rounds r WHERE r.contest_id = c.id), \
           (SELECT count(*) FROM participants p WHERE p.contest_id = c.id AND p.erased_at IS NOT NULL) \
         FROM contests c WHERE c.id = $1",
    )
    .bind(contest)
    .fetch_one(&state.pg)
    .await?;
    Ok(json!({
        "contest_id": contest,
        "retention_days": days,
        "reentry_after_erasure": reentry,
        "last_round_closes_at": last_close,
        "retention_ends_at": last_close.map(|t| t + chrono::Duration::days(i64::from(days))),
        "anonymised_at": anonymised,
        "erased_participants": erased,
    }))
}

/// `GET /api/admin/contests/{id}/privacy`.
pub async fn get(path: web::Path<i64>, who: Organiser, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let contest = path.into_inner();
    contest_org(&state.pg, &who, contest, Role::Viewer).await?;
    Ok(HttpResponse::Ok().json(settings_json(&state, contest).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsBody {
    retention_days: Option<i64>,
    reentry_after_erasure: Option<bool>,
}

/// `PUT /api/admin/contests/{id}/privacy`: retention (0–3650 days after the last round
/// closes) and whether an erased person may register again.
pub async fn update(
    path: web::Path<i64>,
    body: web::Json<SettingsBody>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let contest = path.into_inner();
    let org = contest_org(&state.pg, &who, contest, Role::Organiser).await?;
    if body.retention_days.is_some_and(|d| !(0..=3650).contains(&d)) {
        return Err(ApiError::invalid_fields(who.lang, &[FieldError::new("retention_days", "invalid_number")]));
    }
    let mut tx = state.pg.begin().await?;
    sqlx::query(
        "UPDATE contests SET retention_days = COALESCE($2, retention_days), \
         reentry_after_erasure = COALESCE($3, reentry_after_erasure) WHERE id = $1",
    )
    .bind(contest)
    .bind(body.retention_days.and_then(|d| i32::try_from(d).ok()))
    .bind(body.reentry_after_erasure)
    .execute(&mut *tx)
    .await?;
    who.audit(
        &mut *tx,
        Some(org),
        "contest.privacy",
        ("contest", Some(contest.to_string())),
        json!({"retention_days": body.retention_days, "reentry_after_erasure": body.reentry_after_erasure}),
    )
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(settings_json(&state, contest).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EraseBody {
    reason: String,
}

/// `POST /api/admin/participants/{id}/erase`: executes a participant's erasure request.
pub async fn erase(
    path: web::Path<i64>,
    body: web::Json<EraseBody>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let participant = path.into_inner();
    let org = participant_org(&state.pg, &who, participant, Role::Organiser).await?;
    let reason = body.reason.trim();
    if reason.is_empty() || reason.chars().count() > 1000 {
        return Err(ApiError::invalid_fields(who.lang, &[FieldError::new("reason", "required")]));
    }
    let mut tx = state.pg.begin().await?;
    if !privacy::erase_participant(&mut tx, participant, ErasedBy::Organiser).await? {
        return Err(who.error(StatusCode::CONFLICT, "participant_erased"));
    }
    who.audit(
        &mut *tx,
        Some(org),
        "participant.erase",
        ("participant", Some(participant.to_string())),
        json!({"by": "organiser", "reason": reason}),
    )
    .await?;
    tx.commit().await?;
    state.revocations.erased(&state.redis, participant).await;
    Ok(HttpResponse::Ok().json(json!({"participant_id": participant, "erased": true})))
}
