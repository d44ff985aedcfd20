//! Websocket decoder: any text frame either decodes into a typed `ClientMessage` or is
//! refused with an error (`malformed`, or the code of a number out of its range); the
//! server's error reply always encodes. Never a panic. Every number of a decoded message
//! is inside its documented range. For a decoded `start`/`resume`, what the connection does
//! before any store call is checked too: the `lang` tag goes through `bank::requested_lang`
//! (src/ws/connection.rs `snapshot_lang`) and a proof-of-work `pow` solution is a
//! `pow::Solution` that `pow::solves` checks.

use thiluat::contest::bank::{is_translation_lang, requested_lang};
use thiluat::pow::{solves, Solution};
use thiluat::ws::{ClientMessage, ServerMessage};

/// The translation a `start`/`resume` asks for: `Ok(None)` is Vietnamese, `Ok(Some)` a
/// well-formed 2–3 letter code taken from the tag's primary subtag, `Err` → `malformed`.
fn check_lang(tag: &str) {
    let primary = tag.trim().split(['-', '_']).next().unwrap_or_default().to_ascii_lowercase();
    match requested_lang(tag) {
        Ok(None) => assert_eq!(primary, "vi", "{tag:?} is Vietnamese"),
        Ok(Some(code)) => {
            assert!(is_translation_lang(&code), "{code:?} is a translation code");
            assert_eq!(code, primary, "only the primary subtag counts");
            assert!(tag.is_ascii() && tag.len() <= 35, "{tag:?} is a short ASCII tag");
            assert_eq!(requested_lang(&code), Ok(Some(code.clone())), "a code asks for itself");
            assert_eq!(requested_lang(&code.to_ascii_uppercase()), Ok(Some(code.clone())), "case-blind");
        }
        Err(_) => {
            let well_formed = is_translation_lang(&primary) && tag.is_ascii() && tag.len() <= 35;
            assert!(primary != "vi" && !well_formed, "{tag:?} is refused only when malformed");
        }
    }
}

/// A solution as sent back with the retried `start`: it survives a JSON round trip (the
/// HTTP registration decodes the same type), and more leading zero bits never solve where
/// fewer do not.
fn check_pow(s: &Solution) {
    let json = serde_json::to_string(s).expect("a solution serialises");
    let back: Solution = serde_json::from_str(&json).expect("and decodes");
    assert_eq!(&back, s);
    assert!(solves(&s.challenge, s.counter, 0), "difficulty 0 accepts any counter");
    let mut previous = true;
    for d in [1, 4, 8, 16] {
        let now = solves(&s.challenge, s.counter, d);
        assert!(previous || !now, "solving {d} bits implies solving fewer");
        previous = now;
    }
}

/// Checks one input; panics when a property fails.
pub fn check(data: &[u8]) {
    // The connection only accepts text frames, which are UTF-8; lossy decoding also
    // feeds replacement characters to the JSON parser.
    let text = String::from_utf8_lossy(data);
    match ClientMessage::decode(&text) {
        Ok(msg) => {
            match &msg {
                ClientMessage::Start { pow, lang, .. } => {
                    if let Some(s) = pow {
                        check_pow(s);
                    }
                    if let Some(tag) = lang {
                        check_lang(tag);
                    }
                }
                ClientMessage::Resume { lang: Some(tag), .. } => check_lang(tag),
                _ => {}
            }
            // Every number is inside its documented range (docs/protocol.md).
            let id = |v: i64| assert!(v >= 1, "an id is positive: {v}");
            match &msg {
                ClientMessage::Answer { round_id, question_id, options, seq, .. } => {
                    id(*round_id);
                    id(*question_id);
                    options.iter().copied().for_each(id);
                    assert!((1..=9_007_199_254_740_991).contains(seq), "seq {seq}");
                }
                ClientMessage::Submit { round_id, prediction, .. } => {
                    id(*round_id);
                    assert!(prediction.is_none_or(|p| (0..=1_000_000_000).contains(&p)), "prediction {prediction:?}");
                }
                ClientMessage::Predict { round_id, prediction, .. } => {
                    id(*round_id);
                    assert!((0..=1_000_000_000).contains(prediction), "prediction {prediction}");
                }
                ClientMessage::Start { round_id, .. }
                | ClientMessage::Resume { round_id, .. }
                | ClientMessage::Attempts { round_id } => id(*round_id),
                ClientMessage::Ping {} => {}
            }
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
        Err(e) => {
            // A refusal carries one of the protocol's codes; a range error names the field's.
            let codes = ["malformed", "seq_invalid", "id_invalid", "invalid_option", "invalid_prediction"];
            assert!(codes.contains(&e.code), "{}", e.code);
            let reply = ServerMessage::error(e.code, e.reference).encode();
            assert!(reply.contains(&format!("\"{}\"", e.code)));
            assert!(!reply.contains("\"internal\""));
        }
    }
}
