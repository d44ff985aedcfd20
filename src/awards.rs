//! Prizes: the awards of a contest's finalised rounds and of its overall ranking (the chain
//! and tiers of `contest::prizes` over the results in Postgres), the winners to verify and
//! the published list. Read by the organiser routes, the public pages and the reports.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use crate::contest::prizes::{allocate, places, reach, Award, RoundRanking, Tier};
use crate::domain::units;

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
    all.extend(overall_awards(pg, contest).await?);
    Ok(all)
}

pub type WinnerRow = (String, String, String, Option<String>);

/// Each award with its winner (name, masked phone, commune, verification) and round title,
/// in one query.
pub async fn describe(
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

/// The overall ranking's chain, as SQL over the per-participant totals (fixed text).
pub const OVERALL_ORDER: &str = "total_correct DESC, total_duration_ms ASC, last_submitted_at_ms ASC";

pub const OVERALL_RULE: [&str; 3] = ["total_correct_desc", "total_duration_asc", "last_submitted_asc"];

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Overall {
    #[serde(default)]
    pub prizes: Vec<Tier>,
}

/// The overall ranking's settings, or `None` when the contest does not rank overall.
pub async fn overall_settings(pg: &PgPool, contest: i64) -> sqlx::Result<Option<Overall>> {
    let v: Option<sqlx::types::Json<Overall>> =
        sqlx::query_scalar("SELECT overall_ranking FROM contests WHERE id = $1").bind(contest).fetch_one(pg).await?;
    Ok(v.map(|j| j.0))
}

pub fn totals_sql() -> String {
    totals_sql_with("")
}

/// The per-participant totals ranked by the overall chain; `extra`: more aggregates over
/// the participant's results `x` of finalised rounds `d` (each starting with a comma).
pub fn totals_sql_with(extra: &str) -> String {
    format!(
        "WITH t AS ( \
           SELECT x.participant_id, sum(x.correct)::bigint AS total_correct, sum(x.duration_ms)::bigint AS total_duration_ms, \
                  max(x.submitted_at_ms) AS last_submitted_at_ms, count(*)::bigint AS rounds_counted{extra} \
           FROM results x JOIN rounds d ON d.id = x.round_id \
           WHERE d.contest_id = $1 AND d.finalized_at IS NOT NULL GROUP BY x.participant_id \
         ) SELECT t.*, (RANK() OVER (ORDER BY {OVERALL_ORDER}))::bigint AS rank FROM t"
    )
}

/// The overall prizes: tiers down the overall ranking, staff, disqualified and the winners
/// the organiser rejected for an overall prize skipped. Awards carry round id 0 (they belong
/// to no round).
pub async fn overall_awards(pg: &PgPool, contest: i64) -> sqlx::Result<Vec<Award>> {
    let Some(settings) = overall_settings(pg, contest).await? else { return Ok(Vec::new()) };
    if settings.prizes.is_empty() {
        return Ok(Vec::new());
    }
    let never: HashSet<i64> = sqlx::query_scalar(
        "SELECT id FROM participants WHERE contest_id = $1 AND (staff OR disqualified_at IS NOT NULL)",
    )
    .bind(contest)
    .fetch_all(pg)
    .await?
    .into_iter()
    .collect();
    let rejected: HashSet<(i64, i64)> = sqlx::query_scalar(
        "SELECT participant_id FROM overall_winner_checks WHERE contest_id = $1 AND status = 'rejected'",
    )
    .bind(contest)
    .fetch_all(pg)
    .await?
    .into_iter()
    .map(|p: i64| (0, p))
    .collect();
    // Only the top of the ranking can win: as many as there are prizes, plus those who cannot.
    let needed = settings.prizes.iter().map(|t| t.count).sum::<usize>() + never.len() + rejected.len();
    let ranked: Vec<(i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT participant_id, rank FROM ({}) r ORDER BY rank, participant_id LIMIT $2",
        totals_sql()
    )))
    .bind(contest)
    .bind(needed as i64)
    .fetch_all(pg)
    .await?;
    let round = RoundRanking { round_id: 0, tiers: settings.prizes, ranked };
    Ok(allocate(&[round], &rejected, &never, false))
}
