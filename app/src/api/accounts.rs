//! Server functions of accounts: which a person sees, one account's header, its audit.

use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::admin_of;
use crate::error::AppError;
use crate::model::{AccountSummary, AuditPage, PersonId};

/// The accounts the signed-in person may see: all for a vendor operator, else the
/// accounts they are an active member of.
#[server(prefix = "/api", endpoint = "accounts")]
pub async fn list_accounts() -> Result<Vec<AccountSummary>, AppError> {
    use crate::backend::access::Actor;
    use crate::backend::{accounts, db, respond};
    respond(
        async {
            let db = db()?;
            let actor = Actor::current(&db).await?;
            accounts::list_for(&db, &actor).await
        }
        .await,
    )
}

/// One account's header data, for its administrators.
#[server(prefix = "/api", endpoint = "account")]
pub async fn get_account(account: i64) -> Result<AccountSummary, AppError> {
    use crate::backend::{accounts, db, respond};
    respond(
        async {
            let db = db()?;
            let admin = admin_of(&db, account).await?;
            accounts::get(&db, &admin).await
        }
        .await,
    )
}

/// One account's header data and the accounts its administrator may switch to, in one
/// call (Manage Users' head: one access check, one answer to hydrate from). The list is
/// empty when it cannot be read; the account itself is refused as `get_account` refuses.
#[server(prefix = "/api", endpoint = "account/head")]
pub async fn get_account_head(account: i64) -> Result<(AccountSummary, Vec<AccountSummary>), AppError> {
    use crate::backend::{accounts, db, respond};
    respond(
        async {
            let db = db()?;
            let admin = admin_of(&db, account).await?;
            let summary = accounts::get(&db, &admin).await?;
            let choices = accounts::list_for(&db, admin.actor()).await.unwrap_or_default();
            Ok((summary, choices))
        }
        .await,
    )
}

/// The account's audit history, newest first, optionally of one person (SPEC F14).
#[server(prefix = "/api", endpoint = "audit")]
pub async fn account_audit(account: i64, person: Option<PersonId>, before: Option<i64>) -> Result<AuditPage, AppError> {
    use crate::backend::{audit, db, respond};
    respond(
        async {
            let db = db()?;
            let admin = admin_of(&db, account).await?;
            audit::list(&db, &admin, person, before, 25).await
        }
        .await,
    )
}
