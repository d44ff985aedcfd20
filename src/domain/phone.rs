//! Vietnamese mobile numbers, normalised to the 10-digit national form so the
//! phone can serve as a unique key.

use super::{mask_middle, FieldError};

const FIELD: &str = "phone";

/// Mobile prefixes in use since the 2018 move to 10 digits (3-digit form, with
/// the leading 0). 095 (S-Fone, closed) is kept so a rare reissued number is
/// not refused; 030, 031, 05[0134], 07[1-5] and 080 are unassigned.
const MOBILE_PREFIXES: &[&str] = &[
    "032", "033", "034", "035", "036", "037", "038", "039", // Viettel
    "052", "055", "056", "058", "059", // Vietnamobile, Reddi, Gmobile
    "070", "076", "077", "078", "079", // MobiFone
    "081", "082", "083", "084", "085", "086", "087", "088", "089", // 08x
    "090", "091", "092", "093", "094", "095", "096", "097", "098", "099", // 09x
];

/// Old 11-digit prefixes and the 10-digit prefix each became in 2018–19, so
/// numbers from older data still map to the same key.
const OLD_PREFIXES: &[(&str, &str)] = &[
    ("0162", "032"),
    ("0163", "033"),
    ("0164", "034"),
    ("0165", "035"),
    ("0166", "036"),
    ("0167", "037"),
    ("0168", "038"),
    ("0169", "039"),
    ("0120", "070"),
    ("0121", "079"),
    ("0122", "077"),
    ("0126", "076"),
    ("0128", "078"),
    ("0123", "083"),
    ("0124", "084"),
    ("0125", "085"),
    ("0127", "081"),
    ("0129", "082"),
    ("0186", "056"),
    ("0188", "058"),
    ("0199", "059"),
];

/// A valid Vietnamese mobile number, always "0" + 9 digits.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Phone(String);

impl Phone {
    /// Accepts the spellings people type: "0912 345 678", "+84 912.345.678",
    /// "(+84) 912-345-678", "84912345678", "0084…", and old 11-digit numbers.
    pub fn parse(input: &str) -> Result<Phone, FieldError> {
        let invalid = FieldError::new(FIELD, "invalid_phone");
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(FieldError::new(FIELD, "required"));
        }
        // Bounded so a pasted essay is refused before any work is done on it.
        if trimmed.len() > 32 {
            return Err(invalid);
        }
        let mut digits = String::with_capacity(12);
        let mut plus = false;
        for c in trimmed.chars() {
            match c {
                '0'..='9' => digits.push(c),
                '+' if digits.is_empty() && !plus => plus = true,
                ' ' | '.' | '-' | '(' | ')' | '\u{a0}' => {}
                _ => return Err(invalid),
            }
        }
        // "0084…" is +84 dialled with the international prefix.
        if let Some(rest) = digits.strip_prefix("0084") {
            digits = format!("84{rest}");
            plus = true;
        }
        let national = if let Some(rest) = digits.strip_prefix("84") {
            // "84" is a country code only when +84 was written or the length fits
            // one; "0" after it ("+84 0912…") is a common slip and is tolerated.
            let rest = rest.strip_prefix('0').unwrap_or(rest);
            if plus || rest.len() == 9 || rest.len() == 10 {
                format!("0{rest}")
            } else {
                return Err(invalid);
            }
        } else if plus {
            return Err(invalid); // another country's number
        } else {
            digits
        };
        let converted = match national.len() {
            10 => national,
            11 => match OLD_PREFIXES.iter().find(|(old, _)| national.starts_with(old)) {
                Some((old, new)) => format!("{new}{}", &national[old.len()..]),
                None => return Err(invalid),
            },
            _ => return Err(invalid),
        };
        if MOBILE_PREFIXES.iter().any(|p| converted.starts_with(p)) {
            Ok(Phone(converted))
        } else {
            Err(invalid)
        }
    }

    /// The normalised form, e.g. "0912345678".
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// "091••••678": for winner lists, exports and logs.
    pub fn masked(&self) -> String {
        mask_middle(&self.0, 3)
    }
}

/// Masked so a phone number never reaches a log through `{:?}`.
impl std::fmt::Debug for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Phone(\"{}\")", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ok(s: &str) -> String {
        Phone::parse(s).expect(s).as_str().to_string()
    }

    fn code(s: &str) -> &'static str {
        Phone::parse(s).expect_err(s).code
    }

    #[test]
    fn spellings() {
        for s in [
            "0912345678",
            "0912 345 678",
            "091.234.5678",
            "091-234-5678",
            "+84912345678",
            "+84 912 345 678",
            "(+84) 912-345-678",
            "84912345678",
            "+84 0912 345 678",
            "0084 912 345 678",
            " 0912345678 ",
        ] {
            assert_eq!(ok(s), "0912345678", "{s}");
        }
    }

    #[test]
    fn old_eleven_digit_numbers() {
        assert_eq!(ok("01621234567"), "0321234567");
        assert_eq!(ok("+84 1699 123 456"), "0399123456");
        assert_eq!(ok("0120 123 4567"), "0701234567");
        assert_eq!(ok("01271234567"), "0811234567");
        assert_eq!(ok("01991234567"), "0591234567");
        assert_eq!(code("01301234567"), "invalid_phone");
    }

    #[test]
    fn rejects() {
        assert_eq!(code(""), "required");
        assert_eq!(code("   "), "required");
        for s in [
            "0312345678",   // unassigned prefix
            "0241234567",   // landline prefix, too short for one anyway
            "02412345678",  // Hà Nội landline
            "091234567",    // 9 digits
            "09123456789",  // 11 digits, not an old prefix
            "+1 912345678", // another country
            "0912a45678",
            "09+12345678",
            "84 12345678",
            "0912345678012345678901234567890123",
        ] {
            assert_eq!(code(s), "invalid_phone", "{s}");
        }
    }

    #[test]
    fn masked_everywhere() {
        let p = Phone::parse("0912345678").expect("valid");
        assert_eq!(p.masked(), "091••••678");
        assert_eq!(format!("{p:?}"), "Phone(\"091••••678\")");
    }

    proptest! {
        #[test]
        fn every_prefix_every_spelling(
            i in 0..MOBILE_PREFIXES.len(),
            rest in "[0-9]{7}",
            style in 0..5u8,
        ) {
            let p = MOBILE_PREFIXES[i];
            let want = format!("{p}{rest}");
            let nsn = &want[1..];
            let input = match style {
                0 => want.clone(),
                1 => format!("+84{nsn}"),
                2 => format!("84{nsn}"),
                3 => format!("+84 {} {} {}", &nsn[..2], &nsn[2..5], &nsn[5..]),
                _ => format!("{} {}.{}", &want[..4], &want[4..7], &want[7..]),
            };
            let phone = Phone::parse(&input).expect("valid prefix");
            prop_assert_eq!(phone.as_str(), want.as_str());
            let again = Phone::parse(phone.as_str()).expect("idempotent");
            prop_assert_eq!(again, phone);
        }

        #[test]
        fn idempotent_on_own_output(s in "[+0-9 .()-]{0,20}") {
            if let Ok(p) = Phone::parse(&s) {
                prop_assert_eq!(Phone::parse(p.as_str()), Ok(p));
            }
        }

        #[test]
        fn wrong_lengths_rejected(
            i in 0..MOBILE_PREFIXES.len(),
            rest in "[0-9]{0,12}",
        ) {
            prop_assume!(rest.len() != 7);
            let s = format!("{}{rest}", MOBILE_PREFIXES[i]);
            prop_assert!(Phone::parse(&s).is_err());
        }
    }
}
