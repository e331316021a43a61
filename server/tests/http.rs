//! The HTTP layer's protections (issue 11), through the real router on SQLite and on
//! PostgreSQL: state-changing requests must name this site as their origin, server
//! functions do not run on GET, every answer carries the security headers (a page's
//! Content-Security-Policy with the nonce its scripts carry), Sent mail shows no usable
//! link, and a page shows only messages Roster wrote, never text from its URL.

use crate::common;

use std::net::SocketAddr;

use common::http::{send, send_headers, send_with, sign_in, Origin, Reply};
use common::personas::{ADMIN, OPERATOR};

use app::backend::mail::outbox::{enqueue, Email};
use app::backend::Db;
use app::sql;
use server::security::Site;
use server::seed::{seed, SeedOptions};

/// Seeds the database and serves the router for `site` on a random port.
async fn serve(db: &Db, site: Site) -> SocketAddr {
    if server::seed::is_empty(db).await.unwrap() {
        let now = app::backend::now();
        seed(db, &SeedOptions { members: 40, seed: 11, now: now - now % 86_400 }).await.expect("seed");
    }
    let addr = common::serve_router(db, site).await;
    addr
}

/// Northwind Production, the account the demo administrator manages.
async fn northwind(db: &Db) -> i64 {
    common::account_named(db, "Northwind Production").await
}

/// A refusal of the same-origin check: 403 with a JSON error, nothing done.
fn assert_refused(reply: &Reply, what: &str) {
    assert_eq!(reply.status, 403, "{what}: {}", reply.text());
    let error = reply.json_error();
    assert!(
        error == server::security::CROSS_SITE || error == server::security::NO_ORIGIN,
        "{what}: refused for another reason: {error}"
    );
}

/// The value of `name="…"` in an HTML tag.
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let start = tag.find(&format!("{name}=\""))? + name.len() + 2;
    tag[start..].split('"').next()
}

/// Every opening `<script …>` tag of a page.
fn script_tags(html: &str) -> Vec<&str> {
    html.match_indices("<script").filter_map(|(i, _)| html[i..].split_once('>').map(|(tag, _)| tag)).collect()
}

/// The nonce of a page's Content-Security-Policy, after checking the policy's other
/// rules.
fn policy_nonce(reply: &Reply) -> String {
    let policy = reply.header("content-security-policy").expect("a Content-Security-Policy");
    for rule in ["frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'", "form-action 'self'"] {
        assert!(policy.contains(rule), "{rule} is missing from {policy}");
    }
    let script_src = policy.split(';').map(str::trim).find(|d| d.starts_with("script-src ")).expect("script-src");
    assert!(!script_src.contains("'unsafe-inline'") && !script_src.contains("'unsafe-eval'"), "{script_src}");
    let nonce = script_src.split_whitespace().find_map(|s| s.strip_prefix("'nonce-")).expect("a script nonce");
    nonce.trim_end_matches('\'').to_string()
}

backend_tests! {
    async fn a_signed_in_post_must_come_from_a_page_of_this_site(db) {
        let addr = serve(&db, Site::default()).await;
        let cookie = sign_in(addr, OPERATOR, None).await;
        let account = northwind(&db).await;
        // A write that changes something visible: Carla's deactivation.
        let carla: (i64,) = db
            .fetch_optional(&sql!(
                "SELECT m.id FROM memberships m JOIN people p ON p.id = m.person_id \
                 WHERE m.account_id = $1 AND p.email_key = 'carla.contact@northwind.example'",
                account
            ))
            .await
            .unwrap()
            .expect("Carla is a member of Northwind Production");
        let deactivate = format!("FORM /api/members/active account={account}&membership={}&active=false", carla.0);
        let carla_status = || async {
            db.scalar::<String>(&sql!("SELECT status FROM memberships WHERE id = $1", carla.0)).await.unwrap()
        };

        let https_here = format!("https://{addr}");
        let other_port = format!("http://127.0.0.1:{}", addr.port().wrapping_add(1).max(1));
        let refusals = [
            ("no Origin or Referer", Origin::None),
            ("another site", Origin::Foreign("https://evil.example")),
            ("this host over https", Origin::Foreign(&https_here)),
            ("this host on another port", Origin::Foreign(&other_port)),
            ("a sandboxed page (Origin: null)", Origin::Foreign("null")),
            ("a Referer of another site", Origin::Referer("https://evil.example/sign-in")),
        ];
        for (what, origin) in refusals {
            let reply = send_with(addr, &deactivate, Some(&cookie), origin).await;
            assert_refused(&reply, what);
            assert_eq!(carla_status().await, "active", "{what}: the write was made");
        }

        // From a page of this site, named by Origin or (older browsers) by Referer.
        let reply = send_with(addr, &deactivate, Some(&cookie), Origin::Referer(&format!("http://{addr}/accounts"))).await;
        assert!(reply.status < 400, "{} {}", reply.status, reply.text());
        assert_eq!(carla_status().await, "inactive");
        let reactivate = deactivate.replace("active=false", "active=true");
        let reply = send_with(addr, &reactivate, Some(&cookie), Origin::Site).await;
        assert!(reply.status < 400, "{} {}", reply.status, reply.text());
        assert_eq!(carla_status().await, "active");

        // Without a session a call may name no page (a script, a first sign-in), but a
        // page of another site is still refused.
        let reply = send_with(addr, "FORM /api/me", None, Origin::None).await;
        assert_eq!(reply.status, 200, "{}", reply.text());
        let reply = send_with(addr, "FORM /api/me", None, Origin::Foreign("https://evil.example")).await;
        assert_refused(&reply, "an anonymous call from another site");
        let sign_in_call = format!("FORM /api/sign_in email={}&password=x&next=%2F", ADMIN.replace('@', "%40"));
        let reply = send_with(addr, &sign_in_call, None, Origin::Foreign("https://evil.example")).await;
        assert_refused(&reply, "a sign-in from another site");
    }

    async fn behind_a_public_url_its_scheme_host_and_port_are_the_origin(db) {
        let addr = serve(&db, Site::at(Some("https://roster.test")).unwrap()).await;
        let sign_in_call = format!(
            "FORM /api/sign_in email={}&password={}&next=%2F",
            OPERATOR.replace('@', "%40"),
            server::seed::DEMO_PASSWORD
        );
        let reply = send_with(addr, &sign_in_call, None, Origin::Foreign("https://roster.test")).await;
        assert!(reply.status < 400, "{} {}", reply.status, reply.text());
        let cookie = reply.session_cookie().expect("a session cookie");
        assert!(
            reply.header("set-cookie").is_some_and(|c| c.contains("Secure")),
            "the session cookie of an https site is Secure"
        );
        let reply = send_with(addr, "FORM /api/accounts", Some(&cookie), Origin::Foreign("https://roster.test:443")).await;
        assert_eq!(reply.status, 200, "{}", reply.text());
        // The Host the request names does not matter; the scheme does.
        for (what, origin) in [
            ("the public host over http", Origin::Foreign("http://roster.test")),
            ("the address the server listens on", Origin::Site),
            ("the public host on another port", Origin::Foreign("https://roster.test:8443")),
            ("no origin", Origin::None),
        ] {
            assert_refused(&send_with(addr, "FORM /api/accounts", Some(&cookie), origin).await, what);
        }
    }

    async fn server_functions_do_not_run_on_get(db) {
        let addr = serve(&db, Site::default()).await;
        let cookie = sign_in(addr, ADMIN, None).await;
        for call in ["GET /api/sign_out", "GET /api/accounts", "GET /api/sign_in?email=a%40b.example&password=x"] {
            let reply = send(addr, call, Some(&cookie)).await;
            assert_eq!(reply.status, 405, "{call}: {}", reply.text());
        }
        // The GET of sign_out did not end the session.
        let reply = send(addr, "FORM /api/accounts", Some(&cookie)).await;
        assert_eq!(reply.status, 200, "{}", reply.text());
    }

    async fn every_answer_carries_the_security_headers(db) {
        let addr = serve(&db, Site::default()).await;
        let cookie = sign_in(addr, ADMIN, None).await;
        let account = northwind(&db).await;
        let mut nonces = Vec::new();
        for (target, cookie) in [
            ("/sign-in".to_string(), None),
            (format!("/accounts/{account}/users"), Some(cookie.as_str())),
            ("/no-such-page".to_string(), None),
        ] {
            let reply = send(addr, &format!("GET {target}"), cookie).await;
            assert!(reply.header("content-type").is_some_and(|t| t.starts_with("text/html")), "{target}");
            let nonce = policy_nonce(&reply);
            let html = reply.text();
            let scripts = script_tags(&html);
            assert!(!scripts.is_empty(), "{target} has no scripts to hydrate with");
            for tag in scripts {
                assert_eq!(attribute(tag, "nonce"), Some(nonce.as_str()), "{target}: {tag}");
            }
            assert_eq!(reply.header("x-content-type-options"), Some("nosniff"), "{target}");
            assert_eq!(reply.header("referrer-policy"), Some("same-origin"), "{target}");
            assert_eq!(reply.header("strict-transport-security"), None, "{target}: HSTS over http");
            nonces.push(nonce);
        }
        nonces.sort();
        nonces.dedup();
        assert_eq!(nonces.len(), 3, "every page load gets its own nonce");

        // Answers that are not pages: nothing in them may run, nothing may frame them.
        for (call, cookie) in [
            ("FORM /api/me", None),
            ("GET /healthz", None),
            (&*format!("GET /accounts/{account}/users/export.csv"), Some(cookie.as_str())),
            ("FORM /api/accounts", Some("roster_session=forged")),
        ] {
            let reply = send_with(addr, call, cookie, Origin::None).await;
            assert_eq!(reply.header("x-content-type-options"), Some("nosniff"), "{call}");
            let policy = reply.header("content-security-policy").unwrap_or_default();
            assert!(policy.contains("default-src 'none'") && policy.contains("frame-ancestors 'none'"), "{call}: {policy}");
        }

        // Over https, browsers are told to stay on https.
        let secure = serve(&db, Site::at(Some("https://roster.test")).unwrap()).await;
        for call in ["GET /sign-in", "GET /healthz"] {
            let reply = send(secure, call, None).await;
            let hsts = reply.header("strict-transport-security").unwrap_or_default();
            assert!(hsts.starts_with("max-age=") && !hsts.starts_with("max-age=0"), "{call}: {hsts}");
        }
    }

    async fn sent_mail_never_shows_a_usable_link(db) {
        let addr = serve(&db, Site::default()).await;
        let account = northwind(&db).await;
        // A real invitation, and one email of each kind of one-time link.
        let admin = sign_in(addr, ADMIN, None).await;
        let invite = format!(
            r#"JSON /api/invitations/new {{"account":{account},"name":"Ines Invitee","email":"ines@northwind.example","change":{{"roles":[],"cloud":null}}}}"#
        );
        let reply = send(addr, &invite, Some(&admin)).await;
        assert!(reply.status < 400, "{} {}", reply.status, reply.text());
        let mut tx = db.begin().await.unwrap();
        for (path, to) in [("reset-password", "fay@example.org"), ("verify-email", "rita@example.org")] {
            let link = format!("http://roster.test/{path}/{}", "a1b2".repeat(16));
            let email = Email {
                to: to.into(),
                subject: format!("Your {path} link"),
                text: format!("Follow it:\n{link}\n"),
                html: format!("<p><a href=\"{link}\">Follow it</a></p>"),
            };
            enqueue(&mut tx, &email).await.unwrap();
        }
        tx.commit().await.unwrap();
        let stored: Vec<(String,)> = db.fetch_all(&sql!("SELECT body_text FROM outbox ORDER BY id")).await.unwrap();
        let tokens: Vec<String> = stored
            .iter()
            .flat_map(|(body,)| {
                ["/invitations/", "/reset-password/", "/verify-email/"].into_iter().filter_map(move |path| {
                    let at = body.find(path)? + path.len();
                    Some(body[at..].split_whitespace().next().unwrap_or_default().to_string())
                })
            })
            .collect();
        assert_eq!(tokens.len(), 3, "one link of each kind in {stored:?}");
        assert!(tokens.iter().all(|t| t.len() >= 32), "{tokens:?}");

        let operator = sign_in(addr, OPERATOR, None).await;
        let listed = send(addr, "FORM /api/mail", Some(&operator)).await;
        let page = send(addr, "GET /mail", Some(&operator)).await;
        assert_eq!((listed.status, page.status), (200, 200), "{}", listed.text());
        for (what, reply) in [("the server function", &listed), ("the page", &page)] {
            let text = reply.text();
            for token in &tokens {
                assert!(!text.contains(token.as_str()), "{what} shows the token {token}");
            }
            for path in ["/invitations/…", "/reset-password/…", "/verify-email/…"] {
                assert!(text.contains(path), "{what} does not show the hidden link {path}");
            }
        }
        // What is stored is untouched until it is delivered: the recipient needs it.
        let still: Vec<(String,)> = db.fetch_all(&sql!("SELECT body_text FROM outbox ORDER BY id")).await.unwrap();
        assert_eq!(still, stored);
    }

    async fn pages_show_only_messages_roster_wrote(db) {
        let addr = serve(&db, Site::default()).await;
        // Text in `?error=` is not shown, markup or not.
        let forged = "Your%20account%20is%20locked.%20Call%20%2B1%20555%200100";
        for query in ["%3Cscript%3Ealert(1)%3C%2Fscript%3E", forged] {
            let reply = send(addr, &format!("GET /sign-in?error={query}"), None).await;
            assert_eq!(reply.status, 200);
            let html = reply.text();
            assert!(!html.contains("alert(1)"), "the page shows the forged script: {html}");
            assert!(!html.contains("Your account is locked"), "the page shows the forged text");
        }

        // A form posted without JavaScript that fails goes back to its page, which shows
        // Roster's message for it once.
        let html = [("Accept", "text/html")];
        let wrong = format!("FORM /api/sign_in email={}&password=not-the-password&next=%2F", ADMIN.replace('@', "%40"));
        let referer = format!("http://{addr}/sign-in?next=%2F&error=forged");
        let reply = send_headers(addr, &wrong, None, Origin::Referer(&referer), &html).await;
        assert!((300..400).contains(&reply.status), "{} {}", reply.status, reply.text());
        assert_eq!(reply.header("location"), Some("/sign-in?next=%2F"));
        let cookie = reply.session_cookie().expect("the message is kept in a session");
        // The session keeps the email typed, and not the password.
        let store = server::sessions::Store::for_db(&db).await.unwrap();
        let id: tower_sessions::session::Id = cookie.split_once('=').unwrap().1.parse().unwrap();
        let kept = format!("{:?}", tower_sessions::SessionStore::load(&store, &id).await.unwrap().expect("stored").data);
        assert!(kept.contains(ADMIN) && !kept.contains("not-the-password"), "{kept}");
        let back = send_headers(addr, "GET /sign-in?next=%2F", Some(&cookie), Origin::None, &html).await;
        assert!(back.text().contains("The email or password is not right."), "{}", back.text());
        assert!(!back.text().contains("forged"));
        // The email typed comes back in its field; the password is kept nowhere.
        assert!(back.text().contains(&format!("value=\"{ADMIN}\"")), "{}", back.text());
        assert!(!back.text().contains("not-the-password"));
        let again = send_headers(addr, "GET /sign-in?next=%2F", Some(&cookie), Origin::None, &html).await;
        assert!(!again.text().contains("The email or password is not right."), "the message is shown once");

        // A message left for one page is not shown on another.
        let reply = send_headers(addr, &wrong, Some(&cookie), Origin::Referer(&referer), &html).await;
        assert!((300..400).contains(&reply.status), "{} {}", reply.status, reply.text());
        let elsewhere = send_headers(addr, "GET /forgot-password", Some(&cookie), Origin::None, &html).await;
        assert!(!elsewhere.text().contains("The email or password is not right."));
        let back = send_headers(addr, "GET /sign-in?next=%2F", Some(&cookie), Origin::None, &html).await;
        assert!(!back.text().contains("The email or password is not right."), "a message is for the next page load only");
    }

    async fn a_visitor_who_is_not_signed_in_is_sent_to_sign_in_and_back(db) {
        let addr = serve(&db, Site::default()).await;
        let account = northwind(&db).await;
        let html = [("Accept", "text/html")];
        let page = format!("GET /accounts/{account}/users?sort=email&dir=desc");
        let reply = send_headers(addr, &page, None, Origin::None, &html).await;
        assert!((300..400).contains(&reply.status), "{} {}", reply.status, reply.text());
        let to = format!("/sign-in?next=%2Faccounts%2F{account}%2Fusers%3Fsort%3Demail%26dir%3Ddesc");
        assert_eq!(reply.header("location"), Some(to.as_str()));
        let form = send(addr, &format!("GET {to}"), None).await;
        assert_eq!(form.status, 200);
        assert!(form.text().contains(&format!("value=\"/accounts/{account}/users?sort=email&amp;dir=desc\"")), "{}", form.text());
    }
}
