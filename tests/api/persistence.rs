//! Concurrency, durability and finalisation against the real stores.

use std::time::Duration;

use futures_util::future::join_all;
use thiluat::jobs::{finalize, persister};
use thiluat::play::PlayError;

use crate::helpers::*;
use crate::own_redis::OwnRedis;

async fn contest_id(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT id FROM contests").fetch_one(&app.pg).await.expect("contest")
}

/// Invariant 4 and issue 16 item 7: 200 simultaneous starts by one person give one open
/// attempt (every start returns it: nobody sees several draws at once); after it is
/// submitted, 200 more give the second, and with a limit of 2 the next 200 are all refused.
#[actix_web::test]
async fn concurrent_starts_give_one_open_attempt_at_a_time_and_never_more_than_the_limit() {
    let app = spawn_app().await;
    let round = app.round();
    let p = app.participant().await;
    let cid = contest_id(&app).await;
    let burst = || {
        join_all((0..200).map(|_| {
            let play = app.state.play.clone();
            async move { play.start(cid, p.id, round, &uuid::Uuid::new_v4().to_string()).await }
        }))
    };
    let mut seen = Vec::new();
    for number in 1..=2 {
        let results = burst().await;
        let started: std::collections::HashSet<String> =
            results.iter().filter_map(|r| r.as_ref().ok()).map(|s| s.attempt_id.clone()).collect();
        assert_eq!(started.len(), 1, "attempt {number}: {started:?}");
        assert!(results.iter().all(Result::is_ok), "attempt {number}: every start returns the open attempt");
        let id = started.into_iter().next().expect("one");
        assert_eq!(app.state.redis.attempts_used(round, p.id).await.expect("used"), number);
        app.state.play.submit(p.id, round, &id, Some(1)).await.expect("submit");
        seen.push(id);
    }
    let results = burst().await;
    let refused = results.iter().filter(|r| matches!(r, Err(PlayError::Refused(c)) if c == "attempt_limit")).count();
    assert_eq!(refused, 200);
    app.persist_all(round).await;
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM attempts WHERE participant_id = $1")
        .bind(p.id)
        .fetch_one(&app.pg)
        .await
        .expect("count");
    assert_eq!(rows, 2);
    // A retried start (same request id) returns the same attempt and takes no slot.
    let other = app.participant().await;
    let a = app.state.play.start(cid, other.id, round, "same-request").await.expect("start");
    let b = app.state.play.start(cid, other.id, round, "same-request").await.expect("retry");
    assert_eq!(a.attempt_id, b.attempt_id);
    assert_eq!(app.state.redis.attempts_used(round, other.id).await.expect("used"), 1);
}

/// Plays `n` participants who each start, answer every question and (if `submit`) submit.
async fn play_round(app: &TestApp, n: usize, submit: bool) -> usize {
    let round = app.round();
    let cid = contest_id(app).await;
    let mut answers = 0;
    for i in 0..n {
        let p = app.participant().await;
        let play = &app.state.play;
        let snap = play.start(cid, p.id, round, &format!("r{i}")).await.expect("start");
        for (seq, q) in snap.questions.iter().enumerate() {
            let pick = q.options[(i + seq) % q.options.len()].id;
            play.answer(p.id, round, &snap.attempt_id, q.id, &[pick], seq as i64 + 1).await.expect("answer");
            answers += 1;
        }
        if submit {
            play.submit(p.id, round, &snap.attempt_id, Some(i as i64)).await.expect("submit");
        }
    }
    answers
}

async fn pg_counts(app: &TestApp) -> (i64, i64, i64) {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM attempts), (SELECT count(*) FROM answers), \
         (SELECT count(*) FROM attempts WHERE submitted_at_ms IS NOT NULL)",
    )
    .fetch_one(&app.pg)
    .await
    .expect("counts")
}

/// The persister killed mid-batch (task aborted at random moments, including between the
/// commit and the XACK) and restarted leaves Postgres complete, with no duplicates.
#[actix_web::test]
async fn the_persister_killed_mid_batch_and_restarted_loses_and_duplicates_nothing() {
    let app = spawn_app().await;
    let round = app.round();
    let answers = play_round(&app, 30, true).await as i64;
    let opts = persister::Options { batch: 40, reclaim_idle_ms: 0 };
    let mut kills = 0;
    for i in 0..200u64 {
        let (pg, redis) = (app.pg.clone(), app.state.redis.clone());
        // Alternate consumer names: a restarted node may come back under another name.
        let consumer = if i % 2 == 0 { "node-a" } else { "node-b" };
        let task = tokio::spawn(async move { persister::persist_once(&pg, &redis, round, consumer, opts).await });
        tokio::time::sleep(Duration::from_micros((i * 7919) % 4000)).await;
        if !task.is_finished() {
            task.abort();
            kills += 1;
        }
        let _ = task.await;
        if persister::lag(&app.state.redis, round).await.expect("lag") == 0 {
            break;
        }
    }
    assert!(kills > 0, "the persister was killed at least once mid-batch");
    app.persist_all(round).await;
    assert_eq!(pg_counts(&app).await, (30, answers, 30));
    let diffs = finalize::verify(&app.pg, &app.state.play, round).await.expect("verify runs");
    assert!(diffs.is_empty(), "{diffs:?}");
}

/// Finalisation runs once at a time, can be re-run, and writes the same rows; verify agrees,
/// and catches a tampered score.
#[actix_web::test]
async fn finalisation_is_repeatable_and_verify_catches_differences() {
    let app = spawn_app().await;
    let round = app.round();
    play_round(&app, 12, true).await;
    // One attempt left open: finalisation auto-submits it.
    let p = app.participant().await;
    let cid = contest_id(&app).await;
    app.state.play.start(cid, p.id, round, "open").await.expect("start");
    // Close the round in Postgres and Redis (grace already past).
    sqlx::query("UPDATE rounds SET closes_at = now() - interval '10 seconds', opens_at = now() - interval '1 day' WHERE id = $1")
        .bind(round)
        .execute(&app.pg)
        .await
        .expect("close");
    let now = app.state.redis.now_ms().await.expect("time");
    redis::cmd("HSET")
        .arg(app.state.redis.keys(round).meta())
        .arg("closes_ms")
        .arg(now - 10_000)
        .query_async::<()>(&mut app.state.redis.conn())
        .await
        .expect("close in redis");
    let open_attempt = app.state.redis.participant_attempt_ids(round, p.id).await.expect("ids")[0].clone();
    redis::pipe()
        .cmd("ZADD")
        .arg(app.state.redis.keys(round).deadlines())
        .arg("XX")
        .arg(now - 10_000)
        .arg(&open_attempt)
        .cmd("HSET")
        .arg(app.state.redis.keys(round).attempt(&open_attempt))
        .arg("deadline_ms")
        .arg(now - 10_000)
        .query_async::<()>(&mut app.state.redis.conn())
        .await
        .expect("deadline passed");
    let first = finalize::finalize(&app.pg, &app.state.play, round).await.expect("finalises");
    assert_eq!(first.ranked, 13);
    assert_eq!(first.auto_submitted, 1);
    let dump = || async {
        sqlx::query_as::<_, (i64, i32, uuid::Uuid, i32, Option<i64>, Option<i64>, i64, i64)>(
            "SELECT participant_id, rank, attempt_id, correct, prediction, distance, duration_ms, submitted_at_ms \
             FROM results WHERE round_id = $1 ORDER BY rank, participant_id",
        )
        .bind(round)
        .fetch_all(&app.pg)
        .await
        .expect("results")
    };
    let before = dump().await;
    let second = finalize::finalize(&app.pg, &app.state.play, round).await.expect("re-runs");
    assert_eq!(second.ranked, first.ranked);
    assert_eq!(dump().await, before, "identical results");
    // Ranks follow the chain: sorted by correct desc; the auto-submitted attempt has no prediction.
    assert!(before.windows(2).all(|w| w[0].3 >= w[1].3));
    assert!(finalize::verify(&app.pg, &app.state.play, round).await.expect("verify").is_empty());
    sqlx::query("UPDATE attempts SET correct = correct + 1 WHERE id = (SELECT id FROM attempts LIMIT 1)")
        .execute(&app.pg)
        .await
        .expect("tamper");
    let diffs = finalize::verify(&app.pg, &app.state.play, round).await.expect("verify");
    assert!(!diffs.is_empty(), "verify must see the tampered score");
}

/// Invariant 1 under a crash: Redis killed with SIGKILL mid-round and restarted loses no
/// acknowledged answer (appendfsync always).
#[actix_web::test]
async fn redis_killed_mid_round_loses_no_acknowledged_answer() {
    let mut redis = OwnRedis::launch("always").await;
    let app = spawn_app_with(Options { redis_url: Some(redis.url()), ..Options::default() }).await;
    assert_eq!(app.state.redis.durability(), thiluat::store::Durability::FsyncAlways);
    let round = app.round_ids[1];
    let cid = contest_id(&app).await;
    let mut acked: Vec<(String, i64, i64, i64)> = Vec::new(); // attempt, question, option, seq
    let mut participants = Vec::new();
    for _ in 0..10 {
        participants.push(app.participant().await);
    }
    let mut killed = false;
    for round_no in 0..2 {
        for (i, p) in participants.iter().enumerate() {
            let play = &app.state.play;
            let snap = match play.start(cid, p.id, round, &format!("{round_no}-{i}")).await {
                Ok(s) => s,
                Err(PlayError::Unavailable(_)) => continue,
                Err(e) => panic!("{e}"),
            };
            for (seq, q) in snap.questions.iter().enumerate() {
                let option = q.options[seq % q.options.len()].id;
                match play.answer(p.id, round, &snap.attempt_id, q.id, &[option], seq as i64 + 1).await {
                    Ok(_) => acked.push((snap.attempt_id.clone(), q.id, option, seq as i64 + 1)),
                    Err(PlayError::Unavailable(_)) => {}
                    Err(e) => panic!("{e}"),
                }
                if !killed && acked.len() == 37 {
                    redis.kill_and_restart().await;
                    killed = true;
                    // Requests fail fast until the server sees Redis again (within ~1 s);
                    // a client retries meanwhile.
                    for _ in 0..50 {
                        if app.state.redis.ping().await.is_ok() {
                            break;
                        }
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
            }
            // The attempt is submitted (retried like a client while Redis is away), so the
            // next pass plays a second attempt: a participant holds one open attempt at a
            // time (issue 16 item 7).
            for _ in 0..50 {
                match play.submit(p.id, round, &snap.attempt_id, Some(1)).await {
                    Ok(_) => break,
                    Err(PlayError::Unavailable(_)) => tokio::time::sleep(Duration::from_millis(100)).await,
                    Err(e) => panic!("{e}"),
                }
            }
        }
    }
    assert!(killed);
    assert!(acked.len() > 60, "answers flowed before and after the crash: {}", acked.len());
    for (attempt, question, option, _) in &acked {
        let state = app.state.redis.attempt(round, attempt).await.expect("redis answers").expect("attempt survived");
        assert_eq!(
            state.answers.get(question),
            Some(&vec![*option]),
            "acknowledged answer lost: {attempt} q{question}"
        );
    }
    app.persist_all(round).await;
    let persisted: i64 = sqlx::query_scalar("SELECT count(*) FROM answers").fetch_one(&app.pg).await.expect("count");
    assert_eq!(persisted, acked.len() as i64, "every acknowledged answer reaches Postgres");
}

/// A server's configuration on a fresh database and `redis` (no jobs), to build directly:
/// the start-up checks are what these tests look at.
async fn config_for(redis: &OwnRedis) -> thiluat::config::Config {
    let (url, _pg, _) = fresh_database().await;
    let mut config = thiluat::config::Config::default();
    config.http.bind = "127.0.0.1:0".into();
    config.database.url = thiluat::config::Secret::new(url);
    config.redis.url = thiluat::config::Secret::new(redis.url());
    config.secret = thiluat::config::Secret::new("ab".repeat(32));
    config.jobs.enabled = false;
    config
}

/// `serve` refuses a Redis that could lose acknowledged answers, unless told otherwise, and
/// then says so in /readyz.
#[actix_web::test]
async fn an_unsafe_redis_is_refused_unless_explicitly_allowed() {
    let redis = OwnRedis::launch("everysec").await;
    let mut config = config_for(&redis).await;
    let err = thiluat::startup::Application::build(&config).await.err().expect("refused");
    assert!(format!("{err:#}").contains("appendfsync"), "{err:#}");
    config.redis.unsafe_durability = true;
    let app = thiluat::startup::Application::build(&config).await.expect("allowed when told");
    let (port, _state, running) = app.spawn();
    let mut res = awc::Client::default().get(format!("http://127.0.0.1:{port}/readyz")).send().await.expect("sent");
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["durability"], "UNSAFE");
    running.stop().await;
}

/// WAITAOF mode is refused at start-up when it could not keep its promise: a Redis without
/// the command (before 7.2, like Debian 12's 7.0) or with fewer connected replicas than the
/// configured count (a lone primary has none) would refuse every answer.
#[actix_web::test]
async fn waitaof_mode_is_refused_when_redis_cannot_confirm_the_replicas() {
    let redis = OwnRedis::launch("always").await;
    let mut config = config_for(&redis).await;
    config.redis.waitaof_replicas = 1;
    let err = format!("{:#}", thiluat::startup::Application::build(&config).await.err().expect("refused"));
    assert!(err.contains("redis.waitaof_replicas = 1"), "{err}");
    assert!(err.contains("Redis 7.2") || err.contains("0 connected replica"), "says why: {err}");
    // The same Redis with appendfsync always and no WAITAOF asked for is accepted.
    config.redis.waitaof_replicas = 0;
    let app = thiluat::startup::Application::build(&config).await.expect("fsync-always mode");
    assert_eq!(app.state().redis.durability(), thiluat::store::Durability::FsyncAlways);
}

/// The erasure channel lost with Redis: an erasure published while a node was not
/// subscribed never reaches it, so on resubscribing its sockets look their participant up
/// in Postgres, and an erased one's socket is closed after all. (The erasure here is written
/// straight to Postgres, as by a node whose publish reached nobody.)
#[actix_web::test]
async fn after_redis_comes_back_open_sockets_recheck_erasures_they_missed() {
    let mut redis = OwnRedis::launch("always").await;
    let app = spawn_app_with(Options { redis_url: Some(redis.url()), ..Options::default() }).await;
    let erased = app.participant().await;
    let kept = app.participant().await;
    let mut erased_ws = app.ws(&erased.token).await;
    let mut kept_ws = app.ws(&kept.token).await;
    let mut tx = app.pg.begin().await.expect("tx");
    assert!(thiluat::privacy::erase_participant(&mut tx, erased.id, thiluat::privacy::ErasedBy::Organiser)
        .await
        .expect("erase"));
    tx.commit().await.expect("commit");
    redis.kill_and_restart().await;
    let told = erased_ws.recv().await;
    assert_eq!(told["code"], "participant_erased", "{told}");
    assert_eq!(erased_ws.closed().await, Some(1008));
    let pong = kept_ws.request(serde_json::json!({"type": "ping"})).await;
    assert_eq!(pong["type"], "pong", "the other socket stays: {pong}");
}
