//! Support cases (SPEC F20): raising one, the case list, a case's page with its people,
//! and the pulse feed with the notifications it sends. Who may do what is in the proofs:
//! an `AccountMember` raises, a `CaseReader` reads, follows and posts, an `AccountAdmin`
//! changes a case's contacts.

pub mod case;
pub mod list;
pub mod pulse;

use super::access::AccountMember;
use super::audit::{self, Record};
use super::db::{Db, Tx};
use super::{now, token};
use crate::error::{AppError, Result};
use crate::model::{AccountId, AuditAction, CaseId, MemberStatus, MAX_CASE_DESCRIPTION, MAX_CASE_TITLE};
use crate::sql;

/// The product's wording (SPEC F12).
pub const NOT_A_MEMBER: &str = "You are not a member of an Account";
pub use crate::model::NO_SUCH_CASE;

/// Whether `case` is a case of `account` that `person` is on (primary contact,
/// additional contact or follower); with `person` `None` (an administrator), whether
/// it is a case of `account` at all.
pub async fn visible(db: &Db, account: AccountId, case: CaseId, person: Option<i64>) -> Result<bool> {
    let found: Option<(i64,)> = match person {
        None => {
            db.fetch_optional(&sql!("SELECT id FROM cases WHERE id = $1 AND account_id = $2", case, account)).await?
        }
        Some(person) => db.fetch_optional(&sql!(ON_CASE, case, account, person)).await?,
    };
    Ok(found.is_some())
}

/// `$1` case, `$2` account, `$3` person: one row when the person is on the case.
const ON_CASE: &str = "SELECT c.id FROM cases c WHERE c.id = $1 AND c.account_id = $2 AND (c.primary_contact_id = $3 \
     OR EXISTS (SELECT 1 FROM case_contacts x WHERE x.case_id = c.id AND x.person_id = $3) \
     OR EXISTS (SELECT 1 FROM case_followers f WHERE f.case_id = c.id AND f.person_id = $3))";

/// Whether `person` is an active member of `account`, read in the transaction that is
/// about to act on it (a deactivation since the proof was made wins).
async fn active_member(tx: &mut Tx, account: AccountId, person: i64) -> Result<bool> {
    let status: Option<(String,)> = tx
        .fetch_optional(&sql!(
            "SELECT status FROM memberships WHERE account_id = $1 AND person_id = $2",
            account,
            person
        ))
        .await?;
    Ok(matches!(status, Some((s,)) if s == MemberStatus::Active.as_str()))
}

/// Starts a change of one case: marks it updated, which on PostgreSQL locks its row and
/// on SQLite takes the write lock as the transaction's first statement, so two changes
/// of one case run one after the other. A case of another account is not found.
async fn begin_case_change(db: &Db, account: AccountId, case: CaseId) -> Result<Tx> {
    let mut tx = db.begin().await?;
    let touched = tx
        .execute(&sql!("UPDATE cases SET updated_at = $1 WHERE id = $2 AND account_id = $3", now(), case, account))
        .await?;
    if touched == 0 {
        return Err(AppError::not_found(NO_SUCH_CASE));
    }
    Ok(tx)
}

/// Text of several lines (a description, a pulse message): trimmed, line ends made
/// `\n`, at most `max` characters; control characters other than line breaks and tabs
/// and text-direction marks are refused with `message`, as an empty text is.
pub fn checked_message(text: &str, max: usize, message: &str) -> Result<String> {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let text = text.trim();
    if text.chars().any(|c| c != '\n' && c != '\t' && crate::model::is_hidden_char(c)) {
        return Err(AppError::invalid(format!(
            "{message} Use visible characters only: control characters and text-direction marks are not accepted."
        )));
    }
    if text.is_empty() || text.chars().count() > max {
        return Err(AppError::invalid(message));
    }
    Ok(text.to_string())
}

/// Opens a case on the member's account with them as its primary contact. Returns its
/// id and number.
pub async fn raise(db: &Db, member: &AccountMember, title: &str, description: &str) -> Result<(CaseId, String)> {
    let (actor, account, membership) = (member.actor(), member.account(), member.membership());
    let title = super::checked_text(
        title,
        MAX_CASE_TITLE,
        format!("Describe the problem in a title of at most {MAX_CASE_TITLE} characters."),
    )?;
    let description = match description.trim() {
        "" => String::new(),
        d => checked_message(
            d,
            MAX_CASE_DESCRIPTION,
            &format!("Keep the description to {MAX_CASE_DESCRIPTION} characters."),
        )?,
    };
    // The membership row is written first: it takes SQLite's write lock at once and
    // re-reads the membership, which must still be active now, in this transaction.
    let mut tx = db.begin().await?;
    let counted = tx
        .execute(&sql!(
            "UPDATE memberships SET cases_owned = cases_owned + 1 WHERE id = $1 AND status = $2",
            membership,
            MemberStatus::Active.as_str()
        ))
        .await?;
    if counted == 0 {
        return Err(AppError::Forbidden(NOT_A_MEMBER.into()));
    }
    // The number is made from the id, which only the insert gives.
    let (placeholder, _) = token::new();
    let at = now();
    let id: i64 = tx
        .scalar(&sql!(
            "INSERT INTO cases (account_id, number, title, title_key, description, status, primary_contact_id, \
             primary_name, primary_name_key, opened_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, 'open', $6, $7, $8, $9, $9) RETURNING id",
            account,
            placeholder,
            &title,
            title.to_lowercase(),
            &description,
            actor.person_id,
            &actor.name,
            actor.name.to_lowercase(),
            at
        ))
        .await?;
    let number = format!("C-{id:07}");
    tx.execute(&sql!("UPDATE cases SET number = $1 WHERE id = $2", &number, id)).await?;
    audit::record_as(
        &mut tx,
        Some(actor.person_id),
        Some(account),
        Record {
            subject: Some(actor.person_id),
            action: AuditAction::CaseRaised,
            before: None,
            after: Some(format!("{number}: {title}")),
        },
    )
    .await?;
    tx.commit().await?;
    Ok((CaseId(id), number))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_keep_their_lines_and_refuse_hidden_marks() {
        assert_eq!(checked_message("  a\r\nb\n\n c  ", 10, "m").unwrap(), "a\nb\n\n c");
        assert!(checked_message("   \n ", 10, "m").is_err());
        assert!(checked_message("12345678901", 10, "m").is_err());
        assert!(checked_message("a\u{202E}b", 10, "m").is_err());
        assert!(checked_message("a\u{0}b", 10, "m").is_err());
        assert_eq!(checked_message("a\tb", 10, "m").unwrap(), "a\tb");
    }
}
