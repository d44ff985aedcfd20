//! Personal data under Law 91/2025/QH15 through the real server: a participant's download,
//! erasure (by the participant and by an organiser) and retention.

use serde_json::{json, Value};

use crate::admin::{Admin, Body};
use crate::helpers::*;

pub struct Person {
    pub id: i64,
    pub token: String,
    pub name: String,
    pub phone: String,
    pub cccd: String,
    pub registration: Value,
}

/// Registers `name` in the fixture contest.
pub async fn person(app: &TestApp, name: &str) -> Person {
    let mut body = valid_registration();
    body["full_name"] = json!(name);
    let (status, reg) = app.register(&body).await;
    assert_eq!(status, 201, "{reg}");
    Person {
        id: reg["participant_id"].as_i64().expect("id"),
        token: reg["token"].as_str().expect("token").to_string(),
        name: name.to_string(),
        phone: body["phone"].as_str().expect("phone").to_string(),
        cccd: body["cccd"].as_str().expect("cccd").to_string(),
        registration: body,
    }
}

/// Starts an attempt, answers `correct` questions right, submits; returns the attempt id.
pub async fn play(app: &TestApp, token: &str, correct: usize) -> String {
    let round = app.round();
    let mut ws = app.ws(token).await;
    let snap = ws.start(round).await;
    for (seq, (qid, _)) in questions(&snap).iter().enumerate().take(correct) {
        let options = correct_options(&app.pg, *qid).await;
        let ack = ws
            .request(json!({"type": "answer", "round_id": round, "attempt_id": snap["attempt_id"],
            "question_id": qid, "options": options, "seq": seq + 1}))
            .await;
        assert_eq!(ack["type"], "ack", "{ack}");
    }
    let result = ws
        .request(json!({"type": "submit", "round_id": round, "attempt_id": snap["attempt_id"], "prediction": 2}))
        .await;
    assert_eq!(result["type"], "result", "{result}");
    snap["attempt_id"].as_str().expect("attempt").to_string()
}

/// An organisation owning the fixture contest, with its admin logged in.
pub async fn owned_contest(app: &TestApp, slug: &str) -> (Admin, i64, i64) {
    let (org, email) = app.org_with_admin(slug).await;
    sqlx::query("UPDATE contests SET organisation_id = $1 WHERE slug = $2")
        .bind(org)
        .bind(SLUG)
        .execute(&app.pg)
        .await
        .expect("own the contest");
    let contest: i64 =
        sqlx::query_scalar("SELECT id FROM contests WHERE slug = $1").bind(SLUG).fetch_one(&app.pg).await.expect("c");
    (app.login(&email, "mật khẩu rất dài 1").await.expect("login"), org, contest)
}

impl TestApp {
    pub async fn as_participant(&self, method: &str, path: &str, token: &str, body: Option<Value>) -> (u16, Value) {
        let method = awc::http::Method::from_bytes(method.as_bytes()).expect("method");
        let req = self.http.request(method, self.url(path)).insert_header(("authorization", format!("Bearer {token}")));
        let mut res = match body {
            Some(b) => req.send_json(&b).await,
            None => req.send().await,
        }
        .expect("sent");
        let status = res.status().as_u16();
        (status, res.json::<Value>().limit(8 << 20).await.unwrap_or(Value::Null))
    }

    pub async fn download_as(&self, admin: &Admin, path: &str) -> (u16, Vec<u8>) {
        let mut res = self
            .http
            .get(self.url(path))
            .insert_header(("cookie", format!("thiluat_session={}", admin.cookie)))
            .send()
            .await
            .expect("sent");
        (res.status().as_u16(), res.body().limit(64 << 20).await.expect("body").to_vec())
    }
}

async fn finalise(app: &TestApp, admin: &Admin) {
    let round = app.round();
    assert_eq!(app.call(Some(admin), "POST", &format!("/api/admin/rounds/{round}/close"), Body::None).await.0, 200);
    let (status, fin) = app.call(Some(admin), "POST", &format!("/api/admin/rounds/{round}/finalize"), Body::None).await;
    assert_eq!(status, 200, "{fin}");
}

async fn ranks(app: &TestApp) -> Vec<(i64, i32, i32)> {
    sqlx::query_as("SELECT participant_id, rank, correct FROM results WHERE round_id = $1 ORDER BY participant_id")
        .bind(app.round())
        .fetch_all(&app.pg)
        .await
        .expect("results")
}

#[actix_web::test]
async fn the_download_has_everything_about_the_participant_and_nothing_of_another() {
    let app = spawn_app_with(Options { first_round: Some("grace_ms = 0"), ..Options::default() }).await;
    let (admin, org, _) = owned_contest(&app, "dl").await;
    let a = person(&app, "Trần Thị Bích").await;
    let b = person(&app, "Lê Văn Cường").await;
    let attempt = play(&app, &a.token, 3).await;
    play(&app, &b.token, 4).await;
    finalise(&app, &admin).await;

    let mut oas = crate::openapi::Checker::new();
    let (status, data) = app.as_participant("GET", "/api/me/data", &a.token, None).await;
    assert_eq!(status, 200, "{data}");
    oas.answer("get", "/api/me/data", status, &data);
    let p = &data["participant"];
    assert_eq!(p["id"], a.id);
    assert_eq!(p["full_name"], a.name);
    assert_eq!(p["phone"], a.phone, "phone decrypted");
    assert_eq!(p["cccd"], a.cccd, "CCCD decrypted");
    assert_eq!(p["dob"], "1990-05-20");
    assert_eq!(p["sex"], "male");
    assert_eq!((p["commune_code"].as_str(), p["unit_code"].as_str()), (Some("02647"), Some("02647")));
    assert_eq!(p["consent"]["version"], "v1");
    assert!(p["consent"]["given_at"].is_string());
    let attempts = data["attempts"].as_array().expect("attempts");
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0]["id"], attempt);
    assert_eq!(attempts[0]["correct"], 3);
    assert_eq!(attempts[0]["answers"].as_array().map(Vec::len), Some(3), "every saved answer");
    assert!(attempts[0]["answers"][0]["chosen"][0].is_string(), "the chosen option's text");
    let results = data["results"].as_array().expect("results");
    assert_eq!(results.len(), 1);
    assert_eq!((results[0]["rank"].as_i64(), results[0]["correct"].as_i64()), (Some(2), Some(3)));
    assert!(data["prizes"].is_array());
    assert_eq!(data["contest"]["slug"], SLUG);

    // Nothing of B: not their name, phone, CCCD, id or attempts.
    let text = data.to_string();
    for secret in [b.name.as_str(), b.phone.as_str(), b.cccd.as_str()] {
        assert!(!text.contains(secret), "B's {secret} in A's download");
    }
    let b_attempts: i64 = sqlx::query_scalar("SELECT count(*) FROM attempts WHERE participant_id = $1")
        .bind(b.id)
        .fetch_one(&app.pg)
        .await
        .expect("count");
    assert_eq!(b_attempts, 1);
    assert!(!text.contains(&format!("\"participant_id\":{}", b.id)));

    // Audited, without the data itself; a forged token gets nothing.
    let audited: Vec<(String, Value)> = sqlx::query_as(
        "SELECT action, details FROM audit_log WHERE organisation_id = $1 AND action = 'participant.data_download'",
    )
    .bind(org)
    .fetch_all(&app.pg)
    .await
    .expect("audit");
    assert_eq!(audited.len(), 1);
    assert!(!audited[0].1.to_string().contains(&a.phone));
    let (status, body) = app.as_participant("GET", "/api/me/data", "forged.token", None).await;
    assert_eq!(status, 401);
    oas.answer("get", "/api/me/data", status, &body);
    assert!(oas.errors.is_empty(), "answers differ from src/http/openapi.json:\n{}", oas.errors.join("\n"));
}

/// An erased participant's socket that was already open is closed at once: on the node that
/// erased (the participant's own request) and on another node (an organiser's, elsewhere);
/// the sockets of others stay open.
#[actix_web::test]
async fn erasure_closes_the_sockets_already_open_on_every_node() {
    let app = spawn_app().await;
    let other_node = spawn_app_with(Options { share: Some(app.shared.clone()), ..Options::default() }).await;
    let (admin, _, _) = owned_contest(&app, "ws-er").await;
    let a = person(&app, "Trần Thị Bích").await;
    let b = person(&app, "Lê Văn Cường").await;
    let c = person(&app, "Phạm Minh Đức").await;
    let round = app.round();

    // A, mid-attempt on this node, erases their own data.
    let mut a_here = app.ws(&a.token).await;
    a_here.start(round).await;
    let mut a_there = other_node.ws(&a.token).await;
    let mut c_there = other_node.ws(&c.token).await;
    let (status, body) = app.as_participant("POST", "/api/me/erase", &a.token, Some(json!({"confirm": true}))).await;
    assert_eq!(status, 200, "{body}");
    for ws in [&mut a_here, &mut a_there] {
        let told = ws.recv().await;
        assert_eq!(
            (told["type"].as_str(), told["code"].as_str()),
            (Some("error"), Some("participant_erased")),
            "{told}"
        );
        assert_eq!(ws.closed().await, Some(1008), "closed as a policy matter");
    }

    // The organiser erases B on this node; B's socket is on the other one.
    let mut b_there = other_node.ws(&b.token).await;
    let erase_b = format!("/api/admin/participants/{}/erase", b.id);
    let (status, _) = app.call(Some(&admin), "POST", &erase_b, Body::Json(json!({"reason": "Đơn ngày 2/12"}))).await;
    assert_eq!(status, 200);
    assert_eq!(b_there.recv().await["code"], "participant_erased");
    assert_eq!(b_there.closed().await, Some(1008));

    // C was named by neither: the socket answers as before.
    let pong = c_there.request(json!({"type": "ping"})).await;
    assert_eq!(pong["type"], "pong", "{pong}");
    other_node.stop().await;
}

#[actix_web::test]
async fn after_erasure_nothing_shows_the_person_and_ranks_do_not_move() {
    let app = spawn_app_with(Options { first_round: Some("grace_ms = 0"), ..Options::default() }).await;
    let (admin, org, contest) = owned_contest(&app, "er").await;
    let a = person(&app, "Trần Thị Bích").await;
    let b = person(&app, "Lê Văn Cường").await;
    let c = person(&app, "Phạm Minh Đức").await;
    play(&app, &a.token, 4).await;
    play(&app, &b.token, 2).await;
    play(&app, &c.token, 3).await;
    finalise(&app, &admin).await;
    let before = ranks(&app).await;

    // Immediate erasure needs an explicit confirmation.
    let mut oas = crate::openapi::Checker::new();
    let (status, body) = app.as_participant("POST", "/api/me/erase", &a.token, Some(json!({"confirm": false}))).await;
    oas.answer("post", "/api/me/erase", status, &body);
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("invalid_fields")));
    let (status, body) = app.as_participant("POST", "/api/me/erase", &a.token, Some(json!({"confirm": true}))).await;
    assert_eq!(status, 200, "{body}");
    oas.answer("post", "/api/me/erase", status, &body);
    let (status, body) = app.as_participant("POST", "/api/me/erase", &a.token, Some(json!({"confirm": true}))).await;
    oas.answer("post", "/api/me/erase", status, &body);
    assert_eq!(status, 410);
    assert_eq!(ranks(&app).await, before, "results kept, rank numbers unchanged");
    // The credential, still validly signed, no longer opens the websocket either.
    match app.http.ws(app.url(&format!("/ws?token={}", a.token))).connect().await {
        Err(awc::error::WsClientError::InvalidResponseStatus(status)) => assert_eq!(status.as_u16(), 410),
        other => panic!("an erased participant's credential must be refused: {:?}", other.map(|_| ())),
    }
    // Another participant's credential still does.
    let _ = app.ws(&c.token).await;

    // The organiser executes B's request received by letter.
    let erase_b = format!("/api/admin/participants/{}/erase", b.id);
    let (status, body) = app.call(Some(&admin), "POST", &erase_b, Body::Json(json!({"reason": ""}))).await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("invalid_fields")));
    oas.answer("post", "/api/admin/participants/{id}/erase", status, &body);
    let (status, body) =
        app.call(Some(&admin), "POST", &erase_b, Body::Json(json!({"reason": "Đơn đề nghị ngày 1/12"}))).await;
    assert_eq!(status, 200);
    oas.answer("post", "/api/admin/participants/{id}/erase", status, &body);
    let (status, body) = app.call(Some(&admin), "POST", &erase_b, Body::Json(json!({"reason": "again"}))).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("participant_erased")));
    oas.answer("post", "/api/admin/participants/{id}/erase", status, &body);

    // Finalising again (e.g. after a disqualification) gives the same ranks.
    let round = app.round();
    let (status, _) = app.call(Some(&admin), "POST", &format!("/api/admin/rounds/{round}/finalize"), Body::None).await;
    assert_eq!(status, 200);
    assert_eq!(ranks(&app).await, before);

    // No export, API answer or download holds the old name, phone or CCCD.
    let mut seen = Vec::new();
    for path in [
        format!("/api/admin/rounds/{round}/results.csv?personal=true"),
        format!("/api/admin/rounds/{round}/results.csv"),
    ] {
        let (status, bytes) = app.download_as(&admin, &path).await;
        assert_eq!(status, 200);
        seen.push(String::from_utf8(bytes).expect("utf8"));
    }
    let (status, xlsx) =
        app.download_as(&admin, &format!("/api/admin/rounds/{round}/results.xlsx?personal=true")).await;
    assert_eq!(status, 200);
    let sheet = thiluat::contest::bank::xlsx_rows(&xlsx).expect("xlsx");
    seen.push(format!("{sheet:?}"));
    seen.push(
        app.call(Some(&admin), "GET", &format!("/api/admin/contests/{contest}/winners"), Body::None)
            .await
            .1
            .to_string(),
    );
    seen.push(app.get_json(&format!("/api/rounds/{round}/leaderboard?limit=100")).await.1.to_string());
    let (status, gone) = app.as_participant("GET", "/api/me/data", &a.token, None).await;
    assert_eq!((status, gone["error"]["code"].as_str()), (410, Some("participant_erased")));
    oas.answer("get", "/api/me/data", status, &gone);
    seen.push(gone.to_string());
    let row: String = sqlx::query_scalar("SELECT string_agg(p::text, '|') FROM participants p WHERE id = ANY($1)")
        .bind(vec![a.id, b.id])
        .fetch_one(&app.pg)
        .await
        .expect("rows");
    assert!(!row.contains("1990-05-20"), "the birth date is coarsened to the year: {row}");
    seen.push(row);
    let audit: String = sqlx::query_scalar("SELECT string_agg(details::text, '|') FROM audit_log")
        .fetch_one(&app.pg)
        .await
        .expect("audit");
    seen.push(audit);
    for text in &seen {
        for who in [&a, &b] {
            for secret in [who.name.as_str(), who.phone.as_str(), who.cccd.as_str(), &who.phone[who.phone.len() - 3..]]
            {
                // (the masked phone "09x•••••123" ends with the last three digits)
                if secret.len() == 3 {
                    assert!(!text.contains(&format!("•{secret}")), "{secret} still in {text}");
                } else {
                    assert!(!text.contains(secret), "{secret} still in {text}");
                }
            }
        }
    }
    // The placeholder is what exports show, at the erased rows' ranks; C is untouched.
    let csv = &seen[0];
    assert!(csv.contains(thiluat::privacy::ERASED_NAME), "{csv}");
    assert!(csv.contains(&c.name) && csv.contains(&c.phone) && csv.contains(&c.cccd));
    let erased_row = csv.lines().find(|l| l.contains(thiluat::privacy::ERASED_NAME)).expect("erased row");
    assert!(erased_row.starts_with("1,"), "A ranked first still: {erased_row}");

    // Audited; the contest does not allow re-entry, so A's phone cannot register again...
    let actions: Vec<(Option<i64>, String)> = sqlx::query_as(
        "SELECT account_id, details->>'by' FROM audit_log WHERE organisation_id = $1 AND action = 'participant.erase' ORDER BY id",
    )
    .bind(org)
    .fetch_all(&app.pg)
    .await
    .expect("audit");
    assert_eq!(actions.len(), 2);
    assert_eq!(actions[0], (None, "participant".to_string()));
    assert_eq!(actions[1].1, "organiser");
    assert!(actions[1].0.is_some());
    let (status, body) = app.register(&a.registration).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("phone_taken")), "one person, one entry");
    // ...until the rules allow it: then an erasure drops the uniqueness HMACs.
    let (status, settings) = app
        .call(
            Some(&admin),
            "PUT",
            &format!("/api/admin/contests/{contest}/privacy"),
            Body::Json(json!({"reentry_after_erasure": true, "retention_days": 90})),
        )
        .await;
    assert_eq!(status, 200, "{settings}");
    oas.answer("put", "/api/admin/contests/{id}/privacy", status, &settings);
    let (status, body) =
        app.call(Some(&admin), "GET", &format!("/api/admin/contests/{contest}/privacy"), Body::None).await;
    oas.answer("get", "/api/admin/contests/{id}/privacy", status, &body);
    assert_eq!(body, settings);
    assert_eq!((settings["retention_days"].as_i64(), settings["erased_participants"].as_i64()), (Some(90), Some(2)));
    let (status, _) = app
        .call(
            Some(&admin),
            "PUT",
            &format!("/api/admin/contests/{contest}/privacy"),
            Body::Json(json!({"retention_days": -1})),
        )
        .await;
    assert_eq!(status, 422);
    let (status, _) = app.as_participant("POST", "/api/me/erase", &c.token, Some(json!({"confirm": true}))).await;
    assert_eq!(status, 200);
    let (status, body) = app.register(&c.registration).await;
    assert_eq!(status, 201, "re-entry allowed: {body}");
    assert_eq!(ranks(&app).await, before);
    assert!(oas.errors.is_empty(), "answers differ from src/http/openapi.json:\n{}", oas.errors.join("\n"));
}

/// A contest of the fixture's shape whose only round closed `days_ago` days ago, with one
/// participant copied from `from`.
async fn old_contest(app: &TestApp, slug: &str, days_ago: i64, retention_days: i32, from: i64) -> (i64, i64) {
    let contest: i64 = sqlx::query_scalar(
        "INSERT INTO contests (slug, title, organiser, consent_version, consent_text, retention_days) \
         VALUES ($1, 'Cũ', 'Sở Tư pháp', 'v1', 'Đồng ý', $2) RETURNING id",
    )
    .bind(slug)
    .bind(retention_days)
    .fetch_one(&app.pg)
    .await
    .expect("contest");
    sqlx::query(
        "INSERT INTO rounds (contest_id, position, title, opens_at, closes_at, time_limit_ms, questions_per_attempt, \
         draw_rule, ranking_chain, question_ids) \
         VALUES ($1, 1, 'Tuần 1', now() - ($2 + 7) * interval '1 day', now() - $2 * interval '1 day', 600000, 5, '[]', \
         '{correct_desc}', '{}')",
    )
    .bind(contest)
    .bind(days_ago as f64)
    .execute(&app.pg)
    .await
    .expect("round");
    sqlx::query("INSERT INTO units (contest_id, code, name) VALUES ($1, '02647', 'Phường Lào Cai')")
        .bind(contest)
        .execute(&app.pg)
        .await
        .expect("unit");
    let participant: i64 = sqlx::query_scalar(
        "INSERT INTO participants (contest_id, full_name, dob, sex, phone_enc, phone_hmac, phone_masked, cccd_enc, \
           cccd_hmac, commune_code, units_version, unit_code, consent_at, consent_version) \
         SELECT $1, full_name, dob, sex, phone_enc, phone_hmac, phone_masked, cccd_enc, cccd_hmac, commune_code, \
           units_version, unit_code, consent_at, consent_version FROM participants WHERE id = $2 RETURNING id",
    )
    .bind(contest)
    .bind(from)
    .fetch_one(&app.pg)
    .await
    .expect("participant");
    (contest, participant)
}

#[actix_web::test]
async fn retention_anonymises_only_contests_past_their_retention_and_is_idempotent() {
    let app = spawn_app().await;
    let current = person(&app, "Trần Thị Bích").await;
    let (expired, old) = old_contest(&app, "het-han", 40, 30, current.id).await;
    let (_kept, young) = old_contest(&app, "con-han", 10, 30, current.id).await;
    let pg = app.pg.clone();
    let personal = |id: i64| {
        let pg = pg.clone();
        async move {
            sqlx::query_as::<_, (String, Option<Vec<u8>>)>(
                "SELECT full_name, phone_hmac FROM participants WHERE id = $1",
            )
            .bind(id)
            .fetch_one(&pg)
            .await
            .expect("participant")
        }
    };

    // The command, as an operator runs it: a dry run lists the expired contest only.
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_thiluat"))
            .args(args)
            .env("DATABASE_URL", &app.shared.db_url)
            .env("THILUAT_SECRET", &app.shared.secret)
            .output()
            .expect("thiluat runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).expect("utf8")
    };
    let dry = run(&["retention", "run", "--dry-run"]);
    assert!(dry.contains("\"het-han\"") && !dry.contains("con-han") && !dry.contains(SLUG), "{dry}");
    assert!(dry.contains("would anonymise 1 participants"), "{dry}");
    assert_eq!(personal(old).await.0, current.name, "a dry run changes nothing");

    let done = run(&["retention", "run"]);
    assert!(done.contains("retention: 1 contests anonymised"), "{done}");
    assert_eq!(personal(old).await, (thiluat::privacy::ERASED_NAME.to_string(), None));
    assert_eq!(personal(young).await.0, current.name, "still within its retention");
    assert_eq!(personal(current.id).await.0, current.name, "the running contest is untouched");
    let audited: Vec<(String, Option<i64>, Value)> =
        sqlx::query_as("SELECT object_id, account_id, details FROM audit_log WHERE action = 'contest.retention'")
            .fetch_all(&app.pg)
            .await
            .expect("audit");
    assert_eq!(audited.len(), 1);
    assert_eq!((audited[0].0.as_str(), audited[0].1), (expired.to_string().as_str(), None));
    assert_eq!(audited[0].2["participants"], 1);

    // Idempotent: nothing left to do, nothing audited twice.
    let again = run(&["retention", "run"]);
    assert!(again.contains("retention: 0 contests anonymised"), "{again}");
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'contest.retention'")
        .fetch_one(&app.pg)
        .await
        .expect("count");
    assert_eq!(count, 1);
    // The erased-but-HMAC-kept case: retention drops the HMACs too.
    let mut tx = app.pg.begin().await.expect("tx");
    assert!(thiluat::privacy::erase_participant(&mut tx, young, thiluat::privacy::ErasedBy::Organiser)
        .await
        .expect("erase"));
    tx.commit().await.expect("commit");
    assert!(personal(young).await.1.is_some(), "re-entry not allowed: the HMAC stays for now");
    let later = chrono::Utc::now() + chrono::Duration::days(30);
    let due = thiluat::privacy::retention_run(&app.pg, later, false).await.expect("run");
    assert_eq!(due.iter().map(|d| d.slug.as_str()).collect::<Vec<_>>(), ["con-han"]);
    assert_eq!(personal(young).await.1, None);
}
