//! SCIM 2.0 (SPEC F26, RFC 7643/7644) at `/scim/v2`, for identity providers (Okta,
//! Entra ID) provisioning an account's contacts. Called with an API token of the
//! account (`Authorization: Bearer …`): the token names the account. A User is a
//! membership of the account, a Group a role of the catalogue. Every call goes through
//! the token's `AccountAdmin` proof (`access::token_grant_by_secret`) and the same
//! storage as the pages and the REST API; this module only translates HTTP and JSON.

mod error;
pub mod filter;
mod groups;
mod schema;
mod users;

pub use error::{ScimError, ScimResult};

use app::backend::access::{self, TokenGrant};
use app::backend::{now, Db};
use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

/// Where SCIM is served.
pub const BASE: &str = "/scim/v2";
pub const CONTENT_TYPE: &str = "application/scim+json";
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const SEARCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
/// The most resources one answer holds (`count` above it is lowered to it).
pub const MAX_COUNT: i64 = 200;
/// Resources per page when `count` is left out.
pub const DEFAULT_COUNT: i64 = 100;

/// SCIM's routes: every path under `/scim/v2` answers a SCIM error when it fails,
/// unknown paths and methods too.
pub fn router<S: Clone + Send + Sync + 'static>(db: Db) -> Router<S> {
    let inner = Router::new()
        .route("/ServiceProviderConfig", get(schema::config))
        .route("/Schemas", get(schema::schemas))
        .route("/Schemas/{id}", get(schema::schema))
        .route("/ResourceTypes", get(schema::types))
        .route("/ResourceTypes/{id}", get(schema::resource_type))
        .route("/Users", get(users::list).post(users::create))
        .route("/Users/.search", post(users::search))
        .route("/Users/{id}", get(users::show).put(users::replace).patch(users::patch).delete(users::delete))
        .route("/Groups", get(groups::list).post(groups::create))
        .route("/Groups/.search", post(groups::search))
        .route("/Groups/{id}", get(groups::show).put(groups::replace).patch(groups::patch).delete(groups::delete))
        .route("/.search", post(search_all))
        .fallback(|| async { ScimError::not_found("There is nothing at this address of the SCIM service.") })
        .method_not_allowed_fallback(|| async { ScimError::new(405, None, "This address does not take this method.") })
        .layer(axum::middleware::from_fn(body_limit))
        .layer(axum::middleware::from_fn_with_state(db.clone(), crate::api::recorded))
        .with_state(db);
    Router::new().nest(BASE, inner)
}

/// `POST /.search` (RFC 7644 §3.4.3): Users, then Groups, paged as one list. A filter
/// must make sense for Users (Groups are matched by the same filter).
async fn search_all(
    axum::extract::State(db): axum::extract::State<Db>,
    headers: HeaderMap,
    body: Bytes,
) -> ScimResult<Response> {
    let grant = grant(&db, &headers).await?;
    let admin = grant.reader();
    let params = ListParams::from_search(&body)?;
    let (start, count) = params.paging()?;
    let offset = start - 1;
    let (users_total, mut docs) = users::page(&db, admin, &headers, &params, offset, count).await?;
    let groups = groups::matching(&db, admin, &headers, &params).await?;
    let total = users_total + groups.len() as i64;
    let skip = (offset - users_total).max(0) as usize;
    let room = (count as usize).saturating_sub(docs.len());
    docs.extend(groups.into_iter().skip(skip).take(room));
    Ok(list_response(docs, start, Some(total)))
}

/// The body limit of the rest of the server, answered as a SCIM error.
async fn body_limit(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let limit = crate::web::MAX_BODY_BYTES;
    let announced =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > limit as u64) {
        return ScimError::too_large().into_response();
    }
    let (parts, body) = req.into_parts();
    match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => next.run(axum::extract::Request::from_parts(parts, Body::from(bytes))).await,
        Err(e) if std::error::Error::source(&e).is_some_and(|s| s.is::<http_body_util::LengthLimitError>()) => {
            ScimError::too_large().into_response()
        }
        Err(_) => ScimError::invalid_syntax("The request body could not be read.").into_response(),
    }
}

/// The grant of the token the call carries.
pub(crate) async fn grant(db: &Db, headers: &HeaderMap) -> ScimResult<TokenGrant> {
    let secret = crate::api::bearer(headers)?;
    Ok(access::token_grant_by_secret(db, secret, now()).await?)
}

/// The service's own address as the caller reached it, for `meta.location`.
pub(crate) fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            !h.is_empty() && h.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '-' | '[' | ']'))
        })
        .unwrap_or("localhost");
    let proto = match headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()) {
        Some("https") => "https",
        _ => "http",
    };
    format!("{proto}://{host}{BASE}")
}

/// A SCIM JSON answer, with the resource's ETag when it has a version.
pub(crate) fn scim_json(status: u16, body: &Value, version: Option<i64>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let mut response = (status, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    if let Some(v) = version {
        if let Ok(tag) = HeaderValue::from_str(&etag(v)) {
            headers.insert(header::ETAG, tag);
        }
    }
    if let Some(location) = body.pointer("/meta/location").and_then(Value::as_str) {
        if status == StatusCode::CREATED {
            if let Ok(l) = HeaderValue::from_str(location) {
                headers.insert(header::LOCATION, l);
            }
        }
    }
    response
}

pub(crate) fn etag(version: i64) -> String {
    format!("W/\"{version}\"")
}

/// The version an `If-Match` header names: None without one (or `*`); a tag that is no
/// version of ours can match nothing.
pub(crate) fn if_match(headers: &HeaderMap) -> Option<Option<i64>> {
    let text = headers.get(header::IF_MATCH)?.to_str().ok().map(str::trim);
    match text {
        Some("*") => None,
        Some(t) => Some(
            t.split(',')
                .map(|tag| tag.trim().trim_start_matches("W/").trim_matches('"'))
                .find_map(|v| v.parse::<i64>().ok()),
        ),
        None => Some(None),
    }
}

/// Refuses a change when `If-Match` names another version than `current`.
pub(crate) fn check_if_match(headers: &HeaderMap, current: i64) -> ScimResult<Option<i64>> {
    match if_match(headers) {
        None => Ok(None),
        Some(Some(v)) if v == current => Ok(Some(v)),
        Some(_) => Err(ScimError::precondition_failed()),
    }
}

/// A JSON body, or the error saying why it is not one.
pub(crate) fn body_json(body: &Bytes) -> ScimResult<Value> {
    let v: Value =
        serde_json::from_slice(body).map_err(|e| ScimError::invalid_syntax(format!("The body is not JSON: {e}.")))?;
    if !v.is_object() {
        return Err(ScimError::invalid_syntax("The body must be a JSON object."));
    }
    Ok(v)
}

/// The query parameters of a list, and the members of a SearchRequest.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ListParams {
    pub filter: Option<String>,
    pub start_index: Option<String>,
    pub count: Option<String>,
    pub attributes: Option<String>,
    pub excluded_attributes: Option<String>,
}

impl ListParams {
    /// From a SearchRequest body (`/.search`).
    pub fn from_search(body: &Bytes) -> ScimResult<ListParams> {
        let v = body_json(body)?;
        let text = |key: &str| -> ScimResult<Option<String>> {
            match v.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(Value::Number(n)) => Ok(Some(n.to_string())),
                Some(Value::Array(items)) => Ok(Some(
                    items.iter().map(|i| i.as_str().unwrap_or_default().to_string()).collect::<Vec<_>>().join(","),
                )),
                Some(_) => Err(ScimError::invalid_value(format!("{key} has the wrong type."))),
            }
        };
        Ok(ListParams {
            filter: text("filter")?,
            start_index: text("startIndex")?,
            count: text("count")?,
            attributes: text("attributes")?,
            excluded_attributes: text("excludedAttributes")?,
        })
    }

    /// `startIndex` (1-based; below 1 counts as 1) and `count` (0 to MAX_COUNT).
    pub fn paging(&self) -> ScimResult<(i64, i64)> {
        let int = |v: &Option<String>, what: &str| -> ScimResult<Option<i64>> {
            match v.as_deref().map(str::trim) {
                None | Some("") => Ok(None),
                Some(t) => t
                    .parse::<i64>()
                    .map(Some)
                    .map_err(|_| ScimError::invalid_value(format!("{what} must be a whole number."))),
            }
        };
        let start = int(&self.start_index, "startIndex")?.unwrap_or(1).max(1);
        let count = int(&self.count, "count")?.unwrap_or(DEFAULT_COUNT).clamp(0, MAX_COUNT);
        Ok((start, count))
    }

    pub fn filter(&self) -> ScimResult<Option<app::backend::scim::Filter>> {
        match self.filter.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(f) => filter::parse(f).map(Some).map_err(ScimError::invalid_filter),
        }
    }

    pub fn projection(&self) -> Projection {
        Projection::new(self.attributes.as_deref(), self.excluded_attributes.as_deref())
    }
}

/// `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5): which attributes an answer
/// holds. `schemas`, `id` and `meta` always stay.
#[derive(Default, Clone)]
pub(crate) struct Projection {
    only: Vec<String>,
    without: Vec<String>,
}

fn names(list: Option<&str>) -> Vec<String> {
    list.unwrap_or_default().split(',').map(|a| filter::attribute(a.trim())).filter(|a| !a.is_empty()).collect()
}

impl Projection {
    pub fn new(attributes: Option<&str>, excluded: Option<&str>) -> Projection {
        Projection { only: names(attributes), without: names(excluded) }
    }

    /// Whether the answer holds the attribute `name` (lower case) at all.
    pub fn wants(&self, name: &str) -> bool {
        let name = name.to_lowercase();
        if !self.only.is_empty() {
            return self.only.iter().any(|a| a == &name || a.starts_with(&format!("{name}.")));
        }
        !self.without.iter().any(|a| a == &name)
    }

    pub fn apply(&self, mut doc: Value) -> Value {
        let Some(map) = doc.as_object_mut() else { return doc };
        let always = |k: &str| matches!(k, "schemas" | "id" | "meta");
        if !self.only.is_empty() {
            let keys: Vec<String> = map.keys().cloned().collect();
            for k in keys {
                let lower = k.to_lowercase();
                if always(&k) {
                    continue;
                }
                let whole = self.only.iter().any(|a| a == &lower);
                let subs: Vec<&str> = self.only.iter().filter_map(|a| a.strip_prefix(&format!("{lower}."))).collect();
                if whole {
                    continue;
                }
                if subs.is_empty() {
                    map.remove(&k);
                } else if let Some(inner) = map.get_mut(&k) {
                    keep_subs(inner, &subs);
                }
            }
        }
        for a in &self.without {
            let (top, sub) = match a.split_once('.') {
                Some((t, s)) => (t, Some(s)),
                None => (a.as_str(), None),
            };
            let key = map.keys().find(|k| k.to_lowercase() == top && !always(k)).cloned();
            if let Some(key) = key {
                match sub {
                    None => {
                        map.remove(&key);
                    }
                    Some(s) => {
                        if let Some(inner) = map.get_mut(&key) {
                            drop_sub(inner, s);
                        }
                    }
                }
            }
        }
        doc
    }
}

fn keep_subs(v: &mut Value, subs: &[&str]) {
    match v {
        Value::Object(m) => m.retain(|k, _| subs.iter().any(|s| *s == k.to_lowercase())),
        Value::Array(items) => items.iter_mut().for_each(|i| keep_subs(i, subs)),
        _ => {}
    }
}

fn drop_sub(v: &mut Value, sub: &str) {
    match v {
        Value::Object(m) => m.retain(|k, _| k.to_lowercase() != sub),
        Value::Array(items) => items.iter_mut().for_each(|i| drop_sub(i, sub)),
        _ => {}
    }
}

/// A ListResponse of `resources`, the page from `start` (1-based) of `total` in all.
pub(crate) fn list_response(resources: Vec<Value>, start: i64, total: Option<i64>) -> Response {
    let n = resources.len();
    scim_json(
        200,
        &json!({
            "schemas": [LIST_SCHEMA],
            "totalResults": total.unwrap_or(n as i64),
            "itemsPerPage": n,
            "startIndex": start,
            "Resources": resources,
        }),
        None,
    )
}

/// A time as SCIM writes it (RFC 3339, UTC).
pub(crate) fn rfc3339(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", secs / 3600, secs % 3600 / 60, secs % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_709_251_199), "2024-02-29T23:59:59Z");
        assert_eq!(rfc3339(1_796_083_200), "2026-12-01T00:00:00Z");
    }

    #[test]
    fn projections_keep_what_is_asked() {
        let doc = json!({"schemas": [], "id": "1", "meta": {}, "userName": "a", "name": {"givenName": "A", "familyName": "B"}, "active": true});
        let only = Projection::new(Some("userName,name.givenName"), None).apply(doc.clone());
        assert_eq!(only, json!({"schemas": [], "id": "1", "meta": {}, "userName": "a", "name": {"givenName": "A"}}));
        let without = Projection::new(None, Some("urn:ietf:params:scim:schemas:core:2.0:User:name,active")).apply(doc);
        assert_eq!(without, json!({"schemas": [], "id": "1", "meta": {}, "userName": "a"}));
    }
}
