//! Who a participant is: sex, full name and date of birth.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{nfc, FieldError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    /// Accepts the wire values and the Vietnamese words, with or without marks.
    pub fn parse(input: &str) -> Result<Sex, FieldError> {
        match nfc(input.trim()).to_lowercase().as_str() {
            "male" | "nam" => Ok(Sex::Male),
            "female" | "nữ" | "nu" => Ok(Sex::Female),
            "" => Err(FieldError::new("sex", "required")),
            _ => Err(FieldError::new("sex", "invalid_sex")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
        }
    }
}

/// A full name as the person writes it, with diacritics, in NFC and with single
/// spaces. Tone placement is left as typed: it is part of how they spell it.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FullName(String);

impl FullName {
    pub const MAX_CHARS: usize = 100;

    pub fn parse(input: &str) -> Result<FullName, FieldError> {
        const FIELD: &str = "full_name";
        let name = nfc(input).split_whitespace().collect::<Vec<_>>().join(" ");
        let len = name.chars().count();
        if len == 0 {
            return Err(FieldError::new(FIELD, "required"));
        }
        if len > Self::MAX_CHARS {
            return Err(FieldError::new(FIELD, "too_long"));
        }
        // ’ is accepted with ' because phone keyboards substitute it.
        let allowed = |c: char| c.is_alphabetic() || matches!(c, ' ' | '-' | '\'' | '’' | '.');
        let words_start_with_letters = name.split(' ').all(|w| w.chars().next().is_some_and(char::is_alphabetic));
        if len < 2 || !name.chars().all(allowed) || !words_start_with_letters {
            return Err(FieldError::new(FIELD, "invalid_name"));
        }
        Ok(FullName(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The last word: Vietnamese people are addressed and sorted by it.
    pub fn given_name(&self) -> &str {
        self.0.rsplit(' ').next().unwrap_or(&self.0)
    }

    /// "Nguyễn Văn A.": the form used on public winner lists.
    pub fn masked(&self) -> String {
        let given = self.given_name();
        let initial: String = given.chars().take(1).collect();
        let rest = self.0.strip_suffix(given).unwrap_or_default();
        format!("{rest}{initial}.")
    }
}

/// Masked: a name is personal data and must not reach logs through `{:?}`.
impl std::fmt::Debug for FullName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FullName(\"{}\")", self.masked())
    }
}

/// Parses a date of birth given as "YYYY-MM-DD" (HTML date inputs) or
/// "DD/MM/YYYY" (how Vietnamese write it), and checks it against `today`.
pub fn parse_dob(input: &str, today: NaiveDate, min_age: Option<u32>) -> Result<NaiveDate, FieldError> {
    const FIELD: &str = "dob";
    let s = input.trim();
    if s.is_empty() {
        return Err(FieldError::new(FIELD, "required"));
    }
    let dob = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .map_err(|_| FieldError::new(FIELD, "invalid_date"))?;
    if dob > today || dob.year() < 1900 {
        return Err(FieldError::new(FIELD, "invalid_date"));
    }
    if min_age.is_some_and(|min| age_on(dob, today) < min) {
        return Err(FieldError::new(FIELD, "too_young"));
    }
    Ok(dob)
}

/// Completed years on `today` (0 if `dob` is later). Someone born on 29
/// February turns a year older on 1 March in common years.
pub fn age_on(dob: NaiveDate, today: NaiveDate) -> u32 {
    let mut years = today.year() - dob.year();
    if (today.month(), today.day()) < (dob.month(), dob.day()) {
        years -= 1;
    }
    u32::try_from(years).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use unicode_normalization::UnicodeNormalization;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    fn name_err(s: &str) -> &'static str {
        FullName::parse(s).expect_err(s).code
    }

    #[test]
    fn sex() {
        for (s, want) in [
            ("male", Sex::Male),
            ("Nam", Sex::Male),
            ("female", Sex::Female),
            ("Nữ", Sex::Female),
            ("nu", Sex::Female),
            ("N\u{1b0}\u{303}", Sex::Female), // nữ typed decomposed
        ] {
            assert_eq!(Sex::parse(s), Ok(want), "{s}");
        }
        assert_eq!(Sex::parse("x").map_err(|e| e.code), Err("invalid_sex"));
        assert_eq!(Sex::parse(" ").map_err(|e| e.code), Err("required"));
        assert_eq!(Sex::Female.as_str(), "female");
    }

    #[test]
    fn full_name() {
        let n = FullName::parse("  nguyễn   văn\tAn ").expect("valid");
        assert_eq!(n.as_str(), "nguyễn văn An");
        assert_eq!(n.given_name(), "An");
        assert_eq!(n.masked(), "nguyễn văn A.");
        assert_eq!(format!("{n:?}"), "FullName(\"nguyễn văn A.\")");
        let one = FullName::parse("Ánh").expect("valid");
        assert_eq!((one.given_name(), one.masked().as_str()), ("Ánh", "Á."));
        for ok in ["Y Moan Êban", "Hoàng-Anh O'Neil", "Trần T. Thủy", "Lò Văn Đức"] {
            assert_eq!(FullName::parse(ok).expect(ok).as_str(), ok);
        }
        assert_eq!(name_err(""), "required");
        assert_eq!(name_err(" \n "), "required");
        assert_eq!(name_err("A"), "invalid_name");
        assert_eq!(name_err("Nguyễn Văn 2"), "invalid_name");
        assert_eq!(name_err("Nguyễn <b>"), "invalid_name");
        assert_eq!(name_err("Nguyễn - An"), "invalid_name");
        assert_eq!(name_err(&"a".repeat(101)), "too_long");
        assert!(FullName::parse(&"ữ".repeat(100)).is_ok()); // counts chars, not bytes
    }

    #[test]
    fn dob() {
        let today = date(2025, 11, 9);
        assert_eq!(parse_dob("2005-03-07", today, None), Ok(date(2005, 3, 7)));
        assert_eq!(parse_dob(" 07/03/2005 ", today, Some(14)), Ok(date(2005, 3, 7)));
        assert_eq!(parse_dob("2025-11-09", today, None), Ok(today));
        let err = |s: &str, min| parse_dob(s, today, min).map_err(|e| (e.field, e.code));
        assert_eq!(err("", None), Err(("dob", "required")));
        assert_eq!(err("2005-02-30", None), Err(("dob", "invalid_date")));
        assert_eq!(err("30/02/2005", None), Err(("dob", "invalid_date")));
        assert_eq!(err("2025-11-10", None), Err(("dob", "invalid_date")));
        assert_eq!(err("1899-12-31", None), Err(("dob", "invalid_date")));
        assert_eq!(err("hôm qua", None), Err(("dob", "invalid_date")));
        assert_eq!(err("2011-11-10", Some(14)), Err(("dob", "too_young")));
        assert_eq!(parse_dob("2011-11-09", today, Some(14)), Ok(date(2011, 11, 9)));
    }

    #[test]
    fn age() {
        assert_eq!(age_on(date(2000, 2, 29), date(2018, 2, 28)), 17);
        assert_eq!(age_on(date(2000, 2, 29), date(2018, 3, 1)), 18);
        assert_eq!(age_on(date(2000, 5, 1), date(2000, 4, 1)), 0);
        assert_eq!(age_on(date(1990, 1, 1), date(2025, 1, 1)), 35);
    }

    proptest! {
        #[test]
        fn name_parse_idempotent_and_form_blind(s in "[ a-zA-ZàáảãạăắđêềếểệôơờớưứừỳýĐƯƠ.'-]{0,40}") {
            if let Ok(n) = FullName::parse(&s) {
                prop_assert_eq!(FullName::parse(n.as_str()), Ok(n.clone()));
                let nfd: String = s.nfd().collect();
                prop_assert_eq!(FullName::parse(&nfd), Ok(n));
            } else {
                let nfd: String = s.nfd().collect();
                prop_assert!(FullName::parse(&nfd).is_err());
            }
        }
    }
}
