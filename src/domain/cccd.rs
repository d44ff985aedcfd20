//! The 12-digit personal identification number printed on the CCCD / căn cước
//! card (NĐ 137/2015, TT 07/2016/TT-BCA), checked against the declared DOB and sex.

use chrono::{Datelike, NaiveDate};

use super::{mask_middle, units, FieldError, Sex};

const FIELD: &str = "cccd";

/// A CCCD number whose structure agrees with its holder's DOB and sex.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cccd(String);

impl Cccd {
    /// Layout: PPP (legacy province of birth registration) · C (century and
    /// sex) · YY (year of birth) · 6 serial digits. The serial part carries no
    /// checksum, so a typo there cannot be detected.
    pub fn parse(input: &str, dob: NaiveDate, sex: Sex) -> Result<Cccd, FieldError> {
        let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.is_empty() {
            return Err(FieldError::new(FIELD, "required"));
        }
        if digits.len() != 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FieldError::new(FIELD, "invalid_cccd"));
        }
        // Codes are the pre-2025 63-province codes; they stay valid after the merger.
        if !units::legacy_province_exists(&digits[..3]) {
            return Err(FieldError::new(FIELD, "cccd_province"));
        }
        let c = i32::from(digits.as_bytes()[3] - b'0');
        let yy: i32 = digits[4..6].parse().map_err(|_| FieldError::new(FIELD, "invalid_cccd"))?;
        // Even century digit = male, odd = female; each pair is one century from 1900.
        let year = 1900 + (c / 2) * 100 + yy;
        if year != dob.year() {
            return Err(FieldError::new(FIELD, "cccd_mismatch_dob"));
        }
        let digit_sex = if c % 2 == 0 { Sex::Male } else { Sex::Female };
        if digit_sex != sex {
            return Err(FieldError::new(FIELD, "cccd_mismatch_sex"));
        }
        Ok(Cccd(digits))
    }

    /// The 12 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// "001••••••789": required in exports and public winner lists.
    pub fn masked(&self) -> String {
        mask_middle(&self.0, 3)
    }
}

/// Masked so an ID number never reaches a log through `{:?}`.
impl std::fmt::Debug for Cccd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Cccd(\"{}\")", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    /// Builds the number a citizen with these details would be issued.
    fn make(province: &str, dob: NaiveDate, sex: Sex, serial: u32) -> String {
        let century = (dob.year() - 1900) / 100;
        let c = century * 2 + i32::from(sex == Sex::Female);
        format!("{province}{c}{:02}{serial:06}", dob.year() % 100)
    }

    fn code(s: &str, dob: NaiveDate, sex: Sex) -> &'static str {
        Cccd::parse(s, dob, sex).expect_err(s).code
    }

    #[test]
    fn valid_numbers() {
        let c = Cccd::parse("001 090 123 456", date(1990, 5, 1), Sex::Male).expect("valid");
        assert_eq!(c.as_str(), "001090123456");
        let c = Cccd::parse("079305000789", date(2005, 1, 31), Sex::Female).expect("valid");
        assert_eq!(c.masked(), "079••••••789");
        assert_eq!(format!("{c:?}"), "Cccd(\"079••••••789\")");
        // Legacy codes that vanished in the 2025 merger are still valid.
        Cccd::parse("030199000001", date(1999, 1, 1), Sex::Female).expect("Hải Dương");
    }

    #[test]
    fn errors() {
        let (d, m) = (date(1990, 5, 1), Sex::Male);
        assert_eq!(code("", d, m), "required");
        assert_eq!(code("00109012345", d, m), "invalid_cccd");
        assert_eq!(code("0010901234567", d, m), "invalid_cccd");
        assert_eq!(code("00109012345a", d, m), "invalid_cccd");
        assert_eq!(code("001-090-123-456", d, m), "invalid_cccd");
        assert_eq!(code("123456789", d, m), "invalid_cccd"); // old CMND
        assert_eq!(code("003090123456", d, m), "cccd_province");
        assert_eq!(code("100090123456", d, m), "cccd_province");
        assert_eq!(code("001091123456", d, m), "cccd_mismatch_dob");
        assert_eq!(code("001290123456", d, m), "cccd_mismatch_dob");
        assert_eq!(code("001190123456", d, m), "cccd_mismatch_sex");
        assert!(Cccd::parse("001190123456", d, Sex::Female).is_ok());
    }

    proptest! {
        #[test]
        fn round_trip_and_mutations(
            days in 0i64..(200 * 366),
            female in any::<bool>(),
            p in 0usize..63,
            serial in 0u32..1_000_000,
            bump in 1i32..100,
        ) {
            let dob = date(1900, 1, 1) + chrono::Duration::days(days);
            let sex = if female { Sex::Female } else { Sex::Male };
            let province = &units::legacy_province_codes()[p];
            let s = make(province, dob, sex, serial);
            let c = Cccd::parse(&s, dob, sex).expect("generated number parses");
            prop_assert_eq!(c.as_str(), s.as_str());

            let yy = (dob.year() % 100 + bump) % 100;
            let wrong_year = format!("{}{yy:02}{}", &s[..4], &s[6..]);
            prop_assert_eq!(code(&wrong_year, dob, sex), "cccd_mismatch_dob");

            let c_digit = s.as_bytes()[3] - b'0';
            let flipped = format!("{}{}{}", &s[..3], c_digit ^ 1, &s[4..]);
            prop_assert_eq!(code(&flipped, dob, sex), "cccd_mismatch_sex");
        }
    }
}
