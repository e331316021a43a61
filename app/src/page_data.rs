//! The data a page loads, which the server sends inside the page for the browser to
//! hydrate from.
//!
//! Leptos's own resources decode that data with `serde_json::from_str`, while server
//! functions decode their responses with `serde_json::from_slice`: two copies of every
//! type's JSON decoder in the browser's WASM, since each read of a reply is the same code
//! over another reader type. Roster's resources decode with `from_slice` too, so each type
//! has one decoder in the bundle.
//!
//! HTML the server rendered into the page (`rendered_html`) is not sent again at all.

use leptos::prelude::{on_cleanup, Resource};

use crate::error::AppError;
use leptos::server::codee::{Decoder, Encoder};
use serde::{de::DeserializeOwned, Serialize};
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

/// JSON, read the way server functions read their replies.
pub struct Json;

impl<T: Serialize> Encoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(val: &T) -> Result<String, serde_json::Error> {
        serde_json::to_string(val)
    }
}

impl<T: DeserializeOwned> Decoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(val: &str) -> Result<T, serde_json::Error> {
        serde_json::from_slice(val.as_bytes())
    }
}

/// A page's data: loaded on the server, sent with the page, loaded again in the browser
/// when `source` changes.
pub type PageData<T> = Resource<T, Json>;

/// [`Resource::new`] with [`Json`].
#[track_caller]
pub fn page_data<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> PageData<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: PartialEq + Clone + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(while_mounted(source), fetcher, false)
}

/// HTML that a page writes as it is (`inner_html`): loaded on the server and written
/// into the page, loaded again in the browser when `source` changes.
///
/// The browser hydrates it from the page itself (an `inner_html` the server rendered is
/// not written again when hydrated), so the data sent with the page says only that it was
/// there: the page would otherwise carry it twice (Manage Users' list is most of its page),
/// and the server would escape it once more into the page's script.
pub type RenderedHtml = Resource<Result<String, AppError>, Rendered>;

/// [`Resource::new`] for [`RenderedHtml`].
#[track_caller]
pub fn rendered_html<S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> RenderedHtml
where
    S: PartialEq + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<String, AppError>> + Send + 'static,
{
    Resource::new_with_options(while_mounted(source), fetcher, false)
}

/// `source` until the page that made the resource is taken down, then its last value.
///
/// A resource reads its source from a task of its own, which can outlive the page: when a
/// client goes away while the server renders (`wrk` at the end of a run, a person leaving
/// a page still loading), the page's reactive values are disposed while that task still
/// runs, and reading one of them then panics the server's worker. Once the page's cleanup
/// has run, the source answers its last value without reading them, so the resource sees
/// no change and loads nothing. The lock makes the cleanup wait for a read under way,
/// which would otherwise race the disposal on another thread.
fn while_mounted<S>(source: impl Fn() -> S + Send + Sync + 'static) -> impl Fn() -> S + Send + Sync + 'static
where
    S: Clone + Send + Sync + 'static,
{
    struct Seen<S> {
        mounted: bool,
        last: Option<S>,
    }
    let seen = Arc::new(Mutex::new(Seen::<S> { mounted: true, last: None }));
    on_cleanup({
        let seen = Arc::clone(&seen);
        move || seen.lock().unwrap_or_else(PoisonError::into_inner).mounted = false
    });
    move || {
        let mut seen = seen.lock().unwrap_or_else(PoisonError::into_inner);
        if let (false, Some(last)) = (seen.mounted, &seen.last) {
            return last.clone();
        }
        let now = source();
        seen.last = Some(now.clone());
        now
    }
}

/// Sends HTML the page already holds as [`Rendered::IN_PAGE`], and an error as JSON.
pub struct Rendered;

impl Rendered {
    /// Not JSON, so that no error reads as it.
    const IN_PAGE: &'static str = "in-page";
}

impl Encoder<Result<String, AppError>> for Rendered {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(val: &Result<String, AppError>) -> Result<String, serde_json::Error> {
        match val {
            Ok(_) => Ok(Rendered::IN_PAGE.to_string()),
            Err(e) => serde_json::to_string(e),
        }
    }
}

impl Decoder<Result<String, AppError>> for Rendered {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(val: &str) -> Result<Result<String, AppError>, serde_json::Error> {
        if val == Rendered::IN_PAGE {
            Ok(Ok(String::new()))
        } else {
            serde_json::from_slice(val.as_bytes()).map(Err)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn once_the_page_is_taken_down_a_source_answers_its_last_value_without_reading() {
        use leptos::prelude::{Get, Owner, RwSignal, Set};
        let owner = Owner::new();
        owner.clone().with(|| {
            let key = RwSignal::new(1);
            let source = while_mounted(move || key.get());
            assert_eq!(source(), 1);
            key.set(2);
            assert_eq!(source(), 2);
            owner.cleanup();
            assert!(key.try_get().is_none(), "the page's signal is disposed");
            assert_eq!(source(), 2);
        });
    }

    #[test]
    fn decodes_what_it_encodes() {
        let value: Result<Vec<(u32, String)>, String> = Ok(vec![(7, "Zoë \"Z\" Ng".into())]);
        let encoded = <Json as Encoder<_>>::encode(&value).unwrap();
        let decoded: Result<Vec<(u32, String)>, String> = <Json as Decoder<_>>::decode(&encoded).unwrap();
        assert_eq!(decoded, value);
    }

    #[test]
    fn rendered_html_is_not_sent_again_but_an_error_is() {
        let sent = <Rendered as Encoder<_>>::encode(&Ok("<table>…</table>".to_string())).unwrap();
        assert!(!sent.contains("table"), "{sent}");
        assert_eq!(<Rendered as Decoder<_>>::decode(&sent).unwrap(), Ok(String::new()));
        let error = Err(AppError::not_found("No such account."));
        let sent = <Rendered as Encoder<_>>::encode(&error).unwrap();
        assert_eq!(<Rendered as Decoder<_>>::decode(&sent).unwrap(), error);
    }
}
