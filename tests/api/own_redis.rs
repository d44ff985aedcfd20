//! A redis-server of a test's own, on a free port, for tests that kill and restart Redis
//! (the shared test Redis must stay up for everyone else).

use std::process::{Child, Command};
use std::time::Duration;

pub struct OwnRedis {
    child: Option<Child>,
    port: u16,
    dir: std::path::PathBuf,
    fsync: &'static str,
}

impl OwnRedis {
    fn start(dir: &std::path::Path, port: u16, fsync: &str) -> Child {
        let bin = std::env::var("REDIS_SERVER_BIN").unwrap_or_else(|_| "redis-server".into());
        Command::new(bin)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes"])
            .args(["--appendfsync", fsync, "--dir"])
            .arg(dir)
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server starts")
    }

    pub async fn launch(fsync: &'static str) -> Self {
        let dir = std::env::temp_dir().join(format!("thiluat-redis-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("dir");
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
        let child = Self::start(&dir, port, fsync);
        let me = Self { child: Some(child), port, dir, fsync };
        me.wait_ready().await;
        me
    }

    /// Waits until this Redis answers PING (5 s at most).
    pub async fn wait_ready(&self) {
        for _ in 0..100 {
            if let Ok(client) = redis::Client::open(self.url()) {
                if let Ok(mut c) = client.get_multiplexed_async_connection().await {
                    if redis::cmd("PING").query_async::<String>(&mut c).await.is_ok() {
                        return;
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("redis did not start");
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// SIGKILL (what `Child::kill` sends), as in a crash.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("SIGKILL");
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port and files, and waits until it answers.
    pub async fn restart(&mut self) {
        assert!(self.child.is_none(), "kill it first");
        self.child = Some(Self::start(&self.dir, self.port, self.fsync));
        self.wait_ready().await;
    }

    /// SIGSTOP (`resume`: SIGCONT): Redis hangs with its sockets open, as behind a network
    /// that drops packets, so nothing tells the clients it is gone but time.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, which: &str) {
        let pid = self.child.as_ref().expect("running").id().to_string();
        let status = Command::new("kill").args([which, &pid]).status().expect("kill runs");
        assert!(status.success(), "kill {which} {pid}");
    }

    pub async fn kill_and_restart(&mut self) {
        self.kill();
        self.restart().await;
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
