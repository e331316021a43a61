//! "Forgot password" (SPEC F18): a one-time link by email, valid for an hour, to choose a
//! new password. Asking never tells whether an email is registered.

use super::audit::{self, Record};
use super::db::Db;
use super::mail::{outbox, templates, EmailAddress, FULL_EMAIL};
use super::{auth, limits, now, site_url, token};
use crate::error::{AppError, Result};
use crate::model::AuditAction;
use crate::sql;

/// How long a reset link works.
pub const VALID_SECS: i64 = 60 * 60;
/// Links sent to one person per hour, at most: the form cannot be used to flood a mailbox.
const PER_HOUR: i64 = 3;
/// Requests from one address per hour, at most (whatever the emails).
const PER_ADDRESS_PER_HOUR: i64 = 10;

/// Emails a reset link to `email` if it belongs to a registered person. Requests from
/// one address are limited too (`ip`), so that the form cannot be used to try a list of
/// emails against the per-person limit.
pub async fn request(db: &Db, email: &str, ip: Option<&str>) -> Result<()> {
    let address = EmailAddress::parse(email, FULL_EMAIL)?;
    limits::tried(db, &limits::PASSWORD_RESET, &[limits::address(ip, PER_ADDRESS_PER_HOUR)]).await?;
    let key = address.key();
    let mut tx = db.begin().await?;
    let person: Option<(i64, String, String)> = tx
        .fetch_optional(&sql!(
            "SELECT id, display_name, email FROM people WHERE email_key = $1 AND registered_at IS NOT NULL",
            key
        ))
        .await?;
    let Some((id, name, to)) = person else {
        return Ok(());
    };
    let t = now();
    let recent: i64 = tx
        .scalar(&sql!("SELECT COUNT(*) FROM password_resets WHERE person_id = $1 AND created_at > $2", id, t - 3600))
        .await?;
    if recent >= PER_HOUR {
        return Ok(());
    }
    let (link_token, hash) = token::new();
    tx.execute(&sql!(
        "INSERT INTO password_resets (person_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        id,
        &hash,
        t,
        t + VALID_SECS
    ))
    .await?;
    let link = format!("{}/reset-password/{link_token}", site_url());
    outbox::enqueue(&mut tx, &templates::password_reset(to, &name, &link)).await?;
    tx.commit().await
}

/// Sets a new password with the link's token; every other link and every session of
/// that person stop working. Returns the person, to sign them in again.
pub async fn complete(db: &Db, link_token: &str, password: &str) -> Result<i64> {
    let password = auth::checked_password(password)?;
    let mut tx = db.begin().await?;
    let found: Option<(i64, i64, i64, Option<i64>)> = tx
        .fetch_optional(&sql!(
            "SELECT id, person_id, expires_at, used_at FROM password_resets WHERE token_hash = $1",
            token::hash(link_token)
        ))
        .await?;
    let person = match found {
        None => return Err(AppError::not_found("This link is not valid. Ask for a new one.")),
        Some((_, _, _, Some(_))) => {
            return Err(AppError::Conflict("This link has already been used. Ask for a new one.".into()))
        }
        Some((_, _, expires, None)) if expires <= now() => {
            return Err(AppError::Conflict("This link has expired. Ask for a new one.".into()))
        }
        Some((_, person, _, None)) => person,
    };
    let hash = auth::hash_password(password).await?;
    // Signed out everywhere: whoever knew the old password keeps no session.
    tx.execute(&sql!(
        "UPDATE people SET password_hash = $1, sessions_valid_from = $2 WHERE id = $3",
        &hash,
        super::now_ms(),
        person
    ))
    .await?;
    tx.execute(&sql!(
        "UPDATE password_resets SET used_at = $1 WHERE person_id = $2 AND used_at IS NULL",
        now(),
        person
    ))
    .await?;
    audit::record_as(
        &mut tx,
        Some(person),
        None,
        Record { subject: Some(person), action: AuditAction::PasswordReset, before: None, after: None },
    )
    .await?;
    tx.commit().await?;
    Ok(person)
}
