//! Integration tests against the real server, Postgres and Redis. One binary, many modules.

mod abuse;
pub mod admin;
mod attempts;
mod exports;
mod hardening;
mod helpers;
mod limits;
mod openapi;
mod persistence;
mod pow;
mod properties;
mod registration;
mod winners;
