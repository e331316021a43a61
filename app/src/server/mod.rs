//! Everything that runs only on the server: storage and the glue that server functions
//! use. Compiled with the `ssr` feature only; the browser build never sees sqlx.

pub mod access;
pub mod accounts;
pub mod audit;
pub mod auth;
pub mod cases;
pub mod console;
pub mod contacts;
pub mod db;
pub mod invitations;
pub mod members;
pub mod membership;
pub mod memo;
pub mod outbox;
pub mod password_reset;
pub mod people;
pub mod roles;
pub mod token;

pub use db::{Backend, Db};

use crate::error::AppError;

/// The database handle of this request, provided once by the server as context.
pub fn db() -> Result<Db, AppError> {
    leptos::prelude::use_context::<Db>().ok_or_else(|| {
        tracing::error!("no database in the server-function context");
        AppError::Internal
    })
}

/// Passes a server function's result through, reporting an error's HTTP status on the
/// response (the body is the JSON-encoded `AppError`). The one place errors meet HTTP.
pub fn respond<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(e) = &result {
        set_status(e.status());
    }
    result
}

/// Sets the HTTP status of the response being rendered or answered.
pub fn set_status(code: u16) {
    if let Some(resp) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        resp.set_status(http::StatusCode::from_u16(code).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR));
    }
}

/// Text typed into a one-line field, with its runs of spaces made single.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `text` as `one_line` makes it, or `message` as the refusal when that is empty or
/// longer than `max` characters.
pub fn checked_text(text: &str, max: usize, message: impl Into<String>) -> Result<String, AppError> {
    let t = one_line(text);
    if t.is_empty() || t.chars().count() > max {
        return Err(AppError::invalid(message));
    }
    Ok(t)
}

static SITE_URL: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Sets the address links in emails start with (`ROSTER_PUBLIC_URL`, else the address
/// the server listens on). Set once, at start-up; later calls change nothing.
pub fn set_site_url(url: &str) {
    let _ = SITE_URL.set(url.trim_end_matches('/').to_string());
}

/// The address links in emails start with. Never taken from a request's Host header:
/// a forged header would send someone's reset link to the forger's site.
pub fn site_url() -> &'static str {
    SITE_URL.get().map(String::as_str).unwrap_or("http://localhost:3000")
}

/// Current time in Unix seconds.
pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// "Active" means signed in within the last six months (183 days).
pub const ACTIVE_WINDOW_SECS: i64 = 183 * 86_400;

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => AppError::not_found("Not found."),
            sqlx::Error::Database(d) if d.is_unique_violation() => AppError::Conflict("That already exists.".into()),
            _ => {
                tracing::error!(error = %e, "database error");
                AppError::Internal
            }
        }
    }
}
