//! `bench partners`: a partner at scale (issue 13). "Initech Partners" gets
//! `--deployments` customer deployments to support, 500 more people, `--memberships`
//! memberships of its people on those deployments (Paula Partner on a tenth of them) and
//! `--requests` pending access requests, which Alex Approver (approver of every Initech
//! deployment) sees. Then, through the storage code the server runs, it measures Paula's
//! "My deployments" (every sort both ways, a deep page, Search Text common, rare and
//! short) and Alex's Approvals inbox (first and deep page, the header's badge count).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use app::backend::access::Actor;
use app::backend::{access_requests, partners, Db};
use app::model::{DeploymentQuery, DeploymentSort, ListParams, PageCursor, SortColumn, SortDir};
use app::sql;
use server::seed;

use crate::measure::{latency, report, Backend, Figure, Filled, Latency};

#[derive(clap::Args, Clone, Debug)]
pub struct PartnerArgs {
    /// Deployments the partner supports.
    #[arg(long, default_value_t = 5_000)]
    pub deployments: i64,
    /// Memberships of the partner's people on those deployments.
    #[arg(long, default_value_t = 50_000)]
    pub memberships: i64,
    /// Pending access requests, all in the approver's inbox.
    #[arg(long, default_value_t = 5_000)]
    pub requests: i64,
    /// Databases to measure.
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = [Backend::Sqlite, Backend::Postgres])]
    pub backends: Vec<Backend>,
    /// PostgreSQL server; a database `roster_bench_partners_<deployments>` is created on it.
    #[arg(long, env = "ROSTER_BENCH_POSTGRES_URL", default_value = "postgres://postgres@127.0.0.1:5432/test")]
    pub postgres_url: String,
    /// Timed calls of each measurement.
    #[arg(long, default_value_t = 200)]
    pub calls: usize,
    /// Directory of the SQLite databases and of the results.
    #[arg(long, default_value = "bench")]
    pub dir: PathBuf,
    /// Quick run for the test suite: 200 deployments, 2,000 memberships, 200 requests,
    /// SQLite only, a few calls.
    #[arg(long)]
    pub smoke: bool,
    /// Fill the databases again even when they hold this size.
    #[arg(long)]
    pub reseed: bool,
}

/// Target: the list targets of Manage Users.
const LIST_P99_MS: f64 = 25.0;
/// Rows of a page of My deployments (the Approvals inbox has its own, fixed).
const PAGE_SIZE: u32 = 25;
/// Pages followed to reach a deep page.
const DEEP_PAGES: usize = 20;
/// The partner's people made for the bench (memberships rotate over them).
const PEOPLE: i64 = 500;
const PARTNER: &str = "Initech Partners";
const PAULA: &str = "paula.partner@initech.example";
const ALEX: &str = "alex.approver@initech.example";

pub async fn run(mut args: PartnerArgs) -> anyhow::Result<()> {
    if args.smoke {
        args.deployments = 200;
        args.memberships = 2_000;
        args.requests = 200;
        args.backends = vec![Backend::Sqlite];
        args.calls = args.calls.min(5);
    }
    anyhow::ensure!(args.deployments > 0, "--deployments must be at least 1");
    let people = people(&args);
    anyhow::ensure!(
        args.requests <= args.deployments * people,
        "--requests: at most one pending request per person and deployment ({})",
        args.deployments * people
    );
    let mut figures = Vec::new();
    for &backend in &args.backends {
        println!(
            "\n== partners on {}: {} deployments, {} memberships, {} pending requests",
            backend.name(),
            args.deployments,
            args.memberships,
            args.requests
        );
        let db = prepare(&args, backend).await?;
        let measured = measure(&args, &db, backend).await;
        db.close().await;
        figures.extend(measured?);
    }
    let out =
        if args.smoke { PathBuf::from("target/bench-partners-smoke.json") } else { args.dir.join("partners.json") };
    report(&figures, &out)
}

/// The bench's people of the partner: 500, or more when the memberships need more
/// rounds over the deployments than that (one membership per person and deployment).
fn people(args: &PartnerArgs) -> i64 {
    PEOPLE.max((args.memberships + args.deployments - 1) / args.deployments)
}

/// The database of this size, filled once and reused.
async fn prepare(args: &PartnerArgs, backend: Backend) -> anyhow::Result<Db> {
    let file = format!("partners-{}.db", args.deployments);
    let name = format!("roster_bench_partners_{}", args.deployments);
    let marker = format!("{} {} {}", args.deployments, args.memberships, args.requests);
    let target = Filled::new(backend, &args.dir, &args.postgres_url, (&file, &name), "partners", marker)?;
    if let Some(db) = target.reused(args.reseed).await? {
        keep_pending(&db).await?;
        return Ok(db);
    }
    let db = target.create().await?;
    let now = app::backend::now();
    seed::seed(&db, &seed::SeedOptions { members: 100, seed: 1, now: now - now % 86_400 }).await.context("seeding")?;
    let started = Instant::now();
    fill(&db, backend, args, now).await.context("filling the partner")?;
    println!("   filled in {:.0} s", started.elapsed().as_secs_f64());
    target.done(&db).await?;
    Ok(db)
}

/// The bench's requests wait 14 days from now, however long ago the database was
/// filled: a reused database would otherwise have an empty inbox after two weeks.
async fn keep_pending(db: &Db) -> anyhow::Result<()> {
    let until = app::backend::now() + app::model::REQUEST_DAYS * 86_400;
    db.execute(&sql!("UPDATE access_requests SET expires_at = $1 WHERE reason = 'bench' AND state = 'pending'", until))
        .await?;
    Ok(())
}

/// The partner's deployments, people, memberships and pending requests, made by the
/// database itself (a generated series), which is far faster than inserts from here.
async fn fill(db: &Db, backend: Backend, args: &PartnerArgs, now: i64) -> anyhow::Result<()> {
    let partner = partner_id(db).await?;
    let people = people(args);
    let series = |n: i64| match backend {
        Backend::Sqlite => {
            format!("(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) SELECT i FROM s)")
        }
        Backend::Postgres => format!("(SELECT generate_series(1, {n})::bigint AS i)"),
    };
    let pad = match backend {
        Backend::Sqlite => "printf('%06d', g.i)",
        Backend::Postgres => "lpad(g.i::text, 6, '0')",
    };
    // The deployments are spread over the seeded customers.
    db.execute(&sql!("CREATE TABLE bench_customers (k INTEGER PRIMARY KEY, organisation_id BIGINT NOT NULL)")).await?;
    db.execute(&sql!(
        "INSERT INTO bench_customers (k, organisation_id) SELECT ROW_NUMBER() OVER (ORDER BY id) - 1, id \
         FROM organisations WHERE kind = 'customer'"
    ))
    .await?;
    let customers: i64 = db.scalar(&sql!("SELECT COUNT(*) FROM bench_customers")).await?;
    anyhow::ensure!(customers > 0, "no customer organisations");
    println!("   {} deployments …", args.deployments);
    db.execute(&sql!(
        format!(
            "INSERT INTO accounts (organisation_id, name, org_id, kind, created_at) \
         SELECT c.organisation_id, 'Deployment ' || {pad}, 'BX-' || {pad}, \
         CASE g.i % 3 WHEN 0 THEN 'cloud' WHEN 1 THEN 'on-premises' ELSE 'client-managed cloud' END, $1 - g.i \
         FROM {} g JOIN bench_customers c ON c.k = g.i % {customers}",
            series(args.deployments)
        ),
        now
    ))
    .await?;
    db.execute(&sql!("CREATE TABLE bench_deployments (k INTEGER PRIMARY KEY, account_id BIGINT NOT NULL)")).await?;
    db.execute(&sql!(
        "INSERT INTO bench_deployments (k, account_id) SELECT ROW_NUMBER() OVER (ORDER BY id) - 1, id \
         FROM accounts WHERE org_id LIKE 'BX-%'"
    ))
    .await?;
    db.execute(&sql!(
        "INSERT INTO partner_deployments (partner_id, account_id, since) SELECT $1, account_id, $2 - k FROM bench_deployments",
        partner,
        now
    ))
    .await?;
    println!("   {people} people of {PARTNER} …");
    db.execute(&sql!(
        format!(
        "INSERT INTO people (display_name, name_key, email, email_domain, email_key, registered_at, last_sign_in_at, \
         organisation_id) \
         SELECT 'Bench Partner ' || g.i, 'bench partner ' || g.i, 'bench.partner.' || g.i || '@initech.example', \
         'initech.example', 'bench.partner.' || g.i || '@initech.example', $1 - 86400 * 400, $1 - g.i * 3600, $2 \
         FROM {} g",
        series(people)
    ),
        now,
        partner
    ))
    .await?;
    db.execute(&sql!(
        "CREATE TABLE bench_people (k INTEGER PRIMARY KEY, person_id BIGINT NOT NULL, name TEXT NOT NULL, \
         email TEXT NOT NULL, last_sign_in_at BIGINT NOT NULL)"
    ))
    .await?;
    db.execute(&sql!(
        "INSERT INTO bench_people (k, person_id, name, email, last_sign_in_at) \
         SELECT ROW_NUMBER() OVER (ORDER BY id) - 1, id, display_name, email, last_sign_in_at FROM people \
         WHERE email_key LIKE 'bench.partner.%'"
    ))
    .await?;
    // The levels in turn, with the role bits and extra roles each stands for.
    let levels = "(SELECT 0 AS k, 'case_handling' AS level, 1 AS bits, 0 AS extra \
                  UNION ALL SELECT 1, 'technical', 5, 1 UNION ALL SELECT 2, 'full', 53, 3)";
    let insert = "INSERT INTO memberships (account_id, person_id, status, role_bits, additional_roles, \
                  cloud_environment, added_at, name, name_key, email, email_key, last_sign_in_at, support_level)";
    println!("   {} memberships …", args.memberships);
    // Membership n is on deployment n % D, of person (n % D + n / D) % P: each round over
    // the deployments shifts the people by one, so no person is on a deployment twice.
    db.execute(&sql!(
        format!(
            "{insert} SELECT d.account_id, p.person_id, 'active', l.bits, l.extra, 'non-production', $1 - g.i, \
         p.name, lower(p.name), p.email, lower(p.email), p.last_sign_in_at, l.level \
         FROM {} g JOIN bench_deployments d ON d.k = (g.i - 1) % $2 \
         JOIN bench_people p ON p.k = ((g.i - 1) % $2 + (g.i - 1) / $2) % $3 \
         JOIN {levels} l ON l.k = (g.i - 1) % 3",
            series(args.memberships)
        ),
        now,
        args.deployments,
        people
    ))
    .await?;
    // Paula Partner on a tenth of them, with every level, so that her list shows access.
    let (paula, paula_name, paula_email, paula_sign_in): (i64, String, String, Option<i64>) = db
        .fetch_optional(&sql!(
            "SELECT id, display_name, email, last_sign_in_at FROM people WHERE email_key = $1",
            PAULA
        ))
        .await?
        .context("no Paula Partner")?;
    db.execute(&sql!(
        format!(
            "{insert} SELECT d.account_id, $1, 'active', l.bits, l.extra, 'non-production', $2 - d.k, \
             $3, $4, $5, $6, $7, l.level FROM bench_deployments d JOIN {levels} l ON l.k = (d.k / 10) % 3 \
             WHERE d.k % 10 = 0"
        ),
        paula,
        now,
        &paula_name,
        paula_name.to_lowercase(),
        &paula_email,
        paula_email.to_lowercase(),
        paula_sign_in.unwrap_or(0)
    ))
    .await?;
    // Pending requests: request n for deployment n % D and person (n % D + n / D) % P,
    // one per person and deployment; oldest first, so the newest has the highest id.
    println!("   {} pending access requests …", args.requests);
    db.execute(&sql!(
        format!(
            "INSERT INTO access_requests (partner_id, account_id, person_id, requested_by, support_level, reason, \
         created_at, expires_at, state) \
         SELECT $1, d.account_id, p.person_id, p.person_id, 'technical', 'bench', $2 - $3 + g.i, $4, 'pending' \
         FROM {} g JOIN bench_deployments d ON d.k = (g.i - 1) % $5 \
         JOIN bench_people p ON p.k = ((g.i - 1) % $5 + (g.i - 1) / $5) % $6",
            series(args.requests)
        ),
        partner,
        now,
        args.requests,
        now + app::model::REQUEST_DAYS * 86_400,
        args.deployments,
        people
    ))
    .await?;
    // Statistics for the planners, as a database that grew this large would have.
    db.execute(&sql!("ANALYZE")).await?;
    Ok(())
}

async fn partner_id(db: &Db) -> anyhow::Result<i64> {
    let (id,): (i64,) = db
        .fetch_optional(&sql!("SELECT id FROM organisations WHERE name = $1 AND kind = 'partner'", PARTNER))
        .await?
        .with_context(|| format!("no {PARTNER}"))?;
    Ok(id)
}

/// Times `calls` runs of `f` after two untimed ones.
async fn time<T, F, Fut>(calls: usize, mut f: F) -> anyhow::Result<(Latency, T)>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<T>>,
{
    f().await?;
    let mut last = f().await?;
    let mut times: Vec<Duration> = Vec::with_capacity(calls);
    for _ in 0..calls {
        let started = Instant::now();
        last = f().await?;
        times.push(started.elapsed());
    }
    Ok((latency(&mut times), last))
}

fn query(search: &str, sort: DeploymentSort, dir: SortDir, cursor: Option<PageCursor>) -> DeploymentQuery {
    DeploymentQuery { list: ListParams { search: search.to_string(), sort, dir, page_size: PAGE_SIZE, cursor } }
}

async fn measure(args: &PartnerArgs, db: &Db, backend: Backend) -> anyhow::Result<Vec<Figure>> {
    let member = Actor::by_email(db, PAULA).await?.partner_member(db).await?;
    let approver = Actor::by_email(db, ALEX).await?.approver(db).await?;
    let mut figures = Vec::new();
    let mut record = |what: String, rows: usize, latency: Latency, target: f64| {
        println!("   {what:<52} p50 {:>7.2} ms  p99 {:>7.2} ms", latency.p50_ms, latency.p99_ms);
        figures.push(Figure {
            backend: backend.name(),
            what,
            rows,
            met: latency.p99_ms <= target,
            latency,
            target_p99_ms: target,
        });
    };

    // My deployments: every order both ways, from the first page.
    for sort in DeploymentSort::ALL.iter().copied() {
        for dir in [SortDir::Asc, SortDir::Desc] {
            let q = query("", sort, dir, None);
            let (l, page) = time(args.calls, || async { Ok(partners::deployments(db, &member, &q).await?) }).await?;
            anyhow::ensure!(page.total >= args.deployments, "My deployments counts {} in all", page.total);
            record(
                format!("deployments sorted by {} {}", sort.as_str(), dir.as_str()),
                page.page.rows.len(),
                l,
                LIST_P99_MS,
            );
        }
    }
    // A page deep in the default order, reached by following the next-page cursors.
    let mut deep = query("", DeploymentSort::default(), SortDir::Asc, None);
    let mut pages = 0;
    while pages < DEEP_PAGES {
        let page = partners::deployments(db, &member, &deep).await?;
        let Some(next) = page.page.next else { break };
        deep.list.cursor = Some(PageCursor::After(next));
        pages += 1;
    }
    let (l, page) = time(args.calls, || async { Ok(partners::deployments(db, &member, &deep).await?) }).await?;
    record(
        format!("deployments, a page {} rows deep", pages * PAGE_SIZE as usize),
        page.page.rows.len(),
        l,
        LIST_P99_MS,
    );
    // Search Text.
    let rare = format!("BX-{:06}", args.deployments.min(4_321));
    for (what, search) in [
        ("search \"deployment\" (every one)".to_string(), "deployment".to_string()),
        (format!("search \"{rare}\" (one Org ID)"), rare.clone()),
        ("search \"b\" (1 char)".to_string(), "b".to_string()),
    ] {
        let q = query(&search, DeploymentSort::default(), SortDir::Asc, None);
        let (l, page) = time(args.calls, || async { Ok(partners::deployments(db, &member, &q).await?) }).await?;
        record(format!("deployments, {what}"), page.page.rows.len(), l, LIST_P99_MS);
    }

    // The Approvals inbox: the first page, and one reached by following `next`.
    let (l, page) = time(args.calls, || async { Ok(access_requests::inbox(db, &approver, None).await?) }).await?;
    anyhow::ensure!(!page.rows.is_empty(), "the Approvals inbox is empty");
    record("approvals inbox, first page".into(), page.rows.len(), l, LIST_P99_MS);
    let (mut below, mut pages, mut rows) = (None, 0, 0);
    while pages < DEEP_PAGES {
        let page = access_requests::inbox(db, &approver, below).await?;
        let Some(next) = page.next else { break };
        rows += page.rows.len();
        below = Some(next);
        pages += 1;
    }
    let (l, page) = time(args.calls, || async { Ok(access_requests::inbox(db, &approver, below).await?) }).await?;
    record(format!("approvals inbox, a page {rows} rows deep"), page.rows.len(), l, LIST_P99_MS);
    let (l, waiting) = time(args.calls, || async { Ok(access_requests::waiting(db, &approver).await?) }).await?;
    anyhow::ensure!(waiting >= args.requests, "{waiting} requests wait, not {}", args.requests);
    record("approvals badge, requests waiting (count)".into(), waiting as usize, l, LIST_P99_MS);
    Ok(figures)
}
