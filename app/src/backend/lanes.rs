//! The connections that statements outside a transaction run on, one statement at a time.
//!
//! sqlx's pool pings every connection as it comes back (its drop spawns a task that does),
//! so a statement run on the pool costs a second trip to the database: through the SQLite
//! connection's worker thread and back, or across the network to PostgreSQL and its
//! process. A page runs about ten statements outside transactions, a server function a
//! few. A lane is a connection of their own, handed out for one statement and taken back
//! without that trip; transactions keep using the pool.
//!
//! What the ping was for still holds: a connection whose statement did not finish (the
//! request went away in the middle of it) or failed is never taken back but closed, and
//! the next statement opens another. A connection is pinged before it is used when it
//! has been idle for longer than `ping_when_idle_for`, or since a statement failed (the
//! database may have gone away and come back meanwhile: [`Lanes::may_be_stale`], which
//! the pool's connections are tested by too). At most `size` statements run at once;
//! past that one waits at most `acquire_timeout` and is then refused as the pool refuses
//! (`PoolTimedOut`: "busy").

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sqlx::{ConnectOptions, Connection};
use tokio::sync::{Semaphore, SemaphorePermit};

pub struct Lanes<C: Connection> {
    options: C::Options,
    idle: Mutex<Vec<(C, Instant)>>,
    permits: Semaphore,
    acquire_timeout: Duration,
    ping_when_idle_for: Duration,
    born: Instant,
    /// When a lane was last dropped without being given back, in milliseconds after
    /// `born`, plus one (0: never).
    failed_at: AtomicU64,
}

/// A connection for one statement. [`Lane::give_back`] returns it for the next one;
/// dropped otherwise (an error, a cancelled request), it is closed.
pub struct Lane<'a, C: Connection> {
    lanes: &'a Lanes<C>,
    pub conn: C,
    _permit: SemaphorePermit<'a>,
    unfinished: Unfinished<'a>,
}

/// Notes the failure when its lane is dropped without being given back.
struct Unfinished<'a> {
    failed_at: &'a AtomicU64,
    born: Instant,
    armed: bool,
}

impl Drop for Unfinished<'_> {
    fn drop(&mut self) {
        if self.armed {
            let ms = u64::try_from(self.born.elapsed().as_millis()).unwrap_or(u64::MAX - 1);
            self.failed_at.store(ms + 1, Ordering::Relaxed);
        }
    }
}

impl<C: Connection> Lanes<C> {
    pub fn new(options: C::Options, size: u32, acquire_timeout: Duration, ping_when_idle_for: Duration) -> Self {
        Lanes {
            options,
            idle: Mutex::new(Vec::new()),
            permits: Semaphore::new(size as usize),
            acquire_timeout,
            ping_when_idle_for,
            born: Instant::now(),
            failed_at: AtomicU64::new(0),
        }
    }

    /// Whether a connection idle for `idle_for` should be pinged before it is used: idle
    /// too long, or idle since a statement failed.
    pub fn may_be_stale(&self, idle_for: Duration) -> bool {
        if idle_for > self.ping_when_idle_for {
            return true;
        }
        match self.failed_at.load(Ordering::Relaxed) {
            0 => false,
            at => self.born.elapsed().saturating_sub(Duration::from_millis(at - 1)) <= idle_for,
        }
    }

    /// Opens `n` connections now, so that the first requests find them ready.
    pub async fn warm(&self, n: u32) -> Result<(), sqlx::Error> {
        for _ in 0..n.min(self.permits.available_permits() as u32) {
            let conn = self.open().await?;
            self.idle().push((conn, Instant::now()));
        }
        Ok(())
    }

    pub async fn take(&self) -> Result<Lane<'_, C>, sqlx::Error> {
        let started = Instant::now();
        let permit = tokio::time::timeout(self.acquire_timeout, self.permits.acquire())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)?
            .map_err(|_| sqlx::Error::PoolClosed)?;
        // The most recently used first: its pages are the warmest, and the others age
        // into being pinged.
        let idle = self.idle().pop();
        let conn = match idle {
            Some((mut conn, since)) if self.may_be_stale(since.elapsed()) => match conn.ping().await {
                Ok(()) => conn,
                Err(_) => self.open_within(self.acquire_timeout.saturating_sub(started.elapsed())).await?,
            },
            Some((conn, _)) => conn,
            None => self.open_within(self.acquire_timeout.saturating_sub(started.elapsed())).await?,
        };
        let unfinished = Unfinished { failed_at: &self.failed_at, born: self.born, armed: true };
        Ok(Lane { lanes: self, conn, _permit: permit, unfinished })
    }

    /// Closes the idle connections and refuses further statements.
    pub async fn close(&self) {
        self.permits.close();
        let idle = std::mem::take(&mut *self.idle());
        for (conn, _) in idle {
            let _ = conn.close().await;
        }
    }

    async fn open(&self) -> Result<C, sqlx::Error> {
        self.open_within(self.acquire_timeout).await
    }

    /// A new connection, or "busy" when the database does not answer in time.
    async fn open_within(&self, limit: Duration) -> Result<C, sqlx::Error> {
        tokio::time::timeout(limit, self.options.connect()).await.map_err(|_| sqlx::Error::PoolTimedOut)?
    }

    fn idle(&self) -> std::sync::MutexGuard<'_, Vec<(C, Instant)>> {
        self.idle.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl<C: Connection> Lane<'_, C> {
    /// The statement finished: the connection serves the next one.
    pub fn give_back(mut self) {
        self.unfinished.armed = false;
        self.lanes.idle().push((self.conn, Instant::now()));
    }
}

impl<C: Connection> std::fmt::Debug for Lanes<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lanes").field("free", &self.permits.available_permits()).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
    use std::str::FromStr;

    fn lanes(size: u32) -> Lanes<SqliteConnection> {
        let options = SqliteConnectOptions::from_str("sqlite::memory:").unwrap();
        Lanes::new(options, size, Duration::from_millis(200), Duration::MAX)
    }

    #[tokio::test]
    async fn a_connection_given_back_serves_the_next_statement() {
        let lanes = lanes(2);
        let mut lane = lanes.take().await.unwrap();
        sqlx::query("CREATE TEMP TABLE t (x INTEGER)").execute(&mut lane.conn).await.unwrap();
        lane.give_back();
        // A temporary table lives as long as its connection: the same one came back.
        let mut lane = lanes.take().await.unwrap();
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM t").fetch_one(&mut lane.conn).await.unwrap();
        assert_eq!(n, 0);
    }

    #[tokio::test]
    async fn a_connection_not_given_back_is_closed_and_replaced() {
        let lanes = lanes(1);
        let mut lane = lanes.take().await.unwrap();
        sqlx::query("CREATE TEMP TABLE t (x INTEGER)").execute(&mut lane.conn).await.unwrap();
        drop(lane);
        let mut lane = lanes.take().await.unwrap();
        assert!(sqlx::query("SELECT COUNT(*) FROM t").execute(&mut lane.conn).await.is_err(), "a new connection");
    }

    #[tokio::test]
    async fn connections_idle_since_a_failure_are_tested_before_use() {
        let lanes = lanes(2);
        assert!(!lanes.may_be_stale(Duration::from_secs(3600)), "nothing failed yet");
        let lane = lanes.take().await.unwrap();
        lane.give_back();
        assert!(!lanes.may_be_stale(Duration::from_secs(3600)), "a statement given back is no failure");
        drop(lanes.take().await.unwrap());
        assert!(lanes.may_be_stale(Duration::from_secs(1)), "idle since the failure");
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!lanes.may_be_stale(Duration::from_millis(10)), "used after the failure");
    }

    #[tokio::test]
    async fn past_its_size_a_statement_waits_then_is_refused_as_busy() {
        let lanes = lanes(1);
        let held = lanes.take().await.unwrap();
        let started = Instant::now();
        assert!(matches!(lanes.take().await, Err(sqlx::Error::PoolTimedOut)));
        assert!(started.elapsed() >= Duration::from_millis(200));
        drop(held);
        assert!(lanes.take().await.is_ok(), "free again once the first is done");
    }
}
