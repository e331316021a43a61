//! `bench cases`: the case side at scale (issue 14). One account ("Northwind
//! Production") gets `--cases` cases and the database `--messages` pulse messages, most
//! of them on the cases evenly and a long feed on one "hot" case that `--followers`
//! members follow. Then, through the storage code the server runs, it measures the case
//! list (every sort both ways, a deep page, the status filter, Search Text common, rare
//! and short, a member's own cases), a case's pulse pages (first, deep, latest) and
//! posting a message on the hot case, which notifies every follower.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use app::backend::access::{Actor, CaseAccess, CaseReader};
use app::backend::cases::{list, pulse};
use app::backend::Db;
use app::model::{
    AccountId, CaseId, CaseQuery, CaseSort, CaseStatus, Cursor, CursorKey, ListView, PageCursor, SortColumn, SortDir,
};
use app::sql;
use server::seed;

use crate::measure::{latency, report, Backend, Figure, Filled, Latency};

#[derive(clap::Args, Clone, Debug)]
pub struct CaseArgs {
    /// Cases of the large account.
    #[arg(long, default_value_t = 1_000_000)]
    pub cases: i64,
    /// Pulse messages in the database.
    #[arg(long, default_value_t = 10_000_000)]
    pub messages: i64,
    /// Followers of the hot case (members of the account).
    #[arg(long, default_value_t = 1_000)]
    pub followers: i64,
    /// Databases to measure.
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = [Backend::Sqlite, Backend::Postgres])]
    pub backends: Vec<Backend>,
    /// PostgreSQL server; a database `roster_bench_cases_<cases>` is created on it.
    #[arg(long, env = "ROSTER_BENCH_POSTGRES_URL", default_value = "postgres://postgres@127.0.0.1:5432/test")]
    pub postgres_url: String,
    /// Timed calls of each measurement.
    #[arg(long, default_value_t = 200)]
    pub calls: usize,
    /// Directory of the SQLite databases and of the results.
    #[arg(long, default_value = "bench")]
    pub dir: PathBuf,
    /// Quick run for the test suite: 10,000 cases, 100,000 messages, 100 followers,
    /// SQLite only, a few calls.
    #[arg(long)]
    pub smoke: bool,
    /// Fill the databases again even when they hold this size.
    #[arg(long)]
    pub reseed: bool,
}

/// Targets: the list targets of Manage Users, and posting to a case with many followers.
const LIST_P99_MS: f64 = 25.0;
const POST_P99_MS: f64 = 50.0;

pub async fn run(mut args: CaseArgs) -> anyhow::Result<()> {
    if args.smoke {
        args.cases = 10_000;
        args.messages = 100_000;
        args.followers = 100;
        args.backends = vec![Backend::Sqlite];
        args.calls = args.calls.min(5);
    }
    let mut figures = Vec::new();
    for &backend in &args.backends {
        println!(
            "\n== cases on {}: {} cases, {} messages, {} followers",
            backend.name(),
            args.cases,
            args.messages,
            args.followers
        );
        let db = prepare(&args, backend).await?;
        let measured = measure(&args, &db, backend).await;
        db.close().await;
        figures.extend(measured?);
    }
    let out = if args.smoke { PathBuf::from("target/bench-cases-smoke.json") } else { args.dir.join("cases.json") };
    report(&figures, &out)
}

/// The database of this size, filled once and reused.
async fn prepare(args: &CaseArgs, backend: Backend) -> anyhow::Result<Db> {
    let file = format!("cases-{}.db", args.cases);
    let name = format!("roster_bench_cases_{}", args.cases);
    let marker = format!("{} {} {}", args.cases, args.messages, args.followers);
    let target = Filled::new(backend, &args.dir, &args.postgres_url, (&file, &name), "cases", marker)?;
    if let Some(db) = target.reused(args.reseed).await? {
        return Ok(db);
    }
    let db = target.create().await?;
    let now = app::backend::now();
    let members = (args.followers as usize + 100).max(1_000);
    seed::seed(&db, &seed::SeedOptions { members, seed: 1, now: now - now % 86_400 }).await.context("seeding")?;
    let started = Instant::now();
    fill(&db, backend, args, now).await.context("filling the cases")?;
    println!("   filled in {:.0} s", started.elapsed().as_secs_f64());
    target.done(&db).await?;
    Ok(db)
}

/// The large account's cases, messages and the hot case's followers, made by the
/// database itself (a generated series), which is far faster than inserts from here.
async fn fill(db: &Db, backend: Backend, args: &CaseArgs, now: i64) -> anyhow::Result<()> {
    let account = common_account(db).await?;
    // Primary contacts rotate over 500 members, so that sorting by them means something.
    db.execute(&sql!(
        "CREATE TABLE bench_people (k INTEGER PRIMARY KEY, person_id BIGINT NOT NULL, name TEXT NOT NULL)"
    ))
    .await?;
    db.execute(&sql!(
        "INSERT INTO bench_people (k, person_id, name) SELECT ROW_NUMBER() OVER (ORDER BY id) - 1, person_id, name \
         FROM (SELECT id, person_id, name FROM memberships WHERE account_id = $1 AND status = 'active' ORDER BY id LIMIT 500) m",
        account
    ))
    .await?;
    let series = |n: i64| match backend {
        Backend::Sqlite => {
            format!("(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) SELECT i FROM s)")
        }
        Backend::Postgres => format!("(SELECT generate_series(1, {n})::bigint AS i)"),
    };
    let pad = match backend {
        Backend::Sqlite => "printf('%09d', g.i)",
        Backend::Postgres => "lpad(g.i::text, 9, '0')",
    };
    println!("   {} cases …", args.cases);
    // Titles from ten words, so that a common word matches a tenth of the cases.
    db.execute(&sql!(format!(
        "INSERT INTO cases (account_id, number, title, title_key, description, status, primary_contact_id, primary_name, \
         primary_name_key, opened_at, updated_at, resolved_at) \
         SELECT $1, 'B-' || {pad}, t.word || ' problem ' || g.i, lower(t.word) || ' problem ' || g.i, '', \
         CASE WHEN g.i % 3 = 0 THEN 'resolved' ELSE 'open' END, p.person_id, p.name, lower(p.name), $2 - g.i, $2 - g.i, \
         CASE WHEN g.i % 3 = 0 THEN $2 - g.i ELSE NULL END \
         FROM {} g JOIN bench_people p ON p.k = g.i % 500 \
         JOIN (SELECT 0 AS k, 'Login' AS word UNION ALL SELECT 1, 'Upgrade' UNION ALL SELECT 2, 'Licence' \
               UNION ALL SELECT 3, 'Report' UNION ALL SELECT 4, 'Certificate' UNION ALL SELECT 5, 'Export' \
               UNION ALL SELECT 6, 'Security' UNION ALL SELECT 7, 'Backup' UNION ALL SELECT 8, 'Email' \
               UNION ALL SELECT 9, 'Quota') t ON t.k = g.i % 10",
        series(args.cases)
    ), account, now))
    .await?;
    let (first, last): (i64, i64) = db
        .fetch_optional(&sql!(
            "SELECT MIN(id), MAX(id) FROM cases WHERE account_id = $1 AND number LIKE 'B-%'",
            account
        ))
        .await?
        .context("no cases")?;
    let hot = last;
    // A tenth of the messages on the hot case, the rest spread over every case.
    let on_hot = args.messages / 10;
    println!("   {} pulse messages …", args.messages);
    let (author,): (i64,) =
        db.fetch_optional(&sql!("SELECT person_id FROM bench_people WHERE k = 0")).await?.context("no people")?;
    db.execute(&sql!(format!(
        "INSERT INTO pulse_messages (case_id, author_id, body, created_at) \
         SELECT CASE WHEN g.i <= $1 THEN $2 ELSE $3 + g.i % ($2 - $3 + 1) END, $4, 'Message ' || g.i, $5 + g.i FROM {} g",
        series(args.messages)
    ), on_hot, hot, first, author, now - args.messages))
    .await?;
    db.execute(&sql!(
        "INSERT INTO case_followers (case_id, person_id) SELECT $1, person_id FROM memberships \
         WHERE account_id = $2 AND status = 'active' AND person_id <> $3 ORDER BY id LIMIT $4",
        hot,
        account,
        author,
        args.followers
    ))
    .await?;
    // "Cases owned" as the open cases say.
    db.execute(&sql!(
        "UPDATE memberships SET cases_owned = (SELECT COUNT(*) FROM cases c WHERE c.account_id = memberships.account_id \
         AND c.status = 'open' AND c.primary_contact_id = memberships.person_id) WHERE account_id = $1",
        account
    ))
    .await?;
    // Statistics for the planners, and on PostgreSQL the rows' visibility settled, as in a
    // database that grew this large over time: without the VACUUM the first reads after the
    // fill set hint bits on ten million fresh rows while autovacuum starts on them, which
    // stalled one "latest pulse page" probe for 1.5 s in the first measurement.
    match db {
        Db::Postgres(..) => db.execute(&sql!("VACUUM (ANALYZE)")).await?,
        Db::Sqlite(..) => db.execute(&sql!("ANALYZE")).await?,
    };
    Ok(())
}

async fn common_account(db: &Db) -> anyhow::Result<AccountId> {
    let (id,): (i64,) = db
        .fetch_optional(&sql!("SELECT id FROM accounts WHERE name = 'Northwind Production'"))
        .await?
        .context("no Northwind Production")?;
    Ok(AccountId(id))
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

async fn measure(args: &CaseArgs, db: &Db, backend: Backend) -> anyhow::Result<Vec<Figure>> {
    let account = common_account(db).await?;
    let adam = Actor::by_email(db, "adam.admin@northwind.example").await?;
    let admin = adam.clone().manage(db, account).await?;
    let as_admin = CaseAccess::Admin(admin.clone());
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

    // The list: every order both ways, from the first page.
    let base = CaseQuery::new(account.0);
    for sort in CaseSort::ALL.iter().copied() {
        for dir in [SortDir::Asc, SortDir::Desc] {
            let mut q = base.sorted_by(sort);
            q.list.dir = dir;
            let (l, page) = time(args.calls, || async { Ok(list::list(db, &as_admin, &q).await?) }).await?;
            record(format!("list sorted by {} {}", sort.as_str(), dir.as_str()), page.rows.len(), l, LIST_P99_MS);
        }
    }
    // A page deep in the default order, from a cursor a tenth of the way in.
    let depth = args.cases / 10;
    let (updated, id): (i64, i64) = db
        .fetch_optional(&sql!(
            "SELECT updated_at, id FROM cases WHERE account_id = $1 ORDER BY updated_at DESC, id DESC LIMIT 1 OFFSET $2",
            account,
            depth
        ))
        .await?
        .context("no deep row")?;
    let deep = base.at(Some(PageCursor::After(Cursor { key: CursorKey::Int(updated), id })));
    let (l, page) = time(args.calls, || async { Ok(list::list(db, &as_admin, &deep).await?) }).await?;
    record(format!("list, a page {depth} rows deep"), page.rows.len(), l, LIST_P99_MS);
    // Filters and Search Text.
    let mut views = Vec::new();
    let mut open = base.clone();
    open.status = Some(CaseStatus::Open);
    views.push(("status open".to_string(), open));
    views.push(("search \"licence\" (a tenth of the cases)".to_string(), base.with_search("licence".into())));
    let rare = format!("b-{:09}", args.cases / 2);
    views.push((format!("search \"{rare}\" (one case)"), base.with_search(rare.clone())));
    views.push(("search \"problem 12345\" (rare)".to_string(), base.with_search("problem 12345".into())));
    // One or two characters: a page looks through at most SHORT_SEARCH_WINDOW cases.
    views.push(("search \"e\" (1 char)".to_string(), base.with_search("e".into())));
    views.push(("search \"li\" (2 chars, common)".to_string(), base.with_search("li".into())));
    views.push(("search \"zq\" (2 chars, no match: one window)".to_string(), base.with_search("zq".into())));
    let mut mine = base.clone();
    mine.mine = true;
    views.push(("only my cases (an administrator's)".to_string(), mine));
    for (what, q) in views {
        let (l, page) = time(args.calls, || async { Ok(list::list(db, &as_admin, &q).await?) }).await?;
        record(format!("list, {what}"), page.rows.len(), l, LIST_P99_MS);
    }
    // A member's own cases.
    let (member_email,): (String,) = db
        .fetch_optional(&sql!("SELECT p.email FROM bench_people b JOIN people p ON p.id = b.person_id WHERE b.k = 7",))
        .await?
        .context("no member")?;
    let member = Actor::by_email(db, &member_email).await?.member_of(db, account).await?;
    let as_member = CaseAccess::Member(member.clone());
    let (l, page) = time(args.calls, || async { Ok(list::list(db, &as_member, &base).await?) }).await?;
    record("list, a member's own cases".into(), page.rows.len(), l, LIST_P99_MS);

    // The hot case's pulse feed.
    let (hot,): (i64,) = db
        .fetch_optional(&sql!("SELECT MAX(id) FROM cases WHERE account_id = $1 AND number LIKE 'B-%'", account))
        .await?
        .context("no hot case")?;
    let reader: CaseReader = adam.clone().read_case(db, account, CaseId(hot)).await?;
    let (middle,): (i64,) = db
        .fetch_optional(&sql!(
            "SELECT id FROM pulse_messages WHERE case_id = $1 ORDER BY id LIMIT 1 OFFSET $2",
            hot,
            args.messages / 20
        ))
        .await?
        .context("no messages")?;
    let at = |id: i64| Cursor { key: CursorKey::Int(id), id };
    for (what, cursor) in [
        ("pulse, first page".to_string(), None),
        (format!("pulse, a page {} messages in", args.messages / 20), Some(PageCursor::After(at(middle)))),
        ("pulse, latest page".to_string(), Some(PageCursor::Before(at(i64::MAX)))),
    ] {
        let (l, page) = time(args.calls, || async { Ok(pulse::page(db, &reader, cursor.clone()).await?) }).await?;
        record(what, page.messages.len(), l, LIST_P99_MS);
    }
    // Posting to the hot case: a notification for each follower. Adam is a member too.
    let posts = args.calls.min(50);
    let (l, _) =
        time(posts, || async { Ok(pulse::post(db, &reader, "A bench message to every follower.").await?) }).await?;
    record(format!("post to a case with {} followers", args.followers), args.followers as usize, l, POST_P99_MS);
    Ok(figures)
}
