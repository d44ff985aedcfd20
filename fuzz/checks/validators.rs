//! Registration validators (phone, full name, date of birth, sex, CCCD, occupation, commune
//! code) and the text normalisers. Input layout: byte 0–1 pick a date of birth, byte 2 a sex
//! and byte 3 the "today" offset; the rest is UTF-8 (lossy) split on '\n' into fields, and
//! every field is given to every validator. As the registration handler does
//! (src/http/register.rs), the first field is also read as a typed date of birth and every
//! other field is checked as a CCCD against it. Only properties the code documents or its
//! tests state are asserted.

use chrono::{Datelike, Duration, NaiveDate};
use thiluat::domain::cccd::Cccd;
use thiluat::domain::occupation::Occupation;
use thiluat::domain::person::{age_on, parse_dob, FullName, Sex};
use thiluat::domain::phone::Phone;
use thiluat::domain::text::{fold, nfc, normalize_tone_placement};
use thiluat::domain::{units, FieldError, FIELD_CODES};
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

/// A refusal names its field and carries a code of the wire protocol (docs/protocol.md).
fn declared<T>(r: &Result<T, FieldError>, field: &str) {
    if let Err(e) = r {
        assert_eq!(e.field, field);
        assert!(FIELD_CODES.contains(&e.code), "undeclared code {:?} for {field}", e.code);
    }
}

fn check_phone(s: &str) {
    let parsed = Phone::parse(s);
    declared(&parsed, "phone");
    if let Ok(p) = parsed {
        let n = p.as_str();
        assert_eq!(n.len(), 10, "{n:?}");
        assert!(n.bytes().all(|b| b.is_ascii_digit()), "{n:?}");
        assert!(n.starts_with('0'), "{n:?}");
        assert_eq!(Phone::parse(n).as_ref(), Ok(&p), "normal form parses to itself");
        assert_eq!(p.masked().chars().count(), 10);
        assert!(!format!("{p:?}").contains(&n[3..7]), "Debug masks the middle digits");
        // Normalisation only rewrites the prefix (+84, 0084, old 11-digit prefixes): the
        // subscriber's last 7 digits are the typed ones.
        let typed: String = s.chars().filter(char::is_ascii_digit).collect();
        assert!(typed.ends_with(&n[3..]), "last digits kept");
        // Every spelling docs/protocol.md lists for one number is the same key.
        let (national, area, rest) = (&n[1..], &n[1..4], &n[4..]);
        for spelling in [
            format!("+84{national}"),
            format!("+84 {area} {rest}"),
            format!("(+84) {area}-{}-{}", &rest[..3], &rest[3..]),
            format!("84{national}"),
            format!("0084{national}"),
            format!("+84 0{national}"),
            format!(" {}.{}.{} ", &n[..4], &n[4..7], &n[7..]),
        ] {
            assert_eq!(Phone::parse(&spelling).as_ref(), Ok(&p), "{spelling:?}");
        }
    }
}

fn check_name(s: &str) {
    let parsed = FullName::parse(s);
    declared(&parsed, "full_name");
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
    let parsed = parse_dob(s, today, Some(14));
    declared(&parsed, "dob");
    if let Ok(d) = parsed {
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
    declared(&parsed, "sex");
    let nfd: String = s.nfd().collect();
    assert_eq!(Sex::parse(&nfd), parsed, "with or without composed marks");
    if let Ok(sex) = parsed {
        assert_eq!(Sex::parse(sex.as_str()), Ok(sex));
    }
}

fn other(sex: Sex) -> Sex {
    match sex {
        Sex::Male => Sex::Female,
        Sex::Female => Sex::Male,
    }
}

fn check_cccd(s: &str, dob: NaiveDate, sex: Sex) {
    let parsed = Cccd::parse(s, dob, sex);
    declared(&parsed, "cccd");
    if let Ok(c) = parsed {
        let n = c.as_str();
        assert_eq!(n.len(), 12, "{n:?}");
        assert!(n.bytes().all(|b| b.is_ascii_digit()), "{n:?}");
        assert!(units::legacy_province_exists(&n[..3]), "a pre-2025 province code");
        let century = i32::from(n.as_bytes()[3] - b'0');
        let yy: i32 = n[4..6].parse().expect("digits");
        assert_eq!(1900 + century / 2 * 100 + yy, dob.year());
        assert_eq!(century % 2 == 1, sex == Sex::Female);
        assert_eq!(Cccd::parse(n, dob, sex).as_ref(), Ok(&c), "normal form parses to itself");
        let grouped = format!("{} {} {}", &n[..3], &n[3..6], &n[6..]);
        assert_eq!(Cccd::parse(&grouped, dob, sex).as_ref(), Ok(&c), "spaces are ignored");
        assert_eq!(c.masked().chars().count(), 12);
        assert!(!format!("{c:?}").contains(&n[3..9]), "Debug masks the middle digits");
        // Only the year of birth and the sex are encoded: another day of the same year is
        // accepted, another year or the other sex is the documented mismatch.
        assert_eq!(Cccd::parse(n, date(dob.year(), 1, 1), sex).as_ref(), Ok(&c));
        for year in [dob.year() - 1, dob.year() + 1, dob.year() + 100] {
            let code = Cccd::parse(n, date(year, 6, 15), sex).map_err(|e| e.code);
            assert_eq!(code, Err("cccd_mismatch_dob"), "born in {year}");
        }
        assert_eq!(Cccd::parse(n, dob, other(sex)).map_err(|e| e.code), Err("cccd_mismatch_sex"));
    }
}

fn check_occupation(s: &str) {
    let parsed = Occupation::parse(s);
    declared(&parsed, "occupation");
    if let Ok(o) = parsed {
        assert_eq!(o.as_str(), s.trim(), "only the wire values are accepted");
        assert!(!o.label().is_empty());
    }
}

fn check_commune(s: &str) {
    let parsed = units::parse_commune_code(s);
    declared(&parsed, "commune_code");
    if let Ok(c) = parsed {
        assert_eq!(c.code, s.trim());
        assert!(units::provinces().iter().any(|(code, _)| *code == c.province_code), "in a 2025 province");
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

/// Checks one input; panics when a property fails.
pub fn check(data: &[u8]) {
    if data.len() < 4 {
        return;
    }
    let days = i64::from(u16::from_le_bytes([data[0], data[1]])) % (200 * 366);
    let dob = date(1900, 1, 1) + Duration::days(days);
    let sex = if data[2] & 1 == 0 { Sex::Male } else { Sex::Female };
    let today = date(2025, 1, 1) + Duration::days(i64::from(data[3]) * 3);
    let text = String::from_utf8_lossy(&data[4..]);
    let fields: Vec<&str> = text.split('\n').take(8).collect();
    for field in &fields {
        check_phone(field);
        check_name(field);
        check_dob(field, today);
        check_sex(field);
        check_cccd(field, dob, sex);
        check_occupation(field);
        check_commune(field);
        check_text(field);
    }
    // The registration order: a typed date of birth, then the CCCD checked against it.
    if let Some(Ok(typed_dob)) = fields.first().map(|f| parse_dob(f, today, None)) {
        for field in &fields[1..] {
            check_cccd(field, typed_dob, sex);
        }
    }
}
