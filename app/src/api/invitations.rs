//! Server functions of invitations (SPEC F15) and new contacts (F16).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[cfg(feature = "ssr")]
use super::admin_of;
use crate::error::AppError;
use crate::model::{InvitationId, InvitationRow, InvitationView, MembershipId, NewContact, RoleChange};

/// "+ Invite New Users": emails `name` <`email`> an invitation with the roles of `change`.
/// Returns the confirmation to show.
#[server(prefix = "/api", endpoint = "invitations/new", input = Json)]
pub async fn invite_new_user(
    account: i64,
    name: String,
    email: String,
    change: RoleChange,
) -> Result<String, AppError> {
    use crate::backend::{db, invitations, respond};
    respond(
        async {
            let db = db()?;
            let admin = admin_of(&db, account).await?;
            invitations::invite(&db, &admin, &name, &email, &change).await
        }
        .await,
    )
}

/// "Invite to Community" for a contact of the account who has not registered.
#[server(prefix = "/api", endpoint = "invitations/member")]
pub async fn invite_to_community(account: i64, membership: MembershipId) -> Result<String, AppError> {
    use crate::backend::{db, invitations, respond};
    respond(
        async {
            let db = db()?;
            let admin = admin_of(&db, account).await?;
            invitations::invite_member(&db, &admin, membership).await
        }
        .await,
    )
}

/// The account's invitations, newest first.
#[server(prefix = "/api", endpoint = "invitations")]
pub async fn list_invitations(account: i64) -> Result<Vec<InvitationRow>, AppError> {
    use crate::backend::{db, invitations, respond};
    respond(
        async {
            let db = db()?;
            let admin = admin_of(&db, account).await?;
            invitations::list(&db, &admin).await
        }
        .await,
    )
}

/// Sends an invitation again, with a new link.
#[server(prefix = "/api", endpoint = "invitations/resend")]
pub async fn resend_invitation(account: i64, invitation: InvitationId) -> Result<String, AppError> {
    use crate::backend::{db, invitations, respond};
    respond(
        async {
            let db = db()?;
            let admin = admin_of(&db, account).await?;
            invitations::resend(&db, &admin, invitation).await
        }
        .await,
    )
}

/// Withdraws an invitation.
#[server(prefix = "/api", endpoint = "invitations/revoke")]
pub async fn revoke_invitation(account: i64, invitation: InvitationId) -> Result<String, AppError> {
    use crate::backend::{db, invitations, respond};
    respond(
        async {
            let db = db()?;
            let admin = admin_of(&db, account).await?;
            invitations::revoke(&db, &admin, invitation).await
        }
        .await,
    )
}

/// The invitation behind a link (the token is the credential).
#[server(prefix = "/api", endpoint = "invitations/view")]
pub async fn get_invitation(token: String) -> Result<InvitationView, AppError> {
    use crate::backend::{auth, db, invitations, respond};
    respond(
        async {
            let db = db()?;
            let me = auth::signed_in(&db).await?;
            invitations::view(&db, &token, me.as_ref()).await
        }
        .await,
    )
}

/// Accepts an invitation: registers (name, password) or, for a registered invitee,
/// needs them signed in. Signs them in and goes to their accounts.
#[server(prefix = "/api", endpoint = "invitations/accept")]
pub async fn accept_invitation(token: String, name: Option<String>, password: Option<String>) -> Result<(), AppError> {
    use crate::backend::{auth, db, invitations, respond};
    respond(
        async {
            let db = db()?;
            let me = auth::signed_in(&db).await?;
            let (person, _) = invitations::accept(
                &db,
                &token,
                name.as_deref().unwrap_or_default(),
                password.as_deref().unwrap_or_default(),
                me.as_ref(),
            )
            .await?;
            if me.is_none_or(|m| m.person_id != person) {
                auth::start_session(&db, person).await?;
            }
            leptos_axum::redirect("/");
            Ok(())
        }
        .await,
    )
}

/// New Contact (SPEC F16): creates an unregistered contact of the account's organisation
/// and relates them to the account. Returns the contact's name.
#[server(prefix = "/api", endpoint = "contacts/new", input = Json)]
pub async fn create_contact(account: i64, contact: NewContact, change: RoleChange) -> Result<String, AppError> {
    use crate::backend::{contacts, db, respond};
    respond(
        async {
            let db = db()?;
            let admin = admin_of(&db, account).await?;
            contacts::create(&db, &admin, &contact, &change).await.map(|(_, name)| name)
        }
        .await,
    )
}
