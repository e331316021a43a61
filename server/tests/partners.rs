//! Partners (issue 13, SPEC F21) on SQLite and PostgreSQL: a partner member's "My
//! deployments" (search, sort, keyset paging, their own access on each), who may list
//! them, and the vendor operators' record of support, whose end removes the partner's
//! people from the deployment with the F11 cascade in one transaction.

use crate::common;

use app::backend::access::{supported_elsewhere, Actor, NO_ACCESS};
use app::backend::{accounts, contacts, members, partners, people, Db};
use app::error::AppError;
use app::model::{
    AccountId, DeploymentQuery, DeploymentSort, ListParams, NewContact, PageCursor, PersonRef, RoleChange, SortDir,
};
use app::sql;
use common::personas::{ADMIN, MEMBER, OPERATOR, PARTNER};
use server::seed::{seed, SeedOptions};

async fn seeded(db: &Db) {
    let now = app::backend::now();
    seed(db, &SeedOptions { members: 40, seed: 9, now: now - now % 86_400 }).await.expect("seed");
}

fn query(
    search: &str,
    sort: DeploymentSort,
    dir: SortDir,
    page_size: u32,
    cursor: Option<PageCursor>,
) -> DeploymentQuery {
    DeploymentQuery { list: ListParams { search: search.into(), sort, dir, page_size, cursor } }
}

async fn as_partner(db: &Db, email: &str) -> app::backend::access::PartnerMember {
    Actor::by_email(db, email).await.unwrap().partner_member(db).await.unwrap()
}

/// A role change naming one ordinary role.
fn one_role() -> RoleChange {
    RoleChange { roles: vec!["billing_contact".into()], cloud: None }
}

async fn partner_id(db: &Db) -> i64 {
    db.scalar::<i64>(&sql!("SELECT id FROM organisations WHERE name = 'Initech Partners'")).await.unwrap()
}

/// Memberships of Initech's people on an account.
async fn partner_members(db: &Db, account: i64) -> i64 {
    db.scalar::<i64>(&sql!(
        "SELECT COUNT(*) FROM memberships m JOIN people p ON p.id = m.person_id \
         JOIN organisations o ON o.id = p.organisation_id WHERE m.account_id = $1 AND o.kind = 'partner'",
        account
    ))
    .await
    .unwrap()
}

backend_tests! {
    async fn a_deployment_page_lists_the_partners_contacts_and_approvers(db) {
        seeded(&db).await;
        let paula = as_partner(&db, PARTNER).await;
        let on_prem = common::account_named(&db, "Northwind Field Sites").await;
        let d = partners::deployment(&db, &paula, AccountId(on_prem)).await.unwrap();
        assert_eq!((d.customer.as_str(), d.org_id.as_str(), d.member), ("Northwind Traders", "NW-1003", true));
        let paula_row = d.contacts.iter().find(|c| c.email == PARTNER).expect("Paula is a contact there");
        assert_eq!((paula_row.level.as_str(), paula_row.active), ("Technical support", true));
        // Only the partner's people are listed, not the customer's own.
        let customers_own: Vec<(String,)> = db
            .fetch_all(&sql!(
                "SELECT p.email FROM memberships m JOIN people p ON p.id = m.person_id \
                 JOIN organisations o ON o.id = p.organisation_id WHERE m.account_id = $1 AND o.kind = 'customer'",
                on_prem
            ))
            .await
            .unwrap();
        assert!(!customers_own.is_empty(), "the customer has people of its own there");
        assert!(d.contacts.iter().all(|c| !customers_own.iter().any(|(e,)| e == &c.email)), "{:?}", d.contacts);
        assert_eq!(d.approvers, vec![("Alex Approver".into(), "alex.approver@initech.example".into(), true)]);
        let govcloud = common::account_named(&db, "Globex GovCloud").await;
        let g = partners::deployment(&db, &paula, AccountId(govcloud)).await.unwrap();
        assert!(!g.member);
        let names: Vec<&str> = g.approvers.iter().map(|a| a.0.as_str()).collect();
        assert_eq!(names, ["Alex Approver", "Pete Approver"]);
        // A deployment the partner does not support is not found, like one that does not exist.
        let production = common::account_named(&db, "Northwind Production").await;
        for account in [production, 999_999] {
            let refused = partners::deployment(&db, &paula, AccountId(account)).await.unwrap_err();
            assert!(matches!(&refused, AppError::NotFound(m) if m == "Initech Partners does not support that deployment."), "{refused:?}");
        }
    }

    async fn a_partner_member_lists_the_deployments_of_their_partner(db) {
        seeded(&db).await;
        let paula = as_partner(&db, PARTNER).await;
        let all = partners::deployments(&db, &paula, &DeploymentQuery::default()).await.unwrap();
        assert_eq!(all.partner, "Initech Partners");
        assert_eq!(all.total, 4);
        let shown: Vec<(String, String, Option<String>)> =
            all.page.rows.iter().map(|r| (r.customer.clone(), r.org_id.clone(), r.access.clone())).collect();
        assert_eq!(
            shown,
            vec![
                ("Contoso Health".into(), "CH-2002".into(), Some("Case handling".into())),
                ("Globex Public Sector".into(), "GX-3001".into(), None),
                ("Globex Public Sector".into(), "GX-3002".into(), None),
                ("Northwind Traders".into(), "NW-1003".into(), Some("Technical support".into())),
            ]
        );
        assert!(all.page.rows.iter().all(|r| r.member == r.access.is_some()));

        // Search Text over customer, deployment name and Org ID.
        let globex = partners::deployments(&db, &paula, &query("globex", DeploymentSort::Name, SortDir::Asc, 25, None))
            .await
            .unwrap();
        let names: Vec<&str> = globex.page.rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["Globex GovCloud", "Globex Records"]);
        let by_id = partners::deployments(&db, &paula, &query("nw-10", DeploymentSort::Customer, SortDir::Asc, 25, None))
            .await
            .unwrap();
        assert_eq!(by_id.page.rows.len(), 1);
        assert_eq!(by_id.page.rows[0].name, "Northwind Field Sites");
        // Nothing of a deployment the partner does not support.
        let other = partners::deployments(&db, &paula, &query("NW-1001", DeploymentSort::Customer, SortDir::Asc, 25, None))
            .await
            .unwrap();
        assert!(other.page.rows.is_empty());

        // Keyset pages of two, both ways, by "Your support access" descending.
        let first = partners::deployments(&db, &paula, &query("", DeploymentSort::Access, SortDir::Desc, 2, None))
            .await
            .unwrap()
            .page;
        let access: Vec<Option<String>> = first.rows.iter().map(|r| r.access.clone()).collect();
        assert_eq!(access, [Some("Technical support".to_string()), Some("Case handling".to_string())]);
        let next = first.next.clone().expect("a second page");
        let second = partners::deployments(
            &db,
            &paula,
            &query("", DeploymentSort::Access, SortDir::Desc, 2, Some(PageCursor::After(next))),
        )
        .await
        .unwrap()
        .page;
        assert_eq!(second.rows.len(), 2);
        assert!(second.rows.iter().all(|r| r.access.is_none()));
        assert!(second.next.is_none());
        let back = partners::deployments(
            &db,
            &paula,
            &query("", DeploymentSort::Access, SortDir::Desc, 2, Some(PageCursor::Before(second.prev.clone().unwrap()))),
        )
        .await
        .unwrap()
        .page;
        assert_eq!(back.rows, first.rows);
    }

    async fn only_a_partners_people_have_deployments(db) {
        seeded(&db).await;
        for email in [ADMIN, OPERATOR] {
            let refused = Actor::by_email(&db, email).await.unwrap().partner_member(&db).await;
            assert_eq!(refused.err(), Some(AppError::Forbidden(NO_ACCESS.into())), "{email}");
        }
    }

    async fn ending_support_removes_the_partners_people_from_the_deployment(db) {
        seeded(&db).await;
        let operator = common::operator(&db).await;
        let partner = partner_id(&db).await;
        let on_prem = common::account_named(&db, "Northwind Field Sites").await;
        let members_before = db
            .scalar::<i64>(&sql!("SELECT COUNT(*) FROM memberships WHERE account_id = $1", on_prem))
            .await
            .unwrap();
        let theirs = partner_members(&db, on_prem).await;
        assert!(theirs >= 2, "Paula and colleagues work on it");

        let said = partners::end_support(&db, &operator, partner, AccountId(on_prem)).await.unwrap();
        assert_eq!(
            said,
            format!(
                "Initech Partners no longer supports Northwind Field Sites; its {theirs} members there were removed. \
                 The customer's own members have portal access again."
            )
        );
        assert_eq!(partner_members(&db, on_prem).await, 0);
        let members_after = db
            .scalar::<i64>(&sql!("SELECT COUNT(*) FROM memberships WHERE account_id = $1", on_prem))
            .await
            .unwrap();
        assert_eq!(members_after, members_before - theirs, "the customer's own people stay");
        // The F11 cascade: none of them is on a case of the account any more, and every
        // member's "Cases owned" agrees with the open cases.
        let left = db
            .scalar::<i64>(&sql!(
                "SELECT COUNT(*) FROM case_followers f JOIN cases c ON c.id = f.case_id JOIN people p ON p.id = f.person_id \
                 WHERE c.account_id = $1 AND p.organisation_id = $2",
                on_prem,
                partner
            ))
            .await
            .unwrap();
        assert_eq!(left, 0);
        let wrong = db
            .scalar::<i64>(&sql!(
                "SELECT COUNT(*) FROM memberships m WHERE m.account_id = $1 AND m.cases_owned <> (SELECT COUNT(*) \
                 FROM cases c WHERE c.account_id = $1 AND c.status = 'open' AND c.primary_contact_id = m.person_id)",
                on_prem
            ))
            .await
            .unwrap();
        assert_eq!(wrong, 0);
        let audited = db
            .scalar::<i64>(&sql!(
                "SELECT COUNT(*) FROM audit_log WHERE account_id = $1 AND action IN ('member.removed', 'partner.support_ended')",
                on_prem
            ))
            .await
            .unwrap();
        assert_eq!(audited, theirs + 1, "one entry per removal and one for the end of support");
        let paula = as_partner(&db, PARTNER).await;
        assert_eq!(partners::deployments(&db, &paula, &DeploymentQuery::default()).await.unwrap().total, 3);

        // Ending it again is "not found"; recording it again brings the deployment back,
        // with no access for anyone of the partner until granted.
        let again = partners::end_support(&db, &operator, partner, AccountId(on_prem)).await;
        assert!(matches!(again, Err(AppError::NotFound(_))), "{again:?}");
        let own = db
            .scalar::<i64>(&sql!("SELECT COUNT(*) FROM memberships WHERE account_id = $1 AND status = 'active'", on_prem))
            .await
            .unwrap();
        let said = partners::start_support(&db, &operator, partner, " nw-1003 ").await.unwrap();
        assert_eq!(
            said,
            format!(
                "Initech Partners now supports Northwind Field Sites; its {own} members of the customer's own keep \
                 their roles but have no portal access while Initech Partners supports it."
            )
        );
        let list = partners::deployments(&db, &paula, &DeploymentQuery::default()).await.unwrap();
        assert_eq!(list.total, 4);
        assert!(list.page.rows.iter().any(|r| r.org_id == "NW-1003" && r.access.is_none()));
        assert_eq!(
            partners::start_support(&db, &operator, partner, "NW-1003").await,
            Err(AppError::Conflict("Initech Partners supports Northwind Field Sites already.".into()))
        );
        assert_eq!(
            partners::start_support(&db, &operator, partner, "XX-0000").await,
            Err(AppError::invalid("No deployment has the Org ID \"XX-0000\"."))
        );
        assert_eq!(
            partners::start_support(&db, &operator, partner, "IN-4001").await,
            Err(AppError::invalid("Initech Support Desk is not a customer's deployment."))
        );
    }

    async fn a_supported_deployments_own_people_have_no_access_until_the_support_ends(db) {
        seeded(&db).await;
        let operator = common::operator(&db).await;
        let partner = partner_id(&db).await;
        let field = AccountId(common::account_named(&db, "Northwind Field Sites").await);
        let adam = Actor::by_email(&db, ADMIN).await.unwrap();
        let asleep = AppError::Forbidden(supported_elsewhere("Northwind Field Sites", "Initech Partners"));
        // Adam administers it on paper: refused, told why, and not offered it anywhere.
        assert_eq!(adam.clone().manage(&db, field).await.err(), Some(asleep.clone()));
        assert_eq!(adam.clone().member_of(&db, field).await.err(), Some(asleep.clone()));
        let names = |list: Vec<app::model::AccountSummary>| list.into_iter().map(|a| a.name).collect::<Vec<_>>();
        let his = names(accounts::list_for(&db, &adam).await.unwrap());
        assert_eq!(his, ["Northwind On-Premises", "Northwind Production"]);
        // Paula, its contact from the partner, may raise cases there.
        let paula = Actor::by_email(&db, PARTNER).await.unwrap();
        assert!(paula.clone().member_of(&db, field).await.is_ok());

        // Its contacts come from the partner: the customer's own people are refused, the
        // partner's are offered and added; a new contact with the partner's domain is the
        // partner's person.
        let admin = common::admin_of(&db, OPERATOR, field.0).await;
        let refused = members::write::add(&db, &admin, &PersonRef::Email(MEMBER.into()), &RoleChange::default()).await;
        let why = "Northwind Field Sites is supported by Initech Partners: only people of Initech Partners can be its contacts.";
        assert_eq!(refused.err(), Some(AppError::invalid(why)));
        let contact = |first: &str, email: &str| NewContact {
            first_name: first.into(),
            last_name: "Fieldwork".into(),
            email: email.into(),
        };
        let refused = contacts::create(&db, &admin, &contact("Nora", "nora.fieldwork@northwind.example"), &one_role()).await;
        assert_eq!(refused.err(), Some(AppError::invalid(why)));
        let (_, name) =
            contacts::create(&db, &admin, &contact("Ian", "ian.fieldwork@initech.example"), &one_role()).await.unwrap();
        assert_eq!(name, "Ian Fieldwork");
        let org: String = db
            .scalar(&sql!(
                "SELECT o.name FROM people p JOIN organisations o ON o.id = p.organisation_id WHERE p.email_key = $1",
                "ian.fieldwork@initech.example"
            ))
            .await
            .unwrap();
        assert_eq!(org, "Initech Partners");
        let offered = people::suggest(&db, &admin, "alex").await.unwrap();
        assert_eq!(offered.iter().map(|p| p.email.as_str()).collect::<Vec<_>>(), ["alex.approver@initech.example"]);
        assert!(people::suggest(&db, &admin, "carla").await.unwrap().is_empty(), "Northwind's people are not offered");
        let nothing_written = db
            .scalar::<i64>(&sql!("SELECT COUNT(*) FROM people WHERE email_key = $1", "nora.fieldwork@northwind.example"))
            .await
            .unwrap();
        assert_eq!(nothing_written, 0);

        // Once the support ends Adam is back, with his roles as they were.
        partners::end_support(&db, &operator, partner, field).await.unwrap();
        assert!(adam.clone().manage(&db, field).await.is_ok());
        let his = names(accounts::list_for(&db, &adam).await.unwrap());
        assert_eq!(his, ["Northwind Field Sites", "Northwind On-Premises", "Northwind Production"]);
    }
}
