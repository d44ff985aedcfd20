//! The typed protocol of docs/protocol.md. Frames that do not decode into `ClientMessage`
//! are refused with `malformed`: never a default. Every integer has a documented range,
//! checked here, before anything reaches the store: out of range is refused with its own
//! code (`seq_invalid`, `id_invalid`, `invalid_option`, `invalid_prediction`), never clamped.

use serde::{Deserialize, Serialize};
use serde_json::Number;

use crate::play::{AttemptSummary, ResultView, Snapshot};

use crate::domain::{PREDICTION_MAX, SEQ_MAX};
/// Ids (rounds, questions, options) are positive `i64`s.
pub const ID_MAX: i64 = i64::MAX;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientMessage {
    Start {
        round_id: i64,
        request_id: String,
        /// The solved challenge, when the previous start answered `pow_required`.
        pow: Option<crate::pow::Solution>,
        /// A translation language for the snapshot's texts (docs/protocol.md).
        lang: Option<String>,
    },
    Resume {
        round_id: i64,
        attempt_id: String,
        lang: Option<String>,
    },
    Answer {
        round_id: i64,
        attempt_id: String,
        question_id: i64,
        options: Vec<i64>,
        seq: i64,
    },
    Submit {
        round_id: i64,
        attempt_id: String,
        prediction: Option<i64>,
    },
    /// Saves the prediction during the attempt (kept by a later submit without one).
    Predict {
        round_id: i64,
        attempt_id: String,
        prediction: i64,
    },
    Attempts {
        round_id: i64,
    },
    Ping {},
}

/// The frame as JSON has it: numbers still unchecked (any JSON number, so that an integer
/// out of range gets its own code rather than `malformed`).
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum Wire {
    Start {
        round_id: Number,
        request_id: String,
        #[serde(default)]
        pow: Option<crate::pow::Solution>,
        #[serde(default)]
        lang: Option<String>,
    },
    Resume {
        round_id: Number,
        attempt_id: String,
        #[serde(default)]
        lang: Option<String>,
    },
    Answer {
        round_id: Number,
        attempt_id: String,
        question_id: Number,
        options: Vec<Number>,
        seq: Number,
    },
    Submit {
        round_id: Number,
        attempt_id: String,
        #[serde(default)]
        prediction: Option<Number>,
    },
    Predict {
        round_id: Number,
        attempt_id: String,
        prediction: Number,
    },
    Attempts {
        round_id: Number,
    },
    Ping {},
}

/// Why a frame was refused, and what the error reply refers to.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodeError {
    pub code: &'static str,
    pub reference: Option<serde_json::Value>,
}

impl DecodeError {
    fn malformed() -> Self {
        Self { code: "malformed", reference: None }
    }
}

/// `n` when it is an integer in `lo..=hi` (a fraction, or an integer beyond `i64`, is not).
fn ranged(n: &Number, lo: i64, hi: i64) -> Option<i64> {
    n.as_i64().filter(|v| (lo..=hi).contains(v))
}

impl ClientMessage {
    pub fn decode(text: &str) -> Result<Self, DecodeError> {
        let wire: Wire = serde_json::from_str(text).map_err(|_| DecodeError::malformed())?;
        Self::checked(wire)
    }

    fn checked(wire: Wire) -> Result<Self, DecodeError> {
        let refuse = |code, reference: Option<serde_json::Value>| DecodeError { code, reference };
        let id = |n: &Number, reference: &Option<serde_json::Value>| {
            ranged(n, 1, ID_MAX).ok_or_else(|| refuse("id_invalid", reference.clone()))
        };
        Ok(match wire {
            Wire::Start { round_id, request_id, pow, lang } => {
                let reference = Some(request_id.clone().into());
                ClientMessage::Start { round_id: id(&round_id, &reference)?, request_id, pow, lang }
            }
            Wire::Resume { round_id, attempt_id, lang } => {
                let reference = Some(attempt_id.clone().into());
                ClientMessage::Resume { round_id: id(&round_id, &reference)?, attempt_id, lang }
            }
            Wire::Answer { round_id, attempt_id, question_id, options, seq } => {
                // The seq first: the reply refers to it as the client sent it, so a client
                // can drop that answer from its queue.
                let reference = Some(serde_json::Value::Number(seq.clone()));
                let seq = ranged(&seq, 1, SEQ_MAX).ok_or_else(|| refuse("seq_invalid", reference.clone()))?;
                let round_id = id(&round_id, &reference)?;
                let question_id = id(&question_id, &reference)?;
                let options = options
                    .iter()
                    .map(|o| ranged(o, 1, ID_MAX))
                    .collect::<Option<Vec<i64>>>()
                    .ok_or_else(|| refuse("invalid_option", reference.clone()))?;
                ClientMessage::Answer { round_id, attempt_id, question_id, options, seq }
            }
            Wire::Submit { round_id, attempt_id, prediction } => {
                let reference = Some(attempt_id.clone().into());
                let round_id = id(&round_id, &reference)?;
                let prediction = match prediction {
                    None => None,
                    Some(p) => Some(
                        ranged(&p, 0, PREDICTION_MAX).ok_or_else(|| refuse("invalid_prediction", reference.clone()))?,
                    ),
                };
                ClientMessage::Submit { round_id, attempt_id, prediction }
            }
            Wire::Predict { round_id, attempt_id, prediction } => {
                let reference = Some(attempt_id.clone().into());
                let round_id = id(&round_id, &reference)?;
                let prediction = ranged(&prediction, 0, PREDICTION_MAX)
                    .ok_or_else(|| refuse("invalid_prediction", reference.clone()))?;
                ClientMessage::Predict { round_id, attempt_id, prediction }
            }
            Wire::Attempts { round_id } => ClientMessage::Attempts { round_id: id(&round_id, &None)? },
            Wire::Ping {} => ClientMessage::Ping {},
        })
    }

    /// What an error reply refers to.
    pub fn reference(&self) -> Option<serde_json::Value> {
        match self {
            ClientMessage::Start { request_id, .. } => Some(request_id.clone().into()),
            ClientMessage::Answer { seq, .. } => Some((*seq).into()),
            ClientMessage::Resume { attempt_id, .. }
            | ClientMessage::Submit { attempt_id, .. }
            | ClientMessage::Predict { attempt_id, .. } => Some(attempt_id.clone().into()),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    Snapshot(Box<Snapshot>),
    Ack {
        seq: i64,
        question_id: i64,
        status: &'static str,
    },
    Result(ResultView),
    /// The prediction of a `predict` message is saved.
    PredictionSaved {
        attempt_id: String,
        prediction: i64,
    },
    Attempts {
        round_id: i64,
        attempts_left: Option<i64>,
        items: Vec<AttemptSummary>,
    },
    Pong {
        server_ms: i64,
    },
    Error {
        code: String,
        message: &'static str,
        #[serde(rename = "ref")]
        reference: Option<serde_json::Value>,
        /// With `pow_required`: what to solve before sending the start again.
        #[serde(skip_serializing_if = "Option::is_none")]
        challenge: Option<crate::pow::Challenge>,
    },
}

impl ServerMessage {
    pub fn error(code: &str, reference: Option<serde_json::Value>) -> Self {
        ServerMessage::Error {
            code: code.to_string(),
            message: crate::i18n::message(code, crate::i18n::Lang::Vi),
            reference,
            challenge: None,
        }
    }

    pub fn pow_required(challenge: crate::pow::Challenge, reference: Option<serde_json::Value>) -> Self {
        ServerMessage::Error {
            code: "pow_required".into(),
            message: crate::i18n::message("pow_required", crate::i18n::Lang::Vi),
            reference,
            challenge: Some(challenge),
        }
    }

    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| r#"{"type":"error","code":"internal"}"#.into())
    }
}

/// Every `code` an `error` frame can carry: what the decoder refuses, what the attempt
/// scripts refuse, and the socket's own. The one list that docs/protocol.md's table and the
/// OpenAPI document's `WsErrorCode` must both equal (a test checks), so a client written from
/// either knows every code it can be sent.
pub const WS_ERROR_CODES: [&str; 20] = [
    "malformed",
    "too_large",
    "binary_not_supported",
    "round_not_open",
    "attempt_limit",
    "not_found",
    "deadline_passed",
    "already_submitted",
    "invalid_question",
    "invalid_option",
    "answer_locked",
    "prediction_required",
    "invalid_prediction",
    "seq_invalid",
    "id_invalid",
    "rate_limited",
    "unavailable",
    "participant_erased",
    "pow_required",
    "attempt_exists",
];

#[cfg(test)]
mod error_code_lists {
    use std::collections::BTreeSet;

    use super::WS_ERROR_CODES;

    fn ours() -> BTreeSet<String> {
        WS_ERROR_CODES.iter().map(|c| c.to_string()).collect()
    }

    #[test]
    fn the_protocol_document_lists_exactly_these_codes() {
        let doc = include_str!("../../docs/protocol.md");
        let table = doc.split("### Error codes on the socket").nth(1).and_then(|t| t.split("\n### ").next());
        let listed: BTreeSet<String> = table
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.strip_prefix("| `"))
            .filter_map(|l| l.split('`').next())
            .map(str::to_string)
            .collect();
        assert_eq!(listed, ours(), "docs/protocol.md's error table and WS_ERROR_CODES differ");
    }

    #[test]
    fn the_openapi_document_lists_exactly_these_codes() {
        let doc: serde_json::Value =
            serde_json::from_str(include_str!("../http/openapi.json")).unwrap_or(serde_json::Value::Null);
        let listed: BTreeSet<String> = doc["components"]["schemas"]["WsErrorCode"]["enum"]
            .as_array()
            .map(|a| a.iter().filter_map(|c| c.as_str().map(str::to_string)).collect())
            .unwrap_or_default();
        assert_eq!(listed, ours(), "openapi.json's WsErrorCode and WS_ERROR_CODES differ");
    }

    #[test]
    fn every_code_the_socket_sends_is_listed() {
        let sources =
            [include_str!("connection.rs"), include_str!("../privacy/revoke.rs"), include_str!("messages.rs")];
        for src in sources {
            for call in src.split("error(\"").skip(1) {
                let code = call.split('"').next().unwrap_or_default();
                assert!(WS_ERROR_CODES.contains(&code), "the socket sends {code:?}, which is not in WS_ERROR_CODES");
            }
        }
        for script in [
            include_str!("../store/lua/start.lua"),
            include_str!("../store/lua/answer.lua"),
            include_str!("../store/lua/submit.lua"),
            include_str!("../store/lua/predict.lua"),
        ] {
            for call in script.split("error_reply('").skip(1) {
                let code = call.split('\'').next().unwrap_or_default();
                // `not_due`: only the deadline sweeper's auto-submit gets it, never a client.
                assert!(
                    WS_ERROR_CODES.contains(&code) || code == "not_due",
                    "a script refuses with {code:?}, which is not in WS_ERROR_CODES"
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_each_message() {
        let m = ClientMessage::decode(
            r#"{"type":"answer","round_id":1,"attempt_id":"a","question_id":5,"options":[7],"seq":3}"#,
        );
        assert_eq!(
            m.expect("valid"),
            ClientMessage::Answer { round_id: 1, attempt_id: "a".into(), question_id: 5, options: vec![7], seq: 3 }
        );
        assert!(ClientMessage::decode(r#"{"type":"ping"}"#).is_ok());
        assert_eq!(
            ClientMessage::decode(r#"{"type":"resume","round_id":1,"attempt_id":"a","lang":"en"}"#).expect("valid"),
            ClientMessage::Resume { round_id: 1, attempt_id: "a".into(), lang: Some("en".into()) }
        );
        assert!(ClientMessage::decode(r#"{"type":"submit","round_id":1,"attempt_id":"a"}"#).is_ok());
    }

    #[test]
    fn refuses_what_does_not_match_exactly() {
        for bad in [
            r#"{"type":"answer","round_id":1,"attempt_id":"a","question_id":5,"options":[7]}"#, // no seq
            r#"{"type":"answer","round_id":1,"attempt_id":"a","question_id":"5","options":[7],"seq":1}"#,
            r#"{"type":"teleport"}"#,
            r#"{"round_id":1}"#,
            r#"{"type":"ping","extra":1}"#,
            "not json",
            "[]",
        ] {
            assert_eq!(ClientMessage::decode(bad).map_err(|e| e.code), Err("malformed"), "{bad}");
        }
    }

    fn answer_with(field: &str, value: &str) -> String {
        let mut frame =
            serde_json::json!({"type":"answer","round_id":1,"attempt_id":"a","question_id":5,"options":[7],"seq":3});
        frame[field] = serde_json::from_str(value).expect("a JSON number");
        frame.to_string()
    }

    #[test]
    fn integers_out_of_their_range_are_refused_with_their_code() {
        for (value, ok) in [
            ("1", true),
            ("9007199254740991", true),
            ("9007199254740992", false),
            ("100000000000000000", false),
            ("9223372036854775807", false),
            ("18446744073709551615", false),
            ("0", false),
            ("-1", false),
            ("-9223372036854775808", false),
            ("1.0", false),
            ("1e3", false),
        ] {
            let got = ClientMessage::decode(&answer_with("seq", value));
            if ok {
                assert!(got.is_ok(), "seq {value}");
            } else {
                let e = got.expect_err(value);
                assert_eq!(e.code, "seq_invalid", "seq {value}");
                // The reply names the seq as it was sent (integers exactly, even past i64).
                let sent: serde_json::Value = serde_json::from_str(value).expect("JSON");
                assert_eq!(e.reference, Some(sent), "seq {value}");
            }
        }
        for field in ["round_id", "question_id"] {
            assert!(ClientMessage::decode(&answer_with(field, "9223372036854775807")).is_ok());
            for bad in ["0", "-3", "9223372036854775808", "2.5"] {
                let e = ClientMessage::decode(&answer_with(field, bad)).expect_err(bad);
                assert_eq!((e.code, e.reference), ("id_invalid", Some(3.into())), "{field} {bad}");
            }
        }
        let e = ClientMessage::decode(&answer_with("options", "[7, 0]")).expect_err("option 0");
        assert_eq!(e.code, "invalid_option");
        let submit = |p: &str| {
            ClientMessage::decode(&format!(r#"{{"type":"submit","round_id":1,"attempt_id":"a","prediction":{p}}}"#))
        };
        assert!(matches!(submit("0"), Ok(ClientMessage::Submit { prediction: Some(0), .. })));
        assert!(matches!(submit("1000000000"), Ok(ClientMessage::Submit { prediction: Some(1_000_000_000), .. })));
        assert!(matches!(submit("null"), Ok(ClientMessage::Submit { prediction: None, .. })));
        for bad in ["-1", "1000000001", "9223372036854775807", "1e20"] {
            assert_eq!(submit(bad).map_err(|e| e.code), Err("invalid_prediction"), "{bad}");
        }
        let predict = |p: &str| {
            ClientMessage::decode(&format!(r#"{{"type":"predict","round_id":1,"attempt_id":"a","prediction":{p}}}"#))
        };
        assert!(matches!(predict("7"), Ok(ClientMessage::Predict { prediction: 7, .. })));
        for bad in ["-1", "1000000001", "9223372036854775808", "2.5"] {
            assert_eq!(predict(bad).map_err(|e| e.code), Err("invalid_prediction"), "{bad}");
        }
        assert_eq!(predict("null").map_err(|e| e.code), Err("malformed"));
        for frame in [r#"{"type":"attempts","round_id":0}"#, r#"{"type":"resume","round_id":-1,"attempt_id":"a"}"#] {
            assert_eq!(ClientMessage::decode(frame).map_err(|e| e.code), Err("id_invalid"), "{frame}");
        }
    }
}
