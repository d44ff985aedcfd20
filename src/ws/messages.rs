//! The typed protocol of docs/protocol.md. Frames that do not decode into `ClientMessage`
//! are refused with `malformed`: never a default.

use serde::{Deserialize, Serialize};

use crate::play::{AttemptSummary, ResultView, Snapshot};

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMessage {
    Start {
        round_id: i64,
        request_id: String,
        /// The solved challenge, when the previous start answered `pow_required`.
        #[serde(default)]
        pow: Option<crate::pow::Solution>,
    },
    Resume {
        round_id: i64,
        attempt_id: String,
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
        #[serde(default)]
        prediction: Option<i64>,
    },
    Attempts {
        round_id: i64,
    },
    Ping {},
}

impl ClientMessage {
    pub fn decode(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// What an error reply refers to.
    pub fn reference(&self) -> Option<serde_json::Value> {
        match self {
            ClientMessage::Start { request_id, .. } => Some(request_id.clone().into()),
            ClientMessage::Answer { seq, .. } => Some((*seq).into()),
            ClientMessage::Resume { attempt_id, .. } | ClientMessage::Submit { attempt_id, .. } => {
                Some(attempt_id.clone().into())
            }
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
            assert!(ClientMessage::decode(bad).is_err(), "{bad}");
        }
    }
}
