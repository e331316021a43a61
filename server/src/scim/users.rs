//! `/scim/v2/Users`: the members of the token's account. Creating a User adds the person
//! (a registered person by email, as Add new user does; anyone else becomes a New
//! Contact to invite), `active: false` deactivates, DELETE removes with the F11 case
//! cascade. Roles are changed through the Groups.

use super::error::{ScimError, ScimResult};
use super::{
    base_url, body_json, check_if_match, filter, grant, list_response, rfc3339, scim_json, ListParams, Projection,
    PATCH_SCHEMA, USER_SCHEMA,
};
use app::backend::access::AccountAdmin;
use app::backend::members::write;
use app::backend::roles::Catalogue;
use app::backend::scim::{self as store, Identity, ScimUser};
use app::backend::Db;
use app::model::{MembershipId, RoleChange};
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{json, Map, Value};

/// A user as SCIM shows it.
pub(super) fn user_doc(u: &ScimUser, cat: &Catalogue, base: &str) -> Value {
    let mut doc = json!({
        "schemas": [USER_SCHEMA],
        "id": u.id.to_string(),
        "userName": u.user_name(),
        "displayName": u.name,
        "active": u.active(),
    });
    if let Some(x) = &u.external_id {
        doc["externalId"] = json!(x);
    }
    let mut name = Map::new();
    if let Some(g) = &u.given_name {
        name.insert("givenName".into(), json!(g));
    }
    if let Some(f) = &u.family_name {
        name.insert("familyName".into(), json!(f));
    }
    if !name.is_empty() {
        doc["name"] = Value::Object(name);
    }
    let mut email = json!({"value": u.email, "primary": u.email_primary.is_none_or(|p| p != 0)});
    if let Some(t) = &u.email_type {
        email["type"] = json!(t);
    }
    doc["emails"] = json!([email]);
    let groups: Vec<Value> = cat
        .roles_of(u.role_bits)
        .into_iter()
        .map(|r| json!({"value": r.key, "display": r.label, "$ref": format!("{base}/Groups/{}", r.key), "type": "direct"}))
        .collect();
    doc["groups"] = json!(groups);
    doc["meta"] = json!({
        "resourceType": "User",
        "created": rfc3339(u.added_at),
        "lastModified": rfc3339(u.updated_at.unwrap_or(u.added_at).max(u.added_at)),
        "location": format!("{base}/Users/{}", u.id),
        "version": super::etag(u.version),
    });
    doc
}

fn member_id(id: &str) -> ScimResult<MembershipId> {
    id.parse::<i64>()
        .ok()
        .filter(|i| *i > 0)
        .map(MembershipId)
        .ok_or_else(|| ScimError::not_found(format!("There is no user {id} in this account.")))
}

/// What a POST or PUT (or a PATCH's result) asks for.
#[derive(Debug, Default)]
struct Incoming {
    user_name: String,
    external_id: Option<String>,
    given_name: Option<String>,
    family_name: Option<String>,
    display_name: Option<String>,
    email: Option<String>,
    email_type: Option<String>,
    email_primary: Option<bool>,
    active: Option<bool>,
}

/// The value of `key` (any case) in an object.
fn field<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    map.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v).filter(|v| !v.is_null())
}

fn text(map: &Map<String, Value>, key: &str, what: &str) -> ScimResult<Option<String>> {
    match field(map, key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ScimError::invalid_value(format!("{what} must be a string."))),
    }
}

/// A boolean as identity providers send it (Entra ID: `"False"`).
pub(super) fn boolean(v: &Value, what: &str) -> ScimResult<bool> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        _ => Err(ScimError::invalid_value(format!("{what} must be true or false."))),
    }
}

fn incoming(doc: &Value) -> ScimResult<Incoming> {
    let map = doc.as_object().ok_or_else(|| ScimError::invalid_syntax("A User is a JSON object."))?;
    let user_name = text(map, "userName", "userName")?
        .filter(|u| !u.trim().is_empty())
        .ok_or_else(|| ScimError::invalid_value("userName is required."))?;
    let mut inc = Incoming {
        user_name,
        external_id: text(map, "externalId", "externalId")?,
        display_name: text(map, "displayName", "displayName")?,
        ..Incoming::default()
    };
    match field(map, "name") {
        None => {}
        Some(Value::Object(name)) => {
            inc.given_name = text(name, "givenName", "name.givenName")?;
            inc.family_name = text(name, "familyName", "name.familyName")?;
        }
        Some(_) => return Err(ScimError::invalid_value("name must be an object.")),
    }
    match field(map, "emails") {
        None => {}
        Some(Value::Array(emails)) => {
            if emails.len() > 20 {
                return Err(ScimError::invalid_value("Send at most 20 emails."));
            }
            let mut chosen: Option<&Map<String, Value>> = None;
            for e in emails {
                let e = e.as_object().ok_or_else(|| ScimError::invalid_value("Each email is an object."))?;
                let primary = match field(e, "primary") {
                    Some(p) => boolean(p, "emails.primary")?,
                    None => false,
                };
                if chosen.is_none() || primary {
                    chosen = Some(e);
                }
            }
            if let Some(e) = chosen {
                inc.email = text(e, "value", "emails.value")?;
                inc.email_type = text(e, "type", "emails.type")?;
                inc.email_primary = field(e, "primary").map(|p| boolean(p, "emails.primary")).transpose()?;
            }
        }
        Some(_) => return Err(ScimError::invalid_value("emails must be a list.")),
    }
    if let Some(a) = field(map, "active") {
        inc.active = Some(boolean(a, "active")?);
    }
    Ok(inc)
}

impl Incoming {
    fn identity(&self) -> Identity {
        Identity {
            user_name: self.user_name.clone(),
            external_id: self.external_id.clone(),
            given_name: self.given_name.clone(),
            family_name: self.family_name.clone(),
            email_type: self.email_type.clone(),
            email_primary: self.email_primary,
        }
    }

    /// The person's email: the primary one sent, else the userName if it is one.
    fn address(&self) -> ScimResult<String> {
        match &self.email {
            Some(e) => Ok(e.clone()),
            None if self.user_name.contains('@') => Ok(self.user_name.trim().to_string()),
            None => Err(ScimError::invalid_value("Send the user's email (emails, or an email as userName).")),
        }
    }

    /// The name of a new contact: the name sent, else the display name, else the
    /// address's local part.
    fn contact_name(&self, address: &str) -> String {
        let parts: Vec<&str> = [&self.given_name, &self.family_name]
            .into_iter()
            .flatten()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .collect();
        let name = if !parts.is_empty() {
            parts.join(" ")
        } else if let Some(d) = self.display_name.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
            d.to_string()
        } else {
            address.split('@').next().unwrap_or(address).to_string()
        };
        name.chars().take(101).collect()
    }
}

/// The answer for one user.
async fn answer(
    db: &Db,
    admin: &AccountAdmin,
    headers: &HeaderMap,
    id: MembershipId,
    status: u16,
) -> ScimResult<Response> {
    let u = store::user(db, admin, id).await?;
    let cat = Catalogue::load(db).await?;
    Ok(scim_json(status, &user_doc(&u, &cat, &base_url(headers)), Some(u.version)))
}

pub(super) async fn list(
    State(db): State<Db>,
    headers: HeaderMap,
    query: Result<Query<ListParams>, QueryRejection>,
) -> ScimResult<Response> {
    let grant = grant(&db, &headers).await?;
    let Query(params) =
        query.map_err(|r| ScimError::invalid_value(format!("The query was not understood: {}", r.body_text())))?;
    run_list(&db, grant.reader(), &headers, &params).await
}

pub(super) async fn search(State(db): State<Db>, headers: HeaderMap, body: Bytes) -> ScimResult<Response> {
    let grant = grant(&db, &headers).await?;
    let params = ListParams::from_search(&body)?;
    run_list(&db, grant.reader(), &headers, &params).await
}

async fn run_list(db: &Db, admin: &AccountAdmin, headers: &HeaderMap, params: &ListParams) -> ScimResult<Response> {
    let (start, count) = params.paging()?;
    let (total, docs) = page(db, admin, headers, params, start - 1, count).await?;
    Ok(list_response(docs, start, Some(total)))
}

/// The users matching the params' filter, `offset` skipped, at most `count`, projected;
/// and how many match in all.
pub(super) async fn page(
    db: &Db,
    admin: &AccountAdmin,
    headers: &HeaderMap,
    params: &ListParams,
    offset: i64,
    count: i64,
) -> ScimResult<(i64, Vec<Value>)> {
    let filter = params.filter()?;
    let projection = params.projection();
    let (total, rows) = match store::users(db, admin, filter.as_ref(), offset, count).await {
        Err(app::error::AppError::Invalid(m)) if filter.is_some() => return Err(ScimError::invalid_filter(m)),
        other => other?,
    };
    let cat = Catalogue::load(db).await?;
    let base = base_url(headers);
    Ok((total, rows.iter().map(|u| projection.apply(user_doc(u, &cat, &base))).collect()))
}

#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(super) struct OneParams {
    attributes: Option<String>,
    excluded_attributes: Option<String>,
}

pub(super) async fn show(
    State(db): State<Db>,
    headers: HeaderMap,
    Path(id): Path<String>,
    query: Result<Query<OneParams>, QueryRejection>,
) -> ScimResult<Response> {
    let grant = grant(&db, &headers).await?;
    let Query(p) = query.unwrap_or_default();
    let id = member_id(&id)?;
    let u = store::user(&db, grant.reader(), id).await?;
    // A client holding the current version is told so (RFC 7644 §3.14).
    if let Some(tags) = headers.get(axum::http::header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) {
        if tags.split(',').any(|t| t.trim() == super::etag(u.version)) {
            let mut r = scim_json(304, &json!({}), Some(u.version));
            *r.body_mut() = axum::body::Body::empty();
            return Ok(r);
        }
    }
    let cat = Catalogue::load(&db).await?;
    let doc = Projection::new(p.attributes.as_deref(), p.excluded_attributes.as_deref()).apply(user_doc(
        &u,
        &cat,
        &base_url(&headers),
    ));
    Ok(scim_json(200, &doc, Some(u.version)))
}

pub(super) async fn create(State(db): State<Db>, headers: HeaderMap, body: Bytes) -> ScimResult<Response> {
    let grant = grant(&db, &headers).await?;
    let admin = grant.writer()?;
    let inc = incoming(&body_json(&body)?)?;
    let address = inc.address()?;
    let identity = inc.identity();
    store::check_identity(&identity)?;
    store::ensure_user_name_free(&db, admin, &inc.user_name, None).await?;
    let cat = Catalogue::load(&db).await?;
    let defaults: Vec<String> = cat.roles().into_iter().filter(|r| r.is_default).map(|r| r.key).collect();
    let change = RoleChange { roles: defaults, cloud: None };
    // One change: a refusal at any step (the userName taken meanwhile, the last
    // Account Administrator) leaves no half-made user behind.
    let id = store::create_user(
        &db,
        admin,
        &address,
        &inc.contact_name(&address),
        &change,
        &identity,
        inc.active.filter(|a| !a),
    )
    .await?;
    answer(&db, admin, &headers, id, 201).await
}

/// Makes member `current` what `inc` says: the provider's data, the email of a contact
/// who has not registered, and the login's state.
async fn apply(
    db: &Db,
    admin: &AccountAdmin,
    current: &ScimUser,
    inc: &Incoming,
    version: Option<i64>,
) -> ScimResult<()> {
    let id = MembershipId(current.id);
    let email = inc.email.as_deref().filter(|e| e.trim() != current.email);
    let active = inc.active.filter(|a| *a != current.active());
    store::set_identity(db, admin, id, version, &inc.identity(), email, active).await?;
    Ok(())
}

pub(super) async fn replace(
    State(db): State<Db>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> ScimResult<Response> {
    let grant = grant(&db, &headers).await?;
    let admin = grant.writer()?;
    let id = member_id(&id)?;
    let current = store::user(&db, admin, id).await?;
    let version = check_if_match(&headers, current.version)?;
    let inc = incoming(&body_json(&body)?)?;
    apply(&db, admin, &current, &inc, version).await?;
    answer(&db, admin, &headers, id, 200).await
}

pub(super) async fn patch(
    State(db): State<Db>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> ScimResult<Response> {
    let grant = grant(&db, &headers).await?;
    let admin = grant.writer()?;
    let id = member_id(&id)?;
    let current = store::user(&db, admin, id).await?;
    let version = check_if_match(&headers, current.version)?;
    let ops = operations(&body_json(&body)?)?;
    let cat = Catalogue::load(&db).await?;
    let mut doc = user_doc(&current, &cat, "");
    if let Some(m) = doc.as_object_mut() {
        for k in ["schemas", "id", "meta", "groups", "displayName"] {
            m.remove(k);
        }
    }
    for op in &ops {
        apply_op(&mut doc, op)?;
    }
    let inc = incoming(&doc)?;
    apply(&db, admin, &current, &inc, version).await?;
    answer(&db, admin, &headers, id, 200).await
}

pub(super) async fn delete(State(db): State<Db>, headers: HeaderMap, Path(id): Path<String>) -> ScimResult<Response> {
    let grant = grant(&db, &headers).await?;
    let admin = grant.writer()?;
    let id = member_id(&id)?;
    let current = store::user(&db, admin, id).await?;
    check_if_match(&headers, current.version)?;
    write::remove(&db, admin, id).await?;
    let mut r = scim_json(204, &json!({}), None);
    *r.body_mut() = axum::body::Body::empty();
    r.headers_mut().remove(axum::http::header::CONTENT_TYPE);
    Ok(r)
}

/// One operation of a PatchOp.
pub(super) struct Op {
    pub op: String,
    pub path: Option<String>,
    pub value: Option<Value>,
}

/// The operations of a PatchOp body (RFC 7644 §3.5.2).
pub(super) fn operations(body: &Value) -> ScimResult<Vec<Op>> {
    let map = body.as_object().ok_or_else(|| ScimError::invalid_syntax("A PatchOp is a JSON object."))?;
    if let Some(schemas) = field(map, "schemas") {
        let ok = schemas.as_array().is_some_and(|s| s.iter().any(|v| v.as_str() == Some(PATCH_SCHEMA)));
        if !ok {
            return Err(ScimError::invalid_syntax(format!("A PatchOp's schemas are [\"{PATCH_SCHEMA}\"].")));
        }
    }
    let ops = match field(map, "Operations") {
        Some(Value::Array(ops)) if !ops.is_empty() => ops,
        _ => return Err(ScimError::invalid_syntax("A PatchOp holds a non-empty list of Operations.")),
    };
    if ops.len() > 1000 {
        return Err(ScimError::invalid_syntax("Send at most 1,000 operations at once."));
    }
    ops.iter()
        .map(|o| {
            let o = o.as_object().ok_or_else(|| ScimError::invalid_syntax("Each operation is an object."))?;
            let op = text(o, "op", "op")?.map(|s| s.to_lowercase()).unwrap_or_default();
            if !matches!(op.as_str(), "add" | "replace" | "remove") {
                return Err(ScimError::invalid_syntax("op is add, replace or remove."));
            }
            let path = text(o, "path", "path")?.filter(|p| !p.trim().is_empty());
            let value = field(o, "value").cloned();
            if op != "remove" && value.is_none() {
                return Err(ScimError::invalid_syntax(format!("The {op} operation needs a value.")));
            }
            if op == "remove" && path.is_none() {
                return Err(ScimError::no_target("A remove operation needs a path."));
            }
            Ok(Op { op, path, value })
        })
        .collect()
}

/// A PATCH path: attribute, optional value filter, optional sub-attribute.
struct Target {
    attr: String,
    filter: Option<app::backend::scim::Filter>,
    sub: Option<String>,
}

fn target(path: &str) -> ScimResult<Target> {
    let path = path.trim();
    let (head, bracket) = match path.find('[') {
        Some(i) => (&path[..i], Some(&path[i..])),
        None => (path, None),
    };
    let head = filter::attribute(head);
    let (filter, after) = match bracket {
        Some(b) => {
            let close = b.rfind(']').ok_or_else(|| ScimError::invalid_path("A bracket of the path is not closed."))?;
            let f = filter::parse(&b[1..close]).map_err(ScimError::invalid_filter)?;
            (Some(f), b[close + 1..].trim_start_matches('.').to_lowercase())
        }
        None => (None, String::new()),
    };
    let (attr, sub) = match head.split_once('.') {
        Some((a, s)) if filter.is_none() => (a.to_string(), Some(s.to_string())),
        _ => (head.clone(), Some(after).filter(|s| !s.is_empty())),
    };
    if attr.is_empty() || !attr.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$') {
        return Err(ScimError::invalid_path(format!("\"{path}\" is not an attribute path.")));
    }
    Ok(Target { attr, filter, sub })
}

/// The key `name` (lower case) has in `map`, or its canonical spelling.
fn key_in(map: &Map<String, Value>, name: &str) -> String {
    if let Some(k) = map.keys().find(|k| k.to_lowercase() == name) {
        return k.clone();
    }
    const CANONICAL: [&str; 14] = [
        "userName",
        "externalId",
        "name",
        "givenName",
        "familyName",
        "displayName",
        "emails",
        "active",
        "value",
        "type",
        "primary",
        "display",
        "members",
        "formatted",
    ];
    CANONICAL.iter().find(|c| c.to_lowercase() == name).map(|c| c.to_string()).unwrap_or_else(|| name.to_string())
}

fn set(map: &mut Map<String, Value>, name: &str, value: Value, op: &str) {
    let key = key_in(map, name);
    if value.is_null() {
        map.remove(&key);
        return;
    }
    match (op, map.get_mut(&key), value) {
        ("add", Some(Value::Array(existing)), Value::Array(new)) => {
            for v in new {
                if !existing.contains(&v) {
                    existing.push(v);
                }
            }
        }
        ("add", Some(Value::Object(existing)), Value::Object(new)) => {
            existing.extend(new);
        }
        (_, _, value) => {
            map.insert(key, value);
        }
    }
}

/// Applies one operation to a resource's JSON.
pub(super) fn apply_op(doc: &mut Value, op: &Op) -> ScimResult<()> {
    let Some(map) = doc.as_object_mut() else { return Ok(()) };
    let Some(path) = &op.path else {
        let Some(Value::Object(values)) = &op.value else {
            return Err(ScimError::invalid_value("Without a path, the value is an object of attributes."));
        };
        for (k, v) in values {
            if k.contains('.') || k.to_lowercase().starts_with("urn:") {
                apply_op(doc, &Op { op: op.op.clone(), path: Some(k.clone()), value: Some(v.clone()) })?;
            } else if let Some(map) = doc.as_object_mut() {
                set(map, &k.to_lowercase(), v.clone(), &op.op);
            }
        }
        return Ok(());
    };
    let t = target(path)?;
    let value = op.value.clone().unwrap_or(Value::Null);
    let key = key_in(map, &t.attr);
    match (&t.filter, &t.sub) {
        (None, None) => {
            if op.op == "remove" {
                map.remove(&key);
            } else {
                set(map, &t.attr, value, &op.op);
            }
        }
        (None, Some(sub)) => {
            let entry = map.entry(key).or_insert_with(|| json!({}));
            match entry {
                Value::Object(inner) => {
                    if op.op == "remove" {
                        let k = key_in(inner, sub);
                        inner.remove(&k);
                    } else {
                        set(inner, sub, value, "replace");
                    }
                }
                Value::Array(items) => {
                    for item in items.iter_mut() {
                        if let Value::Object(inner) = item {
                            if op.op == "remove" {
                                let k = key_in(inner, sub);
                                inner.remove(&k);
                            } else {
                                set(inner, sub, value.clone(), "replace");
                            }
                        }
                    }
                }
                other => {
                    if op.op != "remove" {
                        let mut inner = Map::new();
                        set(&mut inner, sub, value, "replace");
                        *other = Value::Object(inner);
                    }
                }
            }
            if let Some(Value::Object(inner)) = map.get(&key_in(map, &t.attr)) {
                if inner.is_empty() {
                    let k = key_in(map, &t.attr);
                    map.remove(&k);
                }
            }
        }
        (Some(f), sub) => {
            let entry = map.entry(key.clone()).or_insert_with(|| json!([]));
            let Value::Array(items) = entry else {
                return Err(ScimError::invalid_path(format!("{} is not multi-valued.", t.attr)));
            };
            let mut matched = 0;
            let mut kept = Vec::new();
            for mut item in std::mem::take(items) {
                if !filter::matches(f, &item) {
                    kept.push(item);
                    continue;
                }
                matched += 1;
                match (op.op.as_str(), sub) {
                    ("remove", None) => continue,
                    ("remove", Some(s)) => {
                        if let Value::Object(inner) = &mut item {
                            let k = key_in(inner, s);
                            inner.remove(&k);
                        }
                    }
                    (_, Some(s)) => {
                        if let Value::Object(inner) = &mut item {
                            set(inner, s, value.clone(), "replace");
                        }
                    }
                    (_, None) => {
                        if let (Value::Object(inner), Value::Object(new)) = (&mut item, &value) {
                            inner.extend(new.clone());
                        } else {
                            item = value.clone();
                        }
                    }
                }
                kept.push(item);
            }
            // `emails[type eq "work"].value` naming a value not there yet adds it.
            if matched == 0 && op.op != "remove" {
                let seed = match f {
                    app::backend::scim::Filter::Compare(
                        p,
                        app::backend::scim::CompareOp::Eq,
                        app::backend::scim::FilterValue::Str(s),
                    ) => Some((p.rsplit('.').next().unwrap_or(p).to_string(), s.clone())),
                    _ => None,
                };
                let Some((fk, fv)) = seed else {
                    return Err(ScimError::no_target(format!("No value of {} matches the path's filter.", t.attr)));
                };
                let mut item = Map::new();
                set(&mut item, &fk, json!(fv), "replace");
                match (sub, &value) {
                    (Some(s), v) => set(&mut item, s, v.clone(), "replace"),
                    (None, Value::Object(new)) => item.extend(new.clone()),
                    _ => {}
                }
                kept.push(Value::Object(item));
            }
            *items = kept;
            if items.is_empty() {
                map.remove(&key);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(doc: Value, ops: Value) -> ScimResult<Value> {
        let mut doc = doc;
        let body = json!({"schemas": [PATCH_SCHEMA], "Operations": ops});
        for op in operations(&body)? {
            apply_op(&mut doc, &op)?;
        }
        Ok(doc)
    }

    fn user() -> Value {
        json!({"userName": "a@x.example", "active": true, "emails": [{"value": "a@x.example", "type": "work", "primary": true}]})
    }

    #[test]
    fn patch_paths_set_and_remove_what_they_name() {
        let doc = run(
            user(),
            json!([
                {"op": "Add", "path": "name.givenName", "value": "Ada"},
                {"op": "replace", "path": "URN:ietf:params:scim:schemas:core:2.0:User:name.familyName", "value": "L"},
                {"op": "replace", "value": {"ACTIVE": "False", "externalId": "e1"}},
                {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "b@x.example"},
                {"op": "add", "path": "emails[type eq \"home\"].value", "value": "c@x.example"},
            ]),
        )
        .unwrap();
        assert_eq!(doc["name"], json!({"givenName": "Ada", "familyName": "L"}));
        assert_eq!((doc["active"].clone(), doc["externalId"].clone()), (json!("False"), json!("e1")));
        assert_eq!(
            doc["emails"],
            json!([{"value": "b@x.example", "type": "work", "primary": true}, {"type": "home", "value": "c@x.example"}])
        );
        let inc = incoming(&doc).unwrap();
        assert_eq!((inc.active, inc.email.as_deref()), (Some(false), Some("b@x.example")));

        let doc = run(
            doc,
            json!([{"op": "remove", "path": "name.givenName"}, {"op": "remove", "path": "emails[type eq \"home\"]"}]),
        )
        .unwrap();
        assert_eq!(doc["name"], json!({"familyName": "L"}));
        assert_eq!(doc["emails"].as_array().unwrap().len(), 1);
        let doc =
            run(doc, json!([{"op": "remove", "path": "name.familyName"}, {"op": "remove", "path": "externalId"}]))
                .unwrap();
        assert!(doc.get("name").is_none() && doc.get("externalId").is_none(), "{doc}");
    }

    #[test]
    fn bad_patches_are_refused() {
        for (ops, kind) in [
            (json!([]), "invalidSyntax"),
            (json!([{"op": "copy", "path": "active", "value": 1}]), "invalidSyntax"),
            (json!([{"op": "add", "path": "active"}]), "invalidSyntax"),
            (json!([{"op": "remove"}]), "noTarget"),
            (json!([{"op": "replace", "value": 3}]), "invalidValue"),
            (json!([{"op": "replace", "path": "emails[type eq \"x\" or]", "value": 3}]), "invalidFilter"),
            (json!([{"op": "replace", "path": "emails[type pr].value", "value": "z"}]), "noTarget"),
            (json!([{"op": "replace", "path": "bad path!", "value": 1}]), "invalidPath"),
        ] {
            let doc = json!({"userName": "a", "emails": [{"value": "a@x.example"}]});
            let e = run(doc, ops.clone()).unwrap_err();
            assert_eq!(e.scim_type, Some(kind), "{ops}: {e:?}");
        }
        let wrong = operations(&json!({"schemas": ["urn:x"], "Operations": [{"op": "remove", "path": "a"}]})).err();
        assert_eq!(wrong.map(|e| e.scim_type), Some(Some("invalidSyntax")));
    }
}
