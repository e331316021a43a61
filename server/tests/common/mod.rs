//! Fresh databases for tests: a new SQLite file, or a new PostgreSQL database on the
//! server at ROSTER_TEST_POSTGRES_URL. `backend_tests!` runs one test body on both.

#![allow(dead_code)]

pub mod http;

use std::sync::atomic::{AtomicU32, Ordering};

use app::server::Db;
use server::database;
use sqlx::postgres::PgPoolOptions;
use sqlx::Connection;

pub const DEFAULT_PG: &str = "postgres://postgres@127.0.0.1:5432/test";
static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique(prefix: &str) -> String {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("{prefix}_{}_{}_{nanos}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst))
}

pub struct TestDb {
    pub db: Db,
    cleanup: Cleanup,
}

enum Cleanup {
    File(std::path::PathBuf),
    Database { admin_url: String, name: String },
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let path = std::env::temp_dir().join(format!("{}.db", unique("roster_test")));
        let db = database::open(&format!("sqlite://{}", path.display())).await.expect("open SQLite test database");
        TestDb { db, cleanup: Cleanup::File(path) }
    }

    /// A fresh PostgreSQL database; None (skip) only when ROSTER_TEST_SKIP_POSTGRES=1 asks
    /// for it. An unreachable server fails the test: a silent skip would pass a suite that
    /// never ran half its checks.
    pub async fn postgres() -> Option<TestDb> {
        let asked = std::env::var("ROSTER_TEST_SKIP_POSTGRES").as_deref() == Ok("1");
        if asked && std::env::var("CI").as_deref() != Ok("true") {
            return None;
        }
        let admin_url = std::env::var("ROSTER_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_PG.to_string());
        let admin =
            tokio::time::timeout(std::time::Duration::from_secs(5), sqlx::PgConnection::connect(&admin_url)).await;
        let mut admin = match admin {
            Ok(Ok(c)) => c,
            Ok(Err(e)) => {
                panic!("PostgreSQL at {admin_url} is not reachable ({e}); set ROSTER_TEST_SKIP_POSTGRES=1 to skip it")
            }
            Err(_) => {
                panic!("PostgreSQL at {admin_url} did not answer in 5 s; set ROSTER_TEST_SKIP_POSTGRES=1 to skip it")
            }
        };
        let name = unique("roster_test");
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.expect("create test database");
        let url = match admin_url.rfind('/') {
            Some(i) => format!("{}/{name}", &admin_url[..i]),
            None => panic!("ROSTER_TEST_POSTGRES_URL has no database name"),
        };
        let db = database::open(&url).await.expect("open PostgreSQL test database");
        Some(TestDb { db, cleanup: Cleanup::Database { admin_url, name } })
    }

    pub async fn finish(self) {
        self.db.close().await;
        match self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Database { admin_url, name } => {
                if let Ok(pool) = PgPoolOptions::new().max_connections(1).connect(&admin_url).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&pool).await;
                }
            }
        }
    }
}

/// Serves the real router on `db` on a random port, as a server instance would, for the
/// site `site` (`ROSTER_PUBLIC_URL` unset by default), and returns its address. Server-side
/// causes of a failure show up in the failing test's output.
pub async fn serve_router(db: &Db, site: server::security::Site) -> std::net::SocketAddr {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("warn,sqlx=error"))
        .with_test_writer()
        .try_init();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let addr = listener.local_addr().expect("the port's address");
    let sessions = server::sessions::Store::for_db(db).await.expect("the session store");
    let app = server::web::router_at(db.clone(), server::web::options(None).expect("options"), sessions, site);
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("serve");
    });
    addr
}

/// Defines `mod $name { sqlite, postgres }`: the body runs once per backend with `$db`
/// bound to a fresh, migrated database.
#[macro_export]
macro_rules! backend_tests {
    ($(async fn $name:ident($db:ident) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                async fn run($db: app::server::Db) $body

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let t = $crate::common::TestDb::sqlite().await;
                    run(t.db.clone()).await;
                    t.finish().await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(t) = $crate::common::TestDb::postgres().await {
                        run(t.db.clone()).await;
                        t.finish().await;
                    }
                }
            }
        )*
    };
}
