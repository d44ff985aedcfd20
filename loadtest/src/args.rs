//! Command-line arguments and the checks that keep a run bounded and on this machine.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::str::FromStr;

use clap::{Parser, ValueEnum};

/// The most participants one run (all shards together) may play.
pub const MAX_PARTICIPANTS: usize = 50_000;
/// The most websockets one process opens: the open-files limit here is 20,000, and the
/// process also needs descriptors for HTTP, the runtime and stdio.
pub const MAX_PER_PROCESS: usize = 19_500;
/// Phone numbers are "09" + 8 digits.
pub const PHONE_SPACE: u64 = 100_000_000;

#[derive(Parser, Debug, Clone)]
#[command(
    name = "loadtest",
    about = "Plays N participants against a running thiluat server (loopback only) and reports latencies",
    after_help = "One process holds at most ~19,500 websockets (open-files limit 20,000), and one source \
                  address stalls beyond ~14,000 connections to one server port: for larger N run several \
                  processes with --shard 1/M … M/M, the same --participants, --phone-offset and --go-at, \
                  and different --source-ips."
)]
pub struct Args {
    /// Base URL of the server, e.g. http://127.0.0.1:8080 (loopback hosts only).
    #[arg(long)]
    pub server: String,
    /// Contest slug.
    #[arg(long)]
    pub contest: String,
    /// Round id (GET /api/contests/{slug} → rounds[].id).
    #[arg(long)]
    pub round: i64,
    #[arg(long, value_enum)]
    pub scenario: Scenario,
    /// Participants in the whole run (all shards together), at most 50,000.
    #[arg(long)]
    pub participants: usize,
    /// Length of the `sustained` run and of the `idle` hold, seconds.
    #[arg(long, default_value_t = 30)]
    pub duration_s: u64,
    /// Rounds of `answer-storm`.
    #[arg(long, default_value_t = 5)]
    pub repeat: u32,
    /// Source addresses for the websockets (and registration), comma-separated loopback IPs;
    /// participant i uses the (i mod count)-th.
    #[arg(long, value_delimiter = ',')]
    pub source_ips: Vec<IpAddr>,
    /// Hard stop: the program reports what it has and exits after this many seconds.
    #[arg(long, default_value_t = 300)]
    pub max_seconds: u64,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// The server's process id: its VmRSS is read before connecting and after.
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// Processes whose CPU time (user + system, from /proc) is reported for the measured
    /// phase, e.g. the server, its Redis and Postgres: `--cpu-pids 123,456`.
    #[arg(long, value_delimiter = ',')]
    pub cpu_pids: Vec<u32>,
    /// `idle` only: connect this many participants first, read the server's RSS, then connect
    /// the rest; the report's marginal figure is (RSS after all − RSS after the first wave) ÷
    /// (the rest), the cost of one more connection with fixed costs (caches, pools, allocator
    /// arenas) already paid.
    #[arg(long)]
    pub first_wave: Option<usize>,
    /// After the run, count acknowledged answers and submits missing from this Postgres database.
    #[arg(long)]
    pub check_db: Option<String>,
    /// Run `PATH finalize ROUND` before the database check.
    #[arg(long)]
    pub finalize_bin: Option<PathBuf>,
    /// How long the database check waits for the persister to catch up, seconds.
    #[arg(long, default_value_t = 60)]
    pub check_db_wait_s: u64,
    /// Runtime worker threads of this process (default: one per core). Several shard
    /// processes on one small machine waste less CPU on thread hand-offs with one each.
    #[arg(long)]
    pub threads: Option<usize>,
    /// With `--go-at`: the database check starts no sooner than this many seconds after the
    /// measured instant, so that a shard which finished first does not load Postgres while
    /// the other shards are still being measured.
    #[arg(long, default_value_t = 0)]
    pub check_db_after_s: u64,
    /// Participant i gets phone 09 + 8 digits of (offset + i). Default: random. Give every shard
    /// of a run the same offset, and each run a fresh range (the demo allows 2 attempts each).
    #[arg(long)]
    pub phone_offset: Option<u64>,
    /// K/M: this process plays the K-th (1-based) of M equal slices of the participants.
    #[arg(long, default_value = "1/1")]
    pub shard: Shard,
    /// Unix time (seconds, may have decimals) of the measured instant, so that several shard
    /// processes fire together. Without it the instant is when this process's set-up ends.
    #[arg(long)]
    pub go_at: Option<f64>,
    /// Also write the measured latencies (microseconds, one a line) to this file, so that the
    /// percentiles of several shard processes can be computed together.
    #[arg(long)]
    pub samples_out: Option<PathBuf>,
    /// Registrations in flight.
    #[arg(long, default_value_t = 64)]
    pub http_concurrency: usize,
    /// Websocket connects (connect + upgrade + start) in flight.
    #[arg(long, default_value_t = 256)]
    pub connect_concurrency: usize,
    /// A reply that takes longer than this counts as a timeout, seconds.
    #[arg(long, default_value_t = 60)]
    pub timeout_s: u64,
    /// `faults`: the shell command that takes the --fault down (e.g. `kill -9 PID`).
    #[arg(long)]
    pub fault_down_cmd: Option<String>,
    /// `faults`: the shell command that brings it back (e.g. `redis-server conf --daemonize yes`).
    #[arg(long)]
    pub fault_up_cmd: Option<String>,
    /// `faults`: seconds after go before the down command.
    #[arg(long, default_value_t = 10)]
    pub fault_after_s: u64,
    /// `faults`: seconds between the down and the up command.
    #[arg(long, default_value_t = 5)]
    pub outage_s: u64,
    /// `faults`: what the down and up commands take down and bring back; how the run tells
    /// that it is back: Redis answers PING, the server's /readyz answers 200, Postgres
    /// (--check-db) accepts a connection.
    #[arg(long, value_enum, default_value_t = FaultKind::Redis)]
    pub fault: FaultKind,
    /// `faults`: the server's Redis (PING while it is down; the round's event stream for the
    /// persister's backlog).
    #[arg(long, default_value = "127.0.0.1:6379")]
    pub redis_addr: SocketAddr,
    /// `faults`: the server's Redis key prefix (`redis.key_prefix`), for the event stream.
    #[arg(long, default_value = "")]
    pub redis_key_prefix: String,
    /// `faults`: each participant's pause between two answers, milliseconds.
    #[arg(long, default_value_t = 1000)]
    pub answer_interval_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scenario {
    /// Everyone answers everything, then all submit at one instant: submit → result latency.
    DeadlineBurst,
    /// At one instant everyone answers one question; repeated: answer → ack latency.
    AnswerStorm,
    /// Everyone answers as fast as acks return for --duration-s: acks per second.
    Sustained,
    /// Connections held idle for --duration-s: server RSS per participant.
    Idle,
    /// Everyone answers at a steady pace (--answer-interval-ms) for --duration-s while Redis,
    /// the server or Postgres (--fault) is taken down and brought back (--fault-down-cmd,
    /// --outage-s, --fault-up-cmd): recovery.
    Faults,
}

/// What the `faults` scenario takes down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FaultKind {
    Redis,
    Server,
    Postgres,
}

impl Scenario {
    pub fn name(self) -> &'static str {
        match self {
            Scenario::DeadlineBurst => "deadline-burst",
            Scenario::AnswerStorm => "answer-storm",
            Scenario::Sustained => "sustained",
            Scenario::Idle => "idle",
            Scenario::Faults => "faults",
        }
    }

    /// The operation whose latency is measured.
    pub fn measured_op(self) -> &'static str {
        match self {
            Scenario::DeadlineBurst => "submit → result",
            Scenario::AnswerStorm | Scenario::Sustained | Scenario::Faults => "answer → ack",
            Scenario::Idle => "none (idle connections)",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based.
    pub k: usize,
    pub m: usize,
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (k, m) = s.split_once('/').ok_or("expected K/M, e.g. 2/3")?;
        let k: usize = k.trim().parse().map_err(|_| "K is not a number")?;
        let m: usize = m.trim().parse().map_err(|_| "M is not a number")?;
        if m == 0 || k == 0 || k > m {
            return Err("need 1 ≤ K ≤ M".into());
        }
        Ok(Shard { k, m })
    }
}

impl Shard {
    /// The participant indices of this shard: a contiguous slice of 0..n.
    pub fn range(self, n: usize) -> std::ops::Range<usize> {
        (n * (self.k - 1) / self.m)..(n * self.k / self.m)
    }
}

/// Where the server is: its socket address and the base URL for HTTP.
#[derive(Debug, Clone)]
pub struct Target {
    pub addr: SocketAddr,
    pub base: String,
    pub host_header: String,
}

/// Accepts only loopback servers: 127.0.0.0/8, ::1 or `localhost`.
pub fn loopback_target(server: &str) -> Result<Target, String> {
    let url = reqwest::Url::parse(server).map_err(|e| format!("--server {server:?}: {e}"))?;
    if url.scheme() != "http" {
        return Err(format!("--server must be http://… (got {})", url.scheme()));
    }
    let port = url.port_or_known_default().ok_or("--server has no port")?;
    let ip = match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip),
        Some(url::Host::Domain(d)) if d.eq_ignore_ascii_case("localhost") => IpAddr::V4(Ipv4Addr::LOCALHOST),
        Some(url::Host::Domain(d)) => {
            return Err(format!("refusing --server host {d:?}: only loopback addresses (127.0.0.0/8, localhost, ::1)"))
        }
        None => return Err("--server has no host".into()),
    };
    if !ip.is_loopback() {
        return Err(format!("refusing --server host {ip}: only loopback addresses (127.0.0.0/8, localhost, ::1)"));
    }
    let addr = SocketAddr::new(ip, port);
    let host_header = match ip {
        IpAddr::V4(v4) => format!("{v4}:{port}"),
        IpAddr::V6(v6) => format!("[{v6}]:{port}"),
    };
    Ok(Target { addr, base: format!("http://{host_header}"), host_header })
}

impl Args {
    /// Checks that do not need the network.
    pub fn validate(&self, target: &Target) -> Result<(), String> {
        if self.participants == 0 || self.participants > MAX_PARTICIPANTS {
            return Err(format!("--participants must be 1…{MAX_PARTICIPANTS}"));
        }
        let mine = self.shard.range(self.participants).len();
        if mine > MAX_PER_PROCESS {
            return Err(format!(
                "this process would hold {mine} websockets; one process can hold at most {MAX_PER_PROCESS} \
                 (open-files limit 20,000): split the run with --shard K/M over several processes"
            ));
        }
        for ip in &self.source_ips {
            if !ip.is_loopback() {
                return Err(format!("--source-ips: {ip} is not a loopback address"));
            }
            if ip.is_ipv4() != target.addr.is_ipv4() {
                return Err(format!("--source-ips: {ip} is not of the server's address family"));
            }
        }
        if let Some(offset) = self.phone_offset {
            if offset + self.participants as u64 > PHONE_SPACE {
                return Err(format!("--phone-offset + --participants must stay below {PHONE_SPACE}"));
            }
        }
        if self.max_seconds == 0 || self.timeout_s == 0 {
            return Err("--max-seconds and --timeout-s must be positive".into());
        }
        if self.http_concurrency == 0 || self.connect_concurrency == 0 {
            return Err("--http-concurrency and --connect-concurrency must be positive".into());
        }
        if self.scenario == Scenario::Faults {
            if self.fault_down_cmd.is_none() || self.fault_up_cmd.is_none() {
                return Err("faults needs --fault-down-cmd and --fault-up-cmd".into());
            }
            if self.fault == FaultKind::Postgres && self.check_db.is_none() {
                return Err("faults --fault postgres needs --check-db (the database it stops)".into());
            }
            if self.fault_after_s + self.outage_s >= self.duration_s {
                return Err("faults: --duration-s must outlast --fault-after-s + --outage-s".into());
            }
        }
        if self.scenario == Scenario::AnswerStorm && self.repeat == 0 {
            return Err("--repeat must be positive".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_only() {
        assert!(loopback_target("http://127.0.0.1:8080").is_ok());
        assert!(loopback_target("http://127.3.4.5:8080/").is_ok());
        assert!(loopback_target("http://localhost:8080").is_ok());
        assert!(loopback_target("http://[::1]:8080").is_ok());
        assert!(loopback_target("http://10.0.0.1:8080").is_err());
        assert!(loopback_target("http://example.com:8080").is_err());
        assert!(loopback_target("http://0.0.0.0:8080").is_err());
        assert!(loopback_target("https://127.0.0.1:8080").is_err());
    }

    #[test]
    fn shards_cover_everyone_once() {
        for m in 1..7 {
            let mut next = 0;
            for k in 1..=m {
                let r = Shard { k, m }.range(10_001);
                assert_eq!(r.start, next);
                next = r.end;
            }
            assert_eq!(next, 10_001);
        }
        assert!("0/2".parse::<Shard>().is_err());
        assert!("3/2".parse::<Shard>().is_err());
        assert_eq!("2/3".parse::<Shard>(), Ok(Shard { k: 2, m: 3 }));
    }
}
