//! The `faults` scenario's coordinator: while every participant answers at a steady pace,
//! Redis, the server or Postgres (`--fault`) is taken down (`--fault-down-cmd`, e.g.
//! `kill -9`) and brought back after `--outage-s` (`--fault-up-cmd`). Meanwhile /readyz is
//! asked every 100 ms and the server's RSS read every 250 ms. Reported: when the thing taken
//! down answered again, the first acknowledgement after that, how long until the persister
//! had written to Postgres every event from before that moment, the slowest /readyz, the
//! RSS peak.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::args::FaultKind;
use crate::stats::{bump, Shared};

#[derive(Debug, Clone, Default, Serialize)]
pub struct ReadyzReport {
    pub polls: u64,
    pub by_status: BTreeMap<String, u64>,
    /// Asked but no answer within 5 s.
    pub no_answer: u64,
    /// Of those, refused connections (the server process was down).
    pub refused: u64,
    pub over_1s: u64,
    pub max_ms: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct FaultReport {
    pub fault: FaultKind,
    /// Seconds from go to the down command.
    pub down_at_s: f64,
    /// Down command → what was taken down answers again (Redis: PING; the server: /readyz
    /// 200; Postgres: a connection). The outage as the clients saw it.
    pub down_s: Option<f64>,
    /// Up command → answering again (the restart's own time).
    pub up_to_back_ms: Option<f64>,
    /// Answering again → the first acknowledgement any participant received after.
    pub first_ack_after_back_ms: Option<f64>,
    /// Acknowledgements received between the down command and answering again.
    pub acks_while_down: u64,
    /// Answering again → every event older than that moment written to Postgres (the
    /// round's stream holds no entry from before it: persisted entries are trimmed).
    pub caught_up_after_back_ms: Option<f64>,
    /// The round's stream: the longest it was (sampled every 100 ms), and its length at the
    /// end of the measured phase.
    pub stream_max: Option<u64>,
    pub stream_at_end: Option<u64>,
    /// Participants' replies that were `unavailable` (all phases).
    pub unavailable_replies: u64,
    /// Sockets opened again after a request went unanswered (`--timeout-s`) or a socket broke.
    pub reconnects: u64,
    pub readyz: ReadyzReport,
    pub rss_before_kb: Option<u64>,
    pub rss_max_kb: Option<u64>,
    pub rss_max_during_outage_kb: Option<u64>,
    pub rss_after_kb: Option<u64>,
    /// With --check-db: rows in `answers` for this run's attempts that match no answer a
    /// participant sent (attempt, question, seq). An answer counted twice or misattributed
    /// would show here; a lost one shows in the database check's `lost`.
    pub unexplained_rows: Option<u64>,
    pub notes: Vec<String>,
}

pub struct Plan {
    pub down_cmd: String,
    pub up_cmd: String,
    pub after: Duration,
    pub outage: Duration,
    pub kind: FaultKind,
    pub redis: SocketAddr,
    /// The round's event stream key.
    pub stream_key: String,
    pub readyz_url: String,
    /// Postgres (`--fault postgres`).
    pub pg_url: Option<String>,
    pub server_pid: Option<u32>,
    /// The measured phase ends then.
    pub end: Instant,
}

async fn shell(cmd: &str) -> Result<(), String> {
    let status = tokio::process::Command::new("sh").arg("-c").arg(cmd).status().await.map_err(|e| e.to_string())?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{cmd:?} exited with {status}"))
    }
}

/// One RESP PING with a short deadline.
async fn pong(addr: SocketAddr) -> bool {
    let ask = async {
        let mut s = tokio::net::TcpStream::connect(addr).await.ok()?;
        s.write_all(b"PING\r\n").await.ok()?;
        let mut buf = [0u8; 64];
        let n = s.read(&mut buf).await.ok()?;
        buf[..n].starts_with(b"+PONG").then_some(())
    };
    matches!(tokio::time::timeout(Duration::from_millis(200), ask).await, Ok(Some(())))
}

/// One RESP command (inline form: no spaces inside arguments) with a short deadline: the
/// first 4 KB of the reply.
async fn resp(addr: SocketAddr, command: &str) -> Option<Vec<u8>> {
    let ask = async {
        let mut s = tokio::net::TcpStream::connect(addr).await.ok()?;
        s.write_all(format!("{command}\r\n").as_bytes()).await.ok()?;
        let mut buf = vec![0u8; 4096];
        let n = s.read(&mut buf).await.ok()?;
        buf.truncate(n);
        Some(buf)
    };
    tokio::time::timeout(Duration::from_millis(500), ask).await.ok().flatten()
}

/// The stream's length and the Unix ms of its oldest entry (None when empty).
async fn stream_state(addr: SocketAddr, key: &str) -> Option<(u64, Option<u64>)> {
    let len = resp(addr, &format!("XLEN {key}")).await?;
    let len: u64 = std::str::from_utf8(len.strip_prefix(b":")?).ok()?.trim().parse().ok()?;
    let first = resp(addr, &format!("XRANGE {key} - + COUNT 1")).await?;
    Some((len, oldest_entry_ms(&first)?))
}

/// `*0` → Some(None); `*1\r\n*2\r\n$N\r\nMS-SEQ\r\n…` → Some(Some(MS)).
fn oldest_entry_ms(reply: &[u8]) -> Option<Option<u64>> {
    let text = String::from_utf8_lossy(reply);
    let mut lines = text.split("\r\n");
    match lines.next()? {
        "*0" => return Some(None),
        "*1" => {}
        _ => return None,
    }
    let _pair = lines.next()?;
    let _len = lines.next()?;
    let id = lines.next()?;
    Some(Some(id.split_once('-')?.0.parse().ok()?))
}

async fn readyz_ok(url: &str) -> bool {
    let Ok(client) = reqwest::Client::builder().timeout(Duration::from_millis(500)).build() else { return false };
    matches!(client.get(url).send().await, Ok(r) if r.status().is_success())
}

async fn pg_answers(url: &str) -> bool {
    use sqlx::Connection;
    let ask = async {
        let mut c = sqlx::PgConnection::connect(url).await.ok()?;
        let one: (i32,) = sqlx::query_as("SELECT 1").fetch_one(&mut c).await.ok()?;
        let _ = c.close().await;
        Some(one.0)
    };
    matches!(tokio::time::timeout(Duration::from_millis(500), ask).await, Ok(Some(1)))
}

async fn poll_readyz(url: String, end: Instant, out: Arc<Mutex<ReadyzReport>>) {
    let Ok(client) = reqwest::Client::builder().timeout(Duration::from_secs(5)).build() else { return };
    while Instant::now() < end {
        let asked = Instant::now();
        let res = client.get(&url).send().await;
        let ms = asked.elapsed().as_secs_f64() * 1000.0;
        {
            let mut r = out.lock().unwrap_or_else(|e| e.into_inner());
            r.polls += 1;
            r.max_ms = r.max_ms.max(ms);
            match res {
                Ok(res) => {
                    bump(&mut r.by_status, res.status().as_str());
                    if ms > 1000.0 {
                        r.over_1s += 1;
                    }
                }
                Err(e) => {
                    r.no_answer += 1;
                    if e.is_connect() {
                        r.refused += 1;
                    }
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(100).saturating_sub(asked.elapsed())).await;
    }
}

/// RSS samples: (peak overall, peak while `outage` is set).
async fn sample_rss(pid: u32, end: Instant, outage: Arc<Mutex<bool>>, peaks: Arc<Mutex<(u64, u64)>>) {
    while Instant::now() < end {
        if let Some(kb) = crate::rss_kb(pid) {
            let during = *outage.lock().unwrap_or_else(|e| e.into_inner());
            let mut p = peaks.lock().unwrap_or_else(|e| e.into_inner());
            p.0 = p.0.max(kb);
            if during {
                p.1 = p.1.max(kb);
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Whether what the plan took down answers again.
async fn is_back(plan: &Plan) -> bool {
    match plan.kind {
        FaultKind::Redis => pong(plan.redis).await,
        FaultKind::Server => readyz_ok(&plan.readyz_url).await,
        FaultKind::Postgres => pg_answers(plan.pg_url.as_deref().unwrap_or_default()).await,
    }
}

/// Samples the round's stream every 100 ms until `end`: (longest, caught up at). Caught up:
/// the first sample after `back` with no entry older than `back_unix_ms`.
async fn watch_stream(
    redis: SocketAddr,
    key: String,
    end: Instant,
    back: Arc<Mutex<Option<(Instant, u64)>>>,
) -> (Option<u64>, Option<Instant>) {
    let (mut longest, mut caught_up) = (None::<u64>, None);
    while Instant::now() < end {
        let asked = Instant::now();
        if let Some((len, oldest)) = stream_state(redis, &key).await {
            longest = Some(longest.map_or(len, |l| l.max(len)));
            let back = *back.lock().unwrap_or_else(|e| e.into_inner());
            if let (None, Some((_, back_ms))) = (caught_up, back) {
                if oldest.is_none_or(|ms| ms >= back_ms) {
                    caught_up = Some(asked);
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(100).saturating_sub(asked.elapsed())).await;
    }
    (longest, caught_up)
}

/// Runs the fault while the participants play (they were told to go just before).
pub async fn run(plan: Plan, stats: Arc<Shared>) -> FaultReport {
    let go = Instant::now();
    let mut report = FaultReport {
        fault: plan.kind,
        down_at_s: 0.0,
        down_s: None,
        up_to_back_ms: None,
        first_ack_after_back_ms: None,
        acks_while_down: 0,
        caught_up_after_back_ms: None,
        stream_max: None,
        stream_at_end: None,
        unavailable_replies: 0,
        reconnects: 0,
        readyz: ReadyzReport::default(),
        rss_before_kb: plan.server_pid.and_then(crate::rss_kb),
        rss_max_kb: None,
        rss_max_during_outage_kb: None,
        rss_after_kb: None,
        unexplained_rows: None,
        notes: Vec::new(),
    };
    let readyz = Arc::new(Mutex::new(ReadyzReport::default()));
    let poller = tokio::spawn(poll_readyz(plan.readyz_url.clone(), plan.end, readyz.clone()));
    let outage_flag = Arc::new(Mutex::new(false));
    let peaks = Arc::new(Mutex::new((0u64, 0u64)));
    let sampler =
        plan.server_pid.map(|pid| tokio::spawn(sample_rss(pid, plan.end, outage_flag.clone(), peaks.clone())));
    let back_at = Arc::new(Mutex::new(None));
    let stream = tokio::spawn(watch_stream(plan.redis, plan.stream_key.clone(), plan.end, back_at.clone()));

    tokio::time::sleep(plan.after).await;
    report.down_at_s = go.elapsed().as_secs_f64();
    *outage_flag.lock().unwrap_or_else(|e| e.into_inner()) = true;
    let down = Instant::now();
    if let Err(e) = shell(&plan.down_cmd).await {
        report.notes.push(format!("down command: {e}"));
    }
    tokio::time::sleep(plan.outage.saturating_sub(down.elapsed())).await;
    let up = Instant::now();
    if let Err(e) = shell(&plan.up_cmd).await {
        report.notes.push(format!("up command: {e}"));
    }
    let mut back = None;
    while Instant::now() < plan.end {
        if is_back(&plan).await {
            back = Some(Instant::now());
            *back_at.lock().unwrap_or_else(|e| e.into_inner()) = Some((Instant::now(), crate::stats::unix_ms()));
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    *outage_flag.lock().unwrap_or_else(|e| e.into_inner()) = false;
    report.down_s = back.map(|b| (b - down).as_secs_f64());
    report.up_to_back_ms = back.map(|b| (b - up).as_secs_f64() * 1000.0);
    let _ = poller.await;
    if let Some(s) = sampler {
        let _ = s.await;
    }
    if let Ok((longest, caught_up)) = stream.await {
        report.stream_max = longest;
        report.caught_up_after_back_ms =
            back.zip(caught_up).map(|(b, c)| (c.saturating_duration_since(b)).as_secs_f64() * 1000.0);
    }
    report.stream_at_end = stream_state(plan.redis, &plan.stream_key).await.map(|(len, _)| len);
    report.readyz = readyz.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let (peak, peak_outage) = *peaks.lock().unwrap_or_else(|e| e.into_inner());
    report.rss_max_kb = (peak > 0).then_some(peak);
    report.rss_max_during_outage_kb = (peak_outage > 0).then_some(peak_outage);
    report.rss_after_kb = plan.server_pid.and_then(crate::rss_kb);
    let s = stats.lock();
    report.unavailable_replies = s.measured.rejected.get("unavailable").copied().unwrap_or(0);
    report.reconnects = s.reconnects;
    if let Some(back) = back {
        report.first_ack_after_back_ms =
            s.ack_instants.iter().filter(|&&t| t >= back).min().map(|t| (*t - back).as_secs_f64() * 1000.0);
        report.acks_while_down = s.ack_instants.iter().filter(|&&t| t >= down && t < back).count() as u64;
    } else {
        report.notes.push(format!("the {:?} did not answer again before the end of the run", plan.kind));
    }
    if back.is_some() && report.caught_up_after_back_ms.is_none() {
        report.notes.push("events from before the recovery were still unpersisted at the end of the run".into());
    }
    report
}

#[cfg(test)]
mod tests {
    use super::oldest_entry_ms;

    #[test]
    fn oldest_entry_of_an_xrange_reply() {
        assert_eq!(oldest_entry_ms(b"*0\r\n"), Some(None));
        let reply = b"*1\r\n*2\r\n$15\r\n1733612345678-3\r\n*4\r\n$1\r\nt\r\n$6\r\nanswer\r\n";
        assert_eq!(oldest_entry_ms(reply), Some(Some(1_733_612_345_678)));
        assert_eq!(oldest_entry_ms(b"-ERR wrong type\r\n"), None);
    }
}
