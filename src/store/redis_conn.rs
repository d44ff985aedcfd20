//! Connections to Redis that fail fast and recover fast.
//!
//! redis-rs's `ConnectionManager` retries a failed reconnect several times with growing
//! delays while every command waits for it (before 1.0 its defaults had no timeouts and
//! slept up to two minutes between tries: a Redis restart of five seconds stopped the
//! server for about two minutes, issue 22). Here each
//! manager tries to reconnect once per failure (bounded by the connection timeout), and all
//! of a store's connections share one [`Gate`]:
//! - every operation has a deadline (the response timeout, including any wait for a
//!   reconnect) and counts against a limit of operations in flight; beyond it, it is refused
//!   at once, so work waiting for Redis (and the memory it holds) stays bounded;
//! - once an operation fails for want of Redis (I/O error, refusal, time-out), the gate is
//!   down: operations fail at once without touching Redis, and one task probes with PING,
//!   at most 0.5 s apart, until Redis answers; then the gate opens and a new epoch starts
//!   (per-thread connections opened before it are replaced).

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};
use redis::{Cmd, ErrorKind, Pipeline, RedisError, RedisFuture, RedisResult, Value};

use crate::config::RedisConfig;

/// First pause between probes; doubled after each failed probe up to [`PROBE_MAX`].
const PROBE_FIRST: Duration = Duration::from_millis(50);
/// The longest pause between two tries to reach Redis again.
const PROBE_MAX: Duration = Duration::from_millis(500);

/// Timeouts and reconnection of every connection manager of a store.
pub fn manager_config(config: &RedisConfig) -> ConnectionManagerConfig {
    ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_millis(config.connect_timeout_ms)))
        .set_response_timeout(Some(Duration::from_millis(config.response_timeout_ms)))
        // One try per reconnect: the gate's probe is the (short, capped) back-off.
        .set_number_of_retries(0)
}

/// Opens a manager; the first connection is bounded by the connection timeout.
pub async fn open_manager(client: &redis::Client, config: &RedisConfig) -> RedisResult<ConnectionManager> {
    let limit = Duration::from_millis(config.connect_timeout_ms.saturating_add(config.response_timeout_ms));
    match tokio::time::timeout(limit, ConnectionManager::new_with_config(client.clone(), manager_config(config))).await
    {
        Ok(result) => result,
        Err(_) => Err(timed_out("connecting to Redis")),
    }
}

fn timed_out(what: &'static str) -> RedisError {
    RedisError::from(std::io::Error::new(std::io::ErrorKind::TimedOut, what))
}

/// Refused by the gate itself: nothing was sent to Redis.
fn refused(why: &'static str) -> RedisError {
    RedisError::from((ErrorKind::Io, "Redis unavailable", why.to_string()))
}

/// Whether an error means Redis could not be reached (as opposed to a reply Redis gave).
fn unreachable(e: &RedisError) -> bool {
    e.is_io_error() || e.is_timeout() || e.is_connection_dropped() || e.is_connection_refusal()
}

/// The state of one Redis, shared by all of a store's connections.
pub struct Gate {
    down: AtomicBool,
    /// Incremented each time Redis is reachable again.
    epoch: AtomicU64,
    in_flight: tokio::sync::Semaphore,
    deadline: Duration,
    /// For the probe: the store's shared manager (reconnecting it is part of recovering).
    probe: ConnectionManager,
}

impl Gate {
    pub fn new(config: &RedisConfig, probe: ConnectionManager) -> Arc<Self> {
        Arc::new(Self {
            down: AtomicBool::new(false),
            epoch: AtomicU64::new(0),
            in_flight: tokio::sync::Semaphore::new(config.max_in_flight.max(1)),
            deadline: Duration::from_millis(config.response_timeout_ms),
            probe,
        })
    }

    pub fn is_down(&self) -> bool {
        self.down.load(Ordering::Acquire)
    }

    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// Runs one operation under the gate's rules (see the module's comment).
    pub async fn run<T>(self: &Arc<Self>, op: impl Future<Output = RedisResult<T>>) -> RedisResult<T> {
        if self.is_down() {
            return Err(refused("Redis is not reachable; reconnecting"));
        }
        let Ok(_permit) = self.in_flight.try_acquire() else {
            return Err(refused("too many Redis operations in flight"));
        };
        let result = match tokio::time::timeout(self.deadline, op).await {
            Ok(result) => result,
            Err(_) => Err(timed_out("no reply from Redis in time")),
        };
        if let Err(e) = &result {
            if unreachable(e) {
                self.trip(e);
            }
        }
        result
    }

    /// Marks Redis down and starts the probe, once.
    fn trip(self: &Arc<Self>, cause: &RedisError) {
        if self.down.swap(true, Ordering::AcqRel) {
            return;
        }
        tracing::warn!(error = %cause, "Redis unreachable: failing fast until it answers again");
        let gate = Arc::clone(self);
        tokio::spawn(async move { gate.probe_until_up().await });
    }

    async fn probe_until_up(self: Arc<Self>) {
        let since = Instant::now();
        let mut pause = PROBE_FIRST;
        loop {
            tokio::time::sleep(pause).await;
            // The first command on a failed manager only starts its reconnect; the second
            // waits for that one try.
            let mut answered = false;
            for _ in 0..2 {
                let mut conn = self.probe.clone();
                let cmd = redis::cmd("PING");
                let ping = cmd.query_async::<String>(&mut conn);
                if matches!(tokio::time::timeout(self.deadline, ping).await, Ok(Ok(_))) {
                    answered = true;
                    break;
                }
            }
            if answered {
                self.epoch.fetch_add(1, Ordering::AcqRel);
                self.down.store(false, Ordering::Release);
                tracing::info!(down_ms = since.elapsed().as_millis() as u64, "Redis answers again");
                return;
            }
            pause = (pause * 2).min(PROBE_MAX);
        }
    }
}

/// A connection manager behind the store's gate. Commands, pipelines and scripts work on it
/// as on any connection.
#[derive(Clone)]
pub struct RedisConn {
    inner: ConnectionManager,
    gate: Arc<Gate>,
}

impl RedisConn {
    pub fn new(inner: ConnectionManager, gate: Arc<Gate>) -> Self {
        Self { inner, gate }
    }
}

impl ConnectionLike for RedisConn {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        let gate = Arc::clone(&self.gate);
        Box::pin(async move { gate.run(self.inner.send_packed_command(cmd)).await })
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        cmd: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        let gate = Arc::clone(&self.gate);
        Box::pin(async move { gate.run(self.inner.send_packed_commands(cmd, offset, count)).await })
    }

    fn get_db(&self) -> i64 {
        self.inner.get_db()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A gated connection to the test Redis (REDIS_URL) with these limits.
    async fn gated(max_in_flight: usize, response_timeout_ms: u64) -> (RedisConn, Arc<Gate>) {
        let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".into());
        let config = RedisConfig {
            url: crate::config::Secret::new(url),
            max_in_flight,
            response_timeout_ms,
            ..RedisConfig::default()
        };
        let client = redis::Client::open(config.url.expose()).expect("valid REDIS_URL");
        let manager = open_manager(&client, &config).await.expect("Redis reachable");
        let gate = Gate::new(&config, manager.clone());
        (RedisConn::new(manager, gate.clone()), gate)
    }

    async fn ping(conn: &RedisConn) -> RedisResult<String> {
        redis::cmd("PING").query_async(&mut conn.clone()).await
    }

    async fn until_up(gate: &Gate) {
        let since = Instant::now();
        while gate.is_down() {
            assert!(since.elapsed() < Duration::from_secs(3), "the probe reopens the gate while Redis answers");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    #[tokio::test]
    async fn operations_beyond_the_in_flight_limit_are_refused_at_once() {
        let (conn, gate) = gated(1, 1_500).await;
        let key = format!("gatetest{}", uuid::Uuid::new_v4().simple());
        let mut blocked = conn.clone();
        // Holds the only slot for 1 s (nothing to pop).
        let waiting = tokio::spawn(async move {
            redis::cmd("BLPOP").arg(key).arg(1).query_async::<Option<(String, String)>>(&mut blocked).await
        });
        tokio::time::sleep(Duration::from_millis(200)).await;
        let asked = Instant::now();
        let err = ping(&conn).await.expect_err("no slot left");
        assert!(asked.elapsed() < Duration::from_millis(100), "refused at once, not queued");
        assert!(err.to_string().contains("too many Redis operations"), "{err}");
        assert!(!gate.is_down(), "a refusal for load is not an outage");
        assert_eq!(waiting.await.expect("joined").expect("BLPOP ends normally"), None);
        assert_eq!(ping(&conn).await.expect("the slot is free again"), "PONG");
    }

    #[tokio::test]
    async fn after_redis_fails_operations_fail_at_once_until_the_probe_reaches_it() {
        let (conn, gate) = gated(16, 1_500).await;
        let epoch = gate.epoch();
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "test");
        let failed: RedisResult<()> = gate.run(async { Err(RedisError::from(refused)) }).await;
        assert!(failed.is_err());
        assert!(gate.is_down(), "an I/O failure marks Redis down");
        let err = ping(&conn).await.expect_err("fails at once while down");
        assert!(err.to_string().contains("not reachable"), "{err}");
        // This Redis does answer: the probe reopens the gate, in a new epoch.
        until_up(&gate).await;
        assert_eq!(gate.epoch(), epoch + 1);
        assert_eq!(ping(&conn).await.expect("open again"), "PONG");
    }

    #[tokio::test]
    async fn an_operation_without_a_reply_ends_at_the_deadline_and_marks_redis_down() {
        let (_conn, gate) = gated(16, 200).await;
        let asked = Instant::now();
        let err = gate.run(std::future::pending::<RedisResult<()>>()).await.expect_err("deadline");
        assert!(err.is_timeout(), "{err}");
        assert!(asked.elapsed() < Duration::from_millis(600), "{:?}", asked.elapsed());
        assert!(gate.is_down(), "silence counts as unreachable");
        until_up(&gate).await;
    }

    #[tokio::test]
    async fn an_error_redis_replied_is_not_an_outage() {
        let (conn, gate) = gated(16, 1_500).await;
        let err = redis::cmd("NO_SUCH_COMMAND").query_async::<()>(&mut conn.clone()).await.expect_err("unknown");
        assert!(!unreachable(&err), "{err}");
        assert!(!gate.is_down());
    }
}
