//! `server backup FILE` (issue 17): a consistent online copy of a SQLite database taken
//! while the server takes writes, which a fresh server then serves as it was.

use crate::common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use app::sql;
use common::http::{send, sign_in};
use common::instance::{remove_sqlite, run, sqlite_file, Instance};
use common::personas::ADMIN;

/// Raises cases "Load W-0", "Load W-1", … one after the other until `stop`; returns how
/// many it raised.
async fn writer(addr: std::net::SocketAddr, cookie: String, account: i64, w: usize, stop: Arc<AtomicBool>) -> usize {
    let mut n = 0;
    while !stop.load(Ordering::Relaxed) {
        let reply =
            send(addr, &format!("FORM /api/cases/raise account={account}&title=Load+{w}-{n}"), Some(&cookie)).await;
        assert!(reply.status < 400, "{} {}", reply.status, reply.text());
        n += 1;
    }
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_write_load_restores_into_a_server_that_serves_the_same_data() {
    let (url, path) = sqlite_file("roster_backup");
    let (copy_url, copy) = sqlite_file("roster_backup_copy");
    common::within_limit(async {
        let original = Instance::start(&url, &[], &[]).await;
        let db = server::database::open(&url).await.unwrap();
        let account = common::account_named(&db, "Northwind Production").await;
        let cookie = sign_in(original.addr, ADMIN, None).await;

        let stop = Arc::new(AtomicBool::new(false));
        let writers: Vec<_> =
            (0..2).map(|w| tokio::spawn(writer(original.addr, cookie.clone(), account, w, stop.clone()))).collect();
        tokio::time::sleep(Duration::from_millis(500)).await;
        let (ok, said, why) = run(&url, &["backup", copy.to_str().unwrap()]).await;
        assert!(ok, "{said}{why}");
        assert!(said.contains("backed up"), "{said}");
        tokio::time::sleep(Duration::from_millis(300)).await;
        stop.store(true, Ordering::Relaxed);
        let mut raised = 0;
        for w in writers {
            raised += w.await.unwrap();
        }

        // Backing up into an existing file is refused, and leaves it alone.
        let (ok, _, why) = run(&url, &["backup", copy.to_str().unwrap()]).await;
        assert!(!ok && why.contains("exists already"), "{why}");

        // The copy is whole and one snapshot: each writer's cases are a run from its first,
        // with none missing in between, and some written after the copy are not in it.
        let restored_db = server::database::open(&copy_url).await.unwrap();
        let check = restored_db.scalar::<String>(&sql!("PRAGMA integrity_check")).await.unwrap();
        assert_eq!(check, "ok");
        let titles: Vec<(String,)> =
            restored_db.fetch_all(&sql!("SELECT title FROM cases WHERE title LIKE 'Load %'")).await.unwrap();
        let mut copied = 0;
        for w in 0..2 {
            let mut numbers: Vec<usize> = titles
                .iter()
                .filter_map(|(t,)| t.strip_prefix(&format!("Load {w}-")).and_then(|n| n.parse().ok()))
                .collect();
            numbers.sort_unstable();
            assert_eq!(numbers, (0..numbers.len()).collect::<Vec<_>>(), "writer {w}'s cases in the copy");
            copied += numbers.len();
        }
        assert!(copied > 0 && copied < raised, "{copied} of {raised} cases copied");

        // A fresh server on the copy serves what the original served at that moment: the
        // member export matches the original's (only cases changed under the load), and
        // the last copied case opens.
        drop(original);
        let restored = Instance::start(&copy_url, &["--no-seed"], &[]).await;
        let cookie = sign_in(restored.addr, ADMIN, None).await;
        let export = format!("GET /accounts/{account}/users/export.csv");
        let served = send(restored.addr, &export, Some(&cookie)).await;
        assert_eq!(served.status, 200);
        let again = Instance::start(&url, &["--no-seed"], &[]).await;
        let original_cookie = sign_in(again.addr, ADMIN, None).await;
        let expected = send(again.addr, &export, Some(&original_cookie)).await;
        // Only Adam's "Cases owned" differs: by the cases raised after the copy was taken
        // (the copy's count agrees with the copy's cases).
        let adams = |csv: &str| {
            csv.lines().find(|l| l.starts_with("Adam Admin,")).and_then(|l| l.rsplit(',').next()?.parse::<usize>().ok())
        };
        let (served, expected) = (served.text(), expected.text());
        assert_eq!(adams(&served).unwrap() + (raised - copied), adams(&expected).unwrap());
        let others = |csv: &str| csv.lines().filter(|l| !l.starts_with("Adam Admin,")).collect::<Vec<_>>().join("\n");
        assert_eq!(others(&served), others(&expected));
        let last =
            restored_db.scalar::<i64>(&sql!("SELECT MAX(id) FROM cases WHERE title LIKE 'Load %'")).await.unwrap();
        let page = send(restored.addr, &format!("GET /accounts/{account}/cases/{last}"), Some(&cookie)).await;
        assert_eq!(page.status, 200);
        assert!(page.text().contains("Load "), "the case page shows the case");
        restored_db.close().await;
        db.close().await;
    })
    .await;
    remove_sqlite(&path);
    remove_sqlite(&copy);
}
