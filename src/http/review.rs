//! `GET /api/rounds/{round}/attempts/{attempt}/review`: a participant's own submitted attempt
//! with the correct options, the explanation and the legal citation of every question, once
//! the round's `reveal` rule allows it (invariant 2: never before). The texts are those of
//! the question versions the attempt was drawn with, in the participant's language if asked.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use super::{ApiError, AppState, Lang, ParticipantAuth};
use crate::play::{attempt_options, OptionView, QuestionData};
use crate::store::pg;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewQuery {
    /// A translation language (BCP-47 tag); questions without one stay Vietnamese.
    lang: Option<String>,
}

#[derive(Serialize)]
struct ReviewQuestion {
    question_id: i64,
    text: String,
    options: Vec<OptionView>,
    chosen: Vec<i64>,
    correct_options: Vec<i64>,
    is_correct: bool,
    explanation: String,
    law: String,
    article: String,
}

#[derive(Serialize)]
struct Review {
    round_id: i64,
    attempt_id: String,
    correct: i64,
    total: i64,
    questions: Vec<ReviewQuestion>,
}

/// The part of an attempt the review needs, from Redis while it holds the round, else from
/// Postgres (the durable record).
struct AttemptFacts {
    participant_id: i64,
    question_ids: Vec<i64>,
    answers: HashMap<i64, Vec<i64>>,
    submitted: bool,
    correct: Option<i64>,
}

async fn attempt_facts(state: &AppState, round: i64, attempt: &str) -> Result<Option<AttemptFacts>, ApiError> {
    let internal = |e: &dyn std::fmt::Display| ApiError::internal(Lang::Vi, e);
    if let Some(s) = state.redis.attempt(round, attempt).await.map_err(|e| ApiError::redis(Lang::Vi, &e))? {
        return Ok(Some(AttemptFacts {
            participant_id: s.participant_id,
            question_ids: s.question_ids,
            answers: s.answers,
            submitted: s.submitted,
            correct: s.scored.map(|r| r.correct),
        }));
    }
    let id = uuid::Uuid::parse_str(attempt).map_err(|e| internal(&e))?;
    type AttemptRow = (i64, Vec<i64>, Option<i64>, Option<i32>);
    let row: Option<AttemptRow> = sqlx::query_as(
        "SELECT participant_id, question_ids, submitted_at_ms, correct FROM attempts WHERE id = $1 AND round_id = $2",
    )
    .bind(id)
    .bind(round)
    .fetch_optional(&state.pg)
    .await?;
    let Some((participant_id, question_ids, submitted_at, correct)) = row else { return Ok(None) };
    let answers: Vec<(i64, Vec<i64>)> =
        sqlx::query_as("SELECT question_id, options FROM answers WHERE attempt_id = $1")
            .bind(id)
            .fetch_all(&state.pg)
            .await?;
    Ok(Some(AttemptFacts {
        participant_id,
        question_ids,
        answers: answers.into_iter().collect(),
        submitted: submitted_at.is_some(),
        correct: correct.map(i64::from),
    }))
}

/// Whether the participant has started every attempt the round allows and submitted them all.
async fn last_attempt_done(
    state: &AppState,
    round: i64,
    participant: i64,
    attempt_limit: Option<i32>,
    lang: Lang,
) -> Result<bool, ApiError> {
    let Some(limit) = attempt_limit.filter(|l| *l > 0) else { return Ok(false) }; // unlimited
    let redis_error = |e: redis::RedisError| ApiError::redis(lang, &e);
    if state.redis.attempts_used(round, participant).await.map_err(redis_error)? < i64::from(limit) {
        return Ok(false);
    }
    for id in state.redis.participant_attempt_ids(round, participant).await.map_err(redis_error)? {
        let open =
            state.redis.attempt(round, &id).await.map_err(|e| ApiError::redis(lang, &e))?.is_some_and(|a| !a.submitted);
        if open {
            return Ok(false);
        }
    }
    Ok(true)
}

pub async fn review(
    path: web::Path<(i64, String)>,
    query: web::Query<ReviewQuery>,
    auth: ParticipantAuth,
    lang: Lang,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (round, attempt) = path.into_inner();
    let cred = auth.0;
    let not_found = || ApiError::new(lang, StatusCode::NOT_FOUND, "not_found");
    let translation = match query.lang.as_deref() {
        None => None,
        Some(tag) => crate::contest::bank::requested_lang(tag)
            .map_err(|_| ApiError::new(lang, StatusCode::BAD_REQUEST, "invalid_lang"))?,
    };
    if uuid::Uuid::parse_str(&attempt).is_err() {
        return Err(not_found());
    }
    let row: Option<(i64, String, i64, i32, Option<i32>)> = sqlx::query_as(
        "SELECT contest_id, reveal, (extract(epoch from closes_at) * 1000)::bigint, grace_ms, attempt_limit \
         FROM rounds WHERE id = $1",
    )
    .bind(round)
    .fetch_optional(&state.pg)
    .await?;
    let (_, reveal, closes_ms, grace_ms, attempt_limit) =
        row.filter(|r| r.0 == cred.contest_id).ok_or_else(not_found)?;
    let facts = attempt_facts(&state, round, &attempt)
        .await?
        .filter(|f| f.participant_id == cred.participant_id)
        .ok_or_else(not_found)?;
    let not_revealed = |at: Option<i64>| ApiError {
        reveal_at: at.and_then(std::num::NonZeroI64::new),
        ..ApiError::new(lang, StatusCode::FORBIDDEN, "not_revealed")
    };
    if reveal == "never" {
        return Err(not_revealed(None));
    }
    if !facts.submitted {
        return Err(ApiError::new(lang, StatusCode::CONFLICT, "attempt_not_submitted"));
    }
    let reveal_at = closes_ms + i64::from(grace_ms);
    let now = state.redis.now_ms().await.map_err(|e| ApiError::redis(lang, &e))?;
    // after_submit: once this participant can take no further attempt of the round that the
    // answers would help (every attempt allowed is started and none is open); before that,
    // the correct answers of attempt 1 would help attempt 2. Always once the round is closed.
    // after_close (and anything unknown, the strictest reading): once close + grace passed.
    let closed = now >= reveal_at;
    let last_done = reveal == "after_submit"
        && (closed || last_attempt_done(&state, round, cred.participant_id, attempt_limit, lang).await?);
    if !closed && !last_done {
        return Err(not_revealed(Some(reveal_at)));
    }
    let questions: HashMap<i64, QuestionData> = pg::questions(&state.pg, &facts.question_ids)
        .await?
        .into_iter()
        .map(|q| (q.id, QuestionData::from(q)))
        .collect();
    let mut items = Vec::with_capacity(facts.question_ids.len());
    for qid in &facts.question_ids {
        let Some(q) = questions.get(qid) else { continue };
        let (text, _, explanation) = q.texts(translation.as_deref());
        let options = attempt_options(&attempt, *qid, q, translation.as_deref());
        let mut chosen = facts.answers.get(qid).cloned().unwrap_or_default();
        chosen.sort_unstable();
        let mut correct = q.correct.clone();
        correct.sort_unstable();
        let is_correct = chosen == correct;
        // Correct options in the order the attempt shows them.
        let correct_options = options.iter().map(|o| o.id).filter(|id| correct.contains(id)).collect();
        let chosen = options.iter().map(|o| o.id).filter(|id| chosen.contains(id)).collect();
        items.push(ReviewQuestion {
            question_id: *qid,
            text: text.to_string(),
            options,
            chosen,
            correct_options,
            is_correct,
            explanation: explanation.to_string(),
            law: q.law.clone(),
            article: q.article.clone(),
        });
    }
    let counted = items.iter().filter(|q| q.is_correct).count() as i64;
    Ok(HttpResponse::Ok().json(Review {
        round_id: round,
        attempt_id: attempt,
        correct: facts.correct.unwrap_or(counted),
        total: facts.question_ids.len() as i64,
        questions: items,
    }))
}
