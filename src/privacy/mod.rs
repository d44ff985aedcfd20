//! Personal data under Law 91/2025/QH15: what a participant can download about themselves,
//! erasure, and retention per contest.
//!
//! Erasure anonymises the participant's row instead of deleting it, so results (and every
//! other participant's rank) stay exactly as they were:
//! - full name → [`ERASED_NAME`]; phone and CCCD ciphertexts and the masked phone removed;
//! - date of birth → 1 January of the birth year (age-band statistics stay right; the day
//!   and month, which identify, are gone; exports show nothing for an erased row);
//! - sex, commune, unit, consent record, attempts, answers and results are kept: they
//!   identify no one on their own and the rankings and statistics need them;
//! - the uniqueness HMACs of phone and CCCD are dropped when the contest lets an erased
//!   person register again (`reentry_after_erasure`); otherwise they stay (keyed, so they
//!   reveal nothing without the server's secret) until the contest's retention ends, so
//!   "one person, one entry" still holds.
//!
//! Retention: `retention_days` after a contest's last round closes, `thiluat retention run`
//! anonymises every remaining participant of the contest and drops all HMACs.

pub mod revoke;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};
use sqlx::{PgPool, Postgres, Row, Transaction};

use crate::crypto::Keys;
use crate::domain::units;

/// What an erased participant's name reads in every list, export and API answer.
pub const ERASED_NAME: &str = "(Đã xóa dữ liệu cá nhân)";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErasedBy {
    Participant,
    Organiser,
    Retention,
}

impl ErasedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            ErasedBy::Participant => "participant",
            ErasedBy::Organiser => "organiser",
            ErasedBy::Retention => "retention",
        }
    }
}

/// The one UPDATE that anonymises participants: `filter` selects them, `drop_hmacs` is an
/// SQL boolean saying whether the uniqueness HMACs go; $1 is the name, $2 who asked, $3 the
/// participant or contest.
fn anonymise_sql(drop_hmacs: &str, filter: &str) -> String {
    format!(
        "UPDATE participants SET full_name = $1, dob = make_date(extract(year FROM dob)::int, 1, 1), \
           phone_enc = '\\x'::bytea, phone_masked = '', cccd_enc = NULL, \
           phone_hmac = CASE WHEN {drop_hmacs} THEN NULL ELSE phone_hmac END, \
           cccd_hmac = CASE WHEN {drop_hmacs} THEN NULL ELSE cccd_hmac END, \
           erased_at = COALESCE(erased_at, now()), erased_by = COALESCE(erased_by, $2) \
         WHERE {filter}"
    )
}

/// Anonymises one participant; `false` when they were already erased.
pub async fn erase_participant(
    tx: &mut Transaction<'_, Postgres>,
    participant: i64,
    by: ErasedBy,
) -> sqlx::Result<bool> {
    let sql = anonymise_sql(
        "(SELECT c.reentry_after_erasure FROM contests c WHERE c.id = participants.contest_id)",
        "id = $3 AND erased_at IS NULL",
    );
    let changed = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(ERASED_NAME)
        .bind(by.as_str())
        .bind(participant)
        .execute(&mut **tx)
        .await?;
    Ok(changed.rows_affected() > 0)
}

/// A contest whose retention has ended with personal data still in it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct RetentionDue {
    pub contest_id: i64,
    pub slug: String,
    pub organisation_id: Option<i64>,
    pub retention_days: i32,
    pub last_round_closes_at: DateTime<Utc>,
    /// Participants not yet anonymised, or erased with their HMACs kept.
    pub participants: i64,
}

const DUE_SQL: &str = "SELECT c.id AS contest_id, c.slug, c.organisation_id, c.retention_days, \
       l.closes_at AS last_round_closes_at, \
       (SELECT count(*) FROM participants p WHERE p.contest_id = c.id \
          AND (p.erased_at IS NULL OR p.phone_hmac IS NOT NULL OR p.cccd_hmac IS NOT NULL)) AS participants \
     FROM contests c \
     JOIN LATERAL (SELECT max(closes_at) AS closes_at FROM rounds r WHERE r.contest_id = c.id) l ON true \
     WHERE l.closes_at IS NOT NULL AND l.closes_at + c.retention_days * interval '1 day' <= $1 \
     ORDER BY c.id";

/// Contests past their retention at `now` that still hold personal data.
pub async fn retention_due(pg: &PgPool, now: DateTime<Utc>) -> sqlx::Result<Vec<RetentionDue>> {
    let all: Vec<RetentionDue> = sqlx::query_as(DUE_SQL).bind(now).fetch_all(pg).await?;
    Ok(all.into_iter().filter(|c| c.participants > 0).collect())
}

/// Anonymises every contest past its retention (one transaction per contest, audited).
/// Running it again changes nothing. With `dry_run`, only reports what it would do.
pub async fn retention_run(pg: &PgPool, now: DateTime<Utc>, dry_run: bool) -> sqlx::Result<Vec<RetentionDue>> {
    let due = retention_due(pg, now).await?;
    if dry_run {
        return Ok(due);
    }
    for c in &due {
        let mut tx = pg.begin().await?;
        let sql = anonymise_sql(
            "true",
            "contest_id = $3 AND (erased_at IS NULL OR phone_hmac IS NOT NULL OR cccd_hmac IS NOT NULL)",
        );
        let n = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(ERASED_NAME)
            .bind(ErasedBy::Retention.as_str())
            .bind(c.contest_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query("UPDATE contests SET anonymised_at = now() WHERE id = $1")
            .bind(c.contest_id)
            .execute(&mut *tx)
            .await?;
        crate::audit::record(
            &mut *tx,
            c.organisation_id,
            None,
            "contest.retention",
            ("contest", Some(c.contest_id.to_string())),
            None,
            json!({"participants": n, "retention_days": c.retention_days,
                   "last_round_closes_at": c.last_round_closes_at}),
        )
        .await?;
        tx.commit().await?;
        tracing::info!(contest.id = c.contest_id, participants = n, "retention: contest anonymised");
    }
    Ok(due)
}

/// Everything stored about one participant, personal fields decrypted: the download of
/// their right of access. `None` when there is no such participant.
pub async fn personal_data(pg: &PgPool, keys: &Keys, participant: i64) -> sqlx::Result<Option<Value>> {
    let Some(p) = sqlx::query(
        "SELECT p.id, p.contest_id, p.full_name, p.dob, p.sex, p.phone_enc, p.cccd_enc, p.commune_code, \
           p.units_version, p.unit_code, u.name AS unit_name, p.consent_at, p.consent_version, p.created_at, \
           p.staff, p.disqualified_at, p.disqualified_reason, p.erased_at, \
           c.slug, c.title, c.organiser \
         FROM participants p JOIN contests c ON c.id = p.contest_id \
         LEFT JOIN units u ON u.contest_id = p.contest_id AND u.code = p.unit_code WHERE p.id = $1",
    )
    .bind(participant)
    .fetch_optional(pg)
    .await?
    else {
        return Ok(None);
    };
    let decrypt = |col: &str| -> sqlx::Result<Option<String>> {
        let sealed: Option<Vec<u8>> = p.try_get(col)?;
        Ok(sealed.and_then(|s| keys.decrypt(&s).ok()))
    };
    let erased: Option<DateTime<Utc>> = p.try_get("erased_at")?;
    let commune_code: String = p.try_get("commune_code")?;
    let commune = units::commune(&commune_code);
    let dob: chrono::NaiveDate = p.try_get("dob")?;
    let contest_id: i64 = p.try_get("contest_id")?;
    let person = json!({
        "id": participant,
        "full_name": p.try_get::<String, _>("full_name")?,
        "dob": if erased.is_some() { Value::Null } else { json!(dob.to_string()) },
        "sex": p.try_get::<String, _>("sex")?,
        "phone": decrypt("phone_enc")?,
        "cccd": decrypt("cccd_enc")?,
        "commune_code": commune_code,
        "commune": commune.map(|c| c.name.clone()),
        "province": commune.map(|c| c.province_name.clone()),
        "units_version": p.try_get::<String, _>("units_version")?,
        "unit_code": p.try_get::<String, _>("unit_code")?,
        "unit": p.try_get::<Option<String>, _>("unit_name")?,
        "registered_at": p.try_get::<DateTime<Utc>, _>("created_at")?,
        "consent": {"given_at": p.try_get::<DateTime<Utc>, _>("consent_at")?,
                    "version": p.try_get::<String, _>("consent_version")?},
        "staff": p.try_get::<bool, _>("staff")?,
        "disqualified_at": p.try_get::<Option<DateTime<Utc>>, _>("disqualified_at")?,
        "disqualified_reason": p.try_get::<Option<String>, _>("disqualified_reason")?,
        "erased_at": erased,
    });
    let attempts: Vec<Value> = sqlx::query_scalar(
        "SELECT jsonb_build_object('id', a.id, 'round_id', a.round_id, 'round_title', r.title, 'number', a.number, \
           'started_at_ms', a.started_at_ms, 'deadline_ms', a.deadline_ms, 'submitted_at_ms', a.submitted_at_ms, \
           'duration_ms', a.duration_ms, 'correct', a.correct, 'prediction', a.prediction, \
           'auto_submitted', a.auto_submitted, 'question_ids', to_jsonb(a.question_ids), \
           'answers', COALESCE((SELECT jsonb_agg(jsonb_build_object('question_id', x.question_id, \
                'question_code', q.code, 'question', q.text, 'options', to_jsonb(x.options), \
                'chosen', (SELECT COALESCE(jsonb_agg(o->>'text'), '[]') FROM jsonb_array_elements(q.options) o \
                           WHERE (o->>'id')::bigint = ANY(x.options)), \
                'answered_at_ms', x.answered_at_ms) ORDER BY x.seq) \
              FROM answers x JOIN questions q ON q.id = x.question_id WHERE x.attempt_id = a.id), '[]')) \
         FROM attempts a JOIN rounds r ON r.id = a.round_id WHERE a.participant_id = $1 \
         ORDER BY r.position, a.number",
    )
    .bind(participant)
    .fetch_all(pg)
    .await?;
    let results: Vec<Value> = sqlx::query_scalar(
        "SELECT jsonb_build_object('round_id', x.round_id, 'round_title', r.title, 'rank', x.rank, \
           'attempt_id', x.attempt_id, 'correct', x.correct, 'prediction', x.prediction, 'distance', x.distance, \
           'duration_ms', x.duration_ms, 'submitted_at_ms', x.submitted_at_ms) \
         FROM results x JOIN rounds r ON r.id = x.round_id WHERE x.participant_id = $1 ORDER BY r.position",
    )
    .bind(participant)
    .fetch_all(pg)
    .await?;
    let awards = crate::awards::all_awards(pg, contest_id).await?;
    let mut prizes = Vec::new();
    for a in awards.iter().filter(|a| a.participant_id == participant) {
        // Round 0 is the overall ranking, whose decisions are kept per contest.
        let status: Option<String> = sqlx::query_scalar(
            "SELECT status FROM winner_checks WHERE round_id = $1 AND participant_id = $2 UNION ALL \
             SELECT status FROM overall_winner_checks WHERE $1 = 0 AND contest_id = $3 AND participant_id = $2",
        )
        .bind(a.round_id)
        .bind(participant)
        .bind(contest_id)
        .fetch_optional(pg)
        .await?;
        prizes.push(json!({"round_id": a.round_id, "rank": a.rank, "tier": a.tier, "prize": a.prize,
                           "verification": status.unwrap_or_else(|| "pending".into())}));
    }
    Ok(Some(json!({
        "generated_at": Utc::now(),
        "contest": {"id": contest_id, "slug": p.try_get::<String, _>("slug")?,
                    "title": p.try_get::<String, _>("title")?, "organiser": p.try_get::<String, _>("organiser")?},
        "participant": person,
        "attempts": attempts,
        "results": results,
        "prizes": prizes,
        "notes": {
            "survey": "Satisfaction survey answers are stored without any link to you, so they cannot be listed here.",
            "live_attempts": "An attempt of a round still running appears here once it has been saved to the database (seconds after each answer)."
        }
    })))
}
