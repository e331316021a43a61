//! The append-only audit log.

use super::access::AccountAdmin;
use super::db::{Db, Tx};
use super::now;
use crate::error::Result;
use crate::model::{AccountId, AuditAction, AuditEntry, AuditPage, PersonId};
use crate::sql;

pub struct Record {
    pub subject: Option<i64>,
    pub action: AuditAction,
    pub before: Option<String>,
    pub after: Option<String>,
}

pub async fn record(tx: &mut Tx, admin: &AccountAdmin, r: Record) -> Result<()> {
    insert(tx, Some(admin.actor().person_id), Some(admin.account()), admin.token(), r).await
}

/// An entry by someone who is not acting as an account's administrator (a person
/// accepting an invitation, a vendor operator in the console, a password reset).
pub async fn record_as(tx: &mut Tx, actor: Option<i64>, account: Option<AccountId>, r: Record) -> Result<()> {
    insert(tx, actor, account, None, r).await
}

async fn insert(
    tx: &mut Tx,
    actor: Option<i64>,
    account: Option<AccountId>,
    token: Option<i64>,
    r: Record,
) -> Result<()> {
    tx.execute(&sql!(
        "INSERT INTO audit_log (at, actor_id, account_id, subject_person_id, action, before, after, token_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        now(),
        actor,
        account.map(|a| a.0),
        r.subject,
        r.action.key(),
        r.before,
        r.after,
        token
    ))
    .await?;
    Ok(())
}

// A change made through an API token is shown under the token's name.
const ENTRY: &str = "SELECT a.id, a.at, \
     CASE WHEN t.id IS NULL THEN actor.display_name \
     ELSE 'API token \"' || t.name || '\" of ' || COALESCE(actor.display_name, 'someone') END AS actor, \
     subject.display_name AS subject, a.action, a.before, a.after FROM audit_log a \
     LEFT JOIN people actor ON actor.id = a.actor_id \
     LEFT JOIN api_tokens t ON t.id = a.token_id \
     LEFT JOIN people subject ON subject.id = a.subject_person_id";

/// The account's audit history, newest first, optionally of one person, in pages.
pub async fn list(
    db: &Db,
    admin: &AccountAdmin,
    subject: Option<PersonId>,
    before_id: Option<i64>,
    limit: i64,
) -> Result<AuditPage> {
    let mut sql = crate::backend::db::Sql::new(ENTRY);
    sql.push(" WHERE a.account_id = ").bind_int(admin.account().0);
    if let Some(s) = subject {
        sql.push(" AND a.subject_person_id = ").bind_int(s.0);
    }
    if let Some(b) = before_id {
        sql.push(" AND a.id < ").bind_int(b);
    }
    sql.push(" ORDER BY a.id DESC LIMIT ").bind_int(limit + 1);
    let mut entries: Vec<AuditEntry> = db.fetch_all(&sql).await?;
    let more = entries.len() as i64 > limit;
    entries.truncate(limit as usize);
    let next = if more { entries.last().map(|e| e.id) } else { None };
    Ok(AuditPage { entries, next })
}
