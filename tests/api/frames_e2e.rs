//! End to end, the way a fuzzer would drive it (issue 16 item 0): random answer frames, with
//! seqs from the whole 64-bit range, fractions and every bound, go through the websocket
//! decoder, answer.lua (exactly what the connection does with them), the stream and the
//! persister; the round then finalises and verifies, with nothing set aside and every seq
//! exact in Postgres.

use std::collections::HashMap;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config as PropConfig, TestRunner};
use thiluat::jobs::{dead_letter, finalize};
use thiluat::play::PlayError;
use thiluat::store::redis::AnswerStatus;
use thiluat::ws::ClientMessage;

use crate::helpers::*;

const SEQ_MAX: i64 = 9_007_199_254_740_991;

/// A seq as a client might write it.
fn seq_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => (1i64..40).prop_map(|v| v.to_string()),
        2 => (1i64..=SEQ_MAX).prop_map(|v| v.to_string()),
        1 => (0u32..20, -2i64..=2).prop_map(|(k, d)| (10i128.pow(k) + i128::from(d)).to_string()),
        1 => (-2i64..=2).prop_map(|d| (i128::from(SEQ_MAX) + i128::from(d)).to_string()),
        1 => any::<i64>().prop_map(|v| v.to_string()),
        1 => any::<u64>().prop_map(|v| v.to_string()),
        1 => any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| format!("{f:?}")),
    ]
}

#[actix_web::test]
async fn random_frames_through_decode_lua_stream_and_persister_leave_a_round_that_verifies() {
    let app = spawn_app().await;
    let round = app.round_ids[1]; // unlimited attempts
    let cid: i64 = sqlx::query_scalar("SELECT contest_id FROM rounds WHERE id = $1")
        .bind(round)
        .fetch_one(&app.pg)
        .await
        .expect("round");
    let play = &app.state.play;
    let strategy = proptest::collection::vec((0usize..5, 0usize..4, seq_text()), 1..12);
    let mut runner = TestRunner::new(PropConfig { failure_persistence: None, ..PropConfig::default() });
    // attempt -> question -> the seq Postgres must end with.
    let mut model: HashMap<String, HashMap<i64, i64>> = HashMap::new();
    let (mut refused, mut saved) = (0, 0);
    for case in 0..60 {
        let frames = strategy.new_tree(&mut runner).expect("value").current();
        let p = app.participant().await;
        let snap = play.start(cid, p.id, round, &format!("case-{case}")).await.expect("start");
        let attempt = snap.attempt_id.clone();
        let best = model.entry(attempt.clone()).or_default();
        for (qi, oi, seq) in &frames {
            let q = &snap.questions[*qi % snap.questions.len()];
            let option = q.options[*oi % q.options.len()].id;
            let frame = format!(
                r#"{{"type":"answer","round_id":{round},"attempt_id":"{attempt}","question_id":{},"options":[{option}],"seq":{seq}}}"#,
                q.id
            );
            let in_range = seq.parse::<i64>().is_ok_and(|v| (1..=SEQ_MAX).contains(&v));
            let seq = match ClientMessage::decode(&frame) {
                Ok(ClientMessage::Answer { seq, .. }) => seq,
                Ok(other) => panic!("{frame} decoded as {other:?}"),
                Err(e) => {
                    assert!(!in_range && e.code == "seq_invalid", "{frame}: {}", e.code);
                    refused += 1;
                    continue;
                }
            };
            assert!(in_range, "{frame} accepted");
            let prev = best.get(&q.id).copied();
            match play.answer(p.id, round, &attempt, q.id, &[option], seq).await {
                Ok(AnswerStatus::Saved) => {
                    assert!(prev.is_none_or(|s| s < seq), "{frame} saved over seq {prev:?}");
                    best.insert(q.id, seq);
                    saved += 1;
                }
                Ok(AnswerStatus::Duplicate) => assert_eq!(prev, Some(seq), "{frame}"),
                Ok(AnswerStatus::Stale) => assert!(prev.is_some_and(|s| s > seq), "{frame} stale after {prev:?}"),
                Err(PlayError::Refused(code)) if code == "answer_locked" => {
                    assert!(prev.is_some_and(|s| s < seq), "{frame}: {code}")
                }
                Err(e) => panic!("{frame}: {e}"),
            }
        }
        play.submit(p.id, round, &attempt, Some(case)).await.expect("submit");
    }
    assert!(refused > 0 && saved > 0, "both kinds were tried: {refused} refused, {saved} saved");
    app.persist_all(round).await;
    assert!(dead_letter::list(&app.pg, round).await.expect("dead letters").is_empty(), "nothing set aside");
    let rows: Vec<(uuid::Uuid, i64, i64)> = sqlx::query_as(
        "SELECT x.attempt_id, x.question_id, x.seq FROM answers x JOIN attempts a ON a.id = x.attempt_id WHERE a.round_id = $1",
    )
    .bind(round)
    .fetch_all(&app.pg)
    .await
    .expect("answers");
    let mut persisted: HashMap<String, HashMap<i64, i64>> = model.keys().map(|a| (a.clone(), HashMap::new())).collect();
    for (a, q, seq) in rows {
        persisted.entry(a.to_string()).or_default().insert(q, seq);
    }
    assert_eq!(persisted, model, "every saved answer is in Postgres with its exact seq");
    crate::wire_numbers::close_round(&app, round).await;
    finalize::finalize(&app.pg, play, round).await.expect("the round finalises");
    let diffs = finalize::verify(&app.pg, play, round).await.expect("verify runs");
    assert!(diffs.is_empty(), "{diffs:?}");
}
