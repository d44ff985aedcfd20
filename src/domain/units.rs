//! The 34 provinces and 3,321 communes in force since 1 July 2025, embedded at
//! compile time. Units keep changing: store `code` and [`DATA_VERSION`] with
//! every registration, never a name.

use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

use serde::Deserialize;

use super::{fold, normalize_tone_placement, FieldError};

/// Version of the embedded unit list (vietnamadminunits 1.0.4).
pub const DATA_VERSION: &str = "2025-07-01";

const UNITS_CSV: &str = include_str!("../../data/vn-admin-units-2025.csv");
const LEGACY_CSV: &str = include_str!("../../data/vn-provinces-legacy-63.csv");

/// The three kinds of commune-level unit; "Đặc khu" (special zone) is new in 2025.
const KINDS: [&str; 3] = ["Xã", "Phường", "Đặc khu"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commune {
    /// 5-digit statistics-office code: the key to store.
    pub code: String,
    /// Official name with its kind, e.g. "Xã Cẩm Giàng".
    pub name: String,
    /// "Xã", "Phường" or "Đặc khu".
    pub kind: String,
    pub province_code: String,
    pub province_name: String,
}

#[derive(Deserialize)]
struct Row {
    province_code: String,
    province_name: String,
    commune_code: String,
    commune_name: String,
    commune_type: String,
}

struct Data {
    communes: Vec<Commune>,
    /// Per commune, parallel to `communes`: (exact key, folded key).
    keys: Vec<(String, String)>,
    by_code: HashMap<String, usize>,
    provinces: Vec<(String, String)>,
    /// Legacy province codes, zero-padded to 3 digits as in a CCCD ("001").
    legacy: Vec<String>,
}

/// Key for matching with diacritics: case and tone placement do not count.
fn exact_key(s: &str) -> String {
    normalize_tone_placement(s).to_lowercase().split_whitespace().collect::<Vec<_>>().join(" ")
}

fn data() -> &'static Data {
    static DATA: OnceLock<Data> = OnceLock::new();
    DATA.get_or_init(|| {
        // The CSVs are compiled in and checked by the tests below, so a parse
        // failure here is a build defect, not a runtime condition.
        let mut communes: Vec<Commune> = csv::Reader::from_reader(UNITS_CSV.as_bytes())
            .deserialize::<Row>()
            .map(|r| {
                let r = r.expect("embedded unit CSV is well formed");
                // In 4 rows commune_type contradicts the name ("Xã Vĩnh Hòa"
                // typed Phường); press lists of the 2025 plan agree with the
                // name, so the kind is read from the name's prefix.
                let kind = KINDS
                    .into_iter()
                    .find(|k| r.commune_name.starts_with(&format!("{k} ")))
                    .map_or(r.commune_type, str::to_string);
                Commune {
                    code: r.commune_code,
                    name: r.commune_name,
                    kind,
                    province_code: r.province_code,
                    province_name: r.province_name,
                }
            })
            .collect();
        communes.sort_by(|a, b| a.code.cmp(&b.code));
        let provinces =
            communes.iter().map(|c| (c.province_code.clone(), c.province_name.clone())).collect::<BTreeSet<_>>();
        // First column: province_code.
        let legacy = csv::Reader::from_reader(LEGACY_CSV.as_bytes())
            .records()
            .map(|r| format!("0{}", &r.expect("embedded legacy CSV is well formed")[0]))
            .collect();
        Data {
            keys: communes.iter().map(|c| (exact_key(&c.name), fold(&c.name))).collect(),
            by_code: communes.iter().enumerate().map(|(i, c)| (c.code.clone(), i)).collect(),
            communes,
            provinces: provinces.into_iter().collect(),
            legacy,
        }
    })
}

pub fn commune(code: &str) -> Option<&'static Commune> {
    let d = data();
    d.by_code.get(code).map(|&i| &d.communes[i])
}

/// Checks a submitted commune code (field "commune_code").
pub fn parse_commune_code(input: &str) -> Result<&'static Commune, FieldError> {
    let code = input.trim();
    if code.is_empty() {
        return Err(FieldError::new("commune_code", "required"));
    }
    commune(code).ok_or(FieldError::new("commune_code", "unknown_commune"))
}

/// (code, name) of the 34 provinces, by code.
pub fn provinces() -> &'static [(String, String)] {
    &data().provinces
}

/// The communes of one province, by code (empty for an unknown province).
pub fn communes_of(province_code: &str) -> Vec<&'static Commune> {
    data().communes.iter().filter(|c| c.province_code == province_code).collect()
}

/// Communes whose name contains `query`. Matches with the query's diacritics
/// come first, then matches ignoring them, because within one province names
/// can differ only by a mark (Cẩm Giang / Cẩm Giàng). Within each group: whole
/// name equal to the query, then name starting with it, then by code. An empty
/// query lists every commune in scope.
pub fn search(province_code: Option<&str>, query: &str, limit: usize) -> Vec<&'static Commune> {
    let d = data();
    let (q_exact, q_fold) = (exact_key(query), fold(query));
    let mut hits: Vec<(u8, u8, &'static Commune)> = Vec::new();
    for (c, (exact, folded)) in d.communes.iter().zip(&d.keys) {
        if province_code.is_some_and(|p| p != c.province_code) {
            continue;
        }
        let (tier, key, q) = if exact.contains(&q_exact) {
            (0, exact, &q_exact)
        } else if folded.contains(&q_fold) {
            (1, folded, &q_fold)
        } else {
            continue;
        };
        // The name proper follows the kind ("Xã ", "Phường ", "Đặc khu ").
        let kind_words = c.kind.split(' ').count();
        let bare = key.splitn(kind_words + 1, ' ').last().unwrap_or(key);
        let rank = if key == q || bare == q {
            0
        } else if bare.starts_with(q.as_str()) {
            1
        } else {
            2
        };
        hits.push((tier, rank, c));
    }
    hits.sort_by(|a, b| (a.0, a.1, &a.2.code).cmp(&(b.0, b.1, &b.2.code)));
    hits.into_iter().take(limit).map(|(_, _, c)| c).collect()
}

/// Whether a 3-digit code ("001") is one of the 63 pre-2025 province codes
/// used in the first three digits of a CCCD number.
pub fn legacy_province_exists(code3: &str) -> bool {
    data().legacy.iter().any(|c| c == code3)
}

/// The 63 pre-2025 province codes as used in a CCCD ("001"), in list order.
pub fn legacy_province_codes() -> &'static [String] {
    &data().legacy
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::nfc;

    fn codes(province: Option<&str>, query: &str, limit: usize) -> Vec<String> {
        let hits = search(province, query, limit);
        hits.iter().map(|c| c.code.clone()).collect()
    }

    #[test]
    fn counts_and_keys() {
        let d = data();
        assert_eq!((provinces().len(), d.communes.len()), (34, 3321));
        assert_eq!(d.by_code.len(), 3321, "commune codes are unique");
        let kinds = |k: &str| d.communes.iter().filter(|c| c.kind == k).count();
        assert_eq!([kinds("Xã"), kinds("Phường"), kinds("Đặc khu")], [2621, 687, 13]);
        for c in &d.communes {
            assert_eq!((c.code.len(), nfc(&c.name)), (5, c.name.clone()));
            assert!(c.name.starts_with(&format!("{} ", c.kind)), "{}", c.name);
            let province = (c.province_code.clone(), c.province_name.clone());
            assert!(provinces().contains(&province));
        }
        assert_eq!(commune("11848").map(|c| c.kind.as_str()), Some("Xã"));
        assert_eq!(commune("10543").map(|c| c.kind.as_str()), Some("Phường"));
        assert!(provinces().contains(&("31".into(), "Thành phố Hải Phòng".into())));
        let total: usize = provinces().iter().map(|(p, _)| communes_of(p).len()).sum();
        assert_eq!(total, 3321);
        assert!(communes_of("02").is_empty(), "Hà Giang is now in Tuyên Quang");
    }

    #[test]
    fn lookup() {
        let c = commune("10903").expect("Cẩm Giàng");
        assert_eq!((c.name.as_str(), c.province_code.as_str()), ("Xã Cẩm Giàng", "31"));
        assert!(commune("99999").is_none());
        let parsed = |s| parse_commune_code(s).map(|c| c.code.as_str()).map_err(|e| e.code);
        assert_eq!(parsed(" 10903 "), Ok("10903"));
        assert_eq!(parsed("99999"), Err("unknown_commune"));
        assert_eq!(parsed(""), Err("required"));
    }

    #[test]
    fn search_ranking() {
        // Hải Phòng has Cẩm Giang and Cẩm Giàng; Thái Nguyên another Cẩm Giàng.
        assert_eq!(codes(Some("31"), "cam giang", 10), ["10888", "10903"]);
        assert_eq!(codes(Some("31"), "Cẩm Giàng", 10), ["10903", "10888"]);
        assert_eq!(codes(Some("31"), "CẨM GIANG", 10), ["10888", "10903"]);
        assert_eq!(codes(None, "Cẩm Giàng", 10), ["02008", "10903", "10888"]);
        assert_eq!(codes(None, "Cẩm Giàng", 2), ["02008", "10903"]);
        assert_eq!(codes(Some("79"), "Thạnh An", 2), ["27676", "25807"]);
        // Old-style tone placement in the query still counts as exact.
        assert_eq!(codes(None, "Ứng Hoà", 1), ["10402"]);
        // An equal name beats one that only starts with the query.
        assert_eq!(codes(Some("79"), "an phú", 2), ["25975", "26767"]);
        assert_eq!(search(Some("31"), " ", 5000).len(), communes_of("31").len());
        assert!(search(Some("31"), "zzz", 10).is_empty());
        assert!(search(Some("00"), "", 10).is_empty());
    }

    #[test]
    fn exact_name_is_never_outranked_by_a_lookalike() {
        let d = data();
        for (c, (exact, _)) in d.communes.iter().zip(&d.keys) {
            let hits = search(Some(&c.province_code), &c.name, usize::MAX);
            let pos = hits.iter().position(|h| h.code == c.code).expect("finds itself");
            for h in &hits[..pos] {
                assert!(exact_key(&h.name).contains(exact.as_str()), "{}", h.name);
            }
        }
    }

    #[test]
    fn names_already_use_one_tone_style() {
        for c in &data().communes {
            assert_eq!(normalize_tone_placement(&c.name), c.name);
        }
    }

    #[test]
    fn legacy_provinces() {
        assert_eq!(legacy_province_codes().len(), 63);
        for code in ["001", "002", "030", "079", "096"] {
            assert!(legacy_province_exists(code), "{code}");
        }
        for code in ["000", "003", "097", "01", "0001", "100"] {
            assert!(!legacy_province_exists(code), "{code}");
        }
    }
}
