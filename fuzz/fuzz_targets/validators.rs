//! Fuzz target: the registration validators. The properties are in checks/validators.rs
//! (shared with the corpus replay test of the main crate, tests/api/fuzz_corpus.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../checks/validators.rs"]
mod checks;

fuzz_target!(|data: &[u8]| checks::check(data));
