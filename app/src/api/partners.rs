//! Server functions of partners (SPEC F21): "My deployments" for a partner's members, and
//! the vendor operators' record of which deployments each partner supports.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::error::AppError;
use crate::model::{DeploymentDetail, DeploymentQuery, Deployments, PartnerSupport};

/// A page of the deployments the signed-in partner member's organisation supports.
#[server(prefix = "/api", endpoint = "deployments", input = Json)]
pub async fn list_deployments(query: DeploymentQuery) -> Result<Deployments, AppError> {
    use crate::backend::{access::Actor, db, partners, respond};
    respond(
        async {
            let db = db()?;
            let member = Actor::current(&db).await?.partner_member(&db).await?;
            partners::deployments(&db, &member, &query).await
        }
        .await,
    )
}

/// One deployment the signed-in partner member's organisation supports: its partner
/// contacts with their levels, and its approvers.
#[server(prefix = "/api", endpoint = "deployments/one")]
pub async fn one_deployment(account: i64) -> Result<DeploymentDetail, AppError> {
    use crate::backend::{access::Actor, db, partners, respond};
    respond(
        async {
            let db = db()?;
            let member = Actor::current(&db).await?.partner_member(&db).await?;
            partners::deployment(&db, &member, crate::model::AccountId(account)).await
        }
        .await,
    )
}

/// Every partner with the deployments it supports (vendor operators).
#[server(prefix = "/api", endpoint = "console/partners")]
pub async fn console_partners() -> Result<Vec<PartnerSupport>, AppError> {
    use crate::backend::{access::Actor, db, partners, respond};
    respond(
        async {
            let db = db()?;
            let operator = Actor::current(&db).await?.operator()?;
            partners::support(&db, &operator).await
        }
        .await,
    )
}

/// Records that a partner supports the deployment with an Org ID (vendor operators).
#[server(prefix = "/api", endpoint = "console/partners/support")]
pub async fn start_partner_support(partner: i64, org_id: String) -> Result<String, AppError> {
    use crate::backend::{access::Actor, db, partners, respond};
    respond(
        async {
            let db = db()?;
            let operator = Actor::current(&db).await?.operator()?;
            partners::start_support(&db, &operator, partner, &org_id).await
        }
        .await,
    )
}

/// Ends a partner's support of a deployment, removing its people there (vendor operators).
#[server(prefix = "/api", endpoint = "console/partners/end")]
pub async fn end_partner_support(partner: i64, account: i64) -> Result<String, AppError> {
    use crate::backend::{access::Actor, db, partners, respond};
    respond(
        async {
            let db = db()?;
            let operator = Actor::current(&db).await?.operator()?;
            partners::end_support(&db, &operator, partner, crate::model::AccountId(account)).await
        }
        .await,
    )
}
