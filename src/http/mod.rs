//! HTTP: routes, the shared application state and the one JSON error envelope.

pub mod assets;
pub mod contests;
pub mod error;
pub mod health;
pub mod register;

use std::future::{ready, Ready};

use actix_web::{web, FromRequest, HttpRequest};
use sqlx::PgPool;

pub use crate::i18n::Lang;
pub use error::ApiError;

use crate::crypto::{Credential, Keys};
use crate::metrics::Metrics;
use crate::play::Play;
use crate::store::RedisStore;

/// A participant credential stays valid this long (a contest lasts weeks, not years).
pub const CREDENTIAL_MAX_AGE_S: i64 = 180 * 24 * 3600;

pub struct AppState {
    pub pg: PgPool,
    pub redis: RedisStore,
    pub play: Play,
    pub keys: Keys,
    pub metrics: Metrics,
    pub sessions: crate::auth::SessionStore,
    pub throttle: crate::auth::Throttle,
    pub hasher: crate::auth::PasswordHasher,
}

impl AppState {
    pub fn verify_credential(&self, token: &str) -> Option<Credential> {
        self.keys.verify_credential(token, chrono::Utc::now().timestamp(), CREDENTIAL_MAX_AGE_S)
    }
}

impl FromRequest for Lang {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;
    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let header = req.headers().get("accept-language").and_then(|v| v.to_str().ok());
        ready(Ok(Lang::from_accept_language(header)))
    }
}

/// Every route of the application.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::JsonConfig::default().limit(64 * 1024).error_handler(error::json_error))
        .app_data(web::PayloadConfig::default().limit(20 * 1024 * 1024))
        .app_data(web::QueryConfig::default().error_handler(error::query_error))
        .app_data(web::PathConfig::default().error_handler(error::path_error))
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/metrics", web::get().to(health::metrics))
        .route("/ws", web::get().to(crate::ws::route))
        .route("/api/communes", web::get().to(contests::communes))
        .route("/api/contests/{slug}", web::get().to(contests::contest))
        .route("/api/contests/{slug}/register", web::post().to(register::register))
        .route("/api/contests/{slug}/login", web::post().to(register::login))
        .route("/api/rounds/{id}/leaderboard", web::get().to(contests::leaderboard))
        .configure(crate::admin::routes)
        .configure(assets::routes)
        .default_service(web::to(error::not_found));
}
