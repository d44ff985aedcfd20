//! Every answer of every attempt of a round (per-question detail) as CSV or XLSX, streamed
//! in constant memory. Options are named by their authored position (A, B, …), as in the
//! question bank file. Personal data only with the permission, like the ranked results;
//! every export is audited.

use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use futures_util::TryStreamExt;
use sqlx::Row;

use super::exports::{
    authorize_round_export, csv_response, mask_cccd, vn_time, xlsx_response, ExportQuery, Rows, SheetWriter,
};
use super::Organiser;
use crate::crypto::Keys;
use crate::http::{ApiError, AppState};

pub const COLUMNS: [&str; 15] = [
    "Mã lượt thi",
    "Lượt",
    "Mã thí sinh",
    "Họ và tên",
    "Ngày sinh",
    "Số điện thoại",
    "CCCD",
    "Đơn vị",
    "Mã câu hỏi",
    "Phiên bản",
    "Phương án đã chọn",
    "Đáp án đúng",
    "Kết quả",
    "Thời điểm trả lời",
    "Nộp bài",
];

/// The authored letters of the options in `ids` ("A;C"), from a question's options JSON.
fn letters(ids: &str) -> String {
    format!(
        "(SELECT string_agg(chr(64 + o.n::int), ';' ORDER BY o.n) FROM jsonb_array_elements(q.options) \
           WITH ORDINALITY AS o(v, n) WHERE (o.v->>'id')::bigint = ANY({ids}))"
    )
}

fn sql() -> String {
    format!(
        "SELECT a.id AS attempt_id, a.number, a.participant_id, a.submitted_at_ms, p.full_name, p.dob, p.phone_enc, \
           p.phone_masked, p.cccd_enc, COALESCE(u.name, p.unit_code) AS unit, q.code, q.version, \
           {} AS chosen, {} AS key, \
           COALESCE((SELECT array_agg(v ORDER BY v) FROM unnest(x.options) v) \
             = (SELECT array_agg(v ORDER BY v) FROM unnest(q.correct) v), FALSE) AS right_answer, \
           x.answered_at_ms \
         FROM attempts a JOIN answers x ON x.attempt_id = a.id JOIN questions q ON q.id = x.question_id \
         JOIN participants p ON p.id = a.participant_id \
         LEFT JOIN units u ON u.contest_id = p.contest_id AND u.code = p.unit_code \
         WHERE a.round_id = $1 \
         ORDER BY a.participant_id, a.number, array_position(a.question_ids, x.question_id), x.question_id",
        letters("x.options"),
        letters("q.correct")
    )
}

fn cells(row: &sqlx::postgres::PgRow, personal: bool, keys: &Keys) -> Result<Vec<String>, sqlx::Error> {
    let name: String = row.try_get("full_name")?;
    let dob: NaiveDate = row.try_get("dob")?;
    let cccd_enc: Option<Vec<u8>> = row.try_get("cccd_enc")?;
    let cccd = cccd_enc.and_then(|c| keys.open(&c));
    let (name, dob, phone, cccd) = if personal {
        let phone_enc: Vec<u8> = row.try_get("phone_enc")?;
        (name, dob.format("%d/%m/%Y").to_string(), keys.open(&phone_enc).unwrap_or_default(), cccd.unwrap_or_default())
    } else {
        (
            crate::domain::person::FullName::parse(&name).map(|n| n.masked()).unwrap_or_default(),
            dob.format("%Y").to_string(),
            row.try_get("phone_masked")?,
            cccd.map(|c| mask_cccd(&c)).unwrap_or_default(),
        )
    };
    let right: bool = row.try_get("right_answer")?;
    let submitted: Option<i64> = row.try_get("submitted_at_ms")?;
    Ok(vec![
        row.try_get::<uuid::Uuid, _>("attempt_id")?.to_string(),
        row.try_get::<i32, _>("number")?.to_string(),
        row.try_get::<i64, _>("participant_id")?.to_string(),
        name,
        dob,
        phone,
        cccd,
        row.try_get("unit")?,
        row.try_get("code")?,
        row.try_get::<i32, _>("version")?.to_string(),
        row.try_get::<Option<String>, _>("chosen")?.unwrap_or_default(),
        row.try_get::<Option<String>, _>("key")?.unwrap_or_default(),
        if right { "Đúng".into() } else { "Sai".into() },
        vn_time(row.try_get("answered_at_ms")?),
        submitted.map(vn_time).unwrap_or_default(),
    ])
}

pub async fn answers_csv(
    path: web::Path<i64>,
    query: web::Query<ExportQuery>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let round = path.into_inner();
    authorize_round_export(&who, &state, round, query.personal, "csv", "answers").await?;
    let (pg, keys, personal) = (state.pg.clone(), state.keys.clone(), query.personal);
    Ok(csv_response(&format!("cau-tra-loi-dot-{round}.csv"), &COLUMNS, move |out| async move {
        send_answers(&out, &pg, &keys, round, personal).await
    }))
}

pub async fn answers_xlsx(
    path: web::Path<i64>,
    query: web::Query<ExportQuery>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let round = path.into_inner();
    authorize_round_export(&who, &state, round, query.personal, "xlsx", "answers").await?;
    let writer = SheetWriter::new("Câu trả lời", &COLUMNS);
    xlsx_response(who.lang, &format!("cau-tra-loi-dot-{round}.xlsx"), writer, |out| async move {
        send_answers(&out, &state.pg, &state.keys, round, query.personal).await
    })
    .await
}

async fn send_answers(
    out: &impl Rows,
    pg: &sqlx::PgPool,
    keys: &Keys,
    round: i64,
    personal: bool,
) -> Result<(), String> {
    let db = |e: sqlx::Error| crate::telemetry::db_error(&e);
    let sql = sql();
    let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(round).fetch(pg);
    while let Some(row) = rows.try_next().await.map_err(db)? {
        out.send(cells(&row, personal, keys).map_err(db)?).await?;
    }
    Ok(())
}
