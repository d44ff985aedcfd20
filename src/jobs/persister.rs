//! The persister: answer, start and submit events from each round's stream to Postgres, in
//! batches, idempotently; XACK only after the commit. Safe on every node.
//!
//! It cannot livelock: every batch first reclaims what dead consumers left pending (idle for
//! `reclaim_idle_ms`), then reads this consumer's pending entries, reclaimed ones included,
//! in stream order; a submit carries its attempt's start (submit.lua), so no event waits for
//! another batch; and an entry that cannot be decoded or applied goes to the dead-letter
//! table (`dead_letter`) while everything around it is persisted.

use anyhow::Context;
use redis::Value;
use sqlx::PgPool;

use super::{dead_letter, write};
use crate::store::keys::PERSISTER_GROUP;
pub use crate::store::stream::Entry;
use crate::store::stream::{parse_read, Event};
use crate::store::RedisStore;

#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub batch: usize,
    /// Claim entries pending elsewhere for at least this long (their consumer is taken for
    /// dead; claiming a live one's entries only costs an idempotent second write).
    pub reclaim_idle_ms: u64,
}

/// What one batch did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Batch {
    /// Entries written to Postgres.
    pub persisted: usize,
    /// Entries set aside in the dead-letter table.
    pub dead_lettered: usize,
    /// Of those, the ones recorded now (not already by an earlier try of this batch that
    /// failed after recording them): what the metric counts.
    pub newly_dead_lettered: usize,
    /// Ids of submits of an older version whose attempt row is missing (see
    /// [`start_may_come`]): neither written nor set aside yet.
    pub orphans: Vec<String>,
}

impl Batch {
    fn set_aside(&mut self, recorded_now: bool) {
        self.dead_lettered += 1;
        self.newly_dead_lettered += usize::from(recorded_now);
    }
}

/// [`persist_batch`], counting every entry it took off the stream (persisted or set aside).
pub async fn persist_once(
    pg: &PgPool,
    redis: &RedisStore,
    round_id: i64,
    consumer: &str,
    opts: Options,
) -> anyhow::Result<usize> {
    persist_batch(pg, redis, round_id, consumer, opts).await.map(|b| b.persisted + b.dead_lettered)
}

/// Claims what dead consumers left, reads one batch (this consumer's pending entries, then
/// new ones to fill it), writes it, acknowledges what was written or set aside.
pub async fn persist_batch(
    pg: &PgPool,
    redis: &RedisStore,
    round_id: i64,
    consumer: &str,
    opts: Options,
) -> anyhow::Result<Batch> {
    let key = redis.keys(round_id).events();
    let mut conn = redis.conn();
    let mut gone = Vec::new();
    // Claimed entries join this consumer's pending list, which XREADGROUP 0 then returns
    // with its own in stream order: one order across both.
    let _: Value = redis::cmd("XAUTOCLAIM")
        .arg(&key)
        .arg(PERSISTER_GROUP)
        .arg(consumer)
        .arg(opts.reclaim_idle_ms)
        .arg("0-0")
        .arg("COUNT")
        .arg(opts.batch)
        .arg("JUSTID")
        .query_async(&mut conn)
        .await
        .context("XAUTOCLAIM")?;
    let read = |id: &'static str, count: usize| {
        redis::cmd("XREADGROUP")
            .arg("GROUP")
            .arg(PERSISTER_GROUP)
            .arg(consumer)
            .arg("COUNT")
            .arg(count)
            .arg("STREAMS")
            .arg(&key)
            .arg(id)
            .clone()
    };
    let pending: Value = read("0", opts.batch).query_async(&mut conn).await.context("XREADGROUP pending")?;
    let mut entries = parse_read(&pending, &mut gone);
    // New entries are all younger than pending ones: reading them after keeps stream order,
    // and a submit left waiting for its start (below) never holds up the rest.
    let room = opts.batch.saturating_sub(entries.len() + gone.len());
    if room > 0 {
        let new: Value = read(">", room).query_async(&mut conn).await.context("XREADGROUP new")?;
        entries.extend(parse_read(&new, &mut gone));
    }
    if entries.is_empty() && gone.is_empty() {
        return Ok(Batch::default());
    }
    let mut batch = write_entries(pg, round_id, &entries).await?;
    let mut waiting = Vec::new();
    for orphan in std::mem::take(&mut batch.orphans) {
        let Some(entry) = entries.iter().find(|e| e.id == orphan) else { continue };
        if start_may_come(&mut conn, &key, consumer, &orphan).await? {
            waiting.push(orphan);
        } else {
            let reason = "cannot apply: a submit whose attempt was never started";
            batch.set_aside(dead_letter::record(pg, round_id, entry, reason).await?);
        }
    }
    let mut ids: Vec<&str> =
        entries.iter().map(|e| e.id.as_str()).filter(|id| !waiting.iter().any(|w| w == id)).collect();
    ids.extend(gone.iter().map(String::as_str));
    if !ids.is_empty() {
        redis::cmd("XACK")
            .arg(&key)
            .arg(PERSISTER_GROUP)
            .arg(&ids)
            .query_async::<()>(&mut conn)
            .await
            .context("XACK")?;
        redis.trim_persisted(round_id).await.context("trimming the stream")?;
    }
    Ok(batch)
}

/// Whether the start of an orphan submit (an older version's submit, without its start, whose
/// attempt row is missing) may still come: only while another consumer holds an entry older
/// than the submit (entries are delivered in stream order, and a start precedes its submit).
/// Such a consumer finishes its batch, or is taken for dead and reclaimed, within
/// `reclaim_idle_ms`: the submit waits at most that long, and is set aside after.
async fn start_may_come(
    conn: &mut crate::store::RedisConn,
    key: &str,
    consumer: &str,
    submit_id: &str,
) -> anyhow::Result<bool> {
    let older: Vec<(String, String, u64, u64)> = redis::cmd("XPENDING")
        .arg(key)
        .arg(PERSISTER_GROUP)
        .arg("-")
        .arg(format!("({submit_id}"))
        .arg(1000)
        .query_async(conn)
        .await
        .context("XPENDING")?;
    Ok(older.iter().any(|(_, owner, _, _)| owner != consumer))
}

/// Entries not yet in Postgres (persisted entries are trimmed from the stream).
pub async fn lag(redis: &RedisStore, round_id: i64) -> redis::RedisResult<i64> {
    redis::cmd("XLEN").arg(redis.keys(round_id).events()).query_async(&mut redis.conn()).await
}

/// Writes the entries: the decodable ones in one transaction; when Postgres refuses that
/// transaction for its data, one by one in stream order, each refused one to the dead-letter
/// table. Returns `Err` only when Postgres cannot be used at all (retry the batch later).
pub async fn write_entries(pg: &PgPool, round_id: i64, entries: &[Entry]) -> anyhow::Result<Batch> {
    let mut batch = Batch::default();
    let mut good: Vec<(&Entry, Event)> = Vec::with_capacity(entries.len());
    for e in entries {
        match Event::decode(e) {
            Ok(ev) => good.push((e, ev)),
            Err(why) => {
                batch.set_aside(dead_letter::record(pg, round_id, e, &format!("cannot decode: {why:#}")).await?);
            }
        }
    }
    let all: Vec<Event> = good.iter().map(|(_, ev)| ev.clone()).collect();
    match write::events(pg, round_id, &all).await {
        Ok(()) => {
            batch.persisted += all.len();
            return Ok(batch);
        }
        Err(e) if !write::refused_for_its_data(&e) => return Err(e),
        Err(_) => {}
    }
    for (entry, ev) in good {
        match write::events(pg, round_id, std::slice::from_ref(&ev)).await {
            Ok(()) => batch.persisted += 1,
            Err(e) if e.downcast_ref::<write::SubmitWithoutStart>().is_some() => batch.orphans.push(entry.id.clone()),
            Err(e) if write::refused_for_its_data(&e) => {
                batch.set_aside(dead_letter::record(pg, round_id, entry, &format!("cannot apply: {e:#}")).await?);
            }
            Err(e) => return Err(e),
        }
    }
    Ok(batch)
}
