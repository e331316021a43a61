//! The audit log as the pages show it.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor: Option<String>,
    pub subject: Option<String>,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "String"))]
    pub action: AuditAction,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Id to continue from (older entries), when there are more.
    pub next: Option<i64>,
}

/// What an audit entry records. Stored as its key (`member.added`, …), which never
/// changes once written; the label is what the pages show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuditAction {
    MemberAdded,
    MemberRolesChanged,
    MemberRemoved,
    MemberDeactivated,
    MemberReactivated,
    InvitationSent,
    InvitationResent,
    InvitationRevoked,
    InvitationAccepted,
    ContactCreated,
    AccountCreated,
    AccountUpdated,
    OrganisationCreated,
    OrganisationUpdated,
    PasswordReset,
    PasswordChanged,
    SessionsEnded,
    EmailVerified,
    ContactClaimed,
    SignInLocked,
    RegistrationLocked,
    PasswordResetLocked,
    InvitationsLocked,
    CaseRaised,
    CaseFollowed,
    CaseUnfollowed,
    CasePrimaryChanged,
    CaseContactAdded,
    CaseContactRemoved,
    CaseResolved,
    CaseReopened,
    PulsePosted,
    PartnerSupportStarted,
    PartnerSupportEnded,
    ApproverGranted,
    ApproverRevoked,
    AccessRequested,
    AccessApproved,
    AccessDeclined,
    AccessCopied,
    ApiTokenCreated,
    ApiTokenRevoked,
    ImportStarted,
    ImportFinished,
    ContactUpdated,
}

impl AuditAction {
    pub const ALL: [AuditAction; 45] = [
        AuditAction::MemberAdded,
        AuditAction::MemberRolesChanged,
        AuditAction::MemberRemoved,
        AuditAction::MemberDeactivated,
        AuditAction::MemberReactivated,
        AuditAction::InvitationSent,
        AuditAction::InvitationResent,
        AuditAction::InvitationRevoked,
        AuditAction::InvitationAccepted,
        AuditAction::ContactCreated,
        AuditAction::AccountCreated,
        AuditAction::AccountUpdated,
        AuditAction::OrganisationCreated,
        AuditAction::OrganisationUpdated,
        AuditAction::PasswordReset,
        AuditAction::PasswordChanged,
        AuditAction::SessionsEnded,
        AuditAction::EmailVerified,
        AuditAction::ContactClaimed,
        AuditAction::SignInLocked,
        AuditAction::RegistrationLocked,
        AuditAction::PasswordResetLocked,
        AuditAction::InvitationsLocked,
        AuditAction::CaseRaised,
        AuditAction::CaseFollowed,
        AuditAction::CaseUnfollowed,
        AuditAction::CasePrimaryChanged,
        AuditAction::CaseContactAdded,
        AuditAction::CaseContactRemoved,
        AuditAction::CaseResolved,
        AuditAction::CaseReopened,
        AuditAction::PulsePosted,
        AuditAction::PartnerSupportStarted,
        AuditAction::PartnerSupportEnded,
        AuditAction::ApproverGranted,
        AuditAction::ApproverRevoked,
        AuditAction::AccessRequested,
        AuditAction::AccessApproved,
        AuditAction::AccessDeclined,
        AuditAction::AccessCopied,
        AuditAction::ApiTokenCreated,
        AuditAction::ApiTokenRevoked,
        AuditAction::ImportStarted,
        AuditAction::ImportFinished,
        AuditAction::ContactUpdated,
    ];

    /// The key stored in `audit_log.action`.
    pub fn key(self) -> &'static str {
        match self {
            AuditAction::MemberAdded => "member.added",
            AuditAction::MemberRolesChanged => "member.roles_changed",
            AuditAction::MemberRemoved => "member.removed",
            AuditAction::MemberDeactivated => "member.deactivated",
            AuditAction::MemberReactivated => "member.reactivated",
            AuditAction::InvitationSent => "invitation.sent",
            AuditAction::InvitationResent => "invitation.resent",
            AuditAction::InvitationRevoked => "invitation.revoked",
            AuditAction::InvitationAccepted => "invitation.accepted",
            AuditAction::ContactCreated => "contact.created",
            AuditAction::AccountCreated => "account.created",
            AuditAction::AccountUpdated => "account.updated",
            AuditAction::OrganisationCreated => "organisation.created",
            AuditAction::OrganisationUpdated => "organisation.updated",
            AuditAction::PasswordReset => "password.reset",
            AuditAction::PasswordChanged => "password.changed",
            AuditAction::SessionsEnded => "sessions.ended",
            AuditAction::EmailVerified => "email.verified",
            AuditAction::ContactClaimed => "contact.claimed",
            AuditAction::SignInLocked => "sign_in.locked",
            AuditAction::RegistrationLocked => "registration.locked",
            AuditAction::PasswordResetLocked => "password_reset.locked",
            AuditAction::InvitationsLocked => "invitation.locked",
            AuditAction::CaseRaised => "case.raised",
            AuditAction::CaseFollowed => "case.followed",
            AuditAction::CaseUnfollowed => "case.unfollowed",
            AuditAction::CasePrimaryChanged => "case.primary_changed",
            AuditAction::CaseContactAdded => "case.contact_added",
            AuditAction::CaseContactRemoved => "case.contact_removed",
            AuditAction::CaseResolved => "case.resolved",
            AuditAction::CaseReopened => "case.reopened",
            AuditAction::PulsePosted => "pulse.posted",
            AuditAction::PartnerSupportStarted => "partner.support_started",
            AuditAction::PartnerSupportEnded => "partner.support_ended",
            AuditAction::ApproverGranted => "partner.approver_granted",
            AuditAction::ApproverRevoked => "partner.approver_revoked",
            AuditAction::AccessRequested => "access.requested",
            AuditAction::AccessApproved => "access.approved",
            AuditAction::AccessDeclined => "access.declined",
            AuditAction::AccessCopied => "access.copied",
            AuditAction::ApiTokenCreated => "api_token.created",
            AuditAction::ApiTokenRevoked => "api_token.revoked",
            AuditAction::ContactUpdated => "contact.updated",
            AuditAction::ImportStarted => "import.started",
            AuditAction::ImportFinished => "import.finished",
        }
    }

    /// Words for the pages.
    pub fn label(self) -> &'static str {
        match self {
            AuditAction::MemberAdded => "Added to the account",
            AuditAction::MemberRolesChanged => "Roles changed",
            AuditAction::MemberRemoved => "Removed from the account",
            AuditAction::MemberDeactivated => "Login deactivated",
            AuditAction::MemberReactivated => "Login reactivated",
            AuditAction::InvitationSent => "Invited",
            AuditAction::InvitationResent => "Invitation sent again",
            AuditAction::InvitationRevoked => "Invitation revoked",
            AuditAction::InvitationAccepted => "Accepted the invitation",
            AuditAction::ContactCreated => "New contact created",
            AuditAction::AccountCreated => "Account created",
            AuditAction::AccountUpdated => "Account changed",
            AuditAction::OrganisationCreated => "Organisation created",
            AuditAction::OrganisationUpdated => "Organisation changed",
            AuditAction::PasswordReset => "Password reset",
            AuditAction::PasswordChanged => "Password changed",
            AuditAction::SessionsEnded => "Signed out everywhere else",
            AuditAction::EmailVerified => "Email verified",
            AuditAction::ContactClaimed => "Contact claimed",
            AuditAction::SignInLocked => "Sign-in locked",
            AuditAction::RegistrationLocked => "Registration locked",
            AuditAction::PasswordResetLocked => "Password reset locked",
            AuditAction::InvitationsLocked => "Invitations locked",
            AuditAction::CaseRaised => "Raised a case",
            AuditAction::CaseFollowed => "Followed a case",
            AuditAction::CaseUnfollowed => "Stopped following a case",
            AuditAction::CasePrimaryChanged => "Case primary contact changed",
            AuditAction::CaseContactAdded => "Added as a case contact",
            AuditAction::CaseContactRemoved => "Removed as a case contact",
            AuditAction::CaseResolved => "Case resolved",
            AuditAction::CaseReopened => "Case reopened",
            AuditAction::PulsePosted => "Posted on a case",
            AuditAction::PartnerSupportStarted => "Partner support started",
            AuditAction::PartnerSupportEnded => "Partner support ended",
            AuditAction::ApproverGranted => "Approver designated",
            AuditAction::ApproverRevoked => "Approver revoked",
            AuditAction::AccessRequested => "Access requested",
            AuditAction::AccessApproved => "Access request approved",
            AuditAction::AccessDeclined => "Access request declined",
            AuditAction::AccessCopied => "Support access copied",
            AuditAction::ApiTokenCreated => "API token created",
            AuditAction::ApiTokenRevoked => "API token revoked",
            AuditAction::ContactUpdated => "Contact updated",
            AuditAction::ImportStarted => "CSV import started",
            AuditAction::ImportFinished => "CSV import finished",
        }
    }

    pub fn from_key(key: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.key() == key)
    }
}

impl TryFrom<String> for AuditAction {
    type Error = UnknownKey;

    fn try_from(key: String) -> Result<Self, UnknownKey> {
        AuditAction::from_key(&key).ok_or(UnknownKey(key))
    }
}

/// A stored key that names no known value (of an enum kept as text in the database).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownKey(pub String);

impl std::fmt::Display for UnknownKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown stored key {:?}", self.0)
    }
}

impl std::error::Error for UnknownKey {}

#[cfg(test)]
mod tests {
    use super::AuditAction;

    #[test]
    fn every_action_round_trips_through_its_key_and_has_words() {
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::from_key(a.key()), Some(a));
            assert!(!a.label().is_empty() && !a.label().contains('.'), "{a:?}");
        }
        let mut keys: Vec<_> = AuditAction::ALL.iter().map(|a| a.key()).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), AuditAction::ALL.len(), "keys are distinct");
        assert_eq!(AuditAction::from_key("member.exploded"), None);
    }
}
