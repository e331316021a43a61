//! Access requests and designated approvers (issue 13, SPEC F22–F23) on SQLite and
//! PostgreSQL: asking, the approvers' emails and inbox, deciding once (the first
//! decision wins, also when two approvers decide at the same moment), approval granting
//! the level, expiry, revoked approvers, and bad input changing nothing.

use crate::common;

use std::sync::Arc;

use app::backend::access::{Actor, NOT_AN_APPROVER, NO_ACCESS};
use app::backend::access_requests::{self, Asked};
use app::backend::accounts;
use app::backend::Db;
use app::error::AppError;
use app::model::{CurrentUser, RequestState};
use app::sql;
use common::personas::{ADMIN, APPROVER, GOVCLOUD_APPROVER, MEMBER, OPERATOR, PARTNER, RIVAL};
use server::seed::{seed, SeedOptions};
use tokio::sync::Barrier;

async fn seeded(db: &Db) {
    let now = app::backend::now();
    seed(db, &SeedOptions { members: 40, seed: 9, now: now - now % 86_400 }).await.expect("seed");
}

async fn partner_member(db: &Db, email: &str) -> app::backend::access::PartnerMember {
    Actor::by_email(db, email).await.unwrap().partner_member(db).await.unwrap()
}

fn asked<'a>(org_ids: &'a str, level: &'a str, reason: &'a str) -> Asked<'a> {
    Asked { org_ids, level, reason, for_email: None }
}

async fn count(db: &Db, table: &str) -> i64 {
    db.scalar::<i64>(&sql!(format!("SELECT COUNT(*) FROM {table}"))).await.unwrap()
}

/// The newest request for `person` on the deployment with `org_id`.
async fn request_of(db: &Db, email: &str, org_id: &str) -> i64 {
    db.scalar::<i64>(&sql!(
        "SELECT r.id FROM access_requests r JOIN people p ON p.id = r.person_id JOIN accounts a ON a.id = r.account_id \
         WHERE p.email = $1 AND a.org_id = $2 ORDER BY r.id DESC LIMIT 1",
        email,
        org_id
    ))
    .await
    .unwrap()
}

/// The person's support level on the deployment, if they are an active member there.
async fn level_on(db: &Db, email: &str, org_id: &str) -> Option<String> {
    db.fetch_optional::<(Option<String>,)>(&sql!(
        "SELECT m.support_level FROM memberships m JOIN people p ON p.id = m.person_id \
         JOIN accounts a ON a.id = m.account_id WHERE p.email = $1 AND a.org_id = $2 AND m.status = 'active'",
        email,
        org_id
    ))
    .await
    .unwrap()
    .and_then(|(l,)| l)
}

async fn decide(db: &Db, email: &str, request: i64, approve: bool) -> Result<String, AppError> {
    let decider = Actor::by_email(db, email).await?.decider_of(db, request).await?;
    access_requests::decide(db, &decider, approve).await
}

/// A colleague of Paula's at the partner, in no deployment yet.
async fn new_colleague(db: &Db) -> String {
    let email = format!("{}@initech.example", common::unique("rita"));
    let partner: i64 = db.scalar(&sql!("SELECT id FROM organisations WHERE name = 'Initech Partners'")).await.unwrap();
    db.execute(&sql!(
        "INSERT INTO people (display_name, name_key, email, email_key, email_domain, registered_at, organisation_id) \
         VALUES ('Rita Requester', 'rita requester', $1, $1, 'initech.example', 1, $2)",
        email.as_str(),
        partner
    ))
    .await
    .unwrap();
    email
}

backend_tests! {
    async fn the_header_shows_what_the_access_rules_say(db) {
        seeded(&db).await;
        // Two unread notifications and a read one for the administrator, on a seeded case.
        let admin = Actor::by_email(&db, ADMIN).await.unwrap();
        let case: i64 = db.scalar(&sql!("SELECT MIN(id) FROM cases")).await.unwrap();
        for read_at in [None, None, Some(1_i64)] {
            db.execute(&sql!(
                "INSERT INTO notifications (person_id, case_id, created_at, read_at) VALUES ($1, $2, 1, $3)",
                admin.person_id,
                case,
                read_at
            ))
            .await
            .unwrap();
        }
        for (email, unread, is_partner, approves) in [
            (OPERATOR, 0, false, true),
            (ADMIN, 2, false, false),
            (MEMBER, 0, false, false),
            (PARTNER, 0, true, false),
            (APPROVER, 0, true, true),
            (GOVCLOUD_APPROVER, 0, true, true),
            (RIVAL, 0, true, true),
        ] {
            let actor = Actor::by_email(&db, email).await.unwrap();
            let standing = actor.standing(&db).await.unwrap();
            assert_eq!((standing.unread, standing.is_partner, standing.approves), (unread, is_partner, approves), "{email}");
            // The same as the typed rules and the notification count.
            assert_eq!(standing.is_partner, actor.clone().partner_member(&db).await.is_ok(), "{email}");
            assert_eq!(standing.approves, actor.clone().approver(&db).await.is_ok(), "{email}");
            assert_eq!(standing.unread, app::backend::cases::pulse::unread(&db, &actor).await.unwrap(), "{email}");
            // The switcher: the first of the accounts they may see, one more saying there are more.
            let mut seen = accounts::list_for(&db, &actor).await.unwrap();
            seen.truncate(CurrentUser::SWITCHER_MAX + 1);
            let seen: Vec<(i64, String)> = seen.into_iter().map(|a| (a.id, a.name)).collect();
            assert_eq!(accounts::switcher(&db, &actor).await.unwrap(), seen, "{email}");
            // A page reads the person, their standing and their accounts in one statement:
            // the same answers, and whether they administer each as the access rule says.
            let (paged, paged_standing, paged_seen) =
                Actor::read_for_page(&db, actor.person_id, app::backend::now_ms()).await.unwrap().expect(email);
            assert_eq!(
                (paged.person_id, &paged.name, &paged.email, paged.is_operator),
                (actor.person_id, &actor.name, &actor.email, actor.is_operator),
                "{email}"
            );
            assert_eq!(paged_standing, standing, "{email}");
            match paged_seen {
                None => assert!(actor.is_operator, "{email}: no accounts read"),
                Some(paged_seen) => {
                    let summaries: Vec<_> = paged_seen.iter().map(|s| s.summary.clone()).collect();
                    assert_eq!(summaries, accounts::list_for(&db, &actor).await.unwrap(), "{email}");
                    for s in paged_seen {
                        let managed = actor.clone().manage(&db, app::model::AccountId(s.summary.id)).await.is_ok();
                        assert_eq!(s.administers, managed, "{email} on {}", s.summary.name);
                    }
                }
            }
        }
        // A session from before the person's last "sign out everywhere" does not count.
        let admin = Actor::by_email(&db, ADMIN).await.unwrap();
        let now = app::backend::now_ms();
        db.execute(&sql!("UPDATE people SET sessions_valid_from = $1 WHERE id = $2", now, admin.person_id)).await.unwrap();
        assert!(Actor::read_for_page(&db, admin.person_id, now - 1).await.unwrap().is_none());
        assert!(Actor::read_for_page(&db, admin.person_id, now).await.unwrap().is_some());
        // An operator's switcher is a short statement of its own, in the same order.
        let organisation: i64 = db.scalar(&sql!("SELECT MIN(id) FROM organisations")).await.unwrap();
        for n in 0..20 {
            db.execute(&sql!(
                "INSERT INTO accounts (organisation_id, name, org_id, kind, created_at) VALUES ($1, $2, $3, 'cloud', 1)",
                organisation,
                format!("Switcher {n:02}"),
                format!("SW-{n:02}")
            ))
            .await
            .unwrap();
        }
        let operator = Actor::by_email(&db, OPERATOR).await.unwrap();
        let all = accounts::list(&db, &operator.clone().operator().unwrap()).await.unwrap();
        assert!(all.len() > CurrentUser::SWITCHER_MAX + 1, "{}", all.len());
        let first: Vec<(i64, String)> =
            all.into_iter().take(CurrentUser::SWITCHER_MAX + 1).map(|a| (a.id, a.name)).collect();
        assert_eq!(accounts::switcher(&db, &operator).await.unwrap(), first);
    }

    async fn a_request_waits_for_an_approver_and_approval_grants_the_level(db) {
        seeded(&db).await;
        let rita = new_colleague(&db).await;
        let member = partner_member(&db, &rita).await;
        let mail_before = count(&db, "outbox").await;
        let said = access_requests::submit(&db, &member, &asked("GX-3001\n", "technical", "Night shift cover."))
            .await
            .unwrap();
        assert_eq!(said, "Requested Technical support on GX-3001; 2 approver emails were sent.");
        // Both approvers of Globex GovCloud are emailed with a link to the decision page.
        let id = request_of(&db, &rita, "GX-3001").await;
        let mails: Vec<(String, String, String)> = db
            .fetch_all(&sql!("SELECT recipient, subject, body_text FROM outbox WHERE id > $1 ORDER BY recipient", mail_before))
            .await
            .unwrap();
        let to: Vec<&str> = mails.iter().map(|m| m.0.as_str()).collect();
        assert_eq!(to, [APPROVER, GOVCLOUD_APPROVER]);
        assert!(mails[0].1.contains("Rita Requester for Globex GovCloud (GX-3001)"), "{}", mails[0].1);
        assert!(mails[0].2.contains(&format!("/approvals/{id}")) && mails[0].2.contains("Night shift cover."));
        assert_eq!(level_on(&db, &rita, "GX-3001").await, None, "nothing is granted before a decision");

        // It is in both approvers' inboxes, and in the requester's own list as waiting.
        for email in [APPROVER, GOVCLOUD_APPROVER] {
            let approver = Actor::by_email(&db, email).await.unwrap().approver(&db).await.unwrap();
            let inbox = access_requests::inbox(&db, &approver, None).await.unwrap();
            assert!(inbox.rows.iter().any(|r| r.id == id && r.person == "Rita Requester"), "{email}");
        }
        let mine = access_requests::mine(&db, &member, None).await.unwrap();
        assert_eq!(mine.rows.len(), 1);
        assert_eq!(mine.rows[0].state, RequestState::Pending);

        // Pete approves: the membership with the level's roles, audited, the requester told.
        let said = decide(&db, GOVCLOUD_APPROVER, id, true).await.unwrap();
        assert_eq!(said, "Approved: Rita Requester now has Technical support on Globex GovCloud.");
        assert_eq!(level_on(&db, &rita, "GX-3001").await.as_deref(), Some("technical"));
        let bits: i64 = db
            .scalar(&sql!("SELECT m.role_bits FROM memberships m JOIN people p ON p.id = m.person_id WHERE p.email = $1", rita.as_str()))
            .await
            .unwrap();
        assert_eq!(bits, 5, "General Support and Security Contact, as the level says");
        let audit: Vec<(String, Option<String>)> = db
            .fetch_all(&sql!(
                "SELECT l.action, l.after FROM audit_log l JOIN people p ON p.id = l.subject_person_id \
                 WHERE p.email = $1 ORDER BY l.id",
                rita.as_str()
            ))
            .await
            .unwrap();
        let actions: Vec<&str> = audit.iter().map(|a| a.0.as_str()).collect();
        assert_eq!(actions, ["access.requested", "access.approved"]);
        let told: String = db
            .scalar(&sql!("SELECT subject FROM outbox WHERE recipient = $1 ORDER BY id DESC LIMIT 1", rita.as_str()))
            .await
            .unwrap();
        assert_eq!(told, "Access request approved: Globex GovCloud (GX-3001)");

        // Anyone later is told who decided and when; nothing changes.
        let again = decide(&db, APPROVER, id, false).await.unwrap_err();
        let AppError::Conflict(m) = again else { panic!("{again:?}") };
        assert!(m.starts_with("This request was already approved by Pete Approver at "), "{m}");
        assert_eq!(level_on(&db, &rita, "GX-3001").await.as_deref(), Some("technical"));
        let approver = Actor::by_email(&db, APPROVER).await.unwrap().approver(&db).await.unwrap();
        assert!(!access_requests::inbox(&db, &approver, None).await.unwrap().rows.iter().any(|r| r.id == id));
    }

    async fn an_approvers_own_request_is_approved_at_once(db) {
        seeded(&db).await;
        let alex = partner_member(&db, APPROVER).await;
        let mail_before = count(&db, "outbox").await;
        let said = access_requests::submit(&db, &alex, &asked("ch-2002, GX-3002", "full", "Escalations.")).await.unwrap();
        assert_eq!(said, "Alex Approver now has Full support on CH-2002, GX-3002 (you approve requests there).");
        assert_eq!(level_on(&db, APPROVER, "CH-2002").await.as_deref(), Some("full"));
        assert_eq!(level_on(&db, APPROVER, "GX-3002").await.as_deref(), Some("full"));
        let states: Vec<(String, Option<String>)> = db
            .fetch_all(&sql!(
                "SELECT r.state, r.decided_by_name FROM access_requests r JOIN people p ON p.id = r.person_id \
                 WHERE p.email = $1",
                APPROVER
            ))
            .await
            .unwrap();
        assert_eq!(states, vec![("approved".into(), Some("Alex Approver".into())); 2]);
        // No approver is asked; the requester, who decided, gets no email either.
        assert_eq!(count(&db, "outbox").await, mail_before + 2, "one confirmation per deployment");

        // Asking for a colleague: Pete approves GovCloud only, so his request for Rita
        // there is approved at once and the one for Globex Records waits for Alex.
        let rita = new_colleague(&db).await;
        let pete = partner_member(&db, GOVCLOUD_APPROVER).await;
        let for_rita = Asked { for_email: Some(&rita), ..asked("GX-3001 GX-3002", "case_handling", "Cover.") };
        let said = access_requests::submit(&db, &pete, &for_rita).await.unwrap();
        assert_eq!(
            said,
            "Rita Requester now has Case handling on GX-3001 (you approve requests there). \
             Requested Case handling on GX-3002; its approver was emailed."
        );
        assert_eq!(level_on(&db, &rita, "GX-3001").await.as_deref(), Some("case_handling"));
        assert_eq!(level_on(&db, &rita, "GX-3002").await, None);
    }

    async fn bad_requests_name_each_problem_and_file_nothing(db) {
        seeded(&db).await;
        let paula = partner_member(&db, PARTNER).await;
        let before = count(&db, "access_requests").await;
        let mail_before = count(&db, "outbox").await;
        let refused = |r: Result<String, AppError>| match r {
            Err(AppError::Invalid(m)) => m,
            other => panic!("{other:?}"),
        };
        // An Org ID that does not exist, one of a deployment Initech does not support,
        // one where she already has the level, one with a request waiting: each named.
        let m = refused(
            access_requests::submit(&db, &paula, &asked("NOPE-1\nNW-1001\nNW-1003\nGX-3001\nCH-2002", "technical", "x"))
                .await,
        );
        assert_eq!(
            m,
            "Nothing was requested. NOPE-1: not a deployment Initech Partners supports. \
             NW-1001: not a deployment Initech Partners supports. \
             NW-1003: Paula Partner has Technical support there already. \
             GX-3001: Paula Partner has a request waiting for a decision there already."
        );
        let m = refused(access_requests::submit(&db, &paula, &asked("CH-2002", "technical", "   ")).await);
        assert!(m.starts_with("Say why"), "{m}");
        let m = refused(access_requests::submit(&db, &paula, &asked("CH-2002", "root", "x")).await);
        assert_eq!(m, "Choose a support access level.");
        let m = refused(access_requests::submit(&db, &paula, &asked(" ,\n", "technical", "x")).await);
        assert_eq!(m, "Name at least one deployment by its Org ID.");
        let long = "x".repeat(app::model::MAX_REASON + 1);
        let m = refused(access_requests::submit(&db, &paula, &asked("CH-2002", "technical", &long)).await);
        assert!(m.contains("too long"), "{m}");
        // A colleague's email must be a registered person of the partner: a customer's
        // contact is refused like an unknown address, naming nobody.
        let for_admin = Asked { for_email: Some(ADMIN), ..asked("CH-2002", "technical", "x") };
        let m = refused(access_requests::submit(&db, &paula, &for_admin).await);
        assert_eq!(m, format!("{ADMIN} is not a registered person of Initech Partners."));
        assert_eq!(count(&db, "access_requests").await, before, "nothing filed");
        assert_eq!(count(&db, "outbox").await, mail_before, "nobody emailed");

        // Only a partner's people ask; only approvers have an inbox.
        let admin = Actor::by_email(&db, ADMIN).await.unwrap();
        assert!(matches!(admin.clone().partner_member(&db).await, Err(AppError::Forbidden(m)) if m == NO_ACCESS));
        assert!(matches!(admin.approver(&db).await, Err(AppError::Forbidden(m)) if m == NO_ACCESS));
        let paula_actor = Actor::by_email(&db, PARTNER).await.unwrap();
        assert!(matches!(paula_actor.approver(&db).await, Err(AppError::Forbidden(_))));
    }

    async fn only_an_approver_of_the_deployment_decides_and_a_revoked_one_no_longer(db) {
        seeded(&db).await;
        // The seeded waiting request: Paula asks for Full support on Globex GovCloud.
        let id = request_of(&db, PARTNER, "GX-3001").await;
        // Paula may not decide her own request; an administrator of the customer may not.
        for email in [PARTNER, ADMIN] {
            let refused = Actor::by_email(&db, email).await.unwrap().decider_of(&db, id).await.unwrap_err();
            assert!(matches!(&refused, AppError::Forbidden(m) if m == NOT_AN_APPROVER), "{email}: {refused:?}");
        }
        // Pete approves GovCloud only: a Globex Records request is not his to decide.
        let records = db
            .scalar::<i64>(&sql!(
                "SELECT r.id FROM access_requests r JOIN accounts a ON a.id = r.account_id \
                 WHERE a.org_id = 'GX-3002' AND r.state = 'pending'"
            ))
            .await
            .unwrap();
        assert!(Actor::by_email(&db, GOVCLOUD_APPROVER).await.unwrap().decider_of(&db, records).await.is_err());
        let pete_view = access_requests::view(&db, &Actor::by_email(&db, GOVCLOUD_APPROVER).await.unwrap(), records).await;
        assert!(matches!(pete_view, Err(AppError::NotFound(_))), "{pete_view:?}");

        // Pete opened the page (his proof is made), then the operator revokes him: his
        // decision changes nothing.
        let decider = Actor::by_email(&db, GOVCLOUD_APPROVER).await.unwrap().decider_of(&db, id).await.unwrap();
        let operator = common::operator(&db).await;
        let pete_grant: i64 = db
            .scalar(&sql!(
                "SELECT ap.id FROM approvers ap JOIN people p ON p.id = ap.person_id WHERE p.email = $1",
                GOVCLOUD_APPROVER
            ))
            .await
            .unwrap();
        let said = access_requests::revoke_approver(&db, &operator, pete_grant).await.unwrap();
        assert_eq!(said, "Pete Approver no longer approves access requests for Globex GovCloud.");
        let refused = access_requests::decide(&db, &decider, true).await.unwrap_err();
        assert!(matches!(&refused, AppError::Forbidden(m) if m == NOT_AN_APPROVER), "{refused:?}");
        assert_eq!(level_on(&db, PARTNER, "GX-3001").await, None);
        let view = access_requests::view(&db, &Actor::by_email(&db, PARTNER).await.unwrap(), id).await.unwrap();
        assert_eq!(view.request.state, RequestState::Pending);
        assert_eq!(view.refusal.as_deref(), Some(NOT_AN_APPROVER), "the requester sees it, and may not decide");

        // Granted again, for every deployment this time; granting twice is refused.
        let said = access_requests::grant_approver(&db, &operator, partner(&db).await, GOVCLOUD_APPROVER, "").await.unwrap();
        assert_eq!(said, "Pete Approver now approves access requests for every deployment Initech Partners supports.");
        let twice = access_requests::grant_approver(&db, &operator, partner(&db).await, GOVCLOUD_APPROVER, " ").await;
        assert!(matches!(twice, Err(AppError::Conflict(_))), "{twice:?}");
        let outsider = access_requests::grant_approver(&db, &operator, partner(&db).await, ADMIN, "").await;
        assert!(matches!(outsider, Err(AppError::Invalid(_))), "a customer's person is not the partner's approver");
        let unsupported = access_requests::grant_approver(&db, &operator, partner(&db).await, APPROVER, "NW-1001").await;
        assert!(matches!(unsupported, Err(AppError::Invalid(m)) if m.contains("NW-1001")));
        assert_eq!(decide(&db, GOVCLOUD_APPROVER, id, false).await.unwrap(), "Declined: Paula Partner does not get Full support on Globex GovCloud.");
        assert_eq!(level_on(&db, PARTNER, "GX-3001").await, None);
        let actions: Vec<(String,)> = db
            .fetch_all(&sql!(
                "SELECT action FROM audit_log WHERE action LIKE 'partner.approver%' OR action = 'access.declined' ORDER BY id"
            ))
            .await
            .unwrap();
        let actions: Vec<&str> = actions.iter().map(|a| a.0.as_str()).collect();
        assert_eq!(actions, ["partner.approver_revoked", "partner.approver_granted", "access.declined"]);
    }

    async fn an_expired_request_cannot_be_decided_and_may_be_asked_again(db) {
        seeded(&db).await;
        let id = request_of(&db, PARTNER, "GX-3001").await;
        db.execute(&sql!("UPDATE access_requests SET expires_at = $1 WHERE id = $2", app::backend::now() - 60, id))
            .await
            .unwrap();
        let refused = decide(&db, APPROVER, id, true).await.unwrap_err();
        assert!(matches!(&refused, AppError::Conflict(m) if m.starts_with("This request expired at ")), "{refused:?}");
        assert_eq!(level_on(&db, PARTNER, "GX-3001").await, None);
        let approver = Actor::by_email(&db, APPROVER).await.unwrap().approver(&db).await.unwrap();
        assert!(!access_requests::inbox(&db, &approver, None).await.unwrap().rows.iter().any(|r| r.id == id));
        let paula = partner_member(&db, PARTNER).await;
        let mine = access_requests::mine(&db, &paula, None).await.unwrap();
        assert_eq!(mine.rows.iter().find(|r| r.id == id).map(|r| r.state), Some(RequestState::Expired));
        // Asking again closes the old one as expired and files a new one.
        access_requests::submit(&db, &paula, &asked("GX-3001", "full", "Still needed.")).await.unwrap();
        let state: String = db.scalar(&sql!("SELECT state FROM access_requests WHERE id = $1", id)).await.unwrap();
        assert_eq!(state, "expired");
        assert_ne!(request_of(&db, PARTNER, "GX-3001").await, id);
        // The hourly cleanup writes the state of those that ran out.
        db.execute(&sql!("UPDATE access_requests SET expires_at = 0 WHERE state = 'pending'")).await.unwrap();
        assert!(access_requests::expire(&db).await.unwrap() >= 2);
        assert_eq!(db.scalar::<i64>(&sql!("SELECT COUNT(*) FROM access_requests WHERE state = 'pending'")).await.unwrap(), 0);
    }

    async fn two_approvers_deciding_at_once_make_exactly_one_decision(db) {
        seeded(&db).await;
        let operator = Actor::by_email(&db, OPERATOR).await.unwrap();
        let members: Vec<String> = {
            let mut v = Vec::new();
            for _ in 0..12 {
                v.push(new_colleague(&db).await);
            }
            v
        };
        for (round, email) in members.iter().enumerate() {
            let member = partner_member(&db, email).await;
            access_requests::submit(&db, &member, &asked("GX-3001", "technical", "Race.")).await.unwrap();
            let id = request_of(&db, email, "GX-3001").await;
            let barrier = Arc::new(Barrier::new(3));
            // Alex approves, Pete declines and an operator approves, all at once.
            let deciders = [(APPROVER, true), (GOVCLOUD_APPROVER, false), (operator.email.as_str(), round % 2 == 0)];
            let tasks: Vec<_> = deciders
                .into_iter()
                .map(|(who, approve)| {
                    let (db, barrier, who) = (db.clone(), barrier.clone(), who.to_string());
                    tokio::spawn(async move {
                        let decider = Actor::by_email(&db, &who).await.unwrap().decider_of(&db, id).await.unwrap();
                        barrier.wait().await;
                        access_requests::decide(&db, &decider, approve).await.map(|_| approve)
                    })
                })
                .collect();
            let mut results = Vec::new();
            for t in tasks {
                results.push(t.await.unwrap());
            }
            let won: Vec<bool> = results.iter().filter_map(|r| r.as_ref().ok().copied()).collect();
            assert_eq!(won.len(), 1, "round {round}: {results:?}");
            for r in results.iter().filter_map(|r| r.as_ref().err()) {
                assert!(matches!(r, AppError::Conflict(m) if m.contains("already")), "round {round}: {r:?}");
            }
            let (state, audited): (String, i64) = db
                .fetch_optional(&sql!(
                    "SELECT state, (SELECT COUNT(*) FROM audit_log WHERE action IN ('access.approved', 'access.declined') \
                     AND subject_person_id = access_requests.person_id) FROM access_requests WHERE id = $1",
                    id
                ))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(state, if won[0] { "approved" } else { "declined" });
            assert_eq!(audited, 1, "round {round}: one decision audited");
            assert_eq!(level_on(&db, email, "GX-3001").await.is_some(), won[0]);
        }
    }
}

async fn partner(db: &Db) -> i64 {
    db.scalar::<i64>(&sql!("SELECT id FROM organisations WHERE name = 'Initech Partners'")).await.unwrap()
}

/// Each partner person's level on the deployment with `org_id`: (email, level, status).
async fn partner_levels(db: &Db, org_id: &str) -> Vec<(String, Option<String>, String)> {
    db.fetch_all(&sql!(
        "SELECT m.email, m.support_level, m.status FROM memberships m JOIN people p ON p.id = m.person_id \
         JOIN organisations o ON o.id = p.organisation_id JOIN accounts a ON a.id = m.account_id \
         WHERE a.org_id = $1 AND o.kind = 'partner' ORDER BY m.email",
        org_id
    ))
    .await
    .unwrap()
}

mod copying {
    use super::*;
    use app::backend::copy_access;
    use app::model::CopyChange;

    backend_tests! {
        async fn copying_access_mirrors_the_source_onto_each_target_after_a_preview(db) {
            seeded(&db).await;
            let alex = Actor::by_email(&db, APPROVER).await.unwrap();
            let copier = alex.clone().copier(&db, None, "NW-1003", "CH-2002\nGX-3002").await.unwrap();
            let source: Vec<_> = partner_levels(&db, "NW-1003").await.into_iter().filter(|p| p.2 == "active").collect();
            let before_ch = partner_levels(&db, "CH-2002").await;
            let preview = copy_access::preview(&db, &copier).await.unwrap();
            assert_eq!((preview.source.as_str(), preview.targets.len()), ("Northwind Field Sites", 2));
            // The preview wrote nothing.
            assert_eq!(partner_levels(&db, "CH-2002").await, before_ch);
            // Paula: Technical support on the source, Case handling on Contoso: changed.
            let ch = &preview.targets[0];
            assert_eq!(ch.org_id, "CH-2002");
            let paula = ch.changes.iter().find(|c| c.1 == PARTNER).expect("Paula in the preview");
            assert_eq!(paula.2, CopyChange::LevelChanged { from: "Case handling".into(), to: "Technical support".into() });
            for (_, email, change) in &ch.changes {
                let on_source = source.iter().any(|s| &s.0 == email);
                assert_eq!(matches!(change, CopyChange::Removed { .. }), !on_source, "{email}: {change:?}");
            }

            let said = copy_access::apply(&db, &copier).await.unwrap();
            assert!(said.starts_with("Copied the support access of Northwind Field Sites to Contoso Research, Globex Records: "), "{said}");
            // Each target now holds exactly the source's active people with their levels.
            let wanted: Vec<(String, Option<String>)> = source.iter().map(|s| (s.0.clone(), s.1.clone())).collect();
            for org_id in ["CH-2002", "GX-3002"] {
                let now: Vec<(String, Option<String>)> = partner_levels(&db, org_id)
                    .await
                    .into_iter()
                    .map(|p| (p.0, p.1))
                    .collect();
                assert_eq!(now, wanted, "{org_id}");
            }
            let audited: i64 = db.scalar(&sql!("SELECT COUNT(*) FROM audit_log WHERE action = 'access.copied'")).await.unwrap();
            assert!(audited > 0);
            // Copying again changes nothing.
            let again = copy_access::preview(&db, &copier).await.unwrap();
            assert!(again.targets.iter().all(|t| t.changes.iter().all(|c| matches!(c.2, CopyChange::Unchanged { .. }))));
        }

        async fn only_an_approver_of_every_deployment_copies_and_bad_org_ids_are_named(db) {
            seeded(&db).await;
            // Pete approves for Globex GovCloud only.
            let pete = Actor::by_email(&db, GOVCLOUD_APPROVER).await.unwrap();
            let refused = pete.clone().copier(&db, None, "GX-3001", "GX-3002").await.unwrap_err();
            assert!(matches!(&refused, AppError::Forbidden(m) if m.ends_with("you do not approve for GX-3002.")), "{refused:?}");
            let paula = Actor::by_email(&db, PARTNER).await.unwrap();
            assert!(matches!(paula.copier(&db, None, "NW-1003", "CH-2002").await, Err(AppError::Forbidden(_))));
            let admin = Actor::by_email(&db, ADMIN).await.unwrap();
            assert!(matches!(admin.copier(&db, None, "NW-1003", "CH-2002").await, Err(AppError::Forbidden(m)) if m == NO_ACCESS));
            let alex = Actor::by_email(&db, APPROVER).await.unwrap();
            let bad = alex.clone().copier(&db, None, "NW-1003", "NW-1001, ZZ-9").await.unwrap_err();
            assert!(
                matches!(&bad, AppError::Invalid(m) if m == "Nothing was copied. NW-1001: not a deployment Initech Partners supports. ZZ-9: not a deployment Initech Partners supports."),
                "{bad:?}"
            );
            assert!(matches!(alex.clone().copier(&db, None, "NW-1003", "nw-1003").await, Err(AppError::Invalid(_))));
            // A vendor operator names the partner.
            let operator = Actor::by_email(&db, OPERATOR).await.unwrap();
            assert!(matches!(operator.clone().copier(&db, None, "NW-1003", "CH-2002").await, Err(AppError::Invalid(_))));
            let partner = partner(&db).await;
            assert!(operator.copier(&db, Some(partner), "NW-1003", "CH-2002").await.is_ok());
        }
    }
}
