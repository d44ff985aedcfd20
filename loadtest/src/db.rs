//! After the run: are the acknowledged answers and submits in Postgres?
//!
//! An acknowledged answer (attempt, question, seq) is present when `answers` has a row for
//! (attempt, question) with a seq at least that high (a later answer may have replaced it).
//! An acknowledged submit is present when `attempts` has the attempt with `submitted_at_ms`
//! set; a different `correct` is reported separately.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde::Serialize;
use sqlx::Connection;
use uuid::Uuid;

const CHUNK: usize = 20_000;

#[derive(Debug, Clone, Serialize)]
pub struct DbCheck {
    pub checked_answers: usize,
    pub lost_answers: u64,
    pub checked_submits: usize,
    pub lost_submits: u64,
    pub submits_with_other_correct: u64,
    /// lost_answers + lost_submits.
    pub lost: u64,
    pub waited_s: f64,
}

/// Keeps the highest seq per (attempt, question).
fn latest(answers: &[(Uuid, i64, i64)]) -> Vec<(Uuid, i64, i64)> {
    let mut best: HashMap<(Uuid, i64), i64> = HashMap::with_capacity(answers.len());
    for &(a, q, s) in answers {
        let e = best.entry((a, q)).or_insert(s);
        if s > *e {
            *e = s;
        }
    }
    best.into_iter().map(|((a, q), s)| (a, q, s)).collect()
}

async fn count_lost(
    conn: &mut sqlx::PgConnection,
    answers: &[(Uuid, i64, i64)],
    submits: &[(Uuid, i64)],
) -> Result<(u64, u64, u64), sqlx::Error> {
    let mut lost_answers = 0u64;
    for chunk in answers.chunks(CHUNK) {
        let a: Vec<Uuid> = chunk.iter().map(|x| x.0).collect();
        let q: Vec<i64> = chunk.iter().map(|x| x.1).collect();
        let s: Vec<i64> = chunk.iter().map(|x| x.2).collect();
        let (n,): (i64,) = sqlx::query_as(
            "SELECT count(*) FROM unnest($1::uuid[], $2::int8[], $3::int8[]) AS t(a, q, s) \
             LEFT JOIN answers x ON x.attempt_id = t.a AND x.question_id = t.q \
             WHERE x.seq IS NULL OR x.seq < t.s",
        )
        .bind(&a)
        .bind(&q)
        .bind(&s)
        .fetch_one(&mut *conn)
        .await?;
        lost_answers += n as u64;
    }
    let mut lost_submits = 0u64;
    let mut other_correct = 0u64;
    for chunk in submits.chunks(CHUNK) {
        let id: Vec<Uuid> = chunk.iter().map(|x| x.0).collect();
        let c: Vec<i64> = chunk.iter().map(|x| x.1).collect();
        let (lost, other): (i64, i64) = sqlx::query_as(
            "SELECT count(*) FILTER (WHERE x.submitted_at_ms IS NULL), \
                    count(*) FILTER (WHERE x.submitted_at_ms IS NOT NULL AND x.correct::int8 IS DISTINCT FROM t.c) \
             FROM unnest($1::uuid[], $2::int8[]) AS t(id, c) \
             LEFT JOIN attempts x ON x.id = t.id",
        )
        .bind(&id)
        .bind(&c)
        .fetch_one(&mut *conn)
        .await?;
        lost_submits += lost as u64;
        other_correct += other as u64;
    }
    Ok((lost_answers, lost_submits, other_correct))
}

/// Rows in `answers` for the attempts of `sent` whose (attempt, question, seq) is not one of
/// `sent`: what Postgres holds that no participant sent.
pub async fn unexplained(url: &str, sent: &[(Uuid, i64, i64)]) -> Result<u64, String> {
    let mut conn = sqlx::PgConnection::connect(url).await.map_err(|e| format!("connecting to --check-db: {e}"))?;
    let mut attempts: Vec<Uuid> = sent.iter().map(|x| x.0).collect();
    attempts.sort_unstable();
    attempts.dedup();
    let a: Vec<Uuid> = sent.iter().map(|x| x.0).collect();
    let q: Vec<i64> = sent.iter().map(|x| x.1).collect();
    let s: Vec<i64> = sent.iter().map(|x| x.2).collect();
    let (n,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM answers x WHERE x.attempt_id = ANY($1) AND NOT EXISTS \
         (SELECT 1 FROM unnest($2::uuid[], $3::int8[], $4::int8[]) AS t(a, q, s) \
          WHERE t.a = x.attempt_id AND t.q = x.question_id AND t.s = x.seq)",
    )
    .bind(&attempts)
    .bind(&a)
    .bind(&q)
    .bind(&s)
    .fetch_one(&mut conn)
    .await
    .map_err(|e| format!("--check-db query: {e}"))?;
    Ok(n as u64)
}

/// Polls until nothing is missing or `wait` has passed (the persister writes in batches).
pub async fn check(
    url: &str,
    answers: &[(Uuid, i64, i64)],
    submits: &[(Uuid, i64)],
    wait: Duration,
) -> Result<DbCheck, String> {
    let answers = latest(answers);
    let mut conn = sqlx::PgConnection::connect(url).await.map_err(|e| format!("connecting to --check-db: {e}"))?;
    let started = Instant::now();
    loop {
        let (lost_answers, lost_submits, other) =
            count_lost(&mut conn, &answers, submits).await.map_err(|e| format!("--check-db query: {e}"))?;
        let lost = lost_answers + lost_submits;
        if lost == 0 || started.elapsed() >= wait {
            return Ok(DbCheck {
                checked_answers: answers.len(),
                lost_answers,
                checked_submits: submits.len(),
                lost_submits,
                submits_with_other_correct: other,
                lost,
                waited_s: started.elapsed().as_secs_f64(),
            });
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_highest_seq() {
        let a = Uuid::new_v4();
        let mut v = latest(&[(a, 1, 3), (a, 1, 7), (a, 2, 1), (a, 1, 5)]);
        v.sort_by_key(|x| x.1);
        assert_eq!(v, vec![(a, 1, 7), (a, 2, 1)]);
    }
}
