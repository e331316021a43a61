//! The account rules that must hold against whoever calls and however many call at once
//! (issue 11, findings 2, 3, 6 and 9), on SQLite and on PostgreSQL: another account's
//! members, invitations and contacts are never reached or named; adding by id reaches
//! only the people the type-ahead offers; the last administrator stays and Primary is
//! held once when two requests race; control characters and oversized lists in request
//! bodies are refused with a clear message (and never give a 500).

use crate::common;

use std::net::SocketAddr;
use std::sync::Arc;

use app::backend::access::AccountAdmin;
use app::backend::{contacts, invitations, members, roles, Db};
use app::error::AppError;
use app::model::{encode_component, BulkAction, MemberQuery, MembershipId, NewContact, RoleChange, Selection, Version};
use app::sql;
use common::http::{send, sign_in, Reply};
use common::personas::{ADMIN, MEMBER, NEWCOMER, OPERATOR, OUTSIDER, PARTNER, UNREGISTERED};
use serde_json::{json, Value};
use server::seed::{seed, SeedOptions};
use tokio::sync::Barrier;

const ADMIN_BIT: i64 = 1 << 1;
const PRIMARY: i64 = 1 << 6;

/// Rounds of each race: enough for two requests to meet in every way they can.
const ROUNDS: usize = 30;

fn roles(keys: &[&str]) -> RoleChange {
    RoleChange { roles: keys.iter().map(|k| k.to_string()).collect(), cloud: None }
}

async fn seeded(db: &Db) {
    let now = app::backend::now();
    seed(db, &SeedOptions { members: 60, seed: 17, now: now - now % 86_400 }).await.expect("seed");
}

async fn account_id(db: &Db, name: &str) -> i64 {
    db.scalar(&sql!("SELECT id FROM accounts WHERE name = $1", name)).await.unwrap()
}

async fn person_id(db: &Db, email: &str) -> i64 {
    db.scalar(&sql!("SELECT id FROM people WHERE email_key = $1", email)).await.unwrap()
}

/// The membership id of a person (by email) in an account.
async fn membership_of(db: &Db, account: i64, email: &str) -> i64 {
    db.scalar(&sql!(
        "SELECT m.id FROM memberships m JOIN people p ON p.id = m.person_id \
         WHERE m.account_id = $1 AND p.email_key = $2",
        account,
        email
    ))
    .await
    .unwrap()
}

async fn count(db: &Db, query: &str) -> i64 {
    db.scalar(&sql!(query)).await.unwrap()
}

/// (id, status, role_bits, version) of every membership of an account.
async fn memberships_of(db: &Db, account: i64) -> Vec<(i64, String, i64, i64)> {
    db.fetch_all(&sql!(
        "SELECT id, status, role_bits, version FROM memberships WHERE account_id = $1 ORDER BY id",
        account
    ))
    .await
    .unwrap()
}

/// How many rows the tables a refused request could have written to hold.
async fn table_sizes(db: &Db) -> Vec<(&'static str, i64)> {
    let mut sizes = Vec::new();
    for table in [
        "people",
        "memberships",
        "invitations",
        "organisations",
        "organisation_domains",
        "accounts",
        "account_projects",
        "cases",
        "outbox",
    ] {
        sizes.push((table, count(db, &format!("SELECT COUNT(*) FROM {table}")).await));
    }
    sizes
}

/// A seeded server under test, with Adam Admin (of Northwind Production) and the vendor
/// operator signed in.
struct Site {
    addr: SocketAddr,
    /// Northwind Production.
    account: i64,
    contoso: i64,
    admin: String,
    operator: String,
}

async fn serve(db: &Db) -> Site {
    seeded(db).await;
    let addr = common::serve_router(db, server::security::Site::default()).await;
    Site {
        addr,
        account: account_id(db, "Northwind Production").await,
        contoso: account_id(db, "Contoso Health Cloud").await,
        admin: sign_in(addr, ADMIN, None).await,
        operator: sign_in(addr, OPERATOR, None).await,
    }
}

impl Site {
    async fn json(&self, path: &str, body: &Value, cookie: &str) -> Reply {
        send(self.addr, &format!("JSON {path} {body}"), Some(cookie)).await
    }

    async fn form(&self, path: &str, fields: &[(&str, &str)], cookie: &str) -> Reply {
        send(self.addr, &form_call(path, fields), Some(cookie)).await
    }

    /// The ids of the people the Add new user type-ahead offers the admin for `text`.
    async fn suggested(&self, text: &str) -> Vec<i64> {
        let reply = self
            .form("/api/people/suggest", &[("account", &self.account.to_string()), ("text", text)], &self.admin)
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text());
        body(&reply).as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect()
    }
}

/// Asserts a refusal: `status`, with `message` in the body.
fn refused(reply: &Reply, status: u16, message: &str, what: &str) {
    assert_eq!(reply.status, status, "{what}: {}", reply.text());
    assert!(reply.text().contains(message), "{what}: expected {message:?} in {}", reply.text());
}

fn body(reply: &Reply) -> Value {
    serde_json::from_slice(&reply.body).unwrap_or_else(|_| panic!("a JSON body: {}", reply.text()))
}

/// The view of an account's members that `names` and `emails` filter.
fn query(account: i64, names: Vec<String>, emails: Vec<String>) -> Value {
    serde_json::to_value(MemberQuery { names, emails, ..MemberQuery::new(account) }).unwrap()
}

/// Active members of the account holding an administrator role.
async fn active_admins(db: &Db, account: i64) -> i64 {
    db.scalar(&sql!(
        "SELECT COUNT(*) FROM memberships WHERE account_id = $1 AND status = 'active' AND (role_bits & $2) <> 0",
        account,
        ADMIN_BIT
    ))
    .await
    .unwrap()
}

/// Members of the account holding Primary, and Primary's stored count.
async fn primaries(db: &Db, account: i64) -> (Vec<i64>, i64) {
    let holders: Vec<(i64,)> = db
        .fetch_all(&sql!(
            "SELECT id FROM memberships WHERE account_id = $1 AND (role_bits & $2) <> 0 ORDER BY id",
            account,
            PRIMARY
        ))
        .await
        .unwrap();
    let counted: i64 = db
        .scalar(&sql!(
            "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM role_counts \
             WHERE account_id = $1 AND role_key = 'primary'",
            account
        ))
        .await
        .unwrap();
    (holders.into_iter().map(|(id,)| id).collect(), counted)
}

/// A member's current roles without `drop`, plus `add`, keeping the cloud affiliation.
async fn changed_roles(db: &Db, admin: &AccountAdmin, membership: i64, drop: &str, add: &[&str]) -> (i64, RoleChange) {
    let d = members::write::details(db, admin, MembershipId(membership)).await.unwrap();
    let mut keys: Vec<String> =
        d.roles.iter().filter(|r| !r.is_default && r.key != drop).map(|r| r.key.clone()).collect();
    keys.extend(add.iter().map(|k| k.to_string()));
    (d.version, RoleChange { roles: keys, cloud: d.cloud })
}

/// Plain active registered members of the account (General Support only), in id order.
async fn plain_members(db: &Db, account: i64) -> Vec<i64> {
    let rows: Vec<(i64,)> = db
        .fetch_all(&sql!(
            "SELECT id FROM memberships WHERE account_id = $1 AND status = 'active' AND role_bits = 1 AND registered \
             ORDER BY id",
            account
        ))
        .await
        .unwrap();
    rows.into_iter().map(|(id,)| id).collect()
}

backend_tests! {
    async fn bulk_actions_count_other_accounts_members_without_naming_them(db) {
        let site = serve(&db).await;
        let foreign: Vec<(i64, String, String)> = db
            .fetch_all(&sql!(
                "SELECT id, name, email FROM memberships WHERE account_id = $1 ORDER BY id LIMIT 3",
                site.contoso
            ))
            .await
            .unwrap();
        assert_eq!(foreign.len(), 3);
        let ids: Vec<i64> = foreign.iter().map(|(id, _, _)| *id).collect();
        let contoso_before = memberships_of(&db, site.contoso).await;

        for action in [
            json!("Deactivate"),
            json!("Remove"),
            json!({ "AddRoles": ["billing_contact"] }),
            json!({ "RemoveRoles": ["account_admin"] }),
        ] {
            let call = json!({ "account": site.account, "selection": { "Members": ids }, "action": action });
            let reply = site.json("/api/members/bulk", &call, &site.admin).await;
            assert_eq!(reply.status, 200, "{action}: {}", reply.text());
            let r = body(&reply);
            assert_eq!(r["changed"], 0, "{action}: {r}");
            assert_eq!(r["refused"], json!([]), "{action}: another account's members are not named: {r}");
            assert_eq!(r["not_members"], 3, "{action}: {r}");
            for (_, name, email) in &foreign {
                assert!(!reply.text().contains(name.as_str()), "{action}: {name} is named in {}", reply.text());
                assert!(!reply.text().contains(email.as_str()), "{action}: {email} is named in {}", reply.text());
            }
        }

        // Mixed with a member of the account: she is changed, the others only counted,
        // and ids that never were members are counted the same way.
        let carla = membership_of(&db, site.account, MEMBER).await;
        let mut mixed = vec![ids[0], carla, ids[1], 0, -7, 999_999_999];
        mixed.sort_unstable();
        let call = json!({ "account": site.account, "selection": { "Members": mixed }, "action": "Deactivate" });
        let reply = site.json("/api/members/bulk", &call, &site.admin).await;
        assert_eq!(reply.status, 200, "{}", reply.text());
        let r = body(&reply);
        assert_eq!(
            (r["changed"].clone(), r["refused"].clone(), r["not_members"].clone()),
            (json!(1), json!([]), json!(5))
        );
        let status: String = db.scalar(&sql!("SELECT status FROM memberships WHERE id = $1", carla)).await.unwrap();
        assert_eq!(status, "inactive");

        assert_eq!(memberships_of(&db, site.contoso).await, contoso_before, "Contoso's members are as they were");
    }

    async fn add_by_id_reaches_only_the_people_the_type_ahead_offers(db) {
        let site = serve(&db).await;
        let (oscar, paula, uma, nina) = (
            person_id(&db, OUTSIDER).await,
            person_id(&db, PARTNER).await,
            person_id(&db, UNREGISTERED).await,
            person_id(&db, NEWCOMER).await,
        );
        let missing = count(&db, "SELECT MAX(id) FROM people").await + 1_000;
        let no_roles = json!({ "roles": [], "cloud": null });
        let add = |person: Value| json!({ "account": site.account, "person": person, "change": no_roles });
        let before = table_sizes(&db).await;

        // Registered people of other organisations, an unregistered person and an id that
        // is nobody's: one and the same answer, and nothing written or sent.
        let nobody = site.json("/api/members/add", &add(json!({ "Id": missing })), &site.admin).await;
        refused(&nobody, 400, members::write::NOT_REGISTERED, "a missing id");
        for (who, id) in [("Oscar Outsider", oscar), ("Paula Partner", paula), ("Uma Unregistered", uma)] {
            let reply = site.json("/api/members/add", &add(json!({ "Id": id })), &site.admin).await;
            assert_eq!((reply.status, reply.text()), (nobody.status, nobody.text()), "adding {who} by id");
        }
        assert_eq!(table_sizes(&db).await, before, "a refused add writes and sends nothing");
        let to_oscar = count(&db, &format!("SELECT COUNT(*) FROM outbox WHERE recipient = '{OUTSIDER}'")).await;
        assert_eq!(to_oscar, 0, "no welcome email for someone refused");

        // The type-ahead offers Nina (of Northwind's domain) and not Oscar; Nina is added
        // by her id, Oscar by his full email (SPEC F8).
        assert!(site.suggested("nina").await.contains(&nina));
        assert!(!site.suggested("oscar").await.contains(&oscar));
        let reply = site.json("/api/members/add", &add(json!({ "Id": nina })), &site.admin).await;
        assert_eq!(reply.status, 200, "{}", reply.text());
        let reply = site.json("/api/members/add", &add(json!({ "Email": OUTSIDER })), &site.admin).await;
        assert_eq!(reply.status, 200, "{}", reply.text());
        for email in [NEWCOMER, OUTSIDER] {
            let welcomes = count(&db, &format!("SELECT COUNT(*) FROM outbox WHERE recipient = '{email}'")).await;
            assert_eq!(welcomes, 1, "the welcome email to {email}");
        }
    }

    async fn another_accounts_invitations_and_contacts_are_neither_reached_nor_named(db) {
        let site = serve(&db).await;
        let contoso_admin_email: String = db
            .scalar(&sql!(
                "SELECT p.email_key FROM memberships m JOIN people p ON p.id = m.person_id \
                 WHERE m.account_id = $1 AND status = 'active' AND (m.role_bits & $2) <> 0 ORDER BY m.id LIMIT 1",
                site.contoso,
                ADMIN_BIT
            ))
            .await
            .unwrap();
        let contoso_admin = common::admin_of(&db, &contoso_admin_email, site.contoso).await;
        invitations::invite(
            &db,
            &contoso_admin,
            "Ines Invitee",
            "ines.invitee@contoso.example",
            &RoleChange::default(),
        )
        .await
        .unwrap();
        let invitation: i64 = db
            .scalar(&sql!("SELECT id FROM invitations WHERE email = $1", "ines.invitee@contoso.example"))
            .await
            .unwrap();
        let cody = NewContact {
            first_name: "Cody".into(),
            last_name: "Contoso".into(),
            email: "cody.contoso@contoso.example".into(),
        };
        let (contact, _) = contacts::create(&db, &contoso_admin, &cody, &RoleChange::default()).await.unwrap();
        let invitations_before: Vec<(i64, Option<i64>, i64, String)> = db
            .fetch_all(&sql!("SELECT id, revoked_at, expires_at, token_hash FROM invitations ORDER BY id"))
            .await
            .unwrap();
        let before = table_sizes(&db).await;

        // Through Northwind Production: answered as for ids that do not exist.
        let account = site.account.to_string();
        for (path, field, id) in [
            ("/api/invitations/resend", "invitation", invitation),
            ("/api/invitations/revoke", "invitation", invitation),
            ("/api/invitations/member", "membership", contact),
        ] {
            let reply = site.form(path, &[("account", &account), (field, &id.to_string())], &site.admin).await;
            let nobody = site.form(path, &[("account", &account), (field, "0")], &site.admin).await;
            assert_eq!(reply.status, 404, "{path}: {}", reply.text());
            assert_eq!(reply.text(), nobody.text(), "{path}: the same answer as for no such id");
            for secret in ["Ines", "ines.invitee", "Cody", "cody.contoso"] {
                assert!(!reply.text().contains(secret), "{path} names {secret}: {}", reply.text());
            }
        }
        let invitations_after: Vec<(i64, Option<i64>, i64, String)> = db
            .fetch_all(&sql!("SELECT id, revoked_at, expires_at, token_hash FROM invitations ORDER BY id"))
            .await
            .unwrap();
        assert_eq!(invitations_after, invitations_before, "no invitation was sent again or revoked");
        assert_eq!(table_sizes(&db).await, before);

        // New Contact with an email that is someone else's: not said whose.
        let new_contact = |email: &str| {
            json!({
                "account": site.account,
                "contact": { "first_name": "Pat", "last_name": "Twin", "email": email },
                "change": { "roles": [], "cloud": null }
            })
        };
        for (email, secrets) in
            [("cody.contoso@contoso.example", ["Cody", "Contoso Health"]), (PARTNER, ["Paula", "Initech"])]
        {
            let reply = site.json("/api/contacts/new", &new_contact(email), &site.admin).await;
            refused(&reply, 409, "belongs to someone outside Northwind Traders", email);
            for secret in secrets {
                assert!(!reply.text().contains(secret), "{email}: {secret} is named in {}", reply.text());
            }
        }
        // A contact of another account of the same organisation is not named either:
        // accounts are kept apart inside a company too.
        let on_prem = account_id(&db, "Northwind On-Premises").await;
        let adam_on_prem = common::admin_of(&db, ADMIN, on_prem).await;
        let quinn = NewContact {
            first_name: "Quentin".into(),
            last_name: "Onprem".into(),
            email: "quentin.onprem@northwind.example".into(),
        };
        contacts::create(&db, &adam_on_prem, &quinn, &RoleChange::default()).await.unwrap();
        let reply = site.json("/api/contacts/new", &new_contact("quentin.onprem@northwind.example"), &site.admin).await;
        refused(&reply, 409, "Northwind Traders already has a contact with the email", "a sibling account's contact");
        assert!(!reply.text().contains("Quentin"), "{}", reply.text());

        // An invitation to be Primary, accepted after Primary went to someone else: the
        // invitee, not a member, is not told who holds it.
        let adam = common::admin_of(&db, ADMIN, site.account).await;
        let adam_m = membership_of(&db, site.account, ADMIN).await;
        let (v, without) = changed_roles(&db, &adam, adam_m, "primary", &[]).await;
        members::write::update(&db, &adam, MembershipId(adam_m), Version(v), &without).await.unwrap();
        invitations::invite(&db, &adam, "Ian Invitee", "ian.invitee@example.com", &roles(&["primary"])).await.unwrap();
        let (v, with) = changed_roles(&db, &adam, adam_m, "", &["primary"]).await;
        members::write::update(&db, &adam, MembershipId(adam_m), Version(v), &with).await.unwrap();
        let text: String = db
            .scalar(&sql!(
                "SELECT body_text FROM outbox WHERE recipient = $1 ORDER BY id DESC LIMIT 1",
                "ian.invitee@example.com"
            ))
            .await
            .unwrap();
        let at = text.find("/invitations/").expect("an invitation link") + "/invitations/".len();
        let token = text[at..].split_whitespace().next().unwrap();
        let members = count(&db, "SELECT COUNT(*) FROM memberships").await;
        let accepted = invitations::accept(&db, token, "Ian Invitee", "a long enough password", None).await;
        assert_eq!(accepted, Err(AppError::Conflict(members::write::INVITED_ROLE_TAKEN.into())));
        assert_eq!(count(&db, "SELECT COUNT(*) FROM memberships").await, members);
        assert_eq!(primaries(&db, site.account).await, (vec![adam_m], 1));
    }

    async fn two_administrators_taking_each_other_away_at_once_leave_one(db) {
        seeded(&db).await;
        let account = account_id(&db, "Northwind Production").await;
        let adam = common::admin_of(&db, ADMIN, account).await;
        let operator = common::admin_of(&db, OPERATOR, account).await;
        let adam_m = membership_of(&db, account, ADMIN).await;
        // Xavier: a plain member made the only other administrator.
        let xavier_m = plain_members(&db, account).await[0];
        let xavier_email: String =
            db.scalar(&sql!("SELECT email_key FROM memberships WHERE id = $1", xavier_m)).await.unwrap();
        let (v, change) = changed_roles(&db, &adam, xavier_m, "", &["account_admin"]).await;
        members::write::update(&db, &adam, MembershipId(xavier_m), Version(v), &change).await.unwrap();
        let others: Vec<(i64,)> = db
            .fetch_all(&sql!(
                "SELECT id FROM memberships WHERE account_id = $1 AND (role_bits & $2) <> 0 AND id NOT IN ($3, $4)",
                account,
                ADMIN_BIT,
                adam_m,
                xavier_m
            ))
            .await
            .unwrap();
        for (id,) in others {
            let (v, change) = changed_roles(&db, &adam, id, "account_admin", &[]).await;
            members::write::update(&db, &adam, MembershipId(id), Version(v), &change).await.unwrap();
        }
        assert_eq!(active_admins(&db, account).await, 2);

        for round in 0..ROUNDS {
            // Both are administrators as the round starts, as each request found when it
            // was let in.
            let xavier = common::admin_of(&db, &xavier_email, account).await;
            let demote = round % 2 == 1;
            let (adam_v, adam_keeps) = changed_roles(&db, &adam, adam_m, "account_admin", &[]).await;
            let (xavier_v, xavier_keeps) = changed_roles(&db, &adam, xavier_m, "account_admin", &[]).await;
            let barrier = Arc::new(Barrier::new(2));
            let take_away = |by: AccountAdmin, target: i64, version: i64, keeps: RoleChange| {
                let (db, barrier) = (db.clone(), barrier.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    if demote {
                        members::write::update(&db, &by, MembershipId(target), Version(version), &keeps).await
                    } else {
                        members::write::set_active(&db, &by, MembershipId(target), false).await.map(|_| ())
                    }
                })
            };
            let one = take_away(adam.clone(), xavier_m, xavier_v, xavier_keeps);
            let other = take_away(xavier, adam_m, adam_v, adam_keeps);
            let results = [one.await.unwrap(), other.await.unwrap()];
            for r in &results {
                let by_the_rule = match r {
                    Ok(()) => true,
                    Err(AppError::Conflict(m)) => m.contains("last Account Administrator"),
                    Err(_) => false,
                };
                assert!(by_the_rule, "round {round}: {r:?} (each request is answered by the rule, not by an error)");
            }
            assert_eq!(active_admins(&db, account).await, 1, "round {round}: {results:?}");
            assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "round {round}: {results:?}");

            // The operator makes both administrators again for the next round.
            for m in [adam_m, xavier_m] {
                let d = members::write::details(&db, &operator, MembershipId(m)).await.unwrap();
                if !d.active_login {
                    members::write::set_active(&db, &operator, MembershipId(m), true).await.unwrap();
                }
                if !d.has_role("account_admin") {
                    let (v, change) = changed_roles(&db, &operator, m, "", &["account_admin"]).await;
                    members::write::update(&db, &operator, MembershipId(m), Version(v), &change).await.unwrap();
                }
            }
            assert_eq!(active_admins(&db, account).await, 2);
        }
        let counted: i64 = db
            .scalar(&sql!(
                "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM role_counts WHERE account_id = $1 \
                 AND role_key = 'account_admin' AND status = 'active'",
                account
            ))
            .await
            .unwrap();
        assert_eq!(counted, 2, "the stored counts kept in step");
    }

    async fn two_grants_of_primary_at_once_give_it_to_one_member(db) {
        seeded(&db).await;
        let account = account_id(&db, "Northwind Production").await;
        let adam = common::admin_of(&db, ADMIN, account).await;
        let adam_m = membership_of(&db, account, ADMIN).await;
        let (v, change) = changed_roles(&db, &adam, adam_m, "primary", &[]).await;
        members::write::update(&db, &adam, MembershipId(adam_m), Version(v), &change).await.unwrap();
        assert_eq!(primaries(&db, account).await, (vec![], 0));
        let plain = plain_members(&db, account).await;
        let (p, q) = (plain[0], plain[1]);

        for round in 0..ROUNDS {
            let (p_v, _) = changed_roles(&db, &adam, p, "", &[]).await;
            let (q_v, _) = changed_roles(&db, &adam, q, "", &[]).await;
            let barrier = Arc::new(Barrier::new(2));
            // Each grant answers Ok(true) when it gave Primary, Ok(false) when it was
            // refused by the rule; anything else is an error of the test.
            let grant = |way: usize, target: i64, version: i64| {
                let contact_email = format!("racing.contact.{round}@northwind.example");
                let (db, barrier, adam) = (db.clone(), barrier.clone(), adam.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    let unique = |e: AppError| match e {
                        AppError::Conflict(m) if m.contains("Only one member may hold the role Primary") => Ok(false),
                        e => Err(e),
                    };
                    match way {
                        0 => members::write::update(&db, &adam, MembershipId(target), Version(version), &roles(&["primary"]))
                            .await
                            .map(|_| true)
                            .or_else(unique),
                        1 => {
                            let selection = Selection::Members(vec![target]);
                            let action = BulkAction::AddRoles(vec!["primary".into()]);
                            members::write::bulk(&db, &adam, &selection, &action).await.map(|r| {
                                assert!(r.refused.iter().all(|(_, why)| why.contains("Only one member")), "{r:?}");
                                r.changed == 1
                            })
                        }
                        _ => {
                            let contact = NewContact {
                                first_name: "Racing".into(),
                                last_name: "Contact".into(),
                                email: contact_email,
                            };
                            contacts::create(&db, &adam, &contact, &roles(&["primary"]))
                                .await
                                .map(|_| true)
                                .or_else(unique)
                        }
                    }
                })
            };
            // Update against update, bulk against update, New Contact against update.
            let one = grant(round % 3, p, p_v);
            let other = grant(0, q, q_v);
            let results = [one.await.unwrap(), other.await.unwrap()];
            assert!(results.iter().all(Result::is_ok), "round {round}: {results:?}");
            let (holders, counted) = primaries(&db, account).await;
            assert_eq!((holders.len(), counted), (1, 1), "round {round}: {results:?}");
            assert_eq!(results.iter().filter(|r| matches!(r, Ok(true))).count(), 1, "round {round}: {results:?}");

            // Primary is free again for the next round.
            let (v, change) = changed_roles(&db, &adam, holders[0], "primary", &[]).await;
            members::write::update(&db, &adam, MembershipId(holders[0]), Version(v), &change).await.unwrap();
        }
    }

    async fn the_database_holds_a_unique_role_once_per_account(db) {
        seeded(&db).await;
        let account = account_id(&db, "Northwind Production").await;
        let adam_m = membership_of(&db, account, ADMIN).await;
        let other = plain_members(&db, account).await[0];
        assert_eq!(primaries(&db, account).await.0, vec![adam_m]);

        // A write that skips the server's check is refused by the database itself, with
        // the rule's message.
        let second =
            db.execute(&sql!("UPDATE memberships SET role_bits = role_bits | $1 WHERE id = $2", PRIMARY, other)).await;
        assert_eq!(second, Err(AppError::Conflict(roles::UNIQUE_ROLE_HELD.into())));
        assert_eq!(primaries(&db, account).await.0, vec![adam_m]);

        // The start-up check finds every unique role of the catalogue indexed, and
        // notices one that is not.
        assert_eq!(roles::check_unique_roles_indexed(&db).await, Ok(()));
        db.execute(&sql!("UPDATE roles SET unique_per_account = $1 WHERE key = 'billing_contact'", true))
            .await
            .unwrap();
        let why = roles::check_unique_roles_indexed(&db).await.unwrap_err();
        assert!(why.contains("billing_contact"), "{why}");
        db.execute(&sql!("UPDATE roles SET unique_per_account = $1 WHERE key = 'billing_contact'", false))
            .await
            .unwrap();

        // Migration 0008 on a database where two members hold Primary (as a race could
        // leave it before): the earlier holder keeps it, the other loses it, audited,
        // with the counts in step.
        let migration = match &db {
            Db::Sqlite(..) => include_str!("../migrations/sqlite/0008_one_unique_role_holder.sql"),
            Db::Postgres(..) => include_str!("../migrations/postgres/0008_one_unique_role_holder.sql"),
        };
        db.execute(&sql!("DROP INDEX memberships_one_primary")).await.unwrap();
        db.execute(&sql!(
            "UPDATE memberships SET role_bits = role_bits | $1, additional_roles = additional_roles + 1 WHERE id = $2",
            PRIMARY,
            other
        ))
        .await
        .unwrap();
        db.execute(&sql!(
            "UPDATE role_counts SET n = n + 1 WHERE account_id = $1 AND status = 'active' AND role_key = 'primary'",
            account
        ))
        .await
        .unwrap();
        assert_eq!(primaries(&db, account).await, (vec![adam_m.min(other), adam_m.max(other)], 2));
        match &db {
            Db::Sqlite(pool, _) => sqlx::raw_sql(migration).execute(pool).await.map(|_| ()),
            Db::Postgres(pool, _) => sqlx::raw_sql(migration).execute(pool).await.map(|_| ()),
        }
        .expect("migration 0008 runs");
        let keeper = adam_m.min(other);
        let loser = adam_m.max(other);
        assert_eq!(primaries(&db, account).await, (vec![keeper], 1));
        let (bits, additional): (i64, i64) = db
            .fetch_optional(&sql!("SELECT role_bits, additional_roles FROM memberships WHERE id = $1", loser))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(additional, i64::from((bits & !1).count_ones()));
        let audited = count(
            &db,
            &format!(
                "SELECT COUNT(*) FROM audit_log a JOIN memberships m ON m.person_id = a.subject_person_id \
                 AND m.account_id = a.account_id WHERE m.id = {loser} AND a.action = 'member.roles_changed' \
                 AND a.after LIKE 'Primary taken away%'"
            ),
        )
        .await;
        assert_eq!(audited, 1);
        assert_eq!(roles::check_unique_roles_indexed(&db).await, Ok(()));
    }

    async fn control_characters_and_nul_are_refused_with_a_message(db) {
        let site = serve(&db).await;
        let visible = "Use visible characters only";
        let before = table_sizes(&db).await;
        let account = site.account.to_string();
        let no_roles = json!({ "roles": [], "cloud": null });

        // Emails to add, names and emails of new contacts and invitations.
        for email in ["nina.newcomer\u{0}@northwind.example", "nina\u{202E}moc.elpmaxe@northwind.example"] {
            let call = json!({ "account": site.account, "person": { "Email": email }, "change": no_roles });
            refused(&site.json("/api/members/add", &call, &site.admin).await, 400, visible, "add by email");
        }
        for (first, last, email, field) in [
            ("Eve\u{202E}", "Lee", "eve.lee@northwind.example", "Check the first name."),
            ("Eve", "Nul\u{0}", "eve.lee@northwind.example", "Check the last name."),
            ("Eve", "Lee\u{7}", "eve.lee@northwind.example", "Check the last name."),
            ("Eve", "Lee", "eve.lee\u{2066}@northwind.example", "Enter a full primary email address"),
            ("Eve", "Lee", "eve.lee@northwind.example\u{0}", "Enter a full primary email address"),
        ] {
            let call = json!({
                "account": site.account,
                "contact": { "first_name": first, "last_name": last, "email": email },
                "change": no_roles
            });
            let reply = site.json("/api/contacts/new", &call, &site.admin).await;
            refused(&reply, 400, field, "new contact");
            refused(&reply, 400, visible, "new contact");
        }
        for (name, email, message) in [
            ("Ned\u{7}Bell", "ned.bell@northwind.example", visible),
            ("Ned\u{0}", "ned.bell@northwind.example", visible),
            ("Ned Bell", "ned.bell\u{200F}@northwind.example", "Enter a full email address"),
            ("Ned Bell", "ned.bell@northwind.example\u{0}", "Enter a full email address"),
        ] {
            let call = json!({ "account": site.account, "name": name, "email": email, "change": no_roles });
            refused(&site.json("/api/invitations/new", &call, &site.admin).await, 400, message, "invitation");
        }

        // Registration, the console, raising a case.
        let register = [
            ("name", "Mallory\u{202E}llams"),
            ("email", "mallory@example.com"),
            ("password", "a long enough password"),
        ];
        refused(&send(site.addr, &form_call("/api/register", &register), None).await, 400, visible, "register");
        let register =
            [("name", "Mallory"), ("email", "mal\u{0}lory@example.com"), ("password", "a long enough password")];
        assert_eq!(send(site.addr, &form_call("/api/register", &register), None).await.status, 400, "register");
        for fields in [
            vec![("name", "Evil\u{0}Corp"), ("kind", "customer"), ("domains", "evil.example")],
            vec![("name", "Evil\u{202E}Corp"), ("kind", "customer"), ("domains", "evil.example")],
            vec![("name", "Evil Corp"), ("kind", "customer"), ("domains", "evil\u{202E}.example")],
        ] {
            refused(
                &site.form("/api/console/organisations/new", &fields, &site.operator).await,
                400,
                visible,
                "organisation",
            );
        }
        let org = count(&db, "SELECT MIN(id) FROM organisations WHERE kind = 'customer'").await.to_string();
        for (name, org_id, projects) in
            [("Evil\u{2067}", "EVIL-1", ""), ("Evil", "EVIL\u{0}1", ""), ("Evil", "EVIL-1", "alpha, be\u{0}ta")]
        {
            let fields = [
                ("organisation", org.as_str()),
                ("name", name),
                ("org_id", org_id),
                ("kind", "cloud"),
                ("projects", projects),
            ];
            let reply = site.form("/api/console/accounts", &fields, &site.operator).await;
            assert_eq!(reply.status, 400, "account {name:?} {org_id:?} {projects:?}: {}", reply.text());
        }
        let fields =
            [("account", account.as_str()), ("email", "nina.newcomer@northwind.example\u{0}"), ("grant", "grant")];
        refused(&site.form("/api/console/admins", &fields, &site.operator).await, 400, visible, "grant by email");
        let carla = sign_in(site.addr, MEMBER, None).await;
        for title in ["Printer\u{0} on fire", "Printer \u{202E}erif no"] {
            let fields = [("account", account.as_str()), ("title", title)];
            refused(&site.form("/api/cases/raise", &fields, &carla).await, 400, visible, "case title");
        }
        assert_eq!(table_sizes(&db).await, before, "nothing refused was stored or sent");

        // Where text is only looked up, NUL never reaches the database: refused as bad
        // input (PostgreSQL would fail the query, a 500), never a server error.
        let nul_email = "adam\u{0}@northwind.example";
        let view = query(site.account, vec![], vec![]);
        let nul_filter = query(site.account, vec!["Carla\u{0}".into()], vec![]);
        let nul_lookups = [
            send(site.addr, &form_call("/api/sign_in", &[("email", nul_email), ("password", "x")]), None).await,
            send(site.addr, &form_call("/api/password/forgot", &[("email", nul_email)]), None).await,
            site.form("/api/mail", &[("to", nul_email)], &site.operator).await,
            site.json("/api/members", &json!({ "query": nul_filter }), &site.admin).await,
            site.json(
                "/api/members/values",
                &json!({ "query": view, "column": "Name", "text": "", "after": "a\u{0}" }),
                &site.admin,
            )
            .await,
            send(site.addr, &format!("GET /accounts/{}/users/export.csv?role=%00", site.account), Some(&site.admin))
                .await,
        ];
        for reply in &nul_lookups {
            assert!((400..500).contains(&reply.status), "{} {}", reply.status, reply.text());
        }
        refused(&nul_lookups[3], 400, app::backend::db::NUL_REFUSED, "a NUL in a filter value");

        // Search Text and the type-ahead drop hidden characters instead.
        let mut q = query(site.account, vec![], vec![]);
        q["search"] = json!("car\u{0}la\u{202E} \u{2066}contact");
        let reply = site.json("/api/members", &json!({ "query": q }), &site.admin).await;
        assert_eq!(reply.status, 200, "{}", reply.text());
        let names: Vec<String> =
            body(&reply)["rows"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap().to_string()).collect();
        assert_eq!(names, vec!["Carla Contact".to_string()]);
        let reply = site
            .form("/api/people/suggest", &[("account", &account), ("text", "ni\u{0}na\u{200E}")], &site.admin)
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text());
        let emails: Vec<Value> = body(&reply).as_array().unwrap().iter().map(|p| p["email"].clone()).collect();
        assert!(emails.contains(&json!(NEWCOMER)), "{emails:?}");
        // Exports read the view from the link, where a filter value with NUL is dropped.
        let reply = send(
            site.addr,
            &format!("GET /accounts/{}/users/export.csv?name=%00&q=car%00la", site.account),
            Some(&site.admin),
        )
        .await;
        assert_eq!(reply.status, 200, "{}", reply.text());
    }

    async fn oversized_lists_in_request_bodies_are_refused(db) {
        let site = serve(&db).await;
        let before = table_sizes(&db).await;
        let account_before = memberships_of(&db, site.account).await;
        let many = |n: usize, f: &dyn Fn(usize) -> String| (0..n).map(f).collect::<Vec<String>>();
        let names = many(101, &|i| format!("Name {i}"));
        let emails = many(101, &|i| format!("person{i}@northwind.example"));
        let name_cap = "The Name filter may hold at most 100 names.";
        let email_cap = "The Email filter may hold at most 100 email addresses.";

        // A hundred values are fine, as in a link.
        let hundred = json!({ "query": query(site.account, names[..100].to_vec(), emails[..100].to_vec()) });
        assert_eq!(site.json("/api/members", &hundred, &site.admin).await.status, 200);
        for (q, cap) in [
            (query(site.account, names.clone(), vec![]), name_cap),
            (query(site.account, vec![], emails.clone()), email_cap),
        ] {
            refused(&site.json("/api/members", &json!({ "query": q }), &site.admin).await, 400, cap, "members");
            let values = json!({ "query": q, "column": "Email", "text": "", "after": null });
            refused(&site.json("/api/members/values", &values, &site.admin).await, 400, cap, "values");
            let bulk = json!({ "account": site.account, "selection": { "AllMatching": q }, "action": "Deactivate" });
            refused(&site.json("/api/members/bulk", &bulk, &site.admin).await, 400, cap, "bulk over a view");
        }

        // Bulk selections, role lists, cloud projects.
        let carla = membership_of(&db, site.account, MEMBER).await;
        let ids: Vec<i64> = (0..1_001).map(|i| carla + i).collect();
        let bulk = json!({ "account": site.account, "selection": { "Members": ids }, "action": "Deactivate" });
        refused(
            &site.json("/api/members/bulk", &bulk, &site.admin).await,
            400,
            "Select at most 1,000 users",
            "bulk ids",
        );
        let keys = many(64, &|_| "billing_contact".to_string());
        let bulk =
            json!({ "account": site.account, "selection": { "Members": [carla] }, "action": { "AddRoles": keys } });
        refused(
            &site.json("/api/members/bulk", &bulk, &site.admin).await,
            400,
            "Choose at most 63 roles.",
            "bulk roles",
        );
        let change = json!({ "roles": keys, "cloud": null });
        let add = json!({ "account": site.account, "person": { "Email": NEWCOMER }, "change": change });
        refused(&site.json("/api/members/add", &add, &site.admin).await, 400, "Choose at most 63 roles.", "add roles");
        let projects: Vec<i64> = (1..=1_001).collect();
        let add = json!({
            "account": site.account,
            "person": { "Email": NEWCOMER },
            "change": {
                "roles": ["cloud_specialist"],
                "cloud": { "all_projects": false, "projects": projects, "environment": "All" }
            }
        });
        refused(
            &site.json("/api/members/add", &add, &site.admin).await,
            400,
            "Choose at most 1,000 projects",
            "projects",
        );

        // The console's lists.
        let domains = many(51, &|i| format!("d{i}.example")).join(", ");
        let fields = [("name", "Many Domains"), ("kind", "customer"), ("domains", domains.as_str())];
        refused(
            &site.form("/api/console/organisations/new", &fields, &site.operator).await,
            400,
            "at most 50 email domains",
            "domains",
        );
        let projects = many(101, &|i| format!("p{i}")).join(", ");
        let org = count(&db, "SELECT MIN(id) FROM organisations WHERE kind = 'customer'").await.to_string();
        let fields = [
            ("organisation", org.as_str()),
            ("name", "Many Projects"),
            ("org_id", "MANY-1"),
            ("kind", "cloud"),
            ("projects", projects.as_str()),
        ];
        refused(
            &site.form("/api/console/accounts", &fields, &site.operator).await,
            400,
            "at most 100 projects",
            "projects",
        );

        assert_eq!(table_sizes(&db).await, before, "nothing refused was stored or sent");
        assert_eq!(memberships_of(&db, site.account).await, account_before);
    }
}

/// `FORM path a=…&b=…` with the values percent-encoded.
fn form_call(path: &str, fields: &[(&str, &str)]) -> String {
    let body: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={}", encode_component(v))).collect();
    format!("FORM {path} {}", body.join("&"))
}
