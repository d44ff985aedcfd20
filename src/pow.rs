//! Proof-of-work bot friction, no third-party captcha. A challenge is stateless: signed with
//! a key from the master secret, carrying its purpose, expiry and difficulty. A solution is a
//! counter such that SHA-256(`challenge` ":" `counter`) starts with `difficulty` zero bits;
//! its nonce is recorded in Redis so that it serves once. Challenges switch on only under
//! load or for a suspicious key (config `[pow]`), so an honest phone rarely sees one, and
//! solves one in about a second when it does (docs/security.md has the measurements).

use std::num::NonZeroU32;
use std::sync::Arc;

use governor::{Quota, RateLimiter};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::PowConfig;
use crate::crypto::Keys;
use crate::limits::{Direct, Keyed};

/// What a challenge is for: one purpose's solution is refused for the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Register,
    Start,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Register => "register",
            Purpose::Start => "start",
        }
    }
}

/// The challenge as clients receive it (HTTP `details.pow`, websocket `challenge`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Challenge {
    pub challenge: String,
    pub difficulty: u8,
    pub expires_at_s: i64,
    /// Why the request was refused: `missing`, `invalid`, `expired` or `reused`.
    pub reason: &'static str,
}

/// A solved challenge, sent back with the retried request.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Solution {
    pub challenge: String,
    pub counter: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum PowError {
    /// Solve this (and retry).
    #[error("proof of work required ({})", .0.reason)]
    Required(Challenge),
    #[error("recording a used challenge failed: {0}")]
    Store(#[from] redis::RedisError),
}

/// Leading zero bits of a SHA-256 digest.
fn zero_bits(digest: &[u8]) -> u32 {
    let mut bits = 0;
    for byte in digest {
        if *byte == 0 {
            bits += 8;
        } else {
            return bits + byte.leading_zeros();
        }
    }
    bits
}

/// Whether `counter` solves `challenge` at `difficulty`.
pub fn solves(challenge: &str, counter: u64, difficulty: u8) -> bool {
    let digest = Sha256::digest(format!("{challenge}:{counter}").as_bytes());
    zero_bits(&digest) >= u32::from(difficulty)
}

/// Finds a solution (tests and the load tester; browsers use frontend/pow.js).
pub fn solve(challenge: &str, difficulty: u8) -> u64 {
    (0u64..).find(|c| solves(challenge, *c, difficulty)).unwrap_or_default()
}

fn per_hour(n: u32) -> Quota {
    let n = NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
    Quota::per_hour(n).allow_burst(n)
}

fn per_minute(n: u32) -> Quota {
    let n = NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
    Quota::per_minute(n).allow_burst(n)
}

/// The challenge issuer and checker of one process.
#[derive(Clone)]
pub struct Pow {
    config: PowConfig,
    keys: Keys,
    redis: redis::aio::ConnectionManager,
    prefix: String,
    /// Node-local meters: past them, the node is under load and challenges everyone.
    register_load: Arc<Direct>,
    start_load: Arc<Direct>,
    /// Soft limits. An address past its own is only busy (a school or a carrier's NAT): at
    /// most the easy challenge. A device or a participant past theirs behaves like a script
    /// and gets the harder one.
    address_soft: Arc<Keyed>,
    /// Counts each browser's successful registrations; one past its limit is remembered in
    /// `flagged_devices` (key -> until, Unix seconds) for an hour.
    device_soft: Arc<Keyed>,
    flagged_devices: Arc<std::sync::Mutex<std::collections::HashMap<String, i64>>>,
    participant_soft: Arc<Keyed>,
}

/// A fixed-size key for a device id, whatever the client sent (its length is checked later).
fn device_key(device: &str) -> String {
    hex::encode(&Sha256::digest(device.as_bytes())[..12])
}

/// Who asks, as far as the challenge's difficulty goes.
#[derive(Debug, Clone, Copy)]
pub enum Requester<'a> {
    /// A registration: the network address, and the page's device id when it sent one
    /// (frontend/pow.js; a client that runs no page script sends none).
    Registrant { address: &'a str, device: Option<&'a str> },
    /// An attempt start by this participant.
    Participant(i64),
}

impl Requester<'_> {
    fn purpose(&self) -> Purpose {
        match self {
            Requester::Registrant { .. } => Purpose::Register,
            Requester::Participant(_) => Purpose::Start,
        }
    }
}

impl Pow {
    pub fn new(config: PowConfig, keys: Keys, redis: redis::aio::ConnectionManager, prefix: &str) -> Self {
        Self {
            register_load: Arc::new(RateLimiter::direct(per_minute(config.load_per_minute))),
            start_load: Arc::new(RateLimiter::direct(per_minute(config.load_per_minute))),
            address_soft: Arc::new(RateLimiter::keyed(per_minute(config.address_soft_per_minute))),
            device_soft: Arc::new(RateLimiter::keyed(per_hour(config.device_soft_per_hour))),
            flagged_devices: Arc::default(),
            participant_soft: Arc::new(RateLimiter::keyed(per_minute(config.participant_starts_soft_per_minute))),
            config,
            keys,
            redis,
            prefix: prefix.to_string(),
        }
    }

    pub fn enabled(&self) -> bool {
        self.config.enabled
    }

    /// Forgets recovered keys of the soft limits (with the other limiters' housekeeping).
    pub fn housekeeping(&self) {
        for l in [&self.address_soft, &self.device_soft, &self.participant_soft] {
            l.retain_recent();
            l.shrink_to_fit();
        }
        let now_s = chrono::Utc::now().timestamp();
        if let Ok(mut flagged) = self.flagged_devices.lock() {
            flagged.retain(|_, until| *until > now_s);
        }
    }

    /// A registration from this browser went through: its next ones get the harder challenge
    /// once it has registered more than `device_soft_per_hour` people within an hour.
    pub fn registered(&self, device: Option<&str>) {
        let Some(device) = device.filter(|_| self.config.enabled) else { return };
        let key = device_key(device);
        if self.device_soft.check_key(&key).is_err() {
            if let Ok(mut flagged) = self.flagged_devices.lock() {
                flagged.insert(key, chrono::Utc::now().timestamp() + 3600);
            }
        }
    }

    fn flagged(&self, device: &str) -> bool {
        let now_s = chrono::Utc::now().timestamp();
        self.flagged_devices.lock().is_ok_and(|f| f.get(&device_key(device)).is_some_and(|until| *until > now_s))
    }

    /// The difficulty this request needs, `None` when it needs no challenge. Every call
    /// counts towards the load meter and the requester's soft limits. Volume from one address
    /// alone never earns the harder challenge: a school registers 1,000 people at once.
    fn required(&self, who: Requester<'_>) -> Option<u8> {
        if !self.config.enabled {
            return None;
        }
        let (easy, hard) =
            (self.config.difficulty_bits, self.config.suspicious_difficulty_bits.max(self.config.difficulty_bits));
        let (loaded, busy, automated) = match who {
            Requester::Registrant { address, device } => {
                let loaded = self.register_load.check().is_err();
                let busy = self.address_soft.check_key(&address.to_string()).is_err();
                let repeated = device.is_some_and(|d| self.flagged(d));
                // The page always sends a device id: a busy address's requests without one
                // come from a script, and so do many registrations from one browser (the
                // abuse rule `registration_burst` of src/abuse/rules.rs counts the same).
                (loaded, busy, repeated || (busy && device.is_none()))
            }
            Requester::Participant(id) => {
                let loaded = self.start_load.check().is_err();
                (loaded, false, self.participant_soft.check_key(&id.to_string()).is_err())
            }
        };
        if automated {
            Some(hard)
        } else if loaded || busy || self.config.always {
            Some(easy)
        } else {
            None
        }
    }

    fn sign(&self, body: &str) -> String {
        hex::encode(&self.keys.lookup_hmac("pow-challenge", body)[..16])
    }

    /// A fresh challenge: `nonce.purpose.expires_at_s.difficulty.signature`.
    pub fn challenge(&self, purpose: Purpose, difficulty: u8, now_s: i64, reason: &'static str) -> Challenge {
        let nonce = hex::encode(rand::random::<[u8; 16]>());
        let expires_at_s = now_s.saturating_add(i64::try_from(self.config.expiry_s).unwrap_or(i64::MAX));
        let body = format!("{nonce}.{}.{expires_at_s}.{difficulty}", purpose.as_str());
        let challenge = format!("{body}.{}", self.sign(&body));
        Challenge { challenge, difficulty, expires_at_s, reason }
    }

    /// `Ok` when the request may go on: no challenge is needed, or `solution` is right,
    /// fresh, for this purpose, hard enough and used for the first time.
    pub async fn check(&self, who: Requester<'_>, solution: Option<&Solution>) -> Result<(), PowError> {
        let Some(needed) = self.required(who) else { return Ok(()) };
        let purpose = who.purpose();
        let now_s = chrono::Utc::now().timestamp();
        let refuse = |reason| PowError::Required(self.challenge(purpose, needed, now_s, reason));
        let Some(solution) = solution else { return Err(refuse("missing")) };
        let Some((nonce, expires_at_s, difficulty)) = self.parse(&solution.challenge, purpose) else {
            return Err(refuse("invalid"));
        };
        if difficulty < needed || !solves(&solution.challenge, solution.counter, difficulty) {
            return Err(refuse("invalid"));
        }
        if expires_at_s < now_s {
            return Err(refuse("expired"));
        }
        let ttl = (expires_at_s - now_s + 1).max(1);
        let first: Option<String> = redis::cmd("SET")
            .arg(format!("{}pow:{nonce}", self.prefix))
            .arg(1)
            .arg("NX")
            .arg("EX")
            .arg(ttl)
            .query_async(&mut self.redis.clone())
            .await?;
        match first {
            Some(_) => Ok(()),
            None => Err(refuse("reused")),
        }
    }

    /// (nonce, expires_at_s, difficulty) of a challenge this server signed for `purpose`.
    fn parse<'a>(&self, challenge: &'a str, purpose: Purpose) -> Option<(&'a str, i64, u8)> {
        let (body, signature) = challenge.rsplit_once('.')?;
        let expected = self.sign(body);
        let same = expected.len() == signature.len()
            && expected.bytes().zip(signature.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
        if !same {
            return None;
        }
        let mut parts = body.split('.');
        let (nonce, p, expires, difficulty) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        if p != purpose.as_str() || parts.next().is_some() {
            return None;
        }
        Some((nonce, expires.parse().ok()?, difficulty.parse().ok()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_bits_counts_across_bytes() {
        assert_eq!(zero_bits(&[0, 0, 0x0f, 0xff]), 20);
        assert_eq!(zero_bits(&[0x80]), 0);
        assert_eq!(zero_bits(&[0, 0]), 16);
    }

    #[test]
    fn a_found_solution_solves_and_most_others_do_not() {
        let c = solve("abc", 10);
        assert!(solves("abc", c, 10));
        let wrong = (0..64u64).filter(|x| *x != c && solves("abc", *x, 10)).count();
        assert!(wrong < 4, "about 1 in 1,024 counters solves 10 bits");
    }
}
