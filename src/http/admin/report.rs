//! `GET /api/admin/contests/{id}/report.pdf|.xlsx[?round_id=]`: the report for the Ministry
//! of Justice (see `crate::report`). Masked names only, so any member may download it;
//! every download is audited.

use actix_web::{web, HttpResponse};
use serde_json::json;

use super::contests::contest_org;
use super::survey::{round_of_contest, ReportQuery};
use super::{Organiser, Role};
use crate::http::download::{self, Data, Kind};
use crate::http::{ApiError, AppState};

async fn prepare(
    who: &Organiser,
    state: &AppState,
    contest: i64,
    round: Option<i64>,
    format: &str,
) -> Result<crate::report::ReportData, ApiError> {
    let org = contest_org(&state.pg, who, contest, Role::Viewer).await?;
    round_of_contest(&state.pg, who, contest, round).await?;
    let data = crate::report::load(&state.pg, contest, round).await?;
    who.audit(
        &state.pg,
        Some(org),
        "report.ministry",
        ("contest", Some(contest.to_string())),
        json!({"format": format, "round": round}),
    )
    .await?;
    Ok(data)
}

fn file_name(contest: i64, round: Option<i64>, ext: &str) -> String {
    match round {
        Some(r) => format!("bao-cao-cuoc-thi-{contest}-dot-{r}.{ext}"),
        None => format!("bao-cao-cuoc-thi-{contest}.{ext}"),
    }
}

pub async fn pdf(
    path: web::Path<i64>,
    query: web::Query<ReportQuery>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    respond(path.into_inner(), query.round_id, who, &state, Kind::Pdf, crate::report::layout::render).await
}

pub async fn xlsx(
    path: web::Path<i64>,
    query: web::Query<ReportQuery>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    respond(path.into_inner(), query.round_id, who, &state, Kind::Xlsx, crate::report::xlsx::render).await
}

/// Gathers the report's figures (audited as an export), renders them off the workers (laying
/// out and compressing takes milliseconds of CPU) and sends the file.
async fn respond<E: std::fmt::Display + Send + 'static>(
    contest: i64,
    round_id: Option<i64>,
    who: Organiser,
    state: &AppState,
    kind: Kind,
    render: fn(&crate::report::ReportData) -> Result<Vec<u8>, E>,
) -> Result<HttpResponse, ApiError> {
    let ext = if kind == Kind::Pdf { "pdf" } else { "xlsx" };
    let data = prepare(&who, state, contest, round_id, ext).await?;
    let bytes = web::block(move || render(&data))
        .await
        .map_err(|e| ApiError::internal(who.lang, &e))?
        .map_err(|e| ApiError::internal(who.lang, &e))?;
    Ok(download::start(kind, &file_name(contest, round_id, ext), Data::Personal).body(bytes))
}
