//! A contest's scope: the registration form's commune picker offers exactly the communes of
//! the contest's provinces (or of the whole country), a commune outside them is refused, a
//! contest without a scope cannot be published, and older contests get theirs from their units.

use serde_json::{json, Value};

use crate::admin::{Admin, Body};
use crate::helpers::*;

/// A draft contest with a bank of 3 questions and a round open now; `extra` goes into the
/// contest's body (its scope, its unit mode).
async fn draft(app: &TestApp, slug: &str, extra: Value) -> (Admin, i64, i64) {
    let (org, email) = app.org_with_admin(slug).await;
    let admin = app.login(&email, "mật khẩu rất dài 1").await.expect("login");
    let mut body = json!({
        "slug": slug, "title": "Tìm hiểu pháp luật", "organiser": "Sở Tư pháp", "rules_md": "Thể lệ",
        "consent_text": "Đồng ý", "consent_version": "1"
    });
    for (k, v) in extra.as_object().expect("object") {
        body[k] = v.clone();
    }
    let (status, c) =
        app.call(Some(&admin), "POST", &format!("/api/admin/orgs/{org}/contests"), Body::Json(body)).await;
    assert_eq!(status, 201, "{c}");
    let contest = c["id"].as_i64().expect("contest");
    app.bank_and_open_round(&admin, org, contest).await;
    (admin, org, contest)
}

async fn publish(app: &TestApp, admin: &Admin, contest: i64) -> (u16, Value) {
    app.call(Some(admin), "POST", &format!("/api/admin/contests/{contest}/publish"), Body::None).await
}

fn registration(commune: &str, unit: Option<&str>) -> Value {
    let mut body = valid_registration();
    body.as_object_mut().expect("object").remove("cccd");
    body["consent"] = json!({"given": true, "version": "1"});
    body["commune_code"] = json!(commune);
    match unit {
        Some(u) => body["unit_code"] = json!(u),
        None => {
            body.as_object_mut().expect("object").remove("unit_code");
        }
    }
    body
}

#[actix_web::test]
async fn a_console_contest_offers_and_accepts_only_the_communes_of_its_province() {
    let app = spawn_app().await;
    let (admin, org, contest) = draft(&app, "pham-vi", json!({})).await;
    let units = "code,name,parent_code,kind,headcount\nSTP,Sở Tư pháp,,agency,120\n";
    let (status, res) = app
        .call(Some(&admin), "POST", &format!("/api/admin/contests/{contest}/units"), Body::Bytes(units.into()))
        .await;
    assert_eq!(status, 200, "{res}");

    // No scope: publishing is refused and says why.
    let (status, blocked) = publish(&app, &admin, contest).await;
    assert_eq!((status, blocked["error"]["code"].as_str()), (422, Some("publish_blocked")), "{blocked}");
    let problems = blocked["error"]["details"]["problems"].to_string();
    assert!(problems.contains("scope"), "{problems}");
    let (_, list) = app.call(Some(&admin), "GET", &format!("/api/admin/orgs/{org}/contests"), Body::None).await;
    assert_eq!(list["items"][0]["scope_set"], false, "{list}");

    // A bad scope is refused field by field and changes nothing.
    let path = format!("/api/admin/contests/{contest}");
    for (scope, code) in [
        (json!({"provinces": ["99"]}), "unknown_province"),
        (json!({"provinces": []}), "scope_required"),
        (json!({"national": true, "provinces": ["15"]}), "invalid_value"),
    ] {
        let (status, res) = app.call(Some(&admin), "PATCH", &path, Body::Json(json!({ "scope": scope }))).await;
        assert_eq!(status, 422, "{res}");
        assert_eq!(
            res["error"]["fields"][0],
            json!({"field": "scope", "code": code, "message": res["error"]["fields"][0]["message"]})
        );
    }
    let (status, res) =
        app.call(Some(&admin), "PATCH", &path, Body::Json(json!({"scope": {"provinces": ["15"]}}))).await;
    assert_eq!(status, 200, "{res}");
    let (status, res) = publish(&app, &admin, contest).await;
    assert_eq!(status, 200, "{res}");

    // What the phone's registration form gets: Lào Cai's communes, the contest's units.
    let (_, public) = app.get_json("/api/contests/pham-vi").await;
    assert_eq!(public["scope"], json!({"national": false, "provinces": [{"code": "15", "name": "Tỉnh Lào Cai"}]}));
    assert_eq!(public["unit_mode"], "list");
    assert_eq!(public["units"], json!([{"code": "STP", "name": "Sở Tư pháp"}]));

    let (status, res) = app.register_at("pham-vi", &registration("00004", Some("STP"))).await; // Hà Nội
    assert_eq!(status, 422, "{res}");
    assert_eq!(res["error"]["fields"][0]["field"], "commune_code");
    assert_eq!(res["error"]["fields"][0]["code"], "outside_scope");
    let (status, res) = app.register_at("pham-vi", &registration("02647", Some("STP"))).await; // Lào Cai
    assert_eq!(status, 201, "{res}");
}

#[actix_web::test]
async fn a_national_contest_whose_units_are_the_communes() {
    let app = spawn_app().await;
    let (admin, _, contest) =
        draft(&app, "toan-quoc", json!({"scope": {"national": true}, "unit_mode": "commune"})).await;
    // No unit list is needed: each commune becomes a unit when its first participant registers.
    let (status, res) = publish(&app, &admin, contest).await;
    assert_eq!(status, 200, "{res}");
    let (_, public) = app.get_json("/api/contests/toan-quoc").await;
    assert_eq!(public["scope"]["national"], true);
    assert_eq!(public["scope"]["provinces"].as_array().map(Vec::len), Some(34));
    assert_eq!(public["unit_mode"], "commune");

    let first = registration("00004", None);
    let (status, res) = app.register_at("toan-quoc", &first).await;
    assert_eq!(status, 201, "{res}");
    let unit: String = sqlx::query_scalar("SELECT unit_code FROM participants WHERE id = $1")
        .bind(res["participant_id"].as_i64().expect("id"))
        .fetch_one(&app.pg)
        .await
        .expect("participant");
    assert_eq!(unit, "00004", "the unit is the commune");

    // A refused registration (the same phone again) adds no unit either.
    let mut again = registration("02647", None);
    again["phone"] = first["phone"].clone();
    let (status, res) = app.register_at("toan-quoc", &again).await;
    assert_eq!(status, 409, "{res}");
    let units: Vec<String> = sqlx::query_scalar("SELECT code FROM units WHERE contest_id = $1 ORDER BY code")
        .bind(contest)
        .fetch_all(&app.pg)
        .await
        .expect("units");
    assert_eq!(units, ["00004"]);
}

#[actix_web::test]
async fn older_contests_get_their_scope_from_their_communes_or_are_listed_to_fix() {
    let app = spawn_app().await;
    let (admin, org, communes) = draft(&app, "cu-xa", json!({})).await;
    let (status, res) = app
        .call(
            Some(&admin),
            "POST",
            &format!("/api/admin/contests/{communes}/units?communes_of_province=22"),
            Body::None,
        )
        .await;
    assert_eq!(status, 200, "{res}");
    let (status, c) = app
        .call(
            Some(&admin),
            "POST",
            &format!("/api/admin/orgs/{org}/contests"),
            Body::Json(json!({"slug": "cu-co-quan", "title": "T", "organiser": "Sở"})),
        )
        .await;
    assert_eq!(status, 201, "{c}");
    let agencies = c["id"].as_i64().expect("contest");
    let units = "code,name,parent_code,kind,headcount\nSTP,Sở Tư pháp,,agency,120\n";
    app.call(Some(&admin), "POST", &format!("/api/admin/contests/{agencies}/units"), Body::Bytes(units.into())).await;

    thiluat::store::pg::migrate(&app.pg).await.expect("migrations and back-fill run again");
    let scope = |id: i64| {
        sqlx::query_scalar::<_, Option<Vec<String>>>("SELECT scope_provinces FROM contests WHERE id = $1")
            .bind(id)
            .fetch_one(&app.pg)
    };
    assert_eq!(scope(communes).await.expect("scope"), Some(vec!["22".to_string()]), "Quảng Ninh's communes");
    assert_eq!(scope(agencies).await.expect("scope"), None, "no commune among its units: left for the organiser");
    let (_, list) = app.call(Some(&admin), "GET", &format!("/api/admin/orgs/{org}/contests"), Body::None).await;
    let flags: Vec<(i64, bool)> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| (i["id"].as_i64().unwrap_or_default(), i["scope_set"].as_bool().unwrap_or_default()))
        .collect();
    assert_eq!(flags, [(communes, true), (agencies, false)]);
}
