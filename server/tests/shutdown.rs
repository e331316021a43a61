//! The real server binary stops cleanly on SIGTERM (issue 17): a request already sent
//! gets its whole answer, the mail sender stops between messages (nothing lost, nothing
//! sent twice), the process ends with success and says so, and a restart on the same
//! database serves again.

use crate::common;

use std::time::Duration;

use app::backend::mail::outbox::{enqueue, Email};
use app::sql;
use common::http::{send, sign_in_form, Reply};
use common::instance::{remove_sqlite, sqlite_file, Instance};
use common::personas::ADMIN;
use common::smtp::Sink;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn sigterm_finishes_the_request_in_flight_and_ends_cleanly() {
    let (url, path) = sqlite_file("roster_shutdown");
    let mut server = Instance::start(&url, &[], &[]).await;
    let addr = server.addr;
    assert_eq!(send(addr, "GET /healthz", None).await.status, 200);

    // A request the server is handling when the signal comes is answered in full. The
    // server shows that it has taken the request by asking for its body (`100 Continue`);
    // a connection still waiting in the listen queue when the signal comes is refused,
    // rightly, so signalling right after connecting would test the scheduler's timing.
    let body = sign_in_form(ADMIN);
    let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/sign_in HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nExpect: 100-continue\r\n\r\n",
        body.len()
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    let mut interim = [0u8; 25];
    tokio::time::timeout(Duration::from_secs(30), conn.read_exact(&mut interim)).await.unwrap().unwrap();
    assert_eq!(String::from_utf8_lossy(&interim), "HTTP/1.1 100 Continue\r\n\r\n");
    server.signal("TERM");
    conn.write_all(body.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), conn.read_to_end(&mut answer)).await.unwrap().unwrap();
    let reply = Reply::parse(&answer).unwrap();
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert!(reply.session_cookie().is_some(), "the sign-in was carried out whole: {:?}", reply.headers);

    let status = server.wait().await;
    assert!(status.success(), "{status:?}");
    let last = server.rest_of_output().await;
    assert!(last.iter().any(|l| l == "Roster stopped"), "{last:?}");
    // No new connection is taken any more.
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());

    // The same database serves again after a restart.
    let server = Instance::start(&url, &[], &[]).await;
    assert_eq!(send(server.addr, "GET /healthz", None).await.status, 200);
    drop(server);
    remove_sqlite(&path);
}

/// (subject, sent) of the test's messages, in the order they were queued.
async fn outbox(db: &app::backend::Db) -> Vec<(String, bool)> {
    let rows: Vec<(String, Option<i64>, i64)> =
        db.fetch_all(&sql!("SELECT subject, sent_at, next_attempt_at FROM outbox ORDER BY id")).await.unwrap();
    let now = app::backend::now();
    for (subject, sent, due) in &rows {
        // A message not sent is due again at once: no claim outlives the process.
        assert!(sent.is_some() || *due <= now, "{subject} was left claimed");
    }
    rows.into_iter().map(|(s, sent, _)| (s, sent.is_some())).collect()
}

#[tokio::test]
async fn sigterm_stops_the_mail_sender_between_messages_and_a_restart_sends_the_rest_once() {
    const MESSAGES: usize = 12;
    let (url, path) = sqlite_file("roster_shutdown_mail");
    // A relay that takes a while per message, so that the signal comes mid-batch.
    let sink = Sink::answering_after(Duration::from_millis(300)).await;
    let relay = sink.url();
    let mut server = Instance::start(&url, &["--no-seed"], &[("SMTP_URL", &relay)]).await;
    let db = server::database::open(&url).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    for i in 0..MESSAGES {
        let subject = format!("Message {i:02}");
        let email =
            Email { to: format!("p{i}@example.com"), subject, text: "Hello".into(), html: "<p>Hello</p>".into() };
        enqueue(&mut tx, &email).await.unwrap();
    }
    tx.commit().await.unwrap();

    common::within_limit(async {
        while sink.messages().len() < 2 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    server.signal("TERM");
    assert!(server.wait().await.success());
    let received: Vec<String> = sink.messages().iter().map(|m| subject_of(&m.data)).collect();
    let stored = outbox(&db).await;
    let sent: Vec<String> = stored.iter().filter(|(_, s)| *s).map(|(subject, _)| subject.clone()).collect();
    assert!(received.len() < MESSAGES, "the sender stopped before the end of its batch: {received:?}");
    // What the relay took is exactly what the outbox calls sent: the message on the wire
    // when the signal came was finished and recorded, nothing was left half done.
    assert_eq!(received, sent);

    // After a restart the rest goes out, and nothing goes out twice.
    let server = Instance::start(&url, &["--no-seed"], &[("SMTP_URL", &relay)]).await;
    common::within_limit(async {
        while sink.messages().len() < MESSAGES {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut all: Vec<String> = sink.messages().iter().map(|m| subject_of(&m.data)).collect();
    all.sort();
    let expected: Vec<String> = (0..MESSAGES).map(|i| format!("Message {i:02}")).collect();
    assert_eq!(all, expected, "each message exactly once");
    assert!(outbox(&db).await.iter().all(|(_, sent)| *sent));
    drop(server);
    db.close().await;
    remove_sqlite(&path);
}

/// The Subject header of a received message.
fn subject_of(data: &str) -> String {
    data.lines().find_map(|l| l.strip_prefix("Subject: ")).unwrap_or_default().trim().to_string()
}
