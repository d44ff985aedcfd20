//! The organisation's question bank with translations, through the real server: import
//! (all or nothing), export (round trip), edits that add a version.

use serde_json::{json, Value};
use thiluat::contest::bank::{self, Translation};

use crate::admin::{bank_of, Body};
use crate::helpers::*;

fn translated(n: usize) -> Vec<bank::BankQuestion> {
    let mut qs = bank_of(n);
    for (i, q) in qs.iter_mut().enumerate() {
        let en = Translation {
            text: format!("Question {i}?"),
            options: vec!["One".into(), "Two".into(), "Three".into(), "Four".into()],
            explanation: "Explanation.".into(),
        };
        q.translations.insert("en".into(), en);
        if i % 2 == 0 {
            let hmn = Translation {
                text: format!("Lus nug {i}?"),
                options: vec!["Ib".into(), "Ob".into(), "Peb".into(), "Plaub".into()],
                explanation: String::new(),
            };
            q.translations.insert("hmn".into(), hmn);
        }
    }
    qs
}

async fn export(app: &TestApp, cookie: &str, org: i64) -> Vec<bank::BankQuestion> {
    let mut res = app
        .http
        .get(app.url(&format!("/api/admin/orgs/{org}/questions/export.xlsx")))
        .insert_header(("cookie", format!("thiluat_session={cookie}")))
        .send()
        .await
        .expect("export");
    bank::parse_xlsx(&res.body().limit(32 << 20).await.expect("bytes")).expect("valid xlsx")
}

#[actix_web::test]
async fn translations_import_export_and_edit_with_versions() {
    let app = spawn_app().await;
    let (org, email) = app.org_with_admin("dich").await;
    let admin = app.login(&email, "mật khẩu rất dài 1").await.expect("login");
    let import_path = format!("/api/admin/orgs/{org}/questions/import");
    let import = |bytes: Vec<u8>| app.call(Some(&admin), "POST", &import_path, Body::Bytes(bytes));

    // A translation with 3 options for a 4-option question, in 2 rows: nothing imported.
    let mut bad = translated(6);
    for i in [1, 4] {
        bad[i].translations.get_mut("en").expect("en").options.pop();
    }
    let (status, report) = import(bank::to_xlsx(&bad).expect("xlsx")).await;
    assert_eq!((status, report["error"]["code"].as_str()), (422, Some("import_failed")), "{report}");
    let rows: Vec<(i64, String)> = report["error"]["details"]["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| (r["row"].as_i64().expect("row"), r["column"].as_str().unwrap_or_default().to_string()))
        .collect();
    assert_eq!(rows, vec![(3, "option_a_en".to_string()), (6, "option_a_en".to_string())]);
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM questions WHERE organisation_id = $1")
        .bind(org)
        .fetch_one(&app.pg)
        .await
        .expect("count");
    assert_eq!(count, 0, "nothing imported");

    // The good file imports; the export gives it back, translations included.
    let good = translated(6);
    let (status, imported) = import(bank::to_xlsx(&good).expect("xlsx")).await;
    assert_eq!((status, imported["created"].as_i64()), (200, Some(6)), "{imported}");
    assert_eq!(export(&app, &admin.cookie, org).await, good);
    let (_, listed) = app.call(Some(&admin), "GET", &format!("/api/admin/orgs/{org}/questions"), Body::None).await;
    let first = &listed["items"][0];
    assert_eq!(first["translations"]["en"]["options"], json!(["One", "Two", "Three", "Four"]));
    assert_eq!(first["translations"]["hmn"]["text"], "Lus nug 0?");

    // Re-importing with one translation changed makes a new version of that question only.
    let mut changed = good.clone();
    changed[3].translations.get_mut("en").expect("en").text = "Question three, reworded?".into();
    let (_, again) = import(bank::to_xlsx(&changed).expect("xlsx")).await;
    assert_eq!((again["updated"].as_i64(), again["unchanged"].as_i64()), (Some(1), Some(5)), "{again}");

    // Edits: a translation of the wrong size is refused and changes nothing; one that fits
    // adds a version; an edit without `translations` keeps them.
    let id = first["id"].as_i64().expect("id");
    let (app_ref, admin_ref) = (&app, &admin);
    let edit = |id: i64, body: Value| async move {
        app_ref.call(Some(admin_ref), "PUT", &format!("/api/admin/questions/{id}"), Body::Json(body)).await
    };
    let base = json!({"topic": "hien-phap", "difficulty": "easy", "text": "Câu hỏi số 0?", "options": ["Một", "Hai", "Ba", "Bốn"], "correct": [0]});
    let mut wrong = base.clone();
    wrong["translations"] = json!({"en": {"text": "Q?", "options": ["One", "Two"]}});
    let (status, res) = edit(id, wrong).await;
    assert_eq!((status, res["error"]["fields"][0]["code"].as_str()), (422, Some("invalid_translation")), "{res}");
    let mut bad_lang = base.clone();
    bad_lang["translations"] = json!({"english": {"text": "Q?", "options": ["1", "2", "3", "4"]}});
    assert_eq!(edit(id, bad_lang).await.0, 422);
    let versions = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM questions WHERE organisation_id = $1 AND code = 'Q-000'")
            .bind(org)
            .fetch_one(&app.pg)
            .await
            .expect("versions")
    };
    assert_eq!(versions().await, 1, "refused edits add no version");
    let mut fits = base.clone();
    fits["translations"] = json!({"km": {"text": "សំណួរ?", "options": ["១", "២", "៣", "៤"], "explanation": "ពន្យល់"}});
    let (status, v2) = edit(id, fits).await;
    assert_eq!((status, v2["version"].as_i64()), (200, Some(2)), "{v2}");
    let stored: Value = sqlx::query_scalar("SELECT translations FROM questions WHERE id = $1")
        .bind(v2["id"].as_i64().expect("id"))
        .fetch_one(&app.pg)
        .await
        .expect("stored");
    assert_eq!(stored, json!({"km": {"text": "សំណួរ?", "options": ["១", "២", "៣", "៤"], "explanation": "ពន្យល់"}}));
    let old: Value = sqlx::query_scalar("SELECT translations FROM questions WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pg)
        .await
        .expect("old");
    assert_eq!(old["en"]["text"], "Question 0?", "the old version keeps its translations");
    let (status, v3) = edit(v2["id"].as_i64().expect("id"), json!({"topic": "hien-phap", "difficulty": "easy", "text": "Câu hỏi số 0, sửa?", "options": ["Một", "Hai", "Ba", "Bốn"], "correct": [1]})).await;
    assert_eq!(status, 200, "{v3}");
    let kept: Value = sqlx::query_scalar("SELECT translations FROM questions WHERE id = $1")
        .bind(v3["id"].as_i64().expect("id"))
        .fetch_one(&app.pg)
        .await
        .expect("kept");
    assert_eq!(kept, stored, "an edit without translations keeps them");
    // Dropping an option while keeping translations of four options is refused.
    let (status, _) = edit(
        v3["id"].as_i64().expect("id"),
        json!({"topic": "t", "difficulty": "easy", "text": "Q?", "options": ["a", "b", "c"], "correct": [0]}),
    )
    .await;
    assert_eq!(status, 422);
    let actions: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_log WHERE organisation_id = $1")
        .bind(org)
        .fetch_all(&app.pg)
        .await
        .expect("audit");
    assert_eq!(actions.iter().filter(|a| *a == "question.edit").count(), 2);
}
