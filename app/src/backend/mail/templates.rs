//! What Roster's emails say, in plain text and HTML. Every value put into the HTML
//! part is escaped.

use super::outbox::Email;

/// The welcome email: who added them, where, and with which roles.
pub fn welcome(name: &str, email: &str, admin: &str, account: &str, roles: &str) -> Email {
    Email {
        to: email.to_string(),
        subject: format!("You are now a support contact of {account}"),
        text: format!(
            "Hello {name},\n\n{admin} added you as a support contact of {account}.\n\nYour roles: {roles}.\n\n\
             You can now open and follow support cases for {account}.\n"
        ),
        html: format!(
            "<p>Hello {},</p><p>{} added you as a support contact of <strong>{}</strong>.</p>\
             <p>Your roles: {}.</p><p>You can now open and follow support cases for {}.</p>",
            html_escape(name),
            html_escape(admin),
            html_escape(account),
            html_escape(roles),
            html_escape(account)
        ),
    }
}

/// The invitation: who invites them, where, with which roles, and the single-use link.
pub fn invitation(
    name: &str,
    email: &str,
    admin: &str,
    account: &str,
    organisation: &str,
    roles: &str,
    link: &str,
) -> Email {
    Email {
        to: email.to_string(),
        subject: format!("{admin} invites you to {account}"),
        text: format!(
            "Hello {name},\n\n{admin} invites you to join {account} ({organisation}) as a support contact, \
             with the roles: {roles}.\n\nAccept the invitation here (the link works once, for 14 days):\n{link}\n\n\
             If you did not expect this email, you can ignore it.\n"
        ),
        html: format!(
            "<p>Hello {},</p><p>{} invites you to join <strong>{}</strong> ({}) as a support contact, with the roles: \
             {}.</p><p><a href=\"{}\">Accept the invitation</a> (the link works once, for 14 days).</p>\
             <p>If you did not expect this email, you can ignore it.</p>",
            html_escape(name),
            html_escape(admin),
            html_escape(account),
            html_escape(organisation),
            html_escape(roles),
            html_escape(link)
        ),
    }
}

/// The link that proves a registrant owns their mailbox.
pub fn email_proof(name: &str, email: &str, link: &str) -> Email {
    Email {
        to: email.to_string(),
        subject: "Confirm your email for Roster".into(),
        text: format!(
            "Hello {name},\n\nSomeone (we hope you) registered with Roster using this email address.\n\n\
             Confirm it here to finish registering (the link works once, for 24 hours):\n{link}\n\n\
             If you did not register, ignore this email: nothing happens without the link.\n"
        ),
        html: format!(
            "<p>Hello {},</p><p>Someone (we hope you) registered with Roster using this email address.</p>\
             <p><a href=\"{}\">Confirm your email</a> to finish registering (the link works once, for 24 hours).</p>\
             <p>If you did not register, ignore this email: nothing happens without the link.</p>",
            html_escape(name),
            html_escape(link)
        ),
    }
}

/// The single-use link for choosing a new password.
pub fn password_reset(to: String, name: &str, link: &str) -> Email {
    Email {
        to,
        subject: "Choose a new Roster password".into(),
        text: format!(
            "Hello {name},\n\nSomeone (we hope you) asked to choose a new password for Roster.\n\n\
             Choose it here (the link works once, for one hour):\n{link}\n\n\
             If you did not ask, ignore this email: your password stays as it is.\n"
        ),
        html: format!(
            "<p>Hello {},</p><p>Someone (we hope you) asked to choose a new password for Roster.</p>\
             <p><a href=\"{}\">Choose a new password</a> (the link works once, for one hour).</p>\
             <p>If you did not ask, ignore this email: your password stays as it is.</p>",
            html_escape(name),
            html_escape(link)
        ),
    }
}

/// That the password was changed, so that someone who did not change it knows at once.
pub fn password_changed(to: &str, name: &str) -> Email {
    Email {
        to: to.to_string(),
        subject: "Your Roster password was changed".into(),
        text: format!(
            "Hello {name},\n\nThe password of your Roster account was just changed, and every other session \
             of yours was signed out.\n\nIf you did not change it, choose a new one at once with \
             \"Forgot your password?\" on the sign-in page, and tell your administrator.\n"
        ),
        html: format!(
            "<p>Hello {},</p><p>The password of your Roster account was just changed, and every other session \
             of yours was signed out.</p><p>If you did not change it, choose a new one at once with \
             &ldquo;Forgot your password?&rdquo; on the sign-in page, and tell your administrator.</p>",
            html_escape(name)
        ),
    }
}

/// A pulse message on a case the recipient is on (sent to those who asked for pulse
/// emails in their settings).
pub fn pulse_message(to: &str, name: &str, author: &str, case: &str, title: &str, body: &str, link: &str) -> Email {
    Email {
        to: to.to_string(),
        subject: format!("{author} posted on {case}: {title}"),
        text: format!(
            "Hello {name},\n\n{author} posted on {case} ({title}):\n\n{body}\n\nOpen the case: {link}\n\n\
             You get these emails because you asked for pulse emails in your Roster settings.\n"
        ),
        html: format!(
            "<p>Hello {},</p><p>{} posted on <strong>{}</strong> ({}):</p><blockquote style=\"white-space: pre-wrap\">{}</blockquote>\
             <p><a href=\"{}\">Open the case</a></p>\
             <p>You get these emails because you asked for pulse emails in your Roster settings.</p>",
            html_escape(name),
            html_escape(author),
            html_escape(case),
            html_escape(title),
            html_escape(body),
            html_escape(link)
        ),
    }
}

/// An access request for an approver to decide (SPEC F23). The link opens a page that
/// shows the request; deciding takes a click there, never the link alone, so that a mail
/// scanner following links decides nothing.
pub fn access_request(to: &str, name: &str, request: &RequestMail, link: &str) -> Email {
    let RequestMail { person, requested_by, level, deployment, org_id, reason, .. } = request;
    let asked =
        if person == requested_by { format!("{person} asks") } else { format!("{requested_by} asks, for {person},") };
    Email {
        to: to.to_string(),
        subject: format!("Access request: {person} for {deployment} ({org_id})"),
        text: format!(
            "Hello {name},\n\n{asked} for {level} on {deployment} ({org_id}).\n\nTheir reason: {reason}\n\n\
             Approve or decline it here: {link}\n\nThe first approver to decide answers for everyone; the request \
             expires after 14 days without a decision.\n"
        ),
        html: format!(
            "<p>Hello {},</p><p>{} for <strong>{}</strong> on <strong>{}</strong> ({}).</p>\
             <p>Their reason:</p><blockquote style=\"white-space: pre-wrap\">{}</blockquote>\
             <p><a href=\"{}\">Approve or decline the request</a></p>\
             <p>The first approver to decide answers for everyone; the request expires after 14 days without a decision.</p>",
            html_escape(name),
            html_escape(&asked),
            html_escape(level),
            html_escape(deployment),
            html_escape(org_id),
            html_escape(reason),
            html_escape(link)
        ),
    }
}

/// What an access request email names.
pub struct RequestMail {
    pub person: String,
    pub requested_by: String,
    pub level: String,
    pub deployment: String,
    pub org_id: String,
    pub reason: String,
}

/// The answer to an access request, for the person it was for and whoever asked.
pub fn access_decided(to: &str, name: &str, request: &RequestMail, approved: bool, decider: &str) -> Email {
    let RequestMail { person, level, deployment, org_id, .. } = request;
    let (verb, next) = if approved {
        ("approved", format!("{person} can now open and follow support cases for {deployment}."))
    } else {
        ("declined", "Nothing was changed.".to_string())
    };
    Email {
        to: to.to_string(),
        subject: format!("Access request {verb}: {deployment} ({org_id})"),
        text: format!(
            "Hello {name},\n\n{decider} {verb} the request for {level} on {deployment} ({org_id}) for {person}.\n\n{next}\n"
        ),
        html: format!(
            "<p>Hello {},</p><p>{} {verb} the request for <strong>{}</strong> on <strong>{}</strong> ({}) for {}.</p><p>{}</p>",
            html_escape(name),
            html_escape(decider),
            html_escape(level),
            html_escape(deployment),
            html_escape(org_id),
            html_escape(person),
            html_escape(&next)
        ),
    }
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
