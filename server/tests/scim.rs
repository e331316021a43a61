//! SCIM 2.0 (issue 15, SPEC F26) on SQLite and on PostgreSQL, over HTTP against the real
//! router: Users (members) created, read, listed, filtered, paged, replaced, patched and
//! deleted (with the F11 case cascade); Groups (roles) whose membership changes roles;
//! the last Account Administrator kept, with a SCIM error; ETags and If-Match; calls with
//! no token, a revoked one, another account's, a read-only one on a write; malformed
//! JSON and filters. Every error in SCIM's one shape.

use crate::common;

use std::net::SocketAddr;

use app::backend::{api_tokens, Db};
use app::model::TokenScope;
use app::sql;
use common::personas::{ADMIN, MEMBER, NEWCOMER};
use serde_json::{json, Value};
use server::seed::{seed, SeedOptions};
use std::collections::BTreeSet;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Value,
    text: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// A SCIM error's status and scimType, checking its shape.
    fn error(&self) -> (u16, Option<String>) {
        assert_eq!(self.header("content-type"), Some("application/scim+json"), "{}", self.text);
        assert_eq!(self.body["schemas"], json!(["urn:ietf:params:scim:api:messages:2.0:Error"]), "{}", self.text);
        assert_eq!(self.body["status"], json!(self.status.to_string()), "{}", self.text);
        assert!(self.body["detail"].as_str().is_some_and(|d| !d.is_empty()), "{}", self.text);
        (self.status, self.body["scimType"].as_str().map(str::to_string))
    }
}

/// One SCIM call: `method`, a path under `/scim/v2`, an optional JSON body, the token,
/// extra headers.
async fn scim(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&str>,
    token: Option<&str>,
    extra: &[(&str, &str)],
) -> Reply {
    let mut request = format!("{method} /scim/v2{path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(t) = token {
        request.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    for (k, v) in extra {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(b) = body {
        request.push_str(&format!("Content-Type: application/scim+json\r\nContent-Length: {}\r\n", b.len()));
    }
    request.push_str("\r\n");
    request.push_str(body.unwrap_or_default());
    let mut conn = tokio::net::TcpStream::connect(addr).await.expect("connect");
    conn.write_all(request.as_bytes()).await.expect("send");
    let mut raw = Vec::new();
    tokio::time::timeout(std::time::Duration::from_secs(60), conn.read_to_end(&mut raw))
        .await
        .expect("an answer in time")
        .expect("read");
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_string(), v.trim().to_string())).collect();
    assert!(!headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("transfer-encoding")), "{head}");
    let text = String::from_utf8_lossy(&raw[split + 4..]).into_owned();
    let body = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::Null) };
    Reply { status, headers, body, text }
}

/// `filter=` for a URL.
fn q(filter: &str) -> String {
    let mut out = String::new();
    for b in filter.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    format!("/Users?filter={out}")
}

struct Setup {
    addr: SocketAddr,
    account: i64,
    write: String,
    read: String,
}

async fn setup(db: &Db) -> Setup {
    let now = app::backend::now();
    seed(db, &SeedOptions { members: 60, seed: 7, now: now - now % 86_400 }).await.expect("seed");
    let account = common::account_named(db, "Northwind Production").await;
    let admin = common::admin_of(db, ADMIN, account).await;
    let write = api_tokens::create(db, &admin, "Okta", TokenScope::Write, 30).await.unwrap().secret;
    let read = api_tokens::create(db, &admin, "Reports", TokenScope::Read, 30).await.unwrap().secret;
    let addr = common::serve_router(db, server::security::Site::default()).await;
    Setup { addr, account, write, read }
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

async fn role_bits(db: &Db, id: i64) -> i64 {
    db.scalar(&sql!("SELECT role_bits FROM memberships WHERE id = $1", id)).await.unwrap()
}

fn new_user(user_name: &str, email: &str) -> String {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "externalId": format!("okta-{user_name}"),
        "name": {"givenName": "Grace", "familyName": "Hopper"},
        "emails": [{"value": email, "type": "work", "primary": true}],
        "active": true,
    })
    .to_string()
}

backend_tests! {
    async fn every_call_refuses_what_the_token_may_not_do(db) {
        // The matrix of SCIM: each kind of call with no token, a forged one, a revoked one,
        // a read-only one on a write, and another account's token naming this account's
        // users; none of them changes anything.
        let s = setup(&db).await;
        let (addr, account) = (s.addr, s.account);
        let admin = common::admin_of(&db, ADMIN, account).await;
        let revoked = api_tokens::create(&db, &admin, "Old Okta", TokenScope::Write, 30).await.unwrap();
        api_tokens::revoke(&db, &admin, revoked.token.id).await.unwrap();
        let contoso = common::account_named(&db, "Contoso Health Cloud").await;
        let theirs = common::admin_of(&db, common::personas::OPERATOR, contoso).await;
        let foreign = api_tokens::create(&db, &theirs, "Contoso Okta", TokenScope::Write, 30).await.unwrap().secret;
        let carla = membership_of(&db, account, MEMBER).await;
        let count = |db: Db| async move {
            let n: i64 = db
                .scalar(&sql!("SELECT CAST(COUNT(*) + COALESCE(SUM(version), 0) AS BIGINT) FROM memberships WHERE account_id = $1", account))
                .await
                .unwrap();
            n
        };
        let before = count(db.clone()).await;
        let user = format!("/Users/{carla}");
        let add_carla = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "add", "path": "members", "value": [{"value": carla.to_string()}]}]})
        .to_string();
        let deactivate = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "active", "value": false}]})
        .to_string();
        let search = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"userName pr"}"#;
        let put_group = r#"{"displayName":"Security Contact","members":[]}"#;
        let new = new_user("grace", "grace.hopper@northwind.example");
        let put_user = new_user("carla", "carla.contact@northwind.example");
        // (method, path, body, a write)
        let calls: Vec<(&str, &str, Option<&str>, bool)> = vec![
            ("GET", "/Users", None, false),
            ("GET", &user, None, false),
            ("POST", "/Users/.search", Some(search), false),
            ("POST", "/.search", Some(search), false),
            ("GET", "/Groups", None, false),
            ("GET", "/Groups/security_contact", None, false),
            ("POST", "/Users", Some(&new), true),
            ("PUT", &user, Some(&put_user), true),
            ("PATCH", &user, Some(&deactivate), true),
            ("DELETE", &user, None, true),
            ("PATCH", "/Groups/security_contact", Some(&add_carla), true),
            ("PUT", "/Groups/security_contact", Some(put_group), true),
        ];
        for (method, path, body, writes) in &calls {
            for (who, token, expected) in [
                ("no token", None, 401),
                ("a forged token", Some("roster_forged"), 401),
                ("a revoked token", Some(revoked.secret.as_str()), 401),
                ("a read-only token", Some(s.read.as_str()), if *writes { 403 } else { 200 }),
            ] {
                let reply = scim(addr, method, path, *body, token, &[]).await;
                if expected == 200 {
                    assert_eq!(reply.status, 200, "{method} {path} with {who}: {}", reply.text);
                } else {
                    assert_eq!(reply.error().0, expected, "{method} {path} with {who}: {}", reply.text);
                }
            }
        }
        // Another account's token sees nothing of this account's users and changes none.
        for (method, path, body) in [
            ("GET", user.as_str(), None),
            ("PUT", user.as_str(), Some(put_user.as_str())),
            ("PATCH", user.as_str(), Some(deactivate.as_str())),
            ("DELETE", user.as_str(), None),
        ] {
            let reply = scim(addr, method, path, body, Some(&foreign), &[]).await;
            assert_eq!(reply.error().0, 404, "{method} {path} with Contoso's token: {}", reply.text);
        }
        let group = scim(addr, "PATCH", "/Groups/security_contact", Some(&add_carla), Some(&foreign), &[]).await;
        assert_eq!(group.error(), (400, Some("invalidValue".into())), "{}", group.text);
        let listed = scim(addr, "GET", &q("userName eq \"carla.contact@northwind.example\""), None, Some(&foreign), &[]).await;
        assert_eq!(listed.body["totalResults"], 0, "{}", listed.text);
        assert_eq!(count(db.clone()).await, before, "a refused call changed the account");
    }

    async fn a_refused_creation_leaves_nothing_behind(db) {
        let s = setup(&db).await;
        let (addr, w) = (s.addr, Some(s.write.as_str()));
        // Two providers' calls with one userName at once: one is made, the other refused
        // whole, without the contact it would have made.
        let (a, b) = ("ada.one@northwind.example", "ada.two@northwind.example");
        let (ua, ub) = (new_user("ada", a), new_user("ada", b));
        let (ra, rb) = tokio::join!(
            scim(addr, "POST", "/Users", Some(&ua), w, &[]),
            scim(addr, "POST", "/Users", Some(&ub), w, &[]),
        );
        let mut statuses = [ra.status, rb.status];
        statuses.sort();
        assert_eq!(statuses, [201, 409], "{} / {}", ra.text, rb.text);
        let loser = if ra.status == 409 { a } else { b };
        let people: i64 = db.scalar(&sql!("SELECT COUNT(*) FROM people WHERE email_key = $1", loser)).await.unwrap();
        assert_eq!(people, 0, "a refused creation left its contact behind");
        // A user that cannot be made (a name with hidden characters) makes nothing either.
        let mut hidden: Value = serde_json::from_str(&new_user("eve", "eve.hidden@northwind.example")).unwrap();
        hidden["name"] = json!({"givenName": "Eve\u{202e}", "familyName": "Hidden"});
        let refused = scim(addr, "POST", "/Users", Some(&hidden.to_string()), w, &[]).await;
        assert_eq!(refused.status, 400, "{}", refused.text);
        let people: i64 =
            db.scalar(&sql!("SELECT COUNT(*) FROM people WHERE email_key = 'eve.hidden@northwind.example'")).await.unwrap();
        assert_eq!(people, 0);
    }

    async fn users_are_created_read_listed_replaced_and_deleted(db) {
        let s = setup(&db).await;
        let (addr, w) = (s.addr, Some(s.write.as_str()));
        let before: i64 =
            db.scalar(&sql!("SELECT COUNT(*) FROM memberships WHERE account_id = $1", s.account)).await.unwrap();

        // A person nobody knows becomes a contact to invite.
        let made = scim(addr, "POST", "/Users", Some(&new_user("grace.hopper", "grace.hopper@northwind.example")), w, &[]).await;
        assert_eq!(made.status, 201, "{}", made.text);
        assert_eq!(made.header("content-type"), Some("application/scim+json"));
        let u = &made.body;
        let id = u["id"].as_str().unwrap().to_string();
        assert_eq!(u["userName"], "grace.hopper");
        assert_eq!(u["externalId"], "okta-grace.hopper");
        assert_eq!(u["name"], json!({"givenName": "Grace", "familyName": "Hopper"}));
        assert_eq!(u["displayName"], "Grace Hopper");
        assert_eq!(u["emails"], json!([{"value": "grace.hopper@northwind.example", "type": "work", "primary": true}]));
        assert_eq!(u["active"], true);
        assert_eq!(u["groups"][0]["value"], "general_support");
        assert_eq!(u["meta"]["resourceType"], "User");
        assert!(u["meta"]["location"].as_str().unwrap().ends_with(&format!("/scim/v2/Users/{id}")));
        assert_eq!(made.header("location"), u["meta"]["location"].as_str());
        assert_eq!(made.header("etag"), u["meta"]["version"].as_str());
        let registered: Option<i64> = db
            .scalar(&sql!("SELECT registered_at FROM people WHERE email_key = $1", "grace.hopper@northwind.example"))
            .await
            .unwrap();
        assert_eq!(registered, None, "a contact, not registered");
        // The same userName, or the same person, again: 409 uniqueness.
        let again = scim(addr, "POST", "/Users", Some(&new_user("GRACE.HOPPER", "other@northwind.example")), w, &[]).await;
        assert_eq!(again.error(), (409, Some("uniqueness".into())));
        let same_person = scim(addr, "POST", "/Users", Some(&new_user("gh2", "Grace.Hopper@northwind.example")), w, &[]).await;
        assert_eq!(same_person.error(), (409, Some("uniqueness".into())));

        // A registered person is added as Add new user adds them; the email is the userName.
        let body = json!({"userName": NEWCOMER, "emails": [{"value": NEWCOMER}], "active": true}).to_string();
        let nina = scim(addr, "POST", "/Users", Some(&body), w, &[]).await;
        assert_eq!(nina.status, 201, "{}", nina.text);
        assert_eq!(nina.body["userName"], NEWCOMER);
        let nina_id = nina.body["id"].as_str().unwrap().to_string();

        // Read, with attributes chosen.
        let got = scim(addr, "GET", &format!("/Users/{id}"), None, w, &[]).await;
        assert_eq!(got.body, made.body);
        let some = scim(addr, "GET", &format!("/Users/{id}?attributes=userName,name.givenName"), None, w, &[]).await;
        let keys: Vec<&String> = some.body.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["id", "meta", "name", "schemas", "userName"]);
        assert_eq!(some.body["name"], json!({"givenName": "Grace"}));
        let less = scim(addr, "GET", &format!("/Users/{id}?excludedAttributes=groups,emails"), None, w, &[]).await;
        assert!(less.body.get("groups").is_none() && less.body.get("emails").is_none() && less.body.get("userName").is_some());

        // PUT replaces what the provider keeps; a contact's email can change.
        let put = json!({"userName": "ghopper", "name": {"givenName": "Grace B."}, "emails": [{"value": "ghopper@northwind.example", "primary": true}], "active": false}).to_string();
        let replaced = scim(addr, "PUT", &format!("/Users/{id}"), Some(&put), w, &[]).await;
        assert_eq!(replaced.status, 200, "{}", replaced.text);
        assert_eq!(replaced.body["userName"], "ghopper");
        assert!(replaced.body.get("externalId").is_none());
        assert_eq!(replaced.body["name"], json!({"givenName": "Grace B."}));
        assert_eq!(replaced.body["emails"][0]["value"], "ghopper@northwind.example");
        assert_eq!(replaced.body["active"], false);
        let status: String =
            db.scalar(&sql!("SELECT status FROM memberships WHERE id = $1", id.parse::<i64>().unwrap())).await.unwrap();
        assert_eq!(status, "inactive");
        // A registered person's email is theirs.
        let nina_put = json!({"userName": NEWCOMER, "emails": [{"value": "nina@elsewhere.example"}]}).to_string();
        let refused = scim(addr, "PUT", &format!("/Users/{nina_id}"), Some(&nina_put), w, &[]).await;
        assert_eq!(refused.error(), (400, Some("invalidValue".into())));

        // DELETE removes; the person stays known.
        let gone = scim(addr, "DELETE", &format!("/Users/{id}"), None, w, &[]).await;
        assert_eq!(gone.status, 204, "{}", gone.text);
        assert_eq!(scim(addr, "GET", &format!("/Users/{id}"), None, w, &[]).await.error(), (404, None));
        assert_eq!(scim(addr, "DELETE", &format!("/Users/{id}"), None, w, &[]).await.error(), (404, None));
        assert_eq!(scim(addr, "GET", "/Users/not-a-number", None, w, &[]).await.error(), (404, None));
        // Provisioned again (deprovisioned by mistake): the contact the organisation knows
        // is related to the account again.
        let back = scim(addr, "POST", "/Users", Some(&new_user("grace.back", "GHopper@northwind.example")), w, &[]).await;
        assert_eq!(back.status, 201, "{}", back.text);
        assert_eq!((back.body["displayName"].as_str(), back.body["active"].as_bool()), (Some("Grace Hopper"), Some(true)));
        let after: i64 =
            db.scalar(&sql!("SELECT COUNT(*) FROM memberships WHERE account_id = $1", s.account)).await.unwrap();
        assert_eq!(after, before + 2, "Nina and Grace");

        // Every change is audited under the token.
        let actions: Vec<(String,)> = db
            .fetch_all(&sql!(
                "SELECT a.action FROM audit_log a JOIN api_tokens t ON t.id = a.token_id WHERE t.name = 'Okta' ORDER BY a.id"
            ))
            .await
            .unwrap();
        let actions: Vec<&str> = actions.iter().map(|(a,)| a.as_str()).collect();
        assert_eq!(
            actions,
            ["contact.created", "member.added", "contact.updated", "member.deactivated", "member.removed", "member.added"]
        );
    }

    async fn filters_and_paging(db) {
        let s = setup(&db).await;
        let (addr, w) = (s.addr, Some(s.write.as_str()));
        for (n, active) in [("ada", true), ("alan", true), ("barbara", false)] {
            let body = json!({"userName": format!("{n}@corp"), "externalId": format!("x-{n}"), "name": {"givenName": n, "familyName": "Lovelace"},
                "emails": [{"value": format!("{n}.l@northwind.example"), "primary": true}], "active": active}).to_string();
            let r = scim(addr, "POST", "/Users", Some(&body), w, &[]).await;
            assert_eq!(r.status, 201, "{}", r.text);
        }
        let names = |r: &Reply| -> Vec<String> {
            let mut v: Vec<String> = r.body["Resources"].as_array().unwrap().iter().map(|u| u["userName"].as_str().unwrap().to_string()).collect();
            v.sort();
            v
        };
        let list = |f: &str| {
            let path = q(f);
            async move { scim(addr, "GET", &path, None, w, &[]).await }
        };
        assert_eq!(names(&list(r#"userName eq "ADA@corp""#).await), ["ada@corp"]);
        // A member added from the pages has their email as userName.
        assert_eq!(names(&list(&format!(r#"userName eq "{MEMBER}""#)).await), [MEMBER]);
        assert_eq!(names(&list(r#"userName sw "a" and userName ew "@CORP""#).await), ["ada@corp", "alan@corp"]);
        assert_eq!(names(&list(r#"userName co "rbar""#).await), ["barbara@corp"]);
        assert_eq!(names(&list(r#"emails.value ew "a.l@northwind.example" and active eq true"#).await), ["ada@corp"]);
        assert_eq!(names(&list(r#"emails[value sw "alan."]"#).await), ["alan@corp"]);
        assert_eq!(names(&list(r#"name.familyName eq "lovelace" and (name.givenName eq "ada" or name.givenName eq "barbara")"#).await), ["ada@corp", "barbara@corp"]);
        assert_eq!(names(&list(r#"externalId eq "x-alan""#).await), ["alan@corp"]);
        assert!(list(r#"externalId eq "X-ALAN""#).await.body["Resources"].as_array().unwrap().is_empty(), "externalId is case-exact");
        assert_eq!(names(&list(r#"externalId pr and not (name.givenName eq "ada")"#).await), ["alan@corp", "barbara@corp"]);
        assert_eq!(names(&list(r#"active eq false and name.familyName pr"#).await), ["barbara@corp"]);
        let ada = list(r#"userName eq "ada@corp""#).await;
        let ada_id = ada.body["Resources"][0]["id"].as_str().unwrap().to_string();
        assert_eq!(names(&list(&format!(r#"id eq "{ada_id}""#)).await), ["ada@corp"]);
        assert_eq!(names(&list(r#"displayName eq "alan lovelace""#).await), ["alan@corp"]);

        // Paging: 1-based, totalResults of the whole match, count capped.
        let all = scim(addr, "GET", "/Users?count=0", None, w, &[]).await;
        let total = all.body["totalResults"].as_i64().unwrap();
        assert!(total > 3, "{total}");
        assert_eq!(all.body["Resources"], json!([]));
        let p1 = scim(addr, "GET", "/Users?startIndex=1&count=10", None, w, &[]).await;
        let p2 = scim(addr, "GET", "/Users?startIndex=11&count=10", None, w, &[]).await;
        assert_eq!((p1.body["itemsPerPage"].as_i64(), p2.body["startIndex"].as_i64()), (Some(10), Some(11)));
        assert_eq!(p2.body["totalResults"].as_i64(), Some(total));
        let ids = |r: &Reply| -> Vec<i64> { r.body["Resources"].as_array().unwrap().iter().map(|u| u["id"].as_str().unwrap().parse().unwrap()).collect() };
        let (a, b) = (ids(&p1), ids(&p2));
        assert!(a.windows(2).all(|w| w[0] < w[1]) && a.last() < b.first(), "{a:?} {b:?}");
        let big = scim(addr, "GET", "/Users?count=100000&startIndex=-5", None, w, &[]).await;
        assert_eq!((big.body["startIndex"].as_i64(), big.body["itemsPerPage"].as_i64()), (Some(1), Some(total.min(200))));
        let past = scim(addr, "GET", &format!("/Users?startIndex={}", total + 1), None, w, &[]).await;
        assert_eq!(past.body["Resources"], json!([]));
        let searched = scim(addr, "POST", "/Users/.search", Some(r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"userName eq \"alan@corp\"","attributes":["userName"]}"#), w, &[]).await;
        assert_eq!(searched.body["Resources"], json!([{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": searched.body["Resources"][0]["id"], "userName": "alan@corp", "meta": searched.body["Resources"][0]["meta"]}]));

        // Malformed filters and parameters: 400 invalidFilter / invalidValue.
        for bad in [r#"userName eq"#, r#"userName zz "a""#, r#"(userName eq "a""#, r#"title eq "boss""#, r#"active eq "yes""#, "userName eq \"a\" junk"] {
            let r = list(bad).await;
            assert_eq!(r.error(), (400, Some("invalidFilter".into())), "{bad}");
        }
        assert_eq!(scim(addr, "GET", "/Users?count=many", None, w, &[]).await.error(), (400, Some("invalidValue".into())));
        let nul = scim(addr, "GET", "/Users?filter=userName%20eq%20%22a%00b%22", None, w, &[]).await;
        assert_eq!(nul.error().0, 400);
    }

    async fn patch_changes_what_is_named_and_honours_etags(db) {
        let s = setup(&db).await;
        let (addr, w) = (s.addr, Some(s.write.as_str()));
        let made = scim(addr, "POST", "/Users", Some(&new_user("alan.turing", "alan.turing@northwind.example")), w, &[]).await;
        let id = made.body["id"].as_str().unwrap().to_string();
        let path = format!("/Users/{id}");
        let etag = made.header("etag").unwrap().to_string();
        let patch = |ops: Value| json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops}).to_string();

        // Entra ID's way: op in capitals, "False" as a string.
        let off = scim(addr, "PATCH", &path, Some(&patch(json!([{"op": "Replace", "path": "active", "value": "False"}]))), w, &[("If-Match", &etag)]).await;
        assert_eq!(off.status, 200, "{}", off.text);
        assert_eq!(off.body["active"], false);
        let new_etag = off.header("etag").unwrap().to_string();
        assert_ne!(new_etag, etag);
        // The old version no longer matches: 412, nothing changes.
        let stale = scim(addr, "PATCH", &path, Some(&patch(json!([{"op": "replace", "path": "active", "value": true}]))), w, &[("If-Match", &etag)]).await;
        assert_eq!(stale.error(), (412, None));
        assert_eq!(scim(addr, "PUT", &path, Some(&new_user("alan.turing", "alan.turing@northwind.example")), w, &[("If-Match", &etag)]).await.error(), (412, None));
        assert_eq!(scim(addr, "DELETE", &path, None, w, &[("If-Match", "W/\"999\"")]).await.error(), (412, None));
        assert_eq!(scim(addr, "GET", &path, None, w, &[]).await.body["active"], false);
        // If-None-Match with the current version: 304.
        assert_eq!(scim(addr, "GET", &path, None, w, &[("If-None-Match", &new_etag)]).await.status, 304);

        // Without a path, with paths, with a value filter.
        let ops = json!([
            {"op": "replace", "value": {"active": true, "name.familyName": "Mathison Turing"}},
            {"op": "add", "path": "urn:ietf:params:scim:schemas:core:2.0:User:name.givenName", "value": "Alan M."},
            {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "amt@northwind.example"},
            {"op": "remove", "path": "externalId"},
        ]);
        let r = scim(addr, "PATCH", &path, Some(&patch(ops)), w, &[("If-Match", &new_etag)]).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["active"], true);
        assert_eq!(r.body["name"], json!({"givenName": "Alan M.", "familyName": "Mathison Turing"}));
        assert_eq!(r.body["emails"], json!([{"value": "amt@northwind.example", "type": "work", "primary": true}]));
        assert!(r.body.get("externalId").is_none());
        let r = scim(addr, "PATCH", &path, Some(&patch(json!([{"op": "remove", "path": "name"}, {"op": "add", "path": "externalId", "value": "e-1"}]))), w, &[]).await;
        assert!(r.body.get("name").is_none() && r.body["externalId"] == "e-1", "{}", r.text);

        // Bad PatchOps: 400, nothing changes.
        for (body, kind) in [
            ("{not json".to_string(), "invalidSyntax"),
            (json!({"Operations": []}).to_string(), "invalidSyntax"),
            (patch(json!([{"op": "move", "path": "active"}])), "invalidSyntax"),
            (patch(json!([{"op": "remove"}])), "noTarget"),
            (patch(json!([{"op": "replace", "path": "active", "value": "maybe"}])), "invalidValue"),
            (patch(json!([{"op": "replace", "path": "userName", "value": ""}])), "invalidValue"),
            (patch(json!([{"op": "replace", "path": "emails[type eq]", "value": "x"}])), "invalidFilter"),
            (patch(json!([{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "not an email"}])), "invalidValue"),
        ] {
            let r = scim(addr, "PATCH", &path, Some(&body), w, &[]).await;
            assert_eq!(r.error(), (400, Some(kind.to_string())), "{body}");
        }
        assert_eq!(scim(addr, "GET", &path, None, w, &[]).await.body["externalId"], "e-1");
        // Another member's userName is taken.
        let taken = scim(addr, "PATCH", &path, Some(&patch(json!([{"op": "replace", "path": "userName", "value": MEMBER}]))), w, &[]).await;
        assert_eq!(taken.error(), (409, Some("uniqueness".into())));
    }

    async fn groups_are_roles_and_the_last_administrator_stays(db) {
        let s = setup(&db).await;
        let (addr, w) = (s.addr, Some(s.write.as_str()));
        let groups = scim(addr, "GET", "/Groups?excludedAttributes=members", None, w, &[]).await;
        let ids: Vec<&str> = groups.body["Resources"].as_array().unwrap().iter().map(|g| g["id"].as_str().unwrap()).collect();
        assert!(ids.contains(&"account_admin") && ids.contains(&"security_contact"), "{ids:?}");
        assert!(groups.body["Resources"][0].get("members").is_none());
        let found = scim(addr, "GET", "/Groups?filter=displayName%20eq%20%22Security%20Contact%22", None, w, &[]).await;
        assert_eq!(found.body["totalResults"], 1);
        assert_eq!(found.body["Resources"][0]["id"], "security_contact");

        let carla = membership_of(&db, s.account, MEMBER).await;
        let carla_id = carla.to_string();
        let patch = |ops: Value| json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops}).to_string();
        let added = scim(addr, "PATCH", "/Groups/security_contact", Some(&patch(json!([{"op": "add", "path": "members", "value": [{"value": carla.to_string()}]}]))), w, &[]).await;
        assert_eq!(added.status, 200, "{}", added.text);
        assert!(added.body["members"].as_array().unwrap().iter().any(|m| m["value"] == carla_id.as_str()));
        assert_ne!(role_bits(&db, carla).await & 4, 0, "Security Contact given");
        let user = scim(addr, "GET", &format!("/Users/{carla}"), None, w, &[]).await;
        assert!(user.body["groups"].as_array().unwrap().iter().any(|g| g["value"] == "security_contact"));
        let removed = scim(addr, "PATCH", "/Groups/security_contact", Some(&patch(json!([{"op": "remove", "path": format!("members[value eq \"{carla}\"]")}]))), w, &[]).await;
        assert_eq!(removed.status, 200, "{}", removed.text);
        assert_eq!(role_bits(&db, carla).await & 4, 0, "Security Contact taken away");
        // Entra ID removes with a value list.
        scim(addr, "PATCH", "/Groups/billing_contact", Some(&patch(json!([{"op": "add", "path": "members", "value": [{"value": carla.to_string()}]}]))), w, &[]).await;
        let r = scim(addr, "PATCH", "/Groups/billing_contact", Some(&patch(json!([{"op": "Remove", "path": "members", "value": [{"value": carla.to_string()}]}]))), w, &[]).await;
        assert_eq!(r.status, 200);
        assert_eq!(role_bits(&db, carla).await & 16, 0);

        // Every member holds the default role; unknown members and roles; roles are not made here.
        let default = scim(addr, "PATCH", "/Groups/general_support", Some(&patch(json!([{"op": "remove", "path": format!("members[value eq \"{carla}\"]")}]))), w, &[]).await;
        assert_eq!(default.error(), (400, Some("mutability".into())));
        let contoso = common::account_named(&db, "Contoso Health Cloud").await;
        let theirs: i64 = db.scalar(&sql!("SELECT id FROM memberships WHERE account_id = $1 LIMIT 1", contoso)).await.unwrap();
        let foreign = scim(addr, "PATCH", "/Groups/security_contact", Some(&patch(json!([{"op": "add", "path": "members", "value": [{"value": theirs.to_string()}]}]))), w, &[]).await;
        assert_eq!(foreign.error(), (400, Some("invalidValue".into())));
        assert_eq!(role_bits(&db, theirs).await & 4, 0);
        assert_eq!(scim(addr, "GET", "/Groups/emperor", None, w, &[]).await.error(), (404, None));
        assert_eq!(scim(addr, "POST", "/Groups", Some(r#"{"displayName":"Wizards"}"#), w, &[]).await.error().0, 403);
        assert_eq!(scim(addr, "POST", "/Groups", Some(r#"{"displayName":"Primary"}"#), w, &[]).await.error(), (409, Some("uniqueness".into())));
        assert_eq!(scim(addr, "DELETE", "/Groups/primary", None, w, &[]).await.error().0, 403);

        // PUT sets a role's members exactly; the last Account Administrator stays.
        let adam = membership_of(&db, s.account, ADMIN).await;
        let admins = scim(addr, "GET", "/Groups/account_admin", None, w, &[]).await;
        let others: Vec<i64> = admins.body["members"].as_array().unwrap().iter().map(|m| m["value"].as_str().unwrap().parse().unwrap()).filter(|i| *i != adam).collect();
        let only_adam = json!({"displayName": "Account Administrator", "members": [{"value": adam.to_string()}]}).to_string();
        let put = scim(addr, "PUT", "/Groups/account_admin", Some(&only_adam), w, &[]).await;
        assert_eq!(put.status, 200, "{}", put.text);
        assert_eq!(put.body["members"].as_array().unwrap().len(), 1);
        for o in &others {
            assert_eq!(role_bits(&db, *o).await & 2, 0);
        }
        // Operations are taken in order: a replace, then an add, leaves both holding it.
        let carla_and_adam = patch(json!([
            {"op": "replace", "path": "members", "value": [{"value": adam.to_string()}]},
            {"op": "add", "path": "members", "value": [{"value": carla.to_string()}]},
        ]));
        let both = scim(addr, "PATCH", "/Groups/security_contact", Some(&carla_and_adam), w, &[]).await;
        assert_eq!(both.status, 200, "{}", both.text);
        let held: BTreeSet<i64> = both.body["members"].as_array().unwrap().iter().map(|m| m["value"].as_str().unwrap().parse().unwrap()).collect();
        assert_eq!(held, BTreeSet::from([adam, carla]));
        // A change of several members is one change: refused for one, made for none.
        let newcomer = membership_of(&db, s.account, MEMBER).await;
        let half = patch(json!([{"op": "add", "path": "members", "value": [{"value": newcomer.to_string()}, {"value": "999999999"}]}]));
        let refused = scim(addr, "PATCH", "/Groups/account_admin", Some(&half), w, &[]).await;
        assert_eq!(refused.error(), (400, Some("invalidValue".into())), "{}", refused.text);
        assert_eq!(role_bits(&db, newcomer).await & 2, 0, "half of a refused group change was made");
        let last = scim(addr, "PATCH", "/Groups/account_admin", Some(&patch(json!([{"op": "remove", "path": "members"}]))), w, &[]).await;
        let (status, kind) = last.error();
        assert_eq!((status, kind.as_deref()), (409, Some("mutability")));
        assert!(last.body["detail"].as_str().unwrap().contains("last Account Administrator"), "{}", last.text);
        let deactivate = scim(addr, "PATCH", &format!("/Users/{adam}"), Some(&patch(json!([{"op": "replace", "path": "active", "value": false}]))), w, &[]).await;
        assert_eq!(deactivate.error().0, 409);
        // A PUT that renames the last administrator and deactivates them is one change:
        // refused whole, the name stays.
        let before = scim(addr, "GET", &format!("/Users/{adam}"), None, w, &[]).await;
        let mut renamed_off: Value = serde_json::from_str(&new_user("adam.renamed", ADMIN)).unwrap();
        renamed_off["active"] = json!(false);
        let put = scim(addr, "PUT", &format!("/Users/{adam}"), Some(&renamed_off.to_string()), w, &[]).await;
        assert_eq!(put.error().0, 409, "{}", put.text);
        let after = scim(addr, "GET", &format!("/Users/{adam}"), None, w, &[]).await;
        assert_eq!(after.body["userName"], before.body["userName"], "half of a refused PUT was made");
        assert_eq!(after.body["active"], true);
        assert_eq!(scim(addr, "DELETE", &format!("/Users/{adam}"), None, w, &[]).await.error().0, 409);
        let renamed = scim(addr, "PUT", "/Groups/account_admin", Some(r#"{"displayName":"Overlords","members":[]}"#), w, &[]).await;
        assert_eq!(renamed.error(), (400, Some("mutability".into())));
        assert_ne!(role_bits(&db, adam).await & 2, 0);
    }

    async fn delete_runs_the_case_cascade(db) {
        let s = setup(&db).await;
        let (addr, w) = (s.addr, Some(s.write.as_str()));
        // A member who is primary contact of an open case of the account.
        let found: Option<(i64, i64)> = db
            .fetch_optional(&sql!(
                "SELECT m.id, m.person_id FROM cases c JOIN memberships m ON m.account_id = c.account_id \
                 AND m.person_id = c.primary_contact_id JOIN people p ON p.id = m.person_id \
                 WHERE c.account_id = $1 AND c.status = 'open' AND p.email_key <> $2 ORDER BY m.id LIMIT 1",
                s.account,
                ADMIN
            ))
            .await
            .unwrap();
        let (member, person) = found.expect("the demo data has open cases with a primary contact");
        let adam: i64 = db.scalar(&sql!("SELECT id FROM people WHERE email_key = $1", ADMIN)).await.unwrap();
        let owned: i64 = db
            .scalar(&sql!("SELECT COUNT(*) FROM cases WHERE account_id = $1 AND status = 'open' AND primary_contact_id = $2", s.account, person))
            .await
            .unwrap();
        let adams_before: i64 = db
            .scalar(&sql!("SELECT COUNT(*) FROM cases WHERE account_id = $1 AND status = 'open' AND primary_contact_id = $2", s.account, adam))
            .await
            .unwrap();
        let gone = scim(addr, "DELETE", &format!("/Users/{member}"), None, w, &[]).await;
        assert_eq!(gone.status, 204, "{}", gone.text);
        let left: i64 = db
            .scalar(&sql!(
                "SELECT (SELECT COUNT(*) FROM cases WHERE account_id = $1 AND primary_contact_id = $2) \
                 + (SELECT COUNT(*) FROM case_contacts cc JOIN cases c ON c.id = cc.case_id WHERE c.account_id = $1 AND cc.person_id = $2) \
                 + (SELECT COUNT(*) FROM case_followers cf JOIN cases c ON c.id = cf.case_id WHERE c.account_id = $1 AND cf.person_id = $2)",
                s.account,
                person
            ))
            .await
            .unwrap();
        assert_eq!(left, 0, "off every case of the account");
        let adams_after: i64 = db
            .scalar(&sql!("SELECT COUNT(*) FROM cases WHERE account_id = $1 AND status = 'open' AND primary_contact_id = $2", s.account, adam))
            .await
            .unwrap();
        assert_eq!(adams_after, adams_before + owned, "the token's maker takes over the open cases");
    }

    async fn only_a_live_token_of_the_account_opens_it(db) {
        let s = setup(&db).await;
        let addr = s.addr;
        let carla = membership_of(&db, s.account, MEMBER).await;
        let body = new_user("someone", "someone@northwind.example");
        let before: i64 =
            db.scalar(&sql!("SELECT COUNT(*) FROM memberships WHERE account_id = $1", s.account)).await.unwrap();

        let none = scim(addr, "GET", "/Users", None, None, &[]).await;
        assert_eq!(none.error(), (401, None));
        assert!(none.header("www-authenticate").is_some_and(|h| h.starts_with("Bearer")));
        assert_eq!(scim(addr, "POST", "/Users", Some(&body), Some("roster_forged"), &[]).await.error(), (401, None));
        // The discovery documents need no token.
        assert_eq!(scim(addr, "GET", "/ServiceProviderConfig", None, None, &[]).await.status, 200);

        // A read-only token reads and may not write.
        let read = Some(s.read.as_str());
        assert_eq!(scim(addr, "GET", &format!("/Users/{carla}"), None, read, &[]).await.status, 200);
        let p = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}"#;
        for (m, path, b) in [
            ("POST", "/Users".to_string(), Some(body.as_str())),
            ("PATCH", format!("/Users/{carla}"), Some(p)),
            ("PUT", format!("/Users/{carla}"), Some(body.as_str())),
            ("DELETE", format!("/Users/{carla}"), None),
            ("PATCH", "/Groups/primary".to_string(), Some(p)),
        ] {
            assert_eq!(scim(addr, m, &path, b, read, &[]).await.error(), (403, None), "{m} {path}");
        }

        // Another account's token sees and changes nothing of this account.
        let contoso = common::account_named(&db, "Contoso Health Cloud").await;
        let operator = common::as_operator(&db, contoso).await;
        let theirs = api_tokens::create(&db, &operator, "Entra", TokenScope::Write, 30).await.unwrap().secret;
        let t = Some(theirs.as_str());
        assert_eq!(scim(addr, "GET", &format!("/Users/{carla}"), None, t, &[]).await.error(), (404, None));
        assert_eq!(scim(addr, "DELETE", &format!("/Users/{carla}"), None, t, &[]).await.error(), (404, None));
        assert_eq!(scim(addr, "PATCH", &format!("/Users/{carla}"), Some(p), t, &[]).await.error(), (404, None));
        let listed = scim(addr, "GET", &q(&format!(r#"userName eq "{MEMBER}""#)), None, t, &[]).await;
        assert_eq!(listed.body["totalResults"], 0);
        let group = scim(addr, "PATCH", "/Groups/security_contact", Some(&json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "add", "path": "members", "value": [{"value": carla.to_string()}]}]}).to_string()), t, &[]).await;
        assert_eq!(group.error(), (400, Some("invalidValue".into())));

        // A revoked token opens nothing.
        let admin = common::admin_of(&db, ADMIN, s.account).await;
        let okta = api_tokens::list(&db, &admin).await.unwrap().into_iter().find(|t| t.name == "Okta").unwrap();
        api_tokens::revoke(&db, &admin, okta.id).await.unwrap();
        assert_eq!(scim(addr, "POST", "/Users", Some(&body), Some(&s.write), &[]).await.error(), (401, None));

        let after: i64 =
            db.scalar(&sql!("SELECT COUNT(*) FROM memberships WHERE account_id = $1", s.account)).await.unwrap();
        assert_eq!(after, before);
        assert_eq!(role_bits(&db, carla).await & 4, 0);
    }

    async fn every_answer_is_scim_even_for_bad_requests(db) {
        let s = setup(&db).await;
        let (addr, w) = (s.addr, Some(s.write.as_str()));
        assert_eq!(scim(addr, "POST", "/Users", Some("{not json"), w, &[]).await.error(), (400, Some("invalidSyntax".into())));
        assert_eq!(scim(addr, "POST", "/Users", Some("[1,2]"), w, &[]).await.error(), (400, Some("invalidSyntax".into())));
        assert_eq!(scim(addr, "POST", "/Users", Some(r#"{"emails":[{"value":"x@northwind.example"}]}"#), w, &[]).await.error(), (400, Some("invalidValue".into())));
        assert_eq!(scim(addr, "POST", "/Users", Some(r#"{"userName":"no-email"}"#), w, &[]).await.error(), (400, Some("invalidValue".into())));
        assert_eq!(scim(addr, "POST", "/Users", Some(r#"{"userName":7}"#), w, &[]).await.error(), (400, Some("invalidValue".into())));
        let long = json!({"userName": "x".repeat(300), "emails": [{"value": "long@northwind.example"}]}).to_string();
        assert_eq!(scim(addr, "POST", "/Users", Some(&long), w, &[]).await.error(), (400, Some("invalidValue".into())));
        let huge = format!(r#"{{"userName":"{}"}}"#, "x".repeat(2 * 1024 * 1024));
        assert_eq!(scim(addr, "POST", "/Users", Some(&huge), w, &[]).await.error(), (413, None));
        assert_eq!(scim(addr, "GET", "/Nothing", None, w, &[]).await.error(), (404, None));
        assert_eq!(scim(addr, "DELETE", "/Users", None, w, &[]).await.error(), (405, None));
        assert_eq!(scim(addr, "POST", "/Schemas", Some("{}"), w, &[]).await.error(), (405, None));

        // Discovery.
        let spc = scim(addr, "GET", "/ServiceProviderConfig", None, w, &[]).await;
        assert_eq!((spc.body["patch"]["supported"].as_bool(), spc.body["etag"]["supported"].as_bool()), (Some(true), Some(true)));
        let types = scim(addr, "GET", "/ResourceTypes", None, w, &[]).await;
        assert_eq!(types.body["totalResults"], 2);
        let user = scim(addr, "GET", "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User", None, w, &[]).await;
        let attrs: Vec<&str> = user.body["attributes"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
        assert_eq!(attrs, ["userName", "name", "displayName", "emails", "active", "groups"]);
    }
}
