//! Prizes and winners through the API, on a case worked out by hand.

use serde_json::{json, Value};

use crate::admin::Body;
use crate::helpers::*;

async fn play(app: &TestApp, token: &str, round: i64, correct: usize) {
    let mut ws = app.ws(token).await;
    let snap = ws.start(round).await;
    for (seq, (qid, _)) in questions(&snap).iter().enumerate().take(correct) {
        let right = correct_options(&app.pg, *qid).await;
        ws.request(json!({"type": "answer", "round_id": round, "attempt_id": snap["attempt_id"], "question_id": qid, "options": right, "seq": seq + 1})).await;
    }
    let result = ws
        .request(json!({"type": "submit", "round_id": round, "attempt_id": snap["attempt_id"], "prediction": 1}))
        .await;
    assert_eq!(result["correct"], correct as i64, "{result}");
}

fn awards(list: &Value) -> Vec<(i64, i64, String, String)> {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|w| {
            (
                w["round_id"].as_i64().expect("round"),
                w["participant_id"].as_i64().expect("participant"),
                w["prize"].as_str().expect("prize").to_string(),
                w["verification"].as_str().expect("verification").to_string(),
            )
        })
        .collect()
}

/// The public results page `/c/{slug}/ket-qua`: (status, HTML).
async fn results_page(app: &TestApp, slug: &str) -> (u16, String) {
    let mut res = app.http.get(app.url(&format!("/c/{slug}/ket-qua"))).send().await.expect("sent");
    (res.status().as_u16(), String::from_utf8(res.body().await.expect("body").to_vec()).expect("utf-8"))
}

/// Week 1: B > A > C; week 2: A > B > C; one Nhất and one Nhì a week, one prize per person.
/// A keeps week 2's Nhất (their week-1 Nhì goes to C); B keeps week 1's Nhất; C's week-2
/// Nhì would be a second prize, so it stays empty until C's week-1 prize is rejected.
#[actix_web::test]
async fn one_prize_per_person_verification_and_a_masked_public_list() {
    let app = spawn_app_with(Options { first_round: Some("grace_ms = 0"), ..Options::default() }).await;
    let (org, email) = app.org_with_admin("win").await;
    sqlx::query("UPDATE contests SET organisation_id = $1").bind(org).execute(&app.pg).await.expect("own");
    sqlx::query("UPDATE rounds SET grace_ms = 0").execute(&app.pg).await.expect("no grace");
    let admin = app.login(&email, "mật khẩu rất dài 1").await.expect("login");
    let (w1, w2) = (app.round_ids[0], app.round_ids[1]);
    let contest: i64 = sqlx::query_scalar("SELECT id FROM contests").fetch_one(&app.pg).await.expect("contest");
    let tiers = json!({"prizes": [{"name": "Giải Nhất", "count": 1}, {"name": "Giải Nhì", "count": 1}]});
    for r in [w1, w2] {
        let (status, res) =
            app.call(Some(&admin), "PATCH", &format!("/api/admin/rounds/{r}"), Body::Json(tiers.clone())).await;
        assert_eq!(status, 200, "{res}");
    }
    let mut people = Vec::new();
    for name in ["Phạm Thị Lan", "Trần Văn Bình", "Lê Hữu Cường"] {
        let mut body = valid_registration();
        body["full_name"] = json!(name);
        let (_, reg) = app.register(&body).await;
        people.push((reg["participant_id"].as_i64().expect("id"), reg["token"].as_str().expect("token").to_string()));
    }
    let (a, b, c) = (&people[0], &people[1], &people[2]);
    for (p, week1, week2) in [(a, 2, 3), (b, 3, 2), (c, 1, 1)] {
        play(&app, &p.1, w1, week1).await;
        play(&app, &p.1, w2, week2).await;
    }
    for r in [w1, w2] {
        assert_eq!(app.call(Some(&admin), "POST", &format!("/api/admin/rounds/{r}/close"), Body::None).await.0, 200);
        let (status, fin) =
            app.call(Some(&admin), "POST", &format!("/api/admin/rounds/{r}/finalize"), Body::None).await;
        assert_eq!(status, 200, "{fin}");
    }
    let (_, list) = app.call(Some(&admin), "GET", &format!("/api/admin/contests/{contest}/winners"), Body::None).await;
    let pending = "pending".to_string();
    assert_eq!(
        awards(&list),
        vec![
            (w1, b.0, "Giải Nhất".into(), pending.clone()),
            (w1, c.0, "Giải Nhì".into(), pending.clone()),
            (w2, a.0, "Giải Nhất".into(), pending.clone())
        ]
    );
    // Not published before every winner is verified; the public list does not exist yet.
    let (status, res) =
        app.call(Some(&admin), "POST", &format!("/api/admin/contests/{contest}/winners/publish"), Body::None).await;
    assert_eq!((status, res["error"]["code"].as_str()), (409, Some("winners_unverified")));
    assert_eq!(app.get_json(&format!("/api/contests/{SLUG}/winners")).await.0, 404);
    let (status, page) = results_page(&app, SLUG).await;
    assert_eq!(status, 200);
    assert!(page.contains("chưa công bố danh sách đoạt giải") && !page.contains("Bình"), "{page}");
    // Three people: too few to show, so the counts read as dashes.
    assert!(page.contains("<dt>Số người dự thi</dt><dd>—</dd>"), "{page}");
    assert_eq!(results_page(&app, "no-such-contest").await.0, 404);
    // C is rejected in week 1 (identity not matching): nobody is left for week 1's Nhì, and
    // C, no longer holding a prize, moves into week 2's Nhì.
    let check = |round: i64, participant: i64, status: &str| {
        Body::Json(
            json!({"round_id": round, "participant_id": participant, "status": status, "reason": "đối chiếu CCCD"}),
        )
    };
    assert_eq!(
        app.call(
            Some(&admin),
            "POST",
            &format!("/api/admin/contests/{contest}/winners/check"),
            check(w1, c.0, "rejected")
        )
        .await
        .0,
        200
    );
    let (_, list) = app.call(Some(&admin), "GET", &format!("/api/admin/contests/{contest}/winners"), Body::None).await;
    assert_eq!(
        awards(&list),
        vec![
            (w1, b.0, "Giải Nhất".into(), pending.clone()),
            (w2, a.0, "Giải Nhất".into(), pending.clone()),
            (w2, c.0, "Giải Nhì".into(), pending.clone())
        ]
    );
    let (status, res) = app
        .call(Some(&admin), "POST", &format!("/api/admin/contests/{contest}/winners/check"), check(w1, c.0, "verified"))
        .await;
    assert_eq!((status, res["error"]["code"].as_str()), (409, Some("not_a_winner")));
    for (round, p) in [(w1, b.0), (w2, a.0), (w2, c.0)] {
        assert_eq!(
            app.call(
                Some(&admin),
                "POST",
                &format!("/api/admin/contests/{contest}/winners/check"),
                check(round, p, "verified")
            )
            .await
            .0,
            200
        );
    }
    let (status, res) =
        app.call(Some(&admin), "POST", &format!("/api/admin/contests/{contest}/winners/publish"), Body::None).await;
    assert_eq!((status, res["published"].as_i64()), (200, Some(3)), "{res}");
    let (status, public) = app.get_json(&format!("/api/contests/{SLUG}/winners")).await;
    assert_eq!(status, 200);
    let names: Vec<&str> =
        public["items"].as_array().expect("items").iter().map(|w| w["name"].as_str().expect("name")).collect();
    assert_eq!(names, ["Trần Văn B.", "Phạm Thị L.", "Lê Hữu C."]);
    let text = public.to_string();
    assert!(!text.contains("Bình") && !text.contains("Lan\"") && !text.contains("Cường"), "names masked: {text}");
    assert!(public["items"][0]["phone"].as_str().is_some_and(|p| p.contains('•')));
    assert_eq!(public["items"][0]["commune"], "Phường Lào Cai");
    // The public results page shows the same list, masked, to anyone, without script.
    let (status, page) = results_page(&app, SLUG).await;
    assert_eq!(status, 200);
    for shown in
        ["Trần Văn B.", "Phạm Thị L.", "Lê Hữu C.", "Giải Nhất", "Giải Nhì", "Phường Lào Cai", "Thống kê tham gia"]
    {
        assert!(page.contains(shown), "{shown} missing: {page}");
    }
    assert!(!page.contains("Bình") && !page.contains("Cường") && !page.contains("<script"), "{page}");
    let phones: Vec<String> =
        sqlx::query_scalar("SELECT phone_masked FROM participants").fetch_all(&app.pg).await.expect("p");
    assert!(phones.iter().all(|p| page.contains(p.as_str())), "masked phones shown");
    let actions: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_log WHERE organisation_id = $1 AND action LIKE 'winner%'")
            .bind(org)
            .fetch_all(&app.pg)
            .await
            .expect("audit");
    assert_eq!(actions, ["winner.reject", "winner.verify", "winner.verify", "winner.verify", "winners.publish"]);
}

/// The overall ranking's prizes are winners like the rounds': listed as round 0, verified or
/// rejected (the prize passing down the overall ranking), required before publishing, and
/// shown on the public list and page as "Chung cuộc". A 6 > B 4 > C 2 over the two weeks;
/// one overall prize and none in the rounds.
#[actix_web::test]
async fn overall_prizes_are_verified_and_published_like_the_rounds() {
    let app = spawn_app_with(Options { first_round: Some("grace_ms = 0"), ..Options::default() }).await;
    let (org, email) = app.org_with_admin("win-overall").await;
    sqlx::query("UPDATE contests SET organisation_id = $1").bind(org).execute(&app.pg).await.expect("own");
    sqlx::query("UPDATE rounds SET grace_ms = 0, prizes = '[]'").execute(&app.pg).await.expect("no round prizes");
    let admin = app.login(&email, "mật khẩu rất dài 1").await.expect("login");
    let (w1, w2) = (app.round_ids[0], app.round_ids[1]);
    let contest: i64 = sqlx::query_scalar("SELECT id FROM contests").fetch_one(&app.pg).await.expect("contest");
    let settings = json!({"overall": {"prizes": [{"name": "Giải chung cuộc", "count": 1}]}});
    let path = format!("/api/admin/contests/{contest}/report-settings");
    assert_eq!(app.call(Some(&admin), "PUT", &path, Body::Json(settings)).await.0, 200);
    let mut people = Vec::new();
    for (name, correct) in [("Phạm Thị Lan", 3), ("Trần Văn Bình", 2), ("Lê Hữu Cường", 1)] {
        let mut body = valid_registration();
        body["full_name"] = json!(name);
        let (_, reg) = app.register(&body).await;
        let token = reg["token"].as_str().expect("token").to_string();
        play(&app, &token, w1, correct).await;
        play(&app, &token, w2, correct).await;
        people.push(reg["participant_id"].as_i64().expect("id"));
    }
    let (a, b) = (people[0], people[1]);
    for r in [w1, w2] {
        assert_eq!(app.call(Some(&admin), "POST", &format!("/api/admin/rounds/{r}/close"), Body::None).await.0, 200);
        assert_eq!(app.call(Some(&admin), "POST", &format!("/api/admin/rounds/{r}/finalize"), Body::None).await.0, 200);
    }
    let list_path = format!("/api/admin/contests/{contest}/winners");
    let (_, list) = app.call(Some(&admin), "GET", &list_path, Body::None).await;
    assert_eq!(awards(&list), vec![(0, a, "Giải chung cuộc".into(), "pending".into())]);
    assert_eq!(list["items"][0]["round_title"], Value::Null);
    let publish = format!("/api/admin/contests/{contest}/winners/publish");
    let (status, res) = app.call(Some(&admin), "POST", &publish, Body::None).await;
    assert_eq!((status, res["error"]["code"].as_str()), (409, Some("winners_unverified")), "{res}");

    let check = format!("/api/admin/contests/{contest}/winners/check");
    let decide = |participant: i64, status: &str| {
        Body::Json(json!({"round_id": 0, "participant_id": participant, "status": status, "reason": "đối chiếu CCCD"}))
    };
    assert_eq!(app.call(Some(&admin), "POST", &check, decide(a, "rejected")).await.0, 200);
    let (_, list) = app.call(Some(&admin), "GET", &list_path, Body::None).await;
    assert_eq!(awards(&list), vec![(0, b, "Giải chung cuộc".into(), "pending".into())], "the prize passes to B");
    let (status, res) = app.call(Some(&admin), "POST", &check, decide(a, "verified")).await;
    assert_eq!((status, res["error"]["code"].as_str()), (409, Some("not_a_winner")));
    assert_eq!(app.call(Some(&admin), "POST", &check, decide(b, "verified")).await.0, 200);
    let (status, res) = app.call(Some(&admin), "POST", &publish, Body::None).await;
    assert_eq!((status, res["published"].as_i64()), (200, Some(1)), "{res}");

    let (status, public) = app.get_json(&format!("/api/contests/{SLUG}/winners")).await;
    assert_eq!(status, 200);
    assert_eq!(public["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        (public["items"][0]["name"].as_str(), public["items"][0]["round_title"].clone()),
        (Some("Trần Văn B."), Value::Null)
    );
    let (_, page) = results_page(&app, SLUG).await;
    assert!(page.contains("<td>Chung cuộc</td><td>Giải chung cuộc</td>") && page.contains("Trần Văn B."), "{page}");
    let decisions: Vec<(String, String)> = sqlx::query_as(
        "SELECT status, reason FROM overall_winner_checks WHERE contest_id = $1 ORDER BY participant_id",
    )
    .bind(contest)
    .fetch_all(&app.pg)
    .await
    .expect("decisions");
    assert_eq!(decisions.len(), 2, "A rejected, B verified: {decisions:?}");
}
