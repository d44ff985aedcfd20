//! The organisers' review queue: list a contest's cases, run a scan now, confirm or dismiss a
//! case with a reason (audited). Confirming disqualifies nobody: the organiser then uses the
//! disqualify endpoint, case by case.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::contests::contest_org;
use super::{Organiser, Role};
use crate::abuse::scan::{self, ScanError};
use crate::domain::FieldError;
use crate::http::{ApiError, AppState};

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Open,
    Confirmed,
    Dismissed,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Confirmed => "confirmed",
            Status::Dismissed => "dismissed",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    status: Option<Status>,
}

type CaseRow = (
    i64,
    String,
    Option<i64>,
    String,
    Vec<i64>,
    serde_json::Value,
    Option<String>,
    Option<i64>,
    Option<chrono::DateTime<chrono::Utc>>,
    chrono::DateTime<chrono::Utc>,
    chrono::DateTime<chrono::Utc>,
);

/// At most this many cases per answer, newest first (the queue is worked through, not browsed).
const LIST_LIMIT: i64 = 500;

pub async fn list(
    path: web::Path<i64>,
    query: web::Query<ListQuery>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let contest = path.into_inner();
    contest_org(&state.pg, &who, contest, Role::Viewer).await?;
    let rows: Vec<CaseRow> = sqlx::query_as(
        "SELECT id, rule, round_id, status, participant_ids, evidence, reason, decided_by, decided_at, created_at, updated_at \
         FROM abuse_cases WHERE contest_id = $1 AND ($2::text IS NULL OR status = $2) ORDER BY id DESC LIMIT $3",
    )
    .bind(contest)
    .bind(query.status.map(Status::as_str))
    .bind(LIST_LIMIT)
    .fetch_all(&state.pg)
    .await?;
    let ids: Vec<i64> = rows.iter().flat_map(|r| r.4.iter().copied()).collect();
    let people: Vec<(i64, String, String, chrono::DateTime<chrono::Utc>, bool)> = sqlx::query_as(
        "SELECT id, full_name, phone_masked, created_at, disqualified_at IS NOT NULL FROM participants \
         WHERE contest_id = $1 AND id = ANY($2)",
    )
    .bind(contest)
    .bind(&ids)
    .fetch_all(&state.pg)
    .await?;
    let person = |id: i64| {
        people.iter().find(|p| p.0 == id).map(
            |p| json!({"id": p.0, "full_name": p.1, "phone_masked": p.2, "registered_at": p.3, "disqualified": p.4}),
        )
    };
    let items: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            json!({
                "id": r.0, "rule": r.1, "round_id": r.2, "status": r.3,
                // Erased participants drop out of the list.
                "participants": r.4.iter().filter_map(|&id| person(id)).collect::<Vec<_>>(),
                "evidence": r.5, "reason": r.6, "decided_by": r.7, "decided_at": r.8,
                "created_at": r.9, "updated_at": r.10,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({"contest_id": contest, "items": items})))
}

/// Runs the rules over the contest now (the job does the same every few minutes).
pub async fn run_scan(
    path: web::Path<i64>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let contest = path.into_inner();
    let org = contest_org(&state.pg, &who, contest, Role::Organiser).await?;
    let report = scan::scan_contest(&state.pg, contest).await.map_err(|e| match e {
        ScanError::Busy(_) => who.error(StatusCode::CONFLICT, "scan_busy"),
        ScanError::Failed(cause) => ApiError::internal(who.lang, &format!("{cause:#}")),
    })?;
    who.audit(
        &state.pg,
        Some(org),
        "cases.scan",
        ("contest", Some(contest.to_string())),
        json!({"new_cases": report.new_cases, "found": report.found}),
    )
    .await?;
    Ok(HttpResponse::Ok().json(json!({"contest_id": contest, "new_cases": report.new_cases, "found": report.found})))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    reason: String,
}

async fn decide(
    case: i64,
    body: DecisionBody,
    who: Organiser,
    state: web::Data<AppState>,
    to: Status,
) -> Result<HttpResponse, ApiError> {
    let reason = body.reason.trim();
    if reason.is_empty() || reason.chars().count() > 1000 {
        let code = if reason.is_empty() { "required" } else { "too_long" };
        return Err(ApiError::invalid_fields(who.lang, &[FieldError { field: "reason", code }]));
    }
    let row: Option<(i64, Option<i64>)> = sqlx::query_as(
        "SELECT c.id, c.organisation_id FROM abuse_cases a JOIN contests c ON c.id = a.contest_id WHERE a.id = $1",
    )
    .bind(case)
    .fetch_optional(&state.pg)
    .await?;
    let (_, org) = row.and_then(|(c, o)| Some((c, o?))).ok_or_else(|| who.not_found())?;
    who.require(org, Role::Organiser)?;
    let mut tx = state.pg.begin().await?;
    let changed = sqlx::query(
        "UPDATE abuse_cases SET status = $2, reason = $3, decided_by = $4, decided_at = now(), updated_at = now() \
         WHERE id = $1 AND status = 'open'",
    )
    .bind(case)
    .bind(to.as_str())
    .bind(reason)
    .bind(who.account_id)
    .execute(&mut *tx)
    .await?;
    if changed.rows_affected() == 0 {
        return Err(who.error(StatusCode::CONFLICT, "case_decided"));
    }
    let action = if to == Status::Confirmed { "case.confirm" } else { "case.dismiss" };
    who.audit(&mut *tx, Some(org), action, ("abuse_case", Some(case.to_string())), json!({"reason": reason})).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(json!({"id": case, "status": to.as_str(), "reason": reason})))
}

pub async fn confirm(
    path: web::Path<i64>,
    body: web::Json<DecisionBody>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    decide(path.into_inner(), body.into_inner(), who, state, Status::Confirmed).await
}

pub async fn dismiss(
    path: web::Path<i64>,
    body: web::Json<DecisionBody>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    decide(path.into_inner(), body.into_inner(), who, state, Status::Dismissed).await
}
