//! thiluat load test: plays N participants against a running server on this machine and
//! reports what happened. See `loadtest --help` and BENCHMARKS.md.

mod args;
mod db;
mod faults;
mod participant;
mod report;
mod setup;
mod stats;

use std::process::ExitCode;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use clap::Parser;
use rand::RngExt;
use tokio::sync::{mpsc, watch, Semaphore};

use crate::args::{loopback_target, Args, Scenario, Target, PHONE_SPACE};
use crate::participant::{Ctx, Event};
use crate::report::Progress;
use crate::stats::Shared;

fn main() -> ExitCode {
    let args = Args::parse();
    let target = match loopback_target(&args.server) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("loadtest: {e}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = args.validate(&target) {
        eprintln!("loadtest: {e}");
        return ExitCode::from(2);
    }
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = args.threads {
        builder.worker_threads(n.max(1));
    }
    let runtime = match builder.enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("loadtest: starting the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(bounded(args, target));
    // Don't wait for thousands of participant tasks to wind down.
    runtime.shutdown_timeout(Duration::from_secs(2));
    code
}

/// Runs the whole program under the --max-seconds limit, then reports whatever was collected.
async fn bounded(args: Args, target: Target) -> ExitCode {
    let started = Instant::now();
    let stats = Arc::new(Shared::default());
    let progress = Arc::new(Mutex::new(Progress::default()));
    let limit = Duration::from_secs(args.max_seconds);
    let outcome = tokio::select! {
        r = run(&args, &target, stats.clone(), progress.clone()) => Some(r),
        _ = tokio::time::sleep(limit) => None,
    };
    let (code, aborted, fatal) = match outcome {
        Some(Ok(())) => (ExitCode::SUCCESS, false, None),
        Some(Err(e)) => (ExitCode::FAILURE, false, Some(e)),
        None => (ExitCode::from(3), true, None),
    };
    if let Some(e) = &fatal {
        eprintln!("loadtest: {e}");
    }
    if aborted {
        eprintln!("loadtest: stopped after --max-seconds {}: reporting what was collected", args.max_seconds);
    }
    if let Some(path) = &args.samples_out {
        let mut text = String::new();
        for us in &stats.lock().measured.latencies_us {
            text.push_str(&us.to_string());
            text.push('\n');
        }
        if let Err(e) = std::fs::write(path, text) {
            eprintln!("loadtest: writing {}: {e}", path.display());
        }
    }
    let progress = report::take(&progress);
    let report = report::build(&args, &stats.lock(), progress, started.elapsed(), aborted, fatal);
    report::print(&report, args.json);
    code
}

fn say(msg: impl AsRef<str>) {
    eprintln!("• {}", msg.as_ref());
}

pub(crate) fn rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

/// utime + stime of a process, in clock ticks.
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

fn process_name(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm")).map(|s| s.trim().to_string()).unwrap_or_default()
}

/// Linux reports process times in USER_HZ, 100 on every architecture it runs on here.
fn clock_ticks_per_s() -> f64 {
    100.0
}

fn with_progress(progress: &Mutex<Progress>, f: impl FnOnce(&mut Progress)) {
    f(&mut progress.lock().unwrap_or_else(|p| p.into_inner()));
}

/// Waits for `count` participants to report ready (or failed); returns how many are ready.
async fn wait_ready(events: &mut mpsc::UnboundedReceiver<Event>, count: usize) -> usize {
    let (mut ready, mut answered) = (0, 0);
    while answered < count {
        match events.recv().await {
            Some(Event::Ready(ok)) => {
                answered += 1;
                ready += usize::from(ok);
            }
            Some(Event::Done { .. }) => {}
            None => break,
        }
    }
    ready
}

/// Waits for `count` events of the current phase; returns how many stay alive.
async fn collect_done(events: &mut mpsc::UnboundedReceiver<Event>, count: usize) -> usize {
    let mut alive = 0;
    let mut seen = 0;
    while seen < count {
        match events.recv().await {
            Some(Event::Done { alive: a }) => {
                seen += 1;
                alive += usize::from(a);
            }
            Some(Event::Ready(_)) => {}
            None => break,
        }
    }
    alive
}

async fn run(args: &Args, target: &Target, stats: Arc<Shared>, progress: Arc<Mutex<Progress>>) -> Result<(), String> {
    let clients = setup::clients(&args.source_ips, args.http_concurrency)?;
    let info = setup::contest_info(&clients[0], &target.base, &args.contest, args.round).await?;
    let now_ms = stats::unix_ms() as i64;
    if info.round.closes_at_ms != 0 && info.round.closes_at_ms < now_ms {
        with_progress(&progress, |p| p.notes.push(format!("round {} closed already", info.round.id)));
    }
    let indices = args.shard.range(args.participants);
    let offset =
        args.phone_offset.unwrap_or_else(|| rand::rng().random_range(0..=PHONE_SPACE - args.participants as u64));
    with_progress(&progress, |p| {
        p.phone_offset = Some(offset);
        p.round_title = Some(info.round.title.clone());
        p.attempt_limit = info.round.attempt_limit;
        p.questions_per_attempt = info.round.questions_per_attempt;
    });
    say(format!(
        "{}: registering {} participants (indices {}…{}, phones 09{:08}…), {} in flight",
        args.scenario.name(),
        indices.len(),
        indices.start,
        indices.end.saturating_sub(1),
        offset + indices.start as u64,
        args.http_concurrency
    ));
    let t = Instant::now();
    let info = Arc::new(info);
    let tokens = setup::register_all(
        setup::Registration {
            clients: &clients,
            base: &target.base,
            slug: &args.contest,
            info: info.clone(),
            stats: stats.clone(),
            offset,
            concurrency: args.http_concurrency,
        },
        indices.clone(),
    )
    .await;
    drop(clients);
    let register_s = t.elapsed().as_secs_f64();
    with_progress(&progress, |p| p.register_s = Some(register_s));
    say(format!("{} tokens in {register_s:.1} s", tokens.len()));

    if let Some(pid) = args.server_pid {
        let kb = rss_kb(pid).ok_or_else(|| format!("can't read VmRSS of --server-pid {pid}"))?;
        with_progress(&progress, |p| p.rss_before_kb = Some(kb));
        say(format!("server RSS before connecting: {kb} kB"));
    }

    let ctx = Arc::new(Ctx {
        target: target.clone(),
        round: args.round,
        scenario: args.scenario,
        repeat: args.repeat,
        source_ips: args.source_ips.clone(),
        stats: stats.clone(),
        connect_sem: Semaphore::new(args.connect_concurrency),
        reply_timeout: Duration::from_secs(args.timeout_s),
        sustained_end: OnceLock::new(),
        answer_interval: Duration::from_millis(args.answer_interval_ms),
    });
    let (go_tx, go_rx) = watch::channel(0u32);
    let (ev_tx, mut events) = mpsc::unbounded_channel();
    let t = Instant::now();
    let total = tokens.len();
    let first_wave = match (args.scenario, args.first_wave) {
        (Scenario::Idle, Some(n)) if n < total => n,
        _ => total,
    };
    let mut tokens = tokens.into_iter();
    for (idx, token) in tokens.by_ref().take(first_wave) {
        tokio::spawn(participant::run(ctx.clone(), idx, token, go_rx.clone(), ev_tx.clone()));
    }
    let mut ready = wait_ready(&mut events, first_wave).await;
    if first_wave < total {
        // Let the first wave's start-up garbage settle before the reading.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let kb = args.server_pid.and_then(rss_kb);
        with_progress(&progress, |p| {
            p.first_wave_ready = Some(ready);
            p.rss_after_first_wave_kb = kb;
        });
        say(format!("first wave: {ready} of {first_wave} ready, server RSS {kb:?} kB"));
        for (idx, token) in tokens {
            tokio::spawn(participant::run(ctx.clone(), idx, token, go_rx.clone(), ev_tx.clone()));
        }
        ready += wait_ready(&mut events, total - first_wave).await;
    }
    drop(ev_tx);
    drop(go_rx);
    let connect_s = t.elapsed().as_secs_f64();
    with_progress(&progress, |p| {
        p.ready = Some(ready);
        p.connect_s = Some(connect_s);
    });
    say(format!("{ready} of {total} participants connected and started in {connect_s:.1} s"));
    if let Some(pid) = args.server_pid {
        let kb = rss_kb(pid);
        with_progress(&progress, |p| p.rss_after_connect_kb = kb);
    }

    if let Some(at) = args.go_at {
        let now = stats::unix_ms() as f64 / 1000.0;
        if at > now {
            say(format!("waiting {:.1} s for --go-at", at - now));
            tokio::time::sleep(Duration::from_secs_f64(at - now)).await;
        } else {
            let late = format!("set-up ended {:.1} s after --go-at: started at once", now - at);
            say(&late);
            with_progress(&progress, |p| p.notes.push(late));
        }
    }

    let cpu_before: Vec<Option<u64>> = args.cpu_pids.iter().map(|&p| cpu_ticks(p)).collect();
    let measured_from = Instant::now();
    match args.scenario {
        Scenario::DeadlineBurst => {
            say(format!("go: {ready} submits"));
            let _ = go_tx.send(1);
            collect_done(&mut events, ready).await;
        }
        Scenario::AnswerStorm => {
            let mut alive = ready;
            for r in 1..=args.repeat {
                say(format!("go {r}/{}: {alive} answers", args.repeat));
                let _ = go_tx.send(r);
                alive = collect_done(&mut events, alive).await;
            }
        }
        Scenario::Sustained => {
            let _ = ctx.sustained_end.set(Instant::now() + Duration::from_secs(args.duration_s));
            say(format!("go: {ready} participants answer for {} s", args.duration_s));
            let _ = go_tx.send(1);
            collect_done(&mut events, ready).await;
        }
        Scenario::Faults => {
            let end = Instant::now() + Duration::from_secs(args.duration_s);
            let _ = ctx.sustained_end.set(end);
            say(format!(
                "go: {ready} participants answer every {} ms for {} s; {:?} down after {} s for {} s",
                args.answer_interval_ms, args.duration_s, args.fault, args.fault_after_s, args.outage_s
            ));
            let _ = go_tx.send(1);
            let plan = faults::Plan {
                down_cmd: args.fault_down_cmd.clone().unwrap_or_default(),
                up_cmd: args.fault_up_cmd.clone().unwrap_or_default(),
                after: Duration::from_secs(args.fault_after_s),
                outage: Duration::from_secs(args.outage_s),
                kind: args.fault,
                redis: args.redis_addr,
                stream_key: format!("{}{{round:{}}}:events", args.redis_key_prefix, args.round),
                readyz_url: format!("{}/readyz", target.base),
                pg_url: args.check_db.clone(),
                server_pid: args.server_pid,
                end,
            };
            let report = faults::run(plan, stats.clone()).await;
            collect_done(&mut events, ready).await;
            with_progress(&progress, |p| p.faults = Some(report));
        }
        Scenario::Idle => {
            say(format!("holding {ready} idle connections for {} s", args.duration_s));
            tokio::time::sleep(Duration::from_secs(args.duration_s)).await;
            if let Some(pid) = args.server_pid {
                let kb = rss_kb(pid);
                with_progress(&progress, |p| p.rss_after_kb = kb);
            }
            let _ = go_tx.send(1);
            collect_done(&mut events, ready).await;
        }
    }
    if args.scenario != Scenario::Idle {
        if let Some(pid) = args.server_pid {
            let kb = rss_kb(pid);
            with_progress(&progress, |p| p.rss_after_kb = kb);
        }
    }
    let measured_s = measured_from.elapsed().as_secs_f64();
    let cpu: Vec<report::CpuReport> = args
        .cpu_pids
        .iter()
        .zip(cpu_before)
        .map(|(&pid, before)| report::CpuReport {
            pid,
            name: process_name(pid),
            cpu_s: before.zip(cpu_ticks(pid)).map(|(b, a)| (a.saturating_sub(b)) as f64 / clock_ticks_per_s()),
            wall_s: measured_s,
        })
        .collect();
    with_progress(&progress, |p| p.cpu = cpu);
    say("measured phase over");

    if let Some(bin) = &args.finalize_bin {
        say(format!("running {} finalize {}", bin.display(), args.round));
        let out = tokio::process::Command::new(bin).arg("finalize").arg(args.round.to_string()).output().await;
        let line = match out {
            Ok(o) => {
                let err = String::from_utf8_lossy(&o.stderr);
                let tail: Vec<&str> = err.lines().rev().take(3).collect();
                format!("{} ({})", o.status, tail.into_iter().rev().collect::<Vec<_>>().join(" | "))
            }
            Err(e) => format!("could not run: {e}"),
        };
        with_progress(&progress, |p| p.finalize = Some(line));
    }
    if let Some(url) = &args.check_db {
        if let Some(at) = args.go_at {
            let wait = at + args.check_db_after_s as f64 - stats::unix_ms() as f64 / 1000.0;
            if wait > 0.0 {
                tokio::time::sleep(Duration::from_secs_f64(wait)).await;
            }
        }
        let (answers, results) = {
            let s = stats.lock();
            (s.saved_answers.clone(), s.results.clone())
        };
        say(format!(
            "checking {} acknowledged answers and {} submits in Postgres (waiting up to {} s)",
            answers.len(),
            results.len(),
            args.check_db_wait_s
        ));
        let check = db::check(url, &answers, &results, Duration::from_secs(args.check_db_wait_s)).await;
        with_progress(&progress, |p| match check {
            Ok(c) => p.db = Some(c),
            Err(e) => p.db_error = Some(e),
        });
        if args.scenario == Scenario::Faults {
            let sent = stats.lock().sent_answers.clone();
            let extra = db::unexplained(url, &sent).await;
            with_progress(&progress, |p| match (extra, p.faults.as_mut()) {
                (Ok(n), Some(f)) => f.unexplained_rows = Some(n),
                (Err(e), _) => p.db_error = Some(e),
                _ => {}
            });
        }
    }
    Ok(())
}
