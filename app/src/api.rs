//! Server functions: the only way the browser reaches data. Each validates its input,
//! calls storage in `crate::server`, and reports errors through `server::respond`.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::error::AppError;
use crate::model::{AccountSummary, MemberPage, MemberQuery};

/// All accounts, for the account picker.
#[server(prefix = "/api", endpoint = "accounts")]
pub async fn list_accounts() -> Result<Vec<AccountSummary>, AppError> {
    use crate::server::{accounts, db, respond};
    respond(async { accounts::list(&db()?).await }.await)
}

/// One account's header data.
#[server(prefix = "/api", endpoint = "account")]
pub async fn get_account(account: i64) -> Result<AccountSummary, AppError> {
    use crate::server::{accounts, db, respond};
    respond(async { accounts::get(&db()?, account).await }.await)
}

/// One page of an account's members for the given view.
#[server(prefix = "/api", endpoint = "members", input = Json)]
pub async fn list_members(query: MemberQuery) -> Result<MemberPage, AppError> {
    use crate::server::{accounts, db, members, now, respond};
    respond(
        async {
            let db = db()?;
            // The URL parser already cleaned this for the pages; a hand-made request
            // gets the same treatment.
            let mut query = query;
            query.search = crate::model::clean_search(&query.search);
            if !crate::model::PAGE_SIZES.contains(&query.page_size) {
                return Err(AppError::invalid("Page size must be 10, 25, 50 or 100."));
            }
            accounts::get(&db, query.account).await?;
            members::list(&db, &query, now()).await
        }
        .await,
    )
}
