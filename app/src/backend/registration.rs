//! Self-registration (SPEC F18). A registration counts only once its email is proven:
//! registering stores a pending registration (name, email, password hash) and emails a
//! single-use link, valid for a day, to that address. Nothing of it reaches `people`
//! until the link is followed, so nobody can sign in with, appear in the Add new user
//! type-ahead under, or take over the contact memberships of an email they do not read.

use super::db::{Db, Tx};
use super::mail::{outbox, templates, EmailAddress, FULL_EMAIL};
use super::{auth, limits, now, site_url, token};
use crate::api::PendingRegistration;
use crate::error::{AppError, Result};
use crate::sql;

/// How long a registration link works.
pub const VALID_SECS: i64 = 24 * 60 * 60;
/// Registrations per email and per address in an hour: enough to fix a typo in one's
/// name, too few to flood a mailbox or keep the server hashing.
const PER_EMAIL: i64 = 5;
const PER_ADDRESS: i64 = 20;
/// How long a used or expired link keeps saying so before it is simply unknown.
const KEPT_SECS: i64 = 24 * 60 * 60;

#[derive(sqlx::FromRow)]
struct Stored {
    id: i64,
    display_name: String,
    email: String,
    password_hash: String,
    expires_at: i64,
    verified_at: Option<i64>,
}

/// Starts a registration: checks the input, emails the link, and returns the address it
/// went to. Registering again before following it replaces the link.
pub async fn start(db: &Db, name: &str, email: &str, password: &str, ip: Option<&str>) -> Result<String> {
    let name = auth::checked_name(name)?;
    let address = EmailAddress::parse(email, FULL_EMAIL)?;
    let password = auth::checked_password(password)?;
    let (email, key) = (address.as_str().to_string(), address.key().to_string());
    limits::tried(db, &limits::REGISTRATION, &[limits::email(&key, PER_EMAIL), limits::address(ip, PER_ADDRESS)])
        .await?;
    let registered: Option<(i64,)> = db
        .fetch_optional(&sql!("SELECT id FROM people WHERE email_key = $1 AND registered_at IS NOT NULL", &key))
        .await?;
    if registered.is_some() {
        return Err(AppError::Conflict("Someone has already registered with this email. Sign in instead.".into()));
    }
    let hash = auth::hash_password(password).await?;
    let (link_token, token_hash) = token::new();
    let t = now();
    let mut tx = db.begin().await?;
    // One registration per email: a new one takes the place (and ends the link) of the last.
    tx.execute(&sql!(
        "INSERT INTO pending_registrations (display_name, email, email_key, password_hash, token_hash, created_at, \
         expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (email_key) DO UPDATE SET display_name = excluded.display_name, email = excluded.email, \
         password_hash = excluded.password_hash, token_hash = excluded.token_hash, created_at = excluded.created_at, \
         expires_at = excluded.expires_at, verified_at = NULL",
        &name,
        &email,
        &key,
        &hash,
        &token_hash,
        t,
        t + VALID_SECS
    ))
    .await?;
    let link = format!("{}/verify-email/{link_token}", site_url());
    outbox::enqueue(&mut tx, &templates::email_proof(&name, &email, &link)).await?;
    tx.commit().await?;
    Ok(email)
}

async fn by_token(tx: &mut Tx, link_token: &str) -> Result<Stored> {
    let found: Option<Stored> = tx
        .fetch_optional(&sql!(
            "SELECT id, display_name, email, password_hash, expires_at, verified_at FROM pending_registrations \
             WHERE token_hash = $1",
            token::hash(link_token)
        ))
        .await?;
    let stored = found.ok_or_else(|| {
        AppError::not_found("This link is not valid. Check that you copied all of it, or register again for a new one.")
    })?;
    if stored.verified_at.is_some() {
        return Err(AppError::Conflict("This link has already been used. Sign in instead.".into()));
    }
    if stored.expires_at <= now() {
        return Err(AppError::Conflict("This link has expired. Register again for a new one.".into()));
    }
    Ok(stored)
}

/// The registration behind a link, if the link still works. Reading it changes nothing:
/// mail scanners follow links too.
pub async fn view(db: &Db, link_token: &str) -> Result<PendingRegistration> {
    let mut tx = db.begin().await?;
    let stored = by_token(&mut tx, link_token).await?;
    tx.commit().await?;
    Ok(PendingRegistration { name: stored.display_name, email: stored.email })
}

/// Completes the registration behind a link: the email is proven, so the person is
/// registered (taking over the contact with that email, if there is one) and the link
/// stops working. Returns the person, to sign them in.
pub async fn verify(db: &Db, link_token: &str) -> Result<i64> {
    let mut tx = db.begin().await?;
    let stored = by_token(&mut tx, link_token).await?;
    // Claimed first: of two confirmations at once, the second finds the link used.
    let claimed = tx
        .execute(&sql!(
            "UPDATE pending_registrations SET verified_at = $1, password_hash = '' WHERE id = $2 AND verified_at IS NULL",
            now(),
            stored.id
        ))
        .await?;
    if claimed == 0 {
        return Err(AppError::Conflict("This link has already been used. Sign in instead.".into()));
    }
    let person = auth::register_proven(&mut tx, &stored.display_name, &stored.email, &stored.password_hash).await?;
    tx.commit().await?;
    Ok(person)
}

/// Deletes registrations whose link was used or expired a day ago or more (the hourly
/// cleanup), the password hash of an abandoned one with it.
pub async fn prune(db: &Db) -> Result<u64> {
    let t = now();
    db.execute(&sql!("DELETE FROM pending_registrations WHERE expires_at <= $1 OR verified_at <= $1", t - KEPT_SECS))
        .await
}
