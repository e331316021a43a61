//! Storage tests of invitations (SPEC F15), new contacts (F16), forgotten passwords
//! (F18) and the operators' outbox view, on SQLite and on PostgreSQL. Links are taken
//! from the emails in the outbox, as the invitee would.

use crate::common;

use app::backend::access::{AccountAdmin, Actor};
use app::backend::{contacts, invitations, mail, members, password_reset, Db};
use app::error::AppError;
use app::model::{AccountId, InvitationId, MemberQuery, MembershipId, NewContact, RoleChange};
use app::sql;
use server::seed::{seed, SeedOptions};

const NOW: i64 = 1_780_000_000 - 1_780_000_000 % 86_400;
const GENERAL: i64 = 1;
const SECURITY: i64 = 1 << 2;

async fn setup(db: &Db) -> (i64, AccountAdmin) {
    seed(db, &SeedOptions { members: 60, seed: 5, now: NOW }).await.expect("seed");
    let account: i64 =
        db.scalar(&sql!("SELECT id FROM accounts WHERE name = $1", "Northwind Production")).await.unwrap();
    let admin = common::admin_of(db, "adam.admin@northwind.example", account).await;
    (account, admin)
}

fn roles(keys: &[&str]) -> RoleChange {
    RoleChange { roles: keys.iter().map(|k| k.to_string()).collect(), cloud: None }
}

/// The newest email to `to`: (subject, text body).
async fn last_email(db: &Db, to: &str) -> (String, String) {
    db.fetch_optional(&sql!(
        "SELECT subject, body_text FROM outbox WHERE LOWER(recipient) = $1 ORDER BY id DESC LIMIT 1",
        to.to_lowercase()
    ))
    .await
    .unwrap()
    .unwrap_or_else(|| panic!("no email to {to}"))
}

/// The token of the link in an email whose path starts with `path`.
fn token_in(body: &str, path: &str) -> String {
    let at = body.find(path).unwrap_or_else(|| panic!("no {path} link in:\n{body}"));
    body[at + path.len()..].split_whitespace().next().unwrap().to_string()
}

async fn count(db: &Db, table: &str) -> i64 {
    db.scalar(&sql!(format!("SELECT COUNT(*) FROM {table}"))).await.unwrap()
}

fn message(e: AppError) -> String {
    e.to_string()
}

backend_tests! {
    async fn an_invitee_registers_from_the_link_and_becomes_a_member(db) {
        let (account, admin) = setup(&db).await;
        let said = invitations::invite(&db, &admin, " Zoe  Zed ", "Zoe.Zed@northwind.example", &roles(&["security_contact"]))
            .await
            .unwrap();
        assert_eq!(said, "Invitation sent to Zoe Zed <Zoe.Zed@northwind.example>.");
        let (subject, body) = last_email(&db, "zoe.zed@northwind.example").await;
        assert_eq!(subject, "Adam Admin invites you to Northwind Production");
        assert!(body.contains("General Support, Security Contact"), "{body}");
        let token = token_in(&body, "/invitations/");

        let listed = invitations::list(&db, &common::as_operator(&db, account).await).await.unwrap();
        assert_eq!(listed[0].name, "Zoe Zed");
        assert_eq!(listed[0].state, app::model::InvitationState::Pending);
        assert_eq!(listed[0].invited_by.as_deref(), Some("Adam Admin"));

        let view = invitations::view(&db, &token, None).await.unwrap();
        assert_eq!((view.account.as_str(), view.registered), ("Northwind Production", false));

        // A short password changes nothing.
        let before = count(&db, "memberships").await;
        let e = invitations::accept(&db, &token, "Zoe Zed", "short", None).await.unwrap_err();
        assert!(matches!(e, AppError::Invalid(_)), "{e:?}");
        assert_eq!(count(&db, "memberships").await, before);

        let (person, membership) = invitations::accept(&db, &token, "Zoe Zed", "a long enough password", None).await.unwrap();
        let (bits, status, registered, name): (i64, String, bool, String) = db
            .fetch_optional(&sql!("SELECT role_bits, status, registered, name FROM memberships WHERE id = $1", membership))
            .await
            .unwrap()
            .unwrap();
        assert_eq!((bits, status.as_str(), registered, name.as_str()), (GENERAL | SECURITY, "active", true, "Zoe Zed"));
        let registered_at: Option<i64> =
            db.scalar(&sql!("SELECT registered_at FROM people WHERE id = $1", person)).await.unwrap();
        assert!(registered_at.is_some());
        let accepted: (String, Option<i64>) = db
            .fetch_optional(&sql!(
                "SELECT action, actor_id FROM audit_log WHERE subject_person_id = $1 ORDER BY id DESC LIMIT 1",
                person
            ))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(accepted, ("invitation.accepted".to_string(), Some(person)));
        let security: i64 = db
            .scalar(&sql!(
                "SELECT n FROM role_counts WHERE account_id = $1 AND status = 'active' AND role_key = 'security_contact'",
                account
            ))
            .await
            .unwrap();
        let actual: i64 = db
            .scalar(&sql!(
                "SELECT COUNT(*) FROM memberships WHERE account_id = $1 AND status = 'active' AND (role_bits & 4) <> 0",
                account
            ))
            .await
            .unwrap();
        assert_eq!(security, actual);

        // The link works once.
        let again = invitations::accept(&db, &token, "Zoe Zed", "a long enough password", None).await.unwrap_err();
        assert!(message(again).contains("already been accepted"));
        assert_eq!(invitations::list(&db, &common::as_operator(&db, account).await).await.unwrap()[0].state, app::model::InvitationState::Accepted);
    }

    async fn refused_invitations_change_nothing(db) {
        let (_, admin) = setup(&db).await;
        invitations::invite(&db, &admin, "Pia Pending", "pia@northwind.example", &roles(&[])).await.unwrap();
        let (invites, emails, audit) = (count(&db, "invitations").await, count(&db, "outbox").await, count(&db, "audit_log").await);
        let cases: [(&str, &str, RoleChange, &str); 5] = [
            ("", "x@northwind.example", roles(&[]), "Enter the person's name"),
            ("Xavier", "not an email", roles(&[]), "full email address"),
            ("Carla", "carla.contact@northwind.example", roles(&[]), "already a member of this account"),
            ("Pia", "PIA@northwind.example", roles(&[]), "already has a pending invitation"),
            ("Yan", "yan@northwind.example", roles(&["primary"]), "Only one member may hold the role Primary"),
        ];
        for (name, email, change, wanted) in cases {
            let e = invitations::invite(&db, &admin, name, email, &change).await.unwrap_err();
            assert!(e.to_string().contains(wanted), "{name} <{email}>: {e}");
        }
        let e = invitations::invite(&db, &admin, "Yan", "yan@northwind.example", &roles(&["no_such_role"])).await.unwrap_err();
        assert!(matches!(e, AppError::Invalid(_)));
        assert_eq!((count(&db, "invitations").await, count(&db, "outbox").await, count(&db, "audit_log").await), (invites, emails, audit));
    }

    async fn resending_replaces_the_link_and_revoking_or_expiry_ends_it(db) {
        let (account, admin) = setup(&db).await;
        invitations::invite(&db, &admin, "Rex Resend", "rex@northwind.example", &roles(&[])).await.unwrap();
        let first = token_in(&last_email(&db, "rex@northwind.example").await.1, "/invitations/");
        let id = invitations::list(&db, &common::as_operator(&db, account).await).await.unwrap()[0].id;
        invitations::resend(&db, &admin, InvitationId(id)).await.unwrap();
        let second = token_in(&last_email(&db, "rex@northwind.example").await.1, "/invitations/");
        assert_ne!(first, second);
        assert!(matches!(invitations::view(&db, &first, None).await, Err(AppError::NotFound(_))));
        invitations::view(&db, &second, None).await.unwrap();

        // Expired: shown so, and can be sent again.
        db.execute(&sql!("UPDATE invitations SET expires_at = $1 WHERE id = $2", app::backend::now() - 1, id)).await.unwrap();
        assert!(invitations::view(&db, &second, None).await.unwrap_err().to_string().contains("expired"));
        assert_eq!(invitations::list(&db, &common::as_operator(&db, account).await).await.unwrap()[0].state, app::model::InvitationState::Expired);
        invitations::resend(&db, &admin, InvitationId(id)).await.unwrap();
        let third = token_in(&last_email(&db, "rex@northwind.example").await.1, "/invitations/");

        invitations::revoke(&db, &admin, InvitationId(id)).await.unwrap();
        let e = invitations::accept(&db, &third, "Rex", "a long enough password", None).await.unwrap_err();
        assert!(e.to_string().contains("withdrawn"), "{e}");
        assert!(invitations::revoke(&db, &admin, InvitationId(id)).await.unwrap_err().to_string().contains("already revoked"));
        assert!(invitations::resend(&db, &admin, InvitationId(id)).await.is_err());
        let registered: i64 =
            db.scalar(&sql!("SELECT COUNT(*) FROM people WHERE email_key = $1", "rex@northwind.example")).await.unwrap();
        assert_eq!(registered, 0);

        // Another account's administrator cannot touch it.
        let contoso: i64 = db.scalar(&sql!("SELECT id FROM accounts WHERE name = $1", "Contoso Health Cloud")).await.unwrap();
        let operator = Actor::by_email(&db, "olivia.operator@roster.example").await.unwrap().manage(&db, AccountId(contoso)).await.unwrap();
        assert!(matches!(invitations::resend(&db, &operator, InvitationId(id)).await, Err(AppError::NotFound(_))));
    }

    async fn a_registered_invitee_signs_in_to_accept(db) {
        let (account, admin) = setup(&db).await;
        invitations::invite(&db, &admin, "Nina", "nina.newcomer@northwind.example", &roles(&[])).await.unwrap();
        let token = token_in(&last_email(&db, "nina.newcomer@northwind.example").await.1, "/invitations/");
        let view = invitations::view(&db, &token, None).await.unwrap();
        assert!(view.registered && !view.signed_in_as_invitee);
        let e = invitations::accept(&db, &token, "", "", None).await.unwrap_err();
        assert!(matches!(e, AppError::Forbidden(ref m) if m.contains("Sign in as nina.newcomer@northwind.example")), "{e:?}");
        let carla = Actor::by_email(&db, "carla.contact@northwind.example").await.unwrap();
        assert!(invitations::accept(&db, &token, "", "", Some(&carla)).await.is_err());

        let nina = Actor::by_email(&db, "nina.newcomer@northwind.example").await.unwrap();
        assert!(invitations::view(&db, &token, Some(&nina)).await.unwrap().signed_in_as_invitee);
        let (person, membership) = invitations::accept(&db, &token, "", "", Some(&nina)).await.unwrap();
        assert_eq!(person, nina.person_id);
        let (acc, name): (i64, String) =
            db.fetch_optional(&sql!("SELECT account_id, name FROM memberships WHERE id = $1", membership)).await.unwrap().unwrap();
        assert_eq!((acc, name.as_str()), (account, "Nina Newcomer"));
    }

    async fn a_new_contact_is_listed_unregistered_and_invited_to_the_community(db) {
        let (account, admin) = setup(&db).await;
        let contact = NewContact { first_name: "Quinn".into(), last_name: "Quill".into(), email: "quinn.quill@northwind.example".into() };
        let (membership, name) = contacts::create(&db, &admin, &contact, &roles(&["billing_contact"])).await.unwrap();
        assert_eq!(name, "Quinn Quill");
        let (registered_at, org): (Option<i64>, String) = db
            .fetch_optional(&sql!(
                "SELECT p.registered_at, o.name FROM people p JOIN organisations o ON o.id = p.organisation_id WHERE p.email_key = $1",
                "quinn.quill@northwind.example"
            ))
            .await
            .unwrap()
            .unwrap();
        assert_eq!((registered_at, org.as_str()), (None, "Northwind Traders"));
        let mut q = MemberQuery::new(account);
        q.search = "quinn".into();
        let page = members::read::list(&db, &common::as_operator(&db, q.account).await, &q, app::backend::now()).await.unwrap();
        assert_eq!(page.rows.len(), 1);
        assert!(!page.rows[0].registered);
        assert_eq!(page.rows[0].additional_roles, 1);

        // Unique within the organisation; an email of another organisation's person is refused too.
        let e = contacts::create(&db, &admin, &contact, &roles(&[])).await.unwrap_err();
        assert!(e.to_string().contains("already has a contact with the email"), "{e}");
        let paula = NewContact { email: "paula.partner@initech.example".into(), ..contact.clone() };
        let e = contacts::create(&db, &admin, &paula, &roles(&[])).await.unwrap_err();
        assert!(e.to_string().contains("Use Add new user"), "{e}");
        let primary = NewContact { email: "quinn.two@northwind.example".into(), ..contact.clone() };
        let e = contacts::create(&db, &admin, &primary, &roles(&["primary"])).await.unwrap_err();
        assert!(e.to_string().contains("Only one member may hold the role Primary"), "{e}");
        let blank = NewContact { first_name: " ".into(), ..primary.clone() };
        assert!(matches!(contacts::create(&db, &admin, &blank, &roles(&[])).await, Err(AppError::Invalid(_))));
        let none: i64 = db.scalar(&sql!("SELECT COUNT(*) FROM people WHERE email_key = $1", "quinn.two@northwind.example")).await.unwrap();
        assert_eq!(none, 0);

        // Invite to Community: accepting completes the same membership.
        invitations::invite_member(&db, &admin, MembershipId(membership)).await.unwrap();
        let token = token_in(&last_email(&db, "quinn.quill@northwind.example").await.1, "/invitations/");
        let (_, joined) = invitations::accept(&db, &token, "Quinn Q. Quill", "a long enough password", None).await.unwrap();
        assert_eq!(joined, membership);
        let (registered, name): (bool, String) =
            db.fetch_optional(&sql!("SELECT registered, name FROM memberships WHERE id = $1", membership)).await.unwrap().unwrap();
        assert_eq!((registered, name.as_str()), (true, "Quinn Q. Quill"));
        let e = invitations::invite_member(&db, &admin, MembershipId(membership)).await.unwrap_err();
        assert!(e.to_string().contains("already registered"), "{e}");
    }

    async fn a_reset_link_sets_a_new_password_once(db) {
        setup(&db).await;
        let carla = "carla.contact@northwind.example";
        let old_hash: String = db.scalar(&sql!("SELECT password_hash FROM people WHERE email_key = $1", carla)).await.unwrap();
        // Unknown emails get the same answer and nothing is stored or sent.
        let emails = count(&db, "outbox").await;
        password_reset::request(&db, "nobody@northwind.example", None).await.unwrap();
        password_reset::request(&db, "uma.unregistered@northwind.example", None).await.unwrap();
        assert_eq!(count(&db, "outbox").await, emails);
        assert_eq!(count(&db, "password_resets").await, 0);

        password_reset::request(&db, "Carla.Contact@northwind.example", None).await.unwrap();
        let (subject, body) = last_email(&db, carla).await;
        assert_eq!(subject, "Choose a new Roster password");
        let token = token_in(&body, "/reset-password/");
        assert!(matches!(password_reset::complete(&db, &token, "short").await, Err(AppError::Invalid(_))));
        assert!(matches!(password_reset::complete(&db, "wrong", "a long enough password").await, Err(AppError::NotFound(_))));
        let person = password_reset::complete(&db, &token, "a long enough password").await.unwrap();
        let new_hash: String = db.scalar(&sql!("SELECT password_hash FROM people WHERE id = $1", person)).await.unwrap();
        assert_ne!(new_hash, old_hash);
        let e = password_reset::complete(&db, &token, "another long password").await.unwrap_err();
        assert!(e.to_string().contains("already been used"));

        // Three links an hour at most; an expired link is refused.
        for _ in 0..5 {
            password_reset::request(&db, carla, None).await.unwrap();
        }
        assert_eq!(count(&db, "password_resets").await, 3);
        let token = token_in(&last_email(&db, carla).await.1, "/reset-password/");
        db.execute(&sql!("UPDATE password_resets SET expires_at = $1 WHERE used_at IS NULL", app::backend::now() - 1)).await.unwrap();
        assert!(password_reset::complete(&db, &token, "a long enough password").await.unwrap_err().to_string().contains("expired"));
    }

    async fn the_outbox_lists_newest_first_by_recipient(db) {
        setup(&db).await;
        for _ in 0..3 {
            password_reset::request(&db, "carla.contact@northwind.example", None).await.unwrap();
        }
        let all = mail::outbox::list(&db, &common::operator(&db).await, None, None, 2).await.unwrap();
        assert_eq!(all.rows.len(), 2);
        assert!(all.rows[0].id > all.rows[1].id);
        let carla = mail::outbox::list(&db, &common::operator(&db).await, Some("CARLA.contact@northwind.example"), None, 2).await.unwrap();
        assert!(carla.rows.iter().all(|r| r.recipient == "carla.contact@northwind.example"));
        let older = mail::outbox::list(&db, &common::operator(&db).await, Some("carla.contact@northwind.example"), carla.older, 2).await.unwrap();
        assert_eq!(older.rows.len(), 1);
        assert_eq!(older.older, None);
    }
}
