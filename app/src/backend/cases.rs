//! Raising a support case (the part of SPEC F20 that the access rules of F12 need): only
//! an active member of the account may; anyone else, a deactivated member included, is
//! told "You are not a member of an Account".

use super::access::AccountMember;
use super::audit::{self, Record};
use super::db::Db;
use super::{now, token};
use crate::error::{AppError, Result};
use crate::model::{AuditAction, MemberStatus};
use crate::sql;

/// The product's wording (SPEC F12).
pub const NOT_A_MEMBER: &str = "You are not a member of an Account";

/// Opens a case on the member's account with them as its primary contact. Returns its
/// number.
pub async fn raise(db: &Db, member: &AccountMember, title: &str) -> Result<String> {
    let (actor, account, membership) = (member.actor(), member.account(), member.membership());
    let mut tx = db.begin().await?;
    // Still active now, in this transaction: a deactivation since the proof was made wins.
    let status: Option<(String,)> =
        tx.fetch_optional(&sql!("SELECT status FROM memberships WHERE id = $1", membership)).await?;
    if !matches!(status, Some((s,)) if s == MemberStatus::Active.as_str()) {
        return Err(AppError::Forbidden(NOT_A_MEMBER.into()));
    }
    let title = super::checked_text(title, 200, "Describe the problem in a title of at most 200 characters.")?;
    // The number is made from the id, which only the insert gives.
    let (placeholder, _) = token::new();
    let id: i64 = tx
        .scalar(&sql!(
            "INSERT INTO cases (account_id, number, title, status, primary_contact_id, opened_at) \
             VALUES ($1, $2, $3, 'open', $4, $5) RETURNING id",
            account,
            placeholder,
            &title,
            actor.person_id,
            now()
        ))
        .await?;
    let number = format!("C-{id:07}");
    tx.execute(&sql!("UPDATE cases SET number = $1 WHERE id = $2", &number, id)).await?;
    tx.execute(&sql!("UPDATE memberships SET cases_owned = cases_owned + 1 WHERE id = $1", membership)).await?;
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
    Ok(number)
}
