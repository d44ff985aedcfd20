//! One participant: one tokio task with its own websocket. It connects (from its source
//! address), starts an attempt, reports ready, then plays the scenario's measured phase when
//! the coordinator says go. One request in flight at a time, as a phone does.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use rand::RngExt;
use serde::Deserialize;
use serde_json::json;
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::{mpsc, watch, Semaphore};
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::WebSocketStream;
use uuid::Uuid;

use crate::args::{Scenario, Target};
use crate::stats::{bump, unix_ms, OpStats, Shared, Stats};

type Ws = WebSocketStream<TcpStream>;

/// What every participant task shares.
pub struct Ctx {
    pub target: Target,
    pub round: i64,
    pub scenario: Scenario,
    pub repeat: u32,
    pub source_ips: Vec<IpAddr>,
    pub stats: Arc<Shared>,
    pub connect_sem: Semaphore,
    pub reply_timeout: Duration,
    /// When `sustained` and `faults` stop sending; set before go.
    pub sustained_end: OnceLock<Instant>,
    /// `faults`: each participant's pause between answers.
    pub answer_interval: Duration,
}

/// Participant → coordinator.
#[derive(Debug)]
pub enum Event {
    /// Set-up finished (connected and started, and for deadline-burst every question answered).
    Ready(bool),
    /// One measured phase finished; `alive` is false when this participant stops here.
    Done { alive: bool },
}

#[derive(Debug, Deserialize)]
struct Reply {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    attempt_id: Option<String>,
    #[serde(default)]
    questions: Option<Vec<QuestionView>>,
    #[serde(default)]
    last_seq: Option<i64>,
    #[serde(default)]
    correct: Option<i64>,
}

#[derive(Debug, Deserialize)]
struct QuestionView {
    id: i64,
    options: Vec<OptionView>,
}

#[derive(Debug, Deserialize)]
struct OptionView {
    id: i64,
}

enum Outcome {
    Reply(Reply, Duration, Instant),
    Timeout,
    Failed(&'static str),
}

struct Session {
    ws: Ws,
    attempt_id: String,
    attempt_uuid: Uuid,
    /// (question id, the option this participant picks).
    questions: Vec<(i64, i64)>,
    next_seq: i64,
}

/// Percent-encodes a query value (the token is URL-safe already; this is belt and braces).
fn encode_query(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

async fn connect(ctx: &Ctx, idx: usize, token: &str) -> Result<Ws, String> {
    let addr = ctx.target.addr;
    let socket = if addr.is_ipv4() { TcpSocket::new_v4() } else { TcpSocket::new_v6() }
        .map_err(|e| format!("socket_{:?}", e.kind()))?;
    if !ctx.source_ips.is_empty() {
        let ip = ctx.source_ips[idx % ctx.source_ips.len()];
        socket.bind(SocketAddr::new(ip, 0)).map_err(|e| format!("bind_{:?}", e.kind()))?;
    }
    let limit = Duration::from_secs(30);
    let stream = timeout(limit, socket.connect(addr))
        .await
        .map_err(|_| "connect_timeout".to_string())?
        .map_err(|e| format!("connect_{:?}", e.kind()))?;
    let _ = stream.set_nodelay(true);
    let url = format!("ws://{}/ws?token={}", ctx.target.host_header, encode_query(token));
    let (ws, _) = timeout(limit, tokio_tungstenite::client_async(url, stream))
        .await
        .map_err(|_| "upgrade_timeout".to_string())?
        .map_err(|e| match e {
            tungstenite::Error::Http(resp) => format!("upgrade_http_{}", resp.status().as_u16()),
            other => format!("upgrade_{}", short_error(&other)),
        })?;
    Ok(ws)
}

fn short_error(e: &tungstenite::Error) -> &'static str {
    match e {
        tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed => "closed",
        tungstenite::Error::Io(_) => "io",
        tungstenite::Error::Protocol(_) => "protocol",
        _ => "error",
    }
}

/// Sends one frame and waits for the next text frame (the server answers in order).
/// Pings are answered by tungstenite while we read.
async fn exchange(ws: &mut Ws, text: String, limit: Duration) -> Outcome {
    let sent_at = Instant::now();
    let io = async {
        ws.send(Message::Text(text.into())).await.map_err(|_| "send_failed")?;
        loop {
            match ws.next().await {
                None => return Err("closed"),
                Some(Err(_)) => return Err("socket_error"),
                Some(Ok(Message::Text(t))) => {
                    return serde_json::from_str::<Reply>(&t).map_err(|_| "undecodable_reply");
                }
                Some(Ok(Message::Close(_))) => return Err("closed_by_server"),
                Some(Ok(_)) => continue,
            }
        }
    };
    match timeout(limit, io).await {
        Err(_) => Outcome::Timeout,
        Ok(Err(e)) => Outcome::Failed(e),
        Ok(Ok(reply)) => {
            let now = Instant::now();
            Outcome::Reply(reply, now - sent_at, now)
        }
    }
}

/// Records a sent request in `pick(stats)`.
fn note_send(stats: &Shared, pick: fn(&mut Stats) -> &mut OpStats) -> Instant {
    let at = Instant::now();
    let ms = unix_ms();
    pick(&mut stats.lock()).note_send(at, ms);
    at
}

/// Records the outcome; `on_ack` runs under the same lock for an expected reply.
/// Returns the reply when it was the expected kind.
fn account(
    stats: &Shared,
    pick: fn(&mut Stats) -> &mut OpStats,
    outcome: Outcome,
    expect: &str,
    on_ack: impl FnOnce(&mut Stats, &Reply),
) -> Option<Reply> {
    let mut s = stats.lock();
    match outcome {
        Outcome::Reply(reply, latency, at) if reply.kind == expect => {
            pick(&mut s).note_ack(latency, at, reply.status.as_deref().filter(|_| expect == "ack"));
            on_ack(&mut s, &reply);
            Some(reply)
        }
        Outcome::Reply(reply, _, at) => {
            let op = pick(&mut s);
            op.note_reply_time(at);
            if reply.kind == "error" {
                bump(&mut op.rejected, reply.code.as_deref().unwrap_or("error_without_code"));
            } else {
                bump(&mut op.client_errors, &format!("unexpected_{}", reply.kind));
            }
            None
        }
        Outcome::Timeout => {
            pick(&mut s).timeouts += 1;
            None
        }
        Outcome::Failed(why) => {
            bump(&mut pick(&mut s).client_errors, why);
            None
        }
    }
}

fn answer_frame(round: i64, attempt_id: &str, question: (i64, i64), seq: i64) -> String {
    json!({
        "type": "answer",
        "round_id": round,
        "attempt_id": attempt_id,
        "question_id": question.0,
        "options": [question.1],
        "seq": seq,
    })
    .to_string()
}

/// Sends the answer to question `k` with the next seq; true when acknowledged.
async fn answer(ctx: &Ctx, s: &mut Session, k: usize, pick: fn(&mut Stats) -> &mut OpStats) -> bool {
    let question = s.questions[k % s.questions.len()];
    let seq = s.next_seq;
    s.next_seq += 1;
    let frame = answer_frame(ctx.round, &s.attempt_id, question, seq);
    let attempt = s.attempt_uuid;
    let faults = ctx.scenario == Scenario::Faults;
    if faults {
        ctx.stats.lock().sent_answers.push((attempt, question.0, seq));
    }
    note_send(&ctx.stats, pick);
    let outcome = exchange(&mut s.ws, frame, ctx.reply_timeout).await;
    // A reply (ack or typed error) keeps the participant going; after a timeout the late reply
    // would be taken for the next one's, and a broken socket is gone: stop there.
    let answered = matches!(outcome, Outcome::Reply(..));
    let rate_limited =
        matches!(&outcome, Outcome::Reply(r, ..) if r.kind == "error" && r.code.as_deref() == Some("rate_limited"));
    account(&ctx.stats, pick, outcome, "ack", |st, reply| {
        if reply.status.as_deref() == Some("saved") {
            st.saved_answers.push((attempt, question.0, seq));
        }
        if faults {
            st.ack_instants.push(Instant::now());
        }
    });
    if rate_limited {
        // As a client should: wait before the next message (protocol: 3 messages a second).
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    answered
}

async fn setup(ctx: &Ctx, idx: usize, token: &str) -> Option<Session> {
    let permit = ctx.connect_sem.acquire().await.ok()?;
    let mut ws = match connect(ctx, idx, token).await {
        Ok(ws) => {
            ctx.stats.lock().connected += 1;
            ws
        }
        Err(why) => {
            bump(&mut ctx.stats.lock().connect_failed, &why);
            return None;
        }
    };
    let frame = json!({"type": "start", "round_id": ctx.round, "request_id": Uuid::new_v4().to_string()}).to_string();
    note_send(&ctx.stats, |s| &mut s.start);
    let outcome = exchange(&mut ws, frame, ctx.reply_timeout).await;
    let snapshot = account(&ctx.stats, |s| &mut s.start, outcome, "snapshot", |_, _| {})?;
    drop(permit);
    let attempt_id = snapshot.attempt_id.unwrap_or_default();
    let Ok(attempt_uuid) = Uuid::parse_str(&attempt_id) else {
        bump(&mut ctx.stats.lock().start.client_errors, "attempt_id_not_uuid");
        return None;
    };
    let questions: Vec<(i64, i64)> = snapshot
        .questions
        .unwrap_or_default()
        .into_iter()
        .filter_map(|q| q.options.first().map(|o| (q.id, o.id)))
        .collect();
    if questions.is_empty() {
        bump(&mut ctx.stats.lock().start.client_errors, "snapshot_without_questions");
        return None;
    }
    if snapshot.status.as_deref() != Some("open") {
        bump(&mut ctx.stats.lock().start.client_errors, "attempt_not_open");
        return None;
    }
    let mut session =
        Session { ws, attempt_id, attempt_uuid, questions, next_seq: snapshot.last_seq.unwrap_or(0).max(0) + 1 };
    if ctx.scenario == Scenario::DeadlineBurst {
        for k in 0..session.questions.len() {
            if !answer(ctx, &mut session, k, |s| &mut s.prep).await {
                return None;
            }
        }
    }
    Some(session)
}

/// `faults`: a new socket for a participant whose last request went unanswered, tried once
/// a second until `end`.
async fn reconnect(ctx: &Ctx, idx: usize, token: &str, end: Instant) -> Option<Ws> {
    while Instant::now() < end {
        match connect(ctx, idx, token).await {
            Ok(ws) => {
                ctx.stats.lock().reconnects += 1;
                return Some(ws);
            }
            Err(why) => bump(&mut ctx.stats.lock().connect_failed, &why),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    None
}

/// Waits until the coordinator's phase reaches `phase`, reading the socket meanwhile so that
/// the server's heartbeat pings get their pongs. Err when the socket or the coordinator is gone.
async fn wait_phase(ws: &mut Ws, go: &mut watch::Receiver<u32>, phase: u32) -> Result<(), ()> {
    loop {
        if *go.borrow_and_update() >= phase {
            return Ok(());
        }
        tokio::select! {
            changed = go.changed() => {
                if changed.is_err() {
                    return Err(());
                }
            }
            frame = ws.next() => match frame {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return Err(()),
                Some(Ok(_)) => {}
            }
        }
    }
}

async fn submit(ctx: &Ctx, s: &mut Session) -> bool {
    let prediction: i64 = rand::rng().random_range(0..=1000);
    let frame = json!({
        "type": "submit",
        "round_id": ctx.round,
        "attempt_id": s.attempt_id,
        "prediction": prediction,
    })
    .to_string();
    note_send(&ctx.stats, |st| &mut st.measured);
    let outcome = exchange(&mut s.ws, frame, ctx.reply_timeout).await;
    let attempt = s.attempt_uuid;
    account(
        &ctx.stats,
        |st| &mut st.measured,
        outcome,
        "result",
        |st, reply| {
            st.results.push((attempt, reply.correct.unwrap_or(-1)));
        },
    )
    .is_some()
}

pub async fn run(
    ctx: Arc<Ctx>,
    idx: usize,
    token: String,
    mut go: watch::Receiver<u32>,
    events: mpsc::UnboundedSender<Event>,
) {
    let Some(mut s) = setup(&ctx, idx, &token).await else {
        let _ = events.send(Event::Ready(false));
        return;
    };
    let _ = events.send(Event::Ready(true));
    let lost_while_waiting = |ctx: &Ctx| ctx.stats.lock().closed_while_waiting += 1;
    match ctx.scenario {
        Scenario::DeadlineBurst => {
            let alive = match wait_phase(&mut s.ws, &mut go, 1).await {
                Ok(()) => submit(&ctx, &mut s).await,
                Err(()) => {
                    lost_while_waiting(&ctx);
                    false
                }
            };
            let _ = events.send(Event::Done { alive });
        }
        Scenario::AnswerStorm => {
            for r in 1..=ctx.repeat {
                let alive = match wait_phase(&mut s.ws, &mut go, r).await {
                    Ok(()) => answer(&ctx, &mut s, (r - 1) as usize, |st| &mut st.measured).await,
                    Err(()) => {
                        lost_while_waiting(&ctx);
                        false
                    }
                };
                let _ = events.send(Event::Done { alive });
                if !alive {
                    return;
                }
            }
        }
        Scenario::Sustained => {
            let alive = match wait_phase(&mut s.ws, &mut go, 1).await {
                Ok(()) => {
                    let end = ctx.sustained_end.get().copied().unwrap_or_else(Instant::now);
                    let mut k = 0usize;
                    let mut alive = true;
                    while Instant::now() < end {
                        if !answer(&ctx, &mut s, k, |st| &mut st.measured).await {
                            alive = false;
                            break;
                        }
                        k += 1;
                    }
                    alive
                }
                Err(()) => {
                    lost_while_waiting(&ctx);
                    false
                }
            };
            let _ = events.send(Event::Done { alive });
        }
        Scenario::Faults => {
            let alive = match wait_phase(&mut s.ws, &mut go, 1).await {
                Ok(()) => {
                    let end = ctx.sustained_end.get().copied().unwrap_or_else(Instant::now);
                    // Spread the participants over one interval, then each keeps its pace;
                    // after `unavailable` too, as a client that shows the outage and retries.
                    let offset = rand::rng().random_range(0..ctx.answer_interval.as_millis().max(1) as u64);
                    tokio::time::sleep(Duration::from_millis(offset)).await;
                    let mut k = 0usize;
                    let mut alive = true;
                    while Instant::now() < end {
                        if !answer(&ctx, &mut s, k, |st| &mut st.measured).await {
                            // A reply that never came (or a broken socket): as a phone does,
                            // drop the socket and connect again, then go on answering.
                            let _ = timeout(Duration::from_secs(1), s.ws.close(None)).await;
                            match reconnect(&ctx, idx, &token, end).await {
                                Some(ws) => s.ws = ws,
                                None => {
                                    alive = false;
                                    break;
                                }
                            }
                        }
                        k += 1;
                        tokio::time::sleep(ctx.answer_interval).await;
                    }
                    alive
                }
                Err(()) => {
                    lost_while_waiting(&ctx);
                    false
                }
            };
            let _ = events.send(Event::Done { alive });
        }
        Scenario::Idle => {
            let alive = match wait_phase(&mut s.ws, &mut go, 1).await {
                Ok(()) => true,
                Err(()) => {
                    lost_while_waiting(&ctx);
                    false
                }
            };
            let _ = events.send(Event::Done { alive });
        }
    }
    let _ = timeout(Duration::from_secs(5), s.ws.close(None)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_encoding() {
        assert_eq!(encode_query("abc-_.~09"), "abc-_.~09");
        assert_eq!(encode_query("a+b/c="), "a%2Bb%2Fc%3D");
    }

    #[test]
    fn answer_frames_match_the_protocol() {
        let v: serde_json::Value = serde_json::from_str(&answer_frame(7, "a-b", (5, 9), 3)).expect("json");
        assert_eq!(v, json!({"type":"answer","round_id":7,"attempt_id":"a-b","question_id":5,"options":[9],"seq":3}));
    }
}
