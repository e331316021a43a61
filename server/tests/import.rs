//! CSV import of members (SPEC F27), on SQLite and on PostgreSQL: files Roster cannot
//! read, the dry run's report row by row, the apply batch by batch (and resumed after a
//! stop), who may import, the upload route's limits, and a large file.

use crate::common;

use std::time::Instant;

use app::backend::access::AccountAdmin;
use app::backend::{import, Db};
use app::error::AppError;
use app::model::{ImportRow, ImportState, ImportStatus, RowOutcome, IMPORT_BATCH};
use app::sql;
use common::personas::{ADMIN, MEMBER, NEWCOMER, OUTSIDER, UNREGISTERED};
use server::seed::{seed, SeedOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

const NOW: i64 = 1_780_000_000 - 1_780_000_000 % 86_400;

async fn seeded(db: &Db) -> (i64, AccountAdmin) {
    seed(db, &SeedOptions { members: 130, seed: 11, now: NOW }).await.expect("seed");
    let account = common::account_named(db, "Northwind Production").await;
    (account, common::admin_of(db, ADMIN, account).await)
}

/// Uploads `bytes` as the route would hand them on: in chunks, as they arrive.
async fn upload(db: &Db, admin: &AccountAdmin, bytes: &[u8]) -> (ImportStatus, Option<AppError>) {
    let (tx, rx) = mpsc::channel(4);
    let chunks: Vec<Vec<u8>> = bytes.chunks(7_000).map(<[u8]>::to_vec).collect();
    let feed = async move {
        for c in chunks {
            if tx.send(Ok(c)).await.is_err() {
                break;
            }
        }
    };
    let (_, done) = tokio::join!(feed, import::upload(db, admin, "members.csv", rx));
    done.expect("the upload is stored")
}

/// Steps an import until it has nothing left to do (checked, finished).
async fn settle(db: &Db, admin: &AccountAdmin, id: i64) -> ImportStatus {
    for _ in 0..1_000 {
        let s = import::step(db, admin, id).await.expect("a step");
        if !s.working() {
            return s;
        }
    }
    panic!("the import does not settle");
}

async fn all_rows(db: &Db, admin: &AccountAdmin, id: i64) -> Vec<ImportRow> {
    let mut rows: Vec<ImportRow> = Vec::new();
    loop {
        let after = rows.last().map_or(0, |r| r.line);
        let page = import::rows(db, admin, id, after, 5_000, false).await.expect("rows");
        if page.is_empty() {
            return rows;
        }
        rows.extend(page);
    }
}

fn row(rows: &[ImportRow], line: i64) -> &ImportRow {
    rows.iter().find(|r| r.line == line).unwrap_or_else(|| panic!("no row on line {line}"))
}

async fn count(db: &Db, query: app::backend::db::Sql) -> i64 {
    db.scalar(&query).await.unwrap()
}

async fn is_member(db: &Db, account: i64, email: &str) -> bool {
    count(
        db,
        sql!(
            "SELECT COUNT(*) FROM memberships WHERE account_id = $1 AND email_key = $2",
            account,
            email.to_lowercase()
        ),
    )
    .await
        == 1
}

async fn audit_count(db: &Db, account: i64, action: &str) -> i64 {
    count(db, sql!("SELECT COUNT(*) FROM audit_log WHERE account_id = $1 AND action = $2", account, action)).await
}

/// The roles cell of a member's current roles (keys, `;`-separated).
async fn roles_of(db: &Db, account: i64, email: &str) -> String {
    let cat = app::backend::roles::Catalogue::load(db).await.unwrap();
    let bits = count(
        db,
        sql!("SELECT role_bits FROM memberships WHERE account_id = $1 AND email_key = $2", account, email.to_string()),
    )
    .await;
    cat.keys_of(bits).join(";")
}

/// The per-role counts the overview shows match the memberships, role by role and status.
async fn counts_are_exact(db: &Db, account: i64) {
    let cat = app::backend::roles::Catalogue::load(db).await.unwrap();
    for d in &cat.0 {
        for status in ["active", "inactive"] {
            let counted: i64 = count(
                db,
                sql!(
                    "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM role_counts \
                     WHERE account_id = $1 AND status = $2 AND role_key = $3",
                    account,
                    status,
                    &d.role.key
                ),
            )
            .await;
            let members = count(
                db,
                sql!(
                    "SELECT COUNT(*) FROM memberships WHERE account_id = $1 AND status = $2 AND (role_bits & $3) <> 0",
                    account,
                    status,
                    d.mask()
                ),
            )
            .await;
            assert_eq!(counted, members, "{} ({status})", d.role.key);
        }
    }
}

backend_tests! {
    async fn files_roster_cannot_read_are_refused_whole_with_the_reason(db) {
        let (_, admin) = seeded(&db).await;
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (b"Email,Roles\nnina.newcomer@northwind.example,Primary\nx@northwind.example,Caf\xe9\n".to_vec(),
             "Line 3 is not UTF-8"),
            (b"Name,Roles\nNina,Primary\n".to_vec(), "no Email column"),
            (b"Email,EMAIL\na@b.example,c@d.example\n".to_vec(), "two Email columns"),
            (b"".to_vec(), "empty"),
            (b"Email;Roles\n".to_vec(), "no rows"),
            (b"\xff\xfeE\0m\0a\0i\0l\0".to_vec(), "UTF-16"),
        ];
        for (bytes, why) in cases {
            let (s, problem) = upload(&db, &admin, &bytes).await;
            let problem = problem.expect("refused").to_string();
            assert!(problem.contains(why), "{why}: {problem}");
            assert_eq!(s.state, ImportState::Failed);
            assert_eq!(s.problem.as_deref(), Some(problem.as_str()));
            assert_eq!(count(&db, sql!("SELECT COUNT(*) FROM import_rows WHERE import_id = $1", s.id)).await, 0);
            assert!(import::step(&db, &admin, s.id).await.unwrap().state == ImportState::Failed);
            assert!(import::start_apply(&db, &admin, s.id).await.is_err(), "a refused file is not applied");
        }
    }

    async fn the_dry_run_reports_every_row_and_changes_nothing(db) {
        let (account, admin) = seeded(&db).await;
        let member_roles = roles_of(&db, account, MEMBER).await;
        let primary_holder: String = db
            .scalar(&sql!(
                "SELECT name FROM memberships WHERE account_id = $1 AND (role_bits & 64) <> 0",
                account
            ))
            .await
            .unwrap();
        // A BOM, semicolons, a quoted cell across lines, export-like and unknown columns.
        let csv = format!(
            "\u{feff}EMAIL;First name;Last Name;Roles;Active login;Shoe size;Cases owned\r\n\
             {NEWCOMER};;;Security Contact;;42;0\r\n\
             new.person@northwind.example;New;Person;\"billing_contact;\nGeneral Support\";;;\r\n\
             not-an-email;;;General Support;;;\r\n\
             {UNREGISTERED};Uma;Unregistered;General Support;;;\r\n\
             nobody.at.all@northwind.example;;;General Support;;;\r\n\
             {};;;License contact;;;\r\n\
             {OUTSIDER};;;Astronaut;;;\r\n\
             {MEMBER};;;;;;\r\n\
             {MEMBER2};;;{member_roles};Yes;;\r\n\
             first.primary@northwind.example;First;Primary;Primary;;;\r\n\
             second.primary@northwind.example;Second;Primary;primary;;;\r\n\
             {ADMIN};;;Account Administrator;Maybe;;\r\n",
            NEWCOMER.to_uppercase(),
            MEMBER2 = MEMBER,
        );
        let (s, problem) = upload(&db, &admin, csv.as_bytes()).await;
        assert_eq!(problem, None);
        assert_eq!(s.state, ImportState::Checking);
        assert_eq!(s.total, 12, "{s:?}");
        assert_eq!(s.ignored_columns, vec!["Shoe size".to_string(), "Cases owned (worked out by Roster)".to_string()]);
        let audit_before = count(&db, sql!("SELECT COUNT(*) FROM audit_log WHERE account_id = $1", account)).await;
        let outbox_before = count(&db, sql!("SELECT COUNT(*) FROM outbox")).await;
        let s = settle(&db, &admin, s.id).await;
        assert_eq!(s.state, ImportState::Checked);
        assert_eq!(s.checked, 12);
        let rows = all_rows(&db, &admin, s.id).await;
        assert_eq!(rows.len(), 12, "{:#?}", rows.iter().map(|r| (r.line, &r.email)).collect::<Vec<_>>());
        let expect = |line: i64, outcome: RowOutcome, words: &str| {
            let r = row(&rows, line);
            assert_eq!(r.outcome, Some(outcome), "line {line}: {}", r.message);
            assert!(r.message.contains(words), "line {line}: {:?} lacks {words:?}", r.message);
            assert!(!r.applied);
        };
        expect(2, RowOutcome::Create, "Security Contact");
        // The quoted cell spans lines 3 and 4: the next row starts on line 5.
        expect(3, RowOutcome::Create, "New contact New Person; roles: General Support, Billing contact");
        expect(5, RowOutcome::Error, "full email address");
        expect(6, RowOutcome::Error, "must be registered");
        expect(7, RowOutcome::Error, "give their First name and Last name");
        expect(8, RowOutcome::Error, "on line 2 already");
        expect(9, RowOutcome::Error, "There is no role \"Astronaut\"");
        expect(10, RowOutcome::Error, "No role");
        expect(11, RowOutcome::Error, "on line 10 already");
        expect(12, RowOutcome::Error, &format!("{primary_holder} holds it"));
        expect(13, RowOutcome::Error, "Line 12 gives the role Primary already");
        expect(14, RowOutcome::Error, "Yes or No");
        assert_eq!((s.creates, s.updates, s.unchanged, s.errors), (2, 0, 0, 10));
        // Nothing changed: no member, no audit entry, no email.
        assert!(!is_member(&db, account, NEWCOMER).await);
        assert!(!is_member(&db, account, "new.person@northwind.example").await);
        assert_eq!(count(&db, sql!("SELECT COUNT(*) FROM people WHERE email_key = 'new.person@northwind.example'")).await, 0);
        assert_eq!(count(&db, sql!("SELECT COUNT(*) FROM audit_log WHERE account_id = $1", account)).await, audit_before);
        assert_eq!(count(&db, sql!("SELECT COUNT(*) FROM outbox")).await, outbox_before);

        // An unchanged and an updated member, with a comma-separated file.
        let csv = format!("Email,Roles,Active login\n{MEMBER},\"{}\",yes\n{ADMIN},\"Account Administrator, Security Contact\",\n",
            member_roles.replace(';', ","));
        let (s, _) = upload(&db, &admin, csv.as_bytes()).await;
        let s = settle(&db, &admin, s.id).await;
        let rows = all_rows(&db, &admin, s.id).await;
        assert_eq!(row(&rows, 2).outcome, Some(RowOutcome::Unchanged), "{}", row(&rows, 2).message);
        assert_eq!(row(&rows, 3).outcome, Some(RowOutcome::Update), "{}", row(&rows, 3).message);
        assert_eq!((s.creates, s.updates, s.unchanged, s.errors), (0, 1, 1, 0));
    }

    async fn apply_stores_each_batch_whole_and_resumes_after_a_stop(db) {
        let (account, admin) = seeded(&db).await;
        let n = IMPORT_BATCH * 2 + 137;
        let mut csv = String::from("Email,First name,Last name,Roles\n");
        for i in 0..n {
            csv.push_str(&format!("bulk.{i}@northwind.example,Bulk,Number {i},General Support;Security Contact\n"));
        }
        // One refused row in the middle: it stays refused and is not applied.
        csv.push_str(&format!("{OUTSIDER},,,Astronaut\n"));
        // And a member whose roles change.
        csv.push_str(&format!("{MEMBER},,,Billing contact\n"));
        let (s, problem) = upload(&db, &admin, csv.as_bytes()).await;
        assert_eq!(problem, None);
        let s = settle(&db, &admin, s.id).await;
        assert_eq!((s.creates, s.updates, s.errors), (n as i64, 1, 1));
        let members_before = count(&db, sql!("SELECT COUNT(*) FROM memberships WHERE account_id = $1", account)).await;
        // The demo's own history has role changes of its own.
        let roles_changed_before = audit_count(&db, account, "member.roles_changed").await;

        let s = import::start_apply(&db, &admin, s.id).await.unwrap();
        assert_eq!(s.state, ImportState::Applying);
        assert_eq!(audit_count(&db, account, "import.started").await, 1);
        // Applying twice starts nothing twice.
        import::start_apply(&db, &admin, s.id).await.unwrap();
        assert_eq!(audit_count(&db, account, "import.started").await, 1);

        // One batch, then a stop (the page closed, the server killed between batches).
        let s = import::step(&db, &admin, s.id).await.unwrap();
        assert_eq!((s.state, s.done, s.changed), (ImportState::Applying, IMPORT_BATCH as i64, IMPORT_BATCH as i64));
        let rows = all_rows(&db, &admin, s.id).await;
        let applied: Vec<i64> = rows.iter().filter(|r| r.applied).map(|r| r.line).collect();
        assert_eq!(applied, (2..2 + IMPORT_BATCH as i64).collect::<Vec<_>>(), "exactly the first batch is applied");
        let members_now = count(&db, sql!("SELECT COUNT(*) FROM memberships WHERE account_id = $1", account)).await;
        assert_eq!(members_now, members_before + IMPORT_BATCH as i64);
        assert_eq!(audit_count(&db, account, "contact.created").await, IMPORT_BATCH as i64);
        let bulk: Vec<(String,)> = db
            .fetch_all(&sql!(
                "SELECT email_key FROM memberships WHERE account_id = $1 AND email_key LIKE 'bulk.%' ORDER BY email_key",
                account
            ))
            .await
            .unwrap();
        let mut applied_emails: Vec<String> = rows.iter().filter(|r| r.applied).map(|r| r.email.clone()).collect();
        applied_emails.sort();
        assert_eq!(bulk.into_iter().map(|(e,)| e).collect::<Vec<_>>(), applied_emails, "members are the applied rows");

        // Resumed: it goes on after the last stored batch, to the end.
        let s = settle(&db, &admin, s.id).await;
        assert_eq!(s.state, ImportState::Finished);
        assert_eq!(s.done, n as i64 + 2);
        assert_eq!(s.changed, n as i64 + 1);
        assert_eq!((s.creates, s.updates, s.unchanged, s.errors), (n as i64, 1, 0, 1));
        let rows = all_rows(&db, &admin, s.id).await;
        assert_eq!(rows.iter().filter(|r| r.applied).count(), n + 1);
        let refused = row(&rows, n as i64 + 2);
        assert!(!refused.applied && refused.outcome == Some(RowOutcome::Error));
        let members_after = count(&db, sql!("SELECT COUNT(*) FROM memberships WHERE account_id = $1", account)).await;
        assert_eq!(members_after, members_before + n as i64);
        assert_eq!(roles_of(&db, account, MEMBER).await, "general_support;billing_contact");
        // One audit entry per member change, and the import's own entries.
        assert_eq!(audit_count(&db, account, "contact.created").await, n as i64);
        assert_eq!(audit_count(&db, account, "member.roles_changed").await, roles_changed_before + 1);
        assert_eq!(audit_count(&db, account, "import.finished").await, 1);
        // The counts the overview shows stay exact.
        let security: i64 = count(&db, sql!(
            "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM role_counts WHERE account_id = $1 AND role_key = 'security_contact'",
            account)).await;
        let counted = count(&db, sql!(
            "SELECT COUNT(*) FROM memberships WHERE account_id = $1 AND (role_bits & 4) <> 0", account)).await;
        assert_eq!(security, counted);
        // A finished import does nothing more.
        let again = import::step(&db, &admin, s.id).await.unwrap();
        assert_eq!(again, s);
    }

    async fn only_the_accounts_administrators_see_and_run_its_imports(db) {
        let (account, admin) = seeded(&db).await;
        let (s, _) = upload(&db, &admin, format!("Email,Roles\n{NEWCOMER},General Support\n").as_bytes()).await;
        // Another account's administrator (the operator acting for another account) finds nothing.
        let other = common::account_named(&db, "Globex GovCloud").await;
        let elsewhere = common::as_operator(&db, other).await;
        for e in [
            import::status(&db, &elsewhere, s.id).await.map(|_| ()),
            import::step(&db, &elsewhere, s.id).await.map(|_| ()),
            import::start_apply(&db, &elsewhere, s.id).await.map(|_| ()),
            import::rows(&db, &elsewhere, s.id, 0, 10, false).await.map(|_| ()),
        ] {
            assert!(matches!(e, Err(AppError::NotFound(_))), "{e:?}");
        }
        assert!(import::list(&db, &elsewhere).await.unwrap().iter().all(|i| i.id != s.id));
        // A plain member gets no proof to call them with.
        let member = app::backend::access::Actor::by_email(&db, MEMBER).await.unwrap();
        assert!(matches!(member.manage(&db, app::model::AccountId(account)).await, Err(AppError::Forbidden(_))));
        assert_eq!(import::list(&db, &admin).await.unwrap()[0].id, s.id);
    }

    async fn the_upload_route_reads_the_file_and_keeps_to_its_limits(db) {
        let (account, _) = seeded(&db).await;
        let addr = common::serve_router(&db, server::security::Site::default()).await;
        let admin = common::http::sign_in(addr, ADMIN, None).await;
        let member = common::http::sign_in(addr, MEMBER, None).await;
        let path = format!("/accounts/{account}/import?name=team.csv");
        let file = format!("Email;Roles\n{NEWCOMER};General Support\n");
        let (status, body) = post_raw(addr, &path, Some(&admin), file.as_bytes(), None).await;
        assert_eq!(status, 201, "{body}");
        let made: ImportStatus = serde_json::from_str(&body).unwrap();
        assert_eq!((made.file_name.as_str(), made.total, made.state), ("team.csv", 1, ImportState::Checking));
        // A file Roster cannot read: 400 with the reason.
        let (status, body) = post_raw(addr, &path, Some(&admin), b"Name\nNina\n", None).await;
        assert_eq!(status, 400, "{body}");
        assert!(body.contains("no Email column"), "{body}");
        // Over the limit: 413, whether announced or not.
        let (status, _) = post_raw(addr, &path, Some(&admin), b"Email\n", Some(30 * 1024 * 1024)).await;
        assert_eq!(status, 413);
        let mut big = b"Email,Roles,Notes\n".to_vec();
        while big.len() <= app::model::IMPORT_MAX_BYTES {
            big.extend_from_slice(format!("someone@northwind.example,General Support,{}\n", "x".repeat(200)).as_bytes());
        }
        let (status, body) = post_raw_chunked(addr, &path, &admin, &big).await;
        assert_eq!(status, 413, "{body}");
        // A member, someone signed out, another site: refused.
        let (status, _) = post_raw(addr, &path, Some(&member), file.as_bytes(), None).await;
        assert_eq!(status, 403);
        let (status, _) = post_raw(addr, &path, None, file.as_bytes(), None).await;
        assert_eq!(status, 401);
        let other = common::account_named(&db, "Globex GovCloud").await;
        let (status, _) = post_raw(addr, &format!("/accounts/{other}/import"), Some(&admin), file.as_bytes(), None).await;
        assert_eq!(status, 403);
        // The report: every row with its outcome.
        let s = settle(&db, &common::admin_of(&db, ADMIN, account).await, made.id).await;
        assert_eq!(s.state, ImportState::Checked);
        let report = common::http::send(addr, &format!("GET /accounts/{account}/import/{}/report.csv", made.id), Some(&admin)).await;
        assert_eq!(report.status, 200);
        let text = report.text();
        assert!(text.starts_with("Line,Email,Outcome,Applied,Message\n"), "{text}");
        assert!(text.contains(&format!("2,{NEWCOMER},Will create,No,")), "{text}");
        let report = common::http::send(addr, &format!("GET /accounts/{account}/import/{}/report.csv", made.id), Some(&member)).await;
        assert_eq!(report.status, 403);
    }

    async fn an_email_given_twice_in_a_batch_or_across_batches_is_refused(db) {
        let (account, admin) = seeded(&db).await;
        let mut csv = String::from("Email,First name,Last name,Roles\n");
        csv.push_str("dup.one@northwind.example,Dup,One,General Support\n");
        csv.push_str("DUP.One@northwind.example,Dup,Again,General Support\n");
        for i in 0..IMPORT_BATCH {
            csv.push_str(&format!("fill.{i}@northwind.example,Fill,Number {i},General Support\n"));
        }
        csv.push_str("dup.one@northwind.example,Dup,Later,Security Contact\n");
        let (s, problem) = upload(&db, &admin, csv.as_bytes()).await;
        assert_eq!(problem, None);
        let s = settle(&db, &admin, s.id).await;
        let n = IMPORT_BATCH as i64;
        assert_eq!((s.creates, s.updates, s.unchanged, s.errors), (n + 1, 0, 0, 2));
        let rows = all_rows(&db, &admin, s.id).await;
        assert_eq!(row(&rows, 2).outcome, Some(RowOutcome::Create));
        let later = 4 + n;
        assert!(later > 1 + n, "the last row is in the second batch");
        for (line, email) in [(3, "DUP.One@northwind.example"), (later, "dup.one@northwind.example")] {
            let r = row(&rows, line);
            assert_eq!(r.outcome, Some(RowOutcome::Error));
            assert_eq!(r.message, format!("The email {email} is on line 2 already: give each person one row."));
        }
        import::start_apply(&db, &admin, s.id).await.unwrap();
        let s = settle(&db, &admin, s.id).await;
        assert_eq!((s.state, s.changed, s.errors), (ImportState::Finished, n + 1, 2));
        assert_eq!(roles_of(&db, account, "dup.one@northwind.example").await, "general_support");
        assert_eq!(count(&db, sql!("SELECT COUNT(*) FROM people WHERE email_key = 'dup.one@northwind.example'")).await, 1);
        assert_eq!(audit_count(&db, account, "contact.created").await, n + 1);
        counts_are_exact(&db, account).await;
    }

    async fn a_primary_freed_earlier_in_the_file_may_be_given_once(db) {
        let (account, admin) = seeded(&db).await;
        let (holder, holder_name): (String, String) = db
            .fetch_optional(&sql!(
                "SELECT email_key, name FROM memberships WHERE account_id = $1 AND (role_bits & 64) <> 0",
                account
            ))
            .await
            .unwrap()
            .unwrap();
        let kept: Vec<String> =
            roles_of(&db, account, &holder).await.split(';').filter(|k| *k != "primary").map(str::to_string).collect();
        let csv = format!(
            "Email,First name,Last name,Roles\n\
             {holder},,,{}\n\
             {NEWCOMER},,,Primary\n\
             second.primary@northwind.example,Second,Primary,primary\n",
            kept.join(";")
        );
        let (s, _) = upload(&db, &admin, csv.as_bytes()).await;
        let s = settle(&db, &admin, s.id).await;
        let rows = all_rows(&db, &admin, s.id).await;
        assert_eq!(row(&rows, 2).outcome, Some(RowOutcome::Update), "{}", row(&rows, 2).message);
        assert_eq!(row(&rows, 3).outcome, Some(RowOutcome::Create), "{}", row(&rows, 3).message);
        assert_eq!(
            row(&rows, 4).message,
            "Line 3 gives the role Primary already: only one member of an account may hold it."
        );
        // Given while the holder keeps it: refused, naming them.
        let (s2, _) =
            upload(&db, &admin, format!("Email,Roles\n{NEWCOMER},Primary\n").as_bytes()).await;
        let s2 = settle(&db, &admin, s2.id).await;
        let only = &all_rows(&db, &admin, s2.id).await[0];
        assert_eq!(only.message, format!("Only one member may hold the role Primary, and {holder_name} holds it."));

        import::start_apply(&db, &admin, s.id).await.unwrap();
        let s = settle(&db, &admin, s.id).await;
        assert_eq!((s.state, s.creates, s.updates, s.errors), (ImportState::Finished, 1, 1, 1));
        let holders: Vec<(String,)> = db
            .fetch_all(&sql!("SELECT email_key FROM memberships WHERE account_id = $1 AND (role_bits & 64) <> 0", account))
            .await
            .unwrap();
        assert_eq!(holders, vec![(NEWCOMER.to_string(),)]);
        assert_eq!(roles_of(&db, account, &holder).await, kept.join(";"));
        counts_are_exact(&db, account).await;
    }

    async fn a_file_may_not_take_away_the_last_account_administrator(db) {
        let (account, admin) = seeded(&db).await;
        let admins: Vec<(String, String)> = db
            .fetch_all(&sql!(
                "SELECT email_key, name FROM memberships WHERE account_id = $1 AND status = 'active' \
                 AND (role_bits & 2) <> 0 ORDER BY email_key",
                account
            ))
            .await
            .unwrap();
        assert!(admins.len() >= 2, "{admins:?}");
        let (last, last_name) = admins.last().unwrap().clone();
        let refusal = format!("{last_name} is the last Account Administrator of this account. Give another member that role first.");
        // Roles without Account Administrator, for each of them.
        let mut csv = String::from("Email,Roles\n");
        for (email, _) in &admins {
            csv.push_str(&format!("{email},General Support\n"));
        }
        let (s, _) = upload(&db, &admin, csv.as_bytes()).await;
        let s = settle(&db, &admin, s.id).await;
        let rows = all_rows(&db, &admin, s.id).await;
        let last_line = 1 + admins.len() as i64;
        for r in &rows {
            if r.line == last_line {
                assert_eq!((r.outcome, r.message.as_str()), (Some(RowOutcome::Error), refusal.as_str()));
            } else {
                assert_eq!(r.outcome, Some(RowOutcome::Update), "line {}: {}", r.line, r.message);
            }
        }
        // Their logins deactivated (and a newcomer added deactivated): the same, and applied.
        let mut csv = String::from("Email,Active login\n");
        for (email, _) in &admins {
            csv.push_str(&format!("{email},No\n"));
        }
        csv.push_str(&format!("{NEWCOMER},No\n"));
        let (s, _) = upload(&db, &admin, csv.as_bytes()).await;
        let s = settle(&db, &admin, s.id).await;
        let rows = all_rows(&db, &admin, s.id).await;
        assert_eq!(row(&rows, last_line).message, refusal);
        assert_eq!(row(&rows, last_line + 1).outcome, Some(RowOutcome::Create));
        assert!(row(&rows, last_line + 1).message.ends_with("; login deactivated"), "{}", row(&rows, last_line + 1).message);
        let deactivated_before = audit_count(&db, account, "member.deactivated").await;
        import::start_apply(&db, &admin, s.id).await.unwrap();
        let s = settle(&db, &admin, s.id).await;
        let n = admins.len() as i64;
        assert_eq!((s.state, s.updates, s.creates, s.errors), (ImportState::Finished, n - 1, 1, 1));
        let active: Vec<(String,)> = db
            .fetch_all(&sql!(
                "SELECT email_key FROM memberships WHERE account_id = $1 AND status = 'active' AND (role_bits & 2) <> 0",
                account
            ))
            .await
            .unwrap();
        assert_eq!(active, vec![(last,)]);
        let newcomer: (String, i64) = db
            .fetch_optional(&sql!(
                "SELECT status, version FROM memberships WHERE account_id = $1 AND email_key = $2",
                account,
                NEWCOMER
            ))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(newcomer, ("inactive".to_string(), 2));
        assert_eq!(audit_count(&db, account, "member.deactivated").await, deactivated_before + n);
        counts_are_exact(&db, account).await;
    }

    async fn updates_unchanged_rows_new_contacts_and_registered_people_in_one_batch(db) {
        let (account, admin) = seeded(&db).await;
        // A member other than MEMBER, not an administrator, holding no cloud or unique role.
        let (same, _): (String, i64) = db
            .fetch_optional(&sql!(
                "SELECT email_key, id FROM memberships WHERE account_id = $1 AND email_key <> $2 \
                 AND (role_bits & (2 | 8 | 64)) = 0 ORDER BY id LIMIT 1",
                account,
                MEMBER
            ))
            .await
            .unwrap()
            .unwrap();
        let same_roles = roles_of(&db, account, &same).await;
        let organisation: i64 = count(&db, sql!("SELECT organisation_id FROM accounts WHERE id = $1", account)).await;
        let outbox_before = count(&db, sql!("SELECT COUNT(*) FROM outbox")).await;
        let csv = format!(
            "Email,First name,Last name,Roles,Active login\n\
             {MEMBER},,,Billing contact;Security Contact,\n\
             {same},,,{same_roles},\n\
             {UNREGISTERED},Uma,Unregistered,General Support,\n\
             brand.new@northwind.example,Brand,New,General Support,No\n\
             {NEWCOMER},,,Security Contact,Yes\n\
             someone@elsewhere.example,Some,One,License contact,\n"
        );
        let (s, _) = upload(&db, &admin, csv.as_bytes()).await;
        let s = settle(&db, &admin, s.id).await;
        let rows = all_rows(&db, &admin, s.id).await;
        let expect = |line: i64, outcome: RowOutcome, message: &str| {
            let r = row(&rows, line);
            assert_eq!((r.outcome, r.message.as_str()), (Some(outcome), message), "line {line}");
        };
        expect(2, RowOutcome::Update, "Roles: General Support, Security Contact, Billing contact");
        expect(3, RowOutcome::Unchanged, &format!("Roles: {}", {
            let cat = app::backend::roles::Catalogue::load(&db).await.unwrap();
            let keys: Vec<String> = same_roles.split(';').map(str::to_string).collect();
            cat.describe(cat.bits(&keys).unwrap())
        }));
        expect(4, RowOutcome::Error, "This user must be registered in the Community");
        expect(5, RowOutcome::Create, "New contact Brand New; roles: General Support; login deactivated");
        expect(6, RowOutcome::Create, "Adds a registered person; roles: General Support, Security Contact; login active");
        expect(7, RowOutcome::Create, "New contact Some One; roles: General Support, License contact");

        let actions = ["member.roles_changed", "contact.created", "member.added", "member.deactivated"];
        let mut audited_before = Vec::new();
        for a in actions {
            audited_before.push(audit_count(&db, account, a).await);
        }
        let welcomes_before = count(&db, sql!("SELECT COUNT(*) FROM outbox WHERE recipient = $1", NEWCOMER)).await;
        import::start_apply(&db, &admin, s.id).await.unwrap();
        let s = settle(&db, &admin, s.id).await;
        assert_eq!((s.state, s.creates, s.updates, s.unchanged, s.errors), (ImportState::Finished, 3, 1, 1, 1));
        let rows = all_rows(&db, &admin, s.id).await;
        let applied: Vec<i64> = rows.iter().filter(|r| r.applied).map(|r| r.line).collect();
        assert_eq!(applied, vec![2, 5, 6, 7]);
        assert_eq!(roles_of(&db, account, MEMBER).await, "general_support;security_contact;billing_contact");
        assert_eq!(roles_of(&db, account, &same).await, same_roles);
        assert!(!is_member(&db, account, UNREGISTERED).await);
        let brand: (String, bool, i64) = db
            .fetch_optional(&sql!(
                "SELECT m.status, m.registered, p.organisation_id FROM memberships m JOIN people p ON p.id = m.person_id \
                 WHERE m.account_id = $1 AND m.email_key = 'brand.new@northwind.example'",
                account
            ))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(brand, ("inactive".to_string(), false, organisation));
        // A domain none of the account's organisations has: the account's own contact.
        let elsewhere: i64 =
            count(&db, sql!("SELECT organisation_id FROM people WHERE email_key = 'someone@elsewhere.example'")).await;
        assert_eq!(elsewhere, organisation);
        assert!(is_member(&db, account, NEWCOMER).await);
        // One entry per change: roles of MEMBER, two contacts, one person added, one login.
        for (a, (before, more)) in actions.iter().zip(audited_before.iter().zip([1, 2, 1, 1])) {
            assert_eq!(audit_count(&db, account, a).await, before + more, "{a}");
        }
        // The welcome email of the registered person added.
        assert_eq!(count(&db, sql!("SELECT COUNT(*) FROM outbox")).await, outbox_before + 1);
        assert_eq!(
            count(&db, sql!("SELECT COUNT(*) FROM outbox WHERE recipient = $1", NEWCOMER)).await,
            welcomes_before + 1
        );
        counts_are_exact(&db, account).await;
    }

    async fn a_partners_deployment_takes_only_the_partners_people(db) {
        seed(&db, &SeedOptions { members: 130, seed: 11, now: NOW }).await.expect("seed");
        let account = common::account_named(&db, "Northwind Field Sites").await;
        let admin = common::as_operator(&db, account).await;
        let csv = format!(
            "Email,First name,Last name,Roles\n\
             new.partner@initech.example,New,Partner,General Support\n\
             new.customer@northwind.example,New,Customer,General Support\n\
             {NEWCOMER},,,General Support\n\
             alex.approver@initech.example,,,General Support\n"
        );
        let (s, _) = upload(&db, &admin, csv.as_bytes()).await;
        let s = settle(&db, &admin, s.id).await;
        let rows = all_rows(&db, &admin, s.id).await;
        let refusal =
            "Northwind Field Sites is supported by Initech Partners: only people of Initech Partners can be its contacts.";
        assert_eq!(row(&rows, 2).outcome, Some(RowOutcome::Create), "{}", row(&rows, 2).message);
        assert_eq!(row(&rows, 3).message, refusal);
        assert_eq!(row(&rows, 4).message, refusal);
        assert_eq!(row(&rows, 5).outcome, Some(RowOutcome::Create), "{}", row(&rows, 5).message);
        import::start_apply(&db, &admin, s.id).await.unwrap();
        let s = settle(&db, &admin, s.id).await;
        assert_eq!((s.state, s.changed, s.errors), (ImportState::Finished, 2, 2));
        let partner: i64 = count(&db, sql!("SELECT id FROM organisations WHERE name = 'Initech Partners'")).await;
        let org: i64 =
            count(&db, sql!("SELECT organisation_id FROM people WHERE email_key = 'new.partner@initech.example'")).await;
        assert_eq!(org, partner, "a contact with the partner's domain is the partner's");
        assert!(is_member(&db, account, "alex.approver@initech.example").await);
        assert!(!is_member(&db, account, NEWCOMER).await);
        assert_eq!(count(&db, sql!("SELECT COUNT(*) FROM people WHERE email_key = 'new.customer@northwind.example'")).await, 0);
        counts_are_exact(&db, account).await;
    }

    async fn five_thousand_rows_dry_run_and_apply(db) {
        let (account, admin) = seeded(&db).await;
        let n = 5_000;
        let mut csv = String::from("Email;First name;Last name;Roles;Active login\n");
        for i in 0..n {
            csv.push_str(&format!("many.{i}@northwind.example;Many;Number {i};General Support;Yes\n"));
        }
        let started = Instant::now();
        let (s, problem) = upload(&db, &admin, csv.as_bytes()).await;
        assert_eq!(problem, None);
        let uploaded = started.elapsed();
        let s = settle(&db, &admin, s.id).await;
        let checked = started.elapsed();
        assert_eq!((s.state, s.creates, s.errors), (ImportState::Checked, n, 0));
        import::start_apply(&db, &admin, s.id).await.unwrap();
        let s = settle(&db, &admin, s.id).await;
        let applied = started.elapsed();
        assert_eq!((s.state, s.changed), (ImportState::Finished, n));
        assert_eq!(count(&db, sql!(
            "SELECT COUNT(*) FROM memberships WHERE account_id = $1 AND email_key LIKE 'many.%'", account)).await, n);
        eprintln!(
            "{n} rows on {:?}: upload {:.1} s, dry run {:.1} s, apply {:.1} s",
            db.backend(),
            uploaded.as_secs_f64(),
            (checked - uploaded).as_secs_f64(),
            (applied - checked).as_secs_f64()
        );
    }
}

/// POSTs `body` as text/csv; `announce` overrides the Content-Length (the body sent is
/// then cut short: the server must answer before reading it). Returns status and body.
async fn post_raw(
    addr: std::net::SocketAddr,
    path: &str,
    cookie: Option<&str>,
    body: &[u8],
    announce: Option<usize>,
) -> (u16, String) {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nOrigin: http://{addr}\r\n\
         Content-Type: text/csv\r\nContent-Length: {}\r\n",
        announce.unwrap_or(body.len())
    );
    if let Some(c) = cookie {
        head.push_str(&format!("Cookie: {c}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).await.unwrap();
    let _ = s.write_all(body).await;
    read_reply(s).await
}

/// POSTs `body` as text/csv in chunks, without announcing its length.
async fn post_raw_chunked(addr: std::net::SocketAddr, path: &str, cookie: &str, body: &[u8]) -> (u16, String) {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nOrigin: http://{addr}\r\n\
         Content-Type: text/csv\r\nTransfer-Encoding: chunked\r\nCookie: {cookie}\r\n\r\n"
    );
    s.write_all(head.as_bytes()).await.unwrap();
    for chunk in body.chunks(64 * 1024) {
        if s.write_all(format!("{:x}\r\n", chunk.len()).as_bytes()).await.is_err()
            || s.write_all(chunk).await.is_err()
            || s.write_all(b"\r\n").await.is_err()
        {
            break;
        }
    }
    let _ = s.write_all(b"0\r\n\r\n").await;
    read_reply(s).await
}

async fn read_reply(mut s: tokio::net::TcpStream) -> (u16, String) {
    let mut out = Vec::new();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(60), s.read_to_end(&mut out)).await;
    let text = String::from_utf8_lossy(&out).to_string();
    let status = text.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

/// `kill -9` of the real server while it applies an import, on SQLite and PostgreSQL:
/// every row marked applied is a member and no other row of the file is, the batch under
/// way when the process died left nothing; after a restart "Resume" (the same step
/// call) applies the rest.
mod killed {
    use super::*;
    use common::http::{send_within, sign_in};
    use common::instance::{remove_sqlite, sqlite_file, Instance};
    use std::time::Duration;

    const ROWS: usize = 3_000;
    const LONG: Duration = Duration::from_secs(120);

    async fn step(addr: std::net::SocketAddr, cookie: &str, account: i64, id: i64, call: &str) -> Option<ImportStatus> {
        let reply =
            send_within(addr, &format!("FORM /api/import/{call} account={account}&import={id}"), Some(cookie), LONG)
                .await
                .ok()?;
        (reply.status == 200).then(|| serde_json::from_slice(&reply.body).expect("an import"))
    }

    /// Checks that the rows marked applied are exactly the file's members; returns how many.
    async fn consistent(db: &Db, account: i64, id: i64) -> usize {
        let members: Vec<(String,)> = db
            .fetch_all(&sql!(
                "SELECT email_key FROM memberships WHERE account_id = $1 AND email_key LIKE 'killed.%' ORDER BY email_key",
                account
            ))
            .await
            .unwrap();
        let applied: Vec<(String,)> = db
            .fetch_all(&sql!(
                "SELECT email_key FROM import_rows WHERE import_id = $1 AND applied ORDER BY email_key",
                id
            ))
            .await
            .unwrap();
        assert_eq!(members, applied, "the members are exactly the rows marked applied");
        let (through, done): (i64, i64) = db
            .fetch_optional(&sql!("SELECT applied_through, applied_rows FROM imports WHERE id = $1", id))
            .await
            .unwrap()
            .unwrap();
        let beyond = count(
            db,
            sql!("SELECT COUNT(*) FROM import_rows WHERE import_id = $1 AND applied AND line > $2", id, through),
        )
        .await;
        assert_eq!(beyond, 0, "no row after the last stored batch is applied");
        assert_eq!(done as usize, applied.len(), "every row of a stored batch is applied (the file has no errors)");
        let audited = count(
            db,
            sql!("SELECT COUNT(*) FROM audit_log WHERE account_id = $1 AND action = 'contact.created'", account),
        )
        .await;
        assert_eq!(audited as usize, applied.len(), "one audit entry per member created");
        applied.len()
    }

    async fn killed_mid_apply(url: &str) {
        let server = Instance::start(url, &[], &[]).await;
        let db = server::database::open(url).await.unwrap();
        let account = common::account_named(&db, "Northwind Production").await;
        let audited_before = count(
            &db,
            sql!("SELECT COUNT(*) FROM audit_log WHERE account_id = $1 AND action = 'contact.created'", account),
        )
        .await;
        assert_eq!(audited_before, 0);
        let cookie = sign_in(server.addr, ADMIN, None).await;
        let mut csv = String::from("Email,First name,Last name,Roles\n");
        for i in 0..ROWS {
            csv.push_str(&format!("killed.{i:05}@northwind.example,Killed,Number {i},General Support\n"));
        }
        let path = format!("/accounts/{account}/import?name=killed.csv");
        let (status, body) = post_raw(server.addr, &path, Some(&cookie), csv.as_bytes(), None).await;
        assert_eq!(status, 201, "{body}");
        let id = serde_json::from_str::<ImportStatus>(&body).unwrap().id;
        while step(server.addr, &cookie, account, id, "step").await.expect("a dry-run step").working() {}
        assert_eq!(
            step(server.addr, &cookie, account, id, "apply").await.expect("applying").state,
            ImportState::Applying
        );

        let (addr, c) = (server.addr, cookie.clone());
        let applying =
            tokio::spawn(
                async move { while step(addr, &c, account, id, "step").await.is_some_and(|s| s.working()) {} },
            );
        // Killed once some batches are stored, while the next is under way.
        let deadline = Instant::now() + Duration::from_secs(120);
        while Instant::now() < deadline {
            let done = count(&db, sql!("SELECT applied_rows FROM imports WHERE id = $1", id)).await;
            if done >= 2 * IMPORT_BATCH as i64 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        server.crash().await;
        let _ = applying.await;
        let applied = consistent(&db, account, id).await;
        println!("kill -9 mid-apply: {applied} of {ROWS} rows applied");
        assert!(applied < ROWS, "killed before the end");

        // Restarted, the import is resumed where it stopped.
        let server = Instance::start(url, &[], &[]).await;
        let cookie = sign_in(server.addr, ADMIN, None).await;
        let s = step(server.addr, &cookie, account, id, "status").await.expect("the import");
        assert_eq!(s.state, ImportState::Applying, "a stopped import waits to be resumed");
        let mut last = s;
        while last.working() {
            last = step(server.addr, &cookie, account, id, "step").await.expect("a step");
        }
        assert_eq!((last.state, last.changed), (ImportState::Finished, ROWS as i64));
        assert_eq!(consistent(&db, account, id).await, ROWS);
        drop(server);
        db.close().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let (url, path) = sqlite_file("roster_import_kill");
        common::within_limit(killed_mid_apply(&url)).await;
        remove_sqlite(&path);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        let Some((url, database)) = common::TestDb::postgres_url().await else { return };
        common::within_limit(killed_mid_apply(&url)).await;
        database.finish().await;
    }
}
