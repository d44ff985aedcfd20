//! Question-bank importer: an uploaded file (CSV, or XLSX when it starts with the ZIP
//! magic) either imports as a bank that satisfies every rule of docs/question-bank.md
//! (translation columns included), or is refused with row errors; a bank that imports
//! exports to XLSX, and writes to CSV in the same layout, and both import back unchanged.

use std::collections::{BTreeSet, HashSet};

use thiluat::contest::bank::{
    check_translations, is_translation_lang, parse_upload, to_xlsx, BankError, BankQuestion, COLUMNS,
};
use unicode_normalization::UnicodeNormalization;

/// Longest string an XLSX cell can hold; `to_xlsx` refuses longer ones.
const XLSX_MAX_CHARS: usize = 32_767;
const LETTERS: [&str; 6] = ["A", "B", "C", "D", "E", "F"];
const OPTIONS: [&str; 6] = ["option_a", "option_b", "option_c", "option_d", "option_e", "option_f"];

/// Stored text is NFC with single spaces and no spaces at either end.
fn is_clean(s: &str) -> bool {
    s.nfc().eq(s.chars()) && s.split_whitespace().collect::<Vec<_>>().join(" ") == s
}

fn check_question(q: &BankQuestion) {
    assert!((2..=6).contains(&q.options.len()), "{} options", q.options.len());
    assert!(!q.correct.is_empty(), "a correct option");
    assert!(q.correct.iter().all(|&i| i < q.options.len()), "correct {:?}", q.correct);
    assert!(q.correct.windows(2).all(|w| w[0] < w[1]), "sorted, no duplicates");
    assert!(q.options.iter().all(|o| !o.is_empty()), "no empty option");
    assert!(!q.code.is_empty() && !q.topic.is_empty() && !q.text.is_empty());
    for s in [&q.code, &q.topic, &q.text, &q.explanation, &q.law, &q.article].into_iter().chain(&q.options) {
        assert!(is_clean(s), "{s:?} is stored cleaned");
    }
    // A translation has a text and exactly the Vietnamese options, in a 2–3 letter language.
    assert!(check_translations(&q.translations, q.options.len()).is_empty());
    for (lang, t) in &q.translations {
        assert!(is_translation_lang(lang), "{lang:?}");
        assert!(!t.text.is_empty(), "translated text");
        assert_eq!(t.options.len(), q.options.len(), "as many options as the Vietnamese");
        assert!(t.options.iter().all(|o| !o.is_empty()), "no empty translated option");
        for s in [&t.text, &t.explanation].into_iter().chain(&t.options) {
            assert!(is_clean(s), "{s:?} is stored cleaned");
        }
    }
}

/// Every text of a bank, translations included.
fn texts(q: &BankQuestion) -> impl Iterator<Item = &String> {
    [&q.code, &q.topic, &q.text, &q.explanation, &q.law, &q.article]
        .into_iter()
        .chain(&q.options)
        .chain(q.translations.values().flat_map(|t| [&t.text, &t.explanation].into_iter().chain(&t.options)))
}

/// The bank as a CSV file in the layout docs/question-bank.md gives (the header of `to_xlsx`).
fn to_csv(qs: &[BankQuestion]) -> Vec<u8> {
    let langs: BTreeSet<&str> = qs.iter().flat_map(|q| q.translations.keys().map(String::as_str)).collect();
    let mut header: Vec<String> = COLUMNS.iter().map(|c| c.to_string()).collect();
    for lang in &langs {
        header.push(format!("question_{lang}"));
        header.extend(OPTIONS.iter().map(|o| format!("{o}_{lang}")));
        header.push(format!("explanation_{lang}"));
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&header).expect("header");
    for q in qs {
        let mut row = vec![q.code.clone(), q.topic.clone(), q.difficulty.as_str().into(), q.text.clone()];
        row.extend((0..6).map(|i| q.options.get(i).cloned().unwrap_or_default()));
        let correct: Vec<&str> = q.correct.iter().map(|&i| LETTERS[i]).collect();
        row.extend([correct.join(","), q.explanation.clone(), q.law.clone(), q.article.clone()]);
        for lang in &langs {
            let t = q.translations.get(*lang).cloned().unwrap_or_default();
            row.push(t.text);
            row.extend((0..6).map(|i| t.options.get(i).cloned().unwrap_or_default()));
            row.push(t.explanation);
        }
        w.write_record(&row).expect("row");
    }
    w.into_inner().expect("flush")
}

fn check_errors(errors: &[BankError]) {
    assert!(!errors.is_empty(), "a refusal says why");
    for e in errors {
        assert!(!e.message.is_empty());
    }
}

/// Checks one input; panics when a property fails.
pub fn check(data: &[u8]) {
    let qs = match parse_upload(data) {
        Ok(qs) => qs,
        Err(errors) => return check_errors(&errors),
    };
    let mut codes = HashSet::new();
    for q in &qs {
        check_question(q);
        assert!(codes.insert(q.code.clone()), "codes are unique");
    }
    let back = parse_upload(&to_csv(&qs)).expect("the bank written as CSV imports");
    assert_eq!(back, qs, "CSV write then import is lossless");
    let too_long = qs.iter().any(|q| texts(q).any(|s| s.chars().count() > XLSX_MAX_CHARS));
    match to_xlsx(&qs) {
        Ok(bytes) => {
            let back = parse_upload(&bytes).expect("an exported bank imports");
            assert_eq!(back, qs, "export then import is lossless");
        }
        Err(e) => assert!(too_long, "export failed: {e}"),
    }
}
