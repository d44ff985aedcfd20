//! Pure domain layer: validation and normalisation of registration data, and the
//! 2025 administrative units. No I/O beyond data embedded at compile time.

pub mod cccd;
pub mod collation;
pub mod network;
pub mod occupation;
pub mod person;
pub mod phone;
pub mod scope;
pub mod text;
pub mod units;

pub use cccd::Cccd;
pub use person::{age_on, parse_dob, FullName, Sex};
pub use phone::Phone;
pub use scope::Scope;
pub use text::{fold, nfc, normalize_tone_placement};
pub use units::{Commune, DATA_VERSION};

/// The largest answer `seq`: 2^53 − 1, the largest integer a JavaScript client counts
/// exactly. The Lua scripts keep seqs as digit strings, so any seq in range is exact in Redis
/// and in Postgres (docs/protocol.md).
pub const SEQ_MAX: i64 = (1 << 53) - 1;
/// The largest prediction: it is a count of people or attempts.
pub const PREDICTION_MAX: i64 = 1_000_000_000;

/// Every code a [`FieldError`] can carry. They are part of the wire protocol
/// (docs/protocol.md), so never rename one: clients switch on them.
pub const FIELD_CODES: [&str; 13] = [
    "required",
    "too_long",
    "invalid_name",
    "invalid_date",
    "too_young",
    "invalid_sex",
    "invalid_phone",
    "invalid_cccd",
    "cccd_province",
    "cccd_mismatch_dob",
    "cccd_mismatch_sex",
    "unknown_commune",
    "invalid_value",
];

/// A validation failure on one input field. Carries only static codes, never the
/// rejected value, so it is safe to log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub code: &'static str,
}

impl FieldError {
    pub const fn new(field: &'static str, code: &'static str) -> Self {
        FieldError { field, code }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.code)
    }
}

impl std::error::Error for FieldError {}

/// Keeps the first and last `keep` characters and replaces the rest with bullets,
/// so masked identifiers stay recognisable to their owner but useless to others.
pub(crate) fn mask_middle(s: &str, keep: usize) -> String {
    let n = s.chars().count();
    if n <= keep * 2 {
        return "•".repeat(n);
    }
    s.chars().enumerate().map(|(i, c)| if i < keep || i >= n - keep { c } else { '•' }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code literal passed to `FieldError::new` in the domain sources.
    fn codes_in_sources() -> Vec<String> {
        let sources = [
            include_str!("cccd.rs"),
            include_str!("occupation.rs"),
            include_str!("person.rs"),
            include_str!("phone.rs"),
            include_str!("units.rs"),
        ];
        let mut out = Vec::new();
        for src in sources {
            for call in src.split("FieldError::new(").skip(1) {
                let args = call.split(')').next().unwrap_or_default();
                // The code is the last string literal among the arguments.
                if let Some(code) = args.rsplit('"').nth(1) {
                    out.push(code.to_string());
                }
            }
        }
        out
    }

    #[test]
    fn every_code_used_is_declared() {
        let used = codes_in_sources();
        assert!(used.len() >= 13, "scanner found too few codes: {used:?}");
        for code in &used {
            assert!(FIELD_CODES.contains(&code.as_str()), "undeclared code {code}");
        }
        for code in FIELD_CODES {
            assert!(used.iter().any(|u| u == code), "declared but unused {code}");
        }
    }

    #[test]
    fn mask_middle_keeps_ends() {
        assert_eq!(mask_middle("0912345678", 3), "091••••678");
        assert_eq!(mask_middle("abc", 3), "•••");
    }
}
