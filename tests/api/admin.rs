//! The organiser API through the real server: sessions, roles, authoring, running, audit.

use serde_json::{json, Value};
use thiluat::contest::bank::{self, BankQuestion, Difficulty};

use crate::helpers::*;

pub struct Admin {
    pub cookie: String,
    pub csrf: String,
}

pub enum Body {
    None,
    Json(Value),
    Bytes(Vec<u8>),
}

impl TestApp {
    pub async fn org_with_admin(&self, slug: &str) -> (i64, String) {
        let email = format!("admin@{slug}.example");
        let hasher = thiluat::auth::PasswordHasher::new(2);
        let (org, _) = thiluat::http::admin::accounts::create_admin(
            &self.pg,
            &hasher,
            slug,
            &format!("Sở Tư pháp {slug}"),
            &email,
            "Quản trị",
            "mật khẩu rất dài 1",
        )
        .await
        .expect("admin created");
        (org, email)
    }

    pub async fn login(&self, email: &str, password: &str) -> Result<Admin, (u16, Value)> {
        let mut res = self
            .http
            .post(self.url("/api/admin/login"))
            .send_json(&json!({"email": email, "password": password}))
            .await
            .expect("sent");
        let status = res.status().as_u16();
        let cookie = res.cookie("thiluat_session").map(|c| c.value().to_string());
        let body: Value = res.json().await.unwrap_or(Value::Null);
        match (status, cookie) {
            (200, Some(cookie)) => Ok(Admin { cookie, csrf: body["csrf_token"].as_str().expect("csrf").to_string() }),
            _ => Err((status, body)),
        }
    }

    /// A new member's first login: the one-time password an admin handed over, then the
    /// member's own (issue 16 item 3: nothing else opens before), as the console does it.
    pub async fn first_login(&self, email: &str, temporary: &str) -> Admin {
        let one_time = self.login(email, temporary).await.expect("the one-time password logs in");
        let own = format!("{email} chose this one");
        let (status, res) = self
            .call(
                Some(&one_time),
                "POST",
                "/api/admin/password",
                Body::Json(json!({"current_password": temporary, "new_password": own})),
            )
            .await;
        assert_eq!(status, 200, "{res}");
        self.login(email, &own).await.expect("the member's own password logs in")
    }

    /// A bank of 3 questions in the organisation and a round of the contest open now (2
    /// questions an attempt): what a contest needs, besides its texts, to be published.
    pub async fn bank_and_open_round(&self, admin: &Admin, org: i64, contest: i64) {
        let xlsx = bank::to_xlsx(&bank_of(3)).expect("xlsx");
        let (status, res) =
            self.call(Some(admin), "POST", &format!("/api/admin/orgs/{org}/questions/import"), Body::Bytes(xlsx)).await;
        assert_eq!(status, 200, "{res}");
        let (status, res) = self
            .call(
                Some(admin),
                "POST",
                &format!("/api/admin/contests/{contest}/rounds"),
                Body::Json(json!({
                    "title": "R", "opens_at": now_plus_hours(-1), "closes_at": now_plus_hours(5), "time_limit_minutes": 10,
                    "questions_per_attempt": 2, "draw": [{"count": 2}], "ranking": ["correct_desc"]
                })),
            )
            .await;
        assert_eq!(status, 201, "{res}");
    }

    pub async fn call(&self, who: Option<&Admin>, method: &str, path: &str, body: Body) -> (u16, Value) {
        let method = awc::http::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.http.request(method, self.url(path));
        if let Some(a) = who {
            req = req
                .insert_header(("cookie", format!("thiluat_session={}", a.cookie)))
                .insert_header(("x-csrf-token", a.csrf.clone()));
        }
        let mut res = match body {
            Body::None => req.send().await,
            Body::Json(v) => req.send_json(&v).await,
            Body::Bytes(b) => req.send_body(b).await,
        }
        .expect("sent");
        let status = res.status().as_u16();
        let bytes = res.body().limit(32 << 20).await.expect("body");
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }
}

pub fn bank_of(n: usize) -> Vec<BankQuestion> {
    (0..n)
        .map(|i| BankQuestion {
            code: format!("Q-{i:03}"),
            topic: if i % 2 == 0 { "hien-phap".into() } else { "can-cuoc".into() },
            difficulty: [Difficulty::Easy, Difficulty::Medium, Difficulty::Hard][i % 3],
            text: format!("Câu hỏi số {i}?"),
            options: vec!["Một".into(), "Hai".into(), "Ba".into(), "Bốn".into()],
            correct: vec![i % 4],
            explanation: "Giải thích.".into(),
            law: "Luật".into(),
            article: format!("Điều {i}"),
            translations: Default::default(),
        })
        .collect()
}

pub fn now_plus_hours(h: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::hours(h)).to_rfc3339()
}

pub async fn audit_actions(app: &TestApp, org: i64) -> Vec<String> {
    sqlx::query_scalar("SELECT action FROM audit_log WHERE organisation_id = $1 ORDER BY id")
        .bind(org)
        .fetch_all(&app.pg)
        .await
        .expect("audit")
}

/// A Department of Justice runs a whole contest through the API.
#[actix_web::test]
async fn a_contest_from_nothing_to_finalised_results_through_the_api() {
    let app = spawn_app().await;
    let (org, email) = app.org_with_admin("laocai").await;
    let admin = app.login(&email, "mật khẩu rất dài 1").await.expect("admin logs in");
    let (status, added) = app
        .call(
            Some(&admin),
            "POST",
            &format!("/api/admin/orgs/{org}/members"),
            Body::Json(json!({"email": "org@laocai.example", "display_name": "Cán bộ", "role": "organiser"})),
        )
        .await;
    assert_eq!(status, 201, "{added}");
    let organiser = app.first_login("org@laocai.example", added["temporary_password"].as_str().expect("temp")).await;

    let (status, created) = app
        .call(Some(&organiser), "POST", &format!("/api/admin/orgs/{org}/contests"), Body::Json(json!({
            "slug": "tim-hieu-2027", "title": "Tìm hiểu pháp luật 2027", "organiser": "Sở Tư pháp tỉnh Lào Cai", "cccd_required": false,
            "scope": {"provinces": ["15"]}
        })))
        .await;
    assert_eq!(status, 201, "{created}");
    let contest = created["id"].as_i64().expect("id");
    assert_eq!(app.get_json("/api/contests/tim-hieu-2027").await.0, 404, "a draft is not public");

    // Units: the province's communes, then an agency tree with headcounts from CSV.
    let (status, _) = app
        .call(
            Some(&organiser),
            "POST",
            &format!("/api/admin/contests/{contest}/units?communes_of_province=15"),
            Body::None,
        )
        .await;
    assert_eq!(status, 200);
    let csv =
        "code,name,parent_code,kind,headcount\nSTP,Sở Tư pháp,,agency,120\nSTP-1,Phòng Phổ biến,STP,department,14\n";
    let (status, units) = app
        .call(Some(&organiser), "POST", &format!("/api/admin/contests/{contest}/units"), Body::Bytes(csv.into()))
        .await;
    assert_eq!((status, units["imported"].as_i64()), (200, Some(2)));

    // A bank file with 5 bad rows imports nothing and reports all 5.
    let mut bad = bank_of(20);
    for i in [2, 5, 7, 11, 13] {
        bad[i].options.truncate(1);
        bad[i].correct = vec![0];
    }
    let bad_bytes = bank::to_xlsx(&bad).expect("xlsx");
    let (status, report) = app
        .call(Some(&organiser), "POST", &format!("/api/admin/orgs/{org}/questions/import"), Body::Bytes(bad_bytes))
        .await;
    assert_eq!((status, report["error"]["code"].as_str()), (422, Some("import_failed")), "{report}");
    let rows: std::collections::BTreeSet<i64> = report["error"]["details"]["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["row"].as_i64().expect("row"))
        .collect();
    assert_eq!(rows, [4, 7, 9, 13, 15].into_iter().collect(), "spreadsheet rows of the 5 bad questions");
    let (_, listed) = app.call(Some(&organiser), "GET", &format!("/api/admin/orgs/{org}/questions"), Body::None).await;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(0), "nothing imported");

    // 200 good questions from XLSX; export gives the same bank back.
    let good = bank_of(200);
    let (status, imported) = app
        .call(
            Some(&organiser),
            "POST",
            &format!("/api/admin/orgs/{org}/questions/import"),
            Body::Bytes(bank::to_xlsx(&good).expect("xlsx")),
        )
        .await;
    assert_eq!((status, imported["created"].as_i64()), (200, Some(200)), "{imported}");
    let mut res = app
        .http
        .get(app.url(&format!("/api/admin/orgs/{org}/questions/export.xlsx")))
        .insert_header(("cookie", format!("thiluat_session={}", organiser.cookie)))
        .send()
        .await
        .expect("export");
    let exported = bank::parse_xlsx(&res.body().limit(32 << 20).await.expect("bytes")).expect("valid xlsx");
    let mut sorted = good.clone();
    sorted.sort_by(|a, b| a.code.cmp(&b.code));
    assert_eq!(exported, sorted);

    // A round open now; publishing first lists every problem at once.
    let (status, round) = app
        .call(Some(&organiser), "POST", &format!("/api/admin/contests/{contest}/rounds"), Body::Json(json!({
            "title": "Tuần 1", "opens_at": now_plus_hours(-1), "closes_at": now_plus_hours(24), "time_limit_minutes": 15,
            "attempt_limit": 2, "questions_per_attempt": 10,
            "draw": [{"count": 4, "difficulty": "easy"}, {"count": 4, "difficulty": "medium"}, {"count": 2, "difficulty": "hard", "topics": ["can-cuoc"]}],
            "prediction": {"target": "participants", "question": "Bao nhiêu người tham gia?"}
        })))
        .await;
    assert_eq!(status, 201, "{round}");
    let round = round["id"].as_i64().expect("round id");
    let (status, blocked) =
        app.call(Some(&organiser), "POST", &format!("/api/admin/contests/{contest}/publish"), Body::None).await;
    assert_eq!((status, blocked["error"]["code"].as_str()), (422, Some("publish_blocked")));
    assert_eq!(
        blocked["error"]["details"]["problems"].as_array().map(Vec::len),
        Some(2),
        "rules and consent: {blocked}"
    );
    let (status, _) = app
        .call(
            Some(&organiser),
            "PATCH",
            &format!("/api/admin/contests/{contest}"),
            Body::Json(json!({"rules_md": "# Thể lệ", "consent_text": "Tôi đồng ý.", "consent_version": "1"})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, published) =
        app.call(Some(&organiser), "POST", &format!("/api/admin/contests/{contest}/publish"), Body::None).await;
    assert_eq!(status, 200, "{published}");
    let (status, public) = app.get_json("/api/contests/tim-hieu-2027").await;
    assert_eq!(status, 200);
    assert_eq!(public["units"].as_array().map(Vec::len), Some(101));

    // Participants register and play.
    let mut tokens = Vec::new();
    for i in 0..3 {
        let mut body = valid_registration();
        body["unit_code"] = json!(if i == 0 { "STP-1" } else { "02647" });
        body["consent"] = json!({"given": true, "version": "1"});
        body.as_object_mut().expect("object").remove("cccd");
        let (status, reg) = app.post_json("/api/contests/tim-hieu-2027/register", &body, "vi").await;
        assert_eq!(status, 201, "{reg}");
        tokens.push((reg["participant_id"].as_i64().expect("id"), reg["token"].as_str().expect("token").to_string()));
    }
    for (i, (_, token)) in tokens.iter().enumerate() {
        let mut ws = app.ws(token).await;
        let snap = ws.start(round).await;
        for (seq, (qid, options)) in questions(&snap).iter().enumerate().take(3 + i) {
            let correct = correct_options(&app.pg, *qid).await;
            let _ = options;
            ws.request(json!({"type": "answer", "round_id": round, "attempt_id": snap["attempt_id"], "question_id": qid, "options": correct, "seq": seq + 1})).await;
        }
        let result = ws
            .request(json!({"type": "submit", "round_id": round, "attempt_id": snap["attempt_id"], "prediction": 3}))
            .await;
        assert_eq!(result["correct"], 3 + i as i64, "{result}");
    }
    // A started round keeps its rules.
    let (status, refused) = app
        .call(
            Some(&organiser),
            "PATCH",
            &format!("/api/admin/rounds/{round}"),
            Body::Json(json!({"time_limit_minutes": 30})),
        )
        .await;
    assert_eq!((status, refused["error"]["code"].as_str()), (409, Some("round_started")));
    let (status, _) = app
        .call(
            Some(&organiser),
            "PATCH",
            &format!("/api/admin/rounds/{round}"),
            Body::Json(json!({"title": "Tuần thi thứ nhất"})),
        )
        .await;
    assert_eq!(status, 200);

    let (status, live) =
        app.call(Some(&organiser), "GET", &format!("/api/admin/rounds/{round}/live"), Body::None).await;
    assert_eq!((status, live["registered"].as_i64()), (200, Some(3)), "{live}");

    // The best player is disqualified, the round closed and finalised.
    let best = tokens[2].0;
    let (status, _) = app
        .call(
            Some(&organiser),
            "POST",
            &format!("/api/admin/participants/{best}/disqualify"),
            Body::Json(json!({"reason": "thi hộ"})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, closed) =
        app.call(Some(&organiser), "POST", &format!("/api/admin/rounds/{round}/close"), Body::None).await;
    assert_eq!(status, 200, "{closed}");
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await; // the grace after closing
    let (status, fin) =
        app.call(Some(&organiser), "POST", &format!("/api/admin/rounds/{round}/finalize"), Body::None).await;
    assert_eq!((status, fin["ranked"].as_i64()), (200, Some(2)), "{fin}");
    assert_eq!(fin["prediction_actual"], 3, "three people took part");
    let (_, verify) = app.call(Some(&organiser), "GET", &format!("/api/admin/rounds/{round}/verify"), Body::None).await;
    assert_eq!(verify["agree"], true, "{verify}");
    let first: i64 = sqlx::query_scalar("SELECT participant_id FROM results WHERE round_id = $1 AND rank = 1")
        .bind(round)
        .fetch_one(&app.pg)
        .await
        .expect("rank 1");
    assert_eq!(first, tokens[1].0);
    let (status, _) = app
        .call(
            Some(&organiser),
            "POST",
            &format!("/api/admin/participants/{best}/requalify"),
            Body::Json(json!({"reason": "đã xác minh"})),
        )
        .await;
    assert_eq!(status, 200);
    let first: i64 = sqlx::query_scalar("SELECT participant_id FROM results WHERE round_id = $1 AND rank = 1")
        .bind(round)
        .fetch_one(&app.pg)
        .await
        .expect("rank 1");
    assert_eq!(first, best, "results recomputed after requalifying");

    let actions = audit_actions(&app, org).await;
    for expected in [
        "login",
        "member.add",
        "contest.create",
        "units.import",
        "questions.import",
        "round.create",
        "contest.publish",
        "round.update_text",
        "participant.disqualify",
        "round.close",
        "round.finalize",
        "participant.requalify",
    ] {
        assert!(actions.iter().any(|a| a == expected), "{expected} missing from {actions:?}");
    }
    let (status, audit) = app.call(Some(&admin), "GET", &format!("/api/admin/orgs/{org}/audit"), Body::None).await;
    assert_eq!(status, 200);
    assert!(audit["items"].as_array().is_some_and(|i| i.len() == actions.len()));
    let err = sqlx::query("DELETE FROM audit_log").execute(&app.pg).await.expect_err("append-only");
    assert!(err.to_string().contains("append-only"));
}

/// Every endpoint × every role × own and foreign organisation gives the documented outcome,
/// and a denied request changes nothing.
#[actix_web::test]
async fn authorization_matrix() {
    let app = spawn_app().await;
    let (org, email) = app.org_with_admin("a").await;
    let (_org_b, email_b) = app.org_with_admin("b").await;
    let admin = app.login(&email, "mật khẩu rất dài 1").await.expect("login");
    let foreign = app.login(&email_b, "mật khẩu rất dài 1").await.expect("login");
    let mut members = Vec::new();
    for role in ["viewer", "organiser"] {
        let (_, m) = app
            .call(
                Some(&admin),
                "POST",
                &format!("/api/admin/orgs/{org}/members"),
                Body::Json(json!({"email": format!("{role}@a.example"), "display_name": role, "role": role})),
            )
            .await;
        members
            .push(app.first_login(&format!("{role}@a.example"), m["temporary_password"].as_str().expect("temp")).await);
    }
    let (_, dummy) = app
        .call(
            Some(&admin),
            "POST",
            &format!("/api/admin/orgs/{org}/members"),
            Body::Json(json!({"email": "dummy@a.example", "display_name": "d", "role": "viewer"})),
        )
        .await;
    let dummy = dummy["account_id"].as_i64().expect("dummy");
    let (_, c) = app
        .call(
            Some(&admin),
            "POST",
            &format!("/api/admin/orgs/{org}/contests"),
            Body::Json(json!({"slug": "c-a", "title": "C", "organiser": "O", "scope": {"provinces": ["15"]}})),
        )
        .await;
    let contest = c["id"].as_i64().expect("contest");
    let (_, r) = app
        .call(
            Some(&admin),
            "POST",
            &format!("/api/admin/contests/{contest}/rounds"),
            Body::Json(json!({
                "title": "R", "opens_at": now_plus_hours(-1), "closes_at": now_plus_hours(5), "time_limit_minutes": 10,
                "questions_per_attempt": 2, "draw": [{"count": 2}], "ranking": ["correct_desc", "duration_asc"]
            })),
        )
        .await;
    let round = r["id"].as_i64().expect("round");
    app.call(
        Some(&admin),
        "POST",
        &format!("/api/admin/orgs/{org}/questions/import"),
        Body::Bytes(bank::to_xlsx(&bank_of(4)).expect("xlsx")),
    )
    .await;
    let question: i64 = sqlx::query_scalar("SELECT id FROM questions WHERE organisation_id = $1 LIMIT 1")
        .bind(org)
        .fetch_one(&app.pg)
        .await
        .expect("q");
    let participant = app.participant().await.id;
    sqlx::query("UPDATE contests SET organisation_id = $1 WHERE slug = $2")
        .bind(org)
        .bind(SLUG)
        .execute(&app.pg)
        .await
        .expect("own the fixture");

    let case: i64 = sqlx::query_scalar(
        "INSERT INTO abuse_cases (contest_id, rule, fingerprint, participant_ids) VALUES ($1, 'too_fast', 'matrix', '{}') RETURNING id",
    )
    .bind(contest)
    .fetch_one(&app.pg)
    .await
    .expect("a case to decide");
    let csv = "code,name,parent_code,kind,headcount\nU1,Đơn vị,,unit,3\n".as_bytes().to_vec();
    let q_edit = json!({"topic": "t", "difficulty": "easy", "text": "Sửa?", "options": ["a", "b"], "correct": [0]});
    // (method, path, body, least role needed)
    let cases: Vec<(&str, String, Body, &str)> = vec![
        ("GET", "/api/admin/me".into(), Body::None, "viewer"),
        ("GET", format!("/api/admin/orgs/{org}/members"), Body::None, "admin"),
        (
            "POST",
            format!("/api/admin/orgs/{org}/members"),
            Body::Json(json!({"email": "new@a.example", "display_name": "n", "role": "viewer"})),
            "admin",
        ),
        ("PATCH", format!("/api/admin/orgs/{org}/members/{dummy}"), Body::Json(json!({"role": "viewer"})), "admin"),
        ("POST", format!("/api/admin/orgs/{org}/members/{dummy}/reset-password"), Body::None, "admin"),
        ("GET", format!("/api/admin/orgs/{org}/audit"), Body::None, "organiser"),
        ("GET", format!("/api/admin/orgs/{org}/audit.csv"), Body::None, "organiser"),
        ("GET", format!("/api/admin/orgs/{org}/contests"), Body::None, "viewer"),
        (
            "POST",
            format!("/api/admin/orgs/{org}/contests"),
            Body::Json(json!({"slug": "x-new", "title": "X", "organiser": "O"})),
            "organiser",
        ),
        ("GET", format!("/api/admin/contests/{contest}"), Body::None, "viewer"),
        ("PATCH", format!("/api/admin/contests/{contest}"), Body::Json(json!({"title": "C2"})), "organiser"),
        ("GET", format!("/api/admin/contests/{contest}/units"), Body::None, "viewer"),
        ("POST", format!("/api/admin/contests/{contest}/units"), Body::Bytes(csv), "organiser"),
        (
            "POST",
            format!("/api/admin/contests/{contest}/rounds"),
            Body::Json(
                json!({"title": "R2", "opens_at": now_plus_hours(10), "closes_at": now_plus_hours(20), "time_limit_minutes": 10, "questions_per_attempt": 1, "draw": [{"count": 1}], "ranking": ["correct_desc"]}),
            ),
            "organiser",
        ),
        ("PATCH", format!("/api/admin/rounds/{round}"), Body::Json(json!({"title": "R1"})), "organiser"),
        ("POST", format!("/api/admin/contests/{contest}/publish"), Body::None, "organiser"),
        ("GET", format!("/api/admin/orgs/{org}/questions"), Body::None, "viewer"),
        (
            "POST",
            format!("/api/admin/orgs/{org}/questions/import"),
            Body::Bytes(bank::to_xlsx(&bank_of(2)).expect("xlsx")),
            "organiser",
        ),
        ("GET", format!("/api/admin/orgs/{org}/questions/export.xlsx"), Body::None, "organiser"),
        ("PUT", format!("/api/admin/questions/{question}"), Body::Json(q_edit), "organiser"),
        ("GET", format!("/api/admin/rounds/{round}/live"), Body::None, "viewer"),
        ("GET", format!("/api/admin/rounds/{round}/verify"), Body::None, "viewer"),
        ("GET", format!("/api/admin/rounds/{round}/results.csv"), Body::None, "viewer"),
        ("GET", format!("/api/admin/rounds/{round}/results.xlsx"), Body::None, "viewer"),
        (
            "POST",
            format!("/api/admin/participants/{participant}/disqualify"),
            Body::Json(json!({"reason": "r"})),
            "organiser",
        ),
        (
            "POST",
            format!("/api/admin/participants/{participant}/requalify"),
            Body::Json(json!({"reason": "r"})),
            "organiser",
        ),
        (
            "POST",
            format!("/api/admin/participants/{participant}/staff"),
            Body::Json(json!({"staff": false, "reason": "r"})),
            "organiser",
        ),
        (
            "PUT",
            format!("/api/admin/participants/{participant}/extension"),
            Body::Json(json!({"extra_minutes": 5, "reason": "r"})),
            "organiser",
        ),
        ("GET", format!("/api/admin/contests/{contest}/referrals"), Body::None, "viewer"),
        ("GET", format!("/api/admin/contests/{contest}/winners"), Body::None, "viewer"),
        (
            "POST",
            format!("/api/admin/contests/{contest}/winners/check"),
            Body::Json(json!({"round_id": round, "participant_id": participant, "status": "verified", "reason": "r"})),
            "organiser",
        ),
        ("POST", format!("/api/admin/contests/{contest}/winners/publish"), Body::None, "organiser"),
        ("GET", format!("/api/admin/rounds/{round}/results"), Body::None, "viewer"),
        ("GET", format!("/api/admin/rounds/{round}/answers.csv"), Body::None, "viewer"),
        ("GET", format!("/api/admin/rounds/{round}/answers.xlsx"), Body::None, "viewer"),
        ("GET", format!("/api/admin/rounds/{round}/question-stats"), Body::None, "viewer"),
        ("GET", format!("/api/admin/rounds/{round}/question-stats.xlsx"), Body::None, "viewer"),
        ("GET", format!("/api/admin/contests/{contest}/results"), Body::None, "viewer"),
        ("GET", format!("/api/admin/contests/{contest}/report-settings"), Body::None, "viewer"),
        (
            "PUT",
            format!("/api/admin/contests/{contest}/report-settings"),
            Body::Json(json!({"collective": {"rate_weight": 1, "participant_weight": 2}})),
            "organiser",
        ),
        ("GET", format!("/api/admin/contests/{contest}/collective"), Body::None, "viewer"),
        ("GET", format!("/api/admin/contests/{contest}/collective.csv"), Body::None, "viewer"),
        ("GET", format!("/api/admin/contests/{contest}/collective.xlsx"), Body::None, "viewer"),
        ("GET", format!("/api/admin/contests/{contest}/stats"), Body::None, "viewer"),
        ("GET", format!("/api/admin/contests/{contest}/stats.csv"), Body::None, "viewer"),
        ("GET", format!("/api/admin/contests/{contest}/stats.xlsx"), Body::None, "viewer"),
        ("GET", format!("/api/admin/contests/{contest}/cases"), Body::None, "viewer"),
        ("POST", format!("/api/admin/contests/{contest}/cases/scan"), Body::None, "organiser"),
        ("POST", format!("/api/admin/cases/{case}/confirm"), Body::Json(json!({"reason": "r"})), "organiser"),
        ("POST", format!("/api/admin/cases/{case}/dismiss"), Body::Json(json!({"reason": "r"})), "organiser"),
        ("POST", format!("/api/admin/rounds/{round}/finalize"), Body::None, "organiser"),
        ("POST", format!("/api/admin/rounds/{round}/close"), Body::None, "organiser"),
        ("GET", format!("/api/admin/contests/{contest}/survey"), Body::None, "viewer"),
        ("GET", format!("/api/admin/contests/{contest}/privacy"), Body::None, "viewer"),
        ("GET", format!("/api/admin/contests/{contest}/report.pdf"), Body::None, "viewer"),
        ("GET", format!("/api/admin/contests/{contest}/report.xlsx?round_id={round}"), Body::None, "viewer"),
        (
            "PUT",
            format!("/api/admin/contests/{contest}/privacy"),
            Body::Json(json!({"retention_days": 400})),
            "organiser",
        ),
        // Last: it erases the participant the rows above use.
        (
            "POST",
            format!("/api/admin/participants/{participant}/erase"),
            Body::Json(json!({"reason": "r"})),
            "organiser",
        ),
    ];
    let rank = |role: &str| ["viewer", "organiser", "admin"].iter().position(|r| *r == role).expect("role");
    let fingerprint = || async {
        sqlx::query_scalar::<_, String>(
            "SELECT md5(concat_ws('|', \
               (SELECT string_agg(c::text, ',' ORDER BY id) FROM contests c), (SELECT string_agg(r::text, ',' ORDER BY id) FROM rounds r), \
               (SELECT string_agg(u::text, ',' ORDER BY code) FROM units u), (SELECT string_agg(q::text, ',' ORDER BY id) FROM questions q), \
               (SELECT string_agg(m::text, ',' ORDER BY account_id) FROM memberships m), (SELECT string_agg(a::text, ',' ORDER BY id) FROM accounts a), \
               (SELECT string_agg(p::text, ',' ORDER BY id) FROM participants p), (SELECT count(*) FROM audit_log)))",
        )
        .fetch_one(&app.pg)
        .await
        .expect("fingerprint")
    };
    let callers: Vec<(&str, Option<&Admin>)> = vec![
        ("anonymous", None),
        ("foreign admin", Some(&foreign)),
        ("viewer", Some(&members[0])),
        ("organiser", Some(&members[1])),
        ("admin", Some(&admin)),
    ];
    for (method, path, body, need) in &cases {
        for (name, caller) in &callers {
            let body = match body {
                Body::None => Body::None,
                Body::Json(v) => Body::Json(v.clone()),
                Body::Bytes(b) => Body::Bytes(b.clone()),
            };
            let expected: Option<u16> = match *name {
                "anonymous" => Some(401),
                "foreign admin" if path != "/api/admin/me" => Some(404),
                "foreign admin" => None,
                role if rank(role) < rank(need) => Some(403),
                _ => None,
            };
            let before = fingerprint().await;
            let (status, res) = app.call(*caller, method, path, body).await;
            match expected {
                Some(code) => {
                    assert_eq!(status, code, "{name} {method} {path}: {res}");
                    assert_eq!(fingerprint().await, before, "{name} {method} {path} was denied but changed something");
                }
                None => assert!(
                    ![401, 403, 404].contains(&status),
                    "{name} {method} {path} must be allowed: {status} {res}"
                ),
            }
        }
    }
    // Writes without the CSRF token are refused.
    let mut res = app
        .http
        .post(app.url(&format!("/api/admin/orgs/{org}/contests")))
        .insert_header(("cookie", format!("thiluat_session={}", admin.cookie)))
        .send_json(&json!({"slug": "csrf", "title": "T", "organiser": "O"}))
        .await
        .expect("sent");
    assert_eq!(res.status().as_u16(), 403);
    assert_eq!(res.json::<Value>().await.expect("json")["error"]["code"], "csrf_failed");
}

#[actix_web::test]
async fn passwords_are_argon2id_logins_are_throttled_and_sessions_outlive_a_server() {
    let app = spawn_app().await;
    let (org, email) = app.org_with_admin("t").await;
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM accounts WHERE email = $1")
        .bind(&email)
        .fetch_one(&app.pg)
        .await
        .expect("hash");
    assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
    let session = app.login(&email, "mật khẩu rất dài 1").await.expect("login");

    // 20 wrong passwords in a row: throttled after 10, even the right one then waits.
    let mut statuses = Vec::new();
    for _ in 0..20 {
        statuses.push(app.login(&email, "wrong password!!").await.err().expect("refused").0);
    }
    assert_eq!(&statuses[..10], &[401; 10]);
    assert!(statuses[10..].iter().all(|s| *s == 429), "{statuses:?}");
    let (status, _) = app.login(&email, "mật khẩu rất dài 1").await.err().expect("still throttled");
    assert_eq!(status, 429);
    assert!(audit_actions(&app, org).await.iter().filter(|a| *a == "login.failed").count() >= 10);

    // A second server process sharing the stores serves the same session; so does a restart.
    let shared = app.shared.clone();
    let second = spawn_app_with(Options { share: Some(shared.clone()), ..Options::default() }).await;
    let (status, me) = second.call(Some(&session), "GET", "/api/admin/me", Body::None).await;
    assert_eq!((status, me["email"].as_str()), (200, Some(email.as_str())));
    app.stop().await;
    let restarted = spawn_app_with(Options { share: Some(shared), ..Options::default() }).await;
    assert_eq!(restarted.call(Some(&session), "GET", "/api/admin/me", Body::None).await.0, 200);
    // Log out everywhere ends it on every node.
    assert_eq!(restarted.call(Some(&session), "POST", "/api/admin/logout-all", Body::None).await.0, 200);
    assert_eq!(second.call(Some(&session), "GET", "/api/admin/me", Body::None).await.0, 401);
}

/// The rules of entry an organiser sets are enforced at registration, and the rules page is
/// rendered without letting HTML through.
#[actix_web::test]
async fn registration_window_password_and_eligibility_are_enforced() {
    let app = spawn_app().await;
    let (org, email) = app.org_with_admin("entry").await;
    let admin = app.login(&email, "mật khẩu rất dài 1").await.expect("login");
    let (_, c) = app
        .call(Some(&admin), "POST", &format!("/api/admin/orgs/{org}/contests"), Body::Json(json!({
            "slug": "kin", "title": "Cuộc thi nội bộ", "organiser": "Sở", "rules_md": "# Thể lệ\n<script>alert(1)</script>",
            "consent_text": "Đồng ý", "consent_version": "1", "password": "mat-khau-cuoc-thi",
            "eligibility": {"provinces": ["15"]}, "registration_closes_at": now_plus_hours(1),
            "scope": {"national": true}
        })))
        .await;
    let contest = c["id"].as_i64().expect("contest");
    app.call(Some(&admin), "POST", &format!("/api/admin/contests/{contest}/units?communes_of_province=01"), Body::None)
        .await;
    app.bank_and_open_round(&admin, org, contest).await;
    let (status, published) =
        app.call(Some(&admin), "POST", &format!("/api/admin/contests/{contest}/publish"), Body::None).await;
    assert_eq!(status, 200, "{published}");
    let (_, public) = app.get_json("/api/contests/kin").await;
    assert_eq!(public["password_required"], true);
    let rules = public["rules_html"].as_str().expect("html");
    assert!(rules.contains("<h1>Thể lệ</h1>") && !rules.contains("<script"), "{rules}");

    let mut body = valid_registration();
    body.as_object_mut().expect("object").remove("cccd");
    body["consent"] = json!({"given": true, "version": "1"});
    body["commune_code"] = json!("00004"); // Hà Nội: outside the eligible province
    body["unit_code"] = json!("00004");
    let (status, res) = app.register_at("kin", &body).await;
    assert_eq!((status, res["error"]["code"].as_str()), (403, Some("contest_password")));
    body["contest_password"] = json!("mat-khau-cuoc-thi");
    let (status, res) = app.register_at("kin", &body).await;
    assert_eq!(status, 422);
    assert_eq!(res["error"]["fields"][0]["code"], "not_eligible", "{res}");
    body["commune_code"] = json!("02647"); // Lào Cai
    let (status, res) = app.register_at("kin", &body).await;
    assert_eq!(status, 201, "{res}");
    sqlx::query("UPDATE contests SET registration_closes_at = now() - interval '1 minute' WHERE slug = 'kin'")
        .execute(&app.pg)
        .await
        .expect("close registration");
    body["phone"] = json!(next_phone());
    let (status, res) = app.register_at("kin", &body).await;
    assert_eq!((status, res["error"]["code"].as_str()), (403, Some("registration_closed")));
}

/// A member replaces the temporary password an admin gave them; every old session ends.
/// Issue 16 item 3: the temporary password is one-time — until it is changed the session
/// opens nothing but `me`, the change and logging out; the new one needs 12 characters and
/// may not be a common password (no rule on which characters); after 72 hours a one-time
/// password opens nothing, and an admin's reset makes the password one-time again.
#[actix_web::test]
async fn a_member_changes_their_temporary_password() {
    let app = spawn_app().await;
    let (org, email) = app.org_with_admin("pw").await;
    let admin = app.login(&email, "mật khẩu rất dài 1").await.expect("login");
    let (_, m) = app
        .call(
            Some(&admin),
            "POST",
            &format!("/api/admin/orgs/{org}/members"),
            Body::Json(json!({"email": "m@pw.example", "display_name": "m", "role": "viewer"})),
        )
        .await;
    let temporary = m["temporary_password"].as_str().expect("temp").to_string();
    let member = app.login("m@pw.example", &temporary).await.expect("login");
    let (_, me) = app.call(Some(&member), "GET", "/api/admin/me", Body::None).await;
    assert_eq!(me["password_change_required"], true, "{me}");
    for (method, path) in
        [("GET", format!("/api/admin/orgs/{org}/contests")), ("GET", format!("/api/admin/orgs/{org}/audit"))]
    {
        let (status, res) = app.call(Some(&member), method, &path, Body::None).await;
        assert_eq!((status, res["error"]["code"].as_str()), (403, Some("password_change_required")), "{path}: {res}");
    }
    let change = |current: &str, new: &str| Body::Json(json!({"current_password": current, "new_password": new}));
    for (new, code) in [
        ("mười một kt", "weak_password"),
        ("123456789012", "common_password"),
        ("Password2024", "common_password"),
        ("iloveyouiloveyou", "common_password"),
        (temporary.as_str(), "password_unchanged"),
    ] {
        let (status, res) = app.call(Some(&member), "POST", "/api/admin/password", change(&temporary, new)).await;
        assert_eq!((status, res["error"]["fields"][0]["code"].as_str()), (422, Some(code)), "{new}: {res}");
    }
    let (status, res) =
        app.call(Some(&member), "POST", "/api/admin/password", change("not it at all", "một mật khẩu mới dài")).await;
    assert_eq!((status, res["error"]["code"].as_str()), (403, Some("credentials_invalid")));
    let (status, res) = app.call(Some(&member), "POST", "/api/admin/password", change(&temporary, "short")).await;
    assert_eq!((status, res["error"]["fields"][0]["code"].as_str()), (422, Some("weak_password")));
    let (status, res) =
        app.call(Some(&member), "POST", "/api/admin/password", change(&temporary, "một mật khẩu mới dài")).await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(app.call(Some(&member), "GET", "/api/admin/me", Body::None).await.0, 401, "old sessions end");
    assert!(app.login("m@pw.example", &temporary).await.is_err());
    let fresh = app.login("m@pw.example", "một mật khẩu mới dài").await.expect("the new password works");
    let (status, me) = app.call(Some(&fresh), "GET", "/api/admin/me", Body::None).await;
    assert_eq!((status, me["password_change_required"].as_bool()), (200, Some(false)), "{me}");
    assert_eq!(app.call(Some(&fresh), "GET", &format!("/api/admin/orgs/{org}/contests"), Body::None).await.0, 200);
    assert!(audit_actions(&app, org).await.contains(&"account.password_change".to_string()));
    // A passphrase of ordinary words is a fine password: no composition rules.
    let (status, res) = app
        .call(
            Some(&fresh),
            "POST",
            "/api/admin/password",
            change("một mật khẩu mới dài", "bốn con mèo đen trên mái nhà"),
        )
        .await;
    assert_eq!(status, 200, "{res}");

    // A reset makes it one-time again; 72 hours later it opens nothing.
    let account: i64 = sqlx::query_scalar("SELECT id FROM accounts WHERE email = 'm@pw.example'")
        .fetch_one(&app.pg)
        .await
        .expect("account");
    let (_, reset) = app
        .call(Some(&admin), "POST", &format!("/api/admin/orgs/{org}/members/{account}/reset-password"), Body::None)
        .await;
    let reset = reset["temporary_password"].as_str().expect("temp").to_string();
    let expires: f64 = sqlx::query_scalar(
        "SELECT extract(epoch FROM password_expires_at - now())::float8 FROM accounts WHERE id = $1 AND password_change_required",
    )
    .bind(account)
    .fetch_one(&app.pg)
    .await
    .expect("one-time");
    assert!((71.9 * 3600.0..=72.0 * 3600.0).contains(&expires), "{expires} s");
    sqlx::query("UPDATE accounts SET password_expires_at = now() - interval '1 second' WHERE id = $1")
        .bind(account)
        .execute(&app.pg)
        .await
        .expect("72 hours pass");
    let (status, res) = app.login("m@pw.example", &reset).await.err().expect("refused");
    assert_eq!((status, res["error"]["code"].as_str()), (401, Some("password_expired")), "{res}");
    assert_eq!(
        app.login("m@pw.example", "not the password at all").await.err().map(|e| e.1["error"]["code"].clone()),
        Some(json!("credentials_invalid")),
        "a wrong password says nothing of the expiry"
    );
}

/// `me` names every organisation of the account (the console's organisation picker).
#[actix_web::test]
async fn me_names_each_organisation_of_the_account() {
    let app = spawn_app().await;
    let (first, email) = app.org_with_admin("ten-mot").await;
    let admin = app.login(&email, "mật khẩu rất dài 1").await.expect("login");
    let (status, me) = app.call(Some(&admin), "GET", "/api/admin/me", Body::None).await;
    assert_eq!(status, 200, "{me}");
    let memberships = me["memberships"].as_array().expect("memberships");
    assert_eq!(memberships.len(), 1);
    assert_eq!(memberships[0]["organisation_id"].as_i64(), Some(first));
    assert_eq!(memberships[0]["organisation_slug"], "ten-mot");
    assert_eq!(memberships[0]["organisation_name"], "Sở Tư pháp ten-mot");
    assert_eq!(memberships[0]["role"], "admin");
}

/// Issue 16 item 8: numbers from the body reach the database through checked conversions.
/// Before, `time_limit_minutes` and `grace_seconds` were multiplied in i32 (overflow: a
/// panic in a debug build, a wrapped value such as 72 s for 71,584 minutes in release) and
/// `attempt_limit` 4,294,967,295 became −1 (unlimited attempts).
#[actix_web::test]
async fn round_numbers_out_of_the_databases_range_are_refused_not_wrapped() {
    let app = spawn_app().await;
    let (org, email) = app.org_with_admin("so-lon").await;
    let admin = app.login(&email, "mật khẩu rất dài 1").await.expect("login");
    let (status, created) = app
        .call(
            Some(&admin),
            "POST",
            &format!("/api/admin/orgs/{org}/contests"),
            Body::Json(json!({
                "slug": "so-lon", "title": "Số lớn", "organiser": "Sở Tư pháp", "cccd_required": false,
                "scope": {"provinces": ["15"]}
            })),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let contest = created["id"].as_i64().expect("id");
    let round = |field: &str, value: u64| {
        let mut body = json!({
            "title": "R", "opens_at": now_plus_hours(-1), "closes_at": now_plus_hours(5), "time_limit_minutes": 10,
            "questions_per_attempt": 2, "draw": [{"count": 2}], "ranking": ["correct_desc"]
        });
        body[field] = json!(value);
        Body::Json(body)
    };
    for (field, value, named) in [
        ("time_limit_minutes", 71_584, "time_limit_minutes"),
        ("time_limit_minutes", u64::from(u32::MAX), "time_limit_minutes"),
        ("grace_seconds", 4_294_968, "grace_seconds"),
        ("attempt_limit", u64::from(u32::MAX), "attempt_limit"),
        ("questions_per_attempt", u64::from(u32::MAX), "draw"),
    ] {
        let (status, res) =
            app.call(Some(&admin), "POST", &format!("/api/admin/contests/{contest}/rounds"), round(field, value)).await;
        assert_eq!(status, 422, "{field} = {value}: {res}");
        let fields: Vec<&str> =
            res["error"]["fields"].as_array().expect("fields").iter().filter_map(|f| f["field"].as_str()).collect();
        assert!(fields.contains(&named), "{field} = {value}: {res}");
    }
    let rounds: i64 = sqlx::query_scalar("SELECT count(*) FROM rounds WHERE contest_id = $1")
        .bind(contest)
        .fetch_one(&app.pg)
        .await
        .expect("count");
    assert_eq!(rounds, 0, "nothing stored");
}
