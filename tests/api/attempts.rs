use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::*;

#[actix_web::test]
async fn a_whole_attempt_over_the_websocket_then_resume_shows_the_result() {
    let app = spawn_app().await;
    let p = app.participant().await;
    let round = app.round();
    let mut ws = app.ws(&p.token).await;
    let snap = ws.start(round).await;
    assert_eq!(snap["status"], "open");
    assert!(snap["remaining_ms"].as_i64().expect("remaining") > 14 * 60 * 1000);
    let qs = questions(&snap);
    assert_eq!(qs.len(), 5);
    let mut expected_correct = 0;
    for (seq, (qid, options)) in qs.iter().enumerate() {
        let correct = correct_options(&app.pg, *qid).await;
        // Answer the first three right, the rest with a wrong option.
        let choice: Vec<i64> = if seq < 3 {
            expected_correct += 1;
            correct.clone()
        } else {
            vec![*options.iter().find(|o| !correct.contains(o)).expect("a wrong option")]
        };
        let ack = ws
            .request(json!({"type": "answer", "round_id": round, "attempt_id": snap["attempt_id"], "question_id": qid, "options": choice, "seq": seq + 1}))
            .await;
        assert_eq!((ack["type"].as_str(), ack["status"].as_str()), (Some("ack"), Some("saved")), "{ack}");
    }
    let result = ws
        .request(json!({"type": "submit", "round_id": round, "attempt_id": snap["attempt_id"], "prediction": 12}))
        .await;
    assert_eq!(result["type"], "result", "{result}");
    assert_eq!(result["correct"], expected_correct);
    assert_eq!(result["total"], 5);
    assert_eq!(result["attempts_left"], 1);
    assert_eq!(result["auto"], false);
    // Submitting again returns the same result and changes nothing.
    let again = ws
        .request(json!({"type": "submit", "round_id": round, "attempt_id": snap["attempt_id"], "prediction": 99}))
        .await;
    assert_eq!(again["correct"], result["correct"]);
    assert_eq!(again["prediction"], 12);
    // A new connection (a reload) resumes the submitted attempt with its answers and result.
    let mut ws2 = app.ws(&p.token).await;
    let resumed = ws2.request(json!({"type": "resume", "round_id": round, "attempt_id": snap["attempt_id"]})).await;
    assert_eq!(resumed["status"], "submitted");
    assert_eq!(resumed["answers"].as_object().map(|o| o.len()), Some(5));
    assert_eq!(resumed["result"]["correct"], expected_correct);
    assert_eq!(resumed["questions"], snap["questions"], "same questions, same option order");
    // The live leaderboard shows the participant with a masked name.
    let (_, board) = app.get_json(&format!("/api/rounds/{round}/leaderboard")).await;
    assert_eq!(board["entries"][0]["name"], "Nguyễn Văn A.");
    assert_eq!(board["entries"][0]["correct"], expected_correct);
}

/// A server with its jobs running, a round of 1.5 s per attempt and 0.3 s of grace, and one
/// participant's attempt started over the websocket.
struct Short {
    app: TestApp,
    round: i64,
    p: Participant,
    ws: WsClient,
    snap: Value,
    attempt: Value,
}

async fn short_attempt() -> Short {
    let app = spawn_app_with(Options {
        jobs: true,
        first_round: Some("time_limit_ms = 1500, grace_ms = 300"),
        ..Options::default()
    })
    .await;
    let round = app.round();
    let p = app.participant().await;
    let mut ws = app.ws(&p.token).await;
    let snap = ws.start(round).await;
    let attempt = snap["attempt_id"].clone();
    Short { app, round, p, ws, snap, attempt }
}

#[actix_web::test]
async fn answers_after_deadline_plus_grace_are_refused_and_the_attempt_is_auto_submitted() {
    let Short { app: _server, round, p: _, mut ws, snap, attempt } = short_attempt().await;
    let remaining = snap["remaining_ms"].as_i64().expect("remaining");
    assert!(remaining <= 1500 && remaining > 500, "deadline is the server's: {remaining}");
    let (q0, o0) = questions(&snap)[0].clone();
    let ack = ws
        .request(json!({"type": "answer", "round_id": round, "attempt_id": attempt, "question_id": q0, "options": [o0[0]], "seq": 1}))
        .await;
    assert_eq!(ack["status"], "saved");
    // A client that claims another time is refused outright: the protocol has no client clock.
    let lying = ws
        .request(json!({"type": "answer", "round_id": round, "attempt_id": attempt, "question_id": q0, "options": [o0[1]], "seq": 2, "client_time_ms": 0}))
        .await;
    assert_eq!(lying["code"], "malformed");
    tokio::time::sleep(Duration::from_millis(1500 + 300 + 150)).await;
    let (q1, o1) = questions(&snap)[1].clone();
    let late = ws
        .request(json!({"type": "answer", "round_id": round, "attempt_id": attempt, "question_id": q1, "options": [o1[0]], "seq": 3}))
        .await;
    assert!(
        late["code"] == "deadline_passed" || late["code"] == "already_submitted",
        "a late answer is refused: {late}"
    );
    // The sweeper auto-submits with the answers saved so far.
    let mut result = Value::Null;
    for _ in 0..50 {
        result = ws.request(json!({"type": "resume", "round_id": round, "attempt_id": attempt})).await;
        if result["status"] == "submitted" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(result["status"], "submitted", "{result}");
    assert_eq!(result["result"]["auto"], true);
    assert_eq!(result["answers"].as_object().map(|o| o.len()), Some(1), "only the answer in time counts");
    assert!(result["result"]["duration_ms"].as_i64().expect("duration") <= 1500, "time stops at the deadline");
}

/// Issue 16 item 7: a submit that comes after deadline + grace (the participant's network
/// was slow) used to drop the prediction. Saved with `predict` during the attempt, it is
/// kept by the auto-submit, shown on resume, and reaches Postgres.
#[actix_web::test]
async fn a_prediction_saved_during_the_attempt_survives_a_submit_after_deadline_plus_grace() {
    let Short { app, round, p, mut ws, snap, attempt } = short_attempt().await;
    assert_eq!(snap["saved_prediction"], Value::Null);
    let saved =
        ws.request(json!({"type": "predict", "round_id": round, "attempt_id": attempt, "prediction": 41})).await;
    assert_eq!(saved, json!({"type": "prediction_saved", "attempt_id": attempt, "prediction": 41}));
    // Replaced like an answer; an out-of-range value changes nothing.
    let saved =
        ws.request(json!({"type": "predict", "round_id": round, "attempt_id": attempt, "prediction": 42})).await;
    assert_eq!(saved["prediction"], 42, "{saved}");
    let bad = ws
        .request(json!({"type": "predict", "round_id": round, "attempt_id": attempt, "prediction": 1_000_000_001}))
        .await;
    assert_eq!(bad["code"], "invalid_prediction", "{bad}");
    let mut reload = app.ws(&p.token).await;
    let resumed = reload.request(json!({"type": "resume", "round_id": round, "attempt_id": attempt})).await;
    assert_eq!(resumed["saved_prediction"], 42, "{resumed}");
    tokio::time::sleep(Duration::from_millis(1500 + 300 + 150)).await;
    // The participant's submit arrives too late: the saved prediction still counts.
    let late = ws.request(json!({"type": "submit", "round_id": round, "attempt_id": attempt, "prediction": 7})).await;
    assert_eq!(late["type"], "result", "{late}");
    assert_eq!((late["auto"].as_bool(), late["prediction"].as_i64()), (Some(true), Some(42)), "{late}");
    let too_late =
        ws.request(json!({"type": "predict", "round_id": round, "attempt_id": attempt, "prediction": 9})).await;
    assert_eq!(too_late["code"], "already_submitted", "{too_late}");
    app.persist_all(round).await;
    let in_pg: Option<i64> = sqlx::query_scalar("SELECT prediction FROM attempts WHERE id = $1::uuid")
        .bind(attempt.as_str().expect("id"))
        .fetch_one(&app.pg)
        .await
        .expect("attempt row");
    assert_eq!(in_pg, Some(42));
}

/// Issue 16 item 8: binary frames and fragments count against the connection's message
/// rate like text messages (a flood of either is refused, then closed with 1008), a message
/// in fragments is answered like a whole one, and its reassembled size is capped at 64 KiB.
#[actix_web::test]
async fn binary_frames_and_fragment_floods_are_counted_and_reassembled_messages_are_capped() {
    use actix_ws::Item;
    use awc::ws::Message;
    let app = spawn_app().await;
    let fragment = |item: Item| Message::Continuation(item);
    // A message in two fragments is one message.
    let mut ws = app.ws(&app.participant().await.token).await;
    ws.send_frame(fragment(Item::FirstText(r#"{"type":"pi"#.into()))).await;
    ws.send_frame(fragment(Item::Last(r#"ng"}"#.into()))).await;
    let pong = ws.recv().await;
    assert_eq!(pong["type"], "pong", "{pong}");
    // Over 64 KiB once joined, sent in 4 KiB pieces (none too large alone): too_large, 1009.
    let mut ws = app.ws(&app.participant().await.token).await;
    let piece = "x".repeat(4 * 1024);
    ws.send_frame(fragment(Item::FirstText(piece.clone().into()))).await;
    for _ in 0..16 {
        if !ws.send_frame(fragment(Item::Continue(piece.clone().into()))).await {
            break;
        }
    }
    assert_eq!(ws.closed().await, Some(1009));
    assert!(ws.frames.iter().any(|f| f.contains("too_large")), "{:?}", ws.frames);
    // A flood of binary frames: refused as binary, then rate-limited, then closed.
    let mut ws = app.ws(&app.participant().await.token).await;
    for _ in 0..(12 + thiluat::limits::WS_HARD_LIMIT + 20) {
        if !ws.send_frame(Message::Binary(vec![0u8; 8].into())).await {
            break;
        }
    }
    assert_eq!(ws.closed().await, Some(1008));
    assert!(ws.frames.iter().any(|f| f.contains("binary_not_supported")), "{:?}", ws.frames.first());
    assert!(ws.frames.iter().any(|f| f.contains("rate_limited")), "{:?}", ws.frames.last());
    // A flood of empty fragments of one message that never ends: closed as well.
    let mut ws = app.ws(&app.participant().await.token).await;
    ws.send_frame(fragment(Item::FirstText("".into()))).await;
    for _ in 0..(12 + thiluat::limits::WS_HARD_LIMIT + 20) {
        if !ws.send_frame(fragment(Item::Continue("".into()))).await {
            break;
        }
    }
    assert_eq!(ws.closed().await, Some(1008));
}

#[actix_web::test]
async fn malformed_unknown_binary_and_oversized_messages_get_typed_errors_and_change_nothing() {
    let app = spawn_app().await;
    let round = app.round();
    let p = app.participant().await;
    let mut ws = app.ws(&p.token).await;
    let snap = ws.start(round).await;
    let attempt = snap["attempt_id"].clone();
    let single =
        snap["questions"].as_array().expect("questions").iter().position(|q| q["multi"] == false).expect("one");
    let (q0, o0) = questions(&snap)[single].clone();
    for (bad, code) in [
        ("not json".to_string(), "malformed"),
        (json!({"type": "teleport"}).to_string(), "malformed"),
        (json!({"type": "answer", "round_id": round, "attempt_id": attempt, "question_id": q0, "options": [o0[0]], "seq": "1"}).to_string(), "malformed"),
        (json!({"type": "answer", "round_id": round, "attempt_id": attempt, "question_id": q0, "options": [o0[0]], "seq": 0}).to_string(), "seq_invalid"),
        (json!({"type": "answer", "round_id": round, "attempt_id": attempt, "question_id": q0, "options": [12345], "seq": 1}).to_string(), "invalid_option"),
        (json!({"type": "answer", "round_id": round, "attempt_id": attempt, "question_id": 999999, "options": [o0[0]], "seq": 1}).to_string(), "invalid_question"),
        (json!({"type": "answer", "round_id": round, "attempt_id": attempt, "question_id": q0, "options": [o0[0], o0[1]], "seq": 1}).to_string(), "invalid_option"),
        (json!({"type": "answer", "round_id": round, "attempt_id": uuid::Uuid::new_v4(), "question_id": q0, "options": [o0[0]], "seq": 1}).to_string(), "not_found"),
        (json!({"type": "submit", "round_id": round, "attempt_id": attempt}).to_string(), "prediction_required"),
        (json!({"type": "submit", "round_id": round, "attempt_id": attempt, "prediction": -5}).to_string(), "invalid_prediction"),
        (json!({"type": "start", "round_id": 424242, "request_id": "x"}).to_string(), "not_found"),
    ] {
        // Paced like a person: a burst this size would be rate-limited (see limits.rs).
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        ws.send_text(bad.clone()).await;
        let reply = ws.recv().await;
        assert_eq!((reply["type"].as_str(), reply["code"].as_str()), (Some("error"), Some(code)), "{bad} → {reply}");
        assert!(reply["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let after = ws.request(json!({"type": "resume", "round_id": round, "attempt_id": attempt})).await;
    assert_eq!(after["answers"], json!({}), "nothing was saved");
    assert_eq!(after["status"], "open");
    assert_eq!(after["last_seq"], 0);
    // Another participant cannot touch this attempt.
    let other = app.participant().await;
    let mut ws_other = app.ws(&other.token).await;
    let stolen = ws_other
        .request(json!({"type": "answer", "round_id": round, "attempt_id": attempt, "question_id": q0, "options": [o0[0]], "seq": 1}))
        .await;
    assert_eq!(stolen["code"], "not_found");
    // An oversized frame closes the socket with 1009 after a typed error.
    ws.send_text("x".repeat(70 * 1024)).await;
    assert_eq!(ws.closed().await, Some(1009));
    assert!(ws.frames.last().is_some_and(|f| f.contains("too_large")), "{:?}", ws.frames.last());
}

#[actix_web::test]
async fn the_upgrade_refuses_missing_forged_or_foreign_credentials() {
    let app = spawn_app().await;
    for path in ["/ws", "/ws?token=", "/ws?token=abc.def"] {
        match app.http.ws(app.url(path)).connect().await {
            Err(awc::error::WsClientError::InvalidResponseStatus(status)) => assert_eq!(status.as_u16(), 401, "{path}"),
            Err(other) => panic!("{path}: unexpected error {other}"),
            Ok(_) => panic!("{path}: the upgrade must be refused"),
        }
    }
    let p = app.participant().await;
    let foreign =
        app.http.ws(app.url(&format!("/ws?token={}", p.token))).origin("https://evil.example").connect().await;
    match foreign {
        Err(awc::error::WsClientError::InvalidResponseStatus(status)) => assert_eq!(status.as_u16(), 403),
        other => panic!("a foreign Origin must be refused: {:?}", other.map(|_| ())),
    }
    let own = format!("http://127.0.0.1:{}", app.port);
    assert!(
        app.http.ws(app.url(&format!("/ws?token={}", p.token))).origin(own.as_str()).connect().await.is_ok(),
        "own pages connect"
    );
    let forged = thiluat::crypto::Keys::from_master(&[9u8; 32]).sign_credential(thiluat::crypto::Credential {
        participant_id: 1,
        contest_id: 1,
        issued_at_s: chrono::Utc::now().timestamp(),
    });
    assert!(app.http.ws(app.url(&format!("/ws?token={forged}"))).connect().await.is_err());
}

/// Invariant 2: before the reveal, no frame carries which option is correct.
#[actix_web::test]
async fn no_frame_before_the_reveal_carries_a_correct_option() {
    let app = spawn_app().await;
    let round = app.round();
    let mut orders = std::collections::HashSet::new();
    let mut correct_positions = std::collections::HashSet::new();
    for _ in 0..2 {
        let p = app.participant().await;
        let mut ws = app.ws(&p.token).await;
        for _ in 0..2 {
            let snap = ws.start(round).await;
            let attempt = snap["attempt_id"].clone();
            for (seq, (qid, options)) in questions(&snap).iter().enumerate() {
                let correct = correct_options(&app.pg, *qid).await;
                if let Some(pos) = options.iter().position(|o| correct.contains(o)) {
                    correct_positions.insert(pos);
                }
                orders.insert(options.clone());
                ws.request(json!({"type": "answer", "round_id": round, "attempt_id": attempt, "question_id": qid, "options": [options[0]], "seq": seq + 1})).await;
            }
            ws.request(json!({"type": "attempts", "round_id": round})).await;
            ws.request(json!({"type": "resume", "round_id": round, "attempt_id": attempt})).await;
            ws.request(json!({"type": "submit", "round_id": round, "attempt_id": attempt, "prediction": 1})).await;
            ws.request(json!({"type": "resume", "round_id": round, "attempt_id": attempt})).await;
        }
        for frame in &ws.frames {
            let v: Value = serde_json::from_str(frame).expect("json");
            assert!(!frame.contains("Giải thích bí mật"), "an explanation leaked: {frame}");
            check_keys(&v, frame);
        }
    }
    assert!(correct_positions.len() > 1, "the correct option is not always in the same place");
    assert!(orders.len() > 5, "options are shuffled per attempt");
}

/// Only whitelisted keys appear anywhere in a frame; `correct` only as a count in a result.
fn check_keys(v: &Value, frame: &str) {
    const ALLOWED: &[&str] = &[
        "type",
        "attempt_id",
        "round_id",
        "number",
        "status",
        "started_ms",
        "deadline_ms",
        "server_ms",
        "remaining_ms",
        "questions",
        "id",
        "text",
        "multi",
        "options",
        "answers",
        "last_seq",
        "prediction",
        "saved_prediction",
        "target",
        "question",
        "result",
        "correct",
        "total",
        "duration_ms",
        "submitted_ms",
        "auto",
        "attempts_left",
        "seq",
        "question_id",
        "items",
        "code",
        "message",
        "ref",
    ];
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let is_answer_map = k.chars().all(|c| c.is_ascii_digit());
                assert!(ALLOWED.contains(&k.as_str()) || is_answer_map, "unexpected key {k:?} in {frame}");
                if k == "correct" {
                    assert!(child.is_number() || child.is_null(), "`correct` must be a count: {frame}");
                }
                check_keys(child, frame);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| check_keys(i, frame)),
        _ => {}
    }
}

/// A round that does not let answers change keeps the first saved answer of each question.
#[actix_web::test]
async fn a_locked_round_refuses_changing_a_saved_answer() {
    let app = spawn_app_with(Options { first_round: Some("answers_changeable = false"), ..Options::default() }).await;
    let round = app.round();
    let p = app.participant().await;
    let mut ws = app.ws(&p.token).await;
    let snap = ws.start(round).await;
    let single =
        snap["questions"].as_array().expect("questions").iter().position(|q| q["multi"] == false).expect("one");
    let (q, options) = questions(&snap)[single].clone();
    let answer = |option: i64, seq: i64| json!({"type": "answer", "round_id": round, "attempt_id": snap["attempt_id"], "question_id": q, "options": [option], "seq": seq});
    assert_eq!(ws.request(answer(options[0], 1)).await["status"], "saved");
    assert_eq!(ws.request(answer(options[0], 1)).await["status"], "duplicate", "a retry is still fine");
    let changed = ws.request(answer(options[1], 2)).await;
    assert_eq!(changed["code"], "answer_locked", "{changed}");
    let state = ws.request(json!({"type": "resume", "round_id": round, "attempt_id": snap["attempt_id"]})).await;
    assert_eq!(state["answers"][q.to_string()], json!([options[0]]));
}
