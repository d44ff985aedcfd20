//! Fault drills with a round in play: a store goes away and comes back. Requests fail fast
//! meanwhile (typed errors, 503s, a readiness probe that answers), and service resumes
//! within seconds of the store answering again.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::helpers::*;
use crate::own_postgres::OwnPostgres;
use crate::own_redis::OwnRedis;

/// GET /readyz with a deadline: (status, body), or None when no answer came in time.
pub async fn readyz_within(app: &TestApp, limit: Duration) -> Option<(u16, Value)> {
    let asked = async {
        let mut res = app.http.get(app.url("/readyz")).timeout(limit * 2).send().await.ok()?;
        let body = res.json::<Value>().await.ok()?;
        Some((res.status().as_u16(), body))
    };
    tokio::time::timeout(limit, asked).await.ok().flatten()
}

/// One websocket answer: the reply, or None when none came within `limit`.
async fn answer_within(ws: &mut WsClient, message: Value, limit: Duration) -> Option<Value> {
    tokio::time::timeout(limit, ws.request(message)).await.ok()
}

/// A server on `redis` with a round in play: a socket with a started attempt, one answer
/// acknowledged. Returns the app, the socket and a maker of answer messages by seq.
async fn round_in_play(redis: &OwnRedis) -> (TestApp, WsClient, impl Fn(i64) -> Value) {
    let app = spawn_app_with(Options {
        redis_url: Some(redis.url()),
        // The drills ask every 100 ms: no message limit in the way.
        configure: Some(|c| c.http.ws_messages_per_minute = 10_000),
        ..Options::default()
    })
    .await;
    let round = app.round();
    let p = app.participant().await;
    let mut ws = app.ws(&p.token).await;
    let snap = ws.start(round).await;
    let qs = questions(&snap);
    let attempt = snap["attempt_id"].clone();
    let answer = move |seq: i64| {
        let (qid, options) = &qs[(seq as usize) % qs.len()];
        json!({"type": "answer", "round_id": round, "attempt_id": attempt, "question_id": qid,
               "options": [options[0]], "seq": seq})
    };
    let first = ws.request(answer(1)).await;
    assert_eq!(first["type"], "ack", "{first}");
    let (status, _) = readyz_within(&app, Duration::from_secs(1)).await.expect("readyz answers");
    assert_eq!(status, 200);
    (app, ws, answer)
}

/// While Redis does not answer (for `outage`): /readyz is 503 naming Redis within 1 s, a
/// socket's answer gets `unavailable` within 2 s, an HTTP request that needs Redis gets 503
/// with Retry-After and the error envelope within 2 s. Returns the last seq used.
async fn fails_fast_while_down(
    app: &TestApp,
    ws: &mut WsClient,
    answer: &impl Fn(i64) -> Value,
    mut seq: i64,
    outage: Duration,
) -> i64 {
    let since = Instant::now();
    let mut probes = 0;
    while since.elapsed() < outage {
        let (status, body) =
            readyz_within(app, Duration::from_secs(1)).await.expect("/readyz answers within 1 s while Redis is down");
        assert_eq!((status, body["redis"].as_str()), (503, Some("down")), "{body}");
        assert_eq!((body["postgres"].as_str(), body["failing"].clone()), (Some("ok"), json!(["redis"])), "{body}");
        seq += 1;
        let reply = answer_within(ws, answer(seq), Duration::from_secs(2))
            .await
            .expect("a websocket answer gets a reply within 2 s while Redis is down");
        assert_eq!((reply["type"].as_str(), reply["code"].as_str()), (Some("error"), Some("unavailable")), "{reply}");
        let mut res = tokio::time::timeout(
            Duration::from_secs(2),
            app.http.get(app.url(&format!("/api/rounds/{}/leaderboard", app.round()))).send(),
        )
        .await
        .expect("an HTTP request needing Redis is answered within 2 s")
        .expect("sent");
        assert_eq!(res.status().as_u16(), 503);
        assert!(res.headers().contains_key("retry-after"), "503 says when to retry");
        let body: Value = res.json().await.expect("envelope");
        assert_eq!(body["error"]["code"], "unavailable", "{body}");
        probes += 1;
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert!(probes >= 3, "probed the outage several times: {probes}");
    seq
}

/// Once Redis answers again (at `back`): the first answer is acknowledged within 5 s, and
/// /readyz (answering within 1 s) is 200 again within 5 s.
async fn recovers_fast(app: &TestApp, ws: &mut WsClient, answer: &impl Fn(i64) -> Value, mut seq: i64, back: Instant) {
    loop {
        seq += 1;
        let reply = answer_within(ws, answer(seq), Duration::from_secs(2)).await.expect("a reply within 2 s");
        if reply["type"] == "ack" {
            break;
        }
        assert_eq!(reply["code"], "unavailable", "{reply}");
        assert!(back.elapsed() < Duration::from_secs(5), "no acknowledgement 5 s after Redis answered again");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!("first acknowledgement {:?} after Redis answered again", back.elapsed());
    loop {
        let (status, body) =
            readyz_within(app, Duration::from_secs(1)).await.expect("/readyz answers within 1 s after the outage");
        if status == 200 {
            assert_eq!(body["redis"], "ok");
            break;
        }
        assert!(back.elapsed() < Duration::from_secs(5), "/readyz not ready 5 s after Redis came back: {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The drill of issue 22: Redis killed with SIGKILL mid-round and restarted ~5 s later.
/// (Before the fix: an HTTP request hung on the reconnect; with the fix's timeouts but the
/// default reconnect back-off, nothing was acknowledged 5 s after Redis was back.)
#[actix_web::test]
async fn a_redis_restart_costs_seconds_and_requests_fail_fast_meanwhile() {
    let mut redis = OwnRedis::launch("always").await;
    let (app, mut ws, answer) = round_in_play(&redis).await;
    redis.kill();
    let seq = fails_fast_while_down(&app, &mut ws, &answer, 1, Duration::from_secs(5)).await;
    redis.restart().await; // returns once Redis answers PING
    recovers_fast(&app, &mut ws, &answer, seq, Instant::now()).await;
}

/// Redis hung (SIGSTOP: sockets open, no replies, as behind a network dropping packets) for
/// ~4 s, then continued: only deadlines can tell, and they do. (Before the fix: /readyz and
/// the socket's answer waited for as long as Redis hung.)
#[actix_web::test]
async fn a_hung_redis_is_answered_by_deadlines_and_service_resumes_when_it_continues() {
    let redis = OwnRedis::launch("always").await;
    let (app, mut ws, answer) = round_in_play(&redis).await;
    redis.pause();
    let seq = fails_fast_while_down(&app, &mut ws, &answer, 1, Duration::from_secs(4)).await;
    redis.resume();
    redis.wait_ready().await;
    recovers_fast(&app, &mut ws, &answer, seq, Instant::now()).await;
}

/// Postgres stopped (`immediate`, as in a crash) for ~5 s with a round in play, then
/// started, on a private cluster (the machine's shared one must stay up): open attempts keep
/// being acknowledged (Redis holds open rounds), /readyz answers within 1 s, still ready
/// (200, so a load balancer keeps the node) but `degraded`, naming Postgres, the persister falls behind, and once Postgres is back it drains within 10 s, with
/// every acknowledged answer in Postgres.
#[actix_web::test]
async fn a_postgres_outage_keeps_answers_acknowledged_and_the_persister_drains_after() {
    let Some(pg) = OwnPostgres::launch().await else {
        eprintln!("skipped: no PostgreSQL server binaries under /usr/lib/postgresql");
        return;
    };
    let app = spawn_app_with(Options {
        share: Some(Shared {
            db_url: pg.database().await,
            redis_prefix: format!("t{}:", uuid::Uuid::new_v4().simple()),
            secret: hex::encode(rand::random::<[u8; 32]>()),
        }),
        jobs: true,
        configure: Some(|c| c.http.ws_messages_per_minute = 10_000),
        ..Options::default()
    })
    .await;
    let round = app.round();
    let mut sockets = Vec::new();
    // Every answer the players will give, in order: (socket, attempt, question, option).
    let mut plan = Vec::new();
    for who in 0..3 {
        let p = app.participant().await;
        let mut ws = app.ws(&p.token).await;
        let snap = ws.start(round).await;
        let attempt = snap["attempt_id"].as_str().expect("attempt").to_string();
        for (i, (qid, options)) in questions(&snap).into_iter().enumerate() {
            plan.push((i, who, attempt.clone(), qid, options[0]));
        }
        sockets.push(ws);
    }
    plan.sort_by_key(|a| (a.0, a.1)); // question by question, player by player
    let mut plan = plan.into_iter().enumerate().map(|(seq, (_, who, attempt, qid, option))| {
        let message = json!({"type": "answer", "round_id": round, "attempt_id": attempt,
                             "question_id": qid, "options": [option], "seq": seq as i64 + 1});
        (who, attempt, qid, message)
    });
    // (attempt, question) of every acknowledged answer.
    let mut acked = Vec::new();
    let mut answer = async |sockets: &mut Vec<WsClient>| {
        let (who, attempt, qid, message) = plan.next().expect("answers left");
        let reply =
            answer_within(&mut sockets[who], message, Duration::from_secs(2)).await.expect("a reply within 2 s");
        assert_eq!((reply["type"].as_str(), reply["status"].as_str()), (Some("ack"), Some("saved")), "{reply}");
        acked.push((attempt, qid));
    };
    for _ in 0..3 {
        answer(&mut sockets).await;
    }

    pg.stop();
    let stopped = Instant::now();
    let mut during = 0;
    while during < 6 || stopped.elapsed() < Duration::from_secs(5) {
        let (status, body) = readyz_within(&app, Duration::from_secs(1))
            .await
            .expect("/readyz answers within 1 s while Postgres is down");
        assert_eq!(
            (status, body["failing"].clone(), body["redis"].as_str(), body["degraded"].as_bool()),
            (200, json!(["postgres"]), Some("ok"), Some(true)),
            "{body}"
        );
        if during < 6 {
            answer(&mut sockets).await; // acknowledged with Postgres down
            during += 1;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let behind = thiluat::jobs::persister::lag(&app.state.redis, round).await.expect("lag");
    assert!(behind >= 6, "the answers given during the outage wait in Redis: lag {behind}");

    pg.start();
    let back = Instant::now();
    for _ in 0..6 {
        answer(&mut sockets).await;
    }
    loop {
        let lag = thiluat::jobs::persister::lag(&app.state.redis, round).await.expect("lag");
        if lag == 0 {
            break;
        }
        assert!(back.elapsed() < Duration::from_secs(10), "persister still {lag} behind 10 s after Postgres came back");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!("persister drained {:?} after Postgres came back", back.elapsed());
    let (status, body) = readyz_within(&app, Duration::from_secs(1)).await.expect("/readyz answers");
    assert_eq!(status, 200, "{body}");
    let rows: Vec<(uuid::Uuid, i64)> =
        sqlx::query_as("SELECT attempt_id, question_id FROM answers").fetch_all(&app.pg).await.expect("answers");
    let mut rows: Vec<(String, i64)> = rows.into_iter().map(|(a, q)| (a.to_string(), q)).collect();
    rows.sort();
    acked.sort();
    assert_eq!(rows, acked, "every acknowledged answer is in Postgres, once");
}

/// Issue 22's persister drill with a real process: a `thiluat serve` node (its persister on)
/// gets SIGKILL in the middle of a persister batch, with players answering over its sockets,
/// and is started again (a new process, so a new consumer). The batch is caught in the
/// middle by holding a lock on `answers`: the node has read the entries (they are pending at
/// its consumer) and waits inside its transaction when it dies. After the restart the
/// players carry on over the new process; within 10 s of the restart the stream is empty
/// (lag 0) and Postgres holds every acknowledged answer exactly once and every submit.
/// (Red with the reclaim of dead consumers' entries removed from `persist_batch`: the lag
/// stays at the dead node's batch.)
#[actix_web::test]
async fn a_server_killed_mid_batch_and_restarted_persists_every_acknowledged_answer_once_within_seconds() {
    use crate::server_process::ServerProcess;
    use thiluat::store::keys::PERSISTER_GROUP;

    // The test's own view of the stores (no jobs: only the process below persists).
    let app = spawn_app().await;
    let round = app.round();
    let node = |app: &TestApp| {
        let shared = app.shared.clone();
        async move {
            ServerProcess::start_with(&shared, 2, |cmd| {
                cmd.env("THILUAT_JOBS_ENABLED", "true")
                    .env("THILUAT_JOBS_DETECT_INTERVAL_S", "0")
                    .env("THILUAT_HTTP_WS_MESSAGES_PER_MINUTE", "10000");
            })
            .await
        }
    };
    let mut first = node(&app).await;
    let players = 8;
    let mut plan = Vec::new(); // per player: token, attempt, questions
    let mut sockets = Vec::new();
    for _ in 0..players {
        let p = app.participant().await;
        let mut ws = WsClient::connect(&app.http, first.url(&format!("/ws?token={}", p.token))).await;
        let snap = ws.start(round).await;
        plan.push((p.token, snap["attempt_id"].as_str().expect("attempt").to_string(), questions(&snap)));
        sockets.push(ws);
    }
    let per_player = plan[0].2.len();
    assert!(per_player >= 3, "enough questions for three phases: {per_player}");
    let mut acked: Vec<(String, i64)> = Vec::new();
    // Player `who` answers questions `range` on `ws`; every ack is logged.
    let answer =
        async |ws: &mut WsClient, who: usize, range: std::ops::Range<usize>, acked: &mut Vec<(String, i64)>| {
            let (_, attempt, qs) = &plan[who];
            for i in range {
                let (qid, options) = &qs[i];
                let reply = ws
                    .request(json!({"type": "answer", "round_id": round, "attempt_id": attempt, "question_id": qid,
                                "options": [options[0]], "seq": i as i64 + 1}))
                    .await;
                assert_eq!((reply["type"].as_str(), reply["status"].as_str()), (Some("ack"), Some("saved")), "{reply}");
                acked.push((attempt.clone(), *qid));
            }
        };
    let third = per_player / 3;
    for (who, ws) in sockets.iter_mut().enumerate() {
        answer(ws, who, 0..third, &mut acked).await;
    }

    // Postgres holds the node's next batch inside its transaction.
    let mut blocker = app.pg.begin().await.expect("tx");
    sqlx::query("LOCK TABLE answers IN SHARE MODE").execute(&mut *blocker).await.expect("lock");
    for (who, ws) in sockets.iter_mut().enumerate() {
        answer(ws, who, third..2 * third, &mut acked).await;
    }
    let key = app.state.redis.keys(round).events();
    let t0 = Instant::now();
    loop {
        let (pending,): (i64,) = redis::cmd("XPENDING")
            .arg(&key)
            .arg(PERSISTER_GROUP)
            .query_async::<(i64, redis::Value, redis::Value, redis::Value)>(&mut app.state.redis.conn())
            .await
            .map(|(n, ..)| (n,))
            .expect("XPENDING");
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(&app.pg)
        .await
        .expect("pg_stat_activity");
        if pending > 0 && waiting > 0 {
            eprintln!("the node holds {pending} entries and waits inside its batch");
            break;
        }
        assert!(t0.elapsed() < Duration::from_secs(10), "the node never got into a batch: pending {pending}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    first.child.kill().expect("SIGKILL");
    first.child.wait().expect("reaped");
    drop(sockets);
    blocker.rollback().await.expect("release the lock");

    let second = node(&app).await;
    let restarted = Instant::now();
    for (who, (token, attempt, _)) in plan.iter().enumerate() {
        let mut ws = WsClient::connect(&app.http, second.url(&format!("/ws?token={token}"))).await;
        answer(&mut ws, who, 2 * third..per_player, &mut acked).await;
        let reply =
            ws.request(json!({"type": "submit", "round_id": round, "attempt_id": attempt, "prediction": who})).await;
        assert_ne!(reply["type"], "error", "{reply}");
    }
    let want = (players as i64, acked.len() as i64);
    loop {
        let lag = thiluat::jobs::persister::lag(&app.state.redis, round).await.expect("lag");
        let counts: (i64, i64) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM attempts WHERE submitted_at_ms IS NOT NULL), (SELECT count(*) FROM answers)",
        )
        .fetch_one(&app.pg)
        .await
        .expect("counts");
        if lag == 0 && counts == want {
            break;
        }
        assert!(
            restarted.elapsed() < Duration::from_secs(10),
            "10 s after the restart: lag {lag}, Postgres (submitted, answers) {counts:?}, want {want:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!("Postgres caught up {:?} after the restart", restarted.elapsed());
    let rows: Vec<(uuid::Uuid, i64)> =
        sqlx::query_as("SELECT attempt_id, question_id FROM answers").fetch_all(&app.pg).await.expect("answers");
    let mut rows: Vec<(String, i64)> = rows.into_iter().map(|(a, q)| (a.to_string(), q)).collect();
    rows.sort();
    acked.sort();
    assert_eq!(rows, acked, "every acknowledged answer is in Postgres, once");
    assert!(thiluat::jobs::dead_letter::list(&app.pg, round).await.expect("dead letters").is_empty());
    let diffs = thiluat::jobs::finalize::verify(&app.pg, &app.state.play, round).await.expect("verify runs");
    assert!(diffs.is_empty(), "Postgres agrees with Redis: {diffs:?}");
}
