//! A `thiluat serve` process of its own (the real binary), sharing a test app's Postgres,
//! Redis and secret: a second node, or a server whose process can be watched (its PID, its
//! memory) while hostile input arrives.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::helpers::{redis_url, Shared};

pub struct ServerProcess {
    pub child: Child,
    pub port: u16,
}

impl ServerProcess {
    /// Starts it with `workers` HTTP workers and `tune` applied to the command (extra
    /// environment, resource limits), and waits until /healthz answers.
    pub async fn start_with(shared: &Shared, workers: u16, tune: impl FnOnce(&mut Command)) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_thiluat"));
        cmd.arg("serve")
            .env("DATABASE_URL", &shared.db_url)
            .env("REDIS_URL", redis_url())
            .env("THILUAT_REDIS_KEY_PREFIX", &shared.redis_prefix)
            .env("THILUAT_SECRET", &shared.secret)
            .env("THILUAT_HTTP_BIND", format!("127.0.0.1:{port}"))
            .env("THILUAT_HTTP_WORKERS", workers.to_string())
            .env("THILUAT_JOBS_ENABLED", "false")
            .env("THILUAT_DATABASE_MAX_CONNECTIONS", (2 * workers).to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if std::env::var("REDIS_URL").is_err() {
            cmd.env("THILUAT_REDIS_UNSAFE_DURABILITY", "true");
        }
        tune(&mut cmd);
        let server = ServerProcess { child: cmd.spawn().expect("thiluat serve starts"), port };
        for _ in 0..400 {
            if let Ok(res) = awc::Client::default().get(server.url("/healthz")).send().await {
                if res.status().is_success() {
                    return server;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("thiluat serve did not come up on port {port}");
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
