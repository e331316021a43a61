//! Fresh databases for tests: a new SQLite file, or a new PostgreSQL database on the
//! server at ROSTER_TEST_POSTGRES_URL. `backend_tests!` runs one test body on both.

#![allow(dead_code)]

pub mod http;
pub mod instance;
pub mod smtp;

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use app::backend::Db;
use app::model::AccountId;
use server::database;
use sqlx::postgres::PgPoolOptions;
use sqlx::Connection;

pub const DEFAULT_PG: &str = "postgres://postgres@127.0.0.1:5432/test";
static COUNTER: AtomicU32 = AtomicU32::new(0);
static SWEPT: AtomicBool = AtomicBool::new(false);

pub fn unique(prefix: &str) -> String {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("{prefix}_{}_{}_{nanos}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst))
}

pub struct TestDb {
    pub db: Db,
    /// What `db` was opened from: another pool (or process) can open it too.
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    File(std::path::PathBuf),
    Database { admin_url: String, name: String },
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let (url, path) = instance::sqlite_file("roster_test");
        let db = database::open(&url).await.expect("open SQLite test database");
        TestDb { db, url, cleanup: Cleanup::File(path) }
    }

    /// A fresh PostgreSQL database; None (skip) only when ROSTER_TEST_SKIP_POSTGRES=1 asks
    /// for it. An unreachable server fails the test: a silent skip would pass a suite that
    /// never ran half its checks.
    pub async fn postgres() -> Option<TestDb> {
        let (url, cleanup) = Self::new_postgres(true).await?;
        let db = database::open(&url).await.expect("open PostgreSQL test database");
        Some(TestDb { db, url, cleanup })
    }

    /// A new PostgreSQL database with nothing in it, not even the schema (for instances
    /// that migrate it themselves): its URL, and what drops it.
    pub async fn postgres_url() -> Option<(String, PgDrop)> {
        let (url, cleanup) = Self::new_postgres(false).await?;
        Some((url, PgDrop(cleanup)))
    }

    /// A new database: a copy of the migrated template (`PG_TEMPLATE`, made by the first
    /// test that asks for it) or an empty one.
    async fn new_postgres(migrated: bool) -> Option<(String, Cleanup)> {
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
        if !SWEPT.swap(true, Ordering::SeqCst) {
            sweep_abandoned(&mut admin).await;
        }
        let copy_of = if migrated {
            let made = PG_TEMPLATE.get_or_init(|| async {
                let name = create_database(&mut admin, "").await;
                let db = database::open(&database_url(&admin_url, &name)).await.expect("migrate the template");
                db.close().await;
                name
            });
            format!(" TEMPLATE {}", made.await)
        } else {
            String::new()
        };
        let name = create_database(&mut admin, &copy_of).await;
        Some((database_url(&admin_url, &name), Cleanup::Database { admin_url, name }))
    }

    pub async fn finish(self) {
        // `close` waits for every connection to come back; one still held by the test's
        // server (a request it was left working on) must not keep the suite waiting. The
        // database is dropped with FORCE below either way.
        if tokio::time::timeout(std::time::Duration::from_secs(10), self.db.close()).await.is_err() {
            eprintln!("the test's pool did not close within 10 s; dropping its database anyway");
        }
        self.cleanup.run().await;
    }
}

/// The database every test's PostgreSQL database is a copy of, migrated once per test
/// process: applying the migrations to each new database was most of a short test's time
/// (a second of it). Named like the tests' own, so that `sweep_abandoned` drops it once
/// its process has ended.
static PG_TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();

async fn create_database(admin: &mut sqlx::PgConnection, template: &str) -> String {
    let name = unique("roster_test");
    sqlx::query(&format!("CREATE DATABASE {name}{template}")).execute(admin).await.expect("create test database");
    name
}

fn database_url(admin_url: &str, name: &str) -> String {
    match admin_url.rfind('/') {
        Some(i) => format!("{}/{name}", &admin_url[..i]),
        None => panic!("ROSTER_TEST_POSTGRES_URL has no database name"),
    }
}

/// Drops the test databases of test processes that ended without dropping theirs (killed,
/// or stopped at a failed assertion): each is named after the process that made it
/// (`unique`). Without FORCE, so that a database someone is connected to stays.
async fn sweep_abandoned(admin: &mut sqlx::PgConnection) {
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'roster\\_test\\_%'")
            .fetch_all(&mut *admin)
            .await
            .unwrap_or_default();
    for name in names {
        let Some(pid) = name.split('_').nth(2).and_then(|p| p.parse::<u32>().ok()) else { continue };
        if pid != std::process::id() && !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name}")).execute(&mut *admin).await;
        }
    }
}

/// Drops its PostgreSQL database when `finish`ed.
pub struct PgDrop(Cleanup);

impl PgDrop {
    pub async fn finish(self) {
        self.0.run().await;
    }
}

impl Cleanup {
    async fn run(self) {
        match self {
            Cleanup::File(path) => instance::remove_sqlite(&path),
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

/// The longest a test body may run: a hang fails its test, not the suite's time budget.
pub const TEST_LIMIT: std::time::Duration = std::time::Duration::from_secs(300);

/// Runs a test body, failing it when it takes longer than `TEST_LIMIT`.
pub async fn within_limit(body: impl std::future::Future<Output = ()>) {
    if tokio::time::timeout(TEST_LIMIT, body).await.is_err() {
        panic!("the test did not finish within {TEST_LIMIT:?}");
    }
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

                async fn run($db: app::backend::Db) $body

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let t = $crate::common::TestDb::sqlite().await;
                    $crate::common::within_limit(run(t.db.clone())).await;
                    t.finish().await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(t) = $crate::common::TestDb::postgres().await {
                        $crate::common::within_limit(run(t.db.clone())).await;
                        t.finish().await;
                    }
                }
            }
        )*
    };
}

/// The demo people the tests act as (seeded by `server::seed`), in one place.
pub mod personas {
    /// A vendor operator.
    pub const OPERATOR: &str = "olivia.operator@roster.example";
    /// Account Administrator of Northwind Production.
    pub const ADMIN: &str = "adam.admin@northwind.example";
    /// A plain member of Northwind Production.
    pub const MEMBER: &str = "carla.contact@northwind.example";
    /// A deactivated member of Northwind Production.
    pub const INACTIVE: &str = "ivan.inactive@northwind.example";
    /// Registered, of Northwind's domain, in no account: the type-ahead offers her.
    pub const NEWCOMER: &str = "nina.newcomer@northwind.example";
    /// Registered, of no customer's domain, in no account: added by full email only.
    pub const OUTSIDER: &str = "oscar.outsider@contractors.example";
    /// Of Northwind's domain, not registered.
    pub const UNREGISTERED: &str = "uma.unregistered@northwind.example";
    /// Registered, a member of the partner's account.
    pub const PARTNER: &str = "paula.partner@initech.example";
    /// Of the partner: approves access requests for every deployment it supports.
    pub const APPROVER: &str = "alex.approver@initech.example";
    /// Of the partner: approves access requests for Globex GovCloud (GX-3001) only.
    pub const GOVCLOUD_APPROVER: &str = "pete.approver@initech.example";
    /// Approves for every deployment of another partner, Umbrella Partners.
    pub const RIVAL: &str = "rita.rival@umbrella.example";
}

pub use personas::OPERATOR;

/// The demo vendor operator's proof, for storage calls that need one.
pub async fn operator(db: &Db) -> app::backend::access::Operator {
    let actor = app::backend::access::Actor::by_email(db, OPERATOR).await.expect("the demo operator");
    actor.operator().expect("the demo operator is an operator")
}

/// The demo vendor operator's proof of managing `account`: for storage tests that are
/// about the data, not about who may see it (`access.rs` and `rules.rs` are).
pub async fn as_operator(db: &Db, account: i64) -> app::backend::access::AccountAdmin {
    operator(db).await.actor().clone().manage(db, AccountId(account)).await.expect("the operator manages every account")
}

/// `email`'s proof of managing `account`: they must be its administrator (or an operator).
pub async fn admin_of(db: &Db, email: &str, account: i64) -> app::backend::access::AccountAdmin {
    let actor = app::backend::access::Actor::by_email(db, email).await.expect("a demo person");
    actor.manage(db, AccountId(account)).await.unwrap_or_else(|e| panic!("{email} may not manage {account}: {e}"))
}

/// The id of the demo account named `name`.
pub async fn account_named(db: &Db, name: &str) -> i64 {
    let all = app::backend::accounts::list(db, &operator(db).await).await.expect("accounts");
    all.into_iter().find(|a| a.name == name).unwrap_or_else(|| panic!("no account named {name}")).id
}
