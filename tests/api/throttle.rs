//! Password guessing under concurrency: the throttles count an attempt before its password
//! hash, in one Redis script, so a burst of simultaneous guesses evaluates at most the allowed
//! number; and a node computes at most its hash rate, refusing the rest at once (503).

use serde_json::json;
use thiluat::auth::{CONTEST_PASSWORD_PER_ADDRESS, LOGIN_PER_ACCOUNT};

use crate::helpers::*;

/// Posts JSON with a patient client: a burst of argon2 hashes on a busy 2-core machine can
/// take longer than the default client's 5 s.
async fn post(app: &TestApp, path: &str, body: serde_json::Value) -> (u16, Option<String>, serde_json::Value) {
    let client = awc::Client::builder().timeout(std::time::Duration::from_secs(120)).finish();
    let mut res = client.post(app.url(path)).send_json(&body).await.expect("sent");
    let retry = res.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_string);
    let body: serde_json::Value = res.json().await.unwrap_or_default();
    (res.status().as_u16(), retry, body)
}

#[actix_web::test]
async fn two_hundred_simultaneous_wrong_logins_evaluate_at_most_the_allowed_number() {
    let app = spawn_app().await;
    let (_, email) = app.org_with_admin("doan-mat-khau").await;
    let before = app.state.hasher.computed();
    let body = json!({"email": email, "password": "sai mật khẩu rồi nhé"});
    let tries = futures_util::future::join_all((0..200).map(|_| post(&app, "/api/admin/login", body.clone()))).await;
    let evaluated = app.state.hasher.computed() - before;
    let statuses: Vec<u16> = tries.iter().map(|t| t.0).collect();
    let allowed = LOGIN_PER_ACCOUNT.max_failures as usize;
    assert_eq!(evaluated, allowed as u64, "hashes computed for 200 simultaneous guesses");
    assert_eq!(statuses.iter().filter(|s| **s == 401).count(), allowed, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 200 - allowed, "{statuses:?}");
}

#[actix_web::test]
async fn simultaneous_wrong_contest_passwords_evaluate_at_most_the_allowed_number() {
    let app = spawn_app().await;
    sqlx::query("UPDATE contests SET password_hash = $1")
        .bind(app.state.hasher.hash("mat-khau-cuoc-thi").await.expect("hash"))
        .execute(&app.pg)
        .await
        .expect("a closed contest");
    let before = app.state.hasher.computed();
    let app = &app;
    let tries = futures_util::future::join_all((0..200).map(|_| {
        let mut body = valid_registration();
        body["contest_password"] = json!("doan-bua");
        async move { post(app, &format!("/api/contests/{SLUG}/register"), body).await.0 }
    }))
    .await;
    let evaluated = app.state.hasher.computed() - before;
    let allowed = CONTEST_PASSWORD_PER_ADDRESS.max_failures as usize;
    // Past the node's hash rate a few are refused at once (503) instead of hashed.
    let (wrong, busy) = (tries.iter().filter(|s| **s == 403).count(), tries.iter().filter(|s| **s == 503).count());
    assert_eq!(evaluated, wrong as u64);
    assert_eq!(wrong + busy, allowed, "{tries:?}");
    assert_eq!(tries.iter().filter(|s| **s == 429).count(), 200 - allowed, "{tries:?}");
    // Blocked means blocked: until the window ends, this address's password is not checked.
    let mut body = valid_registration();
    body["contest_password"] = json!("mat-khau-cuoc-thi");
    assert_eq!(app.register(&body).await.0, 429);
}

/// Guesses spread over many accounts (each under its own limit) still cannot take the CPU:
/// past the node's hash rate they are refused at once with 503 and `Retry-After`.
#[actix_web::test]
async fn the_node_computes_at_most_its_hash_rate_and_refuses_the_rest_at_once() {
    let app = spawn_app().await;
    let before = app.state.hasher.computed();
    let app = &app;
    let tries = futures_util::future::join_all((0..90).map(|i| async move {
        let body = json!({"email": format!("khong-co-{i}@stp.example"), "password": "một mật khẩu bất kỳ"});
        let (status, retry, body) = post(app, "/api/admin/login", body).await;
        (status, retry, body["error"]["code"].as_str().unwrap_or_default().to_string())
    }))
    .await;
    let evaluated = app.state.hasher.computed() - before;
    let busy: Vec<_> = tries.iter().filter(|t| t.0 == 503).collect();
    assert!(!busy.is_empty(), "90 at once is past the rate of this test's hasher: {tries:?}");
    assert!(busy.iter().all(|t| t.1.as_deref() == Some("1") && t.2 == "unavailable"), "{busy:?}");
    assert_eq!(tries.iter().filter(|t| t.0 == 401).count() as u64, evaluated, "only what was computed was judged");
    assert!(evaluated < 90, "{evaluated}");
}
