//! Organiser accounts: login (throttled per account and per address, shared across nodes),
//! sessions in Redis behind an HttpOnly SameSite cookie, members and roles.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use base64::Engine;
use rand::Rng as _;
use serde::Deserialize;
use serde_json::json;
use sqlx::PgPool;

use super::{Organiser, Role, SESSION_COOKIE};
use crate::auth::{self, PasswordHasher, LOGIN_PER_ACCOUNT, LOGIN_PER_ADDRESS};
use crate::http::{ApiError, AppState, Lang};

fn normalise_email(email: &str) -> Option<String> {
    let e = email.trim().to_lowercase();
    let (local, domain) = e.split_once('@')?;
    let ok = !local.is_empty() && domain.contains('.') && e.len() <= 254 && !e.contains(char::is_whitespace);
    ok.then_some(e)
}

/// A one-time password an admin hands over; the member changes it after logging in.
fn temporary_password() -> String {
    let mut bytes = [0u8; 12];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Creates an organisation and its first admin (`thiluat admin create`).
pub async fn create_admin(
    pg: &PgPool,
    hasher: &PasswordHasher,
    org_slug: &str,
    org_name: &str,
    email: &str,
    display_name: &str,
    password: &str,
) -> anyhow::Result<(i64, i64)> {
    let email = normalise_email(email).ok_or_else(|| anyhow::anyhow!("{email:?} is not an e-mail address"))?;
    auth::check_policy(password).map_err(|code| anyhow::anyhow!("{}", crate::i18n::message(code, Lang::En)))?;
    let hash = hasher.hash(password).await?;
    let mut tx = pg.begin().await?;
    let org: i64 = sqlx::query_scalar(
        "INSERT INTO organisations (slug, name) VALUES ($1, $2) \
         ON CONFLICT (slug) DO UPDATE SET name = organisations.name RETURNING id",
    )
    .bind(org_slug)
    .bind(org_name)
    .fetch_one(&mut *tx)
    .await?;
    let account: i64 = sqlx::query_scalar(
        "INSERT INTO accounts (email, display_name, password_hash) VALUES ($1, $2, $3) \
         ON CONFLICT (email) DO UPDATE SET password_hash = EXCLUDED.password_hash RETURNING id",
    )
    .bind(&email)
    .bind(display_name)
    .bind(&hash)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO memberships (organisation_id, account_id, role, personal_data_export) VALUES ($1, $2, 'admin', TRUE) \
         ON CONFLICT (organisation_id, account_id) DO UPDATE SET role = 'admin'",
    )
    .bind(org)
    .bind(account)
    .execute(&mut *tx)
    .await?;
    crate::audit::record(
        &mut *tx,
        Some(org),
        Some(account),
        "admin.create",
        ("account", Some(account.to_string())),
        None,
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok((org, account))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    email: String,
    password: String,
}

fn too_many(lang: Lang, retry_after: u64) -> ApiError {
    ApiError { retry_after: Some(retry_after), ..ApiError::new(lang, StatusCode::TOO_MANY_REQUESTS, "rate_limited") }
}

pub async fn login(
    req: HttpRequest,
    body: web::Json<LoginBody>,
    state: web::Data<AppState>,
    lang: Lang,
) -> Result<HttpResponse, ApiError> {
    let internal = |e: &dyn std::fmt::Display| ApiError::internal(lang, e);
    let email = body.email.trim().to_lowercase();
    let address = state.client_address(&req).unwrap_or_default();
    // Counted before the hash (one script each: check and count at once), so a burst of
    // simultaneous guesses evaluates at most the allowed number.
    for (limit, key) in [(&LOGIN_PER_ACCOUNT, &email), (&LOGIN_PER_ADDRESS, &address)] {
        if let Some(retry) = state.throttle.reserve(limit, key).await.map_err(|e| internal(&e))? {
            return Err(too_many(lang, retry));
        }
    }
    let row: Option<(i64, String, bool)> =
        sqlx::query_as("SELECT id, password_hash, disabled FROM accounts WHERE email = $1")
            .bind(&email)
            .fetch_optional(&state.pg)
            .await?;
    let ok = state
        .hasher
        .verify(&body.password, row.as_ref().map(|r| r.1.as_str()))
        .await
        .map_err(|e| ApiError::hashing(lang, &e))?;
    let orgs: Vec<i64> = match &row {
        Some((id, ..)) => {
            sqlx::query_scalar("SELECT organisation_id FROM memberships WHERE account_id = $1")
                .bind(id)
                .fetch_all(&state.pg)
                .await?
        }
        None => Vec::new(),
    };
    let account = row.as_ref().map(|r| r.0);
    let action = if ok && row.as_ref().is_some_and(|r| !r.2) { "login" } else { "login.failed" };
    for org in orgs.iter().map(|o| Some(*o)).chain(orgs.is_empty().then_some(None)) {
        crate::audit::record(
            &state.pg,
            org,
            account,
            action,
            ("account", account.map(|a| a.to_string())),
            Some(&address),
            json!({}),
        )
        .await?;
    }
    let Some(account) = account.filter(|_| action == "login") else {
        // The attempt was counted when reserved.
        return Err(ApiError::new(lang, StatusCode::UNAUTHORIZED, "credentials_invalid"));
    };
    let password = auth::one_time::status(&state.pg, account).await?;
    if password.expired {
        return Err(ApiError::new(lang, StatusCode::UNAUTHORIZED, auth::one_time::EXPIRED));
    }
    state.throttle.reset(&LOGIN_PER_ACCOUNT, &email).await.map_err(|e| internal(&e))?;
    state.throttle.refund(&LOGIN_PER_ADDRESS, &address).await.map_err(|e| internal(&e))?;
    // A new token at every login: a session fixed before login is never promoted.
    start_session(&req, &state, account, password.change_required).await.map_err(|e| internal(&e))
}

/// A fresh session for the account: the cookie (HttpOnly, SameSite=Strict, Secure behind
/// TLS) and the CSRF token in the body. Login and password change share it so the cookie's
/// attributes cannot drift apart.
async fn start_session(
    req: &HttpRequest,
    state: &AppState,
    account: i64,
    password_change_required: bool,
) -> redis::RedisResult<HttpResponse> {
    let session = state.sessions.create(account).await?;
    let secure = req.connection_info().scheme() == "https";
    let cookie = Cookie::build(SESSION_COOKIE, session.token.clone())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .finish();
    Ok(HttpResponse::Ok().cookie(cookie).json(json!({
        "account_id": account, "csrf_token": session.csrf, "password_change_required": password_change_required,
    })))
}

fn expired_cookie() -> Cookie<'static> {
    let mut c = Cookie::build(SESSION_COOKIE, "").path("/").http_only(true).same_site(SameSite::Strict).finish();
    c.make_removal();
    c
}

pub async fn logout(who: Organiser, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state.sessions.destroy(&who.token).await.map_err(|e| ApiError::internal(who.lang, &e))?;
    Ok(HttpResponse::Ok().cookie(expired_cookie()).json(json!({"ok": true})))
}

pub async fn logout_all(who: Organiser, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let ended = state.sessions.destroy_all(who.account_id).await.map_err(|e| ApiError::internal(who.lang, &e))?;
    for m in &who.memberships {
        who.audit(
            &state.pg,
            Some(m.organisation_id),
            "logout.everywhere",
            ("account", Some(who.account_id.to_string())),
            json!({}),
        )
        .await?;
    }
    Ok(HttpResponse::Ok().cookie(expired_cookie()).json(json!({"sessions_ended": ended})))
}

pub async fn me(who: Organiser, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let (email, name): (String, String) = sqlx::query_as("SELECT email, display_name FROM accounts WHERE id = $1")
        .bind(who.account_id)
        .fetch_one(&state.pg)
        .await?;
    let session = state.sessions.get(&who.token).await.map_err(|e| ApiError::internal(who.lang, &e))?;
    let password = auth::one_time::status(&state.pg, who.account_id).await?;
    // The console names each organisation (an account may belong to several).
    let ids: Vec<i64> = who.memberships.iter().map(|m| m.organisation_id).collect();
    let names: std::collections::HashMap<i64, (String, String)> =
        sqlx::query_as::<_, (i64, String, String)>("SELECT id, slug, name FROM organisations WHERE id = ANY($1)")
            .bind(&ids)
            .fetch_all(&state.pg)
            .await?
            .into_iter()
            .map(|(id, slug, name)| (id, (slug, name)))
            .collect();
    let memberships: Vec<_> = who
        .memberships
        .iter()
        .map(|m| {
            let (slug, org_name) = names.get(&m.organisation_id).cloned().unwrap_or_default();
            json!({
                "organisation_id": m.organisation_id, "organisation_slug": slug, "organisation_name": org_name,
                "role": m.role, "personal_data_export": m.personal_data_export,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "account_id": who.account_id, "email": email, "display_name": name,
        "csrf_token": session.map(|s| s.csrf), "memberships": memberships,
        "password_change_required": password.change_required,
    })))
}

pub async fn list_members(
    path: web::Path<i64>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let org = path.into_inner();
    who.require(org, Role::Admin)?;
    let rows: Vec<(i64, String, String, String, bool)> = sqlx::query_as(
        "SELECT a.id, a.email, a.display_name, m.role, m.personal_data_export FROM memberships m \
         JOIN accounts a ON a.id = m.account_id WHERE m.organisation_id = $1 ORDER BY a.id",
    )
    .bind(org)
    .fetch_all(&state.pg)
    .await?;
    Ok(HttpResponse::Ok().json(json!({"items": rows.iter().map(|r| json!({
        "account_id": r.0, "email": r.1, "display_name": r.2, "role": r.3, "personal_data_export": r.4,
    })).collect::<Vec<_>>()})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberBody {
    email: String,
    display_name: String,
    role: String,
    #[serde(default)]
    personal_data_export: bool,
}

/// Whether the account belongs to an organisation other than `org`.
async fn other_organisation(pg: &sqlx::PgPool, account: i64, org: i64) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM memberships WHERE account_id = $1 AND organisation_id <> $2)")
        .bind(account)
        .bind(org)
        .fetch_one(pg)
        .await
}

/// Adds a member; a new account gets a temporary password, shown once.
pub async fn add_member(
    path: web::Path<i64>,
    body: web::Json<MemberBody>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let org = path.into_inner();
    who.require(org, Role::Admin)?;
    let bad = |field: &'static str, code: &'static str| {
        ApiError::invalid_fields(who.lang, &[crate::domain::FieldError { field, code }])
    };
    let email = normalise_email(&body.email).ok_or_else(|| bad("email", "invalid_email"))?;
    let role = Role::parse(&body.role).ok_or_else(|| bad("role", "invalid_role"))?;
    let name = body.display_name.trim();
    if name.is_empty() {
        return Err(bad("display_name", "required"));
    }
    if name.chars().count() > 100 {
        return Err(bad("display_name", "too_long"));
    }
    let existing: Option<i64> =
        sqlx::query_scalar("SELECT id FROM accounts WHERE email = $1").bind(&email).fetch_optional(&state.pg).await?;
    let mut temporary = None;
    let mut tx = state.pg.begin().await?;
    let account = match existing {
        // An account of another organisation is never attached by this one's admin: that
        // would let any admin pull a stranger's account (and its sessions) into their
        // organisation. The person keeps one account per organisation, or an admin of theirs
        // adds this organisation.
        Some(id) if other_organisation(&state.pg, id, org).await? => {
            return Err(ApiError { field: Some("email"), ..who.error(StatusCode::CONFLICT, "account_elsewhere") });
        }
        Some(id) => id,
        None => {
            let password = temporary_password();
            let hash = state.hasher.hash(&password).await.map_err(|e| ApiError::hashing(who.lang, &e))?;
            temporary = Some(password);
            sqlx::query_scalar(
                "INSERT INTO accounts (email, display_name, password_hash) VALUES ($1, $2, $3) RETURNING id",
            )
            .bind(&email)
            .bind(name)
            .bind(hash)
            .fetch_one(&mut *tx)
            .await?
        }
    };
    let inserted = sqlx::query(
        "INSERT INTO memberships (organisation_id, account_id, role, personal_data_export) VALUES ($1, $2, $3, $4) \
         ON CONFLICT DO NOTHING",
    )
    .bind(org)
    .bind(account)
    .bind(role.as_str())
    .bind(body.personal_data_export)
    .execute(&mut *tx)
    .await?;
    if inserted.rows_affected() == 0 {
        return Err(who.error(StatusCode::CONFLICT, "already_member"));
    }
    if temporary.is_some() {
        auth::one_time::require_change(&mut *tx, account).await?;
    }
    who.audit(
        &mut *tx,
        Some(org),
        "member.add",
        ("account", Some(account.to_string())),
        json!({"role": role, "personal_data_export": body.personal_data_export}),
    )
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::Created().json(json!({"account_id": account, "temporary_password": temporary})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberUpdate {
    role: Option<String>,
    personal_data_export: Option<bool>,
}

pub async fn update_member(
    path: web::Path<(i64, i64)>,
    body: web::Json<MemberUpdate>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (org, account) = path.into_inner();
    who.require(org, Role::Admin)?;
    let role = match &body.role {
        Some(r) => Some(Role::parse(r).ok_or_else(|| {
            ApiError::invalid_fields(who.lang, &[crate::domain::FieldError { field: "role", code: "invalid_role" }])
        })?),
        None => None,
    };
    let mut tx = state.pg.begin().await?;
    let updated = sqlx::query(
        "UPDATE memberships SET role = COALESCE($3, role), personal_data_export = COALESCE($4, personal_data_export) \
         WHERE organisation_id = $1 AND account_id = $2",
    )
    .bind(org)
    .bind(account)
    .bind(role.map(|r| r.as_str()))
    .bind(body.personal_data_export)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(who.not_found());
    }
    who.audit(
        &mut *tx,
        Some(org),
        "member.update",
        ("account", Some(account.to_string())),
        json!({"role": role, "personal_data_export": body.personal_data_export}),
    )
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(json!({"ok": true})))
}

/// An admin resets a member's password: a new temporary one, and every session ends.
pub async fn reset_password(
    path: web::Path<(i64, i64)>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (org, account) = path.into_inner();
    who.require(org, Role::Admin)?;
    let member: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM memberships WHERE organisation_id = $1 AND account_id = $2)")
            .bind(org)
            .bind(account)
            .fetch_one(&state.pg)
            .await?;
    if !member {
        return Err(who.not_found());
    }
    // Only an account whose every organisation this admin administers too: otherwise the
    // admin of one organisation could take over a member (even an admin) of another.
    let elsewhere: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM memberships m WHERE m.account_id = $1 AND m.organisation_id <> $2 \
         AND NOT EXISTS (SELECT 1 FROM memberships a WHERE a.account_id = $3 \
         AND a.organisation_id = m.organisation_id AND a.role = 'admin'))",
    )
    .bind(account)
    .bind(org)
    .bind(who.account_id)
    .fetch_one(&state.pg)
    .await?;
    if elsewhere {
        return Err(who.error(StatusCode::CONFLICT, "member_elsewhere"));
    }
    let password = temporary_password();
    let hash = state.hasher.hash(&password).await.map_err(|e| ApiError::hashing(who.lang, &e))?;
    let mut tx = state.pg.begin().await?;
    sqlx::query("UPDATE accounts SET password_hash = $2 WHERE id = $1")
        .bind(account)
        .bind(hash)
        .execute(&mut *tx)
        .await?;
    auth::one_time::require_change(&mut *tx, account).await?;
    who.audit(&mut *tx, Some(org), "member.reset_password", ("account", Some(account.to_string())), json!({})).await?;
    tx.commit().await?;
    state.sessions.destroy_all(account).await.map_err(|e| ApiError::internal(who.lang, &e))?;
    Ok(HttpResponse::Ok().json(json!({"temporary_password": password})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordBody {
    current_password: String,
    new_password: String,
}

/// A member replaces their password (e.g. the temporary one an admin gave them). Every
/// session of the account ends; this one is replaced by a fresh session.
pub async fn change_password(
    req: HttpRequest,
    body: web::Json<PasswordBody>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let lang = who.lang;
    let internal = |e: &dyn std::fmt::Display| ApiError::internal(lang, e);
    let key = who.account_id.to_string();
    if let Some(retry) = state.throttle.reserve(&LOGIN_PER_ACCOUNT, &key).await.map_err(|e| internal(&e))? {
        return Err(too_many(lang, retry));
    }
    let stored: String = sqlx::query_scalar("SELECT password_hash FROM accounts WHERE id = $1")
        .bind(who.account_id)
        .fetch_one(&state.pg)
        .await?;
    if !state.hasher.verify(&body.current_password, Some(&stored)).await.map_err(|e| ApiError::hashing(lang, &e))? {
        return Err(ApiError {
            field: Some("current_password"),
            ..ApiError::new(lang, StatusCode::FORBIDDEN, "credentials_invalid")
        });
    }
    if let Err(code) = auth::check_policy(&body.new_password) {
        return Err(ApiError::invalid_fields(lang, &[crate::domain::FieldError { field: "new_password", code }]));
    }
    if body.new_password == body.current_password {
        let code = "password_unchanged";
        return Err(ApiError::invalid_fields(lang, &[crate::domain::FieldError { field: "new_password", code }]));
    }
    state.throttle.reset(&LOGIN_PER_ACCOUNT, &key).await.map_err(|e| internal(&e))?;
    let hash = state.hasher.hash(&body.new_password).await.map_err(|e| ApiError::hashing(lang, &e))?;
    let mut tx = state.pg.begin().await?;
    sqlx::query("UPDATE accounts SET password_hash = $2 WHERE id = $1")
        .bind(who.account_id)
        .bind(hash)
        .execute(&mut *tx)
        .await?;
    auth::one_time::clear(&mut *tx, who.account_id).await?;
    for org in who.memberships.iter().map(|m| Some(m.organisation_id)).chain(who.memberships.is_empty().then_some(None))
    {
        who.audit(&mut *tx, org, "account.password_change", ("account", Some(who.account_id.to_string())), json!({}))
            .await?;
    }
    tx.commit().await?;
    state.sessions.destroy_all(who.account_id).await.map_err(|e| internal(&e))?;
    start_session(&req, &state, who.account_id, false).await.map_err(|e| internal(&e))
}
