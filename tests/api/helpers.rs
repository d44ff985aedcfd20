//! The black-box test harness: each `TestApp` is the real server on a free port with its own
//! Postgres database and its own Redis key prefix, so tests run in parallel.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use actix_web::web;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use sqlx::{Connection, Executor, PgConnection, PgPool};
use thiluat::config::{Config, Secret};
use thiluat::http::AppState;
use thiluat::startup::{Application, RunningApp};

pub const SLUG: &str = "test-contest";

/// What a second server needs to share the first one's stores.
#[derive(Clone)]
pub struct Shared {
    pub db_url: String,
    pub redis_prefix: String,
    pub secret: String,
}

#[derive(Default)]
pub struct Options {
    /// Run against another app's database, Redis keys and secret (a second node).
    pub share: Option<Shared>,
    pub jobs: bool,
    /// Another Redis (tests that kill Redis run their own).
    pub redis_url: Option<String>,
    /// SQL assignments applied to the first round before the server starts.
    pub first_round: Option<&'static str>,
    /// Changes to the configuration, after the harness's own.
    pub configure: Option<fn(&mut Config)>,
}

pub struct TestApp {
    pub port: u16,
    pub state: web::Data<AppState>,
    pub pg: PgPool,
    pub round_ids: Vec<i64>,
    pub http: awc::Client,
    pub shared: Shared,
    _running: RunningApp,
}

impl TestApp {
    /// Stops the server (its stores stay).
    pub async fn stop(self) {
        self._running.stop().await;
    }
}

pub fn admin_url() -> String {
    std::env::var("THILUAT_PG_ADMIN_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

pub fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".into())
}

fn db_url(name: &str) -> String {
    let admin = admin_url();
    let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap_or(admin);
    format!("{base}/{name}")
}

/// A fresh database with the migrations and the test contest (rounds open this week).
pub async fn fresh_database() -> (String, PgPool, Vec<i64>) {
    // scripts/test sets a prefix per checkout, so that it drops only its own databases.
    let prefix = std::env::var("THILUAT_TEST_DB_PREFIX").unwrap_or_else(|_| "thiluat_t_".into());
    let name = format!("{prefix}{}", uuid::Uuid::new_v4().simple());
    let mut admin = PgConnection::connect(&admin_url()).await.expect("Postgres admin connection");
    admin.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).await.expect("create database");
    let url = db_url(&name);
    let pool = PgPool::connect(&url).await.expect("connect test database");
    thiluat::store::pg::migrate(&pool).await.expect("migrate");
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/contest.toml");
    let imported =
        thiluat::import::import(&pool, &fixture, Some(chrono::Utc::now())).await.expect("import test contest");
    (url, pool, imported.round_ids)
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Options::default()).await
}

pub async fn spawn_app_with(opts: Options) -> TestApp {
    let (url, pg, round_ids) = match &opts.share {
        Some(shared) => {
            let pg = PgPool::connect(&shared.db_url).await.expect("connect shared database");
            let ids = sqlx::query_scalar("SELECT id FROM rounds ORDER BY id").fetch_all(&pg).await.expect("rounds");
            (shared.db_url.clone(), pg, ids)
        }
        None => fresh_database().await,
    };
    if let Some(assignments) = opts.first_round {
        sqlx::query(sqlx::AssertSqlSafe(format!("UPDATE rounds SET {assignments} WHERE id = $1")))
            .bind(round_ids[0])
            .execute(&pg)
            .await
            .expect("update round");
    }
    let mut config = Config::default();
    config.http.bind = "127.0.0.1:0".into();
    config.http.workers = Some(2);
    config.database.url = Secret::new(url.clone());
    config.database.max_connections = 5;
    config.redis.url = Secret::new(opts.redis_url.unwrap_or_else(redis_url));
    config.redis.key_prefix = opts
        .share
        .as_ref()
        .map(|s| s.redis_prefix.clone())
        .unwrap_or_else(|| format!("t{}:", uuid::Uuid::new_v4().simple()));
    // Developers' machines may run Redis without appendfsync; scripts/test never does.
    config.redis.unsafe_durability = std::env::var("REDIS_URL").is_err();
    config.secret = Secret::new(
        opts.share.as_ref().map(|s| s.secret.clone()).unwrap_or_else(|| hex::encode(rand::random::<[u8; 32]>())),
    );
    let shared = Shared {
        db_url: url,
        redis_prefix: config.redis.key_prefix.clone(),
        secret: config.secret.expose().to_string(),
    };
    config.jobs.enabled = opts.jobs;
    config.jobs.idle_poll_ms = 20;
    if let Some(configure) = opts.configure {
        configure(&mut config);
    }
    if std::env::var("TEST_LOG").is_ok() || std::env::var("THILUAT_LOG_FILE").is_ok() {
        thiluat::telemetry::init(thiluat::config::LogFormat::Pretty);
    }
    let app = Application::build(&config).await.expect("application builds");
    let (port, state, running) = app.spawn();
    TestApp { port, state, pg, round_ids, http: awc::Client::default(), shared, _running: running }
}

static PHONE: AtomicU64 = AtomicU64::new(0);

/// A unique, valid mobile number for this test process.
pub fn next_phone() -> String {
    let n = PHONE.fetch_add(1, Ordering::Relaxed) + u64::from(std::process::id() % 1000) * 100_000;
    format!("09{:08}", n)
}

/// A valid CCCD for someone born in 1990 (male): Hà Nội code 001, century digit 0.
pub fn cccd_for_1990_male(serial: u32) -> String {
    format!("001090{:06}", serial % 1_000_000)
}

pub fn valid_registration() -> Value {
    let serial = PHONE.load(Ordering::Relaxed) as u32 + std::process::id();
    json!({
        "full_name": "Nguyễn Văn An",
        "dob": "1990-05-20",
        "sex": "male",
        "phone": next_phone(),
        "cccd": cccd_for_1990_male(serial),
        "commune_code": "02647",
        "unit_code": "02647",
        "consent": {"given": true, "version": "v1"}
    })
}

pub struct Participant {
    pub id: i64,
    pub token: String,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub async fn post_json(&self, path: &str, body: &Value, lang: &str) -> (u16, Value) {
        let mut res = self
            .http
            .post(self.url(path))
            .insert_header(("accept-language", lang))
            .send_json(body)
            .await
            .expect("request sent");
        let status = res.status().as_u16();
        let body = res.json::<Value>().limit(1 << 20).await.unwrap_or(Value::Null);
        (status, body)
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        let mut res = self.http.get(self.url(path)).send().await.expect("request sent");
        let status = res.status().as_u16();
        let body = res.json::<Value>().limit(8 << 20).await.unwrap_or(Value::Null);
        (status, body)
    }

    pub async fn register(&self, body: &Value) -> (u16, Value) {
        self.register_at(SLUG, body).await
    }

    pub async fn register_at(&self, slug: &str, body: &Value) -> (u16, Value) {
        self.post_json(&format!("/api/contests/{slug}/register"), body, "vi").await
    }

    pub async fn participant(&self) -> Participant {
        let (status, body) = self.register(&valid_registration()).await;
        assert_eq!(status, 201, "{body}");
        Participant {
            id: body["participant_id"].as_i64().expect("id"),
            token: body["token"].as_str().expect("token").to_string(),
        }
    }

    pub async fn ws(&self, token: &str) -> WsClient {
        WsClient::connect(&self.http, self.url(&format!("/ws?token={token}"))).await
    }

    pub fn round(&self) -> i64 {
        self.round_ids[0]
    }

    /// Persists everything pending in the round's stream. Like the persister's own loop, it
    /// tries again after one failure: the first command on a connection whose Redis has
    /// restarted fails (the connection then reconnects), as after a crash.
    pub async fn persist_all(&self, round_id: i64) {
        let opts = thiluat::jobs::persister::Options { batch: 500, reclaim_idle_ms: 0 };
        let mut failed_once = false;
        // Done when the stream is empty (persisted entries are trimmed), not when one batch
        // finds nothing: with the jobs running, a submit read here can wait for its start,
        // which the server's own persister holds in a transaction not yet committed.
        let until = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            match thiluat::jobs::persister::persist_once(&self.pg, &self.state.redis, round_id, "test", opts).await {
                Ok(0) => {
                    let lag = thiluat::jobs::persister::lag(&self.state.redis, round_id).await.expect("stream length");
                    if lag == 0 {
                        break;
                    }
                    assert!(std::time::Instant::now() < until, "{lag} entries still not persisted after 20 s");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Ok(_) => {}
                Err(e) if !failed_once => {
                    failed_once = true;
                    eprintln!("persisting failed once, trying again: {e:#}");
                }
                Err(e) => panic!("persists: {e:#}"),
            }
        }
    }
}

pub struct WsClient {
    conn: actix_codec::Framed<awc::BoxedSocket, awc::ws::Codec>,
    /// Every text message received, in order (fragmented ones reassembled).
    pub frames: Vec<String>,
    /// The fragments so far of a message the server sent in pieces.
    partial: Option<Vec<u8>>,
    /// How many messages came fragmented.
    pub fragmented: usize,
}

/// What one frame from the server amounts to.
enum Incoming {
    Text(String),
    Close(Option<u16>),
    Other,
}

impl WsClient {
    /// A socket to any server (`url`: `http://…/ws?token=…`), e.g. a `ServerProcess`.
    pub async fn connect(http: &awc::Client, url: String) -> WsClient {
        let (_, conn) = http.ws(url).max_frame_size(1 << 20).connect().await.expect("websocket connects");
        WsClient { conn, frames: Vec::new(), partial: None, fragmented: 0 }
    }

    pub async fn send_text(&mut self, text: String) {
        self.conn.send(awc::ws::Message::Text(text.into())).await.expect("frame sent");
    }

    /// Sends any frame (binary, fragments); false once the socket no longer takes frames.
    pub async fn send_frame(&mut self, message: awc::ws::Message) -> bool {
        self.conn.send(message).await.is_ok()
    }

    pub async fn send(&mut self, v: Value) {
        self.send_text(v.to_string()).await;
    }

    /// A frame as a whole message: fragments (long messages such as snapshots come as
    /// FirstText, Continue…, Last) are joined, as a browser does.
    fn take(&mut self, frame: awc::ws::Frame) -> Incoming {
        use actix_ws::Item;
        use awc::ws::Frame;
        let bytes = match frame {
            Frame::Text(bytes) => {
                assert!(self.partial.is_none(), "a text frame inside a fragmented message");
                bytes.to_vec()
            }
            Frame::Continuation(Item::FirstText(bytes)) => {
                assert!(self.partial.replace(bytes.to_vec()).is_none(), "a second FirstText");
                return Incoming::Other;
            }
            Frame::Continuation(Item::Continue(bytes)) => {
                self.partial.as_mut().expect("Continue after FirstText").extend_from_slice(&bytes);
                return Incoming::Other;
            }
            Frame::Continuation(Item::Last(bytes)) => {
                let mut all = self.partial.take().expect("Last after FirstText");
                all.extend_from_slice(&bytes);
                self.fragmented += 1;
                all
            }
            Frame::Close(reason) => return Incoming::Close(reason.map(|r| u16::from(r.code))),
            _ => return Incoming::Other,
        };
        let text = String::from_utf8(bytes).expect("UTF-8");
        self.frames.push(text.clone());
        Incoming::Text(text)
    }

    /// The next text message as JSON (pings are answered by the codec's peer; skipped here).
    pub async fn recv(&mut self) -> Value {
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(10), self.conn.next())
                .await
                .expect("a frame within 10 s")
                .expect("socket open")
                .expect("valid frame");
            match self.take(frame) {
                Incoming::Text(text) => return serde_json::from_str(&text).expect("JSON frame"),
                Incoming::Close(code) => panic!("socket closed: {code:?}"),
                Incoming::Other => continue,
            }
        }
    }

    /// Waits for the socket to close; returns the close code.
    pub async fn closed(&mut self) -> Option<u16> {
        loop {
            match tokio::time::timeout(Duration::from_secs(10), self.conn.next()).await.expect("closes within 10 s") {
                Some(Ok(frame)) => {
                    if let Incoming::Close(code) = self.take(frame) {
                        return code;
                    }
                }
                _ => return None,
            }
        }
    }

    pub async fn request(&mut self, v: Value) -> Value {
        self.send(v).await;
        self.recv().await
    }

    pub async fn start(&mut self, round_id: i64) -> Value {
        let snap = self
            .request(json!({"type": "start", "round_id": round_id, "request_id": uuid::Uuid::new_v4().to_string()}))
            .await;
        assert_eq!(snap["type"], "snapshot", "{snap}");
        snap
    }
}

/// Question ids and option ids of a snapshot.
pub fn questions(snapshot: &Value) -> Vec<(i64, Vec<i64>)> {
    snapshot["questions"]
        .as_array()
        .expect("questions")
        .iter()
        .map(|q| {
            (
                q["id"].as_i64().expect("id"),
                q["options"]
                    .as_array()
                    .expect("options")
                    .iter()
                    .map(|o| o["id"].as_i64().expect("option id"))
                    .collect(),
            )
        })
        .collect()
}

/// The correct options of a question, from the database (tests only).
pub async fn correct_options(pg: &PgPool, question_id: i64) -> Vec<i64> {
    sqlx::query_scalar("SELECT correct FROM questions WHERE id = $1")
        .bind(question_id)
        .fetch_one(pg)
        .await
        .expect("question")
}
