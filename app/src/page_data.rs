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

use leptos::prelude::Resource;

use crate::error::AppError;
use leptos::server::codee::{Decoder, Encoder};
use serde::{de::DeserializeOwned, Serialize};
use std::future::Future;

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
    Resource::new_with_options(source, fetcher, false)
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
    Resource::new_with_options(source, fetcher, false)
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
