//! Registration validators (phone, full name, date of birth, sex, CCCD) and the text
//! normalisers. Input layout: byte 0–1 pick a date of birth, byte 2 a sex and byte 3 the
//! "today" offset; the rest is UTF-8 (lossy) split on '\n' into fields, and every field is
//! given to every validator. Only properties the code documents or its tests state are
//! asserted.
#![no_main]

use chrono::{Datelike, Duration, NaiveDate};
use libfuzzer_sys::fuzz_target;
use thiluat::domain::cccd::Cccd;
use thiluat::domain::person::{age_on, parse_dob, FullName, Sex};
use thiluat::domain::phone::Phone;
use thiluat::domain::text::{fold, nfc, normalize_tone_placement};
use unicode_normalization::UnicodeNormalization;

/// The Vietnamese alphabet with every tone, both cases (as in src/domain/text.rs tests).
const VI_LETTERS: &str = "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵAÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬĐEÈÉẺẼẸÊỀẾỂỄỆOÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢUÙÚỦŨỤƯỪỨỬỮỰYỲÝỶỸỴ";

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// Text made only of Vietnamese letters (in either normal form) and printable ASCII.
fn vietnamese_or_ascii(s: &str) -> bool {
    nfc(s).chars().all(|c| c.is_ascii() && !c.is_ascii_control() || c == ' ' || VI_LETTERS.contains(c))
}

fn check_phone(s: &str) {
    if let Ok(p) = Phone::parse(s) {
        let n = p.as_str();
        assert_eq!(n.len(), 10, "{n:?}");
        assert!(n.bytes().all(|b| b.is_ascii_digit()), "{n:?}");
        assert!(n.starts_with('0'), "{n:?}");
        assert_eq!(Phone::parse(n).as_ref(), Ok(&p), "normal form parses to itself");
        assert_eq!(p.masked().chars().count(), 10);
        assert!(!format!("{p:?}").contains(&n[3..7]), "Debug masks the middle digits");
    }
}

fn check_name(s: &str) {
    let parsed = FullName::parse(s);
    // Decomposed (NFD) typing must give the same result, error code included.
    let nfd: String = s.nfd().collect();
    assert_eq!(FullName::parse(&nfd), parsed, "NFD and NFC input agree");
    if let Ok(n) = parsed {
        let a = n.as_str();
        assert_eq!(FullName::parse(a).as_ref(), Ok(&n), "idempotent");
        assert_eq!(nfc(a), a, "stored in NFC");
        let len = a.chars().count();
        assert!((2..=FullName::MAX_CHARS).contains(&len), "{len}");
        assert!(!a.starts_with(' ') && !a.ends_with(' ') && !a.contains("  "), "single spaces");
        assert!(!a.chars().any(|c| c.is_whitespace() && c != ' '), "only plain spaces");
        assert!(a.ends_with(n.given_name()));
        assert!(!n.given_name().is_empty());
        let masked = n.masked();
        assert!(masked.ends_with('.'));
        let f = fold(a);
        if vietnamese_or_ascii(a) {
            assert!(f.is_ascii(), "a Vietnamese name folds to ASCII: {f:?}");
        }
    }
}

fn check_dob(s: &str, today: NaiveDate) {
    if let Ok(d) = parse_dob(s, today, Some(14)) {
        assert!(d <= today && d.year() >= 1900);
        assert!(age_on(d, today) >= 14);
        assert_eq!(parse_dob(&d.format("%Y-%m-%d").to_string(), today, Some(14)), Ok(d));
        assert_eq!(parse_dob(&d.format("%d/%m/%Y").to_string(), today, Some(14)), Ok(d));
    }
    if let Ok(d) = parse_dob(s, today, None) {
        assert!(d <= today && d.year() >= 1900);
    }
}

fn check_sex(s: &str) {
    let parsed = Sex::parse(s);
    let nfd: String = s.nfd().collect();
    assert_eq!(Sex::parse(&nfd), parsed, "with or without composed marks");
    if let Ok(sex) = parsed {
        assert_eq!(Sex::parse(sex.as_str()), Ok(sex));
    }
}

fn check_cccd(s: &str, dob: NaiveDate, sex: Sex) {
    if let Ok(c) = Cccd::parse(s, dob, sex) {
        let n = c.as_str();
        assert_eq!(n.len(), 12, "{n:?}");
        assert!(n.bytes().all(|b| b.is_ascii_digit()), "{n:?}");
        let century = i32::from(n.as_bytes()[3] - b'0');
        let yy: i32 = n[4..6].parse().expect("digits");
        assert_eq!(1900 + century / 2 * 100 + yy, dob.year());
        assert_eq!(century % 2 == 1, sex == Sex::Female);
        assert_eq!(Cccd::parse(n, dob, sex).as_ref(), Ok(&c), "normal form parses to itself");
        assert_eq!(c.masked().chars().count(), 12);
    }
}

fn check_text(s: &str) {
    let f = fold(s);
    assert_eq!(fold(&f), f, "fold is idempotent");
    assert!(!f.starts_with(' ') && !f.ends_with(' ') && !f.contains("  "));
    let t = normalize_tone_placement(s);
    assert_eq!(nfc(&t), t, "tone placement returns NFC");
    if vietnamese_or_ascii(s) {
        assert!(f.is_ascii(), "Vietnamese text folds to ASCII: {f:?}");
        assert_eq!(normalize_tone_placement(&t), t, "tone placement is idempotent");
        assert_eq!(fold(&t), f, "tone placement keeps the search key");
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let days = i64::from(u16::from_le_bytes([data[0], data[1]])) % (200 * 366);
    let dob = date(1900, 1, 1) + Duration::days(days);
    let sex = if data[2] & 1 == 0 { Sex::Male } else { Sex::Female };
    let today = date(2025, 1, 1) + Duration::days(i64::from(data[3]) * 3);
    let text = String::from_utf8_lossy(&data[4..]);
    for field in text.split('\n').take(8) {
        check_phone(field);
        check_name(field);
        check_dob(field, today);
        check_sex(field);
        check_cccd(field, dob, sex);
        check_text(field);
    }
});
