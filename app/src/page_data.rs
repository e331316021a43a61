//! The data a page loads, which the server sends inside the page for the browser to
//! hydrate from.
//!
//! Leptos's own resources decode that data with `serde_json::from_str`, while server
//! functions decode their responses with `serde_json::from_slice`: two copies of every
//! type's JSON decoder in the browser's WASM, since each read of a reply is the same code
//! over another reader type. Roster's resources decode with `from_slice` too, so each type
//! has one decoder in the bundle.

use leptos::prelude::Resource;
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
}
