//! The Ministry report as an Excel workbook: one sheet per part, numbers as numbers (so the
//! agency can sum and chart them again), and native Excel charts over those cells.

use rust_xlsxwriter::{Chart, ChartType, Format, Workbook, Worksheet, XlsxError};

use super::ReportData;
use crate::survey::TARGET_RATE;

pub const SUMMARY: &str = "Tổng hợp";
pub const SCORES: &str = "Phân bố điểm";
pub const UNITS: &str = "Đơn vị";
pub const PRIZES: &str = "Giải thưởng";
pub const SURVEY: &str = "Hài lòng";

fn header(sheet: &mut Worksheet, row: u32, titles: &[&str], bold: &Format) -> Result<(), XlsxError> {
    for (c, t) in titles.iter().enumerate() {
        sheet.write_string_with_format(row, c as u16, *t, bold)?;
    }
    Ok(())
}

fn column_chart(sheet_name: &str, last_row: u32, title: &str, x_axis: &str, kind: ChartType) -> Chart {
    let mut chart = Chart::new(kind);
    chart
        .add_series()
        .set_name(title)
        .set_categories((sheet_name, 1, 0, last_row, 0))
        .set_values((sheet_name, 1, 1, last_row, 1));
    chart.title().set_name(title);
    chart.x_axis().set_name(x_axis);
    chart.legend().set_hidden();
    chart
}

pub fn render(data: &ReportData) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let pct = Format::new().set_num_format("0.0%");
    let dec = Format::new().set_num_format("0.00");

    let sheet = book.add_worksheet().set_name(SUMMARY)?;
    sheet.set_column_width(0, 34)?;
    sheet.set_column_width(1, 22)?;
    sheet.write_string_with_format(0, 0, "BÁO CÁO KẾT QUẢ CUỘC THI TÌM HIỂU PHÁP LUẬT", &bold)?;
    sheet.write_string(1, 0, &data.contest_title)?;
    sheet.write_string(2, 0, format!("Đơn vị tổ chức: {}", data.organiser))?;
    sheet.write_string(3, 0, format!("Phạm vi: {} · Lập lúc: {} (giờ Việt Nam)", data.scope, data.generated_at))?;
    let figures: [(&str, f64); 4] = [
        ("Số người đăng ký", data.registered as f64),
        ("Số người dự thi", data.participants as f64),
        ("Số lượt thi", data.attempts as f64),
        ("Số giải thưởng", data.prizes.len() as f64),
    ];
    for (i, (k, v)) in figures.iter().enumerate() {
        sheet.write_string(5 + i as u32, 0, *k)?;
        sheet.write_number(5 + i as u32, 1, *v)?;
    }
    sheet.write_string(9, 0, "Tỷ lệ hài lòng")?;
    if let Some(rate) = data.survey.satisfaction_rate {
        sheet.write_number_with_format(9, 1, rate, &pct)?;
    }
    sheet.write_string(10, 0, "Mục tiêu tỷ lệ hài lòng")?;
    sheet.write_number_with_format(10, 1, TARGET_RATE, &pct)?;
    header(sheet, 12, &["Đợt thi", "Người dự thi", "Lượt thi", "Số câu đúng TB", "Kết quả"], &bold)?;
    for (i, r) in data.rounds.iter().enumerate() {
        let row = 13 + i as u32;
        sheet.write_string(row, 0, &r.title)?;
        sheet.write_number(row, 1, r.participants as f64)?;
        sheet.write_number(row, 2, r.attempts as f64)?;
        if let Some(avg) = r.average_correct {
            sheet.write_number_with_format(row, 3, avg, &dec)?;
        }
        sheet.write_string(row, 4, if r.finalised { "Đã tổng hợp" } else { "Chưa tổng hợp" })?;
    }

    let sheet = book.add_worksheet().set_name(SCORES)?;
    header(sheet, 0, &["Số câu đúng", "Số người dự thi"], &bold)?;
    let max = data.scores.iter().map(|s| s.0).max().unwrap_or(-1);
    for c in 0..=max {
        let n = data.scores.iter().find(|s| s.0 == c).map(|s| s.1).unwrap_or(0);
        sheet.write_number(1 + c as u32, 0, f64::from(c))?;
        sheet.write_number(1 + c as u32, 1, n as f64)?;
    }
    if max >= 0 {
        let chart = column_chart(SCORES, 1 + max as u32, "Phân bố điểm", "Số câu đúng", ChartType::Column);
        sheet.insert_chart(1, 3, &chart)?;
    }

    let sheet = book.add_worksheet().set_name(UNITS)?;
    sheet.set_column_width(0, 40)?;
    header(sheet, 0, &["Đơn vị", "Người dự thi", "Biên chế", "Tỷ lệ tham gia"], &bold)?;
    for (i, u) in data.units.iter().enumerate() {
        let row = 1 + i as u32;
        sheet.write_string(row, 0, &u.name)?;
        sheet.write_number(row, 1, u.participants as f64)?;
        if let Some(h) = u.headcount {
            sheet.write_number(row, 2, f64::from(h))?;
        }
        if let Some(rate) = u.rate() {
            sheet.write_number_with_format(row, 3, rate, &pct)?;
        }
    }
    if !data.units.is_empty() {
        let chart =
            column_chart(UNITS, data.units.len() as u32, "Đơn vị dẫn đầu (người dự thi)", "Đơn vị", ChartType::Bar);
        sheet.insert_chart(1, 5, &chart)?;
    }

    let sheet = book.add_worksheet().set_name(PRIZES)?;
    sheet.set_column_width(3, 26)?;
    sheet.set_column_width(4, 30)?;
    header(sheet, 0, &["STT", "Đợt thi", "Giải", "Họ và tên", "Đơn vị", "Xã/Phường/Đặc khu", "Hạng"], &bold)?;
    for (i, p) in data.prizes.iter().enumerate() {
        let row = 1 + i as u32;
        sheet.write_number(row, 0, (i + 1) as f64)?;
        sheet.write_string(row, 1, &p.round)?;
        sheet.write_string(row, 2, &p.prize)?;
        sheet.write_string(row, 3, &p.name)?;
        sheet.write_string(row, 4, &p.unit)?;
        sheet.write_string(row, 5, &p.commune)?;
        sheet.write_number(row, 6, p.rank as f64)?;
    }

    let sheet = book.add_worksheet().set_name(SURVEY)?;
    header(sheet, 0, &["Mức điểm", "Số phiếu"], &bold)?;
    for (i, n) in data.survey.distribution.iter().enumerate() {
        sheet.write_number(1 + i as u32, 0, (i + 1) as f64)?;
        sheet.write_number(1 + i as u32, 1, *n as f64)?;
    }
    sheet.write_string(7, 0, "Tổng số phiếu")?;
    sheet.write_number(7, 1, data.survey.count as f64)?;
    sheet.write_string(8, 0, "Tỷ lệ hài lòng (4–5 điểm)")?;
    if let Some(rate) = data.survey.satisfaction_rate {
        sheet.write_number_with_format(8, 1, rate, &pct)?;
    }
    let chart = column_chart(SURVEY, 5, "Mức độ hài lòng", "Mức điểm", ChartType::Column);
    sheet.insert_chart(1, 3, &chart)?;

    book.save_to_buffer()
}
