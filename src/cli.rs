//! `thiluat` subcommands. `main` stays thin: parse, load config, run.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::play::Play;
use crate::startup::Application;
use crate::store::{pg, RedisStore};

#[derive(Parser)]
#[command(name = "thiluat", version, about = "Online legal-knowledge contests for Vietnamese provinces")]
struct Cli {
    /// TOML configuration file (environment variables override it).
    #[arg(long, global = true, env = "THILUAT_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API, the websocket and the phone app, and run the background jobs.
    Serve {
        /// Run even if Redis can lose acknowledged answers in a crash (reported in /readyz).
        #[arg(long)]
        unsafe_durability: bool,
    },
    /// Apply database migrations.
    Migrate,
    /// Migrate, import the demo contest (rounds moved to this week) unless present, and serve.
    Demo {
        #[arg(long)]
        bind: Option<String>,
        /// The contest definition to use.
        #[arg(long, default_value = "demo/contest.toml")]
        file: PathBuf,
    },
    /// Contest administration.
    Contest {
        #[command(subcommand)]
        command: ContestCommand,
    },
    /// Finalise a round: auto-submit, persist, rank. Safe to re-run.
    Finalize { round: i64 },
    /// Recompute a round from Postgres and compare with Redis; exits 1 on any difference.
    Verify { round: i64 },
    /// Personal-data retention (Law 91/2025/QH15).
    Retention {
        #[command(subcommand)]
        command: RetentionCommand,
    },
    /// Organiser accounts.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Internal: reads one uploaded table (CSV or XLSX) from standard input through the input
    /// gate and prints its rows as JSON. The server runs it as a child with resource limits.
    #[command(hide = true)]
    ParseFile,
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an organisation (if new) and its first admin. The password comes from
    /// THILUAT_ADMIN_PASSWORD or, when unset, the first line of standard input. It is a
    /// one-time password: the admin must change it at the first login, and it expires after
    /// 72 hours (unless --permanent).
    Create {
        #[arg(long)]
        org_slug: String,
        #[arg(long)]
        org_name: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// The password is the admin's own (an operator creating their own account, a demo,
        /// an automated set-up): no change at first login, no expiry.
        #[arg(long)]
        permanent: bool,
    },
}

#[derive(Subcommand)]
enum RetentionCommand {
    /// Anonymise the participants of every contest whose retention (days after its last
    /// round closes) has ended. Idempotent; each contest anonymised is audited.
    Run {
        /// List what would be anonymised and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
enum ContestCommand {
    /// Import a contest definition (TOML) and its question bank (CSV or XLSX).
    Import {
        file: PathBuf,
        /// Move the rounds so the first opens this Monday (Asia/Ho_Chi_Minh).
        #[arg(long)]
        rebase_to_now: bool,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if matches!(cli.command, Command::ParseFile) {
        return crate::upload::isolate::child_main();
    }
    // Uploaded and imported tables are read by children of this very binary.
    if let Ok(me) = std::env::current_exe() {
        crate::upload::use_parser_binary(me);
    }
    let config = match Config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    };
    crate::telemetry::init(config.log_format);
    let result = actix_web::rt::System::new().block_on(run(cli.command, config));
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, mut config: Config) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve { unsafe_durability } => {
            config.redis.unsafe_durability |= unsafe_durability;
            let app = Application::build(&config).await?;
            tracing::info!(http.port = app.port(), durability = %app.state().redis.durability().label(), "serving");
            app.run_until_stopped().await?;
        }
        Command::Migrate => {
            let pool = pg::connect(&config.database).await?;
            pg::migrate(&pool).await?;
            println!("migrations applied");
        }
        Command::Demo { bind, file } => {
            if let Some(bind) = bind {
                config.http.bind = bind;
            }
            let pool = pg::connect(&config.database).await?;
            pg::migrate(&pool).await?;
            let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            let def = crate::contest::ContestDefinition::parse(&text)?;
            let slug = def.slug.clone();
            if pg::contest_by_slug(&pool, &slug).await?.is_none() {
                let imported = crate::import::import(&pool, &file, Some(chrono::Utc::now())).await?;
                println!(
                    "imported the demo contest: {} questions, {} units, rounds {:?}",
                    imported.questions, imported.units, imported.round_ids
                );
            }
            let app = Application::build(&config).await?;
            let base = config.http.public_url.clone().unwrap_or_else(|| format!("http://127.0.0.1:{}", app.port()));
            println!("\nthiluat demo is running.\n  player:  {base}/c/{slug}\n  health:  {base}/readyz\n  metrics: {base}/metrics\nPress Ctrl-C to stop.\n");
            app.run_until_stopped().await?;
        }
        Command::Contest { command: ContestCommand::Import { file, rebase_to_now } } => {
            let pool = pg::connect(&config.database).await?;
            pg::migrate(&pool).await?;
            let imported = crate::import::import(&pool, &file, rebase_to_now.then(chrono::Utc::now)).await?;
            println!(
                "imported contest {:?} (id {}): {} questions, {} units, rounds {:?}",
                imported.slug, imported.contest_id, imported.questions, imported.units, imported.round_ids
            );
        }
        Command::Admin { command: AdminCommand::Create { org_slug, org_name, email, name, permanent } } => {
            let password = match std::env::var("THILUAT_ADMIN_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line).context("reading the password from standard input")?;
                    line.trim_end_matches(['\r', '\n']).to_string()
                }
            };
            let pool = pg::connect(&config.database).await?;
            pg::migrate(&pool).await?;
            let hasher = crate::auth::PasswordHasher::default();
            let (org, account) = crate::http::admin::accounts::create_admin(
                &pool, &hasher, &org_slug, &org_name, &email, &name, &password,
            )
            .await?;
            if !permanent {
                crate::auth::one_time::require_change(&pool, account).await?;
            }
            println!("organisation {org_slug:?} (id {org}) has admin account {account}");
            if !permanent {
                println!(
                    "the password is one-time: it must be changed at the first login and expires in {} hours",
                    crate::auth::one_time::ONE_TIME_HOURS
                );
            }
        }
        Command::Finalize { round } => {
            let (pool, play) = stores(&config).await?;
            let report = crate::jobs::finalize::finalize(&pool, &play, round).await?;
            println!(
                "round {} finalised: {} ranked, {} auto-submitted, {} events persisted, prediction actual {:?}",
                report.round_id, report.ranked, report.auto_submitted, report.persisted, report.prediction_actual
            );
        }
        Command::Retention { command: RetentionCommand::Run { dry_run } } => {
            let pool = pg::connect(&config.database).await?;
            let done = crate::privacy::retention_run(&pool, chrono::Utc::now(), dry_run).await?;
            let verb = if dry_run { "would anonymise" } else { "anonymised" };
            for c in &done {
                println!(
                    "contest {} ({:?}): {verb} {} participants (last round closed {}, retention {} days)",
                    c.contest_id, c.slug, c.participants, c.last_round_closes_at, c.retention_days
                );
            }
            println!("retention: {} contests {verb}", done.len());
        }
        Command::ParseFile => return Ok(ExitCode::from(2)),
        Command::Verify { round } => {
            let (pool, play) = stores(&config).await?;
            let diffs = crate::jobs::finalize::verify(&pool, &play, round).await?;
            if diffs.is_empty() {
                println!("round {round}: Postgres and Redis agree");
            } else {
                for d in &diffs {
                    println!("DIFF {d}");
                }
                println!("round {round}: {} differences", diffs.len());
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn stores(config: &Config) -> anyhow::Result<(sqlx::PgPool, Play)> {
    let pool = pg::connect(&config.database).await?;
    let mut redis_config = config.redis.clone();
    // Reading and finalising do not acknowledge answers: any persistence mode will do.
    redis_config.unsafe_durability = true;
    let redis = RedisStore::connect(&redis_config).await?;
    Ok((pool.clone(), Play::new(pool, redis)))
}
