//! The outbox sender: delivers the rows of `outbox` through the SMTP relay named by
//! `SMTP_URL`, retrying failures with a growing delay. Without `SMTP_URL` nothing is sent
//! and the outbox only fills.
//!
//! `SMTP_URL` forms (lettre's, with a safer default for bare `smtp://`):
//! - `smtp://user:pass@relay:587`: STARTTLS, required (lettre's `?tls=required`);
//! - `smtp://relay:587?tls=opportunistic`: STARTTLS when the relay offers it;
//! - `smtps://user:pass@relay:465`: TLS from the first byte;
//! - `smtp://127.0.0.1:2525?tls=none`: plain text, for a local relay.
//!
//! Delivery is at least once: a row is claimed (its `next_attempt_at` pushed past the
//! send) before it is sent, so two senders do not both send it, and a sender that dies
//! mid-send leaves it to be retried once the claim runs out.

use std::time::Duration;

use anyhow::{anyhow, Context};
use app::backend::mail::outbox::hide_link_tokens;
use app::backend::{now, Db};
use app::sql;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::database::redact;

/// The sender used when `MAIL_FROM` is not set.
pub const DEFAULT_FROM: &str = "Roster <roster@localhost>";
/// Messages taken per pass.
pub const BATCH: i64 = 50;
/// After this many failed attempts a message is left unsent, with its last error.
pub const MAX_ATTEMPTS: i64 = 12;
/// How often the background task looks for due mail.
const INTERVAL: Duration = Duration::from_secs(5);
/// A claimed message is not taken by another pass for this long (longer than a send can
/// take with `SMTP_TIMEOUT`).
const CLAIM_SECS: i64 = 600;
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest `last_error` kept.
const ERROR_CHARS: usize = 300;

/// The delay before the next attempt after `attempts` failed ones: 30 s, 1 min, 2 min, …,
/// at most an hour.
pub fn backoff_secs(attempts: i64) -> i64 {
    let doublings = attempts.saturating_sub(1).clamp(0, 7) as u32;
    (30i64 << doublings).min(3600)
}

/// An outbox row due for sending.
#[derive(sqlx::FromRow)]
struct Due {
    id: i64,
    recipient: String,
    subject: String,
    body_text: String,
    body_html: String,
    attempts: i64,
    created_at: i64,
    next_attempt_at: i64,
}

pub struct Mailer {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
}

impl Mailer {
    /// From `SMTP_URL` (unset or empty: send nothing) and `MAIL_FROM`.
    pub fn from_env() -> anyhow::Result<Mailer> {
        let url = std::env::var("SMTP_URL").ok().filter(|u| !u.trim().is_empty());
        let from = std::env::var("MAIL_FROM").ok().filter(|f| !f.trim().is_empty());
        Mailer::new(url.as_deref(), from.as_deref().unwrap_or(DEFAULT_FROM))
    }

    pub fn new(smtp_url: Option<&str>, from: &str) -> anyhow::Result<Mailer> {
        let from: Mailbox = from.parse().with_context(|| format!("MAIL_FROM is not an email address: {from}"))?;
        let transport = match smtp_url {
            None => None,
            Some(url) => {
                let lettre_url = lettre_url(url).with_context(|| format!("invalid SMTP_URL {}", redact(url)))?;
                let builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(&lettre_url)
                    .map_err(|e| anyhow!("invalid SMTP_URL {}: {e}", redact(url)))?;
                Some(builder.timeout(Some(SMTP_TIMEOUT)).build())
            }
        };
        Ok(Mailer { transport, from })
    }

    /// Whether a relay is configured.
    pub fn is_enabled(&self) -> bool {
        self.transport.is_some()
    }

    /// Starts the background sender: a pass now and then every few seconds (at once again
    /// while passes come back full). Without a relay, only logs that mail stays unsent.
    /// Once `stop` turns true the sender finishes the message it is sending, if any, and
    /// ends; the returned handle says when it has.
    pub fn spawn(self, db: Db, stop: tokio::sync::watch::Receiver<bool>) -> tokio::task::JoinHandle<()> {
        let scrub_db = db.clone();
        tokio::spawn(async move {
            if let Err(e) = hide_delivered_tokens(&scrub_db).await {
                tracing::warn!("hiding the links of delivered mail failed: {e:#}");
            }
        });
        if !self.is_enabled() {
            tracing::info!("SMTP_URL is not set: outgoing mail is kept in the outbox, unsent");
            return tokio::spawn(async {});
        }
        tokio::spawn(async move {
            let mut stop = stop;
            let mut ticks = tokio::time::interval(INTERVAL);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = ticks.tick() => {}
                    _ = stop.wait_for(|s| *s) => return,
                }
                loop {
                    if *stop.borrow() {
                        return;
                    }
                    match self.pass_until(&db, &stop).await {
                        Ok((taken, sent)) => {
                            if sent > 0 || taken > sent {
                                tracing::info!(sent, failed = taken - sent, "outbox pass");
                            }
                            if (taken as i64) < BATCH {
                                break;
                            }
                        }
                        Err(e) => {
                            tracing::warn!("outbox pass failed: {e:#}");
                            break;
                        }
                    }
                }
            }
        })
    }

    /// One pass: sends the due messages of a batch; returns how many were sent.
    pub async fn send_due(&self, db: &Db) -> anyhow::Result<usize> {
        let (_keep, never) = tokio::sync::watch::channel(false);
        Ok(self.pass_until(db, &never).await?.1)
    }

    /// (messages taken, messages sent). Stops between messages once `stop` is true: a
    /// message not yet claimed stays due for the next start (or another instance).
    async fn pass_until(&self, db: &Db, stop: &tokio::sync::watch::Receiver<bool>) -> anyhow::Result<(usize, usize)> {
        let Some(transport) = &self.transport else { return Ok((0, 0)) };
        let due: Vec<Due> = db
            .fetch_all(&sql!(
                "SELECT id, recipient, subject, body_text, body_html, attempts, created_at, next_attempt_at \
                 FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= $1 AND attempts < $2 ORDER BY id LIMIT $3",
                now(),
                MAX_ATTEMPTS,
                BATCH
            ))
            .await?;
        let taken = due.len();
        let mut sent = 0;
        for Due {
            id,
            recipient: to,
            subject,
            body_text: text,
            body_html: html,
            attempts,
            created_at,
            next_attempt_at: due_at,
        } in due
        {
            if *stop.borrow() {
                break;
            }
            // Claim it: a concurrent pass that took the same row finds it changed.
            let claimed = db
                .execute(&sql!(
                    "UPDATE outbox SET next_attempt_at = $1 WHERE id = $2 AND sent_at IS NULL AND next_attempt_at = $3",
                    now() + CLAIM_SECS,
                    id,
                    due_at
                ))
                .await?;
            if claimed == 0 {
                continue;
            }
            // What the outbox keeps once the message is delivered: its one-time links
            // belong to the recipient alone from then on.
            let (kept_text, kept_html) = (hide_link_tokens(&text), hide_link_tokens(&html));
            let result = match self.message(id, created_at, &to, &subject, text, html) {
                Ok(message) => transport.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
                Err(e) => Err(e),
            };
            match result {
                Ok(()) => {
                    db.execute(&sql!(
                        "UPDATE outbox SET sent_at = $1, body_text = $2, body_html = $3 WHERE id = $4",
                        now(),
                        kept_text,
                        kept_html,
                        id
                    ))
                    .await?;
                    sent += 1;
                }
                Err(error) => {
                    let attempts = attempts + 1;
                    let error = short(&error);
                    if attempts >= MAX_ATTEMPTS {
                        tracing::warn!(id, attempts, %error, "giving up on an outbox message");
                    } else {
                        tracing::debug!(id, attempts, %error, "outbox message not sent");
                    }
                    db.execute(&sql!(
                        "UPDATE outbox SET attempts = $1, last_error = $2, next_attempt_at = $3 WHERE id = $4",
                        attempts,
                        error,
                        now() + backoff_secs(attempts),
                        id
                    ))
                    .await?;
                }
            }
        }
        Ok((taken, sent))
    }

    /// The email of an outbox row: multipart/alternative, plain text and HTML. Its
    /// Message-ID is the row's, so a message delivered twice can be recognised.
    fn message(
        &self,
        id: i64,
        created_at: i64,
        to: &str,
        subject: &str,
        text: String,
        html: String,
    ) -> Result<Message, String> {
        let to: Mailbox = to.parse().map_err(|e| format!("invalid recipient: {e}"))?;
        let domain = self.from.email.domain();
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .message_id(Some(format!("<roster-outbox-{id}-{created_at}@{domain}>")))
            .multipart(MultiPart::alternative_plain_html(text, html))
            .map_err(|e| format!("cannot build the message: {e}"))
    }
}

/// Hides the one-time links of mail delivered before delivery started hiding them (see
/// `pass`). Only mail young enough to hold a working link is read: none works longer
/// than an invitation's. Returns how many messages changed.
pub async fn hide_delivered_tokens(db: &Db) -> anyhow::Result<usize> {
    let since = now() - app::backend::invitations::VALID_SECS;
    let delivered: Vec<(i64, String, String)> = db
        .fetch_all(&sql!(
            "SELECT id, body_text, body_html FROM outbox WHERE sent_at IS NOT NULL AND created_at >= $1",
            since
        ))
        .await?;
    let mut changed = 0;
    for (id, text, html) in delivered {
        let (kept_text, kept_html) = (hide_link_tokens(&text), hide_link_tokens(&html));
        if kept_text != text || kept_html != html {
            db.execute(&sql!(
                "UPDATE outbox SET body_text = $1, body_html = $2 WHERE id = $3",
                kept_text,
                kept_html,
                id
            ))
            .await?;
            changed += 1;
        }
    }
    Ok(changed)
}

/// `SMTP_URL` as lettre reads it: a bare `smtp://` requires STARTTLS (lettre's own
/// default is plain text) and `?tls=none` asks for plain text.
fn lettre_url(url: &str) -> anyhow::Result<String> {
    let mut parsed = url::Url::parse(url)?;
    if parsed.scheme() != "smtp" {
        return Ok(url.to_string());
    }
    let mut pairs: Vec<(String, String)> =
        parsed.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    match pairs.iter().position(|(k, _)| k == "tls") {
        Some(i) if pairs[i].1 == "none" => {
            pairs.remove(i);
        }
        Some(_) => {}
        None => pairs.push(("tls".to_string(), "required".to_string())),
    }
    if pairs.is_empty() {
        parsed.set_query(None);
    } else {
        parsed.query_pairs_mut().clear().extend_pairs(pairs);
    }
    Ok(parsed.to_string())
}

/// An error for `last_error`: one line, at most `ERROR_CHARS` characters.
fn short(error: &str) -> String {
    let line: String = error.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(ERROR_CHARS) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_smtp_requires_starttls_and_none_is_plain() {
        assert_eq!(lettre_url("smtp://u:p@relay:587").unwrap(), "smtp://u:p@relay:587?tls=required");
        assert_eq!(lettre_url("smtp://127.0.0.1:2525?tls=none").unwrap(), "smtp://127.0.0.1:2525");
        assert_eq!(lettre_url("smtp://relay?tls=opportunistic").unwrap(), "smtp://relay?tls=opportunistic");
        assert_eq!(lettre_url("smtps://u:p@relay:465").unwrap(), "smtps://u:p@relay:465");
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let delays: Vec<i64> = (1..=MAX_ATTEMPTS).map(backoff_secs).collect();
        assert_eq!(&delays[..8], &[30, 60, 120, 240, 480, 960, 1920, 3600]);
        assert!(delays.iter().all(|&d| d <= 3600));
    }

    #[test]
    fn errors_are_one_short_line() {
        assert_eq!(short("a\r\n  b"), "a b");
        assert_eq!(short(&"x".repeat(500)).chars().count(), ERROR_CHARS + 1);
    }

    #[test]
    fn configuration_is_checked() {
        assert!(Mailer::new(None, DEFAULT_FROM).is_ok_and(|m| !m.is_enabled()));
        assert!(Mailer::new(None, "not an address").is_err());
        assert!(Mailer::new(Some("ftp://relay"), DEFAULT_FROM).is_err());
        let err = Mailer::new(Some("smtp://u:secret@relay:587?tls=bogus"), DEFAULT_FROM).err().unwrap();
        assert!(!format!("{err:#}").contains("secret"));
    }
}
