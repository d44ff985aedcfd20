use std::time::Duration;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use super::{ApiError, AppState, Lang};

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

/// The metrics tell an outsider how busy each round is: with a configured token they need
/// `Authorization: Bearer <token>`; without one, only a scraper on this machine gets them (a
/// loopback client that came through no proxy: a local reverse proxy's requests carry
/// `X-Forwarded-For`, even when it is not a trusted proxy).
pub async fn metrics(req: HttpRequest, state: web::Data<AppState>, lang: Lang) -> Result<HttpResponse, ApiError> {
    let allowed = match &state.metrics_token {
        Some(token) => {
            let given = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
            given.and_then(|v| v.strip_prefix("Bearer ")).is_some_and(|g| same(g.trim(), token.expose()))
        }
        None => {
            let proxied =
                req.headers().contains_key("x-forwarded-for") || req.headers().contains_key(header::FORWARDED);
            let client = state.client_address(&req).and_then(|a| a.parse::<std::net::IpAddr>().ok());
            !proxied && client.is_some_and(|ip| ip.is_loopback())
        }
    };
    if !allowed {
        return Err(ApiError::new(lang, StatusCode::FORBIDDEN, "forbidden"));
    }
    Ok(HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(state.metrics.render()))
}

/// Equality whose time does not depend on where the strings differ (digests of equal length).
fn same(a: &str, b: &str) -> bool {
    use sha2::{Digest, Sha256};
    let (a, b) = (Sha256::digest(a.as_bytes()), Sha256::digest(b.as_bytes()));
    a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    #[test]
    fn same_compares_whole_strings() {
        assert!(super::same("abc", "abc"));
        assert!(!super::same("abc", "abd"));
        assert!(!super::same("abc", "abcd"));
        assert!(!super::same("", "x"));
    }
}
