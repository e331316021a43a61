//! Invitations (SPEC F15): an administrator invites a name and email to the account with
//! roles; the email carries a single-use link that expires. Following it registers the
//! person (or, for someone already registered, asks them to sign in) and makes them a
//! member. A known contact of the account who has not registered is invited the same way
//! ("Invite to Community"), and accepting completes that membership.

use super::access::{AccountAdmin, Actor};
use super::audit::{self, Record};
use super::db::{Db, Tx};
use super::mail::{outbox, templates, EmailAddress, FULL_EMAIL};
use super::roles::Catalogue;
use super::{auth, limits, members, now, site_url, token};
use crate::error::{AppError, Result};
use crate::model::{
    AccountId, AuditAction, InvitationId, InvitationRow, InvitationState, InvitationView, MembershipId, RoleChange,
};
use crate::sql;

/// How long an invitation link stays valid.
pub const VALID_SECS: i64 = 14 * 86_400;
/// Invitations one administrator may send (or send again) in an hour: plenty for real
/// work, but a stolen session cannot turn Roster into a mail cannon.
const SENT_PER_HOUR: i64 = 100;
/// The most invitations the account's list shows (newest first).
const LISTED: i64 = 200;

#[derive(Clone, Debug, sqlx::FromRow)]
struct Stored {
    id: i64,
    #[sqlx(try_from = "i64")]
    account_id: AccountId,
    name: String,
    email: String,
    role_bits: i64,
    invited_by: Option<i64>,
    expires_at: i64,
    accepted_at: Option<i64>,
    revoked_at: Option<i64>,
    membership_id: Option<i64>,
}

const STORED: &str = "SELECT id, account_id, name, email, role_bits, invited_by, expires_at, accepted_at, revoked_at, \
     membership_id FROM invitations";

impl Stored {
    fn state(&self, now: i64) -> InvitationState {
        InvitationState::of(now, self.expires_at, self.accepted_at, self.revoked_at)
    }
}

/// Why a link no longer works, in words for the person who followed it.
fn unusable(state: InvitationState) -> AppError {
    match state {
        InvitationState::Accepted => {
            AppError::Conflict("This invitation has already been accepted. Sign in instead.".into())
        }
        InvitationState::Revoked => {
            AppError::Conflict("This invitation was withdrawn. Ask the account's administrator for a new one.".into())
        }
        InvitationState::Expired => {
            AppError::Conflict("This invitation has expired. Ask the account's administrator to send it again.".into())
        }
        InvitationState::Pending => AppError::Internal,
    }
}

fn no_such_link() -> AppError {
    AppError::not_found("This invitation link is not valid. Check that you copied all of it.")
}

async fn account_name(tx: &mut Tx, account: AccountId) -> Result<(String, String)> {
    tx.fetch_optional(&sql!(
        "SELECT a.name, o.name FROM accounts a JOIN organisations o ON o.id = a.organisation_id WHERE a.id = $1",
        account
    ))
    .await?
    .ok_or_else(|| AppError::not_found(format!("There is no account with the id {account}.")))
}

/// Invites `name` <`email`> to the administrator's account with the roles of `change`
/// ("+ Invite New Users"). Returns the confirmation to show.
pub async fn invite(db: &Db, admin: &AccountAdmin, name: &str, email: &str, change: &RoleChange) -> Result<String> {
    sending(db, admin).await?;
    let name = super::checked_text(name, 100, "Enter the person's name (at most 100 characters).")?;
    let address = EmailAddress::parse(email, FULL_EMAIL)?;
    let email = address.as_str().to_string();
    let mut tx = db.begin().await?;
    let cat = Catalogue::load_tx(&mut tx).await?;
    let (bits, _) = members::write::checked_change(&mut tx, &cat, admin.account(), change).await?;
    members::write::ensure_unique_free(&mut tx, &cat, admin.account(), bits, 0).await?;
    let member: Option<(String, bool)> = tx
        .fetch_optional(&sql!(
            "SELECT name, registered FROM memberships WHERE account_id = $1 AND email_key = $2",
            admin.account(),
            address.key()
        ))
        .await?;
    if let Some((member_name, registered)) = member {
        return Err(AppError::Conflict(if registered {
            format!("{member_name} is already a member of this account.")
        } else {
            format!("{member_name} is already a contact of this account: use Invite to Community in their row.")
        }));
    }
    if pending_for(&mut tx, admin.account(), &email).await?.is_some() {
        return Err(AppError::Conflict(format!(
            "{email} already has a pending invitation to this account. Resend it from the list of invitations."
        )));
    }
    let id = create(&mut tx, admin, &name, &email, bits, None).await?;
    send(&mut tx, admin, id, AuditAction::InvitationSent).await?;
    tx.commit().await?;
    Ok(format!("Invitation sent to {name} <{email}>."))
}

/// "Invite to Community" for a contact of the account who has not registered: sends them
/// an invitation for the membership they already have (or sends the pending one again).
pub async fn invite_member(db: &Db, admin: &AccountAdmin, membership_id: MembershipId) -> Result<String> {
    sending(db, admin).await?;
    let mut tx = db.begin().await?;
    let member: Option<(String, String, i64, bool)> = tx
        .fetch_optional(&sql!(
            "SELECT name, email, role_bits, registered FROM memberships WHERE id = $1 AND account_id = $2",
            membership_id,
            admin.account()
        ))
        .await?;
    let Some((name, email, bits, registered)) = member else {
        return Err(AppError::not_found("That user is no longer a member of this account."));
    };
    if registered {
        return Err(AppError::Conflict(format!("{name} has already registered in the Community.")));
    }
    let id = match pending_for(&mut tx, admin.account(), &email).await? {
        Some(id) => id,
        None => create(&mut tx, admin, &name, &email, bits, Some(membership_id.0)).await?,
    };
    send(&mut tx, admin, id, AuditAction::InvitationSent).await?;
    tx.commit().await?;
    Ok(format!("Invitation to the Community sent to {name} <{email}>."))
}

/// Counts an invitation the administrator sends (see `SENT_PER_HOUR`).
async fn sending(db: &Db, admin: &AccountAdmin) -> Result<()> {
    limits::tried(db, &limits::INVITATION, &[limits::person(admin.actor().person_id, SENT_PER_HOUR)]).await?;
    Ok(())
}

async fn pending_for(tx: &mut Tx, account: AccountId, email: &str) -> Result<Option<i64>> {
    let found: Option<(i64,)> = tx
        .fetch_optional(&sql!(
            "SELECT id FROM invitations WHERE account_id = $1 AND email = $2 AND accepted_at IS NULL \
             AND revoked_at IS NULL AND expires_at > $3 ORDER BY id DESC LIMIT 1",
            account,
            EmailAddress::key_of(email),
            now()
        ))
        .await?;
    Ok(found.map(|(id,)| id))
}

async fn create(
    tx: &mut Tx,
    admin: &AccountAdmin,
    name: &str,
    email: &str,
    bits: i64,
    membership_id: Option<i64>,
) -> Result<i64> {
    // The link is made (and its hash replaced) when the invitation is sent.
    let (_, placeholder) = token::new();
    tx.scalar(&sql!(
        "INSERT INTO invitations (account_id, name, email, role_bits, token_hash, invited_by, created_at, expires_at, \
         membership_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8) RETURNING id",
        admin.account(),
        name,
        EmailAddress::key_of(email),
        bits,
        placeholder,
        admin.actor().person_id,
        now(),
        membership_id
    ))
    .await
}

/// Gives invitation `id` a new link valid for `VALID_SECS`, emails it and audits
/// `action`. An earlier link of the same invitation stops working.
async fn send(tx: &mut Tx, admin: &AccountAdmin, id: i64, action: AuditAction) -> Result<()> {
    let (link_token, hash) = token::new();
    let expires = now() + VALID_SECS;
    tx.execute(&sql!("UPDATE invitations SET token_hash = $1, expires_at = $2 WHERE id = $3", &hash, expires, id))
        .await?;
    let inv: Stored =
        tx.fetch_optional(&sql!(&format!("{STORED} WHERE id = $1"), id)).await?.ok_or(AppError::Internal)?;
    let cat = Catalogue::load_tx(tx).await?;
    let roles = cat.describe(inv.role_bits);
    let (account, organisation) = account_name(tx, inv.account_id).await?;
    let link = format!("{}/invitations/{link_token}", site_url());
    outbox::enqueue(
        tx,
        &templates::invitation(&inv.name, &inv.email, &admin.actor().name, &account, &organisation, &roles, &link),
    )
    .await?;
    let subject: Option<(i64,)> =
        tx.fetch_optional(&sql!("SELECT id FROM people WHERE email_key = $1", &inv.email)).await?;
    audit::record(
        tx,
        admin,
        Record {
            subject: subject.map(|(p,)| p),
            action,
            before: None,
            after: Some(format!("{} <{}>: {roles}", inv.name, inv.email)),
        },
    )
    .await
}

async fn stored_of(tx: &mut Tx, admin: &AccountAdmin, id: i64) -> Result<Stored> {
    tx.fetch_optional(&sql!(&format!("{STORED} WHERE id = $1 AND account_id = $2"), id, admin.account()))
        .await?
        .ok_or_else(|| AppError::not_found("There is no such invitation for this account."))
}

/// Sends an invitation again with a fresh link and expiry. Returns the confirmation.
pub async fn resend(db: &Db, admin: &AccountAdmin, invitation: InvitationId) -> Result<String> {
    let id = invitation.0;
    sending(db, admin).await?;
    let mut tx = db.begin().await?;
    let inv = stored_of(&mut tx, admin, id).await?;
    match inv.state(now()) {
        InvitationState::Accepted => {
            return Err(AppError::Conflict(format!("{} has already accepted this invitation.", inv.name)))
        }
        InvitationState::Revoked => {
            return Err(AppError::Conflict("This invitation was revoked. Invite the person again instead.".into()))
        }
        InvitationState::Pending | InvitationState::Expired => {}
    }
    send(&mut tx, admin, id, AuditAction::InvitationResent).await?;
    tx.commit().await?;
    Ok(format!("Invitation sent again to {} <{}>.", inv.name, inv.email))
}

/// Withdraws an invitation: its link stops working. Returns the confirmation.
pub async fn revoke(db: &Db, admin: &AccountAdmin, invitation: InvitationId) -> Result<String> {
    let id = invitation.0;
    let mut tx = db.begin().await?;
    let inv = stored_of(&mut tx, admin, id).await?;
    match inv.state(now()) {
        InvitationState::Accepted => {
            return Err(AppError::Conflict(format!("{} has already accepted this invitation.", inv.name)))
        }
        InvitationState::Revoked => return Err(AppError::Conflict("This invitation is already revoked.".into())),
        InvitationState::Pending | InvitationState::Expired => {}
    }
    tx.execute(&sql!("UPDATE invitations SET revoked_at = $1 WHERE id = $2", now(), id)).await?;
    audit::record(
        &mut tx,
        admin,
        Record {
            subject: None,
            action: AuditAction::InvitationRevoked,
            before: Some(format!("{} <{}>", inv.name, inv.email)),
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(format!("Invitation of {} revoked.", inv.name))
}

#[derive(sqlx::FromRow)]
struct Listed {
    id: i64,
    name: String,
    email: String,
    role_bits: i64,
    invited_by: Option<String>,
    created_at: i64,
    expires_at: i64,
    accepted_at: Option<i64>,
    revoked_at: Option<i64>,
}

/// The account's invitations, newest first.
pub async fn list(db: &Db, admin: &AccountAdmin) -> Result<Vec<InvitationRow>> {
    let cat = Catalogue::load(db).await?;
    let rows: Vec<Listed> = db
        .fetch_all(&sql!(
            "SELECT i.id, i.name, i.email, i.role_bits, p.display_name AS invited_by, i.created_at, i.expires_at, \
             i.accepted_at, i.revoked_at FROM invitations i LEFT JOIN people p ON p.id = i.invited_by \
             WHERE i.account_id = $1 ORDER BY i.id DESC LIMIT $2",
            admin.account(),
            LISTED
        ))
        .await?;
    let t = now();
    Ok(rows
        .into_iter()
        .map(|r| InvitationRow {
            id: r.id,
            roles: cat.describe(r.role_bits),
            state: InvitationState::of(t, r.expires_at, r.accepted_at, r.revoked_at),
            name: r.name,
            email: r.email,
            invited_by: r.invited_by,
            sent_at: (r.expires_at - VALID_SECS).max(r.created_at),
            expires_at: r.expires_at,
        })
        .collect())
}

async fn by_token(tx: &mut Tx, link_token: &str) -> Result<Stored> {
    tx.fetch_optional(&sql!(&format!("{STORED} WHERE token_hash = $1"), token::hash(link_token)))
        .await?
        .ok_or_else(no_such_link)
}

/// What the invitation behind a link offers, for whoever follows it (the token is the
/// credential: no sign-in needed to read it).
pub async fn view(db: &Db, link_token: &str, signed_in: Option<&Actor>) -> Result<InvitationView> {
    let mut tx = db.begin().await?;
    let inv = by_token(&mut tx, link_token).await?;
    let state = inv.state(now());
    if state != InvitationState::Pending {
        return Err(unusable(state));
    }
    let (account, organisation) = account_name(&mut tx, inv.account_id).await?;
    let invited_by: Option<(String,)> = match inv.invited_by {
        Some(p) => tx.fetch_optional(&sql!("SELECT display_name FROM people WHERE id = $1", p)).await?,
        None => None,
    };
    let person: Option<(i64, Option<i64>)> =
        tx.fetch_optional(&sql!("SELECT id, registered_at FROM people WHERE email_key = $1", &inv.email)).await?;
    let cat = Catalogue::load_tx(&mut tx).await?;
    tx.commit().await?;
    Ok(InvitationView {
        account,
        organisation,
        invited_by: invited_by.map(|(n,)| n),
        roles: cat.describe(inv.role_bits),
        registered: person.is_some_and(|(_, r)| r.is_some()),
        signed_in_as_invitee: matches!((person, signed_in), (Some((id, _)), Some(a)) if a.person_id == id),
        name: inv.name,
        email: inv.email,
        expires_at: inv.expires_at,
    })
}

/// Accepts the invitation behind `link_token`. Someone not yet registered registers with
/// `name` and `password`; someone registered must be signed in as the invitee. Makes them
/// a member with the invited roles (or completes the contact's membership) and returns
/// the person to sign in.
pub async fn accept(
    db: &Db,
    link_token: &str,
    name: &str,
    password: &str,
    signed_in: Option<&Actor>,
) -> Result<(i64, i64)> {
    let mut tx = db.begin().await?;
    let inv = by_token(&mut tx, link_token).await?;
    let state = inv.state(now());
    if state != InvitationState::Pending {
        return Err(unusable(state));
    }
    let person: Option<(i64, Option<i64>)> =
        tx.fetch_optional(&sql!("SELECT id, registered_at FROM people WHERE email_key = $1", &inv.email)).await?;
    let person_id = match person {
        Some((id, Some(_))) => match signed_in {
            Some(a) if a.person_id == id => id,
            _ => {
                return Err(AppError::Forbidden(format!(
                    "This invitation is for {}, who is already registered. Sign in as {} to accept it.",
                    inv.email, inv.email
                )))
            }
        },
        _ => {
            let name = auth::checked_name(name)?;
            let hash = auth::hash_password(auth::checked_password(password)?).await?;
            // Following the link proved the email, as a registration's link would.
            auth::register_proven(&mut tx, &name, &inv.email, &hash).await?
        }
    };
    let membership_id = match inv.membership_id {
        Some(m) => m,
        None => members::write::join(&mut tx, inv.account_id, person_id, inv.role_bits, inv.invited_by).await?,
    };
    // Two tabs accepting at once: only one of them gets here first.
    let changed = tx
        .execute(&sql!("UPDATE invitations SET accepted_at = $1 WHERE id = $2 AND accepted_at IS NULL", now(), inv.id))
        .await?;
    if changed == 0 {
        return Err(unusable(InvitationState::Accepted));
    }
    let cat = Catalogue::load_tx(&mut tx).await?;
    audit::record_as(
        &mut tx,
        Some(person_id),
        Some(inv.account_id),
        Record {
            subject: Some(person_id),
            action: AuditAction::InvitationAccepted,
            before: None,
            after: Some(cat.describe(inv.role_bits)),
        },
    )
    .await?;
    tx.commit().await?;
    Ok((person_id, membership_id))
}
