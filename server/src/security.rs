//! What protects people's sessions at the HTTP layer: the same-origin check on
//! state-changing requests (CSRF) and the security headers of every answer.

use axum::extract::Request;
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Where people reach Roster, as far as the HTTP layer needs to know.
#[derive(Clone, Debug, Default)]
pub struct Site {
    /// The origin of `ROSTER_PUBLIC_URL`, when it is set: state-changing requests must
    /// come from a page of it. Unset, they must come from the Host they were sent to.
    pub origin: Option<url::Origin>,
    /// Served over TLS: Secure cookies, HSTS, and `https` in the expected origin.
    pub https: bool,
}

impl Site {
    /// The site at `public_url` (`ROSTER_PUBLIC_URL`), or, without one, whatever Host
    /// requests name, over plain http.
    pub fn at(public_url: Option<&str>) -> anyhow::Result<Site> {
        let Some(public_url) = public_url.map(str::trim).filter(|u| !u.is_empty()) else {
            return Ok(Site::default());
        };
        let url = url::Url::parse(public_url)
            .map_err(|e| anyhow::anyhow!("ROSTER_PUBLIC_URL is not a URL ({e}): {public_url}"))?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            anyhow::bail!("ROSTER_PUBLIC_URL must be an http:// or https:// address: {public_url}");
        }
        Ok(Site { https: url.scheme() == "https", origin: Some(url.origin()) })
    }

    /// The origin pages of this site have, for a request with these headers.
    fn origin_for(&self, headers: &HeaderMap, uri: &axum::http::Uri) -> Option<url::Origin> {
        if let Some(origin) = &self.origin {
            return Some(origin.clone());
        }
        let host = match headers.get(header::HOST) {
            Some(h) => h.to_str().ok()?.to_string(),
            // HTTP/2 names the host in the request target instead.
            None => uri.authority()?.to_string(),
        };
        let scheme = if self.https { "https" } else { "http" };
        url::Url::parse(&format!("{scheme}://{host}")).ok().map(|u| u.origin())
    }
}

pub const CROSS_SITE: &str = "This request came from another site and was refused.";
pub const NO_ORIGIN: &str =
    "This request did not say which page it came from, so it was refused. Reload the page and try again.";

/// Refuses state-changing requests that a page of another site may have sent (CSRF).
///
/// A browser names the page a POST comes from in `Origin` (older ones only in
/// `Referer`); that must be this site, scheme and port included. A request that names
/// no page at all is let through only without a session cookie: a script or an API
/// client acting for nobody, or a first sign-in. With a session, a missing origin is
/// refused too, since that session is what a forged request would borrow.
pub async fn same_origin(site: Site, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let headers = req.headers();
    let refusal = match sender(headers) {
        Some(from) => (Some(from) != site.origin_for(headers, req.uri())).then_some(CROSS_SITE),
        None => carries_session(headers).then_some(NO_ORIGIN),
    };
    match refusal {
        None => next.run(req).await,
        Some(why) => (StatusCode::FORBIDDEN, axum::Json(serde_json::json!({ "error": why }))).into_response(),
    }
}

/// The origin of the page that sent a request: its `Origin`, else its `Referer`'s; an
/// unreadable one (`Origin: null` from a sandboxed frame or a redirect) matches nothing.
fn sender(headers: &HeaderMap) -> Option<url::Origin> {
    let named = headers.get(header::ORIGIN).or_else(|| headers.get(header::REFERER))?;
    let origin = named.to_str().ok().and_then(|v| url::Url::parse(v).ok()).map(|u| u.origin());
    Some(origin.unwrap_or_else(url::Origin::new_opaque))
}

/// Whether a request carries Roster's session cookie.
fn carries_session(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.split_once('='))
        .any(|(name, _)| name.trim() == crate::sessions::COOKIE)
}

/// The Content-Security-Policy of a page whose inline scripts (hydration, streamed
/// data) carry `nonce`: scripts from this site or with the nonce, WebAssembly compiled
/// from them, nothing from elsewhere, never in a frame. With `live_reload`
/// (`cargo leptos watch`), the reload socket on another port may connect.
pub fn page_policy(nonce: &str, live_reload: bool) -> String {
    let connect = if live_reload { "'self' ws: wss:" } else { "'self'" };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src {connect}; object-src 'none'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'"
    )
}

/// The policy of every other answer (JSON, files, redirects): nothing runs, nothing frames it.
const LOCKED_POLICY: &str = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Where the page being rendered leaves its policy for `headers`: a slot in the
/// request's extensions, read when the response comes back. (Set through leptos_axum's
/// response options instead, the header was once lost: a CI run served a page with the
/// locked policy, which blocked the page's own scripts.)
#[derive(Clone, Default)]
pub struct PagePolicy(std::sync::Arc<std::sync::Mutex<Option<String>>>);

impl PagePolicy {
    fn set(&self, policy: String) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(policy);
    }

    fn take(&self) -> Option<String> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

/// Leaves the page policy, with the page's nonce (leptos_axum gives every rendered page
/// one, and puts it on the page's inline scripts), for `headers` to set. Runs in the
/// app's per-request context; outside a page render (server functions) it does nothing.
pub fn provide_page_policy(live_reload: bool) {
    use leptos::prelude::use_context;
    let Some(nonce) = leptos::nonce::use_nonce() else { return };
    let policy = page_policy(&nonce, live_reload);
    if let Some(slot) =
        use_context::<axum::http::request::Parts>().and_then(|p| p.extensions.get::<PagePolicy>().cloned())
    {
        slot.set(policy);
    }
}

/// The headers every answer carries. A page brings its own Content-Security-Policy
/// (`provide_page_policy`); anything else gets one that allows nothing.
///
/// `Referrer-Policy: same-origin` rather than `no-referrer`: links carrying a token in
/// their path never name it to another site either way, but under `no-referrer` a
/// browser sends `Origin: null` with a form posted without JavaScript, which the
/// same-origin check must refuse, and no Referer to send a failed form back to its page.
pub async fn headers(site: Site, mut req: Request, next: Next) -> Response {
    let page = PagePolicy::default();
    req.extensions_mut().insert(page.clone());
    let mut resp = next.run(req).await;
    let headers = resp.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    let policy = page.take().and_then(|p| HeaderValue::from_str(&p).ok());
    headers.insert(header::CONTENT_SECURITY_POLICY, policy.unwrap_or(HeaderValue::from_static(LOCKED_POLICY)));
    if site.https {
        // A year, this host only: the operator's other hosts are not ours to decide for.
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::header::HeaderName;

    fn headers(pairs: &[(HeaderName, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(name.clone(), HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn the_site_origin_compares_scheme_host_and_port() {
        let uri = axum::http::Uri::from_static("/api/x");
        let here = headers(&[(header::HOST, "roster.example:8080")]);
        let plain = Site::default().origin_for(&here, &uri).unwrap();
        assert_eq!(Some(plain.clone()), sender(&headers(&[(header::ORIGIN, "http://roster.example:8080")])));
        assert_ne!(Some(plain.clone()), sender(&headers(&[(header::ORIGIN, "https://roster.example:8080")])));
        assert_ne!(Some(plain.clone()), sender(&headers(&[(header::ORIGIN, "http://roster.example")])));
        assert_ne!(Some(plain), sender(&headers(&[(header::ORIGIN, "null")])));

        let public = Site::at(Some("https://roster.example/")).unwrap();
        assert!(public.https);
        let expected = public.origin_for(&headers(&[(header::HOST, "10.0.0.1:3000")]), &uri);
        assert_eq!(expected, sender(&headers(&[(header::ORIGIN, "https://roster.example:443")])));
        assert_eq!(expected, sender(&headers(&[(header::REFERER, "https://roster.example/sign-in?next=%2F")])));
        assert_ne!(expected, sender(&headers(&[(header::ORIGIN, "http://roster.example")])));
        assert!(Site::at(Some("roster.example")).is_err());
        assert!(Site::at(None).is_ok_and(|s| s.origin.is_none() && !s.https));
    }

    #[test]
    fn only_the_session_cookie_counts() {
        assert!(carries_session(&headers(&[(header::COOKIE, "theme=dark; roster_session=abc")])));
        assert!(!carries_session(&headers(&[(header::COOKIE, "theme=dark; not_roster_session=abc")])));
        assert!(!carries_session(&HeaderMap::new()));
    }
}
