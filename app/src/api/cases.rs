//! Server functions of support cases.

use leptos::prelude::*;

use crate::error::AppError;

/// Raises a case on the account with the signed-in person as its primary contact.
/// Returns the case number.
#[server(prefix = "/api", endpoint = "cases/raise")]
pub async fn raise_case(account: i64, title: String) -> Result<String, AppError> {
    use crate::backend::access::Actor;
    use crate::backend::{cases, db, respond};
    respond(
        async {
            let db = db()?;
            let member = Actor::current(&db).await?.member_of(&db, crate::model::AccountId(account)).await?;
            let number = cases::raise(&db, &member, &title).await?;
            leptos_axum::redirect(&format!("/accounts/{account}/cases/new?raised={number}"));
            Ok(number)
        }
        .await,
    )
}
