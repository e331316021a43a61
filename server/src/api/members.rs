//! `/api/v1/accounts/{account}/members`: the Manage Users table and its changes, for
//! scripts. The same storage calls as the page's server functions.

use super::{grant, path_of, ApiError, ApiResult};
use app::backend::members::{read, write};
use app::backend::{now, Db};
use app::model::{
    Cursor, MemberDetails, MemberQuery, MemberStatus, MembershipId, PageCursor, PersonRef, RoleChange, SortColumn,
    SortDir, SortKey, Version, PAGE_SIZES,
};
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Search Text: members whose name or email contains it (any case).
    search: Option<String>,
    /// Only members holding this role (its key, see `/roles`).
    role: Option<String>,
    /// `active` (the default) or `inactive` (deactivated logins).
    status: Option<String>,
    /// `name` (the default), `email`, `roles`, `active`, `last_sign_on` or `cases`.
    sort: Option<String>,
    /// `asc` (the default) or `desc`.
    dir: Option<String>,
    /// Members per page: 10, 25 (the default), 50 or 100.
    page_size: Option<u32>,
    /// The page after this cursor (a page's `next`).
    after: Option<String>,
    /// The page before this cursor (a page's `prev`).
    before: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct MemberRow {
    /// The membership's id: the `{member}` of the other calls.
    pub id: i64,
    pub person_id: i64,
    pub name: String,
    pub email: String,
    /// Roles beyond the default one.
    pub additional_roles: i64,
    /// Signed in within the last six months.
    pub active: bool,
    /// The last sign-in; absent when never.
    pub last_sign_in_at: Option<i64>,
    /// Open cases they are the primary contact of.
    pub cases_owned: i64,
    /// Has registered (a contact who has not can be invited).
    pub registered: bool,
}

#[derive(Serialize, ToSchema)]
pub struct MemberList {
    pub members: Vec<MemberRow>,
    /// Pass as `after` for the next page; absent on the last.
    pub next: Option<String>,
    /// Pass as `before` for the previous page; absent on the first.
    pub prev: Option<String>,
    /// Set when a one- or two-character search looked at only this many members past the
    /// cursor: the page may hold fewer members than fit, and `next` goes on.
    pub window: Option<u32>,
}

/// A page cursor as the API hands it out: opaque to callers.
fn encode(c: &Cursor) -> String {
    hex::encode(serde_json::to_vec(c).unwrap_or_default())
}

fn decode(field: &str, text: &str) -> ApiResult<Cursor> {
    hex::decode(text)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| ApiError::invalid(field, format!("{field} is not a cursor this API handed out.")))
}

fn query_of(account: i64, p: ListParams) -> ApiResult<MemberQuery> {
    let mut q = MemberQuery::new(account);
    q.search = app::model::clean_search(p.search.as_deref().unwrap_or_default());
    q.role = p.role.filter(|r| !r.is_empty());
    q.status = match p.status.as_deref() {
        None | Some("active") => MemberStatus::Active,
        Some("inactive") => MemberStatus::Inactive,
        Some(_) => return Err(ApiError::invalid("status", "status must be active or inactive.")),
    };
    if let Some(sort) = p.sort.as_deref() {
        q.sort = SortKey::parse(sort).ok_or_else(|| {
            ApiError::invalid("sort", "sort must be name, email, roles, active, last_sign_on or cases.")
        })?;
    }
    q.dir = match p.dir.as_deref() {
        None | Some("asc") => SortDir::Asc,
        Some("desc") => SortDir::Desc,
        Some(_) => return Err(ApiError::invalid("dir", "dir must be asc or desc.")),
    };
    if let Some(size) = p.page_size {
        if !PAGE_SIZES.contains(&size) {
            return Err(ApiError::invalid("page_size", "page_size must be 10, 25, 50 or 100."));
        }
        q.page_size = size;
    }
    q.cursor = match (p.after, p.before) {
        (Some(_), Some(_)) => return Err(ApiError::invalid("after", "Give after or before, not both.")),
        (Some(a), None) => Some(PageCursor::After(decode("after", &a)?)),
        (None, Some(b)) => Some(PageCursor::Before(decode("before", &b)?)),
        (None, None) => None,
    };
    Ok(q)
}

/// The account's members: filtered, sorted and paged as the Manage Users table.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account}/members",
    tag = "members",
    params(("account" = i64, Path, description = "The account's id."), ListParams),
    responses(
        (status = 200, description = "A page of members.", body = MemberList),
        (status = 400, description = "A parameter that makes no sense.", body = ApiError),
        (status = 403, description = "The token is not for this account.", body = ApiError),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    State(db): State<Db>,
    headers: HeaderMap,
    path: Result<Path<i64>, PathRejection>,
    query: Result<Query<ListParams>, QueryRejection>,
) -> ApiResult<Json<MemberList>> {
    let account = path_of(path)?;
    let grant = grant(&db, &headers, account).await?;
    let Query(params) = query?;
    let q = query_of(account, params)?;
    let page = read::list(&db, grant.reader(), &q, now()).await?;
    Ok(Json(MemberList {
        members: page
            .rows
            .into_iter()
            .map(|r| MemberRow {
                id: r.membership_id,
                person_id: r.person_id,
                name: r.name,
                email: r.email,
                additional_roles: r.additional_roles,
                active: r.active,
                last_sign_in_at: (r.last_sign_in_at > 0).then_some(r.last_sign_in_at),
                cases_owned: r.cases_owned,
                registered: r.registered,
            })
            .collect(),
        next: page.next.as_ref().map(encode),
        prev: page.prev.as_ref().map(encode),
        window: page.window,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct Member {
    /// The membership's id.
    pub id: i64,
    pub person_id: i64,
    pub name: String,
    pub email: String,
    /// Whether their login is active (not deactivated).
    pub active_login: bool,
    /// The keys of their roles.
    pub roles: Vec<String>,
    /// The last sign-in; absent when never.
    pub last_sign_in_at: Option<i64>,
    pub open_cases_owned: i64,
    pub added_at: i64,
    pub added_by: Option<String>,
    /// Changes with every change; send it back in an update to refuse one made meanwhile.
    pub version: i64,
}

impl From<MemberDetails> for Member {
    fn from(d: MemberDetails) -> Self {
        Member {
            id: d.membership_id,
            person_id: d.person_id,
            name: d.name,
            email: d.email,
            active_login: d.active_login,
            roles: d.roles.into_iter().map(|r| r.key).collect(),
            last_sign_in_at: (d.last_sign_in_at > 0).then_some(d.last_sign_in_at),
            open_cases_owned: d.open_cases_owned,
            added_at: d.added_at,
            added_by: d.added_by,
            version: d.version,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    /// The person's full email address. A registered person of the account's domains, or
    /// anyone by their full address (as "Add new user" takes them).
    pub email: String,
    /// Role keys (see `/roles`); the default role is always given.
    #[serde(default)]
    pub roles: Vec<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RolesUpdate {
    /// The member's roles from now on, as keys (see `/roles`).
    pub roles: Vec<String>,
    /// The `version` the change was made from: refused with `conflict` when the member
    /// changed since. Left out, the change applies to the member as they are.
    pub version: Option<i64>,
}

/// Adds a person to the account.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{account}/members",
    tag = "members",
    params(("account" = i64, Path, description = "The account's id.")),
    request_body = NewMember,
    responses(
        (status = 201, description = "Added.", body = Member),
        (status = 400, description = "The email or roles will not do.", body = ApiError),
        (status = 403, description = "The token is not for this account, or may only read.", body = ApiError),
        (status = 409, description = "Already a member, or a role only one member may hold.", body = ApiError),
    ),
    security(("bearer" = []))
)]
pub async fn add(
    State(db): State<Db>,
    headers: HeaderMap,
    path: Result<Path<i64>, PathRejection>,
    body: Result<Json<NewMember>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Member>)> {
    let account = path_of(path)?;
    let grant = grant(&db, &headers, account).await?;
    let admin = grant.writer()?;
    let Json(new) = body?;
    let change = RoleChange { roles: new.roles, cloud: None };
    let id = write::add(&db, admin, &PersonRef::Email(new.email), &change).await?;
    let details = write::details(&db, admin, MembershipId(id)).await?;
    Ok((StatusCode::CREATED, Json(details.into())))
}

/// One member.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account}/members/{member}",
    tag = "members",
    params(
        ("account" = i64, Path, description = "The account's id."),
        ("member" = i64, Path, description = "The membership's id."),
    ),
    responses(
        (status = 200, description = "The member.", body = Member),
        (status = 403, description = "The token is not for this account.", body = ApiError),
        (status = 404, description = "No such member of the account.", body = ApiError),
    ),
    security(("bearer" = []))
)]
pub async fn show(
    State(db): State<Db>,
    headers: HeaderMap,
    path: Result<Path<(i64, i64)>, PathRejection>,
) -> ApiResult<Json<Member>> {
    let (account, member) = path_of(path)?;
    let grant = grant(&db, &headers, account).await?;
    Ok(Json(write::details(&db, grant.reader(), MembershipId(member)).await?.into()))
}

/// Changes a member's roles.
#[utoipa::path(
    patch,
    path = "/api/v1/accounts/{account}/members/{member}",
    tag = "members",
    params(
        ("account" = i64, Path, description = "The account's id."),
        ("member" = i64, Path, description = "The membership's id."),
    ),
    request_body = RolesUpdate,
    responses(
        (status = 200, description = "The member as changed.", body = Member),
        (status = 400, description = "The roles will not do.", body = ApiError),
        (status = 403, description = "The token is not for this account, or may only read.", body = ApiError),
        (status = 404, description = "No such member of the account.", body = ApiError),
        (status = 409, description = "Changed meanwhile, the last administrator, or a role only one member may hold.", body = ApiError),
    ),
    security(("bearer" = []))
)]
pub async fn update(
    State(db): State<Db>,
    headers: HeaderMap,
    path: Result<Path<(i64, i64)>, PathRejection>,
    body: Result<Json<RolesUpdate>, JsonRejection>,
) -> ApiResult<Json<Member>> {
    let (account, member) = path_of(path)?;
    let grant = grant(&db, &headers, account).await?;
    let admin = grant.writer()?;
    let Json(update) = body?;
    let member = MembershipId(member);
    let version = match update.version {
        Some(v) => v,
        None => write::details(&db, admin, member).await?.version,
    };
    let change = RoleChange { roles: update.roles, cloud: None };
    write::update(&db, admin, member, Version(version), &change).await?;
    Ok(Json(write::details(&db, admin, member).await?.into()))
}

/// Removes a member from the account, and from its cases (open cases they were primary
/// contact of pass to the token's maker).
#[utoipa::path(
    delete,
    path = "/api/v1/accounts/{account}/members/{member}",
    tag = "members",
    params(
        ("account" = i64, Path, description = "The account's id."),
        ("member" = i64, Path, description = "The membership's id."),
    ),
    responses(
        (status = 204, description = "Removed."),
        (status = 403, description = "The token is not for this account, or may only read.", body = ApiError),
        (status = 404, description = "No such member of the account.", body = ApiError),
        (status = 409, description = "The last administrator stays.", body = ApiError),
    ),
    security(("bearer" = []))
)]
pub async fn remove(
    State(db): State<Db>,
    headers: HeaderMap,
    path: Result<Path<(i64, i64)>, PathRejection>,
) -> ApiResult<StatusCode> {
    let (account, member) = path_of(path)?;
    let grant = grant(&db, &headers, account).await?;
    write::remove(&db, grant.writer()?, MembershipId(member)).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn set_active(
    db: Db,
    headers: HeaderMap,
    path: Result<Path<(i64, i64)>, PathRejection>,
    active: bool,
) -> ApiResult<Json<Member>> {
    let (account, member) = path_of(path)?;
    let grant = grant(&db, &headers, account).await?;
    let admin = grant.writer()?;
    write::set_active(&db, admin, MembershipId(member), active).await?;
    Ok(Json(write::details(&db, admin, MembershipId(member)).await?.into()))
}

/// Deactivates a member's login: they keep their roles but may not act for the account.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{account}/members/{member}/deactivate",
    tag = "members",
    params(
        ("account" = i64, Path, description = "The account's id."),
        ("member" = i64, Path, description = "The membership's id."),
    ),
    responses(
        (status = 200, description = "The member, deactivated.", body = Member),
        (status = 403, description = "The token is not for this account, or may only read.", body = ApiError),
        (status = 404, description = "No such member of the account.", body = ApiError),
        (status = 409, description = "The last administrator stays.", body = ApiError),
    ),
    security(("bearer" = []))
)]
pub async fn deactivate(
    State(db): State<Db>,
    headers: HeaderMap,
    path: Result<Path<(i64, i64)>, PathRejection>,
) -> ApiResult<Json<Member>> {
    set_active(db, headers, path, false).await
}

/// Reactivates a member's login.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{account}/members/{member}/reactivate",
    tag = "members",
    params(
        ("account" = i64, Path, description = "The account's id."),
        ("member" = i64, Path, description = "The membership's id."),
    ),
    responses(
        (status = 200, description = "The member, active again.", body = Member),
        (status = 403, description = "The token is not for this account, or may only read.", body = ApiError),
        (status = 404, description = "No such member of the account.", body = ApiError),
    ),
    security(("bearer" = []))
)]
pub async fn reactivate(
    State(db): State<Db>,
    headers: HeaderMap,
    path: Result<Path<(i64, i64)>, PathRejection>,
) -> ApiResult<Json<Member>> {
    set_active(db, headers, path, true).await
}
