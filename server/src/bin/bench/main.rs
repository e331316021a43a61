//! `bench`: how Roster performs with large accounts (see `measure`). A binary of its own,
//! so that the server binary carries no load generator; it drives the same storage code
//! and router the server runs.

mod browser;
mod cases;
#[allow(dead_code)]
#[path = "../../../tests/common/http.rs"]
mod http;
mod import;
mod load;
mod measure;
mod partners;
mod ssr;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(name = "bench", about = "Measure Roster with large accounts (databases under bench/)")]
struct Cli {
    #[command(flatten)]
    args: measure::BenchArgs,
    #[command(subcommand)]
    run: Option<Run>,
}

#[derive(Subcommand)]
enum Run {
    /// What a person feels on Manage Users, in Chromium: JS and WASM before interactive,
    /// sort / Search Text / "Next" latency to painted rows, Lighthouse (issue 16).
    Browser(browser::BrowserArgs),
    /// The case side at scale: the case list, a case's pulse pages, and posting to a
    /// case with many followers (issue 14).
    Cases(cases::CaseArgs),
    /// CSV import of 100,000 rows: upload, dry run and apply, with memory (issue 15).
    Import(import::ImportArgs),
    /// The server at saturation: list, Search Text and role updates at once, with
    /// p50/p99, errors and memory (issue 17).
    Load(load::LoadArgs),
    /// A partner at scale: My deployments and the Approvals inbox with 5,000
    /// deployments, 50,000 partner memberships and 5,000 pending requests (issue 13).
    Partners(partners::PartnerArgs),
    /// Server-side rendering of Manage Users alone, server builds taking turns, with the
    /// server's CPU time per page beside the throughput (issue 16).
    Ssr(ssr::SsrArgs),
    /// The export half of the bench, run as a child process so that its memory growth
    /// is its own (internal).
    #[command(hide = true)]
    ExportProbe {
        #[arg(long, env = "DATABASE_URL")]
        database_url: String,
        #[arg(long)]
        account: i64,
        /// The view as a query string.
        #[arg(long, default_value = "")]
        view: String,
    },
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    // The bench's bulk statements would each be logged as slow, in full.
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn,sqlx=error")))
        .init();
    let done = match cli.run {
        Some(Run::ExportProbe { database_url, account, view }) => match server::database::open(&database_url).await {
            Ok(db) => measure::export_probe(db, account, &view).await,
            Err(e) => Err(e),
        },
        Some(Run::Browser(args)) => browser::run(args).await,
        Some(Run::Cases(args)) => cases::run(args).await,
        Some(Run::Import(args)) => import::run(args).await,
        Some(Run::Load(args)) => load::run(args).await,
        Some(Run::Partners(args)) => partners::run(args).await,
        Some(Run::Ssr(args)) => ssr::run(args).await,
        None => measure::run(cli.args).await.map(|_| ()),
    };
    if let Err(e) = done {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
