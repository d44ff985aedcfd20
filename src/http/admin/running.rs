//! Running a contest: live counters, closing a round early, finalising and verifying, and
//! disqualifying a participant (reversible, always with a reason, results recomputed).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::contests::round_org;
use super::{Organiser, Role};
use crate::http::{ApiError, AppState};
use crate::jobs::finalize;

pub async fn live(path: web::Path<i64>, who: Organiser, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let round = path.into_inner();
    let (contest, _) = round_org(&state.pg, &who, round, Role::Viewer).await?;
    let registered: i64 = sqlx::query_scalar("SELECT count(*) FROM participants WHERE contest_id = $1")
        .bind(contest)
        .fetch_one(&state.pg)
        .await?;
    let in_progress = state.redis.open_attempt_count(round).await.map_err(|e| ApiError::internal(who.lang, &e))?;
    let (attempts, submitted): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE submitted_at_ms IS NOT NULL) FROM attempts WHERE round_id = $1",
    )
    .bind(round)
    .fetch_one(&state.pg)
    .await?;
    let now = state.redis.now_ms().await.map_err(|e| ApiError::internal(who.lang, &e))?;
    let last_minute: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM answers x JOIN attempts a ON a.id = x.attempt_id WHERE a.round_id = $1 AND x.answered_at_ms > $2",
    )
    .bind(round)
    .bind(now - 60_000)
    .fetch_one(&state.pg)
    .await?;
    let by = |column: &str| {
        format!(
            "SELECT p.{column}, count(DISTINCT p.id), count(a.id) FROM participants p \
             LEFT JOIN attempts a ON a.participant_id = p.id AND a.round_id = $2 \
             WHERE p.contest_id = $1 GROUP BY p.{column} ORDER BY 2 DESC LIMIT 50"
        )
    };
    let by_commune: Vec<(String, i64, i64)> =
        sqlx::query_as(sqlx::AssertSqlSafe(by("commune_code"))).bind(contest).bind(round).fetch_all(&state.pg).await?;
    let by_unit: Vec<(String, i64, i64)> =
        sqlx::query_as(sqlx::AssertSqlSafe(by("unit_code"))).bind(contest).bind(round).fetch_all(&state.pg).await?;
    // Stream entries the persister set aside (jobs::dead_letter): shown as an alert.
    let dead_letters: i64 = sqlx::query_scalar("SELECT count(*) FROM persister_dead_letters WHERE round_id = $1")
        .bind(round)
        .fetch_one(&state.pg)
        .await?;
    let rows = |v: &[(String, i64, i64)]| {
        v.iter().map(|r| json!({"code": r.0, "participants": r.1, "attempts": r.2})).collect::<Vec<_>>()
    };
    Ok(HttpResponse::Ok().json(json!({
        "round_id": round, "server_ms": now, "registered": registered, "attempts": attempts,
        "in_progress": in_progress, "submitted": submitted, "answers_per_second": last_minute as f64 / 60.0,
        "by_commune": rows(&by_commune), "by_unit": rows(&by_unit), "dead_letters": dead_letters,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    reason: String,
}

/// Closes a round now: no new attempts, and open attempts end at once (plus grace).
pub async fn close(path: web::Path<i64>, who: Organiser, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let round = path.into_inner();
    let (_, org) = round_org(&state.pg, &who, round, Role::Organiser).await?;
    let internal = |e: &dyn std::fmt::Display| ApiError::internal(who.lang, e);
    let now = state.redis.now_ms().await.map_err(|e| internal(&e))?;
    let closed = sqlx::query(
        "UPDATE rounds SET closes_at = to_timestamp($2::double precision / 1000) WHERE id = $1 AND closes_at > to_timestamp($2::double precision / 1000) \
         AND opens_at < to_timestamp($2::double precision / 1000)",
    )
    .bind(round)
    .bind(now)
    .execute(&state.pg)
    .await?;
    if closed.rows_affected() == 0 {
        return Err(who.error(StatusCode::CONFLICT, "round_not_open"));
    }
    state.play.forget(round);
    let ended = state.redis.close_round(round).await.map_err(|e| internal(&e))?;
    who.audit(
        &state.pg,
        Some(org),
        "round.close",
        ("round", Some(round.to_string())),
        json!({"open_attempts_ended": ended}),
    )
    .await?;
    Ok(HttpResponse::Ok().json(json!({"closed_at_ms": now, "open_attempts_ended": ended})))
}

pub async fn finalize(
    path: web::Path<i64>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let round = path.into_inner();
    let (_, org) = round_org(&state.pg, &who, round, Role::Organiser).await?;
    let report = finalize::finalize(&state.pg, &state.play, round).await.map_err(|e| match e {
        finalize::FinalizeError::Failed(cause) => ApiError::internal(who.lang, &format!("{cause:#}")),
        refused => ApiError {
            details: Some(json!({"reason": refused.to_string()})),
            ..who.error(StatusCode::CONFLICT, "finalize_refused")
        },
    })?;
    who.audit(&state.pg, Some(org), "round.finalize", ("round", Some(round.to_string())), json!({"ranked": report.ranked, "auto_submitted": report.auto_submitted, "prediction_actual": report.prediction_actual}))
        .await?;
    Ok(HttpResponse::Ok().json(json!({
        "round_id": round, "ranked": report.ranked, "auto_submitted": report.auto_submitted,
        "persisted": report.persisted, "prediction_actual": report.prediction_actual,
    })))
}

pub async fn verify(
    path: web::Path<i64>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let round = path.into_inner();
    round_org(&state.pg, &who, round, Role::Viewer).await?;
    let diffs = finalize::verify(&state.pg, &state.play, round).await.map_err(|e| ApiError::internal(who.lang, &e))?;
    Ok(HttpResponse::Ok().json(json!({"round_id": round, "agree": diffs.is_empty(), "differences": diffs})))
}

async fn set_disqualified(
    participant: i64,
    body: ReasonBody,
    who: Organiser,
    state: web::Data<AppState>,
    disqualify: bool,
) -> Result<HttpResponse, ApiError> {
    let reason = body.reason.trim();
    if reason.is_empty() || reason.chars().count() > 1000 {
        return Err(ApiError::invalid_fields(
            who.lang,
            &[crate::domain::FieldError { field: "reason", code: "required" }],
        ));
    }
    let row: Option<(i64, Option<i64>)> = sqlx::query_as(
        "SELECT c.id, c.organisation_id FROM participants p JOIN contests c ON c.id = p.contest_id WHERE p.id = $1",
    )
    .bind(participant)
    .fetch_optional(&state.pg)
    .await?;
    let (contest, org) = row.and_then(|(c, o)| Some((c, o?))).ok_or_else(|| who.not_found())?;
    who.require(org, Role::Organiser)?;
    let mut tx = state.pg.begin().await?;
    let changed = sqlx::query(
        "UPDATE participants SET disqualified_at = CASE WHEN $2 THEN now() END, disqualified_reason = CASE WHEN $2 THEN $3 END \
         WHERE id = $1 AND (disqualified_at IS NULL) = $2",
    )
    .bind(participant)
    .bind(disqualify)
    .bind(reason)
    .execute(&mut *tx)
    .await?;
    if changed.rows_affected() == 0 {
        return Err(
            who.error(StatusCode::CONFLICT, if disqualify { "already_disqualified" } else { "not_disqualified" })
        );
    }
    let action = if disqualify { "participant.disqualify" } else { "participant.requalify" };
    who.audit(&mut *tx, Some(org), action, ("participant", Some(participant.to_string())), json!({"reason": reason}))
        .await?;
    tx.commit().await?;
    // Results of finalised rounds are recomputed at once.
    let finalised: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM rounds WHERE contest_id = $1 AND finalized_at IS NOT NULL")
            .bind(contest)
            .fetch_all(&state.pg)
            .await?;
    for round in &finalised {
        finalize::finalize(&state.pg, &state.play, *round).await.map_err(|e| ApiError::internal(who.lang, &e))?;
    }
    Ok(HttpResponse::Ok()
        .json(json!({"participant_id": participant, "disqualified": disqualify, "rounds_recomputed": finalised})))
}

pub async fn disqualify(
    path: web::Path<i64>,
    body: web::Json<ReasonBody>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    set_disqualified(path.into_inner(), body.into_inner(), who, state, true).await
}

pub async fn requalify(
    path: web::Path<i64>,
    body: web::Json<ReasonBody>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    set_disqualified(path.into_inner(), body.into_inner(), who, state, false).await
}
