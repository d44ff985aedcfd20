//! Integration tests against the real server, Postgres and Redis. One binary, many modules.

pub mod admin;
mod assets;
mod attempts;
mod bank;
mod exports;
mod extensions;
mod helpers;
mod limits;
pub mod openapi;
mod organisers;
mod persistence;
mod properties;
mod question_stats;
mod registration;
pub mod reports;
mod review;
mod winners;
