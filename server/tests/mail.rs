//! The outbox sender (SPEC "Outbox") against a tiny SMTP sink on 127.0.0.1, on SQLite and
//! on PostgreSQL: due mail goes out as text and HTML and is marked sent; a failed send
//! keeps the message, counts the attempt and waits before the next one.

use crate::common;

use std::net::SocketAddr;

use app::backend::mail::outbox::{enqueue, Email};
use app::backend::{now, Db};
use app::sql;
use common::smtp::Sink;
use server::mail::{Mailer, MAX_ATTEMPTS};
use tokio::net::TcpListener;

/// An address where nothing listens (connections are refused).
async fn closed_addr() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap()
}

fn email(to: &str, subject: &str) -> Email {
    Email {
        to: to.to_string(),
        subject: subject.to_string(),
        text: format!("Hello,\n\nthis is {subject}.\n"),
        html: format!("<p>Hello,</p><p>this is <b>{subject}</b>.</p>"),
    }
}

async fn enqueue_all(db: &Db, emails: &[Email]) {
    let mut tx = db.begin().await.unwrap();
    for e in emails {
        enqueue(&mut tx, e).await.unwrap();
    }
    tx.commit().await.unwrap();
}

/// (sent_at, attempts, last_error, next_attempt_at) of every outbox row, by id.
async fn rows(db: &Db) -> Vec<(Option<i64>, i64, Option<String>, i64)> {
    db.fetch_all(&sql!("SELECT sent_at, attempts, last_error, next_attempt_at FROM outbox ORDER BY id")).await.unwrap()
}

backend_tests! {
    async fn due_mail_is_sent_as_text_and_html(db) {
        let sink = Sink::start().await;
        let mailer = Mailer::new(Some(&sink.url()), "Roster <roster@example.test>").unwrap();
        enqueue_all(&db, &[email("ada@example.test", "First notice"), email("Bob <bob@example.test>", "Second notice")])
            .await;
        let before = now();

        assert_eq!(mailer.send_due(&db).await.unwrap(), 2);

        let got = sink.messages();
        assert_eq!(got.len(), 2, "{got:#?}");
        let expected = [("ada@example.test", "First notice"), ("bob@example.test", "Second notice")];
        for (m, (to, subject)) in got.iter().zip(expected) {
            assert_eq!(m.from, "<roster@example.test>");
            assert_eq!(m.to, vec![format!("<{to}>")]);
            assert!(m.data.contains(&format!("Subject: {subject}\r\n")), "{}", m.data);
            assert!(m.data.contains("From: Roster <roster@example.test>\r\n"), "{}", m.data);
            assert!(m.data.contains("multipart/alternative"), "{}", m.data);
            assert!(m.data.contains("Content-Type: text/plain; charset=utf-8"), "{}", m.data);
            assert!(m.data.contains("Content-Type: text/html; charset=utf-8"), "{}", m.data);
            assert!(m.data.contains(&format!("this is {subject}.")), "{}", m.data);
            assert!(m.data.contains(&format!("<p>this is <b>{subject}</b>.</p>")), "{}", m.data);
        }
        for (sent_at, attempts, last_error, _) in rows(&db).await {
            assert!(sent_at.is_some_and(|t| t >= before && t <= now()));
            assert_eq!((attempts, last_error), (0, None));
        }
        // Nothing is sent twice.
        assert_eq!(mailer.send_due(&db).await.unwrap(), 0);
        assert_eq!(sink.messages().len(), 2);
    }

    async fn failed_mail_is_kept_and_retried_later(db) {
        let down = Mailer::new(Some(&format!("smtp://{}?tls=none", closed_addr().await)), server::mail::DEFAULT_FROM)
            .unwrap();
        enqueue_all(&db, &[email("ada@example.test", "Retry me")]).await;

        assert_eq!(down.send_due(&db).await.unwrap(), 0);
        let [(sent_at, attempts, last_error, next_attempt_at)] = <[_; 1]>::try_from(rows(&db).await).unwrap();
        assert_eq!((sent_at, attempts), (None, 1));
        let error = last_error.expect("the error is recorded");
        assert!(!error.is_empty() && error.len() <= 400 && !error.contains('\n'), "{error}");
        assert!(next_attempt_at > now(), "the next attempt waits: {next_attempt_at}");

        // Before it is due again, a pass (even with a working relay) leaves it alone.
        let sink = Sink::start().await;
        let up = Mailer::new(Some(&sink.url()), server::mail::DEFAULT_FROM).unwrap();
        assert_eq!(down.send_due(&db).await.unwrap(), 0);
        assert_eq!(up.send_due(&db).await.unwrap(), 0);
        assert_eq!(rows(&db).await[0], (None, 1, Some(error), next_attempt_at));
        assert!(sink.messages().is_empty());

        // Once due, it goes out.
        db.execute(&sql!("UPDATE outbox SET next_attempt_at = $1", now() - 1)).await.unwrap();
        assert_eq!(up.send_due(&db).await.unwrap(), 1);
        assert_eq!(sink.messages().len(), 1);
        assert!(rows(&db).await[0].0.is_some());
    }

    async fn retries_stop_after_the_last_attempt(db) {
        let down = Mailer::new(Some(&format!("smtp://{}?tls=none", closed_addr().await)), server::mail::DEFAULT_FROM)
            .unwrap();
        enqueue_all(&db, &[email("ada@example.test", "Doomed")]).await;
        db.execute(&sql!("UPDATE outbox SET attempts = $1", MAX_ATTEMPTS - 1)).await.unwrap();

        assert_eq!(down.send_due(&db).await.unwrap(), 0);
        let (sent_at, attempts, last_error, _) = rows(&db).await[0].clone();
        assert_eq!((sent_at, attempts), (None, MAX_ATTEMPTS));
        assert!(last_error.is_some());

        // Due by time, but given up: a working relay does not get it; the row stays.
        let sink = Sink::start().await;
        let up = Mailer::new(Some(&sink.url()), server::mail::DEFAULT_FROM).unwrap();
        db.execute(&sql!("UPDATE outbox SET next_attempt_at = 0")).await.unwrap();
        assert_eq!(up.send_due(&db).await.unwrap(), 0);
        assert!(sink.messages().is_empty());
        assert_eq!(rows(&db).await.len(), 1);
    }

    async fn a_delivered_message_keeps_no_usable_link(db) {
        let sink = Sink::start().await;
        let mailer = Mailer::new(Some(&sink.url()), "Roster <roster@example.test>").unwrap();
        let token = "9c0f".repeat(16);
        let link = format!("https://roster.test/reset-password/{token}");
        let reset = Email {
            to: "fay@example.test".into(),
            subject: "Choose a new Roster password".into(),
            text: format!("Choose it here (the link works once):\n{link}\n"),
            html: format!("<p><a href=\"{link}\">Choose a new password</a></p>"),
        };
        enqueue_all(&db, &[reset]).await;

        assert_eq!(mailer.send_due(&db).await.unwrap(), 1);
        // The recipient gets the working link (undoing quoted-printable line breaks)...
        let got = sink.messages();
        assert!(got[0].data.replace("=\r\n", "").contains(&link), "{}", got[0].data);
        // ...and the outbox keeps the message with the link's token hidden.
        let (text, html): (String, String) =
            db.fetch_optional(&sql!("SELECT body_text, body_html FROM outbox")).await.unwrap().unwrap();
        assert!(!text.contains(&token) && !html.contains(&token), "{text}\n{html}");
        assert_eq!(text, "Choose it here (the link works once):\nhttps://roster.test/reset-password/…\n");
        assert!(html.contains("href=\"https://roster.test/reset-password/…\""), "{html}");
    }

    async fn mail_delivered_before_links_were_hidden_is_scrubbed(db) {
        let token = "77ab".repeat(16);
        let invitation = |to: &str| Email {
            to: to.into(),
            subject: "Join Northwind Production".into(),
            text: format!("Accept here:\nhttps://roster.test/invitations/{token}\n"),
            html: format!("<a href=\"https://roster.test/invitations/{token}\">Accept</a>"),
        };
        enqueue_all(&db, &[invitation("sent@example.test"), invitation("waiting@example.test")]).await;
        db.execute(&sql!("UPDATE outbox SET sent_at = $1 WHERE recipient = 'sent@example.test'", now())).await.unwrap();

        assert_eq!(server::mail::hide_delivered_tokens(&db).await.unwrap(), 1);
        let bodies: Vec<(String, String, String)> =
            db.fetch_all(&sql!("SELECT recipient, body_text, body_html FROM outbox ORDER BY id")).await.unwrap();
        let (_, text, html) = &bodies[0];
        assert!(!text.contains(&token) && !html.contains(&token));
        assert!(text.contains("/invitations/…"));
        // A message not delivered yet keeps its link for its recipient.
        let (_, text, html) = &bodies[1];
        assert!(text.contains(&token) && html.contains(&token));
        // Nothing left to do the next time.
        assert_eq!(server::mail::hide_delivered_tokens(&db).await.unwrap(), 0);
    }
}
