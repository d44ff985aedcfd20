//! Question statistics on planted attempts: indices equal to values worked out by hand,
//! and a leaked question flagged while a steady one is not.

use serde_json::Value;

use crate::admin::Body;
use crate::helpers::*;
use crate::reports::{download, owned_contest};

/// Participants straight in Postgres (what registration would have written).
async fn plant_people(app: &TestApp, n: i64) -> Vec<i64> {
    sqlx::query_scalar(
        "INSERT INTO participants (contest_id, full_name, dob, sex, phone_enc, phone_hmac, phone_masked, commune_code, \
           units_version, unit_code, consent_at, consent_version) \
         SELECT c.id, 'Người Thứ ' || i, '1990-01-01', 'male', '\\x00', decode(md5(random()::text || i), 'hex'), \
           '09x•••••000', '02647', '2025-07-01', '02647', now(), 'v1' \
         FROM generate_series(1, $1) i, contests c RETURNING id",
    )
    .bind(n)
    .fetch_all(&app.pg)
    .await
    .expect("participants")
}

/// (question id, option ids in authored order, the correct option) of the round's bank.
async fn bank(app: &TestApp, round: i64) -> Vec<(i64, Vec<i64>, i64)> {
    sqlx::query_as(
        "SELECT q.id, ARRAY(SELECT (o->>'id')::bigint FROM jsonb_array_elements(q.options) o), q.correct[1] \
         FROM rounds r JOIN questions q ON q.id = ANY(r.question_ids) WHERE r.id = $1 ORDER BY q.code",
    )
    .bind(round)
    .fetch_all(&app.pg)
    .await
    .expect("bank")
}

/// An attempt drawing `questions`, with `answers` (question, chosen option) saved.
#[expect(clippy::too_many_arguments)]
async fn plant(
    app: &TestApp,
    round: i64,
    person: i64,
    number: i32,
    started_ms: i64,
    questions: &[i64],
    answers: &[(i64, i64)],
    correct: i32,
) {
    let id = uuid::Uuid::new_v4();
    sqlx::query(
        "INSERT INTO attempts (id, round_id, participant_id, number, started_at_ms, deadline_ms, question_ids, \
         submitted_at_ms, duration_ms, correct) VALUES ($1, $2, $3, $4, $5, $5 + 900000, $6, $5 + 60000, 60000, $7)",
    )
    .bind(id)
    .bind(round)
    .bind(person)
    .bind(number)
    .bind(started_ms)
    .bind(questions)
    .bind(correct)
    .execute(&app.pg)
    .await
    .expect("attempt");
    for (seq, (q, option)) in answers.iter().enumerate() {
        sqlx::query(
            "INSERT INTO answers (attempt_id, question_id, options, seq, answered_at_ms) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(q)
        .bind(vec![*option])
        .bind(seq as i64 + 1)
        .bind(started_ms + 1000)
        .execute(&app.pg)
        .await
        .expect("answer");
    }
}

fn item(stats: &Value, question: i64) -> &Value {
    stats["items"].as_array().expect("items").iter().find(|i| i["question_id"] == question).expect("question listed")
}

/// Four attempts over Q1, Q2, Q3 (1 = right):
///   Q1 1 1 0 0, Q2 1 0 1 0, Q3 1 1 – 0 (the third left Q3 unanswered); totals 3 2 1 0.
/// Facility 50 % each. Q1 against the rest (2 1 1 0): r = 1/√2 → 70.71; Q2 against
/// (2 2 0 0): r = 0; Q3 as Q1. Q2's options: the key B twice, A twice.
#[actix_web::test]
async fn facility_discrimination_and_options_equal_the_hand_computed_values() {
    let app = spawn_app().await;
    let (admin, _, _) = owned_contest(&app, "qs").await;
    let round = app.round();
    let b = bank(&app, round).await;
    let (q1, q2, q3) = (&b[0], &b[1], &b[2]);
    let wrong = |q: &(i64, Vec<i64>, i64)| *q.1.iter().find(|o| **o != q.2).expect("a wrong option");
    let people = plant_people(&app, 4).await;
    let qs = [q1.0, q2.0, q3.0];
    let t0 = 1_795_500_000_000;
    let plan = [
        (vec![(q1.0, q1.2), (q2.0, q2.2), (q3.0, q3.2)], 3),
        (vec![(q1.0, q1.2), (q2.0, wrong(q2)), (q3.0, q3.2)], 2),
        (vec![(q1.0, wrong(q1)), (q2.0, q2.2)], 1),
        (vec![(q1.0, wrong(q1)), (q2.0, wrong(q2)), (q3.0, wrong(q3))], 0),
    ];
    for (person, (answers, correct)) in people.iter().zip(plan) {
        plant(&app, round, *person, 1, t0, &qs, &answers, correct).await;
    }
    let (status, stats) =
        app.call(Some(&admin), "GET", &format!("/api/admin/rounds/{round}/question-stats"), Body::None).await;
    assert_eq!(status, 200, "{stats}");
    assert_eq!(stats["items"].as_array().map(Vec::len), Some(3));
    crate::reports::documented("get", "/api/admin/rounds/{id}/question-stats", status, &stats);
    for (q, discrimination, unanswered) in [(q1, Some(70.71), 0), (q2, Some(0.0), 0), (q3, Some(70.71), 1)] {
        let i = item(&stats, q.0);
        assert_eq!((i["attempts"].as_i64(), i["correct"].as_i64()), (Some(4), Some(2)), "{i}");
        assert_eq!(i["facility"].as_f64(), Some(50.0));
        assert_eq!(i["discrimination"].as_f64(), discrimination, "{i}");
        assert_eq!(i["unanswered"].as_i64(), Some(unanswered));
        assert_eq!(i["flagged"], false);
    }
    let options = item(&stats, q2.0)["options"].as_array().expect("options").clone();
    let key_label = (b'A' + q2.1.iter().position(|o| *o == q2.2).expect("key") as u8) as char;
    let wrong_label = (b'A' + q2.1.iter().position(|o| *o == wrong(q2)).expect("wrong") as u8) as char;
    for o in &options {
        let label = o["label"].as_str().expect("label").chars().next().expect("letter");
        let expected = if label == key_label || label == wrong_label { 2 } else { 0 };
        assert_eq!(o["chosen"].as_i64(), Some(expected), "{o}");
        assert_eq!(o["correct"], label == key_label);
    }
}

/// Two days at 40 % for both questions, then a day where Q2 jumps to 90 % (its key was
/// posted) while Q1 stays at 40 %: Q2 is flagged on that day, Q1 is not.
#[actix_web::test]
async fn a_question_whose_accuracy_jumps_is_flagged_and_a_steady_one_is_not() {
    let app = spawn_app().await;
    let (admin, org, _) = owned_contest(&app, "leak").await;
    let round = app.round();
    let b = bank(&app, round).await;
    let (q1, q2) = (&b[0], &b[1]);
    let wrong = |q: &(i64, Vec<i64>, i64)| *q.1.iter().find(|o| **o != q.2).expect("a wrong option");
    let people = plant_people(&app, 40).await;
    let noon_24_nov = 1_795_496_400_000; // 24/11/2026 12:00 in Vietnam
    for day in 0..3i64 {
        for (i, person) in people.iter().enumerate() {
            let right1 = i < 16;
            let right2 = if day < 2 { i < 16 } else { i < 36 };
            let answers =
                [(q1.0, if right1 { q1.2 } else { wrong(q1) }), (q2.0, if right2 { q2.2 } else { wrong(q2) })];
            let correct = right1 as i32 + right2 as i32;
            plant(
                &app,
                round,
                *person,
                day as i32 + 1,
                noon_24_nov + day * 86_400_000,
                &[q1.0, q2.0],
                &answers,
                correct,
            )
            .await;
        }
    }
    let (status, stats) =
        app.call(Some(&admin), "GET", &format!("/api/admin/rounds/{round}/question-stats"), Body::None).await;
    assert_eq!(status, 200, "{stats}");
    let steady = item(&stats, q1.0);
    assert_eq!(steady["flagged"], false, "{steady}");
    assert_eq!(steady["facility"].as_f64(), Some(40.0));
    let leaked = item(&stats, q2.0);
    assert_eq!(leaked["flagged"], true, "{leaked}");
    assert_eq!(leaked["leaks"].as_array().map(Vec::len), Some(1));
    assert_eq!(leaked["leaks"][0]["date"], "2026-11-26");
    assert_eq!(leaked["leaks"][0]["facility"].as_f64(), Some(90.0));
    assert_eq!(leaked["leaks"][0]["baseline"].as_f64(), Some(40.0));
    let days: Vec<(String, i64)> = leaked["days"]
        .as_array()
        .expect("days")
        .iter()
        .map(|d| (d["date"].as_str().expect("date").to_string(), d["attempts"].as_i64().expect("n")))
        .collect();
    assert_eq!(days, [("2026-11-24".into(), 40), ("2026-11-25".into(), 40), ("2026-11-26".into(), 40)]);

    // The XLSX: one row per question, then the days.
    let (status, xlsx) = download(&app, &admin, &format!("/api/admin/rounds/{round}/question-stats.xlsx")).await;
    assert_eq!(status, 200);
    let sheet = thiluat::contest::bank::xlsx_rows(&xlsx).expect("xlsx");
    assert_eq!(sheet[0], thiluat::http::admin::questions_stats::QUESTION_COLUMNS);
    let flagged: Vec<(&str, &str)> = sheet[1..].iter().map(|r| (r[9].as_str(), r[10].as_str())).collect();
    assert_eq!(flagged, [("", ""), ("Có", "26/11/2026")]);
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(xlsx)).expect("xlsx");
    let days = book.worksheet_range("Theo ngày").expect("the days sheet");
    assert_eq!(days.height(), 1 + 6, "header + 2 questions × 3 days");
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE organisation_id = $1 AND action = 'export.question_stats'",
    )
    .bind(org)
    .fetch_one(&app.pg)
    .await
    .expect("audit");
    assert_eq!(audited, 1);
}
