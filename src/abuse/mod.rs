//! Ballot-stuffing detection, off the hot path: a job on every node (one scan per contest at
//! a time) and an on-demand run file *cases* that organisers confirm or dismiss. Nothing
//! is disqualified automatically. Rules and thresholds: `rules` and docs/security.md.

pub mod rules;
pub mod scan;

use std::time::Duration;

use sqlx::PgPool;
use tokio::task::JoinHandle;

/// Scans the contests that are due every `interval_s` seconds, until aborted.
pub fn spawn_detector(pg: PgPool, interval_s: u64) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(interval_s.max(1)));
        loop {
            tick.tick().await;
            let due = match scan::contests_due(&pg, interval_s as i64, 20).await {
                Ok(due) => due,
                Err(e) => {
                    tracing::warn!(error = %crate::telemetry::db_error(&e), "listing contests to scan failed");
                    continue;
                }
            };
            for contest in due {
                match scan::scan_contest(&pg, contest).await {
                    Ok(report) if report.new_cases > 0 => {
                        tracing::info!(contest.id = contest, cases.new = report.new_cases, "abuse scan filed cases")
                    }
                    Ok(_) | Err(scan::ScanError::Busy(_)) => {}
                    Err(e) => tracing::warn!(contest.id = contest, error = %format!("{e:#}"), "abuse scan failed"),
                }
            }
        }
    })
}
