//! Results for organisers: a finalised round's ranking page by page (the chain applied,
//! ties shown as ties, each participant's counted attempt and all their attempts), the
//! contest's overall ranking over rounds when it ranks overall, and the contest's report
//! settings (overall ranking, the collective formula, whether occupation is required).
//!
//! Overall rule: a participant's overall score is the sum, over the contest's finalised
//! rounds, of the correct answers of their counted attempt in each round (a round not
//! played counts 0); ties are broken by the total time used (the sum of the counted
//! attempts' durations, less first), then by the latest counted submission (earlier first).
//! The prediction is left out: its distance is per round and has no meaningful sum. Results
//! are read from the rounds' results, which a disqualification or requalification
//! recomputes, so the overall ranking follows at once.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};
use sqlx::{PgPool, Row};

use super::contests::{contest_org, round_org};
use super::{Organiser, Role};
use crate::awards::{overall_awards, overall_settings, totals_sql, Overall, OVERALL_RULE};
use crate::contest::collective::Scoring;
use crate::contest::prizes::Award;
use crate::domain::{units, FieldError};
use crate::http::{ApiError, AppState};

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<i64>,
    per_page: Option<i64>,
}

/// (page, per_page, offset), or the problems.
fn paging(who: &Organiser, q: &PageQuery) -> Result<(i64, i64, i64), ApiError> {
    let (page, per_page) = (q.page.unwrap_or(1), q.per_page.unwrap_or(100));
    let mut errors = Vec::new();
    if !(1..=1_000_000).contains(&page) {
        errors.push(FieldError::new("page", "invalid_number"));
    }
    if !(1..=1000).contains(&per_page) {
        errors.push(FieldError::new("per_page", "invalid_number"));
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid_fields(who.lang, &errors));
    }
    Ok((page, per_page, (page - 1) * per_page))
}

fn masked_name(name: &str) -> String {
    crate::domain::person::FullName::parse(name).map(|n| n.masked()).unwrap_or_default()
}

/// Who a result belongs to, with personal data masked (the JSON API is for every member).
fn person(row: &sqlx::postgres::PgRow) -> Result<Value, sqlx::Error> {
    let commune: String = row.try_get("commune_code")?;
    Ok(json!({
        "participant_id": row.try_get::<i64, _>("participant_id")?,
        "name": masked_name(&row.try_get::<String, _>("full_name")?),
        "phone": row.try_get::<String, _>("phone_masked")?,
        "commune": units::commune(&commune).map(|c| c.name.clone()),
        "unit_code": row.try_get::<String, _>("unit_code")?,
        "unit": row.try_get::<String, _>("unit_name")?,
    }))
}

const PERSON_COLUMNS: &str =
    "p.full_name, p.phone_masked, p.commune_code, p.unit_code, COALESCE(u.name, p.unit_code) AS unit_name";
const PERSON_JOIN: &str = "JOIN participants p ON p.id = x.participant_id \
     LEFT JOIN units u ON u.contest_id = p.contest_id AND u.code = p.unit_code";

/// A finalised round's results, a page at a time in rank order.
pub async fn round_results(
    path: web::Path<i64>,
    query: web::Query<PageQuery>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let round = path.into_inner();
    round_org(&state.pg, &who, round, Role::Viewer).await?;
    let (page, per_page, offset) = paging(&who, &query)?;
    let (chain, actual, finalized): (Vec<String>, Option<i64>, bool) =
        sqlx::query_as("SELECT ranking_chain, prediction_actual, finalized_at IS NOT NULL FROM rounds WHERE id = $1")
            .bind(round)
            .fetch_one(&state.pg)
            .await?;
    let total: i64 =
        sqlx::query_scalar("SELECT count(*) FROM results WHERE round_id = $1").bind(round).fetch_one(&state.pg).await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT x.rank, x.participant_id, x.attempt_id, x.correct, x.prediction, x.distance, x.duration_ms, \
           x.submitted_at_ms, EXISTS (SELECT 1 FROM results t WHERE t.round_id = x.round_id AND t.rank = x.rank \
             AND t.participant_id <> x.participant_id) AS tied, {PERSON_COLUMNS} \
         FROM results x {PERSON_JOIN} WHERE x.round_id = $1 ORDER BY x.rank, x.participant_id LIMIT $2 OFFSET $3"
    )))
    .bind(round)
    .bind(per_page)
    .bind(offset)
    .fetch_all(&state.pg)
    .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.try_get("participant_id")).collect::<Result<_, _>>()?;
    let attempts = sqlx::query(
        "SELECT id, participant_id, number, started_at_ms, submitted_at_ms, duration_ms, correct, prediction, \
           CASE WHEN prediction IS NULL OR $3::bigint IS NULL THEN NULL ELSE abs(prediction - $3::bigint) END AS distance, \
           auto_submitted FROM attempts WHERE round_id = $1 AND participant_id = ANY($2) ORDER BY participant_id, number",
    )
    .bind(round)
    .bind(&ids)
    .bind(actual)
    .fetch_all(&state.pg)
    .await?;
    let mut by_person: HashMap<i64, Vec<Value>> = HashMap::new();
    for a in &attempts {
        by_person.entry(a.try_get("participant_id")?).or_default().push(json!({
            "attempt_id": a.try_get::<uuid::Uuid, _>("id")?,
            "number": a.try_get::<i32, _>("number")?,
            "started_at_ms": a.try_get::<i64, _>("started_at_ms")?,
            "submitted_at_ms": a.try_get::<Option<i64>, _>("submitted_at_ms")?,
            "duration_ms": a.try_get::<Option<i64>, _>("duration_ms")?,
            "correct": a.try_get::<Option<i32>, _>("correct")?,
            "prediction": a.try_get::<Option<i64>, _>("prediction")?,
            "distance": a.try_get::<Option<i64>, _>("distance")?,
            "auto_submitted": a.try_get::<bool, _>("auto_submitted")?,
        }));
    }
    let mut items = Vec::with_capacity(rows.len());
    for r in &rows {
        let participant: i64 = r.try_get("participant_id")?;
        let counted: uuid::Uuid = r.try_get("attempt_id")?;
        let mut all = by_person.remove(&participant).unwrap_or_default();
        for a in &mut all {
            a["counted"] = json!(a["attempt_id"] == json!(counted));
        }
        let mut item = person(r)?;
        item["rank"] = json!(r.try_get::<i32, _>("rank")?);
        item["tied"] = json!(r.try_get::<bool, _>("tied")?);
        item["counted"] = json!({
            "attempt_id": counted,
            "correct": r.try_get::<i32, _>("correct")?,
            "prediction": r.try_get::<Option<i64>, _>("prediction")?,
            "distance": r.try_get::<Option<i64>, _>("distance")?,
            "duration_ms": r.try_get::<i64, _>("duration_ms")?,
            "submitted_at_ms": r.try_get::<i64, _>("submitted_at_ms")?,
        });
        item["attempts"] = json!(all);
        items.push(item);
    }
    Ok(HttpResponse::Ok().json(json!({
        "round_id": round, "finalized": finalized, "chain": chain, "prediction_actual": actual,
        "total": total, "page": page, "per_page": per_page, "items": items,
    })))
}

/// The contest's overall ranking, a page at a time.
pub async fn contest_results(
    path: web::Path<i64>,
    query: web::Query<PageQuery>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let contest = path.into_inner();
    contest_org(&state.pg, &who, contest, Role::Viewer).await?;
    let (page, per_page, offset) = paging(&who, &query)?;
    if overall_settings(&state.pg, contest).await?.is_none() {
        return Err(who.error(StatusCode::CONFLICT, "overall_ranking_off"));
    }
    let rounds: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM rounds WHERE contest_id = $1 AND finalized_at IS NOT NULL ORDER BY position",
    )
    .bind(contest)
    .fetch_all(&state.pg)
    .await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "WITH ranked AS ({}), counted AS ( \
           SELECT ranked.*, count(*) OVER (PARTITION BY rank) AS same, count(*) OVER () AS total FROM ranked) \
         SELECT x.*, {PERSON_COLUMNS} FROM counted x {PERSON_JOIN} ORDER BY x.rank, x.participant_id LIMIT $2 OFFSET $3",
        totals_sql()
    )))
    .bind(contest)
    .bind(per_page)
    .bind(offset)
    .fetch_all(&state.pg)
    .await?;
    let total: i64 = match rows.first() {
        Some(r) => r.try_get("total")?,
        None => {
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM ({}) r", totals_sql())))
                .bind(contest)
                .fetch_one(&state.pg)
                .await?
        }
    };
    let ids: Vec<i64> = rows.iter().map(|r| r.try_get("participant_id")).collect::<Result<_, _>>()?;
    let per_round: Vec<(i64, i64, i32, i32, i64)> = sqlx::query_as(
        "SELECT x.participant_id, x.round_id, x.rank, x.correct, x.duration_ms FROM results x \
         JOIN rounds d ON d.id = x.round_id WHERE d.contest_id = $1 AND d.finalized_at IS NOT NULL \
           AND x.participant_id = ANY($2) ORDER BY d.position",
    )
    .bind(contest)
    .bind(&ids)
    .fetch_all(&state.pg)
    .await?;
    let awards: HashMap<i64, Award> =
        overall_awards(&state.pg, contest).await?.into_iter().map(|a| (a.participant_id, a)).collect();
    let mut items = Vec::with_capacity(rows.len());
    for r in &rows {
        let participant: i64 = r.try_get("participant_id")?;
        let mut item = person(r)?;
        item["rank"] = json!(r.try_get::<i64, _>("rank")?);
        item["tied"] = json!(r.try_get::<i64, _>("same")? > 1);
        item["total_correct"] = json!(r.try_get::<i64, _>("total_correct")?);
        item["total_duration_ms"] = json!(r.try_get::<i64, _>("total_duration_ms")?);
        item["last_submitted_at_ms"] = json!(r.try_get::<i64, _>("last_submitted_at_ms")?);
        item["rounds"] = json!(per_round
            .iter()
            .filter(|x| x.0 == participant)
            .map(|x| json!({"round_id": x.1, "rank": x.2, "correct": x.3, "duration_ms": x.4}))
            .collect::<Vec<_>>());
        item["prize"] = json!(awards.get(&participant).map(|a| a.prize.clone()));
        items.push(item);
    }
    Ok(HttpResponse::Ok().json(json!({
        "contest_id": contest, "rule": OVERALL_RULE, "rounds": rounds,
        "total": total, "page": page, "per_page": per_page, "items": items,
    })))
}

/// A field that is present (even as null) becomes `Some(..)`; only an absent one is `None`.
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsBody {
    /// `null` turns the overall ranking off.
    #[serde(default, deserialize_with = "present")]
    overall: Option<Option<Overall>>,
    collective: Option<Scoring>,
    occupation_required: Option<bool>,
}

async fn settings_json(pg: &PgPool, contest: i64) -> sqlx::Result<Value> {
    sqlx::query_scalar(
        "SELECT jsonb_build_object('overall', overall_ranking, 'collective', collective_scoring, \
           'occupation_required', occupation_required) FROM contests WHERE id = $1",
    )
    .bind(contest)
    .fetch_one(pg)
    .await
}

pub async fn get_settings(
    path: web::Path<i64>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let contest = path.into_inner();
    contest_org(&state.pg, &who, contest, Role::Viewer).await?;
    Ok(HttpResponse::Ok().json(settings_json(&state.pg, contest).await?))
}

/// Prize names a collective formula may give points to: the rounds' and the overall ones.
async fn prize_names(pg: &PgPool, contest: i64, overall: Option<&Overall>) -> sqlx::Result<Vec<String>> {
    let mut names: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT t->>'name' FROM rounds, jsonb_array_elements(prizes) t WHERE contest_id = $1",
    )
    .bind(contest)
    .fetch_all(pg)
    .await?;
    names.extend(overall.into_iter().flat_map(|o| o.prizes.iter().map(|t| t.name.clone())));
    Ok(names)
}

/// Changes the report settings; each part given replaces the current one.
pub async fn put_settings(
    path: web::Path<i64>,
    body: web::Json<SettingsBody>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let contest = path.into_inner();
    let org = contest_org(&state.pg, &who, contest, Role::Organiser).await?;
    let b = body.into_inner();
    let mut errors = Vec::new();
    if let Some(Some(o)) = &b.overall {
        if o.prizes.iter().any(|t| t.name.trim().is_empty() || t.count == 0 || t.count > 10_000) {
            errors.push(FieldError::new("overall.prizes", "invalid_value"));
        }
    }
    let overall = match &b.overall {
        Some(o) => o.clone(),
        None => overall_settings(&state.pg, contest).await?,
    };
    if let Some(scoring) = &b.collective {
        errors.extend(scoring.check(&prize_names(&state.pg, contest, overall.as_ref()).await?));
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid_fields(who.lang, &errors));
    }
    if b.occupation_required.is_some() {
        // A rule of entry: fixed once the contest is public, like the others.
        let status: String =
            sqlx::query_scalar("SELECT status FROM contests WHERE id = $1").bind(contest).fetch_one(&state.pg).await?;
        if status == "published" {
            return Err(who.error(StatusCode::CONFLICT, "contest_published"));
        }
    }
    let mut tx = state.pg.begin().await?;
    sqlx::query(
        "UPDATE contests SET overall_ranking = CASE WHEN $2 THEN $3 ELSE overall_ranking END, \
           collective_scoring = COALESCE($4, collective_scoring), \
           occupation_required = COALESCE($5, occupation_required) WHERE id = $1",
    )
    .bind(contest)
    .bind(b.overall.is_some())
    .bind(b.overall.as_ref().and_then(|o| o.as_ref()).map(sqlx::types::Json))
    .bind(b.collective.as_ref().map(sqlx::types::Json))
    .bind(b.occupation_required)
    .execute(&mut *tx)
    .await?;
    let changed: Vec<&str> = [
        ("overall", b.overall.is_some()),
        ("collective", b.collective.is_some()),
        ("occupation_required", b.occupation_required.is_some()),
    ]
    .into_iter()
    .filter_map(|(f, c)| c.then_some(f))
    .collect();
    who.audit(
        &mut *tx,
        Some(org),
        "contest.report_settings",
        ("contest", Some(contest.to_string())),
        json!({"fields": changed}),
    )
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(settings_json(&state.pg, contest).await?))
}
