//! A PostgreSQL cluster of a test's own (initdb in a temporary folder, a free port), for
//! tests that stop and start Postgres: the shared server must stay up for everyone else.

use std::path::{Path, PathBuf};
use std::process::Command;

use sqlx::{Connection, Executor, PgConnection};

pub struct OwnPostgres {
    bindir: PathBuf,
    dir: PathBuf,
    port: u16,
}

/// The newest /usr/lib/postgresql/N/bin with initdb and pg_ctl (as scripts/lib/services.sh).
fn server_bindir() -> Option<PathBuf> {
    let mut dirs: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| {
            let e = e.ok()?;
            let version = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            (bin.join("initdb").exists() && bin.join("pg_ctl").exists()).then_some((version, bin))
        })
        .collect();
    dirs.sort();
    dirs.pop().map(|(_, bin)| bin)
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find_map(|l| l.strip_prefix("Uid:").map(|u| u.split_whitespace().next() == Some("0"))))
        .unwrap_or(false)
}

impl OwnPostgres {
    /// None when this machine has no PostgreSQL server binaries.
    pub async fn launch() -> Option<Self> {
        let bindir = server_bindir()?;
        let dir = std::env::temp_dir().join(format!("thiluat-pg-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("dir");
        if is_root() {
            // initdb refuses root: the cluster belongs to the postgres system user.
            let ok = Command::new("chown").arg("postgres:postgres").arg(&dir).status().expect("chown").success();
            assert!(ok, "chown postgres {dir:?}");
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
        let me = Self { bindir, dir, port };
        let data = me.data();
        let out = me
            .as_pg("initdb")
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale"])
            .output()
            .expect("initdb runs");
        assert!(out.status.success(), "initdb: {}", String::from_utf8_lossy(&out.stderr));
        me.start();
        Some(me)
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn as_pg(&self, program: &str) -> Command {
        let program = self.bindir.join(program);
        if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program).current_dir(Path::new("/"));
            c
        } else {
            Command::new(program)
        }
    }

    fn pg_ctl(&self, args: &[&str]) {
        let out = self.as_pg("pg_ctl").arg("-D").arg(self.data()).args(args).output().expect("pg_ctl runs");
        assert!(out.status.success(), "pg_ctl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// Starts it (waits until it accepts connections).
    pub fn start(&self) {
        let options = format!("-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off", self.port, self.dir.display());
        let log = self.dir.join("postgres.log");
        self.pg_ctl(&["-l", log.to_str().expect("path"), "-w", "-t", "60", "-o", &options, "start"]);
    }

    /// Stops it at once (`immediate`: no checkpoint, as in a crash).
    pub fn stop(&self) {
        self.pg_ctl(&["-m", "immediate", "-w", "stop"]);
    }

    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// A database with the migrations and the test contest; its URL.
    pub async fn database(&self) -> String {
        let mut admin = PgConnection::connect(&self.url("postgres")).await.expect("private Postgres");
        admin.execute("CREATE DATABASE thiluat").await.expect("create database");
        let url = self.url("thiluat");
        let pool = sqlx::PgPool::connect(&url).await.expect("connect");
        thiluat::store::pg::migrate(&pool).await.expect("migrate");
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/contest.toml");
        thiluat::import::import(&pool, &fixture, Some(chrono::Utc::now())).await.expect("import test contest");
        pool.close().await;
        url
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        let _ = self.as_pg("pg_ctl").arg("-D").arg(self.data()).args(["-m", "immediate", "stop"]).output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
