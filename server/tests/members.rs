//! Storage tests for the Manage Users list, on SQLite and on PostgreSQL.

use crate::common;

use app::backend::members::read::Strategy;
use app::backend::{accounts, contacts, members, Db};
use app::error::AppError;
use app::model::{MemberPage, MemberQuery, MemberStatus, PageCursor, RoleChange, SortColumn, SortDir, SortKey};
use app::{on_db, sql};
use server::seed::{seed, SeedOptions};

const NOW: i64 = 1_780_000_000 - 1_780_000_000 % 86_400;

async fn seeded(db: &Db) -> i64 {
    seed(db, &SeedOptions { members: 130, seed: 7, now: NOW }).await.expect("seed");
    common::account_named(db, "Northwind Production").await
}

/// Every page of a view, following `next` cursors.
async fn walk(db: &Db, q: &MemberQuery) -> Vec<MemberPage> {
    walk_with(db, q, Strategy::Auto).await
}

/// Every page of a view read with one strategy.
async fn walk_with(db: &Db, q: &MemberQuery, strategy: Strategy) -> Vec<MemberPage> {
    walk_by(db, q, strategy, members::read::SHORT_SEARCH_WINDOW).await
}

/// Every page of a view whose short Search Text looks at `window` members per page.
async fn walk_within(db: &Db, q: &MemberQuery, window: u32) -> Vec<MemberPage> {
    walk_by(db, q, Strategy::Auto, window).await
}

async fn walk_by(db: &Db, q: &MemberQuery, strategy: Strategy, window: u32) -> Vec<MemberPage> {
    let admin = common::as_operator(db, q.account).await;
    let mut pages = Vec::new();
    let mut q = q.clone();
    loop {
        let page = members::read::list_within(db, &admin, &q, NOW, strategy, window).await.expect("list");
        let next = page.next.clone();
        pages.push(page);
        match next {
            Some(c) => q.cursor = Some(PageCursor::After(c)),
            None => return pages,
        }
        assert!(pages.len() < 1_000, "paging does not end");
    }
}

/// (sort value, id) of every member in a view, straight from SQL, in the expected order.
async fn expected(db: &Db, account: i64, status: &str, sort: SortKey, dir: SortDir) -> Vec<i64> {
    let col = match sort {
        SortKey::Name => "name_key",
        SortKey::Email => "email_key",
        SortKey::Roles => "additional_roles",
        SortKey::Active | SortKey::LastSignOn => "last_sign_in_at",
        SortKey::CasesOwned => "cases_owned",
    };
    let d = if dir == SortDir::Asc { "ASC" } else { "DESC" };
    let sql = format!("SELECT id FROM memberships WHERE account_id = $1 AND status = $2 ORDER BY {col} {d}, id {d}");
    on_db!(db, pool => sqlx::query_scalar::<_, i64>(&sql).bind(account).bind(status).fetch_all(pool).await.unwrap())
}

/// Search Text read apart (`Strategy::Apart`) gives, in the name and the email order,
/// the members whose name or email holds it, as SQL finds them without an index.
async fn apart_finds_what_holds(db: &Db, account: i64, terms: &[&str]) {
    for term in terms {
        for (sort, col) in [(SortKey::Name, "name_key"), (SortKey::Email, "email_key")] {
            let q = MemberQuery { search: term.to_string(), sort, page_size: 3, ..MemberQuery::new(account) };
            let sql = format!(
                "SELECT id FROM memberships WHERE account_id = $1 AND status = 'active' \
                 AND (name_key LIKE $2 OR email_key LIKE $2) ORDER BY {col}, id"
            );
            let want: Vec<i64> = on_db!(db, pool => sqlx::query_scalar(&sql)
                .bind(account).bind(format!("%{term}%")).fetch_all(pool).await.unwrap());
            assert_eq!(ids(&walk_with(db, &q, Strategy::Apart).await), want, "{term:?} by {sort:?}");
        }
    }
}

fn ids(pages: &[MemberPage]) -> Vec<i64> {
    pages.iter().flat_map(|p| p.rows.iter().map(|r| r.membership_id)).collect()
}

/// An audit entry (id, at, action, before, after) with its member's status and role bits.
type LoggedChange = (i64, i64, String, Option<String>, Option<String>, String, i64);

backend_tests! {
    async fn the_demo_audit_history_agrees_with_its_members(db) {
        let account = seeded(&db).await;
        let cat = app::backend::roles::Catalogue::load(&db).await.unwrap();
        let entries: Vec<LoggedChange> = db
            .fetch_all(&sql!(
                "SELECT a.id, a.at, a.action, a.before, a.after, m.status, m.role_bits FROM audit_log a \
                 JOIN memberships m ON m.account_id = a.account_id AND m.person_id = a.subject_person_id \
                 WHERE a.account_id = $1 ORDER BY a.id",
                account
            ))
            .await
            .unwrap();
        let total: i64 =
            db.scalar(&sql!("SELECT COUNT(*) FROM audit_log WHERE account_id = $1", account)).await.unwrap();
        assert!(entries.len() > 10, "{entries:?}");
        assert_eq!(entries.len() as i64, total, "every entry is about a member of the account");
        let actions: std::collections::BTreeSet<&str> = entries.iter().map(|e| e.2.as_str()).collect();
        assert_eq!(actions, ["member.added", "member.deactivated", "member.roles_changed"].into());
        for w in entries.windows(2) {
            assert!(w[0].1 <= w[1].1, "the log's order is the order things happened: {w:?}");
        }
        for (_, at, action, before, after, status, bits) in &entries {
            assert!(*at < NOW && *at > NOW - 91 * 86_400, "{action} at {at}");
            match action.as_str() {
                // What a member was given is what they hold today.
                "member.roles_changed" => {
                    assert_eq!(before.as_deref(), Some(cat.describe(cat.default_mask()).as_str()));
                    assert_eq!(after.as_deref(), Some(cat.describe(*bits).as_str()));
                }
                "member.deactivated" => {
                    assert_eq!((before.as_deref(), after.as_deref(), status.as_str()), (Some("active"), Some("inactive"), "inactive"))
                }
                _ => assert_eq!((before, after.as_deref()), (&None, Some(cat.describe(cat.default_mask()).as_str()))),
            }
        }
        // Each member's entries tell one story: added (if recently) before anything else.
        let firsts: Vec<(String,)> = db
            .fetch_all(&sql!(
                "SELECT a.action FROM audit_log a WHERE a.account_id = $1 AND a.action <> 'member.added' \
                 AND EXISTS (SELECT 1 FROM audit_log b WHERE b.account_id = a.account_id \
                 AND b.subject_person_id = a.subject_person_id AND b.action = 'member.added' AND b.id > a.id)",
                account
            ))
            .await
            .unwrap();
        assert!(firsts.is_empty(), "changes before the member was added: {firsts:?}");
    }

    async fn accounts_are_listed_with_member_counts(db) {
        let account = seeded(&db).await;
        let all = accounts::list(&db, &common::operator(&db).await).await.unwrap();
        assert_eq!(all.len(), 8);
        let nw = all.iter().find(|a| a.id == account).unwrap();
        let active: i64 = on_db!(&db, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM memberships WHERE account_id = $1 AND status = 'active'")
            .bind(account).fetch_one(pool).await.unwrap());
        assert_eq!(nw.members, active);
        assert!(all.iter().any(|a| a.government_cloud && a.name == "Globex GovCloud"));
        let admin = common::as_operator(&db, account).await;
        assert_eq!(accounts::get(&db, &admin).await.unwrap().name, "Northwind Production");
        let operator = common::operator(&db).await;
        assert!(matches!(operator.actor().clone().manage(&db, app::model::AccountId(999_999)).await, Err(AppError::NotFound(_))));
    }

    async fn every_sort_order_pages_through_all_members_once(db) {
        let account = seeded(&db).await;
        for sort in SortKey::ALL.iter().copied() {
            for dir in [SortDir::Asc, SortDir::Desc] {
                let q = MemberQuery { sort, dir, page_size: 10, ..MemberQuery::new(account) };
                let pages = walk(&db, &q).await;
                let want = expected(&db, account, "active", sort, dir).await;
                assert_eq!(ids(&pages), want, "{sort:?} {dir:?}");
                assert!(pages[0].prev.is_none());
                assert!(pages.last().unwrap().next.is_none());
                assert!(pages.iter().all(|p| p.rows.len() <= 10));
            }
        }
    }

    async fn previous_pages_are_the_same_pages_backwards(db) {
        let account = seeded(&db).await;
        let q = MemberQuery { sort: SortKey::LastSignOn, dir: SortDir::Desc, page_size: 10, ..MemberQuery::new(account) };
        let pages = walk(&db, &q).await;
        assert!(pages.len() >= 3);
        for i in (1..pages.len()).rev() {
            let prev = pages[i].prev.clone().expect("a page after the first has a previous one");
            let back = members::read::list(&db, &common::as_operator(&db, q.account).await, &MemberQuery { cursor: Some(PageCursor::Before(prev)), ..q.clone() }, NOW)
                .await
                .unwrap();
            assert_eq!(back.rows, pages[i - 1].rows, "page {i} back");
            assert_eq!(back.prev.is_some(), i - 1 > 0);
            assert!(back.next.is_some());
        }
    }

    async fn search_text_matches_name_or_email_substrings(db) {
        let account = seeded(&db).await;
        for term in ["son", "SON", "ar", "northwind-traders", "adam.admin@", "Müller"] {
            let q = MemberQuery { search: term.into(), page_size: 100, ..MemberQuery::new(account) };
            let got = ids(&walk(&db, &q).await);
            let pattern = format!("%{}%", term.to_lowercase());
            let want: Vec<i64> = on_db!(&db, pool => sqlx::query_scalar(
                "SELECT id FROM memberships WHERE account_id = $1 AND status = 'active' \
                 AND (name_key LIKE $2 OR email_key LIKE $2) ORDER BY name_key, id")
                .bind(account).bind(&pattern).fetch_all(pool).await.unwrap());
            assert_eq!(got, want, "search {term:?}");
        }
        let some = walk(&db, &MemberQuery { search: "son".into(), ..MemberQuery::new(account) }).await;
        assert!(!ids(&some).is_empty(), "the demo data has people called …son");
    }

    async fn a_short_search_pages_through_windows_and_finds_every_match(db) {
        let account = seeded(&db).await;
        let admin = common::as_operator(&db, account).await;
        for term in ["a", "zq", "MA", "ü", "@", "qx"] {
            for sort in [SortKey::Name, SortKey::Email, SortKey::LastSignOn, SortKey::CasesOwned, SortKey::Roles] {
                for dir in [SortDir::Asc, SortDir::Desc] {
                    let q = MemberQuery { search: term.into(), sort, dir, page_size: 5, ..MemberQuery::new(account) };
                    // Seven members looked at per page: pages end early, some are empty.
                    let pages = walk_within(&db, &q, 7).await;
                    assert!(pages.iter().all(|p| p.window == Some(7)));
                    let pattern = format!("%{}%", term.to_lowercase());
                    let matching: Vec<i64> = on_db!(&db, pool => sqlx::query_scalar(
                        "SELECT id FROM memberships WHERE account_id = $1 AND status = 'active' \
                         AND (name_key LIKE $2 OR email_key LIKE $2)")
                        .bind(account).bind(&pattern).fetch_all(pool).await.unwrap());
                    let want: Vec<i64> = expected(&db, account, "active", sort, dir)
                        .await
                        .into_iter()
                        .filter(|id| matching.contains(id))
                        .collect();
                    assert_eq!(ids(&pages), want, "{term:?} by {sort:?} {dir:?}");
                    if want.is_empty() {
                        // Each page looked at seven members, the last at what was left.
                        let members = expected(&db, account, "active", sort, dir).await.len();
                        assert_eq!(pages.len(), members / 7 + 1, "{term:?} by {sort:?} {dir:?}");
                    }
                    // The usual window gives the same members in full pages.
                    let full = walk(&db, &q).await;
                    assert_eq!(ids(&full), want);
                    assert!(full.iter().all(|p| p.window == Some(members::read::SHORT_SEARCH_WINDOW)));
                    // Back from the last page with rows: the same members, backwards.
                    let Some(last) = pages.iter().rposition(|p| !p.rows.is_empty()) else { continue };
                    let mut back: Vec<i64> = pages[last].rows.iter().rev().map(|r| r.membership_id).collect();
                    let mut prev = pages[last].prev.clone();
                    while let Some(c) = prev {
                        let before = MemberQuery { cursor: Some(PageCursor::Before(c)), ..q.clone() };
                        let page = members::read::list_within(&db, &admin, &before, NOW, Strategy::Auto, 7).await.unwrap();
                        back.extend(page.rows.iter().rev().map(|r| r.membership_id));
                        prev = page.prev;
                    }
                    back.reverse();
                    assert_eq!(back, want, "{term:?} by {sort:?} {dir:?}, backwards");
                }
            }
        }
        // Three characters use the indexes, and no window.
        let q = MemberQuery { search: "son".into(), ..MemberQuery::new(account) };
        assert_eq!(walk(&db, &q).await[0].window, None);
        // PostgreSQL first looks for a page of them in a window past the cursor, and
        // collects them from the indexes when the window holds less than a page: a
        // window of any size gives the same full pages.
        for term in ["son", "northwind", "ada", "zzq"] {
            let q = MemberQuery { search: term.into(), page_size: 4, ..MemberQuery::new(account) };
            let want = ids(&walk_within(&db, &q, 100_000).await);
            for window in [1, 3, 7, 40] {
                let pages = walk_within(&db, &q, window).await;
                assert_eq!(ids(&pages), want, "{term:?} probed {window} at a time");
                assert!(pages.iter().all(|p| p.window.is_none() && (p.rows.len() == 4 || p.next.is_none())));
            }
        }
    }

    async fn a_search_with_many_matches_gives_the_same_pages_however_far_it_looks_ahead(db) {
        // Enough members that SQLite no longer collects a common string's matches but
        // first counts how many lie ahead of the cursor.
        seed(&db, &SeedOptions { members: 600, seed: 11, now: NOW }).await.expect("seed");
        let account = common::account_named(&db, "Northwind Production").await;
        // Two whose one column begins with "tomasz" and whose other has it further in:
        // PostgreSQL finds them in both of the reads that collect the matches elsewhere
        // than at the start of the sort column, and must list them once.
        let operator = common::as_operator(&db, account).await;
        // And "livia" at every place PostgreSQL reads apart: at the second character of the
        // name, of the email, or both; beginning one column; past the second character.
        let people = [
            ("Ana Tomaszewska", "tomasz.ana@northwind.example"),
            ("Tomasz Ana", "ana.tomasz@northwind.example"),
            ("Olivia Livingston", "olivia.l@northwind.example"),
            ("Livia Ortiz", "ortiz.livia@northwind.example"),
            ("Kim Oh", "xlivia@northwind.example"),
            ("Ana Olivia Reyes", "reyes@northwind.example"),
            ("Bo Olivares", "livia.b@northwind.example"),
            // "aaa" both begins the first's email and is at its second character.
            ("Abe Aaaa", "aaaa.abe@northwind.example"),
            ("Zed Aaaa", "zed@northwind.example"),
        ];
        for (name, email) in people {
            contacts::create_named(&db, &operator, name, email, &RoleChange::default()).await.unwrap();
        }
        let general = Some("general_support".to_string());
        for (term, sort, role, page_size) in [
            ("northwind", SortKey::Name, None),
            ("son", SortKey::Email, None),
            ("ia s", SortKey::Name, None),
            ("northwind", SortKey::Email, general.clone()),
            // With a role, a short look-ahead reads too few entries for a page, then too
            // few of the role's members, then collects.
            ("son", SortKey::Name, general.clone()),
            ("northwind", SortKey::CasesOwned, None),
            // Other orders read the role's next members (PostgreSQL); a look-ahead that
            // reaches the end of the view has every match left.
            ("son", SortKey::LastSignOn, general.clone()),
            ("northwind", SortKey::CasesOwned, Some("billing_contact".to_string())),
            // Matches at the beginning of the names and elsewhere (collected apart).
            ("mar", SortKey::Name, None),
            ("ann", SortKey::Email, None),
            ("mar", SortKey::Name, general.clone()),
            // Matches whose other column alone begins with the text: Tomás's email
            // address begins "tomas.", his name "tomás".
            ("tomas", SortKey::Name, None),
            ("tomá", SortKey::Email, None),
        ]
        .into_iter()
        .map(|(term, sort, role)| (term, sort, role, 25))
        // A page of one: a member listed twice would take the place of the next.
        .chain([
            ("tomasz", SortKey::Name, None, 1),
            ("tomasz", SortKey::Email, None, 1),
            ("livia", SortKey::Name, None, 1),
            ("livia", SortKey::Email, None, 1),
            ("livia", SortKey::Name, general.clone(), 2),
            ("aaa", SortKey::Name, None, 1),
            ("aaa", SortKey::Email, None, 1),
        ])
        {
            let q = MemberQuery { search: term.into(), sort, role, page_size, ..MemberQuery::new(account) };
            let want = ids(&walk_with(&db, &q, Strategy::Drive).await);
            assert!(!want.is_empty(), "{term:?}");
            // Matches read apart whatever the look-ahead would find (SQLite reads a string
            // as rare as these from its search index at once).
            assert_eq!(ids(&walk_with(&db, &q, Strategy::Apart).await), want, "{term:?} {sort:?} apart");
            let admin = common::as_operator(&db, account).await;
            for window in [1, 7, 4_000] {
                let pages = walk_within(&db, &q, window).await;
                assert_eq!(ids(&pages), want, "{term:?} looking {window} ahead");
                // And back from the last page.
                assert!(pages.iter().all(|p| p.window.is_none()));
                let last = pages.last().unwrap();
                let mut back: Vec<i64> = last.rows.iter().rev().map(|r| r.membership_id).collect();
                let mut prev = last.prev.clone();
                while let Some(c) = prev {
                    let before = MemberQuery { cursor: Some(PageCursor::Before(c)), ..q.clone() };
                    let page = members::read::list_within(&db, &admin, &before, NOW, Strategy::Auto, window).await.unwrap();
                    back.extend(page.rows.iter().rev().map(|r| r.membership_id));
                    prev = page.prev;
                }
                back.reverse();
                assert_eq!(back, want, "{term:?} looking {window} ahead, backwards");
            }
        }
    }

    async fn search_text_inside_names_follows_every_change_to_them(db) {
        // The matches away from the start of the sort column are read in parts, the last
        // from a search index of what follows each name's and email's second character
        // (SQLite keeps it by triggers, and the seed fills it after its bulk load).
        seed(&db, &SeedOptions { members: 600, seed: 11, now: NOW }).await.expect("seed");
        let account = common::account_named(&db, "Northwind Production").await;
        let operator = common::as_operator(&db, account).await;
        for (name, email) in [
            ("Kim Oh", "kim.oh@northwind.example"),
            ("Ana Olivia Reyes", "reyes@northwind.example"),
            ("Bo Lee", "bo.livia@northwind.example"),
        ] {
            contacts::create_named(&db, &operator, name, email, &RoleChange::default()).await.unwrap();
        }
        // Seeded surnames hold "son" past their second character (Johnson, Wilson).
        apart_finds_what_holds(&db, account, &["son", "livia", "ivianne"]).await;
        // Kim's name gains "livia" past its second character and Ana's loses it; Bo's
        // email loses it.
        db.execute(&sql!("UPDATE memberships SET name = 'Kim Olivianne', name_key = 'kim olivianne' WHERE email_key = 'kim.oh@northwind.example'")).await.unwrap();
        db.execute(&sql!("UPDATE memberships SET name = 'Ana Reyes', name_key = 'ana reyes' WHERE email_key = 'reyes@northwind.example'")).await.unwrap();
        db.execute(&sql!("UPDATE memberships SET email = 'bo.lee@northwind.example', email_key = 'bo.lee@northwind.example' WHERE email_key = 'bo.livia@northwind.example'")).await.unwrap();
        apart_finds_what_holds(&db, account, &["livia", "ivianne", "reyes"]).await;
        // A removed member is found no more, nor is its id when another member takes it.
        let (kim, person): (i64, i64) = db
            .fetch_optional(&sql!("SELECT id, person_id FROM memberships WHERE email_key = 'kim.oh@northwind.example'"))
            .await
            .unwrap()
            .unwrap();
        db.execute(&sql!("DELETE FROM memberships WHERE email_key = 'kim.oh@northwind.example'")).await.unwrap();
        apart_finds_what_holds(&db, account, &["livia", "ivianne"]).await;
        if let Db::Sqlite(..) = &db {
            let left: i64 = db
                .scalar(&sql!("SELECT COUNT(*) FROM membership_search_tail WHERE membership_search_tail MATCH '\"ivianne\"'"))
                .await
                .unwrap();
            assert_eq!(left, 0, "the removed member's entry is left in SQLite's search index");
        }
        db.execute(&sql!(
            "INSERT INTO memberships (id, account_id, person_id, added_at, name, name_key, email, email_key) \
             VALUES ($1, $2, $3, 0, 'Zoe Quinn', 'zoe quinn', 'zoe@northwind.example', 'zoe@northwind.example')",
            kim,
            account,
            person
        ))
        .await
        .unwrap();
        apart_finds_what_holds(&db, account, &["ivianne", "quinn"]).await;
    }

    async fn hostile_search_text_is_just_text(db) {
        let account = seeded(&db).await;
        for term in ["'; DROP TABLE memberships; --", "\" OR 1=1", "%", "_", "\\", "NEAR(a b)", "a*", "\"\""] {
            let q = MemberQuery { search: term.into(), ..MemberQuery::new(account) };
            let page = members::read::list(&db, &common::as_operator(&db, q.account).await, &q, NOW).await.unwrap_or_else(|e| panic!("{term:?}: {e}"));
            assert!(page.rows.is_empty(), "{term:?} matched {:?}", page.rows.first());
        }
        let n: i64 = on_db!(&db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM memberships").fetch_one(pool).await.unwrap());
        assert!(n > 0);
    }

    async fn role_and_status_filters(db) {
        let account = seeded(&db).await;
        let q = MemberQuery { role: Some("security_contact".into()), page_size: 100, ..MemberQuery::new(account) };
        let pages = walk(&db, &q).await;
        assert_eq!(pages[0].role_label.as_deref(), Some("Security Contact"));
        let got = ids(&pages);
        let want: Vec<i64> = on_db!(&db, pool => sqlx::query_scalar(
            "SELECT id FROM memberships WHERE account_id = $1 AND status = 'active' AND (role_bits & 4) <> 0 \
             ORDER BY name_key, id")
            .bind(account).fetch_all(pool).await.unwrap());
        assert!(!want.is_empty());
        assert_eq!(got, want);

        let bad = members::read::list(&db, &common::as_operator(&db, account).await, &MemberQuery { role: Some("root".into()), ..MemberQuery::new(account) }, NOW).await;
        assert_eq!(bad, Err(AppError::Invalid("There is no role \"root\".".into())));

        let inactive = MemberQuery { status: MemberStatus::Inactive, page_size: 100, ..MemberQuery::new(account) };
        let got = ids(&walk(&db, &inactive).await);
        assert_eq!(got, expected(&db, account, "inactive", SortKey::Name, SortDir::Asc).await);
        assert!(!got.is_empty());
    }

    async fn rows_carry_what_the_table_shows(db) {
        let account = seeded(&db).await;
        let q = MemberQuery { search: "adam.admin@".into(), ..MemberQuery::new(account) };
        let page = members::read::list(&db, &common::as_operator(&db, q.account).await, &q, NOW).await.unwrap();
        let adam = &page.rows[0];
        assert_eq!(adam.name, "Adam Admin");
        assert_eq!(adam.email, "adam.admin@northwind.example");
        // Account Administrator and Primary, beyond General Support.
        assert!(adam.additional_roles >= 2);
        assert!(adam.active, "signed in within the last 30 days");
        let open: i64 = on_db!(&db, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM cases WHERE account_id = $1 AND status = 'open' AND primary_contact_id = $2")
            .bind(account).bind(adam.person_id).fetch_one(pool).await.unwrap());
        assert_eq!(adam.cases_owned, open);
    }

    async fn every_strategy_reads_the_same_pages(db) {
        let account = seeded(&db).await;
        let base = MemberQuery { page_size: 10, ..MemberQuery::new(account) };
        let views = [
            MemberQuery { search: "son".into(), ..base.clone() },
            MemberQuery { search: "northwind-tr".into(), sort: SortKey::Email, dir: SortDir::Desc, ..base.clone() },
            MemberQuery { search: "ar".into(), sort: SortKey::CasesOwned, ..base.clone() },
            MemberQuery { role: Some("security_contact".into()), sort: SortKey::LastSignOn, ..base.clone() },
            MemberQuery { role: Some("primary".into()), ..base.clone() },
            MemberQuery { role: Some("general_support".into()), sort: SortKey::Roles, dir: SortDir::Desc, ..base.clone() },
            MemberQuery { search: "son".into(), role: Some("cloud_specialist".into()), ..base.clone() },
            MemberQuery { names: vec!["Adam Admin".into(), "Carla Contact".into()], search: "a".into(), ..base.clone() },
            MemberQuery { emails: vec!["carla.contact@northwind.example".into()], ..base.clone() },
            MemberQuery { status: MemberStatus::Inactive, role: Some("security_contact".into()), ..base.clone() },
        ];
        for q in views {
            let auto = ids(&walk_with(&db, &q, Strategy::Auto).await);
            let walked = walk_with(&db, &q, Strategy::Walk).await;
            let driven = walk_with(&db, &q, Strategy::Drive).await;
            assert_eq!(ids(&walked), auto, "walk vs auto: {q:?}");
            assert_eq!(ids(&driven), auto, "drive vs auto: {q:?}");
            // Backwards from the last page gives the same pages too.
            if walked.len() > 1 {
                let last = walked.last().unwrap().prev.clone().unwrap();
                for strategy in [Strategy::Walk, Strategy::Drive] {
                    let back = members::read::list_with(
                        &db,
                        &common::as_operator(&db, q.account).await,
                        &MemberQuery { cursor: Some(PageCursor::Before(last.clone())), ..q.clone() },
                        NOW,
                        strategy,
                    )
                    .await
                    .unwrap();
                    assert_eq!(back.rows, walked[walked.len() - 2].rows, "{strategy:?} back: {q:?}");
                }
            }
        }
    }

    async fn seeding_is_deterministic(db) {
        seeded(&db).await;
        let other = common::TestDb::sqlite().await;
        seeded(&other.db).await;
        let names = |db: Db| async move {
            on_db!(&db, pool => sqlx::query_scalar::<_, String>("SELECT email FROM people ORDER BY id")
                .fetch_all(pool).await.unwrap())
        };
        assert_eq!(names(db.clone()).await, names(other.db.clone()).await);
        other.finish().await;
    }
}
