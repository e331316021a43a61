//! Server functions of accounts: which a person sees, one account's header, its audit.

use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::admin_of;
use crate::error::AppError;
use crate::model::{AccountPage, AccountSummary, AuditPage, PersonId};

/// The accounts the signed-in person may see: for a vendor operator every account, a page
/// at a time, those matching `search` after the account `after`; for anyone else the
/// accounts they are an active member of.
#[server(prefix = "/api", endpoint = "accounts")]
pub async fn list_accounts(search: Option<String>, after: Option<i64>) -> Result<AccountPage, AppError> {
    use crate::backend::access::Actor;
    use crate::backend::{accounts, db, respond};
    respond(
        async {
            let db = db()?;
            let actor = Actor::current(&db).await?;
            accounts::visible(&db, &actor, search.as_deref().unwrap_or_default(), after).await
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
            // What the accounts list's first page shows: a vendor operator's accounts may
            // be thousands, so the picker offers the first page of them and this one; the
            // accounts list finds the rest.
            let mut choices =
                accounts::visible(&db, admin.actor(), "", None).await.map(|p| p.accounts).unwrap_or_default();
            if !choices.iter().any(|a| a.id == summary.id) {
                choices.push(summary.clone());
                choices.sort_by(|x, y| (&x.organisation, &x.name, x.id).cmp(&(&y.organisation, &y.name, y.id)));
            }
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
