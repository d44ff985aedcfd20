//! One-time organiser passwords (issue 16 item 3). A password that someone other than the
//! account's owner chose — the operator's `thiluat admin create`, an admin adding a member
//! or resetting their password — must be changed at the first login, and opens nothing once
//! [`ONE_TIME_HOURS`] have passed. Until it is changed, a session may only read who it is,
//! change the password, or log out (see [`allowed_before_change`]).

use sqlx::PgExecutor;

/// How long a one-time password opens the account.
pub const ONE_TIME_HOURS: i32 = 72;

/// The error code of a request refused until the password is changed (HTTP 403).
pub const CHANGE_REQUIRED: &str = "password_change_required";
/// The error code of a login with a one-time password past its expiry (HTTP 401).
pub const EXPIRED: &str = "password_expired";

/// Marks the account's current password as one-time: changed at first login, expiring in
/// [`ONE_TIME_HOURS`].
pub async fn require_change<'e, E: PgExecutor<'e>>(db: E, account_id: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE accounts SET password_change_required = TRUE, \
         password_expires_at = now() + make_interval(hours => $2) WHERE id = $1",
    )
    .bind(account_id)
    .bind(ONE_TIME_HOURS)
    .execute(db)
    .await
    .map(|_| ())
}

/// The owner chose the account's password: it is neither one-time nor expiring.
pub async fn clear<'e, E: PgExecutor<'e>>(db: E, account_id: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE accounts SET password_change_required = FALSE, password_expires_at = NULL WHERE id = $1")
        .bind(account_id)
        .execute(db)
        .await
        .map(|_| ())
}

/// Where a password stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Status {
    /// One-time: to be changed before anything else.
    pub change_required: bool,
    /// One-time and past its expiry: it opens nothing.
    pub expired: bool,
}

pub async fn status<'e, E: PgExecutor<'e>>(db: E, account_id: i64) -> sqlx::Result<Status> {
    let row: Option<(bool, bool)> = sqlx::query_as(
        "SELECT password_change_required, \
         password_change_required AND COALESCE(password_expires_at <= now(), TRUE) FROM accounts WHERE id = $1",
    )
    .bind(account_id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(change_required, expired)| Status { change_required, expired }).unwrap_or_default())
}

/// What a session may still do while its account's password is one-time: read who it is
/// (the console then shows the change form), change the password, log out.
pub fn allowed_before_change(method: &actix_web::http::Method, path: &str) -> bool {
    use actix_web::http::Method;
    matches!(
        (method, path),
        (&Method::GET | &Method::HEAD, "/api/admin/me")
            | (&Method::POST, "/api/admin/password" | "/api/admin/logout" | "/api/admin/logout-all")
    )
}

#[cfg(test)]
mod tests {
    use actix_web::http::Method;

    use super::*;

    #[test]
    fn only_the_way_out_is_open_before_the_change() {
        assert!(allowed_before_change(&Method::GET, "/api/admin/me"));
        assert!(allowed_before_change(&Method::POST, "/api/admin/password"));
        assert!(allowed_before_change(&Method::POST, "/api/admin/logout"));
        assert!(!allowed_before_change(&Method::GET, "/api/admin/organisations/1/contests"));
        assert!(!allowed_before_change(&Method::POST, "/api/admin/me"));
        assert!(!allowed_before_change(&Method::GET, "/api/admin/me/extra"));
    }
}
