//! Results, overall ranking, collective rankings, participation statistics and the
//! every-answer export through the real server, on a case worked out by hand. Attempts are
//! planted in Postgres (what the persister would have written); the rounds are finalised
//! through the API.

use serde_json::{json, Value};

use crate::admin::{Admin, Body};
use crate::helpers::*;

/// Closed at 30/11/2026 17:00 Vietnam time; ages are counted on that day.
const CLOSES: &str = "2026-11-30T10:00:00Z";
pub const T0: i64 = 1_795_500_000_000; // 2026-11-25, inside both rounds

pub struct Case {
    pub admin: Admin,
    pub org: i64,
    pub contest: i64,
    pub r1: i64,
    pub r2: i64,
    /// A, B, C, D, E
    pub people: Vec<i64>,
    pub phones: Vec<String>,
}

/// The fixture contest owned by a fresh organisation, both rounds closed, units U1–U3, open
/// to the whole country (the statistics group people from several provinces).
pub async fn owned_contest(app: &TestApp, slug: &str) -> (Admin, i64, i64) {
    let (org, email) = app.org_with_admin(slug).await;
    sqlx::query("UPDATE contests SET organisation_id = $1, cccd_required = FALSE, scope_provinces = '{}'")
        .bind(org)
        .execute(&app.pg)
        .await
        .expect("own");
    sqlx::query("UPDATE rounds SET opens_at = '2026-11-23T00:00:00Z', closes_at = $1::timestamptz, grace_ms = 0")
        .bind(CLOSES)
        .execute(&app.pg)
        .await
        .expect("closed rounds");
    let admin = app.login(&email, "mật khẩu rất dài 1").await.expect("login");
    let contest: i64 = sqlx::query_scalar("SELECT id FROM contests").fetch_one(&app.pg).await.expect("contest");
    (admin, org, contest)
}

pub async fn register(
    app: &TestApp,
    name: &str,
    dob: &str,
    sex: &str,
    commune: &str,
    unit: &str,
    occupation: Option<&str>,
) -> (i64, String) {
    let mut body = valid_registration();
    body.as_object_mut().expect("object").remove("cccd");
    body["full_name"] = json!(name);
    body["dob"] = json!(dob);
    body["sex"] = json!(sex);
    body["commune_code"] = json!(commune);
    body["unit_code"] = json!(unit);
    if let Some(o) = occupation {
        body["occupation"] = json!(o);
    }
    let (status, reg) = app.register(&body).await;
    assert_eq!(status, 201, "{reg}");
    (reg["participant_id"].as_i64().expect("id"), body["phone"].as_str().expect("phone").to_string())
}

/// One submitted attempt, as the persister writes it.
#[expect(clippy::too_many_arguments)]
pub async fn attempt(
    app: &TestApp,
    round: i64,
    participant: i64,
    number: i32,
    correct: i32,
    prediction: Option<i64>,
    duration_ms: i64,
    submitted_at_ms: i64,
) -> uuid::Uuid {
    let id = uuid::Uuid::new_v4();
    let questions: Vec<i64> = sqlx::query_scalar("SELECT question_ids[1:5] FROM rounds WHERE id = $1")
        .bind(round)
        .fetch_one(&app.pg)
        .await
        .expect("questions");
    sqlx::query(
        "INSERT INTO attempts (id, round_id, participant_id, number, started_at_ms, deadline_ms, question_ids, \
         submitted_at_ms, duration_ms, correct, prediction) VALUES ($1, $2, $3, $4, $5, $5 + 900000, $6, $7, $8, $9, $10)",
    )
    .bind(id)
    .bind(round)
    .bind(participant)
    .bind(number)
    .bind(submitted_at_ms - duration_ms)
    .bind(&questions)
    .bind(submitted_at_ms)
    .bind(duration_ms)
    .bind(correct)
    .bind(prediction)
    .execute(&app.pg)
    .await
    .expect("attempt");
    id
}

pub async fn finalize(app: &TestApp, admin: &Admin, round: i64) {
    let (status, fin) = app.call(Some(admin), "POST", &format!("/api/admin/rounds/{round}/finalize"), Body::None).await;
    assert_eq!(status, 200, "{fin}");
}

/// Round 1 (chain: correct, prediction distance, time, submission; actual = 2 people with 5/5):
///   A: #1 3 correct, #2 5 correct predicting 2 (distance 0) → counted #2, rank 1
///   B: 5 correct predicting 1 (distance 1) → rank 2
///   C, D: 4 correct predicting 9, 90 s, submitted at the same instant → tied at rank 3
///   E: 3 correct, no prediction → rank 5
/// Round 2 (actual = 4 participants): A 1, C 5, D 4, E 5 correct.
async fn played(app: &TestApp) -> Case {
    let (admin, org, contest) = owned_contest(app, "rep").await;
    let units = "code,name,parent_code,kind,headcount\nU1,Sở Tư pháp,,agency,10\nU2,Trường Ân Thi,,school,4\nU3,Công an tỉnh,,agency,\n";
    let (status, _) = app
        .call(Some(&admin), "POST", &format!("/api/admin/contests/{contest}/units"), Body::Bytes(units.into()))
        .await;
    assert_eq!(status, 200);
    let who = [
        ("Nguyễn Văn An", "2010-12-01", "male", "02647", "U1", Some("student")),
        ("Trần Thị Bình", "1996-11-30", "female", "02680", "U1", Some("civil_servant")),
        ("Lê Thị Cúc", "1995-12-01", "female", "06994", "U2", Some("civil_servant")),
        ("Phạm Văn Dũng", "1980-06-01", "male", "00004", "U2", Some("farmer")),
        ("Hoàng Văn Em", "1960-01-01", "male", "02683", "U3", None),
    ];
    let mut people = Vec::new();
    let mut phones = Vec::new();
    for (name, dob, sex, commune, unit, occupation) in who {
        let (id, phone) = register(app, name, dob, sex, commune, unit, occupation).await;
        people.push(id);
        phones.push(phone);
    }
    let (a, b, c, d, e) = (people[0], people[1], people[2], people[3], people[4]);
    let (r1, r2) = (app.round_ids[0], app.round_ids[1]);
    attempt(app, r1, a, 1, 3, Some(1), 100_000, T0 + 100_000).await;
    attempt(app, r1, a, 2, 5, Some(2), 200_000, T0 + 1_000_000).await;
    attempt(app, r1, b, 1, 5, Some(1), 150_000, T0 + 500_000).await;
    attempt(app, r1, c, 1, 4, Some(9), 90_000, T0 + 700_000).await;
    attempt(app, r1, d, 1, 4, Some(9), 90_000, T0 + 700_000).await;
    attempt(app, r1, e, 1, 3, None, 60_000, T0 + 800_000).await;
    attempt(app, r2, a, 1, 1, Some(0), 50_000, T0 + 100_000).await;
    attempt(app, r2, c, 1, 5, Some(4), 300_000, T0 + 200_000).await;
    attempt(app, r2, d, 1, 4, Some(4), 200_000, T0 + 300_000).await;
    attempt(app, r2, e, 1, 5, Some(4), 100_000, T0 + 400_000).await;
    let tiers = json!({"prizes": [{"name": "Giải Nhất", "count": 1}, {"name": "Giải Nhì", "count": 1}]});
    let (status, res) = app.call(Some(&admin), "PATCH", &format!("/api/admin/rounds/{r1}"), Body::Json(tiers)).await;
    assert_eq!(status, 200, "{res}");
    finalize(app, &admin, r1).await;
    finalize(app, &admin, r2).await;
    Case { admin, org, contest, r1, r2, people, phones }
}

/// The answer matches its schema in src/http/openapi.json.
pub fn documented(method: &str, template: &str, status: u16, body: &Value) {
    let mut checker = crate::openapi::Checker::new();
    checker.answer(method, template, status, body);
    assert!(checker.errors.is_empty(), "{}", checker.errors.join("\n"));
}

fn ranks(page: &Value) -> Vec<(i64, i64, bool)> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| (i["participant_id"].as_i64().expect("id"), i["rank"].as_i64().expect("rank"), i["tied"] == true))
        .collect()
}

#[actix_web::test]
async fn round_results_show_the_chain_ties_and_every_attempt_and_follow_a_disqualification() {
    let app = spawn_app().await;
    let case = played(&app).await;
    let (a, b, c, d, e) = (case.people[0], case.people[1], case.people[2], case.people[3], case.people[4]);
    let url = format!("/api/admin/rounds/{}/results", case.r1);
    let (status, page) = app.call(Some(&case.admin), "GET", &url, Body::None).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["prediction_actual"], 2);
    assert_eq!(page["total"], 5);
    assert_eq!(page["chain"], json!(["correct_desc", "prediction_distance_asc", "duration_asc", "submitted_asc"]));
    assert_eq!(ranks(&page), vec![(a, 1, false), (b, 2, false), (c, 3, true), (d, 3, true), (e, 5, false)]);
    documented("get", "/api/admin/rounds/{id}/results", status, &page);
    let first = &page["items"][0];
    assert_eq!(first["counted"]["correct"], 5);
    assert_eq!(first["counted"]["distance"], 0);
    assert_eq!(first["name"], "Nguyễn Văn A.", "names are masked");
    let attempts: Vec<(i64, i64, bool)> = first["attempts"]
        .as_array()
        .expect("attempts")
        .iter()
        .map(|x| (x["number"].as_i64().expect("n"), x["correct"].as_i64().expect("c"), x["counted"] == true))
        .collect();
    assert_eq!(attempts, [(1, 3, false), (2, 5, true)]);
    assert_eq!(first["attempts"][0]["distance"], 1);
    // Paging: two per page, the second page starts with the tie.
    let (_, p2) = app.call(Some(&case.admin), "GET", &format!("{url}?page=2&per_page=2"), Body::None).await;
    assert_eq!(ranks(&p2), vec![(c, 3, true), (d, 3, true)]);
    let (status, bad) = app.call(Some(&case.admin), "GET", &format!("{url}?page=0&per_page=5000"), Body::None).await;
    assert_eq!((status, bad["error"]["code"].as_str()), (422, Some("invalid_fields")));
    assert_eq!(bad["error"]["fields"].as_array().map(Vec::len), Some(2));
    // B disqualified: everyone below moves up; requalified: back as before.
    let (status, _) = app
        .call(
            Some(&case.admin),
            "POST",
            &format!("/api/admin/participants/{b}/disqualify"),
            Body::Json(json!({"reason": "Gian lận"})),
        )
        .await;
    assert_eq!(status, 200);
    let (_, page) = app.call(Some(&case.admin), "GET", &url, Body::None).await;
    assert_eq!(ranks(&page), vec![(a, 1, false), (c, 2, true), (d, 2, true), (e, 4, false)]);
    let (status, _) = app
        .call(
            Some(&case.admin),
            "POST",
            &format!("/api/admin/participants/{b}/requalify"),
            Body::Json(json!({"reason": "Xác minh lại"})),
        )
        .await;
    assert_eq!(status, 200);
    let (_, page) = app.call(Some(&case.admin), "GET", &url, Body::None).await;
    assert_eq!(ranks(&page).len(), 5);
    assert_eq!(ranks(&page)[1], (b, 2, false));
}

/// Overall (sum of counted correct answers, then summed time): C 4+5 = 9; E 3+5 = 8 in
/// 160 s and D 4+4 = 8 in 290 s; A 5+1 = 6; B 5+0 = 5. C is staff, so the overall Nhất goes
/// to E and the Nhì to D.
#[actix_web::test]
async fn overall_ranking_collective_ranking_and_settings() {
    let app = spawn_app().await;
    let case = played(&app).await;
    let (a, b, c, d, e) = (case.people[0], case.people[1], case.people[2], case.people[3], case.people[4]);
    let results = format!("/api/admin/contests/{}/results", case.contest);
    let settings = format!("/api/admin/contests/{}/report-settings", case.contest);
    let (status, off) = app.call(Some(&case.admin), "GET", &results, Body::None).await;
    assert_eq!((status, off["error"]["code"].as_str()), (409, Some("overall_ranking_off")));
    // Bad settings: every problem listed, nothing changed.
    let (_, before) = app.call(Some(&case.admin), "GET", &settings, Body::None).await;
    let bad = json!({"overall": {"prizes": [{"name": "", "count": 0}]},
        "collective": {"rate_weight": -1, "prize_points": {"Giải Ba": 6}}});
    let (status, res) = app.call(Some(&case.admin), "PUT", &settings, Body::Json(bad)).await;
    assert_eq!((status, res["error"]["code"].as_str()), (422, Some("invalid_fields")), "{res}");
    let fields: Vec<(&str, &str)> = res["error"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| (f["field"].as_str().expect("f"), f["code"].as_str().expect("c")))
        .collect();
    assert_eq!(
        fields,
        [
            ("overall.prizes", "invalid_value"),
            ("collective.rate_weight", "invalid_number"),
            ("collective.prize_points", "unknown_prize")
        ]
    );
    let (status, res) =
        app.call(Some(&case.admin), "PUT", &settings, Body::Json(json!({"collective": {"rate": 1}}))).await;
    assert_eq!(status, 400, "{res}");
    assert_eq!(app.call(Some(&case.admin), "GET", &settings, Body::None).await.1, before);
    // Published contest: occupation can no longer become required.
    let (status, res) =
        app.call(Some(&case.admin), "PUT", &settings, Body::Json(json!({"occupation_required": true}))).await;
    assert_eq!((status, res["error"]["code"].as_str()), (409, Some("contest_published")));

    let good = json!({"overall": {"prizes": [{"name": "Giải Nhất", "count": 1}, {"name": "Giải Nhì", "count": 1}]},
        "collective": {"rate_weight": 1, "participant_weight": 0, "prize_points": {"Giải Nhất": 10, "Giải Nhì": 8}}});
    let (status, saved) = app.call(Some(&case.admin), "PUT", &settings, Body::Json(good)).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["collective"]["prize_points"]["Giải Nhì"].as_f64(), Some(8.0));
    let (status, _) = app
        .call(
            Some(&case.admin),
            "POST",
            &format!("/api/admin/participants/{c}/staff"),
            Body::Json(json!({"staff": true, "reason": "Ban tổ chức"})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, overall) = app.call(Some(&case.admin), "GET", &results, Body::None).await;
    assert_eq!(status, 200, "{overall}");
    documented("get", "/api/admin/contests/{id}/results", status, &overall);
    assert_eq!(overall["rounds"], json!([case.r1, case.r2]));
    assert_eq!(ranks(&overall), vec![(c, 1, false), (e, 2, false), (d, 3, false), (a, 4, false), (b, 5, false)]);
    let totals: Vec<(i64, i64, Value)> = overall["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            (i["total_correct"].as_i64().expect("t"), i["total_duration_ms"].as_i64().expect("d"), i["prize"].clone())
        })
        .collect();
    assert_eq!(
        totals,
        vec![
            (9, 390_000, Value::Null),
            (8, 160_000, json!("Giải Nhất")),
            (8, 290_000, json!("Giải Nhì")),
            (6, 250_000, Value::Null),
            (5, 150_000, Value::Null)
        ]
    );
    assert_eq!(overall["items"][4]["rounds"].as_array().map(Vec::len), Some(1), "B played one round");

    // Collective: round 1 awards A Nhất and B Nhì (U1); overall E Nhất (U3) and D Nhì (U2).
    // U2: 2/4 = 50 % + 8 = 58; U1: 2/10 = 20 % + 10 + 8 = 38; U3: no headcount, 10.
    let (status, coll) = app
        .call(Some(&case.admin), "GET", &format!("/api/admin/contests/{}/collective", case.contest), Body::None)
        .await;
    assert_eq!(status, 200, "{coll}");
    documented("get", "/api/admin/contests/{id}/collective", status, &coll);
    let top: Vec<(i64, &str, Value, i64, f64, i64)> = coll["items"]
        .as_array()
        .expect("items")
        .iter()
        .take(4)
        .map(|u| {
            (
                u["rank"].as_i64().expect("rank"),
                u["code"].as_str().expect("code"),
                u["rate"].clone(),
                u["participants"].as_i64().expect("p"),
                u["score"].as_f64().expect("score"),
                u["winners"].as_i64().expect("w"),
            )
        })
        .collect();
    assert_eq!(
        top[..3],
        [(1, "U2", json!(50.0), 2, 58.0, 1), (2, "U1", json!(20.0), 2, 38.0, 2), (3, "U3", Value::Null, 1, 10.0, 1)]
    );
    assert_eq!((top[3].0, top[3].4), (4, 0.0), "units without anyone tie at the bottom");
    // The exports hold the same standings, read back.
    let (status, csv) =
        download(&app, &case.admin, &format!("/api/admin/contests/{}/collective.csv", case.contest)).await;
    assert_eq!(status, 200);
    assert!(csv.starts_with(b"\xEF\xBB\xBF"));
    let rows = csv_rows(&csv);
    assert_eq!(rows[0], thiluat::http::admin::collective::COLUMNS);
    assert_eq!(rows[1], ["1", "U2", "Trường Ân Thi", "2", "4", "50", "1", "Giải Nhì: 1", "58"]);
    assert_eq!(rows[3], ["3", "U3", "Công an tỉnh", "1", "", "", "1", "Giải Nhất: 1", "10"]);
    let (status, xlsx) =
        download(&app, &case.admin, &format!("/api/admin/contests/{}/collective.xlsx", case.contest)).await;
    assert_eq!(status, 200);
    assert_eq!(thiluat::contest::bank::xlsx_rows(&xlsx).expect("xlsx"), rows);
    let audited: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE organisation_id = $1 AND action IN ('export.collective', 'contest.report_settings') ORDER BY id",
    )
    .bind(case.org)
    .fetch_all(&app.pg)
    .await
    .expect("audit");
    assert_eq!(audited, ["contest.report_settings", "export.collective", "export.collective"]);
}

pub async fn download(app: &TestApp, admin: &Admin, path: &str) -> (u16, Vec<u8>) {
    let mut res = app
        .http
        .get(app.url(path))
        .insert_header(("cookie", format!("thiluat_session={}", admin.cookie)))
        .send()
        .await
        .expect("sent");
    (res.status().as_u16(), res.body().limit(64 << 20).await.expect("body").to_vec())
}

pub fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(&bytes[3..]);
    reader.records().map(|r| r.expect("row").iter().map(String::from).collect()).collect()
}

fn groups(stats: &Value, dim: &str) -> Vec<(String, i64, i64)> {
    stats["by"][dim]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| {
            (
                g["key"].as_str().expect("key").to_string(),
                g["participants"].as_i64().expect("p"),
                g["attempts"].as_i64().expect("a"),
            )
        })
        .collect()
}

fn pairs(v: &[(&str, i64, i64)]) -> Vec<(String, i64, i64)> {
    v.iter().map(|(k, p, a)| (k.to_string(), *p, *a)).collect()
}

/// Round 1 (A has 2 attempts): ages on 30/11/2026: A 15, B 30 (that very day), C 30
/// (turns 31 the next day), D 46, E 66.
#[actix_web::test]
async fn participation_statistics_by_every_dimension_with_a_public_summary() {
    let app = spawn_app().await;
    let case = played(&app).await;
    let base = format!("/api/admin/contests/{}/stats", case.contest);
    let (status, s1) = app.call(Some(&case.admin), "GET", &format!("{base}?round_id={}", case.r1), Body::None).await;
    assert_eq!(status, 200, "{s1}");
    documented("get", "/api/admin/contests/{id}/stats", status, &s1);
    assert_eq!(
        (s1["participants"].as_i64(), s1["attempts"].as_i64(), s1["registered"].as_i64()),
        (Some(5), Some(6), Some(5))
    );
    assert_eq!(
        groups(&s1, "age_band"),
        pairs(&[("under_18", 1, 2), ("18_30", 2, 2), ("31_45", 0, 0), ("46_60", 1, 1), ("over_60", 1, 1)])
    );
    assert_eq!(groups(&s1, "sex"), pairs(&[("male", 3, 4), ("female", 2, 2)]));
    assert_eq!(groups(&s1, "area"), pairs(&[("urban", 2, 3), ("rural", 2, 2), ("special", 1, 1)]));
    assert_eq!(groups(&s1, "province"), pairs(&[("15", 3, 4), ("01", 1, 1), ("22", 1, 1)]));
    assert_eq!(
        groups(&s1, "occupation"),
        pairs(&[
            ("student", 1, 2),
            ("civil_servant", 2, 2),
            ("armed_forces", 0, 0),
            ("worker", 0, 0),
            ("farmer", 1, 1),
            ("business", 0, 0),
            ("other", 0, 0),
            ("unknown", 1, 1)
        ])
    );
    assert_eq!(groups(&s1, "unit"), pairs(&[("U1", 2, 3), ("U2", 2, 2), ("U3", 1, 1)]));
    assert_eq!(s1["by"]["province"][1]["label"], "Thành phố Hà Nội");
    // The distribution of scores counts each person's best attempt (A: 5, not 3).
    let scores = |s: &Value| -> Vec<(i64, i64)> {
        s["scores"]
            .as_array()
            .expect("scores")
            .iter()
            .map(|x| (x["correct"].as_i64().expect("correct"), x["participants"].as_i64().expect("participants")))
            .collect()
    };
    assert_eq!(scores(&s1), [(3, 1), (4, 2), (5, 2)]);
    // Round 2: B did not play; the total counts everyone once.
    let (_, s2) = app.call(Some(&case.admin), "GET", &format!("{base}?round_id={}", case.r2), Body::None).await;
    assert_eq!(s2["participants"], 4);
    let (_, total) = app.call(Some(&case.admin), "GET", &base, Body::None).await;
    assert_eq!((total["participants"].as_i64(), total["attempts"].as_i64()), (Some(5), Some(10)));
    assert_eq!(scores(&s2), [(1, 1), (4, 1), (5, 2)]);
    assert_eq!(scores(&total), [(1, 1), (3, 1), (4, 3), (5, 4)], "once per round taken part in");
    let (status, bad) = app.call(Some(&case.admin), "GET", &format!("{base}?round_id=999999"), Body::None).await;
    assert_eq!((status, bad["error"]["fields"][0]["field"].as_str()), (422, Some("round_id")));

    // Exports: the total, then each round; CSV and XLSX agree.
    let (status, csv) = download(&app, &case.admin, &format!("{base}.csv")).await;
    assert_eq!(status, 200);
    let rows = csv_rows(&csv);
    assert_eq!(rows[0], thiluat::http::admin::stats::COLUMNS);
    assert_eq!(rows[1], ["Toàn cuộc thi", "Tổng", "", "Tổng số", "5", "10"]);
    assert!(rows.contains(&vec![
        "Tuần 1".into(),
        "Khu vực".into(),
        "special".into(),
        "Đặc khu".into(),
        "1".into(),
        "1".into()
    ]));
    assert!(rows.contains(&vec![
        "Tuần 1".into(),
        "Độ tuổi".into(),
        "under_18".into(),
        "Dưới 18 tuổi".into(),
        "1".into(),
        "2".into()
    ]));
    let (_, xlsx) = download(&app, &case.admin, &format!("{base}.xlsx")).await;
    assert_eq!(thiluat::contest::bank::xlsx_rows(&xlsx).expect("xlsx"), rows);

    // Public: counts only, and with 5 people every group is too small: merged into one.
    let (status, public) = app.get_json(&format!("/api/contests/{SLUG}/stats")).await;
    assert_eq!(status, 200, "{public}");
    documented("get", "/api/contests/{slug}/stats", status, &public);
    assert_eq!(public["participants"], 5);
    assert_eq!(groups(&public, "sex"), pairs(&[("other_small_groups", 5, 10)]));
    assert_eq!(groups(&public, "province"), pairs(&[("other_small_groups", 5, 10)]));
    assert_eq!(public["rounds"][1]["participants"], Value::Null, "4 people in round 2: not shown");
    let text = public.to_string();
    for (i, phone) in case.phones.iter().enumerate() {
        assert!(!text.contains(phone.as_str()), "phone {i} leaked");
    }
    assert!(!text.contains("Nguyễn") && !text.contains("02647"), "{text}");
    assert_eq!(app.get_json("/api/contests/no-such/stats").await.0, 404);
    // Served from a one-minute cache: a disqualification shows there within the minute.
    let cached = app.state.redis.cached(&format!("public-stats:{}", case.contest)).await.expect("redis");
    assert_eq!(cached.map(|t| serde_json::from_str::<Value>(&t).expect("json")), Some(public));
}

#[actix_web::test]
async fn occupation_is_optional_from_a_fixed_list_unless_the_contest_requires_it() {
    let app = spawn_app().await;
    sqlx::query("UPDATE contests SET cccd_required = FALSE").execute(&app.pg).await.expect("no cccd");
    let (id, _) = register(&app, "Vũ Thị Hoa", "1990-01-01", "female", "02647", "02647", Some("worker")).await;
    let stored: Option<String> = sqlx::query_scalar("SELECT occupation FROM participants WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pg)
        .await
        .expect("row");
    assert_eq!(stored.as_deref(), Some("worker"));
    let mut body = valid_registration();
    body["occupation"] = json!("astronaut");
    let (status, res) = app.register(&body).await;
    assert_eq!((status, res["error"]["fields"][0]["field"].as_str()), (422, Some("occupation")), "{res}");
    let (_, page) = app.get_json(&format!("/api/contests/{SLUG}")).await;
    assert_eq!(page["occupation_required"], false);
    assert_eq!(page["occupations"][4], json!({"code": "farmer", "label": "Nông dân"}));
    sqlx::query("UPDATE contests SET occupation_required = TRUE").execute(&app.pg).await.expect("require");
    assert_eq!(app.get_json(&format!("/api/contests/{SLUG}")).await.1["occupation_required"], true);
    let (status, res) = app.register(&valid_registration()).await;
    assert_eq!(status, 422, "{res}");
    assert!(res["error"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .any(|f| f["field"] == "occupation" && f["code"] == "required"));
}

/// Two saved answers of A's first attempt: T-01 answered A (right), T-02 answered C (the
/// key is B).
#[actix_web::test]
async fn every_answer_export_names_options_by_letter_and_masks_without_the_permission() {
    let app = spawn_app().await;
    let case = played(&app).await;
    let a = case.people[0];
    let (attempt, qids): (uuid::Uuid, Vec<i64>) = sqlx::query_as(
        "SELECT id, question_ids FROM attempts WHERE round_id = $1 AND participant_id = $2 AND number = 1",
    )
    .bind(case.r1)
    .bind(a)
    .fetch_one(&app.pg)
    .await
    .expect("attempt");
    let by_code: Vec<(i64, String, Vec<i64>)> = sqlx::query_as(
        "SELECT id, code, ARRAY(SELECT (o->>'id')::bigint FROM jsonb_array_elements(options) o) FROM questions \
         WHERE id = ANY($1) ORDER BY array_position($1, id)",
    )
    .bind(&qids)
    .fetch_all(&app.pg)
    .await
    .expect("questions");
    // The first two questions drawn, answered: option A, then option C.
    for (seq, (qid, _, options)) in by_code.iter().take(2).enumerate() {
        sqlx::query(
            "INSERT INTO answers (attempt_id, question_id, options, seq, answered_at_ms) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(attempt)
        .bind(qid)
        .bind(vec![options[seq * 2]])
        .bind(seq as i64 + 1)
        .bind(T0 + seq as i64 * 1000)
        .execute(&app.pg)
        .await
        .expect("answer");
    }
    let keys: Vec<String> = {
        let mut out = Vec::new();
        for (qid, _, options) in by_code.iter().take(2) {
            let correct = correct_options(&app.pg, *qid).await;
            let letters: Vec<String> = options
                .iter()
                .enumerate()
                .filter(|(_, o)| correct.contains(o))
                .map(|(i, _)| char::from(b'A' + i as u8).to_string())
                .collect();
            out.push(letters.join(";"));
        }
        out
    };
    let url = format!("/api/admin/rounds/{}/answers", case.r1);
    let (status, csv) = download(&app, &case.admin, &format!("{url}.csv?personal=true")).await;
    assert_eq!(status, 200);
    let rows = csv_rows(&csv);
    assert_eq!(rows[0], thiluat::http::admin::answers::COLUMNS);
    assert_eq!(rows.len(), 3, "two answers");
    for (i, row) in rows[1..].iter().enumerate() {
        assert_eq!(row[0], attempt.to_string());
        assert_eq!(row[1], "1");
        assert_eq!(row[2], a.to_string());
        assert_eq!(row[3], "Nguyễn Văn An");
        assert_eq!(row[5], case.phones[0]);
        assert_eq!(row[7], "Sở Tư pháp");
        assert_eq!(row[8], by_code[i].1);
        assert_eq!(row[10], ["A", "C"][i]);
        assert_eq!(row[11], keys[i]);
        assert_eq!(row[12], if row[10] == keys[i] { "Đúng" } else { "Sai" });
    }
    let (status, xlsx) = download(&app, &case.admin, &format!("{url}.xlsx?personal=true")).await;
    assert_eq!(status, 200);
    assert_eq!(thiluat::contest::bank::xlsx_rows(&xlsx).expect("xlsx"), rows);
    let (_, masked) = download(&app, &case.admin, &format!("{url}.csv")).await;
    let masked = csv_rows(&masked);
    assert_eq!(masked[1][3], "Nguyễn Văn A.");
    assert_ne!(masked[1][5], case.phones[0]);
    // A viewer may export without personal data, not with it.
    let (_, m) = app
        .call(
            Some(&case.admin),
            "POST",
            &format!("/api/admin/orgs/{}/members", case.org),
            Body::Json(json!({"email": "xem@rep.example", "display_name": "Xem", "role": "viewer"})),
        )
        .await;
    let viewer = app.first_login("xem@rep.example", m["temporary_password"].as_str().expect("temp")).await;
    assert_eq!(download(&app, &viewer, &format!("{url}.csv")).await.0, 200);
    let (status, body) = download(&app, &viewer, &format!("{url}.xlsx?personal=true")).await;
    assert_eq!(status, 403);
    assert!(String::from_utf8_lossy(&body).contains("personal_data_forbidden"));
    let audited: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE organisation_id = $1 AND action LIKE 'export.answers%' ORDER BY id",
    )
    .bind(case.org)
    .fetch_all(&app.pg)
    .await
    .expect("audit");
    assert_eq!(audited, ["export.answers.personal", "export.answers.personal", "export.answers", "export.answers"]);
}
