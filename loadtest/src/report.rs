//! The report: a text table, or JSON with --json.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

use serde::Serialize;

use crate::args::Args;
use crate::db::DbCheck;
use crate::stats::{percentiles, OpStats, Percentiles, Stats};

/// What the coordinator learns along the way (besides the participants' `Stats`).
#[derive(Debug, Default, Clone)]
pub struct Progress {
    pub phone_offset: Option<u64>,
    pub round_title: Option<String>,
    pub attempt_limit: Option<i64>,
    pub questions_per_attempt: Option<i64>,
    pub register_s: Option<f64>,
    pub connect_s: Option<f64>,
    pub ready: Option<usize>,
    pub rss_before_kb: Option<u64>,
    pub rss_after_connect_kb: Option<u64>,
    pub rss_after_kb: Option<u64>,
    pub first_wave_ready: Option<usize>,
    pub rss_after_first_wave_kb: Option<u64>,
    pub cpu: Vec<CpuReport>,
    pub finalize: Option<String>,
    pub db: Option<DbCheck>,
    pub db_error: Option<String>,
    pub notes: Vec<String>,
    pub faults: Option<crate::faults::FaultReport>,
}

pub fn take(p: &Mutex<Progress>) -> Progress {
    p.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

#[derive(Debug, Serialize)]
pub struct OpReport {
    pub op: String,
    pub sent: u64,
    pub acknowledged: u64,
    pub acknowledged_pct: Option<f64>,
    pub ack_status: BTreeMap<String, u64>,
    pub rejected: BTreeMap<String, u64>,
    pub timeouts: u64,
    pub client_errors: BTreeMap<String, u64>,
    pub latency: Option<Percentiles>,
    pub throughput_per_s: Option<f64>,
    /// First request sent → last reply received.
    pub span_s: Option<f64>,
    /// First → last request sent (how tight the burst was, in this process).
    pub send_spread_ms: Option<f64>,
    pub first_send_unix_ms: Option<u64>,
    pub last_send_unix_ms: Option<u64>,
}

fn op_report(op: &str, s: &OpStats) -> OpReport {
    OpReport {
        op: op.to_string(),
        sent: s.sent,
        acknowledged: s.acknowledged,
        acknowledged_pct: (s.sent > 0).then(|| 100.0 * s.acknowledged as f64 / s.sent as f64),
        ack_status: s.statuses.clone(),
        rejected: s.rejected.clone(),
        timeouts: s.timeouts,
        client_errors: s.client_errors.clone(),
        latency: percentiles(&s.latencies_us),
        throughput_per_s: s.throughput(),
        span_s: s.span_s(),
        send_spread_ms: s.send_spread_ms(),
        first_send_unix_ms: s.first_send_unix_ms,
        last_send_unix_ms: s.last_send_unix_ms,
    }
}

#[derive(Debug, Serialize)]
pub struct SetupReport {
    pub registered: u64,
    pub logged_in_instead: u64,
    pub register_failed: BTreeMap<String, u64>,
    pub register_s: Option<f64>,
    pub connected: u64,
    pub connect_failed: BTreeMap<String, u64>,
    pub start: OpReport,
    pub prep_answers: Option<OpReport>,
    pub ready: Option<usize>,
    /// Connect + start (+ preparation answers) of everyone.
    pub connect_s: Option<f64>,
}

/// CPU time one process used during the measured phase.
#[derive(Debug, Clone, Serialize)]
pub struct CpuReport {
    pub pid: u32,
    pub name: String,
    pub cpu_s: Option<f64>,
    /// The measured phase's length: cpu_s ÷ wall_s is the cores it kept busy.
    pub wall_s: f64,
}

#[derive(Debug, Serialize)]
pub struct RssReport {
    pub pid: u32,
    pub before_kb: Option<u64>,
    pub after_connect_kb: Option<u64>,
    pub after_kb: Option<u64>,
    /// (after − before) / participants ready.
    pub per_participant_bytes: Option<f64>,
    /// With `--first-wave`: RSS once the first wave was connected, and (after − that) ÷ the
    /// participants of the second wave.
    pub after_first_wave_kb: Option<u64>,
    pub marginal_per_participant_bytes: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub scenario: &'static str,
    pub server: String,
    pub contest: String,
    pub round: i64,
    pub round_title: Option<String>,
    pub shard: String,
    pub participants_total: usize,
    pub participants_here: usize,
    pub phone_offset: Option<u64>,
    pub source_ips: Vec<String>,
    pub duration_s: Option<u64>,
    pub repeat: Option<u32>,
    pub setup: SetupReport,
    pub measured: OpReport,
    pub closed_while_waiting: u64,
    pub rss: Option<RssReport>,
    pub cpu: Vec<CpuReport>,
    pub finalize: Option<String>,
    pub db: Option<DbCheck>,
    pub db_error: Option<String>,
    pub lost: Option<u64>,
    pub wall_s: f64,
    pub aborted_by_max_seconds: bool,
    pub fatal: Option<String>,
    pub notes: Vec<String>,
    pub faults: Option<crate::faults::FaultReport>,
}

pub fn build(args: &Args, s: &Stats, p: Progress, wall: Duration, aborted: bool, fatal: Option<String>) -> Report {
    let scenario = args.scenario;
    let rss = args.server_pid.map(|pid| {
        let per = match (p.rss_before_kb, p.rss_after_kb, p.ready) {
            (Some(b), Some(a), Some(n)) if n > 0 => Some((a as f64 - b as f64) * 1024.0 / n as f64),
            _ => None,
        };
        let marginal = match (p.rss_after_first_wave_kb, p.rss_after_kb, p.first_wave_ready, p.ready) {
            (Some(w), Some(a), Some(n1), Some(n)) if n > n1 => Some((a as f64 - w as f64) * 1024.0 / (n - n1) as f64),
            _ => None,
        };
        RssReport {
            pid,
            before_kb: p.rss_before_kb,
            after_connect_kb: p.rss_after_connect_kb,
            after_kb: p.rss_after_kb,
            per_participant_bytes: per,
            after_first_wave_kb: p.rss_after_first_wave_kb,
            marginal_per_participant_bytes: marginal,
        }
    });
    let uses_duration = matches!(
        scenario,
        crate::args::Scenario::Sustained | crate::args::Scenario::Idle | crate::args::Scenario::Faults
    );
    Report {
        scenario: scenario.name(),
        server: args.server.clone(),
        contest: args.contest.clone(),
        round: args.round,
        round_title: p.round_title,
        shard: format!("{}/{}", args.shard.k, args.shard.m),
        participants_total: args.participants,
        participants_here: args.shard.range(args.participants).len(),
        phone_offset: p.phone_offset,
        source_ips: args.source_ips.iter().map(ToString::to_string).collect(),
        duration_s: uses_duration.then_some(args.duration_s),
        repeat: (scenario == crate::args::Scenario::AnswerStorm).then_some(args.repeat),
        setup: SetupReport {
            registered: s.registered,
            logged_in_instead: s.logged_in,
            register_failed: s.register_failed.clone(),
            register_s: p.register_s,
            connected: s.connected,
            connect_failed: s.connect_failed.clone(),
            start: op_report("start → snapshot", &s.start),
            prep_answers: (s.prep.sent > 0).then(|| op_report("answer → ack (untimed preparation)", &s.prep)),
            ready: p.ready,
            connect_s: p.connect_s,
        },
        measured: op_report(scenario.measured_op(), &s.measured),
        closed_while_waiting: s.closed_while_waiting,
        rss,
        cpu: p.cpu.clone(),
        finalize: p.finalize,
        lost: p.db.as_ref().map(|d| d.lost),
        db: p.db,
        db_error: p.db_error,
        wall_s: wall.as_secs_f64(),
        aborted_by_max_seconds: aborted,
        fatal,
        notes: p.notes,
        faults: p.faults,
    }
}

fn counts(m: &BTreeMap<String, u64>) -> String {
    if m.is_empty() {
        return "-".into();
    }
    m.iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join(", ")
}

fn opt(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "-".into(), |x| format!("{x:.digits$}"))
}

fn op_lines(out: &mut String, r: &OpReport) {
    let _ = writeln!(out, "  {}", r.op);
    let _ = writeln!(out, "    sent              {}", r.sent);
    let _ = writeln!(out, "    acknowledged      {} ({} %)", r.acknowledged, opt(r.acknowledged_pct, 2));
    if !r.ack_status.is_empty() {
        let _ = writeln!(out, "    ack status        {}", counts(&r.ack_status));
    }
    let _ = writeln!(out, "    rejected          {}", counts(&r.rejected));
    let _ = writeln!(out, "    timeouts          {}", r.timeouts);
    let _ = writeln!(out, "    client errors     {}", counts(&r.client_errors));
    match &r.latency {
        Some(l) => {
            let _ = writeln!(
                out,
                "    latency ms        p50 {:.1}   p95 {:.1}   p99 {:.1}   max {:.1}   (mean {:.1}, {} samples)",
                l.p50_ms, l.p95_ms, l.p99_ms, l.max_ms, l.mean_ms, l.samples
            );
        }
        None => {
            let _ = writeln!(out, "    latency ms        -");
        }
    }
    let _ = writeln!(out, "    throughput        {} /s over {} s", opt(r.throughput_per_s, 1), opt(r.span_s, 2));
    let _ = writeln!(out, "    send spread       {} ms (first → last request sent)", opt(r.send_spread_ms, 1));
}

pub fn text(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "thiluat loadtest: {}   server {}   contest {}   round {}{}",
        r.scenario,
        r.server,
        r.contest,
        r.round,
        r.round_title.as_deref().map(|t| format!(" ({t})")).unwrap_or_default()
    );
    let _ = writeln!(
        out,
        "shard {}: {} of {} participants, phone offset {}, source IPs {}",
        r.shard,
        r.participants_here,
        r.participants_total,
        r.phone_offset.map_or_else(|| "-".into(), |o| o.to_string()),
        if r.source_ips.is_empty() { "default".into() } else { r.source_ips.join(",") }
    );
    let _ = writeln!(out, "set-up (not measured)");
    let _ = writeln!(
        out,
        "  registered {} (logged in instead {}), failed: {}, in {} s",
        r.setup.registered,
        r.setup.logged_in_instead,
        counts(&r.setup.register_failed),
        opt(r.setup.register_s, 1)
    );
    let _ = writeln!(
        out,
        "  websockets connected {}, failed: {}; ready {} after {} s",
        r.setup.connected,
        counts(&r.setup.connect_failed),
        r.setup.ready.map_or_else(|| "-".into(), |n| n.to_string()),
        opt(r.setup.connect_s, 1)
    );
    op_lines(&mut out, &r.setup.start);
    if let Some(prep) = &r.setup.prep_answers {
        op_lines(&mut out, prep);
    }
    let _ = writeln!(out, "measured");
    op_lines(&mut out, &r.measured);
    let _ = writeln!(out, "  sockets closed while waiting  {}", r.closed_while_waiting);
    for c in &r.cpu {
        let cpu = c.cpu_s.map_or_else(|| "-".into(), |v| format!("{v:.2} s"));
        let _ = writeln!(out, "cpu during the measured phase: {} (pid {}) {cpu} in {:.1} s", c.name, c.pid, c.wall_s);
    }
    if let Some(rss) = &r.rss {
        let kb = |v: Option<u64>| v.map_or_else(|| "-".into(), |x| format!("{x} kB"));
        let _ = writeln!(
            out,
            "server RSS (pid {})  before {}   after connect {}   after {}   per participant {} bytes",
            rss.pid,
            kb(rss.before_kb),
            kb(rss.after_connect_kb),
            kb(rss.after_kb),
            opt(rss.per_participant_bytes, 0)
        );
        if let Some(m) = rss.marginal_per_participant_bytes {
            let _ = writeln!(
                out,
                "  after the first wave {}   marginal per participant {m:.0} bytes",
                kb(rss.after_first_wave_kb)
            );
        }
    }
    if let Some(f) = &r.finalize {
        let _ = writeln!(out, "finalize            {f}");
    }
    if let Some(d) = &r.db {
        let _ = writeln!(
            out,
            "database            lost {}  (answers {} of {}, submits {} of {}, submits with another score {}; waited {:.1} s)",
            d.lost,
            d.lost_answers,
            d.checked_answers,
            d.lost_submits,
            d.checked_submits,
            d.submits_with_other_correct,
            d.waited_s
        );
    }
    if let Some(e) = &r.db_error {
        let _ = writeln!(out, "database check failed: {e}");
    }
    let _ = writeln!(
        out,
        "wall time {:.1} s{}",
        r.wall_s,
        if r.aborted_by_max_seconds { "   (STOPPED by --max-seconds)" } else { "" }
    );
    if let Some(f) = &r.fatal {
        let _ = writeln!(out, "fatal: {f}");
    }
    if let Some(f) = &r.faults {
        let ms = |v: Option<f64>| opt(v, 1);
        let _ = writeln!(
            out,
            "faults              {:?} down at {:.1} s for {} s (up → answering {} ms); first ack {} ms after it answered again; {} acks while down; {} reconnects",
            f.fault,
            f.down_at_s,
            opt(f.down_s, 2),
            ms(f.up_to_back_ms),
            ms(f.first_ack_after_back_ms),
            f.acks_while_down,
            f.reconnects
        );
        let _ = writeln!(
            out,
            "  persister         caught up {} ms after that; stream longest {}, at the end {}",
            ms(f.caught_up_after_back_ms),
            f.stream_max.map_or_else(|| "-".into(), |v| v.to_string()),
            f.stream_at_end.map_or_else(|| "-".into(), |v| v.to_string())
        );
        let _ = writeln!(
            out,
            "  /readyz           {} polls, {}, no answer {} ({} refused), over 1 s {}, max {:.1} ms",
            f.readyz.polls,
            counts(&f.readyz.by_status),
            f.readyz.no_answer,
            f.readyz.refused,
            f.readyz.over_1s,
            f.readyz.max_ms
        );
        let kb = |v: Option<u64>| v.map_or_else(|| "-".into(), |x| format!("{x} kB"));
        let _ = writeln!(
            out,
            "  server RSS        before {}   max {}   max during outage {}   after {}",
            kb(f.rss_before_kb),
            kb(f.rss_max_kb),
            kb(f.rss_max_during_outage_kb),
            kb(f.rss_after_kb)
        );
        if let Some(u) = f.unexplained_rows {
            let _ = writeln!(out, "  unexplained rows  {u} (answers in Postgres that no sent answer explains)");
        }
        for n in &f.notes {
            let _ = writeln!(out, "  note: {n}");
        }
    }
    for n in &r.notes {
        let _ = writeln!(out, "note: {n}");
    }
    out
}

pub fn print(r: &Report, json: bool) {
    if json {
        match serde_json::to_string_pretty(r) {
            Ok(s) => println!("{s}"),
            Err(e) => eprintln!("loadtest: can't encode the report: {e}"),
        }
    } else {
        print!("{}", text(r));
    }
}
