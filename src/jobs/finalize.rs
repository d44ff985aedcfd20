//! Finalisation of a round and its verification.
//!
//! Finalise (after close + grace): auto-submit what is still open, drain the round's stream
//! into Postgres, compute the prediction's actual value, choose each participant's best
//! attempt and rank by the chain in SQL. Runs under a lock, can be re-run, and writes the
//! same rows every time. Verify recomputes everything from Postgres and diffs it with Redis.

use anyhow::Context;
use sqlx::PgPool;

use super::persister::{self, Options};
use crate::contest::definition::PredictionTarget;
use crate::contest::ranking::{self, parse_chain};
use crate::play::Play;
use crate::store::pg;

/// One row of `ranking_sql`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RankedRow {
    pub participant_id: i64,
    pub rank: i32,
    pub attempt_id: uuid::Uuid,
    pub correct: i32,
    pub prediction: Option<i64>,
    pub distance: Option<i64>,
    pub duration_ms: i64,
    pub submitted_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinalizeReport {
    pub round_id: i64,
    pub auto_submitted: usize,
    pub persisted: usize,
    pub ranked: i64,
    pub prediction_actual: Option<i64>,
}

/// SQL that ranks the best attempt of each participant of round $1 by `chain`, with the
/// prediction's actual value in $2. Columns: participant_id, rank, attempt_id, correct,
/// prediction, distance, duration_ms, submitted_at_ms.
pub fn ranking_sql(chain: &[ranking::RankKey]) -> String {
    let order = ranking::order_by_sql(chain);
    format!(
        "WITH scored AS ( \
           SELECT id AS attempt_id, participant_id, number, correct, prediction, \
                  CASE WHEN prediction IS NULL OR $2::bigint IS NULL THEN NULL ELSE abs(prediction - $2::bigint) END AS distance, \
                  duration_ms, submitted_at_ms \
           FROM attempts WHERE round_id = $1 AND submitted_at_ms IS NOT NULL \
             AND participant_id NOT IN (SELECT id FROM participants WHERE disqualified_at IS NOT NULL) \
         ), best AS ( \
           SELECT DISTINCT ON (participant_id) * FROM scored \
           ORDER BY participant_id, {order}, number \
         ) \
         SELECT participant_id, (RANK() OVER (ORDER BY {order}))::int AS rank, attempt_id, correct, prediction, distance, \
                duration_ms, submitted_at_ms \
         FROM best ORDER BY rank, participant_id"
    )
}

async fn actual_value(pg: &PgPool, round_id: i64, target: PredictionTarget) -> sqlx::Result<i64> {
    let sql = match target {
        PredictionTarget::Attempts => {
            "SELECT count(*) FROM attempts WHERE round_id = $1 AND submitted_at_ms IS NOT NULL"
        }
        PredictionTarget::Participants => {
            "SELECT count(DISTINCT participant_id) FROM attempts WHERE round_id = $1 AND submitted_at_ms IS NOT NULL"
        }
        PredictionTarget::PerfectParticipants => {
            "SELECT count(DISTINCT participant_id) FROM attempts WHERE round_id = $1 AND submitted_at_ms IS NOT NULL \
             AND correct = cardinality(question_ids)"
        }
    };
    sqlx::query_scalar(sql).bind(round_id).fetch_one(pg).await
}

/// Auto-submits every open attempt of the round that is past its deadline + grace.
pub async fn sweep_round(play: &Play, round_id: i64, limit: isize) -> anyhow::Result<usize> {
    let round = play.round(round_id).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let now = play.redis().now_ms().await?;
    let due = play.redis().due_attempts(round_id, now - i64::from(round.row.grace_ms) - 1, limit).await?;
    let mut done = 0;
    for attempt in due {
        match play.redis().submit(round_id, None, &attempt, None).await {
            Ok(_) => done += 1,
            Err(crate::store::ScriptError::Refused(code)) if code == "not_due" => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(done)
}

/// Why finalisation did not run.
#[derive(Debug, thiserror::Error)]
pub enum FinalizeError {
    #[error("round {round} is still open: it closes at {closes_at_ms} ms (+ {grace_ms} ms grace)")]
    StillOpen { round: i64, closes_at_ms: i64, grace_ms: i32 },
    #[error("round {0} is being finalised by another process")]
    Busy(i64),
    #[error("no round {0}")]
    NoRound(i64),
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

fn failed(e: impl Into<anyhow::Error>) -> FinalizeError {
    FinalizeError::Failed(e.into())
}

pub async fn finalize(pg: &PgPool, play: &Play, round_id: i64) -> Result<FinalizeReport, FinalizeError> {
    let row = pg::round(pg, round_id).await.map_err(failed)?.ok_or(FinalizeError::NoRound(round_id))?;
    let now = play.redis().now_ms().await.map_err(failed)?;
    if now < row.closes_at_ms + i64::from(row.grace_ms) {
        return Err(FinalizeError::StillOpen {
            round: round_id,
            closes_at_ms: row.closes_at_ms,
            grace_ms: row.grace_ms,
        });
    }
    let chain = parse_chain(&row.ranking_chain).map_err(|e| failed(anyhow::anyhow!(e)))?;
    let mut lock_conn = pg.acquire().await.map_err(failed)?;
    // The key is the round id folded into int4 (no `as i32` wrap): ids past 2^31 may share a
    // key with another round, which only makes one wait for the other.
    let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock(7001, ($1::bigint % 2147483647)::int)")
        .bind(round_id)
        .fetch_one(&mut *lock_conn)
        .await
        .map_err(failed)?;
    if !locked {
        return Err(FinalizeError::Busy(round_id));
    }
    let result = finalize_locked(pg, play, &row, &chain).await;
    sqlx::query("SELECT pg_advisory_unlock(7001, ($1::bigint % 2147483647)::int)")
        .bind(round_id)
        .execute(&mut *lock_conn)
        .await
        .map_err(failed)?;
    result.map_err(FinalizeError::Failed)
}

async fn finalize_locked(
    pg: &PgPool,
    play: &Play,
    row: &pg::RoundRow,
    chain: &[ranking::RankKey],
) -> anyhow::Result<FinalizeReport> {
    let round_id = row.id;
    let mut auto_submitted = 0;
    loop {
        let n = sweep_round(play, round_id, 1000).await?;
        auto_submitted += n;
        if n == 0 {
            break;
        }
    }
    // Drain the stream, claiming whatever other consumers hold: writes are idempotent.
    let opts = Options { batch: 2000, reclaim_idle_ms: 0 };
    let mut persisted = 0;
    loop {
        let n = persister::persist_once(pg, play.redis(), round_id, "finalizer", opts).await?;
        persisted += n;
        if n == 0 && persister::lag(play.redis(), round_id).await? == 0 {
            break;
        }
    }
    let actual = match row.prediction_target.as_deref().and_then(PredictionTarget::parse) {
        Some(target) => Some(actual_value(pg, round_id, target).await?),
        None => None,
    };
    let mut tx = pg.begin().await?;
    // The ranking sorts every attempt three times: in memory rather than in temporary files.
    sqlx::query("SET LOCAL work_mem = '256MB'").execute(&mut *tx).await?;
    // Rows that did not change are left alone (finalising again after a disqualification
    // rewrites only what moved); rows of people no longer ranked go.
    sqlx::query(&format!(
        "WITH ranked AS MATERIALIZED ({}), \
         gone AS (DELETE FROM results x WHERE x.round_id = $1 \
                  AND NOT EXISTS (SELECT 1 FROM ranked r WHERE r.participant_id = x.participant_id)) \
         INSERT INTO results (participant_id, rank, attempt_id, correct, prediction, distance, duration_ms, submitted_at_ms, round_id) \
         SELECT r.*, $1 FROM ranked r \
         ON CONFLICT (round_id, participant_id) DO UPDATE SET rank = EXCLUDED.rank, attempt_id = EXCLUDED.attempt_id, \
           correct = EXCLUDED.correct, prediction = EXCLUDED.prediction, distance = EXCLUDED.distance, \
           duration_ms = EXCLUDED.duration_ms, submitted_at_ms = EXCLUDED.submitted_at_ms \
         WHERE (results.rank, results.attempt_id, results.correct, results.prediction, results.distance, \
                results.duration_ms, results.submitted_at_ms) \
           IS DISTINCT FROM (EXCLUDED.rank, EXCLUDED.attempt_id, EXCLUDED.correct, EXCLUDED.prediction, \
                EXCLUDED.distance, EXCLUDED.duration_ms, EXCLUDED.submitted_at_ms)",
        ranking_sql(chain)
    ))
    .bind(round_id)
    .bind(actual)
    .execute(&mut *tx)
    .await
    .context("ranking")?;
    let ranked: i64 = sqlx::query_scalar("SELECT count(*) FROM results WHERE round_id = $1")
        .bind(round_id)
        .fetch_one(&mut *tx)
        .await?;
    sqlx::query("UPDATE rounds SET prediction_actual = $2, finalized_at = COALESCE(finalized_at, now()) WHERE id = $1")
        .bind(round_id)
        .bind(actual)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    play.redis().disarm(round_id).await?;
    tracing::info!(round.id = round_id, ranked, auto_submitted, persisted, "round finalised");
    Ok(FinalizeReport { round_id, auto_submitted, persisted, ranked, prediction_actual: actual })
}

/// Recomputes scores from the persisted answers and compares Postgres with Redis.
/// Returns the differences, one line each; empty means they agree.
pub async fn verify(pg: &PgPool, play: &Play, round_id: i64) -> anyhow::Result<Vec<String>> {
    let mut diffs = Vec::new();
    let lag = persister::lag(play.redis(), round_id).await?;
    if lag > 0 {
        diffs.push(format!("{lag} events are not yet in Postgres"));
    }
    // 0. Entries the persister set aside: each one is something Postgres lacks.
    for (stream_id, fields, reason) in super::dead_letter::list(pg, round_id).await? {
        diffs.push(format!("dead letter {stream_id}: {reason}; entry {fields}"));
    }
    // 1. Each attempt's stored score equals its answers scored against the key.
    let rows: Vec<(uuid::Uuid, i64, Option<i32>, i64)> = sqlx::query_as(
        "SELECT a.id, a.participant_id, a.correct, \
           (SELECT count(*) FROM answers x JOIN questions q ON q.id = x.question_id \
            WHERE x.attempt_id = a.id AND x.question_id = ANY(a.question_ids) \
              AND (SELECT array_agg(v ORDER BY v) FROM unnest(x.options) v) = (SELECT array_agg(v ORDER BY v) FROM unnest(q.correct) v)) \
         FROM attempts a WHERE a.round_id = $1 ORDER BY a.id",
    )
    .bind(round_id)
    .fetch_all(pg)
    .await?;
    for (id, participant, stored, recomputed) in &rows {
        if let Some(stored) = stored {
            if i64::from(*stored) != *recomputed {
                diffs.push(format!("attempt {id}: Postgres says {stored} correct, its answers give {recomputed}"));
            }
        }
        // 2. Redis holds the same attempt with the same state.
        match play.redis().attempt(round_id, &id.to_string()).await? {
            None => diffs.push(format!("attempt {id}: in Postgres but not in Redis")),
            Some(r) => {
                let redis_correct = r.scored.as_ref().map(|s| s.correct);
                if r.participant_id != *participant || redis_correct != stored.map(i64::from) {
                    diffs.push(format!("attempt {id}: Redis says {redis_correct:?} correct, Postgres {stored:?}"));
                }
                let pg_answers: i64 = sqlx::query_scalar("SELECT count(*) FROM answers WHERE attempt_id = $1")
                    .bind(id)
                    .fetch_one(pg)
                    .await?;
                if pg_answers != r.answers.len() as i64 {
                    diffs.push(format!("attempt {id}: {} answers in Redis, {pg_answers} in Postgres", r.answers.len()));
                }
            }
        }
    }
    // 3. Attempts counted per participant agree.
    let counts: Vec<(i64, i64)> =
        sqlx::query_as("SELECT participant_id, count(*) FROM attempts WHERE round_id = $1 GROUP BY participant_id")
            .bind(round_id)
            .fetch_all(pg)
            .await?;
    for (participant, count) in counts {
        let used = play.redis().attempts_used(round_id, participant).await?;
        if used != count {
            diffs.push(format!("participant {participant}: {used} attempts in Redis, {count} in Postgres"));
        }
    }
    // 4. The live leaderboard equals the ranking recomputed from Postgres (its chain:
    //    correct, time, submission).
    let live_chain = [ranking::RankKey::CorrectDesc, ranking::RankKey::DurationAsc, ranking::RankKey::SubmittedAsc];
    let pg_board: Vec<RankedRow> =
        sqlx::query_as(&ranking_sql(&live_chain)).bind(round_id).bind(None::<i64>).fetch_all(pg).await?;
    let live = play.redis().leaderboard(round_id, isize::MAX).await?;
    let mut pg_sorted: Vec<(i64, i64, i64, i64)> =
        pg_board.iter().map(|r| (i64::from(r.correct), r.duration_ms, r.submitted_at_ms, r.participant_id)).collect();
    pg_sorted.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)).then(a.3.cmp(&b.3)));
    // Disqualified participants stay on the live board but leave the results.
    let disqualified: Vec<i64> = sqlx::query_scalar(
        "SELECT p.id FROM participants p JOIN rounds r ON r.contest_id = p.contest_id \
         WHERE r.id = $1 AND p.disqualified_at IS NOT NULL",
    )
    .bind(round_id)
    .fetch_all(pg)
    .await?;
    let live_rows: Vec<(i64, i64, i64, i64)> = live
        .iter()
        .filter(|e| !disqualified.contains(&e.participant_id))
        .map(|e| (e.correct, e.duration_ms, e.submitted_ms, e.participant_id))
        .collect();
    if pg_sorted != live_rows {
        let first =
            pg_sorted.iter().zip(&live_rows).position(|(a, b)| a != b).unwrap_or(pg_sorted.len().min(live_rows.len()));
        diffs.push(format!(
            "leaderboard: Postgres has {} entries, Redis {}; first difference at position {}",
            pg_sorted.len(),
            live_rows.len(),
            first + 1
        ));
    }
    Ok(diffs)
}
