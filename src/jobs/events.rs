//! Stream entries as typed events: every field checked (digits only, exact, in range, with
//! checked conversions), so that an entry the persister cannot understand is named as such
//! and set aside (`dead_letter`) instead of failing its whole batch for ever.

use std::collections::HashMap;

use anyhow::{bail, Context};

use crate::play::{PREDICTION_MAX, SEQ_MAX};

/// One stream entry: its id and fields.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: String,
    pub fields: HashMap<String, String>,
}

/// What a start carries; a submit carries it too (submit.lua), so that a submit whose start
/// is not in Postgres yet creates the attempt row itself: no order between batches matters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Started {
    pub participant_id: i64,
    pub number: i32,
    pub started_ms: i64,
    pub deadline_ms: i64,
    pub question_ids: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Start {
        attempt: uuid::Uuid,
        started: Started,
    },
    Answer {
        attempt: uuid::Uuid,
        question_id: i64,
        options: Vec<i64>,
        seq: i64,
        at_ms: i64,
    },
    Submit {
        attempt: uuid::Uuid,
        submitted_ms: i64,
        duration_ms: i64,
        correct: i32,
        prediction: Option<i64>,
        auto: bool,
        /// `None` for a submit written before submits carried their start.
        started: Option<Started>,
    },
}

impl Event {
    pub fn attempt(&self) -> uuid::Uuid {
        match self {
            Event::Start { attempt, .. } | Event::Answer { attempt, .. } | Event::Submit { attempt, .. } => *attempt,
        }
    }
}

fn field<'a>(e: &'a Entry, name: &str) -> anyhow::Result<&'a str> {
    e.fields.get(name).map(String::as_str).with_context(|| format!("lacks {name}"))
}

/// An integer written as plain decimal digits (optionally `-`), exactly: `1e+17`, `1.0`,
/// `+1` and the empty string are refused.
fn int(text: &str, name: &str) -> anyhow::Result<i64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        bail!("{name} is not an integer: {text:?}");
    }
    text.parse().with_context(|| format!("{name} is out of range: {text:?}"))
}

fn num(e: &Entry, name: &str) -> anyhow::Result<i64> {
    int(field(e, name)?, name)
}

fn ranged(e: &Entry, name: &str, lo: i64, hi: i64) -> anyhow::Result<i64> {
    let v = num(e, name)?;
    if !(lo..=hi).contains(&v) {
        bail!("{name} {v} is outside {lo}..={hi}");
    }
    Ok(v)
}

fn int32(e: &Entry, name: &str) -> anyhow::Result<i32> {
    i32::try_from(num(e, name)?).with_context(|| format!("{name} does not fit 32 bits"))
}

/// "1,2,3" → ids, every one a positive integer (an empty list is refused).
fn ids(e: &Entry, name: &str) -> anyhow::Result<Vec<i64>> {
    field(e, name)?
        .split(',')
        .map(|s| int(s, name).and_then(|v| if v > 0 { Ok(v) } else { bail!("{name} holds {v}") }))
        .collect()
}

fn attempt_of(e: &Entry) -> anyhow::Result<uuid::Uuid> {
    uuid::Uuid::parse_str(field(e, "a")?).context("the attempt id is not a UUID")
}

fn started(e: &Entry, s: &str, d: &str) -> anyhow::Result<Started> {
    Ok(Started {
        participant_id: ranged(e, "p", 1, i64::MAX)?,
        number: int32(e, "n")?,
        started_ms: num(e, s)?,
        deadline_ms: num(e, d)?,
        question_ids: ids(e, "qs")?,
    })
}

/// The typed event of an entry, or why it is not one.
pub fn decode(e: &Entry) -> anyhow::Result<Event> {
    Ok(match field(e, "t")? {
        "start" => Event::Start { attempt: attempt_of(e)?, started: started(e, "s", "d")? },
        "answer" => Event::Answer {
            attempt: attempt_of(e)?,
            question_id: ranged(e, "q", 1, i64::MAX)?,
            options: ids(e, "o")?,
            seq: ranged(e, "seq", 1, SEQ_MAX)?,
            at_ms: num(e, "at")?,
        },
        "submit" => Event::Submit {
            attempt: attempt_of(e)?,
            submitted_ms: num(e, "s")?,
            duration_ms: num(e, "d")?,
            correct: int32(e, "c")?,
            prediction: match field(e, "pr")? {
                "" => None,
                _ => Some(ranged(e, "pr", 0, PREDICTION_MAX)?),
            },
            auto: match field(e, "auto")? {
                "1" => true,
                "0" => false,
                other => bail!("auto is {other:?}"),
            },
            started: if e.fields.contains_key("p") { Some(started(e, "st", "dl")?) } else { None },
        },
        other => bail!("unknown type {other:?}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(pairs: &[(&str, &str)]) -> Entry {
        Entry { id: "1-0".into(), fields: pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect() }
    }

    const A: &str = "6f1c1b8e-8a53-4c50-9d0e-2f4a3f1f7b10";

    #[test]
    fn numbers_are_read_exactly_or_refused() {
        let answer =
            |seq: &str| entry(&[("t", "answer"), ("a", A), ("q", "5"), ("o", "7,9"), ("seq", seq), ("at", "17")]);
        assert!(matches!(decode(&answer("9007199254740991")), Ok(Event::Answer { seq: 9_007_199_254_740_991, .. })));
        for bad in ["1e+17", "9007199254740992", "0", "-1", "", "1.0", "+1", "9223372036854775808", " 1"] {
            assert!(decode(&answer(bad)).is_err(), "seq {bad:?}");
        }
        let submit = |pr: &str, auto: &str| {
            entry(&[("t", "submit"), ("a", A), ("s", "10"), ("d", "5"), ("c", "3"), ("pr", pr), ("auto", auto)])
        };
        assert!(matches!(
            decode(&submit("", "1")),
            Ok(Event::Submit { prediction: None, auto: true, started: None, .. })
        ));
        assert!(matches!(decode(&submit("42", "0")), Ok(Event::Submit { prediction: Some(42), .. })));
        assert!(decode(&submit("abc", "0")).is_err(), "a prediction that is not a number is not dropped");
        assert!(decode(&submit("1", "yes")).is_err());
        let start = |n: &str, qs: &str| {
            entry(&[("t", "start"), ("a", A), ("p", "4"), ("n", n), ("s", "1"), ("d", "2"), ("qs", qs)])
        };
        assert!(decode(&start("1", "3,1,2")).is_ok());
        assert!(decode(&start("4294967297", "1")).is_err(), "no wrapping `as i32`");
        assert!(decode(&start("1", "1,x,2")).is_err(), "no id silently dropped");
        assert!(decode(&entry(&[("t", "teleport")])).is_err());
    }
}
