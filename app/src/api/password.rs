//! Server functions of passwords and sessions (SPEC F18): "Forgot password", and in
//! Settings changing the password and signing out everywhere else.

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

/// Changes the signed-in person's password (Settings): the current one proves it is
/// them; every other session of theirs ends, and this one goes on.
#[server(prefix = "/api", endpoint = "password/change")]
pub async fn change_password(current: String, password: String, confirm: String) -> Result<String, AppError> {
    use crate::backend::{access::Actor, auth, db, respond};
    respond(
        async {
            if password != confirm {
                return Err(AppError::invalid("The two new passwords are not the same."));
            }
            let db = db()?;
            let actor = Actor::current(&db).await?;
            let ip = auth::client_ip().await;
            auth::change_password(&db, &actor, &current, &password, ip).await?;
            // This session goes on under a new id; every other one ended with the change.
            auth::start_session(&db, actor.person_id).await?;
            leptos_axum::redirect("/settings?password=changed");
            Ok(PASSWORD_CHANGED.to_string())
        }
        .await,
    )
}

/// What Settings says once the password is changed.
pub const PASSWORD_CHANGED: &str = "Your password is changed. Your other sessions are signed out.";

/// Signs the person out of every other session (Settings); this one goes on.
#[server(prefix = "/api", endpoint = "sessions/end-others")]
pub async fn sign_out_elsewhere() -> Result<String, AppError> {
    use crate::backend::{access::Actor, auth, db, respond};
    respond(
        async {
            let db = db()?;
            let actor = Actor::current(&db).await?;
            auth::end_sessions(&db, &actor).await?;
            auth::start_session(&db, actor.person_id).await?;
            leptos_axum::redirect("/settings?sessions=ended");
            Ok(SESSIONS_ENDED.to_string())
        }
        .await,
    )
}

/// What Settings says once the other sessions are ended.
pub const SESSIONS_ENDED: &str = "You are signed out everywhere else.";
