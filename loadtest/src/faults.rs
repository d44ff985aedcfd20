//! The `faults` scenario's coordinator: while every participant answers at a steady pace,
//! Redis is taken down (`--fault-down-cmd`, e.g. `kill -9`) and brought back after
//! `--outage-s` (`--fault-up-cmd`). Meanwhile /readyz is asked every 100 ms and the server's
//! RSS read every 250 ms. Reported: when Redis answered PING again, the first
//! acknowledgement after that, the slowest /readyz, the RSS peak.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::stats::{bump, Shared};

#[derive(Debug, Clone, Default, Serialize)]
pub struct ReadyzReport {
    pub polls: u64,
    pub by_status: BTreeMap<String, u64>,
    /// Asked but no answer within 5 s.
    pub no_answer: u64,
    pub over_1s: u64,
    pub max_ms: f64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct FaultReport {
    /// Seconds from go to the down command.
    pub down_at_s: f64,
    /// Down command → Redis answers PING again (the outage as Redis saw it).
    pub redis_down_s: Option<f64>,
    /// Redis answers PING again → the first acknowledgement any participant received after.
    pub first_ack_after_redis_back_ms: Option<f64>,
    /// Acknowledgements received between the down command and Redis answering again.
    pub acks_while_down: u64,
    /// Participants' replies that were `unavailable` (all phases).
    pub unavailable_replies: u64,
    /// Sockets opened again after a request went unanswered (`--timeout-s`).
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
    pub redis: SocketAddr,
    pub readyz_url: String,
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
                Err(_) => r.no_answer += 1,
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

/// Runs the fault while the participants play (they were told to go just before).
pub async fn run(plan: Plan, stats: Arc<Shared>) -> FaultReport {
    let go = Instant::now();
    let mut report = FaultReport { rss_before_kb: plan.server_pid.and_then(crate::rss_kb), ..Default::default() };
    let readyz = Arc::new(Mutex::new(ReadyzReport::default()));
    let poller = tokio::spawn(poll_readyz(plan.readyz_url.clone(), plan.end, readyz.clone()));
    let outage_flag = Arc::new(Mutex::new(false));
    let peaks = Arc::new(Mutex::new((0u64, 0u64)));
    let sampler =
        plan.server_pid.map(|pid| tokio::spawn(sample_rss(pid, plan.end, outage_flag.clone(), peaks.clone())));

    tokio::time::sleep(plan.after).await;
    report.down_at_s = go.elapsed().as_secs_f64();
    *outage_flag.lock().unwrap_or_else(|e| e.into_inner()) = true;
    let down = Instant::now();
    if let Err(e) = shell(&plan.down_cmd).await {
        report.notes.push(format!("down command: {e}"));
    }
    tokio::time::sleep(plan.outage).await;
    if let Err(e) = shell(&plan.up_cmd).await {
        report.notes.push(format!("up command: {e}"));
    }
    let mut back = None;
    while Instant::now() < plan.end {
        if pong(plan.redis).await {
            back = Some(Instant::now());
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    *outage_flag.lock().unwrap_or_else(|e| e.into_inner()) = false;
    report.redis_down_s = back.map(|b| (b - down).as_secs_f64());
    let _ = poller.await;
    if let Some(s) = sampler {
        let _ = s.await;
    }
    report.readyz = readyz.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let (peak, peak_outage) = *peaks.lock().unwrap_or_else(|e| e.into_inner());
    report.rss_max_kb = (peak > 0).then_some(peak);
    report.rss_max_during_outage_kb = (peak_outage > 0).then_some(peak_outage);
    report.rss_after_kb = plan.server_pid.and_then(crate::rss_kb);
    let s = stats.lock();
    report.unavailable_replies = s.measured.rejected.get("unavailable").copied().unwrap_or(0);
    report.reconnects = s.reconnects;
    if let Some(back) = back {
        report.first_ack_after_redis_back_ms =
            s.ack_instants.iter().filter(|&&t| t >= back).min().map(|t| (*t - back).as_secs_f64() * 1000.0);
        report.acks_while_down = s.ack_instants.iter().filter(|&&t| t >= down && t < back).count() as u64;
    } else {
        report.notes.push("Redis did not answer PING again before the end of the run".into());
    }
    report
}
