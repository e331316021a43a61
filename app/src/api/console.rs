//! Server functions of the vendor operator console (SPEC F19). Each checks that the
//! caller is a vendor operator. The forms post plain fields, so they work without
//! JavaScript; a checkbox is present ("on") only when ticked.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::ConsoleOrganisation;

#[cfg(feature = "ssr")]
async fn operator(db: &crate::backend::Db) -> Result<crate::backend::access::Operator, AppError> {
    crate::backend::access::Actor::current(db).await?.operator()
}

/// Every customer and partner organisation with its domains and accounts.
#[server(prefix = "/api", endpoint = "console")]
pub async fn console_overview() -> Result<Vec<ConsoleOrganisation>, AppError> {
    use crate::backend::{console, db, respond};
    respond(
        async {
            let db = db()?;
            let op = operator(&db).await?;
            console::overview(&db, &op).await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "console/organisations/new")]
pub async fn create_organisation(name: String, kind: String, domains: String) -> Result<String, AppError> {
    use crate::backend::{console, db, respond};
    respond(
        async {
            let db = db()?;
            let op = operator(&db).await?;
            let fields = console::OrganisationFields { name: &name, kind: &kind, domains: &domains };
            console::create_organisation(&db, &op, &fields).await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "console/organisations/update")]
pub async fn update_organisation(
    organisation: i64,
    name: String,
    kind: String,
    domains: String,
) -> Result<String, AppError> {
    use crate::backend::{console, db, respond};
    respond(
        async {
            let db = db()?;
            let op = operator(&db).await?;
            let fields = console::OrganisationFields { name: &name, kind: &kind, domains: &domains };
            console::update_organisation(&db, &op, organisation, &fields).await
        }
        .await,
    )
}

/// Creates an account of `organisation`, or, with `account`, changes that account.
#[server(prefix = "/api", endpoint = "console/accounts")]
pub async fn save_account(
    account: Option<i64>,
    organisation: Option<i64>,
    name: String,
    org_id: String,
    kind: String,
    government_cloud: Option<String>,
    projects: Option<String>,
) -> Result<String, AppError> {
    use crate::backend::console::{self, AccountFields};
    use crate::backend::{db, respond};
    respond(
        async {
            let db = db()?;
            let op = operator(&db).await?;
            let fields = AccountFields {
                name: &name,
                org_id: &org_id,
                kind: &kind,
                government_cloud: government_cloud.is_some(),
                projects: projects.as_deref().unwrap_or_default(),
            };
            match (account, organisation) {
                (Some(account), _) => {
                    console::update_account(&db, &op, crate::model::AccountId(account), &fields).await
                }
                (None, Some(organisation)) => console::create_account(&db, &op, organisation, &fields).await,
                (None, None) => Err(AppError::invalid("Choose the organisation of the new account.")),
            }
        }
        .await,
    )
}

/// Grants (`grant` = "grant") or revokes ("revoke") the Account Administrator role.
#[server(prefix = "/api", endpoint = "console/admins")]
pub async fn set_account_admin(account: i64, email: String, grant: String) -> Result<String, AppError> {
    use crate::backend::{console, db, respond};
    respond(
        async {
            let db = db()?;
            let op = operator(&db).await?;
            match grant.as_str() {
                "grant" => console::grant_admin(&db, &op, crate::model::AccountId(account), &email).await,
                "revoke" => console::revoke_admin(&db, &op, crate::model::AccountId(account), &email).await,
                _ => Err(AppError::invalid("Choose Grant or Revoke.")),
            }
        }
        .await,
    )
}
