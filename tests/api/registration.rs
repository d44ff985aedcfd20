use serde_json::{json, Value};

use crate::helpers::*;

fn field_codes(body: &Value) -> Vec<(String, String)> {
    body["error"]["fields"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| (f["field"].as_str().unwrap_or("").into(), f["code"].as_str().unwrap_or("").into()))
                .collect()
        })
        .unwrap_or_default()
}

#[actix_web::test]
async fn registration_returns_a_credential_and_stores_personal_data_encrypted() {
    let app = spawn_app().await;
    let mut body = valid_registration();
    body["full_name"] = json!("Nguye\u{302}\u{303}n  Va\u{306}n   An"); // NFD, extra spaces
    body["phone"] = json!("+84 912 345 678");
    let (status, res) = app.register(&body).await;
    assert_eq!(status, 201, "{res}");
    assert!(res["token"].as_str().is_some_and(|t| t.len() > 20));
    let (name, phone_enc, masked, cccd_enc): (String, Vec<u8>, String, Option<Vec<u8>>) =
        sqlx::query_as("SELECT full_name, phone_enc, phone_masked, cccd_enc FROM participants WHERE id = $1")
            .bind(res["participant_id"].as_i64().expect("id"))
            .fetch_one(&app.pg)
            .await
            .expect("row");
    assert_eq!(name, "Nguyễn Văn An", "stored NFC with spaces collapsed");
    assert!(!String::from_utf8_lossy(&phone_enc).contains("0912345678"));
    assert!(!masked.contains("2345"), "{masked}");
    let cccd = body["cccd"].as_str().expect("cccd");
    assert!(!String::from_utf8_lossy(&cccd_enc.expect("stored")).contains(cccd));
    assert_eq!(app.state.keys.decrypt(&phone_enc).expect("decrypts"), "0912345678");
}

#[actix_web::test]
async fn every_bad_field_is_named_with_its_reason_in_vietnamese_and_english() {
    let app = spawn_app().await;
    let body = json!({
        "full_name": "X1!",
        "dob": "2031-01-01",
        "sex": "robot",
        "phone": "12345",
        "cccd": "999123456789",
        "commune_code": "99999",
        "unit_code": "nope",
        "consent": {"given": false, "version": "v1"}
    });
    let (status, vi) = app.register(&body).await;
    assert_eq!(status, 422);
    assert_eq!(vi["error"]["code"], "invalid_fields");
    let codes = field_codes(&vi);
    for expected in [
        ("full_name", "invalid_name"),
        ("dob", "invalid_date"),
        ("sex", "invalid_sex"),
        ("phone", "invalid_phone"),
        ("commune_code", "unknown_commune"),
        ("unit_code", "unknown_unit"),
        ("consent", "consent_required"),
    ] {
        assert!(codes.contains(&(expected.0.into(), expected.1.into())), "{expected:?} missing in {codes:?}");
    }
    let (_, en) = app.post_json(&format!("/api/contests/{SLUG}/register"), &body, "en-US,en;q=0.9").await;
    let vi_msg = vi["error"]["fields"][0]["message"].as_str().expect("message");
    let en_msg = en["error"]["fields"][0]["message"].as_str().expect("message");
    assert_ne!(vi_msg, en_msg, "the two catalogues differ");
    assert!(en_msg.is_ascii(), "{en_msg}");
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM participants").fetch_one(&app.pg).await.expect("count");
    assert_eq!(count, 0, "a refused registration writes nothing");
}

#[actix_web::test]
async fn cccd_must_agree_with_birth_year_and_sex_and_is_required_here() {
    let app = spawn_app().await;
    let mut body = valid_registration();
    body["cccd"] = json!("001095123456"); // born 1995, not 1990
    let (status, res) = app.register(&body).await;
    assert_eq!(status, 422);
    assert!(field_codes(&res).contains(&("cccd".into(), "cccd_mismatch_dob".into())), "{res}");
    body["cccd"] = json!("001190123456"); // female digit for a male
    let (_, res) = app.register(&body).await;
    assert!(field_codes(&res).contains(&("cccd".into(), "cccd_mismatch_sex".into())), "{res}");
    body.as_object_mut().expect("object").remove("cccd");
    let (_, res) = app.register(&body).await;
    assert!(field_codes(&res).contains(&("cccd".into(), "required".into())), "{res}");
}

#[actix_web::test]
async fn one_person_one_entry_by_phone_in_any_spelling_and_by_cccd() {
    let app = spawn_app().await;
    let first = valid_registration();
    assert_eq!(app.register(&first).await.0, 201);
    let phone = first["phone"].as_str().expect("phone");
    let mut again = valid_registration();
    again["phone"] = json!(format!("+84 {}", &phone[1..]));
    let (status, res) = app.register(&again).await;
    assert_eq!((status, res["error"]["code"].as_str()), (409, Some("phone_taken")), "{res}");
    let mut same_cccd = valid_registration();
    same_cccd["cccd"] = first["cccd"].clone();
    let (status, res) = app.register(&same_cccd).await;
    assert_eq!((status, res["error"]["code"].as_str()), (409, Some("cccd_taken")), "{res}");
}

#[actix_web::test]
async fn a_returning_participant_logs_in_with_phone_and_birth_date() {
    let app = spawn_app().await;
    let body = valid_registration();
    let (_, reg) = app.register(&body).await;
    let login = json!({"phone": body["phone"], "dob": "1990-05-20"});
    let (status, res) = app.post_json(&format!("/api/contests/{SLUG}/login"), &login, "vi").await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(res["participant_id"], reg["participant_id"]);
    let wrong = json!({"phone": body["phone"], "dob": "1991-05-20"});
    let (status, res) = app.post_json(&format!("/api/contests/{SLUG}/login"), &wrong, "vi").await;
    assert_eq!((status, res["error"]["code"].as_str()), (401, Some("login_failed")));
}

#[actix_web::test]
async fn malformed_bodies_and_unknown_paths_get_the_envelope() {
    let app = spawn_app().await;
    let mut res = app
        .http
        .post(app.url(&format!("/api/contests/{SLUG}/register")))
        .insert_header(("content-type", "application/json"))
        .send_body("{not json")
        .await
        .expect("sent");
    assert_eq!(res.status().as_u16(), 400);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["error"]["code"], "bad_request");
    let (status, body) = app.get_json("/api/contests/no-such-contest").await;
    assert_eq!((status, body["error"]["code"].as_str()), (404, Some("not_found")));
    let (status, body) = app.get_json("/nowhere").await;
    assert_eq!((status, body["error"]["code"].as_str()), (404, Some("not_found")));
    let big = json!({"full_name": "a".repeat(100_000)});
    let (status, body) = app.register(&big).await;
    assert_eq!((status, body["error"]["code"].as_str()), (413, Some("payload_too_large")));
}

#[actix_web::test]
async fn health_readiness_metrics_and_public_contest() {
    let app = spawn_app().await;
    let (status, ready) = app.get_json("/readyz").await;
    assert_eq!(status, 200);
    assert_eq!(ready["postgres"], "ok");
    let mut res = app.http.get(app.url("/metrics")).send().await.expect("sent");
    let text = String::from_utf8(res.body().await.expect("body").to_vec()).expect("utf8");
    assert!(text.contains("thiluat_open_connections"));
    let (status, contest) = app.get_json(&format!("/api/contests/{SLUG}")).await;
    assert_eq!(status, 200);
    assert_eq!(contest["rounds"].as_array().map(Vec::len), Some(2));
    assert_eq!(contest["units"].as_array().map(Vec::len), Some(99), "Lào Cai has 99 communes");
    let (_, found) = app.get_json("/api/communes?province=15&q=cam%20duong").await;
    assert_eq!(found[0]["name"], "Phường Cam Đường");
}

#[actix_web::test]
async fn security_headers_on_every_response_and_hsts_only_behind_tls() {
    let app = spawn_app().await;
    for path in ["/", "/api/contests/test-contest", "/nowhere"] {
        let res = app.http.get(app.url(path)).send().await.expect("sent");
        let h = res.headers();
        let csp = h.get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(
            csp.contains("script-src 'self'")
                && !csp.contains("unsafe-inline")
                && csp.contains("frame-ancestors 'none'"),
            "{path}: {csp}"
        );
        assert_eq!(h.get("x-content-type-options").and_then(|v| v.to_str().ok()), Some("nosniff"));
        assert!(h.get("referrer-policy").is_some());
        assert!(h.get("strict-transport-security").is_none(), "no HSTS over plain HTTP");
    }
    let res =
        app.http.get(app.url("/healthz")).insert_header(("x-forwarded-proto", "https")).send().await.expect("sent");
    assert!(res.headers().get("strict-transport-security").is_some(), "HSTS behind a TLS proxy");
}
