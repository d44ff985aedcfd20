//! The satisfaction survey: once per submitted attempt, anonymous, reported as the
//! satisfaction rate against the plans' 90% target.

use serde_json::json;

use crate::admin::Body;
use crate::helpers::*;
use crate::privacy::{owned_contest, person, play};

#[actix_web::test]
async fn one_anonymous_answer_per_submitted_attempt_and_the_organiser_report() {
    let app = spawn_app().await;
    let mut oas = crate::openapi::Checker::new();
    let (admin, org, contest) = owned_contest(&app, "sv").await;
    let round = app.round();
    let a = person(&app, "Trần Thị Bích").await;
    let b = person(&app, "Lê Văn Cường").await;
    let c = person(&app, "Phạm Minh Đức").await;

    // An attempt still open cannot be rated yet.
    let mut ws = app.ws(&a.token).await;
    let snap = ws.start(round).await;
    let open = snap["attempt_id"].as_str().expect("attempt").to_string();
    let rate = |attempt: &str, score: i64, comment: Option<&str>| json!({"round_id": round, "attempt_id": attempt, "score": score, "comment": comment});
    let (status, body) = app.as_participant("POST", "/api/me/survey", &a.token, Some(rate(&open, 5, None))).await;
    oas.answer("post", "/api/me/survey", status, &body);
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("attempt_not_submitted")), "{body}");
    ws.request(json!({"type": "submit", "round_id": round, "attempt_id": open, "prediction": 1})).await;

    // Bad input is refused and stores nothing.
    let long = "ý".repeat(1001);
    for (bad, field) in
        [(rate(&open, 6, None), "score"), (rate(&open, 0, None), "score"), (rate(&open, 4, Some(&long)), "comment")]
    {
        let (status, body) = app.as_participant("POST", "/api/me/survey", &a.token, Some(bad)).await;
        oas.answer("post", "/api/me/survey", status, &body);
        assert_eq!((status, body["error"]["field"].as_str()), (422, Some(field)), "{body}");
    }
    // Someone else's attempt does not exist for B; no credential, no survey.
    let (status, _) = app.as_participant("POST", "/api/me/survey", &b.token, Some(rate(&open, 1, None))).await;
    assert_eq!(status, 404);
    let (status, _) = app.post_json("/api/me/survey", &rate(&open, 1, None), "vi").await;
    assert_eq!(status, 401);
    let stored: i64 =
        sqlx::query_scalar("SELECT count(*) FROM survey_responses").fetch_one(&app.pg).await.expect("count");
    assert_eq!(stored, 0);

    // The answer, NFC-normalised; the same attempt cannot be rated twice.
    let status_url = format!("/api/me/survey?round_id={round}&attempt_id={open}");
    let (status, body) = app.as_participant("GET", &status_url, &a.token, None).await;
    oas.answer("get", "/api/me/survey", status, &body);
    assert_eq!(body["answered"], false);
    let decomposed = "Câu hỏi rất hay, cảm ơn Ban tổ chức".to_string(); // NFD: combining marks
    let nfd: String = unicode_normalization::UnicodeNormalization::nfd(decomposed.as_str()).collect();
    let (status, body) = app.as_participant("POST", "/api/me/survey", &a.token, Some(rate(&open, 5, Some(&nfd)))).await;
    oas.answer("post", "/api/me/survey", status, &body);
    assert_eq!(status, 201, "{body}");
    let (status, body) = app.as_participant("POST", "/api/me/survey", &a.token, Some(rate(&open, 1, None))).await;
    oas.answer("post", "/api/me/survey", status, &body);
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("survey_already_answered")));
    assert_eq!(app.as_participant("GET", &status_url, &a.token, None).await.1["answered"], true);

    // Two more: 4 (no comment) and 2 (a comment).
    let b_attempt = play(&app, &b.token, 1).await;
    let (status, _) =
        app.as_participant("POST", "/api/me/survey", &b.token, Some(rate(&b_attempt, 4, Some("  ")))).await;
    assert_eq!(status, 201);
    let c_attempt = play(&app, &c.token, 2).await;
    let (status, _) = app
        .as_participant("POST", "/api/me/survey", &c.token, Some(rate(&c_attempt, 2, Some("Đường truyền chậm"))))
        .await;
    assert_eq!(status, 201);

    // Stored without identity: no participant or attempt id, no time of day.
    let columns: Vec<String> = sqlx::query_scalar(
        "SELECT column_name::text FROM information_schema.columns WHERE table_name = 'survey_responses' ORDER BY 1",
    )
    .fetch_all(&app.pg)
    .await
    .expect("columns");
    assert_eq!(columns, ["answered_on", "comment", "contest_id", "marker", "round_id", "score"]);
    let dump: String = sqlx::query_scalar("SELECT string_agg(s::text, '|') FROM survey_responses s")
        .fetch_one(&app.pg)
        .await
        .expect("dump");
    for id in [&open, &b_attempt, &c_attempt] {
        assert!(!dump.contains(id.as_str()) && !dump.contains(&id.replace('-', "")), "attempt id stored: {dump}");
    }

    // The organiser's report.
    let (status, report) = app
        .call(Some(&admin), "GET", &format!("/api/admin/contests/{contest}/survey?round_id={round}"), Body::None)
        .await;
    assert_eq!(status, 200, "{report}");
    oas.answer("get", "/api/admin/contests/{id}/survey", status, &report);
    assert_eq!(report["count"], 3);
    let dist: Vec<i64> =
        report["distribution"].as_array().expect("d").iter().map(|d| d["count"].as_i64().expect("n")).collect();
    assert_eq!(dist, [0, 1, 0, 1, 1]);
    assert_eq!(report["satisfied"], 2);
    assert!((report["satisfaction_rate"].as_f64().expect("rate") - 2.0 / 3.0).abs() < 1e-9);
    assert_eq!((report["target_rate"].as_f64(), report["meets_target"].as_bool()), (Some(0.9), Some(false)));
    let comments = report["comments"].as_array().expect("comments");
    assert_eq!(comments.len(), 2);
    assert_eq!(comments[0]["comment"], "Đường truyền chậm", "ordered by score, not arrival");
    assert_eq!(comments[1]["comment"], decomposed, "stored in NFC");
    for comment in comments {
        let keys: Vec<&String> = comment.as_object().expect("object").keys().collect();
        assert_eq!(keys, ["answered_on", "comment", "score"], "no identity in the listing");
    }
    let text = report.to_string();
    for p in [&a, &b, &c] {
        assert!(!text.contains(&p.name) && !text.contains(&format!("\"participant_id\":{}", p.id)));
    }
    let audited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE organisation_id = $1 AND action = 'survey.report'")
            .bind(org)
            .fetch_one(&app.pg)
            .await
            .expect("audit");
    assert_eq!(audited, 1);
    // Another contest's round is not this contest's.
    let (status, _) = app
        .call(Some(&admin), "GET", &format!("/api/admin/contests/{contest}/survey?round_id=999999"), Body::None)
        .await;
    assert_eq!(status, 404);
    assert!(oas.errors.is_empty(), "answers differ from src/http/openapi.json:\n{}", oas.errors.join("\n"));
}
