//! The Ministry of Justice report for a fixed contest, rendered through the real endpoints
//! and read back: the PDF with pdftotext (poppler-utils), the XLSX with calamine.

use calamine::{Data, Reader, Xlsx};
use serde_json::json;

use crate::admin::Body;
use crate::helpers::*;
use crate::privacy::{owned_contest, person, play};

fn pdf_text(bytes: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("thiluat-report-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("report.pdf");
    std::fs::write(&file, bytes).expect("write pdf");
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils, installed by scripts/test) runs");
    assert!(out.status.success(), "pdftotext: {}", String::from_utf8_lossy(&out.stderr));
    let _ = std::fs::remove_dir_all(&dir);
    String::from_utf8(out.stdout).expect("utf8")
}

fn cell(range: &calamine::Range<Data>, row: u32, col: u32) -> Data {
    range.get_value((row, col)).cloned().unwrap_or(Data::Empty)
}

#[actix_web::test]
async fn the_ministry_report_as_pdf_and_xlsx_has_the_figures_and_charts() {
    let app = spawn_app_with(Options {
        first_round: Some("grace_ms = 0, prizes = '[{\"name\": \"Giải Nhất\", \"count\": 1}, {\"name\": \"Giải Nhì\", \"count\": 1}]'"),
        ..Options::default()
    })
    .await;
    let (admin, org, contest) = owned_contest(&app, "bc").await;
    let round = app.round();
    // Four participants: 5, 3, 3 and 1 correct; one registers and never plays.
    let mut attempts = Vec::new();
    let mut ids = Vec::new();
    for (name, correct) in [("Trần Thị Bích", 5), ("Lê Văn Cường", 3), ("Phạm Minh Đức", 3), ("Vũ Thu Hà", 1)]
    {
        let p = person(&app, name).await;
        attempts.push((p.token.clone(), play(&app, &p.token, correct).await));
        ids.push(p.id);
    }
    person(&app, "Đỗ Văn Khánh").await;
    // Survey: 5, 4, 4, 2 → 75% satisfied.
    for ((token, attempt), score) in attempts.iter().zip([5, 4, 4, 2]) {
        let (status, _) = app
            .as_participant(
                "POST",
                "/api/me/survey",
                token,
                Some(json!({"round_id": round, "attempt_id": attempt, "score": score})),
            )
            .await;
        assert_eq!(status, 201);
    }
    assert_eq!(app.call(Some(&admin), "POST", &format!("/api/admin/rounds/{round}/close"), Body::None).await.0, 200);
    assert_eq!(app.call(Some(&admin), "POST", &format!("/api/admin/rounds/{round}/finalize"), Body::None).await.0, 200);

    let (status, pdf) = app.download_as(&admin, &format!("/api/admin/contests/{contest}/report.pdf")).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&pdf));
    assert!(pdf.starts_with(b"%PDF-"));
    let text = pdf_text(&pdf);
    for heading in [
        "BÁO CÁO KẾT QUẢ CUỘC THI TÌM HIỂU PHÁP LUẬT",
        "Cuộc thi thử nghiệm",
        "1. Số liệu chung",
        "2. Phân bố điểm",
        "3. Đơn vị dẫn đầu",
        "4. Danh sách đoạt giải",
        "5. Mức độ hài lòng của người dự thi",
    ] {
        assert!(text.contains(heading), "{heading:?} not in:\n{text}");
    }
    for figure in [
        "Số người đăng ký: 5",
        "Số người dự thi: 4",
        "Số lượt thi: 4",
        "Số giải thưởng: 2",
        "Tỷ lệ hài lòng: 75,0% (mục tiêu 90,0%)",
        "Số phiếu đánh giá: 4",
        "chưa đạt mục tiêu",
        "Phường Lào Cai",
        "Trần Thị B.",
        "Giải Nhất",
        "Giải Nhì",
    ] {
        assert!(text.contains(figure), "{figure:?} not in:\n{text}");
    }
    assert!(!text.contains("Trần Thị Bích"), "the prize list masks names");

    let (status, xlsx) =
        app.download_as(&admin, &format!("/api/admin/contests/{contest}/report.xlsx?round_id={round}")).await;
    assert_eq!(status, 200);
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(xlsx.clone())).expect("valid xlsx");
    let summary = book.worksheet_range(thiluat::report::xlsx::SUMMARY).expect("summary sheet");
    assert_eq!(cell(&summary, 5, 1), Data::Float(5.0), "registered");
    assert_eq!(cell(&summary, 6, 1), Data::Float(4.0), "participants");
    assert_eq!(cell(&summary, 7, 1), Data::Float(4.0), "attempts");
    assert_eq!(cell(&summary, 9, 1), Data::Float(0.75), "satisfaction rate");
    assert_eq!(cell(&summary, 13, 0), Data::String("Tuần 1".into()), "only the round asked for");
    assert_eq!(cell(&summary, 14, 0), Data::Empty);
    let scores = book.worksheet_range(thiluat::report::xlsx::SCORES).expect("scores sheet");
    let dist: Vec<(f64, f64)> = (1..=6)
        .map(|r| match (cell(&scores, r, 0), cell(&scores, r, 1)) {
            (Data::Float(c), Data::Float(n)) => (c, n),
            other => panic!("row {r}: {other:?}"),
        })
        .collect();
    assert_eq!(dist, [(0.0, 0.0), (1.0, 1.0), (2.0, 0.0), (3.0, 2.0), (4.0, 0.0), (5.0, 1.0)]);
    let units = book.worksheet_range(thiluat::report::xlsx::UNITS).expect("units sheet");
    assert_eq!((cell(&units, 1, 0), cell(&units, 1, 1)), (Data::String("Phường Lào Cai".into()), Data::Float(4.0)));
    let prizes = book.worksheet_range(thiluat::report::xlsx::PRIZES).expect("prizes sheet");
    assert_eq!(cell(&prizes, 1, 2), Data::String("Giải Nhất".into()));
    assert_eq!(cell(&prizes, 1, 3), Data::String("Trần Thị B.".into()));
    let survey = book.worksheet_range(thiluat::report::xlsx::SURVEY).expect("survey sheet");
    let votes: Vec<Data> = (1..=5).map(|r| cell(&survey, r, 1)).collect();
    assert_eq!(votes, [0.0, 1.0, 0.0, 2.0, 1.0].map(Data::Float));
    // Native charts: the chart parts are in the package (names are stored uncompressed).
    for part in ["xl/charts/chart1.xml", "xl/charts/chart2.xml", "xl/charts/chart3.xml"] {
        assert!(xlsx.windows(part.len()).any(|w| w == part.as_bytes()), "{part} missing");
    }

    let audited: Vec<serde_json::Value> = sqlx::query_scalar(
        "SELECT details FROM audit_log WHERE organisation_id = $1 AND action = 'report.ministry' ORDER BY id",
    )
    .bind(org)
    .fetch_all(&app.pg)
    .await
    .expect("audit");
    assert_eq!(audited, [json!({"format": "pdf", "round": null}), json!({"format": "xlsx", "round": round})]);
    let (status, _) = app
        .call(Some(&admin), "GET", &format!("/api/admin/contests/{contest}/report.pdf?round_id=999999"), Body::None)
        .await;
    assert_eq!(status, 404);

    // A disqualified entry took no valid part: the report counts participants, attempts and
    // units as the participation statistics do, so the two never disagree.
    let (status, res) = app
        .call(
            Some(&admin),
            "POST",
            &format!("/api/admin/participants/{}/disqualify", ids[3]),
            Body::Json(json!({"reason": "Thi hộ người khác"})),
        )
        .await;
    assert_eq!(status, 200, "{res}");
    let (status, xlsx) = app.download_as(&admin, &format!("/api/admin/contests/{contest}/report.xlsx")).await;
    assert_eq!(status, 200);
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(xlsx)).expect("valid xlsx");
    let summary = book.worksheet_range(thiluat::report::xlsx::SUMMARY).expect("summary sheet");
    assert_eq!(cell(&summary, 5, 1), Data::Float(5.0), "registered still counts everyone");
    assert_eq!(cell(&summary, 6, 1), Data::Float(3.0), "participants");
    assert_eq!(cell(&summary, 7, 1), Data::Float(3.0), "attempts");
    let units = book.worksheet_range(thiluat::report::xlsx::UNITS).expect("units sheet");
    assert_eq!(cell(&units, 1, 1), Data::Float(3.0));
    let (status, stats) =
        app.call(Some(&admin), "GET", &format!("/api/admin/contests/{contest}/stats"), Body::None).await;
    assert_eq!(status, 200, "{stats}");
    assert_eq!((stats["participants"].as_i64(), stats["attempts"].as_i64()), (Some(3), Some(3)));
}
