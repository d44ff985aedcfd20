//! Typed events into Postgres, in one transaction. Every statement is an idempotent upsert,
//! so events written twice (a crash between commit and XACK, or an entry claimed from a
//! consumer that was only slow) change nothing the second time, and the order of batches
//! does not matter: a submit creates its attempt row when its start is not there yet.

use std::collections::HashMap;

use anyhow::{bail, Context};
use sqlx::PgPool;

use crate::store::stream::{Answer, Event, Start, Started, Submit};

/// A submit without its start's data (written before submits carried it) whose attempt row
/// does not exist: it cannot be applied on its own.
#[derive(Debug, thiserror::Error)]
#[error("a submit without its attempt's start (an event of an older version) and no attempt row")]
pub struct SubmitWithoutStart;

/// Whether Postgres refused these events for what they hold (a constraint, a value out of a
/// column's range, a submit without start), as opposed to Postgres being unreachable, busy
/// or shutting down, which passes and is retried.
pub fn refused_for_its_data(e: &anyhow::Error) -> bool {
    if e.downcast_ref::<SubmitWithoutStart>().is_some() {
        return true;
    }
    match e.downcast_ref::<sqlx::Error>() {
        // SQLSTATE classes 22 (data exception) and 23 (integrity constraint violation).
        Some(sqlx::Error::Database(db)) => db.code().is_some_and(|c| c.starts_with("22") || c.starts_with("23")),
        _ => false,
    }
}

#[derive(Default)]
struct Attempts {
    ids: Vec<uuid::Uuid>,
    participants: Vec<i64>,
    numbers: Vec<i32>,
    started: Vec<i64>,
    deadlines: Vec<i64>,
    questions: Vec<serde_json::Value>,
}

impl Attempts {
    fn push(&mut self, id: uuid::Uuid, s: &Started) {
        self.ids.push(id);
        self.participants.push(s.participant_id);
        self.numbers.push(s.number);
        self.started.push(s.started_ms);
        self.deadlines.push(s.deadline_ms);
        self.questions.push(serde_json::json!(s.question_ids));
    }
}

#[derive(Default)]
struct Submits {
    ids: Vec<uuid::Uuid>,
    submitted: Vec<i64>,
    durations: Vec<i64>,
    correct: Vec<i32>,
    predictions: Vec<Option<i64>>,
    auto: Vec<bool>,
}

/// Writes events in one transaction (sqlx errors stay downcastable for
/// [`refused_for_its_data`]).
pub async fn events(pg: &PgPool, round_id: i64, events: &[Event]) -> anyhow::Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let mut starts = Attempts::default();
    // Latest seq per (attempt, question): one row may be upserted once per statement.
    let mut answers: HashMap<(uuid::Uuid, i64), (i64, &[i64], i64)> = HashMap::new();
    let mut submits = Submits::default();
    for ev in events {
        match ev {
            Event::Start(Start { attempt, started }) => starts.push(*attempt, started),
            Event::Answer(Answer { attempt, question_id, options, seq, at_ms }) => {
                let k = (*attempt, *question_id);
                if answers.get(&k).is_none_or(|old| old.0 < *seq) {
                    answers.insert(k, (*seq, options, *at_ms));
                }
            }
            Event::Submit(Submit { attempt, submitted_ms, duration_ms, correct, prediction, auto, started }) => {
                if let Some(s) = started {
                    starts.push(*attempt, s);
                }
                submits.ids.push(*attempt);
                submits.submitted.push(*submitted_ms);
                submits.durations.push(*duration_ms);
                submits.correct.push(*correct);
                submits.predictions.push(*prediction);
                submits.auto.push(*auto);
            }
        }
    }
    let mut tx = pg.begin().await?;
    if !starts.ids.is_empty() {
        // Question lists travel as JSON arrays and become bigint arrays here.
        sqlx::query(
            "INSERT INTO attempts (id, round_id, participant_id, number, started_at_ms, deadline_ms, question_ids) \
             SELECT DISTINCT ON (a.id) a.id, $1, a.p, a.n, a.s, a.d, ARRAY(SELECT jsonb_array_elements_text(a.qs)::bigint) \
             FROM UNNEST($2::uuid[], $3::bigint[], $4::int[], $5::bigint[], $6::bigint[], $7::jsonb[]) AS a(id, p, n, s, d, qs) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(round_id)
        .bind(&starts.ids)
        .bind(&starts.participants)
        .bind(&starts.numbers)
        .bind(&starts.started)
        .bind(&starts.deadlines)
        .bind(&starts.questions)
        .execute(&mut *tx)
        .await
        .context("persisting starts")?;
    }
    if !answers.is_empty() {
        let mut cols = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for ((a, q), (seq, options, at)) in answers {
            cols.0.push(a);
            cols.1.push(q);
            cols.2.push(serde_json::json!(options));
            cols.3.push(seq);
            cols.4.push(at);
        }
        sqlx::query(
            "INSERT INTO answers (attempt_id, question_id, options, seq, answered_at_ms) \
             SELECT a.id, a.q, ARRAY(SELECT jsonb_array_elements_text(a.o)::bigint), a.seq, a.at \
             FROM UNNEST($1::uuid[], $2::bigint[], $3::jsonb[], $4::bigint[], $5::bigint[]) AS a(id, q, o, seq, at) \
             ON CONFLICT (attempt_id, question_id) DO UPDATE \
             SET options = EXCLUDED.options, seq = EXCLUDED.seq, answered_at_ms = EXCLUDED.answered_at_ms \
             WHERE answers.seq < EXCLUDED.seq",
        )
        .bind(&cols.0)
        .bind(&cols.1)
        .bind(&cols.2)
        .bind(&cols.3)
        .bind(&cols.4)
        .execute(&mut *tx)
        .await
        .context("persisting answers")?;
    }
    if !submits.ids.is_empty() {
        let updated = sqlx::query(
            "UPDATE attempts SET submitted_at_ms = s.sub, duration_ms = s.dur, correct = s.c, prediction = s.pr, \
             auto_submitted = s.auto \
             FROM UNNEST($1::uuid[], $2::bigint[], $3::bigint[], $4::int[], $5::bigint[], $6::bool[]) AS s(id, sub, dur, c, pr, auto) \
             WHERE attempts.id = s.id",
        )
        .bind(&submits.ids)
        .bind(&submits.submitted)
        .bind(&submits.durations)
        .bind(&submits.correct)
        .bind(&submits.predictions)
        .bind(&submits.auto)
        .execute(&mut *tx)
        .await
        .context("persisting submits")?;
        // Only a submit of an older version (without its start) can miss its row.
        if updated.rows_affected() != submits.ids.len() as u64 {
            bail!(SubmitWithoutStart);
        }
    }
    tx.commit().await?;
    Ok(())
}
