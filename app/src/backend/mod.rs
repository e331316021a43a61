//! Everything that runs only on the server: storage and the glue that server functions
//! use. Compiled with the `ssr` feature only; the browser build never sees sqlx.

pub mod access;
pub mod access_requests;
pub mod accounts;
pub mod api_tokens;
pub mod audit;
pub mod auth;
pub mod cases;
pub mod console;
pub mod contacts;
pub mod copy_access;
pub mod db;
pub mod import;
pub mod invitations;
pub mod keyset;
pub mod lanes;
pub mod limits;
pub mod mail;
pub mod members;
pub mod memo;
pub mod partners;
pub mod password_reset;
pub mod people;
pub mod registration;
pub mod roles;
pub mod scim;
pub mod site_files;
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

/// What a refusal of hidden characters adds to the field's own message.
const VISIBLE_ONLY: &str = "Use visible characters only: control characters and text-direction marks are not accepted.";

/// Refuses one-line text that holds a control character or a text-direction mark (see
/// `model::is_hidden_char`), with the field's `message` and why.
pub fn refuse_hidden(text: &str, message: &str) -> Result<(), AppError> {
    if text.chars().any(crate::model::is_hidden_char) {
        return Err(AppError::invalid(format!("{message} {VISIBLE_ONLY}")));
    }
    Ok(())
}

/// `text` as `one_line` makes it, or `message` as the refusal when that is empty or
/// longer than `max` characters, or holds hidden characters. Those are refused, not
/// dropped: a name that showed differently from what was typed would be a surprise.
pub fn checked_text(text: &str, max: usize, message: impl Into<String>) -> Result<String, AppError> {
    let message = message.into();
    // White space around the text is trimmed away, so only hidden characters within count.
    refuse_hidden(text.trim(), &message)?;
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
    now_ms() / 1_000
}

/// The time in milliseconds since the epoch: where the order of two events in the same
/// second matters (a session started just before its person signed out everywhere).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// "Active" means signed in within the last six months (183 days).
pub const ACTIVE_WINDOW_SECS: i64 = 183 * 86_400;

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => AppError::not_found("Not found."),
            // Only a write that skipped the account's lock (see `members::write::begin_change`)
            // gets here; the others are refused, with the holder named, before they write.
            sqlx::Error::Database(d) if roles::is_unique_role_violation(d.as_ref()) => {
                AppError::Conflict(roles::UNIQUE_ROLE_HELD.into())
            }
            sqlx::Error::Database(d) if d.is_unique_violation() => AppError::Conflict("That already exists.".into()),
            // PostgreSQL's lock_timeout (set per connection): another change of the same
            // rows has held them too long; trying again later is the answer.
            sqlx::Error::Database(d) if d.code().as_deref() == Some("55P03") => {
                tracing::warn!(error = %e, "gave up waiting for a lock");
                AppError::Busy
            }
            // SQLite's lock wait (busy_timeout) ran out: the same answer.
            sqlx::Error::Database(d) if matches!(d.code().as_deref(), Some("5" | "517")) => {
                tracing::warn!(error = %e, "gave up waiting for the database file's lock");
                AppError::Busy
            }
            // No connection within the pool's acquire timeout (under a second, so that a
            // burst is answered rather than queued without end): every connection is in
            // use, or none can be made because the database is down. The pool keeps
            // trying on later requests, so it recovers by itself once the database is back.
            sqlx::Error::PoolTimedOut => {
                tracing::warn!("no database connection within the acquire timeout");
                AppError::Unavailable
            }
            // The server went away under a connection (restart, network): the pool
            // replaces the connection on its next use, so trying again later works.
            sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::PoolClosed => {
                tracing::warn!(error = %e, "the database is not reachable");
                AppError::Unavailable
            }
            sqlx::Error::Database(d) if d.code().as_deref().is_some_and(is_outage_code) => {
                tracing::warn!(error = %e, "the database is not available");
                AppError::Unavailable
            }
            _ => {
                tracing::error!(error = %e, "database error");
                AppError::Internal
            }
        }
    }
}

/// PostgreSQL's codes for "the server is going away or not there yet": class 08
/// (connection exception) and 57P01–57P03 (shut down by an administrator, crash
/// shutdown, cannot connect now).
fn is_outage_code(code: &str) -> bool {
    code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_text_is_tidied_or_refused_with_the_fields_message() {
        let name = "Enter your name (at most 100 characters).";
        assert_eq!(checked_text("  Ann   Lee \n", 100, name), Ok("Ann Lee".to_string()));
        assert_eq!(checked_text(" ", 100, name), Err(AppError::invalid(name)));
        assert_eq!(checked_text(&"x".repeat(101), 100, name), Err(AppError::invalid(name)));
        for hidden in
            ["Ann\u{0}Lee", "Ann\tLee", "Ann\nLee", "Ann\u{202E}eeL", "Ann \u{2066}Lee", "Ann\u{85}Lee", "A\u{7f}"]
        {
            assert_eq!(
                checked_text(hidden, 100, name),
                Err(AppError::invalid(format!("{name} {VISIBLE_ONLY}"))),
                "{hidden:?}"
            );
        }
    }
}
