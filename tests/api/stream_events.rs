//! The round stream's entries as the Lua scripts write them (start.lua, answer.lua, submit.lua
//! with the functions of stream.lua) are the events `store::stream` decodes, field for field,
//! and exactly what its encoder writes for them: names, order and values (issue 13 item 4).

use std::time::{Duration, Instant};

use redis::Value;
use thiluat::domain::{PREDICTION_MAX, SEQ_MAX};
use thiluat::jobs::finalize;
use thiluat::store::redis::AttemptState;
use thiluat::store::stream::{Answer, Entry, Event, Start, Started, Submit};

use crate::helpers::*;

fn text(v: &Value) -> String {
    match v {
        Value::BulkString(b) => String::from_utf8(b.clone()).expect("UTF-8"),
        other => panic!("not a string: {other:?}"),
    }
}

/// The round's stream, every entry's fields in the order they were written.
async fn stream(app: &TestApp, round: i64) -> Vec<(String, Vec<(String, String)>)> {
    let reply: Value = redis::cmd("XRANGE")
        .arg(app.state.redis.keys(round).events())
        .arg("-")
        .arg("+")
        .query_async(&mut app.state.redis.conn())
        .await
        .expect("XRANGE");
    let Value::Array(entries) = reply else { panic!("XRANGE: {reply:?}") };
    entries
        .iter()
        .map(|e| match e {
            Value::Array(pair) => match &pair[..] {
                [id, Value::Array(kv)] => (text(id), kv.chunks(2).map(|c| (text(&c[0]), text(&c[1]))).collect()),
                other => panic!("entry: {other:?}"),
            },
            other => panic!("entry: {other:?}"),
        })
        .collect()
}

async fn state(app: &TestApp, round: i64, attempt: &str) -> AttemptState {
    app.state.redis.attempt(round, attempt).await.expect("redis").expect("attempt")
}

fn started(s: &AttemptState) -> Started {
    Started {
        participant_id: s.participant_id,
        number: s.number as i32,
        started_ms: s.started_ms,
        deadline_ms: s.deadline_ms,
        question_ids: s.question_ids.clone(),
    }
}

fn submit(s: &AttemptState) -> Event {
    let scored = s.scored.as_ref().expect("scored");
    Event::Submit(Submit {
        attempt: uuid::Uuid::parse_str(&s.attempt_id).expect("uuid"),
        submitted_ms: scored.submitted_ms,
        duration_ms: scored.duration_ms,
        correct: scored.correct as i32,
        prediction: scored.prediction,
        auto: scored.auto,
        started: Some(started(s)),
    })
}

#[actix_web::test]
async fn every_script_writes_the_entry_the_decoder_reads_and_the_encoder_writes() {
    let app = spawn_app_with(Options { first_round: Some("grace_ms = 0"), ..Options::default() }).await;
    let round = app.round();
    let cid: i64 = sqlx::query_scalar("SELECT id FROM contests").fetch_one(&app.pg).await.expect("contest");
    let play = app.state.play.clone();
    let t0 = app.state.redis.now_ms().await.expect("clock");
    let (a, b) = (app.participant().await, app.participant().await);
    let sa = play.start(cid, a.id, round, "a").await.expect("start a");
    let sb = play.start(cid, b.id, round, "b").await.expect("start b");
    let (a_started, b_started) = (state(&app, round, &sa.attempt_id).await, state(&app, round, &sb.attempt_id).await);
    // (attempt, question, options, seq): a replaced answer, the largest seq, two attempts.
    let q = |s: &thiluat::play::Snapshot, i: usize| (s.questions[i].id, s.questions[i].options[i % 2].id);
    let answers = [
        (&sa, q(&sa, 0), 1),
        (&sa, q(&sa, 1), SEQ_MAX),
        (&sb, q(&sb, 0), 7),
        (&sa, (sa.questions[0].id, sa.questions[0].options[1].id), 2),
    ];
    for (snap, (question, option), seq) in &answers {
        let owner = if snap.attempt_id == sa.attempt_id { a.id } else { b.id };
        play.answer(owner, round, &snap.attempt_id, *question, &[*option], *seq).await.expect("answer");
    }
    play.submit(a.id, round, &sa.attempt_id, Some(PREDICTION_MAX)).await.expect("submit a");
    // b is auto-submitted at its deadline, which closing the round brings to now.
    app.state.redis.close_round(round).await.expect("close");
    let waiting = Instant::now();
    while finalize::sweep_round(&play, round, 10).await.expect("sweep") == 0 {
        assert!(waiting.elapsed() < Duration::from_secs(10), "b was never auto-submitted");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let t1 = app.state.redis.now_ms().await.expect("clock");
    let (a_done, b_done) = (state(&app, round, &sa.attempt_id).await, state(&app, round, &sb.attempt_id).await);
    assert!(b_done.scored.as_ref().is_some_and(|s| s.auto && s.prediction.is_none()), "{b_done:?}");

    let written = stream(&app, round).await;
    let decoded: Vec<Event> = written
        .iter()
        .map(|(id, fields)| {
            let entry = Entry { id: id.clone(), fields: fields.iter().cloned().collect() };
            let event = Event::decode(&entry).unwrap_or_else(|e| panic!("{id} {fields:?}: {e:#}"));
            let encoded: Vec<(String, String)> = event.encode().into_iter().map(|(k, v)| (k.to_string(), v)).collect();
            assert_eq!(&encoded, fields, "the encoder writes what the script wrote");
            event
        })
        .collect();
    let uuid = |s: &str| uuid::Uuid::parse_str(s).expect("uuid");
    let mut expected = vec![
        Event::Start(Start { attempt: uuid(&sa.attempt_id), started: started(&a_started) }),
        Event::Start(Start { attempt: uuid(&sb.attempt_id), started: started(&b_started) }),
    ];
    for (i, (snap, (question, option), seq)) in answers.iter().enumerate() {
        // The time of an answer is Redis's, at the call: only its bounds are known here.
        let Some(Event::Answer(Answer { at_ms, .. })) = decoded.get(2 + i) else { panic!("{decoded:?}") };
        assert!((t0..=t1).contains(at_ms), "{t0} <= {at_ms} <= {t1}");
        expected.push(Event::Answer(Answer {
            attempt: uuid(&snap.attempt_id),
            question_id: *question,
            options: vec![*option],
            seq: *seq,
            at_ms: *at_ms,
        }));
    }
    expected.push(submit(&a_done));
    expected.push(submit(&b_done));
    assert_eq!(decoded, expected);
    assert!(matches!(&decoded[6], Event::Submit(Submit { prediction: Some(PREDICTION_MAX), auto: false, .. })));
}
