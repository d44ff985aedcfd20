//! Closing the open sockets of an erased participant, on every node.
//!
//! The participant credential is stateless, so the upgrade checks Postgres for an erasure
//! (410 `participant_erased`); a socket opened before the erasure is closed by this: the
//! node that erases tells its own sockets at once and publishes the participant id on a Redis
//! channel, which every node's listener hands to its sockets. A socket whose participant is
//! named sends `error participant_erased` and closes with 1008.
//!
//! A node that was not listening (its subscription broke) or whose socket tasks fell behind
//! the broadcast cannot know whom it missed: its sockets are told to look the participant up
//! in Postgres instead ([`Revoked::Recheck`]), one primary-key read each, only then.

use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::broadcast;

use crate::store::RedisStore;

/// What a socket task learns from the hub.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revoked {
    /// This participant was erased.
    Participant(i64),
    /// Erasures may have been missed: check your participant in Postgres.
    Recheck,
}

/// Erasures queued for slow socket tasks before they are told to recheck instead.
const BACKLOG: usize = 256;

/// The node's hub: each socket task subscribes; erasures are broadcast to all of them.
#[derive(Clone)]
pub struct Revocations {
    tx: broadcast::Sender<Revoked>,
}

impl Default for Revocations {
    fn default() -> Self {
        Self::new()
    }
}

impl Revocations {
    pub fn new() -> Self {
        Self { tx: broadcast::channel(BACKLOG).0 }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Revoked> {
        self.tx.subscribe()
    }

    /// Tells this node's sockets (none listening is not an error).
    pub fn deliver(&self, what: Revoked) {
        let _ = self.tx.send(what);
    }

    /// The erasure of `participant` is committed: closes their sockets here and on every
    /// other node. A failed publish is logged; the other nodes' sockets then stay open until
    /// they reconnect (the upgrade refuses them), which is the state before this existed.
    pub async fn erased(&self, redis: &RedisStore, participant: i64) {
        self.deliver(Revoked::Participant(participant));
        let publish = redis::cmd("PUBLISH")
            .arg(channel(redis.prefix()))
            .arg(participant)
            .query_async::<i64>(&mut redis.conn())
            .await;
        if let Err(e) = publish {
            tracing::warn!(error = %e, participant.id = participant, "telling the other nodes of an erasure failed");
        }
    }

    /// Listens to the channel for as long as the node runs, resubscribing after a failure.
    /// Each time the subscription is (re)made the sockets recheck: erasures published while
    /// this node was not subscribed (at start-up, or while Redis was away) were missed.
    pub fn listen(self, redis: RedisStore) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let channel = channel(redis.prefix());
            let mut backoff = Duration::from_millis(100);
            loop {
                match subscribe(&redis, &channel).await {
                    Ok(mut pubsub) => {
                        self.deliver(Revoked::Recheck);
                        backoff = Duration::from_millis(100);
                        let mut messages = pubsub.on_message();
                        while let Some(msg) = messages.next().await {
                            match msg.get_payload::<i64>() {
                                Ok(id) => self.deliver(Revoked::Participant(id)),
                                Err(e) => tracing::warn!(error = %e, "an erasure message that is not a participant id"),
                            }
                        }
                        tracing::warn!("erasure channel subscription ended");
                    }
                    Err(e) => tracing::warn!(error = %e, "subscribing to the erasure channel failed"),
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        })
    }
}

async fn subscribe(redis: &RedisStore, channel: &str) -> redis::RedisResult<redis::aio::PubSub> {
    let mut pubsub = redis.client().get_async_pubsub().await?;
    pubsub.subscribe(channel).await?;
    Ok(pubsub)
}

/// The channel of one deployment (its key prefix; channels ignore hash tags and databases).
pub fn channel(prefix: &str) -> String {
    format!("{prefix}participants:erased")
}

/// Whether a socket of `participant` must close, given what it received; a `Recheck` (or a
/// lag) asks Postgres. A failed lookup keeps the socket: the upgrade checks again on reconnect.
pub async fn must_close(
    pg: &sqlx::PgPool,
    participant: i64,
    got: Result<Revoked, broadcast::error::RecvError>,
) -> bool {
    match got {
        Ok(Revoked::Participant(id)) => id == participant,
        Ok(Revoked::Recheck) | Err(broadcast::error::RecvError::Lagged(_)) => {
            sqlx::query_scalar::<_, bool>("SELECT erased_at IS NOT NULL FROM participants WHERE id = $1")
                .bind(participant)
                .fetch_optional(pg)
                .await
                .ok()
                .flatten()
                .unwrap_or(false)
        }
        // The sender lives in the application state, which the socket's task holds.
        Err(broadcast::error::RecvError::Closed) => false,
    }
}
