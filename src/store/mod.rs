//! Postgres (the durable record) and Redis (the hot state of open rounds).

pub mod keys;
pub mod pg;
pub mod redis;

pub use keys::RoundKeys;
pub use redis::{Durability, RedisStore, ScriptError};
