//! `bench browser`: what a person feels on Manage Users (issue 16), in Debian's Chromium.
//! For each backend it starts the server on the bench database, signs in as the bench's
//! administrator and runs `end2end/bench/browser.mjs` (Playwright and Lighthouse from
//! end2end/node_modules) with the session cookie, which measures:
//!
//! - the JS and WASM transferred before the page is interactive (hydrated), cold cache;
//! - the latency from the input to the painted rows of a sort, a Search Text keystroke
//!   and "Next", p50 and p95;
//! - Lighthouse's performance, accessibility and best-practices scores (desktop preset).
//!
//! It prints a table, writes bench/browser.json and merges it into bench/results.json as
//! its `browser` section. A missed target is reported, not an error; a measurement that
//! breaks is.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};
use app::sql;
use serde::Serialize;
use serde_json::Value;

use crate::http;
use crate::measure::{self, Backend, Target};

#[derive(clap::Args)]
pub struct BrowserArgs {
    #[command(flatten)]
    pub on: measure::LargeAccount,
    /// Timed repetitions of each interaction (after one warm-up).
    #[arg(long, default_value_t = 30)]
    pub repetitions: u32,
    /// Leave Lighthouse out.
    #[arg(long)]
    pub no_lighthouse: bool,
    /// Seconds Lighthouse may take; past it, it is reported as skipped.
    #[arg(long, default_value_t = 300)]
    pub lighthouse_timeout: u64,
    /// The server binary (serving target/site: build the site with the same profile).
    #[arg(long, default_value = "target/release/server")]
    pub server_bin: PathBuf,
    /// The site the server serves (LEPTOS_SITE_ROOT; default target/site): a copy of it
    /// keeps a build running meanwhile from changing the bundle under the measurement.
    #[arg(long)]
    pub site_root: Option<PathBuf>,
    /// Directory of the SQLite databases and of the results.
    #[arg(long, default_value = "bench")]
    pub dir: PathBuf,
    /// The measuring script.
    #[arg(long, default_value = "end2end/bench/browser.mjs")]
    pub script: PathBuf,
    /// Where the figures go [default: bench/browser.json, also merged into
    /// bench/results.json; --smoke: target/browser-smoke.json].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Quick run for the test suite: 10,000 members, SQLite, the debug server, 5
    /// repetitions, Lighthouse only if it is done within 60 s. Fails only when a
    /// measurement breaks, never on a missed target.
    #[arg(long)]
    pub smoke: bool,
}

#[derive(Serialize)]
struct BrowserResults {
    date: String,
    mode: &'static str,
    server_bin: String,
    site_root: String,
    repetitions: u32,
    /// Per backend: what browser.mjs measured, with the backend and size.
    runs: Vec<Value>,
    targets: Vec<Target>,
    notes: Vec<String>,
}

pub async fn run(mut args: BrowserArgs) -> anyhow::Result<()> {
    if args.smoke {
        args.on.members = 10_000;
        args.on.backends = vec![Backend::Sqlite];
        args.repetitions = args.repetitions.min(5);
        args.lighthouse_timeout = args.lighthouse_timeout.min(60);
        if args.server_bin == Path::new("target/release/server") {
            args.server_bin = PathBuf::from("target/debug/server");
        }
    }
    if !args.server_bin.exists() {
        bail!("no server binary at {} (cargo leptos build --release --precompress --split)", args.server_bin.display());
    }
    if !args.script.exists() {
        bail!("no script at {} (run from the repository's root)", args.script.display());
    }
    let modules = args.script.parent().and_then(Path::parent).map(|d| d.join("node_modules/playwright-core"));
    if !modules.is_some_and(|m| m.exists()) {
        bail!("Playwright is not installed in end2end/node_modules (scripts/setup)");
    }
    if let Some(root) = &args.site_root {
        if !root.join("pkg").exists() {
            bail!("no pkg directory in {}", root.display());
        }
        // The server is a child process: it inherits this.
        std::env::set_var("LEPTOS_SITE_ROOT", root);
    }
    let mut results = BrowserResults {
        date: app::model::format_date(app::backend::now()).unwrap_or_default(),
        mode: if args.smoke { "smoke" } else { "full" },
        server_bin: args.server_bin.display().to_string(),
        site_root: std::env::var("LEPTOS_SITE_ROOT").unwrap_or_else(|_| "target/site".into()),
        repetitions: args.repetitions,
        runs: Vec::new(),
        targets: Vec::new(),
        notes: vec![
            "kB = 1,000 bytes; transferred = Chromium's encodedDataLength (compressed body and headers)".into(),
            "latency: from the input event's timestamp to the first frame painted with the new rows".into(),
            "Search Text asks for the list at the first keystroke after a pause (a burst's further \
             keys are gathered for 40 ms); to_request is the input → request part"
                .into(),
        ],
    };
    if !args.server_bin.to_string_lossy().contains("release") {
        results.notes.push("a dev server and, likely, a dev build of the site: not representative".into());
    }
    for &backend in &args.on.backends {
        println!("== browser: {} members, {}", args.on.members, backend.name());
        let (db, url, _) = measure::prepare(&args.dir, &args.on.postgres_url, false, backend, args.on.members).await?;
        let account = db.scalar::<i64>(&sql!("SELECT id FROM accounts WHERE name = 'Northwind Production'")).await;
        db.close().await;
        let mut run = measure_one(&args, &url, account?).await?;
        if let Value::Object(map) = &mut run {
            map.insert("backend".into(), Value::from(backend.name()));
            map.insert("members".into(), Value::from(args.on.members));
        }
        results.targets.extend(targets(&run, backend, args.on.members));
        results.runs.push(run);
    }
    print_table(&results);

    let out = args.out.clone().unwrap_or_else(|| {
        if args.smoke {
            PathBuf::from("target/browser-smoke.json")
        } else {
            args.dir.join("browser.json")
        }
    });
    let json = serde_json::to_value(&results)?;
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&out, serde_json::to_string_pretty(&json)? + "\n")
        .with_context(|| format!("cannot write {}", out.display()))?;
    println!("\nwrote {}", out.display());
    if !args.smoke && args.out.is_none() {
        // With the rest: bench/results.json keeps its other sections, in their order.
        let all = args.dir.join("results.json");
        let text = std::fs::read_to_string(&all).unwrap_or_else(|_| "{}".into());
        let merged =
            merge_section(&text, "browser", &json).with_context(|| format!("merging into {}", all.display()))?;
        std::fs::write(&all, merged)?;
        println!("merged into {} (\"browser\")", all.display());
    }
    Ok(())
}

/// The server on `url`, a signed-in session, and browser.mjs against them.
async fn measure_one(args: &BrowserArgs, url: &str, account: i64) -> anyhow::Result<Value> {
    let server = measure::Server::start(&args.server_bin, url, "warn").await?;
    let addr = server.addr;
    let cookie = http::sign_in(addr, measure::BENCH_ADMIN, None).await;
    // The page answers before the browser is pointed at it (and the server is warm).
    let page = format!("/accounts/{account}/users");
    for _ in 0..3 {
        let reply = http::send(addr, &format!("GET {page}"), Some(&cookie)).await;
        if reply.status != 200 {
            bail!("{page} answered {}", reply.status);
        }
    }
    let tmp = std::env::temp_dir().join(format!("roster-browser-{}.json", std::process::id()));
    let mut cmd = tokio::process::Command::new("node");
    cmd.arg(&args.script)
        .args(["--url", &format!("http://{addr}"), "--account", &account.to_string(), "--cookie", &cookie])
        .args(["--repetitions", &args.repetitions.to_string()])
        .args(["--lighthouse-timeout", &args.lighthouse_timeout.to_string()])
        .arg("--out")
        .arg(&tmp)
        .kill_on_drop(true);
    if args.no_lighthouse {
        cmd.arg("--no-lighthouse");
    }
    let limit = Duration::from_secs(600 + u64::from(args.repetitions) * 30 + args.lighthouse_timeout);
    let status = tokio::time::timeout(limit, cmd.status())
        .await
        .with_context(|| format!("browser.mjs did not finish within {} s", limit.as_secs()))?
        .context("cannot run node (is Node.js installed?)")?;
    drop(server);
    if !status.success() {
        bail!("browser.mjs failed ({status})");
    }
    let text = std::fs::read_to_string(&tmp).with_context(|| format!("reading {}", tmp.display()))?;
    let _ = std::fs::remove_file(&tmp);
    Ok(serde_json::from_str(&text)?)
}

/// `text` (a JSON object as serde_json pretty-prints it, as the bench writes it) with its
/// top-level `key` set to `value`: replaced where it is, or added at the end. Done on the
/// text, because serde_json's map (without `preserve_order`) would sort every object's
/// keys and rewrite the whole file.
fn merge_section(text: &str, key: &str, value: &Value) -> anyhow::Result<String> {
    let mut expected: Value = serde_json::from_str(text)?;
    expected.as_object_mut().context("not a JSON object")?.insert(key.into(), value.clone());
    // Top-level members: from a line `  "name": …` to the next such line or the final `}`.
    let lines: Vec<&str> = text.trim_end().lines().collect();
    let mut blocks: Vec<(String, Vec<String>)> = Vec::new();
    for line in lines.iter().skip(1).take(lines.len().saturating_sub(2)) {
        if let Some(rest) = line.strip_prefix("  \"") {
            let name = rest.split('"').next().unwrap_or_default().to_string();
            blocks.push((name, Vec::new()));
        }
        blocks.last_mut().context("unexpected layout")?.1.push(line.to_string());
    }
    let pretty = serde_json::to_string_pretty(value)?;
    let section: Vec<String> = pretty
        .lines()
        .enumerate()
        .map(|(i, l)| if i == 0 { format!("  \"{key}\": {l}") } else { format!("  {l}") })
        .collect();
    match blocks.iter_mut().find(|(name, _)| name == key) {
        Some(block) => block.1 = section,
        None => blocks.push((key.to_string(), section)),
    }
    let count = blocks.len();
    let mut out = String::from("{\n");
    for (i, (_, mut block)) in blocks.into_iter().enumerate() {
        if let Some(last) = block.last_mut() {
            let trimmed = last.trim_end_matches(',').to_string();
            *last = if i + 1 < count { format!("{trimmed},") } else { trimmed };
        }
        for line in block {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out.push_str("}\n");
    let written: Value = serde_json::from_str(&out).context("the merged file does not parse")?;
    if written != expected {
        bail!("the merged file does not hold what it should");
    }
    Ok(out)
}

fn num(v: &Value, path: &[&str]) -> Option<f64> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_f64()
}

fn kb(bytes: f64) -> String {
    format!("{:.1} kB", bytes / 1000.0)
}

/// Issue 16's targets: ≤ 250 kB of JS and WASM before interactive, p95 ≤ 100 ms for each
/// interaction, Lighthouse ≥ 95 / 100 / ≥ 95.
fn targets(run: &Value, backend: Backend, members: usize) -> Vec<Target> {
    let who = format!("{} {members}", backend.name());
    let mut out = Vec::new();
    if let Some(sent) = num(run, &["bytes", "js_wasm_transferred_bytes"]) {
        let decoded = num(run, &["bytes", "js_wasm_decoded_bytes"]).unwrap_or(0.0);
        out.push(Target {
            what: format!("{who}: JS+WASM before interactive"),
            target: "≤ 250 kB".into(),
            measured: format!("{} ({} decoded)", kb(sent), kb(decoded)),
            met: sent <= 250_000.0,
        });
    }
    for (key, name) in [("sort", "sort (Name header)"), ("search", "Search Text keystroke"), ("next", "\"Next\"")] {
        if let (Some(p50), Some(p95)) =
            (num(run, &["interactions", key, "p50_ms"]), num(run, &["interactions", key, "p95_ms"]))
        {
            out.push(Target {
                what: format!("{who}: {name} → rows painted, p95"),
                target: "≤ 100 ms".into(),
                measured: format!("p50 {p50:.0} ms, p95 {p95:.0} ms"),
                met: p95 <= 100.0,
            });
        }
    }
    let lh = &run["lighthouse"];
    if let Some(skipped) = lh.get("skipped").and_then(Value::as_str) {
        out.push(Target {
            what: format!("{who}: Lighthouse"),
            target: "95/100/95".into(),
            measured: format!("skipped: {skipped}"),
            met: false,
        });
    } else {
        for (key, name, want) in [
            ("performance", "performance", 95.0),
            ("accessibility", "accessibility", 100.0),
            ("best_practices", "best practices", 95.0),
        ] {
            let score = lh.get(key).and_then(Value::as_f64);
            out.push(Target {
                what: format!("{who}: Lighthouse {name} (desktop)"),
                target: if want >= 100.0 { "= 100".into() } else { format!("≥ {want:.0}") },
                measured: score.map_or("none".into(), |s| format!("{s:.0}")),
                met: score.is_some_and(|s| s >= want),
            });
        }
    }
    out
}

fn print_table(results: &BrowserResults) {
    for run in &results.runs {
        println!("\n{} {} members", run["backend"].as_str().unwrap_or("?"), run["members"]);
        if let Some(files) = run["bytes"]["files"].as_array() {
            println!("   loaded before interactive ({} ms):", run["bytes"]["interactive_ms"]);
            for f in files {
                println!(
                    "     {:<10} {:<40} {:>10} transferred ({}), {:>10} decoded",
                    f["kind"].as_str().unwrap_or(""),
                    f["url"].as_str().unwrap_or(""),
                    kb(f["transferred_bytes"].as_f64().unwrap_or(0.0)),
                    f["encoding"].as_str().unwrap_or(""),
                    kb(f["decoded_bytes"].as_f64().unwrap_or(0.0)),
                );
            }
        }
        for audit in run["lighthouse"]["failing_accessibility"].as_array().into_iter().flatten() {
            println!("   accessibility audit failing: {} ({})", audit["id"].as_str().unwrap_or(""), audit["title"]);
            for item in audit["items"].as_array().into_iter().flatten() {
                println!("     {}", item["selector"].as_str().unwrap_or("?"));
            }
        }
        for audit in run["lighthouse"]["failing_best_practices"].as_array().into_iter().flatten() {
            println!("   best-practices audit failing: {} ({})", audit["id"].as_str().unwrap_or(""), audit["title"]);
        }
    }
    println!("\n{:<62} {:<12} {:<34} met", "target", "wanted", "measured");
    for t in &results.targets {
        println!("{:<62} {:<12} {:<34} {}", t.what, t.target, t.measured, if t.met { "yes" } else { "NO" });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_keeps_the_other_sections_in_their_order() {
        let before = serde_json::to_string_pretty(&serde_json::json!({ "date": "x", "runs": [{ "b": 1, "a": 2 }] }))
            .unwrap()
            .replace(
                "\"runs\": [\n    {\n      \"a\": 2,\n      \"b\": 1",
                "\"runs\": [\n    {\n      \"b\": 1,\n      \"a\": 2",
            );
        let once = merge_section(&before, "browser", &serde_json::json!({ "n": 1 })).unwrap();
        assert!(
            once.starts_with("{\n  \"date\": \"x\",\n  \"runs\": [\n    {\n      \"b\": 1,\n      \"a\": 2"),
            "{once}"
        );
        assert!(once.ends_with("  \"browser\": {\n    \"n\": 1\n  }\n}\n"), "{once}");
        let twice = merge_section(&once, "browser", &serde_json::json!({ "n": 2 })).unwrap();
        assert_eq!(twice, once.replace("\"n\": 1", "\"n\": 2"));
        assert_eq!(merge_section("{}", "browser", &serde_json::json!(1)).unwrap(), "{\n  \"browser\": 1\n}\n");
    }
}
