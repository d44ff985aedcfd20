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
        if method == "post" && path == "/api/admin/login" {
            let r = resolve(doc, &op["responses"]["429"]);
            if r["headers"].get("Retry-After").is_none() {
                bad(format!("{here}: 429 without a Retry-After header"));
            }
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
    assert_eq!(doc["components"]["securitySchemes"]["session"]["name"], thiluat::admin::SESSION_COOKIE);

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
    // The Content-Security-Policy allows neither inline script nor inline style.
    let lower = page.to_ascii_lowercase();
    for forbidden in ["<script", "<style", " style=", "javascript:", "http://", "https://"] {
        assert!(!lower.contains(forbidden), "the docs page contains {forbidden:?}");
    }
}
