//! The HTTP surface: the server-rendered app, its server functions, static files and a
//! health check.

use crate::export;
use app::error::AppError;
use app::server::Db;
use app::{shell, App};
use axum::body::Body;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::compression::CompressionLayer;

pub fn router(db: Db, options: LeptosOptions) -> Router {
    let routes = generate_route_list(App);
    let context_db = db.clone();
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route(export::XLSX_PATH, get(export::xlsx).with_state(db.clone()))
        .route(export::CSV_PATH, get(export::csv).with_state(db.clone()))
        .leptos_routes_with_context(&options, routes, move || provide_context(context_db.clone()), {
            let options = options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler(shell))
        .layer(axum::middleware::map_response(server_fn_status))
        .layer(CompressionLayer::new())
        .with_state(options)
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
