//! The report for the Ministry of Justice (Bộ Tư pháp) per contest or per round:
//! participants, attempts, the distribution of scores, the top units, the prize list and the
//! satisfaction rate, with charts, as PDF (`layout` over the small `pdf` writer) and XLSX
//! (`xlsx`, native Excel charts). Names on the prize list are masked as on the public
//! winners list, so the report carries no personal data.

pub mod layout;
pub mod pdf;
pub mod xlsx;

use sqlx::PgPool;

use crate::domain::units;
use crate::survey::{self, Summary};

#[derive(Debug, Clone, PartialEq)]
pub struct RoundLine {
    pub title: String,
    pub participants: i64,
    pub attempts: i64,
    pub average_correct: Option<f64>,
    pub finalised: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UnitLine {
    pub name: String,
    pub participants: i64,
    pub headcount: Option<i32>,
}

impl UnitLine {
    /// participants ÷ headcount, when the unit has a headcount.
    pub fn rate(&self) -> Option<f64> {
        self.headcount.filter(|h| *h > 0).map(|h| self.participants as f64 / f64::from(h))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PrizeLine {
    pub round: String,
    pub prize: String,
    pub rank: i64,
    pub name: String,
    pub unit: String,
    pub commune: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReportData {
    pub contest_title: String,
    pub organiser: String,
    /// "Toàn cuộc thi" or the round's title.
    pub scope: String,
    pub generated_at: String,
    pub registered: i64,
    pub participants: i64,
    pub attempts: i64,
    pub rounds: Vec<RoundLine>,
    /// (correct answers, participants whose counted attempt has that many), ascending.
    pub scores: Vec<(i32, i64)>,
    pub units: Vec<UnitLine>,
    pub prizes: Vec<PrizeLine>,
    pub survey: Summary,
}

/// How many units the report lists.
pub const TOP_UNITS: i64 = 10;

/// Loads the report's figures for `contest`, or only its `round`.
pub async fn load(pg: &PgPool, contest: i64, round: Option<i64>) -> sqlx::Result<ReportData> {
    let (contest_title, organiser): (String, String) =
        sqlx::query_as("SELECT title, organiser FROM contests WHERE id = $1").bind(contest).fetch_one(pg).await?;
    let scope = match round {
        Some(r) => sqlx::query_scalar("SELECT title FROM rounds WHERE id = $1").bind(r).fetch_one(pg).await?,
        None => "Toàn cuộc thi".to_string(),
    };
    let registered: i64 = sqlx::query_scalar("SELECT count(*) FROM participants WHERE contest_id = $1")
        .bind(contest)
        .fetch_one(pg)
        .await?;
    const IN_SCOPE: &str = "r.contest_id = $1 AND ($2::bigint IS NULL OR r.id = $2)";
    // Participants as the participation statistics count them: a submitted attempt and not
    // disqualified (a disqualified entry took no valid part), so both reports agree.
    let (participants, attempts): (i64, i64) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT count(DISTINCT a.participant_id), count(*) FROM attempts a JOIN rounds r ON r.id = a.round_id \
         JOIN participants p ON p.id = a.participant_id \
         WHERE {IN_SCOPE} AND a.submitted_at_ms IS NOT NULL AND p.disqualified_at IS NULL"
    )))
    .bind(contest)
    .bind(round)
    .fetch_one(pg)
    .await?;
    let rounds: Vec<(String, i64, i64, Option<f64>, bool)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT r.title, count(DISTINCT a.participant_id), count(a.id), avg(a.correct)::float8, \
           r.finalized_at IS NOT NULL \
         FROM rounds r LEFT JOIN (attempts a JOIN participants p ON p.id = a.participant_id AND p.disqualified_at IS NULL) \
           ON a.round_id = r.id AND a.submitted_at_ms IS NOT NULL \
         WHERE {IN_SCOPE} GROUP BY r.id ORDER BY r.position"
    )))
    .bind(contest)
    .bind(round)
    .fetch_all(pg)
    .await?;
    let rounds = rounds
        .into_iter()
        .map(|(title, participants, attempts, average_correct, finalised)| RoundLine {
            title,
            participants,
            attempts,
            average_correct,
            finalised,
        })
        .collect();
    let scores = score_distribution(pg, contest, round).await?;
    let mut unit_rows: Vec<(String, i64, Option<i32>)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT COALESCE(u.name, p.unit_code), count(DISTINCT p.id), u.headcount FROM participants p \
         JOIN attempts a ON a.participant_id = p.id AND a.submitted_at_ms IS NOT NULL \
         JOIN rounds r ON r.id = a.round_id \
         LEFT JOIN units u ON u.contest_id = p.contest_id AND u.code = p.unit_code \
         WHERE {IN_SCOPE} AND p.disqualified_at IS NULL GROUP BY p.unit_code, u.name, u.headcount \
         ORDER BY 2 DESC LIMIT {TOP_UNITS}"
    )))
    .bind(contest)
    .bind(round)
    .fetch_all(pg)
    .await?;
    unit_rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| crate::domain::collation::compare(&a.0, &b.0)));
    let units = unit_rows
        .into_iter()
        .map(|(name, participants, headcount)| UnitLine { name, participants, headcount })
        .collect();
    let awards: Vec<_> = crate::awards::all_awards(pg, contest)
        .await?
        .into_iter()
        .filter(|a| round.is_none_or(|r| r == a.round_id))
        .collect();
    // Who and where, for every winner at once (in award order).
    let people: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT COALESCE(r.title, 'Chung cuộc'), p.full_name, COALESCE(u.name, p.unit_code), p.commune_code \
         FROM unnest($1::bigint[], $2::bigint[]) WITH ORDINALITY AS w(participant_id, round_id, n) \
         JOIN participants p ON p.id = w.participant_id LEFT JOIN rounds r ON r.id = w.round_id \
         LEFT JOIN units u ON u.contest_id = p.contest_id AND u.code = p.unit_code ORDER BY w.n",
    )
    .bind(awards.iter().map(|a| a.participant_id).collect::<Vec<_>>())
    .bind(awards.iter().map(|a| a.round_id).collect::<Vec<_>>())
    .fetch_all(pg)
    .await?;
    let prizes = awards
        .iter()
        .zip(people)
        .map(|(a, (title, name, unit, commune))| PrizeLine {
            round: title,
            prize: a.prize.clone(),
            rank: a.rank,
            name: crate::domain::person::FullName::parse(&name).map(|n| n.masked()).unwrap_or(name),
            unit,
            commune: units::commune(&commune).map(|c| c.name.clone()).unwrap_or(commune),
        })
        .collect();
    let survey = survey::summary(pg, contest, round).await?;
    let now = chrono::Utc::now() + chrono::Duration::hours(7);
    Ok(ReportData {
        contest_title,
        organiser,
        scope,
        generated_at: now.format("%d/%m/%Y %H:%M").to_string(),
        registered,
        participants,
        attempts,
        rounds,
        scores,
        units,
        prizes,
        survey,
    })
}

/// (correct answers, participants whose counted attempt has that many), ascending: each
/// participant's best attempt per round (the one the ranking counts), disqualified
/// participants left out, as the results are. Over the whole contest a person counts once per
/// round they took part in.
pub async fn score_distribution(pg: &PgPool, contest: i64, round: Option<i64>) -> sqlx::Result<Vec<(i32, i64)>> {
    sqlx::query_as(
        "SELECT correct, count(*) FROM ( \
           SELECT DISTINCT ON (a.round_id, a.participant_id) a.correct FROM attempts a \
           JOIN rounds r ON r.id = a.round_id JOIN participants p ON p.id = a.participant_id \
           WHERE r.contest_id = $1 AND ($2::bigint IS NULL OR r.id = $2) AND a.submitted_at_ms IS NOT NULL \
             AND a.correct IS NOT NULL AND p.disqualified_at IS NULL \
           ORDER BY a.round_id, a.participant_id, a.correct DESC) best \
         GROUP BY correct ORDER BY correct",
    )
    .bind(contest)
    .bind(round)
    .fetch_all(pg)
    .await
}

/// 1234567 → "1.234.567" (Vietnamese digit grouping).
pub fn int_vi(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

/// 0.6667 → "66,7%".
pub fn percent_vi(rate: f64) -> String {
    format!("{:.1}%", rate * 100.0).replace('.', ",")
}

/// 3.25 → "3,25".
pub fn decimal_vi(v: f64) -> String {
    format!("{v:.2}").replace('.', ",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_the_vietnamese_way() {
        assert_eq!(int_vi(0), "0");
        assert_eq!(int_vi(999), "999");
        assert_eq!(int_vi(1000), "1.000");
        assert_eq!(int_vi(1_234_567), "1.234.567");
        assert_eq!(percent_vi(2.0 / 3.0), "66,7%");
        assert_eq!(percent_vi(0.9), "90,0%");
        assert_eq!(decimal_vi(3.25), "3,25");
        let u = UnitLine { name: "A".into(), participants: 3, headcount: Some(4) };
        assert_eq!(u.rate(), Some(0.75));
        assert_eq!(UnitLine { headcount: Some(0), ..u }.rate(), None);
    }
}
