use actix_web::{web, HttpResponse};
use serde_json::json;

use super::AppState;

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

/// Ready when Postgres and Redis answer; says how acknowledged answers are kept.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let pg_ok = sqlx::query("SELECT 1").execute(&state.pg).await.is_ok();
    let redis_ok = state.redis.ping().await.is_ok();
    let body = json!({
        "ready": pg_ok && redis_ok,
        "postgres": if pg_ok { "ok" } else { "down" },
        "redis": if redis_ok { "ok" } else { "down" },
        "durability": state.redis.durability().label(),
    });
    if pg_ok && redis_ok {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(state.metrics.render())
}
