//! Server functions of signing in and out, and of who is signed in.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::CurrentUser;

/// Who is signed in, for the header; `None` when nobody is.
#[server(prefix = "/api", endpoint = "me")]
pub async fn get_current_user() -> Result<Option<CurrentUser>, AppError> {
    use crate::backend::{access::Actor, db, respond};
    respond(
        async {
            let db = db()?;
            // The page's other server functions ask the same (memoised per request).
            let actor = match Actor::current(&db).await {
                Ok(actor) => actor,
                Err(AppError::SignInRequired) => return Ok(None),
                Err(e) => return Err(e),
            };
            let accounts = crate::backend::accounts::switcher(&db, &actor).await?;
            let standing = actor.standing(&db).await?;
            let approvals = if standing.approves {
                match actor.clone().approver(&db).await {
                    Ok(approver) => Some(crate::backend::access_requests::waiting(&db, &approver).await?),
                    // Revoked between the two statements.
                    Err(AppError::Forbidden(_)) => None,
                    Err(e) => return Err(e),
                }
            } else {
                None
            };
            Ok(Some(CurrentUser {
                unread: standing.unread,
                is_partner: standing.is_partner,
                approvals,
                accounts,
                name: actor.name,
                email: actor.email,
                is_operator: actor.is_operator,
            }))
        }
        .await,
    )
}

/// Signs in with email and password, then goes to `next` (a path on this site).
#[server(prefix = "/api", endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::backend::{auth, db, respond};
    respond(
        async {
            let db = db()?;
            auth::sign_in(&db, &email, &password, auth::client_ip().await).await?;
            leptos_axum::redirect(&safe_next(next.as_deref()));
            Ok(())
        }
        .await,
    )
}

/// Signs out and goes to the sign-in page.
#[server(prefix = "/api", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::backend::{auth, respond};
    respond(
        async {
            auth::sign_out().await?;
            leptos_axum::redirect("/sign-in");
            Ok(())
        }
        .await,
    )
}

/// Only paths on this site, so a sign-in link cannot send people elsewhere.
///
/// Browsers drop tabs and newlines inside URLs and read `\` as `/`, so `/<TAB>/evil.example`
/// would become `//evil.example`: another site. Rather than guess every such rewrite, only
/// a plain ASCII path without spaces, controls or backslashes, not starting `//`, is kept —
/// every link Roster makes looks like that (query values are percent-encoded).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/') && !n.starts_with("//") && n.bytes().all(|b| b.is_ascii_graphic() && b != b'\\') =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_keeps_only_paths_on_this_site() {
        for ok in ["/", "/accounts/1/users?sort=name&dir=desc", "/a%20b#top"] {
            assert_eq!(safe_next(Some(ok)), ok);
        }
        for bad in [
            "//evil.example/",
            "/\t/evil.example/",
            "/\n/evil.example",
            "/\\evil.example",
            "\\/evil.example",
            " //evil.example",
            "/ /evil.example",
            "https://evil.example/",
            "evil.example",
            "/\u{7f}/evil.example",
            "/caf\u{e9}",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
