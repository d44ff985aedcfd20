//! Login throttling in Redis, so the count is shared by every node.
//!
//! A fixed window per key: the first attempt starts the window, later ones count inside it
//! but never extend it, so a blocked user is always free again at most `window_s` after the
//! first. An attempt is counted *before* the password hash it guards ([`Throttle::reserve`],
//! one script: check and count at once), so 200 simultaneous guesses evaluate at most
//! `max_failures` hashes; a success gives its attempt back or resets the key.

use redis::aio::ConnectionManager;
use redis::{AsyncCommands, RedisResult, Script};

/// One throttling rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Part of the Redis key; stable.
    pub name: &'static str,
    /// Blocked once this many failures are counted in the window.
    pub max_failures: u32,
    pub window_s: u64,
}

/// Every login limit, in one place.
pub const LOGIN_LIMITS: [Limit; 2] = [
    // Slows password guessing against one account.
    Limit { name: "login-account", max_failures: 10, window_s: 15 * 60 },
    // Loose: a whole school logs in from one NAT address.
    Limit { name: "login-address", max_failures: 100, window_s: 15 * 60 },
];
pub const LOGIN_PER_ACCOUNT: Limit = LOGIN_LIMITS[0];
pub const LOGIN_PER_ADDRESS: Limit = LOGIN_LIMITS[1];
/// Wrong contest passwords per contest and address (a class types it together).
pub const CONTEST_PASSWORD_PER_ADDRESS: Limit = Limit { name: "contest-password", max_failures: 50, window_s: 15 * 60 };

/// Keys are `{prefix}throttle:{limit.name}:{key}`. Callers pass the lowercased email (or an
/// HMAC of it) and the client IP. Organiser emails are not citizens' personal data, but they
/// still identify people: keep them out of logs.
#[derive(Clone)]
pub struct Throttle {
    conn: ConnectionManager,
    prefix: String,
    reserve: std::sync::Arc<(Script, Script)>,
}

impl Throttle {
    pub fn new(conn: ConnectionManager, prefix: &str) -> Self {
        let scripts = (Script::new(include_str!("lua/reserve.lua")), Script::new(include_str!("lua/refund.lua")));
        Self { conn, prefix: prefix.to_owned(), reserve: std::sync::Arc::new(scripts) }
    }

    /// Counts an attempt before the check it guards: `Some(seconds to wait)` when `key` has
    /// used up `limit` (the attempt must not go on), `None` when it may.
    pub async fn reserve(&self, limit: &Limit, key: &str) -> RedisResult<Option<u64>> {
        let pttl_ms: i64 = self
            .reserve
            .0
            .key(self.counter_key(limit, key))
            .arg(limit.max_failures)
            .arg(limit.window_s.max(1))
            .invoke_async(&mut self.conn.clone())
            .await?;
        if pttl_ms == -1 {
            return Ok(None);
        }
        Ok(Some(u64::try_from(pttl_ms).map_or(limit.window_s, |ms| ms.div_ceil(1000)).clamp(1, limit.window_s.max(1))))
    }

    /// Gives back an attempt that [`Self::reserve`] counted and that succeeded.
    pub async fn refund(&self, limit: &Limit, key: &str) -> RedisResult<()> {
        let _: i64 = self.reserve.1.key(self.counter_key(limit, key)).invoke_async(&mut self.conn.clone()).await?;
        Ok(())
    }

    fn counter_key(&self, limit: &Limit, key: &str) -> String {
        format!("{}throttle:{}:{key}", self.prefix, limit.name)
    }

    /// `Some(seconds until the window ends)` when `key` is blocked under `limit`.
    pub async fn check(&self, limit: &Limit, key: &str) -> RedisResult<Option<u64>> {
        let counter = self.counter_key(limit, key);
        let (count, pttl_ms): (Option<u32>, i64) =
            redis::pipe().atomic().get(&counter).pttl(&counter).query_async(&mut self.conn.clone()).await?;
        if count.unwrap_or(0) < limit.max_failures {
            return Ok(None);
        }
        // Round up so a client told "retry after N s" is never early; -1 (no TTL) cannot
        // happen with record_failure, but would otherwise block forever: report the window.
        let retry_after_s = match u64::try_from(pttl_ms) {
            Ok(ms) => ms.div_ceil(1000).clamp(1, limit.window_s.max(1)),
            Err(_) => limit.window_s,
        };
        Ok(Some(retry_after_s))
    }

    /// Counts one failure; returns the count in the current window.
    pub async fn record_failure(&self, limit: &Limit, key: &str) -> RedisResult<u32> {
        let counter = self.counter_key(limit, key);
        // SET NX EX only creates the counter (with its expiry) when absent and INCR keeps the
        // TTL, so in one transaction the window starts at the first failure and never moves.
        let (count,): (u32,) = redis::pipe()
            .atomic()
            .cmd("SET")
            .arg(&counter)
            .arg(0)
            .arg("NX")
            .arg("EX")
            .arg(limit.window_s.max(1))
            .ignore()
            .incr(&counter, 1)
            .query_async(&mut self.conn.clone())
            .await?;
        Ok(count)
    }

    /// Forgets the failures of `key`, after a successful login.
    pub async fn reset(&self, limit: &Limit, key: &str) -> RedisResult<()> {
        self.conn.clone().del(self.counter_key(limit, key)).await
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::auth::test_redis;

    #[test]
    fn address_limit_is_looser_than_account_limit() {
        assert_eq!(LOGIN_PER_ACCOUNT, Limit { name: "login-account", max_failures: 10, window_s: 900 });
        assert_eq!(LOGIN_PER_ADDRESS, Limit { name: "login-address", max_failures: 100, window_s: 900 });
        assert_ne!(LOGIN_PER_ACCOUNT.name, LOGIN_PER_ADDRESS.name);
    }

    #[tokio::test]
    async fn ten_failures_block_until_reset() {
        let (conn, prefix) = test_redis().await;
        let throttle = Throttle::new(conn, &prefix);
        let limit = &LOGIN_PER_ACCOUNT;
        for n in 1..=9 {
            assert_eq!(throttle.record_failure(limit, "to.chuc@stp.gov.vn").await.expect("record"), n);
            assert_eq!(throttle.check(limit, "to.chuc@stp.gov.vn").await.expect("check"), None);
        }
        assert_eq!(throttle.record_failure(limit, "to.chuc@stp.gov.vn").await.expect("record"), 10);
        let retry = throttle.check(limit, "to.chuc@stp.gov.vn").await.expect("check").expect("blocked");
        assert!((1..=limit.window_s).contains(&retry), "{retry}");
        // Other keys and other limits are independent.
        assert_eq!(throttle.check(limit, "khac@stp.gov.vn").await.expect("check"), None);
        assert_eq!(throttle.check(&LOGIN_PER_ADDRESS, "to.chuc@stp.gov.vn").await.expect("check"), None);

        throttle.reset(limit, "to.chuc@stp.gov.vn").await.expect("reset");
        assert_eq!(throttle.check(limit, "to.chuc@stp.gov.vn").await.expect("check"), None);
        assert_eq!(throttle.record_failure(limit, "to.chuc@stp.gov.vn").await.expect("record"), 1);
    }

    #[tokio::test]
    async fn reserve_counts_before_the_check_and_refund_gives_back() {
        let (conn, prefix) = test_redis().await;
        let throttle = Throttle::new(conn, &prefix);
        let limit = &Limit { name: "t-reserve", max_failures: 3, window_s: 60 };
        let tries = futures_util::future::join_all((0..50).map(|_| throttle.reserve(limit, "k"))).await;
        let allowed = tries.iter().filter(|t| matches!(t, Ok(None))).count();
        assert_eq!(allowed, 3, "50 at once: exactly the allowed number go on");
        assert!(tries.iter().all(|t| t.as_ref().is_ok_and(|r| r.is_none_or(|s| (1..=60).contains(&s)))));
        let other = throttle.reserve(limit, "other").await.expect("reserve");
        assert_eq!(other, None, "keys are independent");
        for _ in 0..60 {
            throttle.refund(limit, "k").await.expect("refund");
        }
        assert_eq!(throttle.reserve(limit, "k").await.expect("reserve"), None, "refunds never go below zero");
        throttle.refund(limit, "never-seen").await.expect("refund of a missing key");
    }

    #[tokio::test]
    async fn further_failures_do_not_extend_the_window() {
        let (conn, prefix) = test_redis().await;
        let throttle = Throttle::new(conn.clone(), &prefix);
        let limit = &LOGIN_PER_ACCOUNT;
        let counter = throttle.counter_key(limit, "10.0.0.1");
        throttle.record_failure(limit, "10.0.0.1").await.expect("record");
        let first_ms: i64 = conn.clone().pttl(&counter).await.expect("pttl");
        assert!(first_ms > 0 && first_ms <= 900_000);
        tokio::time::sleep(Duration::from_millis(30)).await;
        for _ in 0..15 {
            throttle.record_failure(limit, "10.0.0.1").await.expect("record");
        }
        let later_ms: i64 = conn.clone().pttl(&counter).await.expect("pttl");
        assert!(later_ms > 0 && later_ms < first_ms, "window moved: {first_ms} -> {later_ms}");
        let retry = throttle.check(limit, "10.0.0.1").await.expect("check").expect("blocked");
        assert!(retry <= limit.window_s);
    }
}
