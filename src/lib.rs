//! thiluat: an online legal-knowledge contest platform for Vietnamese provinces.
//!
//! Module map (see docs/architecture in README):
//! - `domain`: validated values (phone, CCCD, names, communes); pure.
//! - `contest`: contest definitions, question banks, draw rules and the ranking chain; pure.
//! - `store`: Postgres queries and Redis keys and Lua scripts.
//! - `play`: the attempt service (start, answer, submit, snapshot) over the store.
//! - `ws`: websocket connections only; `http`: routes; `jobs`: background work.

pub mod abuse;
pub mod admin;
pub mod auth;
pub mod cli;
pub mod config;
pub mod contest;
pub mod crypto;
pub mod domain;
pub mod extension;
pub mod http;
pub mod i18n;
pub mod import;
pub mod jobs;
pub mod limits;
pub mod metrics;
pub mod play;
pub mod pow;
pub mod privacy;
pub mod referral;
pub mod report;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod upload;
pub mod ws;
