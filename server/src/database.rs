//! Opening the database named by `DATABASE_URL` and bringing its schema up to date.

use std::str::FromStr;
use std::time::Duration;

use anyhow::{bail, Context};
use app::backend::Db;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

/// The embedded default: a SQLite file in `data/`.
pub const DEFAULT_URL: &str = "sqlite://data/roster.db";

/// How much of a SQLite database file is read through a memory map (address space, not
/// memory: the pages are the OS page cache's).
const MMAP_BYTES: u64 = 1 << 30;

pub async fn open(url: &str) -> anyhow::Result<Db> {
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
            .max_connections(8)
            .connect_with(options)
            .await
            .with_context(|| format!("cannot open {url}"))?;
        sqlx::migrate!("migrations/sqlite").run(&pool).await.context("applying the SQLite migrations failed")?;
        Db::Sqlite(pool)
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        // A request never waits on a row lock or an abandoned transaction without end:
        // past these it fails (a lock wait as "busy") and its connection is freed.
        let options = PgConnectOptions::from_str(url)
            .with_context(|| format!("invalid PostgreSQL URL {}", redact(url)))?
            .options([("lock_timeout", "15s"), ("idle_in_transaction_session_timeout", "60s")]);
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .with_context(|| format!("cannot connect to {}", redact(url)))?;
        sqlx::migrate!("migrations/postgres").run(&pool).await.context("applying the PostgreSQL migrations failed")?;
        Db::Postgres(pool)
    } else {
        bail!("DATABASE_URL must start with sqlite: or postgres: (got {})", redact(url));
    };
    app::backend::roles::check_unique_roles_indexed(&db)
        .await
        .map_err(|why| anyhow::anyhow!("the role catalogue does not match the schema: {why}"))?;
    Ok(db)
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
