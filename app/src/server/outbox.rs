//! Every email Roster sends is first a row of the outbox, written in the transaction of
//! the change it reports; a sender delivers it later.

use super::db::Tx;
use super::now;
use crate::error::Result;
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
