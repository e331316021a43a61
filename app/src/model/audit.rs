//! The audit log as the pages show it.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor: Option<String>,
    pub subject: Option<String>,
    pub action: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Id to continue from (older entries), when there are more.
    pub next: Option<i64>,
}

/// Words for an audit action key.
pub fn action_label(action: &str) -> &str {
    match action {
        "member.added" => "Added to the account",
        "member.roles_changed" => "Roles changed",
        "member.removed" => "Removed from the account",
        "member.deactivated" => "Login deactivated",
        "member.reactivated" => "Login reactivated",
        "invitation.sent" => "Invited",
        "invitation.resent" => "Invitation sent again",
        "invitation.revoked" => "Invitation revoked",
        "invitation.accepted" => "Accepted the invitation",
        "contact.created" => "New contact created",
        "account.created" => "Account created",
        "account.updated" => "Account changed",
        "organisation.created" => "Organisation created",
        "organisation.updated" => "Organisation changed",
        "password.reset" => "Password reset",
        "email.verified" => "Email verified",
        "contact.claimed" => "Contact claimed",
        "sign_in.locked" => "Sign-in locked",
        "registration.locked" => "Registration locked",
        "password_reset.locked" => "Password reset locked",
        "invitation.locked" => "Invitations locked",
        "case.raised" => "Raised a case",
        other => other,
    }
}
