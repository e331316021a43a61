//! The pulse feed of a case and the notifications it sends: posting notifies the
//! case's primary contact, additional contacts and followers who are active members of
//! the account, never the author (a notification row each, and an email to those who
//! asked for pulse emails).

use super::{active_member, begin_case_change, checked_message, NOT_A_MEMBER};
use crate::backend::access::{Actor, CaseReader};
use crate::backend::audit::{self, Record};
use crate::backend::db::Db;
use crate::backend::mail::{outbox, templates};
use crate::backend::{keyset, now, site_url};
use crate::error::{AppError, Result};
use crate::model::{
    AuditAction, CaseStatus, Cursor, CursorKey, Notification, NotificationPage, PageCursor, PulseMessage, PulsePage,
    MAX_PULSE_MESSAGE, NOTIFICATION_PAGE, PULSE_PAGE,
};
use crate::sql;

/// The people a new message on `$1` (a case of account `$2`) notifies, but for the
/// author `$3`: those on the case who are active members of the account with portal
/// access.
fn recipients() -> String {
    format!(
        "SELECT r.person_id FROM (\
         SELECT primary_contact_id AS person_id FROM cases WHERE id = $1 AND primary_contact_id IS NOT NULL \
         UNION SELECT person_id FROM case_contacts WHERE case_id = $1 \
         UNION SELECT person_id FROM case_followers WHERE case_id = $1) r \
         JOIN memberships m ON m.account_id = $2 AND m.person_id = r.person_id AND m.status = 'active' \
         WHERE r.person_id <> $3 AND {}",
        crate::backend::access::gives_access("m")
    )
}

/// Posts a message on the case. The author must be an active member of the account and
/// the case open: a resolved case is reopened first by its primary contact or an
/// administrator. Returns the message's id.
pub async fn post(db: &Db, reader: &CaseReader, body: &str) -> Result<i64> {
    let (account, case, author) = (reader.account(), reader.case(), reader.actor());
    let body = checked_message(
        body,
        MAX_PULSE_MESSAGE,
        &format!("Write a message of at most {MAX_PULSE_MESSAGE} characters."),
    )?;
    let mut tx = begin_case_change(db, account, case).await?;
    if !active_member(&mut tx, account, author.person_id).await? {
        return Err(AppError::Forbidden(NOT_A_MEMBER.into()));
    }
    let (number, title, status): (String, String, String) = tx
        .fetch_optional(&sql!("SELECT number, title, status FROM cases WHERE id = $1", case))
        .await?
        .ok_or_else(|| AppError::not_found(super::NO_SUCH_CASE))?;
    if status != CaseStatus::Open.as_str() {
        return Err(AppError::Conflict(format!(
            "{number} is resolved: reopen it to post. Its primary contact or an administrator can reopen it."
        )));
    }
    let at = now();
    let id: i64 = tx
        .scalar(&sql!(
            "INSERT INTO pulse_messages (case_id, author_id, body, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
            case,
            author.person_id,
            &body,
            at
        ))
        .await?;
    tx.execute(&sql!(
        format!(
            "INSERT INTO notifications (person_id, case_id, message_id, created_at) \
             SELECT q.person_id, $1, $4, $5 FROM ({}) q",
            recipients()
        ),
        case,
        account,
        author.person_id,
        id,
        at
    ))
    .await?;
    let emailed: Vec<(String, String)> = tx
        .fetch_all(&sql!(
            format!(
                "SELECT p.email, p.display_name FROM ({}) q JOIN people p ON p.id = q.person_id \
                 WHERE p.pulse_emails",
                recipients()
            ),
            case,
            account,
            author.person_id
        ))
        .await?;
    let link = format!("{}/accounts/{}/cases/{}", site_url(), account, case);
    for (email, name) in emailed {
        outbox::enqueue(&mut tx, &templates::pulse_message(&email, &name, &author.name, &number, &title, &body, &link))
            .await?;
    }
    audit::record_as(
        &mut tx,
        Some(author.person_id),
        Some(account),
        Record { subject: None, action: AuditAction::PulsePosted, before: None, after: Some(number) },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A page of the case's pulse feed, oldest first: from the start, after a message, or
/// before one (`i64::MAX` for the latest page).
pub async fn page(db: &Db, reader: &CaseReader, at: Option<PageCursor>) -> Result<PulsePage> {
    let ascending = keyset::ascending(crate::model::SortDir::Asc, at.as_ref());
    let mut sql = sql!(
        "SELECT m.id, p.display_name AS author, m.body, m.created_at FROM pulse_messages m \
         LEFT JOIN people p ON p.id = m.author_id WHERE m.case_id = $1",
        reader.case()
    );
    if let Some(PageCursor::After(c) | PageCursor::Before(c)) = &at {
        sql.push(if ascending { " AND m.id > " } else { " AND m.id < " }).bind_int(c.id);
    }
    sql.push(if ascending { " ORDER BY m.id ASC LIMIT " } else { " ORDER BY m.id DESC LIMIT " })
        .bind_int(i64::from(PULSE_PAGE) + 1);
    let rows: Vec<PulseMessage> = db.fetch_all(&sql).await?;
    let (messages, older, newer) =
        keyset::finish(rows, PULSE_PAGE, at.as_ref(), |m| Cursor { key: CursorKey::Int(m.id), id: m.id });
    Ok(PulsePage { messages, older: older.map(|c| c.id), newer: newer.map(|c| c.id) })
}

/// Marks the reader's notifications of this case read: they have seen its page.
pub async fn mark_case_read(db: &Db, reader: &CaseReader) -> Result<()> {
    db.execute(&sql!(
        "UPDATE notifications SET read_at = $1 WHERE person_id = $2 AND case_id = $3 AND read_at IS NULL",
        now(),
        reader.actor().person_id,
        reader.case()
    ))
    .await?;
    Ok(())
}

/// How many notifications the person has not read.
pub async fn unread(db: &Db, actor: &Actor) -> Result<i64> {
    db.scalar(&sql!("SELECT COUNT(*) FROM notifications WHERE person_id = $1 AND read_at IS NULL", actor.person_id))
        .await
}

/// The person's notifications, newest first, from before `before`.
pub async fn notifications(db: &Db, actor: &Actor, before: Option<i64>) -> Result<NotificationPage> {
    let mut sql = sql!(
        "SELECT n.id, c.account_id, c.id AS case_id, c.number AS case_number, c.title AS case_title, \
         p.display_name AS author, COALESCE(m.body, '') AS excerpt, n.created_at, (n.read_at IS NOT NULL) AS read \
         FROM notifications n JOIN cases c ON c.id = n.case_id \
         LEFT JOIN pulse_messages m ON m.id = n.message_id LEFT JOIN people p ON p.id = m.author_id \
         WHERE n.person_id = $1",
        actor.person_id
    );
    if let Some(before) = before {
        sql.push(" AND n.id < ").bind_int(before);
    }
    sql.push(" ORDER BY n.id DESC LIMIT ").bind_int(i64::from(NOTIFICATION_PAGE) + 1);
    let mut items: Vec<Notification> = db.fetch_all(&sql).await?;
    let next = (items.len() > NOTIFICATION_PAGE as usize).then(|| items[NOTIFICATION_PAGE as usize - 1].id);
    items.truncate(NOTIFICATION_PAGE as usize);
    for n in &mut items {
        n.excerpt = excerpt(&n.excerpt);
    }
    Ok(NotificationPage { items, next, unread: unread(db, actor).await? })
}

/// The start of a message, on one line.
fn excerpt(body: &str) -> String {
    const MAX: usize = 140;
    let line = crate::backend::one_line(body);
    if line.chars().count() <= MAX {
        line
    } else {
        format!("{}…", line.chars().take(MAX).collect::<String>())
    }
}

/// Marks every notification of the person read. Returns how many were unread.
pub async fn mark_all_read(db: &Db, actor: &Actor) -> Result<u64> {
    db.execute(&sql!(
        "UPDATE notifications SET read_at = $1 WHERE person_id = $2 AND read_at IS NULL",
        now(),
        actor.person_id
    ))
    .await
}

/// Whether the person gets an email for each pulse message that notifies them.
pub async fn pulse_emails(db: &Db, actor: &Actor) -> Result<bool> {
    db.scalar(&sql!("SELECT pulse_emails FROM people WHERE id = $1", actor.person_id)).await
}

pub async fn set_pulse_emails(db: &Db, actor: &Actor, on: bool) -> Result<()> {
    db.execute(&sql!("UPDATE people SET pulse_emails = $1 WHERE id = $2", on, actor.person_id)).await?;
    Ok(())
}
