//! An organisation's question bank: import (CSV/XLSX, all or nothing, every bad row
//! reported), export (XLSX in the same layout), and edits that add a version.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde_json::{json, Value};

use super::{Organiser, Role};
use crate::contest::bank::{self, BankQuestion, Difficulty, Translations};
use crate::http::download::{self, Data, Kind};
use crate::http::{ApiError, AppState};
use crate::store::pg::OptionItem;

type Row = (
    i64,
    String,
    i32,
    String,
    String,
    String,
    sqlx::types::Json<Vec<OptionItem>>,
    Vec<i64>,
    String,
    String,
    String,
    sqlx::types::Json<Translations>,
);

const COLUMNS: &str =
    "id, code, version, topic, difficulty, text, options, correct, explanation, law, article, translations";

fn to_bank(r: &Row) -> BankQuestion {
    BankQuestion {
        code: r.1.clone(),
        topic: r.3.clone(),
        difficulty: Difficulty::parse(&r.4).unwrap_or(Difficulty::Medium),
        text: r.5.clone(),
        options: r.6.iter().map(|o| o.text.clone()).collect(),
        correct: r.6.iter().enumerate().filter(|(_, o)| r.7.contains(&o.id)).map(|(i, _)| i).collect(),
        explanation: r.8.clone(),
        law: r.9.clone(),
        article: r.10.clone(),
        translations: r.11 .0.clone(),
    }
}

async fn latest(pg: &sqlx::PgPool, org: i64) -> sqlx::Result<Vec<Row>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM questions WHERE organisation_id = $1 AND latest ORDER BY code"
    )))
    .bind(org)
    .fetch_all(pg)
    .await
}

pub async fn list(path: web::Path<i64>, who: Organiser, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let org = path.into_inner();
    who.require(org, Role::Viewer)?;
    let rows = latest(&state.pg, org).await?;
    let items: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({"id": r.0, "code": r.1, "version": r.2, "topic": r.3, "difficulty": r.4, "text": r.5,
                   "options": r.6 .0, "correct": r.7, "explanation": r.8, "law": r.9, "article": r.10,
                   "translations": r.11 .0})
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({"items": items})))
}

/// Inserts a version of a question; earlier versions stop being the latest.
async fn insert_version(tx: &mut sqlx::PgConnection, org: i64, q: &BankQuestion, version: i32) -> sqlx::Result<i64> {
    sqlx::query("UPDATE questions SET latest = FALSE WHERE organisation_id = $1 AND code = $2")
        .bind(org)
        .bind(&q.code)
        .execute(&mut *tx)
        .await?;
    crate::store::pg::insert_question(tx, crate::store::pg::QuestionOwner::Organisation { org, version }, q).await
}

/// The body is the file (CSV or XLSX), read through the input gate (`crate::upload`). New
/// codes are added; changed questions get a new version; identical ones are left alone.
pub async fn import(
    req: actix_web::HttpRequest,
    path: web::Path<i64>,
    body: web::Payload,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let org = path.into_inner();
    who.require(org, Role::Organiser)?;
    let rows = crate::http::upload::upload_table(&req, body, who.lang).await?;
    let parsed = web::block(move || bank::parse_table(rows))
        .await
        .map_err(|e| ApiError::internal(who.lang, &e))?
        .map_err(|errors| ApiError {
            details: Some(json!({"rows": errors})),
            ..who.error(StatusCode::UNPROCESSABLE_ENTITY, "import_failed")
        })?;
    let existing = latest(&state.pg, org).await?;
    let (mut created, mut updated, mut unchanged) = (0, 0, 0);
    let mut tx = state.pg.begin().await?;
    for q in &parsed {
        match existing.iter().find(|r| r.1 == q.code) {
            Some(r) if to_bank(r) == *q => unchanged += 1,
            Some(r) => {
                insert_version(&mut tx, org, q, r.2 + 1).await?;
                updated += 1;
            }
            None => {
                insert_version(&mut tx, org, q, 1).await?;
                created += 1;
            }
        }
    }
    who.audit(
        &mut *tx,
        Some(org),
        "questions.import",
        ("question_bank", Some(org.to_string())),
        json!({"created": created, "updated": updated, "unchanged": unchanged}),
    )
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(json!({"created": created, "updated": updated, "unchanged": unchanged})))
}

pub async fn export(
    path: web::Path<i64>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let org = path.into_inner();
    who.require(org, Role::Organiser)?;
    let rows = latest(&state.pg, org).await?;
    let bytes =
        bank::to_xlsx(&rows.iter().map(to_bank).collect::<Vec<_>>()).map_err(|e| ApiError::internal(who.lang, &e))?;
    who.audit(
        &state.pg,
        Some(org),
        "questions.export",
        ("question_bank", Some(org.to_string())),
        json!({"questions": rows.len()}),
    )
    .await?;
    Ok(download::start(Kind::Xlsx, "ngan-hang-cau-hoi.xlsx", Data::Anonymous).body(bytes))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionBody {
    topic: String,
    difficulty: String,
    text: String,
    options: Vec<String>,
    /// Indices into `options`.
    correct: Vec<usize>,
    #[serde(default)]
    explanation: String,
    #[serde(default)]
    law: String,
    #[serde(default)]
    article: String,
    /// Replaces the translations (`{}` removes them all); absent keeps the current ones.
    #[serde(default)]
    translations: Option<Translations>,
}

/// Edits a question by adding a version: rounds published with the old version keep it.
pub async fn edit(
    path: web::Path<i64>,
    body: web::Json<QuestionBody>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    type Current = (Option<i64>, String, i32, bool, sqlx::types::Json<Translations>);
    let row: Option<Current> =
        sqlx::query_as("SELECT organisation_id, code, version, latest, translations FROM questions WHERE id = $1")
            .bind(id)
            .fetch_optional(&state.pg)
            .await?;
    let (org, code, version, is_latest, current_translations) =
        row.and_then(|(o, c, v, l, t)| Some((o?, c, v, l, t.0))).ok_or_else(|| who.not_found())?;
    who.require(org, Role::Organiser)?;
    if !is_latest {
        return Err(who.error(StatusCode::CONFLICT, "stale_version"));
    }
    let b = body.into_inner();
    let mut errors = Vec::new();
    let difficulty = Difficulty::parse(&b.difficulty);
    if difficulty.is_none() {
        errors.push(crate::domain::FieldError { field: "difficulty", code: "invalid_value" });
    }
    if b.text.trim().is_empty() {
        errors.push(crate::domain::FieldError { field: "text", code: "required" });
    }
    if !(2..=6).contains(&b.options.len()) || b.options.iter().any(|o| o.trim().is_empty()) {
        errors.push(crate::domain::FieldError { field: "options", code: "invalid_options" });
    }
    if b.correct.is_empty() || b.correct.iter().any(|i| *i >= b.options.len()) {
        errors.push(crate::domain::FieldError { field: "correct", code: "invalid_value" });
    }
    let nfc = |s: &str| crate::domain::text::nfc(s.trim());
    let translations: Translations = b
        .translations
        .clone()
        .unwrap_or(current_translations)
        .into_iter()
        .map(|(lang, t)| {
            let t = bank::Translation {
                text: nfc(&t.text),
                options: t.options.iter().map(|o| nfc(o)).collect(),
                explanation: nfc(&t.explanation),
            };
            (lang, t)
        })
        .collect();
    if !bank::check_translations(&translations, b.options.len()).is_empty() {
        errors.push(crate::domain::FieldError { field: "translations", code: "invalid_translation" });
    }
    let Some(difficulty) = difficulty.filter(|_| errors.is_empty()) else {
        return Err(ApiError::invalid_fields(who.lang, &errors));
    };
    let mut correct = b.correct.clone();
    correct.sort_unstable();
    correct.dedup();
    let q = BankQuestion {
        code: code.clone(),
        topic: nfc(&b.topic),
        difficulty,
        text: nfc(&b.text),
        options: b.options.iter().map(|o| nfc(o)).collect(),
        correct,
        explanation: nfc(&b.explanation),
        law: nfc(&b.law),
        article: nfc(&b.article),
        translations,
    };
    let mut tx = state.pg.begin().await?;
    let new_id = insert_version(&mut tx, org, &q, version + 1).await?;
    who.audit(
        &mut *tx,
        Some(org),
        "question.edit",
        ("question", Some(code)),
        json!({"from": id, "to": new_id, "version": version + 1}),
    )
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(json!({"id": new_id, "version": version + 1})))
}
