//! The persister's dead letters: stream entries it could not decode or apply, kept in
//! `persister_dead_letters` (why Postgres: see the migration) with the reason. `verify`
//! reports each one, so a round with one does not verify until someone has looked.

use sqlx::PgPool;

use crate::store::stream::Entry;

/// Longest stored field value and reason: an entry is bounded by the frame that made it,
/// but a dead letter must stay small whatever it holds.
const MAX_TEXT: usize = 2_000;

fn clip(s: &str) -> String {
    match s.char_indices().nth(MAX_TEXT) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_string(),
    }
}

/// Sets an entry aside (idempotent: recording it again changes nothing). Returns whether it
/// was recorded now.
pub async fn record(pg: &PgPool, round_id: i64, entry: &Entry, reason: &str) -> anyhow::Result<bool> {
    let fields: serde_json::Map<String, serde_json::Value> =
        entry.fields.iter().map(|(k, v)| (clip(k), clip(v).into())).collect();
    tracing::error!(round.id = round_id, stream.id = %entry.id, reason, "persister: entry set aside as a dead letter");
    let inserted = sqlx::query(
        "INSERT INTO persister_dead_letters (round_id, stream_id, fields, reason) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (round_id, stream_id) DO NOTHING",
    )
    .bind(round_id)
    .bind(clip(&entry.id))
    .bind(serde_json::Value::Object(fields))
    .bind(clip(reason))
    .execute(pg)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// A round's dead letters, oldest first: (stream id, fields as JSON text, reason).
pub async fn list(pg: &PgPool, round_id: i64) -> sqlx::Result<Vec<(String, String, String)>> {
    sqlx::query_as(
        "SELECT stream_id, fields::text, reason FROM persister_dead_letters WHERE round_id = $1 \
         ORDER BY recorded_at, stream_id",
    )
    .bind(round_id)
    .fetch_all(pg)
    .await
}
