//! `kill -9` during a bulk removal of 10,000 members (issue 17), on SQLite and on
//! PostgreSQL: after a restart every member is either removed with the whole F11 cascade
//! or untouched, "Cases owned" is exact, and the audit log holds one removal entry per
//! member removed, no more and no fewer. Then the same removal, run to its end, passes the
//! same checks.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use app::backend::Db;
use app::model::MemberQuery;
use app::sql;
use common::http::{send_within, sign_in};
use common::instance::{remove_sqlite, sqlite_file, Instance};
use common::personas::ADMIN;

/// Members of the large demo account: the bulk limit, less the demo personas the seed adds.
const DEMO_MEMBERS: &str = "9960";

/// The longest a removal of 10,000 may take in a debug build on a busy machine.
const LONG: Duration = Duration::from_secs(240);

/// (membership id → (person, role bits, status)) of an account.
type Members = BTreeMap<i64, (i64, i64, String)>;

async fn members(db: &Db, account: i64) -> Members {
    let rows: Vec<(i64, i64, i64, String)> = db
        .fetch_all(&sql!("SELECT id, person_id, role_bits, status FROM memberships WHERE account_id = $1", account))
        .await
        .unwrap();
    rows.into_iter().map(|(id, person, bits, status)| (id, (person, bits, status))).collect()
}

/// The people the audit log says were removed from the account.
async fn audited_removals(db: &Db, account: i64) -> Vec<i64> {
    let rows: Vec<(i64,)> = db
        .fetch_all(&sql!(
            "SELECT subject_person_id FROM audit_log WHERE account_id = $1 AND action = 'member.removed' \
             ORDER BY subject_person_id",
            account
        ))
        .await
        .unwrap();
    rows.into_iter().map(|(p,)| p).collect()
}

/// Every check of a consistent account after removals, given the members before (and
/// that the audit log had no removals then).
async fn check_consistent(db: &Db, account: i64, before: &Members) -> usize {
    let after = members(db, account).await;
    // Nobody changed but by removal.
    for (id, now) in &after {
        assert_eq!(before.get(id), Some(now), "membership {id} changed without being removed");
    }
    let removed: BTreeSet<i64> =
        before.iter().filter(|(id, _)| !after.contains_key(id)).map(|(_, (person, _, _))| *person).collect();
    // The audit log matches the removals one to one.
    let audited = audited_removals(db, account).await;
    assert_eq!(audited.len(), removed.len(), "one audit entry per removal");
    assert_eq!(audited.into_iter().collect::<BTreeSet<_>>(), removed);
    // The whole cascade for each removed member: off every case of the account, no
    // notifications of it, primary contact of none (open ones went to the administrator).
    for table in ["case_contacts", "case_followers", "notifications"] {
        let left: Vec<(i64,)> = db
            .fetch_all(&sql!(
                format!(
                    "SELECT DISTINCT t.person_id FROM {table} t JOIN cases c ON c.id = t.case_id \
                     WHERE c.account_id = $1 AND t.person_id NOT IN (SELECT person_id FROM memberships WHERE account_id = $1)"
                ),
                account
            ))
            .await
            .unwrap();
        assert!(left.is_empty(), "{table} keeps {} removed members", left.len());
    }
    let primaries: Vec<(i64,)> = db
        .fetch_all(&sql!(
            "SELECT DISTINCT primary_contact_id FROM cases WHERE account_id = $1 AND primary_contact_id IS NOT NULL \
             AND primary_contact_id NOT IN (SELECT person_id FROM memberships WHERE account_id = $1)",
            account
        ))
        .await
        .unwrap();
    assert!(primaries.is_empty(), "{} removed members are still primary contacts", primaries.len());
    // "Cases owned" (open cases one is primary contact of) is exact for every member left.
    let wrong = db
        .scalar::<i64>(&sql!(
            "SELECT COUNT(*) FROM memberships m WHERE m.account_id = $1 AND m.cases_owned <> \
             (SELECT COUNT(*) FROM cases c WHERE c.account_id = $1 AND c.status = 'open' \
              AND c.primary_contact_id = m.person_id)",
            account
        ))
        .await
        .unwrap();
    assert_eq!(wrong, 0, "members whose Cases owned is off");
    removed.len()
}

/// Waits until a transaction of the server's has been open for a while (the bulk removal
/// at work), so that the kill lands inside it; false when none was seen before `deadline`.
async fn removal_under_way(db: &Db, url: &str, deadline: Instant) -> bool {
    use sqlx::ConnectOptions;
    use std::str::FromStr;
    // On SQLite, a connection of our own that tries for the write lock without waiting.
    let mut sqlite = match db {
        Db::Sqlite(..) => Some(
            sqlx::sqlite::SqliteConnectOptions::from_str(url)
                .unwrap()
                .busy_timeout(Duration::ZERO)
                .connect()
                .await
                .unwrap(),
        ),
        Db::Postgres(..) => None,
    };
    let name = url.rsplit('/').next().unwrap();
    while Instant::now() < deadline {
        let held = match &mut sqlite {
            Some(conn) => sqlite_write_held(conn, Duration::from_millis(300)).await,
            None => {
                db.scalar::<i64>(&sql!(
                    "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() \
                     AND xact_start < now() - interval '300 milliseconds'",
                    name
                ))
                .await
                .unwrap()
                    > 0
            }
        };
        if held {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

/// Whether another connection holds SQLite's write lock for all of `span`.
async fn sqlite_write_held(conn: &mut sqlx::SqliteConnection, span: Duration) -> bool {
    let started = Instant::now();
    while started.elapsed() < span {
        if sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await.is_ok() {
            sqlx::query("ROLLBACK").execute(&mut *conn).await.unwrap();
            return false;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    true
}

async fn crash_during_bulk_removal(url: &str) {
    let server = Instance::start(url, &["--demo-members", DEMO_MEMBERS], &[]).await;
    let db = server::database::open(url).await.unwrap();
    let account = common::account_named(&db, "Northwind Production").await;
    let before = members(&db, account).await;
    assert!(before.len() <= 10_000 && before.len() > 9_900, "{} members", before.len());
    assert!(audited_removals(&db, account).await.is_empty(), "the demo data has no removals");
    let cookie = sign_in(server.addr, ADMIN, None).await;
    let everyone = serde_json::to_string(&MemberQuery::new(account)).unwrap();
    let removal = format!(
        r#"JSON /api/members/bulk {{"account":{account},"selection":{{"AllMatching":{everyone}}},"action":"Remove"}}"#
    );

    let (addr, call, sent_cookie) = (server.addr, removal.clone(), cookie.clone());
    let request = tokio::spawn(async move { send_within(addr, &call, Some(&sent_cookie), LONG).await });
    let caught = removal_under_way(&db, url, Instant::now() + Duration::from_secs(60)).await;
    server.crash().await;
    let _ = request.await;
    let removed = check_consistent(&db, account, &before).await;
    println!(
        "kill -9 {}: {removed} of {} members removed",
        if caught { "mid-removal" } else { "(removal not seen)" },
        before.len()
    );
    if caught {
        assert_eq!(removed, 0, "a removal killed mid-way leaves every member untouched");
    }

    // After a restart the removal runs to its end.
    let server = Instance::start(url, &[], &[]).await;
    let cookie = sign_in(server.addr, ADMIN, None).await;
    let started = Instant::now();
    let reply = send_within(server.addr, &removal, Some(&cookie), LONG).await.unwrap();
    assert_eq!(reply.status, 200, "{}", reply.text());
    println!("bulk removal of {} members: {:?}", before.len(), started.elapsed());
    let answer: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
    let removed = check_consistent(&db, account, &before).await;
    // Everyone of the view (the active members), but the last administrator.
    assert_eq!(removed as u64, answer["changed"].as_u64().unwrap(), "{answer}");
    assert!(removed > 9_000, "{answer}");
    drop(server);
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite() {
    let (url, path) = sqlite_file("roster_crash");
    common::within_limit(crash_during_bulk_removal(&url)).await;
    remove_sqlite(&path);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres() {
    let Some((url, database)) = common::TestDb::postgres_url().await else { return };
    common::within_limit(crash_during_bulk_removal(&url)).await;
    database.finish().await;
}
