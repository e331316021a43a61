//! `/scim/v2/Groups`: the roles of Roster's catalogue, each with the account's members
//! holding it. Adding a member to a Group gives them the role, removing takes it away
//! (`members::write::update`, with the member's version: a change made meanwhile is not
//! overwritten); the last Account Administrator stays, every member keeps the default
//! role. Roles themselves are data shared by every account: they cannot be created,
//! renamed or deleted through SCIM.

use super::error::{ScimError, ScimResult};
use super::users::{apply_op, operations, Op};
use super::{base_url, body_json, filter, grant, list_response, scim_json, ListParams, Projection, GROUP_SCHEMA};
use app::backend::access::AccountAdmin;
use app::backend::members::write::{self, OtherHolders};
use app::backend::roles::{Catalogue, RoleDef};
use app::backend::scim as store;
use app::backend::Db;
use app::error::AppError;
use app::model::MembershipId;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// The most members a Group lists.
pub const MEMBERS_LISTED: i64 = 1_000;
/// The most members one change of a Group's members may touch.
pub const MEMBERS_CHANGED: usize = 10_000;

async fn group_doc(db: &Db, admin: &AccountAdmin, role: &RoleDef, base: &str, with_members: bool) -> ScimResult<Value> {
    let mut doc = json!({
        "schemas": [GROUP_SCHEMA],
        "id": role.role.key,
        "displayName": role.role.label,
        "meta": {"resourceType": "Group", "location": format!("{base}/Groups/{}", role.role.key)},
    });
    if with_members {
        let holders = store::role_holders(db, admin, role.mask(), MEMBERS_LISTED).await?;
        doc["members"] = json!(holders
            .into_iter()
            .map(|(id, name)| json!({"value": id.to_string(), "display": name, "$ref": format!("{base}/Users/{id}"), "type": "User"}))
            .collect::<Vec<_>>());
    }
    Ok(doc)
}

fn role<'a>(cat: &'a Catalogue, id: &str) -> ScimResult<&'a RoleDef> {
    cat.0.iter().find(|r| r.role.key == id).ok_or_else(|| ScimError::not_found(format!("There is no group {id}.")))
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
    let matching = matching(db, admin, headers, params).await?;
    let total = matching.len() as i64;
    let page = matching.into_iter().skip((start - 1) as usize).take(count as usize).collect();
    Ok(list_response(page, start, Some(total)))
}

/// Every group matching the params' filter, projected.
pub(super) async fn matching(
    db: &Db,
    admin: &AccountAdmin,
    headers: &HeaderMap,
    params: &ListParams,
) -> ScimResult<Vec<Value>> {
    let filter = params.filter()?;
    let projection = params.projection();
    let cat = Catalogue::load(db).await?;
    let base = base_url(headers);
    let needs_members = projection.wants("members") || filter.is_some();
    let mut matching = Vec::new();
    for r in &cat.0 {
        let doc = group_doc(db, admin, r, &base, needs_members).await?;
        if filter.as_ref().is_none_or(|f| filter::matches(f, &doc)) {
            matching.push(projection.apply(doc));
        }
    }
    Ok(matching)
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
    let projection = Projection::new(p.attributes.as_deref(), p.excluded_attributes.as_deref());
    let cat = Catalogue::load(&db).await?;
    let r = role(&cat, &id)?;
    let doc = group_doc(&db, grant.reader(), r, &base_url(&headers), projection.wants("members")).await?;
    Ok(scim_json(200, &projection.apply(doc), None))
}

pub(super) async fn create(State(db): State<Db>, headers: HeaderMap, body: Bytes) -> ScimResult<Response> {
    let grant = grant(&db, &headers).await?;
    grant.writer()?;
    let doc = body_json(&body)?;
    let name = doc.get("displayName").and_then(Value::as_str).unwrap_or_default();
    let cat = Catalogue::load(&db).await?;
    if cat.0.iter().any(|r| r.role.label.eq_ignore_ascii_case(name.trim())) {
        return Err(ScimError::new(
            409,
            Some("uniqueness"),
            format!("The group {name} exists: find it with filter=displayName eq \"{name}\" and change its members."),
        ));
    }
    Err(ScimError::new(
        403,
        None,
        "Groups are Roster's roles, the same for every account: they cannot be created through SCIM. \
         Name your identity provider's groups after the roles (GET /Groups).",
    ))
}

pub(super) async fn delete(State(db): State<Db>, headers: HeaderMap, Path(id): Path<String>) -> ScimResult<Response> {
    let grant = grant(&db, &headers).await?;
    grant.writer()?;
    let cat = Catalogue::load(&db).await?;
    role(&cat, &id)?;
    Err(ScimError::new(
        403,
        None,
        "Groups are Roster's roles, the same for every account: they cannot be deleted through SCIM. \
         Remove their members instead.",
    ))
}

/// The member ids of a `members` value: `[{"value": "12"}, …]`.
fn member_ids(value: &Value) -> ScimResult<BTreeSet<i64>> {
    let items = match value {
        Value::Array(items) => items.clone(),
        Value::Object(_) => vec![value.clone()],
        Value::Null => Vec::new(),
        _ => return Err(ScimError::invalid_value("members is a list of {\"value\": user id}.")),
    };
    let mut ids = BTreeSet::new();
    for item in items {
        let v = item.get("value").ok_or_else(|| ScimError::invalid_value("Each member has a value: a user id."))?;
        let id = match v {
            Value::String(s) => s.trim().parse::<i64>().ok(),
            Value::Number(n) => n.as_i64(),
            _ => None,
        };
        ids.insert(
            id.filter(|i| *i > 0)
                .ok_or_else(|| ScimError::invalid_value(format!("{v} is not a user of this account.")))?,
        );
    }
    if ids.len() > MEMBERS_CHANGED {
        return Err(ScimError::invalid_value(format!("Change at most {MEMBERS_CHANGED} members at once.")));
    }
    Ok(ids)
}

/// What a request does to a Group's members, its operations taken in order: who gets
/// the role, who loses it, and whether every other holder loses it too (a replace).
#[derive(Default)]
struct MemberChange {
    add: BTreeSet<i64>,
    remove: BTreeSet<i64>,
    others_lose: bool,
}

impl MemberChange {
    fn add(&mut self, ids: impl IntoIterator<Item = i64>) {
        for id in ids {
            self.remove.remove(&id);
            self.add.insert(id);
        }
    }

    fn remove(&mut self, ids: impl IntoIterator<Item = i64>) {
        for id in ids {
            self.add.remove(&id);
            self.remove.insert(id);
        }
    }

    /// Every holder loses the role, then `ids` get it.
    fn replace(&mut self, ids: BTreeSet<i64>) {
        *self = MemberChange { add: ids, remove: BTreeSet::new(), others_lose: true };
    }

    /// Makes the change in one transaction, the role's holders read under the account's
    /// lock: a refused member (not of this account, the last Account Administrator)
    /// changes nothing.
    async fn make(&self, db: &Db, admin: &AccountAdmin, role: &RoleDef) -> ScimResult<()> {
        let give: Vec<MembershipId> = self.add.iter().copied().map(MembershipId).collect();
        let take: Vec<MembershipId> = self.remove.iter().copied().map(MembershipId).collect();
        let others =
            if self.others_lose { OtherHolders::Lose { at_most: MEMBERS_CHANGED } } else { OtherHolders::Keep };
        match write::change_role_holders(db, admin, &role.role.key, &give, &take, others).await {
            Err(AppError::NotFound(_)) => {
                Err(ScimError::invalid_value("A member named is not a user of this account: nothing was changed."))
            }
            other => Ok(other?),
        }
    }
}

fn check_name(role: &RoleDef, name: Option<&Value>) -> ScimResult<()> {
    match name {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(n)) if n.trim() == role.role.label || n.trim() == role.role.key => Ok(()),
        Some(_) => Err(ScimError::mutability(format!("The group {} keeps its name.", role.role.label))),
    }
}

pub(super) async fn replace(
    State(db): State<Db>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> ScimResult<Response> {
    let grant = grant(&db, &headers).await?;
    let admin = grant.writer()?;
    let cat = Catalogue::load(&db).await?;
    let r = role(&cat, &id)?;
    let doc = body_json(&body)?;
    check_name(r, doc.get("displayName"))?;
    let mut change = MemberChange::default();
    change.replace(member_ids(doc.get("members").unwrap_or(&Value::Null))?);
    change.make(&db, admin, r).await?;
    let doc = group_doc(&db, admin, r, &base_url(&headers), true).await?;
    Ok(scim_json(200, &doc, None))
}

pub(super) async fn patch(
    State(db): State<Db>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> ScimResult<Response> {
    let grant = grant(&db, &headers).await?;
    let admin = grant.writer()?;
    let cat = Catalogue::load(&db).await?;
    let r = role(&cat, &id)?;
    let ops = operations(&body_json(&body)?)?;
    let mut change = MemberChange::default();
    for op in &ops {
        let path = op.path.as_deref().map(|p| filter::attribute(p.trim()));
        match path.as_deref() {
            None => {
                // A value of attributes: displayName and members.
                let Some(Value::Object(values)) = &op.value else {
                    return Err(ScimError::invalid_value("Without a path, the value is an object of attributes."));
                };
                for (k, v) in values {
                    match k.to_lowercase().as_str() {
                        "displayname" => check_name(r, Some(v))?,
                        "members" => {
                            let ids = member_ids(v)?;
                            if op.op == "replace" {
                                change.replace(ids);
                            } else {
                                change.add(ids);
                            }
                        }
                        _ => {}
                    }
                }
            }
            Some("displayname") => check_name(r, op.value.as_ref())?,
            Some("members") => {
                let ids = member_ids(op.value.as_ref().unwrap_or(&Value::Null))?;
                match op.op.as_str() {
                    "add" => change.add(ids),
                    "remove" if op.value.is_none() => change.replace(BTreeSet::new()),
                    "remove" => change.remove(ids),
                    _ => change.replace(ids),
                }
            }
            Some(p) if p.starts_with("members[") => {
                // `members[value eq "12"]`: the members the filter names, checked as a
                // JSON list so that any filter on value works.
                let mut doc = json!({"members": []});
                let named = op.value.as_ref().map(member_ids).transpose()?.unwrap_or_default();
                let listed: BTreeSet<i64> = store::role_holders(&db, admin, r.mask(), MEMBERS_CHANGED as i64)
                    .await?
                    .into_iter()
                    .map(|(id, _)| id)
                    .collect();
                let candidates: BTreeSet<i64> = listed.union(&named).copied().chain(ids_in_filter(p)).collect();
                doc["members"] = json!(candidates.iter().map(|i| json!({"value": i.to_string()})).collect::<Vec<_>>());
                let before: BTreeSet<i64> = candidates.clone();
                apply_op(&mut doc, &Op { op: "remove".into(), path: op.path.clone(), value: None })?;
                let after: BTreeSet<i64> = member_ids(doc.get("members").unwrap_or(&Value::Null))?;
                let hit: BTreeSet<i64> = before.difference(&after).copied().collect();
                if op.op == "remove" {
                    change.remove(hit);
                } else {
                    return Err(ScimError::invalid_path("Add or replace members with the path \"members\"."));
                }
            }
            Some(other) if other.starts_with("members") => {
                return Err(ScimError::invalid_path(format!("\"{other}\" cannot be changed.")));
            }
            Some(_) => {}
        }
    }
    change.make(&db, admin, r).await?;
    let doc = group_doc(&db, admin, r, &base_url(&headers), true).await?;
    Ok(scim_json(200, &doc, None))
}

/// Ids a filter names with `value eq "…"` (whether they hold the role or not).
fn ids_in_filter(path: &str) -> Vec<i64> {
    path.split('"').filter_map(|s| s.trim().parse::<i64>().ok()).collect()
}
