//! Two `server serve` processes on one PostgreSQL database behave as one (issue 17): they
//! start together on an empty database (the schema migrated once, the demo data seeded
//! once); a session started on one is valid on the other and ends on both; sign-in
//! limits count the tries made on both; each outbox message is delivered once although
//! both senders run. And what each instance's connections to PostgreSQL are set to.

use crate::common;

use std::time::Duration;

use app::backend::mail::outbox::{enqueue, Email};
use app::sql;
use common::http::{send, sign_in};
use common::instance::Instance;
use common::personas::{ADMIN, MEMBER};
use common::smtp::Sink;

const MESSAGES: usize = 60;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_postgres_behave_as_one() {
    let Some((url, database)) = common::TestDb::postgres_url().await else { return };
    common::within_limit(async {
        let sink = Sink::start().await;
        let relay = sink.url();
        let env = [("SMTP_URL", relay.as_str())];
        let (a, b) = tokio::join!(Instance::start(&url, &[], &env), Instance::start(&url, &[], &env));
        let db = server::database::open(&url).await.unwrap();

        // Both started: the migrations were applied once (sqlx takes an advisory lock),
        // and the demo data is there once (seeding takes turns, the second found data).
        let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres")).unwrap().count();
        let applied = db.scalar::<i64>(&sql!("SELECT COUNT(DISTINCT version) FROM _sqlx_migrations")).await.unwrap();
        let rows = db.scalar::<i64>(&sql!("SELECT COUNT(*) FROM _sqlx_migrations")).await.unwrap();
        assert_eq!((applied, rows), (files as i64, files as i64));
        let accounts =
            db.scalar::<i64>(&sql!("SELECT COUNT(*) FROM accounts WHERE name = 'Northwind Production'")).await.unwrap();
        assert_eq!(accounts, 1, "the demo data was seeded once");

        // A session started on one instance is valid on the other, and signing out on
        // the other ends it on both.
        let cookie = sign_in(a.addr, ADMIN, None).await;
        let me = send(b.addr, "FORM /api/me", Some(&cookie)).await;
        assert_eq!(me.status, 200);
        assert!(me.text().contains(ADMIN), "{}", me.text());
        assert!(send(b.addr, "FORM /api/sign_out", Some(&cookie)).await.status < 400);
        assert_eq!(send(a.addr, "FORM /api/me", Some(&cookie)).await.text(), "null");

        // Wrong passwords alternately on each instance: the lockout comes after the same
        // number of tries as on one instance (5 per email), not after twice as many.
        let wrong = format!("FORM /api/sign_in email={}&password=wrong-password&next=%2F", MEMBER.replace('@', "%40"));
        let mut refused_at = None;
        for try_number in 1..=10 {
            let instance = if try_number % 2 == 1 { &a } else { &b };
            let reply = send(instance.addr, &wrong, None).await;
            if reply.status == 429 {
                refused_at = Some(try_number);
                break;
            }
            assert_eq!(reply.status, 400, "{}", reply.text());
        }
        assert_eq!(refused_at, Some(6), "five wrong tries, counted across both instances, lock the email");

        // Each message is delivered once although both senders run.
        let mut tx = db.begin().await.unwrap();
        for i in 0..MESSAGES {
            let email = Email {
                to: format!("reader{i}@example.com"),
                subject: format!("Shared outbox {i:03}"),
                text: "Hello".into(),
                html: "<p>Hello</p>".into(),
            };
            enqueue(&mut tx, &email).await.unwrap();
        }
        tx.commit().await.unwrap();
        let ours = |sink: &Sink| {
            let mut subjects: Vec<String> = sink
                .messages()
                .iter()
                .filter_map(|m| {
                    m.data.lines().find_map(|l| l.strip_prefix("Subject: Shared outbox ")).map(str::to_string)
                })
                .collect();
            subjects.sort();
            subjects
        };
        loop {
            let unsent = db.scalar::<i64>(&sql!("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL")).await.unwrap();
            if unsent == 0 && ours(&sink).len() >= MESSAGES {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // A little longer, for a second delivery that would come late.
        tokio::time::sleep(Duration::from_secs(6)).await;
        let expected: Vec<String> = (0..MESSAGES).map(|i| format!("{i:03}")).collect();
        assert_eq!(ours(&sink), expected, "each message exactly once");
        let total_sent = db.scalar::<i64>(&sql!("SELECT COUNT(*) FROM outbox")).await.unwrap();
        assert_eq!(sink.messages().len() as i64, total_sent, "the demo data's mail once too");

        drop((a, b));
        db.close().await;
    })
    .await;
    database.finish().await;
}

/// Every connection `database::open` makes to PostgreSQL bounds its waits on locks and
/// abandoned transactions, and compiles no statement: the JIT spent 370 ms on a Search
/// Text statement that runs in 10, because a skip scan's row estimates are rough.
#[tokio::test]
async fn postgres_connections_bound_their_waits_and_compile_nothing() {
    let Some((url, _database)) = common::TestDb::postgres_url().await else { return };
    let db = server::database::open(&url).await.unwrap();
    let settings: Option<(String, String, String)> = db
        .fetch_optional(&sql!(
            "SELECT current_setting('lock_timeout'), current_setting('idle_in_transaction_session_timeout'), \
             current_setting('jit')"
        ))
        .await
        .unwrap();
    assert_eq!(settings, Some(("15s".to_string(), "1min".to_string(), "off".to_string())));
}
