use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use super::toast::Toasts;
use crate::error::AppError;

/// The message a form posted without JavaScript came back with, which the server
/// hands to this page load (server/src/web.rs `posted_error_to_page`). Only the server
/// makes one; the browser reads what the server rendered (`from_posted`).
#[derive(Clone, Debug)]
pub struct PostedError {
    pub message: String,
    /// The path of the server function the form posted to.
    pub endpoint: String,
    /// What the person typed that the page fills in again (no secrets: the server keeps
    /// only its own list of fields, an email or a name).
    pub fields: Vec<(String, String)>,
}

/// What `read` takes from the message a form of this page posted without JavaScript came
/// back with: kept in the visitor's session for this one page load, never read from the
/// URL, where anyone could write a message for the page to show. Rendered on the server
/// and handed to the browser with the page, so that hydration shows the same.
fn from_posted(read: impl FnOnce(&PostedError) -> Option<String>) -> Option<String> {
    SharedValue::new(move || {
        #[cfg(feature = "ssr")]
        {
            use_context::<http::request::Parts>().and_then(|parts| parts.extensions.get::<PostedError>().and_then(read))
        }
        #[cfg(not(feature = "ssr"))]
        {
            let _ = read;
            None
        }
    })
    .into_inner()
}

/// The error a form of this page posted without JavaScript came back with: Roster's own
/// message.
pub fn posted_error() -> Option<String> {
    from_posted(|posted| Some(posted.message.clone()))
}

/// The error a form posted to `endpoint` (a server function's path) came back with; a
/// page with several forms shows it next to that one only.
fn posted_to(endpoint: &'static str) -> Option<String> {
    from_posted(|posted| (posted.endpoint.is_empty() || posted.endpoint == endpoint).then(|| posted.message.clone()))
}

/// What the person had typed into the field `name` of a form that came back with an
/// error without JavaScript, for the page to fill in again.
pub fn posted_value(name: &'static str) -> Option<String> {
    from_posted(|posted| posted.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
}

/// The message to show next to a form posted through `action`: the error of its last
/// submission, or, before any, the one a post without JavaScript came back with.
pub fn form_error<S>(action: ServerAction<S>) -> impl Fn() -> Option<String> + Clone + Send + Sync + 'static
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let posted = posted_to(S::PATH);
    move || match action.value().get() {
        Some(Err(e)) => Some(e.to_string()),
        Some(Ok(_)) => None,
        None => posted.clone(),
    }
}

/// The confirmation to show next to a form posted through `action`: its last answer's,
/// or, before any, `words` when the page was loaded with `flag` in its query (where the
/// server sends a post without JavaScript that succeeded).
pub fn form_done<S>(action: ServerAction<S>, flag: &'static str, words: &'static str) -> impl Fn() -> Option<String>
where
    S: ServerFn<Output = String, Error = AppError> + Clone + Send + Sync + 'static,
{
    let query = leptos_router::hooks::use_query_map();
    move || match action.value().get() {
        Some(Ok(message)) => Some(message),
        Some(Err(_)) => None,
        None => query.with(|q| q.get(flag)).map(|_| words.to_string()),
    }
}

/// Loads `href` afresh once `action` succeeds, so that everything on it (the header
/// too) is rendered for the new session.
pub fn reload_on_success<S>(action: ServerAction<S>, href: String)
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Effect::new(move |_| {
        if let Some(Ok(_)) = action.value().get() {
            let _ = window().location().set_href(&href);
        }
    });
}

/// Shows each answer of `action` (its confirmation, or its error) as a toast, so that a
/// page with several actions shows whichever answered last.
pub fn toast_answers<S>(action: ServerAction<S>, toasts: Toasts)
where
    S: ServerFn<Output = String, Error = AppError> + Clone + Send + Sync + 'static,
{
    Effect::new(move |_| match action.value().get() {
        Some(Ok(message)) => toasts.ok(message),
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
}
