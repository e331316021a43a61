//! Server functions of an account's API tokens (SPEC F25).

use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::admin_of;
use crate::error::AppError;
use crate::model::{ApiCalls, ApiToken, NewApiToken, TokenScope};

/// The account's API tokens, newest first.
#[server(prefix = "/api", endpoint = "api-tokens")]
pub async fn list_api_tokens(account: i64) -> Result<Vec<ApiToken>, AppError> {
    use crate::backend::{api_tokens, db, respond};
    respond(
        async {
            let db = db()?;
            let admin = admin_of(&db, account).await?;
            api_tokens::list(&db, &admin).await
        }
        .await,
    )
}

/// Makes a token; the answer holds its secret, shown this once.
#[server(prefix = "/api", endpoint = "api-tokens/new")]
pub async fn create_api_token(
    account: i64,
    name: String,
    scope: TokenScope,
    days: i64,
) -> Result<NewApiToken, AppError> {
    use crate::backend::{api_tokens, db, respond};
    respond(
        async {
            let db = db()?;
            let admin = admin_of(&db, account).await?;
            api_tokens::create(&db, &admin, &name, scope, days).await
        }
        .await,
    )
}

/// Revokes a token. Returns the confirmation to show.
#[server(prefix = "/api", endpoint = "api-tokens/revoke")]
pub async fn revoke_api_token(account: i64, token: i64) -> Result<String, AppError> {
    use crate::backend::{api_tokens, db, respond};
    respond(
        async {
            let db = db()?;
            let admin = admin_of(&db, account).await?;
            api_tokens::revoke(&db, &admin, token).await
        }
        .await,
    )
}

/// The calls made with the account's tokens, newest first, from before call `before`.
#[server(prefix = "/api", endpoint = "api-tokens/calls")]
pub async fn list_api_calls(account: i64, before: Option<i64>) -> Result<ApiCalls, AppError> {
    use crate::backend::{api_tokens, db, respond};
    respond(
        async {
            let db = db()?;
            let admin = admin_of(&db, account).await?;
            api_tokens::calls(&db, &admin, before).await
        }
        .await,
    )
}
