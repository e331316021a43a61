//! Server functions of proving a registration's email (SPEC F18): the page behind the
//! emailed link shows what it confirms, and its button confirms it.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// A registration waiting for its email to be proven, as its link's page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingRegistration {
    pub name: String,
    pub email: String,
}

/// The registration behind a link (the token is the credential). Changes nothing.
#[server(prefix = "/api", endpoint = "registration/view")]
pub async fn get_registration(token: String) -> Result<PendingRegistration, AppError> {
    use crate::backend::{db, registration, respond};
    respond(async { registration::view(&db()?, &token).await }.await)
}

/// Confirms the email of the registration behind a link: registers the person, signs
/// them in and goes to their accounts.
#[server(prefix = "/api", endpoint = "registration/verify")]
pub async fn verify_email(token: String) -> Result<(), AppError> {
    use crate::backend::{auth, db, registration, respond};
    respond(
        async {
            let db = db()?;
            let person = registration::verify(&db, &token).await?;
            auth::start_session(&db, person).await?;
            leptos_axum::redirect("/");
            Ok(())
        }
        .await,
    )
}

/// Registers with name, email and password: emails a link that proves the email, to be
/// followed before signing in. Returns the address the link went to.
#[server(prefix = "/api", endpoint = "register")]
pub async fn register(name: String, email: String, password: String) -> Result<String, AppError> {
    use crate::backend::{auth, db, registration, respond};
    respond(
        async {
            let ip = auth::client_ip().await;
            let sent_to = registration::start(&db()?, &name, &email, &password, ip.as_deref()).await?;
            // Without JavaScript the form lands here; the address is not put in the URL.
            leptos_axum::redirect("/register?sent=1");
            Ok(sent_to)
        }
        .await,
    )
}
