//! One task per websocket: frames in, typed messages to the attempt service, replies out,
//! in order; heartbeats; typed errors for anything that does not decode.

use std::time::{Duration, Instant};

use actix_web::{web, HttpRequest, HttpResponse};
use actix_ws::{CloseCode, CloseReason, Item, Message, ProtocolError};
use futures_util::StreamExt;

use super::messages::{ClientMessage, ServerMessage};
use crate::crypto::Credential;
use crate::http::{ApiError, AppState};
use crate::play::PlayError;

pub const MAX_FRAME_BYTES: usize = 64 * 1024;
/// Longer messages (snapshots) leave as fragments of at most this size, each handed to the
/// connection before the next is queued: actix keeps a connection's write buffer at the
/// largest chunk it ever held (up to 128 KiB), so one 12 KB snapshot sent whole would cost
/// every idle socket 16 KB for as long as it stays open. Clients see one message.
const FRAGMENT_BYTES: usize = 4 * 1024;

/// A message not handled by then is answered `unavailable` (issue 22: a client waiting in
/// silence for a store that is down retries blind; told, it shows the outage and backs off).
/// Redis operations fail at their own deadline (`redis.response_timeout_ms`) before this;
/// this also bounds a message that needs several of them. A message cut short may still
/// have been applied: the protocol's retries are idempotent (`duplicate`, same request id).
const REPLY_DEADLINE: Duration = Duration::from_millis(1_800);
/// For the messages that may first load a round's data from Postgres (start, resume,
/// attempts): a cold start on a busy node can take longer than an answer, and must not be
/// turned into an error for that; a Postgres that hangs still gets an answer.
const LOADING_REPLY_DEADLINE: Duration = Duration::from_secs(4);

#[derive(serde::Deserialize)]
pub struct WsQuery {
    token: Option<String>,
}

/// `GET /ws?token=…`: authenticates at the upgrade, then hands the socket to its task.
pub async fn route(
    req: HttpRequest,
    body: web::Payload,
    query: web::Query<WsQuery>,
    state: web::Data<AppState>,
    lang: crate::http::Lang,
) -> Result<HttpResponse, ApiError> {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    if !state.origin_allowed(header("origin"), header("host")) {
        return Err(ApiError::new(lang, actix_web::http::StatusCode::FORBIDDEN, "origin_forbidden"));
    }
    let cred = query
        .token
        .as_deref()
        .and_then(|t| state.verify_credential(t))
        .ok_or_else(|| ApiError::new(lang, actix_web::http::StatusCode::UNAUTHORIZED, "unauthorized"))?;
    state.limit(&state.limiters.ws_connect, &cred.participant_id.to_string(), lang)?;
    // Listening before the check below: an erasure committed after it reaches this socket.
    let revoked = state.revocations.subscribe();
    // The credential is stateless: an erased participant (Law 91/2025) still holds a valid
    // one, and it must open nothing any more. One primary-key read per connection.
    let erased: Option<bool> =
        sqlx::query_scalar("SELECT erased_at IS NOT NULL FROM participants WHERE id = $1 AND contest_id = $2")
            .bind(cred.participant_id)
            .bind(cred.contest_id)
            .fetch_optional(&state.pg)
            .await
            .map_err(|e| ApiError::internal(lang, &crate::telemetry::db_error(&e)))?;
    match erased {
        None => return Err(ApiError::new(lang, actix_web::http::StatusCode::UNAUTHORIZED, "unauthorized")),
        Some(true) => return Err(ApiError::new(lang, actix_web::http::StatusCode::GONE, "participant_erased")),
        Some(false) => {}
    }
    let (response, session, stream) = actix_ws::handle(&req, body)
        .map_err(|_| ApiError::new(lang, actix_web::http::StatusCode::BAD_REQUEST, "bad_request"))?;
    let stream = stream.max_frame_size(MAX_FRAME_BYTES);
    actix_web::rt::spawn(run(session, stream, state.into_inner(), cred, revoked));
    Ok(response)
}

/// Middleware (outside `Compress`): no answer to an upgrade request is compressed. actix
/// writes the body of such an answer raw, so a compressed, chunked body (a refused upgrade's
/// error envelope) would reach the client as broken HTTP; and the socket itself negotiates
/// no compression either.
pub fn no_compression_on_upgrade<S, B>(mut req: actix_web::dev::ServiceRequest, srv: &S) -> S::Future
where
    S: actix_web::dev::Service<
        actix_web::dev::ServiceRequest,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
{
    if req.headers().contains_key(actix_web::http::header::UPGRADE) {
        req.headers_mut().remove(actix_web::http::header::ACCEPT_ENCODING);
    }
    srv.call(req)
}

async fn run(
    mut session: actix_ws::Session,
    mut stream: actix_ws::MessageStream,
    state: std::sync::Arc<AppState>,
    cred: Credential,
    mut revoked: tokio::sync::broadcast::Receiver<crate::privacy::revoke::Revoked>,
) {
    let metrics = state.metrics.clone();
    metrics.open_connections.inc();
    let timing = state.ws_timing;
    let mut heartbeat = tokio::time::interval(timing.heartbeat);
    heartbeat.tick().await;
    let mut last_seen = Instant::now();
    let limiter = crate::limits::connection_limiter(state.limiters.ws_messages);
    let mut refused = 0u32;
    let mut fragments_in = Fragments::default();
    let close: Option<CloseReason> = loop {
        tokio::select! {
            got = revoked.recv() => {
                if crate::privacy::revoke::must_close(&state.pg, cred.participant_id, got).await {
                    let _ = session.text(ServerMessage::error("participant_erased", None).encode()).await;
                    break Some(CloseReason { code: CloseCode::Policy, description: Some("participant erased".into()) });
                }
            }
            frame = stream.next() => {
                let Some(frame) = frame else { break None };
                last_seen = Instant::now();
                // Every data frame (a whole message, a binary frame, each fragment of a
                // fragmented one) is one token of the connection's message rate: a flood of
                // any kind is refused and, past WS_HARD_LIMIT refusals, closes the socket.
                let data = matches!(frame, Ok(Message::Text(_) | Message::Binary(_) | Message::Continuation(_)));
                let mut admitted = true;
                if data && limiter.check().is_err() {
                    admitted = false;
                    refused += 1;
                    if refused > crate::limits::WS_HARD_LIMIT {
                        let _ = session.text(ServerMessage::error("rate_limited", None).encode()).await;
                        break Some(CloseReason { code: CloseCode::Policy, description: Some("message flood".into()) });
                    }
                }
                // A fragmented message is reassembled here (at most MAX_FRAME_BYTES in all)
                // and then handled like a whole one.
                let whole = match frame {
                    Ok(Message::Continuation(item)) => match fragments_in.push(item, admitted) {
                        Ok(None) => continue,
                        Ok(Some(message)) => Ok(message),
                        Err(Reassembly::TooLarge) => {
                            let _ = session.text(ServerMessage::error("too_large", None).encode()).await;
                            break Some(CloseReason { code: CloseCode::Size, description: Some("message over 64 KiB".into()) });
                        }
                        Err(Reassembly::OutOfOrder) => break Some(CloseReason { code: CloseCode::Protocol, description: None }),
                    },
                    Ok(Message::Text(text)) if !fragments_in.busy() => Ok(Whole::Text(text.to_string(), admitted)),
                    Ok(Message::Binary(_)) if !fragments_in.busy() => Ok(Whole::Binary(admitted)),
                    Ok(Message::Text(_) | Message::Binary(_)) => {
                        // A data frame inside a fragmented message (RFC 6455 §5.4).
                        break Some(CloseReason { code: CloseCode::Protocol, description: None });
                    }
                    other => Err(other),
                };
                let frame = match whole {
                    Ok(Whole::Text(text, true)) => {
                        // Boxed: the idle task stays small (the handlers' state lives only
                        // while a message is being handled).
                        let reply = Box::pin(handle_text(&state, cred, &text)).await;
                        if send_text(&mut session, reply.encode()).await.is_err() {
                            break None;
                        }
                        continue;
                    }
                    Ok(Whole::Text(text, false)) => {
                        let reference = ClientMessage::decode(&text).ok().and_then(|m| m.reference());
                        if session.text(ServerMessage::error("rate_limited", reference).encode()).await.is_err() {
                            break None;
                        }
                        continue;
                    }
                    Ok(Whole::Binary(admitted)) => {
                        let code = if admitted { "binary_not_supported" } else { "rate_limited" };
                        if session.text(ServerMessage::error(code, None).encode()).await.is_err() {
                            break None;
                        }
                        continue;
                    }
                    Ok(Whole::NotUtf8(admitted)) => {
                        let code = if admitted { "malformed" } else { "rate_limited" };
                        if session.text(ServerMessage::error(code, None).encode()).await.is_err() {
                            break None;
                        }
                        continue;
                    }
                    Err(frame) => frame,
                };
                match frame {
                    Ok(Message::Ping(bytes)) => {
                        if session.pong(&bytes).await.is_err() {
                            break None;
                        }
                    }
                    Ok(Message::Close(reason)) => break reason,
                    Ok(_) => {}
                    Err(ProtocolError::Overflow) => {
                        let _ = session.text(ServerMessage::error("too_large", None).encode()).await;
                        break Some(CloseReason { code: CloseCode::Size, description: Some("frame over 64 KiB".into()) });
                    }
                    Err(_) => break Some(CloseReason { code: CloseCode::Protocol, description: None }),
                }
            }
            _ = heartbeat.tick() => {
                if last_seen.elapsed() > timing.idle_timeout {
                    break Some(CloseReason { code: CloseCode::Away, description: Some("idle".into()) });
                }
                if session.ping(b"").await.is_err() {
                    break None;
                }
            }
        }
    };
    metrics.open_connections.dec();
    let _ = session.close(close).await;
}

/// A message as it arrived whole (fragments joined), with whether every frame of it was
/// within the connection's message rate.
enum Whole {
    Text(String, bool),
    Binary(bool),
    NotUtf8(bool),
}

enum Reassembly {
    /// Over `MAX_FRAME_BYTES` in all: the socket is closed with 1009.
    TooLarge,
    /// A fragment with no message to continue, or a new message before the last ended.
    OutOfOrder,
}

/// The message being received in fragments. actix-ws's own aggregation (0.3) neither
/// reports each fragment, so that a flood of empty ones could be counted, nor bounds the
/// list it keeps of them; this keeps one buffer bounded by `MAX_FRAME_BYTES`.
#[derive(Default)]
struct Fragments {
    /// (bytes so far, binary, every fragment admitted), while a message is open.
    open: Option<(Vec<u8>, bool, bool)>,
}

impl Fragments {
    fn busy(&self) -> bool {
        self.open.is_some()
    }

    fn push(&mut self, item: Item, admitted: bool) -> Result<Option<Whole>, Reassembly> {
        let (bytes, last) = match item {
            Item::FirstText(_) | Item::FirstBinary(_) if self.open.is_some() => {
                self.open = None;
                return Err(Reassembly::OutOfOrder);
            }
            Item::FirstText(b) => {
                self.open = Some((Vec::new(), false, true));
                (b, false)
            }
            Item::FirstBinary(b) => {
                self.open = Some((Vec::new(), true, true));
                (b, false)
            }
            Item::Continue(b) => (b, false),
            Item::Last(b) => (b, true),
        };
        let Some((buf, _, all_admitted)) = self.open.as_mut() else {
            return Err(Reassembly::OutOfOrder);
        };
        if buf.len() + bytes.len() > MAX_FRAME_BYTES {
            self.open = None;
            return Err(Reassembly::TooLarge);
        }
        buf.extend_from_slice(&bytes);
        *all_admitted &= admitted;
        if !last {
            return Ok(None);
        }
        let Some((buf, binary, admitted)) = self.open.take() else {
            return Err(Reassembly::OutOfOrder);
        };
        Ok(Some(if binary {
            Whole::Binary(admitted)
        } else {
            match String::from_utf8(buf) {
                Ok(text) => Whole::Text(text, admitted),
                Err(_) => Whole::NotUtf8(admitted),
            }
        }))
    }
}

/// Sends one text message, fragmented above `FRAGMENT_BYTES` (at UTF-8 boundaries, so each
/// fragment is valid text on its own too).
async fn send_text(session: &mut actix_ws::Session, text: String) -> Result<(), actix_ws::Closed> {
    if text.len() <= FRAGMENT_BYTES {
        return session.text(text).await;
    }
    let cuts = fragments(&text, FRAGMENT_BYTES);
    let bytes = actix_web::web::Bytes::from(text);
    let last = cuts.len() - 1;
    for (i, &(from, to)) in cuts.iter().enumerate() {
        let part = bytes.slice(from..to);
        let item = match i {
            0 => Item::FirstText(part),
            i if i == last => Item::Last(part),
            _ => Item::Continue(part),
        };
        session.continuation(item).await?;
        // Let the connection (a task on this thread) write the fragment out first.
        tokio::task::yield_now().await;
    }
    Ok(())
}

/// Byte ranges of at most `max` bytes (at least one character each) that cut `text` at
/// character boundaries.
fn fragments(text: &str, max: usize) -> Vec<(usize, usize)> {
    let mut cuts = Vec::with_capacity(text.len() / max.max(1) + 1);
    let mut end = 0;
    while end < text.len() {
        let mut next = (end + max).min(text.len());
        while !text.is_char_boundary(next) {
            next -= 1;
        }
        if next == end {
            // `max` is shorter than this character: take the character whole.
            next = end + text[end..].chars().next().map_or(1, char::len_utf8);
        }
        cuts.push((end, next));
        end = next;
    }
    cuts
}

/// Counts a message as being handled until dropped (also on unwinding).
struct InFlight<'a>(&'a prometheus::IntGauge);

impl<'a> InFlight<'a> {
    fn enter(gauge: &'a prometheus::IntGauge) -> Self {
        gauge.inc();
        Self(gauge)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.dec();
    }
}

async fn handle_text(state: &AppState, cred: Credential, text: &str) -> ServerMessage {
    let message = match ClientMessage::decode(text) {
        Ok(m) => m,
        Err(e) => return ServerMessage::error(e.code, e.reference),
    };
    let reference = message.reference();
    let started = Instant::now();
    let is_answer = matches!(message, ClientMessage::Answer { .. });
    let reply = {
        let _in_flight = InFlight::enter(&state.metrics.in_flight);
        let deadline = match message {
            ClientMessage::Answer { .. }
            | ClientMessage::Submit { .. }
            | ClientMessage::Predict { .. }
            | ClientMessage::Ping {} => REPLY_DEADLINE,
            ClientMessage::Start { .. } | ClientMessage::Resume { .. } | ClientMessage::Attempts { .. } => {
                LOADING_REPLY_DEADLINE
            }
        };
        match tokio::time::timeout(deadline, dispatch(state, cred, message)).await {
            Ok(reply) => reply,
            Err(_) => Err(PlayError::Unavailable("no reply from the stores in time".into())),
        }
    };
    let m = &state.metrics;
    match (&reply, is_answer) {
        (Ok(ServerMessage::Ack { status, .. }), _) => {
            m.answers.with_label_values(&[status]).inc();
            m.ack_latency.observe(started.elapsed().as_secs_f64());
        }
        (Err(e), true) => m.answers.with_label_values(&[e.code()]).inc(),
        _ => {}
    }
    reply.unwrap_or_else(|e| {
        // While Redis is known to be down, its gate has logged the outage once: a line per
        // refused message would flood the log (300,000 in a 5-minute outage of 1,000 players).
        if let PlayError::Unavailable(detail) = &e {
            if !state.redis.is_down() {
                tracing::error!(error = %detail, participant.id = cred.participant_id, "store unavailable");
            }
        }
        ServerMessage::error(e.code(), reference)
    })
}

/// The translation a `start` or `resume` asks for; a malformed tag is `malformed`.
fn snapshot_lang(lang: Option<&str>) -> Result<Option<String>, PlayError> {
    match lang {
        None => Ok(None),
        Some(tag) => crate::contest::bank::requested_lang(tag).map_err(|_| PlayError::refused("malformed")),
    }
}

async fn dispatch(state: &AppState, cred: Credential, message: ClientMessage) -> Result<ServerMessage, PlayError> {
    let play = &state.play;
    let pid = cred.participant_id;
    Ok(match message {
        ClientMessage::Start { round_id, request_id, pow, lang } => {
            match state.pow.check(crate::pow::Requester::Participant(pid), pow.as_ref()).await {
                Ok(()) => {}
                Err(crate::pow::PowError::Required(c)) => {
                    return Ok(ServerMessage::pow_required(c, Some(request_id.into())))
                }
                Err(crate::pow::PowError::Store(e)) => return Err(PlayError::Unavailable(e.to_string())),
            }
            let lang = snapshot_lang(lang.as_deref())?;
            let snapshot = play.start_in(cred.contest_id, pid, round_id, &request_id, lang.as_deref()).await?;
            ServerMessage::Snapshot(Box::new(snapshot))
        }
        ClientMessage::Resume { round_id, attempt_id, lang } => {
            let lang = snapshot_lang(lang.as_deref())?;
            ServerMessage::Snapshot(Box::new(play.snapshot_in(pid, round_id, &attempt_id, lang.as_deref()).await?))
        }
        ClientMessage::Answer { round_id, attempt_id, question_id, options, seq } => {
            let status = play.answer(pid, round_id, &attempt_id, question_id, &options, seq).await?;
            ServerMessage::Ack { seq, question_id, status: status.as_str() }
        }
        ClientMessage::Submit { round_id, attempt_id, prediction } => {
            let result = play.submit(pid, round_id, &attempt_id, prediction).await?;
            let outcome = if result.auto { "auto" } else { "submitted" };
            state.metrics.submits.with_label_values(&[outcome]).inc();
            ServerMessage::Result(result)
        }
        ClientMessage::Predict { round_id, attempt_id, prediction } => {
            play.predict(pid, round_id, &attempt_id, prediction).await?;
            ServerMessage::PredictionSaved { attempt_id, prediction }
        }
        ClientMessage::Attempts { round_id } => {
            let (attempts_left, items) = play.attempts(pid, round_id).await?;
            ServerMessage::Attempts { round_id, attempts_left, items }
        }
        ClientMessage::Ping {} => ServerMessage::Pong { server_ms: play.redis().now_ms().await? },
    })
}

#[cfg(test)]
mod tests {
    use super::fragments;

    #[test]
    fn fragments_cover_the_text_at_character_boundaries() {
        let text = "Điều 16. Hiến pháp năm 2013 — quyền bình đẳng trước pháp luật. ".repeat(300);
        for max in [1, 2, 3, 7, 64, 4096, text.len(), text.len() + 1] {
            let cuts = fragments(&text, max);
            let mut joined = String::new();
            let mut at = 0;
            for &(from, to) in &cuts {
                assert_eq!(from, at, "fragments follow each other");
                assert!(to > from, "no empty fragment");
                assert!(to - from <= max.max(3), "a fragment is at most max bytes (or one character)");
                joined.push_str(&text[from..to]); // panics unless both ends are boundaries
                at = to;
            }
            assert_eq!(joined, text, "max {max}");
        }
        assert!(fragments(&text, 4096).len() <= text.len().div_ceil(4096 - 3), "few fragments");
        assert!(fragments("", 4096).is_empty());
    }
}
