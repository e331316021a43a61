//! Server functions of access requests and their approvers (SPEC F22–F23): partner
//! members ask, approvers decide, vendor operators designate the approvers.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::{ApproverRow, DecisionView, RequestForm, RequestPage};

/// What the request form offers the signed-in partner member.
#[server(prefix = "/api", endpoint = "access-requests/form")]
pub async fn access_request_form() -> Result<RequestForm, AppError> {
    use crate::backend::{access::Actor, access_requests, db, respond};
    respond(
        async {
            let db = db()?;
            let member = Actor::current(&db).await?.partner_member(&db).await?;
            access_requests::form(&db, &member).await
        }
        .await,
    )
}

/// Asks for a support access level on deployments (Org IDs, one per line), for the
/// signed-in partner member or, by email, a colleague.
#[server(prefix = "/api", endpoint = "access-requests/new")]
pub async fn request_access(
    org_ids: String,
    level: String,
    reason: String,
    for_email: Option<String>,
) -> Result<String, AppError> {
    use crate::backend::access_requests::{self, Asked};
    use crate::backend::{access::Actor, db, respond};
    respond(
        async {
            let db = db()?;
            let member = Actor::current(&db).await?.partner_member(&db).await?;
            let asked = Asked { org_ids: &org_ids, level: &level, reason: &reason, for_email: for_email.as_deref() };
            access_requests::submit(&db, &member, &asked).await
        }
        .await,
    )
}

/// The signed-in partner member's requests (for them or asked by them), newest first.
#[server(prefix = "/api", endpoint = "access-requests/mine")]
pub async fn my_requests(below: Option<i64>) -> Result<RequestPage, AppError> {
    use crate::backend::{access::Actor, access_requests, db, respond};
    respond(
        async {
            let db = db()?;
            let member = Actor::current(&db).await?.partner_member(&db).await?;
            access_requests::mine(&db, &member, below).await
        }
        .await,
    )
}

/// The Approvals inbox: requests the signed-in approver may decide.
#[server(prefix = "/api", endpoint = "approvals")]
pub async fn approvals(below: Option<i64>) -> Result<RequestPage, AppError> {
    use crate::backend::{access::Actor, access_requests, db, respond};
    respond(
        async {
            let db = db()?;
            let approver = Actor::current(&db).await?.approver(&db).await?;
            access_requests::inbox(&db, &approver, below).await
        }
        .await,
    )
}

/// One request, as its decision page shows it.
#[server(prefix = "/api", endpoint = "approvals/request")]
pub async fn access_request(id: i64) -> Result<DecisionView, AppError> {
    use crate::backend::{access::Actor, access_requests, db, respond};
    respond(
        async {
            let db = db()?;
            let actor = Actor::current(&db).await?;
            access_requests::view(&db, &actor, id).await
        }
        .await,
    )
}

/// Approves (`decision` = "approve") or declines ("decline") a request.
#[server(prefix = "/api", endpoint = "approvals/decide")]
pub async fn decide_request(id: i64, decision: String) -> Result<String, AppError> {
    use crate::backend::{access::Actor, access_requests, db, respond};
    respond(
        async {
            let db = db()?;
            let actor = Actor::current(&db).await?;
            let approve = match decision.as_str() {
                "approve" => true,
                "decline" => false,
                _ => return Err(AppError::invalid("Approve or decline the request.")),
            };
            let decider = actor.decider_of(&db, id).await?;
            access_requests::decide(&db, &decider, approve).await
        }
        .await,
    )
}

/// Every designated approver (vendor operators).
#[server(prefix = "/api", endpoint = "console/approvers")]
pub async fn console_approvers() -> Result<Vec<ApproverRow>, AppError> {
    use crate::backend::{access::Actor, access_requests, db, respond};
    respond(
        async {
            let db = db()?;
            let operator = Actor::current(&db).await?.operator()?;
            access_requests::approvers(&db, &operator).await
        }
        .await,
    )
}

/// Designates a partner's person as an approver of one deployment (its Org ID) or, with
/// no Org ID, of all (vendor operators).
#[server(prefix = "/api", endpoint = "console/approvers/grant")]
pub async fn grant_approver(partner: i64, email: String, org_id: String) -> Result<String, AppError> {
    use crate::backend::{access::Actor, access_requests, db, respond};
    respond(
        async {
            let db = db()?;
            let operator = Actor::current(&db).await?.operator()?;
            access_requests::grant_approver(&db, &operator, partner, &email, &org_id).await
        }
        .await,
    )
}

/// Takes a designation away (vendor operators).
#[server(prefix = "/api", endpoint = "console/approvers/revoke")]
pub async fn revoke_approver(approver: i64) -> Result<String, AppError> {
    use crate::backend::{access::Actor, access_requests, db, respond};
    respond(
        async {
            let db = db()?;
            let operator = Actor::current(&db).await?.operator()?;
            access_requests::revoke_approver(&db, &operator, approver).await
        }
        .await,
    )
}

/// Who may copy support access, and the partners they name (SPEC F24): every partner for
/// a vendor operator; none for a partner's member, who copies their own partner's (an
/// approver of every deployment involved); anyone else is refused.
#[server(prefix = "/api", endpoint = "access/copy/partners")]
pub async fn copy_access_partners() -> Result<Vec<crate::model::PartnerSupport>, AppError> {
    use crate::backend::{access::Actor, db, partners, respond};
    respond(
        async {
            let db = db()?;
            let actor = Actor::current(&db).await?;
            if actor.is_operator {
                partners::support(&db, &actor.operator()?).await
            } else {
                actor.partner_member(&db).await.map(|_| Vec::new())
            }
        }
        .await,
    )
}

/// What copying a deployment's support access to others would change (SPEC F24):
/// `source` and `targets` are Org IDs; `partner` is named by vendor operators only.
#[server(prefix = "/api", endpoint = "access/copy/preview")]
pub async fn preview_copy(
    partner: Option<i64>,
    source: String,
    targets: String,
) -> Result<crate::model::CopyPreview, AppError> {
    use crate::backend::{access::Actor, copy_access, db, respond};
    respond(
        async {
            let db = db()?;
            let copier = Actor::current(&db).await?.copier(&db, partner, &source, &targets).await?;
            copy_access::preview(&db, &copier).await
        }
        .await,
    )
}

/// Copies a deployment's support access to others: one transaction per target.
#[server(prefix = "/api", endpoint = "access/copy")]
pub async fn copy_access(partner: Option<i64>, source: String, targets: String) -> Result<String, AppError> {
    use crate::backend::{access::Actor, copy_access, db, respond};
    respond(
        async {
            let db = db()?;
            let copier = Actor::current(&db).await?.copier(&db, partner, &source, &targets).await?;
            copy_access::apply(&db, &copier).await
        }
        .await,
    )
}
