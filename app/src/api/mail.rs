//! The operators' view of the outbox.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::MailPage;

/// Emails the system sent or will send, newest first (vendor operators only).
#[server(prefix = "/api", endpoint = "mail")]
pub async fn list_mail(to: Option<String>, before: Option<i64>) -> Result<MailPage, AppError> {
    use crate::backend::access::Actor;
    use crate::backend::{db, mail, respond};
    respond(
        async {
            let db = db()?;
            let op = Actor::current(&db).await?.operator()?;
            mail::outbox::list(&db, &op, to.as_deref(), before, 50).await
        }
        .await,
    )
}
