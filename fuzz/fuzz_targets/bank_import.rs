//! Fuzz target: the question-bank importer. The properties are in checks/bank_import.rs
//! (shared with the corpus replay test of the main crate, tests/api/fuzz_corpus.rs).
#![no_main]

use std::sync::Once;

use libfuzzer_sys::fuzz_target;

#[path = "../checks/bank_import.rs"]
mod checks;

/// libFuzzer's panic hook aborts on every panic, even one the code under test catches.
/// The input gate (`upload::read_xlsx`) catches panics of the XLSX reader (calamine) and
/// answers "not a valid XLSX file" (regressions/bank_import/); those must unwind to that `catch_unwind` as they
/// do in the server. Any other panic still aborts and is reported.
fn let_the_xlsx_reader_panic_be_caught() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let abort = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_calamine = info.location().is_some_and(|l| l.file().contains("calamine-"));
            let under_reader = in_calamine || {
                let trace = std::backtrace::Backtrace::force_capture().to_string();
                trace.contains("upload::read_xlsx")
            };
            if !under_reader {
                abort(info);
            }
        }));
    });
}

fuzz_target!(|data: &[u8]| {
    let_the_xlsx_reader_panic_be_caught();
    checks::check(data);
});
