//! Hardening of the served app: the limiters' housekeeping runs and gives memory back after a
//! flood of distinct keys; the websocket refuses an expired credential, closes idle sockets
//! while heartbeats keep live ones open, and negotiates no compression.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;

use crate::helpers::*;

#[actix_web::test]
async fn the_served_apps_limiter_forgets_a_million_keys_on_its_own() {
    let app =
        spawn_app_with(Options { configure: Some(|c| c.http.limits_housekeeping_s = 1), ..Options::default() }).await;
    let limiter = app.state.limiters.register_phone.clone();
    assert_eq!(limiter.len(), 0, "baseline");
    let clock = governor::clock::DefaultClock::default();
    // The same call the registration handler makes, with 1,000,000 distinct keys.
    for i in 0..1_000_000u32 {
        let _ = thiluat::limits::check(&limiter, &format!("flood-{i}"), &clock);
    }
    // Housekeeping may have run during the flood, but a key needs 6 s to recover.
    let peak = limiter.len();
    assert!(peak >= 500_000, "the flood is held: {peak} keys");
    let begin = Instant::now();
    while !limiter.is_empty() {
        assert!(begin.elapsed() < Duration::from_secs(30), "still {} keys after 30 s", limiter.len());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Nobody called housekeeping but the app's own task; the limiter still works.
    assert!(thiluat::limits::check(&limiter, "after", &clock).is_ok());
}

#[actix_web::test]
async fn an_expired_credential_gets_the_documented_401() {
    let app = spawn_app().await;
    let p = app.participant().await;
    let contest: i64 = sqlx::query_scalar("SELECT contest_id FROM participants WHERE id = $1")
        .bind(p.id)
        .fetch_one(&app.pg)
        .await
        .expect("contest");
    let issued = |age_s: i64| {
        app.state.keys.sign_credential(thiluat::crypto::Credential {
            participant_id: p.id,
            contest_id: contest,
            issued_at_s: chrono::Utc::now().timestamp() - age_s,
        })
    };
    let max_age = thiluat::http::CREDENTIAL_MAX_AGE_S;
    let expired = issued(max_age + 60);
    match app.http.ws(app.url(&format!("/ws?token={expired}"))).connect().await {
        Err(awc::error::WsClientError::InvalidResponseStatus(status)) => assert_eq!(status.as_u16(), 401),
        other => panic!("an expired credential must be refused: {:?}", other.map(|_| ())),
    }
    // The refusal is the error envelope, readable as an answer to the upgrade request (a
    // compressed body there used to come out as broken chunked HTTP).
    let mut res = app
        .http
        .get(app.url(&format!("/ws?token={expired}")))
        .insert_header(("connection", "upgrade"))
        .insert_header(("upgrade", "websocket"))
        .insert_header(("sec-websocket-version", "13"))
        .insert_header(("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="))
        .insert_header(("accept-encoding", "gzip, br"))
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status().as_u16(), 401);
    let body: Value = res.json().await.expect("the error envelope");
    assert_eq!(body["error"]["code"], "unauthorized");
    // Younger than the maximum age, the same participant connects.
    assert!(app.http.ws(app.url(&format!("/ws?token={}", issued(max_age - 3600)))).connect().await.is_ok());
}

#[actix_web::test]
async fn heartbeats_keep_a_live_socket_and_an_idle_one_is_closed() {
    let app = spawn_app_with(Options {
        configure: Some(|c| {
            c.http.ws_heartbeat_s = 1;
            c.http.ws_idle_timeout_s = 3;
        }),
        ..Options::default()
    })
    .await;
    let p = app.participant().await;
    let url = app.url(&format!("/ws?token={}", p.token));
    let (_, mut live) = app.http.ws(url.as_str()).connect().await.expect("connects");
    let (_, mut idle) = app.http.ws(url.as_str()).connect().await.expect("connects");
    // The live client answers each ping, for longer than the idle timeout.
    let live_task = async {
        let mut pings = 0;
        let until = Instant::now() + Duration::from_secs(6);
        while Instant::now() < until {
            match tokio::time::timeout(Duration::from_millis(500), live.next()).await {
                Ok(Some(Ok(awc::ws::Frame::Ping(bytes)))) => {
                    pings += 1;
                    live.send(awc::ws::Message::Pong(bytes)).await.expect("pong");
                }
                Ok(Some(Ok(awc::ws::Frame::Close(reason)))) => panic!("the live socket was closed: {reason:?}"),
                Ok(None) => panic!("the live socket ended"),
                _ => {}
            }
        }
        pings
    };
    // The idle client reads but never answers.
    let idle_task = async {
        let mut pings = 0;
        loop {
            match tokio::time::timeout(Duration::from_secs(10), idle.next()).await.expect("closed within 10 s") {
                Some(Ok(awc::ws::Frame::Ping(_))) => pings += 1,
                Some(Ok(awc::ws::Frame::Close(reason))) => return (pings, reason.map(|r| u16::from(r.code))),
                Some(Ok(_)) => {}
                other => panic!("unexpected end: {other:?}"),
            }
        }
    };
    let (live_pings, (idle_pings, code)) = futures_util::join!(live_task, idle_task);
    assert!(live_pings >= 4, "the server pings every second: {live_pings}");
    assert!(idle_pings >= 2, "the idle client was pinged too: {idle_pings}");
    assert_eq!(code, Some(1001), "closed as going away");
    // Still usable after the idle one was closed.
    live.send(awc::ws::Message::Text(r#"{"type":"ping"}"#.into())).await.expect("sent");
    let pong = loop {
        match tokio::time::timeout(Duration::from_secs(5), live.next()).await.expect("a reply") {
            Some(Ok(awc::ws::Frame::Text(t))) => break serde_json::from_slice::<Value>(&t).expect("json"),
            Some(Ok(_)) => continue,
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(pong["type"], "pong");
}

#[actix_web::test]
async fn the_socket_negotiates_no_compression() {
    let app = spawn_app().await;
    let p = app.participant().await;
    let (res, _conn) = app
        .http
        .ws(app.url(&format!("/ws?token={}", p.token)))
        .set_header("sec-websocket-extensions", "permessage-deflate; client_max_window_bits")
        .connect()
        .await
        .expect("connects");
    assert_eq!(res.status().as_u16(), 101);
    assert!(res.headers().get("sec-websocket-extensions").is_none(), "{:?}", res.headers());
    assert!(res.headers().get("content-encoding").is_none(), "{:?}", res.headers());
}
