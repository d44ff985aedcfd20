//! Background jobs, safe to run on every node: the armer loads rounds into Redis before
//! they open, the sweeper auto-submits attempts past their deadline, the persister moves
//! events to Postgres, the detector files ballot-stuffing cases (`crate::abuse`).
//! Finalisation runs on demand (`thiluat finalize`).

pub mod dead_letter;
pub mod finalize;
pub mod persister;
pub mod write;

use std::time::Duration;

use sqlx::PgPool;
use tokio::task::JoinHandle;

use crate::config::JobsConfig;
use crate::metrics::Metrics;
use crate::play::Play;

const ARM_AHEAD_MS: i64 = 15 * 60 * 1000;

/// Starts the background loops; they stop when the handles are aborted.
pub fn spawn(pg: PgPool, play: Play, metrics: Metrics, config: JobsConfig) -> Vec<JoinHandle<()>> {
    let consumer = config.consumer_name.clone().unwrap_or_else(|| format!("node-{}", uuid::Uuid::new_v4().simple()));
    let mut jobs = vec![tokio::spawn(armer(pg.clone(), play.clone())), tokio::spawn(sweeper(play.clone()))];
    if config.detect_interval_s > 0 {
        jobs.push(crate::abuse::spawn_detector(pg.clone(), config.detect_interval_s));
    }
    jobs.push(tokio::spawn(persister_loop(pg, play, metrics, config, consumer)));
    jobs
}

async fn armer(pg: PgPool, play: Play) {
    let mut tick = tokio::time::interval(Duration::from_secs(10));
    loop {
        tick.tick().await;
        let Ok(now) = play.redis().now_ms().await else { continue };
        match crate::store::pg::rounds_to_arm(&pg, now, ARM_AHEAD_MS).await {
            Ok(ids) => {
                for id in ids {
                    if let Err(e) = play.arm(id).await {
                        tracing::warn!(round.id = id, error = %e, "arming failed");
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "listing rounds to arm failed"),
        }
    }
}

async fn sweeper(play: Play) {
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    loop {
        tick.tick().await;
        let Ok(rounds) = play.redis().armed_rounds().await else { continue };
        for round_id in rounds {
            if let Err(e) = finalize::sweep_round(&play, round_id, 500).await {
                tracing::warn!(round.id = round_id, error = %e, "auto-submit sweep failed");
            }
        }
    }
}

async fn persister_loop(pg: PgPool, play: Play, metrics: Metrics, config: JobsConfig, consumer: String) {
    let opts = persister::Options { batch: config.persister_batch, reclaim_idle_ms: config.reclaim_idle_ms };
    let max_defer = Duration::from_millis(config.persister_max_defer_ms);
    let mut deferring_since: Option<tokio::time::Instant> = None;
    loop {
        // A spike (a whole province submitting at the deadline) is answered first: the events
        // wait in Redis's fsynced stream, and bigger batches later cost Postgres less per event.
        let busy = metrics.in_flight.get() > config.persister_yield_in_flight;
        let since = busy.then(|| *deferring_since.get_or_insert_with(tokio::time::Instant::now));
        if persister_defers(busy, since.map(|s| s.elapsed()), max_defer) {
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        }
        deferring_since = None;
        let rounds = play.redis().armed_rounds().await.unwrap_or_default();
        let mut written = 0;
        for round_id in rounds {
            match persister::persist_batch(&pg, play.redis(), round_id, &consumer, opts).await {
                Ok(b) => {
                    written += b.persisted + b.dead_lettered;
                    metrics.persisted_events.with_label_values(&["all"]).inc_by(b.persisted as u64);
                    metrics.persister_dead_letters.inc_by(b.newly_dead_lettered as u64);
                }
                Err(e) => {
                    tracing::warn!(round.id = round_id, error = %format!("{e:#}"), "persisting failed; will retry")
                }
            }
            if let Ok(lag) = persister::lag(play.redis(), round_id).await {
                metrics.persister_lag.with_label_values(&[&round_id.to_string()]).set(lag);
            }
        }
        if written == 0 {
            tokio::time::sleep(Duration::from_millis(config.idle_poll_ms)).await;
        }
    }
}

/// Whether the persister waits this turn: only while the node is busy, and only until it has
/// waited `max_defer` in a row (then it writes a batch whatever the load).
fn persister_defers(busy: bool, deferring_for: Option<Duration>, max_defer: Duration) -> bool {
    busy && deferring_for.is_some_and(|d| d < max_defer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_persister_yields_to_a_spike_but_not_for_ever() {
        let max = Duration::from_secs(5);
        assert!(!persister_defers(false, None, max), "an idle node persists at once");
        assert!(persister_defers(true, Some(Duration::ZERO), max), "a busy node waits");
        assert!(persister_defers(true, Some(Duration::from_millis(4_999)), max));
        assert!(!persister_defers(true, Some(max), max), "after max_defer it writes anyway");
        assert!(!persister_defers(true, Some(Duration::from_secs(60)), max));
    }
}
