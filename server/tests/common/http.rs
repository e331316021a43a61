//! A minimal HTTP/1.1 client for black-box tests of the real router: enough to sign in
//! and to call pages, server functions and downloads with a session cookie. The `bench`
//! binary uses it too (by path), so the project has one such client.

use std::net::SocketAddr;

use server::sessions::COOKIE;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// How long a test waits for one answer: far beyond any request of the suite (a debug
/// build's password hash takes about a second), short of a hang.
pub const ANSWER_WITHIN: std::time::Duration = std::time::Duration::from_secs(60);

pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The `error` of a JSON error body.
    pub fn json_error(&self) -> String {
        assert_eq!(self.header("content-type"), Some("application/json"));
        let v: serde_json::Value = serde_json::from_slice(&self.body).expect("JSON body");
        v["error"].as_str().expect("an error field").to_string()
    }

    /// An HTTP/1.1 answer as it came off the wire, its body de-chunked.
    pub fn parse(raw: &[u8]) -> std::io::Result<Reply> {
        // A server that died mid-answer (a test's kill -9) leaves no complete head.
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n").ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "the answer ended before its head")
        })?;
        let head = String::from_utf8(raw[..split].to_vec()).unwrap();
        let mut lines = head.split("\r\n");
        let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        let mut body = raw[split + 4..].to_vec();
        let chunked = headers
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked"));
        if chunked {
            body = dechunk(&body);
        }
        Ok(Reply { status, headers, body })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The session cookie this reply sets (`name=value`), if it sets one.
    pub fn session_cookie(&self) -> Option<String> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
            .filter_map(|(_, v)| v.split(';').next())
            .find(|c| c.starts_with(&format!("{COOKIE}=")))
            .map(str::to_string)
    }
}

/// Which page a POST says it was sent from (its `Origin`, or `Referer`).
#[derive(Clone, Copy, Debug)]
pub enum Origin<'a> {
    /// `Origin: http://{addr}`: a page of the site under test, as a browser names it.
    Site,
    /// Neither Origin nor Referer: a request not made by a browser page.
    None,
    /// This value as the `Origin` header: another site's, or a look-alike of this one
    /// (another scheme or port).
    Foreign(&'a str),
    /// No Origin, this value as the `Referer` header (what older browsers send).
    Referer(&'a str),
}

/// A minimal HTTP/1.1 client. `call` is `GET target`, `FORM target [body]` or
/// `JSON target [body]` (both POST), `PATCH target [JSON body]` or `DELETE target`; `cookie` is `name=value`. POSTs say they come from
/// a page of the site (`Origin: http://{addr}`), as a browser's do.
pub async fn send(addr: SocketAddr, call: &str, cookie: Option<&str>) -> Reply {
    send_with(addr, call, cookie, Origin::Site).await
}

/// `send`, with the POST's origin chosen (GETs send none).
pub async fn send_with(addr: SocketAddr, call: &str, cookie: Option<&str>, origin: Origin<'_>) -> Reply {
    send_headers(addr, call, cookie, origin, &[]).await
}

/// `send_with`, with extra request headers (`name`, `value`), e.g. a browser's
/// `Accept: text/html` on a form posted without JavaScript.
pub async fn send_headers(
    addr: SocketAddr,
    call: &str,
    cookie: Option<&str>,
    origin: Origin<'_>,
    extra: &[(&str, &str)],
) -> Reply {
    try_send_headers(addr, call, cookie, origin, extra, ANSWER_WITHIN)
        .await
        .unwrap_or_else(|e| panic!("{call}: the connection failed: {e}"))
}

/// `send`, with a failed connection as an error instead of a panic (waiting for a server
/// to come up).
pub async fn try_send(addr: SocketAddr, call: &str, cookie: Option<&str>) -> std::io::Result<Reply> {
    try_send_headers(addr, call, cookie, Origin::Site, &[], ANSWER_WITHIN).await
}

/// `try_send` for a call known to take long (a debug build's bulk change of thousands).
pub async fn send_within(
    addr: SocketAddr,
    call: &str,
    cookie: Option<&str>,
    within: std::time::Duration,
) -> std::io::Result<Reply> {
    try_send_headers(addr, call, cookie, Origin::Site, &[], within).await
}

async fn try_send_headers(
    addr: SocketAddr,
    call: &str,
    cookie: Option<&str>,
    origin: Origin<'_>,
    extra: &[(&str, &str)],
    within: std::time::Duration,
) -> std::io::Result<Reply> {
    let (method, rest) = call.split_once(' ').expect("METHOD target");
    let (target, body) = rest.split_once(' ').unwrap_or((rest, ""));
    let (verb, content_type) = match method {
        "GET" => ("GET", None),
        "FORM" => ("POST", Some("application/x-www-form-urlencoded")),
        "JSON" => ("POST", Some("application/json")),
        "PATCH" => ("PATCH", Some("application/json")),
        "DELETE" => ("DELETE", None),
        other => panic!("unknown method {other}"),
    };
    let mut request = format!("{verb} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(c) = cookie {
        request.push_str(&format!("Cookie: {c}\r\n"));
    }
    if matches!(verb, "POST" | "PATCH" | "DELETE") {
        match origin {
            Origin::Site => request.push_str(&format!("Origin: http://{addr}\r\n")),
            Origin::None => {}
            Origin::Foreign(o) => request.push_str(&format!("Origin: {o}\r\n")),
            Origin::Referer(r) => request.push_str(&format!("Referer: {r}\r\n")),
        }
    }
    for (name, value) in extra {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(t) = content_type {
        request.push_str(&format!("Content-Type: {t}\r\nContent-Length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    request.push_str(body);
    // A server that never answers fails the test that asked, saying what it asked,
    // instead of holding up the whole suite.
    let exchange = async {
        let mut conn = tokio::net::TcpStream::connect(addr).await?;
        conn.write_all(request.as_bytes()).await?;
        let mut raw = Vec::new();
        conn.read_to_end(&mut raw).await?;
        Ok::<_, std::io::Error>(raw)
    };
    let raw = tokio::time::timeout(within, exchange)
        .await
        .unwrap_or_else(|_| panic!("no complete answer to {verb} {target} within {within:?}"))?;
    Reply::parse(&raw)
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let eol = data.windows(2).position(|w| w == b"\r\n").expect("chunk size line");
        let size_text = std::str::from_utf8(&data[..eol]).unwrap();
        let size = usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16).unwrap();
        data = &data[eol + 2..];
        if size == 0 {
            return out;
        }
        assert!(data.len() >= size + 2, "the chunked body was cut short");
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

/// The sign-in form's body for `email` with the demo password, going on to the home page.
pub fn sign_in_form(email: &str) -> String {
    format!("email={}&password={}&next=%2F", email.replace('@', "%40"), server::seed::DEMO_PASSWORD)
}

/// Signs in through the sign-in server function, sending `cookie` if given, and returns
/// the session cookie the reply sets.
pub async fn sign_in(addr: SocketAddr, email: &str, cookie: Option<&str>) -> String {
    let reply = send(addr, &format!("FORM /api/sign_in {}", sign_in_form(email)), cookie).await;
    assert!(reply.status < 400, "sign-in of {email}: {} {}", reply.status, reply.text());
    reply.session_cookie().unwrap_or_else(|| panic!("no session cookie after the sign-in of {email}"))
}
