//! thiluat: an online legal-knowledge contest platform for Vietnamese provinces.
//!
//! Layers, inner first (docs/architecture.md; `tests/architecture.rs` checks that no module
//! uses one of an outer layer and that the modules form no cycle):
//! - core, no database or HTTP: `domain` (validated values), `contest` (definitions, banks,
//!   draw, ranking, prizes), `upload` (the input gate for files), and the leaf utilities
//!   `crypto`, `i18n`, `limits`, `metrics`, `telemetry`, `config`, `pow`;
//! - `store`: Postgres queries, Redis keys and Lua scripts;
//! - services over the store, knowing nothing of HTTP: `play` (the attempt service), `auth`,
//!   `audit`, `awards`, `survey`, `privacy`, `abuse`, `report`, `import`, `referral`,
//!   `extension`;
//! - adapters: `http` (routes; the organiser API in `http::admin`), `ws` (websockets), `jobs`
//!   (background work);
//! - entry: `startup` wires everything, `cli` runs the subcommands.

pub mod abuse;
pub mod audit;
pub mod auth;
pub mod awards;
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
pub mod survey;
pub mod telemetry;
pub mod upload;
pub mod ws;
