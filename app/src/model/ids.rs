//! Ids that storage functions take, so that a membership id cannot be passed where an
//! account id, an invitation id or a version is meant. On the wire, in URLs and in the
//! database they are plain numbers.

use serde::{Deserialize, Serialize};

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl From<i64> for $name {
            fn from(id: i64) -> Self {
                $name(id)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id!(
    /// A row of `accounts`: one customer deployment.
    AccountId
);
id!(
    /// A row of `people`: someone Roster knows, registered or not.
    PersonId
);
id!(
    /// A row of `memberships`: one person's membership of one account.
    MembershipId
);
id!(
    /// A row of `invitations`.
    InvitationId
);
id!(
    /// A membership's version as a dialog saw it: a change made with an older one is
    /// refused instead of overwriting someone else's.
    Version
);
id!(
    /// A row of `cases`: one support case of one account.
    CaseId
);
