//! Opening the database named by `DATABASE_URL` and bringing its schema up to date.

use std::str::FromStr;
use std::time::Duration;

use anyhow::{bail, Context};
use app::backend::db::Shared;
use app::backend::lanes::Lanes;
use app::backend::Db;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

/// The embedded default: a SQLite file in `data/`.
pub const DEFAULT_URL: &str = "sqlite://data/roster.db";

/// How much of a SQLite database file is read through a memory map (address space, not
/// memory: the pages are the OS page cache's).
const MMAP_BYTES: u64 = 1 << 30;

/// How many connections an instance keeps and how long a request waits for one.
#[derive(Clone, Copy, Debug)]
pub struct PoolSize {
    /// Of each kind: as many for transactions (the pool) as for the statements outside
    /// them (the lanes, `app::backend::lanes`), so an instance opens up to twice this.
    pub max_connections: u32,
    /// Past this a request is answered 503 "busy" instead of queueing without end: a
    /// burst beyond what the database can take is refused quickly, and the person (or the
    /// load balancer) tries again.
    pub acquire_timeout: Duration,
}

/// PostgreSQL connections each instance keeps open even when idle.
const WARM_CONNECTIONS: u32 = 4;

/// The wait for a free connection when the pool is exhausted.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_millis(600);

/// A PostgreSQL connection idle longer than this is pinged before a request gets it (one
/// that was closed meanwhile is replaced); one in steady use is not. sqlx pings on every
/// acquisition by default, which doubled the round trips of every read outside a
/// transaction (a page makes about a dozen).
const PING_WHEN_IDLE_FOR: Duration = Duration::from_secs(30);

impl PoolSize {
    /// `ROSTER_DB_CONNECTIONS` or the backend's default: 8 for SQLite, whose writes take
    /// turns anyway; for PostgreSQL twice this machine's cores and two more (6 on two
    /// cores), the rule of thumb of PostgreSQL's wiki for its own cores: more statements
    /// at once than its cores can run only add switching between its processes. On the
    /// 2-core benchmark machine 6 connections rendered Manage Users a seventh faster than
    /// 16, with a third less p99 (README, issue 16). With several instances, keep twice
    /// their sum under the server's `max_connections`.
    pub fn for_url(url: &str) -> anyhow::Result<PoolSize> {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get() as u32);
        let default = if url.starts_with("sqlite:") { 8 } else { 2 * cores + 2 };
        let max_connections = match std::env::var("ROSTER_DB_CONNECTIONS") {
            Ok(n) => n
                .parse()
                .ok()
                .filter(|n| *n > 0)
                .with_context(|| format!("ROSTER_DB_CONNECTIONS must be a positive number (got {n:?})"))?,
            Err(_) => default,
        };
        Ok(PoolSize { max_connections, acquire_timeout: ACQUIRE_TIMEOUT })
    }
}

pub async fn open(url: &str) -> anyhow::Result<Db> {
    open_with(url, PoolSize::for_url(url)?).await
}

/// `open` with the pool sized by the caller.
pub async fn open_with(url: &str, size: PoolSize) -> anyhow::Result<Db> {
    let db = if url.starts_with("sqlite:") {
        let options = SqliteConnectOptions::from_str(url)
            .with_context(|| format!("invalid SQLite URL {url}"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            // Read the file through a memory map: index walks then cost no system call
            // per page, and the connections share the OS page cache instead of each
            // keeping a copy in its own.
            .pragma("mmap_size", MMAP_BYTES.to_string());
        if let Some(dir) = options.get_filename().parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let pool = SqlitePoolOptions::new()
            // An embedded connection cannot have been dropped by a server or a network,
            // so sqlx's ping on every acquisition is only a trip to the connection's
            // worker thread and back.
            .test_before_acquire(false)
            .max_connections(size.max_connections)
            .acquire_timeout(size.acquire_timeout)
            .connect_with(options.clone())
            .await
            .with_context(|| format!("cannot open {url}"))?;
        sqlx::migrate!("migrations/sqlite").run(&pool).await.context("applying the SQLite migrations failed")?;
        // The file's connections are never dropped from outside: no idle one is pinged.
        let lanes = Lanes::new(options, size.max_connections, size.acquire_timeout, Duration::MAX);
        Db::Sqlite(pool, Shared::new(lanes))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        // A request never waits on a row lock or an abandoned transaction without end:
        // past these it fails (a lock wait as "busy") and its connection is freed. No
        // statement is compiled (JIT): a list statement the planner costs high (a skip
        // scan's estimates are rough) spent 370 ms compiling to run in 10.
        let options = PgConnectOptions::from_str(url)
            .with_context(|| format!("invalid PostgreSQL URL {}", redact(url)))?
            .options([("lock_timeout", "15s"), ("idle_in_transaction_session_timeout", "60s"), ("jit", "off")]);
        let shared =
            Shared::new(Lanes::new(options.clone(), size.max_connections, size.acquire_timeout, PING_WHEN_IDLE_FOR));
        // A few connections are kept open from the start (and reopened in the background
        // when closed): a page's server functions then find them ready instead of each
        // opening one, which on a busy database server can take longer than the short
        // acquire timeout allows. A transaction's connection is tested first when it may
        // be stale: idle long, or since a statement failed (the database may have
        // restarted meanwhile), so a write after an outage does not meet a dead one.
        let suspect = shared.clone();
        let pool = PgPoolOptions::new()
            .test_before_acquire(false)
            .before_acquire(move |conn, meta| {
                let stale = suspect.lanes.may_be_stale(meta.idle_for);
                Box::pin(async move {
                    if stale {
                        sqlx::Connection::ping(conn).await?;
                    }
                    Ok(true)
                })
            })
            .max_connections(size.max_connections)
            .min_connections(WARM_CONNECTIONS.min(size.max_connections))
            .acquire_timeout(size.acquire_timeout)
            .connect_with(options)
            .await
            .with_context(|| format!("cannot connect to {}", redact(url)))?;
        sqlx::migrate!("migrations/postgres").run(&pool).await.context("applying the PostgreSQL migrations failed")?;
        shared.lanes.warm(WARM_CONNECTIONS).await.with_context(|| format!("cannot connect to {}", redact(url)))?;
        Db::Postgres(pool, shared)
    } else {
        bail!("DATABASE_URL must start with sqlite: or postgres: (got {})", redact(url));
    };
    app::backend::roles::check_unique_roles_indexed(&db)
        .await
        .map_err(|why| anyhow::anyhow!("the role catalogue does not match the schema: {why}"))?;
    Ok(db)
}

/// Copies the SQLite database into `file` (which must not exist) as one consistent
/// snapshot, while other connections and processes go on reading and writing (WAL);
/// returns the copy's size. The copy is a complete database: serve it to restore.
pub async fn backup(db: &Db, file: &std::path::Path) -> anyhow::Result<u64> {
    let Db::Sqlite(pool, _) = db else {
        bail!(
            "`server backup` copies SQLite databases; for PostgreSQL use its own tools: \
             pg_dump --format=custom --file=FILE \"$DATABASE_URL\" (restore with pg_restore)"
        );
    };
    if file.exists() {
        bail!("{} exists already; back up into a new file", file.display());
    }
    let name = file.to_str().with_context(|| format!("{} is not a UTF-8 path", file.display()))?;
    // VACUUM INTO reads one snapshot (a read transaction) and writes it out compacted.
    sqlx::query("VACUUM INTO $1").bind(name).execute(pool).await.with_context(|| format!("backing up into {name}"))?;
    Ok(std::fs::metadata(file).map(|m| m.len()).unwrap_or(0))
}

/// The URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_hidden() {
        assert_eq!(super::redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(super::redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(super::redact("sqlite://data/x.db"), "sqlite://data/x.db");
    }
}
