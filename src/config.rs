//! Typed, layered configuration: built-in defaults, then an optional TOML file
//! (`--config` or `THILUAT_CONFIG`), then environment variables. Secrets are wrapped so
//! that `Debug` never prints them.

use std::fmt;
use std::path::Path;

use anyhow::{bail, Context};
use serde::Deserialize;

/// A value that must never reach a log line or an error message.
#[derive(Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub http: HttpConfig,
    pub database: DatabaseConfig,
    pub redis: RedisConfig,
    pub jobs: JobsConfig,
    pub pow: PowConfig,
    /// Master secret (64 hex characters); keys for encryption, HMAC and tokens derive from it.
    pub secret: Secret,
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpConfig {
    pub bind: String,
    /// Public base URL printed by `demo` and used in links.
    pub public_url: Option<String>,
    pub workers: Option<usize>,
    /// Origins (scheme://host[:port]) allowed to open the websocket besides the server's own.
    pub allowed_origins: Vec<String>,
    /// Reverse proxies (addresses or networks) whose `X-Forwarded-For` names the client
    /// (src/http/client_address.rs); empty: the TCP peer is the client.
    pub trusted_proxies: Vec<crate::domain::network::Network>,
    /// Registrations per minute from one network address (see src/limits.rs).
    pub register_per_address_per_minute: u32,
    /// Websocket messages per minute on one connection (see src/limits.rs); load tests that
    /// answer as fast as acknowledgements return raise it.
    pub ws_messages_per_minute: u32,
    /// Seconds between the in-process limiters' housekeeping (forgetting recovered keys).
    pub limits_housekeeping_s: u64,
    /// Seconds between the server's websocket pings.
    pub ws_heartbeat_s: u64,
    /// Seconds without any frame from the client after which its socket is closed (1001).
    pub ws_idle_timeout_s: u64,
    /// Bearer token that `/metrics` requires (`THILUAT_METRICS_TOKEN`); without one, only
    /// unproxied requests from the loopback address get the metrics.
    pub metrics_token: Option<Secret>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    pub url: Secret,
    pub max_connections: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RedisConfig {
    pub url: Secret,
    /// Prefix of every key: lets several apps (tests) share one Redis.
    pub key_prefix: String,
    /// When > 0, answers are acknowledged after `WAITAOF 0 N` (HA with replicas).
    pub waitaof_replicas: u32,
    /// Run even when Redis would lose acknowledged answers in a crash.
    pub unsafe_durability: bool,
    /// The server's hot paths use one Redis connection per worker thread (see
    /// `RedisStore::with_per_thread_connections`); off: one connection shared by all.
    pub per_thread_connections: bool,
    /// How long one try to connect to Redis may take.
    pub connect_timeout_ms: u64,
    /// How long one Redis operation may take, waiting for a reconnect included; past it the
    /// operation fails (a websocket message gets `unavailable`). Above WAITAOF's 1 s.
    pub response_timeout_ms: u64,
    /// Redis operations in flight on this node at most; beyond, new ones are refused at once
    /// (`unavailable`), so work waiting for a slow Redis stays bounded.
    pub max_in_flight: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JobsConfig {
    pub enabled: bool,
    pub persister_batch: usize,
    pub idle_poll_ms: u64,
    /// Pending stream entries idle this long are reclaimed from a dead consumer (a live one
    /// writes a batch well within it; reclaiming from a slow one costs only a second,
    /// idempotent write), so the persister catches up within seconds after a node dies.
    pub reclaim_idle_ms: u64,
    pub consumer_name: Option<String>,
    /// While more websocket messages than this are being handled on the node, the persister
    /// waits (the events are safe in Redis), so a deadline spike gets the CPU first …
    pub persister_yield_in_flight: i64,
    /// … but never for longer than this: Postgres falls at most this far behind.
    pub persister_max_defer_ms: u64,
    /// Seconds between ballot-stuffing scans of a contest (src/abuse); 0 turns the job off.
    pub detect_interval_s: u64,
}

/// Proof-of-work bot friction on registration and attempt start (src/pow.rs). Off unless
/// `enabled`; when enabled, challenges switch on under load or for suspicious keys only,
/// or always with `always`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PowConfig {
    pub enabled: bool,
    /// Challenge every request (an operator under attack; tests).
    pub always: bool,
    /// Leading zero bits of SHA-256 a solution needs: each bit doubles the work.
    pub difficulty_bits: u8,
    /// Difficulty for a suspicious key (an address or participant over its soft limit).
    pub suspicious_difficulty_bits: u8,
    /// Registrations (or attempt starts) per minute on this node above which every request
    /// gets a challenge.
    pub load_per_minute: u32,
    /// Registrations per minute from one address above which that address is suspicious.
    pub address_soft_per_minute: u32,
    /// Attempt starts per minute of one participant above which they are suspicious.
    pub participant_starts_soft_per_minute: u32,
    /// Registrations per hour from one browser (its device id) above which it is suspicious:
    /// a phone shared by a couple is normal, a third entry is what src/abuse flags.
    pub device_soft_per_hour: u32,
    /// Seconds a challenge stays valid.
    pub expiry_s: u64,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            http: HttpConfig::default(),
            database: DatabaseConfig::default(),
            redis: RedisConfig::default(),
            jobs: JobsConfig::default(),
            pow: PowConfig::default(),
            secret: Secret::default(),
            log_format: LogFormat::Pretty,
        }
    }
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            public_url: None,
            workers: None,
            allowed_origins: Vec::new(),
            trusted_proxies: Vec::new(),
            register_per_address_per_minute: crate::limits::REGISTER_PER_ADDRESS.per_minute,
            ws_messages_per_minute: crate::limits::WS_MESSAGES_PER_CONNECTION.per_minute,
            limits_housekeeping_s: 60,
            ws_heartbeat_s: 15,
            ws_idle_timeout_s: 60,
            metrics_token: None,
        }
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self { url: Secret::new("postgres://postgres@127.0.0.1:5432/thiluat"), max_connections: 20 }
    }
}

impl Default for RedisConfig {
    fn default() -> Self {
        Self {
            url: Secret::new("redis://127.0.0.1:6379/"),
            key_prefix: String::new(),
            waitaof_replicas: 0,
            unsafe_durability: false,
            per_thread_connections: true,
            connect_timeout_ms: 1_000,
            response_timeout_ms: 1_500,
            max_in_flight: 4_096,
        }
    }
}

impl Default for JobsConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            persister_batch: 1000,
            idle_poll_ms: 100,
            reclaim_idle_ms: 5_000,
            consumer_name: None,
            persister_yield_in_flight: 32,
            persister_max_defer_ms: 5_000,
            detect_interval_s: 300,
        }
    }
}

impl Default for PowConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            always: false,
            difficulty_bits: 12,
            suspicious_difficulty_bits: 15,
            load_per_minute: 1_200,
            address_soft_per_minute: 120,
            participant_starts_soft_per_minute: 10,
            device_soft_per_hour: crate::limits::DEVICE_BURST as u32 - 1,
            expiry_s: 300,
        }
    }
}

impl Config {
    /// Defaults, then the file (when given), then the environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        let mut config = match file {
            Some(path) => {
                let text =
                    std::fs::read_to_string(path).with_context(|| format!("reading config file {}", path.display()))?;
                toml::from_str(&text).with_context(|| format!("parsing config file {}", path.display()))?
            }
            None => Config::default(),
        };
        config.apply_env(|name| std::env::var(name).ok())?;
        Ok(config)
    }

    /// Environment overrides: `THILUAT_SECTION_KEY`, plus the conventional
    /// `DATABASE_URL` and `REDIS_URL`.
    pub fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> anyhow::Result<()> {
        fn parse<T: std::str::FromStr>(name: &str, value: String) -> anyhow::Result<T> {
            match value.parse() {
                Ok(v) => Ok(v),
                Err(_) => bail!("environment variable {name} has an invalid value"),
            }
        }
        if let Some(v) = var("DATABASE_URL") {
            self.database.url = Secret::new(v);
        }
        if let Some(v) = var("REDIS_URL") {
            self.redis.url = Secret::new(v);
        }
        let get = |name: &str| var(&format!("THILUAT_{name}"));
        if let Some(v) = get("HTTP_BIND") {
            self.http.bind = v;
        }
        if let Some(v) = get("HTTP_PUBLIC_URL") {
            self.http.public_url = Some(v);
        }
        if let Some(v) = get("HTTP_ALLOWED_ORIGINS") {
            self.http.allowed_origins = v.split(',').map(|o| o.trim().to_string()).filter(|o| !o.is_empty()).collect();
        }
        if let Some(v) = get("HTTP_TRUSTED_PROXIES") {
            self.http.trusted_proxies = v
                .split(',')
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(|n| n.parse().map_err(|e| anyhow::anyhow!("THILUAT_HTTP_TRUSTED_PROXIES: {e}")))
                .collect::<anyhow::Result<_>>()?;
        }
        if let Some(v) = get("HTTP_REGISTER_PER_ADDRESS_PER_MINUTE") {
            self.http.register_per_address_per_minute = parse("THILUAT_HTTP_REGISTER_PER_ADDRESS_PER_MINUTE", v)?;
        }
        if let Some(v) = get("HTTP_WS_MESSAGES_PER_MINUTE") {
            self.http.ws_messages_per_minute = parse("THILUAT_HTTP_WS_MESSAGES_PER_MINUTE", v)?;
        }
        if let Some(v) = get("METRICS_TOKEN").filter(|v| !v.is_empty()) {
            self.http.metrics_token = Some(Secret::new(v));
        }
        if let Some(v) = get("HTTP_WORKERS") {
            self.http.workers = Some(parse("THILUAT_HTTP_WORKERS", v)?);
        }
        if let Some(v) = get("DATABASE_URL") {
            self.database.url = Secret::new(v);
        }
        if let Some(v) = get("DATABASE_MAX_CONNECTIONS") {
            self.database.max_connections = parse("THILUAT_DATABASE_MAX_CONNECTIONS", v)?;
        }
        if let Some(v) = get("REDIS_URL") {
            self.redis.url = Secret::new(v);
        }
        if let Some(v) = get("REDIS_KEY_PREFIX") {
            self.redis.key_prefix = v;
        }
        if let Some(v) = get("REDIS_WAITAOF_REPLICAS") {
            self.redis.waitaof_replicas = parse("THILUAT_REDIS_WAITAOF_REPLICAS", v)?;
        }
        if let Some(v) = get("REDIS_UNSAFE_DURABILITY") {
            self.redis.unsafe_durability = parse("THILUAT_REDIS_UNSAFE_DURABILITY", v)?;
        }
        if let Some(v) = get("REDIS_PER_THREAD_CONNECTIONS") {
            self.redis.per_thread_connections = parse("THILUAT_REDIS_PER_THREAD_CONNECTIONS", v)?;
        }
        if let Some(v) = get("REDIS_CONNECT_TIMEOUT_MS") {
            self.redis.connect_timeout_ms = parse("THILUAT_REDIS_CONNECT_TIMEOUT_MS", v)?;
        }
        if let Some(v) = get("REDIS_RESPONSE_TIMEOUT_MS") {
            self.redis.response_timeout_ms = parse("THILUAT_REDIS_RESPONSE_TIMEOUT_MS", v)?;
        }
        if let Some(v) = get("REDIS_MAX_IN_FLIGHT") {
            self.redis.max_in_flight = parse("THILUAT_REDIS_MAX_IN_FLIGHT", v)?;
        }
        if let Some(v) = get("JOBS_ENABLED") {
            self.jobs.enabled = parse("THILUAT_JOBS_ENABLED", v)?;
        }
        if let Some(v) = get("JOBS_PERSISTER_YIELD_IN_FLIGHT") {
            self.jobs.persister_yield_in_flight = parse("THILUAT_JOBS_PERSISTER_YIELD_IN_FLIGHT", v)?;
        }
        if let Some(v) = get("JOBS_PERSISTER_MAX_DEFER_MS") {
            self.jobs.persister_max_defer_ms = parse("THILUAT_JOBS_PERSISTER_MAX_DEFER_MS", v)?;
        }
        if let Some(v) = get("JOBS_DETECT_INTERVAL_S") {
            self.jobs.detect_interval_s = parse("THILUAT_JOBS_DETECT_INTERVAL_S", v)?;
        }
        if let Some(v) = get("POW_ENABLED") {
            self.pow.enabled = parse("THILUAT_POW_ENABLED", v)?;
        }
        if let Some(v) = get("POW_ALWAYS") {
            self.pow.always = parse("THILUAT_POW_ALWAYS", v)?;
        }
        if let Some(v) = get("POW_DIFFICULTY_BITS") {
            self.pow.difficulty_bits = parse("THILUAT_POW_DIFFICULTY_BITS", v)?;
        }
        if let Some(v) = get("POW_SUSPICIOUS_DIFFICULTY_BITS") {
            self.pow.suspicious_difficulty_bits = parse("THILUAT_POW_SUSPICIOUS_DIFFICULTY_BITS", v)?;
        }
        if let Some(v) = get("POW_LOAD_PER_MINUTE") {
            self.pow.load_per_minute = parse("THILUAT_POW_LOAD_PER_MINUTE", v)?;
        }
        if let Some(v) = get("POW_ADDRESS_SOFT_PER_MINUTE") {
            self.pow.address_soft_per_minute = parse("THILUAT_POW_ADDRESS_SOFT_PER_MINUTE", v)?;
        }
        if let Some(v) = get("POW_PARTICIPANT_STARTS_SOFT_PER_MINUTE") {
            self.pow.participant_starts_soft_per_minute = parse("THILUAT_POW_PARTICIPANT_STARTS_SOFT_PER_MINUTE", v)?;
        }
        if let Some(v) = get("POW_DEVICE_SOFT_PER_HOUR") {
            self.pow.device_soft_per_hour = parse("THILUAT_POW_DEVICE_SOFT_PER_HOUR", v)?;
        }
        if let Some(v) = get("POW_EXPIRY_S") {
            self.pow.expiry_s = parse("THILUAT_POW_EXPIRY_S", v)?;
        }
        if let Some(v) = get("SECRET") {
            self.secret = Secret::new(v);
        }
        if let Some(v) = get("LOG_FORMAT") {
            self.log_format = match v.as_str() {
                "json" => LogFormat::Json,
                "pretty" => LogFormat::Pretty,
                _ => bail!("THILUAT_LOG_FORMAT must be json or pretty"),
            };
        }
        Ok(())
    }

    /// Values that would make the server misbehave rather than merely run differently.
    pub fn validate(&self) -> anyhow::Result<()> {
        let p = &self.pow;
        if !(1..=32).contains(&p.difficulty_bits) || !(1..=32).contains(&p.suspicious_difficulty_bits) {
            bail!("pow difficulty must be 1..=32 bits (each bit doubles a phone's work)");
        }
        if p.expiry_s == 0
            || p.load_per_minute == 0
            || p.address_soft_per_minute == 0
            || p.participant_starts_soft_per_minute == 0
            || p.device_soft_per_hour == 0
        {
            bail!("pow expiry_s and the per-minute and per-hour thresholds must be > 0");
        }
        let r = &self.redis;
        if r.connect_timeout_ms == 0 || r.max_in_flight == 0 {
            bail!("redis.connect_timeout_ms and redis.max_in_flight must be > 0");
        }
        if r.waitaof_replicas > 0 && r.response_timeout_ms <= 1_000 {
            bail!("redis.response_timeout_ms must be above 1000 with WAITAOF (which waits up to 1 s)");
        }
        if r.response_timeout_ms < 100 {
            bail!("redis.response_timeout_ms must be at least 100");
        }
        Ok(())
    }

    /// The 32-byte master secret.
    pub fn master_secret(&self) -> anyhow::Result<[u8; 32]> {
        let raw = self.secret.expose().trim();
        if raw.is_empty() {
            bail!("no secret configured: set THILUAT_SECRET to 64 hex characters (32 random bytes)");
        }
        let bytes = hex::decode(raw)
            .ok()
            .filter(|b| b.len() == 32)
            .context("THILUAT_SECRET must be 64 hex characters (32 random bytes)")?;
        let mut out = [0u8; 32];
        out.copy_from_slice(&bytes);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_overrides_file_and_defaults() {
        let mut config: Config =
            toml::from_str("[http]\nbind = \"0.0.0.0:9000\"\n[redis]\nkey_prefix = \"file\"\n").expect("valid toml");
        config
            .apply_env(|name| match name {
                "REDIS_URL" => Some("redis://127.0.0.1:7000/".into()),
                "THILUAT_REDIS_KEY_PREFIX" => Some("env".into()),
                _ => None,
            })
            .expect("valid env");
        assert_eq!(config.http.bind, "0.0.0.0:9000");
        assert_eq!(config.redis.key_prefix, "env");
        assert_eq!(config.redis.url.expose(), "redis://127.0.0.1:7000/");
        assert_eq!(config.jobs.persister_batch, 1000);
    }

    #[test]
    fn secrets_are_not_printed() {
        let config = Config {
            secret: Secret::new("00".repeat(32)),
            database: DatabaseConfig { url: Secret::new("postgres://user:hunter2@db/x"), max_connections: 1 },
            ..Config::default()
        };
        let printed = format!("{config:?}");
        assert!(!printed.contains("hunter2"));
        assert!(!printed.contains(&"00".repeat(32)));
    }

    #[test]
    fn bad_env_value_is_an_error() {
        let mut config = Config::default();
        let err =
            config.apply_env(|name| (name == "THILUAT_HTTP_WORKERS").then(|| "many".into())).expect_err("must fail");
        assert!(err.to_string().contains("THILUAT_HTTP_WORKERS"));
    }

    #[test]
    fn trusted_proxies_come_from_the_file_or_a_list_in_the_env() {
        let mut config: Config = toml::from_str("[http]\ntrusted_proxies = [\"10.0.0.0/8\"]\n").expect("valid toml");
        assert_eq!(config.http.trusted_proxies, vec!["10.0.0.0/8".parse().expect("network")]);
        assert!(toml::from_str::<Config>("[http]\ntrusted_proxies = [\"10.0.0.0/99\"]\n").is_err());
        let env = |v: &'static str| move |name: &str| (name == "THILUAT_HTTP_TRUSTED_PROXIES").then(|| v.to_string());
        config.apply_env(env("127.0.0.1, 2001:db8::/32")).expect("valid list");
        assert_eq!(config.http.trusted_proxies.len(), 2);
        let err = config.apply_env(env("127.0.0.1,proxy.local")).expect_err("must fail");
        assert!(
            format!("{err:#}").contains("THILUAT_HTTP_TRUSTED_PROXIES") && format!("{err:#}").contains("proxy.local")
        );
    }

    #[test]
    fn unknown_file_keys_are_refused() {
        assert!(toml::from_str::<Config>("[http]\nbnid = \"x\"\n").is_err());
    }

    #[test]
    fn master_secret_must_be_32_bytes() {
        let mut config = Config::default();
        assert!(config.master_secret().is_err());
        config.secret = Secret::new("ab".repeat(31));
        assert!(config.master_secret().is_err());
        config.secret = Secret::new("ab".repeat(32));
        assert_eq!(config.master_secret().expect("valid")[0], 0xab);
    }
}
