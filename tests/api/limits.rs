//! Rate limits through the real server: floods are refused, honest crowds behind one address
//! are not.

use std::time::{Duration, Instant};

use futures_util::future::join_all;
use serde_json::json;

use crate::helpers::*;

/// A school: 1,000 participants register and answer from one IPv4 address within 60 s, and
/// none of them sees a 429 or a rate-limited message.
#[actix_web::test]
async fn a_thousand_participants_behind_one_address_are_never_limited() {
    let app = spawn_app().await;
    let round = app.round();
    let started = Instant::now();
    let mut tokens = Vec::new();
    for chunk in 0..20 {
        let results = join_all((0..50).map(|_| async { app.register(&valid_registration()).await })).await;
        for (status, body) in results {
            assert_eq!(status, 201, "chunk {chunk}: {body}");
            tokens.push(body["token"].as_str().expect("token").to_string());
        }
    }
    for chunk in tokens.chunks(50) {
        let replies = join_all(chunk.iter().map(|token| async {
            let mut ws = app.ws(token).await;
            let snap = ws.start(round).await;
            let (q, options) = questions(&snap)[0].clone();
            ws.request(json!({"type": "answer", "round_id": round, "attempt_id": snap["attempt_id"], "question_id": q, "options": [options[0]], "seq": 1}))
                .await
        }))
        .await;
        for ack in replies {
            assert_eq!(ack["status"], "saved", "{ack}");
        }
    }
    assert!(started.elapsed() < Duration::from_secs(60), "took {:?}", started.elapsed());
}

/// One session flooding 1,000 messages a minute is refused within a second; another session
/// on the same address goes on unaffected; a flood that goes on is closed with 1008.
#[actix_web::test]
async fn a_flooding_session_is_throttled_and_closed_while_its_neighbour_is_not() {
    let app = spawn_app().await;
    let abuser = app.participant().await;
    let honest = app.participant().await;
    let mut bad = app.ws(&abuser.token).await;
    let mut good = app.ws(&honest.token).await;
    let begin = Instant::now();
    let mut first_refusal = None;
    for i in 0..40u32 {
        let reply = bad.request(json!({"type": "ping"})).await;
        if reply["code"] == "rate_limited" && first_refusal.is_none() {
            first_refusal = Some((i, begin.elapsed()));
        }
        if i % 5 == 0 {
            assert_eq!(good.request(json!({"type": "ping"})).await["type"], "pong", "the neighbour is unaffected");
        }
        tokio::time::sleep(Duration::from_millis(60)).await; // 1,000 a minute
    }
    let (count, after) = first_refusal.expect("the flood is refused");
    // "Within a second" of a 1,000-a-minute flood is its first 17 messages (60 ms apart).
    // Counted in messages, not read off the wall clock: on a loaded machine the sleeps
    // stretch, which only gives the limiter more time to refill, never less.
    assert!(count < 17, "refused only after {count} messages ({after:?})");
    // Keep flooding: past the hard limit the server closes the socket (1008).
    for _ in 0..150 {
        bad.send(json!({"type": "ping"})).await;
    }
    assert_eq!(bad.closed().await, Some(1008));
    assert_eq!(good.request(json!({"type": "ping"})).await["type"], "pong");
}

/// Registers a fresh participant as a request carrying `forwarded` in X-Forwarded-For.
async fn register_via(app: &TestApp, forwarded: &str) -> (u16, serde_json::Value) {
    let mut res = app
        .http
        .post(app.url(&format!("/api/contests/{SLUG}/register")))
        .insert_header(("x-forwarded-for", forwarded))
        .send_json(&valid_registration())
        .await
        .expect("sent");
    (res.status().as_u16(), res.json().await.unwrap_or_default())
}

/// Behind a trusted reverse proxy each client has its own address floor (one school's rush
/// does not lock out the next school behind the same proxy), a forged X-Forwarded-For entry
/// buys nothing, and the address the abuse rules see is the client's; without trusted
/// proxies the header is ignored altogether.
#[actix_web::test]
async fn behind_a_trusted_proxy_the_floor_is_per_client_and_forged_headers_change_nothing() {
    let proxied = spawn_app_with(Options {
        configure: Some(|c| {
            c.http.register_per_address_per_minute = 2; // a burst of 1
            c.http.trusted_proxies = vec!["127.0.0.1".parse().expect("network")];
        }),
        ..Options::default()
    })
    .await;
    let (status, first) = register_via(&proxied, "203.0.113.5").await;
    assert_eq!(status, 201, "{first}");
    let (status, body) = register_via(&proxied, "203.0.113.5").await;
    assert_eq!((status, body["error"]["code"].as_str()), (429, Some("rate_limited")), "the same client again");
    let (status, body) = register_via(&proxied, "6.6.6.6, 203.0.113.5").await;
    assert_eq!(status, 429, "a forged entry left of the proxy's own does not make a new client: {body}");
    let (status, other) = register_via(&proxied, "203.0.113.6").await;
    assert_eq!(status, 201, "another client behind the same proxy: {other}");
    let stored: Vec<u8> = sqlx::query_scalar("SELECT address_hmac FROM participants WHERE id = $1")
        .bind(other["participant_id"].as_i64().expect("id"))
        .fetch_one(&proxied.pg)
        .await
        .expect("address");
    assert_eq!(stored, proxied.state.keys.lookup_hmac("address", "203.0.113.6"), "the abuse rules see the client");

    let direct = spawn_app_with(Options {
        configure: Some(|c| c.http.register_per_address_per_minute = 2),
        ..Options::default()
    })
    .await;
    assert_eq!(register_via(&direct, "203.0.113.5").await.0, 201);
    let (status, body) = register_via(&direct, "203.0.113.6").await;
    assert_eq!(status, 429, "without trusted proxies X-Forwarded-For is not believed: {body}");
}
