//! The OpenAPI document against the routes the server serves: it is served as embedded, it
//! is structurally sound, it documents exactly the routes there are, every error code it
//! names has a message in both languages, and the HTML page shows every path.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use thiluat::i18n::{message, Lang};

use crate::helpers::*;

const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

fn document() -> Value {
    serde_json::from_str(thiluat::http::openapi::DOCUMENT).expect("src/http/openapi.json is JSON")
}

/// Every (method, path, operation) of the document.
fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths is an object") {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                out.push((method.to_string(), path.clone(), op));
            }
        }
    }
    out
}

/// Follows a local `$ref` ("#/a/b/c") to its target.
fn pointer<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    doc.pointer(reference.strip_prefix('#')?)
}

fn resolve<'a>(doc: &'a Value, mut v: &'a Value) -> &'a Value {
    for _ in 0..16 {
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) => v = pointer(doc, r).unwrap_or(&Value::Null),
            None => break,
        }
    }
    v
}

/// Every `$ref` anywhere in `v`, with the JSON path where it occurs.
fn refs(v: &Value, at: String, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                if k == "$ref" {
                    if let Some(r) = child.as_str() {
                        out.push((at.clone(), r.to_string()));
                    }
                } else {
                    refs(child, format!("{at}/{k}"), out);
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                refs(child, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn string_set(v: &Value) -> BTreeSet<String> {
    v.as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_string).collect()
}

fn enum_of(doc: &Value, schema: &str) -> BTreeSet<String> {
    let set = string_set(&doc["components"]["schemas"][schema]["enum"]);
    assert!(!set.is_empty(), "components.schemas.{schema} has an enum of codes");
    set
}

/// The names in `{…}` of a path template.
fn template_params(path: &str) -> BTreeSet<String> {
    path.split('{').skip(1).filter_map(|s| s.split_once('}')).map(|(name, _)| name.to_string()).collect()
}

/// Structural problems of the document, one line each.
fn problems(doc: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let mut bad = |p: String| problems.push(p);

    // Every $ref resolves.
    let mut all_refs = Vec::new();
    refs(doc, String::new(), &mut all_refs);
    assert!(!all_refs.is_empty());
    for (at, r) in &all_refs {
        if !r.starts_with("#/") || pointer(doc, r).is_none() {
            bad(format!("{at}: $ref {r} does not resolve"));
        }
    }

    let error_codes = enum_of(doc, "ErrorCode");
    let field_codes = enum_of(doc, "FieldCode");
    let code_ref = &doc["components"]["schemas"]["ErrorBody"]["properties"]["code"]["$ref"];
    if code_ref != "#/components/schemas/ErrorCode" {
        bad(format!("ErrorBody.code is not a $ref to ErrorCode: {code_ref}"));
    }
    let envelope_ref = &doc["components"]["schemas"]["ErrorEnvelope"]["properties"]["error"]["$ref"];
    if envelope_ref != "#/components/schemas/ErrorBody" {
        bad(format!("ErrorEnvelope.error is not a $ref to ErrorBody: {envelope_ref}"));
    }

    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    for (method, path, op) in operations(doc) {
        let here = format!("{} {path}", method.to_uppercase());
        // operationId: present and unique.
        match op["operationId"].as_str() {
            Some(id) => {
                if let Some(other) = ids.insert(id.to_string(), here.clone()) {
                    bad(format!("{here}: operationId {id} is also used by {other}"));
                }
            }
            None => bad(format!("{here}: no operationId")),
        }
        if op["summary"].as_str().is_none_or(|s| s.trim().is_empty()) {
            bad(format!("{here}: no summary"));
        }
        if op["tags"].as_array().is_none_or(|t| t.is_empty()) {
            bad(format!("{here}: no tag"));
        }

        // Path parameters: exactly the template's names, each required.
        let mut declared = BTreeSet::new();
        let item_params = doc["paths"][&path]["parameters"].as_array().cloned().unwrap_or_default();
        let op_params = op["parameters"].as_array().cloned().unwrap_or_default();
        let mut header_params = BTreeSet::new();
        for p in item_params.iter().chain(&op_params) {
            let p = resolve(doc, p);
            let (Some(name), Some(place)) = (p["name"].as_str(), p["in"].as_str()) else {
                bad(format!("{here}: a parameter without name or in: {p}"));
                continue;
            };
            match place {
                "path" => {
                    if p["required"] != true {
                        bad(format!("{here}: path parameter {name} is not required"));
                    }
                    declared.insert(name.to_string());
                }
                "header" if p["required"] == true => {
                    header_params.insert(name.to_ascii_lowercase());
                }
                _ => {}
            }
            if p.get("schema").is_none() && p.get("content").is_none() {
                bad(format!("{here}: parameter {name} has no schema"));
            }
        }
        let wanted = template_params(&path);
        if declared != wanted {
            bad(format!("{here}: path parameters declared {declared:?}, template has {wanted:?}"));
        }

        // Responses: at least one; error answers use the envelope and name known codes.
        let Some(responses) = op["responses"].as_object().filter(|r| !r.is_empty()) else {
            bad(format!("{here}: no responses"));
            continue;
        };
        for (status, r) in responses {
            let r = resolve(doc, r);
            if r["description"].as_str().is_none() {
                bad(format!("{here} {status}: no description"));
            }
            if status == "429" && r["headers"].get("Retry-After").is_none() {
                bad(format!("{here} 429: no Retry-After header"));
            }
            if !status.starts_with('4') && !status.starts_with('5') {
                continue;
            }
            let Some(json) = r["content"].get("application/json") else {
                // Only the raw-body uploads' 413 comes from actix itself, as text.
                if status != "413" {
                    bad(format!("{here} {status}: an error answer without the JSON envelope"));
                }
                continue;
            };
            if json["schema"]["$ref"] != "#/components/schemas/ErrorEnvelope" {
                // /readyz answers 503 with its own body.
                if path != "/readyz" {
                    bad(format!("{here} {status}: the error body is not the ErrorEnvelope"));
                }
                continue;
            }
            let codes = string_set(&r["x-error-codes"]);
            if codes.is_empty() {
                bad(format!("{here} {status}: no x-error-codes"));
            }
            let description = r["description"].as_str().unwrap_or_default();
            for code in &codes {
                if !error_codes.contains(code) {
                    bad(format!("{here} {status}: code {code} is not in ErrorCode"));
                }
                if !description.contains(&format!("`{code}`")) {
                    bad(format!("{here} {status}: the description does not list `{code}`"));
                }
            }
            for code in string_set(&r["x-field-codes"]) {
                if !field_codes.contains(&code) {
                    bad(format!("{here} {status}: field code {code} is not in FieldCode"));
                }
            }
        }

        // Organiser routes: the session, CSRF on writes, and the usual refusals.
        let organiser = path.starts_with("/api/admin/") && path != "/api/admin/login";
        if organiser {
            let session = op["security"].as_array().is_some_and(|s| s.iter().any(|req| req.get("session").is_some()));
            if !session {
                bad(format!("{here}: organiser route without the session security requirement"));
            }
            if method != "get" && !header_params.contains("x-csrf-token") {
                bad(format!("{here}: a non-GET organiser route without the required X-CSRF-Token header"));
            }
            let codes_at = |status: &str| string_set(&resolve(doc, &op["responses"][status])["x-error-codes"]);
            if !codes_at("401").contains("unauthorized") {
                bad(format!("{here}: no 401 unauthorized"));
            }
            if method != "get" && !codes_at("403").contains("csrf_failed") {
                bad(format!("{here}: no 403 csrf_failed"));
            }
            if op.get("x-required-role").is_some() {
                if !codes_at("403").contains("forbidden") {
                    bad(format!("{here}: no 403 forbidden"));
                }
                if !codes_at("404").contains("not_found") {
                    bad(format!("{here}: no 404 not_found"));
                }
            }
        }
        if method == "post" && path == "/api/admin/login" && op["responses"].get("429").is_none() {
            bad(format!("{here}: no 429 (login throttling)"));
        }
        if path == "/ws" && (op["responses"].get("101").is_none() || op["responses"].get("401").is_none()) {
            bad(format!("{here}: the upgrade (101) and its refusal (401) are not both documented"));
        }
    }

    // The websocket messages are documented as tagged unions.
    for union in ["ClientMessage", "ServerMessage"] {
        let s = &doc["components"]["schemas"][union];
        if s["discriminator"]["propertyName"] != "type" || s["oneOf"].as_array().is_none_or(|o| o.is_empty()) {
            bad(format!("{union}: not a oneOf with discriminator `type`"));
        }
    }
    problems
}

#[actix_web::test]
async fn the_served_document_is_the_embedded_one_and_is_sound() {
    let app = spawn_app().await;
    let mut res = app.http.get(app.url("/api/openapi.json")).send().await.expect("request sent");
    assert_eq!(res.status().as_u16(), 200);
    let content_type = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(content_type.starts_with("application/json"), "{content_type}");
    let body = res.body().limit(16 << 20).await.expect("body");
    assert_eq!(std::str::from_utf8(&body).expect("UTF-8"), thiluat::http::openapi::DOCUMENT);

    let doc = document();
    let (_, served) = app.get_json("/api/openapi.json").await;
    assert_eq!(served, doc);
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")), "openapi: {}", doc["openapi"]);
    assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());
    assert_eq!(doc["components"]["securitySchemes"]["session"]["in"], "cookie");
    assert_eq!(doc["components"]["securitySchemes"]["session"]["name"], thiluat::http::admin::SESSION_COOKIE);

    let problems = problems(&doc);
    assert!(problems.is_empty(), "{} problems in src/http/openapi.json:\n{}", problems.len(), problems.join("\n"));
}

#[actix_web::test]
async fn the_document_lists_exactly_the_routes_the_server_serves() {
    let doc = document();
    let documented: BTreeSet<(String, String)> = operations(&doc).into_iter().map(|(m, p, _)| (m, p)).collect();
    let served: BTreeSet<(String, String)> = thiluat::http::ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .chain(thiluat::http::assets::PATHS.iter().map(|p| ("get".to_string(), p.to_string())))
        .collect();
    assert_eq!(served.len(), thiluat::http::ROUTES.len() + thiluat::http::assets::PATHS.len(), "a route twice");
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let not_served: Vec<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty() && not_served.is_empty(),
        "served but not in src/http/openapi.json: {undocumented:?}\ndocumented but not served: {not_served:?}"
    );
}

#[actix_web::test]
async fn every_documented_error_code_has_a_message_in_both_languages() {
    let doc = document();
    let fallback_vi = message("\u{1}no such code", Lang::Vi);
    let fallback_en = message("\u{1}no such code", Lang::En);
    let mut missing = Vec::new();
    for schema in ["ErrorCode", "FieldCode", "WsErrorCode"] {
        for code in enum_of(&doc, schema) {
            for (lang, fallback) in [(Lang::Vi, fallback_vi), (Lang::En, fallback_en)] {
                if message(&code, lang) == fallback {
                    missing.push(format!("{schema} {code} ({})", lang.as_str()));
                }
            }
        }
    }
    assert!(missing.is_empty(), "codes without a message in src/i18n.rs:\n{}", missing.join("\n"));
}

#[actix_web::test]
async fn the_docs_page_shows_every_path_without_script_or_inline_style() {
    let app = spawn_app().await;
    let mut res = app.http.get(app.url("/api/docs")).send().await.expect("request sent");
    assert_eq!(res.status().as_u16(), 200);
    let content_type = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let body = res.body().limit(16 << 20).await.expect("body");
    let page = std::str::from_utf8(&body).expect("UTF-8");
    let doc = document();
    let mut missing = Vec::new();
    for (method, path, op) in operations(&doc) {
        // Paths and operationIds hold no character HTML escapes.
        if !page.contains(&format!("<code>{path}</code>")) {
            missing.push(format!("path {path}"));
        }
        let id = op["operationId"].as_str().unwrap_or_default();
        if !page.contains(&format!("id=\"op-{id}\"")) {
            missing.push(format!("{method} {path} (operation {id})"));
        }
    }
    assert!(missing.is_empty(), "src/http/openapi.html is stale (run scripts/openapi-html.py): {missing:?}");
    // The Content-Security-Policy allows neither inline script nor inline style, and the page
    // loads nothing from another site.
    let lower = page.to_ascii_lowercase();
    for forbidden in [
        "<script",
        "<style",
        " style=",
        "javascript:",
        "@import",
        "url(",
        "src=",
        "href=\"http",
        "href=http",
        "href=\"//",
    ] {
        assert!(!lower.contains(forbidden), "the docs page contains {forbidden:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Real answers against the documented schemas.

/// Checks `value` against an OpenAPI 3.0 schema (the subset the document uses). Objects with
/// documented `properties` are closed unless `additionalProperties` says otherwise, so a field
/// added to an answer without documenting it fails here.
fn validate(doc: &Value, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    let schema = resolve(doc, schema);
    if value.is_null() && schema["nullable"] == true {
        return;
    }
    if let Some(parts) = schema["allOf"].as_array() {
        let mut names = BTreeSet::new();
        let mut open = false;
        for part in parts {
            let part = resolve(doc, part);
            validate_open(doc, part, value, at, errors);
            names.extend(part["properties"].as_object().into_iter().flatten().map(|(k, _)| k.clone()));
            open |= part["properties"].as_object().is_none_or(|p| p.is_empty()) || part["additionalProperties"] == true;
        }
        if let (false, Some(obj)) = (open, value.as_object()) {
            for k in obj.keys().filter(|k| !names.contains(*k)) {
                errors.push(format!("{at}: undocumented field {k}"));
            }
        }
        return;
    }
    if let Some(options) = schema["oneOf"].as_array() {
        let tag = schema["discriminator"]["propertyName"].as_str().and_then(|p| value[p].as_str());
        if let Some(target) = tag.and_then(|t| schema["discriminator"]["mapping"][t].as_str()) {
            validate(doc, &serde_json::json!({ "$ref": target }), value, at, errors);
            return;
        }
        let matching = options
            .iter()
            .filter(|o| {
                let mut e = Vec::new();
                validate(doc, o, value, at, &mut e);
                e.is_empty()
            })
            .count();
        if matching != 1 {
            errors.push(format!("{at}: {value} matches {matching} of the oneOf schemas"));
        }
        return;
    }
    validate_open(doc, schema, value, at, errors);
    if let (Some(props), Some(obj)) = (schema["properties"].as_object(), value.as_object()) {
        let closed = !props.is_empty() && !schema["additionalProperties"].is_boolean()
            || schema["additionalProperties"] == false;
        if closed && !schema["additionalProperties"].is_object() {
            for k in obj.keys().filter(|k| !props.contains_key(*k)) {
                errors.push(format!("{at}: undocumented field {k}"));
            }
        }
    }
}

/// `validate` without the closed-object check (for the parts of an allOf).
fn validate_open(doc: &Value, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    let schema = resolve(doc, schema);
    if value.is_null() {
        if schema["nullable"] != true && !schema.as_object().is_none_or(|s| s.is_empty()) {
            errors.push(format!("{at}: null but not nullable"));
        }
        return;
    }
    if schema.get("allOf").is_some() || schema.get("oneOf").is_some() {
        return validate(doc, schema, value, at, errors);
    }
    if let Some(allowed) = schema["enum"].as_array() {
        if !allowed.contains(value) {
            errors.push(format!("{at}: {value} is not one of {allowed:?}"));
        }
    }
    let ok = match schema["type"].as_str() {
        None => true,
        Some("string") => value.is_string(),
        Some("integer") => value.is_i64() || value.is_u64(),
        Some("number") => value.is_number(),
        Some("boolean") => value.is_boolean(),
        Some("array") => value.is_array(),
        Some("object") => value.is_object(),
        Some(other) => {
            errors.push(format!("{at}: unknown type {other}"));
            true
        }
    };
    if !ok {
        errors.push(format!("{at}: {value} is not of type {}", schema["type"]));
        return;
    }
    if let (Some(min), Some(n)) = (schema["minimum"].as_f64(), value.as_f64()) {
        if n < min {
            errors.push(format!("{at}: {n} is below {min}"));
        }
    }
    if let (Some(max), Some(n)) = (schema["maximum"].as_f64(), value.as_f64()) {
        if n > max {
            errors.push(format!("{at}: {n} is above {max}"));
        }
    }
    if let Some(items) = value.as_array() {
        for (i, item) in items.iter().enumerate() {
            validate(doc, &schema["items"], item, &format!("{at}[{i}]"), errors);
        }
    }
    if let Some(obj) = value.as_object() {
        for required in string_set(&schema["required"]) {
            if !obj.contains_key(&required) {
                errors.push(format!("{at}: missing field {required}"));
            }
        }
        let props = schema["properties"].as_object();
        for (k, v) in obj {
            match props.and_then(|p| p.get(k)) {
                Some(s) => validate(doc, s, v, &format!("{at}.{k}"), errors),
                None if schema["additionalProperties"].is_object() => {
                    validate(doc, &schema["additionalProperties"], v, &format!("{at}.{k}"), errors)
                }
                None => {}
            }
        }
    }
}

/// Records whether an answer matches what the document says of (method, template, status).
pub struct Checker {
    doc: Value,
    pub errors: Vec<String>,
    seen: BTreeSet<(String, String)>,
}

impl Checker {
    #[expect(clippy::new_without_default, reason = "reads the document: not a cheap default")]
    pub fn new() -> Self {
        Self { doc: document(), errors: Vec::new(), seen: BTreeSet::new() }
    }

    pub fn answer(&mut self, method: &str, template: &str, status: u16, body: &Value) {
        let here = format!("{} {template} → {status}", method.to_uppercase());
        self.seen.insert((method.to_string(), template.to_string()));
        let response = &self.doc["paths"][template][method]["responses"][status.to_string()];
        if response.is_null() {
            self.errors.push(format!("{here}: this status is not documented ({body})"));
            return;
        }
        let response = resolve(&self.doc, response).clone();
        let Some(schema) = response["content"]["application/json"]["schema"].as_object() else {
            return;
        };
        let mut errors = Vec::new();
        validate(&self.doc, &Value::Object(schema.clone()), body, "body", &mut errors);
        if let Some(code) = body["error"]["code"].as_str() {
            if !string_set(&response["x-error-codes"]).contains(code) {
                errors.push(format!("code {code} is not listed for this answer"));
            }
            for field in body["error"]["fields"].as_array().into_iter().flatten() {
                let code = field["code"].as_str().unwrap_or_default();
                if !string_set(&response["x-field-codes"]).contains(code) {
                    errors.push(format!("field code {code} is not listed for this answer"));
                }
            }
        }
        self.errors.extend(errors.into_iter().map(|e| format!("{here}: {e}")));
    }

    fn message(&mut self, frame: &Value) {
        let mut errors = Vec::new();
        let schema = serde_json::json!({"$ref": "#/components/schemas/ServerMessage"});
        validate(&self.doc, &schema, frame, "frame", &mut errors);
        self.errors.extend(errors.into_iter().map(|e| format!("websocket {}: {e}", frame["type"])));
    }
}

#[actix_web::test]
async fn real_answers_match_the_documented_schemas() {
    use crate::admin::{Admin, Body};
    use serde_json::json;

    let app = spawn_app().await;
    let mut c = Checker::new();

    // Public and participant routes.
    let (s, b) = app.get_json(&format!("/api/contests/{SLUG}")).await;
    c.answer("get", "/api/contests/{slug}", s, &b);
    let (s, b) = app.get_json("/api/contests/no-such-contest").await;
    c.answer("get", "/api/contests/{slug}", s, &b);
    for query in ["province=15", "q=cam%20giang", ""] {
        let (s, b) = app.get_json(&format!("/api/communes?{query}")).await;
        c.answer("get", "/api/communes", s, &b);
    }
    let registration = valid_registration();
    let (s, b) = app.register(&registration).await;
    c.answer("post", "/api/contests/{slug}/register", s, &b);
    let token = b["token"].as_str().unwrap_or_default().to_string();
    let (s, b) = app.register(&registration).await;
    c.answer("post", "/api/contests/{slug}/register", s, &b);
    let (s, b) = app.register(&json!({"full_name": "X1!", "dob": "2031-01-01", "sex": "robot"})).await;
    c.answer("post", "/api/contests/{slug}/register", s, &b);
    let (s, b) = app.register(&json!({"nonsense": true})).await;
    c.answer("post", "/api/contests/{slug}/register", s, &b);
    let login = json!({"phone": registration["phone"], "dob": registration["dob"]});
    let (s, b) = app.post_json(&format!("/api/contests/{SLUG}/login"), &login, "en").await;
    c.answer("post", "/api/contests/{slug}/login", s, &b);
    let (s, b) = app
        .post_json(&format!("/api/contests/{SLUG}/login"), &json!({"phone": "0912345678", "dob": "1901-01-01"}), "en")
        .await;
    c.answer("post", "/api/contests/{slug}/login", s, &b);
    let (s, b) = app.get_json("/readyz").await;
    c.answer("get", "/readyz", s, &b);

    // The websocket: every kind of server message.
    let mut ws = app.ws(&token).await;
    let snapshot = ws.start(app.round()).await;
    c.message(&snapshot);
    let attempt = snapshot["attempt_id"].clone();
    let (question, options) = questions(&snapshot)[0].clone();
    for frame in [
        json!({"type": "answer", "round_id": app.round(), "attempt_id": attempt, "question_id": question,
               "options": [options[0]], "seq": 1}),
        json!({"type": "attempts", "round_id": app.round()}),
        json!({"type": "ping"}),
        json!({"type": "resume", "round_id": app.round(), "attempt_id": attempt}),
        json!({"type": "submit", "round_id": app.round(), "attempt_id": attempt}),
        json!({"type": "submit", "round_id": app.round(), "attempt_id": attempt, "prediction": 3}),
        json!({"type": "teleport"}),
    ] {
        let reply = ws.request(frame).await;
        c.message(&reply);
    }
    // The review of that submitted attempt: before the reveal, after it, and refusals.
    let review = format!("/api/rounds/{}/attempts/{}/review", app.round(), attempt.as_str().expect("attempt"));
    let set_reveal = |reveal: &'static str| {
        sqlx::query("UPDATE rounds SET reveal = $2 WHERE id = $1").bind(app.round()).bind(reveal).execute(&app.pg)
    };
    let (s, b, _) = app.get_as(Some(&token), &review).await;
    c.answer("get", "/api/rounds/{round}/attempts/{attempt}/review", s, &b);
    set_reveal("after_submit").await.expect("reveal");
    for path in [review.clone(), format!("{review}?lang=en"), format!("{review}?lang=x!"), format!("{review}?x=1")] {
        let (s, b, _) = app.get_as(Some(&token), &path).await;
        c.answer("get", "/api/rounds/{round}/attempts/{attempt}/review", s, &b);
    }
    let (s, b, _) = app.get_as(None, &review).await;
    c.answer("get", "/api/rounds/{round}/attempts/{attempt}/review", s, &b);
    let (s, b, _) = app.get_as(Some(&token), &format!("/api/rounds/1/attempts/{}/review", uuid::Uuid::new_v4())).await;
    c.answer("get", "/api/rounds/{round}/attempts/{attempt}/review", s, &b);
    let open = ws.start(app.round()).await;
    let open_review =
        format!("/api/rounds/{}/attempts/{}/review", app.round(), open["attempt_id"].as_str().expect("id"));
    let (s, b, _) = app.get_as(Some(&token), &open_review).await;
    c.answer("get", "/api/rounds/{round}/attempts/{attempt}/review", s, &b);
    c.message(&open);
    set_reveal("after_close").await.expect("reveal");

    // After a submission, so the leaderboard has an entry.
    for round in [app.round().to_string(), "999999".into(), "abc".into()] {
        let (s, b) = app.get_json(&format!("/api/rounds/{round}/leaderboard?limit=5")).await;
        c.answer("get", "/api/rounds/{id}/leaderboard", s, &b);
    }

    // Organiser routes.
    let (org, email) = app.org_with_admin("oas").await;
    let (s, b) = app
        .call(None, "POST", "/api/admin/login", Body::Json(json!({"email": email, "password": "wrong password!"})))
        .await;
    c.answer("post", "/api/admin/login", s, &b);
    let admin = app.login(&email, "mật khẩu rất dài 1").await.expect("admin logs in");
    let forged = Admin { cookie: admin.cookie.clone(), csrf: "forged".into() };
    let (s, b) = app.call(None, "GET", "/api/admin/me", Body::None).await;
    c.answer("get", "/api/admin/me", s, &b);
    let (s, b) = app.call(Some(&admin), "GET", "/api/admin/me", Body::None).await;
    c.answer("get", "/api/admin/me", s, &b);

    let members = format!("/api/admin/orgs/{org}/members");
    let member = json!({"email": "member@oas.example", "display_name": "Thành viên", "role": "viewer"});
    let (s, b) = app.call(Some(&admin), "POST", &members, Body::Json(member.clone())).await;
    c.answer("post", "/api/admin/orgs/{org}/members", s, &b);
    let account = b["account_id"].as_i64().unwrap_or_default();
    let (s, b) = app.call(Some(&admin), "POST", &members, Body::Json(member)).await;
    c.answer("post", "/api/admin/orgs/{org}/members", s, &b);
    let (s, b) = app
        .call(Some(&forged), "POST", &members, Body::Json(json!({"email": "x", "display_name": "", "role": "king"})))
        .await;
    c.answer("post", "/api/admin/orgs/{org}/members", s, &b);
    let (s, b) = app
        .call(Some(&admin), "POST", &members, Body::Json(json!({"email": "x", "display_name": "", "role": "king"})))
        .await;
    c.answer("post", "/api/admin/orgs/{org}/members", s, &b);
    let (s, b) = app.call(Some(&admin), "GET", &members, Body::None).await;
    c.answer("get", "/api/admin/orgs/{org}/members", s, &b);
    let (s, b) = app.call(Some(&admin), "GET", "/api/admin/orgs/999999/members", Body::None).await;
    c.answer("get", "/api/admin/orgs/{org}/members", s, &b);
    for patch in [json!({"role": "organiser"}), json!({"role": "king"})] {
        let (s, b) = app.call(Some(&admin), "PATCH", &format!("{members}/{account}"), Body::Json(patch)).await;
        c.answer("patch", "/api/admin/orgs/{org}/members/{account}", s, &b);
    }
    let (s, b) = app.call(Some(&admin), "POST", &format!("{members}/{account}/reset-password"), Body::None).await;
    c.answer("post", "/api/admin/orgs/{org}/members/{account}/reset-password", s, &b);

    let contests = format!("/api/admin/orgs/{org}/contests");
    let slug = format!("oas-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let contest_body = json!({
        "slug": slug, "title": "Tìm hiểu pháp luật", "organiser": "Sở Tư pháp", "rules_md": "# Thể lệ",
        "consent_text": "Tôi đồng ý.", "consent_version": "v1", "min_age": 14, "scope": {"provinces": ["15"]},
    });
    let (s, b) = app.call(Some(&admin), "POST", &contests, Body::Json(contest_body.clone())).await;
    c.answer("post", "/api/admin/orgs/{org}/contests", s, &b);
    let contest = b["id"].as_i64().unwrap_or_default();
    let (s, b) = app.call(Some(&admin), "POST", &contests, Body::Json(contest_body)).await;
    c.answer("post", "/api/admin/orgs/{org}/contests", s, &b);
    let (s, b) =
        app.call(Some(&admin), "POST", &contests, Body::Json(json!({"slug": "Không hợp lệ", "min_age": 500}))).await;
    c.answer("post", "/api/admin/orgs/{org}/contests", s, &b);
    let (s, b) = app.call(Some(&admin), "GET", &contests, Body::None).await;
    c.answer("get", "/api/admin/orgs/{org}/contests", s, &b);

    let units = format!("/api/admin/contests/{contest}/units");
    let (s, b) = app.call(Some(&admin), "POST", &format!("{units}?communes_of_province=15"), Body::None).await;
    c.answer("post", "/api/admin/contests/{id}/units", s, &b);
    let (s, b) = app.call(Some(&admin), "POST", &format!("{units}?communes_of_province=99"), Body::None).await;
    c.answer("post", "/api/admin/contests/{id}/units", s, &b);
    let bad_units = b"code,name,parent_code,kind,headcount\n,Nameless,NOPE,unit,many\n".to_vec();
    let (s, b) = app.call(Some(&admin), "POST", &units, Body::Bytes(bad_units)).await;
    c.answer("post", "/api/admin/contests/{id}/units", s, &b);
    let (s, b) = app.call(Some(&admin), "GET", &units, Body::None).await;
    c.answer("get", "/api/admin/contests/{id}/units", s, &b);

    let import = format!("/api/admin/orgs/{org}/questions/import");
    let header = format!("{}\n", thiluat::contest::bank::COLUMNS.join(","));
    let bank = format!("{header}Q1,hien-phap,dễ,Câu một?,A,B,,,,,A,,,\nQ2,hien-phap,khó,Câu hai?,A,B,C,,,,B,,,\n");
    let (s, b) = app.call(Some(&admin), "POST", &import, Body::Bytes(bank.into_bytes())).await;
    c.answer("post", "/api/admin/orgs/{org}/questions/import", s, &b);
    let (s, b) = app
        .call(Some(&admin), "POST", &import, Body::Bytes(format!("{header}Q3,t,weird,,A,,,,,,Z,,,\n").into_bytes()))
        .await;
    c.answer("post", "/api/admin/orgs/{org}/questions/import", s, &b);
    let (s, b) = app.call(Some(&admin), "GET", &format!("/api/admin/orgs/{org}/questions"), Body::None).await;
    c.answer("get", "/api/admin/orgs/{org}/questions", s, &b);
    let question = b["items"][0]["id"].as_i64().unwrap_or_default();
    let edit = json!({"topic": "hien-phap", "difficulty": "easy", "text": "Câu một, sửa?", "options": ["A", "B"], "correct": [1]});
    let (s, b) =
        app.call(Some(&admin), "PUT", &format!("/api/admin/questions/{question}"), Body::Json(edit.clone())).await;
    c.answer("put", "/api/admin/questions/{id}", s, &b);
    let latest = b["id"].as_i64().unwrap_or_default();
    let (s, b) = app.call(Some(&admin), "PUT", &format!("/api/admin/questions/{question}"), Body::Json(edit)).await;
    c.answer("put", "/api/admin/questions/{id}", s, &b);
    let bad = json!({"topic": "", "difficulty": "?", "text": "", "options": ["A"], "correct": [3]});
    let (s, b) = app.call(Some(&admin), "PUT", &format!("/api/admin/questions/{latest}"), Body::Json(bad)).await;
    c.answer("put", "/api/admin/questions/{id}", s, &b);

    let rounds = format!("/api/admin/contests/{contest}/rounds");
    let later = |h: i64| (chrono::Utc::now() + chrono::Duration::hours(h)).to_rfc3339();
    let round_body = json!({"title": "Tuần 1", "opens_at": later(1), "closes_at": later(2), "time_limit_minutes": 10,
        "questions_per_attempt": 2, "draw": [{"count": 2}], "attempt_limit": 2,
        "ranking": ["correct_desc", "duration_asc", "submitted_asc"]});
    let (s, b) = app.call(Some(&admin), "POST", &rounds, Body::Json(round_body)).await;
    c.answer("post", "/api/admin/contests/{id}/rounds", s, &b);
    let round = b["id"].as_i64().unwrap_or_default();
    let (s, b) = app
        .call(
            Some(&admin),
            "POST",
            &rounds,
            Body::Json(json!({"title": "", "draw": [{"count": 1}], "ranking": ["prediction_distance_asc"]})),
        )
        .await;
    c.answer("post", "/api/admin/contests/{id}/rounds", s, &b);
    let (s, b) = app.call(Some(&admin), "POST", &format!("/api/admin/contests/{contest}/publish"), Body::None).await;
    c.answer("post", "/api/admin/contests/{id}/publish", s, &b);
    let (s, b) = app.call(Some(&admin), "POST", &format!("/api/admin/contests/{contest}/publish"), Body::None).await;
    c.answer("post", "/api/admin/contests/{id}/publish", s, &b);
    let (s, b) = app
        .call(Some(&admin), "PATCH", &format!("/api/admin/rounds/{round}"), Body::Json(json!({"title": "Tuần một"})))
        .await;
    c.answer("patch", "/api/admin/rounds/{id}", s, &b);
    let (s, b) = app
        .call(Some(&admin), "PATCH", &format!("/api/admin/rounds/{round}"), Body::Json(json!({"grace_seconds": 999})))
        .await;
    c.answer("patch", "/api/admin/rounds/{id}", s, &b);
    for patch in [json!({"title": "Tìm hiểu pháp luật 2027"}), json!({"min_age": 16})] {
        let (s, b) =
            app.call(Some(&admin), "PATCH", &format!("/api/admin/contests/{contest}"), Body::Json(patch)).await;
        c.answer("patch", "/api/admin/contests/{id}", s, &b);
    }
    let (s, b) = app.call(Some(&admin), "GET", &format!("/api/admin/contests/{contest}"), Body::None).await;
    c.answer("get", "/api/admin/contests/{id}", s, &b);
    // A public contest page with a password, a registration window and rendered rules.
    let (s, b) = app.get_json(&format!("/api/contests/{slug}")).await;
    c.answer("get", "/api/contests/{slug}", s, &b);

    for (method, template) in [("GET", "live"), ("GET", "verify"), ("POST", "close"), ("POST", "finalize")] {
        let (s, b) = app.call(Some(&admin), method, &format!("/api/admin/rounds/{round}/{template}"), Body::None).await;
        c.answer(&method.to_lowercase(), &format!("/api/admin/rounds/{{id}}/{template}"), s, &b);
    }
    // Reports of a round and a contest with nothing finalised yet, and their refusals.
    for (template, query) in [("results", ""), ("results", "?page=0"), ("question-stats", "")] {
        let (s, b) =
            app.call(Some(&admin), "GET", &format!("/api/admin/rounds/{round}/{template}{query}"), Body::None).await;
        c.answer("get", &format!("/api/admin/rounds/{{id}}/{template}"), s, &b);
    }
    for (template, query) in
        [("results", ""), ("report-settings", ""), ("collective", ""), ("stats", ""), ("stats", "?round_id=999999")]
    {
        let (s, b) = app
            .call(Some(&admin), "GET", &format!("/api/admin/contests/{contest}/{template}{query}"), Body::None)
            .await;
        c.answer("get", &format!("/api/admin/contests/{{id}}/{template}"), s, &b);
    }
    for body in [
        json!({"overall": {"prizes": [{"name": "Giải Nhất", "count": 1}]}, "collective": {"prize_points": {"Giải Nhất": 5}}}),
        json!({"collective": {"rate_weight": -2, "prize_points": {"Giải Ba": 1}}}),
        json!({"collective": {"weight": 1}}),
    ] {
        let (s, b) = app
            .call(Some(&admin), "PUT", &format!("/api/admin/contests/{contest}/report-settings"), Body::Json(body))
            .await;
        c.answer("put", "/api/admin/contests/{id}/report-settings", s, &b);
    }
    let (s, b) = app.call(Some(&admin), "GET", &format!("/api/admin/contests/{contest}/results"), Body::None).await;
    c.answer("get", "/api/admin/contests/{id}/results", s, &b);
    for slug in [SLUG, "no-such-contest"] {
        let (s, b) = app.get_json(&format!("/api/contests/{slug}/stats")).await;
        c.answer("get", "/api/contests/{slug}/stats", s, &b);
    }
    // The fixture contest belongs to no organisation: its participants are not found.
    let (s, b) = app
        .call(Some(&admin), "POST", "/api/admin/participants/1/disqualify", Body::Json(json!({"reason": "Gian lận"})))
        .await;
    c.answer("post", "/api/admin/participants/{id}/disqualify", s, &b);
    let (s, b) =
        app.call(Some(&admin), "POST", "/api/admin/participants/1/requalify", Body::Json(json!({"reason": ""}))).await;
    c.answer("post", "/api/admin/participants/{id}/requalify", s, &b);
    // The review queue of ballot-stuffing cases.
    let cases = format!("/api/admin/contests/{contest}/cases");
    let (s, b) = app.call(Some(&admin), "POST", &format!("{cases}/scan"), Body::None).await;
    c.answer("post", "/api/admin/contests/{id}/cases/scan", s, &b);
    let case: i64 = sqlx::query_scalar(
        "INSERT INTO abuse_cases (contest_id, rule, fingerprint, participant_ids, evidence) \
         VALUES ($1, 'same_person', 'oas', '{}', '{\"count\": 2}') RETURNING id",
    )
    .bind(contest)
    .fetch_one(&app.pg)
    .await
    .expect("a case");
    for query in ["", "?status=open", "?status=maybe"] {
        let (s, b) = app.call(Some(&admin), "GET", &format!("{cases}{query}"), Body::None).await;
        c.answer("get", "/api/admin/contests/{id}/cases", s, &b);
    }
    for (action, reason) in [("dismiss", ""), ("confirm", "Cùng một người"), ("dismiss", "Nhầm")] {
        let (s, b) = app
            .call(
                Some(&admin),
                "POST",
                &format!("/api/admin/cases/{case}/{action}"),
                Body::Json(json!({"reason": reason})),
            )
            .await;
        c.answer("post", &format!("/api/admin/cases/{{id}}/{action}"), s, &b);
    }
    let (s, b) = app.call(Some(&admin), "GET", &cases, Body::None).await;
    c.answer("get", "/api/admin/contests/{id}/cases", s, &b);
    let (s, b) =
        app.call(Some(&admin), "POST", "/api/admin/cases/999999/confirm", Body::Json(json!({"reason": "x"}))).await;
    c.answer("post", "/api/admin/cases/{id}/confirm", s, &b);
    let (s, b) = app.call(Some(&admin), "GET", &format!("/api/admin/orgs/{org}/audit?limit=50"), Body::None).await;
    c.answer("get", "/api/admin/orgs/{org}/audit", s, &b);
    let (s, b) = app.call(Some(&admin), "GET", &format!("/api/admin/orgs/{org}/audit?before=x"), Body::None).await;
    c.answer("get", "/api/admin/orgs/{org}/audit", s, &b);

    let (s, b) = app.call(Some(&forged), "POST", "/api/admin/logout-all", Body::None).await;
    c.answer("post", "/api/admin/logout-all", s, &b);
    let (s, b) = app.call(Some(&admin), "POST", "/api/admin/logout", Body::None).await;
    c.answer("post", "/api/admin/logout", s, &b);
    let (s, b) = app.call(Some(&admin), "POST", "/api/admin/logout", Body::None).await;
    c.answer("post", "/api/admin/logout", s, &b);
    let admin = app.login(&email, "mật khẩu rất dài 1").await.expect("admin logs in again");
    let (s, b) = app.call(Some(&admin), "POST", "/api/admin/logout-all", Body::None).await;
    c.answer("post", "/api/admin/logout-all", s, &b);

    assert!(
        c.errors.is_empty(),
        "{} answers differ from src/http/openapi.json:\n{}",
        c.errors.len(),
        c.errors.join("\n")
    );
    assert!(c.seen.len() >= 30, "only {} operations exercised", c.seen.len());
}
