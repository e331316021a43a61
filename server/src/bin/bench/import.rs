//! CSV import at scale (issue 15, SPEC F27): a file of 100,000 new contacts uploaded,
//! dry-run and applied batch by batch through the same storage code the import page
//! drives, on a fresh small demo database per backend, with the time of each phase and
//! the process's memory growth (constant memory: the file is never held whole).

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use app::backend::access::Actor;
use app::backend::{import, Db};
use app::model::{AccountId, ImportState};
use server::{database, seed};
use tokio::sync::mpsc;

use crate::measure::{create_database, database_url, proc_status, remove_database, Backend};

#[derive(clap::Args, Clone, Debug)]
pub struct ImportArgs {
    /// Rows of the file.
    #[arg(long, default_value_t = 100_000)]
    pub rows: usize,
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = [Backend::Sqlite, Backend::Postgres])]
    pub backends: Vec<Backend>,
    #[arg(long, env = "ROSTER_BENCH_POSTGRES_URL", default_value = "postgres://postgres@127.0.0.1:5432/test")]
    pub postgres_url: String,
    #[arg(long, default_value = "bench")]
    pub dir: PathBuf,
}

/// The target of issue 15: dry run and apply of 100,000 rows within 60 s.
const TARGET_SECS: f64 = 60.0;

pub async fn run(args: ImportArgs) -> anyhow::Result<()> {
    for backend in &args.backends {
        let name = format!("roster_bench_import_{}", std::process::id());
        let url = database_url(*backend, &args.dir, &args.postgres_url, &format!("{name}.db"), &name)?;
        remove_database(*backend, &url, &args.postgres_url, &name).await?;
        create_database(*backend, &args.postgres_url, &name).await?;
        let db = database::open(&url).await.context("opening the bench database")?;
        let measured = measure(&db, args.rows).await;
        db.close().await;
        remove_database(*backend, &url, &args.postgres_url, &name).await?;
        let (upload, check, apply, grown) = measured?;
        let total = check + apply;
        println!(
            "import {} rows on {}: upload {upload:.1} s, dry run {check:.1} s, apply {apply:.1} s \
             (dry run + apply {total:.1} s, target {TARGET_SECS} s: {}), memory growth {grown} KiB",
            args.rows,
            backend.name(),
            if total <= TARGET_SECS { "met" } else { "missed" },
        );
    }
    Ok(())
}

async fn measure(db: &Db, rows: usize) -> anyhow::Result<(f64, f64, f64, u64)> {
    let now = app::backend::now();
    seed::seed(db, &seed::SeedOptions { members: 50, seed: 1, now: now - now % 86_400 }).await?;
    let (account,): (i64,) = db
        .fetch_optional(&app::sql!("SELECT id FROM accounts WHERE name = 'Northwind Production'"))
        .await?
        .context("the demo account")?;
    let admin = Actor::by_email(db, "adam.admin@northwind.example").await?.manage(db, AccountId(account)).await?;
    let pid = std::process::id();
    let rss_before = proc_status(pid, "VmRSS").unwrap_or(0);
    let started = Instant::now();
    // The file is generated as it is sent, in chunks, as an upload arrives.
    let (tx, rx) = mpsc::channel(4);
    let feed = async move {
        let _ = tx.send(Ok(b"Email;First name;Last name;Roles\n".to_vec())).await;
        for start in (0..rows).step_by(1_000) {
            let mut chunk = String::new();
            for i in start..(start + 1_000).min(rows) {
                chunk.push_str(&format!("bench.{i}@northwind.example;Bench;Number {i};General Support\n"));
            }
            if tx.send(Ok(chunk.into_bytes())).await.is_err() {
                break;
            }
        }
    };
    let (_, uploaded) = tokio::join!(feed, import::upload(db, &admin, "bench.csv", rx));
    let (mut status, problem) = uploaded?;
    anyhow::ensure!(problem.is_none(), "the file was refused: {problem:?}");
    let upload = started.elapsed().as_secs_f64();
    while status.working() {
        status = import::step(db, &admin, status.id).await?;
    }
    anyhow::ensure!(status.state == ImportState::Checked && status.errors == 0, "dry run: {status:?}");
    let check = started.elapsed().as_secs_f64() - upload;
    status = import::start_apply(db, &admin, status.id).await?;
    while status.working() {
        status = import::step(db, &admin, status.id).await?;
    }
    anyhow::ensure!(status.changed == rows as i64, "apply: {status:?}");
    let apply = started.elapsed().as_secs_f64() - upload - check;
    let grown = proc_status(pid, "VmHWM").unwrap_or(0).saturating_sub(rss_before);
    Ok((upload, check, apply, grown))
}
