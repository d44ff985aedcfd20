use std::time::Duration;

use actix_web::{web, HttpResponse};
use serde_json::json;

use super::AppState;

/// Each dependency's check gets this long: /readyz answers within a second whatever hangs.
const CHECK_LIMIT: Duration = Duration::from_millis(800);

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

/// Ready when Postgres and Redis answer; says which one does not (`failing`) and how
/// acknowledged answers are kept. Both are asked at once, each with a deadline: a store
/// that hangs makes this a 503, never a request without an answer.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let pg = tokio::time::timeout(CHECK_LIMIT, sqlx::query("SELECT 1").execute(&state.pg));
    let redis = tokio::time::timeout(CHECK_LIMIT, state.redis.ping());
    let (pg, redis) = futures_util::future::join(pg, redis).await;
    let pg_ok = matches!(pg, Ok(Ok(_)));
    let redis_ok = matches!(redis, Ok(Ok(())));
    let failing: Vec<&str> =
        [("redis", redis_ok), ("postgres", pg_ok)].into_iter().filter_map(|(name, ok)| (!ok).then_some(name)).collect();
    let body = json!({
        "ready": failing.is_empty(),
        "postgres": if pg_ok { "ok" } else { "down" },
        "redis": if redis_ok { "ok" } else { "down" },
        "failing": failing,
        "durability": state.redis.durability().label(),
    });
    if failing.is_empty() {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().insert_header(("retry-after", "1")).json(body)
    }
}

pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(state.metrics.render())
}
