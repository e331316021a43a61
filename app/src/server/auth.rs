//! Passwords, sessions and sign-in. A session holds only the person's id and when they
//! signed in; everything else is read from the database on each request.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use super::access::Actor;
use super::db::{Db, Tx};
use super::now;
use crate::error::{AppError, Result};
use crate::sql;

const SESSION_KEY: &str = "user";
/// A session ends this long after sign-in, however active (idle expiry is the cookie's).
pub const ABSOLUTE_EXPIRY_SECS: i64 = 7 * 86_400;
pub const MIN_PASSWORD_CHARS: usize = 10;
const WRONG: &str = "The email or password is not right.";

#[derive(Clone, Debug, Serialize, Deserialize)]
struct SignedIn {
    person_id: i64,
    signed_in_at: i64,
}

/// The request's session (the session layer puts it there).
pub async fn session() -> Result<Session> {
    leptos_axum::extract::<Session>().await.map_err(|e| {
        tracing::error!(error = %e, "no session on the request");
        AppError::Internal
    })
}

/// The signed-in person of this request, if any.
pub async fn signed_in(db: &Db) -> Result<Option<Actor>> {
    signed_in_with(db, &session().await?).await
}

/// The person signed in on `session`, if any (and the session is not too old).
pub async fn signed_in_with(db: &Db, session: &Session) -> Result<Option<Actor>> {
    let Some(s) = session.get::<SignedIn>(SESSION_KEY).await.map_err(internal)? else {
        return Ok(None);
    };
    if now() - s.signed_in_at > ABSOLUTE_EXPIRY_SECS {
        session.flush().await.map_err(internal)?;
        return Ok(None);
    }
    // A session from before the person's last password reset no longer counts.
    let actor = db
        .fetch_optional::<Actor>(&sql!(
            "SELECT id AS person_id, display_name AS name, email, is_operator FROM people \
             WHERE id = $1 AND registered_at IS NOT NULL AND sessions_valid_from <= $2",
            s.person_id,
            s.signed_in_at
        ))
        .await?;
    if actor.is_none() {
        session.flush().await.map_err(internal)?;
    }
    Ok(actor)
}

fn internal(e: impl std::fmt::Display) -> AppError {
    tracing::error!(error = %e, "session store");
    AppError::Internal
}

/// The address the request came from, when the server was started with it.
pub async fn client_ip() -> Option<String> {
    leptos_axum::extract::<axum::extract::ConnectInfo<std::net::SocketAddr>>().await.ok().map(|c| c.0.ip().to_string())
}

pub async fn hash_password(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string())
    })
    .await
    .map_err(internal)?
    .map_err(internal)
}

async fn verify_password(hash: String, password: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
    })
    .await
    .unwrap_or(false)
}

/// Failed sign-ins per key ("email:…", "ip:…") in the current window.
static FAILURES: LazyLock<Mutex<HashMap<String, Vec<i64>>>> = LazyLock::new(Default::default);
const WINDOW_SECS: i64 = 15 * 60;
const MAX_PER_EMAIL: usize = 5;
const MAX_PER_IP: usize = 20;

fn too_many(keys: &[(String, usize)]) -> bool {
    let t = now();
    let mut map = FAILURES.lock().unwrap_or_else(|p| p.into_inner());
    keys.iter().any(|(k, max)| {
        let v = map.entry(k.clone()).or_default();
        v.retain(|at| t - at < WINDOW_SECS);
        v.len() >= *max
    })
}

fn record_failure(keys: &[(String, usize)]) {
    let t = now();
    let mut map = FAILURES.lock().unwrap_or_else(|p| p.into_inner());
    for (k, _) in keys {
        map.entry(k.clone()).or_default().push(t);
    }
}

fn forget_failures(email_key: &str) {
    FAILURES.lock().unwrap_or_else(|p| p.into_inner()).remove(email_key);
}

/// Checks the password and starts a new session (a new id: no fixation). Failed tries
/// are limited per email and per address.
pub async fn sign_in(db: &Db, email: &str, password: &str, ip: Option<String>) -> Result<Actor> {
    let email = email.trim().to_lowercase();
    let email_key = format!("email:{email}");
    let keys = vec![(email_key.clone(), MAX_PER_EMAIL), (format!("ip:{}", ip.unwrap_or_default()), MAX_PER_IP)];
    if too_many(&keys) {
        return Err(AppError::TooMany("Too many sign-in attempts. Wait 15 minutes and try again.".into()));
    }
    let found: Option<(i64, Option<String>)> =
        db.fetch_optional(&sql!("SELECT id, password_hash FROM people WHERE email_key = $1", &email)).await?;
    let person = match found {
        Some((id, Some(hash))) if verify_password(hash.clone(), password.to_string()).await => id,
        _ => {
            record_failure(&keys);
            return Err(AppError::invalid(WRONG));
        }
    };
    forget_failures(&email_key);
    start_session(db, person).await?;
    signed_in(db).await?.ok_or(AppError::Internal)
}

/// Rotates the session id, stores who signed in, and records the sign-in time (which
/// feeds Active and Last sign-on).
pub async fn start_session(db: &Db, person: i64) -> Result<()> {
    let session = session().await?;
    session.cycle_id().await.map_err(internal)?;
    let t = now();
    session.insert(SESSION_KEY, SignedIn { person_id: person, signed_in_at: t }).await.map_err(internal)?;
    let mut tx = db.begin().await?;
    tx.execute(&sql!("UPDATE people SET last_sign_in_at = $1 WHERE id = $2", t, person)).await?;
    tx.execute(&sql!("UPDATE memberships SET last_sign_in_at = $1 WHERE person_id = $2", t, person)).await?;
    tx.commit().await
}

pub async fn sign_out() -> Result<()> {
    session().await?.flush().await.map_err(internal)
}

/// Registers a person (or completes a known contact's registration) and signs them in.
pub async fn register(db: &Db, name: &str, email: &str, password: &str) -> Result<Actor> {
    let name = checked_name(name)?;
    if !super::membership::valid_email(email) {
        return Err(AppError::invalid("Enter a full email address, like name@example.com."));
    }
    let hash = hash_password(checked_password(password)?).await?;
    let mut tx = db.begin().await?;
    let id = register_in(&mut tx, &name, email, &hash).await?;
    tx.commit().await?;
    start_session(db, id).await?;
    signed_in(db).await?.ok_or(AppError::Internal)
}

/// A person's name as entered, with its spaces tidied, or why it will not do.
pub fn checked_name(name: &str) -> Result<String> {
    super::checked_text(name, 100, "Enter your name (at most 100 characters).")
}

/// A new password, or why it will not do.
pub fn checked_password(password: &str) -> Result<String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AppError::invalid(format!("Choose a password of at least {MIN_PASSWORD_CHARS} characters.")));
    }
    Ok(password.to_string())
}

/// Registers `email` in `tx`: a new person, or a known contact who now registers (their
/// memberships then list them as registered, under the name they chose).
pub async fn register_in(tx: &mut Tx, name: &str, email: &str, hash: &str) -> Result<i64> {
    let email = email.trim().to_string();
    let key = email.to_lowercase();
    let domain = key.rsplit('@').next().unwrap_or_default().to_string();
    let existing: Option<(i64, Option<i64>)> =
        tx.fetch_optional(&sql!("SELECT id, registered_at FROM people WHERE email_key = $1", &key)).await?;
    match existing {
        Some((_, Some(_))) => {
            Err(AppError::Conflict("Someone has already registered with this email. Sign in instead.".into()))
        }
        Some((id, None)) => {
            tx.execute(&sql!(
                "UPDATE people SET display_name = $1, name_key = $2, password_hash = $3, registered_at = $4 WHERE id = $5",
                name,
                name.to_lowercase(),
                hash,
                now(),
                id
            ))
            .await?;
            tx.execute(&sql!(
                "UPDATE memberships SET name = $1, name_key = $2, registered = $3, version = version + 1 \
                 WHERE person_id = $4",
                name,
                name.to_lowercase(),
                true,
                id
            ))
            .await?;
            Ok(id)
        }
        None => {
            tx.scalar(&sql!(
                "INSERT INTO people (display_name, name_key, email, email_key, email_domain, password_hash, registered_at, \
                 organisation_id) VALUES ($1, $2, $3, $4, $5, $6, $7, \
                 (SELECT organisation_id FROM organisation_domains WHERE domain = $5)) RETURNING id",
                name,
                name.to_lowercase(),
                &email,
                &key,
                &domain,
                hash,
                now()
            ))
            .await
        }
    }
}
