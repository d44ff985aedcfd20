//! Organiser passwords: argon2id hashing off the async runtime, with bounded concurrency.

use std::sync::Arc;

use anyhow::{anyhow, Context};
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::RngCore;
use tokio::sync::Semaphore;
use unicode_normalization::UnicodeNormalization;

/// OWASP's minimum for argon2id: 19 MiB, 2 passes, 1 lane.
const MEMORY_KIB: u32 = 19_456;
const ITERATIONS: u32 = 2;
const PARALLELISM: u32 = 1;

/// Policy bounds, in characters (issue 16 item 3: at least 12, a passphrase counts, no rule
/// on which characters). The upper bound caps the work an attacker can make us do.
pub const MIN_CHARS: usize = 12;
const MAX_CHARS: usize = 128;

/// The stable error codes of [`check_policy`], translated by the frontend: too short or
/// too long, and found in the list of common passwords.
pub const WEAK_PASSWORD: &str = "weak_password";
pub const COMMON_PASSWORD: &str = "common_password";

/// Verified when the email is unknown so that a miss costs as much as a wrong password and
/// response times do not reveal which emails have accounts. Same parameters as real hashes
/// (checked by a test); its password was random and thrown away.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$LuSA1X5KF9NmFH/iZBu9bg$AfkgEm3oAO4axkoiZO9EajRArzByVUKLulFntr3uDv8";

/// Hashes and verifies passwords on tokio's blocking pool. Each call holds 19 MiB and tens of
/// milliseconds of CPU, so a semaphore bounds how many run at once, and a node-wide rate
/// (hashes per second) bounds how much of the CPU they can take: past it a request is refused
/// at once with [`HasherBusy`] instead of queueing. Cheap to clone.
#[derive(Clone)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    rate: Arc<governor::DefaultDirectRateLimiter>,
    computed: Arc<std::sync::atomic::AtomicU64>,
}

/// Too many password hashes this second on this node: try again in a moment (HTTP 503).
#[derive(Debug, thiserror::Error)]
#[error("too many password hashes this second")]
pub struct HasherBusy;

/// Hashes per second and CPU: about a third of a core's argon2id throughput (≈ 60 hashes a
/// second per core at OWASP's parameters), so logins never take the whole machine.
const HASHES_PER_SECOND_PER_CPU: u32 = 20;

impl Default for PasswordHasher {
    /// One concurrent hash per CPU.
    fn default() -> Self {
        Self::new(std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1))
    }
}

impl PasswordHasher {
    /// At most `max_concurrent` (at least 1) hashes run at the same time, and at most
    /// [`HASHES_PER_SECOND_PER_CPU`] times that many start in a second.
    pub fn new(max_concurrent: usize) -> Self {
        let per_second =
            u32::try_from(max_concurrent.max(1)).unwrap_or(u32::MAX).saturating_mul(HASHES_PER_SECOND_PER_CPU);
        let per_second = std::num::NonZeroU32::new(per_second).unwrap_or(std::num::NonZeroU32::MIN);
        Self {
            permits: Arc::new(Semaphore::new(max_concurrent.max(1))),
            rate: Arc::new(governor::RateLimiter::direct(governor::Quota::per_second(per_second))),
            computed: Arc::default(),
        }
    }

    /// How many hashes (and verifications) this hasher has computed: tests count them.
    pub fn computed(&self) -> u64 {
        self.computed.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) with a fresh random salt.
    pub async fn hash(&self, password: &str) -> anyhow::Result<String> {
        let password = normalize(password);
        let mut salt = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut salt);
        self.blocking(move || {
            let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow!("encoding salt: {e}"))?;
            let hash = argon2()?.hash_password(password.as_bytes(), &salt).map_err(|e| anyhow!("hashing: {e}"))?;
            Ok(hash.to_string())
        })
        .await
    }

    /// Whether `password` matches `stored`. `None` (unknown account) checks against a dummy
    /// hash, taking the same time, and is always `false`. A malformed stored hash is an error.
    pub async fn verify(&self, password: &str, stored: Option<&str>) -> anyhow::Result<bool> {
        let password = normalize(password);
        let known = stored.is_some();
        let stored = stored.unwrap_or(DUMMY_HASH).to_owned();
        self.blocking(move || {
            let parsed = PasswordHash::new(&stored).map_err(|e| anyhow!("stored password hash is malformed: {e}"))?;
            let matches = argon2()?.verify_password(password.as_bytes(), &parsed).is_ok();
            Ok(known && matches)
        })
        .await
    }

    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
    ) -> anyhow::Result<T> {
        if self.rate.check().is_err() {
            return Err(HasherBusy.into());
        }
        let permit = self.permits.clone().acquire_owned().await.context("password hasher closed")?;
        self.computed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // The permit moves into the task: if the request is cancelled, the hash still runs to
        // the end and keeps its slot until then, so the bound stays true.
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        })
        .await
        .context("password hashing task failed")?
    }
}

fn argon2() -> anyhow::Result<Argon2<'static>> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).map_err(|e| anyhow!("argon2 params: {e}"))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Vietnamese keyboards (Unikey, phone IMEs) may send "ệ" composed or decomposed; NFC makes
/// the same typed password the same bytes on every device.
fn normalize(password: &str) -> String {
    password.nfc().collect()
}

/// Accepts 12–128 characters (counted after NFC, not in bytes) that are not all the same
/// character ([`WEAK_PASSWORD`] otherwise) and not a common password
/// ([`COMMON_PASSWORD`], see [`super::common_passwords`]). No composition rules: a
/// passphrase of ordinary words is fine.
pub fn check_policy(password: &str) -> Result<(), &'static str> {
    let password = normalize(password);
    let count = password.chars().count();
    let mut chars = password.chars();
    let first = chars.next();
    let all_same = chars.all(|c| Some(c) == first);
    if !(MIN_CHARS..=MAX_CHARS).contains(&count) || all_same {
        return Err(WEAK_PASSWORD);
    }
    if super::common_passwords::is_common(&password) {
        return Err(COMMON_PASSWORD);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    const PREFIX: &str = "$argon2id$v=19$m=19456,t=2,p=1$";

    #[tokio::test]
    async fn hash_is_argon2id_phc_with_owasp_params() {
        let hasher = PasswordHasher::new(2);
        let a = hasher.hash("một mật khẩu dài").await.expect("hash");
        let b = hasher.hash("một mật khẩu dài").await.expect("hash");
        assert!(a.starts_with(PREFIX), "{a}");
        assert_ne!(a, b, "salts must differ");
    }

    #[test]
    fn dummy_hash_has_the_same_params() {
        assert!(DUMMY_HASH.starts_with(PREFIX));
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }

    #[tokio::test]
    async fn verify_accepts_right_and_rejects_wrong() {
        let hasher = PasswordHasher::default();
        let stored = hasher.hash("correct horse battery").await.expect("hash");
        assert!(hasher.verify("correct horse battery", Some(&stored)).await.expect("verify"));
        assert!(!hasher.verify("correct horse batterY", Some(&stored)).await.expect("verify"));
        assert!(hasher.verify("garbage", Some("not a phc string")).await.is_err());
    }

    #[tokio::test]
    async fn composed_and_decomposed_vietnamese_match() {
        let hasher = PasswordHasher::new(1);
        let stored = hasher.hash("Pháp luật Việt Nam").await.expect("hash");
        let decomposed: String = "Pháp luật Việt Nam".nfd().collect();
        assert!(hasher.verify(&decomposed, Some(&stored)).await.expect("verify"));
    }

    #[tokio::test]
    async fn unknown_user_is_false() {
        let hasher = PasswordHasher::new(1);
        assert!(!hasher.verify("anything at all", None).await.expect("verify"));
        // Even the empty password, in case the dummy's password were ever empty.
        assert!(!hasher.verify("", None).await.expect("verify"));
    }

    #[tokio::test]
    async fn unknown_user_takes_as_long_as_wrong_password() {
        let hasher = PasswordHasher::new(1);
        let stored = hasher.hash("the real password").await.expect("hash");
        let (mut unknown, mut wrong) = (Vec::new(), Vec::new());
        for _ in 0..5 {
            for (stored, times) in [(None, &mut unknown), (Some(stored.as_str()), &mut wrong)] {
                let start = Instant::now();
                assert!(!hasher.verify("a wrong password", stored).await.expect("verify"));
                times.push(start.elapsed());
            }
        }
        // The fastest of 5 tries each: on a shared, loaded machine the other tries measure
        // the load (a skipped argon2 run would still show: ~0 ms against tens of ms).
        let (unknown, wrong) = (unknown.into_iter().min().expect("tries"), wrong.into_iter().min().expect("tries"));
        let ratio = unknown.as_secs_f64() / wrong.as_secs_f64();
        assert!((0.5..=2.0).contains(&ratio), "unknown {unknown:?} vs wrong {wrong:?}");
    }

    #[tokio::test]
    async fn concurrency_is_bounded_but_all_calls_finish() {
        let hasher = PasswordHasher::new(1);
        let calls = (0..3).map(|_| {
            let h = hasher.clone();
            tokio::spawn(async move { h.verify("x", None).await })
        });
        for call in calls {
            assert!(!call.await.expect("join").expect("verify"));
        }
        assert_eq!(hasher.permits.available_permits(), 1);
    }

    #[test]
    fn policy() {
        assert_eq!(check_policy("short"), Err(WEAK_PASSWORD));
        assert_eq!(check_policy("aaaaaaaaaaaa"), Err(WEAK_PASSWORD));
        assert_eq!(check_policy(&"ab".repeat(65)), Err(WEAK_PASSWORD));
        assert_eq!(check_policy(&"ab".repeat(64)), Err(COMMON_PASSWORD), "\"ab\" repeated");
        assert_eq!(check_policy(&"xq".repeat(64)), Ok(()));
        assert_eq!(check_policy("0123456789"), Err(WEAK_PASSWORD), "10 characters: too short now");
        assert_eq!(check_policy("73105-82946x"), Ok(()));
        // 12 characters but more than 12 bytes: counted as characters.
        assert_eq!(check_policy("Việt Nam ơi!"), Ok(()));
        assert_eq!(check_policy("Việt Nam ơi"), Err(WEAK_PASSWORD));
        // A passphrase: no digit, no capital, no symbol needed.
        assert_eq!(check_policy("bốn con mèo đen trên mái nhà"), Ok(()));
        // Common ones, whatever their case, repeated or with digits added.
        for common in ["123456789012", "Password2024", "qwerty123456", "iloveyouiloveyou", "International"] {
            assert_eq!(check_policy(common), Err(COMMON_PASSWORD), "{common}");
        }
        assert_eq!(check_policy("ệệệệệệệệệệệệ"), Err(WEAK_PASSWORD));
        assert_eq!(check_policy(""), Err(WEAK_PASSWORD));
    }
}
