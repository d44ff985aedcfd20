//! Vietnamese collation after CLDR's "vi" tailoring (release 43), without ICU:
//! `&A<ă<<<Ă<â<<<Â &D<đ<<<Đ &E<ê<<<Ê &O<ô<<<Ô<ơ<<<Ơ &U<ư<<<Ư` on primary letters,
//! tones as secondary differences ordered none < ̀ < ̉ < ̃ < ́ < ̣, case third
//! (lowercase first). Byte order puts "Đ" after "Z" and "á" after "b", so any
//! user-facing list must be sorted with this module.
//!
//! Deliberate differences from ICU, all for how Vietnamese lists are read:
//! - whitespace and dashes are one low word-break primary, so lists compare
//!   word by word ("An Bình" < "Anh") and double spaces do not matter;
//! - other punctuation is ignored until a last level, so "O'Neil" files as "ONeil";
//! - tones count per syllable, not per letter, so old and new tone placement
//!   ("hoà"/"hòa", 81 official ward names use the old one) get the same key.

use std::cmp::Ordering;

use unicode_normalization::char::{compose, is_combining_mark};
use unicode_normalization::UnicodeNormalization;

/// Closes a level inside a key. Every weight is above it, so a string whose
/// level is a prefix of another's sorts first, as in ICU sort keys.
const LEVEL_END: u32 = 0;
/// Primary of a word boundary: below every digit and letter.
const WORD_BREAK: u32 = 1;
/// Digits sort before letters, one digit at a time ("10" < "9"), as in CLDR root.
const DIGIT_BASE: u32 = 0x10;
const LETTER_BASE: u32 = 0x100;
/// Letters and numbers outside the Latin alphabet go after "z" by code point:
/// a stand-in for CLDR's script order, which has all Latin first.
const OTHER_BASE: u32 = 0x1_0000;
/// Secondary weight of a syllable with no tone; tones follow in `TONES` order.
const NO_TONE: u32 = 1;
const LOWER: u32 = 1;
const UPPER: u32 = 2;

/// huyền, hỏi, ngã, sắc, nặng: the CLDR vi secondary order (not Unicode's).
const TONES: [char; 5] = ['\u{300}', '\u{309}', '\u{303}', '\u{301}', '\u{323}'];
/// The alphabet in collation order: Vietnamese letters plus f j w z in their
/// Latin places. ă â ê ô ơ ư are base + one mark after NFD; đ has no
/// decomposition, so it is found as its own base.
const ALPHABET: &str = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz";

/// Multi-level sort key; compare keys with `Ord` (or use [`compare`]). Levels:
/// 1 letters and word breaks, 2 tones per syllable then any foreign marks (ü),
/// 3 case per letter, 4 ignored punctuation with its position. Canonically
/// equivalent input (NFC/NFD) and either tone placement give the same key.
pub fn sort_key(s: &str) -> Vec<u32> {
    let mut b = Builder::default();
    let mut marks = Vec::new();
    let mut chars = s.nfd().peekable();
    while let Some(c) = chars.next() {
        marks.clear();
        // NFD orders marks by combining class (ậ = a + ̣ + ̂), so a letter's
        // marks are read as a set, never by position.
        while let Some(m) = chars.next_if(|m| is_combining_mark(*m)) {
            marks.push(m);
        }
        b.push(c, &marks);
    }
    b.finish()
}

/// Vietnamese order of two strings (see [`sort_key`]).
pub fn compare(a: &str, b: &str) -> Ordering {
    sort_key(a).cmp(&sort_key(b))
}

/// Key for lists of people: the given name (last word) first, then the rest of
/// the name from the left (family name, middle names), each as [`sort_key`].
pub fn name_sort_key(name: &str) -> Vec<u32> {
    let words: Vec<&str> = name.split_whitespace().collect();
    let (given, rest) = words.split_last().map_or(("", String::new()), |(g, r)| (*g, r.join(" ")));
    let mut key = sort_key(given);
    // A key that is a prefix of another is the smaller one; the separator keeps
    // that true when the family part follows.
    key.push(LEVEL_END);
    key.extend(sort_key(&rest));
    key
}

/// Orders people as Vietnamese lists do: "Lê An" < "Nguyễn Văn An" < "Trần Bình".
pub fn compare_names_given_first(a: &str, b: &str) -> Ordering {
    name_sort_key(a).cmp(&name_sort_key(b))
}

/// Sorts in Vietnamese order, stably, building each key once.
pub fn sort_vi(v: &mut [String]) {
    v.sort_by_cached_key(|s| sort_key(s));
}

#[derive(Default)]
struct Builder {
    l1: Vec<u32>,
    l2: Vec<u32>,
    l3: Vec<u32>,
    l4: Vec<u32>,
    /// Letters since the last non-letter form one syllable in Vietnamese text;
    /// its tones and foreign marks wait here until it ends.
    in_syllable: bool,
    tones: Vec<u32>,
    foreign: Vec<u32>,
    /// A word break is written only before the next primary, so leading,
    /// trailing and repeated separators add nothing.
    pending_break: bool,
}

impl Builder {
    fn push(&mut self, c: char, marks: &[char]) {
        // Dashes join words ("Bà Rịa-Vũng Tàu"), so they break words like a space.
        if c.is_whitespace() || matches!(c, '-' | '\u{2010}'..='\u{2015}' | '\u{2212}') {
            self.pending_break = !self.l1.is_empty();
            self.ignore(Some(c).filter(|c| !c.is_whitespace()), marks);
        } else if c.is_alphabetic() && !is_combining_mark(c) {
            self.letter(c, marks);
        } else if c.is_numeric() {
            self.close_syllable();
            let digit = c.to_digit(10).filter(|_| c.is_ascii_digit());
            self.primary(digit.map_or(OTHER_BASE + u32::from(c), |d| DIGIT_BASE + d), LOWER);
            self.ignore(None, marks);
        } else {
            self.ignore(Some(c), marks); // punctuation, symbols, a mark with no base
        }
    }

    fn letter(&mut self, c: char, marks: &[char]) {
        let base = match c {
            // Legacy converters emit Ð/ð (eth) and Ɖ/ɖ (African D) for Đ/đ.
            'Đ' | 'Ð' | 'Ɖ' | 'ð' | 'ɖ' => 'đ',
            _ => c.to_lowercase().next().unwrap_or(c),
        };
        // The one mark, if any, that makes a letter of its own with the base (a + ̆ = ă).
        let modifier = marks.iter().position(|m| compose(base, *m).is_some_and(|l| ALPHABET.contains(l)));
        let letter = modifier.and_then(|i| compose(base, marks[i])).unwrap_or(base);
        let primary = match ALPHABET.chars().position(|l| l == letter) {
            Some(i) => LETTER_BASE + i as u32,
            None => OTHER_BASE + u32::from(base),
        };
        self.primary(primary, if c.is_uppercase() { UPPER } else { LOWER });
        self.in_syllable = true;
        for (_, &m) in marks.iter().enumerate().filter(|(i, _)| Some(*i) != modifier) {
            match TONES.iter().position(|t| *t == m) {
                Some(t) => self.tones.push(NO_TONE + 1 + t as u32),
                None => self.foreign.push(u32::from(m)),
            }
        }
    }

    fn primary(&mut self, weight: u32, case: u32) {
        if std::mem::take(&mut self.pending_break) {
            self.l1.push(WORD_BREAK);
            self.l3.push(LOWER);
        }
        self.l1.push(weight);
        self.l3.push(case);
    }

    /// Level 4 only: each ignored character and where it stood among the primaries.
    fn ignore(&mut self, c: Option<char>, marks: &[char]) {
        self.close_syllable();
        let at = self.l1.len() as u32 + 1;
        self.l4.extend(c.iter().chain(marks).flat_map(|&m| [at, u32::from(m)]));
    }

    fn close_syllable(&mut self) {
        if std::mem::take(&mut self.in_syllable) {
            if self.tones.is_empty() {
                self.l2.push(NO_TONE);
            }
            self.l2.append(&mut self.tones);
            self.l2.append(&mut self.foreign);
        }
    }

    fn finish(mut self) -> Vec<u32> {
        self.close_syllable();
        let mut key = self.l1;
        for level in [self.l2, self.l3, self.l4] {
            key.push(LEVEL_END);
            key.extend(level);
        }
        key
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn nfd(s: &str) -> String {
        s.nfd().collect()
    }

    fn assert_ascending(list: &[&str]) {
        for w in list.windows(2) {
            assert_eq!(compare(w[0], w[1]), Ordering::Less, "{} < {}", w[0], w[1]);
            assert_eq!(compare(w[1], w[0]), Ordering::Greater, "{} > {}", w[1], w[0]);
        }
    }

    #[test]
    fn letters_tones_and_case() {
        assert_ascending(&["0", "9", "a", "ă", "â", "b", "d", "đ", "e", "ê", "f", "g", "o", "ô", "ơ", "p"]);
        assert_ascending(&["u", "ư", "v", "w", "x", "y", "z", "ß"]);
        assert_ascending(&["a", "à", "ả", "ã", "á", "ạ", "ă"]);
        assert_ascending(&["ma", "mà", "mả", "mã", "má", "mạ", "mb"]); // primary beats tone
        assert_ascending(&["ma má", "mà ma", "mạ ma"]); // earlier syllables' tones decide first
        assert_ascending(&["an", "aN", "An", "AN", "ăn"]); // case is only a tie-break
        assert_ascending(&["ma", "Ma", "mà", "Má"]); // tone beats case
        assert_ascending(&["đ", "Đ", "đa"]);
        assert_ascending(&["â", "ậ", "b"]); // ậ is a + ̣ + ̂ in NFD: â with nặng
        assert_ascending(&["Dương", "Đà Nẵng", "Gia Lai"]);
    }

    #[test]
    fn separators_punctuation_and_foreign_letters() {
        assert_ascending(&["An Bình", "Anh"]); // word by word
        assert_ascending(&["Bà Rịa-Vũng Tàu", "Bà Rịaa"]); // a dash breaks words
        assert_ascending(&["Oneal", "ONeil", "O'Neil", "Onez"]); // apostrophe only breaks ties
        assert_ascending(&["Muller", "Müller", "Mullet"]);
        assert_ascending(&["", "-", "a"]);
        assert_eq!(compare(" Nguyễn  Văn\tAn ", "Nguyễn Văn An"), Ordering::Equal);
        assert_eq!(sort_key("  "), vec![0, 0, 0]);
    }

    /// The 34 provinces of 2025, sorted by hand. The first ten are the ones
    /// where diacritics matter most; each pair was checked by the rules: Cà <
    /// Cao (break < o), Cao < Cần (a < â), Đà < Đắk (a < ă), Đắk < Điện (ă < i),
    /// Điện < Đồng (i < ô); later Hà Tĩnh < Hải (break < i), Lạng < Lào (n < o),
    /// Lào < Lâm (a < â), Tây < Thái (â < h), Thái < Thanh (i < n).
    const PROVINCES: &str = "An Giang|Bắc Ninh|Cà Mau|Cao Bằng|Cần Thơ|Đà Nẵng|Đắk Lắk|Điện Biên|Đồng Nai|\
        Đồng Tháp|Gia Lai|Hà Nội|Hà Tĩnh|Hải Phòng|Hồ Chí Minh|Huế|Hưng Yên|Khánh Hòa|Lai Châu|Lạng Sơn|Lào Cai|\
        Lâm Đồng|Nghệ An|Ninh Bình|Phú Thọ|Quảng Ngãi|Quảng Ninh|Quảng Trị|Sơn La|Tây Ninh|Thái Nguyên|Thanh Hóa|\
        Tuyên Quang|Vĩnh Long";

    #[test]
    fn provinces_hand_checked() {
        let expected: Vec<&str> = PROVINCES.split('|').collect();
        assert_eq!(expected.len(), 34);
        assert_ascending(&expected);
        let mut v: Vec<String> = expected.iter().rev().map(|s| nfd(s)).collect();
        v.rotate_left(11);
        sort_vi(&mut v);
        assert_eq!(v, expected.iter().map(|s| nfd(s)).collect::<Vec<_>>());
    }

    #[test]
    fn normalisation_and_tone_placement_do_not_matter() {
        let pairs = [("hoà", "hòa"), ("Thuỷ", "Thủy"), ("Khánh Hoà", "Khánh Hòa"), ("khoẻ", "khỏe"), ("Ðà", "Đà")];
        for (a, b) in pairs {
            assert_eq!(sort_key(a), sort_key(b), "{a} / {b}");
            assert_eq!(sort_key(&nfd(a)), sort_key(b), "NFD {a} / {b}");
        }
    }

    #[test]
    fn names_sort_by_given_name_first() {
        let mut v = ["Trần Văn Bình", "Nguyễn Thị An", "Lê An", "Nguyễn Văn An"];
        v.sort_by(|a, b| compare_names_given_first(a, b));
        assert_eq!(v, ["Lê An", "Nguyễn Thị An", "Nguyễn Văn An", "Trần Văn Bình"]);
        let mut w = ["Nguyễn Văn Ánh", "Lê Anh", "Bùi Ánh", "Vũ Hòa", "Đỗ Hoà", "An"];
        w.sort_by(|a, b| compare_names_given_first(a, b));
        assert_eq!(w, ["An", "Lê Anh", "Bùi Ánh", "Nguyễn Văn Ánh", "Đỗ Hoà", "Vũ Hòa"]);
        assert_eq!(compare_names_given_first("Lê  Hòa ", "Lê Hoà"), Ordering::Equal);
    }

    const ONSETS: [&str; 16] = ["", "b", "ch", "d", "đ", "gi", "h", "kh", "l", "ng", "nh", "ph", "qu", "th", "tr", "v"];
    const RIMES: [&str; 18] =
        ["a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y", "anh", "ương", "oa", "oe", "uy", "iêu"];

    /// A syllable in NFD with tone `tone` (0 = none) on vowel number `at`, capitalised if `upper`.
    fn syllable(onset: &str, rime: &str, tone: usize, at: usize, upper: bool) -> String {
        let mut s = nfd(&format!("{onset}{rime}"));
        let vowels: Vec<usize> = s.char_indices().filter(|(_, c)| "aeiouy".contains(*c)).map(|(i, _)| i + 1).collect();
        if tone > 0 {
            s.insert(vowels[at % vowels.len()], TONES[tone - 1]); // NFC/NFD reorder it past the vowel's marks
        }
        let mut cs = s.chars();
        let first = cs.next().map(|c| if upper { c.to_uppercase().collect() } else { c.to_string() });
        first.unwrap_or_default() + cs.as_str()
    }

    fn vi_text() -> impl Strategy<Value = String> {
        let syl = (0..ONSETS.len(), 0..RIMES.len(), 0..6usize, 0..3usize, any::<bool>())
            .prop_map(|(o, r, t, at, up)| syllable(ONSETS[o], RIMES[r], t, at, up));
        (proptest::collection::vec(syl, 0..4), any::<bool>()).prop_map(|(w, composed)| {
            if composed {
                w.join(" ").nfc().collect()
            } else {
                nfd(&w.join(" "))
            }
        })
    }

    proptest! {
        #[test]
        fn compare_is_a_total_order(a in vi_text(), b in vi_text(), c in vi_text()) {
            prop_assert_eq!(compare(&a, &a), Ordering::Equal);
            prop_assert_eq!(compare(&a, &b), compare(&b, &a).reverse());
            if compare(&a, &b).is_le() && compare(&b, &c).is_le() {
                prop_assert!(compare(&a, &c).is_le(), "{} {} {}", a, b, c);
            }
        }

        #[test]
        fn key_ignores_form_and_tone_placement(o in 0..16usize, r in 0..18usize, t in 0..6usize, at in 0..3usize) {
            let a = syllable(ONSETS[o], RIMES[r], t, at, false);
            let b: String = syllable(ONSETS[o], RIMES[r], t, at + 1, false).nfc().collect();
            prop_assert_eq!(sort_key(&a), sort_key(&b));
        }

        #[test]
        fn case_only_changes_level_three(s in vi_text()) {
            let (key, lower) = (sort_key(&s), sort_key(&s.to_lowercase()));
            let (k, l): (Vec<_>, Vec<_>) = (key.split(|w| *w == 0).collect(), lower.split(|w| *w == 0).collect());
            prop_assert_eq!((k[0], k[1], k[3]), (l[0], l[1], l[3]));
            prop_assert!(l[2].iter().all(|w| *w == LOWER));
        }

        #[test]
        fn sort_vi_sorts_a_permutation(v in proptest::collection::vec(vi_text(), 0..20)) {
            let mut sorted = v.clone();
            sort_vi(&mut sorted);
            prop_assert!(sorted.windows(2).all(|w| compare(&w[0], &w[1]).is_le()));
            let (mut x, mut y) = (v, sorted);
            x.sort();
            y.sort();
            prop_assert_eq!(x, y);
        }
    }
}
