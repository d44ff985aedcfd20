//! Websocket decoder: any text frame either decodes into a typed `ClientMessage` or is
//! refused with an error; the server's error reply always encodes. Never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use thiluat::ws::{ClientMessage, ServerMessage};

fuzz_target!(|data: &[u8]| {
    // The connection only accepts text frames, which are UTF-8; lossy decoding also
    // feeds replacement characters to the JSON parser.
    let text = String::from_utf8_lossy(data);
    match ClientMessage::decode(&text) {
        Ok(msg) => {
            // What the connection does with a decoded message before any store call:
            // pick the reference an error reply would carry, and encode that reply.
            let reference = msg.reference();
            let reply = ServerMessage::error("malformed", None);
            serde_json::to_string(&reply).expect("error reply serialises");
            let with_ref = ServerMessage::error("malformed", reference);
            let encoded = serde_json::to_string(&with_ref).expect("error reply with ref serialises");
            let back: serde_json::Value = serde_json::from_str(&encoded).expect("reply is JSON");
            assert_eq!(back["type"], "error");
            assert_eq!(back["code"], "malformed");
            // `encode` must never fall back to the internal-error frame.
            assert!(!with_ref.encode().contains("\"internal\""));
        }
        Err(_) => {
            let reply = ServerMessage::error("malformed", None).encode();
            assert!(reply.contains("\"malformed\""));
        }
    }
});
