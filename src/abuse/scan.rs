//! Runs the rules over one contest, reading Postgres only (the persisted answers, never the
//! Redis hot path), and files or updates cases. One scan per contest at a time, on any node:
//! a session advisory lock, skipped when another node holds it.

use std::collections::HashMap;

use anyhow::Context;
use sqlx::PgPool;

use super::rules::{self, AttemptTrace, Finding, KeyKind, Person, Registration, Rule};

/// Advisory lock namespace of the scan (finalisation uses 7001).
const LOCK_CLASS: i32 = 7002;

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ScanReport {
    pub contest_id: i64,
    /// Findings per rule in this scan.
    pub found: HashMap<&'static str, usize>,
    /// Cases filed for the first time.
    pub new_cases: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("contest {0} is being scanned by another process")]
    Busy(i64),
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

pub async fn scan_contest(pg: &PgPool, contest_id: i64) -> Result<ScanReport, ScanError> {
    let mut lock = pg.acquire().await.context("a connection for the scan lock")?;
    // The contest id folded into int4 (see jobs::finalize): no `as i32` wrap.
    let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1, ($2::bigint % 2147483647)::int)")
        .bind(LOCK_CLASS)
        .bind(contest_id)
        .fetch_one(&mut *lock)
        .await
        .context("taking the scan lock")?;
    if !locked {
        return Err(ScanError::Busy(contest_id));
    }
    let result = scan_locked(pg, contest_id).await;
    let unlocked = sqlx::query("SELECT pg_advisory_unlock($1, ($2::bigint % 2147483647)::int)")
        .bind(LOCK_CLASS)
        .bind(contest_id)
        .execute(&mut *lock)
        .await;
    if unlocked.is_err() {
        // A lock that cannot be released must not go back to the pool.
        lock.detach();
    }
    Ok(result?)
}

/// id, created_at in ms, address HMAC, device HMAC, full name, date of birth.
type ParticipantRow = (i64, i64, Option<Vec<u8>>, Option<Vec<u8>>, String, chrono::NaiveDate);

async fn scan_locked(pg: &PgPool, contest_id: i64) -> anyhow::Result<ScanReport> {
    let rows: Vec<ParticipantRow> = sqlx::query_as(
        "SELECT id, (extract(epoch FROM created_at) * 1000)::bigint, address_hmac, device_hmac, full_name, dob \
         FROM participants WHERE contest_id = $1",
    )
    .bind(contest_id)
    .fetch_all(pg)
    .await
    .context("loading participants")?;
    let registrations = |pick: fn(&ParticipantRow) -> &Option<Vec<u8>>| {
        rows.iter()
            .filter_map(|r| {
                pick(r).as_ref().map(|key| Registration { participant_id: r.0, at_ms: r.1, key: key.clone() })
            })
            .collect::<Vec<_>>()
    };
    let mut findings = rules::registration_bursts(&registrations(|r| &r.3), KeyKind::Device);
    findings.extend(rules::registration_bursts(&registrations(|r| &r.2), KeyKind::Address));
    let people: Vec<Person> =
        rows.iter().map(|r| Person { participant_id: r.0, full_name: r.4.clone(), dob: r.5 }).collect();
    findings.extend(rules::same_person(&people));
    drop(people);

    let rounds: Vec<(i64, Vec<i64>)> =
        sqlx::query_as("SELECT id, question_ids FROM rounds WHERE contest_id = $1 ORDER BY id")
            .bind(contest_id)
            .fetch_all(pg)
            .await
            .context("loading rounds")?;
    for (round_id, question_ids) in rounds {
        let chars = question_chars(pg, &question_ids).await?;
        findings.extend(scan_round(pg, round_id, &chars).await?);
    }

    let mut report = ScanReport { contest_id, ..ScanReport::default() };
    for rule in Rule::ALL {
        report.found.insert(rule.as_str(), findings.iter().filter(|f| f.rule == rule).count());
    }
    for f in &findings {
        if file(pg, contest_id, f).await? {
            report.new_cases += 1;
        }
    }
    sqlx::query(
        "INSERT INTO abuse_scans (contest_id, scanned_at) VALUES ($1, now()) \
         ON CONFLICT (contest_id) DO UPDATE SET scanned_at = EXCLUDED.scanned_at",
    )
    .bind(contest_id)
    .execute(pg)
    .await
    .context("recording the scan")?;
    Ok(report)
}

/// Rules (c) and (d) over one round in bounded memory: a national round has millions of
/// answers, and holding them all (as the first version did) took ~460 MiB for 1,000,000
/// attempts. Pass 1 streams the attempts once, applies the per-attempt rule (d) and counts
/// the signature hashes of rule (c); pass 2 streams them again and keeps only the attempts
/// whose hash another attempt shares, the only ones rule (c) can match (a hash collision
/// only adds a candidate, which the rule then compares in full).
async fn scan_round(pg: &PgPool, round_id: i64, chars: &HashMap<i64, usize>) -> anyhow::Result<Vec<Finding>> {
    let mut counts: HashMap<u64, u32> = HashMap::new();
    let mut too_fast = Vec::new();
    for_each_attempt(pg, round_id, |a| {
        if let Some(h) = a.signature_hash() {
            *counts.entry(h).or_default() += 1;
        }
        too_fast.extend(rules::too_fast(std::slice::from_ref(&a), chars));
    })
    .await?;
    counts.retain(|_, n| *n > 1);
    let mut candidates = Vec::new();
    if !counts.is_empty() {
        for_each_attempt(pg, round_id, |a| {
            if a.signature_hash().is_some_and(|h| counts.contains_key(&h)) {
                candidates.push(a);
            }
        })
        .await?;
    }
    let mut findings = rules::identical_answers(&candidates);
    too_fast.sort_by(|a, b| a.fingerprint.cmp(&b.fingerprint));
    findings.extend(too_fast);
    Ok(findings)
}

/// Streams a round's attempts with their answers, one attempt at a time.
async fn for_each_attempt(pg: &PgPool, round_id: i64, mut each: impl FnMut(AttemptTrace)) -> anyhow::Result<()> {
    use futures_util::TryStreamExt;
    let mut rows = sqlx::query_as::<_, (uuid::Uuid, i64, i64, i64, Vec<i64>, i64)>(
        "SELECT a.id, a.participant_id, a.started_at_ms, x.question_id, x.options, x.answered_at_ms \
         FROM attempts a JOIN answers x ON x.attempt_id = a.id WHERE a.round_id = $1 ORDER BY a.id",
    )
    .bind(round_id)
    .fetch(pg);
    let mut current: Option<AttemptTrace> = None;
    while let Some((attempt_id, participant_id, started_at_ms, question, options, at)) =
        rows.try_next().await.context("loading answers")?
    {
        match current.as_mut() {
            Some(a) if a.attempt_id == attempt_id => a.answers.push((question, options, at)),
            _ => {
                if let Some(done) = current.replace(AttemptTrace {
                    attempt_id,
                    participant_id,
                    round_id,
                    started_at_ms,
                    answers: vec![(question, options, at)],
                }) {
                    each(done);
                }
            }
        }
    }
    if let Some(done) = current {
        each(done);
    }
    Ok(())
}

/// Characters a participant reads per question: the text and every option.
async fn question_chars(pg: &PgPool, ids: &[i64]) -> anyhow::Result<HashMap<i64, usize>> {
    let rows: Vec<(i64, String, serde_json::Value)> =
        sqlx::query_as("SELECT id, text, options FROM questions WHERE id = ANY($1)")
            .bind(ids)
            .fetch_all(pg)
            .await
            .context("loading questions")?;
    Ok(rows
        .into_iter()
        .map(|(id, text, options)| {
            let option_chars: usize = options
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|o| o["text"].as_str())
                .map(|t| t.chars().count())
                .sum();
            (id, text.chars().count() + option_chars)
        })
        .collect())
}

/// Files a finding; an open case of the same cluster is updated, a decided one is kept as
/// decided. `true` when the case is new.
async fn file(pg: &PgPool, contest_id: i64, f: &Finding) -> anyhow::Result<bool> {
    let inserted: Option<bool> = sqlx::query_scalar(
        "INSERT INTO abuse_cases (contest_id, round_id, rule, fingerprint, participant_ids, evidence) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (contest_id, rule, fingerprint) DO UPDATE \
           SET participant_ids = EXCLUDED.participant_ids, evidence = EXCLUDED.evidence, updated_at = now() \
           WHERE abuse_cases.status = 'open' \
             AND (abuse_cases.participant_ids <> EXCLUDED.participant_ids OR abuse_cases.evidence <> EXCLUDED.evidence) \
         RETURNING (xmax = 0)",
    )
    .bind(contest_id)
    .bind(f.round_id)
    .bind(f.rule.as_str())
    .bind(&f.fingerprint)
    .bind(&f.participant_ids)
    .bind(&f.evidence)
    .fetch_optional(pg)
    .await
    .context("filing a case")?;
    Ok(inserted.unwrap_or(false))
}

/// Contests worth a scan: never scanned, or with new registrations or a round running since
/// the last scan, and not scanned within `min_age_s`. Stalest first.
pub async fn contests_due(pg: &PgPool, min_age_s: i64, limit: i64) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(
        "SELECT c.id FROM contests c LEFT JOIN abuse_scans s ON s.contest_id = c.id \
         WHERE (s.scanned_at IS NULL OR s.scanned_at < now() - make_interval(secs => $1)) \
           AND (EXISTS (SELECT 1 FROM participants p WHERE p.contest_id = c.id \
                        AND p.created_at > coalesce(s.scanned_at, '-infinity')) \
                OR EXISTS (SELECT 1 FROM rounds r WHERE r.contest_id = c.id AND r.opens_at < now() \
                        AND r.closes_at > coalesce(s.scanned_at, '-infinity') - interval '1 hour')) \
         ORDER BY s.scanned_at NULLS FIRST, c.id LIMIT $2",
    )
    .bind(min_age_s as f64)
    .bind(limit)
    .fetch_all(pg)
    .await
}
