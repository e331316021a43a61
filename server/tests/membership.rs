//! Storage tests for the membership writes (add, update, remove, deactivate/reactivate,
//! details, bulk) and their access check, on SQLite and on PostgreSQL. Every test reads
//! back what is stored: memberships, role_counts, membership_projects, cases and their
//! contacts, followers and notifications, the audit log and the outbox.

use crate::common;

use std::collections::BTreeMap;

use app::backend::access::{AccountAdmin, Actor, NO_ACCESS};
use app::backend::members::write::NOT_REGISTERED;
use app::backend::{members, Db};
use app::error::AppError;
use app::model::{
    AccountId, BulkAction, CloudAffiliation, Environment, MemberQuery, MemberStatus, MembershipId, PersonRef,
    RoleChange, Selection, Version,
};
use app::sql;
use server::seed::{seed, SeedOptions};

const NOW: i64 = 1_780_000_000 - 1_780_000_000 % 86_400;

/// Bits of the shipped catalogue (see the migrations).
const GENERAL: i64 = 1;
const ADMIN: i64 = 1 << 1;
const SECURITY: i64 = 1 << 2;
const CLOUD: i64 = 1 << 3;
const BILLING: i64 = 1 << 4;
const LICENSE: i64 = 1 << 5;
const PRIMARY: i64 = 1 << 6;

#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
struct Membership {
    id: i64,
    account_id: i64,
    person_id: i64,
    status: String,
    role_bits: i64,
    additional_roles: i64,
    cloud_all_projects: bool,
    cloud_environment: Option<String>,
    added_by: Option<i64>,
    version: i64,
    name: String,
    email: String,
    cases_owned: i64,
}

const MEMBERSHIP: &str = "SELECT id, account_id, person_id, status, role_bits, additional_roles, cloud_all_projects, \
     cloud_environment, added_by, version, name, email, cases_owned FROM memberships";

#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
struct Audit {
    actor_id: Option<i64>,
    account_id: Option<i64>,
    subject_person_id: Option<i64>,
    action: String,
    before: Option<String>,
    after: Option<String>,
}

/// Everything a refused write must leave as it was.
#[derive(Debug, PartialEq)]
struct Snapshot {
    memberships: Vec<Membership>,
    role_counts: Vec<(i64, String, String, i64)>,
    projects: Vec<(i64, i64)>,
    cases: Vec<(i64, i64, String, Option<i64>)>,
    contacts: Vec<(i64, i64)>,
    followers: Vec<(i64, i64)>,
    notifications: Vec<(i64, i64, i64)>,
    audit: i64,
    outbox: i64,
}

async fn snapshot(db: &Db) -> Snapshot {
    Snapshot {
        memberships: db.fetch_all(&sql!(format!("{MEMBERSHIP} ORDER BY id"))).await.unwrap(),
        role_counts: db
            .fetch_all(&sql!(
                "SELECT account_id, status, role_key, n FROM role_counts ORDER BY account_id, status, role_key"
            ))
            .await
            .unwrap(),
        projects: db
            .fetch_all(&sql!("SELECT membership_id, project_id FROM membership_projects ORDER BY 1, 2"))
            .await
            .unwrap(),
        cases: db
            .fetch_all(&sql!("SELECT id, account_id, status, primary_contact_id FROM cases ORDER BY id"))
            .await
            .unwrap(),
        contacts: db.fetch_all(&sql!("SELECT case_id, person_id FROM case_contacts ORDER BY 1, 2")).await.unwrap(),
        followers: db.fetch_all(&sql!("SELECT case_id, person_id FROM case_followers ORDER BY 1, 2")).await.unwrap(),
        notifications: db
            .fetch_all(&sql!("SELECT id, person_id, case_id FROM notifications ORDER BY id"))
            .await
            .unwrap(),
        audit: db.scalar(&sql!("SELECT COUNT(*) FROM audit_log")).await.unwrap(),
        outbox: db.scalar(&sql!("SELECT COUNT(*) FROM outbox")).await.unwrap(),
    }
}

async fn account_id(db: &Db, name: &str) -> i64 {
    db.scalar(&sql!("SELECT id FROM accounts WHERE name = $1", name)).await.unwrap()
}

/// Seeds the demo data; returns Northwind Production and Adam Admin as its administrator.
async fn setup(db: &Db) -> (i64, AccountAdmin) {
    seed(db, &SeedOptions { members: 60, seed: 3, now: NOW }).await.expect("seed");
    let account = account_id(db, "Northwind Production").await;
    let admin = common::admin_of(db, "adam.admin@northwind.example", account).await;
    assert_eq!(admin.actor().name, "Adam Admin");
    (account, admin)
}

async fn membership(db: &Db, id: i64) -> Option<Membership> {
    db.fetch_optional(&sql!(format!("{MEMBERSHIP} WHERE id = $1"), id)).await.unwrap()
}

async fn membership_of(db: &Db, account: i64, person: i64) -> Option<Membership> {
    db.fetch_optional(&sql!(format!("{MEMBERSHIP} WHERE account_id = $1 AND person_id = $2"), account, person))
        .await
        .unwrap()
}

/// Active members of the account holding exactly `bits`, in id order.
async fn members_with(db: &Db, account: i64, bits: i64) -> Vec<Membership> {
    db.fetch_all(&sql!(
        format!("{MEMBERSHIP} WHERE account_id = $1 AND status = 'active' AND role_bits = $2 ORDER BY id"),
        account,
        bits
    ))
    .await
    .unwrap()
}

/// Registered people who are not members of the account, in id order.
async fn outsiders(db: &Db, account: i64) -> Vec<(i64, String, String)> {
    db.fetch_all(&sql!(
        "SELECT p.id, p.display_name, p.email FROM people p WHERE p.registered_at IS NOT NULL \
         AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.account_id = $1 AND m.person_id = p.id) ORDER BY p.id",
        account
    ))
    .await
    .unwrap()
}

/// role_counts of one account as (status, role key) → n.
async fn counts(db: &Db, account: i64) -> BTreeMap<(String, String), i64> {
    let rows: Vec<(String, String, i64)> = db
        .fetch_all(&sql!("SELECT status, role_key, n FROM role_counts WHERE account_id = $1", account))
        .await
        .unwrap();
    rows.into_iter().filter(|r| r.2 != 0).map(|(s, k, n)| ((s, k), n)).collect()
}

/// `counts` after moving one member with `bits` by `delta` in `status`.
fn moved(
    mut c: BTreeMap<(String, String), i64>,
    status: &str,
    bits: i64,
    delta: i64,
) -> BTreeMap<(String, String), i64> {
    let keys = [
        (GENERAL, "general_support"),
        (ADMIN, "account_admin"),
        (SECURITY, "security_contact"),
        (CLOUD, "cloud_specialist"),
        (BILLING, "billing_contact"),
        (LICENSE, "license_contact"),
        (PRIMARY, "primary"),
    ];
    for (bit, key) in keys {
        if bits & bit != 0 {
            *c.entry((status.to_string(), key.to_string())).or_insert(0) += delta;
        }
    }
    c.retain(|_, n| *n != 0);
    c
}

/// The stored counts and additional_roles agree with the memberships themselves.
async fn assert_derived_counts(db: &Db, account: i64) {
    let roles: Vec<(String, i64)> = db.fetch_all(&sql!("SELECT key, bit FROM roles")).await.unwrap();
    let stored = counts(db, account).await;
    for (key, bit) in roles {
        for status in ["active", "inactive"] {
            let actual: i64 = db
                .scalar(&sql!(
                    "SELECT COUNT(*) FROM memberships WHERE account_id = $1 AND status = $2 AND (role_bits & $3) <> 0",
                    account,
                    status,
                    1_i64 << bit
                ))
                .await
                .unwrap();
            let n = stored.get(&(status.to_string(), key.clone())).copied().unwrap_or(0);
            assert_eq!(n, actual, "role_counts of {key} ({status})");
        }
    }
    let rows: Vec<(i64, i64, i64)> = db
        .fetch_all(&sql!("SELECT id, role_bits, additional_roles FROM memberships WHERE account_id = $1", account))
        .await
        .unwrap();
    for (id, bits, additional) in rows {
        assert_eq!(additional, i64::from((bits & !GENERAL).count_ones()), "additional_roles of membership {id}");
    }
}

async fn audits(db: &Db, account: i64, person: i64) -> Vec<Audit> {
    db.fetch_all(&sql!(
        "SELECT actor_id, account_id, subject_person_id, action, before, after FROM audit_log \
         WHERE account_id = $1 AND subject_person_id = $2 ORDER BY id",
        account,
        person
    ))
    .await
    .unwrap()
}

fn audit(admin: &AccountAdmin, person: i64, action: &str, before: Option<&str>, after: Option<&str>) -> Audit {
    Audit {
        actor_id: Some(admin.actor().person_id),
        account_id: Some(admin.account().0),
        subject_person_id: Some(person),
        action: action.to_string(),
        before: before.map(str::to_string),
        after: after.map(str::to_string),
    }
}

async fn max_id(db: &Db, table: &str) -> i64 {
    db.scalar(&sql!(format!("SELECT COALESCE(MAX(id), 0) FROM {table}"))).await.unwrap()
}

fn roles(keys: &[&str]) -> RoleChange {
    RoleChange { roles: keys.iter().map(|k| k.to_string()).collect(), cloud: None }
}

async fn project(db: &Db, account: i64, name: &str) -> i64 {
    db.scalar(&sql!("SELECT id FROM account_projects WHERE account_id = $1 AND name = $2", account, name))
        .await
        .unwrap()
}

/// Takes Account Administrator away from everyone but the acting admin, so that they
/// are the account's last one.
async fn make_sole_admin(db: &Db, admin: &AccountAdmin) {
    let others: Vec<(i64,)> = db
        .fetch_all(&sql!(
            "SELECT id FROM memberships WHERE account_id = $1 AND person_id <> $2 AND (role_bits & $3) <> 0",
            admin.account(),
            admin.actor().person_id,
            ADMIN
        ))
        .await
        .unwrap();
    for (id,) in others {
        let d = members::write::details(db, admin, MembershipId(id)).await.unwrap();
        let keep = d.roles.iter().filter(|r| !r.is_default && !r.is_admin).map(|r| r.key.clone()).collect();
        members::write::update(
            db,
            admin,
            MembershipId(id),
            Version(d.version),
            &RoleChange { roles: keep, cloud: d.cloud.clone() },
        )
        .await
        .unwrap();
    }
    let admins: Vec<(i64,)> = db
        .fetch_all(&sql!(
            "SELECT person_id FROM memberships WHERE account_id = $1 AND (role_bits & $2) <> 0",
            admin.account(),
            ADMIN
        ))
        .await
        .unwrap();
    assert_eq!(admins, vec![(admin.actor().person_id,)]);
}

async fn insert_case(db: &Db, account: i64, number: &str, status: &str, primary: Option<i64>) -> i64 {
    db.scalar(&sql!(
        "INSERT INTO cases (account_id, number, title, status, primary_contact_id, opened_at, resolved_at) \
         VALUES ($1, $2, 'Test case', $3, $4, $5, $6) RETURNING id",
        account,
        number,
        status,
        primary,
        NOW - 86_400,
        (status == "resolved").then_some(NOW)
    ))
    .await
    .unwrap()
}

async fn link(db: &Db, table: &str, case: i64, person: i64) {
    db.execute(&sql!(format!("INSERT INTO {table} (case_id, person_id) VALUES ($1, $2)"), case, person)).await.unwrap();
}

async fn notify(db: &Db, case: i64, person: i64) {
    db.execute(&sql!(
        "INSERT INTO notifications (person_id, case_id, message_id, created_at) VALUES ($1, $2, NULL, $3)",
        person,
        case,
        NOW
    ))
    .await
    .unwrap();
}

/// Case rows (primary contacts, contacts, followers, notifications) of the cases that
/// match `cases` (a WHERE condition on `c` with $1 = the account), other than `except`'s.
async fn case_rows(db: &Db, cases: &str, account: i64, except: i64) -> Vec<(String, i64, Option<i64>)> {
    db.fetch_all(&sql!(
        format!(
            "SELECT 'primary', c.id, c.primary_contact_id FROM cases c WHERE {cases} \
             UNION ALL SELECT 'contact', x.case_id, x.person_id FROM case_contacts x JOIN cases c ON c.id = x.case_id \
               WHERE {cases} AND x.person_id <> $2 \
             UNION ALL SELECT 'follower', x.case_id, x.person_id FROM case_followers x JOIN cases c ON c.id = x.case_id \
               WHERE {cases} AND x.person_id <> $2 \
             UNION ALL SELECT 'notification', x.case_id, x.person_id FROM notifications x JOIN cases c ON c.id = x.case_id \
               WHERE {cases} AND x.person_id <> $2 \
             ORDER BY 1, 2, 3"
        ),
        account,
        except
    ))
    .await
    .unwrap()
}

backend_tests! {
    async fn add_by_email_stores_member_counts_audit_and_welcome_email(db) {
        let (account, admin) = setup(&db).await;
        let nw_domains: Vec<(String,)> = db
            .fetch_all(&sql!(
                "SELECT d.domain FROM organisation_domains d JOIN accounts a ON a.organisation_id = d.organisation_id \
                 WHERE a.id = $1",
                account
            ))
            .await
            .unwrap();
        // A registered person of another organisation's domain, typed as a full email.
        let (person, name, email) = outsiders(&db, account)
            .await
            .into_iter()
            .find(|(_, _, e)| !nw_domains.iter().any(|(d,)| e.ends_with(&format!("@{d}"))))
            .expect("a registered person outside Northwind");
        let before_counts = counts(&db, account).await;
        let outbox_before = max_id(&db, "outbox").await;

        let typed = format!("  {}  ", email.to_uppercase());
        let id = members::write::add(
            &db,
            &admin,
            &PersonRef::Email(typed),
            &roles(&["security_contact", "billing_contact"]),
        )
        .await
        .unwrap();

        let m = membership(&db, id).await.expect("stored membership");
        assert_eq!((m.account_id, m.person_id), (account, person));
        assert_eq!(m.status, "active");
        assert_eq!(m.role_bits, GENERAL | SECURITY | BILLING);
        assert_eq!(m.additional_roles, 2);
        assert_eq!(m.added_by, Some(admin.actor().person_id));
        assert_eq!(
            (m.name.as_str(), m.email.as_str()),
            (name.as_str(), email.as_str())
        );
        assert_eq!(m.version, 1);
        assert_eq!(
            counts(&db, account).await,
            moved(before_counts, "active", m.role_bits, 1)
        );
        assert_derived_counts(&db, account).await;

        let roles_text = "General Support, Security Contact, Billing contact";
        assert_eq!(
            audits(&db, account, person).await,
            vec![audit(
                &admin,
                person,
                "member.added",
                None,
                Some(roles_text)
            )]
        );

        let mail: Vec<(String, String, String, String)> = db
            .fetch_all(&sql!(
                "SELECT recipient, subject, body_text, body_html FROM outbox WHERE id > $1",
                outbox_before
            ))
            .await
            .unwrap();
        assert_eq!(mail.len(), 1, "one welcome email");
        let (to, subject, text, html) = &mail[0];
        assert_eq!(to, &email);
        assert!(subject.contains("Northwind Production"), "{subject}");
        assert!(text.contains(&format!("Hello {name}")), "{text}");
        assert!(text.contains("Adam Admin added you"), "{text}");
        assert!(
            text.contains(&format!("Your roles: {roles_text}.")),
            "{text}"
        );
        assert!(
            html.contains("Adam Admin") && html.contains("Security Contact"),
            "{html}"
        );

        // The person is now listed, and the type-ahead no longer offers them.
        let page = members::read::list(
            &db,
            &common::as_operator(&db, account).await,
            &MemberQuery {
                search: email.clone(),
                ..MemberQuery::new(account)
            },
            NOW,
        )
        .await
        .unwrap();
        assert_eq!(
            page.rows
                .iter()
                .map(|r| r.membership_id)
                .collect::<Vec<_>>(),
            vec![id]
        );
    }

    async fn the_overview_counts_members_per_role_and_lists_the_projects_by_name(db) {
        let (account, admin) = setup(&db).await;
        let overview = app::backend::accounts::overview(&db, &admin).await.unwrap();
        let stored = counts(&db, account).await;
        for rc in &overview.roles {
            let want = stored.get(&("active".to_string(), rc.role.key.clone())).copied().unwrap_or(0);
            assert_eq!(rc.count, want, "{}", rc.role.key);
        }
        assert!(overview.roles.iter().any(|rc| rc.count > 0));
        assert_eq!(overview.inactive, stored.get(&("inactive".to_string(), "general_support".to_string())).copied().unwrap_or(0));
        // The seed's projects, in name order, with their ids.
        let names: Vec<&str> = overview.projects.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["analytics", "logistics", "web-store"]);
        for p in &overview.projects {
            assert_eq!(p.id, project(&db, account, &p.name).await);
        }
    }

    async fn add_cloud_specialist_with_projects_and_environment(db) {
        let (account, admin) = setup(&db).await;
        let web = project(&db, account, "web-store").await;
        let analytics = project(&db, account, "analytics").await;
        let people = outsiders(&db, account).await;
        let (person, _, email) = people[0].clone();
        let before_counts = counts(&db, account).await;
        let change = RoleChange {
            roles: vec![
                "cloud_specialist".into(),
                "general_support".into(),
                "cloud_specialist".into(),
            ],
            cloud: Some(CloudAffiliation {
                all_projects: false,
                projects: vec![analytics, web, analytics],
                environment: Environment::Production,
            }),
        };
        let id = members::write::add(&db, &admin, &PersonRef::Email(email.clone()), &change)
            .await
            .unwrap();

        let m = membership(&db, id).await.unwrap();
        assert_eq!(m.role_bits, GENERAL | CLOUD);
        assert_eq!(m.additional_roles, 1);
        assert!(!m.cloud_all_projects);
        assert_eq!(m.cloud_environment.as_deref(), Some("production"));
        let mut want = vec![(id, web), (id, analytics)];
        want.sort();
        let stored: Vec<(i64, i64)> = db
            .fetch_all(&sql!("SELECT membership_id, project_id FROM membership_projects WHERE membership_id = $1 ORDER BY 2", id))
            .await
            .unwrap();
        assert_eq!(stored, want);
        assert_eq!(
            counts(&db, account).await,
            moved(before_counts, "active", GENERAL | CLOUD, 1)
        );
        assert_derived_counts(&db, account).await;
        let text = "General Support, Cloud Specialist (cloud: web-store, analytics; production)";
        assert_eq!(
            audits(&db, account, person).await,
            vec![audit(&admin, person, "member.added", None, Some(text))]
        );
        let body: String = db
            .scalar(&sql!(
                "SELECT body_text FROM outbox WHERE recipient = $1",
                &email
            ))
            .await
            .unwrap();
        assert!(body.contains(text), "{body}");

        // Cloud Specialist with defaults: all projects, non-production, no project rows.
        let (_, _, other) = people[1].clone();
        let id = members::write::add(
            &db,
            &admin,
            &PersonRef::Email(other),
            &roles(&["cloud_specialist"]),
        )
        .await
        .unwrap();
        let m = membership(&db, id).await.unwrap();
        assert!(m.cloud_all_projects);
        assert_eq!(m.cloud_environment.as_deref(), Some("non-production"));
        let n: i64 = db
            .scalar(&sql!(
                "SELECT COUNT(*) FROM membership_projects WHERE membership_id = $1",
                id
            ))
            .await
            .unwrap();
        assert_eq!(n, 0);

        // Projects must be the account's own, and at least one unless all.
        let (_, _, third) = people[2].clone();
        let foreign = project(&db, account_id(&db, "Contoso Health Cloud").await, "claims").await;
        let before = snapshot(&db).await;
        let bad = |projects: Vec<i64>| RoleChange {
            roles: vec!["cloud_specialist".into()],
            cloud: Some(CloudAffiliation {
                all_projects: false,
                projects,
                environment: Environment::All,
            }),
        };
        assert_eq!(
            members::write::add(&db, &admin, &PersonRef::Email(third.clone()), &bad(vec![web, foreign])).await,
            Err(AppError::Invalid(format!(
                "Project {foreign} is not a project of this account."
            )))
        );
        assert_eq!(
            members::write::add(&db, &admin, &PersonRef::Email(third.clone()), &bad(vec![])).await,
            Err(AppError::Invalid(
                "Choose at least one project, or All projects.".into()
            ))
        );
        assert_eq!(snapshot(&db).await, before);
    }

    async fn add_refuses_unregistered_and_unknown_people(db) {
        let (_, admin) = setup(&db).await;
        let unregistered: Vec<(i64, String)> = db
            .fetch_all(&sql!(
                "SELECT id, email FROM people WHERE registered_at IS NULL ORDER BY id"
            ))
            .await
            .unwrap();
        assert!(
            !unregistered.is_empty(),
            "the seed makes some people unregistered"
        );
        let before = snapshot(&db).await;
        let not_registered = Err(AppError::Invalid(NOT_REGISTERED.into()));
        let (id, email) = unregistered[0].clone();
        assert_eq!(
            NOT_REGISTERED,
            "This user must be registered in the Community"
        );
        assert_eq!(
            members::write::add(&db, &admin, &PersonRef::Email(email), &roles(&[])).await,
            not_registered
        );
        assert_eq!(
            members::write::add(
                &db,
                &admin,
                &PersonRef::Id(id),
                &roles(&["security_contact"])
            )
            .await,
            not_registered
        );
        assert_eq!(
            members::write::add(
                &db,
                &admin,
                &PersonRef::Email("nobody.known@elsewhere.example".into()),
                &roles(&[])
            )
            .await,
            not_registered
        );
        assert_eq!(
            members::write::add(&db, &admin, &PersonRef::Id(9_999_999), &roles(&[])).await,
            not_registered
        );
        assert_eq!(snapshot(&db).await, before, "a refused add writes nothing");
    }

    async fn add_refuses_bad_input_and_conflicts(db) {
        let (account, admin) = setup(&db).await;
        let outsider = outsiders(&db, account).await[0].clone();
        let before = snapshot(&db).await;

        // Already a member: active, and with a deactivated login.
        let carla = PersonRef::Email("carla.contact@northwind.example".into());
        assert_eq!(
            members::write::add(&db, &admin, &carla, &roles(&[])).await,
            Err(AppError::Conflict(
                "Carla Contact is already a member of this account.".into()
            ))
        );
        let ivan = members::write::add(
            &db,
            &admin,
            &PersonRef::Email("Ivan.Inactive@northwind.example".into()),
            &roles(&[]),
        )
        .await;
        assert!(
            matches!(&ivan, Err(AppError::Conflict(m)) if m.contains("deactivated login")),
            "{ivan:?}"
        );

        // Not an email address.
        for bad in [
            "carla.contact",
            "carla@northwind",
            "a b@northwind.example",
            "x@y.example, z@y.example",
            "",
        ] {
            assert_eq!(
                members::write::add(&db, &admin, &PersonRef::Email(bad.into()), &roles(&[])).await,
                Err(AppError::Invalid(
                    "Enter a full email address, like name@example.com.".into()
                )),
                "{bad:?}"
            );
        }

        // A role that does not exist.
        assert_eq!(
            members::write::add(
                &db,
                &admin,
                &PersonRef::Email(outsider.2.clone()),
                &roles(&["security_contact", "root"])
            )
            .await,
            Err(AppError::Invalid("There is no role \"root\".".into()))
        );

        // Primary is Adam's already.
        assert_eq!(
            members::write::add(
                &db,
                &admin,
                &PersonRef::Email(outsider.2.clone()),
                &roles(&["primary"])
            )
            .await,
            Err(AppError::Conflict(
                "Only one member may hold the role Primary, and Adam Admin holds it.".into()
            ))
        );
        assert_eq!(snapshot(&db).await, before, "a refused add writes nothing");

        // No Cloud Specialist on a government-cloud account, even for a vendor operator.
        // Initech Partners supports it, so its newcomers come from Initech.
        let gov = account_id(&db, "Globex GovCloud").await;
        let gov_admin = common::admin_of(&db, common::personas::OPERATOR, gov).await;
        let newcomer = outsiders(&db, gov)
            .await
            .into_iter()
            .find(|(_, _, email)| email.ends_with("@initech.example"))
            .expect("someone of Initech is not on it yet")
            .2;
        assert_eq!(
            members::write::add(
                &db,
                &gov_admin,
                &PersonRef::Email(newcomer.clone()),
                &roles(&["cloud_specialist"])
            )
            .await,
            Err(AppError::Invalid(
                "Cloud Specialist is not available on a government-cloud account.".into()
            ))
        );
        assert_eq!(snapshot(&db).await, before, "a refused add writes nothing");
        // Other roles are fine there.
        let id = members::write::add(
            &db,
            &gov_admin,
            &PersonRef::Email(newcomer.clone()),
            &roles(&["security_contact"]),
        )
        .await
        .unwrap();
        assert_eq!(membership(&db, id).await.unwrap().account_id, gov);
        assert_derived_counts(&db, gov).await;
    }

    async fn update_changes_roles_counts_and_audit(db) {
        let (account, admin) = setup(&db).await;
        let m = members_with(&db, account, GENERAL).await[0].clone();
        let before_counts = counts(&db, account).await;

        members::write::update(
            &db,
            &admin,
            MembershipId(m.id),
            Version(m.version),
            &roles(&["license_contact", "security_contact"]),
        )
        .await
        .unwrap();
        let after = membership(&db, m.id).await.unwrap();
        assert_eq!(after.role_bits, GENERAL | SECURITY | LICENSE);
        assert_eq!(after.additional_roles, 2);
        assert_eq!(after.version, m.version + 1);
        let want = moved(
            moved(before_counts.clone(), "active", GENERAL, -1),
            "active",
            after.role_bits,
            1,
        );
        assert_eq!(counts(&db, account).await, want);
        assert_derived_counts(&db, account).await;

        // To Cloud Specialist on two projects: the old roles go, project rows come.
        let logistics = project(&db, account, "logistics").await;
        let web = project(&db, account, "web-store").await;
        let change = RoleChange {
            roles: vec!["cloud_specialist".into()],
            cloud: Some(CloudAffiliation {
                all_projects: false,
                projects: vec![logistics, web],
                environment: Environment::All,
            }),
        };
        members::write::update(&db, &admin, MembershipId(m.id), Version(after.version), &change)
            .await
            .unwrap();
        let third = membership(&db, m.id).await.unwrap();
        assert_eq!(third.role_bits, GENERAL | CLOUD);
        assert_eq!(third.version, m.version + 2);
        assert!(!third.cloud_all_projects);
        assert_eq!(third.cloud_environment.as_deref(), Some("all"));
        let stored: Vec<(i64,)> = db
            .fetch_all(&sql!(
                "SELECT project_id FROM membership_projects WHERE membership_id = $1 ORDER BY 1",
                m.id
            ))
            .await
            .unwrap();
        let mut want_projects = vec![(web,), (logistics,)];
        want_projects.sort();
        assert_eq!(stored, want_projects);
        assert_eq!(
            counts(&db, account).await,
            moved(before_counts.clone(), "active", CLOUD, 1)
        );

        // The same change again is no change: nothing written, no audit entry.
        let unchanged = snapshot(&db).await;
        members::write::update(&db, &admin, MembershipId(m.id), Version(third.version), &change)
            .await
            .unwrap();
        assert_eq!(snapshot(&db).await, unchanged);

        // Back to General Support only: the project rows go.
        members::write::update(&db, &admin, MembershipId(m.id), Version(third.version), &roles(&[]))
            .await
            .unwrap();
        let last = membership(&db, m.id).await.unwrap();
        assert_eq!(last.role_bits, GENERAL);
        assert!(last.cloud_all_projects);
        let n: i64 = db
            .scalar(&sql!(
                "SELECT COUNT(*) FROM membership_projects WHERE membership_id = $1",
                m.id
            ))
            .await
            .unwrap();
        assert_eq!(n, 0);
        assert_eq!(counts(&db, account).await, before_counts);
        assert_derived_counts(&db, account).await;

        assert_eq!(
            audits(&db, account, m.person_id).await,
            vec![
                audit(
                    &admin,
                    m.person_id,
                    "member.roles_changed",
                    Some("General Support"),
                    Some("General Support, Security Contact, License contact")
                ),
                audit(
                    &admin,
                    m.person_id,
                    "member.roles_changed",
                    Some("General Support, Security Contact, License contact"),
                    Some("General Support, Cloud Specialist (cloud: web-store, logistics; all)")
                ),
                audit(
                    &admin,
                    m.person_id,
                    "member.roles_changed",
                    Some("General Support, Cloud Specialist (cloud: web-store, logistics; all)"),
                    Some("General Support")
                ),
            ]
        );
    }

    async fn update_with_a_stale_version_changes_nothing(db) {
        let (account, admin) = setup(&db).await;
        let m = members_with(&db, account, GENERAL).await[0].clone();
        members::write::update(&db, &admin, MembershipId(m.id), Version(m.version), &roles(&["billing_contact"]))
            .await
            .unwrap();
        let before = snapshot(&db).await;
        let stale =
            members::write::update(&db, &admin, MembershipId(m.id), Version(m.version), &roles(&["security_contact"])).await;
        assert!(
            matches!(&stale, Err(AppError::Conflict(msg)) if msg.starts_with(&format!("{} was changed by someone else", m.name))),
            "{stale:?}"
        );
        assert_eq!(snapshot(&db).await, before);
        assert_eq!(
            membership(&db, m.id).await.unwrap().role_bits,
            GENERAL | BILLING
        );

        // A member of another account is not found through this account.
        let other = account_id(&db, "Contoso Health Cloud").await;
        let foreign = members_with(&db, other, GENERAL).await[0].clone();
        assert!(matches!(
            members::write::update(&db, &admin, MembershipId(foreign.id), Version(foreign.version), &roles(&[])).await,
            Err(AppError::NotFound(_))
        ));
        assert_eq!(snapshot(&db).await, before);
    }

    async fn the_last_administrator_cannot_be_demoted(db) {
        let (account, admin) = setup(&db).await;
        make_sole_admin(&db, &admin).await;
        let adam = membership_of(&db, account, admin.actor().person_id)
            .await
            .unwrap();
        assert_eq!(adam.role_bits & (ADMIN | PRIMARY), ADMIN | PRIMARY);
        // Adam's roles without Account Administrator.
        let d = members::write::details(&db, &admin, MembershipId(adam.id)).await.unwrap();
        let keys: Vec<&str> = d
            .roles
            .iter()
            .filter(|r| !r.is_default && !r.is_admin)
            .map(|r| r.key.as_str())
            .collect();
        let step_down = roles(&keys);
        let before = snapshot(&db).await;
        assert_eq!(
            members::write::update(&db, &admin, MembershipId(adam.id), Version(adam.version), &step_down).await,
            Err(AppError::Conflict(
                "Adam Admin is the last Account Administrator of this account. Give another member that role first.".into()
            ))
        );
        assert_eq!(snapshot(&db).await, before);

        // With a second administrator, Adam may step down.
        let m = members_with(&db, account, GENERAL).await[0].clone();
        members::write::update(&db, &admin, MembershipId(m.id), Version(m.version), &roles(&["account_admin"]))
            .await
            .unwrap();
        members::write::update(&db, &admin, MembershipId(adam.id), Version(adam.version), &step_down)
            .await
            .unwrap();
        assert_eq!(
            membership(&db, adam.id).await.unwrap().role_bits,
            adam.role_bits & !ADMIN
        );
        assert_derived_counts(&db, account).await;
        // And now the other one is the last.
        let m = membership(&db, m.id).await.unwrap();
        assert!(matches!(
            members::write::update(&db, &admin, MembershipId(m.id), Version(m.version), &roles(&[])).await,
            Err(AppError::Conflict(_))
        ));
    }

    async fn remove_takes_the_member_off_every_case_of_the_account(db) {
        let (account, admin) = setup(&db).await;
        let on_prem = account_id(&db, "Northwind On-Premises").await;
        let adam = admin.actor().person_id;
        // A plain member of Northwind Production who also works on the on-premises account.
        let plain = members_with(&db, account, GENERAL).await;
        let mut shared = None;
        for m in &plain {
            if membership_of(&db, on_prem, m.person_id).await.is_some() {
                shared = Some(m.clone());
                break;
            }
        }
        let v = shared.expect("a plain member of both Northwind accounts");
        let other = plain.iter().find(|m| m.id != v.id).unwrap().person_id;

        // On this account V is primary contact of an open and of a resolved case, an
        // additional contact, a follower and notified; on the other account too.
        let open = insert_case(&db, account, "T-1", "open", Some(v.person_id)).await;
        let resolved = insert_case(&db, account, "T-2", "resolved", Some(v.person_id)).await;
        let others_case = insert_case(&db, account, "T-3", "open", Some(other)).await;
        link(&db, "case_contacts", others_case, v.person_id).await;
        link(&db, "case_followers", others_case, v.person_id).await;
        link(&db, "case_followers", resolved, v.person_id).await;
        link(&db, "case_contacts", open, other).await;
        link(&db, "case_followers", open, other).await;
        notify(&db, open, v.person_id).await;
        notify(&db, others_case, v.person_id).await;
        notify(&db, open, other).await;
        let elsewhere_open = insert_case(&db, on_prem, "T-4", "open", Some(v.person_id)).await;
        let elsewhere = insert_case(&db, on_prem, "T-5", "resolved", Some(other)).await;
        link(&db, "case_contacts", elsewhere, v.person_id).await;
        link(&db, "case_followers", elsewhere, v.person_id).await;
        link(&db, "case_followers", elsewhere_open, v.person_id).await;
        notify(&db, elsewhere_open, v.person_id).await;

        let owned_by_v = |status: &'static str| {
            let db = db.clone();
            async move {
                let rows: Vec<(i64,)> = db
                    .fetch_all(&sql!(
                        "SELECT id FROM cases WHERE account_id = $1 AND status = $2 AND primary_contact_id = $3 ORDER BY id",
                        account,
                        status,
                        v.person_id
                    ))
                    .await
                    .unwrap();
                rows.into_iter().map(|(id,)| id).collect::<Vec<i64>>()
            }
        };
        let open_owned = owned_by_v("open").await;
        let resolved_owned = owned_by_v("resolved").await;
        assert!(open_owned.contains(&open) && resolved_owned.contains(&resolved));
        let adam_before = membership_of(&db, account, adam).await.unwrap();
        let counts_before = counts(&db, account).await;
        let here_before = case_rows(&db, "c.account_id = $1", account, v.person_id).await;
        let elsewhere_before = case_rows(&db, "c.account_id <> $1", account, -1).await;
        let on_prem_membership = membership_of(&db, on_prem, v.person_id).await.unwrap();
        let pulse_before: i64 = db
            .scalar(&sql!("SELECT COUNT(*) FROM pulse_messages"))
            .await
            .unwrap();

        assert_eq!(members::write::remove(&db, &admin, MembershipId(v.id)).await.unwrap(), v.name);

        // The membership is gone, counted out and audited.
        assert_eq!(membership(&db, v.id).await, None);
        assert_eq!(
            counts(&db, account).await,
            moved(counts_before, "active", v.role_bits, -1)
        );
        assert_derived_counts(&db, account).await;
        assert_eq!(
            audits(&db, account, v.person_id).await.last(),
            Some(&audit(
                &admin,
                v.person_id,
                "member.removed",
                Some("General Support"),
                None
            ))
        );

        // V is on no case of this account any more.
        let left: i64 = db
            .scalar(&sql!(
                "SELECT COUNT(*) FROM cases WHERE account_id = $1 AND primary_contact_id = $2",
                account,
                v.person_id
            ))
            .await
            .unwrap();
        assert_eq!(left, 0);
        for table in ["case_contacts", "case_followers", "notifications"] {
            let n: i64 = db
                .scalar(&sql!(
                    format!(
                        "SELECT COUNT(*) FROM {table} x JOIN cases c ON c.id = x.case_id \
                         WHERE c.account_id = $1 AND x.person_id = $2"
                    ),
                    account,
                    v.person_id
                ))
                .await
                .unwrap();
            assert_eq!(n, 0, "{table} of the removed person on this account");
        }

        // Open cases went to the removing administrator, resolved ones lost their primary
        // contact; everyone else's case rows here are as they were.
        let mut want: Vec<(String, i64, Option<i64>)> = here_before
            .into_iter()
            .map(|(kind, case, person)| {
                let person = if kind == "primary" && open_owned.contains(&case) {
                    Some(adam)
                } else if kind == "primary" && resolved_owned.contains(&case) {
                    None
                } else {
                    person
                };
                (kind, case, person)
            })
            .collect();
        want.sort();
        let mut got = case_rows(&db, "c.account_id = $1", account, v.person_id).await;
        got.sort();
        assert_eq!(got, want);

        // Adam owns the open cases now, and his count says so.
        let adam_after = membership_of(&db, account, adam).await.unwrap();
        assert_eq!(
            adam_after.cases_owned,
            adam_before.cases_owned + open_owned.len() as i64
        );
        let owned: i64 = db
            .scalar(&sql!(
                "SELECT COUNT(*) FROM cases WHERE account_id = $1 AND status = 'open' AND primary_contact_id = $2",
                account,
                adam
            ))
            .await
            .unwrap();
        assert_eq!(adam_after.cases_owned, owned);

        // The other account keeps everything, V's membership and case rows there included.
        assert_eq!(
            case_rows(&db, "c.account_id <> $1", account, -1).await,
            elsewhere_before
        );
        assert_eq!(
            membership_of(&db, on_prem, v.person_id).await,
            Some(on_prem_membership)
        );
        let pulse_after: i64 = db
            .scalar(&sql!("SELECT COUNT(*) FROM pulse_messages"))
            .await
            .unwrap();
        assert_eq!(pulse_after, pulse_before);
    }

    async fn the_last_administrator_cannot_be_removed_or_deactivated(db) {
        let (account, admin) = setup(&db).await;
        make_sole_admin(&db, &admin).await;
        let adam = membership_of(&db, account, admin.actor().person_id)
            .await
            .unwrap();
        let case = insert_case(&db, account, "T-1", "open", Some(admin.actor().person_id)).await;
        link(&db, "case_followers", case, admin.actor().person_id).await;
        let before = snapshot(&db).await;
        let last: Result<String, AppError> = Err(AppError::Conflict(
            "Adam Admin is the last Account Administrator of this account. Give another member that role first.".into(),
        ));
        assert_eq!(members::write::remove(&db, &admin, MembershipId(adam.id)).await, last.clone());
        assert_eq!(
            members::write::set_active(&db, &admin, MembershipId(adam.id), false).await,
            last
        );
        assert_eq!(snapshot(&db).await, before);
    }

    async fn deactivate_and_reactivate_move_counts_and_lists(db) {
        let (account, admin) = setup(&db).await;
        let m: Membership = db
            .fetch_all(&sql!(
                format!(
                    "{MEMBERSHIP} WHERE account_id = $1 AND status = 'active' AND role_bits <> 1 \
                     AND (role_bits & $2) = 0 ORDER BY id"
                ),
                account,
                ADMIN | PRIMARY
            ))
            .await
            .unwrap()
            .into_iter()
            .next()
            .expect("an active member with more roles than General Support");
        let initial = counts(&db, account).await;
        let listed = |status: MemberStatus| {
            let db = db.clone();
            let email = m.email.clone();
            async move {
                let q = MemberQuery {
                    search: email,
                    status,
                    ..MemberQuery::new(account)
                };
                members::read::list(&db, &common::as_operator(&db, q.account).await, &q, NOW)
                    .await
                    .unwrap()
                    .rows
                    .into_iter()
                    .map(|r| r.membership_id)
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(listed(MemberStatus::Active).await, vec![m.id]);

        assert_eq!(
            members::write::set_active(&db, &admin, MembershipId(m.id), false)
                .await
                .unwrap(),
            m.name
        );
        let off = membership(&db, m.id).await.unwrap();
        assert_eq!(off.status, "inactive");
        assert_eq!(off.version, m.version + 1);
        assert_eq!(off.role_bits, m.role_bits);
        let want = moved(
            moved(initial.clone(), "active", m.role_bits, -1),
            "inactive",
            m.role_bits,
            1,
        );
        assert_eq!(counts(&db, account).await, want);
        assert_derived_counts(&db, account).await;
        assert_eq!(listed(MemberStatus::Inactive).await, vec![m.id]);
        assert!(listed(MemberStatus::Active).await.is_empty());

        // Deactivating again changes nothing.
        let same = snapshot(&db).await;
        members::write::set_active(&db, &admin, MembershipId(m.id), false)
            .await
            .unwrap();
        assert_eq!(snapshot(&db).await, same);

        members::write::set_active(&db, &admin, MembershipId(m.id), true)
            .await
            .unwrap();
        let on = membership(&db, m.id).await.unwrap();
        assert_eq!(on.status, "active");
        assert_eq!(on.version, m.version + 2);
        assert_eq!(counts(&db, account).await, initial);
        assert_derived_counts(&db, account).await;
        assert_eq!(listed(MemberStatus::Active).await, vec![m.id]);
        assert!(listed(MemberStatus::Inactive).await.is_empty());
        assert_eq!(
            audits(&db, account, m.person_id).await,
            vec![
                audit(
                    &admin,
                    m.person_id,
                    "member.deactivated",
                    Some("active"),
                    Some("inactive")
                ),
                audit(
                    &admin,
                    m.person_id,
                    "member.reactivated",
                    Some("inactive"),
                    Some("active")
                ),
            ]
        );

        // A member who is inactive already (Ivan) is listed there by the seed.
        let ivan: i64 = db
            .scalar(&sql!(
                "SELECT id FROM people WHERE email_key = 'ivan.inactive@northwind.example'"
            ))
            .await
            .unwrap();
        let ivan_m = membership_of(&db, account, ivan).await.unwrap();
        assert_eq!(ivan_m.status, "inactive");
        members::write::set_active(&db, &admin, MembershipId(ivan_m.id), true)
            .await
            .unwrap();
        assert_eq!(membership(&db, ivan_m.id).await.unwrap().status, "active");
        assert_derived_counts(&db, account).await;
    }

    async fn details_show_roles_cloud_added_by_and_history(db) {
        let (account, admin) = setup(&db).await;
        let analytics = project(&db, account, "analytics").await;
        let (person, name, email) = outsiders(&db, account).await[0].clone();
        let change = RoleChange {
            roles: vec!["cloud_specialist".into(), "security_contact".into()],
            cloud: Some(CloudAffiliation {
                all_projects: false,
                projects: vec![analytics],
                environment: Environment::Production,
            }),
        };
        let id = members::write::add(&db, &admin, &PersonRef::Email(email.clone()), &change)
            .await
            .unwrap();
        let d = members::write::details(&db, &admin, MembershipId(id)).await.unwrap();
        assert_eq!(
            (d.membership_id, d.account, d.person_id),
            (id, account, person)
        );
        assert_eq!(
            (d.name.as_str(), d.email.as_str()),
            (name.as_str(), email.as_str())
        );
        assert!(d.active_login);
        let keys: Vec<&str> = d.roles.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(
            keys,
            vec!["general_support", "security_contact", "cloud_specialist"]
        );
        assert!(d.has_role("cloud_specialist") && !d.has_role("primary"));
        assert_eq!(
            d.cloud,
            Some(CloudAffiliation {
                all_projects: false,
                projects: vec![analytics],
                environment: Environment::Production
            })
        );
        assert_eq!(d.added_by.as_deref(), Some("Adam Admin"));
        assert_eq!(d.version, 1);
        let open: i64 = db
            .scalar(&sql!(
                "SELECT COUNT(*) FROM cases WHERE account_id = $1 AND status = 'open' AND primary_contact_id = $2",
                account,
                person
            ))
            .await
            .unwrap();
        assert_eq!(d.open_cases_owned, open);
        assert_eq!(d.history.len(), 1);
        assert_eq!(d.history[0].action, app::model::AuditAction::MemberAdded);
        assert_eq!(d.history[0].actor.as_deref(), Some("Adam Admin"));
        assert_eq!(d.history[0].subject.as_deref(), Some(name.as_str()));

        members::write::update(&db, &admin, MembershipId(id), Version(d.version), &roles(&["security_contact"]))
            .await
            .unwrap();
        members::write::set_active(&db, &admin, MembershipId(id), false)
            .await
            .unwrap();
        let d = members::write::details(&db, &admin, MembershipId(id)).await.unwrap();
        assert!(!d.active_login);
        assert_eq!(d.cloud, None);
        assert_eq!(d.version, 3);
        let actions: Vec<&str> = d.history.iter().map(|e| e.action.key()).collect();
        assert_eq!(
            actions,
            vec!["member.deactivated", "member.roles_changed", "member.added"],
            "newest first"
        );
        assert_eq!(d.history[1].before.as_deref(), Some("General Support, Security Contact, Cloud Specialist (cloud: analytics; production)"));
        assert_eq!(
            d.history[1].after.as_deref(),
            Some("General Support, Security Contact")
        );

        // Adam: the seed's first member, added by nobody, owning the open cases he is primary of.
        let adam = membership_of(&db, account, admin.actor().person_id)
            .await
            .unwrap();
        let d = members::write::details(&db, &admin, MembershipId(adam.id)).await.unwrap();
        assert!(
            d.has_role("account_admin") && d.has_role("primary") && d.has_role("general_support")
        );
        assert_eq!(d.added_by, None);
        assert_eq!(d.open_cases_owned, adam.cases_owned);
        assert!(d.history.is_empty());
    }

    async fn bulk_add_roles_refuses_a_second_primary_and_changes_the_rest(db) {
        let (account, admin) = setup(&db).await;
        let plain = members_with(&db, account, GENERAL).await;
        let (a, b, c) = (plain[0].clone(), plain[1].clone(), plain[2].clone());
        let adam = membership_of(&db, account, admin.actor().person_id)
            .await
            .unwrap();
        members::write::update(&db, &admin, MembershipId(c.id), Version(c.version), &roles(&["billing_contact"]))
            .await
            .unwrap();

        let r = members::write::bulk(
            &db,
            &admin,
            &Selection::Members(vec![c.id, a.id, b.id, a.id]),
            &BulkAction::AddRoles(vec!["billing_contact".into()]),
        )
        .await
        .unwrap();
        assert_eq!(
            (r.changed, r.unchanged, r.refused.len()),
            (2, 1, 0),
            "{r:?}"
        );
        for m in [&a, &b, &c] {
            let now = membership(&db, m.id).await.unwrap();
            assert_eq!(now.role_bits, GENERAL | BILLING, "{}", m.name);
            assert_eq!(now.additional_roles, 1);
        }

        // Primary is Adam's: Adam keeps it and gets the other role, `a` is refused whole.
        let before_a = membership(&db, a.id).await.unwrap();
        let r = members::write::bulk(
            &db,
            &admin,
            &Selection::Members(vec![adam.id, a.id]),
            &BulkAction::AddRoles(vec!["license_contact".into(), "primary".into()]),
        )
        .await
        .unwrap();
        assert_eq!(r.changed, 1, "{r:?}");
        assert_eq!(
            r.refused,
            vec![(
                a.name.clone(),
                "Only one member may hold the role Primary, and Adam Admin holds it.".to_string()
            )]
        );
        assert_eq!(
            membership(&db, adam.id).await.unwrap().role_bits,
            adam.role_bits | LICENSE
        );
        assert_eq!(
            membership(&db, a.id).await.unwrap(),
            before_a,
            "a refused member is left as it was"
        );
        assert_derived_counts(&db, account).await;
        let primaries: i64 = db
            .scalar(&sql!(
                "SELECT COUNT(*) FROM memberships WHERE account_id = $1 AND (role_bits & $2) <> 0",
                account,
                PRIMARY
            ))
            .await
            .unwrap();
        assert_eq!(primaries, 1);

        // With Primary free, the first selected member takes it and the others are refused.
        let adam = membership(&db, adam.id).await.unwrap();
        members::write::update(
            &db,
            &admin,
            MembershipId(adam.id),
            Version(adam.version),
            &roles(&["account_admin", "license_contact"]),
        )
        .await
        .unwrap();
        let r = members::write::bulk(
            &db,
            &admin,
            &Selection::Members(vec![b.id, a.id]),
            &BulkAction::AddRoles(vec!["primary".into()]),
        )
        .await
        .unwrap();
        let (first, second) = if a.id < b.id { (&a, &b) } else { (&b, &a) };
        assert_eq!(r.changed, 1);
        assert_eq!(r.refused.len(), 1);
        assert_eq!(r.refused[0].0, second.name);
        assert_eq!(
            membership(&db, first.id).await.unwrap().role_bits,
            GENERAL | BILLING | PRIMARY
        );
        assert_eq!(
            membership(&db, second.id).await.unwrap().role_bits,
            GENERAL | BILLING
        );
        assert_derived_counts(&db, account).await;

        // RemoveRoles takes them away again; bad role keys and empty role sets are refused.
        let r = members::write::bulk(
            &db,
            &admin,
            &Selection::Members(vec![a.id, b.id, c.id]),
            &BulkAction::RemoveRoles(vec!["billing_contact".into()]),
        )
        .await
        .unwrap();
        assert_eq!(r.changed, 3);
        assert_eq!(membership(&db, c.id).await.unwrap().role_bits, GENERAL);
        let before = snapshot(&db).await;
        assert_eq!(
            members::write::bulk(
                &db,
                &admin,
                &Selection::Members(vec![a.id]),
                &BulkAction::AddRoles(vec!["root".into()])
            )
            .await,
            Err(AppError::Invalid("There is no role \"root\".".into()))
        );
        assert_eq!(
            members::write::bulk(
                &db,
                &admin,
                &Selection::Members(vec![a.id]),
                &BulkAction::AddRoles(vec!["general_support".into()])
            )
            .await,
            Err(AppError::Invalid(
                "Choose at least one role other than General Support.".into()
            ))
        );
        assert_eq!(
            members::write::bulk(
                &db,
                &admin,
                &Selection::Members(vec![]),
                &BulkAction::Deactivate
            )
            .await,
            Err(AppError::Invalid("Select at least one user.".into()))
        );
        assert_eq!(snapshot(&db).await, before);
        assert_derived_counts(&db, account).await;
    }

    async fn bulk_deactivate_all_matching_changes_exactly_the_matching_members(db) {
        let (account, admin) = setup(&db).await;
        let adam = membership_of(&db, account, admin.actor().person_id)
            .await
            .unwrap();
        for term in ["son", "ar"] {
            let pattern = format!("%{term}%");
            let matching: Vec<(i64,)> = db
                .fetch_all(&sql!(
                    "SELECT id FROM memberships WHERE account_id = $1 AND status = 'active' \
                     AND (name_key LIKE $2 OR email_key LIKE $2) ORDER BY id",
                    account,
                    pattern
                ))
                .await
                .unwrap();
            assert!(!matching.is_empty(), "{term}");
            assert!(
                !matching.contains(&(adam.id,)),
                "{term} must not select the last administrator"
            );
            let before: Vec<(i64, String)> = db
                .fetch_all(&sql!("SELECT id, status FROM memberships ORDER BY id"))
                .await
                .unwrap();
            let q = MemberQuery {
                search: term.into(),
                ..MemberQuery::new(account)
            };
            let r = members::write::bulk(
                &db,
                &admin,
                &Selection::AllMatching(q),
                &BulkAction::Deactivate,
            )
            .await
            .unwrap();
            assert_eq!(
                (r.changed, r.unchanged, r.refused.len()),
                (matching.len(), 0, 0),
                "{term}: {r:?}"
            );
            let after: Vec<(i64, String)> = db
                .fetch_all(&sql!("SELECT id, status FROM memberships ORDER BY id"))
                .await
                .unwrap();
            for ((id, was), (id2, now)) in before.iter().zip(&after) {
                assert_eq!(id, id2);
                let want = if matching.contains(&(*id,)) {
                    "inactive"
                } else {
                    was.as_str()
                };
                assert_eq!(now, want, "{term}: membership {id}");
            }
            assert_derived_counts(&db, account).await;
            let deactivated: i64 = db
                .scalar(&sql!("SELECT COUNT(*) FROM audit_log WHERE account_id = $1 AND action = 'member.deactivated'", account))
                .await
                .unwrap();
            assert!(deactivated >= matching.len() as i64);
        }

        // A query of another account is not this admin's to act on.
        let other = account_id(&db, "Contoso Health Cloud").await;
        let before = snapshot(&db).await;
        assert_eq!(
            members::write::bulk(
                &db,
                &admin,
                &Selection::AllMatching(MemberQuery::new(other)),
                &BulkAction::Deactivate
            )
            .await,
            Err(AppError::Forbidden(NO_ACCESS.into()))
        );
        // Nothing matches: nothing to do.
        let q = MemberQuery {
            search: "no such member".into(),
            ..MemberQuery::new(account)
        };
        assert_eq!(
            members::write::bulk(
                &db,
                &admin,
                &Selection::AllMatching(q),
                &BulkAction::Deactivate
            )
            .await,
            Err(AppError::Invalid("Select at least one user.".into()))
        );
        assert_eq!(snapshot(&db).await, before);
    }

    async fn bulk_remove_refuses_the_last_administrator(db) {
        let (account, admin) = setup(&db).await;
        make_sole_admin(&db, &admin).await;
        let adam = membership_of(&db, account, admin.actor().person_id)
            .await
            .unwrap();
        let plain = members_with(&db, account, GENERAL).await;
        let (a, b) = (plain[0].clone(), plain[1].clone());
        let case = insert_case(&db, account, "T-1", "open", Some(a.person_id)).await;
        link(&db, "case_followers", case, b.person_id).await;
        let counts_before = counts(&db, account).await;

        let r = members::write::bulk(
            &db,
            &admin,
            &Selection::Members(vec![a.id, adam.id, b.id]),
            &BulkAction::Remove,
        )
        .await
        .unwrap();
        assert_eq!(r.changed, 2, "{r:?}");
        assert_eq!(r.refused.len(), 1);
        assert_eq!(r.refused[0].0, "Adam Admin");
        assert!(
            r.refused[0].1.contains("last Account Administrator"),
            "{:?}",
            r.refused
        );
        let adam_after = membership(&db, adam.id)
            .await
            .expect("the last administrator stays");
        assert_eq!(
            adam_after,
            Membership {
                cases_owned: adam_after.cases_owned,
                ..adam.clone()
            }
        );
        assert!(
            adam_after.cases_owned > adam.cases_owned,
            "Adam took over the removed member's open case"
        );
        assert_eq!(membership(&db, a.id).await, None);
        assert_eq!(membership(&db, b.id).await, None);
        let want = moved(
            moved(counts_before, "active", a.role_bits, -1),
            "active",
            b.role_bits,
            -1,
        );
        assert_eq!(counts(&db, account).await, want);
        assert_derived_counts(&db, account).await;
        let p: Option<i64> = db
            .scalar(&sql!(
                "SELECT primary_contact_id FROM cases WHERE id = $1",
                case
            ))
            .await
            .unwrap();
        assert_eq!(p, Some(adam.person_id));
        let followers: i64 = db
            .scalar(&sql!(
                "SELECT COUNT(*) FROM case_followers WHERE case_id = $1",
                case
            ))
            .await
            .unwrap();
        assert_eq!(followers, 0);
        for m in [&a, &b] {
            assert_eq!(
                audits(&db, account, m.person_id)
                    .await
                    .last()
                    .map(|a| a.action.clone())
                    .as_deref(),
                Some("member.removed")
            );
        }
    }

    async fn only_administrators_may_manage_an_account(db) {
        let (account, admin) = setup(&db).await;
        let forbidden = Err::<(), _>(AppError::Forbidden(NO_ACCESS.into()));
        assert_eq!(NO_ACCESS, "You do not have access to this feature.");
        let carla: (i64, String, String) = db
            .fetch_optional(&sql!("SELECT id, display_name, email FROM people WHERE email_key = 'carla.contact@northwind.example'"))
            .await
            .unwrap()
            .unwrap();
        let carla_m = membership_of(&db, account, carla.0).await.unwrap();
        assert_eq!(carla_m.role_bits & ADMIN, 0, "Carla is a plain member");
        let actor = Actor {
            person_id: carla.0,
            name: carla.1,
            email: carla.2,
            is_operator: false,
        };
        assert_eq!(
            actor.clone().manage(&db, AccountId(account)).await.map(|_| ()),
            forbidden
        );

        // An administrator of one account has no say over another.
        let contoso = account_id(&db, "Contoso Health Cloud").await;
        assert_eq!(
            admin.actor().clone().manage(&db, AccountId(contoso)).await.map(|_| ()),
            forbidden
        );

        // A deactivated administrator neither.
        let m = members_with(&db, account, GENERAL).await[0].clone();
        members::write::update(&db, &admin, MembershipId(m.id), Version(m.version), &roles(&["account_admin"]))
            .await
            .unwrap();
        let person: Actor = db
            .fetch_optional(&sql!("SELECT id AS person_id, display_name AS name, email, is_operator FROM people WHERE id = $1", m.person_id))
            .await
            .unwrap()
            .unwrap();
        assert!(person.clone().manage(&db, AccountId(account)).await.is_ok());
        members::write::set_active(&db, &admin, MembershipId(m.id), false)
            .await
            .unwrap();
        assert_eq!(person.manage(&db, AccountId(account)).await.map(|_| ()), forbidden);

        // A vendor operator may manage any account.
        let operator: Actor = db
            .fetch_optional(&sql!("SELECT id AS person_id, display_name AS name, email, is_operator FROM people WHERE is_operator"))
            .await
            .unwrap()
            .unwrap();
        assert!(operator.manage(&db, AccountId(contoso)).await.is_ok());
    }
}
