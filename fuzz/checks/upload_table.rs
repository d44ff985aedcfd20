//! Properties of the input gate (src/upload), shared by the fuzz target
//! fuzz_targets/upload_table.rs and the corpus replay of the main crate (tests/api/fuzz_corpus.rs):
//! any bytes are either refused with a named limit and a message in both languages, or read
//! into a table within every limit; the same bytes give the same answer.

use thiluat::upload::{read_table, MAX_CELLS, MAX_CELL_CHARS, MAX_COLUMNS, MAX_ROWS, MAX_TEXT_BYTES};

pub fn check(data: &[u8]) {
    let first = read_table(data);
    match &first {
        Err(refusal) => {
            assert!(!refusal.limit.is_empty(), "a refusal names its limit");
            assert!(!refusal.vi.is_empty() && !refusal.en.is_empty(), "{refusal:?}");
        }
        Ok(rows) => {
            assert!(rows.len() <= MAX_ROWS, "{} rows", rows.len());
            let cells: usize = rows.iter().map(Vec::len).sum();
            assert!(cells <= MAX_CELLS, "{cells} cells");
            let text: usize = rows.iter().flatten().map(String::len).sum();
            assert!(text <= MAX_TEXT_BYTES, "{text} bytes of text");
            for row in rows {
                assert!(row.len() <= MAX_COLUMNS, "{} columns", row.len());
                assert!(row.iter().all(|c| c.chars().count() <= MAX_CELL_CHARS));
            }
        }
    }
    assert_eq!(read_table(data), first, "the same bytes, the same answer");
}
