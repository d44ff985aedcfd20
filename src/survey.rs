//! The satisfaction survey after an attempt: its figures for a contest or a round, read by the
//! organiser routes, the public results page and the Ministry of Justice report.

use serde::Serialize;
use sqlx::PgPool;

/// The 2025–2030 plans' target for the share of satisfied participants.
pub const TARGET_RATE: f64 = 0.9;

pub const COMMENT_MAX_CHARS: usize = 1000;

/// The survey's figures for a contest, or one of its rounds.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Summary {
    pub count: i64,
    /// Responses with score 1, 2, 3, 4, 5.
    pub distribution: [i64; 5],
    /// Responses with 4 or 5.
    pub satisfied: i64,
    /// satisfied ÷ count; `None` without responses.
    pub satisfaction_rate: Option<f64>,
    pub average: Option<f64>,
}

pub async fn summary(pg: &PgPool, contest: i64, round: Option<i64>) -> sqlx::Result<Summary> {
    let rows: Vec<(i16, i64)> = sqlx::query_as(
        "SELECT score, count(*) FROM survey_responses WHERE contest_id = $1 AND ($2::bigint IS NULL OR round_id = $2) \
         GROUP BY score",
    )
    .bind(contest)
    .bind(round)
    .fetch_all(pg)
    .await?;
    let mut distribution = [0i64; 5];
    for (score, n) in rows {
        if let Some(slot) = usize::try_from(score - 1).ok().and_then(|i| distribution.get_mut(i)) {
            *slot = n;
        }
    }
    let count: i64 = distribution.iter().sum();
    let satisfied = distribution[3] + distribution[4];
    let weighted: i64 = distribution.iter().enumerate().map(|(i, n)| (i as i64 + 1) * n).sum();
    Ok(Summary {
        count,
        distribution,
        satisfied,
        satisfaction_rate: (count > 0).then(|| satisfied as f64 / count as f64),
        average: (count > 0).then(|| weighted as f64 / count as f64),
    })
}
