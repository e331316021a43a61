//! Answers worked out once per request. When a page is rendered its server functions
//! run together, and each of them asks who is signed in, whether they administer the
//! account, and what the role catalogue is; the first to ask works the answer out and
//! the others wait for it, instead of each asking the database again.
//!
//! The server provides a fresh `RequestMemo` as context for every request (page or
//! server function). Where there is none (tests, tools), nothing is remembered.

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

use crate::error::{AppError, Result};

type Answer = std::result::Result<Arc<dyn Any + Send + Sync>, AppError>;

/// The answers of one request, by key.
#[derive(Clone, Default)]
pub struct RequestMemo(Arc<Mutex<HashMap<String, Arc<OnceCell<Answer>>>>>);

/// `work()`'s answer for `key`: worked out by the first caller in this request, shared
/// with the others (errors included).
pub async fn once<T, F>(key: impl Into<String>, work: impl FnOnce() -> F) -> Result<T>
where
    T: Clone + Send + Sync + 'static,
    F: Future<Output = Result<T>>,
{
    let Some(memo) = leptos::prelude::use_context::<RequestMemo>() else {
        return work().await;
    };
    let cell = memo.0.lock().unwrap_or_else(|p| p.into_inner()).entry(key.into()).or_default().clone();
    let answer = cell.get_or_init(|| async { work().await.map(|v| Arc::new(v) as Arc<dyn Any + Send + Sync>) }).await;
    match answer {
        Ok(v) => v.downcast_ref::<T>().cloned().ok_or_else(|| {
            tracing::error!("a memoised answer has another type than asked for");
            AppError::Internal
        }),
        Err(e) => Err(e.clone()),
    }
}

/// Whether this request remembers answers (a page or a server function, not a test or
/// a tool): then an answer shared by the page's parts is worth asking for in full.
pub fn remembers() -> bool {
    leptos::prelude::use_context::<RequestMemo>().is_some()
}

/// Whether this request renders a page, rather than calling one server function: then
/// all the page's parts ask, its header included, so what several of them need is worth
/// reading together (one statement instead of one each).
pub fn renders_page() -> bool {
    remembers()
        && leptos::prelude::use_context::<http::request::Parts>()
            .is_some_and(|parts| !parts.uri.path().starts_with(SERVER_FUNCTIONS))
}

/// Where every server function is served (their `prefix`).
const SERVER_FUNCTIONS: &str = "/api/";

/// Remembers `value` as this request's answer for `key`, unless it has one already: for
/// an answer read together with another one.
pub fn remember<T: Send + Sync + 'static>(key: impl Into<String>, value: T) {
    let Some(memo) = leptos::prelude::use_context::<RequestMemo>() else {
        return;
    };
    let cell = memo.0.lock().unwrap_or_else(|p| p.into_inner()).entry(key.into()).or_default().clone();
    // Taken already: the answer it holds is the same request's, as fresh.
    let _ = cell.set(Ok(Arc::new(value) as Arc<dyn Any + Send + Sync>));
}

#[cfg(test)]
mod tests {
    use super::*;
    use leptos::prelude::{provide_context, Owner};

    fn request(path: &str) -> http::request::Parts {
        http::Request::builder().uri(path).body(()).expect("a request").into_parts().0
    }

    #[tokio::test]
    async fn a_page_render_is_told_from_a_server_function_and_keeps_what_it_read_together() {
        let owner = Owner::new();
        owner.set();
        provide_context(request("/accounts/1/users?sort=email"));
        assert!(!renders_page(), "nothing is remembered outside a request");
        provide_context(RequestMemo::default());
        assert!(renders_page());

        remember("answer", 7_i64);
        remember("answer", 8_i64);
        let answer: i64 = once("answer", || async { Ok(9) }).await.unwrap();
        assert_eq!(answer, 7, "the first answer stays, and nothing is worked out again");

        provide_context(request("/api/members"));
        assert!(!renders_page());
    }
}
