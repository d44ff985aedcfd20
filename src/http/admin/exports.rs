//! Ranked results for agencies, as CSV (UTF-8 with BOM, so Excel shows Vietnamese) streamed
//! row by row, or XLSX written in constant memory with a new sheet past Excel's row limit;
//! the last column is the prize won in the round. Personal data (full name, birth date,
//! phone, CCCD) only with the member's explicit permission; every export is written to the
//! audit log. The CSV and XLSX plumbing here serves the other exports too.

use std::collections::HashMap;
use std::io::Seek;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::{Datelike, NaiveDate, Timelike};
use futures_util::TryStreamExt;
use serde::Deserialize;
use serde_json::json;
use sqlx::{PgPool, Row};
use tokio::io::AsyncReadExt;

use super::contests::round_org;
use super::{Organiser, Role};
use crate::crypto::Keys;
use crate::domain::text::spreadsheet_safe;
use crate::domain::units;
use crate::http::download::{self, Data, Kind};
use crate::http::{ApiError, AppState, Lang};

pub const RESULT_COLUMNS: [&str; 15] = [
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
    "Giải",
];

/// Excel's last row is 1,048,576; one is the header.
pub const ROWS_PER_SHEET: usize = 1_048_575;

#[derive(Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    pub personal: bool,
}

fn results_sql() -> String {
    format!(
        "SELECT r.rank, r.participant_id, {PERSON_SQL}, r.correct, r.prediction, r.distance, r.duration_ms, \
           r.submitted_at_ms \
         FROM results r JOIN participants p ON p.id = r.participant_id \
         LEFT JOIN units u ON u.contest_id = p.contest_id AND u.code = p.unit_code \
         WHERE r.round_id = $1 ORDER BY r.rank, p.id"
    )
}

pub(crate) fn duration_text(ms: i64) -> String {
    let s = ms / 1000;
    format!("{:02}:{:02}.{:03}", s / 60, s % 60, ms % 1000)
}

/// dd/mm/yyyy hh:mm:ss in Vietnam time (+07:00, no daylight saving). Written out by hand:
/// chrono's format strings are parsed on every call, a cost that shows at a million rows.
pub(crate) fn vn_time(ms: i64) -> String {
    let Some(t) = chrono::DateTime::from_timestamp_millis(ms.saturating_add(7 * 3_600_000)) else {
        return String::new();
    };
    let t = t.naive_utc();
    format!("{:02}/{:02}/{} {:02}:{:02}:{:02}", t.day(), t.month(), t.year(), t.hour(), t.minute(), t.second())
}

pub(crate) fn mask_cccd(plain: &str) -> String {
    let n = plain.chars().count();
    plain.chars().enumerate().map(|(i, c)| if i < 3 || i + 3 >= n { c } else { '•' }).collect()
}

/// The person's columns of a ranked export (Họ và tên … Đơn vị), personal data masked
/// unless `personal`, with the full name for ordering ties; from a row with the columns of
/// [`PERSON_SQL`].
pub(crate) fn person_cells(
    row: &sqlx::postgres::PgRow,
    personal: bool,
    keys: &Keys,
) -> Result<(String, Vec<String>), sqlx::Error> {
    let name: String = row.try_get("full_name")?;
    let sort_name = name.clone();
    let dob: NaiveDate = row.try_get("dob")?;
    let sex: String = row.try_get("sex")?;
    let commune_code: String = row.try_get("commune_code")?;
    let commune = units::commune(&commune_code);
    let cccd_enc: Option<Vec<u8>> = row.try_get("cccd_enc")?;
    let cccd = cccd_enc.and_then(|c| keys.open(&c));
    let erased: bool = row.try_get("erased")?;
    let (name, dob, phone, cccd) = if erased {
        // Erased (Law 91/2025): the row keeps its rank, the person is gone.
        (name, String::new(), String::new(), String::new())
    } else if personal {
        let phone_enc: Vec<u8> = row.try_get("phone_enc")?;
        (
            name,
            format!("{:02}/{:02}/{}", dob.day(), dob.month(), dob.year()),
            keys.open(&phone_enc).unwrap_or_default(),
            cccd.unwrap_or_default(),
        )
    } else {
        let masked = crate::domain::person::FullName::parse(&name).map(|n| n.masked()).unwrap_or_default();
        (masked, dob.year().to_string(), row.try_get("phone_masked")?, cccd.map(|c| mask_cccd(&c)).unwrap_or_default())
    };
    let values = vec![
        name,
        dob,
        if sex == "female" { "Nữ".into() } else { "Nam".into() },
        phone,
        cccd,
        commune.map(|c| c.name.clone()).unwrap_or(commune_code),
        commune.map(|c| c.province_name.clone()).unwrap_or_default(),
        row.try_get("unit")?,
    ];
    Ok((sort_name, values))
}

/// The participant columns [`person_cells`] reads, for a query joining `participants p`
/// and `units u`.
pub(crate) const PERSON_SQL: &str = "p.full_name, p.erased_at IS NOT NULL AS erased, p.dob, p.sex, p.phone_enc, \
     p.phone_masked, p.cccd_enc, p.commune_code, COALESCE(u.name, p.unit_code) AS unit";

/// One result row as the export's cells; personal data masked unless `personal`; `prizes`:
/// the round's prize of each winner.
fn cells(
    row: &sqlx::postgres::PgRow,
    personal: bool,
    keys: &Keys,
    prizes: &HashMap<i64, String>,
) -> Result<(i64, String, Vec<String>), sqlx::Error> {
    let rank: i32 = row.try_get("rank")?;
    let participant: i64 = row.try_get("participant_id")?;
    let (sort_name, person) = person_cells(row, personal, keys)?;
    let opt = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
    let mut values = Vec::with_capacity(RESULT_COLUMNS.len());
    values.push(String::new());
    values.extend(person);
    values.extend([
        row.try_get::<i32, _>("correct")?.to_string(),
        opt(row.try_get("prediction")?),
        opt(row.try_get("distance")?),
        duration_text(row.try_get("duration_ms")?),
        vn_time(row.try_get("submitted_at_ms")?),
        prizes.get(&participant).cloned().unwrap_or_default(),
    ]);
    Ok((rank.into(), sort_name, values))
}

/// Rows arrive in rank order; tied rows come out the way Vietnamese lists are read, by
/// given name (the last word) first. Only one group of ties is held at a time.
#[derive(Default)]
pub(crate) struct TieOrder {
    rank: Option<i64>,
    group: Vec<(String, Vec<String>)>,
    numbered: usize,
}

impl TieOrder {
    /// Adds a row; returns the rows of the previous rank group, numbered, once it is complete.
    pub(crate) fn push(&mut self, (rank, name, values): (i64, String, Vec<String>)) -> Vec<Vec<String>> {
        let done = if self.rank != Some(rank) { self.flush() } else { Vec::new() };
        self.rank = Some(rank);
        self.group.push((name, values));
        done
    }

    pub(crate) fn flush(&mut self) -> Vec<Vec<String>> {
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

/// Checks and audits a results export; returns the round's prizes by participant (the
/// contest's current awards: winners are few, so they are held while the rows stream).
async fn authorize(
    who: &Organiser,
    state: &AppState,
    round: i64,
    personal: bool,
    format: &str,
) -> Result<HashMap<i64, String>, ApiError> {
    let contest = authorize_round_export(who, state, round, personal, format, "results").await?;
    let awards = crate::awards::awards(&state.pg, contest).await?;
    Ok(awards.into_iter().filter(|a| a.round_id == round).map(|a| (a.participant_id, a.prize)).collect())
}

/// Checks the permission and writes the audit row (`export.<what>[.personal]`) before any
/// data leaves; returns the round's contest.
pub async fn authorize_round_export(
    who: &Organiser,
    state: &AppState,
    round: i64,
    personal: bool,
    format: &str,
    what: &str,
) -> Result<i64, ApiError> {
    let (contest, org) = round_org(&state.pg, who, round, Role::Viewer).await?;
    authorize_export(who, state, org, personal, format, what, ("round", round)).await?;
    Ok(contest)
}

/// The checks and the audit row of every export that may carry personal data, whatever it
/// is of (`object`: a round, a contest): a personal one needs the member's permission.
pub async fn authorize_export(
    who: &Organiser,
    state: &AppState,
    org: i64,
    personal: bool,
    format: &str,
    what: &str,
    (kind, id): (&str, i64),
) -> Result<(), ApiError> {
    if personal && !who.require(org, Role::Viewer)?.personal_data_export {
        return Err(who.error(StatusCode::FORBIDDEN, "personal_data_forbidden"));
    }
    let action = if personal { format!("export.{what}.personal") } else { format!("export.{what}") };
    who.audit(
        &state.pg,
        Some(org),
        &action,
        (kind, Some(id.to_string())),
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
    let prizes = authorize(&who, &state, round, query.personal, "csv").await?;
    let (pg, keys, personal) = (state.pg.clone(), state.keys.clone(), query.personal);
    Ok(csv_response(&format!("ket-qua-dot-{round}.csv"), &RESULT_COLUMNS, move |out| async move {
        send_results(&out, &pg, &keys, round, personal, &prizes).await
    }))
}

pub async fn results_xlsx(
    path: web::Path<i64>,
    query: web::Query<ExportQuery>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let round = path.into_inner();
    let prizes = authorize(&who, &state, round, query.personal, "xlsx").await?;
    let mut writer = SheetWriter::new("Kết quả", &RESULT_COLUMNS);
    writer.numbered = true;
    xlsx_response(who.lang, &format!("ket-qua-dot-{round}.xlsx"), writer, |out| async move {
        send_results(&out, &state.pg, &state.keys, round, query.personal, &prizes).await
    })
    .await
}

/// Sends a round's ranked results in rank order, tied rows by given name.
async fn send_results(
    out: &impl Rows,
    pg: &PgPool,
    keys: &Keys,
    round: i64,
    personal: bool,
    prizes: &HashMap<i64, String>,
) -> Result<(), String> {
    let db = |e: sqlx::Error| crate::telemetry::db_error(&e);
    let sql = results_sql();
    let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(round).fetch(pg);
    let mut order = TieOrder::default();
    while let Some(row) = rows.try_next().await.map_err(db)? {
        for values in order.push(cells(&row, personal, keys, prizes).map_err(db)?) {
            out.send(values).await?;
        }
    }
    for values in order.flush() {
        out.send(values).await?;
    }
    Ok(())
}

/// Where an export's producer sends its rows: a CSV body ([`RowSink`]) or an XLSX
/// builder ([`SheetSink`]).
pub trait Rows {
    /// Fails when the rows are no longer wanted (the client went away, the builder
    /// failed): the producer stops.
    fn send(&self, values: Vec<String>) -> impl std::future::Future<Output = Result<(), String>>;

    /// Sends rows already at hand.
    fn send_all(
        &self,
        rows: impl IntoIterator<Item = Vec<String>>,
    ) -> impl std::future::Future<Output = Result<(), String>> {
        async move {
            for values in rows {
                self.send(values).await?;
            }
            Ok(())
        }
    }
}

/// Where a streamed CSV export's producer sends its rows: they are written as CSV into a
/// buffer, which goes to the response body as one chunk once it holds [`CSV_CHUNK`] bytes
/// (a channel message and a wake-up per chunk, not per row).
#[derive(Clone)]
pub struct RowSink(std::rc::Rc<CsvChunks>);

pub struct CsvChunks {
    body: tokio::sync::mpsc::Sender<Result<web::Bytes, ()>>,
    csv: std::cell::RefCell<csv::Writer<Vec<u8>>>,
}

const CSV_CHUNK: usize = 64 << 10;
const CLIENT_GONE: &str = "the client went away";

impl Rows for RowSink {
    async fn send(&self, values: Vec<String>) -> Result<(), String> {
        let full = {
            let mut csv = self.0.csv.borrow_mut();
            csv.write_record(values.iter().map(|v| spreadsheet_safe(v).into_owned())).map_err(|e| e.to_string())?;
            csv.get_ref().len() >= CSV_CHUNK
        };
        if full {
            self.flush().await?;
        }
        Ok(())
    }
}

impl RowSink {
    /// Sends what the buffer holds as a chunk of the body.
    async fn flush(&self) -> Result<(), String> {
        let csv = std::mem::replace(&mut *self.0.csv.borrow_mut(), csv::Writer::from_writer(Vec::new()));
        let bytes = csv.into_inner().map_err(|e| e.to_string())?;
        if bytes.is_empty() {
            return Ok(());
        }
        self.0.body.send(Ok(bytes.into())).await.map_err(|_| CLIENT_GONE.to_string())
    }
}

/// A CSV download (UTF-8 with BOM, so Excel shows Vietnamese) whose rows `produce` sends
/// while the body streams out: a bounded channel of chunks keeps memory flat however many
/// rows there are. A failure is logged once and cuts the body short, so no half file looks
/// complete.
pub fn csv_response<F, Fut>(filename: &str, columns: &[&str], produce: F) -> HttpResponse
where
    F: FnOnce(RowSink) -> Fut + 'static,
    Fut: std::future::Future<Output = Result<(), String>> + 'static,
{
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<web::Bytes, ()>>(16);
    let mut csv = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let header = csv.write_record(columns.iter().map(|c| spreadsheet_safe(c).into_owned()));
    let sink = RowSink(std::rc::Rc::new(CsvChunks { body: tx, csv: std::cell::RefCell::new(csv) }));
    actix_web::rt::spawn(async move {
        let produced = match header {
            Ok(()) => produce(sink.clone()).await,
            Err(e) => Err(e.to_string()),
        };
        if let Err(e) = match produced {
            Ok(()) => sink.flush().await,
            Err(e) => Err(e),
        } {
            if e != CLIENT_GONE {
                tracing::error!(error = %e, "export failed");
            }
            let _ = sink.0.body.send(Err(())).await;
        }
    });
    let body = futures_util::stream::poll_fn(move |cx| {
        rx.poll_recv(cx)
            .map(|chunk| chunk.map(|c| c.map_err(|()| actix_web::error::ErrorInternalServerError("export failed"))))
    });
    // Organiser exports are treated as personal data whatever they hold (so is all of
    // /api/admin/, `http::policy`).
    download::start(Kind::Csv, filename, Data::Personal).streaming(body)
}

/// What an XLSX export's producer sends to the thread building the workbook.
enum SheetItem {
    Row(Vec<String>),
    Table(String, Vec<String>),
    /// Everything was sent: save the workbook. A channel closed without it (the producer
    /// failed, the client went away) abandons the workbook.
    Done,
}

/// Where an XLSX export's producer sends its rows and tables.
pub struct SheetSink(tokio::sync::mpsc::Sender<SheetItem>);

const BUILDER_STOPPED: &str = "the workbook builder stopped";

impl Rows for SheetSink {
    async fn send(&self, values: Vec<String>) -> Result<(), String> {
        self.0.send(SheetItem::Row(values)).await.map_err(|_| BUILDER_STOPPED.to_string())
    }
}

impl SheetSink {
    /// Ends the current table and starts another (see [`SheetWriter`]).
    pub async fn table(&self, title: &str, columns: &[&str]) -> Result<(), String> {
        let columns = columns.iter().map(|c| c.to_string()).collect();
        self.0.send(SheetItem::Table(title.to_string(), columns)).await.map_err(|_| BUILDER_STOPPED.to_string())
    }
}

/// Bytes read from the temporary file per chunk of the response body.
const FILE_CHUNK: usize = 256 << 10;

/// An XLSX download in constant memory: `writer` fills on a blocking thread with what
/// `produce` sends through a bounded channel, the workbook is saved to an unnamed
/// temporary file (gone once closed, even if the server dies) and that file streams out
/// in chunks. The whole file is written before the response starts, so a failure until
/// then is a plain error response; the response announces its length, so a read failure
/// afterwards leaves a body visibly short of it, never a half file that looks complete.
pub async fn xlsx_response<F, Fut>(
    lang: Lang,
    filename: &str,
    writer: SheetWriter,
    produce: F,
) -> Result<HttpResponse, ApiError>
where
    F: FnOnce(SheetSink) -> Fut,
    Fut: std::future::Future<Output = Result<(), String>>,
{
    let internal = |e: &dyn std::fmt::Display| ApiError::internal(lang, e);
    let (tx, rx) = tokio::sync::mpsc::channel(1024);
    let done = tx.clone();
    let builder = tokio::task::spawn_blocking(move || writer.build(rx));
    let produced = produce(SheetSink(tx)).await;
    if produced.is_ok() {
        // Fails only if the builder stopped, whose own error is reported below.
        let _ = done.send(SheetItem::Done).await;
    }
    drop(done);
    let built = builder.await.map_err(|e| internal(&e))?.map_err(|e| internal(&e))?;
    let file = match (built, produced) {
        (Some(file), Ok(())) => file,
        (_, Err(e)) => return Err(internal(&e)),
        (None, Ok(())) => return Err(internal(&"the workbook was not finished")),
    };
    let length = file.metadata().map_err(|e| internal(&e))?.len();
    let body = futures_util::stream::try_unfold(tokio::fs::File::from_std(file), |mut file| async move {
        let mut chunk = vec![0; FILE_CHUNK];
        match file.read(&mut chunk).await {
            Ok(0) => Ok(None),
            Ok(n) => {
                chunk.truncate(n);
                Ok(Some((web::Bytes::from(chunk), file)))
            }
            Err(e) => {
                tracing::error!(error = %e, "export file unreadable");
                Err(actix_web::error::ErrorInternalServerError("export failed"))
            }
        }
    });
    Ok(download::start(Kind::Xlsx, filename, Data::Personal).no_chunking(length).streaming(body))
}

/// Writes text rows into constant-memory sheets, starting a new sheet (with the header)
/// past Excel's row limit. Several tables go in one book with [`SheetSink::table`]. Filled
/// through [`xlsx_response`] only.
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
    fn table(&mut self, title: String, columns: Vec<String>) -> Result<(), rust_xlsxwriter::XlsxError> {
        if self.written == 0 {
            self.new_sheet()?;
        }
        self.title = title;
        self.numbered = false;
        self.columns = columns;
        self.written = 0;
        Ok(())
    }

    fn new_sheet(&mut self) -> Result<&mut rust_xlsxwriter::Worksheet, rust_xlsxwriter::XlsxError> {
        let number = self.written / ROWS_PER_SHEET + 1;
        // The ranked results' sheets were always numbered ("Kết quả 1"); other tables
        // number only their overflow sheets.
        let name = if number == 1 && !self.numbered { self.title.clone() } else { format!("{} {number}", self.title) };
        let sheet = self.book.add_worksheet_with_constant_memory()?;
        sheet.set_name(name)?;
        for (c, h) in self.columns.iter().enumerate() {
            sheet.write_string(0, c as u16, h)?;
        }
        Ok(sheet)
    }

    fn write(&mut self, values: &[String]) -> Result<(), rust_xlsxwriter::XlsxError> {
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

    /// Writes what arrives until [`SheetItem::Done`], then saves the workbook to an unnamed
    /// temporary file and returns it rewound; `None` when the channel closed before `Done`.
    fn build(
        mut self,
        mut items: tokio::sync::mpsc::Receiver<SheetItem>,
    ) -> Result<Option<std::fs::File>, rust_xlsxwriter::XlsxError> {
        while let Some(item) = items.blocking_recv() {
            match item {
                SheetItem::Row(values) => self.write(&values)?,
                SheetItem::Table(title, columns) => self.table(title, columns)?,
                SheetItem::Done => {
                    if self.written == 0 {
                        self.new_sheet()?;
                    }
                    let mut file = tempfile::tempfile()?;
                    self.book.save_to_writer(&mut file)?;
                    file.rewind()?;
                    return Ok(Some(file));
                }
            }
        }
        Ok(None)
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
        assert_eq!(RESULT_COLUMNS.len(), 15);
    }

    #[test]
    fn ties_are_listed_by_given_name_and_numbered_in_order() {
        let mut order = TieOrder::default();
        let row = |rank: i64, name: &str| (rank, name.to_string(), vec![String::new(), name.to_string()]);
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
