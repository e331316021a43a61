//! `server` — run Roster, or manage its data.
//!
//! `server` / `server serve` serves the app; `server seed` creates demo data; `server
//! backup FILE` copies a SQLite database while it serves; `server api-token` makes an
//! API token for scripts that set Roster up. (The
//! benchmark is a binary of its own, `bench`.)

use std::io::Write as _;
use std::net::SocketAddr;

use anyhow::Context;
use clap::{Parser, Subcommand};
use server::{database, seed, web};
use tracing_subscriber::EnvFilter;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "server", about = "Roster: support-contact administration")]
struct Cli {
    /// Database to use: sqlite://path or postgres://user@host/db.
    #[arg(long, env = "DATABASE_URL", default_value = database::DEFAULT_URL, global = true)]
    database_url: String,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the app (the default).
    Serve {
        /// Address to listen on; defaults to LEPTOS_SITE_ADDR or 127.0.0.1:3000.
        #[arg(long, env = "ROSTER_BIND")]
        bind: Option<SocketAddr>,
        /// Members of the large demo account when an empty database is seeded.
        #[arg(long, env = "ROSTER_DEMO_MEMBERS", default_value_t = 300)]
        demo_members: usize,
        /// Do not seed an empty database.
        #[arg(long)]
        no_seed: bool,
    },
    /// Copy a SQLite database, consistently, into a new file while it serves (for
    /// PostgreSQL, use pg_dump: see the README). Serve the copy to restore it.
    Backup {
        /// The new file (it must not exist yet).
        file: std::path::PathBuf,
    },
    /// Make an API token of an account, as its administrator would on the API tokens
    /// page, and print its secret (for scripts that set Roster up).
    ApiToken {
        /// The account: its Org ID (like NW-1001).
        #[arg(long)]
        org_id: String,
        /// The email of an administrator of the account (or of a vendor operator): the
        /// token acts with their authority.
        #[arg(long)]
        admin: String,
        /// The token's name.
        #[arg(long)]
        name: String,
        /// Read and write (the default is read only).
        #[arg(long)]
        write: bool,
        /// Days it lives: 7, 30, 90 or 365.
        #[arg(long, default_value_t = 30)]
        days: i64,
    },
    /// Create demo data in an empty database.
    Seed {
        /// Members of the large demo account.
        #[arg(long, default_value_t = 300)]
        members: usize,
        /// Random seed: the same seed and day give the same data.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")))
        .init();
    if let Err(e) = run(cli).await {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let command = cli.command.unwrap_or(Command::Serve {
        bind: std::env::var("ROSTER_BIND").ok().and_then(|b| b.parse().ok()),
        demo_members: 300,
        no_seed: false,
    });
    let db = database::open(&cli.database_url).await?;
    match command {
        Command::Serve { bind, demo_members, no_seed } => {
            let (stop_mail, mail_stop) = tokio::sync::watch::channel(false);
            let mailer = server::mail::Mailer::from_env()?.spawn(db.clone(), mail_stop);
            let started = std::time::Instant::now();
            let demo = if no_seed { None } else { seed::seed_if_empty(&db, &seed_options(demo_members, 1)).await? };
            if let Some(report) = demo {
                tracing::info!(
                    people = report.people,
                    memberships = report.memberships,
                    "seeded demo data in {:.1?}",
                    started.elapsed()
                );
            }
            let options = web::options(bind)?;
            let addr = options.site_addr;
            let sessions = server::sessions::Store::for_db(&db).await?;
            sessions.spawn_cleanup();
            spawn_cleanup(db.clone());
            let site = server::security::Site::at(std::env::var("ROSTER_PUBLIC_URL").ok().as_deref())?;
            let app = web::router_at(db.clone(), options, sessions, site);
            let listener =
                tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
            let url = format!("http://{}", listener.local_addr()?);
            // Pages are streamed in several writes; without TCP_NODELAY the last ones wait
            // for the client's delayed acknowledgement (up to 40 ms on a kept-alive
            // connection) instead of going out at once.
            let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
                if let Err(e) = tcp.set_nodelay(true) {
                    tracing::debug!(error = %e, "cannot set TCP_NODELAY");
                }
            });
            app::backend::set_site_url(&std::env::var("ROSTER_PUBLIC_URL").unwrap_or_else(|_| url.clone()));
            println!("Roster is running at {url}");
            axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
                .with_graceful_shutdown(shutdown_signal())
                .await?;
            // Requests in flight have had their answers; the sender finishes the message it
            // is on (SMTP_TIMEOUT at most), and what it did not claim stays due.
            let _ = stop_mail.send(true);
            let _ = mailer.await;
            db.close().await;
            // Whoever started us may have closed our stdout by now: a failed write is no panic.
            let _ = writeln!(std::io::stdout(), "Roster stopped");
        }
        Command::Backup { file } => {
            let started = std::time::Instant::now();
            let bytes = database::backup(&db, &file).await?;
            println!(
                "backed up {} to {} ({:.1} MB) in {:.1} s",
                database::redact(&cli.database_url),
                file.display(),
                bytes as f64 / 1e6,
                started.elapsed().as_secs_f64()
            );
        }
        Command::ApiToken { org_id, admin, name, write, days } => {
            use app::backend::{access::Actor, api_tokens};
            let account: Option<(i64,)> =
                db.fetch_optional(&app::sql!("SELECT id FROM accounts WHERE org_id = $1", &org_id)).await?;
            let (account,) = account.with_context(|| format!("there is no account with the Org ID {org_id}"))?;
            let proof = Actor::by_email(&db, &admin).await?.manage(&db, app::model::AccountId(account)).await?;
            let scope = if write { app::model::TokenScope::Write } else { app::model::TokenScope::Read };
            let made = api_tokens::create(&db, &proof, &name, scope, days).await?;
            println!("{}", made.secret);
        }
        Command::Seed { members, seed: s } => {
            if !seed::is_empty(&db).await? {
                anyhow::bail!("the database already holds data; seed an empty one");
            }
            let started = std::time::Instant::now();
            let report = seed::seed(&db, &seed_options(members, s)).await?;
            let secs = started.elapsed().as_secs_f64();
            println!(
                "seeded {} people, {} memberships, {} cases in {secs:.1} s ({:.0} members/s)",
                report.people,
                report.memberships,
                report.cases,
                report.memberships as f64 / secs
            );
        }
    }
    Ok(())
}

/// Resolves at Ctrl-C or SIGTERM (what service managers and container runtimes send),
/// after which the server takes no new connections and finishes the requests in flight.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {}
        _ = terminate => {}
    }
    tracing::info!("stopping: finishing the requests in flight");
}

/// Every hour, deletes the sign-in (and other) tries too old to count, lockouts that have
/// ended, and registrations whose link was used or expired a day ago; marks access
/// requests that waited 14 days without a decision as expired.
fn spawn_cleanup(db: app::backend::Db) {
    tokio::spawn(async move {
        let mut hourly = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            hourly.tick().await;
            if let Err(e) = app::backend::limits::prune(&db).await {
                tracing::warn!(error = %e, "pruning old tries failed");
            }
            if let Err(e) = app::backend::registration::prune(&db).await {
                tracing::warn!(error = %e, "pruning old registrations failed");
            }
            if let Err(e) = app::backend::access_requests::expire(&db).await {
                tracing::warn!(error = %e, "expiring access requests failed");
            }
        }
    });
}

/// Seeds relative to the start of today, so that one seed gives one data set per day.
fn seed_options(members: usize, seed: u64) -> seed::SeedOptions {
    let now = app::backend::now();
    seed::SeedOptions { members, seed, now: now - now % 86_400 }
}
