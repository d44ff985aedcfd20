//! Integration tests against the real server, Postgres and Redis. One binary, many modules.

pub mod admin;
mod assets;
mod attempts;
mod exports;
mod extensions;
mod helpers;
mod limits;
pub mod openapi;
mod persistence;
mod properties;
mod question_stats;
mod registration;
pub mod reports;
mod winners;
