//! Question-bank importer: an uploaded file (CSV, or XLSX when it starts with the ZIP
//! magic) either imports as a bank that satisfies every rule, or is refused with row
//! errors; a bank that imports exports to XLSX and imports back unchanged.
#![no_main]

use std::collections::HashSet;

use libfuzzer_sys::fuzz_target;
use thiluat::contest::bank::{parse_upload, to_xlsx};

/// Longest string an XLSX cell can hold; `to_xlsx` refuses longer ones.
const XLSX_MAX_CHARS: usize = 32_767;

fuzz_target!(|data: &[u8]| {
    let Ok(qs) = parse_upload(data) else {
        return;
    };
    let mut codes = HashSet::new();
    for q in &qs {
        assert!((2..=6).contains(&q.options.len()), "{} options", q.options.len());
        assert!(!q.correct.is_empty(), "a correct option");
        assert!(q.correct.iter().all(|&i| i < q.options.len()), "correct {:?}", q.correct);
        assert!(q.correct.windows(2).all(|w| w[0] < w[1]), "sorted, no duplicates");
        assert!(q.options.iter().all(|o| !o.is_empty()), "no empty option");
        assert!(!q.code.is_empty() && !q.topic.is_empty() && !q.text.is_empty());
        assert!(codes.insert(q.code.clone()), "codes are unique");
    }
    let too_long = qs.iter().any(|q| {
        [&q.code, &q.topic, &q.text, &q.explanation, &q.law, &q.article]
            .into_iter()
            .chain(&q.options)
            .any(|s| s.chars().count() > XLSX_MAX_CHARS)
    });
    match to_xlsx(&qs) {
        Ok(bytes) => {
            let back = parse_upload(&bytes).expect("an exported bank imports");
            assert_eq!(back, qs, "export then import is lossless");
        }
        Err(e) => assert!(too_long, "export failed: {e}"),
    }
});
