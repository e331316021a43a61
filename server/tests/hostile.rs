//! Hostile payloads (issue 17), over HTTP through the real router, on SQLite and on
//! PostgreSQL. Every server function the app registers, every page and the downloads are
//! fed generated junk by each kind of caller (anonymous, member, deactivated member,
//! Account Administrator, vendor operator): wrong types, missing, repeated and nested
//! fields, truncated and deeply nested JSON, huge numbers, long strings, control and
//! text-direction characters, invalid UTF-8, SQL and HTML. No answer may be a server
//! error (status 500 or over), and every request must get a complete answer: a handler
//! that panics drops its connection. Text that looks like SQL or HTML is stored, and shown
//! on the pages, as the text it is.
//!
//! The fuzz is bounded and reproducible: `ROSTER_FUZZ_ROUNDS` rounds (each calls every
//! server function once and a few pages), generated from `ROSTER_FUZZ_SEED` (by default
//! taken from the clock; it is printed, and a failure names it). A longer run by hand:
//!
//! ```text
//! ROSTER_FUZZ_ROUNDS=500 RUSTFLAGS="--cfg erase_components" \
//!     cargo test -p server --test suite hostile:: -- --nocapture
//! ```
//!
//! and a failure replayed with the `ROSTER_FUZZ_SEED` and `ROSTER_FUZZ_ROUNDS` it names.

use crate::common;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use app::backend::{Backend, Db};
use app::model::{
    BulkAction, CaseDetails, CaseList, CaseQuery, ConsoleOrganisation, Cursor, CursorKey, FilterColumn, MemberPage,
    MemberQuery, NewContact, PageCursor, PersonRef, RoleChange, Selection,
};
use app::sql;
use common::http::{sign_in_form, Reply};
use common::personas::{ADMIN, INACTIVE, MEMBER, NEWCOMER, OPERATOR, UNREGISTERED};
use serde_json::{json, Value};
use server::seed::{seed, SeedOptions};
use server::sessions::COOKIE;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Rounds when `ROSTER_FUZZ_ROUNDS` is not set: about 3,400 requests per backend, 10 to
/// 25 seconds each in a debug build on two cores with both backends at once; within a
/// minute even on a busy machine.
const DEFAULT_ROUNDS: u64 = 60;

/// Pages and downloads asked for in each round, besides one call of every server function.
const PAGES_PER_ROUND: usize = 10;

/// The longest one answer may take before it counts as none: far beyond any request here.
const ANSWER_WITHIN: Duration = Duration::from_secs(30);

// ---------------------------------------------------------------------------------------
// Settings and the random source

/// A number from the environment, or `default`.
fn setting(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v.trim().parse().unwrap_or_else(|_| panic!("{name}={v} is not a whole number")),
        Err(_) => default,
    }
}

/// `ROSTER_FUZZ_SEED`, or one from the clock: the same for both backends of one run, so
/// that a failure on one can be replayed on the other.
fn fuzz_seed() -> u64 {
    static SEED: OnceLock<u64> = OnceLock::new();
    *SEED.get_or_init(|| {
        let clock = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        setting("ROSTER_FUZZ_SEED", clock % 1_000_000_007)
    })
}

/// splitmix64: a few lines, and the same sequence for a seed on every platform and with
/// every version of every crate, which is what makes a printed seed worth printing.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

// ---------------------------------------------------------------------------------------
// The client

/// One request as it goes on the wire.
#[derive(Clone, Debug)]
struct Call {
    method: &'static str,
    target: String,
    content_type: Option<String>,
    body: Vec<u8>,
    /// Extra headers (a browser's Accept, a Referer, a forged Origin, a junk cookie).
    headers: Vec<(String, String)>,
    /// Send no Origin header; by default a POST names this site, as a page of it would,
    /// so that the payload gets past the same-origin check to the function.
    no_origin: bool,
    /// Send this Cookie header instead of the persona's (a forged or mangled session).
    cookie: Option<String>,
}

impl Call {
    fn get(target: String) -> Call {
        Call {
            method: "GET",
            target,
            content_type: None,
            body: Vec::new(),
            headers: Vec::new(),
            no_origin: false,
            cookie: None,
        }
    }

    fn post(target: &str, content_type: &str, body: Vec<u8>) -> Call {
        Call {
            method: "POST",
            target: target.to_string(),
            content_type: Some(content_type.to_string()),
            body,
            headers: Vec::new(),
            no_origin: false,
            cookie: None,
        }
    }

    fn form(target: &str, body: &str) -> Call {
        Call::post(target, FORM, body.as_bytes().to_vec())
    }

    fn json(target: &str, body: &Value) -> Call {
        Call::post(target, "application/json", body.to_string().into_bytes())
    }

    /// How a failure names the call: method, target, unusual headers and the body, each
    /// cut to 200 characters, control characters escaped so that the report stays
    /// readable and shows what was sent.
    fn describe(&self) -> String {
        let mut s = format!("{} {}", self.method, cut(&self.target, 200));
        if let Some(t) = &self.content_type {
            s.push_str(&format!(" [{}]", cut(t, 60)));
        }
        for (name, value) in &self.headers {
            s.push_str(&format!(" [{name}: {}]", cut(value, 60)));
        }
        if let Some(c) = &self.cookie {
            s.push_str(&format!(" [Cookie: {}]", cut(c, 60)));
        }
        if self.no_origin {
            s.push_str(" [no Origin]");
        }
        if !self.body.is_empty() {
            s.push_str(&format!(
                " body ({} bytes): {}",
                self.body.len(),
                cut(&String::from_utf8_lossy(&self.body), 200)
            ));
        }
        s
    }
}

const FORM: &str = "application/x-www-form-urlencoded";

/// At most `max` characters of `text`, escaped for a one-line report.
fn cut(text: &str, max: usize) -> String {
    let escaped: String = text.chars().take(max).flat_map(char::escape_debug).collect();
    if text.chars().count() > max {
        format!("{escaped}…")
    } else {
        escaped
    }
}

/// Sends `call` as `cookie`'s holder and reads the whole answer. `common::http` panics on
/// what it cannot read and takes the body as text; this sends raw bytes (invalid UTF-8
/// included) and reports a missing or broken answer as an error, so that the failure
/// names the call and the persona that produced it.
async fn exchange(addr: SocketAddr, call: &Call, cookie: Option<&str>) -> Result<Reply, String> {
    let mut head = format!("{} {} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n", call.method, call.target);
    if let Some(c) = call.cookie.as_deref().or(cookie) {
        head.push_str(&format!("Cookie: {c}\r\n"));
    }
    if call.method == "POST" && !call.no_origin {
        head.push_str(&format!("Origin: http://{addr}\r\n"));
    }
    for (name, value) in &call.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(t) = &call.content_type {
        head.push_str(&format!("Content-Type: {t}\r\n"));
    }
    if call.method == "POST" {
        head.push_str(&format!("Content-Length: {}\r\n", call.body.len()));
    }
    head.push_str("\r\n");
    let mut request = head.into_bytes();
    request.extend_from_slice(&call.body);
    let talk = async {
        let mut conn = tokio::net::TcpStream::connect(addr).await?;
        // The server may answer (413, 400) and close before it has read a large body,
        // which can fail the rest of the write and reset the connection after the
        // answer: what arrived before the error still counts when it is complete.
        let _ = conn.write_all(&request).await;
        let (mut raw, mut chunk) = (Vec::new(), vec![0u8; 64 * 1024]);
        loop {
            match conn.read(&mut chunk).await {
                Ok(0) => return Ok((raw, None)),
                Ok(n) => raw.extend_from_slice(&chunk[..n]),
                Err(e) => return Ok::<_, std::io::Error>((raw, Some(e))),
            }
        }
    };
    match tokio::time::timeout(ANSWER_WITHIN, talk).await {
        Err(_) => Err(format!("no answer within {ANSWER_WITHIN:?}")),
        Ok(Err(e)) => Err(format!("the connection failed: {e}")),
        Ok(Ok((raw, error))) => match (parse_reply(&raw), error) {
            (Ok(reply), _) => Ok(reply),
            (Err(why), None) => Err(why),
            (Err(_), Some(e)) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                Err("the connection was reset without a complete answer (a panic?)".into())
            }
            (Err(_), Some(e)) => Err(format!("the connection failed before a complete answer: {e}")),
        },
    }
}

/// The answer in `raw`, or why it is not a complete one.
fn parse_reply(raw: &[u8]) -> Result<Reply, String> {
    let Some(split) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Err(if raw.is_empty() {
            "the connection closed without an answer (a panic?)".into()
        } else {
            format!("an answer cut short in its headers: {}", cut(&String::from_utf8_lossy(raw), 200))
        });
    };
    let head = String::from_utf8_lossy(&raw[..split]);
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| format!("no status line: {}", cut(&head, 200)))?;
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_string(), v.trim().to_string())).collect();
    let header = |name: &str| headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str());
    let rest = &raw[split + 4..];
    let body = if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        dechunk(rest).ok_or_else(|| format!("{status}: the chunked body was cut short"))?
    } else if let Some(len) = header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        if rest.len() < len {
            return Err(format!("{status}: the body was cut short: {} of {len} bytes", rest.len()));
        }
        rest[..len].to_vec()
    } else {
        rest.to_vec()
    };
    Ok(Reply { status, headers, body })
}

/// A chunked body, or None when it does not end as one must (with its last chunk).
fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let eol = data.windows(2).position(|w| w == b"\r\n")?;
        let size_line = std::str::from_utf8(&data[..eol]).ok()?;
        let size = usize::from_str_radix(size_line.split(';').next()?.trim(), 16).ok()?;
        data = &data[eol + 2..];
        if size == 0 {
            return Some(out);
        }
        if data.len() < size + 2 {
            return None;
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

// ---------------------------------------------------------------------------------------
// What there is to call

/// How a server function takes its arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encoding {
    /// The default: a form-urlencoded POST.
    Form,
    /// `input = Json`: a JSON object of the arguments.
    Json,
    /// `input = GetUrl`: the arguments in the query string.
    Query,
    /// Not declared where this test can read it (see `declared_server_fns`): every
    /// encoding is tried, with made-up argument names.
    Unknown,
}

#[derive(Clone, Debug)]
struct Arg {
    name: String,
    /// The type without white space and without `Option<…>`.
    ty: String,
    optional: bool,
}

#[derive(Clone, Debug)]
struct ServerFn {
    path: String,
    encoding: Encoding,
    args: Vec<Arg>,
}

/// Every server function of the app, from the server_fn registry, so that one added
/// later is fuzzed without anyone remembering to list it here. The registry says only
/// paths and methods; argument names and encodings come from the declarations in
/// `app/src` (`declared_server_fns`).
fn server_functions() -> Vec<ServerFn> {
    // The router serves exactly what the registry holds (leptos_axum routes each entry).
    let mut registered: Vec<(String, String)> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, method)| (path.to_string(), method.as_str().to_string()))
        .collect();
    registered.sort();
    assert!(
        registered.iter().any(|(p, _)| p == "/api/sign_in"),
        "the server function registry lacks /api/sign_in: the app's server functions were not linked in"
    );
    let declared = declared_server_fns();
    // A declared function missing from the registry would be one this test never calls.
    let missing: Vec<&String> = declared.keys().filter(|p| !registered.iter().any(|(r, _)| r == *p)).collect();
    assert!(missing.is_empty(), "server functions declared in app/src but not registered: {missing:?}");
    registered
        .into_iter()
        .map(|(path, method)| match declared.get(&path) {
            Some((encoding, args)) => {
                let encoding = if method == "GET" { Encoding::Query } else { *encoding };
                ServerFn { path, encoding, args: args.clone() }
            }
            None => ServerFn { path, encoding: Encoding::Unknown, args: Vec::new() },
        })
        .collect()
}

/// The server functions declared with `#[server(… endpoint = "…" …)]` in `app/src`, by
/// path: their encoding and arguments, read from the source. A rough reading, but the
/// declarations follow one pattern, and `server_functions` checks the result against
/// the registry.
fn declared_server_fns() -> BTreeMap<String, (Encoding, Vec<Arg>)> {
    let mut files = Vec::new();
    rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../app/src"), &mut files);
    let mut out = BTreeMap::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        parse_server_fns(&text, &mut out);
    }
    // The reading is rough: make sure it still reads a declaration as it should.
    let sign_in = out.get("/api/sign_in").map(|(_, args)| args.iter().map(|a| a.name.as_str()).collect::<Vec<_>>());
    assert_eq!(sign_in, Some(vec!["email", "password", "next"]), "the arguments read for /api/sign_in");
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn parse_server_fns(src: &str, out: &mut BTreeMap<String, (Encoding, Vec<Arg>)>) {
    const MARK: &str = "#[server(";
    let mut rest = src;
    while let Some(at) = rest.find(MARK) {
        rest = &rest[at + MARK.len()..];
        let Some(end) = rest.find(")]") else { break };
        let attr = &rest[..end];
        let item = &rest[end..];
        // A function without an explicit endpoint gets a generated path, which the
        // registry has and this cannot know: it is fuzzed as Unknown.
        let Some(endpoint) = attr_value(attr, "endpoint") else { continue };
        let prefix = attr_value(attr, "prefix").unwrap_or("/api");
        let encoding = match attr_word(attr, "input") {
            None | Some("PostUrl") => Encoding::Form,
            Some("Json") => Encoding::Json,
            Some("GetUrl") => Encoding::Query,
            Some(_) => Encoding::Unknown,
        };
        let Some(params) =
            item.find("fn ").and_then(|f| item[f..].find('(').map(|o| f + o)).and_then(|o| inside(&item[o..]))
        else {
            continue;
        };
        let args = split_top_level(params)
            .into_iter()
            .filter_map(|p| {
                let (name, ty) = p.split_once(':')?;
                let name = name.trim().trim_start_matches("mut ").trim().to_string();
                let ty: String = ty.chars().filter(|c| !c.is_whitespace()).collect();
                let (ty, optional) = match ty.strip_prefix("Option<").and_then(|t| t.strip_suffix('>')) {
                    Some(inner) => (inner.to_string(), true),
                    None => (ty, false),
                };
                // `crate::model::CaseId` as `CaseId`, as `sound` knows the types.
                let ty = if ty.contains('<') { ty } else { ty.rsplit("::").next().unwrap_or_default().to_string() };
                Some(Arg { name, ty, optional })
            })
            .collect();
        let path = format!("{prefix}/{}", endpoint.trim_start_matches('/'));
        out.insert(path, (encoding, args));
    }
}

/// The string value of `key = "…"` in an attribute's arguments.
fn attr_value<'a>(attr: &'a str, key: &str) -> Option<&'a str> {
    attr.split(',').find_map(|part| {
        let (k, v) = part.split_once('=')?;
        (k.trim() == key).then(|| v.trim().trim_matches('"'))
    })
}

/// The bare word of `key = Word` in an attribute's arguments.
fn attr_word<'a>(attr: &'a str, key: &str) -> Option<&'a str> {
    attr_value(attr, key).map(|v| v.rsplit("::").next().unwrap_or(v))
}

/// What is inside the parentheses `text` starts with.
fn inside(text: &str) -> Option<&str> {
    let mut depth = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(&text[1..i]);
                }
            }
            _ => {}
        }
    }
    None
}

/// `text` split at the commas that are not inside brackets of a type.
fn split_top_level(text: &str) -> Vec<&str> {
    let (mut parts, mut depth, mut start) = (Vec::new(), 0i32, 0);
    for (i, c) in text.char_indices() {
        match c {
            '<' | '(' | '[' => depth += 1,
            '>' | ')' | ']' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts.into_iter().filter(|p| !p.trim().is_empty()).collect()
}

/// Paths nothing serves, asked for as well: the fallback's 404 page and file lookup.
const NOWHERE: &[&str] = &["/api/nothing-here", "/pkg/{file}", "/{any}"];

/// Every page route of the app (as the router serves them, `{param}` for a parameter),
/// the downloads, the health check, the API's paths and a few paths nothing serves.
fn get_routes() -> Vec<String> {
    let mut routes: Vec<String> =
        leptos_axum::generate_route_list(app::App).iter().map(|r| r.path().to_string()).collect();
    routes.extend(
        [server::export::XLSX_PATH, server::export::CSV_PATH, "/healthz"].iter().chain(NOWHERE).map(|r| r.to_string()),
    );
    // The REST API's paths, from its OpenAPI document (called without a token here).
    use utoipa::OpenApi as _;
    routes.extend(server::api::ApiDoc::openapi().paths.paths.keys().cloned());
    routes.sort();
    routes.dedup();
    routes
}

/// Every query parameter the app reads (`get("…")` and `get_all("…")` in its source), so
/// that a page's junk query reaches the code that parses it.
fn query_names() -> Vec<String> {
    let mut files = Vec::new();
    rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../app/src"), &mut files);
    rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    let mut names = vec!["error".to_string(), "page".to_string()];
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        for mark in ["get(\"", "get_all(\""] {
            for piece in text.split(mark).skip(1) {
                let name: String = piece.chars().take_while(|c| c.is_ascii_lowercase() || *c == '_').collect();
                if !name.is_empty() && piece[name.len()..].starts_with('"') {
                    names.push(name);
                }
            }
        }
    }
    names.sort();
    names.dedup();
    names
}

// ---------------------------------------------------------------------------------------
// Sound values: a call with one hostile field gets past the others

/// Ids of the demo data the calls name.
struct World {
    account: i64,
    organisation: i64,
    case: i64,
    /// A member of `account` who is none of the personas, and their person and email.
    membership: i64,
    person: i64,
    email: String,
    invitation: i64,
}

impl World {
    async fn of(db: &Db) -> World {
        let account = common::account_named(db, "Northwind Production").await;
        let organisation: i64 =
            db.scalar(&sql!("SELECT organisation_id FROM accounts WHERE id = $1", account)).await.unwrap();
        let case: i64 =
            db.scalar(&sql!("SELECT COALESCE(MIN(id), 0) FROM cases WHERE account_id = $1", account)).await.unwrap();
        let invitation: i64 = db
            .scalar(&sql!("SELECT COALESCE(MIN(id), 0) FROM invitations WHERE account_id = $1", account))
            .await
            .unwrap();
        let (membership, person, email): (i64, i64, String) = db
            .fetch_optional(&sql!(
                "SELECT m.id, m.person_id, p.email FROM memberships m JOIN people p ON p.id = m.person_id \
                 WHERE m.account_id = $1 AND p.email_key NOT IN ($2, $3, $4, $5) ORDER BY m.id DESC LIMIT 1",
                account,
                OPERATOR,
                ADMIN,
                MEMBER,
                INACTIVE
            ))
            .await
            .unwrap()
            .expect("Northwind Production has members besides the personas");
        World { account, organisation, case, membership, person, email, invitation }
    }
}

/// A sound value of an argument, from its name and type: the demo account, a case of it,
/// a member, a plausible text. Types this does not know get null.
fn sound(rng: &mut Rng, world: &World, arg: &Arg) -> Value {
    let id = match arg.name.as_str() {
        "account" => world.account,
        "organisation" => world.organisation,
        "case" => world.case,
        "membership" => world.membership,
        "person" => world.person,
        "invitation" => world.invitation,
        _ => 1,
    };
    match arg.ty.as_str() {
        "i64" | "i32" | "u32" | "u64" | "usize" => json!(id),
        "AccountId" => json!(world.account),
        "CaseId" => json!(world.case),
        "MembershipId" => json!(world.membership),
        "PersonId" => json!(world.person),
        "InvitationId" => json!(world.invitation),
        "Version" => json!(1),
        "bool" => json!(true),
        "String" | "&str" => json!(sound_text(rng, world, &arg.name)),
        "MemberQuery" => to(MemberQuery::new(world.account)),
        "CaseQuery" => to(CaseQuery::new(world.account)),
        "PersonRef" => to(PersonRef::Email(NEWCOMER.to_string())),
        "RoleChange" => to(RoleChange { roles: vec!["billing_contact".into()], cloud: None }),
        "NewContact" => to(NewContact {
            first_name: "Ned".into(),
            last_name: "Nobody".into(),
            email: "ned.nobody@northwind.example".into(),
        }),
        "Selection" => to(Selection::Members(vec![world.membership])),
        "BulkAction" => to(BulkAction::RemoveRoles(vec!["billing_contact".into()])),
        "FilterColumn" => to(FilterColumn::Name),
        "PageCursor" => to(PageCursor::After(Cursor { key: CursorKey::Text("a".into()), id: 1 })),
        _ => Value::Null,
    }
}

/// A model value as JSON, as the browser would send it.
fn to<T: serde::Serialize>(value: T) -> Value {
    serde_json::to_value(value).expect("a model value serialises")
}

fn sound_text(rng: &mut Rng, world: &World, name: &str) -> String {
    match name {
        // A member (to make a case's contact, to filter mail by), someone of the
        // account's domain who has not registered, and a stranger (to register).
        "email" | "to" => match rng.below(3) {
            0 => world.email.clone(),
            1 => UNREGISTERED.to_string(),
            _ => format!("fuzz.{}@fuzz.example", rng.below(1_000_000)),
        },
        // Never the demo password: a sign-in that succeeded would change who a persona is.
        "password" | "confirm" => "correct horse battery staple".into(),
        "token" => "not-a-token".into(),
        "name" | "first_name" | "last_name" => "Ned Nobody".into(),
        "kind" => "customer".into(),
        "domains" => "fuzz.example".into(),
        "grant" => "grant".into(),
        "title" => "Printer on fire".into(),
        "body" | "description" => "The printer is on fire.".into(),
        "text" | "search" => "a".into(),
        "org_id" => "FZ-1".into(),
        "next" => "/".into(),
        "on" | "government_cloud" => "on".into(),
        "projects" => "Alpha".into(),
        _ => "x".into(),
    }
}

// ---------------------------------------------------------------------------------------
// Hostile material

/// Text a person could type or a script could send: numbers and words where other types
/// are expected, SQL, HTML and script, control and text-direction characters, odd
/// Unicode, paths and emails that look like this site's.
const TEXTS: &[&str] = &[
    "",
    " ",
    " \t ",
    "0",
    "-1",
    "1.5",
    "-0",
    "1e3",
    "99999999999999999999",
    "-9223372036854775808",
    "9223372036854775807",
    "9223372036854775808",
    "18446744073709551616",
    "NaN",
    "Infinity",
    "0x1F",
    "true",
    "false",
    "null",
    "undefined",
    "[]",
    "{}",
    "on",
    "' OR 1=1 --",
    "'); DROP TABLE people;--",
    "\" OR \"\"=\"",
    "1; DELETE FROM memberships",
    "Robert'); DROP TABLE cases;--",
    "%",
    "_",
    "%_%",
    "\\",
    "\\'",
    "'",
    "$1",
    "?",
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "</script><script>alert(1)</script>",
    "</textarea><b>x</b>",
    "javascript:alert(1)",
    "&lt;b&gt; &amp;",
    "{{7*7}} ${7*7}",
    "\0",
    "a\0b",
    "\n",
    "\r\n",
    "line\nbreak",
    "\t",
    "\u{7}\u{8}",
    "\u{1b}[31mred",
    "\u{7f}",
    "\u{85}",
    "\u{9f}",
    "\u{202E}gnp.exe",
    "a\u{202E}b",
    "\u{2066}x\u{2069}",
    "\u{200B}",
    "\u{200F}",
    "\u{FEFF}",
    "\u{FFFD}",
    "\u{FFFF}",
    "\u{10FFFF}",
    "Zoë",
    "e\u{301}",
    "𝕳𝖊𝖑𝖑𝖔",
    "👩‍👩‍👧",
    "中文",
    "עברית",
    "../../etc/passwd",
    "//evil.example",
    "/\\evil.example",
    "http://evil.example/",
    "/accounts/1/users?x=1#y",
    "@",
    "a@b",
    "a@",
    "@b.example",
    "carla.contact@northwind.example",
    "CARLA.CONTACT@NORTHWIND.EXAMPLE",
    " adam.admin@northwind.example ",
    "a@b@c",
    "x@[127.0.0.1]",
    "\"quoted\"@northwind.example",
    "i1.1",
    "s1.a",
    "i99999999999999999999.1",
    "s-1.",
    "grant",
    "revoke",
    "customer",
    "cloud",
    "billing_contact",
    "Name",
    "Email",
    "Deactivate",
];

/// Hostile text: mostly one of `TEXTS`, sometimes several run together, very long text
/// (up to 100,000 characters), or random code points.
fn hostile_text(rng: &mut Rng) -> String {
    match rng.below(12) {
        0 => {
            let unit = *rng.pick(&["a", "é", "<", "'", "%", " ", "\u{202E}", "😀", "\0", "ab "]);
            unit.repeat(*rng.pick(&[101, 256, 1001, 100_000]))
        }
        1 => (0..2 + rng.below(3)).map(|_| *rng.pick(TEXTS)).collect(),
        2 => (0..1 + rng.below(20))
            .filter_map(|_| {
                let ranges =
                    [(0u32, 0x20u32), (0x20, 0x7f), (0x7f, 0xa0), (0xa0, 0x800), (0x2000, 0x2070), (0xd7f0, 0xe100)];
                let (lo, hi) = *rng.pick(&ranges);
                char::from_u32(lo + rng.below((hi - lo) as usize) as u32)
            })
            .collect(),
        _ => rng.pick(TEXTS).to_string(),
    }
}

/// Already-encoded form values no encoder would produce: invalid UTF-8, overlong and
/// surrogate encodings, broken escapes, separators.
const RAW_FORM: &[&str] = &[
    "%FF%FE",
    "%C0%AF",
    "%ED%A0%80",
    "%F4%90%80%80",
    "%",
    "%2",
    "%zz",
    "%%",
    "%00",
    "a%00b",
    "+",
    "%2B",
    "=",
    "==",
    "&",
    ";",
    "a%0D%0Ab",
    "%E2%80%AE",
    "%EF%BB%BF",
];

/// `text` form-urlencoded.
fn enc(text: &str) -> Vec<u8> {
    form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>().into_bytes()
}

/// A hostile value for a form field, encoded.
fn hostile_form_value(rng: &mut Rng) -> Vec<u8> {
    match rng.below(8) {
        0 => rng.pick(RAW_FORM).as_bytes().to_vec(),
        // Raw bytes that are not UTF-8 at all, not even percent-encoded.
        1 => vec![0xFF, 0xFE, b'a', 0xC0],
        _ => enc(&hostile_text(rng)),
    }
}

/// A hostile field name, after `name` when there is one: array and map syntax, deep
/// nesting, case and space variants, junk.
fn hostile_key(rng: &mut Rng, name: &str) -> Vec<u8> {
    match rng.below(9) {
        0 => format!("{name}[0]").into_bytes(),
        1 => format!("{name}[]").into_bytes(),
        2 => format!("{name}[a][b][c]").into_bytes(),
        3 => format!("{name}{}", "[a]".repeat(1_000)).into_bytes(),
        4 => name.to_uppercase().into_bytes(),
        5 => format!(" {name}").into_bytes(),
        6 => Vec::new(),
        7 => rng.pick(RAW_FORM).as_bytes().to_vec(),
        _ => enc(&hostile_text(rng)),
    }
}

fn form_body(pairs: &[(Vec<u8>, Vec<u8>)]) -> Vec<u8> {
    let mut body = Vec::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            body.push(b'&');
        }
        body.extend_from_slice(k);
        body.push(b'=');
        body.extend_from_slice(v);
    }
    body
}

/// The function's arguments with sound values, then one to three changes: a value made
/// hostile, a field dropped, repeated or renamed, junk fields added, or every value
/// made hostile at once.
fn form_pairs(rng: &mut Rng, world: &World, f: &ServerFn) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = f
        .args
        .iter()
        .filter_map(|a| {
            let v = match sound(rng, world, a) {
                Value::Null => return None,
                Value::String(s) => s,
                other => other.to_string(),
            };
            (!a.optional || !rng.one_in(3)).then(|| (a.name.clone().into_bytes(), enc(&v)))
        })
        .collect();
    for _ in 0..1 + rng.below(3) {
        let i = rng.below(pairs.len());
        match rng.below(10) {
            0..=3 if !pairs.is_empty() => pairs[i].1 = hostile_form_value(rng),
            4 if !pairs.is_empty() => {
                pairs.remove(i);
            }
            5 if !pairs.is_empty() => {
                let key = pairs[i].0.clone();
                pairs.push((key, hostile_form_value(rng)));
            }
            6 if !pairs.is_empty() => {
                let name = String::from_utf8_lossy(&pairs[i].0).into_owned();
                pairs[i].0 = hostile_key(rng, &name);
            }
            7 => {
                for pair in &mut pairs {
                    pair.1 = hostile_form_value(rng);
                }
            }
            _ => {
                let name = if f.args.is_empty() { hostile_text(rng) } else { rng.pick(&f.args).name.clone() };
                pairs.push((hostile_key(rng, &name), hostile_form_value(rng)));
            }
        }
    }
    pairs
}

/// Numbers JSON allows that no argument can hold, and some it does not allow.
const RAW_NUMBERS: &[&str] = &[
    "99999999999999999999",
    "-99999999999999999999",
    "1e400",
    "-1e400",
    "1e-400",
    "-1",
    "0",
    "-0",
    "0.5",
    "1.0",
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775808",
    "18446744073709551616",
    "4294967296",
    "1E2",
];

/// Text that is not JSON, or JSON no decoder should accept quietly.
const BROKEN_JSON: &[&str] = &[
    "NaN",
    "Infinity",
    "-Infinity",
    "undefined",
    "'single'",
    r#""\ud800""#,
    r#""\udc00\ud800""#,
    r#""\x41""#,
    r#""\u00""#,
    "\"unterminated",
    "[1,]",
    r#"{"a":1,}"#,
    "01",
    "+1",
    ".5",
    "1.",
    "\"\u{1}\"",
    r#""\u0000""#,
    "[1 2]",
    "{a:1}",
    "// c\n1",
    "",
];

/// A hostile JSON value, as raw text.
fn hostile_json(rng: &mut Rng) -> String {
    match rng.below(14) {
        0..=3 => serde_json::to_string(&hostile_text(rng)).expect("a string serialises"),
        4 | 5 => rng.pick(RAW_NUMBERS).to_string(),
        6 => rng.pick(&["true", "false", "null", "[]", "{}", "[null]", r#"{"":null}"#]).to_string(),
        7 => format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)),
        8 => format!("{}1{}", r#"{"a":"#.repeat(5_000), "}".repeat(5_000)),
        9 => rng.pick(BROKEN_JSON).to_string(),
        10 => format!("[{}1]", "1,".repeat(10_000)),
        // The shapes of the app's enums and structs, with hostile insides.
        _ => {
            let inner = match rng.below(3) {
                0 => serde_json::to_string(&hostile_text(rng)).expect("a string serialises"),
                1 => rng.pick(RAW_NUMBERS).to_string(),
                _ => "null".to_string(),
            };
            match rng.below(10) {
                0 => format!(r#"{{"Email":{inner}}}"#),
                1 => format!(r#"{{"Id":{inner}}}"#),
                2 => format!(r#"{{"Members":[{inner},{inner}]}}"#),
                3 => r#"{"AllMatching":{}}"#.to_string(),
                4 => format!(r#"{{"After":{{"key":{{"Text":{inner}}},"id":1}}}}"#),
                5 => format!(r#"{{"Before":{{"key":{{"Int":{inner}}},"id":{inner}}}}}"#),
                6 => format!(r#"{{"AddRoles":[{inner}]}}"#),
                7 => r#""Nope""#.to_string(),
                8 => format!(
                    r#"{{"roles":[{inner}],"cloud":{{"all_projects":false,"projects":[{inner}],"environment":{inner}}}}}"#
                ),
                _ => format!(r#"{{"Nope":{inner}}}"#),
            }
        }
    }
}

/// Marks a place in a `Value` where raw JSON text (which `Value` cannot hold: huge
/// numbers, broken JSON, 10,000 levels) goes when the body is written out.
fn raw_marker(raws: &mut Vec<String>, text: String) -> Value {
    raws.push(text);
    Value::String(format!("\u{E000}{}\u{E000}", raws.len() - 1))
}

fn render(value: &Value, raws: &[String]) -> String {
    let mut text = value.to_string();
    for (i, raw) in raws.iter().enumerate() {
        text = text.replace(&format!("\"\u{E000}{i}\u{E000}\""), raw);
    }
    text
}

/// JSON pointers to every node of `v`, the root included.
fn pointers(v: &Value, base: String, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                pointers(child, format!("{base}/{}", k.replace('~', "~0").replace('/', "~1")), out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                pointers(child, format!("{base}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(base);
}

/// The function's arguments as a JSON object of sound values, then one to three changes
/// anywhere in the tree (a node made hostile, a key dropped or added), and sometimes
/// the text cut short or wrapped in junk.
fn json_body(rng: &mut Rng, world: &World, f: &ServerFn) -> Vec<u8> {
    let mut raws = Vec::new();
    let mut fields = serde_json::Map::new();
    for a in &f.args {
        // An optional argument is sometimes left out, as a client may.
        if !a.optional || !rng.one_in(3) {
            fields.insert(a.name.clone(), sound(rng, world, a));
        }
    }
    let mut value = Value::Object(fields);
    for _ in 0..1 + rng.below(3) {
        let mut all = Vec::new();
        pointers(&value, String::new(), &mut all);
        let at = rng.pick(&all).clone();
        match rng.below(6) {
            0..=2 => {
                let hostile = raw_marker(&mut raws, hostile_json(rng));
                *value.pointer_mut(&at).expect("a pointer into the value") = hostile;
            }
            3 if !at.is_empty() => {
                let (parent, key) = at.rsplit_once('/').expect("a child pointer");
                match value.pointer_mut(parent) {
                    Some(Value::Object(map)) => {
                        map.remove(&key.replace("~1", "/").replace("~0", "~"));
                    }
                    Some(Value::Array(items)) => {
                        items.remove(key.parse::<usize>().expect("an index"));
                    }
                    _ => {}
                }
            }
            _ => {
                let key = if rng.one_in(2) { hostile_text(rng) } else { rng.pick(TEXTS).to_string() };
                let hostile = raw_marker(&mut raws, hostile_json(rng));
                if let Some(Value::Object(map)) = value.pointer_mut(&at) {
                    map.insert(key, hostile);
                }
            }
        }
    }
    let text = render(&value, &raws);
    match rng.below(12) {
        0 => text.as_bytes()[..rng.below(text.len())].to_vec(),
        1 => format!("{text}{}", rng.pick(&["}", ",", "\0", " {}", "\u{FEFF}"])).into_bytes(),
        2 => format!("\u{FEFF}{text}").into_bytes(),
        3 => {
            let mut bytes = text.into_bytes();
            let at = rng.below(bytes.len() + 1);
            bytes.insert(at, 0xFF);
            bytes
        }
        _ => text.into_bytes(),
    }
}

/// A call of `f` with a generated payload: mostly in the function's own encoding, now
/// and then in another one or with a content type that does not fit.
fn server_fn_call(rng: &mut Rng, world: &World, f: &ServerFn) -> Call {
    let encoding = match (rng.below(16), f.encoding) {
        (0, _) => Encoding::Json,
        (1, _) => Encoding::Form,
        (2, _) => Encoding::Query,
        (_, Encoding::Unknown) => *rng.pick(&[Encoding::Form, Encoding::Json, Encoding::Query]),
        (_, e) => e,
    };
    let mut call = match encoding {
        Encoding::Json => Call::post(&f.path, "application/json", json_body(rng, world, f)),
        Encoding::Query => {
            let query = String::from_utf8_lossy(&form_body(&form_pairs(rng, world, f))).into_owned();
            Call::get(format!("{}?{}", f.path, url_safe(&query)))
        }
        _ => Call::post(&f.path, FORM, form_body(&form_pairs(rng, world, f))),
    };
    if call.method == "POST" && rng.one_in(15) {
        let odd = [
            "text/plain",
            "",
            "multipart/form-data",
            "multipart/form-data; boundary=x",
            "application/json; charset=latin1",
            "application/x-www-form-urlencoded; charset=utf-16",
            "application/cbor",
            "*/*",
        ];
        call.content_type = Some(rng.pick(&odd).to_string());
    }
    call
}

/// `text` with every byte a request line may not carry percent-encoded (what is already
/// an escape stays one, so that broken escapes reach the server as they are).
fn url_safe(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~%&=+[]!$'()*,;:@/?".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A path segment: every byte but the unreserved ones percent-encoded.
fn segment(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A GET of `route` with its parameters sound or hostile and a junk query, as a browser
/// asks for a page.
fn page_call(rng: &mut Rng, world: &World, route: &str, names: &[String]) -> Call {
    let mut path = String::new();
    for piece in route.split_inclusive('/') {
        let (seg, slash) = piece.strip_suffix('/').map(|s| (s, "/")).unwrap_or((piece, ""));
        let filled = match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            None => seg.to_string(),
            Some(param) => match rng.below(4) {
                0 => segment(&hostile_text(rng)),
                1 => rng
                    .pick(&[
                        "%FF",
                        "-1",
                        "99999999999999999999",
                        "0",
                        "%2F..%2F..",
                        "..",
                        "%00",
                        "1.5",
                        "1e3",
                        "%2e%2e",
                    ])
                    .to_string(),
                _ => match param.trim_start_matches('*') {
                    "account" | "id" => world.account.to_string(),
                    "case" => world.case.to_string(),
                    _ => "not-a-token".to_string(),
                },
            },
        };
        path.push_str(&filled);
        path.push_str(slash);
    }
    let mut pairs = Vec::new();
    for _ in 0..rng.below(6) {
        let name = if rng.one_in(4) { hostile_text(rng) } else { rng.pick(names).clone() };
        let key = if rng.one_in(5) { hostile_key(rng, &name) } else { name.into_bytes() };
        pairs.push((key, hostile_form_value(rng)));
    }
    let query = String::from_utf8_lossy(&form_body(&pairs)).into_owned();
    let target = if query.is_empty() { path } else { format!("{path}?{}", url_safe(&query)) };
    let mut call = Call::get(target);
    if !rng.one_in(4) {
        call.headers.push(("Accept".into(), "text/html".into()));
    }
    call
}

/// Now and then, what a forged or odd request adds: a browser's Accept with a hostile
/// Referer (a failed form post goes back to the Referer), a foreign or missing Origin, a
/// mangled session cookie.
fn decorate(rng: &mut Rng, addr: SocketAddr, call: &mut Call, anonymous: bool) {
    if call.method == "POST" && rng.one_in(10) {
        call.headers.push(("Accept".into(), "text/html".into()));
        let referers = [
            format!("http://{addr}/accounts/1/users?error=x&q=%FF"),
            format!("http://{addr}"),
            format!("http://{addr}/%FF%FE?{}", "a=b&".repeat(500)),
            "http://evil.example/".into(),
            "not a url".into(),
            "/".into(),
        ];
        call.headers.push(("Referer".into(), rng.pick(&referers).clone()));
    }
    if call.method == "POST" && rng.one_in(30) {
        match rng.below(3) {
            0 => call.no_origin = true,
            // In place of this site's Origin, not besides it.
            n => {
                call.no_origin = true;
                let origin = if n == 1 { "null" } else { "http://evil.example" };
                call.headers.push(("Origin".into(), origin.into()));
            }
        }
    }
    if anonymous && rng.one_in(8) {
        let junk = ["", "x", "%FF", "\"\"", "AAAAAAAAAAAAAAAAAAAAAA", "=", "0000000000000000000000"];
        let value = match rng.below(3) {
            0 => "a".repeat(8_000),
            _ => rng.pick(&junk).to_string(),
        };
        call.cookie = Some(format!("{COOKIE}={value}"));
    }
}

// ---------------------------------------------------------------------------------------
// Personas

struct Persona {
    label: &'static str,
    email: Option<&'static str>,
    cookie: Option<String>,
}

fn personas() -> Vec<Persona> {
    [
        ("anonymous", None),
        ("member", Some(MEMBER)),
        ("inactive", Some(INACTIVE)),
        ("admin", Some(ADMIN)),
        ("operator", Some(OPERATOR)),
    ]
    .into_iter()
    .map(|(label, email)| Persona { label, email, cookie: None })
    .collect()
}

/// Signs the persona in again unless its session is still theirs: the fuzz signs out,
/// signs in as others and trips the sign-in limits. When those refuse the persona, they
/// are cleared (a test's shortcut), so that a lockout the fuzz caused does not keep the
/// persona out for the rest of the run. Returns the failures of these requests, which
/// count like any other.
async fn keep_signed_in(addr: SocketAddr, db: &Db, p: &mut Persona) -> Vec<String> {
    let Some(email) = p.email else { return Vec::new() };
    let mut failures = Vec::new();
    if let Some(cookie) = &p.cookie {
        let me = Call::form("/api/me", "");
        match exchange(addr, &me, Some(cookie)).await {
            Ok(r) if r.status < 500 => {
                let v: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
                if v["email"].as_str().is_some_and(|e| e.eq_ignore_ascii_case(email)) {
                    return failures;
                }
            }
            reply => failures.extend(failure(&reply, p.label, &me)),
        }
    }
    let call = Call::form("/api/sign_in", &sign_in_form(email));
    let mut reply = exchange(addr, &call, None).await;
    if reply.as_ref().is_ok_and(|r| r.status == 429) {
        db.execute(&sql!("DELETE FROM lockouts")).await.expect("clear lockouts");
        db.execute(&sql!("DELETE FROM attempts")).await.expect("clear attempts");
        reply = exchange(addr, &call, None).await;
    }
    failures.extend(failure(&reply, p.label, &call));
    p.cookie = reply.ok().filter(|r| r.status < 400).and_then(|r| r.session_cookie());
    if p.cookie.is_none() {
        eprintln!("{} could not sign in again; carrying on without a session", p.label);
    }
    failures
}

/// What is wrong with the answer to `call`, if anything: a server error, or no complete
/// answer. Any 4xx is a fine answer to junk.
fn failure(reply: &Result<Reply, String>, persona: &str, call: &Call) -> Option<String> {
    match reply {
        Err(why) => Some(format!("{persona}: {}: {why}", call.describe())),
        Ok(r) if r.status >= 500 => {
            Some(format!("{persona}: {}: got {} {}", call.describe(), r.status, cut(&r.text(), 200)))
        }
        Ok(_) => None,
    }
}

// ---------------------------------------------------------------------------------------
// The database around the fuzz

/// The tables of the database, by name.
async fn tables(db: &Db) -> Vec<String> {
    let query = match db.backend() {
        Backend::Sqlite => sql!("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"),
        Backend::Postgres => {
            sql!("SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
        }
    };
    db.fetch_all::<(String,)>(&query).await.expect("the table list").into_iter().map(|(t,)| t).collect()
}

async fn people(db: &Db) -> i64 {
    db.scalar(&sql!("SELECT COUNT(*) FROM people")).await.expect("people are still there to count")
}

/// The demo data (as `access.rs` seeds it) served on a random port.
async fn serve(db: &Db) -> SocketAddr {
    let now = app::backend::now();
    seed(db, &SeedOptions { members: 130, seed: 11, now: now - now % 86_400 }).await.expect("seed");
    common::serve_router(db, server::security::Site::default()).await
}

// ---------------------------------------------------------------------------------------
// The fuzz

async fn fuzz(db: Db) {
    let (seed_value, rounds) = (fuzz_seed(), setting("ROSTER_FUZZ_ROUNDS", DEFAULT_ROUNDS));
    let backend = format!("{:?}", db.backend());
    eprintln!("hostile payloads on {backend}: ROSTER_FUZZ_SEED={seed_value} ROSTER_FUZZ_ROUNDS={rounds}");
    let mut rng = Rng(seed_value);
    let addr = serve(&db).await;
    let world = World::of(&db).await;
    let fns = server_functions();
    let unknown: Vec<&str> = fns.iter().filter(|f| f.encoding == Encoding::Unknown).map(|f| f.path.as_str()).collect();
    if !unknown.is_empty() {
        eprintln!("no declaration found for {unknown:?}: fuzzed with made-up arguments in every encoding");
    }
    let routes = get_routes();
    let names = query_names();
    let tables_before = tables(&db).await;
    let people_before = people(&db).await;

    let mut personas = personas();
    let mut failures = Vec::new();
    for p in &mut personas {
        failures.extend(keep_signed_in(addr, &db, p).await);
    }
    let started = Instant::now();
    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    let mut requests = 0usize;
    // What some payload got through to: a function never served is one whose
    // payloads never get past decoding or access, and whose own code the fuzz misses.
    let mut served = std::collections::BTreeSet::new();
    for round in 0..rounds as usize {
        // Every function each round, by a persona that turns with the round, so that
        // every persona calls every function within five rounds.
        let mut calls: Vec<(usize, &str, Call)> = fns
            .iter()
            .enumerate()
            .map(|(i, f)| ((round + i) % personas.len(), f.path.as_str(), server_fn_call(&mut rng, &world, f)))
            .collect();
        for _ in 0..PAGES_PER_ROUND {
            let route = rng.pick(&routes);
            calls.push((rng.below(personas.len()), route.as_str(), page_call(&mut rng, &world, route, &names)));
        }
        for (p, label, mut call) in calls {
            let persona = &mut personas[p];
            decorate(&mut rng, addr, &mut call, persona.cookie.is_none());
            let reply = exchange(addr, &call, persona.cookie.as_deref()).await;
            requests += 1;
            if let Ok(r) = &reply {
                *statuses.entry(r.status).or_default() += 1;
                // 302 is a server function's redirect on success; 303 is the refusal
                // of a browser's form post, sent back to its page.
                if r.status < 300 || r.status == 302 {
                    served.insert(label);
                }
            }
            failures.extend(failure(&reply, persona.label, &call));
            // A call that set a session cookie (a sign-in, a sign-out, a message kept
            // for a form's page) may have changed whose session this is.
            if reply.as_ref().is_ok_and(|r| r.headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))) {
                failures.extend(keep_signed_in(addr, &db, persona).await);
            }
        }
        for p in &mut personas {
            failures.extend(keep_signed_in(addr, &db, p).await);
        }
    }
    let elapsed = started.elapsed();

    // The database took the SQL as text: every table is still there, and nobody is gone
    // (nothing the fuzz can do deletes a person).
    assert_eq!(tables(&db).await, tables_before, "the tables changed under the fuzz");
    let people_after = people(&db).await;
    assert!(people_after >= people_before, "people went missing: {people_before} before, {people_after} after");

    let histogram: Vec<String> = statuses.iter().map(|(s, n)| format!("{s}×{n}")).collect();
    eprintln!(
        "hostile payloads on {backend}: {requests} requests ({} server functions, {} routes, {} personas) in {:.1} s; \
         statuses {}",
        fns.len(),
        routes.len(),
        personas.len(),
        elapsed.as_secs_f64(),
        histogram.join(" ")
    );
    let never: Vec<&str> = fns
        .iter()
        .map(|f| f.path.as_str())
        .chain(routes.iter().map(String::as_str))
        .filter(|p| !served.contains(p) && !NOWHERE.contains(p))
        .collect();
    eprintln!("never served (every payload refused): {never:?}");
    if !failures.is_empty() {
        let shown: Vec<&String> = failures.iter().take(40).collect();
        panic!(
            "{} of {requests} requests on {backend} got a server error or no complete answer \
             (ROSTER_FUZZ_SEED={seed_value} ROSTER_FUZZ_ROUNDS={rounds} replays them):\n{}",
            failures.len(),
            shown.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n")
        );
    }
}

/// The fuzz's own test pair rather than `backend_tests!`: a longer run by hand needs a
/// longer limit than `common::TEST_LIMIT`, in proportion to its rounds.
mod every_server_function_survives_hostile_payloads {
    use super::*;

    fn limit() -> Duration {
        let rounds = setting("ROSTER_FUZZ_ROUNDS", DEFAULT_ROUNDS);
        common::TEST_LIMIT * (rounds.div_ceil(DEFAULT_ROUNDS).max(1) as u32)
    }

    async fn within(body: impl std::future::Future<Output = ()>) {
        let limit = limit();
        if tokio::time::timeout(limit, body).await.is_err() {
            panic!("the fuzz did not finish within {limit:?}");
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let t = common::TestDb::sqlite().await;
        within(fuzz(t.db.clone())).await;
        t.finish().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if let Some(t) = common::TestDb::postgres().await {
            within(fuzz(t.db.clone())).await;
            t.finish().await;
        }
    }
}

// ---------------------------------------------------------------------------------------
// SQL and HTML round-trip as text

/// Text that would do harm if it were ever pasted into SQL or HTML unescaped.
const SQL_DROP: &str = "'); DROP TABLE people;--";
const SQL_OR: &str = "' OR 1=1 --";
const HTML_SCRIPT: &str = "<script>alert(1)</script>";
const HTML_IMG: &str = "\"><img src=x onerror=alert(1)>";

/// Calls `call` as `cookie`'s holder, expecting success, and returns the JSON answer.
async fn ok_json(addr: SocketAddr, call: Call, cookie: &str) -> Value {
    let reply = exchange(addr, &call, Some(cookie)).await.unwrap_or_else(|e| panic!("{}: {e}", call.describe()));
    assert!(reply.status < 400, "{}: {} {}", call.describe(), reply.status, cut(&reply.text(), 300));
    serde_json::from_slice(&reply.body)
        .unwrap_or_else(|e| panic!("{}: not JSON ({e}): {}", call.describe(), reply.text()))
}

/// A page's HTML shows `text` escaped, and nowhere raw: neither in its markup nor in the
/// data it carries for hydration.
fn shows_escaped(html: &str, text: &str, page: &str) {
    let escaped = text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    assert!(html.contains(&escaped), "{page} does not show {text:?} escaped as {escaped:?}");
    if let Some(at) = html.find(text) {
        let from = html.floor_char_boundary(at.saturating_sub(150));
        let to = html.ceil_char_boundary((at + text.len() + 150).min(html.len()));
        panic!("{page} carries {text:?} unescaped: …{}…", &html[from..to]);
    }
}

async fn page(addr: SocketAddr, target: String, cookie: &str) -> String {
    let mut call = Call::get(target);
    call.headers.push(("Accept".into(), "text/html".into()));
    let reply = exchange(addr, &call, Some(cookie)).await.unwrap_or_else(|e| panic!("{}: {e}", call.describe()));
    assert_eq!(reply.status, 200, "{}: {}", call.describe(), cut(&reply.text(), 300));
    reply.text()
}

async fn sign_in_as(addr: SocketAddr, email: &str) -> String {
    let call = Call::form("/api/sign_in", &sign_in_form(email));
    let reply = exchange(addr, &call, None).await.unwrap_or_else(|e| panic!("sign-in of {email}: {e}"));
    reply.session_cookie().unwrap_or_else(|| panic!("sign-in of {email}: {} {}", reply.status, reply.text()))
}

backend_tests! {
    async fn sql_and_html_round_trip_as_text(db) {
        let addr = serve(&db).await;
        let account = common::account_named(&db, "Northwind Production").await;
        let admin = sign_in_as(addr, ADMIN).await;
        let operator = sign_in_as(addr, OPERATOR).await;
        let tables_before = tables(&db).await;
        let people_before = people(&db).await;

        // A new contact named in SQL and HTML …
        let contact = NewContact {
            first_name: SQL_OR.into(),
            last_name: HTML_SCRIPT.into(),
            email: "o'brien@northwind.example".into(),
        };
        let change = RoleChange { roles: vec!["billing_contact".into()], cloud: None };
        let body = json!({ "account": account, "contact": contact, "change": change });
        ok_json(addr, Call::json("/api/contacts/new", &body), &admin).await;
        assert_eq!(people(&db).await, people_before + 1, "the new contact is the only new person");
        // … is found by a search for the SQL, and only they are (an injected OR would
        // match everyone), with the name as typed.
        let mut query = MemberQuery::new(account);
        query.search = SQL_OR.into();
        let found: MemberPage =
            serde_json::from_value(ok_json(addr, Call::json("/api/members", &json!({ "query": query })), &admin).await)
                .expect("a member page");
        let names: Vec<&str> = found.rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, [format!("{SQL_OR} {HTML_SCRIPT}")], "a search for {SQL_OR:?}");
        assert_eq!(found.rows[0].email, "o'brien@northwind.example");
        let users = page(addr, format!("/accounts/{account}/users?q=%27+OR+1%3D1+--"), &admin).await;
        shows_escaped(&users, HTML_SCRIPT, "Manage Users");

        // A case titled and described in SQL and HTML, and a pulse message.
        // `</title>` too: the page's title is the case's, and must not end the element.
        let title = format!("{SQL_DROP} </title>{HTML_SCRIPT} & more");
        let description = format!("{SQL_OR}\n{HTML_IMG}\n</textarea><b>bold</b> & \"quotes\"");
        let form = format!(
            "account={account}&title={}&description={}",
            String::from_utf8(enc(&title)).unwrap(),
            String::from_utf8(enc(&description)).unwrap()
        );
        let number = ok_json(addr, Call::form("/api/cases/raise", &form), &admin).await;
        let list: CaseList = serde_json::from_value(
            ok_json(addr, Call::json("/api/cases", &json!({ "query": CaseQuery::new(account) })), &admin).await,
        )
        .expect("a case list");
        let row = list.page.rows.iter().find(|r| json!(r.number) == number).expect("the new case is listed first");
        assert_eq!(row.title, title);
        let message = format!("{HTML_IMG}\n{SQL_DROP}");
        let form = format!("account={account}&case={}&body={}", row.id, String::from_utf8(enc(&message)).unwrap());
        ok_json(addr, Call::form("/api/cases/post", &form), &admin).await;
        let view = json!({ "account": account, "case": row.id, "at": null });
        let details: CaseDetails =
            serde_json::from_value(ok_json(addr, Call::json("/api/cases/view", &view), &admin).await).expect("a case");
        assert_eq!(details.case.title, title);
        assert_eq!(details.case.description, description);
        assert!(
            details.pulse.messages.iter().any(|m| m.body == message),
            "the pulse message {message:?} is not among {:?}",
            details.pulse.messages.iter().map(|m| &m.body).collect::<Vec<_>>()
        );
        let case_page = page(addr, format!("/accounts/{account}/cases/{}", row.id), &admin).await;
        for text in ["</title><script>alert(1)</script>", "<img src=x onerror=alert(1)>", "</textarea><b>bold</b>"] {
            shows_escaped(&case_page, text, "the case page");
        }

        // An organisation named in SQL and HTML, through the vendor console.
        let name = format!("<b>Acme</b> {SQL_DROP}");
        let form = format!("name={}&kind=customer&domains=acme-roundtrip.example", String::from_utf8(enc(&name)).unwrap());
        ok_json(addr, Call::form("/api/console/organisations/new", &form), &operator).await;
        let orgs: Vec<ConsoleOrganisation> =
            serde_json::from_value(ok_json(addr, Call::form("/api/console", ""), &operator).await).expect("organisations");
        assert!(orgs.iter().any(|o| o.name == name), "no organisation named {name:?}");
        let console = page(addr, "/operator".into(), &operator).await;
        shows_escaped(&console, "<b>Acme</b>", "the console");

        // Nothing was dropped: the same tables, and one more person than before.
        assert_eq!(tables(&db).await, tables_before);
        assert_eq!(people(&db).await, people_before + 1);
    }
}
