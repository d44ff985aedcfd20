//! Ranked results exports read back: columns, contents, masking, permission and audit.

use serde_json::json;

use crate::admin::Body;
use crate::helpers::*;
use crate::reports::{attempt, finalize, owned_contest, T0};

/// Plays a round for three participants (2, 3 and 4 correct), closes and finalises it;
/// returns the admin session and the participants' phones and CCCDs in rank order.
async fn finalised_round(app: &TestApp) -> (crate::admin::Admin, i64, Vec<(String, String)>) {
    let (admin, org, _) = crate::privacy::owned_contest(app, "exp").await;
    let round = app.round();
    let mut people = Vec::new();
    for i in 0..3 {
        let body = valid_registration();
        let (status, reg) = app.register(&body).await;
        assert_eq!(status, 201, "{reg}");
        let mut ws = app.ws(reg["token"].as_str().expect("token")).await;
        let snap = ws.start(round).await;
        for (seq, (qid, _)) in questions(&snap).iter().enumerate().take(2 + i) {
            let correct = correct_options(&app.pg, *qid).await;
            ws.request(json!({"type": "answer", "round_id": round, "attempt_id": snap["attempt_id"], "question_id": qid, "options": correct, "seq": seq + 1})).await;
        }
        ws.request(json!({"type": "submit", "round_id": round, "attempt_id": snap["attempt_id"], "prediction": 1}))
            .await;
        people.push((
            body["phone"].as_str().expect("phone").to_string(),
            body["cccd"].as_str().expect("cccd").to_string(),
        ));
    }
    people.reverse(); // the last played best
    assert_eq!(app.call(Some(&admin), "POST", &format!("/api/admin/rounds/{round}/close"), Body::None).await.0, 200);
    let (status, fin) =
        app.call(Some(&admin), "POST", &format!("/api/admin/rounds/{round}/finalize"), Body::None).await;
    assert_eq!(status, 200, "{fin}");
    (admin, org, people)
}

async fn download(app: &TestApp, admin: &crate::admin::Admin, path: &str) -> (u16, Vec<u8>) {
    let mut res = app
        .http
        .get(app.url(path))
        .insert_header(("cookie", format!("thiluat_session={}", admin.cookie)))
        .send()
        .await
        .expect("sent");
    (res.status().as_u16(), res.body().limit(64 << 20).await.expect("body").to_vec())
}

#[actix_web::test]
async fn ranked_results_export_as_csv_and_xlsx_with_the_agencies_columns() {
    let app = spawn_app_with(Options { first_round: Some("grace_ms = 0"), ..Options::default() }).await;
    let (admin, org, people) = finalised_round(&app).await;
    let round = app.round();
    let (status, csv) = download(&app, &admin, &format!("/api/admin/rounds/{round}/results.csv?personal=true")).await;
    assert_eq!(status, 200);
    assert!(csv.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with BOM for Excel");
    let mut reader = csv::Reader::from_reader(&csv[3..]);
    let header: Vec<String> = reader.headers().expect("header").iter().map(String::from).collect();
    assert_eq!(header, thiluat::http::admin::exports::RESULT_COLUMNS);
    let rows: Vec<Vec<String>> = reader.records().map(|r| r.expect("row").iter().map(String::from).collect()).collect();
    assert_eq!(rows.len(), 3);
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row[0], (i + 1).to_string(), "STT");
        assert_eq!(row[1], "Nguyễn Văn An");
        assert_eq!(row[2], "20/05/1990");
        assert_eq!(row[3], "Nam");
        assert_eq!((row[4].clone(), row[5].clone()), people[i], "phone and CCCD in rank order");
        assert_eq!((row[6].as_str(), row[7].as_str()), ("Phường Lào Cai", "Tỉnh Lào Cai"));
        assert_eq!(row[9], (4 - i).to_string(), "Số câu đúng");
        assert_eq!(row[10], "1");
    }
    // XLSX holds the same cells.
    let (status, xlsx) = download(&app, &admin, &format!("/api/admin/rounds/{round}/results.xlsx?personal=true")).await;
    assert_eq!(status, 200);
    let sheet = thiluat::contest::bank::xlsx_rows(&xlsx).expect("valid xlsx");
    assert_eq!(sheet[0], header);
    assert_eq!(&sheet[1..], &rows[..]);
    // Without personal data: masked.
    let (_, masked) = download(&app, &admin, &format!("/api/admin/rounds/{round}/results.csv")).await;
    let text = String::from_utf8(masked).expect("utf8");
    assert!(text.contains("Nguyễn Văn A.") && !text.contains("Nguyễn Văn An"));
    for (phone, cccd) in &people {
        assert!(!text.contains(phone.as_str()) && !text.contains(cccd.as_str()), "{text}");
    }
    let audited: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_log WHERE organisation_id = $1 AND action LIKE 'export.%'")
            .bind(org)
            .fetch_all(&app.pg)
            .await
            .expect("audit");
    assert_eq!(audited, ["export.results.personal", "export.results.personal", "export.results"]);
}

/// An export with personal data is refused without the permission (and changes nothing),
/// and written to the audit log with it.
#[actix_web::test]
async fn personal_data_exports_need_the_permission_and_are_audited() {
    let app = spawn_app_with(Options { first_round: Some("grace_ms = 0"), ..Options::default() }).await;
    let (admin, org, _) = finalised_round(&app).await;
    let round = app.round();
    let (_, m) = app
        .call(
            Some(&admin),
            "POST",
            &format!("/api/admin/orgs/{org}/members"),
            Body::Json(json!({"email": "v@exp.example", "display_name": "v", "role": "organiser"})),
        )
        .await;
    let member = app.first_login("v@exp.example", m["temporary_password"].as_str().expect("temp")).await;
    let count = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM audit_log WHERE action LIKE 'export.%'")
            .fetch_one(&app.pg)
            .await
            .expect("count")
    };
    for format in ["csv", "xlsx"] {
        let (status, body) =
            download(&app, &member, &format!("/api/admin/rounds/{round}/results.{format}?personal=true")).await;
        assert_eq!(status, 403);
        assert!(String::from_utf8_lossy(&body).contains("personal_data_forbidden"));
    }
    assert_eq!(count().await, 0, "a refused export is not an export");
    let account = m["account_id"].as_i64().expect("account");
    let (status, _) = app
        .call(
            Some(&admin),
            "PATCH",
            &format!("/api/admin/orgs/{org}/members/{account}"),
            Body::Json(json!({"personal_data_export": true})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = download(&app, &member, &format!("/api/admin/rounds/{round}/results.csv?personal=true")).await;
    assert_eq!(status, 200);
    let (who, action): (i64, String) = sqlx::query_as(
        "SELECT account_id, action FROM audit_log WHERE action LIKE 'export.%' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&app.pg)
    .await
    .expect("audited");
    assert_eq!((who, action.as_str()), (account, "export.results.personal"));
}

/// (name, Giải) of a round's ranked results in rank order, from the CSV; the XLSX must hold
/// the same cells.
async fn prize_column(app: &TestApp, admin: &crate::admin::Admin, round: i64) -> Vec<(String, String)> {
    let (status, csv) = download(app, admin, &format!("/api/admin/rounds/{round}/results.csv?personal=true")).await;
    assert_eq!(status, 200);
    let mut reader = csv::Reader::from_reader(&csv[3..]);
    let rows: Vec<Vec<String>> = reader.records().map(|r| r.expect("row").iter().map(String::from).collect()).collect();
    let (status, xlsx) = download(app, admin, &format!("/api/admin/rounds/{round}/results.xlsx?personal=true")).await;
    assert_eq!(status, 200);
    let sheet = thiluat::contest::bank::xlsx_rows(&xlsx).expect("valid xlsx");
    assert_eq!(sheet[0][14], "Giải");
    assert_eq!(&sheet[1..], &rows[..], "the XLSX holds the CSV's cells");
    rows.iter().map(|r| (r[1].clone(), r[14].clone())).collect()
}

/// Worked by hand. Two rounds, one Giải Nhất and one Giải Nhì each, one prize per person.
/// Week 1: Quỳnh 4 > Phúc 3 > Rin 2 > Sơn 1 correct; week 2: Phúc 4 > Quỳnh 3 > Rin 2 > Sơn 1.
/// - Week 1: Quỳnh Nhất; Phúc (2nd) keeps week 2's Nhất, so week 1's Nhì goes to Rin.
/// - Week 2: Phúc Nhất; Quỳnh keeps week 1's Nhất; Rin keeps week 1's Nhì (the same prize,
///   the earlier round), so week 2's Nhì goes down to Sơn.
///
/// Then Rin's week-1 prize is rejected: week 1's Nhì moves down to Sơn (Phúc still keeps
/// week 2's Nhất), and Rin, no longer holding a prize, takes week 2's Nhì back from Sơn.
#[actix_web::test]
async fn the_prize_column_follows_one_prize_per_person_and_rejections() {
    let app = spawn_app().await;
    let (admin, _, contest) = owned_contest(&app, "giai").await;
    let (w1, w2) = (app.round_ids[0], app.round_ids[1]);
    let tiers = json!({"prizes": [{"name": "Giải Nhất", "count": 1}, {"name": "Giải Nhì", "count": 1}]});
    for r in [w1, w2] {
        let (status, res) =
            app.call(Some(&admin), "PATCH", &format!("/api/admin/rounds/{r}"), Body::Json(tiers.clone())).await;
        assert_eq!(status, 200, "{res}");
    }
    let mut ids = Vec::new();
    for (name, week1, week2) in
        [("Phan Văn Phúc", 3, 4), ("Quách Thị Quỳnh", 4, 3), ("Rơ Châm Rin", 2, 2), ("Sầm Văn Sơn", 1, 1)]
    {
        let mut body = valid_registration();
        body["full_name"] = json!(name);
        let (status, reg) = app.register(&body).await;
        assert_eq!(status, 201, "{reg}");
        let id = reg["participant_id"].as_i64().expect("id");
        attempt(&app, w1, id, 1, week1, None, 60_000, T0 + 60_000).await;
        attempt(&app, w2, id, 1, week2, None, 60_000, T0 + 60_000).await;
        ids.push(id);
    }
    for r in [w1, w2] {
        finalize(&app, &admin, r).await;
    }
    let expect = |rows: [(&str, &str); 4]| rows.map(|(n, p)| (n.to_string(), p.to_string())).to_vec();
    let (phuc, quynh, rin, son) = ("Phan Văn Phúc", "Quách Thị Quỳnh", "Rơ Châm Rin", "Sầm Văn Sơn");
    let (nhat, nhi) = ("Giải Nhất", "Giải Nhì");
    assert_eq!(prize_column(&app, &admin, w1).await, expect([(quynh, nhat), (phuc, ""), (rin, nhi), (son, "")]));
    assert_eq!(prize_column(&app, &admin, w2).await, expect([(phuc, nhat), (quynh, ""), (rin, ""), (son, nhi)]));

    let check = json!({"round_id": w1, "participant_id": ids[2], "status": "rejected", "reason": "sai CCCD"});
    let (status, res) = app
        .call(Some(&admin), "POST", &format!("/api/admin/contests/{contest}/winners/check"), Body::Json(check))
        .await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(prize_column(&app, &admin, w1).await, expect([(quynh, nhat), (phuc, ""), (rin, ""), (son, nhi)]));
    assert_eq!(prize_column(&app, &admin, w2).await, expect([(phuc, nhat), (quynh, ""), (rin, nhi), (son, "")]));
}

/// Results have no per-row foreign keys (finalising a million rows paid two checks a row):
/// deleting a participant, a round or a whole contest still takes their results along.
#[actix_web::test]
async fn results_follow_deleted_participants_rounds_and_contests() {
    let app = spawn_app_with(Options { first_round: Some("grace_ms = 0"), ..Options::default() }).await;
    finalised_round(&app).await;
    let round = app.round();
    let count = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM results WHERE round_id = $1")
            .bind(round)
            .fetch_one(&app.pg)
            .await
            .expect("count")
    };
    assert_eq!(count().await, 3);
    sqlx::query("DELETE FROM participants WHERE id = (SELECT participant_id FROM results WHERE rank = 1)")
        .execute(&app.pg)
        .await
        .expect("delete a participant");
    assert_eq!(count().await, 2);
    sqlx::query("DELETE FROM contests").execute(&app.pg).await.expect("delete the contest");
    assert_eq!(count().await, 0);
}

/// An XLSX that cannot be written (a cell past Excel's 32,767 characters) is a plain error
/// response, never the start of a file; the CSV, which has no such limit, still streams.
#[actix_web::test]
async fn an_xlsx_that_fails_midway_is_an_error_not_half_a_file() {
    let app = spawn_app_with(Options { first_round: Some("grace_ms = 0"), ..Options::default() }).await;
    let (admin, _, _) = finalised_round(&app).await;
    let round = app.round();
    sqlx::query("UPDATE participants SET full_name = repeat('A', 40000) WHERE id = (SELECT max(id) FROM participants)")
        .execute(&app.pg)
        .await
        .expect("an overlong name");
    let (status, body) = download(&app, &admin, &format!("/api/admin/rounds/{round}/results.xlsx?personal=true")).await;
    assert_eq!(status, 500);
    let error: serde_json::Value = serde_json::from_slice(&body).expect("a JSON error");
    assert_eq!(error["error"]["code"], "internal");
    let (status, csv) = download(&app, &admin, &format!("/api/admin/rounds/{round}/results.csv?personal=true")).await;
    assert_eq!(status, 200);
    assert!(String::from_utf8(csv).expect("utf8").contains(&"A".repeat(40000)));
}

/// Unit names come from organisers' files and reach the exports: a CSV cell that would run as
/// a formula in a spreadsheet is neutralised with a leading `'`, numbers stay numbers, and
/// XLSX cells are written as text (never formulas).
#[actix_web::test]
async fn cells_a_spreadsheet_would_run_are_neutralised_in_every_export() {
    let app = spawn_app_with(Options { first_round: Some("grace_ms = 0"), ..Options::default() }).await;
    let contest: i64 = sqlx::query_scalar("SELECT id FROM contests").fetch_one(&app.pg).await.expect("contest");
    let (admin, _, _) = finalised_round(&app).await;
    let formula = r#"=HYPERLINK("http://evil.example","Bấm vào đây")"#;
    let units =
        format!("code,name,parent_code,kind,headcount\n02647,\"{}\",,commune,10\n", formula.replace('"', "\"\""));
    let (status, res) = app
        .call(Some(&admin), "POST", &format!("/api/admin/contests/{contest}/units"), Body::Bytes(units.into_bytes()))
        .await;
    assert_eq!(status, 200, "{res}");
    let round = app.round();
    let read = |bytes: &[u8]| -> Vec<Vec<String>> {
        let mut reader = csv::Reader::from_reader(&bytes[3..]);
        reader.records().map(|r| r.expect("row").iter().map(String::from).collect()).collect()
    };

    let (status, results) = download(&app, &admin, &format!("/api/admin/rounds/{round}/results.csv")).await;
    assert_eq!(status, 200);
    let rows = read(&results);
    let unit_column =
        thiluat::http::admin::exports::RESULT_COLUMNS.iter().position(|c| *c == "Đơn vị").expect("unit column");
    assert!(rows.iter().all(|r| r[unit_column] == format!("'{formula}")), "{rows:?}");
    assert!(rows.iter().all(|r| !r.iter().any(|c| c.starts_with('='))), "{rows:?}");

    let (status, collective) = download(&app, &admin, &format!("/api/admin/contests/{contest}/collective.csv")).await;
    assert_eq!(status, 200);
    let text = String::from_utf8(collective.clone()).expect("utf8");
    let rows = read(&collective);
    assert!(text.contains(&format!("'{formula}").replace('"', "\"\"")), "{text}");
    assert!(
        rows.iter()
            .flatten()
            .all(|c| !c.starts_with(['=', '+', '@']) && (!c.starts_with('-') || c.parse::<f64>().is_ok())),
        "{rows:?}"
    );

    // XLSX: the cell holds the text itself (a formula cell would read back empty).
    let (status, xlsx) = download(&app, &admin, &format!("/api/admin/rounds/{round}/results.xlsx")).await;
    assert_eq!(status, 200);
    let sheet = thiluat::contest::bank::xlsx_rows(&xlsx).expect("valid xlsx");
    assert!(sheet[1..].iter().all(|r| r[unit_column] == formula), "{sheet:?}");
}
