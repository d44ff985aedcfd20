//! Every rate limit in one table. Keys, in order of preference: the identity (the keyed HMAC
//! of a phone), the session or connection, and only then the network address as a loose
//! floor: whole schools sit behind one address and mobile carriers share addresses (CGNAT).
//! In-process limiters (governor) keep their memory bounded by `housekeeping`; limits that
//! must hold across nodes (organiser logins) live in Redis (`auth::throttle`).

use std::num::NonZeroU32;
use std::sync::Arc;

use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

/// One limited action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub action: &'static str,
    /// What the limit is keyed by.
    pub key: &'static str,
    pub per_minute: u32,
    pub burst: u32,
    /// What the client gets past it.
    pub answer: &'static str,
}

pub const REGISTER_PER_ADDRESS: Limit = Limit {
    action: "register",
    key: "network address (loose floor: a school behind one NAT registers together)",
    per_minute: 3_000,
    burst: 1_500,
    answer: "429 rate_limited + Retry-After",
};
pub const REGISTER_PER_PHONE: Limit = Limit {
    action: "register",
    key: "phone (keyed HMAC)",
    per_minute: 10,
    burst: 5,
    answer: "429 rate_limited + Retry-After",
};
pub const PARTICIPANT_LOGIN_PER_PHONE: Limit = Limit {
    action: "participant login",
    key: "phone (keyed HMAC)",
    per_minute: 10,
    burst: 10,
    answer: "429 rate_limited + Retry-After",
};
pub const WS_CONNECT_PER_PARTICIPANT: Limit = Limit {
    action: "websocket connect",
    key: "participant",
    per_minute: 60,
    burst: 20,
    answer: "429 rate_limited + Retry-After",
};
pub const WS_MESSAGES_PER_CONNECTION: Limit = Limit {
    action: "websocket message",
    key: "connection",
    per_minute: 180,
    burst: 12,
    answer: "typed error rate_limited; the connection is closed with 1008 past WS_HARD_LIMIT refusals",
};
/// Refused messages after which a connection is closed (1008, policy violation).
pub const WS_HARD_LIMIT: u32 = 100;

/// Registrations from one device id within an hour that make an abuse case (`abuse::rules`):
/// one phone shared by a couple is normal, three entries from one browser are not. The
/// proof-of-work soft limit per device (`pow.device_soft_per_hour`) stays just below it.
pub const DEVICE_BURST: usize = 3;

/// The whole table, for docs/security.md and tests.
pub const TABLE: [Limit; 5] = [
    REGISTER_PER_ADDRESS,
    REGISTER_PER_PHONE,
    PARTICIPANT_LOGIN_PER_PHONE,
    WS_CONNECT_PER_PARTICIPANT,
    WS_MESSAGES_PER_CONNECTION,
];

fn quota(limit: &Limit) -> Quota {
    let per_minute = NonZeroU32::new(limit.per_minute).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new(limit.burst).unwrap_or(NonZeroU32::MIN);
    Quota::per_minute(per_minute).allow_burst(burst)
}

pub type Keyed<C = DefaultClock> =
    RateLimiter<String, DefaultKeyedStateStore<String>, C, governor::middleware::NoOpMiddleware<<C as Clock>::Instant>>;
pub type Direct = governor::DefaultDirectRateLimiter;

/// The keyed limiters of one process.
#[derive(Clone)]
pub struct Limiters {
    /// Per-connection websocket quota (each connection gets its own limiter from it).
    pub ws_messages: Quota,
    pub register_address: Arc<Keyed>,
    pub register_phone: Arc<Keyed>,
    pub login_phone: Arc<Keyed>,
    pub ws_connect: Arc<Keyed>,
}

impl Default for Limiters {
    fn default() -> Self {
        Self::with_address_floor(REGISTER_PER_ADDRESS.per_minute)
    }
}

impl Limiters {
    /// `per_minute`: registrations per network address (the loose floor). Behind a proxy that
    /// hides client addresses, or for a load test from a few addresses, the operator raises it.
    pub fn with_address_floor(per_minute: u32) -> Self {
        Self::configured(per_minute, WS_MESSAGES_PER_CONNECTION.per_minute)
    }

    /// `ws_per_minute`: websocket messages per connection (the burst stays the table's).
    pub fn configured(per_minute: u32, ws_per_minute: u32) -> Self {
        let floor = Limit { per_minute, burst: per_minute.div_ceil(2).max(1), ..REGISTER_PER_ADDRESS };
        Self {
            ws_messages: quota(&Limit { per_minute: ws_per_minute, ..WS_MESSAGES_PER_CONNECTION }),
            register_address: Arc::new(RateLimiter::keyed(quota(&floor))),
            register_phone: Arc::new(RateLimiter::keyed(quota(&REGISTER_PER_PHONE))),
            login_phone: Arc::new(RateLimiter::keyed(quota(&PARTICIPANT_LOGIN_PER_PHONE))),
            ws_connect: Arc::new(RateLimiter::keyed(quota(&WS_CONNECT_PER_PARTICIPANT))),
        }
    }

    /// Forgets keys whose limits have fully recovered, and gives the memory back.
    pub fn housekeeping(&self) {
        for l in [&self.register_address, &self.register_phone, &self.login_phone, &self.ws_connect] {
            l.retain_recent();
            l.shrink_to_fit();
        }
    }
}

/// `Err(seconds to wait)` when `key` is over its limit.
pub fn check<C: Clock>(limiter: &Keyed<C>, key: &str, clock: &C) -> Result<(), u64> {
    limiter.check_key(&key.to_string()).map_err(|not_until| not_until.wait_time_from(clock.now()).as_secs().max(1))
}

/// A limiter for one websocket connection.
pub fn connection_limiter(quota: Quota) -> Direct {
    RateLimiter::direct(quota)
}

#[cfg(test)]
mod tests {
    use super::*;
    use governor::clock::FakeRelativeClock;
    use std::time::Duration;

    #[test]
    fn the_table_prefers_identities_and_keeps_the_address_loose() {
        let address = TABLE.iter().find(|l| l.key.starts_with("network")).expect("an address floor");
        assert!(address.per_minute >= 1_000 && address.burst >= 1_000, "a school of 1,000 registers within a minute");
        assert!(
            TABLE.iter().filter(|l| l.key.contains("HMAC") || l.key == "participant" || l.key == "connection").count()
                >= 4
        );
    }

    #[test]
    fn keyed_limiter_memory_returns_to_baseline_after_a_million_keys() {
        let clock = FakeRelativeClock::default();
        let limiter: Keyed<FakeRelativeClock> =
            RateLimiter::new(quota(&REGISTER_PER_PHONE), DefaultKeyedStateStore::default(), clock.clone());
        for i in 0..1_000_000u32 {
            let _ = check(&limiter, &i.to_string(), &clock);
        }
        assert_eq!(limiter.len(), 1_000_000);
        clock.advance(Duration::from_secs(3600));
        limiter.retain_recent();
        limiter.shrink_to_fit();
        assert_eq!(limiter.len(), 0, "every recovered key is forgotten");
    }

    #[test]
    fn a_flooding_connection_is_refused_within_a_second() {
        let clock = FakeRelativeClock::default();
        let limiter = RateLimiter::direct_with_clock(quota(&WS_MESSAGES_PER_CONNECTION), clock.clone());
        // 1,000 messages a minute, evenly spaced: one every 60 ms.
        let mut first_refusal = None;
        for i in 0..1000u64 {
            if limiter.check().is_err() && first_refusal.is_none() {
                first_refusal = Some(i * 60);
            }
            clock.advance(Duration::from_millis(60));
        }
        let at_ms = first_refusal.expect("the flood is refused");
        assert!(at_ms <= 1000, "refused after {at_ms} ms");
    }

    #[test]
    fn an_honest_attempt_is_never_refused() {
        let clock = FakeRelativeClock::default();
        let limiter = RateLimiter::direct_with_clock(quota(&WS_MESSAGES_PER_CONNECTION), clock.clone());
        // Resume plus 10 queued answers at once after a reconnect, then an answer every 5 s.
        for _ in 0..11 {
            assert!(limiter.check().is_ok());
        }
        for _ in 0..200 {
            clock.advance(Duration::from_secs(5));
            assert!(limiter.check().is_ok());
        }
    }
}
