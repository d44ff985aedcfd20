//! The public leaderboard says whether it is provisional: while the round runs it is the live
//! ranking (no prediction yet), once the round is finalised it is the official one, which
//! can put another person first.

use serde_json::json;

use crate::admin::Body;
use crate::helpers::*;

/// Plays one attempt with every answer right, taking at least `thinking` before the first
/// answer (the time used is part of the ranking), submitting `prediction`.
async fn perfect(app: &TestApp, token: &str, thinking: std::time::Duration, prediction: i64) {
    let round = app.round();
    let mut ws = app.ws(token).await;
    let snap = ws.start(round).await;
    tokio::time::sleep(thinking).await;
    for (seq, (qid, _)) in questions(&snap).iter().enumerate() {
        let key = correct_options(&app.pg, *qid).await;
        ws.request(json!({"type": "answer", "round_id": round, "attempt_id": snap["attempt_id"], "question_id": qid, "options": key, "seq": seq + 1})).await;
    }
    let result = ws
        .request(
            json!({"type": "submit", "round_id": round, "attempt_id": snap["attempt_id"], "prediction": prediction}),
        )
        .await;
    assert_eq!(result["correct"], 5, "{result}");
}

#[actix_web::test]
async fn the_leaderboard_is_provisional_until_the_round_is_finalised_then_official() {
    let app = spawn_app_with(Options { first_round: Some("grace_ms = 0"), ..Options::default() }).await;
    let round = app.round();
    let (admin, _, _) = crate::privacy::owned_contest(&app, "bang-xep-hang").await;
    // Both answer everything right; the faster one guesses the number of perfect scorers badly.
    let mut fast = valid_registration();
    fast["full_name"] = json!("Nguyễn Văn Nhanh");
    let (_, fast) = app.register(&fast).await;
    let mut exact = valid_registration();
    exact["full_name"] = json!("Trần Thị Đúng");
    let (_, exact) = app.register(&exact).await;
    let ms = std::time::Duration::from_millis;
    perfect(&app, fast["token"].as_str().expect("token"), ms(0), 100).await;
    perfect(&app, exact["token"].as_str().expect("token"), ms(300), 2).await;

    let path = format!("/api/rounds/{round}/leaderboard");
    let (status, live) = app.get_json(&path).await;
    assert_eq!(status, 200, "{live}");
    assert_eq!(live["official"], false, "while the round runs it is provisional: {live}");
    assert_eq!(live["entries"][0]["name"], "Nguyễn Văn N.", "live: the faster first: {live}");

    assert_eq!(app.call(Some(&admin), "POST", &format!("/api/admin/rounds/{round}/close"), Body::None).await.0, 200);
    let (status, fin) =
        app.call(Some(&admin), "POST", &format!("/api/admin/rounds/{round}/finalize"), Body::None).await;
    assert_eq!(status, 200, "{fin}");
    let (status, official) = app.get_json(&path).await;
    assert_eq!(status, 200, "{official}");
    assert_eq!(official["official"], true, "{official}");
    assert_eq!(official["entries"][0]["name"], "Trần Thị Đ.", "official: the exact prediction first: {official}");
    assert_eq!(official["entries"][0]["position"], 1);
    assert_eq!(official["entries"].as_array().map(Vec::len), Some(2));
}
