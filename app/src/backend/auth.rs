//! Passwords, sessions and sign-in. A session holds only the person's id, when they
//! signed in and when it was last renewed; everything else is read from the database on
//! each request.

use std::future::Future;
use std::time::Duration;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use serde::{Deserialize, Serialize};
use tokio::sync::{Semaphore, SemaphorePermit};
use tower_sessions::Session;

use super::access::Actor;
use super::audit::{self, Record};
use super::db::{Db, Tx};
use super::mail::EmailAddress;
use super::{limits, now, now_ms};
use crate::error::{AppError, Result};
use crate::model::{AccountId, AuditAction};
use crate::sql;

const SESSION_KEY: &str = "user";
/// A session ends this long after sign-in, however active (idle expiry is the cookie's).
pub const ABSOLUTE_EXPIRY_SECS: i64 = 7 * 86_400;
/// How long a session goes unrenewed while it is used. The session layer pushes the idle
/// expiry (stored and in the cookie) forward only when a session is written, and writing
/// on every request would cost each page a write; so a request renews its session when
/// the last renewal is this old, and idle expiry comes up to this much early.
pub const RENEW_AFTER_SECS: i64 = 15 * 60;
pub const MIN_PASSWORD_CHARS: usize = 10;
const WRONG: &str = "The email or password is not right.";

#[derive(Clone, Debug, Serialize, Deserialize)]
struct SignedIn {
    person_id: i64,
    signed_in_at: i64,
    /// Sessions from before renewal have none: 0, renewed at their next request.
    #[serde(default)]
    renewed_at: i64,
    /// When it started, in milliseconds, compared with the person's
    /// `sessions_valid_from`: in whole seconds, a session started in the same second as
    /// a "Sign out everywhere else" or a password change outlived it. Sessions from
    /// before have none (0): their `signed_in_at` counts.
    #[serde(default)]
    started_ms: i64,
}

impl SignedIn {
    fn started_ms(&self) -> i64 {
        if self.started_ms > 0 {
            self.started_ms
        } else {
            self.signed_in_at * 1_000
        }
    }

    fn due_for_renewal(&self, now: i64) -> bool {
        now - self.renewed_at >= RENEW_AFTER_SECS
    }
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
    signed_in_reading(session, |person, started_ms| async move {
        let columns = super::access::ACTOR_COLUMNS;
        db.fetch_optional(&sql!(format!("SELECT {columns} FROM people p WHERE {LIVE}"), person, started_ms)).await
    })
    .await
}

/// The condition that the person `p` (of `people p`) is the one signed in on a session
/// that still counts: `$1` the session's person, `$2` when it started (milliseconds). A
/// session from before the person's last password reset (or change, or signing out
/// everywhere else) no longer counts.
pub const LIVE: &str = "p.id = $1 AND p.registered_at IS NOT NULL AND p.sessions_valid_from <= $2";

/// What `read(person, started_ms)` reads of the person signed in on `session`, if any and
/// the session is not too old: `read` selects by [`LIVE`], and finds nothing when the
/// session no longer counts, which then ends. A page reads the person with what else of
/// them it needs in one statement.
pub async fn signed_in_reading<T, Fut>(session: &Session, read: impl FnOnce(i64, i64) -> Fut) -> Result<Option<T>>
where
    Fut: Future<Output = Result<Option<T>>>,
{
    let Some(s) = session.get::<SignedIn>(SESSION_KEY).await.map_err(session_store)? else {
        return Ok(None);
    };
    let t = now();
    if t - s.signed_in_at > ABSOLUTE_EXPIRY_SECS {
        session.flush().await.map_err(session_store)?;
        return Ok(None);
    }
    let found = read(s.person_id, s.started_ms()).await?;
    if found.is_none() {
        session.flush().await.map_err(session_store)?;
    } else if s.due_for_renewal(t) {
        // A changed session is saved after the response, with a new idle expiry and cookie.
        session.insert(SESSION_KEY, SignedIn { renewed_at: t, ..s }).await.map_err(session_store)?;
    }
    Ok(found)
}

/// A session that cannot be read or written: the store is the database, so a backend
/// failure is the database not answering in time (busy or unreachable).
fn session_store(e: tower_sessions::session::Error) -> AppError {
    use tower_sessions::session_store::Error::Backend;
    match e {
        tower_sessions::session::Error::Store(Backend(why)) => {
            tracing::warn!(error = %why, "the session store failed");
            AppError::Unavailable
        }
        other => internal(other),
    }
}

fn internal(e: impl std::fmt::Display) -> AppError {
    tracing::error!(error = %e, "session store");
    AppError::Internal
}

/// The address the request came from, when the server was started with it.
pub async fn client_ip() -> Option<String> {
    leptos_axum::extract::<axum::extract::ConnectInfo<std::net::SocketAddr>>().await.ok().map(|c| c.0.ip().to_string())
}

/// Password hashes (argon2id: about 19 MiB and a few dozen milliseconds of CPU each)
/// worked on at once. A burst of sign-ins or registrations waits briefly for a turn and
/// is then turned away as busy, instead of queueing without bound until memory runs out.
static HASHING: HashGate = HashGate::new(4, Duration::from_secs(2));

/// A bound on concurrent password hashing: `permits` at once, each waiting at most `wait`.
pub struct HashGate {
    permits: Semaphore,
    wait: Duration,
}

impl HashGate {
    pub const fn new(permits: usize, wait: Duration) -> Self {
        HashGate { permits: Semaphore::const_new(permits), wait }
    }

    /// Runs `work` on the blocking pool once a permit is free, or answers `Busy`.
    pub async fn run<T: Send + 'static>(&'static self, work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
        match tokio::time::timeout(self.wait, self.permits.acquire()).await {
            Ok(permit) => Self::with(permit.map_err(internal)?, work).await,
            Err(_) => Err(AppError::Busy),
        }
    }

    /// Runs `work` once a permit is free, however long that takes: for work that is not
    /// a request (seeding), which has nobody to answer "busy" to.
    pub async fn run_in_turn<T: Send + 'static>(&'static self, work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
        Self::with(self.permits.acquire().await.map_err(internal)?, work).await
    }

    async fn with<T: Send + 'static>(
        permit: SemaphorePermit<'static>,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T> {
        // The permit goes with the work: a request given up on still holds it until the
        // hash it started is done.
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        })
        .await
        .map_err(internal)
    }
}

/// Hashes a new password for a request; `Busy` when too many are being hashed already.
pub async fn hash_password(password: String) -> Result<String> {
    HASHING.run(move || new_hash(&password)).await?
}

/// Hashes a password for work that is not a request (seeding demo people): waits for its
/// turn instead of giving up.
pub async fn hash_password_in_turn(password: String) -> Result<String> {
    HASHING.run_in_turn(move || new_hash(&password)).await?
}

fn new_hash(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(internal)
}

/// Whether `password` matches `hash`; `Busy` when too many are being checked already.
async fn verify_password(hash: String, password: String) -> Result<bool> {
    HASHING
        .run(move || {
            PasswordHash::new(&hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
        })
        .await
}

const MAX_PER_EMAIL: i64 = 5;
const MAX_PER_IP: i64 = 20;

/// Checks the password and starts a new session (a new id: no fixation). Tries are
/// counted per email and per address before the password is checked (see `limits`); a
/// right password clears its email's wrong ones.
pub async fn sign_in(db: &Db, email: &str, password: &str, ip: Option<String>) -> Result<Actor> {
    let email = EmailAddress::key_of(email);
    let counted = [limits::email(&email, MAX_PER_EMAIL), limits::address(ip.as_deref(), MAX_PER_IP)];
    let by_email = &counted[0];
    let attempt = limits::tried(db, &limits::SIGN_IN, &counted).await?;
    let found: Option<(i64, Option<String>)> = db
        .fetch_optional(&sql!(
            "SELECT id, password_hash FROM people WHERE email_key = $1 AND registered_at IS NOT NULL",
            &email
        ))
        .await?;
    let checked = match found {
        Some((id, Some(hash))) => verify_password(hash, password.to_string()).await.map(|right| {
            if right {
                Checked::Right(id)
            } else {
                Checked::Wrong
            }
        }),
        _ => unproven_registration(db, &email, password).await,
    };
    match checked {
        Ok(Checked::Right(person)) => {
            attempt.succeeded(db, by_email).await?;
            start_session(db, person).await?;
            signed_in(db).await?.ok_or(AppError::Internal)
        }
        Ok(Checked::Wrong) => Err(AppError::invalid(WRONG)),
        // The right password, of a registration still to be proven: not a wrong try.
        Ok(Checked::Unproven(email)) => {
            attempt.succeeded(db, by_email).await?;
            Err(AppError::Forbidden(format!(
                "Confirm your email first: follow the link we sent to {email}. \
                 If it has expired, register again for a new one."
            )))
        }
        // The password was not judged (the server is busy, say): the try does not count.
        Err(e) => {
            attempt.withdrawn(db).await?;
            Err(e)
        }
    }
}

/// Changes the signed-in person's password, who proves it is them with the current one
/// (a session left open on someone else's screen is not enough). A wrong current password
/// counts as a wrong sign-in of their email, so a session cannot be used to guess it. Every
/// session of the person ends (the caller starts the one it goes on with); they are told
/// by email. Audited.
pub async fn change_password(db: &Db, actor: &Actor, current: &str, new: &str, ip: Option<String>) -> Result<()> {
    let new = checked_password(new)?;
    if new == current {
        return Err(AppError::invalid("Choose a new password that is not your current one."));
    }
    let email = EmailAddress::key_of(&actor.email);
    let counted = [limits::email(&email, MAX_PER_EMAIL), limits::address(ip.as_deref(), MAX_PER_IP)];
    let attempt = limits::tried(db, &limits::SIGN_IN, &counted).await?;
    let (hash,): (Option<String>,) = db
        .fetch_optional(&sql!("SELECT password_hash FROM people WHERE id = $1", actor.person_id))
        .await?
        .ok_or(AppError::SignInRequired)?;
    let Some(hash) = hash else {
        attempt.withdrawn(db).await?;
        return Err(AppError::invalid(WRONG_CURRENT));
    };
    match verify_password(hash.clone(), current.to_string()).await {
        Ok(true) => attempt.succeeded(db, &counted[0]).await?,
        Ok(false) => return Err(AppError::invalid(WRONG_CURRENT)),
        Err(e) => {
            attempt.withdrawn(db).await?;
            return Err(e);
        }
    }
    let new_hash = hash_password(new).await?;
    let mut tx = db.begin().await?;
    // Only over the hash just checked: a change made meanwhile (another session's, a
    // reset link's) is not overwritten by one proven against the old password.
    let changed = tx
        .execute(&sql!(
            "UPDATE people SET password_hash = $1, sessions_valid_from = $2 WHERE id = $3 AND password_hash = $4",
            &new_hash,
            now_ms(),
            actor.person_id,
            &hash
        ))
        .await?;
    if changed == 0 {
        return Err(AppError::Conflict("Your password was changed meanwhile. Sign in again with the new one.".into()));
    }
    audit::record_as(
        &mut tx,
        Some(actor.person_id),
        None,
        Record { subject: Some(actor.person_id), action: AuditAction::PasswordChanged, before: None, after: None },
    )
    .await?;
    super::mail::outbox::enqueue(&mut tx, &super::mail::templates::password_changed(&actor.email, &actor.name)).await?;
    tx.commit().await
}

const WRONG_CURRENT: &str = "Your current password is not right.";

/// Ends every session of the signed-in person (the caller starts the one it goes on
/// with): for a computer they no longer use, or a session they do not recognise. Audited.
pub async fn end_sessions(db: &Db, actor: &Actor) -> Result<()> {
    let mut tx = db.begin().await?;
    tx.execute(&sql!("UPDATE people SET sessions_valid_from = $1 WHERE id = $2", now_ms(), actor.person_id)).await?;
    audit::record_as(
        &mut tx,
        Some(actor.person_id),
        None,
        Record { subject: Some(actor.person_id), action: AuditAction::SessionsEnded, before: None, after: None },
    )
    .await?;
    tx.commit().await
}

/// What a sign-in's password turned out to be.
enum Checked {
    Right(i64),
    Wrong,
    /// The password of a registration whose email (this one) is not proven yet.
    Unproven(String),
}

/// Checks `password` against a registration of `email_key` still waiting for its link
/// to be followed. Only someone who knows that password learns that it exists.
async fn unproven_registration(db: &Db, email_key: &str, password: &str) -> Result<Checked> {
    let pending: Option<(String, String)> = db
        .fetch_optional(&sql!(
            "SELECT email, password_hash FROM pending_registrations \
             WHERE email_key = $1 AND verified_at IS NULL AND expires_at > $2",
            email_key,
            now()
        ))
        .await?;
    let Some((email, hash)) = pending else {
        return Ok(Checked::Wrong);
    };
    Ok(if verify_password(hash, password.to_string()).await? { Checked::Unproven(email) } else { Checked::Wrong })
}

/// Rotates the session id, stores who signed in, and records the sign-in time (which
/// feeds Active and Last sign-on).
pub async fn start_session(db: &Db, person: i64) -> Result<()> {
    let session = session().await?;
    session.cycle_id().await.map_err(internal)?;
    // One reading of the clock, so that the start in seconds and in milliseconds agree.
    let started_ms = now_ms();
    let t = started_ms / 1_000;
    session
        .insert(SESSION_KEY, SignedIn { person_id: person, signed_in_at: t, renewed_at: t, started_ms })
        .await
        .map_err(internal)?;
    let mut tx = db.begin().await?;
    tx.execute(&sql!("UPDATE people SET last_sign_in_at = $1 WHERE id = $2", t, person)).await?;
    tx.execute(&sql!("UPDATE memberships SET last_sign_in_at = $1 WHERE person_id = $2", t, person)).await?;
    tx.commit().await
}

pub async fn sign_out() -> Result<()> {
    session().await?.flush().await.map_err(internal)
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

/// Registers `email`, whose owner has just proven it by following a link sent to it (a
/// registration's or an invitation's): a new person, or a known contact who now registers
/// and so takes over the contact's memberships. Audited: "Email verified", and "Contact
/// claimed" in each account whose contact they became. A registration still waiting for
/// this email is ended: its link would have nothing left to prove.
pub async fn register_proven(tx: &mut Tx, name: &str, email: &str, hash: &str) -> Result<i64> {
    let (person, claimed) = register_in(tx, name, email, hash).await?;
    let key = EmailAddress::key_of(email);
    audit::record_as(
        tx,
        Some(person),
        None,
        Record {
            subject: Some(person),
            action: AuditAction::EmailVerified,
            before: None,
            after: Some(email.trim().to_string()),
        },
    )
    .await?;
    if claimed {
        let accounts: Vec<(i64,)> = tx
            .fetch_all(&sql!("SELECT account_id FROM memberships WHERE person_id = $1 ORDER BY account_id", person))
            .await?;
        for (account,) in accounts {
            audit::record_as(
                tx,
                Some(person),
                Some(AccountId(account)),
                Record {
                    subject: Some(person),
                    action: AuditAction::ContactClaimed,
                    before: None,
                    after: Some(format!("{name} <{}>", email.trim())),
                },
            )
            .await?;
        }
    }
    tx.execute(&sql!("DELETE FROM pending_registrations WHERE email_key = $1 AND verified_at IS NULL", &key)).await?;
    Ok(person)
}

/// Registers `email` in `tx`: a new person, or a known contact who now registers (their
/// memberships then list them as registered, under the name they chose). Returns the
/// person and whether they were such a contact.
async fn register_in(tx: &mut Tx, name: &str, email: &str, hash: &str) -> Result<(i64, bool)> {
    let email = email.trim().to_string();
    let key = EmailAddress::key_of(&email);
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
            tx.execute(&sql!(
                "UPDATE cases SET primary_name = $1, primary_name_key = $2 WHERE primary_contact_id = $3",
                name,
                name.to_lowercase(),
                id
            ))
            .await?;
            Ok((id, true))
        }
        None => {
            let id = tx
                .scalar(&sql!(
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
            .await?;
            Ok((id, false))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static GATE: HashGate = HashGate::new(1, Duration::from_millis(100));

    #[test]
    fn a_session_is_renewed_once_its_last_renewal_is_a_quarter_hour_old() {
        let s = |renewed_at| SignedIn { person_id: 1, signed_in_at: 0, renewed_at, started_ms: 0 };
        let t = 1_000_000;
        assert!(!s(t).due_for_renewal(t));
        assert!(!s(t - RENEW_AFTER_SECS + 1).due_for_renewal(t));
        assert!(s(t - RENEW_AFTER_SECS).due_for_renewal(t));
        // A session stored before renewal existed carries none.
        let old: SignedIn = serde_json::from_str(r#"{"person_id":1,"signed_in_at":5}"#).unwrap();
        assert_eq!(old.renewed_at, 0);
        assert!(old.due_for_renewal(t));
    }

    #[test]
    fn a_session_stored_before_milliseconds_started_at_its_sign_in() {
        let old: SignedIn = serde_json::from_str(r#"{"person_id":1,"signed_in_at":5,"renewed_at":5}"#).unwrap();
        assert_eq!(old.started_ms(), 5_000);
        let new = SignedIn { person_id: 1, signed_in_at: 5, renewed_at: 5, started_ms: 5_432 };
        assert_eq!(new.started_ms(), 5_432);
    }

    #[tokio::test]
    async fn a_full_hash_gate_answers_busy_instead_of_queueing() {
        let (release, held) = std::sync::mpsc::channel::<()>();
        let first = tokio::spawn(GATE.run(move || {
            let _ = held.recv();
        }));
        while GATE.permits.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        let asked = std::time::Instant::now();
        assert_eq!(GATE.run(|| ()).await, Err(AppError::Busy));
        assert!(asked.elapsed() < Duration::from_secs(1), "waited {:?}", asked.elapsed());
        assert_eq!(AppError::Busy.status(), 503);
        assert_eq!(AppError::Busy.to_string(), "The server is busy; try again in a moment.");
        let _ = release.send(());
        assert_eq!(first.await.ok(), Some(Ok(())));
        assert_eq!(GATE.run(|| 7).await, Ok(7));
    }
}
