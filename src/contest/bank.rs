//! Question banks from CSV or XLSX, one layout for both:
//! `code, topic, difficulty, question, option_a … option_f, correct, explanation, law, article`,
//! then optional translation columns named like the Vietnamese ones with a language suffix:
//! `question_<lang>, option_a_<lang> … option_f_<lang>, explanation_<lang>` (`<lang>` a
//! BCP-47 primary language subtag of 2–3 letters: `en`, `hmn`, `km`…). A row with any cell of
//! a language filled has that translation, and it must translate the question and exactly as
//! many options as the Vietnamese text (same order). docs/question-bank.md describes it all.
//! Parsing reports every bad row at once; a file with any error imports nothing.

use std::collections::BTreeMap;
use std::io::Read;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

pub const COLUMNS: [&str; 14] = [
    "code",
    "topic",
    "difficulty",
    "question",
    "option_a",
    "option_b",
    "option_c",
    "option_d",
    "option_e",
    "option_f",
    "correct",
    "explanation",
    "law",
    "article",
];
const OPTION_COLUMNS: std::ops::Range<usize> = 4..10;
const LETTERS: [char; 6] = ['A', 'B', 'C', 'D', 'E', 'F'];
const OPTION_NAMES: [&str; 6] = ["option_a", "option_b", "option_c", "option_d", "option_e", "option_f"];

/// A language a question can be translated into: a BCP-47 primary language subtag of 2–3
/// ASCII letters, lowercase (`en`, `km`, `hmn`). Vietnamese is the question itself.
pub fn is_translation_lang(code: &str) -> bool {
    (2..=3).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_lowercase()) && code != "vi"
}

/// A language tag that is not a BCP-47 tag with a 2–3 letter primary subtag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a language tag")]
pub struct BadLang;

/// The translation language a participant asks for, from a BCP-47 tag (`en`, `en-US`,
/// `hmn`): `Ok(None)` for Vietnamese (the questions themselves), `Err` for a malformed tag.
pub fn requested_lang(tag: &str) -> Result<Option<String>, BadLang> {
    let primary = tag.trim().split(['-', '_']).next().unwrap_or_default().to_ascii_lowercase();
    match primary.as_str() {
        "vi" => Ok(None),
        p if is_translation_lang(p) && tag.len() <= 35 && tag.is_ascii() => Ok(Some(primary)),
        _ => Err(BadLang),
    }
}

/// One translation of a question: options in the order of the Vietnamese options.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Translation {
    pub text: String,
    pub options: Vec<String>,
    #[serde(default)]
    pub explanation: String,
}

/// Translations by language code, in a stable order.
pub type Translations = BTreeMap<String, Translation>;

/// Problems with the translations of a question with `option_count` options, as
/// (column, message) pairs; the column names follow the file layout.
pub fn check_translations(translations: &Translations, option_count: usize) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    for (lang, t) in translations {
        if !is_translation_lang(lang) {
            problems.push((format!("question_{lang}"), format!("{lang:?} is not a 2–3 letter language code")));
            continue;
        }
        if t.text.trim().is_empty() {
            problems.push((format!("question_{lang}"), "required when the row has a translation".into()));
        }
        if t.options.len() != option_count || t.options.iter().any(|o| o.trim().is_empty()) {
            let filled = t.options.iter().filter(|o| !o.trim().is_empty()).count();
            problems.push((
                format!("option_a_{lang}"),
                format!("the translation needs exactly {option_count} options, like the Vietnamese one (has {filled})"),
            ));
        }
    }
    problems
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Difficulty {
    Easy,
    Medium,
    Hard,
}

impl Difficulty {
    pub fn as_str(&self) -> &'static str {
        match self {
            Difficulty::Easy => "easy",
            Difficulty::Medium => "medium",
            Difficulty::Hard => "hard",
        }
    }
    /// Accepts the English keys and the Vietnamese words organisers write.
    pub fn parse(s: &str) -> Option<Self> {
        match crate::domain::text::fold(s).as_str() {
            "easy" | "de" | "nhan biet" => Some(Self::Easy),
            "medium" | "trung binh" | "thong hieu" => Some(Self::Medium),
            "hard" | "kho" | "van dung" => Some(Self::Hard),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankQuestion {
    pub code: String,
    pub topic: String,
    pub difficulty: Difficulty,
    pub text: String,
    pub options: Vec<String>,
    /// Indices into `options`.
    pub correct: Vec<usize>,
    pub explanation: String,
    pub law: String,
    pub article: String,
    /// Optional translations by language code (see the module header).
    pub translations: Translations,
}

/// One problem in one row (1-based, counting the header as row 1, as a spreadsheet does).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BankError {
    pub row: usize,
    pub column: Option<String>,
    pub message: String,
}

fn clean(s: &str) -> String {
    s.nfc().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Where a translation's cells are in the file.
#[derive(Debug, Default, Clone)]
struct LangColumns {
    question: Option<usize>,
    options: [Option<usize>; 6],
    explanation: Option<usize>,
}

impl LangColumns {
    fn all(&self) -> impl Iterator<Item = usize> + '_ {
        self.question.into_iter().chain(self.options.iter().flatten().copied()).chain(self.explanation)
    }
}

/// The translation columns after the base ones, by language; an unknown or repeated column
/// is an error message.
fn translation_columns(header: &[String]) -> Result<BTreeMap<String, LangColumns>, String> {
    let mut out: BTreeMap<String, LangColumns> = BTreeMap::new();
    for (i, h) in header.iter().enumerate().skip(COLUMNS.len()) {
        if h.is_empty() {
            continue;
        }
        let unknown = || {
            format!(
                "unknown column {h:?}: after {} only translation columns may follow \
                 (question_<lang>, option_a_<lang> … option_f_<lang>, explanation_<lang>, <lang> a 2–3 letter code)",
                COLUMNS[COLUMNS.len() - 1]
            )
        };
        let (base, lang) = h.rsplit_once('_').ok_or_else(unknown)?;
        if !is_translation_lang(lang) {
            return Err(unknown());
        }
        let cols = out.entry(lang.to_string()).or_default();
        let slot = match base {
            "question" => &mut cols.question,
            "explanation" => &mut cols.explanation,
            _ => match OPTION_NAMES.iter().position(|o| *o == base) {
                Some(k) => &mut cols.options[k],
                None => return Err(unknown()),
            },
        };
        if slot.replace(i).is_some() {
            return Err(format!("column {h:?} appears twice"));
        }
    }
    for (lang, cols) in &out {
        if cols.question.is_none() {
            return Err(format!("translation columns for {lang:?} need a question_{lang} column"));
        }
    }
    Ok(out)
}

fn parse_translations(
    row_no: usize,
    cells: &[String],
    langs: &BTreeMap<String, LangColumns>,
    option_count: usize,
    errors: &mut Vec<BankError>,
) -> Option<Translations> {
    let cell = |i: usize| cells.get(i).map(|s| clean(s)).unwrap_or_default();
    let mut out = Translations::new();
    for (lang, cols) in langs {
        if cols.all().all(|i| cell(i).is_empty()) {
            continue;
        }
        let options: Vec<String> = cols.options.iter().map(|c| c.map(cell).unwrap_or_default()).collect();
        let last = options.iter().rposition(|o| !o.is_empty()).map_or(0, |i| i + 1);
        let t = Translation {
            text: cols.question.map(cell).unwrap_or_default(),
            options: options[..last].to_vec(),
            explanation: cols.explanation.map(cell).unwrap_or_default(),
        };
        out.insert(lang.clone(), t);
    }
    let problems = check_translations(&out, option_count);
    let ok = problems.is_empty();
    errors.extend(problems.into_iter().map(|(column, message)| BankError {
        row: row_no,
        column: Some(column),
        message,
    }));
    ok.then_some(out)
}

fn parse_row(
    row_no: usize,
    cells: &[String],
    langs: &BTreeMap<String, LangColumns>,
    errors: &mut Vec<BankError>,
) -> Option<BankQuestion> {
    let cell = |i: usize| cells.get(i).map(|s| clean(s)).unwrap_or_default();
    let mut err = |column: Option<&'static str>, message: String| {
        errors.push(BankError { row: row_no, column: column.map(str::to_string), message })
    };
    let mut bad = false;
    for (i, name) in [(0, "code"), (1, "topic"), (3, "question")] {
        if cell(i).is_empty() {
            err(Some(name), "required".into());
            bad = true;
        }
    }
    let difficulty = Difficulty::parse(&cell(2));
    if difficulty.is_none() {
        err(Some("difficulty"), format!("{:?} is not easy, medium or hard", cell(2)));
        bad = true;
    }
    let options: Vec<String> = OPTION_COLUMNS.map(cell).collect();
    let last = options.iter().rposition(|o| !o.is_empty()).map_or(0, |i| i + 1);
    if options[..last].iter().any(String::is_empty) {
        err(Some("option_a"), "options must be filled from option_a without gaps".into());
        bad = true;
    }
    if last < 2 {
        err(Some("option_b"), "a question needs at least 2 options".into());
        bad = true;
    }
    let mut correct = Vec::new();
    for part in cell(10).split([',', ';', ' ']).filter(|p| !p.is_empty()) {
        let letter = part.chars().next().map(|c| c.to_ascii_uppercase());
        match letter.and_then(|l| LETTERS.iter().position(|x| *x == l)) {
            Some(i) if part.chars().count() == 1 && i < last => {
                if !correct.contains(&i) {
                    correct.push(i);
                }
            }
            _ => {
                err(Some("correct"), format!("{part:?} is not the letter of a filled option"));
                bad = true;
            }
        }
    }
    if correct.is_empty() && !bad {
        err(Some("correct"), "required: the letter of the correct option".into());
        bad = true;
    }
    correct.sort_unstable();
    let translations = parse_translations(row_no, cells, langs, last, errors);
    if bad {
        return None;
    }
    Some(BankQuestion {
        code: cell(0),
        topic: cell(1),
        difficulty: difficulty?,
        text: cell(3),
        options: options[..last].to_vec(),
        correct,
        explanation: cell(11),
        law: cell(12),
        article: cell(13),
        translations: translations?,
    })
}

/// A bank from the rows of a table that passed the input gate (header first).
pub fn parse_table(rows: Vec<Vec<String>>) -> Result<Vec<BankQuestion>, Vec<BankError>> {
    let mut errors = Vec::new();
    let mut rows = rows.into_iter();
    let header: Vec<String> = rows.next().unwrap_or_default().iter().map(|h| clean(h).to_lowercase()).collect();
    if header.len() < COLUMNS.len() || header.iter().zip(COLUMNS).any(|(h, c)| h != c) {
        return Err(vec![BankError {
            row: 1,
            column: None,
            message: format!("the header must be: {}", COLUMNS.join(", ")),
        }]);
    }
    let langs = translation_columns(&header).map_err(|message| vec![BankError { row: 1, column: None, message }])?;
    let mut out: Vec<BankQuestion> = Vec::new();
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (i, row) in rows.enumerate() {
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let code = row.first().map(|c| clean(c)).unwrap_or_default();
        if let Some(first) = seen.get(&code).filter(|_| !code.is_empty()) {
            let message = format!("code {code:?} appears twice (first in row {first})");
            errors.push(BankError { row: i + 2, column: Some("code".into()), message });
        }
        seen.entry(code).or_insert(i + 2);
        if let Some(q) = parse_row(i + 2, &row, &langs, &mut errors) {
            out.push(q);
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// A file refused by the input gate (`crate::upload`), as a file-level error (row 0).
fn refused(r: crate::upload::Refusal) -> BankError {
    BankError { row: 0, column: None, message: r.en }
}

/// The rows of a CSV file, as text, through the input gate (`crate::upload`). A UTF-8 BOM at
/// the start of the file is dropped; one anywhere else is text, as in an XLSX cell (dropping it
/// from the start of every cell made the CSV import of a bank differ from its XLSX import and
/// from itself written back: fuzz/regressions/bank_import/bom-after-space-in-a-cell.csv).
pub fn csv_rows(input: impl Read) -> Result<Vec<Vec<String>>, BankError> {
    let mut bytes = Vec::new();
    input.take(crate::upload::MAX_BYTES as u64 + 1).read_to_end(&mut bytes).map_err(|e| BankError {
        row: 1,
        column: None,
        message: format!("not valid CSV: {e}"),
    })?;
    crate::upload::read_csv(&bytes).map_err(refused)
}

/// The rows of the first sheet of an XLSX workbook, as text, through the input gate.
pub fn xlsx_rows(bytes: &[u8]) -> Result<Vec<Vec<String>>, BankError> {
    crate::upload::read_xlsx(bytes).map_err(refused)
}

/// An uploaded table: XLSX when it is a ZIP archive, CSV otherwise.
pub fn upload_rows(bytes: &[u8]) -> Result<Vec<Vec<String>>, BankError> {
    crate::upload::read_table(bytes).map_err(refused)
}

pub fn parse_csv(input: impl Read) -> Result<Vec<BankQuestion>, Vec<BankError>> {
    parse_table(csv_rows(input).map_err(|e| vec![e])?)
}

pub fn parse_xlsx(bytes: &[u8]) -> Result<Vec<BankQuestion>, Vec<BankError>> {
    parse_table(xlsx_rows(bytes).map_err(|e| vec![e])?)
}

pub fn parse_upload(bytes: &[u8]) -> Result<Vec<BankQuestion>, Vec<BankError>> {
    parse_table(upload_rows(bytes).map_err(|e| vec![e])?)
}

/// The bank as XLSX in the import layout (export, then import, gives the same bank).
pub fn to_xlsx(questions: &[BankQuestion]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    // Every language any question has, each with its full set of columns.
    let langs: std::collections::BTreeSet<&str> =
        questions.iter().flat_map(|q| q.translations.keys().map(String::as_str)).collect();
    let mut header: Vec<String> = COLUMNS.iter().map(|c| c.to_string()).collect();
    for lang in &langs {
        header.push(format!("question_{lang}"));
        header.extend(OPTION_NAMES.iter().map(|o| format!("{o}_{lang}")));
        header.push(format!("explanation_{lang}"));
    }
    for (c, h) in header.iter().enumerate() {
        sheet.write_string(0, c as u16, h)?;
    }
    for (i, q) in questions.iter().enumerate() {
        let r = i as u32 + 1;
        let letters: Vec<String> = q.correct.iter().map(|i| LETTERS[*i].to_string()).collect();
        let mut cells = vec![q.code.clone(), q.topic.clone(), q.difficulty.as_str().to_string(), q.text.clone()];
        cells.extend((0..6).map(|i| q.options.get(i).cloned().unwrap_or_default()));
        cells.extend([letters.join(","), q.explanation.clone(), q.law.clone(), q.article.clone()]);
        for lang in &langs {
            let t = q.translations.get(*lang).cloned().unwrap_or_default();
            cells.push(t.text);
            cells.extend((0..6).map(|i| t.options.get(i).cloned().unwrap_or_default()));
            cells.push(t.explanation);
        }
        for (c, cell) in cells.iter().enumerate().filter(|(_, cell)| !cell.is_empty()) {
            sheet.write_string(r, c as u16, cell)?;
        }
    }
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "code,topic,difficulty,question,option_a,option_b,option_c,option_d,option_e,option_f,correct,explanation,law,article\n";

    #[test]
    fn parses_a_good_file() {
        let csv = format!("{HEADER}HP-1,hien-phap,dễ,Tuổi bầu cử?,16,18,21,,,,b,Điều 27.,Hiến pháp 2013,Điều 27\n");
        let qs = parse_csv(csv.as_bytes()).expect("valid");
        assert_eq!(qs.len(), 1);
        assert_eq!(qs[0].options, vec!["16", "18", "21"]);
        assert_eq!(qs[0].correct, vec![1]);
        assert_eq!(qs[0].difficulty, Difficulty::Easy);
    }

    #[test]
    fn reports_every_bad_row_and_imports_nothing() {
        let csv = format!(
            "{HEADER}A1,t,easy,Q?,x,y,,,,,C,,,\nA2,t,impossible,Q?,x,y,,,,,A,,,\nA3,t,easy,,x,,,,,,A,,,\nA1,t,easy,Q?,x,y,,,,,A,,,\nA5,t,hard,Q?,x,y,z,,,,A,,,\n"
        );
        let errors = parse_csv(csv.as_bytes()).expect_err("bad rows");
        let rows: Vec<usize> = errors.iter().map(|e| e.row).collect();
        assert!(rows.contains(&2) && rows.contains(&3) && rows.contains(&4) && rows.contains(&5), "{errors:?}");
        assert!(!rows.contains(&6));
        assert!(errors.iter().any(|e| e.row == 2 && e.column.as_deref() == Some("correct")));
        assert!(errors.iter().any(|e| e.row == 5 && e.message.contains("twice")));
    }

    #[test]
    fn wrong_header_is_one_clear_error() {
        let errors = parse_csv("a,b,c\n1,2,3\n".as_bytes()).expect_err("bad header");
        assert_eq!(errors.len(), 1);
        assert!(errors[0].message.contains("option_a"));
    }

    #[test]
    fn xlsx_uses_the_same_layout_and_reports_rows_like_a_spreadsheet() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        let rows = [
            COLUMNS.to_vec(),
            vec![
                "CC-1",
                "can-cuoc",
                "medium",
                "Đổi thẻ căn cước ở tuổi nào?",
                "14",
                "15",
                "16",
                "",
                "",
                "",
                "A",
                "",
                "",
                "",
            ],
            vec!["CC-2", "can-cuoc", "khó", "Câu hai?", "x", "y", "", "", "", "", "Z", "", "", ""],
        ];
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                sheet.write_string(r as u32, c as u16, *cell).expect("cell");
            }
        }
        let bytes = book.save_to_buffer().expect("xlsx");
        let errors = parse_xlsx(&bytes).expect_err("row 3 is bad");
        assert_eq!(errors.len(), 1);
        assert_eq!((errors[0].row, errors[0].column.as_deref()), (3, Some("correct")));
        sheet_fix_and_parse();
    }

    fn sheet_fix_and_parse() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        let row = [
            "CC-1",
            "can-cuoc",
            "trung bình",
            "Câu?",
            "14",
            "15",
            "",
            "",
            "",
            "",
            "b",
            "Giải thích.",
            "Luật Căn cước",
            "Điều 21",
        ];
        for (c, h) in COLUMNS.iter().enumerate() {
            sheet.write_string(0, c as u16, *h).expect("header");
            sheet.write_string(1, c as u16, row[c]).expect("cell");
        }
        let qs = parse_xlsx(&book.save_to_buffer().expect("xlsx")).expect("valid");
        assert_eq!(qs[0].difficulty, Difficulty::Medium);
        assert_eq!(qs[0].correct, vec![1]);
        assert!(parse_xlsx(b"not a zip").is_err());
        assert_eq!(
            parse_upload(&to_xlsx(&qs).expect("export")).expect("reimport"),
            qs,
            "export then import is lossless"
        );
    }

    #[test]
    fn a_crafted_workbook_that_crashes_the_xlsx_reader_is_a_clear_error() {
        let crafted = include_bytes!("../../fuzz/regressions/bank_import/calamine-shared-string-index-oob.xlsx");
        let errors = parse_upload(crafted).expect_err("refused");
        assert!(errors[0].message.contains("not a valid XLSX"), "{errors:?}");
    }

    #[test]
    fn only_a_bom_at_the_start_of_a_csv_file_is_dropped() {
        let with_bom = format!("\u{feff}{HEADER}X,t,easy,Câu?,a,b,,,,,A,,,\n");
        assert_eq!(parse_csv(with_bom.as_bytes()).expect("a BOM is fine")[0].code, "X");
        // Elsewhere U+FEFF is text, as in an XLSX cell, so the CSV import agrees with the XLSX
        // one and a bank written back to CSV imports unchanged (fuzz/regressions/bank_import/).
        let inner = include_bytes!("../../fuzz/regressions/bank_import/bom-after-space-in-a-cell.csv");
        let qs = parse_csv(&inner[..]).expect("valid");
        assert_eq!(qs[0].text, "\u{feff}Câu?");
        assert_eq!(parse_upload(&to_xlsx(&qs).expect("export")).expect("reimport"), qs);
        let written_back = format!("{HEADER}X,t,easy,{},a,b,,,,,A,,,\n", qs[0].text);
        assert_eq!(parse_csv(written_back.as_bytes()).expect("valid"), qs, "CSV agrees with XLSX");
    }

    #[test]
    fn text_is_stored_nfc() {
        let decomposed = "Hie\u{302}\u{301}n pha\u{301}p";
        let csv = format!("{HEADER}X,t,easy,{decomposed}?,a,b,,,,,A,,,\n");
        let qs = parse_csv(csv.as_bytes()).expect("valid");
        assert_eq!(qs[0].text, "Hiến pháp?");
    }

    const EN_COLUMNS: &str =
        ",question_en,option_a_en,option_b_en,option_c_en,option_d_en,option_e_en,option_f_en,explanation_en";

    #[test]
    fn translations_come_from_suffixed_columns_and_survive_export() {
        let header = format!("{}{EN_COLUMNS},question_hmn,option_a_hmn,option_b_hmn,option_c_hmn\n", HEADER.trim_end());
        let csv = format!(
            "{header}HP-1,t,easy,Tuổi bầu cử?,16,18,21,,,,B,Điều 27.,Hiến pháp,Điều 27,Voting age?,16,18,21,,,,Article 27.,,,,\n\
             HP-2,t,easy,Câu hai?,x,y,,,,,A,,,,,,,,,,,,Lus nug?,ib,ob,\n\
             HP-3,t,easy,Câu ba?,x,y,,,,,A,,,,,,,,,,,,,,,\n"
        );
        let qs = parse_csv(csv.as_bytes()).expect("valid");
        let en = &qs[0].translations["en"];
        assert_eq!(
            (en.text.as_str(), en.options.clone()),
            ("Voting age?", vec!["16".into(), "18".into(), "21".into()])
        );
        assert_eq!(en.explanation, "Article 27.");
        assert_eq!(qs[0].translations.len(), 1, "no hmn cells: no hmn translation");
        assert_eq!(qs[1].translations.keys().collect::<Vec<_>>(), vec!["hmn"]);
        assert_eq!(qs[1].translations["hmn"].options, vec!["ib", "ob"]);
        assert!(qs[2].translations.is_empty());
        let back = parse_upload(&to_xlsx(&qs).expect("export")).expect("reimport");
        assert_eq!(back, qs, "translations round-trip through the XLSX export");
    }

    #[test]
    fn a_translation_with_the_wrong_number_of_options_is_a_row_error() {
        let header = format!("{}{EN_COLUMNS}\n", HEADER.trim_end());
        let csv = format!(
            "{header}A1,t,easy,Q?,x,y,z,,,,A,,,,Q en?,x,y,,,,,\n\
             A2,t,easy,Q?,x,y,,,,,A,,,,,x,y,,,,,\n\
             A3,t,easy,Q?,x,y,,,,,A,,,,Q en?,x,y,,,,,\n\
             A4,t,easy,Q?,x,y,,,,,A,,,,Q en?,x,,z,,,,\n"
        );
        let errors = parse_csv(csv.as_bytes()).expect_err("bad rows");
        let found: Vec<(usize, Option<&str>)> = errors.iter().map(|e| (e.row, e.column.as_deref())).collect();
        assert!(found.contains(&(2, Some("option_a_en"))), "{errors:?}");
        assert!(found.contains(&(3, Some("question_en"))), "{errors:?}");
        assert!(found.contains(&(5, Some("option_a_en"))), "a gap in the options: {errors:?}");
        assert!(!found.iter().any(|(r, _)| *r == 4), "row 4 is fine: {errors:?}");
    }

    #[test]
    fn unknown_or_malformed_extra_columns_are_one_header_error() {
        for extra in [",notes", ",question_english", ",option_g_en", ",question_vi", ",question_en,question_en"] {
            let header = format!("{}{extra}\n", HEADER.trim_end());
            let errors = parse_csv(format!("{header}A,t,easy,Q?,x,y,,,,,A,,,\n").as_bytes()).expect_err(extra);
            assert_eq!((errors.len(), errors[0].row), (1, 1), "{extra}: {errors:?}");
        }
        let errors =
            parse_csv(format!("{}{}\n", HEADER.trim_end(), ",option_a_en").as_bytes()).expect_err("no question");
        assert!(errors[0].message.contains("question_en"), "{errors:?}");
        assert!(is_translation_lang("hmn") && is_translation_lang("km") && !is_translation_lang("EN"));
        assert!(!is_translation_lang("vi") && !is_translation_lang("e") && !is_translation_lang("engl"));
        assert_eq!(requested_lang("en-US"), Ok(Some("en".into())));
        assert_eq!(requested_lang("HMN"), Ok(Some("hmn".into())));
        assert_eq!(requested_lang("vi-VN"), Ok(None));
        assert!(requested_lang("").is_err() && requested_lang("english").is_err() && requested_lang("e1").is_err());
    }
}
