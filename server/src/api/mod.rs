//! The REST API (SPEC F25) at `/api/v1`: an account's members, roles, invitations and
//! audit history for scripts, called with an API token (`Authorization: Bearer …`). It
//! goes through the same access proofs (`access::token_grant` makes an `AccountAdmin`)
//! and the same storage calls as the pages; this module only translates HTTP and JSON.
//! The OpenAPI document is generated from the handlers' annotations (utoipa).

mod error;
mod members;
mod reference;

pub use error::{ApiError, ApiResult};

use app::backend::access::{self, TokenGrant};
use app::backend::{accounts, api_tokens, audit, invitations, now, roles::Catalogue, Db};
use app::error::AppError;
use app::model::AccountId;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};

/// Where the API is served.
pub const BASE: &str = "/api/v1";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Roster API",
        version = "1.0.0",
        description = "An account's support contacts: members and their roles, invitations and the audit \
                       history. Every call carries an API token of the account, made by one of its administrators \
                       on the account's API tokens page: `Authorization: Bearer roster_…`. A read-only token may \
                       call every GET; the rest need a token with write access. Errors have one shape: \
                       `{\"code\", \"message\", \"field\"}`. Times are Unix seconds."
    ),
    paths(
        account,
        roles,
        members::list,
        members::add,
        members::show,
        members::update,
        members::remove,
        members::deactivate,
        members::reactivate,
        invitations_list,
        audit_list,
    ),
    modifiers(&Bearer, &CommonResponses),
    tags(
        (name = "accounts", description = "The account a token is for."),
        (name = "members", description = "Who may open support cases for the account, with which roles."),
        (name = "invitations", description = "People invited to the account."),
        (name = "audit", description = "Every change to the account, newest first."),
    )
)]
pub struct ApiDoc;

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API token of the account (`roster_…`)."))
                    .build(),
            ),
        );
    }
}

/// Answers every operation may give, whatever it does: a path or query that is not
/// understood, no valid token, too many calls, a body too large (where there is one).
/// The operations' own annotations list only what is particular to them.
struct CommonResponses;

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let error = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new().schema(Some(Ref::from_schema_name("ApiError"))).build(),
                )
                .build()
        };
        for item in openapi.paths.paths.values_mut() {
            let operations =
                [&mut item.get, &mut item.post, &mut item.patch, &mut item.delete, &mut item.put].into_iter().flatten();
            for op in operations {
                let has_body = op.request_body.is_some();
                let responses = &mut op.responses.responses;
                let mut add = |status: &str, description: &str| {
                    responses.entry(status.to_string()).or_insert_with(|| error(description).into());
                };
                add("400", "The address, query or body was not understood.");
                add("401", "No valid token.");
                add("429", "The token made too many calls this minute.");
                if has_body {
                    add("413", "The body is too large.");
                }
            }
        }
    }
}

/// The API's routes, answering JSON for every path under `/api/v1`, unknown ones too.
pub fn router<S: Clone + Send + Sync + 'static>(db: Db) -> Router<S>
where
    leptos::config::LeptosOptions: axum::extract::FromRef<S>,
{
    let account_routes = Router::new()
        .route("/accounts/{account}", get(account))
        .route("/accounts/{account}/roles", get(roles))
        .route("/accounts/{account}/members", get(members::list).post(members::add))
        .route(
            "/accounts/{account}/members/{member}",
            get(members::show).patch(members::update).delete(members::remove),
        )
        .route("/accounts/{account}/members/{member}/deactivate", post(members::deactivate))
        .route("/accounts/{account}/members/{member}/reactivate", post(members::reactivate))
        .route("/accounts/{account}/invitations", get(invitations_list))
        .route("/accounts/{account}/audit", get(audit_list))
        .layer(axum::middleware::from_fn_with_state(db.clone(), recorded))
        .with_state(db);
    let inner = Router::new()
        .route("/openapi.json", get(openapi_json))
        .route("/docs", get(reference::page))
        .merge(account_routes)
        .fallback(|| async { ApiError::not_found() })
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() });
    Router::new().nest(BASE, inner)
}

async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// Records every call that carries a token, reads too, once it is answered (SPEC F25:
/// what a token did is audited under its name; changes are in the audit history as well).
/// A call is answered whether or not its record could be written.
pub(crate) async fn recorded(
    State(db): State<Db>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let secret = bearer(req.headers()).ok().map(str::to_string);
    let method = req.method().to_string();
    // Inside a nested router the URI has lost its prefix; the original has it.
    let uri = req.extensions().get::<axum::extract::OriginalUri>().map(|u| u.0.clone()).unwrap_or(req.uri().clone());
    let response = next.run(req).await;
    if let Some(secret) = secret {
        let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
        if let Err(e) = api_tokens::record_call(&db, &secret, &method, path, response.status().as_u16()).await {
            tracing::warn!(error = %e, "an API call could not be recorded");
        }
    }
    response
}

/// The token's grant for `account`, from the request's `Authorization` header.
pub(crate) async fn grant(db: &Db, headers: &HeaderMap, account: i64) -> ApiResult<TokenGrant> {
    let secret = bearer(headers)?;
    Ok(access::token_grant(db, secret, AccountId(account), now()).await?)
}

/// The secret of `Authorization: Bearer …` (the REST API's and SCIM's), or why there is none.
pub(crate) fn bearer(headers: &HeaderMap) -> Result<&str, AppError> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, secret)| secret.trim())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            AppError::Unauthenticated("Send an API token of the account: Authorization: Bearer roster_….".into())
        })
}

/// An account id of the path, or the error saying it is not one.
pub(crate) fn path_of<T>(path: Result<Path<T>, PathRejection>) -> ApiResult<T> {
    Ok(path?.0)
}

#[derive(Serialize, ToSchema)]
pub struct Account {
    pub id: i64,
    pub name: String,
    /// The customer organisation.
    pub organisation: String,
    pub org_id: String,
    /// The kind of deployment.
    pub kind: String,
    pub government_cloud: bool,
    /// Active members.
    pub members: i64,
    /// The partner organisation supporting this deployment, if one does.
    pub supported_by: Option<String>,
}

/// The account a token is for.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account}",
    tag = "accounts",
    params(("account" = i64, Path, description = "The account's id.")),
    responses(
        (status = 200, description = "The account.", body = Account),
        (status = 403, description = "The token is not for this account.", body = ApiError),
    ),
    security(("bearer" = []))
)]
async fn account(
    State(db): State<Db>,
    headers: HeaderMap,
    path: Result<Path<i64>, PathRejection>,
) -> ApiResult<Json<Account>> {
    let account = path_of(path)?;
    let grant = grant(&db, &headers, account).await?;
    let a = accounts::get(&db, grant.reader()).await?;
    Ok(Json(Account {
        id: a.id,
        name: a.name,
        organisation: a.organisation,
        org_id: a.org_id,
        kind: a.kind,
        government_cloud: a.government_cloud,
        members: a.members,
        supported_by: a.supported_by,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct Role {
    /// What the API's calls name it by.
    pub key: String,
    pub label: String,
    pub description: String,
    /// Every member has it.
    pub is_default: bool,
    /// Its holders administer the account's contacts.
    pub is_admin: bool,
    /// At most one member of the account holds it.
    pub unique_per_account: bool,
}

/// The roles a member can be given.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account}/roles",
    tag = "members",
    params(("account" = i64, Path, description = "The account's id.")),
    responses(
        (status = 200, description = "The roles, in the order the pages show them.", body = Vec<Role>),
        (status = 403, description = "The token is not for this account.", body = ApiError),
    ),
    security(("bearer" = []))
)]
async fn roles(
    State(db): State<Db>,
    headers: HeaderMap,
    path: Result<Path<i64>, PathRejection>,
) -> ApiResult<Json<Vec<Role>>> {
    let account = path_of(path)?;
    grant(&db, &headers, account).await?;
    let catalogue = Catalogue::load(&db).await?;
    Ok(Json(
        catalogue
            .roles()
            .into_iter()
            .map(|r| Role {
                key: r.key,
                label: r.label,
                description: r.description,
                is_default: r.is_default,
                is_admin: r.is_admin,
                unique_per_account: r.unique_per_account,
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct Invitation {
    pub id: i64,
    pub name: String,
    pub email: String,
    /// The roles it gives, as the pages list them.
    pub roles: String,
    pub invited_by: Option<String>,
    pub sent_at: i64,
    pub expires_at: i64,
    /// `pending`, `accepted`, `expired` or `revoked`.
    pub state: String,
}

/// The account's invitations, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account}/invitations",
    tag = "invitations",
    params(("account" = i64, Path, description = "The account's id.")),
    responses(
        (status = 200, description = "The invitations.", body = Vec<Invitation>),
        (status = 403, description = "The token is not for this account.", body = ApiError),
    ),
    security(("bearer" = []))
)]
async fn invitations_list(
    State(db): State<Db>,
    headers: HeaderMap,
    path: Result<Path<i64>, PathRejection>,
) -> ApiResult<Json<Vec<Invitation>>> {
    let account = path_of(path)?;
    let grant = grant(&db, &headers, account).await?;
    let rows = invitations::list(&db, grant.reader()).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| Invitation {
                id: r.id,
                name: r.name,
                email: r.email,
                roles: r.roles,
                invited_by: r.invited_by,
                sent_at: r.sent_at,
                expires_at: r.expires_at,
                state: r.state.label().to_lowercase(),
            })
            .collect(),
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Entries older than this id (the `next` of the previous page).
    before: Option<i64>,
    /// Entries per page, 1 to 200 (50 when left out).
    limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    /// Who made the change; a change made with a token names the token.
    pub actor: Option<String>,
    /// The person it was about.
    pub subject: Option<String>,
    /// What happened, as a stable key (`member.added`, `member.roles_changed`, …).
    pub action: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    pub next: Option<i64>,
}

/// The account's audit history, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account}/audit",
    tag = "audit",
    params(("account" = i64, Path, description = "The account's id."), AuditParams),
    responses(
        (status = 200, description = "A page of entries.", body = AuditPage),
        (status = 400, description = "A parameter out of range.", body = ApiError),
        (status = 403, description = "The token is not for this account.", body = ApiError),
    ),
    security(("bearer" = []))
)]
async fn audit_list(
    State(db): State<Db>,
    headers: HeaderMap,
    path: Result<Path<i64>, PathRejection>,
    query: Result<Query<AuditParams>, QueryRejection>,
) -> ApiResult<Json<AuditPage>> {
    let account = path_of(path)?;
    let grant = grant(&db, &headers, account).await?;
    let Query(params) = query?;
    let limit = params.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::invalid("limit", "limit must be between 1 and 200."));
    }
    let page = audit::list(&db, grant.reader(), None, params.before, limit).await?;
    Ok(Json(AuditPage {
        entries: page
            .entries
            .into_iter()
            .map(|e| AuditEntry {
                id: e.id,
                at: e.at,
                actor: e.actor,
                subject: e.subject,
                action: e.action.key().to_string(),
                before: e.before,
                after: e.after,
            })
            .collect(),
        next: page.next,
    }))
}
