//! Logging: tracing with dotted fields; JSON in production. Personal data never goes in a
//! log line: the types that hold it print masked, and database errors are logged by code
//! and constraint, never with the row they failed on.
//!
//! `THILUAT_LOG_FILE=path` sends the log (JSON lines) to that file instead of standard
//! error: the test suite scans it for personal data.

use std::sync::Mutex;

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

pub fn init(format: LogFormat) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,actix_server=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    let file = std::env::var("THILUAT_LOG_FILE")
        .ok()
        .and_then(|path| std::fs::OpenOptions::new().create(true).append(true).open(path).ok());
    let _ = match (file, format) {
        (Some(file), _) => builder.json().with_writer(Mutex::new(file)).try_init(),
        (None, LogFormat::Json) => builder.json().try_init(),
        (None, LogFormat::Pretty) => builder.try_init(),
    };
}

/// A database error as it may be logged: its code, table and constraint, not its message
/// (Postgres puts the failing row, names and birth dates included, in messages and details).
pub fn db_error(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(db) => format!(
            "database error {} (table {}, constraint {})",
            db.code().unwrap_or_default(),
            db.table().unwrap_or("?"),
            db.constraint().unwrap_or("?")
        ),
        other => format!("{other}"),
    }
}
