//! The HTTP surface: the server-rendered app, its server functions, static files and a
//! health check.

use crate::export;
use crate::sessions::Store;
use app::error::AppError;
use app::server::Db;
use app::{shell, App};
use axum::body::Body;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::compression::CompressionLayer;

/// The whole app. `sessions` is the session store (see `Store::for_db`); `secure` marks
/// the cookie Secure, for a site served over TLS.
pub fn router(db: Db, options: LeptosOptions, sessions: Store, secure: bool) -> Router {
    let routes = generate_route_list(App);
    let context_db = db.clone();
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route(export::XLSX_PATH, get(export::xlsx).with_state(db.clone()))
        .route(export::CSV_PATH, get(export::csv).with_state(db.clone()))
        .leptos_routes_with_context(
            &options,
            routes,
            move || {
                provide_context(context_db.clone());
                // Answers shared by the server functions of one request (app::server::memo).
                provide_context(app::server::memo::RequestMemo::default());
            },
            {
                let options = options.clone();
                move || shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler(shell))
        .layer(axum::middleware::map_response(server_fn_status))
        .layer(axum::middleware::from_fn(form_errors_back_to_page))
        .layer(sessions.layer(secure))
        .layer(axum::middleware::from_fn(same_origin))
        .layer(CompressionLayer::new())
        .with_state(options)
}

/// Refuses state-changing requests sent from another site (CSRF): a browser always
/// names the page's origin on such requests, and it must be this site.
async fn same_origin(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    use axum::http::Method;
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let headers = req.headers();
    let host = headers.get(axum::http::header::HOST).and_then(|h| h.to_str().ok());
    let origin = headers
        .get(axum::http::header::ORIGIN)
        .or_else(|| headers.get(axum::http::header::REFERER))
        .and_then(|o| o.to_str().ok());
    let from_here = match (origin, host) {
        // Not sent by a browser page (no cookie can ride along cross-site without it).
        (None, _) => true,
        (Some(o), Some(h)) => {
            o.split_once("://").map(|(_, rest)| rest.split('/').next().unwrap_or_default() == h).unwrap_or(false)
        }
        (Some(_), None) => false,
    };
    if from_here {
        next.run(req).await
    } else {
        let body = serde_json::json!({ "error": "This request came from another site and was refused." });
        (StatusCode::FORBIDDEN, axum::Json(body)).into_response()
    }
}

/// A form posted to a server function without JavaScript (a browser asking for HTML)
/// that fails is sent back to its page with the message in `?error=`, which the page
/// shows next to the form, instead of a bare JSON body.
async fn form_errors_back_to_page(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let wants_html = req
        .headers()
        .get(axum::http::header::ACCEPT)
        .and_then(|a| a.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    let referer = req.headers().get(axum::http::header::REFERER).and_then(|r| r.to_str().ok()).map(str::to_string);
    let is_api_post = req.method() == axum::http::Method::POST && req.uri().path().starts_with("/api/");
    let resp = next.run(req).await;
    let (true, true, Some(referer)) = (wants_html && is_api_post, resp.status().is_client_error(), referer) else {
        return resp;
    };
    let (parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let Ok(err) = serde_json::from_slice::<AppError>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    // Back to the same page (path and query, without an older error), on this site.
    let page = referer.split_once("://").and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..])).unwrap_or("/");
    let (path, query) = page.split_once('?').unwrap_or((page, ""));
    let mut pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .filter(|(k, _)| k != "error")
        .map(|(k, v)| (k.into(), v.into()))
        .collect();
    pairs.push(("error".into(), err.to_string()));
    let query = form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
    axum::response::Redirect::to(&format!("{path}?{query}")).into_response()
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

/// Leptos options from the environment (as cargo-leptos sets it) with defaults that
/// let the binary run on its own from the repository root.
pub fn options(bind: Option<std::net::SocketAddr>) -> anyhow::Result<LeptosOptions> {
    let var = |k: &str, d: &str| std::env::var(k).unwrap_or_else(|_| d.to_string());
    let addr = match bind {
        Some(a) => a,
        None => var("LEPTOS_SITE_ADDR", "127.0.0.1:3000").parse()?,
    };
    Ok(LeptosOptions::builder()
        .output_name(var("LEPTOS_OUTPUT_NAME", "roster"))
        .site_root(var("LEPTOS_SITE_ROOT", "target/site"))
        .site_pkg_dir(var("LEPTOS_SITE_PKG_DIR", "pkg"))
        .site_addr(addr)
        .build())
}
