//! One case: its page, following it, its contacts, resolving and reopening it. Each
//! change runs in one transaction that starts by locking the case (`begin_case_change`)
//! and is audited.

use super::{begin_case_change, NOT_A_MEMBER, NO_SUCH_CASE};
use crate::backend::access::{AccountAdmin, CaseReader};
use crate::backend::audit::{self, Record};
use crate::backend::db::{Db, Tx};
use crate::backend::mail::EmailAddress;
use crate::backend::now;
use crate::error::{AppError, Result};
use crate::model::{AccountId, AuditAction, CaseId, CasePerson, CaseStatus, CaseView, PersonId};
use crate::sql;

#[derive(sqlx::FromRow)]
struct Stored {
    number: String,
    title: String,
    description: String,
    #[sqlx(try_from = "String")]
    status: CaseStatus,
    primary_contact_id: Option<i64>,
    opened_at: i64,
    updated_at: i64,
    account_name: String,
}

/// The case as its page shows it to the reader.
pub async fn view(db: &Db, reader: &CaseReader) -> Result<CaseView> {
    let (case, account) = (reader.case(), reader.account());
    let c: Stored = db
        .fetch_optional(&sql!(
            "SELECT c.number, c.title, c.description, c.status, c.primary_contact_id, c.opened_at, c.updated_at, \
             a.name AS account_name FROM cases c JOIN accounts a ON a.id = c.account_id \
             WHERE c.id = $1 AND c.account_id = $2",
            case,
            account
        ))
        .await?
        .ok_or_else(|| AppError::not_found(NO_SUCH_CASE))?;
    let people = |table: &str| {
        sql!(
            format!(
                "SELECT p.id AS person_id, p.display_name AS name, p.email FROM {table} t \
                 JOIN people p ON p.id = t.person_id WHERE t.case_id = $1 ORDER BY p.name_key, p.id"
            ),
            case
        )
    };
    let contacts: Vec<CasePerson> = db.fetch_all(&people("case_contacts")).await?;
    let followers: Vec<CasePerson> = db.fetch_all(&people("case_followers")).await?;
    let primary: Option<CasePerson> = match c.primary_contact_id {
        Some(p) => {
            db.fetch_optional(&sql!("SELECT id AS person_id, display_name AS name, email FROM people WHERE id = $1", p))
                .await?
        }
        None => None,
    };
    let me = reader.actor().person_id;
    let is_primary = c.primary_contact_id == Some(me);
    Ok(CaseView {
        id: case,
        account: account.0,
        account_name: c.account_name,
        number: c.number,
        title: c.title,
        description: c.description,
        status: c.status,
        opened_at: c.opened_at,
        updated_at: c.updated_at,
        following: followers.iter().any(|f| f.person_id == me),
        primary,
        contacts,
        followers,
        may_manage: reader.is_admin(),
        may_resolve: reader.is_admin() || is_primary,
    })
}

/// Starts following the case, or stops. Following takes an active membership of the
/// account (SPEC F12); a vendor operator who is not a member cannot. Returns whether
/// anything changed.
pub async fn follow(db: &Db, reader: &CaseReader, on: bool) -> Result<bool> {
    let (account, case, me) = (reader.account(), reader.case(), reader.actor().person_id);
    let mut tx = begin_case_change(db, account, case).await?;
    if on && !super::active_member(&mut tx, account, me).await? {
        return Err(AppError::Forbidden(NOT_A_MEMBER.into()));
    }
    let changed = if on {
        let already: Option<(i64,)> = tx
            .fetch_optional(&sql!(
                "SELECT person_id FROM case_followers WHERE case_id = $1 AND person_id = $2",
                case,
                me
            ))
            .await?;
        if already.is_some() {
            0
        } else {
            tx.execute(&sql!("INSERT INTO case_followers (case_id, person_id) VALUES ($1, $2)", case, me)).await?
        }
    } else {
        tx.execute(&sql!("DELETE FROM case_followers WHERE case_id = $1 AND person_id = $2", case, me)).await?
    };
    if changed == 0 {
        return Ok(false);
    }
    let number = state(&mut tx, case).await?.number;
    let action = if on { AuditAction::CaseFollowed } else { AuditAction::CaseUnfollowed };
    audit::record_as(
        &mut tx,
        Some(me),
        Some(account),
        Record { subject: Some(me), action, before: None, after: Some(number) },
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// An active member of the account by email, with their name; or the refusal, which
/// names nobody (the email may be anyone's).
async fn member_by_email(tx: &mut Tx, account: AccountId, email: &str) -> Result<(PersonId, String)> {
    let found: Option<(i64, String)> = tx
        .fetch_optional(&sql!(
            "SELECT m.person_id, m.name FROM memberships m WHERE m.account_id = $1 AND m.email_key = $2 \
             AND m.status = 'active'",
            account,
            EmailAddress::key_of(email)
        ))
        .await?;
    found.map(|(id, name)| (PersonId(id), name)).ok_or_else(|| {
        AppError::invalid(
            "Enter the email of an active member of this account: only they can be contacts of its cases.",
        )
    })
}

/// Moves one open case from `from` to `to` in the members' "Cases owned" counts.
async fn move_owned(tx: &mut Tx, account: AccountId, from: Option<i64>, to: Option<i64>) -> Result<()> {
    for (person, step) in [(from, -1_i64), (to, 1)] {
        if let Some(person) = person {
            tx.execute(&sql!(
                "UPDATE memberships SET cases_owned = cases_owned + $1 WHERE account_id = $2 AND person_id = $3",
                step,
                account,
                person
            ))
            .await?;
        }
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct State {
    number: String,
    #[sqlx(try_from = "String")]
    status: CaseStatus,
    primary_contact_id: Option<i64>,
    primary_name: String,
}

async fn state(tx: &mut Tx, case: CaseId) -> Result<State> {
    tx.fetch_optional(&sql!("SELECT number, status, primary_contact_id, primary_name FROM cases WHERE id = $1", case))
        .await?
        .ok_or_else(|| AppError::not_found(NO_SUCH_CASE))
}

/// Makes an active member of the account the case's primary contact (administrators
/// only). The former primary contact stays on the case as an additional contact.
pub async fn set_primary(db: &Db, admin: &AccountAdmin, case: CaseId, email: &str) -> Result<String> {
    let account = admin.account();
    let mut tx = begin_case_change(db, account, case).await?;
    let (person, name) = member_by_email(&mut tx, account, email).await?;
    let s = state(&mut tx, case).await?;
    if s.primary_contact_id == Some(person.0) {
        return Ok(format!("{name} is already the primary contact of {}.", s.number));
    }
    tx.execute(&sql!(
        "UPDATE cases SET primary_contact_id = $1, primary_name = $2, primary_name_key = $3 WHERE id = $4",
        person,
        &name,
        name.to_lowercase(),
        case
    ))
    .await?;
    tx.execute(&sql!("DELETE FROM case_contacts WHERE case_id = $1 AND person_id = $2", case, person)).await?;
    if let Some(former) = s.primary_contact_id {
        tx.execute(&sql!("DELETE FROM case_contacts WHERE case_id = $1 AND person_id = $2", case, former)).await?;
        tx.execute(&sql!("INSERT INTO case_contacts (case_id, person_id) VALUES ($1, $2)", case, former)).await?;
    }
    if s.status == CaseStatus::Open {
        move_owned(&mut tx, account, s.primary_contact_id, Some(person.0)).await?;
    }
    audit::record(
        &mut tx,
        admin,
        Record {
            subject: Some(person.0),
            action: AuditAction::CasePrimaryChanged,
            before: Some(format!(
                "{}: {}",
                s.number,
                if s.primary_name.is_empty() { "nobody" } else { &s.primary_name }
            )),
            after: Some(format!("{}: {name}", s.number)),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(format!("{name} is now the primary contact of {}.", s.number))
}

/// Adds an active member of the account to the case's additional contacts, or takes
/// one off (administrators only).
pub async fn set_contact(db: &Db, admin: &AccountAdmin, case: CaseId, email: &str, on: bool) -> Result<String> {
    let account = admin.account();
    let mut tx = begin_case_change(db, account, case).await?;
    let s = state(&mut tx, case).await?;
    let (person, name) = if on {
        member_by_email(&mut tx, account, email).await?
    } else {
        let found: Option<(i64, String)> = tx
            .fetch_optional(&sql!(
                "SELECT p.id, p.display_name FROM case_contacts x JOIN people p ON p.id = x.person_id \
                 WHERE x.case_id = $1 AND p.email_key = $2",
                case,
                EmailAddress::key_of(email)
            ))
            .await?;
        match found {
            Some((id, n)) => (PersonId(id), n),
            None => return Err(AppError::not_found("That person is not an additional contact of this case.")),
        }
    };
    if on {
        if s.primary_contact_id == Some(person.0) {
            return Err(AppError::invalid(format!("{name} is the primary contact of {} already.", s.number)));
        }
        let already: Option<(i64,)> = tx
            .fetch_optional(&sql!(
                "SELECT person_id FROM case_contacts WHERE case_id = $1 AND person_id = $2",
                case,
                person
            ))
            .await?;
        if already.is_some() {
            return Ok(format!("{name} is already a contact of {}.", s.number));
        }
        tx.execute(&sql!("INSERT INTO case_contacts (case_id, person_id) VALUES ($1, $2)", case, person)).await?;
    } else {
        tx.execute(&sql!("DELETE FROM case_contacts WHERE case_id = $1 AND person_id = $2", case, person)).await?;
    }
    let action = if on { AuditAction::CaseContactAdded } else { AuditAction::CaseContactRemoved };
    audit::record(
        &mut tx,
        admin,
        Record { subject: Some(person.0), action, before: None, after: Some(s.number.clone()) },
    )
    .await?;
    tx.commit().await?;
    Ok(if on {
        format!("{name} is now a contact of {}.", s.number)
    } else {
        format!("{name} is no longer a contact of {}.", s.number)
    })
}

/// Resolves or reopens the case: its primary contact (an active member) or an
/// administrator of the account.
pub async fn set_status(db: &Db, reader: &CaseReader, status: CaseStatus) -> Result<String> {
    let (account, case, me) = (reader.account(), reader.case(), reader.actor().person_id);
    let mut tx = begin_case_change(db, account, case).await?;
    let s = state(&mut tx, case).await?;
    if !reader.is_admin() {
        if !super::active_member(&mut tx, account, me).await? {
            return Err(AppError::Forbidden(NOT_A_MEMBER.into()));
        }
        if s.primary_contact_id != Some(me) {
            return Err(AppError::Forbidden(
                "Only the case's primary contact or an administrator of the account can resolve or reopen it.".into(),
            ));
        }
    }
    if s.status == status {
        return Ok(format!("{} is {} already.", s.number, status.label().to_lowercase()));
    }
    let resolved_at = (status == CaseStatus::Resolved).then(now);
    tx.execute(&sql!(
        "UPDATE cases SET status = $1, resolved_at = $2 WHERE id = $3",
        status.as_str(),
        resolved_at,
        case
    ))
    .await?;
    // "Cases owned" counts open cases.
    let (from, to) = match status {
        CaseStatus::Resolved => (s.primary_contact_id, None),
        CaseStatus::Open => (None, s.primary_contact_id),
    };
    move_owned(&mut tx, account, from, to).await?;
    let action = if status == CaseStatus::Resolved { AuditAction::CaseResolved } else { AuditAction::CaseReopened };
    audit::record_as(
        &mut tx,
        Some(me),
        Some(account),
        Record { subject: s.primary_contact_id, action, before: None, after: Some(s.number.clone()) },
    )
    .await?;
    tx.commit().await?;
    Ok(match status {
        CaseStatus::Resolved => format!("{} is resolved.", s.number),
        CaseStatus::Open => format!("{} is open again.", s.number),
    })
}
