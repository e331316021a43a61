//! When the database cannot serve (issue 17): with every pool connection taken, requests
//! are answered 503 within a second instead of waiting without end; when PostgreSQL goes
//! away (a restart, the network), requests get a clear 503 and Roster recovers by itself
//! once it is back, without a restart, and a write refused meanwhile changed nothing.

use crate::common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use app::backend::{now, Db};
use app::sql;
use common::http::{send, sign_in, Reply};
use common::personas::ADMIN;
use server::seed::{seed, SeedOptions};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// What a person is told while the database cannot serve.
const UNAVAILABLE: &str =
    "Roster cannot use its database right now (it is busy or restarting); nothing was changed. Try again in a moment.";

async fn seeded(db: &Db) -> i64 {
    let now = now();
    seed(db, &SeedOptions { members: 20, seed: 3, now: now - now % 86_400 }).await.expect("seed");
    common::account_named(db, "Northwind Production").await
}

/// `call`, with how long its answer took.
async fn timed(addr: SocketAddr, call: &str, cookie: Option<&str>) -> (Reply, Duration) {
    let started = Instant::now();
    let reply = send(addr, call, cookie).await;
    (reply, started.elapsed())
}

/// A refusal for want of the database: 503, the message, well within `limit`.
fn assert_unavailable((reply, took): &(Reply, Duration), call: &str, limit: Duration) {
    assert_eq!(reply.status, 503, "{call}: {}", reply.text());
    // A plain route's `{"error": …}`, a server function's encoded `AppError`, or a page.
    let said = serde_json::from_slice::<serde_json::Value>(&reply.body)
        .ok()
        .and_then(|v| v["error"].as_str().map(str::to_string))
        .or_else(|| serde_json::from_slice::<app::error::AppError>(&reply.body).ok().map(|e| e.to_string()))
        .unwrap_or_else(|| reply.text());
    assert!(said.contains(UNAVAILABLE), "{call}: {said}");
    assert!(*took < limit, "{call} took {took:?}");
}

async fn cases_titled(db: &Db, title: &str) -> i64 {
    db.scalar::<i64>(&sql!("SELECT COUNT(*) FROM cases WHERE title = $1", title)).await.unwrap()
}

backend_tests! {
    async fn an_exhausted_pool_answers_503_within_a_second(db) {
        let account = seeded(&db).await;
        let addr = common::serve_router(&db, server::security::Site::default()).await;
        let cookie = sign_in(addr, ADMIN, None).await;
        assert_eq!(send(addr, "FORM /api/me", Some(&cookie)).await.status, 200);

        // Take every connection of the pool and every lane, as a burst of slow requests
        // would.
        let mut held = Vec::new();
        loop {
            let taken = match &db {
                Db::Sqlite(pool, _) => pool.acquire().await.map(|c| Box::new(c) as Box<dyn Send>),
                Db::Postgres(pool, _) => pool.acquire().await.map(|c| Box::new(c) as Box<dyn Send>),
            };
            match taken {
                Ok(connection) => held.push(connection),
                Err(sqlx::Error::PoolTimedOut) => break,
                Err(e) => panic!("{e}"),
            }
        }
        assert!(!held.is_empty());
        let mut lanes = Vec::new();
        loop {
            match db.hold_lane().await {
                Ok(lane) => lanes.push(lane),
                Err(sqlx::Error::PoolTimedOut) => break,
                Err(e) => panic!("{e}"),
            }
        }
        assert!(!lanes.is_empty());
        let second = Duration::from_secs(1);
        let raise = format!("FORM /api/cases/raise account={account}&title=During+the+burst");
        let page = format!("GET /accounts/{account}/users");
        for call in ["GET /healthz", "FORM /api/me", raise.as_str(), page.as_str()] {
            assert_unavailable(&timed(addr, call, Some(&cookie)).await, call, second);
        }

        // Once connections come back, the same requests are served.
        drop(held);
        drop(lanes);
        assert_eq!(send(addr, "GET /healthz", None).await.text(), "ok");
        assert_eq!(send(addr, "FORM /api/me", Some(&cookie)).await.status, 200);
        assert_eq!(cases_titled(&db, "During the burst").await, 0, "the refused write changed nothing");
    }
}

/// A TCP relay to PostgreSQL that can be cut (every connection closed, new ones refused)
/// and restored on the same port: an outage as Roster sees a database restart.
struct Relay {
    addr: SocketAddr,
    upstream: SocketAddr,
    task: Option<JoinHandle<()>>,
}

impl Relay {
    async fn start(upstream: SocketAddr) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        Relay { addr, upstream, task: Some(tokio::spawn(relay(listener, upstream))) }
    }

    /// Drops the listener and, with the task's `JoinSet`, every relayed connection.
    async fn cut(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }

    async fn restore(&mut self) {
        let listener = TcpListener::bind(self.addr).await.expect("the relay's port again");
        self.task = Some(tokio::spawn(relay(listener, self.upstream)));
    }
}

async fn relay(listener: TcpListener, upstream: SocketAddr) {
    let mut connections = tokio::task::JoinSet::new();
    while let Ok((mut client, _)) = listener.accept().await {
        while connections.try_join_next().is_some() {}
        connections.spawn(async move {
            if let Ok(mut server) = TcpStream::connect(upstream).await {
                let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
            }
        });
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_outage_answers_503_and_roster_recovers_by_itself() {
    let Some(t) = common::TestDb::postgres().await else { return };
    common::within_limit(async {
        let account = seeded(&t.db).await;
        let mut url = url::Url::parse(&t.url).unwrap();
        let upstream = tokio::net::lookup_host((url.host_str().unwrap(), url.port().unwrap_or(5432)))
            .await
            .unwrap()
            .next()
            .unwrap();
        let mut relay = Relay::start(upstream).await;
        url.set_host(Some("127.0.0.1")).unwrap();
        url.set_port(Some(relay.addr.port())).unwrap();
        // Roster's own pool, through the relay; the test's checks go straight to the database.
        let db = server::database::open(url.as_str()).await.unwrap();
        let addr = common::serve_router(&db, server::security::Site::default()).await;
        let cookie = sign_in(addr, ADMIN, None).await;
        assert_eq!(send(addr, "FORM /api/me", Some(&cookie)).await.status, 200);

        relay.cut().await;
        let raise = format!("FORM /api/cases/raise account={account}&title=During+the+outage");
        let limit = Duration::from_secs(2);
        let mut slowest = Duration::ZERO;
        for call in ["GET /healthz", "FORM /api/me", raise.as_str(), "GET /"] {
            let answer = timed(addr, call, Some(&cookie)).await;
            slowest = slowest.max(answer.1);
            assert_unavailable(&answer, call, limit);
        }

        relay.restore().await;
        let back = Instant::now();
        loop {
            let reply = send(addr, "FORM /api/me", Some(&cookie)).await;
            if reply.status == 200 {
                break;
            }
            assert_eq!(reply.status, 503, "{}", reply.text());
            assert!(back.elapsed() < Duration::from_secs(10), "Roster did not recover within 10 s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let recovered = back.elapsed();
        // The session survived the outage, and writes work again.
        let reply =
            send(addr, &format!("FORM /api/cases/raise account={account}&title=After+the+outage"), Some(&cookie)).await;
        assert!(reply.status < 400, "{} {}", reply.status, reply.text());
        assert_eq!(cases_titled(&t.db, "During the outage").await, 0, "the refused write changed nothing");
        assert_eq!(cases_titled(&t.db, "After the outage").await, 1);
        println!("outage: slowest 503 in {slowest:?}; served again {recovered:?} after the database came back");
        db.close().await;
    })
    .await;
    t.finish().await;
}
