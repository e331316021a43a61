//! The HTTP surface: the server-rendered app, its server functions, static files and a
//! health check.

use crate::export;
use app::server::Db;
use app::{shell, App};
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
        .leptos_routes_with_context(
            &options,
            routes,
            move || provide_context(context_db.clone()),
            {
                let options = options.clone();
                move || shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler(shell))
        .layer(CompressionLayer::new())
        .with_state(options)
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
