//! Server functions of "Forgot password" (SPEC F18).

use leptos::prelude::*;

use crate::error::AppError;

/// Emails a one-time link to choose a new password, if the email is registered. Answers
/// the same either way.
#[server(prefix = "/api", endpoint = "password/forgot")]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    use crate::backend::{auth, db, password_reset, respond};
    respond(
        async {
            let ip = auth::client_ip().await;
            password_reset::request(&db()?, &email, ip.as_deref()).await?;
            leptos_axum::redirect("/forgot-password?sent=1");
            Ok(())
        }
        .await,
    )
}

/// Sets a new password with a link's token, signs the person in and goes home.
#[server(prefix = "/api", endpoint = "password/reset")]
pub async fn reset_password(token: String, password: String, confirm: String) -> Result<(), AppError> {
    use crate::backend::{auth, db, password_reset, respond};
    respond(
        async {
            if password != confirm {
                return Err(AppError::invalid("The two passwords are not the same."));
            }
            let db = db()?;
            let person = password_reset::complete(&db, &token, &password).await?;
            auth::start_session(&db, person).await?;
            leptos_axum::redirect("/");
            Ok(())
        }
        .await,
    )
}
