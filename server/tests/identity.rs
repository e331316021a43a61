//! Who someone is, and how often they may try (issue 11, findings 1 and 5), on SQLite and
//! on PostgreSQL: a registration counts only once its email is proven by the emailed link
//! (or an invitation's), and sign-ins, registrations, reset links and invitations are
//! limited by tries counted in the database before the work, so that tries sent at the
//! same moment, or to another server on the same database, count too.

use crate::common;

use std::net::SocketAddr;

use app::backend::access::Actor;
use app::backend::{invitations, limits, password_reset, people, registration, Db};
use app::error::AppError;
use app::model::{AccountId, RoleChange};
use app::sql;
use common::http::{send, Reply};
use common::personas::ADMIN;
use server::seed::{seed, SeedOptions, DEMO_PASSWORD};

const PASSWORD: &str = "a long enough password";

async fn seeded(db: &Db) -> i64 {
    let now = app::backend::now();
    seed(db, &SeedOptions { members: 130, seed: 11, now: now - now % 86_400 }).await.expect("seed");
    db.scalar(&sql!("SELECT id FROM accounts WHERE name = $1", "Northwind Production")).await.unwrap()
}

/// Serves a router of its own on `db` on a random port, as another server instance would.
async fn serve(db: &Db) -> SocketAddr {
    common::serve_router(db, server::security::Site::default()).await
}

fn form(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
}

async fn register(addr: SocketAddr, name: &str, email: &str, password: &str) -> Reply {
    let body = form(&[("name", name), ("email", email), ("password", password)]);
    send(addr, &format!("FORM /api/register {body}"), None).await
}

async fn sign_in(addr: SocketAddr, email: &str, password: &str) -> Reply {
    let body = form(&[("email", email), ("password", password), ("next", "/")]);
    send(addr, &format!("FORM /api/sign_in {body}"), None).await
}

/// The token of the registration link in the newest email to `to`, as the person reads it.
async fn link_token(db: &Db, to: &str) -> String {
    let body: String = db
        .scalar(&sql!(
            "SELECT body_text FROM outbox WHERE LOWER(recipient) = $1 ORDER BY id DESC LIMIT 1",
            to.to_lowercase()
        ))
        .await
        .unwrap_or_else(|_| panic!("no email to {to}"));
    let path = "/verify-email/";
    let at = body.find(path).unwrap_or_else(|| panic!("no {path} link in:\n{body}"));
    body[at + path.len()..].split_whitespace().next().unwrap().to_string()
}

/// (actor, account, subject) of every audit entry of `action`, oldest first.
async fn audits(db: &Db, action: &str) -> Vec<(Option<i64>, Option<i64>, Option<i64>)> {
    db.fetch_all(&sql!(
        "SELECT actor_id, account_id, subject_person_id FROM audit_log WHERE action = $1 ORDER BY id",
        action
    ))
    .await
    .unwrap()
}

async fn count(db: &Db, table: &str) -> i64 {
    db.scalar(&sql!(format!("SELECT COUNT(*) FROM {table}"))).await.unwrap()
}

/// The error a server function answered with.
fn error_of(reply: &Reply) -> String {
    let e: AppError = serde_json::from_slice(&reply.body).unwrap_or_else(|_| panic!("not an error: {}", reply.text()));
    e.to_string()
}

fn too_many(result: Result<impl std::fmt::Debug, AppError>) -> bool {
    matches!(result, Err(AppError::TooMany(_)))
}

backend_tests! {
    async fn registering_as_a_contact_claims_nothing_until_the_email_is_proven(db) {
        seeded(&db).await;
        let addr = serve(&db).await;
        // A contact an administrator made, who has not registered: the seed has a few.
        let (contact, email): (i64, String) = db
            .fetch_optional(&sql!(
                "SELECT p.id, p.email FROM people p WHERE p.registered_at IS NULL \
                 AND EXISTS (SELECT 1 FROM memberships m WHERE m.person_id = p.id) ORDER BY p.id LIMIT 1"
            ))
            .await
            .unwrap()
            .expect("the seed makes some contacts not registered");
        let accounts: Vec<(i64,)> = db
            .fetch_all(&sql!("SELECT account_id FROM memberships WHERE person_id = $1 ORDER BY account_id", contact))
            .await
            .unwrap();
        let unclaimed = || async {
            db.fetch_optional::<(Option<i64>, Option<String>)>(&sql!(
                "SELECT registered_at, password_hash FROM people WHERE id = $1",
                contact
            ))
            .await
            .unwrap()
                == Some((None, None))
                && db
                    .scalar::<i64>(&sql!(
                        "SELECT COUNT(*) FROM memberships WHERE person_id = $1 AND registered = $2",
                        contact,
                        true
                    ))
                    .await
                    .unwrap()
                    == 0
        };

        let reply = register(addr, "Mallory Mimic", &email, PASSWORD).await;
        assert!(reply.status < 400, "{} {}", reply.status, reply.text());
        assert!(reply.text().contains(&email), "the answer names the address: {}", reply.text());
        assert!(unclaimed().await, "registering alone claimed the contact");
        assert!(audits(&db, "contact.claimed").await.is_empty());

        // Until the link is followed, the right password says what to do; a wrong one
        // learns nothing.
        let early = sign_in(addr, &email, PASSWORD).await;
        assert_eq!(early.status, 403, "{}", early.text());
        assert!(
            error_of(&early).starts_with(&format!("Confirm your email first: follow the link we sent to {email}")),
            "{}",
            early.text()
        );
        let wrong = sign_in(addr, &email, "not the password at all").await;
        assert_eq!((wrong.status, error_of(&wrong)), (400, "The email or password is not right.".to_string()));

        // Opening the link shows what it confirms and changes nothing (mail scanners open links).
        let token = link_token(&db, &email).await;
        let page = send(addr, &format!("GET /verify-email/{token}"), None).await;
        assert_eq!(page.status, 200);
        assert!(page.text().contains("Confirm my email") && page.text().contains(&email), "{}", page.text());
        assert!(unclaimed().await, "opening the link claimed the contact");

        let confirmed = send(addr, &format!("FORM /api/registration/verify {}", form(&[("token", &token)])), None).await;
        assert!(confirmed.status < 400, "{} {}", confirmed.status, confirmed.text());
        let cookie = confirmed.session_cookie().expect("signed in by confirming");
        let me: serde_json::Value = serde_json::from_slice(&send(addr, "FORM /api/me", Some(&cookie)).await.body).unwrap();
        assert_eq!(me["email"].as_str().map(str::to_lowercase), Some(email.to_lowercase()));

        let registered: (Option<i64>, String) = db
            .fetch_optional(&sql!("SELECT registered_at, display_name FROM people WHERE id = $1", contact))
            .await
            .unwrap()
            .unwrap();
        assert!(registered.0.is_some());
        assert_eq!(registered.1, "Mallory Mimic");
        let unregistered_memberships: i64 = db
            .scalar(&sql!("SELECT COUNT(*) FROM memberships WHERE person_id = $1 AND registered = $2", contact, false))
            .await
            .unwrap();
        assert_eq!(unregistered_memberships, 0);
        assert_eq!(audits(&db, "email.verified").await, vec![(Some(contact), None, Some(contact))]);
        let claimed: Vec<(Option<i64>, Option<i64>, Option<i64>)> =
            accounts.iter().map(|(a,)| (Some(contact), Some(*a), Some(contact))).collect();
        assert_eq!(audits(&db, "contact.claimed").await, claimed);

        // The link works once; the password now signs in.
        let again = send(addr, &format!("FORM /api/registration/verify {}", form(&[("token", &token)])), None).await;
        assert_eq!(again.status, 409);
        assert!(error_of(&again).contains("already been used"));
        assert!(sign_in(addr, &email, PASSWORD).await.status < 400);
    }

    async fn an_unproven_registrant_is_not_offered_to_administrators(db) {
        let account = seeded(&db).await;
        let email = "rex.rookie@northwind.example";
        let sent_to = registration::start(&db, "Rex Rookie", email, PASSWORD, None).await.unwrap();
        assert_eq!(sent_to, email);
        assert_eq!(db.scalar::<i64>(&sql!("SELECT COUNT(*) FROM people WHERE email_key = $1", email)).await.unwrap(), 0);
        assert!(people::suggest(&db, &common::as_operator(&db, account).await, "rex").await.unwrap().is_empty());
        assert!(Actor::by_email(&db, email).await.is_err());

        let person = registration::verify(&db, &link_token(&db, email).await).await.unwrap();
        let offered = people::suggest(&db, &common::as_operator(&db, account).await, "rex").await.unwrap();
        assert_eq!(offered.iter().map(|p| (p.id, p.name.as_str())).collect::<Vec<_>>(), vec![(person, "Rex Rookie")]);
        // A new person, not a contact: nothing claimed.
        assert_eq!(audits(&db, "email.verified").await, vec![(Some(person), None, Some(person))]);
        assert!(audits(&db, "contact.claimed").await.is_empty());
    }

    async fn a_registration_link_works_once_is_replaced_and_expires(db) {
        seeded(&db).await;
        let email = "Lena.Link@example.org";
        registration::start(&db, "Lena Link", email, PASSWORD, None).await.unwrap();
        let first = link_token(&db, email).await;
        assert_eq!(
            registration::view(&db, &first).await.unwrap(),
            app::api::PendingRegistration { name: "Lena Link".into(), email: email.into() }
        );
        // Registering again sends a new link; the old one stops working.
        registration::start(&db, "Lena Link", email, PASSWORD, None).await.unwrap();
        let second = link_token(&db, email).await;
        assert_ne!(first, second);
        assert!(matches!(registration::view(&db, &first).await, Err(AppError::NotFound(_))));
        assert!(matches!(registration::verify(&db, &first).await, Err(AppError::NotFound(_))));
        assert_eq!(count(&db, "pending_registrations").await, 1);

        // An expired link is refused and registers nobody.
        db.execute(&sql!("UPDATE pending_registrations SET expires_at = $1", app::backend::now() - 1)).await.unwrap();
        let expired = registration::verify(&db, &second).await.unwrap_err();
        assert!(expired.to_string().contains("expired"), "{expired}");
        assert_eq!(db.scalar::<i64>(&sql!("SELECT COUNT(*) FROM people WHERE email_key = $1", "lena.link@example.org")).await.unwrap(), 0);

        registration::start(&db, "Lena Link", email, PASSWORD, None).await.unwrap();
        let third = link_token(&db, email).await;
        let person = registration::verify(&db, &third).await.unwrap();
        let used = registration::verify(&db, &third).await.unwrap_err();
        assert!(used.to_string().contains("already been used"), "{used}");
        assert!(matches!(registration::view(&db, &third).await, Err(AppError::Conflict(_))));
        // Only its hash was ever stored, and the password hash is not kept once used.
        let stored: (String, String) = db
            .fetch_optional(&sql!("SELECT token_hash, password_hash FROM pending_registrations"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored, (app::backend::token::hash(&third), String::new()));

        // Registering with a registered email keeps its answer.
        for taken in [email, "carla.contact@northwind.example"] {
            let e = registration::start(&db, "Someone Else", taken, PASSWORD, None).await.unwrap_err();
            assert_eq!(e, AppError::Conflict("Someone has already registered with this email. Sign in instead.".into()));
        }
        let registered_at: Option<i64> =
            db.scalar(&sql!("SELECT registered_at FROM people WHERE id = $1", person)).await.unwrap();
        assert!(registered_at.is_some());
    }

    async fn an_invitation_link_proves_the_email(db) {
        let account = seeded(&db).await;
        let admin = Actor::by_email(&db, ADMIN).await.unwrap().manage(&db, AccountId(account)).await.unwrap();
        let email = "ivy.invited@northwind.example";
        // A registration waiting for its link, then an invitation to the same address.
        registration::start(&db, "Ivy Early", email, PASSWORD, None).await.unwrap();
        let registration_token = link_token(&db, email).await;
        invitations::invite(&db, &admin, "Ivy Invited", email, &RoleChange::default()).await.unwrap();
        let body: String = db
            .scalar(&sql!("SELECT body_text FROM outbox WHERE recipient = $1 ORDER BY id DESC LIMIT 1", email))
            .await
            .unwrap();
        let at = body.find("/invitations/").unwrap();
        let token = body[at + "/invitations/".len()..].split_whitespace().next().unwrap().to_string();

        let (person, _) = invitations::accept(&db, &token, "Ivy Invited", PASSWORD, None).await.unwrap();
        assert_eq!(audits(&db, "email.verified").await, vec![(Some(person), None, Some(person))]);
        let accepted = audits(&db, "invitation.accepted").await;
        assert_eq!(accepted, vec![(Some(person), Some(account), Some(person))]);
        // The registration's link has nothing left to prove.
        assert_eq!(count(&db, "pending_registrations").await, 0);
        assert!(matches!(registration::verify(&db, &registration_token).await, Err(AppError::NotFound(_))));
    }

    async fn parallel_wrong_passwords_are_counted_before_they_are_checked(db) {
        seeded(&db).await;
        let addr = serve(&db).await;
        let admin: i64 = db.scalar(&sql!("SELECT id FROM people WHERE email_key = $1", ADMIN)).await.unwrap();
        let tries: Vec<_> = (0..40)
            .map(|i| tokio::spawn(async move { sign_in(addr, ADMIN, &format!("wrong password {i}")).await.status }))
            .collect();
        let mut statuses = Vec::new();
        for t in tries {
            statuses.push(t.await.unwrap());
        }
        let of = |s: u16| statuses.iter().filter(|&&x| x == s).count();
        let (wrong, limited, busy) = (of(400), of(429), of(503));
        eprintln!("40 parallel wrong passwords: {wrong} checked, {limited} refused as too many, {busy} as busy");
        assert_eq!(wrong + limited + busy, 40, "{statuses:?}");
        // At most the limit get as far as the password check (none, if all 40 were
        // counted before any was checked).
        assert!(wrong <= 5, "{wrong} passwords were checked: {statuses:?}");
        assert!(limited >= 30, "{statuses:?}");

        // Locked: the right password too, for the window, and audited once.
        let right = sign_in(addr, ADMIN, DEMO_PASSWORD).await;
        assert_eq!(right.status, 429, "{}", right.text());
        assert_eq!(error_of(&right), "Too many sign-in attempts. Wait 15 minutes and try again.");
        // Audited once per lock: the email's, and the address's when enough of the forty
        // were counted before the email was locked.
        let locked = audits(&db, "sign_in.locked").await;
        assert_eq!(locked.iter().filter(|l| **l == (None, None, Some(admin))).count(), 1, "{locked:?}");
        assert!(locked.iter().filter(|l| **l == (None, None, None)).count() <= 1, "{locked:?}");
        assert!(locked.len() <= 2, "{locked:?}");

        // The count is in the database: another server on it sees it.
        let other = serve(&db).await;
        assert_eq!(sign_in(other, ADMIN, DEMO_PASSWORD).await.status, 429);
        let counted: i64 = db
            .scalar(&sql!(
                "SELECT COUNT(*) FROM attempts WHERE action = 'sign_in' AND limit_key = $1",
                format!("email:{ADMIN}")
            ))
            .await
            .unwrap();
        assert_eq!(counted, wrong as i64, "refused tries are not kept, checked ones are");

        // Once the window has passed the right password signs in, and clears the count.
        let t = app::backend::now();
        db.execute(&sql!("UPDATE attempts SET at = at - $1", 16 * 60)).await.unwrap();
        db.execute(&sql!("UPDATE lockouts SET locked_until = $1", t - 1)).await.unwrap();
        let later = sign_in(other, ADMIN, DEMO_PASSWORD).await;
        assert!(later.status < 400, "{} {}", later.status, later.text());
        let left: i64 = db
            .scalar(&sql!("SELECT COUNT(*) FROM attempts WHERE limit_key = $1", format!("email:{ADMIN}")))
            .await
            .unwrap();
        assert_eq!(left, 0);
        assert_eq!(sign_in(addr, ADMIN, "wrong once more").await.status, 400);
    }

    async fn an_email_longer_than_any_address_is_a_wrong_sign_in(db) {
        seeded(&db).await;
        let addr = serve(&db).await;
        // Found by the hostile-payload fuzzer: the tries' key outgrew PostgreSQL's index row.
        let long = format!("{}@example.com", "ab+".repeat(100_000));
        for _ in 0..2 {
            let reply = sign_in(addr, &long, "whatever it is").await;
            assert_eq!(reply.status, 400, "{}", reply.text());
            assert_eq!(error_of(&reply), "The email or password is not right.");
        }
        let keys: Vec<(String,)> =
            db.fetch_all(&sql!("SELECT limit_key FROM attempts WHERE limit_key LIKE 'email:%'")).await.unwrap();
        assert_eq!(keys.len(), 2, "both tries count, under one bounded key");
        assert!(keys.iter().all(|(k,)| k.chars().count() == "email:".len() + 254), "{keys:?}");
    }

    async fn registrations_are_limited_per_email_and_per_address(db) {
        seeded(&db).await;
        let email = "flood@example.org";
        for i in 0..5 {
            registration::start(&db, &format!("Flood {i}"), email, PASSWORD, Some("10.0.0.1")).await.unwrap();
        }
        let (pending, emails) = (count(&db, "pending_registrations").await, count(&db, "outbox").await);
        // The sixth for that email is refused from any address, before anything is hashed or sent.
        assert!(too_many(registration::start(&db, "Flood", email, PASSWORD, Some("10.0.0.9")).await));
        assert_eq!((count(&db, "pending_registrations").await, count(&db, "outbox").await), (pending, emails));
        assert_eq!(audits(&db, "registration.locked").await, vec![(None, None, None)]);

        // Twenty an hour from one address, whatever the emails.
        let t = app::backend::now();
        for i in 0..20 {
            db.execute(&sql!(
                "INSERT INTO attempts (action, limit_key, at) VALUES ('registration', 'ip:10.0.0.2', $1)",
                t - i
            ))
            .await
            .unwrap();
        }
        assert!(too_many(registration::start(&db, "Newer", "newer@example.org", PASSWORD, Some("10.0.0.2")).await));
        registration::start(&db, "Newer", "newer@example.org", PASSWORD, Some("10.0.0.3")).await.unwrap();
        // Bad input is refused before it is counted.
        for _ in 0..25 {
            let e = registration::start(&db, "Short", "short@example.org", "short", Some("10.0.0.4")).await.unwrap_err();
            assert!(matches!(e, AppError::Invalid(_)), "{e:?}");
        }
        registration::start(&db, "Short", "short@example.org", PASSWORD, Some("10.0.0.4")).await.unwrap();
    }

    async fn reset_links_and_invitations_are_limited(db) {
        let account = seeded(&db).await;
        // Ten reset requests an hour from one address, whatever the emails (the answer
        // stays the same for registered and unknown ones).
        for i in 0..10 {
            password_reset::request(&db, &format!("someone{i}@example.org"), Some("10.0.1.1")).await.unwrap();
        }
        assert!(too_many(password_reset::request(&db, "carla.contact@northwind.example", Some("10.0.1.1")).await));
        password_reset::request(&db, "carla.contact@northwind.example", Some("10.0.1.2")).await.unwrap();
        assert_eq!(audits(&db, "password_reset.locked").await, vec![(None, None, None)]);

        // An administrator sends at most 100 invitations an hour.
        let admin = Actor::by_email(&db, ADMIN).await.unwrap().manage(&db, AccountId(account)).await.unwrap();
        let t = app::backend::now();
        for i in 0..100 {
            db.execute(&sql!("INSERT INTO attempts (action, limit_key, at) VALUES ('invitation', $1, $2)", format!("person:{}", admin.actor().person_id), t - i))
                .await
                .unwrap();
        }
        let invites = count(&db, "invitations").await;
        let refused = invitations::invite(&db, &admin, "One Too Many", "one.too.many@northwind.example", &RoleChange::default()).await;
        assert!(too_many(refused));
        assert_eq!(count(&db, "invitations").await, invites);
        let admin_id = admin.actor().person_id;
        assert_eq!(audits(&db, "invitation.locked").await, vec![(None, None, Some(admin_id))]);
    }

    async fn old_tries_lockouts_and_registrations_are_pruned(db) {
        seeded(&db).await;
        let t = app::backend::now();
        db.execute(&sql!(
            "INSERT INTO attempts (action, limit_key, at) VALUES ('sign_in', 'ip:old', $1), ('sign_in', 'ip:new', $2)",
            t - 2 * 3600,
            t - 60
        ))
        .await
        .unwrap();
        db.execute(&sql!(
            "INSERT INTO lockouts (action, limit_key, locked_until) VALUES ('sign_in', 'ip:old', $1), ('sign_in', 'ip:new', $2)",
            t - 1,
            t + 600
        ))
        .await
        .unwrap();
        registration::start(&db, "Old Registration", "old@example.org", PASSWORD, None).await.unwrap();
        registration::start(&db, "New Registration", "new@example.org", PASSWORD, None).await.unwrap();
        db.execute(&sql!("UPDATE pending_registrations SET expires_at = $1 WHERE email_key = 'old@example.org'", t - 2 * 86_400))
            .await
            .unwrap();
        limits::prune(&db).await.unwrap();
        registration::prune(&db).await.unwrap();
        let keys: Vec<(String,)> = db.fetch_all(&sql!("SELECT limit_key FROM attempts ORDER BY id")).await.unwrap();
        let locks: Vec<(String,)> = db.fetch_all(&sql!("SELECT limit_key FROM lockouts")).await.unwrap();
        let pending: Vec<(String,)> = db.fetch_all(&sql!("SELECT email_key FROM pending_registrations")).await.unwrap();
        assert!(keys.contains(&("ip:new".into(),)) && !keys.contains(&("ip:old".into(),)), "{keys:?}");
        assert_eq!(locks, vec![("ip:new".to_string(),)]);
        assert_eq!(pending, vec![("new@example.org".to_string(),)]);
    }
}
