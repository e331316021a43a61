//! Mail: the outbox every email goes through, the emails' wording, and what counts as
//! an email address.

pub mod outbox;
pub mod templates;

use crate::error::{AppError, Result};

/// The words of a refused email field, unless the field says it its own way.
pub const FULL_EMAIL: &str = "Enter a full email address, like name@example.com.";

/// One full email address, as typed (trimmed), with its key: the lower-cased form that
/// storage compares (`email_key` columns). Made at the edge, from what a person typed;
/// storage takes it as it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailAddress {
    shown: String,
    key: String,
}

impl EmailAddress {
    /// `text` when it is one full address (`valid_email`); else `message` as the
    /// refusal, saying why when it holds hidden characters.
    pub fn parse(text: &str, message: &str) -> Result<EmailAddress> {
        super::refuse_hidden(text.trim(), message)?;
        if !valid_email(text) {
            return Err(AppError::invalid(message));
        }
        let shown = text.trim().to_string();
        Ok(EmailAddress { key: Self::key_of(&shown), shown })
    }

    /// The key an address is stored and looked up under. For lookups of what someone
    /// typed that need no refusal of their own (sign-in: a wrong email is a wrong
    /// sign-in), and for addresses Roster stored itself.
    pub fn key_of(text: &str) -> String {
        text.trim().to_lowercase()
    }

    /// As typed.
    pub fn as_str(&self) -> &str {
        &self.shown
    }

    pub fn key(&self) -> &str {
        &self.key
    }
}

impl std::fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown)
    }
}

/// Whether `s` (trimmed) is one full email address: no list of several, no spaces and no
/// hidden characters (see `model::is_hidden_char`).
pub fn valid_email(s: &str) -> bool {
    let s = s.trim();
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.chars().any(|c| c.is_whitespace() || c == ',' || c == ';' || crate::model::is_hidden_char(c))
                && s.matches('@').count() == 1
                && s.len() <= 254
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::EmailAddress;
    use crate::error::AppError;

    #[test]
    fn an_address_is_trimmed_keyed_or_refused_with_the_fields_message() {
        let message = "Enter a full email address, like name@example.com.";
        let ann = EmailAddress::parse(" Ann@Example.com ", message).unwrap();
        assert_eq!((ann.as_str(), ann.key()), ("Ann@Example.com", "ann@example.com"));
        assert_eq!(EmailAddress::parse("ann@", message), Err(AppError::invalid(message)));
        let hidden = EmailAddress::parse("ann\u{200F}@example.com", message).unwrap_err().to_string();
        assert!(hidden.starts_with(message) && hidden.contains("visible characters"), "{hidden}");
    }

    #[test]
    fn emails_are_checked_for_shape() {
        for ok in ["a@b.co", " Ann.Lee@Example.COM "] {
            assert!(super::valid_email(ok), "{ok}");
        }
        for bad in [
            "",
            "ann",
            "@b.co",
            "a@b",
            "a@.b",
            "a@b.",
            "a b@c.d",
            "a@b@c.d",
            "a@b.co,c@d.e",
            "a\u{0}@b.co",
            "a@b.co\u{7f}",
            "a\u{202E}oc.b@a",
            "a@b\u{2066}.co",
        ] {
            assert!(!super::valid_email(bad), "{bad}");
        }
    }
}
