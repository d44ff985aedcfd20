//! Contests as data: definitions, question banks, draw rules and the ranking chain. Pure.

pub mod bank;
pub mod collective;
pub mod definition;
pub mod draw;
pub mod item_stats;
pub mod participation;
pub mod prizes;
pub mod ranking;

pub use bank::{BankError, BankQuestion, Difficulty};
pub use definition::{ContestDefinition, RoundDefinition};
pub use draw::{DrawGroup, DrawRule};
pub use ranking::{RankEntry, RankKey};
