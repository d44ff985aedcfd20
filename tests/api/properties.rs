//! Property tests against the real stores: replays counted once; SQL ranking = domain ranking.

use std::collections::HashMap;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config as PropConfig, TestRunner};
use thiluat::contest::ranking::{self, RankEntry, RankKey};
use thiluat::store::redis::AnswerStatus;

use crate::helpers::*;

/// Invariant 1: an answer replayed 5 times, in any order with other answers, is stored
/// once, never rolls a newer answer back, and reaches Postgres exactly as the model says.
#[actix_web::test]
async fn replayed_answers_are_counted_once() {
    let app = spawn_app().await;
    let round = app.round_ids[1]; // unlimited attempts
    let p = app.participant().await;
    let play = app.state.play.clone();
    let contest_id: i64 = sqlx::query_scalar("SELECT contest_id FROM rounds WHERE id = $1")
        .bind(round)
        .fetch_one(&app.pg)
        .await
        .expect("round");
    // Up to 6 distinct answers (question index, option index); each sent 5 times; shuffled.
    let strategy = (proptest::collection::vec((0usize..5, 0usize..4), 1..6), any::<u64>());
    for (answers, seed) in samples(&strategy, 1000) {
        let case = format!("{answers:?} seed {seed}");
        let play = play.clone();
        let pg = app.pg.clone();
        let redis = app.state.redis.clone();
        let outcome = {
            {
                let snap = play.start(contest_id, p.id, round, &uuid::Uuid::new_v4().to_string()).await.expect("start");
                let attempt = snap.attempt_id.clone();
                // seq i+1 for the i-th distinct answer; then 5 copies of each, shuffled.
                let mut sends: Vec<(i64, i64, i64)> = Vec::new();
                for (i, (qi, oi)) in answers.iter().enumerate() {
                    let q = &snap.questions[*qi];
                    let option = q.options[*oi % q.options.len()].id;
                    for _ in 0..5 {
                        sends.push((q.id, option, i as i64 + 1));
                    }
                }
                let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(seed);
                rand::seq::SliceRandom::shuffle(sends.as_mut_slice(), &mut rng);
                let mut saved = 0;
                for (q, o, seq) in &sends {
                    if play.answer(p.id, round, &attempt, *q, &[*o], *seq).await.expect("answer") == AnswerStatus::Saved
                    {
                        saved += 1;
                    }
                }
                // Model: per question, the option of its highest seq.
                let mut model: HashMap<i64, (i64, i64)> = HashMap::new();
                for (q, o, seq) in &sends {
                    if model.get(q).is_none_or(|(s, _)| *s < *seq) {
                        model.insert(*q, (*seq, *o));
                    }
                }
                let state = redis.attempt(round, &attempt).await.expect("redis").expect("attempt");
                let stored: HashMap<i64, i64> = state.answers.iter().map(|(q, o)| (*q, o[0])).collect();
                let expected: HashMap<i64, i64> = model.iter().map(|(q, (_, o))| (*q, *o)).collect();
                let events: i64 = redis::cmd("XLEN")
                    .arg(redis.keys(round).events())
                    .query_async(&mut redis.conn())
                    .await
                    .expect("xlen");
                // Submitted, so the next case's start draws a fresh attempt (one open attempt
                // per participant, issue 16 item 7); its event is counted above already.
                play.submit(p.id, round, &attempt, Some(1)).await.expect("submit");
                let opts = thiluat::jobs::persister::Options { batch: 1000, reclaim_idle_ms: 0 };
                while thiluat::jobs::persister::persist_once(&pg, &redis, round, "prop", opts).await.expect("persist")
                    > 0
                {}
                let rows: Vec<(i64, Vec<i64>)> =
                    sqlx::query_as("SELECT question_id, options FROM answers WHERE attempt_id = $1")
                        .bind(uuid::Uuid::parse_str(&attempt).expect("uuid"))
                        .fetch_all(&pg)
                        .await
                        .expect("rows");
                let persisted: HashMap<i64, i64> = rows.into_iter().map(|(q, o)| (q, o[0])).collect();
                (saved, answers.len(), stored, expected, persisted, events)
            }
        };
        let (saved, distinct, stored, expected, persisted, events_left) = outcome;
        assert!(saved <= distinct, "a replay was stored twice: {saved} saves for {distinct} answers ({case})");
        assert_eq!(stored, expected, "{case}");
        assert_eq!(persisted, expected, "{case}");
        assert!(events_left as usize <= distinct + 1, "one event per stored answer plus the start ({case})");
    }
}

/// `n` random values of a strategy (each case is checked against the real stores).
fn samples<S: Strategy>(strategy: &S, n: usize) -> Vec<S::Value> {
    let mut runner = TestRunner::new(PropConfig { failure_persistence: None, ..PropConfig::default() });
    (0..n).map(|_| strategy.new_tree(&mut runner).expect("value").current()).collect()
}

/// Invariant 5: ranking in SQL equals ranking by the domain's chain, ties included, with the
/// best attempt of each participant chosen by the same chain.
#[actix_web::test]
async fn sql_ranking_equals_the_domain_chain() {
    let app = spawn_app().await;
    let round = app.round();
    let mut ids = Vec::new();
    for _ in 0..12 {
        ids.push(app.participant().await.id);
    }
    let chains: Vec<Vec<RankKey>> = vec![
        ranking::DEFAULT_CHAIN.to_vec(),
        vec![RankKey::CorrectDesc, RankKey::DurationAsc],
        vec![RankKey::DurationAsc, RankKey::CorrectDesc, RankKey::PredictionDistanceAsc],
        vec![RankKey::PredictionDistanceAsc, RankKey::SubmittedAsc],
    ];
    let attempt = (0i64..4, proptest::option::weighted(0.8, 0i64..6), 0i64..4, 0i64..4);
    let strategy = (proptest::collection::vec(proptest::collection::vec(attempt, 1..4), 1..12), 0usize..4, 0i64..6);
    for (people, chain_index, actual) in samples(&strategy, 1000) {
        let case = format!("{people:?} chain {chain_index} actual {actual}");
        let chain = chains[chain_index].clone();
        let pg = app.pg.clone();
        let ids = ids.clone();
        let (sql_rows, expected) = {
            {
                let mut tx = pg.begin().await.expect("tx");
                let mut best: HashMap<i64, (RankEntry, i64)> = HashMap::new();
                for (who, attempts) in people.iter().enumerate() {
                    let pid = ids[who];
                    for (n, (correct, prediction, duration, submitted)) in attempts.iter().enumerate() {
                        sqlx::query(
                                "INSERT INTO attempts (id, round_id, participant_id, number, started_at_ms, deadline_ms, question_ids, \
                                 submitted_at_ms, duration_ms, correct, prediction) VALUES ($1, $2, $3, $4, 0, 0, '{}', $5, $6, $7, $8)",
                            )
                            .bind(uuid::Uuid::new_v4())
                            .bind(round)
                            .bind(pid)
                            .bind(n as i32 + 1)
                            .bind(submitted)
                            .bind(duration)
                            .bind(*correct as i32)
                            .bind(prediction)
                            .execute(&mut *tx)
                            .await
                            .expect("insert");
                        let entry = RankEntry {
                            participant_id: pid,
                            correct: *correct,
                            distance: prediction.map(|p| (p - actual).abs()),
                            duration_ms: *duration,
                            submitted_ms: *submitted,
                        };
                        let better = best.get(&pid).is_none_or(|(b, _)| ranking::compare(&entry, b, &chain).is_lt());
                        if better {
                            best.insert(pid, (entry, n as i64 + 1));
                        }
                    }
                }
                let rows: Vec<thiluat::jobs::finalize::RankedRow> =
                    sqlx::query_as(&thiluat::jobs::finalize::ranking_sql(&chain))
                        .bind(round)
                        .bind(actual)
                        .fetch_all(&mut *tx)
                        .await
                        .expect("ranking query");
                tx.rollback().await.expect("rollback");
                let entries: Vec<RankEntry> = best.values().map(|(e, _)| e.clone()).collect();
                let expected = ranking::rank(&entries, &chain);
                let expected_best: HashMap<i64, RankEntry> = best.into_iter().map(|(k, (e, _))| (k, e)).collect();
                (rows, (expected, expected_best))
            }
        };
        let (expected, expected_best) = expected;
        let got: Vec<(i64, i64)> = sql_rows.iter().map(|r| (r.participant_id, i64::from(r.rank))).collect();
        assert_eq!(got, expected, "{case}");
        for row in &sql_rows {
            let e = &expected_best[&row.participant_id];
            // The chosen attempt has the best keys (ties between one's own attempts are equal).
            assert_eq!(
                (i64::from(row.correct), row.distance, row.duration_ms, row.submitted_at_ms),
                (e.correct, e.distance, e.duration_ms, e.submitted_ms),
                "{case}"
            );
        }
    }
}
