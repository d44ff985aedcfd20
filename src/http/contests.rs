//! Public contest pages' data: the contest, the communes list, a round's live leaderboard.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::{ApiError, AppState, Lang};
use crate::domain::units;
use crate::store::pg;

pub async fn contest(
    path: web::Path<String>,
    state: web::Data<AppState>,
    lang: Lang,
) -> Result<HttpResponse, ApiError> {
    let contest = pg::contest_by_slug(&state.pg, &path)
        .await?
        .ok_or_else(|| ApiError::new(lang, StatusCode::NOT_FOUND, "not_found"))?;
    let rounds = pg::rounds_of_contest(&state.pg, contest.id).await?;
    // The contest page shows each round's prizes and when answers are revealed.
    let extra: Vec<(i64, serde_json::Value, String)> =
        sqlx::query_as("SELECT id, prizes, reveal FROM rounds WHERE contest_id = $1")
            .bind(contest.id)
            .fetch_all(&state.pg)
            .await?;
    let extra_of = |id: i64| extra.iter().find(|e| e.0 == id);
    let mut unit_rows = pg::units(&state.pg, contest.id).await?;
    // Pickers list units in Vietnamese alphabetical order, not by code or bytes.
    unit_rows.sort_by(|a, b| crate::domain::collation::compare(&a.name, &b.name));
    Ok(HttpResponse::Ok().json(json!({
        "slug": contest.slug,
        "title": contest.title,
        "organiser": contest.organiser,
        "logo_url": contest.logo_url,
        "rules_md": contest.rules_md,
        "rules_html": super::markdown::render(&contest.rules_md),
        "password_required": contest.password_hash.is_some(),
        "registration_opens_at_ms": contest.registration_opens_at.map(|t| t.timestamp_millis()),
        "registration_closes_at_ms": contest.registration_closes_at.map(|t| t.timestamp_millis()),
        "eligibility": contest.eligibility,
        "cccd_required": contest.cccd_required,
        "occupation_required": contest.occupation_required,
        "occupations": crate::domain::occupation::Occupation::ALL
            .iter()
            .map(|o| json!({"code": o.as_str(), "label": o.label()}))
            .collect::<Vec<_>>(),
        "min_age": contest.min_age,
        "consent": { "version": contest.consent_version, "text": contest.consent_text },
        "consent_html": super::markdown::render(&contest.consent_text),
        "province_code": contest.province_code,
        // The registration form's commune picker offers the communes of these provinces.
        "scope": {
            "national": contest.scope() == crate::domain::Scope::National,
            "provinces": contest.scope().provinces().iter()
                .map(|(code, name)| json!({"code": code, "name": name}))
                .collect::<Vec<_>>(),
        },
        "unit_mode": contest.unit_mode,
        "rounds": rounds.iter().map(|r| json!({
            "id": r.id,
            "title": r.title,
            "opens_at_ms": r.opens_at_ms,
            "closes_at_ms": r.closes_at_ms,
            "time_limit_ms": r.time_limit_ms,
            "attempt_limit": r.attempt_limit,
            "questions_per_attempt": r.questions_per_attempt,
            "prediction": r.prediction_target.as_ref().map(|t| json!({"target": t, "question": r.prediction_question})),
            "finalized": r.finalized,
            "prizes": extra_of(r.id).map_or(json!([]), |e| e.1.clone()),
            "reveal": extra_of(r.id).map_or("after_close", |e| e.2.as_str()),
        })).collect::<Vec<_>>(),
        "units": unit_rows.iter().map(|u| json!({"code": u.code, "name": u.name})).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize)]
pub struct CommuneQuery {
    province: Option<String>,
    q: Option<String>,
}

/// `?province=15` lists a province's communes; `&q=cam giang` searches with or without marks.
pub async fn communes(query: web::Query<CommuneQuery>, lang: Lang) -> Result<HttpResponse, ApiError> {
    let list = match (&query.province, &query.q) {
        (province, Some(q)) => units::search(province.as_deref(), q, 50),
        (Some(province), None) => units::communes_of(province),
        (None, None) => return Err(ApiError::new(lang, StatusCode::BAD_REQUEST, "bad_request")),
    };
    Ok(HttpResponse::Ok().json(
        list.iter()
            .map(|c| json!({"code": c.code, "name": c.name, "type": c.kind, "province_code": c.province_code}))
            .collect::<Vec<_>>(),
    ))
}

#[derive(Deserialize)]
pub struct LeaderboardQuery {
    limit: Option<u32>,
}

/// The ranking, names masked. Once the round is finalised: the official ranking (the ranking
/// chain with the prediction, disqualifications applied: what the winners come from), with
/// `official: true`. Before: the live one from Redis (correct answers, then time, then
/// submission; the prediction's distance is unknown until the close), `official: false`,
/// which the page must call provisional.
pub async fn leaderboard(
    path: web::Path<i64>,
    query: web::Query<LeaderboardQuery>,
    state: web::Data<AppState>,
    lang: Lang,
) -> Result<HttpResponse, ApiError> {
    let round_id = path.into_inner();
    if !pg::round(&state.pg, round_id).await?.is_some_and(|r| r.published) {
        return Err(ApiError::new(lang, StatusCode::NOT_FOUND, "not_found"));
    }
    let limit = query.limit.unwrap_or(20).clamp(1, 100) as isize;
    let finalized = pg::round(&state.pg, round_id).await?.is_some_and(|r| r.finalized);
    let entries = if finalized {
        let rows: Vec<(i64, i32, i64, i64)> = sqlx::query_as(
            "SELECT participant_id, correct, duration_ms, submitted_at_ms FROM results WHERE round_id = $1 \
             ORDER BY rank, participant_id LIMIT $2",
        )
        .bind(round_id)
        .bind(limit as i64)
        .fetch_all(&state.pg)
        .await?;
        rows.into_iter()
            .map(|(participant_id, correct, duration_ms, submitted_ms)| crate::store::redis::LiveEntry {
                participant_id,
                correct: i64::from(correct),
                duration_ms,
                submitted_ms,
            })
            .collect()
    } else {
        state.redis.leaderboard(round_id, limit).await.map_err(|e| ApiError::redis(lang, &e))?
    };
    let ids: Vec<i64> = entries.iter().map(|e| e.participant_id).collect();
    let names: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT id, full_name, commune_code FROM participants WHERE id = ANY($1)")
            .bind(&ids)
            .fetch_all(&state.pg)
            .await?;
    let rows: Vec<_> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let (name, commune) = names
                .iter()
                .find(|n| n.0 == e.participant_id)
                .map(|n| {
                    let masked = crate::domain::person::FullName::parse(&n.1).map(|f| f.masked()).unwrap_or_default();
                    (masked, units::commune(&n.2).map(|c| c.name.clone()).unwrap_or_default())
                })
                .unwrap_or_default();
            json!({"position": i + 1, "name": name, "commune": commune, "correct": e.correct, "duration_ms": e.duration_ms})
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({"round_id": round_id, "official": finalized, "entries": rows})))
}

/// A published contest's participation statistics for anyone: aggregate counts only, small
/// groups merged (see `http::admin::stats::public`).
pub async fn stats(path: web::Path<String>, state: web::Data<AppState>, lang: Lang) -> Result<HttpResponse, ApiError> {
    crate::http::admin::stats::public(path, state, lang).await
}
