//! `bench ssr`: server-side rendering of Manage Users alone, to compare server builds
//! (issue 16). Two `wrk` runs of one build on this machine can differ by a quarter, with
//! the machine's speed, so the builds take turns, several rounds each, and are compared
//! by their medians. Beside the throughput each run gives the CPU time a page costs the
//! server, the PostgreSQL cluster and the whole machine (`wrk` and the kernel included):
//! on two busy cores, a target of N pages a second allows 2000 / N ms of it a page.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use anyhow::{bail, Context};
use app::backend::db::Db;
use app::model::{ListView, MemberQuery};
use app::sql;
use serde::Serialize;

use crate::measure::{self, WrkFigures};

#[derive(clap::Args)]
pub struct SsrArgs {
    #[command(flatten)]
    pub on: measure::LargeAccount,
    /// Server binaries to compare; each round runs each of them once, in this order.
    #[arg(long, value_delimiter = ',', default_value = "target/release/server")]
    pub servers: Vec<PathBuf>,
    /// Rounds.
    #[arg(long, default_value_t = 3)]
    pub rounds: usize,
    /// Seconds of each `wrk` run.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// `wrk` connections.
    #[arg(long, default_value_t = 32)]
    pub connections: u32,
    /// Rows a page (the list's `size`); several, to see what a row costs against the rest
    /// of the page. Each round renders each of them with each server.
    #[arg(long, value_delimiter = ',', default_value = "25")]
    pub page_sizes: Vec<u32>,
    /// Directory of the SQLite databases and of the results (`ssr.json`).
    #[arg(long, default_value = "bench")]
    pub dir: PathBuf,
}

#[derive(Serialize)]
struct SsrRun {
    backend: &'static str,
    server: String,
    page_size: u32,
    round: usize,
    #[serde(flatten)]
    figures: WrkFigures,
}

pub async fn run(args: SsrArgs) -> anyhow::Result<()> {
    if Command::new("wrk").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_err() {
        bail!("wrk is not installed");
    }
    if let Some(size) = args.page_sizes.iter().find(|n| !app::model::PAGE_SIZES.contains(n)) {
        bail!("no page size {size}: Manage Users shows {:?} rows a page", app::model::PAGE_SIZES);
    }
    if let Some(missing) = args.servers.iter().find(|s| !s.exists()) {
        bail!("no server binary at {} (cargo build --release -p server)", missing.display());
    }
    // Each round renders every page size with every server, in this order.
    let turns: Vec<(u32, &PathBuf)> =
        args.page_sizes.iter().flat_map(|&n| args.servers.iter().map(move |s| (n, s))).collect();
    let mut runs = Vec::new();
    for &backend in &args.on.backends {
        println!("== SSR Manage Users: {} members, {} ({} s a run)", args.on.members, backend.name(), args.seconds);
        let (db, url, _) = measure::prepare(&args.dir, &args.on.postgres_url, false, backend, args.on.members).await?;
        let account = bench_account(&db).await;
        db.close().await;
        let account = account?;
        for round in 1..=args.rounds {
            for &(size, server) in &turns {
                let figures = render(&args, server, &url, account, size).await?;
                println!(
                    "   round {round} {:<40} {size:>3} rows {:>6.0} req/s, p50 {:>6.2} ms, p99 {:>6.2} ms, {} errors, \
                     CPU a page: server {:.3} ms, PostgreSQL {:.3}, machine {:.3}",
                    server.display(),
                    figures.requests_per_sec,
                    figures.p50_ms,
                    figures.p99_ms,
                    figures.errors,
                    figures.server_cpu_ms_per_request.unwrap_or(f64::NAN),
                    figures.database_cpu_ms_per_request.unwrap_or(f64::NAN),
                    figures.machine_cpu_ms_per_request.unwrap_or(f64::NAN)
                );
                runs.push(SsrRun {
                    backend: backend.name(),
                    server: server.display().to_string(),
                    page_size: size,
                    round,
                    figures,
                });
            }
        }
        for &(size, server) in &turns {
            let name = server.display().to_string();
            let mine: Vec<&SsrRun> = runs
                .iter()
                .filter(|r| r.backend == backend.name() && r.server == name && r.page_size == size)
                .collect();
            let median = |f: fn(&WrkFigures) -> f64| {
                let mut v: Vec<f64> = mine.iter().map(|r| f(&r.figures)).filter(|x| x.is_finite()).collect();
                v.sort_by(f64::total_cmp);
                v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
            };
            println!(
                "   median of {} {:<32} {size:>3} rows {:>6.0} req/s, p99 {:>6.2} ms, \
                 CPU a page: server {:.3} ms, PostgreSQL {:.3}, machine {:.3}",
                mine.len(),
                name,
                median(|f| f.requests_per_sec),
                median(|f| f.p99_ms),
                median(|f| f.server_cpu_ms_per_request.unwrap_or(f64::NAN)),
                median(|f| f.database_cpu_ms_per_request.unwrap_or(f64::NAN)),
                median(|f| f.machine_cpu_ms_per_request.unwrap_or(f64::NAN))
            );
        }
    }
    let out = args.dir.join("ssr.json");
    std::fs::write(&out, serde_json::to_string_pretty(&runs)?).with_context(|| format!("writing {}", out.display()))?;
    println!("results: {}", out.display());
    let errors: u64 = runs.iter().map(|r| r.figures.errors).sum();
    if errors > 0 {
        bail!("{errors} requests failed");
    }
    Ok(())
}

async fn bench_account(db: &Db) -> anyhow::Result<i64> {
    measure::ensure_password(db).await?;
    Ok(db.scalar::<i64>(&sql!("SELECT id FROM accounts WHERE name = 'Northwind Production'")).await?)
}

/// One `wrk` run against a fresh server, signed in as the account's administrator,
/// after twenty pages to warm it up: Manage Users with `size` rows a page.
async fn render(
    args: &SsrArgs,
    bin: &std::path::Path,
    url: &str,
    account: i64,
    size: u32,
) -> anyhow::Result<WrkFigures> {
    let server = measure::Server::start(bin, url, "warn").await?;
    let (addr, pid) = (server.addr, server.pid());
    let path = MemberQuery { page_size: size, ..MemberQuery::new(account) }.href();
    let (cookie, _) = measure::warm_up(addr, &path).await?;
    let target = format!("http://{addr}{path}");
    let (figures, ..) = measure::wrk(args.seconds, args.connections, &target, &cookie, pid, false).await?;
    Ok(figures)
}
