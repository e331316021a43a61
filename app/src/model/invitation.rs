//! Invitations (F15), new contacts (F16) and the operators' view of sent mail.

use serde::{Deserialize, Serialize};

/// Where an invitation stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum InvitationState {
    Pending,
    Expired,
    Accepted,
    Revoked,
}

impl InvitationState {
    pub fn of(now: i64, expires_at: i64, accepted_at: Option<i64>, revoked_at: Option<i64>) -> Self {
        if accepted_at.is_some() {
            InvitationState::Accepted
        } else if revoked_at.is_some() {
            InvitationState::Revoked
        } else if expires_at <= now {
            InvitationState::Expired
        } else {
            InvitationState::Pending
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            InvitationState::Pending => "Pending",
            InvitationState::Expired => "Expired",
            InvitationState::Accepted => "Accepted",
            InvitationState::Revoked => "Revoked",
        }
    }
}

/// One invitation of an account, for its administrators.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    /// "General Support, Security Contact".
    pub roles: String,
    pub invited_by: Option<String>,
    /// When it was last sent.
    pub sent_at: i64,
    pub expires_at: i64,
    pub state: InvitationState,
}

/// What the person following an invitation link is shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationView {
    pub account: String,
    pub organisation: String,
    pub invited_by: Option<String>,
    pub name: String,
    pub email: String,
    pub roles: String,
    pub expires_at: i64,
    /// The email already belongs to a registered person: they sign in to accept.
    pub registered: bool,
    /// The invitee is the one signed in now.
    pub signed_in_as_invitee: bool,
}

/// A contact that is not (yet) registered, for SPEC F16.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewContact {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
}

/// One email of the outbox, for the operators' Sent mail page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct MailRow {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub created_at: i64,
    pub sent_at: Option<i64>,
    pub attempts: i64,
    pub last_error: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailPage {
    pub rows: Vec<MailRow>,
    /// `before` for the next (older) page, when there is one.
    pub older: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::InvitationState::*;
    use super::*;

    #[test]
    fn state_follows_the_dates() {
        assert_eq!(InvitationState::of(10, 20, None, None), Pending);
        assert_eq!(InvitationState::of(20, 20, None, None), Expired);
        assert_eq!(InvitationState::of(30, 20, Some(15), None), Accepted);
        assert_eq!(InvitationState::of(10, 20, None, Some(12)), Revoked);
    }
}
