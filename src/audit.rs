//! The audit log: append-only (a trigger refuses UPDATE and DELETE), one row per organiser
//! action, login, export and participant request. Written by every service that changes or
//! reveals something; read by the organiser routes (`http::admin::audit`).

/// Appends one entry.
pub async fn record<'e, E: sqlx::PgExecutor<'e>>(
    db: E,
    org: Option<i64>,
    account: Option<i64>,
    action: &str,
    (object_type, object_id): (&str, Option<String>),
    address: Option<&str>,
    details: serde_json::Value,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (organisation_id, account_id, action, object_type, object_id, address, details) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(org)
    .bind(account)
    .bind(action)
    .bind(object_type)
    .bind(object_id)
    .bind(address)
    .bind(details)
    .execute(db)
    .await
    .map(|_| ())
}
