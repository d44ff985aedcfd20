//! Organiser authentication building blocks: password hashing, Redis sessions and login
//! throttling. No HTTP here; the routes compose these.
//!
//! A login handler, roughly: check both [`LOGIN_LIMITS`] (address and account), look the
//! account up, [`PasswordHasher::verify`] (with `None` for an unknown email, so the timing
//! is the same), record a failure on both limits or reset the account limit and
//! [`SessionStore::create`].

pub mod common_passwords;
pub mod one_time;
pub mod password;
pub mod session;
pub mod throttle;

pub use password::{check_policy, HasherBusy, PasswordHasher, COMMON_PASSWORD, WEAK_PASSWORD};
pub use session::{csrf_matches, NewSession, Session, SessionStore, IDLE_TTL, MAX_AGE};
pub use throttle::{Limit, Throttle, CONTEST_PASSWORD_PER_ADDRESS, LOGIN_LIMITS, LOGIN_PER_ACCOUNT, LOGIN_PER_ADDRESS};

/// A Redis connection and a fresh key prefix, so tests run in parallel on one Redis.
#[cfg(test)]
pub(crate) async fn test_redis() -> (redis::aio::ConnectionManager, String) {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".into());
    let client = redis::Client::open(url).expect("valid REDIS_URL");
    let conn = redis::aio::ConnectionManager::new(client).await.expect("Redis reachable");
    (conn, format!("authtest{}:", uuid::Uuid::new_v4().simple()))
}
