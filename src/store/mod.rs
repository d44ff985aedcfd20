//! Postgres (the durable record) and Redis (the hot state of open rounds).

pub mod keys;
pub mod pg;
pub mod redis;
pub mod redis_conn;
pub mod stream;

pub use keys::RoundKeys;
pub use redis::{Durability, RedisStore, ScriptError};
pub use redis_conn::RedisConn;
