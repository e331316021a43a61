//! Every email Roster sends is first a row of the outbox, written in the transaction of
//! the change it reports; a sender delivers it later.

use crate::backend::db::{Sql, Tx};
use crate::backend::now;
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
pub async fn list(
    db: &crate::backend::db::Db,
    _operator: &crate::backend::access::Operator,
    to: Option<&str>,
    before: Option<i64>,
    limit: i64,
) -> Result<MailPage> {
    let mut sql = Sql::new(
        "SELECT id, recipient, subject, body_text, created_at, sent_at, attempts, last_error FROM outbox WHERE 1 = 1",
    );
    if let Some(to) = to.map(str::trim).filter(|t| !t.is_empty()) {
        sql.push(" AND LOWER(recipient) = ").bind_text(super::EmailAddress::key_of(to));
    }
    if let Some(b) = before {
        sql.push(" AND id < ").bind_int(b);
    }
    sql.push(" ORDER BY id DESC LIMIT ").bind_int(limit + 1);
    let mut rows: Vec<MailRow> = db.fetch_all(&sql).await?;
    // Operators read other people's mail here: a link that works would let them act as
    // its recipient (accept the invitation, choose the password).
    for row in &mut rows {
        row.body_text = hide_link_tokens(&row.body_text);
    }
    let older = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| r.id)
    } else {
        None
    };
    Ok(MailPage { rows, older })
}

/// Roster paths whose last segment is a secret: whoever holds such a link can accept
/// the invitation, choose the person's password or prove their email address.
const SECRET_LINK_PATHS: [&str; 3] = ["/invitations/", "/reset-password/", "/verify-email/"];

/// What stands in for a hidden token.
pub const HIDDEN_TOKEN: &str = "…";

/// `body` (text or HTML) with the token of every one-time link replaced by
/// `HIDDEN_TOKEN`: `https://roster.example/reset-password/…`. What the Sent mail page
/// shows, and what the outbox keeps of an email once it is delivered, so that neither an
/// operator nor a copy of the database can use a link meant for its recipient.
pub fn hide_link_tokens(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some((at, path)) =
        SECRET_LINK_PATHS.iter().filter_map(|p| rest.find(p).map(|i| (i, *p))).min_by_key(|(i, _)| *i)
    {
        let token_at = at + path.len();
        out.push_str(&rest[..token_at]);
        // The token runs to the end of the URL; sentence punctuation after it is kept.
        let run = rest[token_at..].find(ends_url).map_or(rest.len(), |n| token_at + n);
        let token_end = token_at + rest[token_at..run].trim_end_matches(['.', ',', ';', ':', '!', '?']).len();
        if token_end > token_at {
            out.push_str(HIDDEN_TOKEN);
        }
        rest = &rest[token_end..];
    }
    out.push_str(rest);
    out
}

/// Whether `c` cannot be part of a URL as it is written in a text or HTML email.
fn ends_url(c: char) -> bool {
    c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '(' | ')' | '[' | ']' | '{' | '}' | '`')
}

#[cfg(test)]
mod tests {
    use super::hide_link_tokens;

    #[test]
    fn one_time_link_tokens_are_hidden() {
        let token = "3f9a".repeat(16);
        for path in ["/invitations/", "/reset-password/", "/verify-email/"] {
            let text = format!("Follow it here:\nhttps://roster.example{path}{token}\n\nThanks.");
            let hidden = hide_link_tokens(&text);
            assert_eq!(hidden, format!("Follow it here:\nhttps://roster.example{path}…\n\nThanks."));
            let html = format!("<p><a href=\"https://roster.example{path}{token}\">Open</a> {path}{token}.</p>");
            let hidden = hide_link_tokens(&html);
            assert!(!hidden.contains(&token), "{hidden}");
            assert_eq!(hidden, format!("<p><a href=\"https://roster.example{path}…\">Open</a> {path}….</p>"));
        }
    }

    #[test]
    fn every_link_of_a_body_is_hidden_and_the_rest_kept() {
        let body = "a https://x/invitations/AbC-12_x?y=1&amp;z=2 b https://x/reset-password/t0k3n, \
                    c https://x/accounts/5/invitations d /verify-email/ e";
        assert_eq!(
            hide_link_tokens(body),
            "a https://x/invitations/… b https://x/reset-password/…, \
             c https://x/accounts/5/invitations d /verify-email/ e"
        );
        // Hiding twice changes nothing more.
        assert_eq!(hide_link_tokens(&hide_link_tokens(body)), hide_link_tokens(body));
        assert_eq!(hide_link_tokens("No links, façade…"), "No links, façade…");
    }
}
