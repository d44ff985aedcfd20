//! What the participants saw, collected in one place so that a run stopped by --max-seconds
//! can still report.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use uuid::Uuid;

pub fn unix_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

pub fn bump(map: &mut BTreeMap<String, u64>, key: &str) {
    *map.entry(key.to_string()).or_insert(0) += 1;
}

/// Counters and latencies of one kind of request.
#[derive(Debug, Default, Clone)]
pub struct OpStats {
    pub sent: u64,
    /// Answered with the expected message (`ack` or `result`).
    pub acknowledged: u64,
    /// `ack` statuses: saved / duplicate / stale.
    pub statuses: BTreeMap<String, u64>,
    /// Typed `error` replies by code.
    pub rejected: BTreeMap<String, u64>,
    pub timeouts: u64,
    /// Failures on our side of the wire: socket closed, unexpected reply, …
    pub client_errors: BTreeMap<String, u64>,
    /// Request → reply, microseconds, acknowledged requests only.
    pub latencies_us: Vec<u64>,
    pub first_send: Option<Instant>,
    pub last_send: Option<Instant>,
    pub first_send_unix_ms: Option<u64>,
    pub last_send_unix_ms: Option<u64>,
    pub last_reply: Option<Instant>,
}

impl OpStats {
    pub fn note_send(&mut self, at: Instant, unix_ms: u64) {
        self.sent += 1;
        if self.first_send.is_none_or(|f| at < f) {
            self.first_send = Some(at);
            self.first_send_unix_ms = Some(unix_ms);
        }
        if self.last_send.is_none_or(|l| at > l) {
            self.last_send = Some(at);
            self.last_send_unix_ms = Some(unix_ms);
        }
    }

    pub fn note_ack(&mut self, latency: Duration, at: Instant, status: Option<&str>) {
        self.acknowledged += 1;
        self.latencies_us.push(latency.as_micros() as u64);
        if let Some(s) = status {
            bump(&mut self.statuses, s);
        }
        if self.last_reply.is_none_or(|l| at > l) {
            self.last_reply = Some(at);
        }
    }

    pub fn note_reply_time(&mut self, at: Instant) {
        if self.last_reply.is_none_or(|l| at > l) {
            self.last_reply = Some(at);
        }
    }

    /// Seconds from the first request sent to the last reply received.
    pub fn span_s(&self) -> Option<f64> {
        match (self.first_send, self.last_reply) {
            (Some(f), Some(l)) if l > f => Some((l - f).as_secs_f64()),
            _ => None,
        }
    }

    /// Acknowledged per second over `span_s`.
    pub fn throughput(&self) -> Option<f64> {
        self.span_s().map(|s| self.acknowledged as f64 / s)
    }

    pub fn send_spread_ms(&self) -> Option<f64> {
        match (self.first_send, self.last_send) {
            (Some(f), Some(l)) => Some((l - f).as_secs_f64() * 1000.0),
            _ => None,
        }
    }
}

/// Latency percentiles in milliseconds (nearest-rank on the sorted samples).
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Percentiles {
    pub samples: usize,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
}

pub fn percentiles(samples_us: &[u64]) -> Option<Percentiles> {
    if samples_us.is_empty() {
        return None;
    }
    let mut v = samples_us.to_vec();
    v.sort_unstable();
    let n = v.len();
    let rank = |p: f64| -> f64 {
        let idx = ((p * n as f64).ceil() as usize).clamp(1, n) - 1;
        v[idx] as f64 / 1000.0
    };
    let sum: u128 = v.iter().map(|&x| x as u128).sum();
    Some(Percentiles {
        samples: n,
        p50_ms: rank(0.50),
        p95_ms: rank(0.95),
        p99_ms: rank(0.99),
        max_ms: v[n - 1] as f64 / 1000.0,
        mean_ms: sum as f64 / n as f64 / 1000.0,
    })
}

/// Everything a run collects.
#[derive(Debug, Default)]
pub struct Stats {
    pub registered: u64,
    /// Phone already taken (an earlier run): logged in instead.
    pub logged_in: u64,
    pub register_failed: BTreeMap<String, u64>,
    pub connected: u64,
    pub connect_failed: BTreeMap<String, u64>,
    /// `start` → `snapshot`.
    pub start: OpStats,
    /// Untimed answers before the measured phase (deadline-burst).
    pub prep: OpStats,
    /// The measured operation.
    pub measured: OpStats,
    /// (attempt, question, seq) of every `saved` ack, for the database check.
    pub saved_answers: Vec<(Uuid, i64, i64)>,
    /// (attempt, correct) of every `result`, for the database check.
    pub results: Vec<(Uuid, i64)>,
    /// Sockets the server closed while a participant was waiting for the measured phase.
    pub closed_while_waiting: u64,
    /// `faults`: when each measured acknowledgement arrived.
    pub ack_instants: Vec<Instant>,
    /// `faults`: new sockets opened after a request went unanswered.
    pub reconnects: u64,
    /// `faults`: (attempt, question, seq) of every answer sent, acknowledged or not.
    pub sent_answers: Vec<(Uuid, i64, i64)>,
}

#[derive(Debug, Default)]
pub struct Shared(Mutex<Stats>);

impl Shared {
    pub fn lock(&self) -> MutexGuard<'_, Stats> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let v: Vec<u64> = (1..=100).map(|x| x * 1000).collect();
        let p = percentiles(&v).expect("samples");
        assert_eq!(p.p50_ms, 50.0);
        assert_eq!(p.p95_ms, 95.0);
        assert_eq!(p.p99_ms, 99.0);
        assert_eq!(p.max_ms, 100.0);
        assert!(percentiles(&[]).is_none());
        let one = percentiles(&[1500]).expect("one");
        assert_eq!(one.p50_ms, 1.5);
        assert_eq!(one.p99_ms, 1.5);
    }
}
