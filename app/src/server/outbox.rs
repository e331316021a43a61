//! Every email Roster sends is first a row of the outbox, written in the transaction of
//! the change it reports; a sender delivers it later.

use super::db::{Sql, Tx};
use super::now;
use crate::error::Result;
use crate::model::{MailPage, MailRow};
use crate::sql;

pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

pub async fn enqueue(tx: &mut Tx, email: &Email) -> Result<()> {
    tx.execute(&sql!(
        "INSERT INTO outbox (recipient, subject, body_text, body_html, created_at) VALUES ($1, $2, $3, $4, $5)",
        &email.to,
        &email.subject,
        &email.text,
        &email.html,
        now()
    ))
    .await?;
    Ok(())
}

/// The outbox, newest first, `limit` at a time from before `before`, optionally only the
/// emails to `to` (the operators' Sent mail page).
pub async fn list(db: &super::db::Db, to: Option<&str>, before: Option<i64>, limit: i64) -> Result<MailPage> {
    let mut sql = Sql::new(
        "SELECT id, recipient, subject, body_text, created_at, sent_at, attempts, last_error FROM outbox WHERE 1 = 1",
    );
    if let Some(to) = to.map(str::trim).filter(|t| !t.is_empty()) {
        sql.push(" AND LOWER(recipient) = ").bind_text(to.to_lowercase());
    }
    if let Some(b) = before {
        sql.push(" AND id < ").bind_int(b);
    }
    sql.push(" ORDER BY id DESC LIMIT ").bind_int(limit + 1);
    let mut rows: Vec<MailRow> = db.fetch_all(&sql).await?;
    let older = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| r.id)
    } else {
        None
    };
    Ok(MailPage { rows, older })
}

/// Escapes text for an HTML body.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn html_is_escaped() {
        assert_eq!(super::html_escape("<b>O'Neil & co</b>"), "&lt;b&gt;O&#39;Neil &amp; co&lt;/b&gt;");
    }
}
