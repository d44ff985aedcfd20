//! Fuzz target: the websocket message decoder. The properties are in checks/ws_message.rs
//! (shared with the corpus replay test of the main crate, tests/api/fuzz_corpus.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../checks/ws_message.rs"]
mod checks;

fuzz_target!(|data: &[u8]| checks::check(data));
