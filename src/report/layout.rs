//! The Ministry report laid out on A4 pages: headings, figures, tables and vector bar charts.

use super::pdf::{Document, Rgb, A4, BLACK, FONT};
use super::{decimal_vi, int_vi, percent_vi, ReportData};
use crate::survey::TARGET_RATE;

const MARGIN: f32 = 50.0;
const WIDTH: f32 = A4.0 - 2.0 * MARGIN;
const BAR: Rgb = Rgb(0.16, 0.38, 0.68);
const GOOD: Rgb = Rgb(0.18, 0.55, 0.34);
const GREY: Rgb = Rgb(0.45, 0.45, 0.45);
const RULE: Rgb = Rgb(0.75, 0.75, 0.75);
const HEAD: Rgb = Rgb(0.90, 0.93, 0.97);

struct Layout {
    doc: Document,
    y: f32,
}

impl Layout {
    fn ensure(&mut self, height: f32) {
        if self.y - height < MARGIN {
            self.doc.new_page();
            self.y = A4.1 - MARGIN;
        }
    }

    fn heading(&mut self, text: &str) {
        self.ensure(60.0);
        self.y -= 22.0;
        self.doc.text(MARGIN, self.y, 13.0, BAR, text);
        self.y -= 6.0;
        self.doc.line((MARGIN, self.y), (MARGIN + WIDTH, self.y), 0.8, BAR);
        self.y -= 14.0;
    }

    fn line(&mut self, size: f32, color: Rgb, text: &str) {
        self.ensure(size + 6.0);
        self.y -= size + 5.0;
        self.doc.text(MARGIN, self.y, size, color, text);
    }

    /// A table: columns as (title, width, right-aligned); the header repeats on a new page.
    fn table(&mut self, columns: &[(&str, f32, bool)], rows: &[Vec<String>]) {
        let size = 9.0;
        let row_h = 15.0;
        let header = |l: &mut Layout| {
            l.ensure(row_h * 2.0);
            l.doc.rect(MARGIN, l.y - row_h, WIDTH, row_h, HEAD);
            l.cells(columns, &columns.iter().map(|c| c.0.to_string()).collect::<Vec<_>>(), size);
        };
        header(self);
        for row in rows {
            if self.y - row_h < MARGIN {
                self.ensure(row_h * 3.0);
                header(self);
            }
            self.cells(columns, row, size);
            self.doc.line((MARGIN, self.y), (MARGIN + WIDTH, self.y), 0.3, RULE);
        }
        self.y -= 6.0;
    }

    fn cells(&mut self, columns: &[(&str, f32, bool)], values: &[String], size: f32) {
        let baseline = self.y - 11.0;
        let mut x = MARGIN + 4.0;
        for ((_, w, right), v) in columns.iter().zip(values) {
            let text = self.doc.fit(v, size, w - 8.0);
            if *right {
                self.doc.text_right(x + w - 8.0, baseline, size, BLACK, &text);
            } else {
                self.doc.text(x, baseline, size, BLACK, &text);
            }
            x += w;
        }
        self.y -= 15.0;
    }

    /// Vertical bars: one per (label, value), value printed above each bar.
    fn columns_chart(&mut self, title: &str, bars: &[(String, i64)], x_label: &str) {
        let height = 150.0;
        self.ensure(height + 60.0);
        self.y -= 16.0;
        self.doc.text(MARGIN, self.y, 10.0, GREY, title);
        let base = self.y - 14.0 - height;
        let left = MARGIN + 30.0;
        let width = WIDTH - 30.0;
        let max = bars.iter().map(|b| b.1).max().unwrap_or(0).max(1) as f32;
        self.doc.line((left, base), (left + width, base), 0.8, BLACK);
        self.doc.line((left, base), (left, base + height), 0.8, BLACK);
        self.doc.text_right(left - 4.0, base + height - 3.0, 7.0, GREY, &int_vi(max as i64));
        self.doc.text_right(left - 4.0, base - 3.0, 7.0, GREY, "0");
        let slot = width / bars.len().max(1) as f32;
        let bar_w = (slot * 0.7).min(40.0);
        for (i, (label, value)) in bars.iter().enumerate() {
            let h = height * (*value as f32) / max;
            let x = left + slot * i as f32 + (slot - bar_w) / 2.0;
            self.doc.rect(x, base, bar_w, h, BAR);
            let centre = x + bar_w / 2.0;
            if bars.len() <= 40 {
                let v = int_vi(*value);
                let vw = self.doc.width(&v, 7.0);
                self.doc.text(centre - vw / 2.0, base + h + 3.0, 7.0, BLACK, &v);
                let lw = self.doc.width(label, 7.0);
                self.doc.text(centre - lw / 2.0, base - 10.0, 7.0, BLACK, label);
            }
        }
        let xw = self.doc.width(x_label, 8.0);
        self.doc.text(left + width / 2.0 - xw / 2.0, base - 22.0, 8.0, GREY, x_label);
        self.y = base - 30.0;
    }

    /// Horizontal bars with the label on the left and the value at the bar's end.
    fn bars_chart(&mut self, title: &str, bars: &[(String, i64)]) {
        let row = 16.0;
        self.ensure(row * bars.len() as f32 + 30.0);
        self.y -= 16.0;
        self.doc.text(MARGIN, self.y, 10.0, GREY, title);
        self.y -= 6.0;
        let label_w = 190.0;
        let left = MARGIN + label_w;
        let width = WIDTH - label_w - 50.0;
        let max = bars.iter().map(|b| b.1).max().unwrap_or(0).max(1) as f32;
        for (label, value) in bars {
            self.y -= row;
            let text = self.doc.fit(label, 8.0, label_w - 8.0);
            self.doc.text(MARGIN, self.y + 4.0, 8.0, BLACK, &text);
            let w = width * (*value as f32) / max;
            self.doc.rect(left, self.y + 1.0, w.max(0.5), row - 4.0, BAR);
            self.doc.text(left + w + 4.0, self.y + 4.0, 8.0, BLACK, &int_vi(*value));
        }
        self.y -= 10.0;
    }
}

/// The report as a PDF file.
pub fn render(data: &ReportData) -> anyhow::Result<Vec<u8>> {
    let mut l = Layout { doc: Document::new(FONT)?, y: A4.1 - MARGIN };
    l.doc.new_page();
    let title = "BÁO CÁO KẾT QUẢ CUỘC THI TÌM HIỂU PHÁP LUẬT";
    let tw = l.doc.width(title, 15.0);
    l.y -= 15.0;
    l.doc.text(MARGIN + (WIDTH - tw) / 2.0, l.y, 15.0, BLACK, title);
    l.line(12.0, BLACK, &data.contest_title);
    l.line(10.0, GREY, &format!("Đơn vị tổ chức: {}", data.organiser));
    l.line(10.0, GREY, &format!("Phạm vi: {} · Lập lúc: {} (giờ Việt Nam)", data.scope, data.generated_at));

    l.heading("1. Số liệu chung");
    let rate = data.survey.satisfaction_rate.map(percent_vi).unwrap_or_else(|| "chưa có".into());
    for (k, v) in [
        ("Số người đăng ký", int_vi(data.registered)),
        ("Số người dự thi", int_vi(data.participants)),
        ("Số lượt thi", int_vi(data.attempts)),
        ("Số giải thưởng", int_vi(data.prizes.len() as i64)),
        ("Tỷ lệ hài lòng", format!("{rate} (mục tiêu {})", percent_vi(TARGET_RATE))),
    ] {
        l.line(10.0, BLACK, &format!("{k}: {v}"));
    }
    l.y -= 6.0;
    let rows: Vec<Vec<String>> = data
        .rounds
        .iter()
        .map(|r| {
            vec![
                r.title.clone(),
                int_vi(r.participants),
                int_vi(r.attempts),
                r.average_correct.map(decimal_vi).unwrap_or_default(),
                if r.finalised { "Đã tổng hợp".into() } else { "Chưa tổng hợp".into() },
            ]
        })
        .collect();
    l.table(
        &[
            ("Đợt thi", 175.0, false),
            ("Người dự thi", 80.0, true),
            ("Lượt thi", 70.0, true),
            ("Số câu đúng TB", 85.0, true),
            ("Kết quả", 85.0, false),
        ],
        &rows,
    );

    l.heading("2. Phân bố điểm");
    if data.scores.is_empty() {
        l.line(10.0, GREY, "Chưa có bài thi nào được nộp.");
    } else {
        let max = data.scores.iter().map(|s| s.0).max().unwrap_or(0).max(0);
        let bars: Vec<(String, i64)> = (0..=max)
            .map(|c| (c.to_string(), data.scores.iter().find(|s| s.0 == c).map(|s| s.1).unwrap_or(0)))
            .collect();
        l.columns_chart("Số người dự thi theo số câu trả lời đúng (lượt thi tốt nhất)", &bars, "Số câu đúng");
    }

    l.heading("3. Đơn vị dẫn đầu");
    if data.units.is_empty() {
        l.line(10.0, GREY, "Chưa có đơn vị nào có người dự thi.");
    } else {
        let bars: Vec<(String, i64)> = data.units.iter().map(|u| (u.name.clone(), u.participants)).collect();
        l.bars_chart("Số người dự thi theo đơn vị", &bars);
        let rows: Vec<Vec<String>> = data
            .units
            .iter()
            .enumerate()
            .map(|(i, u)| {
                vec![
                    (i + 1).to_string(),
                    u.name.clone(),
                    int_vi(u.participants),
                    u.headcount.map(|h| int_vi(i64::from(h))).unwrap_or_default(),
                    u.rate().map(percent_vi).unwrap_or_default(),
                ]
            })
            .collect();
        l.table(
            &[
                ("STT", 35.0, true),
                ("Đơn vị", 230.0, false),
                ("Người dự thi", 80.0, true),
                ("Biên chế", 75.0, true),
                ("Tỷ lệ", 75.0, true),
            ],
            &rows,
        );
    }

    l.heading("4. Danh sách đoạt giải");
    if data.prizes.is_empty() {
        l.line(10.0, GREY, "Chưa có giải thưởng.");
    } else {
        let rows: Vec<Vec<String>> = data
            .prizes
            .iter()
            .enumerate()
            .map(|(i, p)| {
                vec![
                    (i + 1).to_string(),
                    p.round.clone(),
                    p.prize.clone(),
                    p.name.clone(),
                    p.unit.clone(),
                    p.rank.to_string(),
                ]
            })
            .collect();
        l.table(
            &[
                ("STT", 35.0, true),
                ("Đợt thi", 90.0, false),
                ("Giải", 85.0, false),
                ("Họ và tên", 120.0, false),
                ("Đơn vị", 125.0, false),
                ("Hạng", 40.0, true),
            ],
            &rows,
        );
    }

    l.heading("5. Mức độ hài lòng của người dự thi");
    let s = &data.survey;
    l.line(10.0, BLACK, &format!("Số phiếu đánh giá: {}", int_vi(s.count)));
    match s.satisfaction_rate {
        Some(r) => {
            let verdict = if r >= TARGET_RATE { "đạt mục tiêu" } else { "chưa đạt mục tiêu" };
            let color = if r >= TARGET_RATE { GOOD } else { BLACK };
            l.line(
                10.0,
                color,
                &format!("Tỷ lệ hài lòng (4–5 điểm): {} — {verdict} {}", percent_vi(r), percent_vi(TARGET_RATE)),
            );
            let bars: Vec<(String, i64)> =
                s.distribution.iter().enumerate().map(|(i, n)| (format!("{} điểm", i + 1), *n)).collect();
            l.columns_chart("Số phiếu theo mức điểm (1: rất không hài lòng – 5: rất hài lòng)", &bars, "Mức điểm");
        }
        None => l.line(10.0, GREY, "Chưa có phiếu đánh giá."),
    }
    Ok(l.doc.finish(&format!("Báo cáo: {}", data.contest_title)))
}
