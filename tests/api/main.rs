//! Integration tests against the real server, Postgres and Redis. One binary, many modules.

pub mod admin;
mod attempts;
mod exports;
mod helpers;
mod limits;
pub mod openapi;
mod persistence;
mod privacy;
mod properties;
mod registration;
mod report;
mod survey;
mod winners;
