use std::time::Duration;

use actix_web::{web, HttpResponse};
use serde_json::json;

use super::AppState;

/// Each dependency's check gets this long: /readyz answers within a second whatever hangs.
const CHECK_LIMIT: Duration = Duration::from_millis(800);

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

/// Ready while Redis answers: it holds the open rounds, so answers keep being acknowledged
/// with Postgres down (the persister catches up later), and a load balancer must not pull
/// every node at once for that; the body then says `degraded` and names Postgres in
/// `failing`. Redis down is 503. Both are asked at once, each with a deadline: a store that
/// hangs never leaves this request without an answer.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let pg = tokio::time::timeout(CHECK_LIMIT, sqlx::query("SELECT 1").execute(&state.pg));
    let redis = tokio::time::timeout(CHECK_LIMIT, state.redis.ping());
    let (pg, redis) = futures_util::future::join(pg, redis).await;
    let pg_ok = matches!(pg, Ok(Ok(_)));
    let redis_ok = matches!(redis, Ok(Ok(())));
    let failing: Vec<&str> =
        [("redis", redis_ok), ("postgres", pg_ok)].into_iter().filter_map(|(name, ok)| (!ok).then_some(name)).collect();
    let body = json!({
        "ready": redis_ok,
        "degraded": redis_ok && !pg_ok,
        "postgres": if pg_ok { "ok" } else { "down" },
        "redis": if redis_ok { "ok" } else { "down" },
        "failing": failing,
        "durability": state.redis.durability().label(),
    });
    if redis_ok {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().insert_header(("retry-after", "1")).json(body)
    }
}

pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(state.metrics.render())
}
