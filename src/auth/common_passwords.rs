//! The list of common passwords an organiser may not choose (issue 16 item 3): 138,435
//! passwords from leaked lists and dictionary words, shipped in the binary as sorted 6-byte
//! SHA-256 prefixes (data/common-passwords.bin, built by scripts/common-passwords.py; its
//! sources and licences are in data/README.md).

use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;

const LIST: &[u8] = include_bytes!("../../data/common-passwords.bin");
const PREFIX_BYTES: usize = 6;

/// How many entries the list holds.
pub fn len() -> usize {
    LIST.len() / PREFIX_BYTES
}

fn listed(entry: &str) -> bool {
    if entry.is_empty() {
        return false;
    }
    let digest = Sha256::digest(entry.as_bytes());
    let key = &digest[..PREFIX_BYTES];
    let (mut lo, mut hi) = (0, len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let at = &LIST[mid * PREFIX_BYTES..(mid + 1) * PREFIX_BYTES];
        match at.cmp(key) {
            std::cmp::Ordering::Less => lo = mid + 1,
            std::cmp::Ordering::Greater => hi = mid,
            std::cmp::Ordering::Equal => return true,
        }
    }
    false
}

/// The shortest `u` such that `s` is `u` repeated (`s` itself when it is no repetition).
fn repeated_unit(s: &str) -> &str {
    let bytes = s.as_bytes();
    for (end, _) in s.char_indices().skip(1) {
        if bytes.len().is_multiple_of(end) && bytes.chunks(end).all(|c| c == &bytes[..end]) {
            return &s[..end];
        }
    }
    s
}

/// Whether `password` is a common password: in the list (whatever its case), a listed one
/// repeated (`iloveyouiloveyou`), or a listed one with only digits before or after it
/// (`password2024`). No rule about which characters a password must hold: only known
/// guesses are refused.
pub fn is_common(password: &str) -> bool {
    let p: String = password.nfc().collect::<String>().to_lowercase();
    let trimmed_end = p.trim_end_matches(|c: char| c.is_ascii_digit());
    let trimmed_start = p.trim_start_matches(|c: char| c.is_ascii_digit());
    listed(&p) || listed(repeated_unit(&p)) || listed(trimmed_end) || listed(trimmed_start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_large_sorted_and_unique() {
        assert_eq!(LIST.len() % PREFIX_BYTES, 0);
        assert!(len() >= 100_000, "{} entries", len());
        let entries: Vec<&[u8]> = LIST.chunks(PREFIX_BYTES).collect();
        assert!(entries.windows(2).all(|w| w[0] < w[1]), "sorted, no duplicates");
    }

    #[test]
    fn common_passwords_are_found_and_others_are_not() {
        for common in [
            "123456789012",
            "qwerty123456",
            "LeaveMeAlone",
            "international",
            "passwordpassword",
            "iloveyouiloveyou",
            "password2024",
            "2024password",
            "aaaaaaaaaaaa",
            "123456",
        ] {
            assert!(is_common(common), "{common}");
        }
        for fine in [
            "correct horse battery staple",
            "Hiến pháp năm 2013 quy định",
            "bốn con mèo đen trên mái nhà",
            "tx8#Lq2!vR9w",
            "password 2024 is a phrase",
        ] {
            assert!(!is_common(fine), "{fine}");
        }
    }

    #[test]
    fn repetitions_are_recognised() {
        assert_eq!(repeated_unit("abcabcabc"), "abc");
        assert_eq!(repeated_unit("ệệệ"), "ệ");
        assert_eq!(repeated_unit("abcab"), "abcab");
        assert_eq!(repeated_unit(""), "");
    }
}
