//! The application: a server bound to a port (0 in tests) with its jobs.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::{middleware, web, App, HttpServer};
use anyhow::Context;
use tokio::task::JoinHandle;

use crate::config::Config;
use crate::crypto::Keys;
use crate::http::{self, AppState};
use crate::metrics::Metrics;
use crate::play::Play;
use crate::store::{pg, RedisStore};

pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
    jobs: Vec<JoinHandle<()>>,
}

impl Application {
    pub async fn build(config: &Config) -> anyhow::Result<Self> {
        config.validate()?;
        let keys = Keys::from_master(&config.master_secret()?);
        let pg = pg::connect(&config.database).await?;
        let mut redis = RedisStore::connect(&config.redis).await?;
        if config.redis.per_thread_connections {
            redis = redis.with_per_thread_connections();
        }
        let play = Play::new(pg.clone(), redis.clone());
        let metrics = Metrics::new();
        let sessions = crate::auth::SessionStore::new(redis.manager(), redis.prefix());
        let throttle = crate::auth::Throttle::new(redis.manager(), redis.prefix());
        let pow = crate::pow::Pow::new(config.pow.clone(), keys.clone(), redis.manager(), redis.prefix());
        let listener = TcpListener::bind(&config.http.bind).with_context(|| format!("binding {}", config.http.bind))?;
        let public_url = public_url(config.http.public_url.as_deref(), listener.local_addr()?);
        let state = web::Data::new(AppState {
            pg: pg.clone(),
            redis,
            play: play.clone(),
            keys,
            metrics: metrics.clone(),
            sessions,
            throttle,
            hasher: crate::auth::PasswordHasher::default(),
            allowed_origins: config.http.allowed_origins.clone(),
            limiters: crate::limits::Limiters::configured(
                config.http.register_per_address_per_minute,
                config.http.ws_messages_per_minute,
            ),
            pow,
            ws_timing: crate::http::WsTiming {
                heartbeat: std::time::Duration::from_secs(config.http.ws_heartbeat_s.max(1)),
                idle_timeout: std::time::Duration::from_secs(config.http.ws_idle_timeout_s.max(1)),
            },
            revocations: crate::privacy::revoke::Revocations::new(),
            trusted_proxies: config.http.trusted_proxies.clone(),
            public_url,
            metrics_token: config.http.metrics_token.clone(),
        });
        let port = listener.local_addr()?.port();
        let data = state.clone();
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .wrap(middleware::Compress::default())
                .wrap_fn(crate::ws::connection::no_compression_on_upgrade)
                .wrap(crate::http::security_headers())
                .wrap_fn(crate::http::hsts)
                .wrap_fn(crate::http::policy::no_store)
                .wrap_fn(crate::http::policy::head_as_get)
                .route("/ws", web::get().to(crate::ws::route))
                .configure(http::routes)
        })
        .backlog(4096)
        .max_connection_rate(4096)
        .listen(listener)?;
        if let Some(workers) = config.http.workers {
            server = server.workers(workers);
        }
        let server = server.disable_signals().run();
        let mut jobs =
            if config.jobs.enabled { crate::jobs::spawn(pg, play, metrics, config.jobs.clone()) } else { Vec::new() };
        jobs.push(state.revocations.clone().listen(state.redis.clone()));
        // In-process limiters forget recovered keys every minute (by default), on every node.
        let housekept = state.clone();
        let every = std::time::Duration::from_secs(config.http.limits_housekeeping_s.max(1));
        jobs.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                housekept.limiters.housekeeping();
                housekept.pow.housekeeping();
            }
        }));
        Ok(Self { port, server, state, jobs })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// Serves until the process gets Ctrl-C or SIGTERM (or the server stops).
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let handle = self.server.handle();
        let server = self.server;
        let result = tokio::select! {
            r = server => r.context("server failed"),
            _ = shutdown_signal() => {
                tracing::info!("shutting down");
                handle.stop(true).await;
                Ok(())
            }
        };
        for job in self.jobs {
            job.abort();
        }
        result
    }

    /// Runs the server in the background (tests); dropping the returned handle's jobs stops them.
    pub fn spawn(self) -> (u16, web::Data<AppState>, RunningApp) {
        let port = self.port;
        let state = self.state.clone();
        let handle = self.server.handle();
        let server = tokio::spawn(self.server);
        (port, state, RunningApp { handle, server: Some(server), jobs: self.jobs })
    }
}

/// A server started by `Application::spawn`.
pub struct RunningApp {
    handle: actix_web::dev::ServerHandle,
    server: Option<JoinHandle<std::io::Result<()>>>,
    jobs: Vec<JoinHandle<()>>,
}

impl RunningApp {
    pub async fn stop(mut self) {
        for job in &self.jobs {
            job.abort();
        }
        self.handle.stop(false).await;
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }
}

impl Drop for RunningApp {
    fn drop(&mut self) {
        for job in &self.jobs {
            job.abort();
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = ctrl_c.await;
                return;
            }
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

/// The base of every public link the server writes (QR posters, link previews): the
/// configured one, else this listener's own address, never a request's `Host` or
/// `X-Forwarded-*` (a forged header would put another site's address on a poster).
fn public_url(configured: Option<&str>, bound: std::net::SocketAddr) -> String {
    if let Some(url) = configured.map(|u| u.trim_end_matches('/')).filter(|u| !u.is_empty()) {
        return url.to_string();
    }
    let mut addr = bound;
    if addr.ip().is_unspecified() {
        tracing::warn!("THILUAT_HTTP_PUBLIC_URL is not set: public links will name 127.0.0.1");
        addr.set_ip(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));
    }
    format!("http://{addr}")
}
