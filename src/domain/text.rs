//! Vietnamese text normalisation: NFC storage form, tone-mark placement, and
//! diacritic-free search keys.

use unicode_normalization::char::{compose, is_combining_mark};
use unicode_normalization::UnicodeNormalization;

/// The five tone marks as combining characters: huyền, sắc, hỏi, ngã, nặng.
const TONES: [char; 5] = ['\u{300}', '\u{301}', '\u{309}', '\u{303}', '\u{323}'];

/// NFC: the one form text is stored and compared in (Unikey, VNI and pasted text
/// can arrive decomposed).
pub fn nfc(s: &str) -> String {
    s.nfc().collect()
}

/// Search key: no diacritics, đ → d, lowercase, single spaces ("Cẩm Giàng" →
/// "cam giang"). Only for fallback matching: distinct names share a key.
pub fn fold(s: &str) -> String {
    // Lowercase first: it can emit combining marks (İ → i̇) that must go too.
    let bare: String = s
        .to_lowercase()
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            // Đ/đ have no decomposition; Ð/ð and Ɖ/ɖ are look-alikes that
            // legacy-encoding conversions produce in their place.
            'đ' | 'ð' | 'ɖ' => 'd',
            other => other,
        })
        .collect();
    bare.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Splits a precomposed letter into base and tone mark when it is exactly one
/// base letter plus one tone (so "ầ", with two marks, is not split).
fn split_tone(c: char) -> Option<(char, char)> {
    let mut parts = std::iter::once(c).nfd();
    let base = parts.next()?;
    let tone = parts.next()?;
    (parts.next().is_none() && TONES.contains(&tone)).then_some((base, tone))
}

/// Moves the tone of a syllable-final "oa", "oe" or "uy" onto its first vowel:
/// "hoà" → "hòa", "khoẻ" → "khỏe", "thuỷ" → "thủy". Both placements are in
/// official use (the 2025 unit list mostly writes "hòa"), so text must be
/// brought to one of them before it is compared. Clusters followed by another
/// letter ("hoàn", "ngoài") and "qu" + y ("quý", where u belongs to the
/// consonant) are already placed the same way in both styles and are left alone.
/// The result is NFC.
pub fn normalize_tone_placement(s: &str) -> String {
    let mut chars: Vec<char> = s.nfc().collect();
    for i in 1..chars.len() {
        let Some((base, tone)) = split_tone(chars[i]) else {
            continue;
        };
        let first = chars[i - 1];
        let pair = (first.to_ascii_lowercase(), base.to_ascii_lowercase());
        if !matches!(pair, ('o', 'a') | ('o', 'e') | ('u', 'y')) {
            continue;
        }
        if chars.get(i + 1).is_some_and(|c| c.is_alphabetic()) {
            continue;
        }
        if pair.0 == 'u' && i >= 2 && chars[i - 2].eq_ignore_ascii_case(&'q') {
            continue;
        }
        if let Some(moved) = compose(first, tone) {
            chars[i - 1] = moved;
            chars[i] = base;
        }
    }
    chars.into_iter().collect::<String>().nfc().collect()
}

/// A CSV cell that a spreadsheet will not run as a formula: text starting with `=`, `+`, `-`,
/// `@`, a tab or a carriage return gets a leading `'` (OWASP's advice for CSV injection),
/// except a plain number ("-3", "+84912345678", "-1.5"), which stays as it is so numeric
/// columns keep their values.
pub fn spreadsheet_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if !risky || is_plain_number(cell) {
        return std::borrow::Cow::Borrowed(cell);
    }
    std::borrow::Cow::Owned(format!("'{cell}"))
}

fn is_plain_number(cell: &str) -> bool {
    let digits = cell.strip_prefix(['+', '-']).unwrap_or(cell);
    let mut parts = digits.splitn(2, ['.', ',']);
    let whole = parts.next().unwrap_or_default();
    let fraction = parts.next();
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn spreadsheet_safe_neutralises_formulas_and_keeps_numbers() {
        for (cell, safe) in [
            ("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"),
            ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("-3", "-3"),
            ("+84912345678", "+84912345678"),
            ("-1.5", "-1.5"),
            ("-1,5", "-1,5"),
            ("-", "'-"),
            ("-.5", "'-.5"),
            ("Phường Lào Cai", "Phường Lào Cai"),
            ("", ""),
        ] {
            assert_eq!(spreadsheet_safe(cell), safe, "{cell:?}");
        }
    }

    proptest! {
        #[test]
        fn a_safe_cell_never_starts_a_formula(cell in "\\PC*") {
            let safe = spreadsheet_safe(&cell);
            let first = safe.chars().next();
            prop_assert!(
                !matches!(first, Some('=' | '@' | '\t' | '\r')) && (!matches!(first, Some('+' | '-')) || is_plain_number(&safe)),
                "{:?}", safe
            );
        }
    }

    fn nfd(s: &str) -> String {
        s.nfd().collect()
    }

    #[test]
    fn nfc_composes() {
        assert_eq!(nfc(&nfd("Nguyễn Thị Hương")), "Nguyễn Thị Hương");
        assert_ne!(nfd("Hương"), "Hương");
    }

    #[test]
    fn fold_examples() {
        assert_eq!(fold("Cẩm Giàng"), "cam giang");
        assert_eq!(fold("Cẩm Giang"), "cam giang");
        assert_eq!(fold("  Đồng   Nai "), "dong nai");
        assert_eq!(fold(&nfd("Thạnh An")), "thanh an");
        assert_eq!(fold("ỨNG HÒA"), "ung hoa");
        assert_eq!(fold("Ðà Nẵng"), "da nang"); // U+00D0 from a legacy converter
        assert_eq!(fold("Phường Ba Đình"), "phuong ba dinh");
    }

    #[test]
    fn tone_placement_examples() {
        let cases = [
            ("hoà", "hòa"),
            ("thuỷ", "thủy"),
            ("khoẻ", "khỏe"),
            ("Khánh Hoà", "Khánh Hòa"),
            ("Thuỵ Anh", "Thụy Anh"),
            ("HOÀ", "HÒA"),
            ("hoạ sĩ", "họa sĩ"),
            ("xoã", "xõa"),
            ("hoà.", "hòa."),
        ];
        for (old, new) in cases {
            assert_eq!(normalize_tone_placement(old), new, "{old}");
            assert_eq!(normalize_tone_placement(&nfd(old)), new, "NFD {old}");
            assert_eq!(normalize_tone_placement(new), new, "{new} is stable");
        }
    }

    #[test]
    fn tone_placement_leaves_unambiguous_syllables() {
        for s in [
            "hoàn",
            "toán",
            "ngoài",
            "xoáy",
            "khuỷu",
            "thuyền",
            "quý",
            "Quỳnh",
            "Quỹ",
            "của",
            "thuế",
            "hòa",
            "thủy",
            "Lê Quý Đôn",
        ] {
            assert_eq!(normalize_tone_placement(s), s);
        }
    }

    const VI_LETTERS: &str = "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵAÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬĐEÈÉẺẼẸÊỀẾỂỄỆOÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢUÙÚỦŨỤƯỪỨỬỮỰYỲÝỶỸỴ ";

    fn vi_text() -> impl Strategy<Value = String> {
        let letters: Vec<char> = VI_LETTERS.chars().collect();
        (proptest::collection::vec(proptest::sample::select(letters), 0..40), any::<bool>()).prop_map(
            |(cs, decompose)| {
                let s: String = cs.into_iter().collect();
                if decompose {
                    nfd(&s)
                } else {
                    s
                }
            },
        )
    }

    proptest! {
        #[test]
        fn fold_vietnamese_is_ascii_and_idempotent(s in vi_text()) {
            let f = fold(&s);
            prop_assert!(f.is_ascii(), "{}", f);
            prop_assert_eq!(fold(&f), f.clone());
            prop_assert_eq!(fold(&nfc(&s)), f);
        }

        #[test]
        fn fold_idempotent_on_any_text(s in "\\PC*") {
            let f = fold(&s);
            prop_assert_eq!(fold(&f), f);
        }

        #[test]
        fn tone_placement_is_idempotent_nfc_and_fold_preserving(s in vi_text()) {
            let t = normalize_tone_placement(&s);
            prop_assert_eq!(normalize_tone_placement(&t), t.clone());
            prop_assert_eq!(nfc(&t), t.clone());
            prop_assert_eq!(fold(&t), fold(&s));
        }
    }
}
