//! Redis: the live state of open rounds. Every state change is one Lua script from `lua/`.

use std::collections::HashMap;

use anyhow::{bail, Context};
use redis::aio::ConnectionManager;
use redis::{AsyncCommands, Script, Value};

use super::keys::{self, RoundKeys, PERSISTER_GROUP};
use super::redis_conn::{self, Gate, RedisConn};
use crate::config::RedisConfig;

/// How an acknowledged answer survives a crash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// `appendonly yes` + `appendfsync always` on this Redis.
    FsyncAlways,
    /// Acknowledged once `WAITAOF 0 N` confirms N replicas fsynced it.
    WaitAof(u32),
    /// Started with the unsafe flag: acknowledged answers can be lost in a crash.
    Unsafe,
}

impl Durability {
    pub fn label(&self) -> String {
        match self {
            Durability::FsyncAlways => "appendfsync-always".into(),
            Durability::WaitAof(n) => format!("waitaof-{n}"),
            Durability::Unsafe => "UNSAFE".into(),
        }
    }
}

/// A script refused the operation (`Refused`, with the protocol's error code), or Redis
/// could not be reached (`Unavailable`).
#[derive(Debug, thiserror::Error)]
pub enum ScriptError {
    #[error("refused: {0}")]
    Refused(String),
    #[error("redis unavailable")]
    Unavailable(#[from] redis::RedisError),
}

/// The scripts refuse with a bare lowercase code (`redis.error_reply('attempt_limit')`);
/// anything else is Redis failing.
fn refused_or_unavailable(err: redis::RedisError) -> ScriptError {
    let code = err.detail().or_else(|| err.code()).and_then(|s| s.split_whitespace().next()).unwrap_or_default();
    if !code.is_empty() && code.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
        ScriptError::Refused(code.to_string())
    } else {
        ScriptError::Unavailable(err)
    }
}

struct Scripts {
    start: Script,
    answer: Script,
    submit: Script,
    predict: Script,
    close: Script,
    trim: Script,
}

#[derive(Clone)]
pub struct RedisStore {
    /// The shared connection, behind the gate (see `redis_conn`).
    conn: RedisConn,
    /// The same connection without the gate, for stores that keep their own handle.
    manager: ConnectionManager,
    gate: std::sync::Arc<Gate>,
    /// Timeouts of the per-thread connections opened later.
    settings: std::sync::Arc<RedisConfig>,
    client: redis::Client,
    /// Tells this store's connections apart in the per-thread cache.
    id: usize,
    /// Whether the hot paths use a connection of the calling thread (see [`Self::hot`]).
    per_thread: bool,
    prefix: String,
    scripts: std::sync::Arc<Scripts>,
    durability: Durability,
}

/// What a round needs in Redis to run: loaded when it is armed.
#[derive(Debug, Clone)]
pub struct ArmedRound {
    pub round_id: i64,
    pub opens_ms: i64,
    pub closes_ms: i64,
    pub grace_ms: i64,
    pub time_limit_ms: i64,
    /// 0: unlimited.
    pub attempt_limit: i64,
    pub has_prediction: bool,
    /// Whether a saved answer may be replaced before submitting.
    pub answers_changeable: bool,
    /// question id -> (option ids, correct option ids sorted).
    pub questions: Vec<(i64, Vec<i64>, Vec<i64>)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartOutcome {
    New(String),
    Existing(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerStatus {
    Saved,
    Duplicate,
    Stale,
}

impl AnswerStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            AnswerStatus::Saved => "saved",
            AnswerStatus::Duplicate => "duplicate",
            AnswerStatus::Stale => "stale",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scored {
    pub already: bool,
    pub correct: i64,
    pub total: i64,
    pub duration_ms: i64,
    pub submitted_ms: i64,
    pub prediction: Option<i64>,
    pub auto: bool,
    /// Attempts this participant has started in the round.
    pub attempts_used: i64,
}

/// An attempt as Redis holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptState {
    pub attempt_id: String,
    pub participant_id: i64,
    pub number: i64,
    pub started_ms: i64,
    pub deadline_ms: i64,
    pub submitted: bool,
    pub question_ids: Vec<i64>,
    pub last_seq: i64,
    /// question id -> option ids.
    pub answers: HashMap<i64, Vec<i64>>,
    /// The prediction saved during the attempt (predict.lua), if any.
    pub saved_prediction: Option<i64>,
    pub scored: Option<Scored>,
}

fn value_string(v: &Value) -> String {
    match v {
        Value::BulkString(b) => String::from_utf8_lossy(b).into_owned(),
        Value::SimpleString(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        _ => String::new(),
    }
}

fn value_i64(v: &Value) -> i64 {
    value_string(v).parse().unwrap_or_default()
}

pub fn parse_ids(list: &str) -> Vec<i64> {
    list.split(',').filter_map(|s| s.parse().ok()).collect()
}

pub fn join_ids(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

impl RedisStore {
    /// Connects and checks that acknowledged writes survive a crash.
    pub async fn connect(config: &RedisConfig) -> anyhow::Result<Self> {
        let client = redis::Client::open(config.url.expose()).context("invalid Redis URL")?;
        let manager = redis_conn::open_manager(&client, config).await.context("connecting to Redis")?;
        let gate = Gate::new(config, manager.clone());
        let mut conn = RedisConn::new(manager.clone(), gate.clone());
        let durability = check_durability(&mut conn, config).await?;
        static STORES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        Ok(Self {
            conn,
            manager,
            gate,
            settings: std::sync::Arc::new(config.clone()),
            client,
            id: STORES.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            per_thread: false,
            prefix: config.key_prefix.clone(),
            scripts: std::sync::Arc::new(Scripts {
                start: Script::new(include_str!("lua/start.lua")),
                answer: Script::new(include_str!("lua/answer.lua")),
                submit: Script::new(include_str!("lua/submit.lua")),
                predict: Script::new(include_str!("lua/predict.lua")),
                close: Script::new(include_str!("lua/close.lua")),
                trim: Script::new(include_str!("lua/trim.lua")),
            }),
            durability,
        })
    }

    /// From now on the hot paths (start, answer, submit, snapshots, the clock) of this store
    /// and its clones use one connection per calling thread, opened on first use: for the
    /// server's workers, each a single-threaded runtime, a request and its reply then never
    /// cross to another thread (with one shared connection, every command went to its driver
    /// task on the main thread and every reply came back, two thread wake-ups per message,
    /// and Redis read all of a node's commands from one socket).
    pub fn with_per_thread_connections(mut self) -> Self {
        self.per_thread = true;
        self
    }

    /// The connection for a hot path: this thread's own when enabled, else the shared one.
    /// A write and the `WAITAOF` after it use the same connection (`WAITAOF` counts the
    /// writes of its own connection), so callers hold on to the one they got.
    /// A thread's connection belongs to the gate's epoch it was opened in: once Redis is
    /// back after an outage, each thread opens a fresh one (the old one may still hold the
    /// failed reconnect). While Redis is down, the shared one fails at once.
    async fn hot(&self) -> RedisConn {
        if !self.per_thread || self.gate.is_down() {
            return self.conn.clone();
        }
        thread_local! {
            static CONNECTIONS: std::cell::RefCell<Vec<(usize, u64, RedisConn)>> =
                const { std::cell::RefCell::new(Vec::new()) };
        }
        let epoch = self.gate.epoch();
        let cached = CONNECTIONS
            .with_borrow(|v| v.iter().find(|(id, e, _)| *id == self.id && *e == epoch).map(|(_, _, c)| c.clone()));
        if let Some(c) = cached {
            return c;
        }
        match redis_conn::open_manager(&self.client, &self.settings).await {
            Ok(m) => {
                let c = RedisConn::new(m, self.gate.clone());
                CONNECTIONS.with_borrow_mut(|v| {
                    v.retain(|(id, _, _)| *id != self.id);
                    v.push((self.id, epoch, c.clone()));
                });
                c
            }
            Err(e) => {
                tracing::warn!(error = %e, "opening this thread's Redis connection failed; using the shared one");
                self.conn.clone()
            }
        }
    }

    pub fn durability(&self) -> Durability {
        self.durability
    }

    pub fn keys(&self, round_id: i64) -> RoundKeys {
        RoundKeys::new(&self.prefix, round_id)
    }

    /// The client, for connections of their own (the erasure channel's subscription).
    pub fn client(&self) -> &redis::Client {
        &self.client
    }

    /// The shared connection, behind the gate.
    pub fn conn(&self) -> RedisConn {
        self.conn.clone()
    }

    /// The shared connection without the gate (its timeouts still apply), for the stores
    /// that keep a `ConnectionManager` of their own (sessions, throttle, proof-of-work).
    pub fn manager(&self) -> ConnectionManager {
        self.manager.clone()
    }

    /// Whether Redis is known to be unreachable right now (operations fail at once).
    pub fn is_down(&self) -> bool {
        self.gate.is_down()
    }

    pub async fn ping(&self) -> redis::RedisResult<()> {
        redis::cmd("PING").query_async::<String>(&mut self.conn.clone()).await.map(|_| ())
    }

    /// Redis's clock in milliseconds: the one clock every node agrees on.
    pub async fn now_ms(&self) -> redis::RedisResult<i64> {
        let (s, us): (i64, i64) = redis::cmd("TIME").query_async(&mut self.hot().await).await?;
        Ok(s * 1000 + us / 1000)
    }

    /// `conn`: the connection that made the write.
    async fn after_write(&self, conn: &mut RedisConn) -> Result<(), ScriptError> {
        if let Durability::WaitAof(n) = self.durability {
            let (_local, replicas): (i64, i64) =
                redis::cmd("WAITAOF").arg(0).arg(n).arg(1000).query_async(conn).await?;
            if replicas < i64::from(n) {
                return Err(ScriptError::Unavailable(redis::RedisError::from((
                    redis::ErrorKind::IoError,
                    "WAITAOF: not enough replicas confirmed",
                ))));
            }
        }
        Ok(())
    }

    /// Loads a round's settings and answer key; idempotent.
    pub async fn arm(&self, round: &ArmedRound) -> anyhow::Result<()> {
        let k = self.keys(round.round_id);
        let mut pipe = redis::pipe();
        pipe.atomic();
        pipe.hset_multiple(
            k.meta(),
            &[
                ("opens_ms", round.opens_ms),
                ("closes_ms", round.closes_ms),
                ("grace_ms", round.grace_ms),
                ("time_limit_ms", round.time_limit_ms),
                ("attempt_limit", round.attempt_limit),
                ("prediction", i64::from(round.has_prediction)),
                ("changeable", i64::from(round.answers_changeable)),
            ],
        );
        for (qid, options, correct) in &round.questions {
            pipe.hset(k.options(), qid, format!(",{},", join_ids(options)));
            pipe.hset(k.answer_key(), qid, join_ids(correct));
        }
        pipe.sadd(keys::armed_rounds(&self.prefix), round.round_id);
        let mut conn = self.conn.clone();
        pipe.query_async::<()>(&mut conn).await.context("arming round")?;
        let created: redis::RedisResult<()> = redis::cmd("XGROUP")
            .arg("CREATE")
            .arg(k.events())
            .arg(PERSISTER_GROUP)
            .arg("0")
            .arg("MKSTREAM")
            .query_async(&mut conn)
            .await;
        match created {
            Err(e) if e.code() != Some("BUSYGROUP") => Err(e).context("creating consumer group"),
            _ => Ok(()),
        }
    }

    pub async fn is_armed(&self, round_id: i64) -> redis::RedisResult<bool> {
        self.conn.clone().exists(self.keys(round_id).meta()).await
    }

    pub async fn armed_rounds(&self) -> redis::RedisResult<Vec<i64>> {
        self.conn.clone().smembers(keys::armed_rounds(&self.prefix)).await
    }

    /// A cached text (e.g. a public statistics page) if it has not expired.
    pub async fn cached(&self, name: &str) -> redis::RedisResult<Option<String>> {
        self.conn.clone().get(keys::cache(&self.prefix, name)).await
    }

    /// Keeps `value` for `ttl_s` seconds: public pages that aggregate a whole contest are
    /// computed at most once per period however often they are asked for.
    pub async fn cache(&self, name: &str, value: &str, ttl_s: u64) -> redis::RedisResult<()> {
        self.conn.clone().set_ex(keys::cache(&self.prefix, name), value, ttl_s).await
    }

    pub async fn disarm(&self, round_id: i64) -> redis::RedisResult<()> {
        self.conn.clone().srem(keys::armed_rounds(&self.prefix), round_id).await
    }

    pub async fn start(
        &self,
        round_id: i64,
        participant_id: i64,
        request_id: &str,
        new_attempt_id: &str,
        question_ids: &[i64],
        extension_ms: i64,
    ) -> Result<StartOutcome, ScriptError> {
        let k = self.keys(round_id);
        let mut conn = self.hot().await;
        let out: Vec<String> = self
            .scripts
            .start
            .key(k.meta())
            .key(k.attempts_used())
            .key(k.start_requests())
            .key(k.attempt(new_attempt_id))
            .key(k.deadlines())
            .key(k.events())
            .key(k.participant_attempts(participant_id))
            .arg(participant_id)
            .arg(request_id)
            .arg(new_attempt_id)
            .arg(join_ids(question_ids))
            .arg(extension_ms)
            .invoke_async(&mut conn)
            .await
            .map_err(refused_or_unavailable)?;
        match (out.first().map(String::as_str), out.get(1)) {
            (Some("new"), Some(id)) => {
                self.after_write(&mut conn).await?;
                Ok(StartOutcome::New(id.clone()))
            }
            (Some("existing"), Some(id)) => Ok(StartOutcome::Existing(id.clone())),
            _ => Err(ScriptError::Refused("unexpected_reply".into())),
        }
    }

    pub async fn answer(
        &self,
        round_id: i64,
        participant_id: i64,
        attempt_id: &str,
        question_id: i64,
        options: &[i64],
        seq: i64,
    ) -> Result<AnswerStatus, ScriptError> {
        let k = self.keys(round_id);
        let mut conn = self.hot().await;
        let status: String = self
            .scripts
            .answer
            .key(k.meta())
            .key(k.attempt(attempt_id))
            .key(k.answers(attempt_id))
            .key(k.options())
            .key(k.answer_key())
            .key(k.events())
            .arg(participant_id)
            .arg(attempt_id)
            .arg(question_id)
            .arg(join_ids(options))
            .arg(seq)
            .invoke_async(&mut conn)
            .await
            .map_err(refused_or_unavailable)?;
        match status.as_str() {
            "saved" => {
                self.after_write(&mut conn).await?;
                Ok(AnswerStatus::Saved)
            }
            "duplicate" => Ok(AnswerStatus::Duplicate),
            "stale" => Ok(AnswerStatus::Stale),
            _ => Err(ScriptError::Refused("unexpected_reply".into())),
        }
    }

    /// Saves the prediction of an open attempt (predict.lua): a later submit without one,
    /// the auto-submit at deadline + grace included, keeps it.
    pub async fn predict(
        &self,
        round_id: i64,
        participant_id: i64,
        attempt_id: &str,
        prediction: i64,
    ) -> Result<(), ScriptError> {
        let k = self.keys(round_id);
        let mut conn = self.hot().await;
        let status: String = self
            .scripts
            .predict
            .key(k.meta())
            .key(k.attempt(attempt_id))
            .arg(participant_id)
            .arg(prediction)
            .invoke_async(&mut conn)
            .await
            .map_err(refused_or_unavailable)?;
        if status != "saved" {
            return Err(ScriptError::Refused("unexpected_reply".into()));
        }
        self.after_write(&mut conn).await?;
        Ok(())
    }

    /// `participant_id` None: the server's auto-submit of an overdue attempt.
    pub async fn submit(
        &self,
        round_id: i64,
        participant_id: Option<i64>,
        attempt_id: &str,
        prediction: Option<i64>,
    ) -> Result<Scored, ScriptError> {
        let k = self.keys(round_id);
        let mut conn = self.hot().await;
        let out: Vec<Value> = self
            .scripts
            .submit
            .key(k.meta())
            .key(k.attempt(attempt_id))
            .key(k.answers(attempt_id))
            .key(k.attempts_used())
            .key(k.deadlines())
            .key(k.leaderboard())
            .key(k.best())
            .key(k.events())
            .arg(participant_id.map(|p| p.to_string()).unwrap_or_default())
            .arg(attempt_id)
            .arg(prediction.map(|p| p.to_string()).unwrap_or_default())
            .arg(if participant_id.is_some() { "client" } else { "auto" })
            .invoke_async(&mut conn)
            .await
            .map_err(refused_or_unavailable)?;
        if out.len() != 8 {
            return Err(ScriptError::Refused("unexpected_reply".into()));
        }
        let already = value_string(&out[0]) == "already";
        if !already {
            self.after_write(&mut conn).await?;
        }
        Ok(Scored {
            already,
            correct: value_i64(&out[1]),
            total: value_i64(&out[2]),
            duration_ms: value_i64(&out[3]),
            submitted_ms: value_i64(&out[4]),
            prediction: value_string(&out[5]).parse().ok(),
            auto: value_string(&out[6]) == "1",
            attempts_used: value_i64(&out[7]),
        })
    }

    /// Drops persisted entries from a round's stream (see trim.lua).
    pub async fn trim_persisted(&self, round_id: i64) -> redis::RedisResult<i64> {
        self.scripts
            .trim
            .key(self.keys(round_id).events())
            .arg(PERSISTER_GROUP)
            .invoke_async(&mut self.conn.clone())
            .await
    }

    /// Ends a round now (see close.lua); returns how many open attempts it cut short.
    pub async fn close_round(&self, round_id: i64) -> redis::RedisResult<i64> {
        let k = self.keys(round_id);
        self.scripts
            .close
            .key(k.meta())
            .key(k.deadlines())
            .arg(k.attempt(""))
            .invoke_async(&mut self.conn.clone())
            .await
    }

    pub async fn attempt(&self, round_id: i64, attempt_id: &str) -> redis::RedisResult<Option<AttemptState>> {
        let k = self.keys(round_id);
        let (fields, answers): (HashMap<String, String>, HashMap<String, String>) = redis::pipe()
            .hgetall(k.attempt(attempt_id))
            .hgetall(k.answers(attempt_id))
            .query_async(&mut self.hot().await)
            .await?;
        Ok(attempt_from_fields(attempt_id, &fields, &answers))
    }

    pub async fn participant_attempt_ids(&self, round_id: i64, participant_id: i64) -> redis::RedisResult<Vec<String>> {
        let k = self.keys(round_id);
        self.conn.clone().lrange(k.participant_attempts(participant_id), 0, -1).await
    }

    pub async fn attempts_used(&self, round_id: i64, participant_id: i64) -> redis::RedisResult<i64> {
        let used: Option<i64> = self.conn.clone().hget(self.keys(round_id).attempts_used(), participant_id).await?;
        Ok(used.unwrap_or(0))
    }

    /// Open attempts whose deadline is at or before `until_ms`.
    pub async fn due_attempts(&self, round_id: i64, until_ms: i64, limit: isize) -> redis::RedisResult<Vec<String>> {
        self.conn.clone().zrangebyscore_limit(self.keys(round_id).deadlines(), "-inf", until_ms, 0, limit).await
    }

    pub async fn open_attempt_count(&self, round_id: i64) -> redis::RedisResult<i64> {
        self.conn.clone().zcard(self.keys(round_id).deadlines()).await
    }

    /// The live leaderboard: (participant id, correct, duration ms, submitted ms), best first.
    pub async fn leaderboard(&self, round_id: i64, limit: isize) -> redis::RedisResult<Vec<LiveEntry>> {
        let members: Vec<String> = self.conn.clone().zrange(self.keys(round_id).leaderboard(), 0, limit - 1).await?;
        Ok(members.iter().filter_map(|m| LiveEntry::parse(m)).collect())
    }

    /// Keys of a round's stream and group, for the persister.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }
}

/// One row of the live leaderboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveEntry {
    pub participant_id: i64,
    pub correct: i64,
    pub duration_ms: i64,
    pub submitted_ms: i64,
}

impl LiveEntry {
    fn parse(member: &str) -> Option<Self> {
        let (key, participant) = member.split_once('|')?;
        if key.len() != 31 {
            return None;
        }
        Some(Self {
            participant_id: participant.parse().ok()?,
            correct: 99_999 - key[0..5].parse::<i64>().ok()?,
            duration_ms: key[5..18].parse().ok()?,
            submitted_ms: key[18..31].parse().ok()?,
        })
    }
}

fn attempt_from_fields(
    attempt_id: &str,
    f: &HashMap<String, String>,
    answers: &HashMap<String, String>,
) -> Option<AttemptState> {
    let num = |name: &str| f.get(name).and_then(|v| v.parse::<i64>().ok());
    let submitted = f.get("status").map(String::as_str) == Some("submitted");
    let question_ids = parse_ids(f.get("qs")?);
    let scored = if submitted {
        Some(Scored {
            already: true,
            correct: num("correct")?,
            total: question_ids.len() as i64,
            duration_ms: num("duration_ms")?,
            submitted_ms: num("submitted_ms")?,
            prediction: num("prediction"),
            auto: f.get("auto").map(String::as_str) == Some("1"),
            attempts_used: 0,
        })
    } else {
        None
    };
    Some(AttemptState {
        attempt_id: attempt_id.to_string(),
        participant_id: num("p")?,
        number: num("n")?,
        started_ms: num("started_ms")?,
        deadline_ms: num("deadline_ms")?,
        submitted,
        question_ids,
        // Exact (answer.lua keeps seqs as digit strings): a wrong last_seq would make a
        // client reuse seqs and its new answers come back `duplicate`, so none is guessed.
        last_seq: num("seq")?,
        answers: answers.iter().filter_map(|(q, v)| Some((q.parse().ok()?, parse_ids(v.split('|').nth(1)?)))).collect(),
        saved_prediction: num("pred"),
        scored,
    })
}

/// `WAITAOF` mode can only keep its promise on a Redis that has the command (7.2 or later)
/// and with as many replicas connected as every write waits for: otherwise every answer would
/// be refused as unavailable, so the server refuses to start instead. (Whether the replicas
/// themselves write an AOF cannot be seen from the primary: one that does not never
/// confirms, and answers are then refused, never acknowledged unsafely.)
async fn check_waitaof(conn: &mut RedisConn, replicas: u32) -> anyhow::Result<()> {
    // Satisfied at once (nothing to wait for): only whether the command exists.
    let probe: redis::RedisResult<(i64, i64)> = redis::cmd("WAITAOF").arg(0).arg(0).arg(0).query_async(conn).await;
    if let Err(e) = probe {
        bail!("redis.waitaof_replicas = {replicas} needs the WAITAOF command of Redis 7.2 or later, which this Redis refuses: {e}");
    }
    let info: String = redis::cmd("INFO").arg("replication").query_async(conn).await?;
    let connected = connected_replicas(&info);
    if connected < replicas {
        bail!(
            "redis.waitaof_replicas = {replicas}, but the Redis primary has {connected} connected replica(s): \
             every answer would wait for confirmations that cannot come"
        );
    }
    Ok(())
}

/// `connected_slaves:N` of `INFO replication` (0 when absent).
fn connected_replicas(info: &str) -> u32 {
    info.lines().find_map(|l| l.trim().strip_prefix("connected_slaves:")).and_then(|n| n.parse().ok()).unwrap_or(0)
}

async fn check_durability(conn: &mut RedisConn, config: &RedisConfig) -> anyhow::Result<Durability> {
    let read = |name: &'static str| {
        let mut conn = conn.clone();
        async move {
            let pair: Vec<String> = redis::cmd("CONFIG").arg("GET").arg(name).query_async(&mut conn).await?;
            Ok::<_, redis::RedisError>(pair.get(1).cloned().unwrap_or_default())
        }
    };
    let appendonly = read("appendonly").await.unwrap_or_default();
    let fsync = read("appendfsync").await.unwrap_or_default();
    let durability = if config.waitaof_replicas > 0 {
        check_waitaof(conn, config.waitaof_replicas).await?;
        Durability::WaitAof(config.waitaof_replicas)
    } else if appendonly == "yes" && fsync == "always" {
        Durability::FsyncAlways
    } else if config.unsafe_durability {
        tracing::warn!(
            redis.appendonly = %appendonly,
            redis.appendfsync = %fsync,
            "UNSAFE: Redis can lose acknowledged answers in a crash; started with --unsafe-durability"
        );
        Durability::Unsafe
    } else {
        bail!(
            "Redis would lose acknowledged answers in a crash (appendonly={appendonly:?}, \
             appendfsync={fsync:?}). Run Redis with `--appendonly yes --appendfsync always`, \
             configure redis.waitaof_replicas, or start with --unsafe-durability."
        );
    };
    Ok(durability)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connected_replicas_are_read_from_info() {
        let info = "# Replication\r\nrole:master\r\nconnected_slaves:2\r\nslave0:ip=10.0.0.2,port=6379\r\n";
        assert_eq!(connected_replicas(info), 2);
        assert_eq!(connected_replicas("# Replication\r\nrole:master\r\n"), 0);
        assert_eq!(connected_replicas("connected_slaves:x"), 0);
    }

    #[test]
    fn leaderboard_members_parse_back() {
        let member = format!("{:05}{:013}{:013}|{}", 99_999 - 17, 61_234, 1_700_000_000_000i64, 42);
        assert_eq!(
            LiveEntry::parse(&member),
            Some(LiveEntry { participant_id: 42, correct: 17, duration_ms: 61_234, submitted_ms: 1_700_000_000_000 })
        );
        assert_eq!(LiveEntry::parse("garbage"), None);
    }

    #[test]
    fn ids_round_trip() {
        assert_eq!(parse_ids(&join_ids(&[3, 1, 2])), vec![3, 1, 2]);
        assert_eq!(parse_ids(""), Vec::<i64>::new());
    }
}
