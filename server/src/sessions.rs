//! Server-side sessions in the application's own database, whichever it is.

use app::backend::Db;
use app::on_lane;
use async_trait::async_trait;
use tower_sessions::cookie::time::Duration;
use tower_sessions::cookie::SameSite;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

/// A session ends after this much inactivity (the absolute limit is in `app::backend::auth`).
pub const IDLE_EXPIRY_HOURS: i64 = 8;
pub const COOKIE: &str = "roster_session";

/// The sqlx store of the database, except that saving updates a session that is still
/// stored and never inserts one (see `save`).
#[derive(Clone, Debug)]
pub struct Store {
    db: Db,
    sqlx: SqlxStore,
}

#[derive(Clone, Debug)]
enum SqlxStore {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl Store {
    /// The store for `db`, with its table created if missing.
    pub async fn for_db(db: &Db) -> anyhow::Result<Store> {
        let sqlx = match db {
            Db::Sqlite(pool, _) => {
                let s = SqliteStore::new(pool.clone());
                s.migrate().await?;
                SqlxStore::Sqlite(s)
            }
            Db::Postgres(pool, _) => {
                let s = PostgresStore::new(pool.clone());
                s.migrate().await?;
                SqlxStore::Postgres(s)
            }
        };
        Ok(Store { db: db.clone(), sqlx })
    }

    /// Deletes expired sessions every hour, in the background.
    pub fn spawn_cleanup(&self) {
        let store = self.clone();
        tokio::spawn(async move {
            if let Err(e) = store.continuously_delete_expired(tokio::time::Duration::from_secs(3600)).await {
                tracing::warn!(error = %e, "expired-session cleanup stopped");
            }
        });
    }

    /// The session layer: HttpOnly, SameSite=Lax cookies, Secure when served over TLS.
    pub fn layer(self, secure: bool) -> SessionManagerLayer<Store> {
        SessionManagerLayer::new(self)
            .with_name(COOKIE)
            .with_http_only(true)
            .with_same_site(SameSite::Lax)
            .with_secure(secure)
            .with_expiry(Expiry::OnInactivity(Duration::hours(IDLE_EXPIRY_HOURS)))
    }
}

#[async_trait]
impl SessionStore for Store {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match &self.sqlx {
            SqlxStore::Sqlite(s) => s.create(record).await,
            SqlxStore::Postgres(s) => s.create(record).await,
        }
    }

    /// Writes a session that was loaded from the store. The sqlx stores insert it when it is
    /// gone; this only updates it, so a request still in flight when its session was signed
    /// out (deleted) cannot bring the session back by renewing it. (A new session is
    /// `create`d.)
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = rmp_serde::to_vec(record).map_err(|e| session_store::Error::Encode(e.to_string()))?;
        self.update(data, record).await.map_err(|e| session_store::Error::Backend(e.to_string()))
    }

    /// As the sqlx stores load a session (the same statement and encoding), on a lane:
    /// every request with a cookie asks.
    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let data = self.data(id).await.map_err(|e| session_store::Error::Backend(e.to_string()))?;
        data.map(|d| rmp_serde::from_slice(&d).map_err(|e| session_store::Error::Decode(e.to_string()))).transpose()
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match &self.sqlx {
            SqlxStore::Sqlite(s) => s.delete(id).await,
            SqlxStore::Postgres(s) => s.delete(id).await,
        }
    }
}

/// The statements on the sqlx stores' tables that Roster runs itself: load and save.
const SQLITE_STATEMENTS: (&str, &str) = (
    "SELECT data FROM tower_sessions WHERE id = $1 AND expiry_date > $2",
    "UPDATE tower_sessions SET data = $1, expiry_date = $2 WHERE id = $3",
);
const POSTGRES_STATEMENTS: (&str, &str) = (
    r#"SELECT data FROM "tower_sessions"."session" WHERE id = $1 AND expiry_date > $2"#,
    r#"UPDATE "tower_sessions"."session" SET data = $1, expiry_date = $2 WHERE id = $3"#,
);

impl Store {
    fn statements(&self) -> (&'static str, &'static str) {
        match self.sqlx {
            SqlxStore::Sqlite(_) => SQLITE_STATEMENTS,
            SqlxStore::Postgres(_) => POSTGRES_STATEMENTS,
        }
    }

    async fn data(&self, id: &Id) -> Result<Option<Vec<u8>>, sqlx::Error> {
        let (select, _) = self.statements();
        let now = tower_sessions::cookie::time::OffsetDateTime::now_utc();
        Ok(
            on_lane!(&self.db, conn => sqlx::query_scalar(select).bind(id.to_string()).bind(now).fetch_optional(conn).await?),
        )
    }

    async fn update(&self, data: Vec<u8>, record: &Record) -> Result<(), sqlx::Error> {
        let (_, update) = self.statements();
        // 0 when it was deleted meanwhile: then it stays deleted.
        let _changed: u64 = on_lane!(&self.db, conn => sqlx::query(update)
            .bind(data)
            .bind(record.expiry_date)
            .bind(record.id.to_string())
            .execute(conn)
            .await?
            .rows_affected());
        Ok(())
    }
}

#[async_trait]
impl ExpiredDeletion for Store {
    async fn delete_expired(&self) -> session_store::Result<()> {
        match &self.sqlx {
            SqlxStore::Sqlite(s) => s.delete_expired().await,
            SqlxStore::Postgres(s) => s.delete_expired().await,
        }
    }
}
