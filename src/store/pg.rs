//! Postgres: the durable record. Queries shared by several parts live here.

use std::time::Duration;

use anyhow::Context;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{FromRow, PgPool};

use crate::config::DatabaseConfig;

pub async fn connect(config: &DatabaseConfig) -> anyhow::Result<PgPool> {
    let options: PgConnectOptions = config.url.expose().parse().context("invalid database URL")?;
    PgPoolOptions::new()
        .max_connections(config.max_connections)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await
        .context("connecting to Postgres")
}

pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    sqlx::migrate!("./migrations").run(pool).await.context("running migrations")?;
    backfill_scopes(pool).await.context("setting the scope of older contests")
}

#[derive(Debug, Clone, FromRow)]
pub struct ContestRow {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub organiser: String,
    pub rules_md: String,
    pub province_code: Option<String>,
    pub cccd_required: bool,
    pub min_age: Option<i32>,
    pub consent_version: String,
    pub consent_text: String,
    pub registration_opens_at: Option<chrono::DateTime<chrono::Utc>>,
    pub registration_closes_at: Option<chrono::DateTime<chrono::Utc>>,
    pub eligibility: serde_json::Value,
    pub password_hash: Option<String>,
    pub occupation_required: bool,
    /// Branding: the organising body's logo (a same-origin path or a small data: image).
    pub logo_url: Option<String>,
    /// NULL: not set (legacy); `{}`: the whole country; else 2025 province codes.
    pub scope_provinces: Option<Vec<String>>,
    /// `list`: the unit is picked from the contest's units; `commune`: it is the commune.
    pub unit_mode: String,
}

impl ContestRow {
    /// A contest without a scope (made before scopes existed, never fixed) offers the whole
    /// country: its participants still pick a real commune, never a unit.
    pub fn scope(&self) -> crate::domain::Scope {
        crate::domain::Scope::from_column(self.scope_provinces.clone()).unwrap_or(crate::domain::Scope::National)
    }
}

/// Contests made before scopes existed get the provinces of the 2025 communes among their
/// units (the communes are known here, not in SQL). The rest keep no scope and their console
/// says so; idempotent, so it runs after every migration.
async fn backfill_scopes(pool: &PgPool) -> sqlx::Result<()> {
    let unset: Vec<(i64, Vec<String>)> = sqlx::query_as(
        "SELECT c.id, array_agg(u.code) FROM contests c JOIN units u ON u.contest_id = c.id \
         WHERE c.scope_provinces IS NULL AND u.kind = 'commune' GROUP BY c.id",
    )
    .fetch_all(pool)
    .await?;
    for (id, codes) in unset {
        if let Some(scope) = crate::domain::Scope::of_communes(codes.iter().map(String::as_str)) {
            sqlx::query("UPDATE contests SET scope_provinces = $2 WHERE id = $1 AND scope_provinces IS NULL")
                .bind(id)
                .bind(scope.to_column())
                .execute(pool)
                .await?;
        }
    }
    Ok(())
}

/// A published contest (drafts do not exist for the public).
pub async fn contest_by_slug(pool: &PgPool, slug: &str) -> sqlx::Result<Option<ContestRow>> {
    sqlx::query_as(
        "SELECT id, slug, title, organiser, rules_md, province_code, cccd_required, min_age, \
         consent_version, consent_text, registration_opens_at, registration_closes_at, eligibility, password_hash, \
         occupation_required, logo_url, scope_provinces, unit_mode FROM contests WHERE slug = $1 AND status = 'published'",
    )
    .bind(slug)
    .fetch_optional(pool)
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct RoundRow {
    pub id: i64,
    pub contest_id: i64,
    pub position: i32,
    pub title: String,
    pub opens_at_ms: i64,
    pub closes_at_ms: i64,
    pub grace_ms: i32,
    pub time_limit_ms: i32,
    pub attempt_limit: Option<i32>,
    pub questions_per_attempt: i32,
    pub draw_rule: sqlx::types::Json<crate::contest::DrawRule>,
    pub prediction_target: Option<String>,
    pub prediction_question: Option<String>,
    pub ranking_chain: Vec<String>,
    pub question_ids: Vec<i64>,
    pub prediction_actual: Option<i64>,
    pub finalized: bool,
    /// The contest is published (a draft's rounds never run).
    pub published: bool,
    pub answers_changeable: bool,
}

const ROUND_COLUMNS: &str = "id, contest_id, position, title, \
    (extract(epoch from opens_at) * 1000)::bigint AS opens_at_ms, \
    (extract(epoch from closes_at) * 1000)::bigint AS closes_at_ms, \
    grace_ms, time_limit_ms, attempt_limit, questions_per_attempt, draw_rule, prediction_target, \
    prediction_question, ranking_chain, question_ids, prediction_actual, finalized_at IS NOT NULL AS finalized, \
    (SELECT status = 'published' FROM contests c WHERE c.id = rounds.contest_id) AS published, answers_changeable";

pub async fn round(pool: &PgPool, round_id: i64) -> sqlx::Result<Option<RoundRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {ROUND_COLUMNS} FROM rounds WHERE id = $1")))
        .bind(round_id)
        .fetch_optional(pool)
        .await
}

pub async fn rounds_of_contest(pool: &PgPool, contest_id: i64) -> sqlx::Result<Vec<RoundRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ROUND_COLUMNS} FROM rounds WHERE contest_id = $1 ORDER BY position"
    )))
    .bind(contest_id)
    .fetch_all(pool)
    .await
}

/// Rounds that are open now or open within `ahead_ms`, and not finalised.
pub async fn rounds_to_arm(pool: &PgPool, now_ms: i64, ahead_ms: i64) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(
        "SELECT id FROM rounds WHERE finalized_at IS NULL \
         AND contest_id IN (SELECT id FROM contests WHERE status = 'published') \
         AND opens_at <= to_timestamp($1::double precision / 1000) \
         AND closes_at > to_timestamp($2::double precision / 1000)",
    )
    .bind(now_ms + ahead_ms)
    .bind(now_ms)
    .fetch_all(pool)
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct QuestionRow {
    pub id: i64,
    pub topic: String,
    pub difficulty: String,
    pub text: String,
    pub options: sqlx::types::Json<Vec<OptionItem>>,
    pub correct: Vec<i64>,
    pub explanation: String,
    pub law: String,
    pub article: String,
    /// Options of a translation follow the authored order of `options`.
    pub translations: sqlx::types::Json<crate::contest::bank::Translations>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct OptionItem {
    pub id: i64,
    pub text: String,
}

pub async fn questions(pool: &PgPool, ids: &[i64]) -> sqlx::Result<Vec<QuestionRow>> {
    sqlx::query_as(
        "SELECT id, topic, difficulty, text, options, correct, explanation, law, article, translations \
         FROM questions WHERE id = ANY($1) ORDER BY id",
    )
    .bind(ids)
    .fetch_all(pool)
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct UnitRow {
    pub code: String,
    pub name: String,
}

pub async fn units(pool: &PgPool, contest_id: i64) -> sqlx::Result<Vec<UnitRow>> {
    sqlx::query_as("SELECT code, name FROM units WHERE contest_id = $1 ORDER BY code")
        .bind(contest_id)
        .fetch_all(pool)
        .await
}

pub async fn unit_exists(pool: &PgPool, contest_id: i64, code: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM units WHERE contest_id = $1 AND code = $2)")
        .bind(contest_id)
        .bind(code)
        .fetch_one(pool)
        .await
}

/// A contest whose units are the participants' communes gets each commune's unit row when
/// its first participant registers.
pub async fn ensure_commune_unit(
    conn: &mut sqlx::PgConnection,
    contest_id: i64,
    commune: &crate::domain::Commune,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO units (contest_id, code, name, kind) VALUES ($1, $2, $3, 'commune') \
         ON CONFLICT (contest_id, code) DO NOTHING",
    )
    .bind(contest_id)
    .bind(&commune.code)
    .bind(&commune.name)
    .execute(conn)
    .await?;
    Ok(())
}

/// Who a question belongs to: a contest imported from a file, or an organisation's bank
/// (with the version being written).
#[derive(Debug, Clone, Copy)]
pub enum QuestionOwner {
    Contest(i64),
    Organisation { org: i64, version: i32 },
}

/// Writes one question with fresh random option ids: an id says nothing about where the
/// option stood in the file, so a shared "the answer is B" does not map to an id.
pub async fn insert_question(
    db: &mut sqlx::PgConnection,
    owner: QuestionOwner,
    q: &crate::contest::BankQuestion,
) -> sqlx::Result<i64> {
    use rand::RngExt;
    let mut ids: Vec<i64> = Vec::with_capacity(q.options.len());
    {
        let mut rng = rand::rng();
        while ids.len() < q.options.len() {
            let id = rng.random_range(100_000..1_000_000_000i64);
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    let options: Vec<OptionItem> =
        ids.iter().zip(&q.options).map(|(id, text)| OptionItem { id: *id, text: text.clone() }).collect();
    let mut correct: Vec<i64> = q.correct.iter().map(|i| ids[*i]).collect();
    correct.sort_unstable();
    let (contest, org, version) = match owner {
        QuestionOwner::Contest(c) => (Some(c), None, 1),
        QuestionOwner::Organisation { org, version } => (None, Some(org), version),
    };
    sqlx::query_scalar(
        "INSERT INTO questions (contest_id, organisation_id, code, version, topic, difficulty, text, options, correct, \
         explanation, law, article, translations) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
    )
    .bind(contest)
    .bind(org)
    .bind(&q.code)
    .bind(version)
    .bind(&q.topic)
    .bind(q.difficulty.as_str())
    .bind(&q.text)
    .bind(sqlx::types::Json(&options))
    .bind(&correct)
    .bind(&q.explanation)
    .bind(&q.law)
    .bind(&q.article)
    .bind(sqlx::types::Json(&q.translations))
    .fetch_one(db)
    .await
}
