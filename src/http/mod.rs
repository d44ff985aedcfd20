//! HTTP: routes, the shared application state and the one JSON error envelope.

pub mod admin;
pub mod assets;
pub mod client_address;
pub mod contest_page;
pub mod contests;
pub mod download;
pub mod error;
pub mod health;
pub mod markdown;
pub mod me;
pub mod openapi;
pub mod policy;
pub mod register;
pub mod review;
pub mod upload;

use std::future::{ready, Ready};

use actix_web::{web, FromRequest, HttpRequest};
use sqlx::PgPool;

pub use crate::i18n::Lang;
pub use error::ApiError;

use crate::crypto::{Credential, Keys};
use crate::metrics::Metrics;
use crate::play::Play;
use crate::store::RedisStore;

/// The server pings every `heartbeat`; a client silent for `idle_timeout` (not even a pong)
/// is gone, and its socket is closed with 1001 (config `http.ws_heartbeat_s`, `ws_idle_timeout_s`).
#[derive(Debug, Clone, Copy)]
pub struct WsTiming {
    pub heartbeat: std::time::Duration,
    pub idle_timeout: std::time::Duration,
}

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
    pub allowed_origins: Vec<String>,
    pub limiters: crate::limits::Limiters,
    pub pow: crate::pow::Pow,
    pub ws_timing: WsTiming,
    /// Closes the open sockets of erased participants (on every node).
    pub revocations: crate::privacy::revoke::Revocations,
    /// Reverse proxies whose `X-Forwarded-For` is believed (see `client_address`).
    pub trusted_proxies: Vec<client_address::Network>,
    /// The base of public links (`http.public_url`, else the listener's address).
    pub public_url: String,
    /// What `/metrics` requires (see `health::metrics`).
    pub metrics_token: Option<crate::config::Secret>,
}

impl AppState {
    /// The request's client address: the TCP peer, or behind trusted proxies the address
    /// they recorded.
    pub fn client_address(&self, req: &actix_web::HttpRequest) -> Option<String> {
        client_address::of(req, &self.trusted_proxies)
    }

    /// `Err(429 with Retry-After)` when `key` is over `limiter`'s limit.
    pub fn limit(&self, limiter: &crate::limits::Keyed, key: &str, lang: Lang) -> Result<(), ApiError> {
        crate::limits::check(limiter, key, &governor::clock::DefaultClock::default()).map_err(|retry| ApiError {
            retry_after: Some(retry),
            ..ApiError::new(lang, actix_web::http::StatusCode::TOO_MANY_REQUESTS, "rate_limited")
        })
    }

    /// A browser's websocket must come from our own pages (or a configured origin): this
    /// stops another site from opening sockets with a visitor's credentials. Clients that
    /// send no Origin are not browsers.
    pub fn origin_allowed(&self, origin: Option<&str>, host: Option<&str>) -> bool {
        let Some(origin) = origin else { return true };
        if self.allowed_origins.iter().any(|o| o == origin) {
            return true;
        }
        let origin_host = origin.split_once("://").map(|(_, rest)| rest);
        origin_host.is_some() && origin_host == host
    }

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

/// A participant's HTTP requests carry the credential from registration or login as
/// `Authorization: Bearer <token>` (the websocket takes it as `?token=`). Extracting this
/// answers `401 unauthorized` when it is missing, malformed, forged or expired.
pub struct ParticipantAuth(pub Credential);

impl FromRequest for ParticipantAuth {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;
    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let lang = Lang::from_accept_language(req.headers().get("accept-language").and_then(|v| v.to_str().ok()));
        let token = req
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        let state = req.app_data::<web::Data<AppState>>();
        let cred = match (token, state) {
            (Some(token), Some(state)) => state.verify_credential(token),
            _ => None,
        };
        ready(
            cred.map(ParticipantAuth)
                .ok_or_else(|| ApiError::new(lang, actix_web::http::StatusCode::UNAUTHORIZED, "unauthorized")),
        )
    }
}

/// Content-Security-Policy without inline scripts or styles; no framing (clickjacking).
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

pub fn security_headers() -> actix_web::middleware::DefaultHeaders {
    actix_web::middleware::DefaultHeaders::new()
        .add(("content-security-policy", CSP))
        .add(("x-content-type-options", "nosniff"))
        .add(("x-frame-options", "DENY"))
        .add(("referrer-policy", "strict-origin-when-cross-origin"))
        .add(("permissions-policy", "camera=(), microphone=(), geolocation=()"))
}

/// HSTS only over TLS (the proxy in front says so with X-Forwarded-Proto / Forwarded).
pub fn hsts<S, B>(
    req: actix_web::dev::ServiceRequest,
    srv: &S,
) -> impl std::future::Future<Output = Result<actix_web::dev::ServiceResponse<B>, actix_web::Error>>
where
    S: actix_web::dev::Service<
        actix_web::dev::ServiceRequest,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
{
    let https = req.connection_info().scheme() == "https";
    let fut = srv.call(req);
    async move {
        let mut res = fut.await?;
        if https {
            res.headers_mut().insert(
                actix_web::http::header::STRICT_TRANSPORT_SECURITY,
                actix_web::http::header::HeaderValue::from_static("max-age=31536000; includeSubDomains"),
            );
        }
        Ok(res)
    }
}

/// Declares every API route once: `ROUTES` (method, path) for the OpenAPI comparison, and
/// `register` for actix. Routes served by an outer layer (the websocket's upgrade, `ws`,
/// registered by `startup`) are listed first, without a handler.
macro_rules! route_table {
    (
        served_elsewhere { $( $emethod:ident $epath:literal ),* $(,)? }
        $( $method:ident $path:literal => $handler:expr ),* $(,)?
    ) => {
        /// Every API route as (method, path), in the OpenAPI document's spelling.
        pub const ROUTES: &[(&str, &str)] =
            &[ $( (stringify!($emethod), $epath), )* $( (stringify!($method), $path) ),* ];
        fn register(cfg: &mut web::ServiceConfig) {
            $( cfg.route($path, web::$method().to($handler)); )*
        }
    };
}

route_table! {
    served_elsewhere {
        get "/ws",
    }
    get "/healthz" => health::healthz,
    get "/readyz" => health::readyz,
    get "/metrics" => health::metrics,
    get "/api/openapi.json" => openapi::document,
    get "/api/docs" => openapi::page,
    get "/api/communes" => contests::communes,
    get "/api/contests/{slug}" => contests::contest,
    post "/api/contests/{slug}/register" => register::register,
    post "/api/contests/{slug}/login" => register::login,
    get "/api/contests/{slug}/winners" => admin::winners::public,
    get "/api/contests/{slug}/stats" => contests::stats,
    get "/api/rounds/{id}/leaderboard" => contests::leaderboard,
    get "/api/me/data" => me::data,
    post "/api/me/erase" => me::erase,
    post "/api/me/survey" => me::answer_survey,
    get "/api/me/survey" => me::survey_status,
    get "/api/rounds/{round}/attempts/{attempt}/review" => review::review,
    post "/api/admin/login" => admin::accounts::login,
    post "/api/admin/logout" => admin::accounts::logout,
    post "/api/admin/logout-all" => admin::accounts::logout_all,
    get "/api/admin/me" => admin::accounts::me,
    post "/api/admin/password" => admin::accounts::change_password,
    get "/api/admin/orgs/{org}/members" => admin::accounts::list_members,
    post "/api/admin/orgs/{org}/members" => admin::accounts::add_member,
    patch "/api/admin/orgs/{org}/members/{account}" => admin::accounts::update_member,
    post "/api/admin/orgs/{org}/members/{account}/reset-password" => admin::accounts::reset_password,
    get "/api/admin/orgs/{org}/audit" => admin::audit::list,
    get "/api/admin/orgs/{org}/audit.csv" => admin::audit::export_csv,
    get "/api/admin/orgs/{org}/contests" => admin::contests::list,
    post "/api/admin/orgs/{org}/contests" => admin::contests::create,
    get "/api/admin/contests/{id}" => admin::contests::get,
    patch "/api/admin/contests/{id}" => admin::contests::update,
    get "/api/admin/contests/{id}/units" => admin::units::list_units,
    post "/api/admin/contests/{id}/units" => admin::units::import_units,
    post "/api/admin/contests/{id}/rounds" => admin::contests::create_round,
    post "/api/admin/contests/{id}/publish" => admin::contests::publish,
    patch "/api/admin/rounds/{id}" => admin::contests::update_round,
    get "/api/admin/orgs/{org}/questions" => admin::questions::list,
    post "/api/admin/orgs/{org}/questions/import" => admin::questions::import,
    get "/api/admin/orgs/{org}/questions/export.xlsx" => admin::questions::export,
    put "/api/admin/questions/{id}" => admin::questions::edit,
    get "/api/admin/rounds/{id}/live" => admin::running::live,
    post "/api/admin/rounds/{id}/close" => admin::running::close,
    post "/api/admin/rounds/{id}/finalize" => admin::running::finalize,
    get "/api/admin/rounds/{id}/verify" => admin::running::verify,
    get "/api/admin/rounds/{id}/results.csv" => admin::exports::results_csv,
    get "/api/admin/rounds/{id}/results.xlsx" => admin::exports::results_xlsx,
    post "/api/admin/participants/{id}/disqualify" => admin::running::disqualify,
    post "/api/admin/participants/{id}/requalify" => admin::running::requalify,
    post "/api/admin/participants/{id}/staff" => admin::winners::set_staff,
    put "/api/admin/participants/{id}/extension" => admin::extensions::grant,
    get "/api/admin/contests/{id}/referrals" => admin::extensions::referrals,
    get "/api/admin/contests/{id}/winners" => admin::winners::list,
    post "/api/admin/contests/{id}/winners/check" => admin::winners::check,
    post "/api/admin/contests/{id}/winners/publish" => admin::winners::publish,
    get "/api/admin/contests/{id}/survey" => admin::survey::report,
    get "/api/admin/contests/{id}/privacy" => admin::privacy::get,
    put "/api/admin/contests/{id}/privacy" => admin::privacy::update,
    post "/api/admin/participants/{id}/erase" => admin::privacy::erase,
    get "/api/admin/contests/{id}/report.pdf" => admin::report::pdf,
    get "/api/admin/contests/{id}/report.xlsx" => admin::report::xlsx,
    get "/api/admin/rounds/{id}/results" => admin::results::round_results,
    get "/api/admin/rounds/{id}/answers.csv" => admin::answers::answers_csv,
    get "/api/admin/rounds/{id}/answers.xlsx" => admin::answers::answers_xlsx,
    get "/api/admin/rounds/{id}/question-stats" => admin::questions_stats::get,
    get "/api/admin/rounds/{id}/question-stats.xlsx" => admin::questions_stats::export_xlsx,
    get "/api/admin/contests/{id}/results" => admin::results::contest_results,
    get "/api/admin/contests/{id}/results.csv" => admin::overall_export::export_csv,
    get "/api/admin/contests/{id}/results.xlsx" => admin::overall_export::export_xlsx,
    get "/api/admin/contests/{id}/report-settings" => admin::results::get_settings,
    put "/api/admin/contests/{id}/report-settings" => admin::results::put_settings,
    get "/api/admin/contests/{id}/collective" => admin::collective::list,
    get "/api/admin/contests/{id}/collective.csv" => admin::collective::export_csv,
    get "/api/admin/contests/{id}/collective.xlsx" => admin::collective::export_xlsx,
    get "/api/admin/contests/{id}/stats" => admin::stats::get,
    get "/api/admin/contests/{id}/stats.csv" => admin::stats::export_csv,
    get "/api/admin/contests/{id}/stats.xlsx" => admin::stats::export_xlsx,
    get "/api/admin/contests/{id}/cases" => admin::cases::list,
    post "/api/admin/contests/{id}/cases/scan" => admin::cases::run_scan,
    post "/api/admin/cases/{id}/confirm" => admin::cases::confirm,
    post "/api/admin/cases/{id}/dismiss" => admin::cases::dismiss,
}

/// Every route of the application.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::JsonConfig::default().limit(64 * 1024).error_handler(error::json_error))
        .app_data(web::PayloadConfig::default().limit(20 * 1024 * 1024))
        .app_data(web::QueryConfig::default().error_handler(error::query_error))
        .app_data(web::PathConfig::default().error_handler(error::path_error))
        .configure(register)
        .configure(assets::routes)
        .default_service(web::to(error::not_found));
}
