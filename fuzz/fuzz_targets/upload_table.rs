//! Fuzz target: the input gate of uploaded and imported tables (CSV, and XLSX through the ZIP
//! check and the streaming cell reader). The properties are in checks/upload_table.rs. It
//! starts from the bank_import corpus (fuzz/run.sh passes corpus/upload_table/, seeded from it).
#![no_main]

use std::sync::Once;

use libfuzzer_sys::fuzz_target;

#[path = "../checks/upload_table.rs"]
mod checks;

/// As in bank_import.rs: panics of calamine under `upload::read_xlsx` are caught there and
/// must unwind to that `catch_unwind`; any other panic aborts and is reported.
fn let_the_xlsx_reader_panic_be_caught() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let abort = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_calamine = info.location().is_some_and(|l| l.file().contains("calamine-"));
            let under_reader = in_calamine
                || std::backtrace::Backtrace::force_capture().to_string().contains("upload::read_xlsx");
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
