//! `thiluat contest import`: a contest definition file and its question bank into Postgres,
//! in one transaction (any problem imports nothing).

use std::path::Path;

use anyhow::{bail, Context};
use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use sqlx::PgPool;

use crate::contest::bank::{self, BankQuestion};
use crate::contest::draw::{self, Drawable};
use crate::contest::{ContestDefinition, RoundDefinition};
use crate::domain::{units, Scope};

pub struct Imported {
    pub contest_id: i64,
    pub slug: String,
    pub round_ids: Vec<i64>,
    pub questions: usize,
    pub units: usize,
}

/// Reads the definition and every file it names; the question bank through the input gate
/// (`crate::upload`), in a child process when this is the `thiluat` binary.
pub async fn load(path: &Path) -> anyhow::Result<(ContestDefinition, String, String, Vec<BankQuestion>)> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let def = ContestDefinition::parse(&text).with_context(|| format!("in {}", path.display()))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).with_context(|| format!("reading {name}"));
    let rules = read(&def.rules_file)?;
    let consent = read(&def.consent_file)?;
    let bank_path = dir.join(&def.questions_file);
    let parsed = match crate::upload::table_from_file(&bank_path).await? {
        Ok(rows) => bank::parse_table(rows),
        Err(refusal) => Err(vec![bank::BankError { row: 0, column: None, message: refusal.en }]),
    };
    let questions = parsed.map_err(|errors| {
        let lines: Vec<String> = errors
            .iter()
            .map(|e| {
                format!(
                    "row {}{}: {}",
                    e.row,
                    e.column.as_ref().map(|c| format!(", {c}")).unwrap_or_default(),
                    e.message
                )
            })
            .collect();
        anyhow::anyhow!(
            "the question bank {} has errors, nothing was imported:\n{}",
            def.questions_file,
            lines.join("\n")
        )
    })?;
    Ok((def, rules, consent, questions))
}

/// Moves the rounds so the first opens at 0h00 (Asia/Ho_Chi_Minh) on the Monday of the week
/// of `now`, keeping their lengths and the gaps between them. Used by the demo.
pub fn rebase_rounds(rounds: &mut [RoundDefinition], now: DateTime<Utc>) {
    let Some(first) = rounds.iter().map(|r| r.opens_at).min() else { return };
    let vn = chrono::FixedOffset::east_opt(7 * 3600).expect("+07:00 is valid");
    let local = now.with_timezone(&vn);
    let monday = local.date_naive() - Duration::days(i64::from(local.weekday().num_days_from_monday()));
    let Some(start) = vn.from_local_datetime(&monday.and_time(chrono::NaiveTime::MIN)).single() else { return };
    let shift = start - first;
    for r in rounds {
        r.opens_at += shift;
        r.closes_at += shift;
    }
}

fn drawables(questions: &[BankQuestion]) -> Vec<Drawable<'_>> {
    questions
        .iter()
        .enumerate()
        .map(|(i, q)| Drawable { id: i as i64, topic: &q.topic, difficulty: q.difficulty })
        .collect()
}

pub async fn import(pool: &PgPool, path: &Path, rebase_to: Option<DateTime<Utc>>) -> anyhow::Result<Imported> {
    let (mut def, rules, consent, questions) = load(path).await?;
    if let Some(now) = rebase_to {
        rebase_rounds(&mut def.rounds, now);
    }
    let bank = drawables(&questions);
    let mut problems = Vec::new();
    for r in &def.rounds {
        if let Err(e) = draw::check(&bank, &r.draw) {
            problems.push(format!("round {:?}: {e}", r.title));
        }
    }
    let communes = match &def.units.communes_of_province {
        Some(code) => {
            let list = units::communes_of(code);
            if list.is_empty() {
                problems.push(format!("units: no 2025 communes for province code {code:?}"));
            }
            list
        }
        None => Vec::new(),
    };
    let scope = match (&def.scope, &def.units.communes_of_province) {
        (Some(s), _) => Scope::parse(s.national, &s.provinces).map_err(|e| e.code()),
        (None, Some(code)) => Scope::parse(false, std::slice::from_ref(code)).map_err(|e| e.code()),
        (None, None) => Err("scope_required"),
    };
    let scope = match scope {
        Ok(s) => Some(s),
        Err(code) => {
            problems.push(format!(
                "scope: {code} (set [scope] national = true, or provinces = [\"15\"] with 2025 province codes)"
            ));
            None
        }
    };
    if !problems.is_empty() {
        bail!("the contest cannot run as defined, nothing was imported:\n- {}", problems.join("\n- "));
    }

    let mut tx = pool.begin().await?;
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM contests WHERE slug = $1)")
        .bind(&def.slug)
        .fetch_one(&mut *tx)
        .await?;
    if exists {
        bail!("a contest with slug {:?} already exists", def.slug);
    }
    let contest_id: i64 = sqlx::query_scalar(
        "INSERT INTO contests (slug, title, organiser, rules_md, province_code, cccd_required, min_age, \
         consent_version, consent_text, scope_provinces) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(&def.slug)
    .bind(&def.title)
    .bind(&def.organiser)
    .bind(&rules)
    .bind(scope.as_ref().and_then(Scope::single_province))
    .bind(def.cccd_required)
    .bind(def.min_age.map(|a| int(u64::from(a), "min_age")).transpose()?)
    .bind(&def.consent_version)
    .bind(consent.trim())
    .bind(scope.as_ref().map(Scope::to_column))
    .fetch_one(&mut *tx)
    .await?;

    for c in &communes {
        sqlx::query("INSERT INTO units (contest_id, code, name, kind) VALUES ($1, $2, $3, 'commune')")
            .bind(contest_id)
            .bind(&c.code)
            .bind(&c.name)
            .execute(&mut *tx)
            .await?;
    }

    let mut question_ids = Vec::with_capacity(questions.len());
    for q in &questions {
        question_ids.push(
            crate::store::pg::insert_question(&mut tx, crate::store::pg::QuestionOwner::Contest(contest_id), q).await?,
        );
    }

    let mut round_ids = Vec::new();
    for (i, r) in def.rounds.iter().enumerate() {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO rounds (contest_id, position, title, opens_at, closes_at, grace_ms, time_limit_ms, \
             attempt_limit, questions_per_attempt, draw_rule, prediction_target, prediction_question, \
             ranking_chain, question_ids) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
        )
        .bind(contest_id)
        .bind(int(i as u64 + 1, "the number of rounds")?)
        .bind(&r.title)
        .bind(r.opens_at)
        .bind(r.closes_at)
        .bind(int(u64::from(r.grace_seconds) * 1000, "grace_seconds")?)
        .bind(int(u64::from(r.time_limit_minutes) * 60_000, "time_limit_minutes")?)
        .bind(r.attempt_limit.map(|a| int(u64::from(a), "attempt_limit")).transpose()?)
        .bind(int(r.questions_per_attempt as u64, "questions_per_attempt")?)
        .bind(sqlx::types::Json(&r.draw))
        .bind(r.prediction.as_ref().map(|p| p.target.as_str()))
        .bind(r.prediction.as_ref().map(|p| p.question.clone()))
        .bind(&r.ranking)
        .bind(&question_ids)
        .fetch_one(&mut *tx)
        .await?;
        round_ids.push(id);
    }
    tx.commit().await?;
    Ok(Imported { contest_id, slug: def.slug, round_ids, questions: questions.len(), units: communes.len() })
}

/// A number of the definition file as the database's `INTEGER`, or an error naming it
/// (never an `as i32` wrap: `grace_seconds = 4294968` would have become a negative grace).
fn int(value: u64, what: &str) -> anyhow::Result<i32> {
    i32::try_from(value).map_err(|_| anyhow::anyhow!("{what} is out of range ({value})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rebase_keeps_lengths_and_starts_on_monday_midnight_in_vietnam() {
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/demo/contest.toml")).expect("demo file");
        let mut def = ContestDefinition::parse(&text).expect("valid demo");
        let lengths: Vec<_> = def.rounds.iter().map(|r| r.closes_at - r.opens_at).collect();
        // Wednesday 2027-03-10 22:00 UTC is Thursday 05:00 in Vietnam.
        let now = Utc.with_ymd_and_hms(2027, 3, 10, 22, 0, 0).single().expect("valid");
        rebase_rounds(&mut def.rounds, now);
        assert_eq!(def.rounds[0].opens_at.to_rfc3339(), "2027-03-08T00:00:00+07:00");
        assert_eq!(def.rounds.iter().map(|r| r.closes_at - r.opens_at).collect::<Vec<_>>(), lengths);
    }

    #[actix_web::test]
    async fn the_demo_contest_loads_and_every_round_can_draw() {
        let (def, rules, consent, questions) =
            load(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/demo/contest.toml"))).await.expect("demo loads");
        assert!(questions.len() >= 60, "{} questions", questions.len());
        assert!(!rules.is_empty() && !consent.is_empty());
        assert!(questions.iter().all(|q| !q.explanation.is_empty() && !q.article.is_empty() && !q.law.is_empty()));
        let bank = drawables(&questions);
        for r in &def.rounds {
            draw::check(&bank, &r.draw).expect("drawable");
        }
        assert_eq!(def.rounds.len(), 2);
    }
}
