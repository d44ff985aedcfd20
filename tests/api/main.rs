//! Integration tests against the real server, Postgres and Redis. One binary, many modules.

pub mod admin;
mod assets;
mod attempts;
mod exports;
mod extensions;
mod helpers;
mod limits;
mod openapi;
mod persistence;
mod properties;
mod registration;
mod winners;
