//! Support cases (SPEC F20, with F11 and F12): raising, the case list, a case's people,
//! the pulse feed and its notifications, and the removal cascade, on SQLite and on
//! PostgreSQL.

use crate::common;

use app::backend::access::{Actor, CaseAccess, CaseReader};
use app::backend::cases::{self, case, list, pulse, NOT_A_MEMBER, NO_SUCH_CASE};
use app::backend::{members, Db};
use app::error::AppError;
use app::model::{
    AccountId, CaseId, CaseQuery, CaseSort, CaseStatus, Cursor, CursorKey, ListView, MembershipId, PageCursor,
    SortColumn, SortDir,
};
use app::sql;
use common::personas::{ADMIN, INACTIVE, MEMBER, NEWCOMER, OPERATOR};
use server::seed::{seed, SeedOptions};

async fn seeded(db: &Db) -> AccountId {
    let now = app::backend::now();
    seed(db, &SeedOptions { members: 60, seed: 7, now: now - now % 86_400 }).await.expect("seed");
    AccountId(common::account_named(db, "Northwind Production").await)
}

async fn reader(db: &Db, email: &str, account: AccountId, case: CaseId) -> Result<CaseReader, AppError> {
    Actor::by_email(db, email).await.unwrap().read_case(db, account, case).await
}

/// Open cases each member of the account is primary contact of, as stored counts and
/// as counted from the cases: they must agree.
async fn owned_counts_agree(db: &Db, account: AccountId) {
    let wrong: Vec<(String, i64, i64)> = db
        .fetch_all(&sql!(
            "SELECT m.name, m.cases_owned, (SELECT COUNT(*) FROM cases c WHERE c.account_id = m.account_id \
             AND c.status = 'open' AND c.primary_contact_id = m.person_id) AS counted \
             FROM memberships m WHERE m.account_id = $1 AND m.cases_owned <> (SELECT COUNT(*) FROM cases c \
             WHERE c.account_id = m.account_id AND c.status = 'open' AND c.primary_contact_id = m.person_id)",
            account
        ))
        .await
        .unwrap();
    assert!(wrong.is_empty(), "Cases owned disagrees with the cases: {wrong:?}");
}

/// The column of `cases` a sort orders by.
fn column_of(sort: CaseSort) -> &'static str {
    match sort {
        CaseSort::Number => "id",
        CaseSort::Title => "title_key",
        CaseSort::Status => "status",
        CaseSort::Primary => "primary_name_key",
        CaseSort::Updated => "updated_at",
    }
}

/// Every row of the view, read page by page forwards, then backwards from the end.
async fn walk(db: &Db, lister: &CaseAccess, q: &CaseQuery) -> Vec<String> {
    walk_within(db, lister, q, list::SHORT_SEARCH_WINDOW).await
}

/// `walk`, with a short search looking at `window` cases per page.
async fn walk_within(db: &Db, lister: &CaseAccess, q: &CaseQuery, window: u32) -> Vec<String> {
    let mut forward = Vec::new();
    let mut q = q.first_page();
    // Where to page back from: the last page with rows (a short search's last stretch
    // may have none, and then no row to page back from).
    let mut from = q.clone();
    loop {
        let page = list::list_within(db, lister, &q, window).await.unwrap();
        forward.extend(page.rows.iter().map(|r| r.number.clone()));
        if !page.rows.is_empty() {
            from = q.clone();
        }
        match page.next {
            Some(c) => q = q.at(Some(PageCursor::After(c))),
            None => break,
        }
    }
    // Back from the last page: the same rows.
    let mut backward = Vec::new();
    let last = list::list_within(db, lister, &from, window).await.unwrap();
    backward.extend(last.rows.iter().rev().map(|r| r.number.clone()));
    let mut prev = last.prev;
    while let Some(c) = prev {
        let page = list::list_within(db, lister, &q.at(Some(PageCursor::Before(c))), window).await.unwrap();
        backward.extend(page.rows.iter().rev().map(|r| r.number.clone()));
        prev = page.prev;
    }
    backward.reverse();
    assert_eq!(forward, backward, "paging back gives the rows paging forward gave");
    forward
}

backend_tests! {
    async fn the_demo_cases_happened_before_today(db) {
        let now = app::backend::now();
        let today = now - now % 86_400;
        seed(&db, &SeedOptions { members: 600, seed: 7, now: today }).await.expect("seed");
        let (cases, later): (i64, i64) = db
            .fetch_optional(&sql!(
                "SELECT COUNT(*), COUNT(CASE WHEN opened_at > $1 OR resolved_at > $1 OR updated_at > $1 \
                 OR resolved_at < opened_at OR updated_at < opened_at THEN 1 END) FROM cases",
                today
            ))
            .await
            .unwrap()
            .unwrap();
        let (messages, later_messages): (i64, i64) = db
            .fetch_optional(&sql!(
                "SELECT COUNT(*), COUNT(CASE WHEN p.created_at > $1 OR p.created_at > c.updated_at THEN 1 END) \
                 FROM pulse_messages p JOIN cases c ON c.id = p.case_id",
                today
            ))
            .await
            .unwrap()
            .unwrap();
        assert!(cases > 100 && messages > cases, "{cases} cases, {messages} messages");
        assert_eq!((later, later_messages), (0, 0), "cases and messages dated after the day of the seed");
        // Every message is written by one of the case's people, and not all by its primary
        // contact: a feed reads as a conversation.
        let (strangers, by_others): (i64, i64) = db
            .fetch_optional(&sql!(
                "SELECT COUNT(CASE WHEN p.author_id <> c.primary_contact_id \
                   AND NOT EXISTS (SELECT 1 FROM case_contacts x WHERE x.case_id = c.id AND x.person_id = p.author_id) \
                   AND NOT EXISTS (SELECT 1 FROM case_followers f WHERE f.case_id = c.id AND f.person_id = p.author_id) \
                 THEN 1 END), COUNT(CASE WHEN p.author_id <> c.primary_contact_id THEN 1 END) \
                 FROM pulse_messages p JOIN cases c ON c.id = p.case_id"
            ))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(strangers, 0, "messages by someone not on their case");
        assert!(by_others > 0, "every message by the case's primary contact");
    }

    async fn only_active_members_raise_cases(db) {
        let account = seeded(&db).await;
        let carla = Actor::by_email(&db, MEMBER).await.unwrap();
        let member = carla.clone().member_of(&db, account).await.unwrap();
        let (id, number) = cases::raise(&db, &member, "  Login page   times out ", "It happens\r\nafter 30 s.").await.unwrap();
        let (title, description, status, primary, primary_name): (String, String, String, Option<i64>, String) = db
            .fetch_optional(&sql!(
                "SELECT title, description, status, primary_contact_id, primary_name FROM cases WHERE id = $1",
                id
            ))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (title.as_str(), description.as_str(), status.as_str(), primary, primary_name.as_str()),
            ("Login page times out", "It happens\nafter 30 s.", "open", Some(carla.person_id), carla.name.as_str())
        );
        assert_eq!(number, format!("C-{:07}", id.0));
        owned_counts_agree(&db, account).await;
        assert!(matches!(cases::raise(&db, &member, " ", "").await, Err(AppError::Invalid(_))));
        assert!(matches!(cases::raise(&db, &member, &"x".repeat(201), "").await, Err(AppError::Invalid(_))));

        let cases_before: i64 = db.scalar(&sql!("SELECT COUNT(*) FROM cases")).await.unwrap();
        for email in [INACTIVE, NEWCOMER, OPERATOR] {
            let who = Actor::by_email(&db, email).await.unwrap();
            let e = who.member_of(&db, account).await.unwrap_err();
            assert_eq!(e, AppError::Forbidden(NOT_A_MEMBER.into()), "{email}");
        }
        // A member deactivated after the proof was made is refused by the write itself.
        db.execute(&sql!("UPDATE memberships SET status = 'inactive' WHERE id = $1", member.membership())).await.unwrap();
        let e = cases::raise(&db, &member, "Anything", "").await.unwrap_err();
        assert_eq!(e, AppError::Forbidden(NOT_A_MEMBER.into()));
        let cases_after: i64 = db.scalar(&sql!("SELECT COUNT(*) FROM cases")).await.unwrap();
        assert_eq!(cases_after, cases_before);
    }

    async fn the_case_list_sorts_pages_and_shows_members_only_their_cases(db) {
        let account = seeded(&db).await;
        let admin = common::admin_of(&db, ADMIN, account.0).await;
        let as_admin = CaseAccess::Admin(admin.clone());
        let total: i64 = db.scalar(&sql!("SELECT COUNT(*) FROM cases WHERE account_id = $1", account)).await.unwrap();
        assert!(total > 10, "the seed gives the account cases to page through");
        for sort in CaseSort::ALL.iter().copied() {
            for dir in [SortDir::Asc, SortDir::Desc] {
                let mut q = CaseQuery::new(account.0).sorted_by(sort);
                q.list.dir = dir;
                q.list.page_size = 10;
                let rows = walk(&db, &as_admin, &q).await;
                let column = column_of(sort);
                let order = if dir == SortDir::Asc { "ASC" } else { "DESC" };
                let want: Vec<(String,)> = db
                    .fetch_all(&sql!(
                        format!("SELECT number FROM cases WHERE account_id = $1 ORDER BY {column} {order}, id {order}"),
                        account
                    ))
                    .await
                    .unwrap();
                let want: Vec<String> = want.into_iter().map(|(n,)| n).collect();
                assert_eq!(rows, want, "sorted by {} {order}", sort.as_str());
            }
        }

        // Filters: status, Search Text over number and title.
        let mut open = CaseQuery::new(account.0);
        open.status = Some(CaseStatus::Open);
        let open_rows = walk(&db, &as_admin, &open).await;
        let open_count: i64 =
            db.scalar(&sql!("SELECT COUNT(*) FROM cases WHERE account_id = $1 AND status = 'open'", account)).await.unwrap();
        assert_eq!(open_rows.len() as i64, open_count);
        let some = &open_rows[0];
        let by_number = walk(&db, &as_admin, &CaseQuery::new(account.0).with_search(some.to_lowercase())).await;
        assert_eq!(by_number, vec![some.clone()]);
        let digits = some.trim_start_matches("C-").trim_start_matches('0').to_string();
        let by_digits = walk(&db, &as_admin, &CaseQuery::new(account.0).with_search(digits)).await;
        assert!(by_digits.contains(some), "{some} by its digits: {by_digits:?}");
        let by_title = walk(&db, &as_admin, &CaseQuery::new(account.0).with_search("LICENCE key".into())).await;
        let licence: i64 = db
            .fetch_all::<(String,)>(&sql!("SELECT title FROM cases WHERE account_id = $1", account))
            .await
            .unwrap()
            .iter()
            .filter(|(t,)| t.to_lowercase().contains("licence key"))
            .count() as i64;
        assert_eq!(by_title.len() as i64, licence);

        // A member sees the cases they are on, whatever the view asks.
        let carla = Actor::by_email(&db, MEMBER).await.unwrap();
        let member = carla.clone().member_of(&db, account).await.unwrap();
        let (mine, _) = cases::raise(&db, &member, "Mine", "").await.unwrap();
        let theirs: Vec<(String,)> = db
            .fetch_all(&sql!(
                "SELECT number FROM cases c WHERE account_id = $1 AND (primary_contact_id = $2 \
                 OR EXISTS (SELECT 1 FROM case_contacts x WHERE x.case_id = c.id AND x.person_id = $2) \
                 OR EXISTS (SELECT 1 FROM case_followers f WHERE f.case_id = c.id AND f.person_id = $2)) \
                 ORDER BY updated_at DESC, id DESC",
                account,
                carla.person_id
            ))
            .await
            .unwrap();
        let as_member = CaseAccess::Member(member.clone());
        let seen = walk(&db, &as_member, &CaseQuery::new(account.0)).await;
        assert_eq!(seen, theirs.into_iter().map(|(n,)| n).collect::<Vec<_>>());
        assert!(seen.contains(&format!("C-{:07}", mine.0)));
        let mut admin_mine = CaseQuery::new(account.0);
        admin_mine.mine = true;
        let admin_cases = walk(&db, &as_admin, &admin_mine).await;
        assert!(!admin_cases.contains(&format!("C-{:07}", mine.0)));

        // A view of another account through this account's proof is refused.
        let contoso = common::account_named(&db, "Contoso Health Cloud").await;
        let e = list::list(&db, &as_admin, &CaseQuery::new(contoso)).await.unwrap_err();
        assert!(matches!(e, AppError::Forbidden(_)));

        // A page link whose sort value is of another kind than its column (found by the
        // hostile-payload fuzzer: PostgreSQL answered text < bigint with an error).
        for (sort, key) in [(CaseSort::Updated, CursorKey::Text("x".into())), (CaseSort::Title, CursorKey::Int(3))] {
            let cursor = PageCursor::After(Cursor { key, id: 1 });
            let q = CaseQuery::new(account.0).sorted_by(sort).at(Some(cursor));
            let e = list::list(&db, &as_admin, &q).await.unwrap_err();
            assert_eq!(e, AppError::invalid("This page link does not fit the sort order. Start again from the first page."));
        }
    }

    async fn a_short_search_pages_through_windows_and_finds_every_match(db) {
        let account = seeded(&db).await;
        let as_admin = CaseAccess::Admin(common::admin_of(&db, ADMIN, account.0).await);
        for text in ["e", "li", "zq", "7"] {
            for sort in CaseSort::ALL.iter().copied() {
                for dir in [SortDir::Asc, SortDir::Desc] {
                    let mut q = CaseQuery::new(account.0).sorted_by(sort).with_search(text.to_uppercase());
                    q.list.dir = dir;
                    q.list.page_size = 4;
                    // Three cases looked at per page: most pages end early, some are empty.
                    let got = walk_within(&db, &as_admin, &q, 3).await;
                    let column = column_of(sort);
                    let order = if dir == SortDir::Asc { "ASC" } else { "DESC" };
                    let want: Vec<(String,)> = db
                        .fetch_all(&sql!(
                            format!(
                                "SELECT number FROM cases WHERE account_id = $1 AND (title_key LIKE $2 OR number = $3) \
                                 ORDER BY {column} {order}, id {order}"
                            ),
                            account,
                            format!("%{text}%"),
                            if text == "7" { "C-0000007" } else { "" }
                        ))
                        .await
                        .unwrap();
                    let want: Vec<String> = want.into_iter().map(|(n,)| n).collect();
                    assert_eq!(got, want, "{text:?} sorted by {} {dir:?}", sort.as_str());
                    // With the usual window the same rows come in full pages.
                    assert_eq!(walk(&db, &as_admin, &q).await, want);
                }
            }
        }
        // A page of a short search says it looked at a window; a longer one does not.
        let short = list::list(&db, &as_admin, &CaseQuery::new(account.0).with_search("li".into())).await.unwrap();
        assert_eq!(short.window, Some(list::SHORT_SEARCH_WINDOW));
        let long = list::list(&db, &as_admin, &CaseQuery::new(account.0).with_search("lic".into())).await.unwrap();
        assert_eq!(long.window, None);
    }

    async fn people_follow_post_and_are_notified(db) {
        let account = seeded(&db).await;
        let carla = Actor::by_email(&db, MEMBER).await.unwrap();
        let member = carla.clone().member_of(&db, account).await.unwrap();
        let (id, number) = cases::raise(&db, &member, "Printer on fire", "").await.unwrap();
        let admin = common::admin_of(&db, ADMIN, account.0).await;
        // A second plain member of the account, registered, to be a contact.
        let (other_email,): (String,) = db
            .fetch_optional(&sql!(
                "SELECT p.email FROM memberships m JOIN people p ON p.id = m.person_id WHERE m.account_id = $1 \
                 AND m.status = 'active' AND p.registered_at IS NOT NULL AND p.email_key NOT IN ($2, $3) ORDER BY m.id LIMIT 1",
                account,
                MEMBER,
                ADMIN
            ))
            .await
            .unwrap()
            .unwrap();
        let other = Actor::by_email(&db, &other_email).await.unwrap();

        // The other member is not on the case: to them it does not exist.
        assert_eq!(reader(&db, &other_email, account, id).await.unwrap_err(), AppError::not_found(NO_SUCH_CASE));
        // Nor does a case of another account, to anyone.
        let contoso = AccountId(common::account_named(&db, "Contoso Health Cloud").await);
        assert_eq!(reader(&db, ADMIN, contoso, id).await.unwrap_err(), AppError::Forbidden(NOT_A_MEMBER.into()));
        let foreign: i64 = db.scalar(&sql!("SELECT MIN(id) FROM cases WHERE account_id = $1", contoso)).await.unwrap();
        assert_eq!(reader(&db, ADMIN, account, CaseId(foreign)).await.unwrap_err(), AppError::not_found(NO_SUCH_CASE));
        assert_eq!(reader(&db, INACTIVE, account, id).await.unwrap_err(), AppError::Forbidden(NOT_A_MEMBER.into()));

        // The administrator adds the other member as a contact (an email of nobody in
        // the account is refused without naming anyone) and follows.
        let e = case::set_contact(&db, &admin, id, "nina.newcomer@northwind.example", true).await.unwrap_err();
        assert!(matches!(e, AppError::Invalid(ref m) if !m.contains("Nina")), "{e:?}");
        case::set_contact(&db, &admin, id, &other_email.to_uppercase(), true).await.unwrap();
        let as_admin = reader(&db, ADMIN, account, id).await.unwrap();
        assert!(case::follow(&db, &as_admin, true).await.unwrap());
        assert!(!case::follow(&db, &as_admin, true).await.unwrap(), "following twice changes nothing");
        let view = case::view(&db, &as_admin).await.unwrap();
        assert_eq!(view.primary.as_ref().map(|p| p.person_id), Some(carla.person_id));
        assert_eq!(view.contacts.iter().map(|p| p.person_id).collect::<Vec<_>>(), vec![other.person_id]);
        assert!(view.following && view.may_manage && view.may_resolve);

        // Carla posts: the contact and the follower are notified, Carla is not; the
        // follower asked for pulse emails and gets one.
        pulse::set_pulse_emails(&db, as_admin.actor(), true).await.unwrap();
        let outbox_before: i64 = db.scalar(&sql!("SELECT COUNT(*) FROM outbox")).await.unwrap();
        let as_carla = reader(&db, MEMBER, account, id).await.unwrap();
        assert!(matches!(pulse::post(&db, &as_carla, " \n ").await, Err(AppError::Invalid(_))));
        assert!(matches!(pulse::post(&db, &as_carla, &"x".repeat(4_001)).await, Err(AppError::Invalid(_))));
        pulse::post(&db, &as_carla, "It is still on fire.\nPlease hurry.").await.unwrap();
        assert_eq!(pulse::unread(&db, &carla).await.unwrap(), 0);
        assert_eq!(pulse::unread(&db, &other).await.unwrap(), 1);
        assert_eq!(pulse::unread(&db, as_admin.actor()).await.unwrap(), 1);
        let mail: Vec<(String, String)> = db
            .fetch_all(&sql!("SELECT recipient, subject FROM outbox ORDER BY id DESC LIMIT 5"))
            .await
            .unwrap();
        let outbox_after: i64 = db.scalar(&sql!("SELECT COUNT(*) FROM outbox")).await.unwrap();
        assert_eq!(outbox_after, outbox_before + 1, "{mail:?}");
        assert_eq!(mail[0].0.to_lowercase(), ADMIN);
        assert!(mail[0].1.contains(&number), "{mail:?}");
        let feed = pulse::page(&db, &as_carla, None).await.unwrap();
        assert_eq!(feed.messages.last().map(|m| m.body.as_str()), Some("It is still on fire.\nPlease hurry."));
        let notes = pulse::notifications(&db, &other, None).await.unwrap();
        assert_eq!((notes.unread, notes.items.len()), (1, 1));
        assert_eq!(notes.items[0].case_number, number);

        // The contact now reads the case; seeing it marks its notifications read.
        let as_other = reader(&db, &other_email, account, id).await.unwrap();
        pulse::mark_case_read(&db, &as_other).await.unwrap();
        assert_eq!(pulse::unread(&db, &other).await.unwrap(), 0);

        // Only the primary contact or an administrator resolves; nobody posts on a
        // resolved case.
        let e = case::set_status(&db, &as_other, CaseStatus::Resolved).await.unwrap_err();
        assert!(matches!(e, AppError::Forbidden(_)));
        case::set_status(&db, &as_carla, CaseStatus::Resolved).await.unwrap();
        owned_counts_agree(&db, account).await;
        let e = pulse::post(&db, &as_other, "Hello?").await.unwrap_err();
        assert!(matches!(e, AppError::Conflict(_)), "{e:?}");
        case::set_status(&db, &as_admin, CaseStatus::Open).await.unwrap();

        // The administrator makes the contact primary: Carla stays on as a contact.
        case::set_primary(&db, &admin, id, &other_email).await.unwrap();
        let view = case::view(&db, &as_admin).await.unwrap();
        assert_eq!(view.primary.as_ref().map(|p| p.person_id), Some(other.person_id));
        assert_eq!(view.contacts.iter().map(|p| p.person_id).collect::<Vec<_>>(), vec![carla.person_id]);
        owned_counts_agree(&db, account).await;

        // Every change is in the audit log.
        let actions: Vec<(String,)> = db
            .fetch_all(&sql!("SELECT action FROM audit_log WHERE account_id = $1 AND action LIKE 'case.%' OR action LIKE 'pulse.%' ORDER BY id", account))
            .await
            .unwrap();
        let actions: Vec<&str> = actions.iter().map(|(a,)| a.as_str()).collect();
        for a in ["case.raised", "case.contact_added", "case.followed", "pulse.posted", "case.resolved", "case.reopened", "case.primary_changed"] {
            assert!(actions.contains(&a), "{a} missing from {actions:?}");
        }

        // A deactivated contact may not follow or post, and gets no notifications.
        let other_membership: i64 = db
            .scalar(&sql!("SELECT id FROM memberships WHERE account_id = $1 AND person_id = $2", account, carla.person_id))
            .await
            .unwrap();
        members::write::set_active(&db, &admin, MembershipId(other_membership), false).await.unwrap();
        assert_eq!(case::follow(&db, &as_carla, true).await.unwrap_err(), AppError::Forbidden(NOT_A_MEMBER.into()));
        assert_eq!(pulse::post(&db, &as_carla, "Me again").await.unwrap_err(), AppError::Forbidden(NOT_A_MEMBER.into()));
        let before = pulse::unread(&db, &carla).await.unwrap();
        pulse::post(&db, &as_admin, "Any news?").await.unwrap();
        assert_eq!(pulse::unread(&db, &carla).await.unwrap(), before);
    }

    async fn removing_a_member_takes_them_off_every_case(db) {
        let account = seeded(&db).await;
        let admin = common::admin_of(&db, ADMIN, account.0).await;
        let carla = Actor::by_email(&db, MEMBER).await.unwrap();
        let member = carla.clone().member_of(&db, account).await.unwrap();
        let (open_case, _) = cases::raise(&db, &member, "Open one", "").await.unwrap();
        let (resolved_case, _) = cases::raise(&db, &member, "Resolved one", "").await.unwrap();
        let as_carla = reader(&db, MEMBER, account, resolved_case).await.unwrap();
        case::set_status(&db, &as_carla, CaseStatus::Resolved).await.unwrap();
        // Carla follows and is a contact elsewhere, and has notifications.
        let (their_case, _) = {
            let adam = Actor::by_email(&db, ADMIN).await.unwrap().member_of(&db, account).await.unwrap();
            cases::raise(&db, &adam, "Adam's", "").await.unwrap()
        };
        case::set_contact(&db, &admin, their_case, MEMBER, true).await.unwrap();
        let as_adam = reader(&db, ADMIN, account, their_case).await.unwrap();
        pulse::post(&db, &as_adam, "For Carla").await.unwrap();
        assert!(pulse::unread(&db, &carla).await.unwrap() >= 1);

        let membership: i64 = db
            .scalar(&sql!("SELECT id FROM memberships WHERE account_id = $1 AND person_id = $2", account, carla.person_id))
            .await
            .unwrap();
        members::write::remove(&db, &admin, MembershipId(membership)).await.unwrap();

        let on_cases: i64 = db
            .scalar(&sql!(
                "SELECT (SELECT COUNT(*) FROM case_contacts x JOIN cases c ON c.id = x.case_id WHERE c.account_id = $1 AND x.person_id = $2) \
                 + (SELECT COUNT(*) FROM case_followers f JOIN cases c ON c.id = f.case_id WHERE c.account_id = $1 AND f.person_id = $2) \
                 + (SELECT COUNT(*) FROM cases WHERE account_id = $1 AND primary_contact_id = $2) \
                 + (SELECT COUNT(*) FROM notifications n JOIN cases c ON c.id = n.case_id WHERE c.account_id = $1 AND n.person_id = $2)",
                account,
                carla.person_id
            ))
            .await
            .unwrap();
        assert_eq!(on_cases, 0, "Carla is off every case of the account, notifications included");
        let primary_of = |case: CaseId| {
            let db = db.clone();
            async move {
                db.fetch_optional::<(Option<i64>, String)>(&sql!("SELECT primary_contact_id, primary_name FROM cases WHERE id = $1", case))
                    .await
                    .unwrap()
                    .unwrap()
            }
        };
        let adam = admin.actor();
        assert_eq!(primary_of(open_case).await, (Some(adam.person_id), adam.name.clone()));
        assert_eq!(primary_of(resolved_case).await, (None, String::new()));
        owned_counts_agree(&db, account).await;
        assert_eq!(reader(&db, MEMBER, account, open_case).await.unwrap_err(), AppError::Forbidden(NOT_A_MEMBER.into()));
    }

    async fn concurrent_changes_keep_cases_owned_exact(db) {
        let account = seeded(&db).await;
        let admin = common::admin_of(&db, ADMIN, account.0).await;
        let carla = Actor::by_email(&db, MEMBER).await.unwrap().member_of(&db, account).await.unwrap();
        let (id, _) = cases::raise(&db, &carla, "Contended", "").await.unwrap();
        let as_admin = reader(&db, ADMIN, account, id).await.unwrap();
        let mut tasks = Vec::new();
        for i in 0..12 {
            let (db, admin, as_admin) = (db.clone(), admin.clone(), as_admin.clone());
            tasks.push(tokio::spawn(async move {
                let r = match i % 3 {
                    0 => case::set_status(&db, &as_admin, CaseStatus::Resolved).await,
                    1 => case::set_status(&db, &as_admin, CaseStatus::Open).await,
                    _ => case::set_primary(&db, &admin, id, if i % 2 == 0 { ADMIN } else { MEMBER }).await,
                };
                // Waiting for the lock may time out under load, never corrupt.
                assert!(!matches!(r, Err(AppError::Internal)), "{r:?}");
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        owned_counts_agree(&db, account).await;
    }
}
