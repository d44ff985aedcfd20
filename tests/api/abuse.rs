//! Ballot-stuffing detection: each rule finds a planted pattern and leaves the honest pattern
//! that resembles it alone; registration keeps only HMACs; the review queue confirms or
//! dismisses with a reason (audited) and disqualifies nobody; the job runs on its own.

use std::time::Duration;

use chrono::{NaiveDate, TimeZone, Utc};
use serde_json::{json, Value};
use sqlx::PgPool;
use thiluat::abuse::rules;
use thiluat::abuse::scan::scan_contest;

use crate::admin::Body;
use crate::helpers::*;

async fn contest_id(pg: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT id FROM contests WHERE slug = $1").bind(SLUG).fetch_one(pg).await.expect("contest")
}

/// A participant row as registration writes it, at a chosen time and with chosen keys
/// (the rules read rows; planting them is how a pattern gets a known shape).
struct Plant<'a> {
    name: &'a str,
    dob: NaiveDate,
    at_ms: i64,
    address: Option<[u8; 32]>,
    device: Option<[u8; 32]>,
}

async fn plant(pg: &PgPool, contest: i64, p: Plant<'_>) -> i64 {
    let at = Utc.timestamp_millis_opt(p.at_ms).single().expect("time");
    sqlx::query_scalar(
        "INSERT INTO participants (contest_id, full_name, dob, sex, phone_enc, phone_hmac, phone_masked, commune_code, \
         units_version, unit_code, consent_at, consent_version, created_at, address_hmac, device_hmac) \
         VALUES ($1, $2, $3, 'female', $4, $5, '09******00', '02647', 'test', '02647', $6, 'v1', $6, $7, $8) RETURNING id",
    )
    .bind(contest)
    .bind(p.name)
    .bind(p.dob)
    .bind(rand::random::<[u8; 16]>().to_vec())
    .bind(rand::random::<[u8; 32]>().to_vec())
    .bind(at)
    .bind(p.address.map(|a| a.to_vec()))
    .bind(p.device.map(|d| d.to_vec()))
    .fetch_one(pg)
    .await
    .expect("plant participant")
}

/// (rule, sorted participant ids) of every case of the contest.
async fn cases(pg: &PgPool, contest: i64) -> Vec<(String, Vec<i64>)> {
    let mut rows: Vec<(String, Vec<i64>)> =
        sqlx::query_as("SELECT rule, participant_ids FROM abuse_cases WHERE contest_id = $1 ORDER BY id")
            .bind(contest)
            .fetch_all(pg)
            .await
            .expect("cases");
    for r in &mut rows {
        r.1.sort_unstable();
    }
    rows
}

const FAMILY: [&str; 8] = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi"];
const MIDDLE: [&str; 6] = ["Văn", "Thị", "Minh", "Ngọc", "Đức", "Thu"];
const GIVEN: [&str; 10] = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Khánh", "Linh", "Nam", "Yến"];

fn school_name(i: usize) -> String {
    format!("{} {} {}", FAMILY[i % 8], MIDDLE[(i / 8) % 6], GIVEN[(i / 48) % 10])
}

fn school_dob(i: usize) -> NaiveDate {
    NaiveDate::from_ymd_opt(2008, 1, 1).expect("date") + chrono::Duration::days(i as i64)
}

#[actix_web::test]
async fn registration_bursts_from_one_device_or_address_are_found_and_a_school_is_not() {
    let app = spawn_app().await;
    let contest = contest_id(&app.pg).await;
    let t0 = Utc::now().timestamp_millis() - 3 * 3600 * 1000;
    // Honest: a school of 300 behind one address over an hour, distinct people, a class at a
    // time (a few seconds apart within a class, a pause between classes); couples sharing a phone.
    let school = [1u8; 32];
    let mut at = t0;
    for i in 0..300 {
        at += if i % 40 == 0 { 2 * 60_000 } else { 4_000 + (i as i64 * 7919) % 5_000 };
        let device = [(i % 150) as u8 + 10; 32]; // two per device at most
        let p =
            Plant { name: &school_name(i), dob: school_dob(i), at_ms: at, address: Some(school), device: Some(device) };
        plant(&app.pg, contest, p).await;
    }
    assert!(at - t0 <= 3600 * 1000, "within the hour");
    // Planted: a script registering 40 from one address in 20 s, and 3 entries from one device.
    let bot = [2u8; 32];
    let mut bots = Vec::new();
    for i in 0..40 {
        let name = format!("Trương Văn {}", GIVEN[i % 10]);
        let p = Plant {
            name: &name,
            dob: school_dob(1000 + i),
            at_ms: t0 + 500 * i as i64,
            address: Some(bot),
            device: None,
        };
        bots.push(plant(&app.pg, contest, p).await);
    }
    let phone_farm = [3u8; 32];
    let mut shared = Vec::new();
    for (i, given) in GIVEN.iter().enumerate().take(3) {
        let p = Plant {
            name: &format!("Đỗ Thị {given}"),
            dob: school_dob(2000 + i),
            at_ms: t0 + 600_000 * i as i64,
            address: Some([4 + i as u8; 32]),
            device: Some(phone_farm),
        };
        shared.push(plant(&app.pg, contest, p).await);
    }
    let report = scan_contest(&app.pg, contest).await.expect("scan");
    assert_eq!(report.found["registration_burst"], 2, "{report:?}");
    assert_eq!(
        cases(&app.pg, contest).await,
        vec![("registration_burst".to_string(), shared.clone()), ("registration_burst".to_string(), bots.clone()),]
    );
    let evidence: Vec<Value> = sqlx::query_scalar("SELECT evidence FROM abuse_cases WHERE contest_id = $1 ORDER BY id")
        .bind(contest)
        .fetch_all(&app.pg)
        .await
        .expect("evidence");
    assert_eq!(evidence[0]["key"], "device");
    assert_eq!(evidence[1]["key"], "address");
    assert_eq!(evidence[1]["count"], 40);
    // A re-scan updates nothing and files nothing twice.
    let again = scan_contest(&app.pg, contest).await.expect("scan");
    assert_eq!(again.new_cases, 0);
    assert_eq!(cases(&app.pg, contest).await.len(), 2);
}

#[actix_web::test]
async fn the_same_name_and_birth_date_under_two_phones_is_found_and_namesakes_are_not() {
    let app = spawn_app().await;
    let contest = contest_id(&app.pg).await;
    let now = Utc::now().timestamp_millis();
    let dob = NaiveDate::from_ymd_opt(2001, 2, 3).expect("date");
    let p = |name, dob, i: i64| Plant { name, dob, at_ms: now - i * 3_600_000, address: None, device: None };
    // Planted: one person, two phones, the name typed with the other tone placement and spacing.
    let a = plant(&app.pg, contest, p("Nguyễn Thị Hoà", dob, 30)).await;
    let b = plant(&app.pg, contest, p("nguyễn  thị hòa", dob, 2)).await;
    // Honest: the commonest name of the country, three people with different birth dates,
    // and a different name (Lân, not Lan) on the same date.
    for (i, d) in [(3, "1990-05-20"), (4, "1985-11-02"), (5, "2003-07-14")] {
        plant(&app.pg, contest, p("Nguyễn Văn An", d.parse().expect("date"), i)).await;
    }
    plant(&app.pg, contest, p("Lê Thị Lan", dob, 6)).await;
    plant(&app.pg, contest, p("Lê Thị Lân", dob, 7)).await;
    scan_contest(&app.pg, contest).await.expect("scan");
    let mut both = vec![a, b];
    both.sort_unstable();
    assert_eq!(cases(&app.pg, contest).await, vec![("same_person".to_string(), both)]);
}

/// One attempt with answers at the given offsets from its start.
async fn plant_attempt(app: &TestApp, participant: i64, answers: &[(i64, i64, i64)]) -> uuid::Uuid {
    let id = uuid::Uuid::new_v4();
    let start = Utc::now().timestamp_millis() - 3_600_000 + rand::random::<u16>() as i64 * 10;
    let questions: Vec<i64> = answers.iter().map(|a| a.0).collect();
    let last = answers.iter().map(|a| a.2).max().unwrap_or_default();
    sqlx::query(
        "INSERT INTO attempts (id, round_id, participant_id, number, started_at_ms, deadline_ms, question_ids, \
         submitted_at_ms, duration_ms, correct) \
         VALUES ($1, $2, $3, (SELECT count(*) + 1 FROM attempts WHERE round_id = $2 AND participant_id = $3), $4, $5, $6, $7, $8, 0)",
    )
    .bind(id)
    .bind(app.round())
    .bind(participant)
    .bind(start)
    .bind(start + 600_000)
    .bind(&questions)
    .bind(start + last + 1_000)
    .bind(last + 1_000)
    .execute(&app.pg)
    .await
    .expect("attempt");
    for (seq, (question, option, offset)) in answers.iter().enumerate() {
        sqlx::query(
            "INSERT INTO answers (attempt_id, question_id, options, seq, answered_at_ms) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(question)
        .bind(vec![*option])
        .bind(seq as i64 + 1)
        .bind(start + offset)
        .execute(&app.pg)
        .await
        .expect("answer");
    }
    id
}

/// The round's questions with their option ids, in bank order.
async fn round_questions(app: &TestApp) -> Vec<(i64, Vec<i64>)> {
    let rows: Vec<(i64, Value)> = sqlx::query_as(
        "SELECT q.id, q.options FROM questions q JOIN rounds r ON q.id = ANY(r.question_ids) WHERE r.id = $1 ORDER BY q.id",
    )
    .bind(app.round())
    .fetch_all(&app.pg)
    .await
    .expect("questions");
    rows.into_iter()
        .map(|(id, o)| (id, o.as_array().expect("options").iter().map(|x| x["id"].as_i64().expect("id")).collect()))
        .collect()
}

async fn people(app: &TestApp, n: usize) -> Vec<i64> {
    let contest = contest_id(&app.pg).await;
    let mut out = Vec::new();
    for i in 0..n {
        let p = Plant {
            name: &school_name(i),
            dob: school_dob(i),
            at_ms: Utc::now().timestamp_millis(),
            address: None,
            device: None,
        };
        out.push(plant(&app.pg, contest, p).await);
    }
    out
}

#[actix_web::test]
async fn identical_answer_sequences_with_identical_timings_are_found_and_honest_twins_are_not() {
    let app = spawn_app().await;
    let contest = contest_id(&app.pg).await;
    let qs = round_questions(&app).await;
    assert!(qs.len() >= 10);
    let p = people(&app, 6).await;
    let script: Vec<(i64, i64, i64)> =
        qs[..10].iter().enumerate().map(|(i, (q, o))| (*q, o[0], 4_000 * (i as i64 + 1))).collect();
    // Planted: two accounts played by one script: same answers, same order, timings within 300 ms.
    let a = plant_attempt(&app, p[0], &script).await;
    let jittered: Vec<_> =
        script.iter().enumerate().map(|(i, (q, o, t))| (*q, *o, t + [120, -250, 300, 0][i % 4])).collect();
    let b = plant_attempt(&app, p[1], &jittered).await;
    // Honest: two people who both know every answer, in the same order, at human pace
    // (seconds apart); and the script's timings with other answers.
    let human: Vec<_> = script.iter().enumerate().map(|(i, (q, o, t))| (*q, *o, t + 2_500 * (i as i64 % 3))).collect();
    plant_attempt(&app, p[2], &human).await;
    let slower: Vec<_> = script.iter().map(|(q, o, t)| (*q, *o, t * 3 / 2)).collect();
    plant_attempt(&app, p[3], &slower).await;
    let other: Vec<_> = qs[..10].iter().zip(&script).map(|((q, o), (_, _, t))| (*q, o[1], *t)).collect();
    plant_attempt(&app, p[4], &other).await;
    // One participant's own two attempts alike are not a second account.
    plant_attempt(&app, p[0], &script).await;
    let report = scan_contest(&app.pg, contest).await.expect("scan");
    assert_eq!(report.found["identical_answers"], 1, "{report:?}");
    assert_eq!(cases(&app.pg, contest).await, vec![("identical_answers".to_string(), vec![p[0], p[1]])]);
    let evidence: Value = sqlx::query_scalar("SELECT evidence FROM abuse_cases WHERE contest_id = $1")
        .bind(contest)
        .fetch_one(&app.pg)
        .await
        .expect("evidence");
    let attempts = evidence["attempt_ids"].as_array().expect("attempt ids");
    assert!(attempts.contains(&json!(a)) && attempts.contains(&json!(b)), "{evidence}");
}

#[actix_web::test]
async fn attempts_faster_than_reading_are_found_and_a_quick_reader_is_not() {
    let app = spawn_app().await;
    let contest = contest_id(&app.pg).await;
    let qs = round_questions(&app).await;
    let p = people(&app, 3).await;
    // The fixture's questions are short: the 1 s floor per question applies (10 s for 10).
    let (text, options): (String, Value) = sqlx::query_as("SELECT text, options FROM questions WHERE id = $1")
        .bind(qs[0].0)
        .fetch_one(&app.pg)
        .await
        .expect("question");
    let option_chars: usize =
        options.as_array().expect("options").iter().map(|o| o["text"].as_str().expect("text").chars().count()).sum();
    assert_eq!(rules::reading_ms(text.chars().count() + option_chars), rules::MIN_READING_MS_PER_QUESTION);
    let at = |gap_ms: i64| -> Vec<(i64, i64, i64)> {
        qs[..10].iter().enumerate().map(|(i, (q, o))| (*q, o[0], gap_ms * (i as i64 + 1))).collect()
    };
    let bot = plant_attempt(&app, p[0], &at(300)).await; // 10 answers in 3 s
    plant_attempt(&app, p[1], &at(2_500)).await; // a quick reader who knows the law: 25 s
    plant_attempt(&app, p[2], &at(300)[..2]).await; // two answers, then gave up: not judged
    scan_contest(&app.pg, contest).await.expect("scan");
    assert_eq!(cases(&app.pg, contest).await, vec![("too_fast".to_string(), vec![p[0]])]);
    let evidence: Value = sqlx::query_scalar("SELECT evidence FROM abuse_cases WHERE contest_id = $1")
        .bind(contest)
        .fetch_one(&app.pg)
        .await
        .expect("evidence");
    assert_eq!(evidence["attempt_id"], json!(bot));
    assert_eq!(evidence["used_ms"], 3_000);
    assert_eq!(evidence["reading_ms"], 10_000);
}

#[actix_web::test]
async fn registration_keeps_only_hmacs_and_the_review_queue_decides_with_a_reason() {
    let app = spawn_app().await;
    let contest = contest_id(&app.pg).await;
    // Three entries from one browser (one device id), through the real API.
    let mut ids = Vec::new();
    for _ in 0..3 {
        let mut body = valid_registration();
        body["device_id"] = json!("7d1c0d4e-device-under-test");
        let (status, reply) = app.register(&body).await;
        assert_eq!(status, 201, "{reply}");
        ids.push(reply["participant_id"].as_i64().expect("id"));
    }
    let mut long = valid_registration();
    long["device_id"] = json!("x".repeat(129));
    let (status, reply) = app.register(&long).await;
    assert_eq!((status, reply["error"]["fields"][0]["field"].as_str()), (422, Some("device_id")));
    type Keys = (Option<Vec<u8>>, Option<Vec<u8>>);
    let stored: Vec<Keys> = sqlx::query_as("SELECT address_hmac, device_hmac FROM participants WHERE id = ANY($1)")
        .bind(&ids)
        .fetch_all(&app.pg)
        .await
        .expect("rows");
    let keys = thiluat::crypto::Keys::from_master(&hex_secret(&app.shared.secret));
    for (address, device) in &stored {
        assert_eq!(address.as_deref(), Some(keys.lookup_hmac("address", "127.0.0.1").as_slice()));
        assert_eq!(device.as_deref(), Some(keys.lookup_hmac("device", "7d1c0d4e-device-under-test").as_slice()));
    }
    let dump: String = sqlx::query_scalar("SELECT string_agg(p::text, ' ') FROM participants p")
        .fetch_one(&app.pg)
        .await
        .expect("dump");
    assert!(!dump.contains("127.0.0.1") && !dump.contains("device-under-test"), "raw values are not stored");

    // The organiser's queue.
    let (org, email) = app.org_with_admin("cases").await;
    sqlx::query("UPDATE contests SET organisation_id = $1 WHERE id = $2")
        .bind(org)
        .bind(contest)
        .execute(&app.pg)
        .await
        .expect("own the fixture");
    let admin = app.login(&email, "mật khẩu rất dài 1").await.expect("login");
    let (s, scan) =
        app.call(Some(&admin), "POST", &format!("/api/admin/contests/{contest}/cases/scan"), Body::None).await;
    assert_eq!(s, 200, "{scan}");
    // The three share a device; the helper's registrations also share name and birth date.
    assert_eq!(
        (scan["found"]["registration_burst"].as_u64(), scan["found"]["same_person"].as_u64()),
        (Some(1), Some(1))
    );
    let (s, list) =
        app.call(Some(&admin), "GET", &format!("/api/admin/contests/{contest}/cases?status=open"), Body::None).await;
    assert_eq!(s, 200, "{list}");
    let items = list["items"].as_array().expect("items");
    assert_eq!(items.len(), 2, "{list}");
    let burst = items.iter().find(|c| c["rule"] == "registration_burst").expect("burst case");
    let shown: Vec<i64> =
        burst["participants"].as_array().expect("participants").iter().map(|p| p["id"].as_i64().expect("id")).collect();
    assert_eq!(shown, ids);
    assert!(burst["participants"][0]["phone_masked"].as_str().is_some_and(|p| p.contains('•')), "{burst}");
    let (burst_id, other_id) = (
        burst["id"].as_i64().expect("id"),
        items.iter().find(|c| c["rule"] == "same_person").expect("same")["id"].as_i64().expect("id"),
    );

    let (s, r) = app
        .call(
            Some(&admin),
            "POST",
            &format!("/api/admin/cases/{burst_id}/confirm"),
            Body::Json(json!({"reason": "  "})),
        )
        .await;
    assert_eq!((s, r["error"]["code"].as_str()), (422, Some("invalid_fields")));
    let (s, r) = app
        .call(
            Some(&admin),
            "POST",
            &format!("/api/admin/cases/{burst_id}/confirm"),
            Body::Json(json!({"reason": "Một máy đăng ký ba người"})),
        )
        .await;
    assert_eq!((s, r["status"].as_str()), (200, Some("confirmed")), "{r}");
    let (s, r) = app
        .call(
            Some(&admin),
            "POST",
            &format!("/api/admin/cases/{burst_id}/dismiss"),
            Body::Json(json!({"reason": "đổi ý"})),
        )
        .await;
    assert_eq!((s, r["error"]["code"].as_str()), (409, Some("case_decided")));
    let (s, _) = app
        .call(
            Some(&admin),
            "POST",
            &format!("/api/admin/cases/{other_id}/dismiss"),
            Body::Json(json!({"reason": "Trùng tên do dữ liệu thử"})),
        )
        .await;
    assert_eq!(s, 200);
    // Confirming disqualified nobody; both decisions are in the audit log with their reasons.
    let disqualified: i64 = sqlx::query_scalar("SELECT count(*) FROM participants WHERE disqualified_at IS NOT NULL")
        .fetch_one(&app.pg)
        .await
        .expect("count");
    assert_eq!(disqualified, 0);
    let audit: Vec<(String, String, Value)> =
        sqlx::query_as("SELECT action, object_id, details FROM audit_log WHERE action LIKE 'case%' ORDER BY id")
            .fetch_all(&app.pg)
            .await
            .expect("audit");
    assert_eq!(audit.iter().map(|a| a.0.as_str()).collect::<Vec<_>>(), ["cases.scan", "case.confirm", "case.dismiss"]);
    assert_eq!(audit[1].1, burst_id.to_string());
    assert_eq!(audit[1].2["reason"], "Một máy đăng ký ba người");
    let (_, open) =
        app.call(Some(&admin), "GET", &format!("/api/admin/contests/{contest}/cases?status=open"), Body::None).await;
    assert_eq!(open["items"], json!([]));
    let (s, _) =
        app.call(Some(&admin), "GET", &format!("/api/admin/contests/{contest}/cases?status=maybe"), Body::None).await;
    assert_eq!(s, 400);
    // A later scan keeps the decisions.
    app.call(Some(&admin), "POST", &format!("/api/admin/contests/{contest}/cases/scan"), Body::None).await;
    let (_, all) = app.call(Some(&admin), "GET", &format!("/api/admin/contests/{contest}/cases"), Body::None).await;
    let statuses: Vec<&str> =
        all["items"].as_array().expect("items").iter().filter_map(|c| c["status"].as_str()).collect();
    assert_eq!(statuses.len(), 2);
    assert!(statuses.contains(&"confirmed") && statuses.contains(&"dismissed"), "{all}");
}

fn hex_secret(secret: &str) -> [u8; 32] {
    let bytes = hex::decode(secret).expect("hex");
    bytes.try_into().expect("32 bytes")
}

#[actix_web::test]
async fn the_detector_job_files_cases_on_its_own_and_two_scans_at_once_file_each_case_once() {
    let app =
        spawn_app_with(Options { jobs: true, configure: Some(|c| c.jobs.detect_interval_s = 1), ..Options::default() })
            .await;
    let contest = contest_id(&app.pg).await;
    let dob = NaiveDate::from_ymd_opt(1999, 9, 9).expect("date");
    let now = Utc::now().timestamp_millis();
    for i in 0..2 {
        plant(&app.pg, contest, Plant { name: "Phan Thanh Tùng", dob, at_ms: now - i, address: None, device: None })
            .await;
    }
    let mut found = Vec::new();
    for _ in 0..100 {
        found = cases(&app.pg, contest).await;
        if !found.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(found.len(), 1, "the job filed the case");
    // Two nodes scanning at once: one may be told the other holds the lock; no case twice.
    for i in 0..2 {
        plant(&app.pg, contest, Plant { name: "Mai Anh Thư", dob, at_ms: now - i, address: None, device: None }).await;
    }
    let (x, y) = futures_util::join!(scan_contest(&app.pg, contest), scan_contest(&app.pg, contest));
    assert!(x.is_ok() || y.is_ok());
    for r in [x, y] {
        assert!(matches!(r, Ok(_) | Err(thiluat::abuse::scan::ScanError::Busy(_))), "{r:?}");
    }
    assert_eq!(cases(&app.pg, contest).await.len(), 2);
}
