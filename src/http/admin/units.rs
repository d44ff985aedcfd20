//! A contest's units (đơn vị dự thi): a tree with headcounts, imported from CSV/XLSX
//! (`code, name, parent_code, kind, headcount`; any bad row imports nothing), or the 2025
//! communes of a province as a ready list.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde_json::{json, Value};

use super::contests::contest_org;
use super::{Organiser, Role};
use crate::contest::bank;
use crate::domain::{units, FieldError};
use crate::http::{ApiError, AppState};

pub async fn list_units(
    path: web::Path<i64>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    contest_org(&state.pg, &who, id, Role::Viewer).await?;
    let rows: Vec<Value> =
        sqlx::query_scalar("SELECT to_jsonb(u) - 'contest_id' FROM units u WHERE contest_id = $1 ORDER BY code")
            .bind(id)
            .fetch_all(&state.pg)
            .await?;
    Ok(HttpResponse::Ok().json(json!({"items": rows})))
}

#[derive(Debug, Clone)]
struct UnitRow {
    code: String,
    name: String,
    parent_code: Option<String>,
    kind: String,
    headcount: Option<i32>,
}

/// Units from an uploaded CSV/XLSX (`code, name, parent_code, kind, headcount`), or with
/// `?communes_of_province=NN` the 2025 communes of a province. Any bad row imports nothing.
pub async fn import_units(
    req: actix_web::HttpRequest,
    path: web::Path<i64>,
    query: web::Query<std::collections::HashMap<String, String>>,
    body: web::Payload,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let org = contest_org(&state.pg, &who, id, Role::Organiser).await?;
    let rows: Vec<UnitRow> = if let Some(province) = query.get("communes_of_province") {
        let list = units::communes_of(province);
        if list.is_empty() {
            return Err(ApiError::invalid_fields(
                who.lang,
                &[FieldError { field: "communes_of_province", code: "unknown_province" }],
            ));
        }
        list.iter()
            .map(|c| UnitRow {
                code: c.code.clone(),
                name: c.name.clone(),
                parent_code: None,
                kind: "commune".into(),
                headcount: None,
            })
            .collect()
    } else {
        let table = crate::http::upload::upload_table(&req, body, who.lang).await?;
        let existing: Vec<(String, Option<String>)> =
            sqlx::query_as("SELECT code, parent_code FROM units WHERE contest_id = $1")
                .bind(id)
                .fetch_all(&state.pg)
                .await?;
        parse_units(table, &existing.into_iter().collect()).map_err(|errors| ApiError {
            details: Some(json!({"rows": errors})),
            ..who.error(StatusCode::UNPROCESSABLE_ENTITY, "import_failed")
        })?
    };
    let mut tx = state.pg.begin().await?;
    for u in &rows {
        sqlx::query(
            "INSERT INTO units (contest_id, code, name, parent_code, kind, headcount) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (contest_id, code) DO UPDATE SET name = EXCLUDED.name, parent_code = EXCLUDED.parent_code, \
             kind = EXCLUDED.kind, headcount = EXCLUDED.headcount",
        )
        .bind(id)
        .bind(&u.code)
        .bind(&u.name)
        .bind(&u.parent_code)
        .bind(&u.kind)
        .bind(u.headcount)
        .execute(&mut *tx)
        .await?;
    }
    who.audit(&mut *tx, Some(org), "units.import", ("contest", Some(id.to_string())), json!({"units": rows.len()}))
        .await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(json!({"imported": rows.len()})))
}

/// Units from the rows of a CSV/XLSX file (read through the input gate). `existing` maps the contest's units already stored to their
/// parents: a parent may be one of them, and the tree they make with the file has no cycle.
fn parse_units(
    rows: crate::upload::Table,
    existing: &std::collections::HashMap<String, Option<String>>,
) -> Result<Vec<UnitRow>, Vec<bank::BankError>> {
    let mut errors = Vec::new();
    let mut out: Vec<(usize, UnitRow)> = Vec::new();
    let header: Vec<String> =
        rows.first().map(|h| h.iter().map(|c| c.trim().to_lowercase()).collect()).unwrap_or_default();
    if header.first().map(String::as_str) != Some("code") || header.get(1).map(String::as_str) != Some("name") {
        return Err(vec![bank::BankError {
            row: 1,
            column: None,
            message: "the header must be: code, name, parent_code, kind, headcount".into(),
        }]);
    }
    let err = |row: usize, column: &str, message: String| bank::BankError { row, column: Some(column.into()), message };
    for (i, r) in rows.iter().enumerate().skip(1) {
        let cell = |n: usize| r.get(n).map(|s| s.trim().to_string()).unwrap_or_default();
        if r.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let row = i + 1;
        let (code, name) = (cell(0), crate::domain::text::nfc(&cell(1)));
        if code.is_empty() || code.len() > 64 {
            errors.push(err(row, "code", "required (at most 64 characters)".into()));
        }
        if name.is_empty() {
            errors.push(err(row, "name", "required".into()));
        }
        let headcount = match cell(4) {
            h if h.is_empty() => None,
            h => match h.parse::<f64>() {
                Ok(v) if v >= 0.0 && v.fract() == 0.0 && v <= f64::from(i32::MAX) => Some(v as i32),
                _ => {
                    errors.push(err(row, "headcount", format!("{h:?} is not a whole number")));
                    None
                }
            },
        };
        let parent = Some(cell(2)).filter(|p| !p.is_empty());
        let kind = Some(cell(3)).filter(|k| !k.is_empty()).unwrap_or_else(|| "unit".into());
        out.push((row, UnitRow { code, name, parent_code: parent, kind, headcount }));
    }
    // The tree after this import: stored units, overridden by the file's.
    let mut parents: std::collections::HashMap<&str, Option<&str>> =
        existing.iter().map(|(c, p)| (c.as_str(), p.as_deref())).collect();
    let mut first_row: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (row, u) in &out {
        if let Some(first) = first_row.insert(u.code.as_str(), *row) {
            errors.push(err(*row, "code", format!("code {:?} appears twice (first in row {first})", u.code)));
        }
        parents.insert(u.code.as_str(), u.parent_code.as_deref());
    }
    for (row, u) in &out {
        let Some(parent) = u.parent_code.as_deref() else { continue };
        if !parents.contains_key(parent) {
            errors.push(err(*row, "parent_code", format!("no unit has the code {parent:?}")));
            continue;
        }
        // Walk up: reaching this unit again is a cycle (a unit cannot contain itself).
        let mut at = Some(parent);
        for _ in 0..=parents.len() {
            match at {
                Some(c) if c == u.code => {
                    errors.push(err(*row, "parent_code", "the units' parents make a cycle".into()));
                    break;
                }
                Some(c) => at = parents.get(c).copied().flatten(),
                None => break,
            }
        }
    }
    if errors.is_empty() {
        Ok(out.into_iter().map(|(_, u)| u).collect())
    } else {
        errors.sort_by_key(|e| e.row);
        Err(errors)
    }
}
