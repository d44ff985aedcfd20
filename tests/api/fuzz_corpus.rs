//! Replays the committed fuzz corpora and regression inputs (fuzz/corpus/TARGET/,
//! fuzz/regressions/TARGET/) through the same property checks the fuzz targets run
//! (fuzz/checks/), so the normal suite keeps every input fuzzing found, without cargo-fuzz
//! or a nightly compiler. Fuzzing itself is `fuzz/run.sh` (fuzz/README.md).

use std::path::{Path, PathBuf};

#[path = "../../fuzz/checks/bank_import.rs"]
mod bank_import;
#[path = "../../fuzz/checks/upload_table.rs"]
mod upload_table;
#[path = "../../fuzz/checks/validators.rs"]
mod validators;
#[path = "../../fuzz/checks/ws_message.rs"]
mod ws_message;

fn inputs(target: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut files = Vec::new();
    for dir in [root.join("corpus").join(target), root.join("regressions").join(target)] {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        files.extend(entries.map(|e| e.expect("directory entry").path()).filter(|p| p.is_file()));
    }
    files.sort();
    files
}

/// Runs `check` on every input of `target`; names every input that fails.
fn replay(target: &str, check: fn(&[u8])) {
    let files = inputs(target);
    assert!(files.len() >= 10, "the {target} corpus is committed ({} files found)", files.len());
    let failed: Vec<String> = files
        .iter()
        .filter(|path| {
            let data = std::fs::read(path).expect("readable input");
            std::panic::catch_unwind(|| check(&data)).is_err()
        })
        .map(|p| p.display().to_string())
        .collect();
    assert!(failed.is_empty(), "{target}: {} of {} inputs fail: {failed:?}", failed.len(), files.len());
}

#[test]
fn ws_message_corpus_holds() {
    replay("ws_message", ws_message::check);
}

#[test]
fn validators_corpus_holds() {
    replay("validators", validators::check);
}

#[test]
fn bank_import_corpus_holds() {
    replay("bank_import", bank_import::check);
}

/// The input gate on the bank_import inputs (fuzz/corpus/upload_table links to them).
#[test]
fn upload_table_corpus_holds() {
    replay("upload_table", upload_table::check);
}
