//! The one JSON error envelope: `{"error": {"code", "message", "field"?, "fields"?}}`.
//! A 5xx never carries internal details: those go to the log, once.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;

use crate::domain::FieldError;
use crate::i18n::{self, Lang};

#[derive(Debug, Clone, Serialize)]
pub struct FieldProblem {
    pub field: &'static str,
    pub code: &'static str,
    pub message: &'static str,
}

/// Seconds a client is told to wait before retrying a request that found a store down.
const UNAVAILABLE_RETRY_S: u64 = 2;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub lang: Lang,
    pub field: Option<&'static str>,
    pub fields: Vec<FieldProblem>,
    /// Seconds, for 429 and 503 answers (`Retry-After`).
    pub retry_after: Option<u64>,
    /// Extra machine-readable detail (e.g. the rows of a rejected import).
    pub details: Option<serde_json::Value>,
    /// For `not_revealed`: when the answers will be revealed (epoch ms), when known.
    /// (NonZero keeps the error small enough to return by value.)
    pub reveal_at: Option<std::num::NonZeroI64>,
}

impl ApiError {
    pub fn new(lang: Lang, status: StatusCode, code: &'static str) -> Self {
        Self { status, code, lang, field: None, fields: Vec::new(), retry_after: None, details: None, reveal_at: None }
    }

    pub fn invalid_fields(lang: Lang, errors: &[FieldError]) -> Self {
        let fields: Vec<FieldProblem> = errors
            .iter()
            .map(|e| FieldProblem { field: e.field, code: e.code, message: i18n::message(e.code, lang) })
            .collect();
        Self {
            field: fields.first().map(|f| f.field),
            fields,
            ..Self::new(lang, StatusCode::UNPROCESSABLE_ENTITY, "invalid_fields")
        }
    }

    /// A store the request needs is unreachable: 503 `unavailable` with `Retry-After`, so
    /// clients (and proxies) try again shortly instead of treating it as a bug.
    pub fn unavailable(lang: Lang) -> Self {
        Self {
            retry_after: Some(UNAVAILABLE_RETRY_S),
            ..Self::new(lang, StatusCode::SERVICE_UNAVAILABLE, "unavailable")
        }
    }

    /// A failed Redis operation: logged once (warn: an outage is not a bug), then
    /// [`Self::unavailable`].
    pub fn redis(lang: Lang, cause: &redis::RedisError) -> Self {
        tracing::warn!(error = %cause, "Redis unavailable");
        Self::unavailable(lang)
    }

    /// Logs the real cause once, answers with nothing internal.
    pub fn internal(lang: Lang, cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(lang, StatusCode::INTERNAL_SERVER_ERROR, "internal")
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.code)
    }
}

#[derive(Serialize)]
struct Envelope<'a> {
    error: Body<'a>,
}

#[derive(Serialize)]
struct Body<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
    #[serde(skip_serializing_if = "<[FieldProblem]>::is_empty")]
    fields: &'a [FieldProblem],
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<&'a serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reveal_at: Option<std::num::NonZeroI64>,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }
    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        if let Some(seconds) = self.retry_after {
            res.insert_header(("retry-after", seconds.to_string()));
        }
        res.json(Envelope {
            error: Body {
                code: self.code,
                message: i18n::message(self.code, self.lang),
                field: self.field,
                fields: &self.fields,
                details: self.details.as_ref(),
                reveal_at: self.reveal_at,
            },
        })
    }
}

impl From<redis::RedisError> for ApiError {
    fn from(e: redis::RedisError) -> Self {
        ApiError::redis(Lang::Vi, &e)
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        ApiError::internal(Lang::Vi, &crate::telemetry::db_error(&e))
    }
}

fn lang_of(req: &HttpRequest) -> Lang {
    Lang::from_accept_language(req.headers().get("accept-language").and_then(|v| v.to_str().ok()))
}

pub fn json_error(err: actix_web::error::JsonPayloadError, req: &HttpRequest) -> actix_web::Error {
    let lang = lang_of(req);
    match err {
        actix_web::error::JsonPayloadError::Overflow { .. }
        | actix_web::error::JsonPayloadError::OverflowKnownLength { .. } => {
            ApiError::new(lang, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").into()
        }
        _ => ApiError::new(lang, StatusCode::BAD_REQUEST, "bad_request").into(),
    }
}

pub fn query_error(_: actix_web::error::QueryPayloadError, req: &HttpRequest) -> actix_web::Error {
    ApiError::new(lang_of(req), StatusCode::BAD_REQUEST, "bad_request").into()
}

pub fn path_error(_: actix_web::error::PathError, req: &HttpRequest) -> actix_web::Error {
    ApiError::new(lang_of(req), StatusCode::NOT_FOUND, "not_found").into()
}

pub async fn not_found(lang: Lang) -> Result<HttpResponse, ApiError> {
    Err(ApiError::new(lang, StatusCode::NOT_FOUND, "not_found"))
}

impl ApiError {
    /// A password hash that failed: 503 with `Retry-After` when the node's hash rate is used up
    /// (a login storm), else an internal error.
    pub fn hashing(lang: Lang, cause: &anyhow::Error) -> Self {
        if cause.is::<crate::auth::HasherBusy>() {
            return ApiError {
                retry_after: Some(1),
                ..Self::new(lang, StatusCode::SERVICE_UNAVAILABLE, "unavailable")
            };
        }
        Self::internal(lang, cause)
    }
}
