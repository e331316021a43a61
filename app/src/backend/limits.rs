//! How often something may be tried: sign-ins, registrations, reset links, invitations.
//!
//! Every try is a row of `attempts`, written (and committed) *before* the work it guards
//! and counted after, so tries made at the same moment count against each other: of 40
//! sign-ins sent at once, at most the limit get as far as the password check. The rows
//! are in the database, so every server instance shares them and a restart forgets
//! nothing. A key that goes over its limit is locked for the window (a row of
//! `lockouts`), which refuses further tries without writing anything and is audited once.

use super::audit::{self, Record};
use super::db::{Arg, Db, Sql};
use super::now;
use crate::error::{AppError, Result};
use crate::model::AuditAction;
use crate::sql;

/// What is limited, over which window, and what the refused person is told.
pub struct Rule {
    /// The kind of try, as stored in `attempts.action`.
    pub action: &'static str,
    pub window_secs: i64,
    /// The audit action written when a key gets locked.
    pub locked: AuditAction,
    pub refusal: &'static str,
}

/// Sign-ins: only failures stay counted (a success clears its email's).
pub const SIGN_IN: Rule = Rule {
    action: "sign_in",
    window_secs: 15 * 60,
    locked: AuditAction::SignInLocked,
    refusal: "Too many sign-in attempts. Wait 15 minutes and try again.",
};

/// Registrations: each one hashes a password and sends an email.
pub const REGISTRATION: Rule = Rule {
    action: "registration",
    window_secs: 60 * 60,
    locked: AuditAction::RegistrationLocked,
    refusal: "Too many registrations. Wait an hour and try again.",
};

/// "Forgot password" requests.
pub const PASSWORD_RESET: Rule = Rule {
    action: "password_reset",
    window_secs: 60 * 60,
    locked: AuditAction::PasswordResetLocked,
    refusal: "Too many requests for a new password. Wait an hour and try again.",
};

/// Invitations an administrator sends (or sends again).
pub const INVITATION: Rule = Rule {
    action: "invitation",
    window_secs: 60 * 60,
    locked: AuditAction::InvitationsLocked,
    refusal: "You have sent a great many invitations in the last hour. Wait a while and try again.",
};

/// The longest window of any rule: older tries count for nothing.
const LONGEST_WINDOW_SECS: i64 = 60 * 60;

/// Who a limit counts: one email, one client address or one person, and how many tries
/// of theirs the window allows.
pub struct Counted {
    key: String,
    max: i64,
    /// The person the key belongs to, for the audit entry of a lockout.
    who: Who,
}

enum Who {
    Email(String),
    Person(i64),
    Address,
}

/// Tries with this email (lower-cased). A text longer than any address (254 characters,
/// `valid_email`) is counted under its first 254: such keys name nobody, and the key
/// stays within what a database index holds (PostgreSQL refuses a row of a few kilobytes).
pub fn email(email_key: &str, max: i64) -> Counted {
    let email_key = match email_key.char_indices().nth(254) {
        Some((end, _)) => &email_key[..end],
        None => email_key,
    };
    Counted { key: format!("email:{email_key}"), max, who: Who::Email(email_key.to_string()) }
}

/// Tries from this client address. Without one (a server not told the peer's address),
/// all such tries share one count.
pub fn address(ip: Option<&str>, max: i64) -> Counted {
    Counted { key: format!("ip:{}", ip.unwrap_or("unknown")), max, who: Who::Address }
}

/// Tries by this person.
pub fn person(id: i64, max: i64) -> Counted {
    Counted { key: format!("person:{id}"), max, who: Who::Person(id) }
}

/// A try that was let through: its rows stay counted unless it is cleared.
#[derive(Debug)]
pub struct Attempt {
    action: &'static str,
    ids: Vec<i64>,
}

/// Records a try of `rule` against every key of `counted` and refuses it (TooMany) when
/// any of them is locked or now over its limit.
pub async fn tried(db: &Db, rule: &Rule, counted: &[Counted]) -> Result<Attempt> {
    let t = now();
    let keys: Vec<Arg> = counted.iter().map(|c| Arg::Text(c.key.clone())).collect();
    // Locked: refused before anything is written, so hammering a locked key costs a read.
    let mut locked = Sql::new("SELECT COUNT(*) FROM lockouts WHERE action = ");
    locked.bind_text(rule.action).push(" AND locked_until > ").bind_int(t).push(" AND limit_key IN ").bind_list(keys);
    if db.scalar::<i64>(&locked).await? > 0 {
        return Err(AppError::TooMany(rule.refusal.into()));
    }
    // One statement, committed on its own: a concurrent try counting after this sees it.
    let mut insert = Sql::new("INSERT INTO attempts (action, limit_key, at) VALUES ");
    for (i, c) in counted.iter().enumerate() {
        insert.push(if i == 0 { "(" } else { ", (" });
        insert.bind_text(rule.action).push(", ").bind_text(c.key.clone()).push(", ").bind_int(t).push(")");
    }
    insert.push(" RETURNING id");
    let ids: Vec<(i64,)> = db.fetch_all(&insert).await?;
    let attempt = Attempt { action: rule.action, ids: ids.into_iter().map(|(id,)| id).collect() };
    let since = t - rule.window_secs;
    let mut over = Vec::new();
    for c in counted {
        let n: i64 = db
            .scalar(&sql!(
                "SELECT COUNT(*) FROM attempts WHERE action = $1 AND limit_key = $2 AND at > $3",
                rule.action,
                &c.key,
                since
            ))
            .await?;
        if n > c.max {
            over.push(c);
        }
    }
    if over.is_empty() {
        return Ok(attempt);
    }
    // A refused try was never worked on: it does not count, and the table does not grow
    // while a locked key is hammered.
    attempt.withdrawn(db).await?;
    for c in over {
        lock(db, rule, c, t).await?;
    }
    Err(AppError::TooMany(rule.refusal.into()))
}

/// Locks `c` for the rule's window, auditing the lockout when it starts (not again for
/// every try that runs into it).
async fn lock(db: &Db, rule: &Rule, c: &Counted, t: i64) -> Result<()> {
    let mut tx = db.begin().await?;
    let started = tx
        .execute(&sql!(
            "INSERT INTO lockouts (action, limit_key, locked_until) VALUES ($1, $2, $3) \
             ON CONFLICT (action, limit_key) DO UPDATE SET locked_until = excluded.locked_until \
             WHERE lockouts.locked_until <= $4",
            rule.action,
            &c.key,
            t + rule.window_secs,
            t
        ))
        .await?;
    if started == 0 {
        return Ok(());
    }
    let (subject, shown) = match &c.who {
        Who::Email(e) => {
            let person: Option<(i64,)> =
                tx.fetch_optional(&sql!("SELECT id FROM people WHERE email_key = $1", e)).await?;
            (person.map(|(id,)| id), format!("with the email {e}"))
        }
        Who::Person(id) => (Some(*id), "by this person".to_string()),
        Who::Address => (None, format!("from the address {}", c.key.trim_start_matches("ip:"))),
    };
    let minutes = rule.window_secs / 60;
    audit::record_as(
        &mut tx,
        None,
        None,
        Record {
            subject,
            action: rule.locked,
            before: None,
            after: Some(format!("more than {} tries from {shown} in {minutes} minutes", c.max)),
        },
    )
    .await?;
    tx.commit().await
}

impl Attempt {
    /// Takes this try back (it was not worked on after all, e.g. the server was busy).
    pub async fn withdrawn(self, db: &Db) -> Result<()> {
        if self.ids.is_empty() {
            return Ok(());
        }
        let mut delete = Sql::new("DELETE FROM attempts WHERE id IN ");
        delete.bind_list(self.ids.into_iter().map(Arg::Int));
        db.execute(&delete).await?;
        Ok(())
    }

    /// The try succeeded: it does not count, and neither do the earlier tries against
    /// `clears` (a right password forgives its email's wrong ones).
    pub async fn succeeded(self, db: &Db, clears: &Counted) -> Result<()> {
        db.execute(&sql!("DELETE FROM attempts WHERE action = $1 AND limit_key = $2", self.action, &clears.key))
            .await?;
        self.withdrawn(db).await
    }
}

/// Deletes tries too old to count and lockouts that have ended (the hourly cleanup).
pub async fn prune(db: &Db) -> Result<u64> {
    let t = now();
    let tries = db.execute(&sql!("DELETE FROM attempts WHERE at <= $1", t - LONGEST_WINDOW_SECS)).await?;
    let locks = db.execute(&sql!("DELETE FROM lockouts WHERE locked_until <= $1", t)).await?;
    Ok(tries + locks)
}
