//! The overall ranking's exports read back: the columns per round, the tie, the prize,
//! masking, the permission and the audit.

use serde_json::json;

use crate::admin::{Admin, Body};
use crate::helpers::*;
use crate::reports::{attempt, csv_rows, download, finalize, owned_contest, register, T0};

/// Correct answers, duration and submission (after T0) of one counted attempt, in ms.
type Play = (i32, i64, i64);

struct Case {
    admin: Admin,
    org: i64,
    contest: i64,
    phones: Vec<String>,
}

/// Worked by hand. Overall prizes: one Giải Nhất, two Giải Nhì.
///
/// | who | Tuần 1 | Tuần 2 | total | time | last submitted |
/// |---|---|---|---|---|---|
/// | Rơ Châm Rin | 5 (60 s) | 5 (60 s) | 10 | 2:00 | |
/// | Quách Thị Quỳnh | 5 (120 s) | 4 (180 s) | 9 | 5:00 | T0 + 500 s |
/// | Phan Văn Phúc | 4 (100 s) | 5 (200 s) | 9 | 5:00 | T0 + 500 s |
/// | Sầm Văn Sơn | 3 (50 s) | — | 3 | 0:50 | |
///
/// Rin is first (Giải Nhất); Quỳnh and Phúc tie at rank 2 on all three keys and both take a
/// Giải Nhì; Sơn, 4th, did not play week 2: his cell is empty and counts 0. Quỳnh registered
/// before Phúc, but tied rows are listed by given name: Phúc, then Quỳnh.
async fn played(app: &TestApp, overall: bool) -> Case {
    let (admin, org, contest) = owned_contest(app, "cc").await;
    let (r1, r2) = (app.round_ids[0], app.round_ids[1]);
    sqlx::query("UPDATE rounds SET title = 'Tuần 2' WHERE id = $1").bind(r2).execute(&app.pg).await.expect("title");
    let mut phones = Vec::new();
    let plays: [(&str, &str, [Option<Play>; 2]); 4] = [
        ("Rơ Châm Rin", "02647", [Some((5, 60_000, 100_000)), Some((5, 60_000, 100_000))]),
        ("Quách Thị Quỳnh", "02680", [Some((5, 120_000, 500_000)), Some((4, 180_000, 500_000))]),
        ("Phan Văn Phúc", "02683", [Some((4, 100_000, 500_000)), Some((5, 200_000, 500_000))]),
        ("Sầm Văn Sơn", "02647", [Some((3, 50_000, 300_000)), None]),
    ];
    for (name, commune, rounds) in plays {
        let (id, phone) = register(app, name, "1990-05-20", "male", commune, commune, None).await;
        for (round, played) in [r1, r2].into_iter().zip(rounds) {
            if let Some((correct, duration, at)) = played {
                attempt(app, round, id, 1, correct, None, duration, T0 + at).await;
            }
        }
        phones.push(phone);
    }
    for r in [r1, r2] {
        finalize(app, &admin, r).await;
    }
    if overall {
        let settings =
            json!({"overall": {"prizes": [{"name": "Giải Nhất", "count": 1}, {"name": "Giải Nhì", "count": 2}]}});
        let url = format!("/api/admin/contests/{contest}/report-settings");
        let (status, res) = app.call(Some(&admin), "PUT", &url, Body::Json(settings)).await;
        assert_eq!(status, 200, "{res}");
    }
    Case { admin, org, contest, phones }
}

async fn export_actions(app: &TestApp, org: i64) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT action, object_type || ':' || object_id FROM audit_log WHERE organisation_id = $1 \
         AND action LIKE 'export.%' ORDER BY id",
    )
    .bind(org)
    .fetch_all(&app.pg)
    .await
    .expect("audit")
}

#[actix_web::test]
async fn the_overall_export_has_a_column_per_round_the_tie_and_the_prize() {
    let app = spawn_app().await;
    let case = played(&app, true).await;
    let base = format!("/api/admin/contests/{}/results", case.contest);
    let (status, csv) = download(&app, &case.admin, &format!("{base}.csv?personal=true")).await;
    assert_eq!(status, 200);
    assert!(csv.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with BOM for Excel");
    let rows = csv_rows(&csv);
    assert_eq!(
        rows[0],
        [
            "STT",
            "Họ và tên",
            "Ngày sinh",
            "Giới tính",
            "Số điện thoại",
            "CCCD",
            "Xã/Phường/Đặc khu",
            "Tỉnh/Thành phố",
            "Đơn vị",
            "Số câu đúng – Tuần 1",
            "Số câu đúng – Tuần 2",
            "Tổng số câu đúng",
            "Tổng thời gian làm bài",
            "Giải"
        ]
    );
    // STT, name, the two rounds, total, time, prize.
    let cut: Vec<[&str; 7]> = rows[1..]
        .iter()
        .map(|r| {
            [
                r[0].as_str(),
                r[1].as_str(),
                r[9].as_str(),
                r[10].as_str(),
                r[11].as_str(),
                r[12].as_str(),
                r[13].as_str(),
            ]
        })
        .collect();
    assert_eq!(
        cut,
        [
            ["1", "Rơ Châm Rin", "5", "5", "10", "02:00.000", "Giải Nhất"],
            ["2", "Phan Văn Phúc", "4", "5", "9", "05:00.000", "Giải Nhì"],
            ["3", "Quách Thị Quỳnh", "5", "4", "9", "05:00.000", "Giải Nhì"],
            ["4", "Sầm Văn Sơn", "3", "", "3", "00:50.000", ""],
        ]
    );
    // The person's columns as in the round export, unmasked with the permission.
    let rin = &rows[1];
    assert_eq!((rin[2].as_str(), rin[3].as_str(), rin[4].as_str()), ("20/05/1990", "Nam", case.phones[0].as_str()));
    assert_eq!((rin[6].as_str(), rin[7].as_str()), ("Phường Lào Cai", "Tỉnh Lào Cai"));
    // The JSON ranking agrees on ranks and ties.
    let (_, page) = app.call(Some(&case.admin), "GET", &base, Body::None).await;
    let ranks: Vec<(i64, bool)> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| (i["rank"].as_i64().expect("rank"), i["tied"] == true))
        .collect();
    assert_eq!(ranks, [(1, false), (2, true), (2, true), (4, false)]);
    // The XLSX holds the same cells.
    let (status, xlsx) = download(&app, &case.admin, &format!("{base}.xlsx?personal=true")).await;
    assert_eq!(status, 200);
    assert_eq!(thiluat::contest::bank::xlsx_rows(&xlsx).expect("valid xlsx"), rows);
    // Without personal data: masked names, no phone.
    let (status, masked) = download(&app, &case.admin, &format!("{base}.csv")).await;
    assert_eq!(status, 200);
    let masked = csv_rows(&masked);
    assert_eq!((masked[1][1].as_str(), masked[1][2].as_str()), ("Rơ Châm R.", "1990"));
    let text = masked.concat().join(",");
    for phone in &case.phones {
        assert!(!text.contains(phone.as_str()), "{text}");
    }
    let object = format!("contest:{}", case.contest);
    let expect = ["export.overall.personal", "export.overall.personal", "export.overall"];
    assert_eq!(export_actions(&app, case.org).await, expect.map(|a| (a.to_string(), object.clone())));
}

/// Off: 409 and nothing audited. Personal data: refused without the permission (nothing
/// audited), given with it (audited under the member's account).
#[actix_web::test]
async fn overall_exports_need_the_ranking_on_and_the_permission_for_personal_data() {
    let app = spawn_app().await;
    let case = played(&app, false).await;
    let base = format!("/api/admin/contests/{}/results", case.contest);
    for format in ["csv", "xlsx"] {
        let (status, body) = download(&app, &case.admin, &format!("{base}.{format}")).await;
        assert_eq!(status, 409);
        assert!(String::from_utf8_lossy(&body).contains("overall_ranking_off"));
    }
    assert!(export_actions(&app, case.org).await.is_empty(), "a refused export is not an export");
    let on = json!({"overall": {"prizes": []}});
    let url = format!("/api/admin/contests/{}/report-settings", case.contest);
    assert_eq!(app.call(Some(&case.admin), "PUT", &url, Body::Json(on)).await.0, 200);

    let (_, m) = app
        .call(
            Some(&case.admin),
            "POST",
            &format!("/api/admin/orgs/{}/members", case.org),
            Body::Json(json!({"email": "cc@cc.example", "display_name": "cc", "role": "organiser"})),
        )
        .await;
    let member = app.first_login("cc@cc.example", m["temporary_password"].as_str().expect("temp")).await;
    for format in ["csv", "xlsx"] {
        let (status, body) = download(&app, &member, &format!("{base}.{format}?personal=true")).await;
        assert_eq!(status, 403);
        assert!(String::from_utf8_lossy(&body).contains("personal_data_forbidden"));
    }
    assert!(export_actions(&app, case.org).await.is_empty(), "a refused export is not an export");
    let (status, plain) = download(&app, &member, &format!("{base}.csv")).await;
    assert_eq!(status, 200);
    assert_eq!(csv_rows(&plain).len(), 5, "the header and four people, no prizes set");
    let account = m["account_id"].as_i64().expect("account");
    let (status, _) = app
        .call(
            Some(&case.admin),
            "PATCH",
            &format!("/api/admin/orgs/{}/members/{account}", case.org),
            Body::Json(json!({"personal_data_export": true})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = download(&app, &member, &format!("{base}.xlsx?personal=true")).await;
    assert_eq!(status, 200);
    let audited: Vec<(i64, String, serde_json::Value)> =
        sqlx::query_as("SELECT account_id, action, details FROM audit_log WHERE action LIKE 'export.%' ORDER BY id")
            .fetch_all(&app.pg)
            .await
            .expect("audited");
    assert_eq!(
        audited,
        [
            (account, "export.overall".into(), json!({"format": "csv", "personal": false})),
            (account, "export.overall.personal".into(), json!({"format": "xlsx", "personal": true})),
        ]
    );
}
