//! Time extensions granted by an organiser are honoured by the deadline; share codes count the
//! registrations they bring.

use serde_json::{json, Value};

use crate::admin::Body;
use crate::helpers::*;

async fn organiser(app: &TestApp) -> crate::admin::Admin {
    crate::privacy::owned_contest(app, "ext").await.0
}

fn limit_ms(snap: &Value) -> i64 {
    snap["deadline_ms"].as_i64().expect("deadline") - snap["started_ms"].as_i64().expect("started")
}

#[actix_web::test]
async fn a_granted_extension_lengthens_the_next_attempt_only_for_that_participant() {
    let app = spawn_app().await;
    let admin = organiser(&app).await;
    let round = app.round();
    let (with, without) = (app.participant().await, app.participant().await);

    // Bad values change nothing.
    let path = format!("/api/admin/participants/{}/extension", with.id);
    let (status, body) =
        app.call(Some(&admin), "PUT", &path, Body::Json(json!({"multiplier_pct": 50, "reason": " "}))).await;
    assert_eq!(status, 422, "{body}");
    let fields: Vec<&str> =
        body["error"]["fields"].as_array().expect("fields").iter().filter_map(|f| f["field"].as_str()).collect();
    assert_eq!(fields, vec!["multiplier_pct", "reason"]);
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM time_extensions").fetch_one(&app.pg).await.expect("n");
    assert_eq!(n, 0);

    let (status, body) = app
        .call(
            Some(&admin),
            "PUT",
            &path,
            Body::Json(
                json!({"extra_minutes": 10, "multiplier_pct": 150, "reason": "Khiếm thị, dùng trình đọc màn hình"}),
            ),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["extra_minutes"], 10);
    let audited: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'participant.time_extension'")
        .fetch_one(&app.pg)
        .await
        .expect("audit");
    assert_eq!(audited, 1);

    // The fixture's time limit is 15 minutes: 15 × 1.5 + 10 = 32.5 minutes for one, 15 for the other.
    let snap = app.ws(&with.token).await.start(round).await;
    assert_eq!(limit_ms(&snap), 32 * 60_000 + 30_000, "{snap}");
    assert!(snap["remaining_ms"].as_i64().expect("remaining") > 30 * 60_000);
    let snap = app.ws(&without.token).await.start(round).await;
    assert_eq!(limit_ms(&snap), 15 * 60_000);
    app.stop().await;
}

#[actix_web::test]
async fn share_codes_record_who_referred_whom_and_organisers_see_the_counts() {
    let app = spawn_app().await;
    let admin = organiser(&app).await;
    let (status, a) = app.register(&valid_registration()).await;
    assert_eq!(status, 201, "{a}");
    let code = a["referral_code"].as_str().expect("code").to_string();
    assert_eq!(code.len(), 8);
    let referrer = a["participant_id"].as_i64().expect("id");

    let mut b = valid_registration();
    b["referral"] = json!(code.to_lowercase());
    let (status, b) = app.register(&b).await;
    assert_eq!(status, 201, "{b}");
    assert_ne!(b["referral_code"], a["referral_code"]);
    let mut c = valid_registration();
    c["referral"] = json!("ZZZZZZZZ");
    let (status, c) = app.register(&c).await;
    assert_eq!(status, 201, "an unknown code never blocks a registration: {c}");

    let by: Vec<(i64, Option<i64>)> =
        sqlx::query_as("SELECT participant_id, referred_by FROM referrals ORDER BY participant_id")
            .fetch_all(&app.pg)
            .await
            .expect("rows");
    assert_eq!(
        by,
        vec![
            (referrer, None),
            (b["participant_id"].as_i64().expect("b"), Some(referrer)),
            (c["participant_id"].as_i64().expect("c"), None)
        ]
    );

    let contest: i64 =
        sqlx::query_scalar("SELECT id FROM contests WHERE slug = $1").bind(SLUG).fetch_one(&app.pg).await.expect("id");
    let (status, list) =
        app.call(Some(&admin), "GET", &format!("/api/admin/contests/{contest}/referrals"), Body::None).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(
        list["items"],
        json!([{"participant_id": referrer, "full_name": "Nguyễn Văn An", "code": code, "referred": 1}])
    );

    // Logging in again gives back the same code.
    let (status, again) = app
        .post_json(
            &format!("/api/contests/{SLUG}/login"),
            &json!({"phone": valid_phone_of(&app, referrer).await, "dob": "1990-05-20"}),
            "vi",
        )
        .await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["referral_code"], json!(code));
    app.stop().await;
}

async fn valid_phone_of(app: &TestApp, participant: i64) -> String {
    let enc: Vec<u8> = sqlx::query_scalar("SELECT phone_enc FROM participants WHERE id = $1")
        .bind(participant)
        .fetch_one(&app.pg)
        .await
        .expect("phone");
    app.state.keys.decrypt(&enc).expect("decrypt")
}
