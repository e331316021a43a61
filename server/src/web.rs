//! The HTTP surface: the server-rendered app, its server functions, static files and a
//! health check.

use crate::security::{self, Site};
use crate::sessions::Store;
use crate::{export, import};
use app::backend::Db;
use app::error::AppError;
use app::{shell, App};
use axum::body::Body;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures_util::FutureExt as _;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::error::Error as _;
use tower_http::compression::CompressionLayer;

/// The whole app. `sessions` is the session store (see `Store::for_db`); `secure` marks
/// the cookie Secure and sends HSTS, for a site served over TLS. State-changing requests
/// must come from a page of the Host they name (see `router_at` for a public URL).
pub fn router(db: Db, options: LeptosOptions, sessions: Store, secure: bool) -> Router {
    router_at(db, options, sessions, Site { origin: None, https: secure })
}

/// The whole app, served at `site` (`ROSTER_PUBLIC_URL`).
pub fn router_at(db: Db, options: LeptosOptions, sessions: Store, site: Site) -> Router {
    let routes = generate_route_list(App);
    let live_reload = std::env::var("LEPTOS_WATCH").is_ok();
    let context_db = db.clone();
    let context = move || {
        provide_context(context_db.clone());
        // Answers shared by the server functions of one request (app::backend::memo).
        provide_context(app::backend::memo::RequestMemo::default());
        security::provide_page_policy(live_reload);
    };
    let (check_site, headers_site) = (site.clone(), site.clone());
    // The pages and their server functions: sessions, and the same-origin rule for
    // browsers. The API beside them has neither: its calls carry a token, no cookie.
    let pages = Router::new()
        .route("/healthz", get(health).with_state(db.clone()))
        .route(export::XLSX_PATH, get(export::xlsx).with_state(db.clone()))
        .route(export::CSV_PATH, get(export::csv).with_state(db.clone()))
        // The upload reads its body as it comes, with its own limit (`import::upload`).
        .route(
            import::UPLOAD_PATH,
            axum::routing::post(import::upload)
                .layer(axum::extract::DefaultBodyLimit::disable())
                .with_state(db.clone()),
        )
        .route(import::REPORT_PATH, get(import::report).with_state(db.clone()))
        .leptos_routes_with_context(&options, routes, context.clone(), {
            let options = options.clone();
            move || shell(options.clone())
        })
        .fallback_service(site_files(&options, leptos_axum::file_and_error_handler_with_context(context, shell)))
        .layer(axum::middleware::from_fn(|req, next| settle_page(PAGE_RENDER_LIMIT, req, next)))
        .layer(axum::middleware::map_response(server_fn_status))
        .layer(axum::middleware::from_fn(form_errors_back_to_page))
        .layer(axum::middleware::from_fn(posted_error_to_page))
        .layer(sessions.layer(site.https))
        .layer(axum::middleware::from_fn(move |req, next| security::same_origin(check_site.clone(), req, next)));
    let db_scim = db.clone();
    Router::new()
        .merge(crate::api::router(db))
        .merge(pages)
        .layer(CompressionLayer::new())
        .layer(axum::middleware::from_fn(body_limit))
        // SCIM answers its own errors (the body limit too) in SCIM's shape: merged after
        // the pages' layers, beside the API in needing no session.
        .merge(crate::scim::router(db_scim))
        .layer(axum::middleware::from_fn(cache_assets))
        .layer(axum::middleware::from_fn(move |req, next| security::headers(headers_site.clone(), req, next)))
        .with_state(options)
}

/// The site's files (`target/site`: the WASM, scripts, stylesheet), brotli or gzip as the
/// browser takes them, with ranges and 304s; whatever is not a file goes to `not_found`,
/// leptos's handler, which renders the app's "not found" page.
///
/// The files are not left to that handler: it serves a file under a reactive owner made a
/// child of whatever owner the thread holds at that moment, and applies the status of any
/// `ResponseOptions` it finds above it. While another page rendered beside it, the WASM a
/// page asked for came back with that page's status (a 404 or a 403 the page had set) and
/// the page stayed dead (reproduced in Chromium by leaving a page as its WASM came).
fn site_files<H, T>(
    options: &LeptosOptions,
    not_found: H,
) -> tower_http::services::ServeDir<axum::handler::HandlerService<H, T, LeptosOptions>>
where
    H: axum::handler::Handler<T, LeptosOptions>,
    T: 'static,
{
    tower_http::services::ServeDir::new(options.site_root.as_ref())
        .precompressed_br()
        .precompressed_gzip()
        .append_index_html_on_directories(false)
        .fallback(not_found.with_state(options.clone()))
}

/// Server functions read their body whole into memory: a bound keeps one request from
/// taking the server's memory. A body over it, announced or streamed (chunked), is
/// answered 413 with a JSON error before anything runs.
async fn body_limit(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    use axum::http::Method;
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    // An import's upload streams its file, up to a limit of its own.
    if import::is_upload(req.method(), req.uri().path()) {
        return next.run(req).await;
    }
    let too_large = || {
        let err = AppError::TooLarge(format!("The request is too large: at most {} KiB.", MAX_BODY_BYTES / 1024));
        (StatusCode::PAYLOAD_TOO_LARGE, axum::Json(err)).into_response()
    };
    let announced = req
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return too_large();
    }
    let (parts, body) = req.into_parts();
    match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => next.run(axum::extract::Request::from_parts(parts, Body::from(bytes))).await,
        Err(e) if e.source().is_some_and(|s| s.is::<http_body_util::LengthLimitError>()) => too_large(),
        Err(e) => {
            let err = AppError::invalid(format!("The request body could not be read: {e}"));
            (StatusCode::BAD_REQUEST, axum::Json(err)).into_response()
        }
    }
}

/// The largest request body: ample for any form or server-function call (a bulk
/// selection of 1,000 ids is about 10 KB). A route that needs more (an import) gets its
/// own limit.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Where a failed no-JavaScript form post leaves its message for the page it goes back
/// to: in the session, for one page load, so that what a page shows next to its form is
/// always Roster's own message for this visitor, never text from a URL someone sent.
const POSTED_ERROR: &str = "posted_error";

/// A message waiting for the next load of `page` (a path).
#[derive(serde::Serialize, serde::Deserialize)]
struct WaitingMessage {
    page: String,
    message: String,
    /// The server function the form posted to: of a page's forms, only its own shows the
    /// message. (Empty in a message kept before this was: any form shows it.)
    #[serde(default)]
    endpoint: String,
    /// What the person typed that the page shows again (`KEPT_FIELDS`).
    #[serde(default)]
    fields: Vec<(String, String)>,
}

/// Of a form posted without JavaScript that fails, the fields its page fills in again, so
/// that a mistyped password does not cost the email too: what the person typed that is no
/// secret (never a password or a link's token).
const KEPT_FIELDS: [&str; 2] = ["email", "name"];

/// The largest form body whose `KEPT_FIELDS` are kept (a form of a few fields is far
/// smaller; a larger body goes through untouched, and its page shows the message only).
const KEPT_BODY_BYTES: usize = 16 * 1024;

/// Reads a small form-encoded body to keep its `KEPT_FIELDS`, and puts it back.
async fn keep_fields(req: axum::extract::Request) -> (axum::extract::Request, Vec<(String, String)>) {
    let headers = req.headers();
    let form_encoded = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|t| t.to_str().ok())
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    let small = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|l| l.to_str().ok()?.parse::<usize>().ok())
        .is_some_and(|l| l <= KEPT_BODY_BYTES);
    if !(form_encoded && small) {
        return (req, Vec::new());
    }
    let (parts, body) = req.into_parts();
    match axum::body::to_bytes(body, KEPT_BODY_BYTES).await {
        Ok(bytes) => {
            let kept = form_urlencoded::parse(&bytes)
                .filter(|(k, _)| KEPT_FIELDS.contains(&k.as_ref()))
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            (axum::extract::Request::from_parts(parts, Body::from(bytes)), kept)
        }
        // The client broke off its body: the call fails on the empty one, as it would have.
        Err(_) => (axum::extract::Request::from_parts(parts, Body::empty()), Vec::new()),
    }
}

/// An error of a plain route (not a server function, whose errors the framework
/// encodes): a JSON body `{"error": "…"}` with the error's status.
pub struct ErrorReply(pub AppError);

impl From<AppError> for ErrorReply {
    fn from(e: AppError) -> Self {
        ErrorReply(e)
    }
}

impl IntoResponse for ErrorReply {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, axum::Json(serde_json::json!({ "error": self.0.to_string() }))).into_response()
    }
}

/// `GET /healthz`: "ok" when this instance can use its database, else 503 with why; what
/// a load balancer asks before sending an instance requests.
async fn health(axum::extract::State(db): axum::extract::State<Db>) -> Result<&'static str, ErrorReply> {
    db.execute(&app::sql!("SELECT 1")).await?;
    Ok("ok")
}

/// A form posted to a server function without JavaScript (a browser asking for HTML)
/// that fails is sent back to its page, which shows the message next to the form
/// (see `posted_error_to_page`), instead of a bare JSON body.
async fn form_errors_back_to_page(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let wants_html = req
        .headers()
        .get(axum::http::header::ACCEPT)
        .and_then(|a| a.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    let referer = req.headers().get(axum::http::header::REFERER).and_then(|r| r.to_str().ok()).map(str::to_string);
    let is_api_post = req.method() == axum::http::Method::POST && req.uri().path().starts_with("/api/");
    let session = req.extensions().get::<tower_sessions::Session>().cloned();
    let endpoint = req.uri().path().to_string();
    let (req, fields) = if wants_html && is_api_post { keep_fields(req).await } else { (req, Vec::new()) };
    let resp = next.run(req).await;
    let (true, true, Some(referer), Some(session)) =
        // 503 too: "the server is busy" is a message for the person, like the 4xx ones.
        (wants_html && is_api_post, resp.status().is_client_error() || resp.status() == StatusCode::SERVICE_UNAVAILABLE, referer, session)
    else {
        return resp;
    };
    let (parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let Ok(err) = serde_json::from_slice::<AppError>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    // Back to the same page (path and query, without the `error` older versions put
    // there), on this site.
    let page = referer.split_once("://").and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..])).unwrap_or("/");
    let (path, query) = page.split_once('?').unwrap_or((page, ""));
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .filter(|(k, _)| k != "error")
        .map(|(k, v)| (k.into(), v.into()))
        .collect();
    let query = form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
    let waiting = WaitingMessage { page: path.to_string(), message: err.to_string(), endpoint, fields };
    if let Err(e) = session.insert(POSTED_ERROR, waiting).await {
        // The page comes back without the message; the JSON answer is the next best.
        tracing::warn!(error = %e, "cannot keep a form's error in the session");
        return Response::from_parts(parts, Body::from(bytes));
    }
    let target = if query.is_empty() { path.to_string() } else { format!("{path}?{query}") };
    axum::response::Redirect::to(&target).into_response()
}

/// Hands the message a failed form post left in the session (`form_errors_back_to_page`)
/// to the page it was left for, in the request's extensions where the page reads it
/// (`app::components::form_feedback::posted_error`). It is taken on the visitor's next
/// page load, whatever the page, so that it never shows up later out of context.
async fn posted_error_to_page(mut req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let page_load = req.method() == axum::http::Method::GET
        && !req.uri().path().starts_with("/api/")
        && req
            .headers()
            .get(axum::http::header::ACCEPT)
            .and_then(|a| a.to_str().ok())
            .is_some_and(|a| a.contains("text/html"));
    // Only a visitor with a session can have a message waiting; looking costs nothing
    // more, since the page loads the session anyway, and writes only when one is taken.
    let session = req.extensions().get::<tower_sessions::Session>().filter(|s| s.id().is_some()).cloned();
    if let (true, Some(session)) = (page_load, session) {
        match session.get::<WaitingMessage>(POSTED_ERROR).await {
            Ok(Some(waiting)) => {
                if let Err(e) = session.remove::<WaitingMessage>(POSTED_ERROR).await {
                    tracing::warn!(error = %e, "cannot clear a form's error from the session");
                }
                if waiting.page == req.uri().path() {
                    let posted = app::components::form_feedback::PostedError {
                        message: waiting.message,
                        endpoint: waiting.endpoint,
                        fields: waiting.fields,
                    };
                    req.extensions_mut().insert(posted);
                }
            }
            Ok(None) => {}
            // The session store is the database: the page could not load either, and
            // waiting for it twice would only double the wait for the same answer.
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the session");
                return unavailable_page();
            }
        }
    }
    next.run(req).await
}

/// The longest one render of a page may take before it is given up and rendered again.
/// A page renders in milliseconds; see `settle_page` for why one sometimes never ends.
pub const PAGE_RENDER_LIMIT: std::time::Duration = std::time::Duration::from_secs(8);

/// Renders a page (a GET of a path without a file extension, outside `/api/`) in full
/// before answering, and renders it once more if it has not finished within `limit`.
///
/// Why: under load, about one server-rendered page in several thousand never finished
/// its body (PostgreSQL test runs, several sessions: `GET /sign-in`, `GET /settings`),
/// while the process kept serving everything else. That is the signature of the known
/// lost-wakeup races in Leptos's server-side suspense (leptos-rs/leptos#4851, #4578,
/// #4698), not of a lock or the pool (every database wait here is bounded). Until that
/// is fixed upstream, a stalled render is dropped and done again, so the visitor gets
/// the page a few seconds late instead of never; each retry is logged. Reading the
/// whole body first costs streaming, which these small pages do not need.
///
/// A render that panics is done again too: Leptos's signals are read with a lock taken
/// only if it is free at once, and a read that meets a write from another thread is
/// reported as a value "already disposed", a panic (leptos-rs/leptos#3681). A page's
/// render and its effects and resources run on several threads, so now and then one
/// does (2026-12-06: 3 renders of Manage Users in 1,500 and 13 of the cases list in 600,
/// one request at a time, one database connection); the connection then closed with no
/// answer. See the README (Reliability).
async fn settle_page(
    limit: std::time::Duration,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let path = req.uri().path();
    let page = req.method() == axum::http::Method::GET
        && !path.starts_with("/api/")
        && !path.rsplit('/').next().is_some_and(|last| last.contains('.'));
    if !page {
        return next.run(req).await;
    }
    let (parts, _) = req.into_parts();
    for attempt in 1..=2 {
        let req = axum::extract::Request::from_parts(parts.clone(), Body::empty());
        let next = next.clone();
        let render = async move {
            let (head, body) = next.run(req).await.into_parts();
            axum::body::to_bytes(body, MAX_PAGE_BYTES).await.map(|bytes| Response::from_parts(head, Body::from(bytes)))
        };
        // Nothing outlives a render but its answer: a panicked one is dropped whole.
        match tokio::time::timeout(limit, std::panic::AssertUnwindSafe(render).catch_unwind()).await {
            Ok(Ok(Ok(page))) => return page,
            Ok(Ok(Err(e))) => {
                tracing::error!(path = %parts.uri.path(), error = %e, "a page could not be read whole");
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            }
            Ok(Err(_)) => {
                tracing::error!(path = %parts.uri.path(), attempt, "a page's render panicked; rendering it again")
            }
            Err(_) => tracing::warn!(path = %parts.uri.path(), attempt, "a page's render stalled; rendering it again"),
        }
    }
    unavailable_page()
}

/// The largest server-rendered page `settle_page` reads whole (the biggest, Manage Users
/// at 100 rows, is well under 1 MiB).
const MAX_PAGE_BYTES: usize = 16 * 1024 * 1024;

/// A page's answer when the database cannot serve: 503, and what to do, in plain HTML.
fn unavailable_page() -> Response {
    let message = AppError::Unavailable.to_string();
    let page = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Roster</title></head>\
         <body><main><h1>Roster</h1><p role=\"alert\">{message}</p></main></body></html>"
    );
    (StatusCode::SERVICE_UNAVAILABLE, [(axum::http::header::RETRY_AFTER, "5")], axum::response::Html(page))
        .into_response()
}

/// A server function whose arguments do not decode fails before its body can report a
/// status, and the framework answers 500. The body still says which `AppError` it was,
/// so the status is corrected here: bad input is the caller's fault (4xx), not ours.
async fn server_fn_status(resp: Response) -> Response {
    if resp.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return Response::from_parts(parts, Body::empty());
    };
    if let Ok(err) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// The site's files whose names carry a hash of their content (`roster.<hash>.wasm`, built
/// with cargo-leptos's `hash-files`) never change under that name: browsers keep them for a
/// year without asking again, so a returning visitor loads no code at all. Any other file
/// under `/pkg/` is asked about each time (answered 304 when unchanged).
async fn cache_assets(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let asset = req.uri().path().strip_prefix("/pkg/").map(hashed_name);
    let mut resp = next.run(req).await;
    if let (Some(hashed), true) = (asset, resp.status().is_success()) {
        let policy = if hashed { "public, max-age=31536000, immutable" } else { "no-cache" };
        resp.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static(policy));
    }
    resp
}

/// `name.<22 characters of URL-safe base64>.ext`: cargo-leptos's hashed file names.
fn hashed_name(file: &str) -> bool {
    let parts: Vec<&str> = file.split('.').collect();
    matches!(parts.as_slice(), [name, hash, ext]
        if !name.is_empty() && !ext.is_empty() && !file.contains('/')
            && hash.len() == 22 && hash.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
}

/// Whether cargo-leptos built the site with hashed file names: it then wrote their hashes
/// beside this binary (`hash.txt`), which `SiteFiles` reads for the names.
fn site_is_hashed() -> bool {
    let hashes = std::env::current_exe().ok().and_then(|exe| Some(exe.parent()?.join("hash.txt")));
    hashes.is_some_and(|path| std::fs::File::open(path).is_ok())
}

/// The name cargo-leptos gives the site's files (`LEPTOS_OUTPUT_NAME`).
fn output_name() -> String {
    std::env::var("LEPTOS_OUTPUT_NAME").unwrap_or_else(|_| "roster".to_string())
}

/// Leptos options from the environment (as cargo-leptos sets it) with defaults that
/// let the binary run on its own from the repository root.
pub fn options(bind: Option<std::net::SocketAddr>) -> anyhow::Result<LeptosOptions> {
    let var = |k: &str, d: &str| std::env::var(k).unwrap_or_else(|_| d.to_string());
    let addr = match bind {
        Some(a) => a,
        None => var("LEPTOS_SITE_ADDR", "127.0.0.1:3000").parse()?,
    };
    Ok(LeptosOptions::builder()
        .output_name(output_name())
        .site_root(var("LEPTOS_SITE_ROOT", "target/site"))
        .site_pkg_dir(var("LEPTOS_SITE_PKG_DIR", "pkg"))
        .hash_files(site_is_hashed())
        .site_addr(addr)
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;
    use tower::ServiceExt;

    /// A router whose `/page` never finishes its first render, whose `/panicky` panics in
    /// its first, whose `/broken` panics in every one, and whose `/stuck` and `/app.js`
    /// never finish at all.
    fn router(calls: Arc<AtomicUsize>) -> Router {
        const LIMIT: Duration = Duration::from_millis(200);
        let panicky = calls.clone();
        Router::new()
            .route(
                "/panicky",
                get(move || {
                    let calls = panicky.clone();
                    async move {
                        tokio::task::yield_now().await;
                        if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                            panic!("a render that panics once");
                        }
                        "the page"
                    }
                }),
            )
            .route(
                "/broken",
                get(|| async {
                    if true {
                        panic!("a render that always panics");
                    }
                    "never"
                }),
            )
            .route(
                "/page",
                get(move || {
                    let calls = calls.clone();
                    async move {
                        if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                            std::future::pending::<()>().await;
                        }
                        "the page"
                    }
                }),
            )
            .route("/stuck", get(std::future::pending::<&'static str>))
            .route("/app.js", get(std::future::pending::<&'static str>))
            .layer(axum::middleware::from_fn(|req, next| settle_page(LIMIT, req, next)))
    }

    async fn get_page(router: Router, path: &str) -> Option<(StatusCode, String)> {
        let req = axum::extract::Request::get(path).body(Body::empty()).unwrap();
        let answer = tokio::time::timeout(Duration::from_secs(3), router.oneshot(req)).await.ok()?.unwrap();
        let status = answer.status();
        let bytes = axum::body::to_bytes(answer.into_body(), usize::MAX).await.unwrap();
        Some((status, String::from_utf8_lossy(&bytes).into_owned()))
    }

    /// Gets `path`, which fails its first render, and expects the page from the second.
    async fn rendered_on_second_try(path: &str) {
        let calls = Arc::new(AtomicUsize::new(0));
        let (status, body) = get_page(router(calls.clone()), path).await.expect("an answer");
        assert_eq!((status, body.as_str()), (StatusCode::OK, "the page"));
        assert_eq!(calls.load(Ordering::SeqCst), 2, "rendered twice");
    }

    #[tokio::test]
    async fn a_stalled_page_render_is_done_again() {
        rendered_on_second_try("/page").await;
    }

    #[tokio::test]
    async fn a_page_render_that_panics_is_done_again() {
        rendered_on_second_try("/panicky").await;
        let (status, _) =
            get_page(router(Arc::default()), "/broken").await.expect("an answer, not a closed connection");
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    }

    #[tokio::test]
    async fn a_page_that_never_renders_gets_a_503_not_a_hang() {
        let (status, body) = get_page(router(Arc::default()), "/stuck").await.expect("an answer");
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(body.contains("Roster cannot use its database right now") || body.contains("Try again"), "{body}");
    }

    #[test]
    fn only_names_with_a_content_hash_are_cached_for_good() {
        assert!(hashed_name("roster.AbC-12_xyzAbC-12_xyzAB.wasm"));
        assert!(hashed_name("roster.AbC-12_xyzAbC-12_xyzAB.css"));
        // What `--split` adds: the dialogs' WASM and the loader that fetches it.
        assert!(hashed_name("split_dialog_view_18158428095221494665.FSt_x23-cQgP6Qa7KowL-g.wasm"));
        assert!(hashed_name("__wasm_split.9Rc-8tB1HY-nfRtO8eKbuQ.js"));
        // The other pages' WASM, and a piece it shares with the dialogs'.
        assert!(hashed_name("split_page_view_2083892492010794619.B1YmYuXSjqy0hEUPeYHJ_A.wasm"));
        assert!(hashed_name("chunk_3.w2qWtpAhWOSxI1oS5dpaPA.wasm"));
        assert!(!hashed_name("roster.wasm"), "unhashed: asked about each time");
        assert!(!hashed_name("roster_bg.wasm.d.ts"));
        assert!(!hashed_name("roster.AbC-12_xyzAbC-12_xyz.wasm"), "21 characters");
        assert!(!hashed_name("a/roster.AbC-12_xyzAbC-12_xyzAB.wasm"));
        assert!(!hashed_name("roster.AbC-12_xyzAbC-12_xyzA!.wasm"));
    }

    #[tokio::test]
    async fn files_and_server_functions_are_left_alone() {
        assert!(get_page(router(Arc::default()), "/app.js").await.is_none(), "not timed: a file streams as it is");
    }

    /// Served while another page's render is the thread's current owner, with a 404 set
    /// in its `ResponseOptions` (what leptos's own file handler then answered), a site file
    /// still comes back whole, compressed as asked; a missing one goes to `not_found`.
    #[tokio::test(flavor = "current_thread")]
    async fn a_site_file_is_served_whatever_page_renders_beside_it() {
        let root = std::env::temp_dir().join(format!("roster-site-files-{}", std::process::id()));
        std::fs::create_dir_all(root.join("pkg")).unwrap();
        std::fs::write(root.join("pkg/roster.AbC-12_xyzAbC-12_xyzAB.wasm"), b"\0asm the module").unwrap();
        std::fs::write(root.join("pkg/roster.AbC-12_xyzAbC-12_xyzAB.wasm.br"), b"brotli bytes").unwrap();
        let options = LeptosOptions::builder().output_name("roster").site_root(root.to_str().unwrap()).build();
        let other_page = Owner::new();
        other_page.set();
        let status = leptos_axum::ResponseOptions::default();
        status.set_status(StatusCode::NOT_FOUND);
        provide_context(status);

        let not_found = || async { (StatusCode::NOT_FOUND, "the app's not-found page") };
        let get = |path: &str, encoding: &str| {
            axum::extract::Request::get(path).header("accept-encoding", encoding).body(Body::empty()).unwrap()
        };
        let read = |answer: Response| async move {
            let encoding = answer.headers().get("content-encoding").map(|v| v.to_str().unwrap().to_string());
            let bytes = axum::body::to_bytes(answer.into_body(), usize::MAX).await.unwrap();
            (encoding, String::from_utf8_lossy(&bytes).into_owned())
        };
        let files = site_files(&options, not_found);

        let answer = files.clone().oneshot(get("/pkg/roster.AbC-12_xyzAbC-12_xyzAB.wasm", "gzip, br")).await.unwrap();
        assert_eq!(answer.status(), StatusCode::OK);
        assert_eq!(read(answer.into_response()).await, (Some("br".to_string()), "brotli bytes".to_string()));
        let answer = files.clone().oneshot(get("/pkg/roster.AbC-12_xyzAbC-12_xyzAB.wasm", "identity")).await.unwrap();
        assert_eq!(answer.status(), StatusCode::OK);
        assert_eq!(read(answer.into_response()).await, (None, "\0asm the module".to_string()));
        let answer = files.oneshot(get("/pkg/roster.missing.wasm", "br")).await.unwrap();
        assert_eq!(answer.status(), StatusCode::NOT_FOUND);
        assert_eq!(read(answer.into_response()).await.1, "the app's not-found page");
        std::fs::remove_dir_all(&root).unwrap();
    }
}
