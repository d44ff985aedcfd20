//! The persister: answer, start and submit events from each round's stream to Postgres, in
//! batches, idempotently; XACK (and XDEL) only after the commit. Safe on every node: entries
//! pending at a dead consumer are reclaimed after `reclaim_idle_ms`.

use std::collections::HashMap;

use anyhow::{bail, Context};
use redis::Value;
use sqlx::PgPool;

use crate::store::keys::PERSISTER_GROUP;
use crate::store::redis::parse_ids;
use crate::store::RedisStore;

/// One stream entry: its id and fields.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: String,
    pub fields: HashMap<String, String>,
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::BulkString(b) => Some(String::from_utf8_lossy(b).into_owned()),
        Value::SimpleString(s) => Some(s.clone()),
        _ => None,
    }
}

/// `[[id, [k, v, …]], …]` → entries (deleted entries come back as nil fields: skipped).
fn parse_entries(v: &Value) -> Vec<Entry> {
    let Value::Array(items) = v else { return Vec::new() };
    items
        .iter()
        .filter_map(|item| {
            let Value::Array(pair) = item else { return None };
            let id = text(pair.first()?)?;
            let Value::Array(kv) = pair.get(1)? else { return None };
            let fields = kv.chunks(2).filter_map(|c| Some((text(&c[0])?, text(c.get(1)?)?))).collect();
            Some(Entry { id, fields })
        })
        .collect()
}

/// XREADGROUP reply `[[stream, entries]]` (nil when there is nothing).
fn parse_read(v: &Value) -> Vec<Entry> {
    match v {
        Value::Array(streams) => streams
            .iter()
            .flat_map(|s| match s {
                Value::Array(pair) if pair.len() == 2 => parse_entries(&pair[1]),
                _ => Vec::new(),
            })
            .collect(),
        _ => Vec::new(),
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub batch: usize,
    /// Claim entries pending elsewhere for at least this long.
    pub reclaim_idle_ms: u64,
}

/// Reads one batch for a round (own pending first, then reclaimed, then new), writes it,
/// acknowledges it. Returns how many entries it persisted.
pub async fn persist_once(
    pg: &PgPool,
    redis: &RedisStore,
    round_id: i64,
    consumer: &str,
    opts: Options,
) -> anyhow::Result<usize> {
    let key = redis.keys(round_id).events();
    let mut conn = redis.conn();
    let read = |id: &'static str| {
        redis::cmd("XREADGROUP")
            .arg("GROUP")
            .arg(PERSISTER_GROUP)
            .arg(consumer)
            .arg("COUNT")
            .arg(opts.batch)
            .arg("STREAMS")
            .arg(&key)
            .arg(id)
            .clone()
    };
    let mut entries = parse_read(&read("0").query_async::<Value>(&mut conn).await.context("XREADGROUP pending")?);
    if entries.is_empty() {
        let claimed: Value = redis::cmd("XAUTOCLAIM")
            .arg(&key)
            .arg(PERSISTER_GROUP)
            .arg(consumer)
            .arg(opts.reclaim_idle_ms)
            .arg("0-0")
            .arg("COUNT")
            .arg(opts.batch)
            .query_async(&mut conn)
            .await
            .context("XAUTOCLAIM")?;
        if let Value::Array(parts) = &claimed {
            entries = parts.get(1).map(parse_entries).unwrap_or_default();
        }
    }
    if entries.is_empty() {
        entries = parse_read(&read(">").query_async::<Value>(&mut conn).await.context("XREADGROUP new")?);
    }
    if entries.is_empty() {
        return Ok(0);
    }
    write_batch(pg, round_id, &entries).await?;
    let ids: Vec<&str> = entries.iter().map(|e| e.id.as_str()).collect();
    redis::cmd("XACK").arg(&key).arg(PERSISTER_GROUP).arg(&ids).query_async::<()>(&mut conn).await.context("XACK")?;
    redis.trim_persisted(round_id).await.context("trimming the stream")?;
    Ok(entries.len())
}

/// Entries not yet in Postgres (persisted entries are trimmed from the stream).
pub async fn lag(redis: &RedisStore, round_id: i64) -> redis::RedisResult<i64> {
    redis::cmd("XLEN").arg(redis.keys(round_id).events()).query_async(&mut redis.conn()).await
}

fn field<'a>(e: &'a Entry, name: &str) -> anyhow::Result<&'a str> {
    e.fields.get(name).map(String::as_str).with_context(|| format!("stream entry {} lacks {name}", e.id))
}

fn num(e: &Entry, name: &str) -> anyhow::Result<i64> {
    field(e, name)?.parse().with_context(|| format!("stream entry {}: {name} is not a number", e.id))
}

fn uuid_of(e: &Entry) -> anyhow::Result<uuid::Uuid> {
    uuid::Uuid::parse_str(field(e, "a")?).context("attempt id is not a UUID")
}

/// Writes a batch in one transaction. Every statement is an idempotent upsert, so a batch
/// written twice (a crash between commit and XACK) changes nothing the second time.
pub async fn write_batch(pg: &PgPool, round_id: i64, entries: &[Entry]) -> anyhow::Result<()> {
    let mut starts = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    // Latest seq per (attempt, question) within the batch: one row may be upserted once.
    let mut answers: HashMap<(uuid::Uuid, i64), (i64, String, i64)> = HashMap::new();
    let mut submits = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for e in entries {
        match field(e, "t")? {
            "start" => {
                starts.0.push(uuid_of(e)?);
                starts.1.push(num(e, "p")?);
                starts.2.push(num(e, "n")? as i32);
                starts.3.push(num(e, "s")?);
                starts.4.push(num(e, "d")?);
                starts.5.push(field(e, "qs")?.to_string());
            }
            "answer" => {
                let k = (uuid_of(e)?, num(e, "q")?);
                let v = (num(e, "seq")?, field(e, "o")?.to_string(), num(e, "at")?);
                if answers.get(&k).is_none_or(|old| old.0 < v.0) {
                    answers.insert(k, v);
                }
            }
            "submit" => {
                submits.0.push(uuid_of(e)?);
                submits.1.push(num(e, "s")?);
                submits.2.push(num(e, "d")?);
                submits.3.push(num(e, "c")? as i32);
                submits.4.push(field(e, "pr")?.parse::<i64>().ok());
                submits.5.push(field(e, "auto")? == "1");
            }
            other => bail!("stream entry {} has unknown type {other:?}", e.id),
        }
    }
    let mut tx = pg.begin().await?;
    if !starts.0.is_empty() {
        // Question lists travel as text ("1,2,3") and become arrays here.
        let qs: Vec<Vec<i64>> = starts.5.iter().map(|s| parse_ids(s)).collect();
        let qs_json: Vec<serde_json::Value> = qs.iter().map(|q| serde_json::json!(q)).collect();
        sqlx::query(
            "INSERT INTO attempts (id, round_id, participant_id, number, started_at_ms, deadline_ms, question_ids) \
             SELECT a.id, $1, a.p, a.n, a.s, a.d, ARRAY(SELECT jsonb_array_elements_text(a.qs)::bigint) \
             FROM UNNEST($2::uuid[], $3::bigint[], $4::int[], $5::bigint[], $6::bigint[], $7::jsonb[]) AS a(id, p, n, s, d, qs) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(round_id)
        .bind(&starts.0)
        .bind(&starts.1)
        .bind(&starts.2)
        .bind(&starts.3)
        .bind(&starts.4)
        .bind(&qs_json)
        .execute(&mut *tx)
        .await
        .context("persisting starts")?;
    }
    if !answers.is_empty() {
        let mut cols = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for ((a, q), (seq, options, at)) in answers {
            cols.0.push(a);
            cols.1.push(q);
            cols.2.push(serde_json::json!(parse_ids(&options)));
            cols.3.push(seq);
            cols.4.push(at);
        }
        sqlx::query(
            "INSERT INTO answers (attempt_id, question_id, options, seq, answered_at_ms) \
             SELECT a.id, a.q, ARRAY(SELECT jsonb_array_elements_text(a.o)::bigint), a.seq, a.at \
             FROM UNNEST($1::uuid[], $2::bigint[], $3::jsonb[], $4::bigint[], $5::bigint[]) AS a(id, q, o, seq, at) \
             ON CONFLICT (attempt_id, question_id) DO UPDATE \
             SET options = EXCLUDED.options, seq = EXCLUDED.seq, answered_at_ms = EXCLUDED.answered_at_ms \
             WHERE answers.seq < EXCLUDED.seq",
        )
        .bind(&cols.0)
        .bind(&cols.1)
        .bind(&cols.2)
        .bind(&cols.3)
        .bind(&cols.4)
        .execute(&mut *tx)
        .await
        .context("persisting answers")?;
    }
    if !submits.0.is_empty() {
        let updated = sqlx::query(
            "UPDATE attempts SET submitted_at_ms = s.sub, duration_ms = s.dur, correct = s.c, prediction = s.pr, \
             auto_submitted = s.auto \
             FROM UNNEST($1::uuid[], $2::bigint[], $3::bigint[], $4::int[], $5::bigint[], $6::bool[]) AS s(id, sub, dur, c, pr, auto) \
             WHERE attempts.id = s.id",
        )
        .bind(&submits.0)
        .bind(&submits.1)
        .bind(&submits.2)
        .bind(&submits.3)
        .bind(&submits.4)
        .bind(&submits.5)
        .execute(&mut *tx)
        .await
        .context("persisting submits")?;
        // A submit whose start is not in Postgres yet (reclaimed out of order): retry later.
        if updated.rows_affected() != submits.0.len() as u64 {
            bail!("a submit arrived before its attempt's start; the batch will be retried");
        }
    }
    tx.commit().await?;
    Ok(())
}
