//! Storage tests for the accounts list, on SQLite and on PostgreSQL.

use crate::common;

use app::backend::access::Actor;
use app::backend::{accounts, Db};
use app::model::{AccountId, AccountPage};
use app::sql;
use server::seed::{seed, SeedOptions};

/// The demo, and `n` more accounts of the demo's customers: more than two pages.
async fn many_accounts(db: &Db, n: i64) {
    seed(db, &SeedOptions { members: 40, seed: 7, now: 1_780_000_000 }).await.expect("seed");
    let orgs: Vec<(i64,)> = db.fetch_all(&sql!("SELECT id FROM organisations ORDER BY id")).await.unwrap();
    for i in 0..n {
        let org = orgs[i as usize % orgs.len()].0;
        // Names that sort among each other and the demo's, a LIKE wildcard among them.
        let name = match i % 4 {
            0 => format!("Site {i:03}"),
            1 => format!("site {i:03} (test)"),
            2 => format!("100% Uptime {i:03}"),
            _ => format!("Edge_{i:03}"),
        };
        db.execute(&sql!(
            "INSERT INTO accounts (organisation_id, name, org_id, kind, government_cloud, created_at) \
             VALUES ($1, $2, $3, 'cloud', FALSE, 0)",
            org,
            name,
            format!("ZZ-{i:04}")
        ))
        .await
        .unwrap();
    }
}

/// Every page of the operator's list for `search`, following `next`.
async fn walk(db: &Db, search: &str) -> Vec<AccountPage> {
    let operator = common::operator(db).await;
    let mut pages = Vec::new();
    let mut after = None;
    loop {
        let page = accounts::page(db, &operator, search, after).await.unwrap();
        after = page.next;
        assert!(page.searchable);
        pages.push(page);
        if after.is_none() || pages.len() > 20 {
            return pages;
        }
    }
}

backend_tests! {
    async fn an_operators_accounts_come_a_page_at_a_time_in_the_lists_order(db) {
        many_accounts(&db, 130).await;
        let everything: Vec<i64> =
            accounts::list(&db, &common::operator(&db).await).await.unwrap().into_iter().map(|a| a.id).collect();
        assert!(everything.len() > 2 * AccountPage::SIZE as usize, "{}", everything.len());
        let pages = walk(&db, "").await;
        let walked: Vec<i64> = pages.iter().flat_map(|p| p.accounts.iter().map(|a| a.id)).collect();
        assert_eq!(walked, everything, "each account once, in the list's order");
        assert!(pages[..pages.len() - 1].iter().all(|p| p.accounts.len() == AccountPage::SIZE as usize));
        assert_eq!(pages.last().unwrap().next, None);

        // Search Text: any case, in the account's name, its organisation's, or its Org ID;
        // a wildcard is a character like any other.
        let names = |pages: &[AccountPage]| -> Vec<String> {
            pages.iter().flat_map(|p| p.accounts.iter().map(|a| a.name.clone())).collect()
        };
        let sites = names(&walk(&db, "SITE 01").await);
        assert_eq!(sites.len(), 4, "{sites:?}");
        assert!(sites.iter().all(|n| n.to_lowercase().starts_with("site 01")), "{sites:?}");
        let percent = names(&walk(&db, "0%").await);
        assert!(!percent.is_empty() && percent.iter().all(|n| n.contains("0%")), "{percent:?}");
        let underscore = names(&walk(&db, "e_0").await);
        assert!(!underscore.is_empty() && underscore.iter().all(|n| n.to_lowercase().contains("e_0")), "{underscore:?}");
        let by_org_id = walk(&db, "zz-0042").await;
        assert_eq!(by_org_id[0].accounts.iter().map(|a| a.org_id.as_str()).collect::<Vec<_>>(), ["ZZ-0042"]);
        let by_organisation = names(&walk(&db, "globex public").await);
        assert!(by_organisation.contains(&"Globex GovCloud".to_string()), "{by_organisation:?}");
        assert!(walk(&db, "no such account anywhere").await[0].accounts.is_empty());
        // After an account that is not there: nothing, rather than everything again.
        let operator = common::operator(&db).await;
        assert!(accounts::page(&db, &operator, "", Some(-1)).await.unwrap().accounts.is_empty());
    }

    async fn the_accounts_list_says_whom_each_person_administers_as_the_access_rule_does(db) {
        // A page's access check is answered from the accounts its header reads; it must
        // agree with the access rule's own statement for every person and account: the
        // demo's deactivated administrator, the members a partner's support puts to sleep
        // and the vendor operator included.
        seed(&db, &SeedOptions { members: 40, seed: 7, now: 1_780_000_000 }).await.expect("seed");
        // Every deactivated member holds an administrator's role: the status alone refuses.
        let mask = app::backend::roles::Catalogue::load(&db).await.unwrap().admin_mask();
        let inactive = db
            .execute(&sql!("UPDATE memberships SET role_bits = role_bits | $1 WHERE status = 'inactive'", mask))
            .await
            .unwrap();
        assert!(inactive > 0, "the demo has no deactivated members");
        let people: Vec<(String,)> = db
            .fetch_all(&sql!(
                "SELECT email FROM people WHERE registered_at IS NOT NULL \
                 AND (is_operator OR id IN (SELECT person_id FROM memberships)) ORDER BY id"
            ))
            .await
            .unwrap();
        let accounts: Vec<(i64,)> = db.fetch_all(&sql!("SELECT id FROM accounts ORDER BY id")).await.unwrap();
        let (mut admins, mut others) = (0, 0);
        for (email,) in &people {
            let actor = Actor::by_email(&db, email).await.unwrap();
            for &(account,) in &accounts {
                let listed = accounts::administers(&db, &actor, AccountId(account)).await.unwrap();
                let checked = actor.clone().manage(&db, AccountId(account)).await.is_ok();
                assert_eq!(listed, checked, "{email} on account {account}");
                if checked {
                    admins += 1;
                } else {
                    others += 1;
                }
            }
        }
        assert!(admins >= 3 && others > admins, "{admins} administrators, {others} others");
    }
}
