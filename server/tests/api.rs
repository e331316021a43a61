//! The REST API (issue 15, SPEC F25) on SQLite and on PostgreSQL, over HTTP against the
//! real router: API tokens made, listed and revoked by administrators; calls with no
//! token, an unknown, revoked or expired one, another account's, a read-only one on a
//! write; the same pages and changes as the Manage Users table; one error shape; and the
//! OpenAPI document and its reference page.

use crate::common;

use std::net::SocketAddr;

use app::backend::access::{AccountAdmin, TOKEN_CALLS_PER_MINUTE};
use app::backend::members::read;
use app::backend::{api_tokens, now, Db};
use app::error::AppError;
use app::model::{MemberQuery, TokenScope};
use app::sql;
use common::http::{send_headers, Origin, Reply};
use common::personas::{ADMIN, MEMBER, NEWCOMER, OUTSIDER};
use serde_json::{json, Value};
use server::seed::{seed, SeedOptions};

async fn seeded(db: &Db) -> (i64, AccountAdmin) {
    let now = now();
    seed(db, &SeedOptions { members: 130, seed: 5, now: now - now % 86_400 }).await.expect("seed");
    let account = common::account_named(db, "Northwind Production").await;
    (account, common::admin_of(db, ADMIN, account).await)
}

/// Calls the API: `call` as `common::http::send` takes it, with `token` as the bearer and
/// no Origin (a script's call, not a page's).
async fn call(addr: SocketAddr, call: &str, token: Option<&str>) -> Reply {
    let bearer = token.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> = bearer.iter().map(|b| ("Authorization", b.as_str())).collect();
    send_headers(addr, call, None, Origin::None, &headers).await
}

fn json_of(reply: &Reply) -> Value {
    serde_json::from_slice(&reply.body).unwrap_or_else(|_| panic!("not JSON ({}): {}", reply.status, reply.text()))
}

/// The error of an API reply: its status, `code` and `message`, in the one shape.
fn error_of(reply: &Reply) -> (u16, String, String) {
    assert_eq!(reply.header("content-type"), Some("application/json"), "{}", reply.text());
    let v = json_of(reply);
    let keys: Vec<&String> = v.as_object().expect("an object").keys().collect();
    assert_eq!(keys, ["code", "field", "message"], "{v}");
    (reply.status, v["code"].as_str().unwrap().to_string(), v["message"].as_str().unwrap().to_string())
}

async fn memberships(db: &Db, account: i64) -> i64 {
    db.scalar(&sql!("SELECT COUNT(*) FROM memberships WHERE account_id = $1", account)).await.unwrap()
}

async fn membership_of(db: &Db, account: i64, email: &str) -> i64 {
    db.scalar(&sql!(
        "SELECT m.id FROM memberships m JOIN people p ON p.id = m.person_id WHERE m.account_id = $1 AND p.email_key = $2",
        account,
        email
    ))
    .await
    .unwrap()
}

backend_tests! {
    async fn administrators_make_list_and_revoke_tokens(db) {
        let (account, admin) = seeded(&db).await;
        let made = api_tokens::create(&db, &admin, " Okta provisioning ", TokenScope::Write, 90).await.unwrap();
        assert!(made.secret.starts_with(api_tokens::SECRET_PREFIX) && made.secret.len() > 60, "{}", made.secret);
        assert_eq!((made.token.name.as_str(), made.token.scope), ("Okta provisioning", TokenScope::Write));
        assert!(made.token.live() && made.token.last_used_at.is_none());
        // Only a fingerprint is kept.
        let stored: String =
            db.scalar(&sql!("SELECT secret_hash FROM api_tokens WHERE id = $1", made.token.id)).await.unwrap();
        assert!(!stored.contains(&made.secret) && stored.len() == 64);

        // Names are kept apart among live tokens; bad input changes nothing.
        let again = api_tokens::create(&db, &admin, "Okta provisioning", TokenScope::Read, 30).await.unwrap_err();
        assert!(matches!(&again, AppError::Conflict(m) if m.contains("Okta provisioning")), "{again:?}");
        for (name, days) in [("", 30), (&"x".repeat(81) as &str, 30), ("Nightly export", 31), ("Nightly export", 0)] {
            assert!(matches!(
                api_tokens::create(&db, &admin, name, TokenScope::Read, days).await,
                Err(AppError::Invalid(_))
            ));
        }
        let listed = api_tokens::list(&db, &admin).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].created_by, "Adam Admin");

        // Another account's administrator cannot see or revoke it.
        let contoso = common::account_named(&db, "Contoso Health Cloud").await;
        let other = common::as_operator(&db, contoso).await;
        assert!(api_tokens::list(&db, &other).await.unwrap().is_empty());
        let e = api_tokens::revoke(&db, &other, made.token.id).await.unwrap_err();
        assert_eq!(e, AppError::not_found("There is no such API token in this account."));

        api_tokens::revoke(&db, &admin, made.token.id).await.unwrap();
        assert!(matches!(api_tokens::revoke(&db, &admin, made.token.id).await, Err(AppError::Conflict(_))));
        assert!(!api_tokens::list(&db, &admin).await.unwrap()[0].live());
        // A revoked token's name is free again.
        api_tokens::create(&db, &admin, "Okta provisioning", TokenScope::Read, 7).await.unwrap();

        let audited: Vec<(String,)> = db
            .fetch_all(&sql!(
                "SELECT action FROM audit_log WHERE account_id = $1 AND action LIKE 'api_token.%' ORDER BY id",
                account
            ))
            .await
            .unwrap();
        let audited: Vec<&str> = audited.iter().map(|(a,)| a.as_str()).collect();
        assert_eq!(audited, ["api_token.created", "api_token.revoked", "api_token.created"]);
    }

    async fn every_call_with_a_token_is_recorded_under_its_name(db) {
        let (account, admin) = seeded(&db).await;
        let addr = common::serve_router(&db, server::security::Site::default()).await;
        let read = api_tokens::create(&db, &admin, "Reports", TokenScope::Read, 30).await.unwrap().secret;
        let members = format!("/api/v1/accounts/{account}/members");
        assert_eq!(call(addr, &format!("GET {members}?page_size=10"), Some(&read)).await.status, 200);
        // A write with a read token is refused, and recorded as refused.
        let refused = call(addr, &format!("JSON {members} {{\"email\":\"{NEWCOMER}\",\"roles\":[]}}"), Some(&read)).await;
        assert_eq!(refused.status, 403, "{}", refused.text());
        // SCIM calls are recorded as well; an unknown token, or none, records nothing.
        assert_eq!(call(addr, "GET /scim/v2/Users?count=1", Some(&read)).await.status, 200);
        assert_eq!(call(addr, &format!("GET {members}"), Some("roster_forged")).await.status, 401);
        assert_eq!(call(addr, &format!("GET {members}"), None).await.status, 401);

        let calls = api_tokens::calls(&db, &admin, None).await.unwrap();
        let seen: Vec<(String, String, String, i64)> =
            calls.calls.iter().map(|c| (c.token.clone(), c.method.clone(), c.path.clone(), c.status)).collect();
        assert_eq!(
            seen,
            [
                ("Reports".to_string(), "GET".to_string(), "/scim/v2/Users?count=1".to_string(), 200),
                ("Reports".to_string(), "POST".to_string(), members.clone(), 403),
                ("Reports".to_string(), "GET".to_string(), format!("{members}?page_size=10"), 200),
            ]
        );
        assert_eq!(calls.older, None);
        // A revoked token's calls are refused and not recorded: a leaked secret cannot
        // fill the table.
        let reports = api_tokens::list(&db, &admin).await.unwrap()[0].id;
        api_tokens::revoke(&db, &admin, reports).await.unwrap();
        assert_eq!(call(addr, &format!("GET {members}"), Some(&read)).await.status, 401);
        assert_eq!(api_tokens::calls(&db, &admin, None).await.unwrap().calls.len(), 3);
        // Another account's administrator sees none of them.
        let contoso = common::account_named(&db, "Contoso Health Cloud").await;
        let other = common::as_operator(&db, contoso).await;
        assert!(api_tokens::calls(&db, &other, None).await.unwrap().calls.is_empty());
    }

    async fn a_token_reads_the_members_as_the_table_does(db) {
        let (account, admin) = seeded(&db).await;
        let addr = common::serve_router(&db, server::security::Site::default()).await;
        let read = api_tokens::create(&db, &admin, "Reports", TokenScope::Read, 30).await.unwrap().secret;
        let members = format!("/api/v1/accounts/{account}/members");

        // Every page, by `next`, is the table's pages, in the table's order.
        let mut q = MemberQuery::new(account);
        q.page_size = 10;
        q.sort = app::model::SortKey::Email;
        q.dir = app::model::SortDir::Desc;
        let mut want = Vec::new();
        loop {
            let page = read::list(&db, &admin, &q, now()).await.unwrap();
            want.extend(page.rows.iter().map(|r| r.email.clone()));
            match page.next {
                Some(c) => q.cursor = Some(app::model::PageCursor::After(c)),
                None => break,
            }
        }
        let mut got = Vec::new();
        let mut target = format!("{members}?page_size=10&sort=email&dir=desc");
        let mut pages = Vec::new();
        loop {
            let reply = call(addr, &format!("GET {target}"), Some(&read)).await;
            assert_eq!(reply.status, 200, "{}", reply.text());
            let page = json_of(&reply);
            got.extend(page["members"].as_array().unwrap().iter().map(|m| m["email"].as_str().unwrap().to_string()));
            pages.push(page.clone());
            match page["next"].as_str() {
                Some(next) => target = format!("{members}?page_size=10&sort=email&dir=desc&after={next}"),
                None => break,
            }
        }
        assert!(want.len() > 20);
        assert_eq!(got, want);
        // `prev` of the second page leads back to the first.
        let back = call(
            addr,
            &format!("GET {members}?page_size=10&sort=email&dir=desc&before={}", pages[1]["prev"].as_str().unwrap()),
            Some(&read),
        )
        .await;
        assert_eq!(json_of(&back)["members"], pages[0]["members"]);

        // The rest of what a token reads.
        let one = pages[0]["members"][0]["id"].as_i64().unwrap();
        let member = json_of(&call(addr, &format!("GET {members}/{one}"), Some(&read)).await);
        assert_eq!(member["email"], pages[0]["members"][0]["email"]);
        assert!(member["roles"].as_array().unwrap().contains(&json!("general_support")), "{member}");
        let account_json = json_of(&call(addr, &format!("GET /api/v1/accounts/{account}"), Some(&read)).await);
        assert_eq!(account_json["name"], "Northwind Production");
        let roles = json_of(&call(addr, &format!("GET /api/v1/accounts/{account}/roles"), Some(&read)).await);
        assert_eq!(roles.as_array().unwrap().len(), 7);
        let audit = call(addr, &format!("GET /api/v1/accounts/{account}/audit?limit=5"), Some(&read)).await;
        assert_eq!(json_of(&audit)["entries"][0]["action"], "api_token.created", "{}", audit.text());
        let invitations = call(addr, &format!("GET /api/v1/accounts/{account}/invitations"), Some(&read)).await;
        assert_eq!(invitations.status, 200, "{}", invitations.text());

        // Parameters that make no sense are refused, naming the one at fault.
        for (query, field) in [("sort=shoe_size", "sort"), ("page_size=7", "page_size"), ("after=zz", "after"), ("status=gone", "status")] {
            let reply = call(addr, &format!("GET {members}?{query}"), Some(&read)).await;
            assert_eq!(error_of(&reply).1, "invalid", "{query}");
            assert_eq!(json_of(&reply)["field"], field, "{query}");
        }
        // The token was used: the page says when.
        let listed = api_tokens::list(&db, &admin).await.unwrap();
        assert!(listed[0].last_used_at.is_some());
    }

    async fn a_write_token_changes_members_and_is_audited_under_its_name(db) {
        let (account, admin) = seeded(&db).await;
        let addr = common::serve_router(&db, server::security::Site::default()).await;
        let write = api_tokens::create(&db, &admin, "Okta provisioning", TokenScope::Write, 30).await.unwrap().secret;
        let members = format!("/api/v1/accounts/{account}/members");

        let added = call(
            addr,
            &format!(r#"JSON {members} {{"email":"{NEWCOMER}","roles":["security_contact"]}}"#),
            Some(&write),
        )
        .await;
        assert_eq!(added.status, 201, "{}", added.text());
        let added = json_of(&added);
        let id = added["id"].as_i64().unwrap();
        assert_eq!(added["roles"], json!(["general_support", "security_contact"]));
        let again = call(addr, &format!(r#"JSON {members} {{"email":"{NEWCOMER}"}}"#), Some(&write)).await;
        assert_eq!(error_of(&again).1, "conflict");

        // Roles change; a stale version is refused and changes nothing.
        let stale = call(addr, &format!(r#"PATCH {members}/{id} {{"roles":["billing_contact"],"version":-1}}"#), Some(&write)).await;
        assert_eq!(error_of(&stale).1, "conflict");
        let changed = call(addr, &format!(r#"PATCH {members}/{id} {{"roles":["billing_contact"]}}"#), Some(&write)).await;
        assert_eq!(json_of(&changed)["roles"], json!(["general_support", "billing_contact"]), "{}", changed.text());
        let bad = call(addr, &format!(r#"PATCH {members}/{id} {{"roles":["emperor"]}}"#), Some(&write)).await;
        assert_eq!(error_of(&bad).1, "invalid");
        let not_json = call(addr, &format!("JSON {members} {{not json"), Some(&write)).await;
        assert_eq!(error_of(&not_json), (400, "invalid".into(), error_of(&not_json).2));
        let unknown_field = call(addr, &format!(r#"PATCH {members}/{id} {{"roles":[],"admin":true}}"#), Some(&write)).await;
        assert_eq!(error_of(&unknown_field).1, "invalid");

        let off = call(addr, &format!("JSON {members}/{id}/deactivate"), Some(&write)).await;
        assert_eq!(json_of(&off)["active_login"], false, "{}", off.text());
        let on = call(addr, &format!("JSON {members}/{id}/reactivate"), Some(&write)).await;
        assert_eq!(json_of(&on)["active_login"], true);

        let removed = call(addr, &format!("DELETE {members}/{id}"), Some(&write)).await;
        assert_eq!(removed.status, 204, "{}", removed.text());
        let gone = call(addr, &format!("GET {members}/{id}"), Some(&write)).await;
        assert_eq!(error_of(&gone).1, "not_found");

        // Every change is in the audit history under the token's name.
        let audit = json_of(&call(addr, &format!("GET /api/v1/accounts/{account}/audit?limit=200"), Some(&write)).await);
        let by_token: Vec<&str> = audit["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["actor"] == "API token \"Okta provisioning\" of Adam Admin")
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            by_token,
            ["member.removed", "member.reactivated", "member.deactivated", "member.roles_changed", "member.added"]
        );
    }

    async fn calls_without_a_valid_token_change_nothing(db) {
        let (account, admin) = seeded(&db).await;
        let addr = common::serve_router(&db, server::security::Site::default()).await;
        let read = api_tokens::create(&db, &admin, "Reports", TokenScope::Read, 30).await.unwrap().secret;
        let write = api_tokens::create(&db, &admin, "Provisioning", TokenScope::Write, 30).await.unwrap();
        let members = format!("/api/v1/accounts/{account}/members");
        let add = format!(r#"JSON {members} {{"email":"{OUTSIDER}"}}"#);
        let before = memberships(&db, account).await;

        let none = call(addr, &add, None).await;
        assert_eq!(error_of(&none).1, "unauthenticated");
        assert_eq!(none.status, 401);
        assert!(none.header("www-authenticate").is_some_and(|h| h.starts_with("Bearer")));
        let forged = call(addr, &add, Some("roster_0000")).await;
        assert_eq!((forged.status, error_of(&forged).1), (401, "unauthenticated".into()));
        // A page's session is no token.
        let cookie = common::http::sign_in(addr, ADMIN, None).await;
        let with_session = send_headers(addr, &add, Some(&cookie), Origin::Site, &[]).await;
        assert_eq!(error_of(&with_session).0, 401);

        // A read-only token may not write.
        let read_only = call(addr, &add, Some(&read)).await;
        let (status, code, message) = error_of(&read_only);
        assert_eq!((status, code.as_str()), (403, "forbidden"));
        assert!(message.contains("may only read"), "{message}");

        // Another account: refused without a word about it.
        let contoso = common::account_named(&db, "Contoso Health Cloud").await;
        let elsewhere = call(addr, &format!("GET /api/v1/accounts/{contoso}/members"), Some(&write.secret)).await;
        let (status, _, message) = error_of(&elsewhere);
        assert_eq!(status, 403);
        assert!(!message.contains("Contoso"), "{message}");
        // Another account's member, under this account.
        let theirs: i64 = db
            .scalar(&sql!("SELECT id FROM memberships WHERE account_id = $1 LIMIT 1", contoso))
            .await
            .unwrap();
        for c in [format!("GET {members}/{theirs}"), format!("DELETE {members}/{theirs}")] {
            let reply = call(addr, &c, Some(&write.secret)).await;
            assert_eq!(error_of(&reply).0, 404, "{c}: {}", reply.text());
        }

        // Expired, then revoked.
        let t = now();
        db.execute(&sql!("UPDATE api_tokens SET expires_at = $1 WHERE id = $2", t - 1, write.token.id)).await.unwrap();
        assert_eq!(error_of(&call(addr, &add, Some(&write.secret)).await).0, 401);
        db.execute(&sql!("UPDATE api_tokens SET expires_at = $1 WHERE id = $2", t + 3600, write.token.id)).await.unwrap();
        api_tokens::revoke(&db, &admin, write.token.id).await.unwrap();
        assert_eq!(error_of(&call(addr, &add, Some(&write.secret)).await).0, 401);

        // A token whose maker no longer administers the account opens nothing.
        let again = api_tokens::create(&db, &admin, "Provisioning", TokenScope::Write, 30).await.unwrap().secret;
        db.execute(&sql!(
            "UPDATE memberships SET role_bits = 1 WHERE account_id = $1 AND id = $2",
            account,
            membership_of(&db, account, ADMIN).await
        ))
        .await
        .unwrap();
        let orphan = call(addr, &add, Some(&again)).await;
        let (status, _, message) = error_of(&orphan);
        assert_eq!(status, 403);
        assert!(message.contains("no longer administers"), "{message}");

        assert_eq!(memberships(&db, account).await, before, "nothing was added");
        let _ = MEMBER;
    }

    async fn every_operation_refuses_what_the_token_may_not_do(db) {
        // The matrix of the API: every operation of the served document (so a new one is
        // covered), called with no token, a forged one, a revoked one, another account's
        // and a read-only one; none of them changes anything.
        let (account, admin) = seeded(&db).await;
        let addr = common::serve_router(&db, server::security::Site::default()).await;
        let carla = membership_of(&db, account, MEMBER).await;
        let contoso = common::account_named(&db, "Contoso Health Cloud").await;
        let theirs = common::admin_of(&db, common::personas::OPERATOR, contoso).await;
        let foreign = api_tokens::create(&db, &theirs, "Contoso sync", TokenScope::Write, 30).await.unwrap().secret;
        let read = api_tokens::create(&db, &admin, "Reports", TokenScope::Read, 30).await.unwrap().secret;
        let revoked = api_tokens::create(&db, &admin, "Old sync", TokenScope::Write, 30).await.unwrap();
        api_tokens::revoke(&db, &admin, revoked.token.id).await.unwrap();
        let version = |db: Db| async move {
            let v: i64 = db.scalar(&sql!("SELECT version FROM memberships WHERE id = $1", carla)).await.unwrap();
            v
        };
        let (before, carla_before) = (memberships(&db, account).await, version(db.clone()).await);

        let doc = serde_json::to_value(<server::api::ApiDoc as utoipa::OpenApi>::openapi()).unwrap();
        let mut operations = 0;
        for (template, item) in doc["paths"].as_object().unwrap() {
            let path = template.replace("{account}", &account.to_string()).replace("{member}", &carla.to_string());
            for method in item.as_object().unwrap().keys() {
                let request = match method.as_str() {
                    "get" => format!("GET {path}"),
                    "post" if path.ends_with("/members") => format!(r#"JSON {path} {{"email":"{OUTSIDER}"}}"#),
                    "post" => format!("JSON {path}"),
                    "patch" => format!(r#"PATCH {path} {{"roles":["general_support"]}}"#),
                    "delete" => format!("DELETE {path}"),
                    other => panic!("an operation the matrix does not know: {other} {template}"),
                };
                operations += 1;
                let writes = method != "get";
                for (who, token, expected) in [
                    ("no token", None, 401),
                    ("a forged token", Some("roster_forged"), 401),
                    ("a revoked token", Some(revoked.secret.as_str()), 401),
                    ("another account's token", Some(foreign.as_str()), 403),
                    ("a read-only token", Some(read.as_str()), if writes { 403 } else { 200 }),
                ] {
                    let reply = call(addr, &request, token).await;
                    if expected == 200 {
                        assert_eq!(reply.status, 200, "{request} with {who}: {}", reply.text());
                    } else {
                        assert_eq!(error_of(&reply).0, expected, "{request} with {who}: {}", reply.text());
                    }
                }
            }
        }
        assert!(operations >= 11, "only {operations} operations in the document");
        assert_eq!(memberships(&db, account).await, before);
        assert_eq!(version(db.clone()).await, carla_before, "a refused call changed Carla");
    }

    async fn a_token_is_limited_per_minute(db) {
        let (account, admin) = seeded(&db).await;
        let addr = common::serve_router(&db, server::security::Site::default()).await;
        let made = api_tokens::create(&db, &admin, "Busy script", TokenScope::Read, 30).await.unwrap();
        // Not at the turn of a minute, which starts a new count.
        if now() % 60 > 50 {
            tokio::time::sleep(std::time::Duration::from_secs(11)).await;
        }
        let t = now();
        db.execute(&sql!(
            "UPDATE api_tokens SET window_start = $1, window_calls = $2 WHERE id = $3",
            t - t % 60,
            TOKEN_CALLS_PER_MINUTE,
            made.token.id
        ))
        .await
        .unwrap();
        let reply = call(addr, &format!("GET /api/v1/accounts/{account}"), Some(&made.secret)).await;
        let (status, code, message) = error_of(&reply);
        assert_eq!((status, code.as_str()), (429, "rate_limited"));
        assert!(message.contains("Busy script"), "{message}");
    }

    async fn the_api_describes_itself_and_answers_json_everywhere(db) {
        seeded(&db).await;
        let addr = common::serve_router(&db, server::security::Site::default()).await;
        let doc = call(addr, "GET /api/v1/openapi.json", None).await;
        assert_eq!(doc.status, 200);
        let doc = json_of(&doc);
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{}", doc["openapi"]);
        let paths = doc["paths"].as_object().unwrap();
        for p in ["/api/v1/accounts/{account}/members", "/api/v1/accounts/{account}/members/{member}", "/api/v1/accounts/{account}/audit"] {
            assert!(paths.contains_key(p), "{p} missing");
        }
        assert!(doc["components"]["securitySchemes"]["bearer"].is_object());

        let page = call(addr, "GET /api/v1/docs", None).await;
        assert_eq!(page.status, 200);
        let html = page.text();
        assert!(html.contains("<code>GET /api/v1/accounts/{account}/members</code>"), "{html}");
        assert!(html.contains("<h3 id=\"schema-MemberList\">MemberList</h3>"));
        assert!(!html.contains("<script"), "the reference runs no script");
        let stylesheet = |html: &str| {
            html.split("rel=\"stylesheet\" href=\"").nth(1).and_then(|rest| rest.split('"').next()).map(str::to_string)
        };
        let sign_in = call(addr, "GET /sign-in", None).await.text();
        assert!(stylesheet(&html).is_some_and(|href| href.starts_with("/pkg/") && href.ends_with(".css")), "{html}");
        assert_eq!(stylesheet(&html), stylesheet(&sign_in), "the app's stylesheet");

        let nowhere = call(addr, "GET /api/v1/nothing/here", None).await;
        assert_eq!(error_of(&nowhere).1, "not_found");
        let wrong_method = call(addr, "DELETE /api/v1/openapi.json", None).await;
        assert_eq!(error_of(&wrong_method).0, 405);
    }
}
