//! Extra time an organiser grants one participant (http::admin::extensions): used by Play::start for
//! the new attempt's deadline (the start script adds it, still capped by the round's close).

use sqlx::PgPool;

/// The time an organiser granted this participant on top of `time_limit_ms`, in ms.
pub async fn extension_ms(pg: &PgPool, participant_id: i64, time_limit_ms: i64) -> sqlx::Result<i64> {
    let row: Option<(i32, i32)> =
        sqlx::query_as("SELECT extra_minutes, multiplier_pct FROM time_extensions WHERE participant_id = $1")
            .bind(participant_id)
            .fetch_optional(pg)
            .await?;
    Ok(row
        .map_or(0, |(minutes, pct)| i64::from(minutes) * 60_000 + time_limit_ms * i64::from(pct.max(100) - 100) / 100))
}
