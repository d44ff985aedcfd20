//! The contest's overall ranking for agencies, as CSV (UTF-8 with BOM) streamed row by row
//! or XLSX in constant memory: the round export's person columns, then the correct answers
//! of the counted attempt in each finalised round (empty where the person did not take
//! part; the ranking counts it as 0), the totals and the overall prize. Rows in rank order,
//! tied rows by given name, as in the round export. Personal data only with the member's
//! permission; every export is audited (`export.overall[.personal]`).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use futures_util::TryStreamExt;
use sqlx::{PgPool, Row};

use super::contests::contest_org;
use super::exports::{
    authorize_export, csv_response, duration_text, person_cells, xlsx_response, ExportQuery, Rows, SheetWriter,
    TieOrder, PERSON_SQL, RESULT_COLUMNS,
};
use super::{Organiser, Role};
use crate::awards::{overall_awards, overall_settings, totals_sql_with};
use crate::crypto::Keys;
use crate::http::{ApiError, AppState};

/// How many of the round export's columns come first (STT to Đơn vị: the person's).
const PERSON_COLUMNS: usize = 9;
/// The columns after the rounds'.
pub const TOTAL_COLUMNS: [&str; 3] = ["Tổng số câu đúng", "Tổng thời gian làm bài", "Giải"];

/// The export's header: one "Số câu đúng – <title>" column per finalised round.
pub fn columns(round_titles: &[String]) -> Vec<String> {
    let rounds = round_titles.iter().map(|t| format!("Số câu đúng – {t}"));
    let person = RESULT_COLUMNS[..PERSON_COLUMNS].iter().map(|c| c.to_string());
    person.chain(rounds).chain(TOTAL_COLUMNS.iter().map(|c| c.to_string())).collect()
}

/// What an export needs before its rows: the finalised rounds (id, title) in order and the
/// overall prize of each winner (few, so held while the rows stream).
struct Plan {
    rounds: Vec<(i64, String)>,
    prizes: HashMap<i64, String>,
}

impl Plan {
    fn header(&self) -> Vec<String> {
        columns(&self.rounds.iter().map(|r| r.1.clone()).collect::<Vec<_>>())
    }
}

/// Checks the rights and that the contest ranks overall, and audits, before any data leaves.
async fn authorize(
    who: &Organiser,
    state: &AppState,
    contest: i64,
    personal: bool,
    format: &str,
) -> Result<Plan, ApiError> {
    let org = contest_org(&state.pg, who, contest, Role::Viewer).await?;
    if overall_settings(&state.pg, contest).await?.is_none() {
        return Err(who.error(StatusCode::CONFLICT, "overall_ranking_off"));
    }
    authorize_export(who, state, org, personal, format, "overall", ("contest", contest)).await?;
    let rounds = sqlx::query_as(
        "SELECT id, title FROM rounds WHERE contest_id = $1 AND finalized_at IS NOT NULL ORDER BY position",
    )
    .bind(contest)
    .fetch_all(&state.pg)
    .await?;
    let prizes = overall_awards(&state.pg, contest).await?.into_iter().map(|a| (a.participant_id, a.prize)).collect();
    Ok(Plan { rounds, prizes })
}

pub async fn export_csv(
    path: web::Path<i64>,
    query: web::Query<ExportQuery>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let contest = path.into_inner();
    let plan = authorize(&who, &state, contest, query.personal, "csv").await?;
    let header = plan.header();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let (pg, keys, personal) = (state.pg.clone(), state.keys.clone(), query.personal);
    Ok(csv_response(&format!("xep-hang-chung-cuoc-{contest}.csv"), &header, move |out| async move {
        send_rows(&out, &pg, &keys, contest, personal, &plan).await
    }))
}

pub async fn export_xlsx(
    path: web::Path<i64>,
    query: web::Query<ExportQuery>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let contest = path.into_inner();
    let plan = authorize(&who, &state, contest, query.personal, "xlsx").await?;
    let header = plan.header();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let writer = SheetWriter::new("Xếp hạng chung cuộc", &header);
    xlsx_response(who.lang, &format!("xep-hang-chung-cuoc-{contest}.xlsx"), writer, |out| async move {
        send_rows(&out, &state.pg, &state.keys, contest, query.personal, &plan).await
    })
    .await
}

/// Streams the overall ranking in rank order; each row's rounds come as two parallel arrays.
async fn send_rows(
    out: &impl Rows,
    pg: &PgPool,
    keys: &Keys,
    contest: i64,
    personal: bool,
    plan: &Plan,
) -> Result<(), String> {
    let db = |e: sqlx::Error| crate::telemetry::db_error(&e);
    let sql = format!(
        "WITH ranked AS ({}) \
         SELECT x.rank, x.participant_id, x.total_correct, x.total_duration_ms, x.round_ids, x.round_correct, {PERSON_SQL} \
         FROM ranked x JOIN participants p ON p.id = x.participant_id \
         LEFT JOIN units u ON u.contest_id = p.contest_id AND u.code = p.unit_code \
         ORDER BY x.rank, p.id",
        totals_sql_with(", array_agg(x.round_id) AS round_ids, array_agg(x.correct) AS round_correct")
    );
    let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(contest).fetch(pg);
    let mut order = TieOrder::default();
    while let Some(row) = rows.try_next().await.map_err(db)? {
        for values in order.push(cells(&row, personal, keys, plan).map_err(db)?) {
            out.send(values).await?;
        }
    }
    out.send_all(order.flush()).await
}

fn cells(
    row: &sqlx::postgres::PgRow,
    personal: bool,
    keys: &Keys,
    plan: &Plan,
) -> Result<(i64, String, Vec<String>), sqlx::Error> {
    let participant: i64 = row.try_get("participant_id")?;
    let (sort_name, person) = person_cells(row, personal, keys)?;
    let ids: Vec<i64> = row.try_get("round_ids")?;
    let correct: Vec<i32> = row.try_get("round_correct")?;
    let played: HashMap<i64, i32> = ids.into_iter().zip(correct).collect();
    let mut values = Vec::with_capacity(PERSON_COLUMNS + plan.rounds.len() + TOTAL_COLUMNS.len());
    values.push(String::new());
    values.extend(person);
    values.extend(plan.rounds.iter().map(|(id, _)| played.get(id).map(|c| c.to_string()).unwrap_or_default()));
    values.extend([
        row.try_get::<i64, _>("total_correct")?.to_string(),
        duration_text(row.try_get("total_duration_ms")?),
        plan.prizes.get(&participant).cloned().unwrap_or_default(),
    ]);
    Ok((row.try_get("rank")?, sort_name, values))
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_column_per_round_between_the_person_and_the_totals() {
        let header = super::columns(&["Tuần 1".into(), "Tuần 2".into()]);
        assert_eq!(header.len(), 14);
        assert_eq!(&header[8..12], ["Đơn vị", "Số câu đúng – Tuần 1", "Số câu đúng – Tuần 2", "Tổng số câu đúng"]);
        assert_eq!(header[13], "Giải");
    }
}
