//! Tables are read in a child process: this binary again, as the hidden `thiluat parse-file`,
//! with the file on standard input and the rows as JSON on standard output, under an address
//! space limit, a CPU limit and a wall-clock timeout. A file that a parser mishandles then
//! costs one short-lived child, never the server (which an out-of-memory kill would take with
//! every round it serves). A few children at most run at once.
//!
//! Without a parser binary (the library inside tests or fuzzing, where the running program is
//! not `thiluat`), tables are read in-process on a blocking thread: the gate's limits still
//! bound memory by the bytes that arrived.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::Semaphore;

use super::{read_table, Refusal, Table, MAX_BYTES};

/// Address space of a child (the binary's own mappings included).
pub const MEMORY_BYTES: u64 = 512 << 20;
pub const CPU_SECONDS: u64 = 20;
pub const WALL: Duration = Duration::from_secs(30);
/// JSON a child may print: the text limit, quoted and escaped, with room to spare.
const MAX_OUTPUT_BYTES: u64 = 96 << 20;
/// Children reading at once in this process; more uploads wait for a slot (up to `WALL`).
const SLOTS: usize = 2;

static PARSER: OnceLock<PathBuf> = OnceLock::new();
static RUNNING: Semaphore = Semaphore::const_new(SLOTS);

/// Reads tables in children of `binary` (a `thiluat` executable) from now on.
pub fn use_parser_binary(binary: PathBuf) {
    let _ = PARSER.set(binary);
}

/// A table from an uploaded file, read through the gate in a child process.
pub async fn table(bytes: actix_web::web::Bytes) -> Result<Table, Refusal> {
    let Some(binary) = PARSER.get() else {
        return tokio::task::spawn_blocking(move || read_table(&bytes)).await.unwrap_or_else(|_| Err(crashed()));
    };
    let Ok(Ok(_slot)) = tokio::time::timeout(WALL, RUNNING.acquire()).await else {
        return Err(busy());
    };
    match tokio::time::timeout(WALL, run_child(binary, bytes)).await {
        Ok(result) => result,
        Err(_) => Err(too_slow()),
    }
}

/// A table from a file on disk (`thiluat contest import`), read no further than the limit.
pub async fn table_from_file(path: &Path) -> anyhow::Result<Result<Table, Refusal>> {
    use anyhow::Context;
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_BYTES as u64 + 1).read_to_end(&mut bytes))
        .with_context(|| format!("reading {}", path.display()))?;
    if bytes.len() > MAX_BYTES {
        return Ok(Err(Refusal::too_large()));
    }
    Ok(table(bytes.into()).await)
}

async fn run_child(binary: &Path, bytes: actix_web::web::Bytes) -> Result<Table, Refusal> {
    let mut command = tokio::process::Command::new(binary);
    command
        .arg("parse-file")
        .env_clear()
        // mimalloc reserves 1 GiB arenas by default; a small reserve fits the address limit.
        .env("MIMALLOC_ARENA_RESERVE", "16MiB")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true);
    // SAFETY: between fork and exec the closure only calls setrlimit, which is
    // async-signal-safe, and allocates nothing.
    unsafe {
        command.pre_exec(limit_child);
    }
    let mut child = command.spawn().map_err(|e| {
        tracing::error!(error = %e, "cannot start the file parser");
        crashed()
    })?;
    let mut stdin = child.stdin.take().ok_or_else(crashed)?;
    let stdout = child.stdout.take().ok_or_else(crashed)?;
    let feed = async move {
        // A child that stops reading (refused early, or killed) closes the pipe: not an error here.
        let _ = stdin.write_all(&bytes).await;
        drop(stdin);
    };
    let mut output = Vec::new();
    let mut limited = stdout.take(MAX_OUTPUT_BYTES + 1);
    let read = limited.read_to_end(&mut output);
    let (_, read) = tokio::join!(feed, read);
    let status = child.wait().await.map_err(|_| crashed())?;
    if read.is_err() || output.len() as u64 > MAX_OUTPUT_BYTES || !status.success() {
        use std::os::unix::process::ExitStatusExt;
        tracing::warn!(status = ?status.code(), signal = ?status.signal(), "the file parser failed");
        return Err(match status.signal() {
            Some(libc::SIGXCPU) | Some(libc::SIGKILL) => too_slow(),
            _ => out_of_memory(),
        });
    }
    serde_json::from_slice::<Result<Table, Refusal>>(&output).unwrap_or_else(|_| Err(crashed()))
}

fn limit_child() -> std::io::Result<()> {
    let set = |resource, soft: u64, hard: u64| {
        let limit = libc::rlimit { rlim_cur: soft as libc::rlim_t, rlim_max: hard as libc::rlim_t };
        // SAFETY: a plain system call on a valid struct.
        if unsafe { libc::setrlimit(resource, &limit) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    };
    set(libc::RLIMIT_AS, MEMORY_BYTES, MEMORY_BYTES)?;
    set(libc::RLIMIT_CPU, CPU_SECONDS, CPU_SECONDS + 1)?;
    // The child writes no file and starts no process.
    set(libc::RLIMIT_FSIZE, 0, 0)?;
    set(libc::RLIMIT_CORE, 0, 0)?;
    Ok(())
}

/// `thiluat parse-file`: the file on standard input, `{"Ok": rows}` or `{"Err": refusal}` on
/// standard output.
pub fn child_main() -> std::process::ExitCode {
    let mut bytes = Vec::new();
    if std::io::stdin().lock().take(MAX_BYTES as u64 + 1).read_to_end(&mut bytes).is_err() {
        return std::process::ExitCode::FAILURE;
    }
    let result = std::panic::catch_unwind(|| read_table(&bytes)).unwrap_or_else(|_| Err(crashed()));
    let mut out = std::io::stdout().lock();
    match serde_json::to_writer(&mut out, &result).and_then(|_| out.flush().map_err(serde_json::Error::io)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(_) => std::process::ExitCode::FAILURE,
    }
}

pub fn busy() -> Refusal {
    Refusal::new(
        "busy",
        "Máy chủ đang đọc nhiều tệp khác, vui lòng thử lại sau ít phút.",
        "The server is reading other files; please try again in a few minutes.",
    )
}

fn crashed() -> Refusal {
    Refusal::new(
        "format",
        "Không đọc được tệp: nội dung không nhất quán.",
        "The file cannot be read: its contents are inconsistent.",
    )
}

fn out_of_memory() -> Refusal {
    let mib = MEMORY_BYTES >> 20;
    Refusal::new(
        "memory",
        format!("Đọc tệp này cần nhiều hơn giới hạn bộ nhớ {mib} MiB."),
        format!("Reading this file needs more than the memory limit of {mib} MiB."),
    )
}

fn too_slow() -> Refusal {
    let s = WALL.as_secs();
    Refusal::new(
        "time",
        format!("Đọc tệp này mất quá giới hạn thời gian {s} giây."),
        format!("Reading this file takes longer than the time limit of {s} seconds."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stand-in parser (a script) run the way the server runs `thiluat parse-file`.
    fn script(name: &str, body: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = std::env::temp_dir().join(format!("thiluat-{name}-{}.sh", std::process::id()));
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("script");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        path
    }

    /// A parser that needs more memory than the child's budget fails alone, and the upload
    /// gets the memory refusal. (The 1 GiB is asked of the allocator, not touched: without the
    /// limit it would succeed, print nothing and be refused as unreadable instead.)
    #[actix_web::test]
    async fn a_child_over_its_memory_budget_is_refused_by_name() {
        let python = std::process::Command::new("python3")
            .args(["-c", "import sys; print(sys.executable)"])
            .output()
            .expect("python3 runs");
        let python = String::from_utf8(python.stdout).expect("path");
        let greedy = script("greedy", &format!("exec {} -c 'bytearray(1 << 30)'", python.trim()));
        let refusal = run_child(&greedy, actix_web::web::Bytes::from_static(b"a,b\n")).await.expect_err("refused");
        assert_eq!(refusal.limit, "memory", "{refusal:?}");
        assert!(refusal.vi.contains("512 MiB") && refusal.en.contains("512 MiB"), "{refusal:?}");
        // The same script within its budget: prints no rows, so "cannot be read", not memory.
        let modest = script("modest", &format!("exec {} -c 'bytearray(1 << 20)'", python.trim()));
        let refusal = run_child(&modest, actix_web::web::Bytes::from_static(b"a,b\n")).await.expect_err("refused");
        assert_eq!(refusal.limit, "format", "{refusal:?}");
        let _ = (std::fs::remove_file(greedy), std::fs::remove_file(modest));
    }
}
