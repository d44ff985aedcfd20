//! The organiser API (`/api/admin/…`): sessions, organisations and roles, contest authoring,
//! question banks, running rounds and the audit log. Every handler starts from
//! [`Organiser`], which authenticates the session cookie, checks CSRF on writes, and answers
//! "may this account do X in organisation Y"; another organisation's objects are `not_found`.

pub mod accounts;
pub mod answers;
pub mod audit;
pub mod cases;
pub mod collective;
pub mod contests;
pub mod exports;
pub mod extensions;
pub mod overall_export;
pub mod privacy;
pub mod questions;
pub mod questions_stats;
pub mod report;
pub mod results;
pub mod running;
pub mod stats;
pub mod survey;
pub mod units;
pub mod winners;

use std::future::Future;
use std::pin::Pin;

use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest};
use serde::Serialize;

use crate::http::{ApiError, AppState, Lang};

pub const SESSION_COOKIE: &str = "thiluat_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Viewer,
    Organiser,
    Admin,
}

impl Role {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "viewer" => Some(Role::Viewer),
            "organiser" => Some(Role::Organiser),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Organiser => "organiser",
            Role::Admin => "admin",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Membership {
    pub organisation_id: i64,
    pub role: Role,
    pub personal_data_export: bool,
}

/// An authenticated organiser account with its memberships.
#[derive(Debug, Clone)]
pub struct Organiser {
    pub account_id: i64,
    pub token: String,
    pub memberships: Vec<Membership>,
    pub lang: Lang,
    pub address: Option<String>,
}

impl Organiser {
    /// The account's membership of `org` if its role is at least `need`. Not a member: the
    /// organisation's objects do not exist for this account (404); too weak a role: 403.
    pub fn require(&self, org: i64, need: Role) -> Result<&Membership, ApiError> {
        match self.memberships.iter().find(|m| m.organisation_id == org) {
            None => Err(ApiError::new(self.lang, StatusCode::NOT_FOUND, "not_found")),
            Some(m) if m.role < need => Err(ApiError::new(self.lang, StatusCode::FORBIDDEN, "forbidden")),
            Some(m) => Ok(m),
        }
    }

    pub fn not_found(&self) -> ApiError {
        ApiError::new(self.lang, StatusCode::NOT_FOUND, "not_found")
    }

    pub fn error(&self, status: StatusCode, code: &'static str) -> ApiError {
        ApiError::new(self.lang, status, code)
    }

    /// Appends to the audit log (best effort is not good enough: the caller's transaction or
    /// the request fails with it).
    pub async fn audit<'e, E: sqlx::PgExecutor<'e>>(
        &self,
        db: E,
        org: Option<i64>,
        action: &str,
        object: (&str, Option<String>),
        details: serde_json::Value,
    ) -> Result<(), ApiError> {
        crate::audit::record(db, org, Some(self.account_id), action, object, self.address.as_deref(), details)
            .await
            .map_err(|e| ApiError::internal(self.lang, &crate::telemetry::db_error(&e)))
    }
}

impl FromRequest for Organiser {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let lang = Lang::from_accept_language(req.headers().get("accept-language").and_then(|v| v.to_str().ok()));
            let unauthorized = || ApiError::new(lang, StatusCode::UNAUTHORIZED, "unauthorized");
            let state = req.app_data::<web::Data<AppState>>().ok_or_else(|| ApiError::internal(lang, &"no state"))?;
            let token = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string()).ok_or_else(unauthorized)?;
            let session =
                state.sessions.get(&token).await.map_err(|e| ApiError::redis(lang, &e))?.ok_or_else(unauthorized)?;
            let writes = !matches!(*req.method(), actix_web::http::Method::GET | actix_web::http::Method::HEAD);
            if writes {
                let given = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
                if !crate::auth::csrf_matches(&session.csrf, given) {
                    return Err(ApiError::new(lang, StatusCode::FORBIDDEN, "csrf_failed").into());
                }
            }
            let rows: Vec<(i64, String, bool, bool)> = sqlx::query_as(
                "SELECT m.organisation_id, m.role, m.personal_data_export, a.password_change_required \
                 FROM memberships m JOIN accounts a ON a.id = m.account_id WHERE m.account_id = $1 AND NOT a.disabled",
            )
            .bind(session.account_id)
            .fetch_all(&state.pg)
            .await
            .map_err(|e| ApiError::internal(lang, &crate::telemetry::db_error(&e)))?;
            // A one-time password opens only the way to change it (auth::one_time).
            if rows.iter().any(|r| r.3) && !crate::auth::one_time::allowed_before_change(req.method(), req.path()) {
                return Err(ApiError::new(lang, StatusCode::FORBIDDEN, crate::auth::one_time::CHANGE_REQUIRED).into());
            }
            let memberships = rows
                .into_iter()
                .filter_map(|(organisation_id, role, personal_data_export, _)| {
                    Some(Membership { organisation_id, role: Role::parse(&role)?, personal_data_export })
                })
                .collect();
            Ok(Organiser {
                account_id: session.account_id,
                token,
                memberships,
                lang,
                address: state.client_address(&req),
            })
        })
    }
}
