//! A persister that cannot be blocked (issue 16 item 0, issue 22 item 2): an entry it cannot
//! decode or apply goes to the dead-letter table and everything around it is persisted; the
//! entries a dead consumer left pending are reclaimed, so Postgres catches up within seconds
//! after a node dies in the middle of a batch.

use std::time::{Duration, Instant};

use thiluat::jobs::{dead_letter, finalize, persister};
use thiluat::store::keys::PERSISTER_GROUP;
use thiluat::store::stream::{Event, Start, Started, Submit};

use crate::admin::Body;
use crate::helpers::*;

async fn contest_id(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT id FROM contests").fetch_one(&app.pg).await.expect("contest")
}

/// (attempts, answers, submitted attempts) in Postgres.
async fn pg_counts(app: &TestApp) -> (i64, i64, i64) {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM attempts), (SELECT count(*) FROM answers), \
         (SELECT count(*) FROM attempts WHERE submitted_at_ms IS NOT NULL)",
    )
    .fetch_one(&app.pg)
    .await
    .expect("counts")
}

/// Waits (at most `limit`) until Postgres holds `want` and the round's stream is empty;
/// returns how long it took.
async fn caught_up(app: &TestApp, round: i64, want: (i64, i64, i64), limit: Duration) -> Duration {
    let t0 = Instant::now();
    loop {
        let lag = persister::lag(&app.state.redis, round).await.expect("lag");
        let counts = pg_counts(app).await;
        if lag == 0 && counts == want {
            return t0.elapsed();
        }
        assert!(t0.elapsed() < limit, "not caught up after {limit:?}: lag {lag}, Postgres {counts:?}, want {want:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `n` participants who each start, answer every question and submit; returns (attempt id,
/// a question of it) of the first, and the number of answers.
async fn play(app: &TestApp, tag: &str, n: usize) -> (String, i64, i64) {
    let (round, cid) = (app.round(), contest_id(app).await);
    let mut answers = 0;
    let mut first = None;
    for i in 0..n {
        let p = app.participant().await;
        let snap = app.state.play.start(cid, p.id, round, &format!("{tag}{i}")).await.expect("start");
        for (seq, q) in snap.questions.iter().enumerate() {
            let pick = q.options[(i + seq) % q.options.len()].id;
            app.state.play.answer(p.id, round, &snap.attempt_id, q.id, &[pick], seq as i64 + 1).await.expect("answer");
            answers += 1;
        }
        app.state.play.submit(p.id, round, &snap.attempt_id, Some(i as i64)).await.expect("submit");
        first.get_or_insert((snap.attempt_id.clone(), snap.questions[0].id));
    }
    let (attempt, question) = first.expect("one participant");
    (attempt, question, answers)
}

#[actix_web::test]
async fn an_entry_that_cannot_be_applied_is_set_aside_and_everything_behind_it_is_persisted() {
    let app = spawn_app_with(Options { jobs: true, ..Options::default() }).await;
    let round = app.round();
    let (attempt, question, before) = play(&app, "before", 3).await;
    // Injected raw, as a buggy or older node might write them: the seq the old answer.lua
    // wrote for 10^17, a type nobody knows, and a start whose participant does not exist
    // (decodes, but Postgres refuses it).
    let key = app.state.redis.keys(round).events();
    let missing_start = uuid::Uuid::new_v4().to_string();
    let bad: [&[(&str, &str)]; 3] = [
        &[("t", "answer"), ("a", &attempt), ("q", &question.to_string()), ("o", "1"), ("seq", "1e+17"), ("at", "1")],
        &[("t", "teleport"), ("a", &attempt)],
        &[("t", "start"), ("a", &missing_start), ("p", "987654321"), ("n", "1"), ("s", "1"), ("d", "2"), ("qs", "1,2")],
    ];
    for fields in bad {
        redis::cmd("XADD")
            .arg(&key)
            .arg("*")
            .arg(fields)
            .query_async::<String>(&mut app.state.redis.conn())
            .await
            .expect("XADD");
    }
    let (_, _, after) = play(&app, "after", 3).await;
    caught_up(&app, round, (6, before + after, 6), Duration::from_secs(10)).await;
    let dead = dead_letter::list(&app.pg, round).await.expect("dead letters");
    assert_eq!(dead.len(), 3, "{dead:?}");
    assert!(dead[0].2.contains("seq") && dead[0].1.contains("1e+17"), "{:?}", dead[0]);
    assert!(dead[1].2.contains("teleport"), "{:?}", dead[1]);
    assert!(dead[2].2.contains("cannot apply"), "{:?}", dead[2]);
    assert_eq!(app.state.metrics.persister_dead_letters.get(), 3);
    // verify names each one (and `thiluat verify` prints them and fails).
    let diffs = finalize::verify(&app.pg, &app.state.play, round).await.expect("verify runs");
    assert_eq!(diffs.len(), 3, "{diffs:?}");
    assert!(diffs.iter().all(|d| d.starts_with("dead letter ")), "{diffs:?}");
    // The console's live page gets the count (its alert) and the verify button the lines.
    let (admin, _, _) = crate::privacy::owned_contest(&app, "dead-letters").await;
    let (status, live) = app.call(Some(&admin), "GET", &format!("/api/admin/rounds/{round}/live"), Body::None).await;
    assert_eq!((status, &live["dead_letters"]), (200, &serde_json::json!(3)), "{live}");
    let (status, verified) =
        app.call(Some(&admin), "GET", &format!("/api/admin/rounds/{round}/verify"), Body::None).await;
    assert_eq!((status, &verified["agree"]), (200, &serde_json::json!(false)), "{verified}");
}

#[actix_web::test]
async fn starts_pending_at_a_dead_consumer_are_reclaimed_and_postgres_catches_up_within_seconds() {
    let app = spawn_app().await;
    let (round, cid) = (app.round(), contest_id(&app).await);
    // Every start first, then every answer, then every submit: the starts are the oldest
    // entries of the stream.
    let n = 15;
    let mut attempts = Vec::new();
    for i in 0..n {
        let p = app.participant().await;
        attempts.push((p.id, app.state.play.start(cid, p.id, round, &format!("s{i}")).await.expect("start")));
    }
    let mut answers = 0;
    for (p, snap) in &attempts {
        for (seq, q) in snap.questions.iter().enumerate() {
            app.state
                .play
                .answer(*p, round, &snap.attempt_id, q.id, &[q.options[0].id], seq as i64 + 1)
                .await
                .expect("answer");
            answers += 1;
        }
    }
    for (i, (p, snap)) in attempts.iter().enumerate() {
        app.state.play.submit(*p, round, &snap.attempt_id, Some(i as i64)).await.expect("submit");
    }
    // A node took the starts and died before writing them; the node that restarts under
    // `node-new` had taken everything else and died in the middle of that batch.
    let key = app.state.redis.keys(round).events();
    let take = |consumer: &'static str, count: usize| {
        let key = key.clone();
        let redis = app.state.redis.clone();
        async move {
            let got: redis::Value = redis::cmd("XREADGROUP")
                .arg("GROUP")
                .arg(PERSISTER_GROUP)
                .arg(consumer)
                .arg("COUNT")
                .arg(count)
                .arg("STREAMS")
                .arg(&key)
                .arg(">")
                .query_async(&mut redis.conn())
                .await
                .expect("XREADGROUP");
            got
        }
    };
    let dead = format!("{:?}", take("node-dead", n).await);
    assert_eq!(dead.matches("\"start\"").count(), n, "the dead consumer holds every start");
    take("node-new", 100_000).await;
    let restarted = Instant::now();
    let node = spawn_app_with(Options {
        share: Some(app.shared.clone()),
        jobs: true,
        configure: Some(|c| c.jobs.consumer_name = Some("node-new".into())),
        ..Options::default()
    })
    .await;
    let n = n as i64;
    caught_up(&node, round, (n, answers, n), Duration::from_secs(10)).await;
    let took = restarted.elapsed();
    assert!(took < Duration::from_secs(10), "Postgres caught up {took:?} after the restart");
    eprintln!("Postgres caught up {took:?} after the restart");
    // Exactly once: the primary keys hold one row per attempt and per (attempt, question);
    // the counts equal what was acknowledged, and verify agrees with Redis.
    assert!(dead_letter::list(&app.pg, round).await.expect("dead letters").is_empty());
    let diffs = finalize::verify(&app.pg, &app.state.play, round).await.expect("verify runs");
    assert!(diffs.is_empty(), "{diffs:?}");
}

/// A submit written by an older version (without its start's data) whose start is pending at
/// another consumer waits for it, without holding up anything else; one whose attempt was
/// never started is set aside.
#[actix_web::test]
async fn an_older_submit_waits_for_its_start_only_while_it_may_come() {
    let app = spawn_app().await;
    let round = app.round();
    app.state.play.arm(round).await.expect("armed: stream and group exist");
    let key = app.state.redis.keys(round).events();
    let p = app.participant().await;
    let attempt = uuid::Uuid::new_v4().to_string();
    let add = |event: Event| {
        let (key, redis) = (key.clone(), app.state.redis.clone());
        async move {
            redis::cmd("XADD")
                .arg(&key)
                .arg("*")
                .arg(event.encode())
                .query_async::<String>(&mut redis.conn())
                .await
                .expect("XADD")
        }
    };
    let uuid = |s: &str| uuid::Uuid::parse_str(s).expect("uuid");
    let start = Event::Start(Start {
        attempt: uuid(&attempt),
        started: Started {
            participant_id: p.id,
            number: 1,
            started_ms: 1000,
            deadline_ms: 2000,
            question_ids: vec![1, 2],
        },
    });
    // As an older version wrote a submit: without its start.
    let old_submit = |a: &str| {
        Event::Submit(Submit {
            attempt: uuid(a),
            submitted_ms: 1500,
            duration_ms: 500,
            correct: 1,
            prediction: Some(7),
            auto: false,
            started: None,
        })
    };
    add(start).await;
    add(old_submit(&attempt)).await;
    let _: redis::Value = redis::cmd("XREADGROUP")
        .arg(&["GROUP", PERSISTER_GROUP, "node-other", "COUNT", "1", "STREAMS", &key, ">"])
        .query_async(&mut app.state.redis.conn())
        .await
        .expect("another node takes the start");
    let opts = |reclaim_idle_ms| persister::Options { batch: 100, reclaim_idle_ms };
    let waited =
        persister::persist_batch(&app.pg, &app.state.redis, round, "node-me", opts(60_000)).await.expect("runs");
    assert_eq!((waited.persisted, waited.dead_lettered), (0, 0), "the submit waits: {waited:?}");
    assert_eq!(persister::lag(&app.state.redis, round).await.expect("lag"), 2);
    // Something else behind it flows meanwhile.
    let (other_attempt, _, answers) = play(&app, "x", 1).await;
    let flowed =
        persister::persist_batch(&app.pg, &app.state.redis, round, "node-me", opts(60_000)).await.expect("runs");
    assert_eq!(flowed.persisted as i64, answers + 2, "{flowed:?}");
    let (_, stored, _) = pg_counts(&app).await;
    assert_eq!(stored, answers);
    // The other node is taken for dead: its start is claimed, and the submit follows it.
    let done = persister::persist_batch(&app.pg, &app.state.redis, round, "node-me", opts(0)).await.expect("runs");
    assert_eq!((done.persisted, done.dead_lettered), (2, 0), "{done:?}");
    let prediction: Option<i64> = sqlx::query_scalar("SELECT prediction FROM attempts WHERE id = $1::uuid")
        .bind(&attempt)
        .fetch_one(&app.pg)
        .await
        .expect("the attempt row");
    assert_eq!(prediction, Some(7));
    // A submit whose attempt never started is set aside at once: nobody holds a start.
    add(old_submit(&uuid::Uuid::new_v4().to_string())).await;
    let aside =
        persister::persist_batch(&app.pg, &app.state.redis, round, "node-me", opts(60_000)).await.expect("runs");
    assert_eq!((aside.persisted, aside.dead_lettered), (0, 1), "{aside:?}");
    assert_eq!(persister::lag(&app.state.redis, round).await.expect("lag"), 0);
    let dead = dead_letter::list(&app.pg, round).await.expect("dead letters");
    assert!(dead.len() == 1 && dead[0].2.contains("never started"), "{dead:?}");
    assert!(!other_attempt.is_empty());
}

/// Recording a dead letter is idempotent (a batch retried after a failure records nothing
/// twice), and only the first recording counts for the metric.
#[actix_web::test]
async fn a_dead_letter_is_recorded_and_counted_once() {
    let app = spawn_app().await;
    let round = app.round();
    let entry = persister::Entry {
        id: "1700000000000-0".into(),
        fields: [("t", "answer"), ("seq", "1e+17")].into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
    };
    let first = persister::write_entries(&app.pg, round, std::slice::from_ref(&entry)).await.expect("runs");
    let again = persister::write_entries(&app.pg, round, std::slice::from_ref(&entry)).await.expect("runs");
    assert_eq!((first.dead_lettered, first.newly_dead_lettered), (1, 1));
    assert_eq!((again.dead_lettered, again.newly_dead_lettered), (1, 0));
    assert_eq!(dead_letter::list(&app.pg, round).await.expect("dead letters").len(), 1);
}
