//! The audit log: append-only (a trigger refuses UPDATE and DELETE), one row per organiser
//! action, login and export.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::{Organiser, Role};
use crate::http::download::{self, Data, Kind};
use crate::http::{ApiError, AppState};

#[derive(Deserialize)]
pub struct AuditQuery {
    before: Option<i64>,
    limit: Option<i64>,
}

/// Newest first, paged by id.
pub async fn list(
    path: web::Path<i64>,
    query: web::Query<AuditQuery>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let org = path.into_inner();
    who.require(org, Role::Organiser)?;
    let items: Vec<serde_json::Value> = sqlx::query_scalar(
        "SELECT jsonb_build_object('id', l.id, 'at', l.at, 'account_id', l.account_id, 'account_email', a.email, \
           'action', l.action, 'object_type', l.object_type, 'object_id', l.object_id, 'address', l.address, \
           'details', l.details) \
         FROM audit_log l LEFT JOIN accounts a ON a.id = l.account_id \
         WHERE l.organisation_id = $1 AND ($2::bigint IS NULL OR l.id < $2) ORDER BY l.id DESC LIMIT $3",
    )
    .bind(org)
    .bind(query.before)
    .bind(query.limit.unwrap_or(100).clamp(1, 1000))
    .fetch_all(&state.pg)
    .await?;
    Ok(HttpResponse::Ok().json(json!({ "items": items })))
}

/// The organisation's whole audit log as CSV (UTF-8 with BOM, so Excel shows Vietnamese).
pub async fn export_csv(
    path: web::Path<i64>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let org = path.into_inner();
    who.require(org, Role::Organiser)?;
    type Row = (
        i64,
        chrono::DateTime<chrono::Utc>,
        Option<String>,
        String,
        String,
        Option<String>,
        Option<String>,
        serde_json::Value,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT l.id, l.at, a.email, l.action, l.object_type, l.object_id, l.address, l.details \
         FROM audit_log l LEFT JOIN accounts a ON a.id = l.account_id WHERE l.organisation_id = $1 ORDER BY l.id",
    )
    .bind(org)
    .fetch_all(&state.pg)
    .await?;
    let mut out = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let fail = |e: csv::Error| ApiError::internal(who.lang, &e);
    out.write_record(["id", "at", "account", "action", "object_type", "object_id", "address", "details"])
        .map_err(fail)?;
    for r in &rows {
        let cells = [
            r.0.to_string(),
            r.1.to_rfc3339(),
            r.2.clone().unwrap_or_default(),
            r.3.clone(),
            r.4.clone(),
            r.5.clone().unwrap_or_default(),
            r.6.clone().unwrap_or_default(),
            r.7.to_string(),
        ];
        out.write_record(cells.iter().map(|c| crate::domain::text::spreadsheet_safe(c).into_owned())).map_err(fail)?;
    }
    let bytes = out.into_inner().map_err(|e| ApiError::internal(who.lang, &e))?;
    who.audit(&state.pg, Some(org), "audit.export", ("audit_log", Some(org.to_string())), json!({"rows": rows.len()}))
        .await?;
    Ok(download::start(Kind::Csv, "nhat-ky.csv", Data::Personal).body(bytes))
}
