//! Server-side sessions in the application's own database, whichever it is.

use app::backend::Db;
use app::on_db;
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
            Db::Sqlite(pool) => {
                let s = SqliteStore::new(pool.clone());
                s.migrate().await?;
                SqlxStore::Sqlite(s)
            }
            Db::Postgres(pool) => {
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
        // The sqlx stores' tables.
        let table = match self.sqlx {
            SqlxStore::Sqlite(_) => "tower_sessions",
            SqlxStore::Postgres(_) => r#""tower_sessions"."session""#,
        };
        let update = format!("UPDATE {table} SET data = $1, expiry_date = $2 WHERE id = $3");
        on_db!(&self.db, pool => sqlx::query(&update)
            .bind(data)
            .bind(record.expiry_date)
            .bind(record.id.to_string())
            .execute(pool)
            .await
            .map(|_| ())
            .map_err(|e| session_store::Error::Backend(e.to_string())))
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match &self.sqlx {
            SqlxStore::Sqlite(s) => s.load(id).await,
            SqlxStore::Postgres(s) => s.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match &self.sqlx {
            SqlxStore::Sqlite(s) => s.delete(id).await,
            SqlxStore::Postgres(s) => s.delete(id).await,
        }
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
