//! Contest authoring: the contest, its units, its rounds, and publishing (which checks the
//! whole contest and lists every problem at once).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, FixedOffset};
use serde::Deserialize;
use serde_json::{json, Value};
use sqlx::PgPool;

use super::{Organiser, Role};
use crate::contest::bank::Difficulty;
use crate::contest::definition::PredictionTarget;
use crate::contest::draw::{self, DrawGroup, Drawable};
use crate::contest::ranking::{parse_chain, RankKey};
use crate::domain::{FieldError, Scope};
use crate::http::{ApiError, AppState};

/// The organisation of a contest, or 404 for an account outside it.
pub async fn contest_org(pg: &PgPool, who: &Organiser, contest: i64, need: Role) -> Result<i64, ApiError> {
    let org: Option<Option<i64>> = sqlx::query_scalar("SELECT organisation_id FROM contests WHERE id = $1")
        .bind(contest)
        .fetch_optional(pg)
        .await?;
    let org = org.flatten().ok_or_else(|| who.not_found())?;
    who.require(org, need)?;
    Ok(org)
}

/// The organisation of a participant's contest, or 404 for an account outside it.
pub async fn participant_org(pg: &PgPool, who: &Organiser, participant: i64, need: Role) -> Result<i64, ApiError> {
    let contest: Option<i64> = sqlx::query_scalar("SELECT contest_id FROM participants WHERE id = $1")
        .bind(participant)
        .fetch_optional(pg)
        .await?;
    let contest = contest.ok_or_else(|| who.not_found())?;
    contest_org(pg, who, contest, need).await
}

/// The contest and organisation of a round, or 404 for an account outside it.
pub async fn round_org(pg: &PgPool, who: &Organiser, round: i64, need: Role) -> Result<(i64, i64), ApiError> {
    let row: Option<(i64, Option<i64>)> = sqlx::query_as(
        "SELECT c.id, c.organisation_id FROM rounds r JOIN contests c ON c.id = r.contest_id WHERE r.id = $1",
    )
    .bind(round)
    .fetch_optional(pg)
    .await?;
    let (contest, org) = row.and_then(|(c, o)| Some((c, o?))).ok_or_else(|| who.not_found())?;
    who.require(org, need)?;
    Ok((contest, org))
}

fn invalid(who: &Organiser, errors: Vec<FieldError>) -> ApiError {
    ApiError::invalid_fields(who.lang, &errors)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ContestBody {
    slug: Option<String>,
    title: Option<String>,
    organiser: Option<String>,
    rules_md: Option<String>,
    cccd_required: Option<bool>,
    min_age: Option<i32>,
    eligibility: Option<Value>,
    consent_text: Option<String>,
    consent_version: Option<String>,
    password: Option<String>,
    registration_opens_at: Option<DateTime<FixedOffset>>,
    registration_closes_at: Option<DateTime<FixedOffset>>,
    logo_url: Option<String>,
    one_prize_per_person: Option<bool>,
    /// Where the contest is (the communes its participants can pick).
    scope: Option<ScopeBody>,
    /// `list` (units picked from the contest's list) or `commune` (the unit is the commune).
    unit_mode: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeBody {
    #[serde(default)]
    national: bool,
    #[serde(default)]
    provinces: Vec<String>,
}

impl ContestBody {
    /// The scope as the column stores it, once [`check_contest`] has accepted it.
    fn scope_column(&self) -> Option<Vec<String>> {
        let b = self.scope.as_ref()?;
        Scope::parse(b.national, &b.provinces).ok().map(|s| s.to_column())
    }
    /// The single province of a one-province scope (kept in `province_code` for reports).
    fn scope_province(&self) -> Option<String> {
        let b = self.scope.as_ref()?;
        Scope::parse(b.national, &b.provinces).ok()?.single_province().map(str::to_string)
    }
}

fn check_contest(b: &ContestBody, creating: bool) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let need = |v: &Option<String>, field: &'static str, errors: &mut Vec<FieldError>| {
        if creating && v.as_deref().is_none_or(|s| s.trim().is_empty()) {
            errors.push(FieldError { field, code: "required" });
        }
    };
    need(&b.slug, "slug", &mut errors);
    need(&b.title, "title", &mut errors);
    need(&b.organiser, "organiser", &mut errors);
    if let Some(slug) = &b.slug {
        let ok = slug.len() <= 64
            && !slug.is_empty()
            && slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !ok {
            errors.push(FieldError { field: "slug", code: "invalid_slug" });
        }
    }
    if b.min_age.is_some_and(|a| !(0..=120).contains(&a)) {
        errors.push(FieldError { field: "min_age", code: "invalid_number" });
    }
    if let (Some(o), Some(c)) = (b.registration_opens_at, b.registration_closes_at) {
        if c <= o {
            errors.push(FieldError { field: "registration_closes_at", code: "invalid_window" });
        }
    }
    if b.eligibility.as_ref().is_some_and(|e| !e.is_object()) {
        errors.push(FieldError { field: "eligibility", code: "invalid_value" });
    }
    if let Some(scope) = &b.scope {
        if let Err(e) = Scope::parse(scope.national, &scope.provinces) {
            errors.push(FieldError { field: "scope", code: e.code() });
        }
    }
    if b.unit_mode.as_deref().is_some_and(|m| m != "list" && m != "commune") {
        errors.push(FieldError { field: "unit_mode", code: "invalid_value" });
    }
    if b.logo_url.as_deref().is_some_and(|l| !l.is_empty() && !logo_ok(l)) {
        errors.push(FieldError { field: "logo_url", code: "invalid_logo" });
    }
    errors
}

/// Largest logo a contest page carries inline (the phone downloads it with the page).
const LOGO_MAX_BYTES: usize = 40 * 1024;

/// A logo the phone page can show under its Content-Security-Policy (`img-src 'self' data:`):
/// a path on this server, or a PNG, JPEG or WebP `data:` URL of at most 40 KiB whose bytes
/// are what it says and whose declared size is within the input gate's image limits (a small
/// file declaring a huge picture would make every phone allocate it). No SVG: it can carry
/// script. An empty string removes the logo.
fn logo_ok(logo: &str) -> bool {
    use base64::Engine;
    if logo.starts_with('/') && !logo.starts_with("//") {
        return logo.len() <= 512 && logo.chars().all(|c| c.is_ascii_graphic());
    }
    let Some((kind, data)) = logo.strip_prefix("data:image/").and_then(|r| r.split_once(";base64,")) else {
        return false;
    };
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(data) else { return false };
    let magic_ok = match kind {
        "png" => bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "jpeg" => bytes.starts_with(&[0xff, 0xd8, 0xff]),
        "webp" => bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP",
        _ => false,
    };
    magic_ok && bytes.len() <= LOGO_MAX_BYTES && crate::upload::image::within_limits(kind, &bytes)
}

pub async fn list(path: web::Path<i64>, who: Organiser, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let org = path.into_inner();
    who.require(org, Role::Viewer)?;
    let rows: Vec<(i64, String, String, String, bool)> = sqlx::query_as(
        "SELECT id, slug, title, status, scope_provinces IS NOT NULL FROM contests WHERE organisation_id = $1 ORDER BY id",
    )
    .bind(org)
    .fetch_all(&state.pg)
    .await?;
    // `scope_set` false: a contest from before scopes whose area could not be inferred; the
    // console asks its organiser to set it.
    let items: Vec<Value> =
        rows.iter().map(|r| json!({"id": r.0, "slug": r.1, "title": r.2, "status": r.3, "scope_set": r.4})).collect();
    Ok(HttpResponse::Ok().json(json!({ "items": items })))
}

pub async fn create(
    path: web::Path<i64>,
    body: web::Json<ContestBody>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let org = path.into_inner();
    who.require(org, Role::Organiser)?;
    let b = body.into_inner();
    let errors = check_contest(&b, true);
    if !errors.is_empty() {
        return Err(invalid(&who, errors));
    }
    let password_hash = match &b.password {
        Some(p) if !p.is_empty() => Some(state.hasher.hash(p).await.map_err(|e| ApiError::hashing(who.lang, &e))?),
        _ => None,
    };
    let mut tx = state.pg.begin().await?;
    let inserted: Result<i64, sqlx::Error> = sqlx::query_scalar(
        "INSERT INTO contests (organisation_id, status, slug, title, organiser, rules_md, cccd_required, min_age, eligibility, \
         consent_text, consent_version, password_hash, registration_opens_at, registration_closes_at, logo_url, \
         scope_provinces, province_code, unit_mode) \
         VALUES ($1, 'draft', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id",
    )
    .bind(org)
    .bind(&b.slug)
    .bind(b.title.as_deref().map(str::trim))
    .bind(b.organiser.as_deref().map(str::trim))
    .bind(b.rules_md.clone().unwrap_or_default())
    .bind(b.cccd_required.unwrap_or(false))
    .bind(b.min_age)
    .bind(b.eligibility.clone().unwrap_or_else(|| json!({})))
    .bind(b.consent_text.clone().unwrap_or_default())
    .bind(b.consent_version.clone().unwrap_or_else(|| "1".into()))
    .bind(password_hash)
    .bind(b.registration_opens_at)
    .bind(b.registration_closes_at)
    .bind(b.logo_url.as_deref().filter(|l| !l.is_empty()))
    .bind(b.scope_column())
    .bind(b.scope_province())
    .bind(b.unit_mode.as_deref().unwrap_or("list"))
    .fetch_one(&mut *tx)
    .await;
    let id = match inserted {
        Ok(id) => id,
        Err(sqlx::Error::Database(db)) if db.constraint() == Some("contests_slug_key") => {
            return Err(who.error(StatusCode::CONFLICT, "slug_taken"));
        }
        Err(e) => return Err(e.into()),
    };
    who.audit(&mut *tx, Some(org), "contest.create", ("contest", Some(id.to_string())), json!({"slug": b.slug}))
        .await?;
    tx.commit().await?;
    Ok(HttpResponse::Created().json(json!({"id": id, "status": "draft"})))
}

pub async fn get(path: web::Path<i64>, who: Organiser, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    contest_org(&state.pg, &who, id, Role::Viewer).await?;
    let contest: Value = sqlx::query_scalar(
        "SELECT to_jsonb(c) - 'password_hash' || jsonb_build_object('has_password', c.password_hash IS NOT NULL) \
         FROM contests c WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&state.pg)
    .await?;
    let rounds: Vec<Value> =
        sqlx::query_scalar("SELECT to_jsonb(r) FROM rounds r WHERE contest_id = $1 ORDER BY position")
            .bind(id)
            .fetch_all(&state.pg)
            .await?;
    Ok(HttpResponse::Ok().json(json!({"contest": contest, "rounds": rounds})))
}

/// Texts can change at any time (audited); the rules of entry only while a draft.
pub async fn update(
    path: web::Path<i64>,
    body: web::Json<ContestBody>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let org = contest_org(&state.pg, &who, id, Role::Organiser).await?;
    let b = body.into_inner();
    let errors = check_contest(&b, false);
    if !errors.is_empty() {
        return Err(invalid(&who, errors));
    }
    let status: String =
        sqlx::query_scalar("SELECT status FROM contests WHERE id = $1").bind(id).fetch_one(&state.pg).await?;
    let touches_rules = b.slug.is_some()
        || b.cccd_required.is_some()
        || b.min_age.is_some()
        || b.eligibility.is_some()
        || b.consent_version.is_some()
        || b.consent_text.is_some()
        || b.password.is_some()
        || b.registration_opens_at.is_some()
        || b.registration_closes_at.is_some()
        || b.scope.is_some()
        || b.unit_mode.is_some();
    if status == "published" && touches_rules {
        return Err(who.error(StatusCode::CONFLICT, "contest_published"));
    }
    let password_hash = match &b.password {
        Some(p) if !p.is_empty() => Some(state.hasher.hash(p).await.map_err(|e| ApiError::hashing(who.lang, &e))?),
        _ => None,
    };
    let mut tx = state.pg.begin().await?;
    sqlx::query(
        "UPDATE contests SET slug = COALESCE($2, slug), title = COALESCE($3, title), organiser = COALESCE($4, organiser), \
         rules_md = COALESCE($5, rules_md), cccd_required = COALESCE($6, cccd_required), min_age = COALESCE($7, min_age), \
         eligibility = COALESCE($8, eligibility), consent_text = COALESCE($9, consent_text), \
         consent_version = COALESCE($10, consent_version), password_hash = COALESCE($11, password_hash), \
         registration_opens_at = COALESCE($12, registration_opens_at), \
         registration_closes_at = COALESCE($13, registration_closes_at), logo_url = CASE WHEN $14::text IS NULL THEN logo_url ELSE NULLIF($14, '') END, \
         one_prize_per_person = COALESCE($15, one_prize_per_person), \
         scope_provinces = CASE WHEN $16::text[] IS NULL THEN scope_provinces ELSE $16 END, \
         province_code = CASE WHEN $16::text[] IS NULL THEN province_code ELSE $17 END, \
         unit_mode = COALESCE($18, unit_mode) WHERE id = $1",
    )
    .bind(id)
    .bind(&b.slug)
    .bind(&b.title)
    .bind(&b.organiser)
    .bind(&b.rules_md)
    .bind(b.cccd_required)
    .bind(b.min_age)
    .bind(&b.eligibility)
    .bind(&b.consent_text)
    .bind(&b.consent_version)
    .bind(password_hash)
    .bind(b.registration_opens_at)
    .bind(b.registration_closes_at)
    .bind(&b.logo_url)
    .bind(b.one_prize_per_person)
    .bind(b.scope_column())
    .bind(b.scope_province())
    .bind(&b.unit_mode)
    .execute(&mut *tx)
    .await
    .map_err(|e| match e {
        sqlx::Error::Database(db) if db.constraint() == Some("contests_slug_key") => who.error(StatusCode::CONFLICT, "slug_taken"),
        other => other.into(),
    })?;
    let changed: Vec<&str> = [
        ("slug", b.slug.is_some()),
        ("title", b.title.is_some()),
        ("organiser", b.organiser.is_some()),
        ("rules_md", b.rules_md.is_some()),
        ("logo_url", b.logo_url.is_some()),
        ("one_prize_per_person", b.one_prize_per_person.is_some()),
        ("scope", b.scope.is_some()),
        ("unit_mode", b.unit_mode.is_some()),
    ]
    .into_iter()
    .filter(|(_, c)| *c)
    .map(|(f, _)| f)
    .collect();
    who.audit(
        &mut *tx,
        Some(org),
        "contest.update",
        ("contest", Some(id.to_string())),
        json!({"fields": changed, "rules_changed": touches_rules}),
    )
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(json!({"ok": true})))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RoundBody {
    title: Option<String>,
    mode: Option<String>,
    opens_at: Option<DateTime<FixedOffset>>,
    closes_at: Option<DateTime<FixedOffset>>,
    time_limit_minutes: Option<u32>,
    /// Absent: unchanged; null: unlimited.
    #[serde(default, deserialize_with = "present")]
    attempt_limit: Option<Option<u32>>,
    questions_per_attempt: Option<u32>,
    grace_seconds: Option<u32>,
    draw: Option<Vec<DrawGroup>>,
    /// Absent: unchanged; null: no prediction question.
    #[serde(default, deserialize_with = "present")]
    prediction: Option<Option<PredictionBody>>,
    ranking: Option<Vec<String>>,
    answers_changeable: Option<bool>,
    reveal: Option<String>,
    /// Prize tiers, best first; may change until the winners are published.
    prizes: Option<Vec<crate::contest::prizes::Tier>>,
}

/// A field that is present (even as null) becomes `Some(..)`; only an absent one is `None`.
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct PredictionBody {
    target: String,
    question: String,
}

/// The full settings of a round after applying `b` over `current`.
struct RoundSettings {
    title: String,
    mode: String,
    opens_at: DateTime<FixedOffset>,
    closes_at: DateTime<FixedOffset>,
    time_limit_ms: i32,
    attempt_limit: Option<i32>,
    questions_per_attempt: i32,
    grace_ms: i32,
    draw: Vec<DrawGroup>,
    prediction: Option<PredictionBody>,
    ranking: Vec<String>,
    answers_changeable: bool,
    reveal: String,
    prizes: Vec<crate::contest::prizes::Tier>,
}

fn settle(b: RoundBody, current: Option<RoundSettings>) -> Result<RoundSettings, Vec<FieldError>> {
    let mut errors = Vec::new();
    let missing =
        |errors: &mut Vec<FieldError>, field: &'static str| errors.push(FieldError { field, code: "required" });
    let cur = current.as_ref();
    let title = b.title.or(cur.map(|c| c.title.clone())).unwrap_or_default();
    if title.trim().is_empty() {
        missing(&mut errors, "title");
    }
    let mode = b.mode.or(cur.map(|c| c.mode.clone())).unwrap_or_else(|| "self_paced".into());
    if mode != "self_paced" && mode != "live" {
        errors.push(FieldError { field: "mode", code: "invalid_value" });
    }
    let opens_at = b.opens_at.or(cur.map(|c| c.opens_at));
    let closes_at = b.closes_at.or(cur.map(|c| c.closes_at));
    if opens_at.is_none() {
        missing(&mut errors, "opens_at");
    }
    if closes_at.is_none() {
        missing(&mut errors, "closes_at");
    }
    if let (Some(o), Some(c)) = (opens_at, closes_at) {
        if c <= o {
            errors.push(FieldError { field: "closes_at", code: "invalid_window" });
        }
    }
    // Checked: a u32 from the body times 60,000 wrapped in i32 (71,584 minutes became 72 s).
    let time_limit_ms = b
        .time_limit_minutes
        .map(|m| i32::try_from(u64::from(m) * 60_000).unwrap_or(-1))
        .or(cur.map(|c| c.time_limit_ms))
        .unwrap_or(0);
    if !(60_000..=24 * 3_600_000).contains(&time_limit_ms) {
        errors.push(FieldError { field: "time_limit_minutes", code: "invalid_number" });
    }
    let attempt_limit = match b.attempt_limit {
        Some(v) => v.map(|n| i32::try_from(n).unwrap_or(-1)),
        None => cur.and_then(|c| c.attempt_limit),
    };
    if attempt_limit.is_some_and(|n| n <= 0) {
        errors.push(FieldError { field: "attempt_limit", code: "invalid_number" });
    }
    let draw = b.draw.or(cur.map(|c| c.draw.clone())).unwrap_or_default();
    let questions_per_attempt = b
        .questions_per_attempt
        .map(|n| i32::try_from(n).unwrap_or(-1))
        .or(cur.map(|c| c.questions_per_attempt))
        .unwrap_or(0);
    if questions_per_attempt <= 0 || i32::try_from(draw::total(&draw)).ok() != Some(questions_per_attempt) {
        errors.push(FieldError { field: "draw", code: "draw_mismatch" });
    }
    let prediction = match b.prediction {
        Some(p) => p,
        None => cur.and_then(|c| c.prediction.clone()),
    };
    if prediction.as_ref().is_some_and(|p| PredictionTarget::parse(&p.target).is_none() || p.question.trim().is_empty())
    {
        errors.push(FieldError { field: "prediction", code: "invalid_value" });
    }
    // The default chain, less the prediction when the round asks none.
    let ranking = b.ranking.or(cur.map(|c| c.ranking.clone())).unwrap_or_else(|| {
        crate::contest::ranking::DEFAULT_CHAIN
            .iter()
            .filter(|k| prediction.is_some() || **k != RankKey::PredictionDistanceAsc)
            .map(|k| k.as_str().to_string())
            .collect()
    });
    match parse_chain(&ranking) {
        Err(_) => errors.push(FieldError { field: "ranking", code: "invalid_value" }),
        Ok(chain) if prediction.is_none() && chain.contains(&RankKey::PredictionDistanceAsc) => {
            errors.push(FieldError { field: "ranking", code: "prediction_missing" });
        }
        Ok(_) => {}
    }
    let reveal = b.reveal.or(cur.map(|c| c.reveal.clone())).unwrap_or_else(|| "after_close".into());
    if !["after_close", "after_submit", "never"].contains(&reveal.as_str()) {
        errors.push(FieldError { field: "reveal", code: "invalid_value" });
    }
    let grace_ms = b
        .grace_seconds
        .map(|s| i32::try_from(u64::from(s) * 1000).unwrap_or(-1))
        .or(cur.map(|c| c.grace_ms))
        .unwrap_or(2000);
    if !(0..=60_000).contains(&grace_ms) {
        errors.push(FieldError { field: "grace_seconds", code: "invalid_number" });
    }
    let answers_changeable = b.answers_changeable.or(cur.map(|c| c.answers_changeable)).unwrap_or(true);
    let prizes = b.prizes.or(cur.map(|c| c.prizes.clone())).unwrap_or_default();
    if prizes.iter().any(|t| t.name.trim().is_empty() || t.count == 0 || t.count > 10_000) {
        errors.push(FieldError { field: "prizes", code: "invalid_value" });
    }
    match (errors.is_empty(), opens_at, closes_at) {
        (true, Some(opens_at), Some(closes_at)) => Ok(RoundSettings {
            title,
            mode,
            opens_at,
            closes_at,
            time_limit_ms,
            attempt_limit,
            questions_per_attempt,
            grace_ms,
            draw,
            prediction,
            ranking,
            answers_changeable,
            reveal,
            prizes,
        }),
        _ => Err(errors),
    }
}

async fn save_round(
    db: &mut sqlx::PgConnection,
    round: Option<i64>,
    contest: i64,
    s: &RoundSettings,
) -> sqlx::Result<i64> {
    let sql = match round {
        None => {
            "INSERT INTO rounds (contest_id, position, title, mode, opens_at, closes_at, time_limit_ms, attempt_limit, \
             questions_per_attempt, grace_ms, draw_rule, prediction_target, prediction_question, ranking_chain, \
             answers_changeable, reveal, question_ids, prizes) \
             VALUES ($1, (SELECT COALESCE(max(position), 0) + 1 FROM rounds WHERE contest_id = $1), $2, $3, $4, $5, $6, $7, \
             $8, $9, $10, $11, $12, $13, $14, $15, '{}', $17) RETURNING id"
        }
        Some(_) => {
            "UPDATE rounds SET title = $2, mode = $3, opens_at = $4, closes_at = $5, time_limit_ms = $6, attempt_limit = $7, \
             questions_per_attempt = $8, grace_ms = $9, draw_rule = $10, prediction_target = $11, prediction_question = $12, \
             ranking_chain = $13, answers_changeable = $14, reveal = $15, prizes = $17 WHERE id = $16 RETURNING id"
        }
    };
    sqlx::query_scalar(sql)
        .bind(contest)
        .bind(s.title.trim())
        .bind(&s.mode)
        .bind(s.opens_at)
        .bind(s.closes_at)
        .bind(s.time_limit_ms)
        .bind(s.attempt_limit)
        .bind(s.questions_per_attempt)
        .bind(s.grace_ms)
        .bind(sqlx::types::Json(&s.draw))
        .bind(s.prediction.as_ref().map(|p| p.target.clone()))
        .bind(s.prediction.as_ref().map(|p| p.question.clone()))
        .bind(&s.ranking)
        .bind(s.answers_changeable)
        .bind(&s.reveal)
        .bind(round.unwrap_or_default())
        .bind(sqlx::types::Json(&s.prizes))
        .fetch_one(db)
        .await
}

pub async fn create_round(
    path: web::Path<i64>,
    body: web::Json<RoundBody>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let contest = path.into_inner();
    let org = contest_org(&state.pg, &who, contest, Role::Organiser).await?;
    let settings = settle(body.into_inner(), None).map_err(|e| invalid(&who, e))?;
    let mut tx = state.pg.begin().await?;
    let id = save_round(&mut tx, None, contest, &settings).await?;
    who.audit(&mut *tx, Some(org), "round.create", ("round", Some(id.to_string())), json!({"contest": contest}))
        .await?;
    tx.commit().await?;
    Ok(HttpResponse::Created().json(json!({"id": id})))
}

/// A round that has attempts (or is running) keeps its rules: only its title may change.
pub async fn update_round(
    path: web::Path<i64>,
    body: web::Json<RoundBody>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let round = path.into_inner();
    let (contest, org) = round_org(&state.pg, &who, round, Role::Organiser).await?;
    let b = body.into_inner();
    let started = state.redis.is_armed(round).await.map_err(|e| ApiError::internal(who.lang, &e))?
        || sqlx::query_scalar::<_, bool>("SELECT EXISTS (SELECT 1 FROM attempts WHERE round_id = $1)")
            .bind(round)
            .fetch_one(&state.pg)
            .await?;
    let only_text = b.mode.is_none()
        && b.opens_at.is_none()
        && b.closes_at.is_none()
        && b.time_limit_minutes.is_none()
        && b.attempt_limit.is_none()
        && b.questions_per_attempt.is_none()
        && b.grace_seconds.is_none()
        && b.draw.is_none()
        && b.prediction.is_none()
        && b.ranking.is_none()
        && b.answers_changeable.is_none()
        && b.reveal.is_none();
    let text_fields: Vec<&str> = [("title", b.title.is_some()), ("prizes", b.prizes.is_some())]
        .into_iter()
        .filter(|f| f.1)
        .map(|f| f.0)
        .collect();
    // Prizes do not touch how anyone answers: they may change while the round runs.
    if started && !only_text {
        return Err(who.error(StatusCode::CONFLICT, "round_started"));
    }
    let current = load_round(&state.pg, round).await?;
    let settings = settle(b, Some(current)).map_err(|e| invalid(&who, e))?;
    let mut tx = state.pg.begin().await?;
    save_round(&mut tx, Some(round), contest, &settings).await?;
    let action = if started { "round.update_text" } else { "round.update" };
    let details = if started { json!({"fields": text_fields}) } else { json!({}) };
    who.audit(&mut *tx, Some(org), action, ("round", Some(round.to_string())), details).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(json!({"ok": true})))
}

async fn load_round(pg: &PgPool, round: i64) -> sqlx::Result<RoundSettings> {
    type Row = (
        String,
        String,
        DateTime<chrono::Utc>,
        DateTime<chrono::Utc>,
        i32,
        Option<i32>,
        i32,
        i32,
        sqlx::types::Json<Vec<DrawGroup>>,
        Option<String>,
        Option<String>,
        Vec<String>,
        bool,
        String,
        sqlx::types::Json<Vec<crate::contest::prizes::Tier>>,
    );
    let r: Row = sqlx::query_as(
        "SELECT title, mode, opens_at, closes_at, time_limit_ms, attempt_limit, questions_per_attempt, grace_ms, draw_rule, \
         prediction_target, prediction_question, ranking_chain, answers_changeable, reveal, prizes FROM rounds WHERE id = $1",
    )
    .bind(round)
    .fetch_one(pg)
    .await?;
    let vn = FixedOffset::east_opt(7 * 3600).unwrap_or_else(|| FixedOffset::east_opt(0).expect("UTC"));
    Ok(RoundSettings {
        title: r.0,
        mode: r.1,
        opens_at: r.2.with_timezone(&vn),
        closes_at: r.3.with_timezone(&vn),
        time_limit_ms: r.4,
        attempt_limit: r.5,
        questions_per_attempt: r.6,
        grace_ms: r.7,
        draw: r.8 .0,
        prediction: r.9.zip(r.10).map(|(target, question)| PredictionBody { target, question }),
        ranking: r.11,
        answers_changeable: r.12,
        reveal: r.13,
        prizes: r.14 .0,
    })
}

/// One problem that blocks publishing: a stable code (the console may translate it), the round
/// it concerns, and the message in the organiser's language with its parameters filled in.
fn problem(lang: crate::i18n::Lang, code: &'static str, round: Option<&str>, params: &[(&str, &str)]) -> Value {
    let mut message = crate::i18n::message(code, lang).to_string();
    for (name, value) in params.iter().chain(round.map(|r| ("round", r)).iter()) {
        message = message.replace(&format!("{{{name}}}"), value);
    }
    json!({"code": code, "round": round, "message": message})
}

/// "8 câu mức dễ, chủ đề A, B" / "8 easy questions on A, B": a draw group in words.
fn group_kind(lang: crate::i18n::Lang, group: &DrawGroup) -> String {
    let level = group.difficulty.map(|d| crate::i18n::message(&format!("difficulty_{}", d.as_str()), lang));
    let topics = group.topics.join(", ");
    match (lang, level, topics.is_empty()) {
        (crate::i18n::Lang::Vi, l, t) => {
            format!(
                "{}{}",
                l.map(|l| format!("mức {l}")).unwrap_or_else(|| "mọi mức".into()),
                if t { String::new() } else { format!(", chủ đề {topics}") }
            )
        }
        (crate::i18n::Lang::En, l, t) => {
            format!(
                "{}{}",
                l.map(|l| format!("{l} level")).unwrap_or_else(|| "any level".into()),
                if t { String::new() } else { format!(", topics {topics}") }
            )
        }
    }
}

/// Checks the whole contest and lists every problem; if there are none, the rounds take the
/// current versions of the bank and the contest goes public.
pub async fn publish(
    path: web::Path<i64>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let contest = path.into_inner();
    let org = contest_org(&state.pg, &who, contest, Role::Organiser).await?;
    let (title, rules, consent, status, scope): (String, String, String, String, Option<Vec<String>>) =
        sqlx::query_as("SELECT title, rules_md, consent_text, status, scope_provinces FROM contests WHERE id = $1")
            .bind(contest)
            .fetch_one(&state.pg)
            .await?;
    let mut problems: Vec<Value> = Vec::new();
    let lang = who.lang;
    if title.trim().is_empty() {
        problems.push(problem(lang, "publish_no_title", None, &[]));
    }
    if rules.trim().is_empty() {
        problems.push(problem(lang, "publish_no_rules", None, &[]));
    }
    if consent.trim().is_empty() {
        problems.push(problem(lang, "publish_no_consent", None, &[]));
    }
    if Scope::from_column(scope).is_none() {
        problems.push(problem(lang, "publish_no_scope", None, &[]));
    }
    let (unit_count, unit_mode): (i64, String) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM units WHERE contest_id = $1), unit_mode FROM contests WHERE id = $1",
    )
    .bind(contest)
    .fetch_one(&state.pg)
    .await?;
    // A contest whose units are the communes gets them as people register.
    if unit_count == 0 && unit_mode == "list" {
        problems.push(problem(lang, "publish_no_units", None, &[]));
    }
    let bank: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT id, topic, difficulty FROM questions WHERE organisation_id = $1 AND latest ORDER BY id")
            .bind(org)
            .fetch_all(&state.pg)
            .await?;
    let drawables: Vec<Drawable<'_>> = bank
        .iter()
        .map(|(id, topic, d)| Drawable {
            id: *id,
            topic,
            difficulty: Difficulty::parse(d).unwrap_or(Difficulty::Medium),
        })
        .collect();
    type RoundCheck = (i64, String, sqlx::types::Json<Vec<DrawGroup>>, bool, bool, bool);
    let rounds: Vec<RoundCheck> = sqlx::query_as(
        "SELECT r.id, r.title, r.draw_rule, r.closes_at > r.opens_at, \
         EXISTS (SELECT 1 FROM attempts a WHERE a.round_id = r.id), \
         r.closes_at > COALESCE(c.registration_opens_at, '-infinity') \
         FROM rounds r JOIN contests c ON c.id = r.contest_id WHERE r.contest_id = $1 ORDER BY position",
    )
    .bind(contest)
    .fetch_all(&state.pg)
    .await?;
    if rounds.is_empty() {
        problems.push(problem(lang, "publish_no_round", None, &[]));
    }
    for (_, title, rule, window_ok, _, after_registration_opens) in &rounds {
        if !window_ok {
            problems.push(problem(lang, "publish_round_window", Some(title), &[]));
        }
        if !after_registration_opens {
            problems.push(problem(lang, "publish_round_before_registration", Some(title), &[]));
        }
        if let Some((available, group)) = draw::shortfall(&drawables, &rule.0) {
            let wanted = group.count.to_string();
            let kind = group_kind(lang, group);
            let available = available.to_string();
            let params = [("available", available.as_str()), ("count", wanted.as_str()), ("kind", kind.as_str())];
            problems.push(problem(lang, "publish_draw_short", Some(title), &params));
        }
    }
    if !problems.is_empty() {
        return Err(ApiError {
            details: Some(json!({"problems": problems})),
            ..who.error(StatusCode::UNPROCESSABLE_ENTITY, "publish_blocked")
        });
    }
    let ids: Vec<i64> = bank.iter().map(|b| b.0).collect();
    let mut tx = state.pg.begin().await?;
    for (round, _, _, _, has_attempts, _) in &rounds {
        if !has_attempts {
            sqlx::query("UPDATE rounds SET question_ids = $2 WHERE id = $1")
                .bind(round)
                .bind(&ids)
                .execute(&mut *tx)
                .await?;
        }
    }
    sqlx::query("UPDATE contests SET status = 'published' WHERE id = $1").bind(contest).execute(&mut *tx).await?;
    let action = if status == "published" { "contest.republish" } else { "contest.publish" };
    who.audit(&mut *tx, Some(org), action, ("contest", Some(contest.to_string())), json!({"questions": ids.len()}))
        .await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(json!({"status": "published", "questions": ids.len()})))
}
