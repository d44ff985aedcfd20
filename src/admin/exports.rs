//! Ranked results for agencies, as CSV (UTF-8 with BOM, so Excel shows Vietnamese) streamed
//! row by row, or XLSX written in constant memory with a new sheet past Excel's row limit.
//! Personal data (full name, birth date, phone, CCCD) only with the member's explicit
//! permission; every export is written to the audit log.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::{FixedOffset, NaiveDate, TimeZone};
use futures_util::TryStreamExt;
use serde::Deserialize;
use serde_json::json;
use sqlx::Row;

use super::contests::round_org;
use super::{Organiser, Role};
use crate::crypto::Keys;
use crate::domain::units;
use crate::http::{ApiError, AppState};

pub const RESULT_COLUMNS: [&str; 14] = [
    "STT",
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Số điện thoại",
    "CCCD",
    "Xã/Phường/Đặc khu",
    "Tỉnh/Thành phố",
    "Đơn vị",
    "Số câu đúng",
    "Dự đoán",
    "Chênh lệch",
    "Thời gian làm bài",
    "Thời điểm nộp bài",
];

/// Excel's last row is 1,048,576; one is the header.
pub const ROWS_PER_SHEET: usize = 1_048_575;

#[derive(Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    pub personal: bool,
}

const RESULTS_SQL: &str = "SELECT r.rank, p.full_name, p.erased_at IS NOT NULL AS erased, p.dob, p.sex, p.phone_enc, \
     p.phone_masked, p.cccd_enc, \
     p.commune_code, COALESCE(u.name, p.unit_code) AS unit, r.correct, r.prediction, r.distance, r.duration_ms, \
     r.submitted_at_ms \
     FROM results r JOIN participants p ON p.id = r.participant_id \
     LEFT JOIN units u ON u.contest_id = p.contest_id AND u.code = p.unit_code \
     WHERE r.round_id = $1 ORDER BY r.rank, p.id";

fn duration_text(ms: i64) -> String {
    let s = ms / 1000;
    format!("{:02}:{:02}.{:03}", s / 60, s % 60, ms % 1000)
}

pub(crate) fn vn_time(ms: i64) -> String {
    let vn = FixedOffset::east_opt(7 * 3600).expect("+07:00 is valid");
    vn.timestamp_millis_opt(ms).single().map(|t| t.format("%d/%m/%Y %H:%M:%S").to_string()).unwrap_or_default()
}

pub(crate) fn mask_cccd(plain: &str) -> String {
    let n = plain.chars().count();
    plain.chars().enumerate().map(|(i, c)| if i < 3 || i + 3 >= n { c } else { '•' }).collect()
}

/// One result row as the export's cells; personal data masked unless `personal`.
fn cells(row: &sqlx::postgres::PgRow, personal: bool, keys: &Keys) -> Result<(i32, String, Vec<String>), sqlx::Error> {
    let rank: i32 = row.try_get("rank")?;
    let name: String = row.try_get("full_name")?;
    let sort_name = name.clone();
    let dob: NaiveDate = row.try_get("dob")?;
    let sex: String = row.try_get("sex")?;
    let commune_code: String = row.try_get("commune_code")?;
    let commune = units::commune(&commune_code);
    let cccd_enc: Option<Vec<u8>> = row.try_get("cccd_enc")?;
    let cccd = cccd_enc.and_then(|c| keys.decrypt(&c).ok());
    let erased: bool = row.try_get("erased")?;
    let (name, dob, phone, cccd) = if erased {
        // Erased (Law 91/2025): the row keeps its rank, the person is gone.
        (name, String::new(), String::new(), String::new())
    } else if personal {
        let phone_enc: Vec<u8> = row.try_get("phone_enc")?;
        (
            name,
            dob.format("%d/%m/%Y").to_string(),
            keys.decrypt(&phone_enc).unwrap_or_default(),
            cccd.unwrap_or_default(),
        )
    } else {
        let masked = crate::domain::person::FullName::parse(&name).map(|n| n.masked()).unwrap_or_default();
        (
            masked,
            dob.format("%Y").to_string(),
            row.try_get("phone_masked")?,
            cccd.map(|c| mask_cccd(&c)).unwrap_or_default(),
        )
    };
    let opt = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
    let values = vec![
        String::new(),
        name,
        dob,
        if sex == "female" { "Nữ".into() } else { "Nam".into() },
        phone,
        cccd,
        commune.map(|c| c.name.clone()).unwrap_or(commune_code),
        commune.map(|c| c.province_name.clone()).unwrap_or_default(),
        row.try_get("unit")?,
        row.try_get::<i32, _>("correct")?.to_string(),
        opt(row.try_get("prediction")?),
        opt(row.try_get("distance")?),
        duration_text(row.try_get("duration_ms")?),
        vn_time(row.try_get("submitted_at_ms")?),
    ];
    Ok((rank, sort_name, values))
}

/// Rows arrive in rank order; tied rows come out the way Vietnamese lists are read, by
/// given name (the last word) first. Only one group of ties is held at a time.
#[derive(Default)]
struct TieOrder {
    rank: Option<i32>,
    group: Vec<(String, Vec<String>)>,
    numbered: usize,
}

impl TieOrder {
    /// Adds a row; returns the rows of the previous rank group, numbered, once it is complete.
    fn push(&mut self, (rank, name, values): (i32, String, Vec<String>)) -> Vec<Vec<String>> {
        let done = if self.rank != Some(rank) { self.flush() } else { Vec::new() };
        self.rank = Some(rank);
        self.group.push((name, values));
        done
    }

    fn flush(&mut self) -> Vec<Vec<String>> {
        let mut group = std::mem::take(&mut self.group);
        group.sort_by(|a, b| crate::domain::collation::compare_names_given_first(&a.0, &b.0));
        group
            .into_iter()
            .map(|(_, mut values)| {
                self.numbered += 1;
                values[0] = self.numbered.to_string();
                values
            })
            .collect()
    }
}

async fn authorize(
    who: &Organiser,
    state: &AppState,
    round: i64,
    personal: bool,
    format: &str,
) -> Result<(), ApiError> {
    authorize_round_export(who, state, round, personal, format, "results").await
}

/// Checks the permission and writes the audit row (`export.<what>[.personal]`) before any
/// data leaves.
pub async fn authorize_round_export(
    who: &Organiser,
    state: &AppState,
    round: i64,
    personal: bool,
    format: &str,
    what: &str,
) -> Result<(), ApiError> {
    let (_, org) = round_org(&state.pg, who, round, Role::Viewer).await?;
    if personal && !who.require(org, Role::Viewer)?.personal_data_export {
        return Err(who.error(StatusCode::FORBIDDEN, "personal_data_forbidden"));
    }
    let action = if personal { format!("export.{what}.personal") } else { format!("export.{what}") };
    who.audit(
        &state.pg,
        Some(org),
        &action,
        ("round", Some(round.to_string())),
        json!({"format": format, "personal": personal}),
    )
    .await
}

pub async fn results_csv(
    path: web::Path<i64>,
    query: web::Query<ExportQuery>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let round = path.into_inner();
    authorize(&who, &state, round, query.personal, "csv").await?;
    let (pg, keys, personal) = (state.pg.clone(), state.keys.clone(), query.personal);
    Ok(csv_response(&format!("ket-qua-dot-{round}.csv"), &RESULT_COLUMNS, move |out| async move {
        let mut rows = sqlx::query(RESULTS_SQL).bind(round).fetch(&pg);
        let mut order = TieOrder::default();
        while let Some(row) = rows.try_next().await.map_err(|e| crate::telemetry::db_error(&e).to_string())? {
            let row = cells(&row, personal, &keys).map_err(|e| crate::telemetry::db_error(&e).to_string())?;
            for values in order.push(row) {
                out.send(values).await?;
            }
        }
        for values in order.flush() {
            out.send(values).await?;
        }
        Ok(())
    }))
}

pub async fn results_xlsx(
    path: web::Path<i64>,
    query: web::Query<ExportQuery>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let round = path.into_inner();
    authorize(&who, &state, round, query.personal, "xlsx").await?;
    let internal = |e: &dyn std::fmt::Display| ApiError::internal(who.lang, e);
    let mut writer = SheetWriter::new("Kết quả", &RESULT_COLUMNS);
    writer.numbered = true;
    let mut rows = sqlx::query(RESULTS_SQL).bind(round).fetch(&state.pg);
    let mut order = TieOrder::default();
    while let Some(row) = rows.try_next().await.map_err(|e| internal(&crate::telemetry::db_error(&e)))? {
        let row = cells(&row, query.personal, &state.keys).map_err(|e| internal(&crate::telemetry::db_error(&e)))?;
        for values in order.push(row) {
            writer.write(&values).map_err(|e| internal(&e))?;
        }
    }
    drop(rows);
    for values in order.flush() {
        writer.write(&values).map_err(|e| internal(&e))?;
    }
    let bytes = writer.finish().map_err(|e| internal(&e))?;
    Ok(xlsx_response(&format!("ket-qua-dot-{round}.xlsx"), bytes))
}

/// Where a streamed export's producer sends its rows.
pub struct RowSink(tokio::sync::mpsc::Sender<Result<Vec<String>, ()>>);

impl RowSink {
    /// Fails when the client has gone away: the producer stops.
    pub async fn send(&self, values: Vec<String>) -> Result<(), String> {
        self.0.send(Ok(values)).await.map_err(|_| "the client went away".to_string())
    }
}

/// A CSV download (UTF-8 with BOM, so Excel shows Vietnamese) whose rows `produce` sends
/// while the body streams out: a bounded channel keeps memory flat however many rows there
/// are. A failure is logged once and cuts the body short, so no half file looks complete.
pub fn csv_response<F, Fut>(filename: &str, columns: &[&str], produce: F) -> HttpResponse
where
    F: FnOnce(RowSink) -> Fut + 'static,
    Fut: std::future::Future<Output = Result<(), String>> + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<String>, ()>>(1024);
    let failed = tx.clone();
    actix_web::rt::spawn(async move {
        if let Err(e) = produce(RowSink(tx)).await {
            tracing::error!(error = %e, "export failed");
            let _ = failed.send(Err(())).await;
        }
    });
    let header: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
    let state = (rx, Some(header), false);
    let body = futures_util::stream::unfold(state, |(mut rx, header, done)| async move {
        if done {
            return None;
        }
        let bom: &[u8] = if header.is_some() { b"\xEF\xBB\xBF" } else { b"" };
        let mut out = csv::Writer::from_writer(bom.to_vec());
        if let Some(h) = &header {
            let _ = out.write_record(h);
        }
        // One chunk per wake-up: whatever rows are ready, up to 500.
        let mut finished = false;
        match rx.recv().await {
            Some(Ok(values)) => {
                let _ = out.write_record(&values);
                for _ in 0..499 {
                    match rx.try_recv() {
                        Ok(Ok(values)) => {
                            let _ = out.write_record(&values);
                        }
                        Ok(Err(())) => {
                            return Some((
                                Err(actix_web::error::ErrorInternalServerError("export failed")),
                                (rx, None, true),
                            ))
                        }
                        Err(_) => break,
                    }
                }
            }
            Some(Err(())) => {
                return Some((Err(actix_web::error::ErrorInternalServerError("export failed")), (rx, None, true)))
            }
            None => finished = true,
        }
        let bytes = out.into_inner().unwrap_or_default();
        if finished && bytes.is_empty() {
            return None;
        }
        Some((Ok(web::Bytes::from(bytes)), (rx, None, finished)))
    });
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("content-disposition", format!("attachment; filename=\"{filename}\"")))
        .streaming(body)
}

pub fn xlsx_response(filename: &str, bytes: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .insert_header(("content-disposition", format!("attachment; filename=\"{filename}\"")))
        .body(bytes)
}

/// Writes text rows into constant-memory sheets, starting a new sheet (with the header)
/// past Excel's row limit. Several tables go in one book with [`SheetWriter::table`].
pub struct SheetWriter {
    book: rust_xlsxwriter::Workbook,
    title: String,
    columns: Vec<String>,
    written: usize,
    numbered: bool,
}

impl SheetWriter {
    pub fn new(title: &str, columns: &[&str]) -> Self {
        SheetWriter {
            numbered: false,
            book: rust_xlsxwriter::Workbook::new(),
            title: title.to_string(),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            written: 0,
        }
    }

    /// Ends the current table (an empty one still gets its header) and starts another.
    pub fn table(&mut self, title: &str, columns: &[&str]) -> Result<(), rust_xlsxwriter::XlsxError> {
        if self.written == 0 {
            self.new_sheet()?;
        }
        self.title = title.to_string();
        self.numbered = false;
        self.columns = columns.iter().map(|c| c.to_string()).collect();
        self.written = 0;
        Ok(())
    }

    fn new_sheet(&mut self) -> Result<&mut rust_xlsxwriter::Worksheet, rust_xlsxwriter::XlsxError> {
        let number = self.written / ROWS_PER_SHEET + 1;
        // The ranked results' sheets were always numbered ("Kết quả 1"); other tables
        // number only their overflow sheets.
        let name = if number == 1 && !self.numbered { self.title.clone() } else { format!("{} {number}", self.title) };
        let sheet = self.book.add_worksheet_with_constant_memory();
        sheet.set_name(name)?;
        for (c, h) in self.columns.iter().enumerate() {
            sheet.write_string(0, c as u16, h)?;
        }
        Ok(sheet)
    }

    pub fn write(&mut self, values: &[String]) -> Result<(), rust_xlsxwriter::XlsxError> {
        let row = (self.written % ROWS_PER_SHEET + 1) as u32;
        if row == 1 {
            self.new_sheet()?;
        }
        let last = self.book.worksheets_mut().len() - 1;
        let sheet = self.book.worksheet_from_index(last)?;
        for (c, v) in values.iter().enumerate() {
            sheet.write_string(row, c as u16, v)?;
        }
        self.written += 1;
        Ok(())
    }

    pub fn finish(mut self) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        if self.written == 0 {
            self.new_sheet()?;
        }
        self.book.save_to_buffer()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_masks_read_as_agencies_expect() {
        assert_eq!(duration_text(754_321), "12:34.321");
        assert_eq!(vn_time(1_795_350_325_032), "22/11/2026 19:25:25");
        assert_eq!(mask_cccd("001090123456"), "001••••••456");
        assert_eq!(RESULT_COLUMNS.len(), 14);
    }

    #[test]
    fn ties_are_listed_by_given_name_and_numbered_in_order() {
        let mut order = TieOrder::default();
        let row = |rank: i32, name: &str| (rank, name.to_string(), vec![String::new(), name.to_string()]);
        let mut out = Vec::new();
        for r in
            [row(1, "Trần Văn Bình"), row(2, "Nguyễn Văn An"), row(2, "Lê Thị Ánh"), row(2, "Lê An"), row(5, "Đỗ Hà")]
        {
            out.extend(order.push(r));
        }
        out.extend(order.flush());
        let listed: Vec<(String, String)> = out.into_iter().map(|v| (v[0].clone(), v[1].clone())).collect();
        let expected =
            [("1", "Trần Văn Bình"), ("2", "Lê An"), ("3", "Nguyễn Văn An"), ("4", "Lê Thị Ánh"), ("5", "Đỗ Hà")];
        assert_eq!(listed, expected.map(|(a, b)| (a.to_string(), b.to_string())));
    }
}
