//! Numbers on the wire (issue 16, item 0): every integer of a client frame has a range,
//! checked at decode with its own code; a seq is kept exactly in Redis, in the stream and in
//! Postgres; and a round in which one participant sent every boundary value still persists
//! every other answer, finalises and verifies.

use proptest::prelude::*;
use serde_json::{json, Value};
use thiluat::jobs::finalize;
use thiluat::ws::messages::ClientMessage;

/// The documented ranges (docs/protocol.md), written out: the tests do not take them from
/// the code they check.
const SEQ_MAX: i64 = 9_007_199_254_740_991;
const ID_MAX: i64 = i64::MAX;
const PREDICTION_MAX: i64 = 1_000_000_000;

use crate::helpers::*;

const I64_MAX: &str = "9223372036854775807";

/// Closes the round in Postgres far enough in the past for finalisation (every attempt of
/// these tests is submitted, so nothing is left for the sweep).
pub async fn close_round(app: &TestApp, round: i64) {
    sqlx::query(
        "UPDATE rounds SET closes_at = now() - interval '1 minute', opens_at = now() - interval '1 day' WHERE id = $1",
    )
    .bind(round)
    .execute(&app.pg)
    .await
    .expect("close");
}

/// Sends a frame (as text: numbers beyond i64 and fractions as written) and returns the reply,
/// paced like a person (12 messages at once, then 3 a second: limits.rs).
async fn exchange(ws: &mut WsClient, frame: String) -> Value {
    tokio::time::sleep(std::time::Duration::from_millis(340)).await;
    ws.send_text(frame).await;
    ws.recv().await
}

#[actix_web::test]
async fn a_round_with_every_boundary_seq_persists_the_rest_finalises_and_verifies() {
    let app = spawn_app().await;
    let round = app.round();
    let cid: i64 = sqlx::query_scalar("SELECT id FROM contests").fetch_one(&app.pg).await.expect("contest");
    let a = app.participant().await;
    let mut ws = app.ws(&a.token).await;
    let snap = ws.start(round).await;
    let attempt = snap["attempt_id"].as_str().expect("attempt").to_string();
    let qs = questions(&snap);
    let answer = |q: i64, options: &str, seq: &str| {
        format!(
            r#"{{"type":"answer","round_id":{round},"attempt_id":"{attempt}","question_id":{q},"options":{options},"seq":{seq}}}"#
        )
    };
    let first = |i: usize| format!("[{}]", qs[i].1[0]);
    let mut saved = 0;
    // The largest seq is kept to the unit, and a replay of it is recognised.
    let top = SEQ_MAX.to_string();
    for expected in ["saved", "duplicate"] {
        let reply = exchange(&mut ws, answer(qs[0].0, &first(0), &top)).await;
        assert_eq!((reply["type"].as_str(), reply["status"].as_str()), (Some("ack"), Some(expected)), "{reply}");
        assert_eq!(reply["seq"], json!(SEQ_MAX));
    }
    saved += 1;
    // 10^14 and beyond used to print as 1e+14 in Lua: every later answer to that question
    // was refused `unavailable`. Both are saved now, the second replacing the first.
    for seq in ["100000000000000", "100000000000001"] {
        let reply = exchange(&mut ws, answer(qs[1].0, &first(1), seq)).await;
        assert_eq!(reply["status"], "saved", "seq {seq}: {reply}");
    }
    saved += 1;
    let stale = exchange(&mut ws, answer(qs[1].0, &first(1), "99999999999999")).await;
    assert_eq!(stale["status"], "stale", "a shorter seq is an older one: {stale}");
    // Out of range: refused with the field's code, `ref` the seq as sent; nothing stored.
    for seq in [
        I64_MAX,
        "9007199254740992",
        "100000000000000000",
        "0",
        "-1",
        "-9223372036854775808",
        "18446744073709551615",
        "18446744073709551616",
        "1.5",
        "1e3",
    ] {
        let reply = exchange(&mut ws, answer(qs[2].0, &first(2), seq)).await;
        assert_eq!(reply["code"], "seq_invalid", "seq {seq}: {reply}");
        assert_eq!(reply["ref"], serde_json::from_str::<Value>(seq).expect("number"), "seq {seq}");
    }
    let q2 = qs[2].0.to_string();
    for (q, options, code) in [
        ("0", first(2), "id_invalid"),
        ("-7", first(2), "id_invalid"),
        ("9223372036854775808", first(2), "id_invalid"),
        (&q2[..], "[-1]".to_string(), "invalid_option"),
        (&q2[..], format!("[{I64_MAX}1]"), "invalid_option"),
    ] {
        let frame = format!(
            r#"{{"type":"answer","round_id":{round},"attempt_id":"{attempt}","question_id":{q},"options":{options},"seq":5}}"#
        );
        let reply = exchange(&mut ws, frame).await;
        assert_eq!((reply["code"].as_str(), &reply["ref"]), (Some(code), &json!(5)), "q {q} {options}: {reply}");
    }
    for round_id in ["0", "-1", "9223372036854775808"] {
        let frame = format!(r#"{{"type":"attempts","round_id":{round_id}}}"#);
        assert_eq!(exchange(&mut ws, frame).await["code"], "id_invalid", "round {round_id}");
    }
    for prediction in ["-1", "1000000001", I64_MAX, "2.5"] {
        let frame =
            format!(r#"{{"type":"submit","round_id":{round},"attempt_id":"{attempt}","prediction":{prediction}}}"#);
        let reply = exchange(&mut ws, frame).await;
        assert_eq!((reply["code"].as_str(), reply["ref"].as_str()), (Some("invalid_prediction"), Some(&attempt[..])));
    }
    // The snapshot's last_seq is exact, and only the valid answers were stored.
    let resumed =
        exchange(&mut ws, json!({"type": "resume", "round_id": round, "attempt_id": attempt}).to_string()).await;
    assert_eq!(resumed["last_seq"], json!(SEQ_MAX), "{resumed}");
    assert_eq!(resumed["answers"].as_object().map(|o| o.len()), Some(2), "{resumed}");
    assert_eq!(resumed["status"], "open");
    let reply = exchange(&mut ws, answer(qs[2].0, &first(2), "3")).await;
    assert_eq!(reply["status"], "saved", "{reply}");
    saved += 1;
    let result = exchange(
        &mut ws,
        json!({"type": "submit", "round_id": round, "attempt_id": attempt, "prediction": PREDICTION_MAX}).to_string(),
    )
    .await;
    assert_eq!(result["type"], "result", "{result}");
    // Everybody else plays as usual.
    for i in 0..5 {
        let p = app.participant().await;
        let snap = app.state.play.start(cid, p.id, round, &format!("other-{i}")).await.expect("start");
        for (n, q) in snap.questions.iter().enumerate() {
            let seq = if i == 0 { SEQ_MAX - 100 + n as i64 } else { n as i64 + 1 };
            app.state.play.answer(p.id, round, &snap.attempt_id, q.id, &[q.options[0].id], seq).await.expect("answer");
            saved += 1;
        }
        app.state.play.submit(p.id, round, &snap.attempt_id, Some(i)).await.expect("submit");
    }
    app.persist_all(round).await;
    let in_pg: i64 = sqlx::query_scalar("SELECT count(*) FROM answers").fetch_one(&app.pg).await.expect("answers");
    assert_eq!(in_pg, saved, "every saved answer, and only those, reaches Postgres");
    let seqs: Vec<i64> = sqlx::query_scalar("SELECT seq FROM answers WHERE attempt_id = $1::uuid ORDER BY seq")
        .bind(&attempt)
        .fetch_all(&app.pg)
        .await
        .expect("seqs");
    assert_eq!(seqs, vec![3, 100_000_000_000_001, SEQ_MAX], "seqs are exact in Postgres");
    close_round(&app, round).await;
    let report = finalize::finalize(&app.pg, &app.state.play, round).await.expect("the round finalises");
    assert_eq!(report.ranked, 6);
    let diffs = finalize::verify(&app.pg, &app.state.play, round).await.expect("verify runs");
    assert!(diffs.is_empty(), "{diffs:?}");
}

/// A frame with one numeric field set to `value` (written as JSON text).
fn frame(kind: &str, field: &str, value: &str) -> String {
    let mut v = match kind {
        "answer" => json!({"type":"answer","round_id":1,"attempt_id":"a","question_id":2,"options":[3],"seq":4}),
        "submit" => json!({"type":"submit","round_id":1,"attempt_id":"a","prediction":5}),
        "predict" => json!({"type":"predict","round_id":1,"attempt_id":"a","prediction":5}),
        "start" => json!({"type":"start","round_id":1,"request_id":"r","pow":{"challenge":"c","counter":6}}),
        "resume" => json!({"type":"resume","round_id":1,"attempt_id":"a"}),
        _ => json!({"type":"attempts","round_id":1}),
    };
    let placeholder = "@@number@@";
    match field {
        "options" => v["options"] = json!([placeholder]),
        "counter" => v["pow"]["counter"] = json!(placeholder),
        f => v[f] = json!(placeholder),
    }
    v.to_string().replace(&format!("\"{placeholder}\""), value)
}

/// The field's value in a decoded message.
fn read_back(m: &ClientMessage, field: &str) -> Option<i128> {
    Some(i128::from(match (m, field) {
        (ClientMessage::Answer { seq, .. }, "seq") => *seq,
        (ClientMessage::Answer { question_id, .. }, "question_id") => *question_id,
        (ClientMessage::Answer { options, .. }, "options") => options[0],
        (ClientMessage::Submit { prediction, .. }, "prediction") => (*prediction)?,
        (ClientMessage::Predict { prediction, .. }, "prediction") => *prediction,
        (ClientMessage::Start { pow, .. }, "counter") => return pow.as_ref().map(|p| i128::from(p.counter)),
        (
            ClientMessage::Answer { round_id, .. }
            | ClientMessage::Submit { round_id, .. }
            | ClientMessage::Predict { round_id, .. }
            | ClientMessage::Start { round_id, .. }
            | ClientMessage::Resume { round_id, .. }
            | ClientMessage::Attempts { round_id },
            "round_id",
        ) => *round_id,
        _ => return None,
    }))
}

/// Every numeric field: (message, field, range, refusal code).
const FIELDS: &[(&str, &str, i128, i128, &str)] = &[
    ("answer", "seq", 1, SEQ_MAX as i128, "seq_invalid"),
    ("answer", "round_id", 1, ID_MAX as i128, "id_invalid"),
    ("answer", "question_id", 1, ID_MAX as i128, "id_invalid"),
    ("answer", "options", 1, ID_MAX as i128, "invalid_option"),
    ("submit", "round_id", 1, ID_MAX as i128, "id_invalid"),
    ("submit", "prediction", 0, PREDICTION_MAX as i128, "invalid_prediction"),
    ("predict", "round_id", 1, ID_MAX as i128, "id_invalid"),
    ("predict", "prediction", 0, PREDICTION_MAX as i128, "invalid_prediction"),
    ("start", "round_id", 1, ID_MAX as i128, "id_invalid"),
    ("start", "counter", 0, u64::MAX as i128, "malformed"),
    ("resume", "round_id", 1, ID_MAX as i128, "id_invalid"),
    ("attempts", "round_id", 1, ID_MAX as i128, "id_invalid"),
];

/// In range: decoded to exactly that value. Out of range: refused with the field's code,
/// never clamped or defaulted.
fn check_integer(value: i128) {
    for (kind, field, lo, hi, code) in FIELDS {
        let text = frame(kind, field, &value.to_string());
        match ClientMessage::decode(&text) {
            Ok(m) => {
                assert!((*lo..=*hi).contains(&value), "{kind}.{field} = {value} accepted");
                assert_eq!(read_back(&m, field), Some(value), "{kind}.{field} kept exactly");
            }
            Err(e) => {
                assert!(!(*lo..=*hi).contains(&value), "{kind}.{field} = {value} refused: {}", e.code);
                // A value JSON cannot hold as an integer (past u64) is a float: still out of range.
                assert_eq!(e.code, *code, "{kind}.{field} = {value}");
                if *field == "seq" {
                    assert_eq!(e.reference.map(|r| r.to_string()), Some(value.to_string()), "ref is the seq as sent");
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn every_i64_is_decoded_exactly_or_refused_with_its_code(v in any::<i64>()) {
        check_integer(i128::from(v));
    }

    #[test]
    fn every_u64_is_decoded_exactly_or_refused_with_its_code(v in any::<u64>()) {
        check_integer(i128::from(v));
    }

    #[test]
    fn values_near_every_bound_are_decoded_exactly_or_refused(delta in -3i128..=3) {
        for bound in [0, 1, SEQ_MAX as i128, PREDICTION_MAX as i128, i64::MAX as i128, i64::MIN as i128, u64::MAX as i128] {
            let v = bound + delta;
            if (i128::from(i64::MIN)..=i128::from(u64::MAX)).contains(&v) {
                check_integer(v);
            }
        }
    }

    #[test]
    fn fractions_are_never_integers(v in any::<f64>().prop_filter("finite", |f| f.is_finite())) {
        let written = format!("{v:?}"); // always with a dot or an exponent
        for (kind, field, _, _, code) in FIELDS {
            let got = ClientMessage::decode(&frame(kind, field, &written));
            prop_assert_eq!(got.map_err(|e| e.code), Err(*code), "{}.{} = {}", kind, field, written);
        }
    }
}

/// Over HTTP, a round id out of range in a participant's path is `404 not_found` (no such
/// round), never a 500 or another round.
#[actix_web::test]
async fn round_ids_out_of_range_in_http_paths_are_not_found() {
    let app = spawn_app().await;
    let p = app.participant().await;
    let attempt = uuid::Uuid::new_v4();
    for id in ["0", "-1", "9223372036854775808", "18446744073709551616", "1e3", "1.0"] {
        let (status, body) = app.get_json(&format!("/api/rounds/{id}/leaderboard")).await;
        assert_eq!((status, body["error"]["code"].as_str()), (404, Some("not_found")), "leaderboard {id}");
        let mut res = app
            .http
            .get(app.url(&format!("/api/rounds/{id}/attempts/{attempt}/review")))
            .insert_header(("authorization", format!("Bearer {}", p.token)))
            .send()
            .await
            .expect("sent");
        let body: Value = res.json().await.unwrap_or(Value::Null);
        assert_eq!((res.status().as_u16(), body["error"]["code"].as_str()), (404, Some("not_found")), "review {id}");
    }
}
