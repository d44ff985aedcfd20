//! The answer review after the reveal (`GET /api/rounds/{round}/attempts/{attempt}/review`)
//! and the participant's language: invariant 2 holds for it too.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::helpers::*;

impl TestApp {
    /// GET with a participant's bearer credential (`None`: without one).
    pub async fn get_as(&self, token: Option<&str>, path: &str) -> (u16, Value, String) {
        let mut req = self.http.get(self.url(path));
        if let Some(t) = token {
            req = req.insert_header(("authorization", format!("Bearer {t}")));
        }
        let mut res = req.send().await.expect("request sent");
        let status = res.status().as_u16();
        let bytes = res.body().limit(8 << 20).await.expect("body");
        let text = String::from_utf8_lossy(&bytes).into_owned();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null), text)
    }
}

/// The reveal rule; `after_submit` with one attempt per person (the fixture allows two: with
/// a second attempt still to come, after_submit waits for it, see below).
async fn set_reveal(app: &TestApp, round: i64, reveal: &str) {
    sqlx::query("UPDATE rounds SET reveal = $2, attempt_limit = CASE WHEN $2 = 'after_submit' THEN 1 ELSE attempt_limit END WHERE id = $1")
        .bind(round)
        .bind(reveal)
        .execute(&app.pg)
        .await
        .expect("reveal");
}

/// Every correct option id of the round's bank, as text (to look for in a raw body).
async fn correct_ids(app: &TestApp, round: i64) -> Vec<String> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT unnest(q.correct) FROM questions q JOIN rounds r ON q.id = ANY(r.question_ids) WHERE r.id = $1",
    )
    .bind(round)
    .fetch_all(&app.pg)
    .await
    .expect("correct ids");
    ids.iter().map(i64::to_string).collect()
}

/// Before the reveal the review answers an error that names no correct option; after it,
/// every question comes back as the attempt showed it, with the bank's key and texts.
#[actix_web::test]
async fn the_review_opens_by_the_reveal_rule_and_matches_the_bank() {
    let app = spawn_app().await;
    let round = app.round();
    let p = app.participant().await;
    let mut ws = app.ws(&p.token).await;
    let snap = ws.start(round).await;
    let attempt = snap["attempt_id"].as_str().expect("attempt").to_string();
    let path = format!("/api/rounds/{round}/attempts/{attempt}/review");
    let qs = questions(&snap);
    // Answer all but the last: the first option of each.
    for (seq, (qid, options)) in qs.iter().take(qs.len() - 1).enumerate() {
        ws.request(json!({"type": "answer", "round_id": round, "attempt_id": attempt, "question_id": qid, "options": [options[0]], "seq": seq + 1})).await;
    }
    let keys = correct_ids(&app, round).await;
    let no_key = |text: &str, when: &str| {
        assert!(!text.contains("correct_options") && !text.contains("Giải thích bí mật"), "{when}: {text}");
        for id in &keys {
            assert!(!text.contains(id.as_str()), "{when}: correct option {id} leaked: {text}");
        }
    };

    // Not submitted yet: refused whatever the rule says (never excepted: never is never).
    for reveal in ["after_submit", "after_close"] {
        set_reveal(&app, round, reveal).await;
        let (status, body, text) = app.get_as(Some(&p.token), &path).await;
        assert_eq!((status, body["error"]["code"].as_str()), (409, Some("attempt_not_submitted")), "{text}");
        no_key(&text, reveal);
    }
    let result = ws.request(json!({"type": "submit", "round_id": round, "attempt_id": attempt, "prediction": 1})).await;
    assert_eq!(result["type"], "result", "{result}");

    // after_close while the round runs: 403 with the moment of the reveal.
    let (status, body, text) = app.get_as(Some(&p.token), &path).await;
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("not_revealed")), "{text}");
    let reveal_at: i64 = sqlx::query_scalar(
        "SELECT (extract(epoch from closes_at) * 1000)::bigint + grace_ms FROM rounds WHERE id = $1",
    )
    .bind(round)
    .fetch_one(&app.pg)
    .await
    .expect("close");
    assert_eq!(body["error"]["reveal_at"], reveal_at, "{text}");
    no_key(&text, "after_close, open round");
    set_reveal(&app, round, "never").await;
    let (status, body, text) = app.get_as(Some(&p.token), &path).await;
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("not_revealed")), "{text}");
    assert!(body["error"].get("reveal_at").is_none(), "never has no reveal time: {text}");
    no_key(&text, "never");

    // Somebody else's attempt, an unknown one, a malformed id, no credential.
    let other = app.participant().await;
    set_reveal(&app, round, "after_submit").await;
    assert_eq!(app.get_as(Some(&other.token), &path).await.0, 404, "another participant's attempt");
    let unknown = format!("/api/rounds/{round}/attempts/{}/review", uuid::Uuid::new_v4());
    assert_eq!(app.get_as(Some(&p.token), &unknown).await.0, 404);
    assert_eq!(app.get_as(Some(&p.token), &format!("/api/rounds/{round}/attempts/x/review")).await.0, 404);
    let other_round = app.round_ids[1];
    assert_eq!(
        app.get_as(Some(&p.token), &format!("/api/rounds/{other_round}/attempts/{attempt}/review")).await.0,
        404
    );
    assert_eq!(app.get_as(None, &path).await.0, 401);

    // after_submit and submitted: the review, checked against the bank.
    let (status, review, text) = app.get_as(Some(&p.token), &path).await;
    assert_eq!(status, 200, "{text}");
    check_review(&app, &review, &snap, &result).await;

    // after_close once close + grace passed: open too, and from Postgres alone (Redis gone).
    set_reveal(&app, round, "after_close").await;
    sqlx::query("UPDATE rounds SET closes_at = now() - interval '1 minute' WHERE id = $1")
        .bind(round)
        .execute(&app.pg)
        .await
        .expect("closed");
    let (status, again, text) = app.get_as(Some(&p.token), &path).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(again, review);
    app.persist_all(round).await;
    let mut redis = app.state.redis.conn();
    let key = app.state.redis.keys(round).attempt(&attempt);
    let _: () = redis::cmd("DEL").arg(&key).query_async(&mut redis).await.expect("del");
    let (status, from_pg, text) = app.get_as(Some(&p.token), &path).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(from_pg, review, "Postgres gives the same review as Redis");
}

async fn check_review(app: &TestApp, review: &Value, snap: &Value, result: &Value) {
    assert_eq!(review["round_id"], snap["round_id"]);
    assert_eq!(review["attempt_id"], snap["attempt_id"]);
    assert_eq!((&review["correct"], &review["total"]), (&result["correct"], &result["total"]));
    let items = review["questions"].as_array().expect("questions");
    let shown = snap["questions"].as_array().expect("snapshot questions");
    assert_eq!(items.len(), shown.len());
    let mut right = 0;
    for (i, (q, s)) in items.iter().zip(shown).enumerate() {
        assert_eq!(q["question_id"], s["id"], "the attempt's order");
        assert_eq!(q["text"], s["text"]);
        assert_eq!(q["options"], s["options"], "the attempt's shuffled options");
        let qid = q["question_id"].as_i64().expect("id");
        let (explanation, law, article): (String, String, String) =
            sqlx::query_as("SELECT explanation, law, article FROM questions WHERE id = $1")
                .bind(qid)
                .fetch_one(&app.pg)
                .await
                .expect("question");
        assert_eq!((q["explanation"].as_str(), q["law"].as_str()), (Some(explanation.as_str()), Some(law.as_str())));
        assert_eq!(q["article"].as_str(), Some(article.as_str()));
        let ids =
            |v: &Value| v.as_array().expect("ids").iter().map(|x| x.as_i64().expect("id")).collect::<BTreeSet<_>>();
        let key: BTreeSet<i64> = correct_options(&app.pg, qid).await.into_iter().collect();
        assert_eq!(ids(&q["correct_options"]), key, "the bank's key");
        let first = s["options"][0]["id"].as_i64().expect("first option");
        let chosen: BTreeSet<i64> = if i + 1 < shown.len() { [first].into() } else { BTreeSet::new() };
        assert_eq!(ids(&q["chosen"]), chosen);
        assert_eq!(q["is_correct"], chosen == key);
        right += usize::from(chosen == key);
    }
    assert_eq!(review["correct"], right);
}

/// A translated bank: a participant who asks for English gets English texts in the snapshot
/// and the review, the same option ids and order, and Vietnamese where there is no
/// translation; the score does not depend on the language.
#[actix_web::test]
async fn a_participant_plays_and_reviews_in_their_language() {
    let app = spawn_app().await;
    let round = app.round();
    sqlx::query(
        "UPDATE questions SET translations = jsonb_build_object('en', jsonb_build_object( \
           'text', 'EN ' || text, \
           'options', (SELECT jsonb_agg('EN ' || (o.v->>'text') ORDER BY o.n) FROM jsonb_array_elements(options) WITH ORDINALITY o(v, n)), \
           'explanation', 'EN ' || explanation))",
    )
    .execute(&app.pg)
    .await
    .expect("translate");
    app.state.play.forget(round);
    let p = app.participant().await;
    let mut ws = app.ws(&p.token).await;
    let vi = ws.start(round).await;
    let attempt = vi["attempt_id"].clone();
    let en = ws.request(json!({"type": "resume", "round_id": round, "attempt_id": attempt, "lang": "en-GB"})).await;
    let km = ws.request(json!({"type": "resume", "round_id": round, "attempt_id": attempt, "lang": "km"})).await;
    assert_eq!(km["questions"], vi["questions"], "no Khmer translation: Vietnamese");
    assert_eq!(questions(&en), questions(&vi), "same ids in the same order");
    for (e, v) in en["questions"].as_array().expect("en").iter().zip(vi["questions"].as_array().expect("vi")) {
        assert_eq!(e["text"].as_str().map(String::from), v["text"].as_str().map(|t| format!("EN {t}")));
        for (eo, vo) in e["options"].as_array().expect("o").iter().zip(v["options"].as_array().expect("o")) {
            assert_eq!(eo["text"].as_str().map(String::from), vo["text"].as_str().map(|t| format!("EN {t}")));
        }
    }
    let bad = ws.request(json!({"type": "resume", "round_id": round, "attempt_id": attempt, "lang": "english!"})).await;
    assert_eq!((bad["type"].as_str(), bad["code"].as_str()), (Some("error"), Some("malformed")), "{bad}");
    let started = ws
        .request(
            json!({"type": "start", "round_id": round, "request_id": uuid::Uuid::new_v4().to_string(), "lang": "en"}),
        )
        .await;
    assert!(started["questions"][0]["text"].as_str().is_some_and(|t| t.starts_with("EN ")), "{started}");
    // One open attempt per participant (issue 16 item 7): this start returns the open one, in English.
    assert_eq!(started["attempt_id"], attempt, "{started}");

    for (seq, (qid, _)) in questions(&en).iter().enumerate() {
        let key = correct_options(&app.pg, *qid).await;
        ws.request(json!({"type": "answer", "round_id": round, "attempt_id": attempt, "question_id": qid, "options": key, "seq": seq + 1})).await;
    }
    let result = ws.request(json!({"type": "submit", "round_id": round, "attempt_id": attempt, "prediction": 1})).await;
    assert_eq!(result["correct"], 5, "answered by id: the language changes nothing");
    set_reveal(&app, round, "after_submit").await;
    let path = format!("/api/rounds/{round}/attempts/{}/review", attempt.as_str().expect("id"));
    let (status, review, text) = app.get_as(Some(&p.token), &format!("{path}?lang=en")).await;
    assert_eq!(status, 200, "{text}");
    for (r, e) in review["questions"].as_array().expect("q").iter().zip(en["questions"].as_array().expect("q")) {
        assert_eq!((&r["text"], &r["options"]), (&e["text"], &e["options"]));
        assert!(r["explanation"].as_str().is_some_and(|x| x.starts_with("EN Giải thích")), "{r}");
        assert_eq!(r["is_correct"], true);
    }
    let (_, vi_review, _) = app.get_as(Some(&p.token), &path).await;
    assert_eq!(vi_review["questions"][0]["text"], vi["questions"][0]["text"], "Vietnamese by default");
    let (status, body, _) = app.get_as(Some(&p.token), &format!("{path}?lang=1x")).await;
    assert_eq!((status, body["error"]["code"].as_str()), (400, Some("invalid_lang")));
}

/// With two attempts allowed, the answers of attempt 1 would help attempt 2: `after_submit`
/// reveals them only once no further attempt can be started and none is open, whichever order
/// the participant reviews and starts in.
#[actix_web::test]
async fn after_submit_waits_for_the_last_attempt_the_round_allows() {
    let app = spawn_app().await;
    let round = app.round();
    sqlx::query("UPDATE rounds SET reveal = 'after_submit', attempt_limit = 2 WHERE id = $1")
        .bind(round)
        .execute(&app.pg)
        .await
        .expect("two attempts");
    let keys = correct_ids(&app, round).await;
    let refused = |(status, body, text): (u16, Value, String), when: &str| {
        assert_eq!((status, body["error"]["code"].as_str()), (403, Some("not_revealed")), "{when}: {text}");
        for id in &keys {
            assert!(!text.contains(id.as_str()), "{when}: correct option {id} leaked: {text}");
        }
    };
    let review = |attempt: &Value| format!("/api/rounds/{round}/attempts/{}/review", attempt.as_str().expect("id"));
    let submit = |attempt: &Value| json!({"type": "submit", "round_id": round, "attempt_id": attempt, "prediction": 1});

    // Review first, then the second attempt.
    let p = app.participant().await;
    let mut ws = app.ws(&p.token).await;
    let first = ws.start(round).await["attempt_id"].clone();
    assert_eq!(ws.request(submit(&first)).await["type"], "result");
    refused(app.get_as(Some(&p.token), &review(&first)).await, "attempt 1 submitted, a second one to come");
    let second = ws.start(round).await["attempt_id"].clone();
    assert_ne!(first, second);
    refused(app.get_as(Some(&p.token), &review(&first)).await, "attempt 2 open");
    assert_eq!(ws.request(submit(&second)).await["type"], "result");
    for a in [&first, &second] {
        let (status, _, text) = app.get_as(Some(&p.token), &review(a)).await;
        assert_eq!(status, 200, "both attempts used and submitted: {text}");
    }

    // The second attempt started before any review: refused while it is open, served after.
    let q = app.participant().await;
    let mut ws = app.ws(&q.token).await;
    let first = ws.start(round).await["attempt_id"].clone();
    assert_eq!(ws.request(submit(&first)).await["type"], "result");
    let second = ws.start(round).await["attempt_id"].clone();
    refused(app.get_as(Some(&q.token), &review(&first)).await, "attempt 2 open");
    assert_eq!(app.get_as(Some(&q.token), &review(&second)).await.0, 409, "attempt 2 not submitted");
    assert_eq!(ws.request(submit(&second)).await["type"], "result");
    assert_eq!(app.get_as(Some(&q.token), &review(&first)).await.0, 200);
}
