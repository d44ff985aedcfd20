//! Integration tests against the real server, Postgres and Redis. One binary, many modules.

mod admin;
mod attempts;
mod helpers;
mod limits;
mod openapi;
mod persistence;
mod properties;
mod registration;
