//! `bench load`: the server at saturation (issue 17). Three `wrk` runs at once against one
//! server process for the same span, each with its own signed-in session: the Manage
//! Users list, Search Text (one to five letters, changing with every request), and role
//! updates made with the version they last saw (a conflict, 409, is counted, not an
//! error). Reports requests/s, p50 and p99 of each, the errors that are not conflicts,
//! and the server's resident memory through the run.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use app::backend::Db;
use app::model::MemberQuery;
use app::sql;
use serde::Serialize;

use crate::http;
use crate::measure::{self, Backend};

#[derive(clap::Args)]
pub struct LoadArgs {
    #[command(flatten)]
    pub on: measure::LargeAccount,
    /// Seconds of the run.
    #[arg(long, default_value_t = 60)]
    pub seconds: u64,
    /// Connections in all: half on the list, three eighths on Search Text, the rest writing.
    #[arg(long, default_value_t = 32)]
    pub connections: u32,
    /// The server binary under load.
    #[arg(long, default_value = "target/release/server")]
    pub server_bin: PathBuf,
    /// Directory of the SQLite databases and of the results.
    #[arg(long, default_value = "bench")]
    pub dir: PathBuf,
    /// Quick run for the test suite: 10,000 members, 5 s, the debug server, both
    /// databases; fails on any error that is not a version conflict.
    #[arg(long)]
    pub smoke: bool,
}

#[derive(Serialize)]
struct Stream {
    name: &'static str,
    connections: u32,
    requests_per_sec: f64,
    p50_ms: f64,
    p99_ms: f64,
    /// Answers that were neither 2xx/3xx nor (for writes) a version conflict, and
    /// socket errors.
    errors: u64,
    conflicts: u64,
}

#[derive(Serialize)]
struct LoadRun {
    backend: &'static str,
    members: usize,
    seconds: u64,
    streams: Vec<Stream>,
    /// Resident memory (VmRSS): with SQLite it includes the pages of the database file
    /// read through its memory map, which grows with what the run has touched.
    rss_start_mb: f64,
    rss_end_mb: f64,
    /// The process's own memory (RssAnon: heap and stacks), at the start, at the middle
    /// and at the end of the run: growth in the second half (after warm-up) would be a leak.
    anon_start_mb: f64,
    anon_mid_mb: f64,
    anon_end_mb: f64,
}

/// What both scripts share: the first failure of each thread is kept and printed at the
/// end, so that a failing run says why.
const FAILURES: &str = r#"
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("slot", #threads)
end
-- wrk.format's headers replace wrk.headers (the -H ones: the session cookie).
function headers(extra)
  local h = {}
  for k, v in pairs(wrk.headers) do h[k] = v end
  for k, v in pairs(extra) do h[k] = v end
  h["Origin"] = origin
  return h
end
first_error = nil
function note(status, body)
  if first_error == nil and status ~= 409 and (status < 200 or status >= 400) then
    first_error = status .. " " .. string.sub(body, 1, 300)
  end
end
function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do
    total = total + (t:get("conflicts") or 0)
    local e = t:get("first_error")
    if e then io.write("first error: " .. e .. "\n") end
  end
  io.write("conflicts: " .. total .. "\n")
end
"#;

/// Cycles through the bodies given after the path, one request after another.
const ROTATE: &str = r#"
local path, bodies, n = nil, {}, 0
function response(status, headers, body) note(status, body) end
function init(args)
  path = args[1]
  for i = 2, #args do bodies[#bodies + 1] = args[i] end
end
function request()
  n = n % #bodies + 1
  return wrk.format("POST", path, headers({["Content-Type"] = "application/json"}), bodies[n])
end
"#;

/// Each thread updates one member's roles back and forth with the version it last saw;
/// after a conflict (another connection of the thread was first) it reads the version
/// again. Conflicts are counted per thread and summed at the end.
const WRITE: &str = r#"
local account, member, role, version, flip = nil, nil, nil, nil, false
conflicts = 0
function init(args)
  account, role = args[1], args[2]
  member = args[2 + slot]
end
function request()
  if version == nil then
    return wrk.format("POST", "/api/members/details",
      headers({["Content-Type"] = "application/x-www-form-urlencoded"}),
      "account=" .. account .. "&membership=" .. member)
  end
  flip = not flip
  local roles = flip and ('["' .. role .. '"]') or '[]'
  return wrk.format("POST", "/api/members/update", headers({["Content-Type"] = "application/json"}),
    '{"account":' .. account .. ',"membership":' .. member .. ',"version":' .. version ..
    ',"change":{"roles":' .. roles .. ',"cloud":null}}')
end
function response(status, headers, body)
  note(status, body)
  local seen = string.match(body, '"version":(%d+)')
  if status == 200 and seen then
    version = tonumber(seen)
  elseif status == 200 and version then
    version = version + 1
  else
    if status == 409 then conflicts = conflicts + 1 end
    version = nil
  end
end
"#;

pub async fn run(mut args: LoadArgs) -> anyhow::Result<()> {
    if args.smoke {
        args.on.members = 10_000;
        args.seconds = 5;
        args.connections = 16;
        if args.server_bin == std::path::Path::new("target/release/server") {
            args.server_bin = PathBuf::from("target/debug/server");
        }
    }
    if Command::new("wrk").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_err() {
        bail!("wrk is not installed");
    }
    if !args.server_bin.exists() {
        bail!("no server binary at {} (cargo build --release -p server)", args.server_bin.display());
    }
    let mut runs = Vec::new();
    for &backend in &args.on.backends {
        println!("== load: {} members, {} ({} s)", args.on.members, backend.name(), args.seconds);
        let (db, url, _) = measure::prepare(&args.dir, &args.on.postgres_url, false, backend, args.on.members).await?;
        let run = load(&args, backend, &db, &url).await;
        db.close().await;
        let run = run?;
        for s in &run.streams {
            println!(
                "   {:<12} {:>3} conns: {:>7.0} req/s, p50 {:>7.2} ms, p99 {:>7.2} ms, {} errors, {} version conflicts",
                s.name, s.connections, s.requests_per_sec, s.p50_ms, s.p99_ms, s.errors, s.conflicts
            );
        }
        println!(
            "   server memory: own (RssAnon) {:.0} MB at the start, {:.0} MB at the middle, {:.0} MB at the end; \
             resident with the mapped database {:.0} → {:.0} MB",
            run.anon_start_mb, run.anon_mid_mb, run.anon_end_mb, run.rss_start_mb, run.rss_end_mb
        );
        runs.push(run);
    }
    let out = if args.smoke { PathBuf::from("target/load-smoke.json") } else { args.dir.join("load.json") };
    std::fs::write(&out, serde_json::to_string_pretty(&runs)?).with_context(|| format!("writing {}", out.display()))?;
    println!("results: {}", out.display());
    let errors: u64 = runs.iter().flat_map(|r| &r.streams).map(|s| s.errors).sum();
    if errors > 0 {
        bail!("{errors} requests failed (other than version conflicts)");
    }
    Ok(())
}

async fn load(args: &LoadArgs, backend: Backend, db: &Db, url: &str) -> anyhow::Result<LoadRun> {
    let account = db.scalar::<i64>(&sql!("SELECT id FROM accounts WHERE name = 'Northwind Production'")).await?;
    // Members the writers update: active ones without a unique or administrator role.
    let writers: Vec<(i64,)> = db
        .fetch_all(&sql!(
            "SELECT id FROM memberships WHERE account_id = $1 AND status = 'active' AND (role_bits & 66) = 0 \
             ORDER BY id LIMIT 8",
            account
        ))
        .await?;
    let server = measure::Server::start(&args.server_bin, url, "error").await?;
    let (addr, pid) = (server.addr, server.pid());

    let query = MemberQuery::new(account);
    // The member list's request body with one field of the query set.
    let body = |field: &str, value: &str| {
        let mut q = serde_json::to_value(&query).expect("a query");
        q[field] = serde_json::Value::String(value.to_string());
        serde_json::json!({ "query": q }).to_string()
    };
    let list_bodies: Vec<String> =
        ["Name", "Email", "LastSignOn", "CasesOwned"].iter().map(|sort| body("sort", sort)).collect();
    // One to five letters: short strings page through a bounded window, common first
    // names ("oliv", "soph") are the strings whose matches lie together in name order,
    // and the rest are spread over it (issue 16, "Three letters and more").
    let search_bodies: Vec<String> = ["a", "ma", "oliv", "son", "smit", "e", "jo", "soph", "garc", "ann", "lee", "wil"]
        .iter()
        .map(|text| body("search", text))
        .collect();

    let write_conns = (args.connections / 8).max(2);
    let search_conns = (args.connections * 3 / 8).max(2);
    let list_conns = args.connections.saturating_sub(write_conns + search_conns).max(2);
    let write_threads = 2.min(writers.len() as u32).max(1);
    let mut write_args = vec![account.to_string(), "security_contact".to_string()];
    write_args.extend(writers.iter().map(|(id,)| id.to_string()));

    let dir = std::env::temp_dir().join(format!("roster-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let origin = format!("origin = \"http://{addr}\"\n");
    let rotate = dir.join("rotate.lua");
    let write = dir.join("write.lua");
    std::fs::write(&rotate, format!("{origin}{FAILURES}{ROTATE}"))?;
    std::fs::write(&write, format!("{origin}{FAILURES}{WRITE}"))?;

    // Warm the server up (caches, connections) before measuring its memory.
    let warm = http::sign_in(addr, measure::BENCH_ADMIN, None).await;
    for body in list_bodies.iter().chain(&search_bodies) {
        let reply = http::send(addr, &format!("JSON /api/members {body}"), Some(&warm)).await;
        if reply.status != 200 {
            bail!("the list answered {}: {}", reply.status, reply.text());
        }
    }
    let rss_start = measure::proc_status(pid, "VmRSS").unwrap_or(0);
    let anon_start = measure::proc_status(pid, "RssAnon").unwrap_or(0);
    let mid_anon = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = tokio::spawn({
        let (mid_anon, stop) = (mid_anon.clone(), stop.clone());
        let half = Duration::from_secs(args.seconds) / 2;
        async move {
            let started = Instant::now();
            while !stop.load(Ordering::Relaxed) {
                if started.elapsed() >= half && mid_anon.load(Ordering::Relaxed) == 0 {
                    mid_anon.store(measure::proc_status(pid, "RssAnon").unwrap_or(0), Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    });

    let target = format!("http://{addr}");
    let mut runs = Vec::new();
    for (name, script, threads, conns, mut script_args, path) in [
        ("list", &rotate, 2, list_conns, list_bodies, "/api/members"),
        ("search text", &rotate, 1, search_conns, search_bodies, "/api/members"),
        ("role update", &write, write_threads, write_conns, write_args, ""),
    ] {
        // Each stream with its own signed-in session.
        let cookie = http::sign_in(addr, measure::BENCH_ADMIN, None).await;
        if !path.is_empty() {
            script_args.insert(0, path.to_string());
        }
        let mut cmd = Command::new("wrk");
        cmd.args([
            &format!("-t{threads}"),
            &format!("-c{conns}"),
            &format!("-d{}s", args.seconds),
            // A slow answer is a slow answer (it shows in p99), not a socket error.
            "--timeout",
            "10s",
            "--latency",
            "-s",
            &script.display().to_string(),
            "-H",
            &format!("Cookie: {cookie}"),
            &target,
            "--",
        ])
        .args(&script_args)
        .stderr(Stdio::piped());
        let limit = Duration::from_secs(args.seconds + 60);
        runs.push((name, conns, tokio::task::spawn_blocking(move || measure::output_within(cmd, limit))));
    }
    let mut streams = Vec::new();
    for (name, connections, run) in runs {
        let output = run.await?.with_context(|| format!("wrk ({name})"))?;
        let text = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() {
            bail!("wrk ({name}) failed: {text}{}", String::from_utf8_lossy(&output.stderr));
        }
        if std::env::var("ROSTER_LOAD_VERBOSE").is_ok() {
            println!("{text}");
        }
        let figures = measure::parse_wrk(&text)?;
        for failure in text.lines().filter_map(|l| l.strip_prefix("first error: ")) {
            println!("   {name}: {failure}");
        }
        let conflicts: u64 =
            text.lines().find_map(|l| l.strip_prefix("conflicts: ")).and_then(|n| n.trim().parse().ok()).unwrap_or(0);
        streams.push(Stream {
            name,
            connections,
            requests_per_sec: figures.requests_per_sec,
            p50_ms: figures.p50_ms,
            p99_ms: figures.p99_ms,
            errors: figures.errors.saturating_sub(conflicts),
            conflicts,
        });
    }
    stop.store(true, Ordering::Relaxed);
    let _ = sampler.await;
    let rss_end = measure::proc_status(pid, "VmRSS").unwrap_or(0);
    let anon_end = measure::proc_status(pid, "RssAnon").unwrap_or(0);
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(LoadRun {
        backend: backend.name(),
        members: args.on.members,
        seconds: args.seconds,
        streams,
        rss_start_mb: measure::kib_to_mb(rss_start),
        rss_end_mb: measure::kib_to_mb(rss_end),
        anon_start_mb: measure::kib_to_mb(anon_start),
        anon_mid_mb: measure::kib_to_mb(mid_anon.load(Ordering::Relaxed)),
        anon_end_mb: measure::kib_to_mb(anon_end),
    })
}
