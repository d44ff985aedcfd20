//! Integration tests against the real server, Postgres and Redis. One binary, many modules.

mod abuse;
pub mod admin;
mod assets;
mod attempts;
mod bank;
mod exports;
mod extensions;
mod fuzz_corpus;
mod hardening;
mod helpers;
mod limits;
pub mod openapi;
mod organisers;
mod outages;
mod overall;
mod own_redis;
mod persistence;
mod pow;
mod privacy;
mod properties;
mod question_stats;
mod registration;
mod report;
pub mod reports;
mod review;
mod survey;
mod winners;
