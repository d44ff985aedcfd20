//! The events on a round's stream (`RoundKeys::events`): one type per event, with its one
//! encoder and its one decoder side by side.
//!
//! The Lua scripts write the entries themselves, in the same call as the state change they
//! record (atomicity: an acknowledged answer is on the stream, or nothing happened). They
//! write them with the `xadd_<event>` functions of `lua/stream.lua`, which `RedisStore`
//! prepends to them: the one place, on the Lua side, that names the fields and orders them.
//! The lists below mirror it ([`Event::encode`] and [`Event::decode`] read them); a unit test
//! checks that the file is exactly what these lists make, and `tests/api/stream_events.rs`
//! runs every script and decodes what it wrote.
//!
//! Decoding checks every field (digits only, exact, in range, with checked conversions), so
//! an entry the persister cannot understand is named as such and set aside
//! (`jobs::dead_letter`) instead of failing its whole batch for ever.

use std::collections::HashMap;

use anyhow::{bail, Context};
use redis::Value;

use crate::domain::{PREDICTION_MAX, SEQ_MAX};

/// The field naming an entry's event type (its value: [`START`], [`ANSWER`], [`SUBMIT`]).
pub const TYPE_FIELD: &str = "t";
pub const START: &str = "start";
pub const ANSWER: &str = "answer";
pub const SUBMIT: &str = "submit";

/// A start's fields, in the order they are written.
pub const START_FIELDS: [&str; 6] = ["a", "p", "n", "s", "d", "qs"];
/// An answer's fields.
pub const ANSWER_FIELDS: [&str; 5] = ["a", "q", "o", "seq", "at"];
/// A submit's own fields, followed by [`SUBMIT_STARTED_FIELDS`].
pub const SUBMIT_FIELDS: [&str; 6] = ["a", "c", "d", "s", "pr", "auto"];
/// The start a submit carries (absent from the submits of older versions).
pub const SUBMIT_STARTED_FIELDS: [&str; 5] = ["p", "n", "st", "dl", "qs"];

/// One stream entry as read: its id and fields. What a dead letter keeps.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: String,
    pub fields: HashMap<String, String>,
}

/// What a start carries; a submit carries it too (submit.lua), so that a submit whose start
/// is not in Postgres yet creates the attempt row itself: no order between batches matters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Started {
    /// 1 ..= i64::MAX.
    pub participant_id: i64,
    /// The attempt's number for its participant in the round.
    pub number: i32,
    pub started_ms: i64,
    pub deadline_ms: i64,
    /// In the attempt's order; never empty, each 1 ..= i64::MAX.
    pub question_ids: Vec<i64>,
}

/// An attempt began (start.lua).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Start {
    pub attempt: uuid::Uuid,
    pub started: Started,
}

/// An answer was saved or replaced (answer.lua).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub attempt: uuid::Uuid,
    /// 1 ..= i64::MAX.
    pub question_id: i64,
    /// Sorted ascending as the client's frame was checked; never empty, each 1 ..= i64::MAX.
    pub options: Vec<i64>,
    /// 1 ..= [`SEQ_MAX`].
    pub seq: i64,
    pub at_ms: i64,
}

/// An attempt was scored (submit.lua), at its participant's request or automatically at its
/// deadline (`auto`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submit {
    pub attempt: uuid::Uuid,
    pub submitted_ms: i64,
    pub duration_ms: i64,
    pub correct: i32,
    /// 0 ..= [`PREDICTION_MAX`]; `None` when the participant gave none and saved none with `predict`.
    pub prediction: Option<i64>,
    pub auto: bool,
    /// `None` for a submit written before submits carried their start.
    pub started: Option<Started>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Start(Start),
    Answer(Answer),
    Submit(Submit),
}

impl Event {
    pub fn attempt(&self) -> uuid::Uuid {
        match self {
            Event::Start(e) => e.attempt,
            Event::Answer(e) => e.attempt,
            Event::Submit(e) => e.attempt,
        }
    }

    /// The entry's fields, in the order the scripts write them: what `XADD` takes.
    pub fn encode(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::with_capacity(12);
        match self {
            Event::Start(e) => {
                out.push((TYPE_FIELD, START.to_string()));
                let [p, n, s, d, qs] = started_values(&e.started);
                put(&mut out, &START_FIELDS, [e.attempt.to_string(), p, n, s, d, qs]);
            }
            Event::Answer(e) => {
                out.push((TYPE_FIELD, ANSWER.to_string()));
                put(
                    &mut out,
                    &ANSWER_FIELDS,
                    [
                        e.attempt.to_string(),
                        e.question_id.to_string(),
                        join_ids(&e.options),
                        e.seq.to_string(),
                        e.at_ms.to_string(),
                    ],
                );
            }
            Event::Submit(e) => {
                out.push((TYPE_FIELD, SUBMIT.to_string()));
                put(
                    &mut out,
                    &SUBMIT_FIELDS,
                    [
                        e.attempt.to_string(),
                        e.correct.to_string(),
                        e.duration_ms.to_string(),
                        e.submitted_ms.to_string(),
                        e.prediction.map(|p| p.to_string()).unwrap_or_default(),
                        if e.auto { "1" } else { "0" }.to_string(),
                    ],
                );
                if let Some(s) = &e.started {
                    put(&mut out, &SUBMIT_STARTED_FIELDS, started_values(s));
                }
            }
        }
        out
    }

    /// The typed event of an entry, or why it is not one.
    pub fn decode(e: &Entry) -> anyhow::Result<Event> {
        Ok(match field(e, TYPE_FIELD)? {
            START => {
                let [a, p, n, s, d, qs] = START_FIELDS;
                Event::Start(Start { attempt: attempt_of(e, a)?, started: started(e, [p, n, s, d, qs])? })
            }
            ANSWER => {
                let [a, q, o, seq, at] = ANSWER_FIELDS;
                Event::Answer(Answer {
                    attempt: attempt_of(e, a)?,
                    question_id: ranged(e, q, 1, i64::MAX)?,
                    options: ids(e, o)?,
                    seq: ranged(e, seq, 1, SEQ_MAX)?,
                    at_ms: num(e, at)?,
                })
            }
            SUBMIT => {
                let [a, c, d, s, pr, auto] = SUBMIT_FIELDS;
                let [p, ..] = SUBMIT_STARTED_FIELDS;
                Event::Submit(Submit {
                    attempt: attempt_of(e, a)?,
                    submitted_ms: num(e, s)?,
                    duration_ms: num(e, d)?,
                    correct: int32(e, c)?,
                    prediction: match field(e, pr)? {
                        "" => None,
                        _ => Some(ranged(e, pr, 0, PREDICTION_MAX)?),
                    },
                    auto: match field(e, auto)? {
                        "1" => true,
                        "0" => false,
                        other => bail!("{auto} is {other:?}"),
                    },
                    started: if e.fields.contains_key(p) { Some(started(e, SUBMIT_STARTED_FIELDS)?) } else { None },
                })
            }
            other => bail!("unknown type {other:?}"),
        })
    }
}

fn put<const N: usize>(out: &mut Vec<(&'static str, String)>, names: &[&'static str; N], values: [String; N]) {
    out.extend(names.iter().copied().zip(values));
}

fn started_values(s: &Started) -> [String; 5] {
    [
        s.participant_id.to_string(),
        s.number.to_string(),
        s.started_ms.to_string(),
        s.deadline_ms.to_string(),
        join_ids(&s.question_ids),
    ]
}

fn join_ids(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
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

fn attempt_of(e: &Entry, name: &str) -> anyhow::Result<uuid::Uuid> {
    uuid::Uuid::parse_str(field(e, name)?).context("the attempt id is not a UUID")
}

/// `names`: participant, number, started, deadline, questions.
fn started(e: &Entry, [p, n, s, d, qs]: [&str; 5]) -> anyhow::Result<Started> {
    Ok(Started {
        participant_id: ranged(e, p, 1, i64::MAX)?,
        number: int32(e, n)?,
        started_ms: num(e, s)?,
        deadline_ms: num(e, d)?,
        question_ids: ids(e, qs)?,
    })
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::BulkString(b) => Some(String::from_utf8_lossy(b).into_owned()),
        Value::SimpleString(s) => Some(s.clone()),
        _ => None,
    }
}

/// `[[id, [k, v, …]], …]` (XRANGE, and each stream of XREADGROUP) → entries. An entry deleted
/// from the stream while pending comes back with nil fields: it has nothing left to persist,
/// only to acknowledge (`gone`).
pub fn parse_entries(v: &Value, gone: &mut Vec<String>) -> Vec<Entry> {
    let Value::Array(items) = v else { return Vec::new() };
    items
        .iter()
        .filter_map(|item| {
            let Value::Array(pair) = item else { return None };
            let id = text(pair.first()?)?;
            let Some(Value::Array(kv)) = pair.get(1) else {
                gone.push(id);
                return None;
            };
            let fields = kv.chunks(2).filter_map(|c| Some((text(&c[0])?, text(c.get(1)?)?))).collect();
            Some(Entry { id, fields })
        })
        .collect()
}

/// XREADGROUP reply `[[stream, entries]]` (nil when there is nothing).
pub fn parse_read(v: &Value, gone: &mut Vec<String>) -> Vec<Entry> {
    match v {
        Value::Array(streams) => streams
            .iter()
            .flat_map(|s| match s {
                Value::Array(pair) if pair.len() == 2 => parse_entries(&pair[1], gone),
                _ => Vec::new(),
            })
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn entry(pairs: &[(&str, &str)]) -> Entry {
        Entry { id: "1-0".into(), fields: pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect() }
    }

    fn encoded(ev: &Event) -> Entry {
        Entry { id: "1-0".into(), fields: ev.encode().into_iter().map(|(k, v)| (k.to_string(), v)).collect() }
    }

    const A: &str = "6f1c1b8e-8a53-4c50-9d0e-2f4a3f1f7b10";

    #[test]
    fn numbers_are_read_exactly_or_refused() {
        let answer =
            |seq: &str| entry(&[("t", "answer"), ("a", A), ("q", "5"), ("o", "7,9"), ("seq", seq), ("at", "17")]);
        assert!(matches!(
            Event::decode(&answer("9007199254740991")),
            Ok(Event::Answer(Answer { seq: 9_007_199_254_740_991, .. }))
        ));
        for bad in ["1e+17", "9007199254740992", "0", "-1", "", "1.0", "+1", "9223372036854775808", " 1"] {
            assert!(Event::decode(&answer(bad)).is_err(), "seq {bad:?}");
        }
        let submit = |pr: &str, auto: &str| {
            entry(&[("t", "submit"), ("a", A), ("s", "10"), ("d", "5"), ("c", "3"), ("pr", pr), ("auto", auto)])
        };
        assert!(matches!(
            Event::decode(&submit("", "1")),
            Ok(Event::Submit(Submit { prediction: None, auto: true, started: None, .. }))
        ));
        assert!(matches!(Event::decode(&submit("42", "0")), Ok(Event::Submit(Submit { prediction: Some(42), .. }))));
        assert!(Event::decode(&submit("abc", "0")).is_err(), "a prediction that is not a number is not dropped");
        assert!(Event::decode(&submit("1", "yes")).is_err());
        let start = |n: &str, qs: &str| {
            entry(&[("t", "start"), ("a", A), ("p", "4"), ("n", n), ("s", "1"), ("d", "2"), ("qs", qs)])
        };
        assert!(Event::decode(&start("1", "3,1,2")).is_ok());
        assert!(Event::decode(&start("4294967297", "1")).is_err(), "no wrapping `as i32`");
        assert!(Event::decode(&start("1", "1,x,2")).is_err(), "no id silently dropped");
        assert!(Event::decode(&entry(&[("t", "teleport")])).is_err());
    }

    #[test]
    fn the_fields_are_written_in_the_order_of_the_lists() {
        let ev = Event::Answer(Answer {
            attempt: uuid::Uuid::parse_str(A).expect("uuid"),
            question_id: 5,
            options: vec![7, 9],
            seq: 3,
            at_ms: 17,
        });
        let fields = ev.encode();
        let names: Vec<&str> = fields.iter().map(|(k, _)| *k).collect();
        assert_eq!(names, ["t", "a", "q", "o", "seq", "at"]);
        assert_eq!(fields[3].1, "7,9");
    }

    /// `lua/stream.lua` as the field lists make it.
    fn stream_lua() -> String {
        let events: [(&str, Vec<&str>); 3] = [
            (START, START_FIELDS.to_vec()),
            (ANSWER, ANSWER_FIELDS.to_vec()),
            (SUBMIT, [&SUBMIT_FIELDS[..], &SUBMIT_STARTED_FIELDS[..]].concat()),
        ];
        let mut lua = String::from(STREAM_LUA_HEADER);
        for (event, fields) in events {
            let params: Vec<String> = fields.iter().map(|f| format!("f_{f}")).collect();
            let pairs: Vec<String> = fields.iter().map(|f| format!("'{f}', f_{f}")).collect();
            lua.push_str(&format!(
                "local function xadd_{event}(stream, {})\n  return redis.call('XADD', stream, '*', '{TYPE_FIELD}', '{event}',\n    {})\nend\n",
                params.join(", "),
                pairs.join(", ")
            ));
        }
        lua
    }

    const STREAM_LUA_HEADER: &str = "\
-- stream: how each event of a round's stream is written; prepended to start.lua, answer.lua
-- and submit.lua (src/store/redis.rs), which write their event in the same call as the change.
-- xadd_<event>(stream key, the event's fields in order) returns the new entry's id.
-- src/store/stream.rs mirrors these lists (its encoder and decoder) and checks this file.
";

    /// The Lua side and the Rust side name the same fields in the same order.
    #[test]
    fn stream_lua_is_what_the_field_lists_make() {
        let file = include_str!("lua/stream.lua");
        assert_eq!(
            file,
            stream_lua(),
            "src/store/lua/stream.lua differs from the lists in stream.rs; expected:\n{}",
            stream_lua()
        );
        assert!(file.contains(
            "local function xadd_answer(stream, f_a, f_q, f_o, f_seq, f_at)\n  return redis.call('XADD', stream, '*', \
             't', 'answer',\n    'a', f_a, 'q', f_q, 'o', f_o, 'seq', f_seq, 'at', f_at)\nend\n"
        ));
        // Every name becomes a Lua identifier (`f_` + name) and a quoted string.
        for name in START_FIELDS.iter().chain(&ANSWER_FIELDS).chain(&SUBMIT_FIELDS).chain(&SUBMIT_STARTED_FIELDS) {
            assert!(name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{name}");
        }
    }

    /// A value of `lo..=hi`, its ends and their neighbours often.
    fn edgy(lo: i64, hi: i64) -> BoxedStrategy<i64> {
        prop_oneof![
            1 => Just(lo),
            1 => Just(hi),
            1 => Just(lo.saturating_add(1).min(hi)),
            1 => Just(hi.saturating_sub(1).max(lo)),
            6 => lo..=hi,
        ]
        .boxed()
    }

    fn edgy32() -> BoxedStrategy<i32> {
        prop_oneof![1 => Just(i32::MIN), 1 => Just(i32::MAX), 1 => Just(0), 1 => Just(-1), 6 => any::<i32>()].boxed()
    }

    fn ids_strategy() -> impl Strategy<Value = Vec<i64>> {
        proptest::collection::vec(edgy(1, i64::MAX), 1..8)
    }

    fn uuid_strategy() -> impl Strategy<Value = uuid::Uuid> {
        any::<[u8; 16]>().prop_map(uuid::Uuid::from_bytes)
    }

    fn started_strategy() -> impl Strategy<Value = Started> {
        (edgy(1, i64::MAX), edgy32(), edgy(i64::MIN, i64::MAX), edgy(i64::MIN, i64::MAX), ids_strategy()).prop_map(
            |(participant_id, number, started_ms, deadline_ms, question_ids)| Started {
                participant_id,
                number,
                started_ms,
                deadline_ms,
                question_ids,
            },
        )
    }

    /// Every event in its documented range, over the full range of every field.
    fn event_strategy() -> impl Strategy<Value = Event> {
        let start = (uuid_strategy(), started_strategy())
            .prop_map(|(attempt, started)| Event::Start(Start { attempt, started }));
        let answer = (uuid_strategy(), edgy(1, i64::MAX), ids_strategy(), edgy(1, SEQ_MAX), edgy(i64::MIN, i64::MAX))
            .prop_map(|(attempt, question_id, options, seq, at_ms)| {
                Event::Answer(Answer { attempt, question_id, options, seq, at_ms })
            });
        let submit = (
            uuid_strategy(),
            edgy(i64::MIN, i64::MAX),
            edgy(i64::MIN, i64::MAX),
            edgy32(),
            proptest::option::of(edgy(0, PREDICTION_MAX)),
            any::<bool>(),
            proptest::option::of(started_strategy()),
        )
            .prop_map(|(attempt, submitted_ms, duration_ms, correct, prediction, auto, started)| {
                Event::Submit(Submit { attempt, submitted_ms, duration_ms, correct, prediction, auto, started })
            });
        prop_oneof![start, answer, submit]
    }

    /// A field map that is nearly an entry: known names, values that are sometimes numbers.
    fn hostile_entry() -> impl Strategy<Value = Entry> {
        let names = prop_oneof![
            Just("t".to_string()),
            proptest::sample::select(
                START_FIELDS
                    .iter()
                    .chain(&ANSWER_FIELDS)
                    .chain(&SUBMIT_FIELDS)
                    .chain(&SUBMIT_STARTED_FIELDS)
                    .copied()
                    .collect::<Vec<_>>()
            )
            .prop_map(str::to_string),
            "[a-z]{1,3}",
        ];
        let values = prop_oneof![
            proptest::sample::select(vec![START, ANSWER, SUBMIT, "", "0", "1", "-0", A]).prop_map(str::to_string),
            any::<i64>().prop_map(|v| v.to_string()),
            "[-+0-9,e. ]{0,24}",
            ".{0,12}",
        ];
        proptest::collection::hash_map(names, values, 0..14).prop_map(|fields| Entry { id: "1-0".into(), fields })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2_000, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn decode_of_encode_is_identity(ev in event_strategy()) {
            prop_assert_eq!(Event::decode(&encoded(&ev)).map_err(|e| format!("{e:#}")), Ok(ev));
        }

        /// No entry makes the decoder panic, and whatever it accepts encodes to an entry it
        /// decodes the same way.
        #[test]
        fn any_entry_decodes_or_is_refused(e in hostile_entry()) {
            if let Ok(ev) = Event::decode(&e) {
                prop_assert_eq!(Event::decode(&encoded(&ev)).map_err(|e| format!("{e:#}")), Ok(ev));
            }
        }
    }
}
