//! The real server binary stops cleanly on SIGTERM (issue 17): a request already sent
//! gets its whole answer, the process ends with success and says so, and a restart on
//! the same database serves again.

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::http::send;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};

/// Starts `server serve` on a free port with the SQLite file `db`; returns the child, the
/// address it printed, and what it prints after that.
async fn start(db: &std::path::Path) -> (Child, std::net::SocketAddr, tokio::sync::mpsc::UnboundedReceiver<String>) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}"), "--demo-members", "50"])
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .env_remove("SMTP_URL")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the server binary starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(url) = line.strip_prefix("Roster is running at http://") {
                return url.parse().unwrap();
            }
        }
        panic!("the server ended without saying where it runs");
    })
    .await
    .expect("the server says where it runs within a minute");
    let (said, rest) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            let _ = said.send(line);
        }
    });
    (child, addr, rest)
}

fn terminate(child: &Child) {
    let pid = child.id().expect("running").to_string();
    let status = std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(status.success());
}

#[tokio::test]
async fn sigterm_finishes_the_request_in_flight_and_ends_cleanly() {
    let db = std::env::temp_dir().join(format!("{}.db", common::unique("roster_shutdown")));
    let (mut child, addr, mut said) = start(&db).await;
    assert_eq!(send(addr, "GET /healthz", None).await.status, 200);

    // A request on the wire when the signal comes is answered in full.
    let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
    conn.write_all(b"GET /sign-in HTTP/1.1\r\nHost: roster.test\r\nConnection: close\r\n\r\n").await.unwrap();
    terminate(&child);
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), conn.read_to_end(&mut answer)).await.unwrap().unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{}", answer.lines().next().unwrap_or_default());
    assert!(answer.contains("</html>"), "the page arrived whole");

    let status = tokio::time::timeout(Duration::from_secs(30), child.wait()).await.expect("ends").unwrap();
    assert!(status.success(), "{status:?}");
    let mut last = Vec::new();
    // Until its output ends (the reader sees the pipe close).
    while let Ok(Some(line)) = tokio::time::timeout(Duration::from_secs(10), said.recv()).await {
        last.push(line);
    }
    assert!(last.iter().any(|l| l == "Roster stopped"), "{last:?}");
    // No new connection is taken any more.
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());

    // The same database serves again after a restart.
    let (child, addr, _) = start(&db).await;
    assert_eq!(send(addr, "GET /healthz", None).await.status, 200);
    drop(child);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}
