//! Organiser sessions in Redis, so any node serves them and they survive a restart.
//!
//! Keys: `{prefix}session:{hex(sha256(token))}` → hash {account_id, csrf, created_ms}, and
//! `{prefix}account-sessions:{account_id}` → set of token hashes (for "log out everywhere").
//! Only the token's SHA-256 is stored: a leaked Redis dump or replica holds no usable token.
//! Times come from Redis (TIME) so every node agrees on a session's age.

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::Rng as _;
use redis::aio::ConnectionManager;
use redis::{AsyncCommands, RedisResult};
use sha2::{Digest, Sha256};

/// Idle timeout, refreshed on every use.
pub const IDLE_TTL: Duration = Duration::from_secs(12 * 3600);
/// Absolute lifetime: an organiser logs in again at least weekly, however active.
pub const MAX_AGE: Duration = Duration::from_secs(7 * 24 * 3600);

/// What the client receives once, at login: the cookie value and the CSRF token.
#[derive(Clone, PartialEq, Eq)]
pub struct NewSession {
    pub token: String,
    pub csrf: String,
}

/// A live session as read from Redis.
#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    pub account_id: i64,
    pub csrf: String,
    pub created_ms: i64,
}

// Tokens are credentials: never in a log line, even through `{:?}`.
impl fmt::Debug for NewSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewSession(***)")
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("account_id", &self.account_id)
            .field("csrf", &"***")
            .field("created_ms", &self.created_ms)
            .finish()
    }
}

#[derive(Clone)]
pub struct SessionStore {
    conn: ConnectionManager,
    prefix: String,
    idle_ttl: Duration,
    max_age: Duration,
}

impl SessionStore {
    pub fn new(conn: ConnectionManager, prefix: &str) -> Self {
        Self { conn, prefix: prefix.to_owned(), idle_ttl: IDLE_TTL, max_age: MAX_AGE }
    }

    /// Overrides the absolute lifetime (tests use a few milliseconds).
    pub fn with_max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age;
        self
    }

    fn session_key(&self, token_hash: &str) -> String {
        format!("{}session:{token_hash}", self.prefix)
    }

    fn account_key(&self, account_id: i64) -> String {
        format!("{}account-sessions:{account_id}", self.prefix)
    }

    /// Starts a session for an account that has just proved who it is.
    pub async fn create(&self, account_id: i64) -> RedisResult<NewSession> {
        let new = NewSession { token: random_token(), csrf: random_token() };
        let token_hash = hash_token(&new.token);
        let key = self.session_key(&token_hash);
        let account_key = self.account_key(account_id);
        let mut conn = self.conn.clone();
        let created_ms = redis_now_ms(&mut conn).await?;
        redis::pipe()
            .atomic()
            .hset_multiple(
                &key,
                &[
                    ("account_id", account_id.to_string()),
                    ("csrf", new.csrf.clone()),
                    ("created_ms", created_ms.to_string()),
                ],
            )
            .ignore()
            .pexpire(&key, millis(self.idle_ttl))
            .ignore()
            .sadd(&account_key, &token_hash)
            .ignore()
            // The index lives as long as its newest session can; stale members are harmless.
            .pexpire(&account_key, millis(self.max_age + self.idle_ttl))
            .ignore()
            .query_async::<()>(&mut conn)
            .await?;
        Ok(new)
    }

    /// The session of `token`, refreshing its idle timeout; `None` when unknown, idle too
    /// long or older than the absolute lifetime (then it is also deleted).
    pub async fn get(&self, token: &str) -> RedisResult<Option<Session>> {
        let token_hash = hash_token(token);
        let key = self.session_key(&token_hash);
        let mut conn = self.conn.clone();
        // PEXPIRE on a missing key is a no-op, so one round trip reads, refreshes and dates.
        let ((secs, micros), fields): ((i64, i64), HashMap<String, String>) = redis::pipe()
            .atomic()
            .cmd("TIME")
            .hgetall(&key)
            .pexpire(&key, millis(self.idle_ttl))
            .ignore()
            .query_async(&mut conn)
            .await?;
        let Some(session) = session_from_fields(&fields) else {
            return Ok(None);
        };
        let now_ms = secs * 1000 + micros / 1000;
        if now_ms - session.created_ms >= millis(self.max_age) {
            self.remove(&token_hash, session.account_id).await?;
            return Ok(None);
        }
        Ok(Some(session))
    }

    /// Logs one session out. Unknown tokens are fine (already gone).
    pub async fn destroy(&self, token: &str) -> RedisResult<()> {
        let token_hash = hash_token(token);
        let account_id: Option<i64> = self.conn.clone().hget(self.session_key(&token_hash), "account_id").await?;
        match account_id {
            Some(account_id) => self.remove(&token_hash, account_id).await,
            None => Ok(()),
        }
    }

    /// "Log out everywhere" (also after a password reset): how many live sessions ended.
    /// A session created concurrently with this call may survive; it was a login that
    /// happened at the same moment, not one from before.
    pub async fn destroy_all(&self, account_id: i64) -> RedisResult<usize> {
        let account_key = self.account_key(account_id);
        let mut conn = self.conn.clone();
        let hashes: Vec<String> = conn.smembers(&account_key).await?;
        if hashes.is_empty() {
            return Ok(0);
        }
        let keys: Vec<String> = hashes.iter().map(|h| self.session_key(h)).collect();
        // SREM only what was read, so a session added meanwhile stays indexed.
        let (deleted,): (usize,) =
            redis::pipe().atomic().del(&keys).srem(&account_key, &hashes).ignore().query_async(&mut conn).await?;
        Ok(deleted)
    }

    async fn remove(&self, token_hash: &str, account_id: i64) -> RedisResult<()> {
        redis::pipe()
            .atomic()
            .del(self.session_key(token_hash))
            .ignore()
            .srem(self.account_key(account_id), token_hash)
            .ignore()
            .query_async::<()>(&mut self.conn.clone())
            .await
    }
}

/// Compares a CSRF token in time independent of where the first difference is. The length
/// is not secret (every token is 43 characters).
pub fn csrf_matches(expected: &str, given: &str) -> bool {
    let (a, b) = (expected.as_bytes(), given.as_bytes());
    if a.len() != b.len() || a.is_empty() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// 32 bytes from the OS: 256 bits, unguessable, URL- and cookie-safe.
fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rand_core::UnwrapErr(rand::rngs::SysRng).fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

async fn redis_now_ms(conn: &mut ConnectionManager) -> RedisResult<i64> {
    let (secs, micros): (i64, i64) = redis::cmd("TIME").query_async(conn).await?;
    Ok(secs * 1000 + micros / 1000)
}

fn session_from_fields(fields: &HashMap<String, String>) -> Option<Session> {
    Some(Session {
        account_id: fields.get("account_id")?.parse().ok()?,
        csrf: fields.get("csrf")?.clone(),
        created_ms: fields.get("created_ms")?.parse().ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::test_redis;

    #[tokio::test]
    async fn create_get_destroy() {
        let (conn, prefix) = test_redis().await;
        let store = SessionStore::new(conn.clone(), &prefix);
        let new = store.create(7).await.expect("create");
        assert_eq!(new.token.len(), 43);
        assert_eq!(new.csrf.len(), 43);
        assert_ne!(new.token, new.csrf);

        let session = store.get(&new.token).await.expect("get").expect("live");
        assert_eq!(session.account_id, 7);
        assert_eq!(session.csrf, new.csrf);
        assert!(store.get("not-a-token").await.expect("get").is_none());

        // Only the hash is stored, with an idle TTL.
        let key = store.session_key(&hash_token(&new.token));
        let mut c = conn.clone();
        let ttl_ms: i64 = c.pttl(&key).await.expect("pttl");
        assert!(ttl_ms > 0 && ttl_ms <= millis(IDLE_TTL));
        let raw: Vec<String> = c.keys(format!("{prefix}*")).await.expect("keys");
        assert!(raw.iter().all(|k| !k.contains(&new.token)));

        store.destroy(&new.token).await.expect("destroy");
        assert!(store.get(&new.token).await.expect("get").is_none());
        let members: Vec<String> = c.smembers(store.account_key(7)).await.expect("smembers");
        assert!(members.is_empty());
        store.destroy(&new.token).await.expect("destroying twice is fine");
    }

    #[tokio::test]
    async fn destroy_all_ends_only_that_accounts_sessions() {
        let (conn, prefix) = test_redis().await;
        let store = SessionStore::new(conn, &prefix);
        let a1 = store.create(1).await.expect("create");
        let a2 = store.create(1).await.expect("create");
        let b = store.create(2).await.expect("create");

        assert_eq!(store.destroy_all(1).await.expect("destroy_all"), 2);
        assert!(store.get(&a1.token).await.expect("get").is_none());
        assert!(store.get(&a2.token).await.expect("get").is_none());
        assert_eq!(store.get(&b.token).await.expect("get").map(|s| s.account_id), Some(2));
        assert_eq!(store.destroy_all(1).await.expect("destroy_all"), 0);
        assert_eq!(store.destroy_all(2).await.expect("destroy_all"), 1);
    }

    #[tokio::test]
    async fn too_old_session_is_rejected_and_deleted() {
        let (conn, prefix) = test_redis().await;
        let store = SessionStore::new(conn.clone(), &prefix).with_max_age(Duration::from_secs(2));
        let new = store.create(3).await.expect("create");
        assert!(store.get(&new.token).await.expect("get").is_some());
        // Generous margins: the machine is shared and slow moments happen.
        tokio::time::sleep(Duration::from_millis(2300)).await;
        assert!(store.get(&new.token).await.expect("get").is_none());
        let exists: bool = conn.clone().exists(store.session_key(&hash_token(&new.token))).await.expect("exists");
        assert!(!exists);
    }

    #[test]
    fn csrf_comparison() {
        let token = random_token();
        assert!(csrf_matches(&token, &token.clone()));
        assert!(!csrf_matches(&token, &random_token()));
        assert!(!csrf_matches(&token, &token[..42]));
        assert!(!csrf_matches(&token, ""));
        assert!(!csrf_matches("", ""));
    }

    #[test]
    fn debug_hides_secrets() {
        let new = NewSession { token: "tok-secret".into(), csrf: "csrf-secret".into() };
        let session = Session { account_id: 1, csrf: "csrf-secret".into(), created_ms: 0 };
        let printed = format!("{new:?} {session:?}");
        assert!(!printed.contains("secret"), "{printed}");
    }
}
