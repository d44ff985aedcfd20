//! The satisfaction survey after an attempt: 1–5 and an optional comment, once per attempt,
//! anonymous to whoever reads it. A response row holds the contest, the round, the score,
//! the comment and the day; no participant or attempt id and no time of day. Duplicates are
//! refused by `marker`, a keyed HMAC of the attempt id: one-way, and without the server's
//! secret it cannot be matched to the attempts table. The organiser report gives the count,
//! the distribution and the satisfaction rate (share of 4–5 against the plans' 90% target),
//! and lists comments without any identity.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;
use sqlx::PgPool;

use super::contests::contest_org;
use super::{Organiser, Role};
use crate::crypto::Credential;
use crate::domain::FieldError;
use crate::http::{ApiError, AppState, Lang};
use crate::survey::{summary, COMMENT_MAX_CHARS, TARGET_RATE};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurveyBody {
    round_id: i64,
    attempt_id: uuid::Uuid,
    score: i64,
    #[serde(default)]
    comment: Option<String>,
}

fn marker(state: &AppState, attempt: uuid::Uuid) -> Vec<u8> {
    state.keys.lookup_hmac("survey-attempt", &attempt.to_string())
}

/// Whether `attempt` of `round` is this participant's and submitted: Postgres first, then
/// Redis (the persister may be a moment behind the submit). 404 for a round of another
/// contest or an attempt of someone else.
async fn submitted_attempt(
    state: &AppState,
    cred: &Credential,
    round: i64,
    attempt: uuid::Uuid,
    lang: Lang,
) -> Result<(), ApiError> {
    let not_found = || ApiError::new(lang, StatusCode::NOT_FOUND, "not_found");
    let in_contest: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM rounds WHERE id = $1 AND contest_id = $2)")
        .bind(round)
        .bind(cred.contest_id)
        .fetch_one(&state.pg)
        .await?;
    if !in_contest {
        return Err(not_found());
    }
    let stored: Option<(i64, bool)> = sqlx::query_as(
        "SELECT participant_id, submitted_at_ms IS NOT NULL FROM attempts WHERE id = $1 AND round_id = $2",
    )
    .bind(attempt)
    .bind(round)
    .fetch_optional(&state.pg)
    .await?;
    // A row not yet marked submitted may only mean the persister has not caught up with the
    // submit (the player asks right after the result): Redis has the live state.
    let (owner, submitted) = match stored {
        Some(row @ (_, true)) => row,
        row => {
            match state.redis.attempt(round, &attempt.to_string()).await.map_err(|e| ApiError::internal(lang, &e))? {
                Some(a) => (a.participant_id, a.submitted),
                None => row.ok_or_else(not_found)?,
            }
        }
    };
    if owner != cred.participant_id {
        return Err(not_found());
    }
    if !submitted {
        return Err(ApiError::new(lang, StatusCode::CONFLICT, "attempt_not_submitted"));
    }
    Ok(())
}

pub async fn answered(
    state: &AppState,
    cred: &Credential,
    round: i64,
    attempt: uuid::Uuid,
    lang: Lang,
) -> Result<bool, ApiError> {
    submitted_attempt(state, cred, round, attempt, lang).await?;
    Ok(sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM survey_responses WHERE marker = $1)")
        .bind(marker(state, attempt))
        .fetch_one(&state.pg)
        .await?)
}

/// Stores one answer; `survey_already_answered` for a second one of the same attempt.
pub async fn record(state: &AppState, cred: &Credential, body: SurveyBody, lang: Lang) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    if !(1..=5).contains(&body.score) {
        errors.push(FieldError::new("score", "invalid_value"));
    }
    let comment =
        body.comment.as_deref().map(|c| crate::domain::text::nfc(c).trim().to_string()).filter(|c| !c.is_empty());
    if comment.as_ref().is_some_and(|c| c.chars().count() > COMMENT_MAX_CHARS) {
        errors.push(FieldError::new("comment", "too_long"));
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid_fields(lang, &errors));
    }
    submitted_attempt(state, cred, body.round_id, body.attempt_id, lang).await?;
    let today_vn = (chrono::Utc::now() + chrono::Duration::hours(7)).date_naive();
    let inserted = sqlx::query(
        "INSERT INTO survey_responses (marker, contest_id, round_id, score, comment, answered_on) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (marker) DO NOTHING",
    )
    .bind(marker(state, body.attempt_id))
    .bind(cred.contest_id)
    .bind(body.round_id)
    .bind(i16::try_from(body.score).unwrap_or_default())
    .bind(comment)
    .bind(today_vn)
    .execute(&state.pg)
    .await?;
    if inserted.rows_affected() == 0 {
        return Err(ApiError::new(lang, StatusCode::CONFLICT, "survey_already_answered"));
    }
    Ok(())
}

#[derive(Deserialize)]
pub struct ReportQuery {
    pub round_id: Option<i64>,
}

/// Checks that `round` (if any) belongs to `contest`.
pub async fn round_of_contest(pg: &PgPool, who: &Organiser, contest: i64, round: Option<i64>) -> Result<(), ApiError> {
    if let Some(round) = round {
        let ok: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM rounds WHERE id = $1 AND contest_id = $2)")
            .bind(round)
            .bind(contest)
            .fetch_one(pg)
            .await?;
        if !ok {
            return Err(who.not_found());
        }
    }
    Ok(())
}

/// `GET /api/admin/contests/{id}/survey`: the organiser's report, comments without identity.
pub async fn report(
    path: web::Path<i64>,
    query: web::Query<ReportQuery>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let contest = path.into_inner();
    let org = contest_org(&state.pg, &who, contest, Role::Viewer).await?;
    round_of_contest(&state.pg, &who, contest, query.round_id).await?;
    let s = summary(&state.pg, contest, query.round_id).await?;
    // Ordered by day, score and text, never by arrival: the order says nothing of who wrote.
    let comments: Vec<(i16, String, chrono::NaiveDate)> = sqlx::query_as(
        "SELECT score, comment, answered_on FROM survey_responses \
         WHERE contest_id = $1 AND ($2::bigint IS NULL OR round_id = $2) AND comment IS NOT NULL \
         ORDER BY answered_on, score, comment LIMIT 5000",
    )
    .bind(contest)
    .bind(query.round_id)
    .fetch_all(&state.pg)
    .await?;
    who.audit(
        &state.pg,
        Some(org),
        "survey.report",
        ("contest", Some(contest.to_string())),
        json!({"round": query.round_id}),
    )
    .await?;
    let distribution: Vec<_> =
        s.distribution.iter().enumerate().map(|(i, n)| json!({"score": i + 1, "count": n})).collect();
    Ok(HttpResponse::Ok().json(json!({
        "contest_id": contest,
        "round_id": query.round_id,
        "count": s.count,
        "distribution": distribution,
        "satisfied": s.satisfied,
        "satisfaction_rate": s.satisfaction_rate,
        "average": s.average,
        "target_rate": TARGET_RATE,
        "meets_target": s.satisfaction_rate.map(|r| r >= TARGET_RATE),
        "comments": comments.into_iter().map(|(score, comment, day)| json!({"score": score, "comment": comment, "answered_on": day})).collect::<Vec<_>>(),
    })))
}
