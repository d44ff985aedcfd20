//! Proof of work on registration and attempt start: off by default it changes nothing; on,
//! a missing, wrong, expired or reused solution is refused with a fresh challenge and a
//! right one is accepted; when not forced, it switches on under load or for a busy address.

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{json, Value};
use thiluat::pow::solve;

use crate::helpers::*;

fn always(c: &mut thiluat::config::Config) {
    c.pow.enabled = true;
    c.pow.always = true;
    c.pow.difficulty_bits = 8;
    c.pow.suspicious_difficulty_bits = 9;
    c.pow.expiry_s = 2;
}

/// The challenge of a `pow_required` answer, and why it came.
fn challenge(status: u16, body: &Value) -> (Value, String) {
    assert_eq!((status, body["error"]["code"].as_str()), (428, Some("pow_required")), "{body}");
    let c = body["error"]["details"]["pow"].clone();
    let reason = c["reason"].as_str().expect("reason").to_string();
    (c, reason)
}

fn solution(c: &Value) -> Value {
    let text = c["challenge"].as_str().expect("challenge");
    let bits = c["difficulty"].as_u64().expect("difficulty") as u8;
    json!({"challenge": text, "counter": solve(text, bits)})
}

fn with_pow(pow: &Value) -> Value {
    let mut body = valid_registration();
    body["pow"] = pow.clone();
    body
}

#[actix_web::test]
async fn off_by_default_registration_and_start_need_no_challenge() {
    let app = spawn_app().await;
    assert!(!app.state.pow.enabled());
    for _ in 0..20 {
        let (status, body) = app.register(&valid_registration()).await;
        assert_eq!(status, 201, "{body}");
    }
    let p = app.participant().await;
    let mut ws = app.ws(&p.token).await;
    ws.start(app.round()).await;
}

#[actix_web::test]
async fn registration_refuses_missing_wrong_expired_and_reused_solutions_and_takes_a_right_one() {
    let app = spawn_app_with(Options { configure: Some(always), ..Options::default() }).await;
    let count = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM participants").fetch_one(&app.pg).await.expect("count")
    };
    let (status, body) = app.register(&valid_registration()).await;
    let (c, reason) = challenge(status, &body);
    assert_eq!(reason, "missing");
    assert_eq!(c["difficulty"], 8);
    assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));

    // Wrong: a counter that does not solve it; the challenge made easier; another server's.
    let right = solution(&c);
    let text = c["challenge"].as_str().expect("text").to_string();
    let wrong_counter = (0u64..).find(|n| !thiluat::pow::solves(&text, *n, 8)).expect("a wrong counter");
    let easier = text.replacen(".8.", ".1.", 1);
    for bad in [
        json!({"challenge": text, "counter": wrong_counter}),
        json!({"challenge": easier, "counter": 0}),
        json!({"challenge": "00.register.9999999999.1.00", "counter": 0}),
    ] {
        let (status, body) = app.register(&with_pow(&bad)).await;
        assert_eq!(challenge(status, &body).1, "invalid", "{bad}");
    }
    assert_eq!(count().await, 0, "refused registrations change nothing");

    // Right: accepted once; the same solution again is refused.
    let (status, body) = app.register(&with_pow(&right)).await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = app.register(&with_pow(&right)).await;
    assert_eq!(challenge(status, &body).1, "reused");
    assert_eq!(count().await, 1);

    // Expired: solved, then sent after the 2 s validity.
    let (status, body) = app.register(&valid_registration()).await;
    let late = solution(&challenge(status, &body).0);
    tokio::time::sleep(Duration::from_millis(3_100)).await;
    let (status, body) = app.register(&with_pow(&late)).await;
    assert_eq!(challenge(status, &body).1, "expired");
    assert_eq!(count().await, 1);
}

#[actix_web::test]
async fn attempt_start_over_the_websocket_asks_for_a_solution_and_accepts_a_right_one() {
    let app = spawn_app_with(Options { configure: Some(always), ..Options::default() }).await;
    let (status, body) = app.register(&valid_registration()).await;
    let registered = solution(&challenge(status, &body).0);
    let (status, body) = app.register(&with_pow(&registered)).await;
    assert_eq!(status, 201, "{body}");
    let token = body["token"].as_str().expect("token");
    let mut ws = app.ws(token).await;
    let round = app.round();
    let request_id = uuid::Uuid::new_v4().to_string();
    let start = |pow: Option<Value>| {
        let mut m = json!({"type": "start", "round_id": round, "request_id": request_id});
        if let Some(pow) = pow {
            m["pow"] = pow;
        }
        m
    };
    let reply = ws.request(start(None)).await;
    assert_eq!((reply["type"].as_str(), reply["code"].as_str()), (Some("error"), Some("pow_required")), "{reply}");
    assert_eq!(reply["ref"], json!(request_id));
    let c = reply["challenge"].clone();
    assert_eq!(c["reason"], "missing");
    // A registration's solution is not an attempt start's.
    let reply = ws.request(start(Some(registered))).await;
    assert_eq!(reply["challenge"]["reason"], "invalid", "{reply}");
    let right = solution(&c);
    let snapshot = ws.request(start(Some(right.clone()))).await;
    assert_eq!(snapshot["type"], "snapshot", "{snapshot}");
    let reply = ws.request(start(Some(right))).await;
    assert_eq!(reply["challenge"]["reason"], "reused", "{reply}");
    let open: i64 = app.state.redis.open_attempt_count(round).await.expect("count");
    assert_eq!(open, 1, "only the accepted start made an attempt");
}

#[actix_web::test]
async fn when_enabled_challenges_switch_on_only_for_a_busy_address_or_under_load() {
    let app = spawn_app_with(Options {
        configure: Some(|c| {
            c.pow.enabled = true;
            c.pow.difficulty_bits = 6;
            c.pow.suspicious_difficulty_bits = 7;
            c.pow.address_soft_per_minute = 3;
            c.pow.load_per_minute = 4;
        }),
        ..Options::default()
    })
    .await;
    // An address over its soft limit gets the harder challenge; below it, nothing.
    for _ in 0..3 {
        let (status, body) = app.register(&valid_registration()).await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, body) = app.register(&valid_registration()).await;
    let (c, _) = challenge(status, &body);
    assert_eq!(c["difficulty"], 7, "suspicious: the harder difficulty");
    let (status, body) = app.register(&with_pow(&solution(&c))).await;
    assert_eq!(status, 201, "{body}");
    // Attempt starts: one each for 4 participants fills the node's load meter; the 5th is challenged.
    let mut replies = Vec::new();
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM participants ORDER BY id").fetch_all(&app.pg).await.expect("ids");
    for id in &ids[..4] {
        let token = app.state.keys.sign_credential(thiluat::crypto::Credential {
            participant_id: *id,
            contest_id: sqlx::query_scalar("SELECT contest_id FROM participants WHERE id = $1")
                .bind(id)
                .fetch_one(&app.pg)
                .await
                .expect("contest"),
            issued_at_s: chrono::Utc::now().timestamp(),
        });
        let mut ws = app.ws(&token).await;
        let reply = ws
            .request(json!({"type": "start", "round_id": app.round(), "request_id": uuid::Uuid::new_v4().to_string()}))
            .await;
        replies
            .push(reply["type"].as_str().unwrap_or_default().to_string() + ":" + reply["code"].as_str().unwrap_or(""));
    }
    let p = app.participant_after_pow().await;
    let mut ws = app.ws(&p).await;
    let reply = ws
        .request(json!({"type": "start", "round_id": app.round(), "request_id": uuid::Uuid::new_v4().to_string()}))
        .await;
    assert_eq!(replies, ["snapshot:"; 4], "below the load threshold nobody is challenged");
    assert_eq!(
        (reply["code"].as_str(), reply["challenge"]["difficulty"].as_u64()),
        (Some("pow_required"), Some(6)),
        "{reply}"
    );
}

impl TestApp {
    /// Registers, solving the challenge when there is one; the credential.
    async fn participant_after_pow(&self) -> String {
        let (status, body) = self.register(&valid_registration()).await;
        let body =
            if status == 428 { self.register(&with_pow(&solution(&challenge(status, &body).0))).await.1 } else { body };
        body["token"].as_str().expect("token").to_string()
    }
}

fn busy_school(c: &mut thiluat::config::Config) {
    c.pow.enabled = true;
    c.pow.difficulty_bits = 6;
    c.pow.suspicious_difficulty_bits = 12;
    c.pow.address_soft_per_minute = 3;
}

/// Registers with this device id, solving a challenge when one comes; the difficulty asked
/// (0 for none) and the final status.
async fn register_from_device(app: &TestApp, device: Option<&str>) -> (u64, u16) {
    let mut body = valid_registration();
    if let Some(d) = device {
        body["device_id"] = json!(d);
    }
    let (status, reply) = app.register(&body).await;
    if status != 428 {
        return (0, status);
    }
    let (c, _) = challenge(status, &reply);
    body["pow"] = solution(&c);
    let (status, reply) = app.register(&body).await;
    assert_eq!(status, 201, "{reply}");
    (c["difficulty"].as_u64().unwrap_or_default(), status)
}

/// A school behind one address: 1,000 people register within a minute, each on their own
/// phone. Past the address's soft limit they get at most the easy challenge, never the hard
/// one, which stays for what looks automated: a busy address's requests without the page's
/// device id, and a browser that has registered three people within the hour.
#[actix_web::test]
async fn a_thousand_people_behind_one_address_never_get_the_hard_challenge() {
    let app = spawn_app_with(Options { configure: Some(busy_school), ..Options::default() }).await;
    let asked: Vec<(u64, u16)> = futures_util::stream::iter(0..1_000)
        .map(|i| {
            let app = &app;
            async move { register_from_device(app, Some(&format!("school-phone-{i}"))).await }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    assert!(asked.iter().all(|(_, s)| *s == 201));
    let easy = asked.iter().filter(|(d, _)| *d == 6).count();
    let hard = asked.iter().filter(|(d, _)| *d == 12).count();
    assert_eq!(hard, 0, "nobody of the school gets the hard challenge");
    assert!(easy >= 990, "past the soft limit the easy one: {easy}");

    // What looks automated: no device id from this busy address, or one browser's third entry.
    assert_eq!(register_from_device(&app, None).await.0, 12);
    for _ in 0..3 {
        assert_eq!(register_from_device(&app, Some("one-browser")).await.0, 6);
    }
    assert_eq!(register_from_device(&app, Some("one-browser")).await.0, 12, "a browser past its third registration");
}
