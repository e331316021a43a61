//! Designated approvers and access requests (SPEC F22–F23): a partner member asks for a
//! support access level on deployments their organisation supports; an approver of each
//! deployment decides.

use serde::{Deserialize, Serialize};

/// How long a request waits for a decision before it expires.
pub const REQUEST_DAYS: i64 = 14;
/// The longest reason a request may give.
pub const MAX_REASON: usize = 1_000;
/// Deployments one request may name.
pub const MAX_REQUESTED: usize = 200;

/// Where a request stands. A pending request past its expiry is `Expired`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RequestState {
    Pending,
    Approved,
    Declined,
    Expired,
}

impl RequestState {
    pub fn label(self) -> &'static str {
        match self {
            RequestState::Pending => "Waiting for approval",
            RequestState::Approved => "Approved",
            RequestState::Declined => "Declined",
            RequestState::Expired => "Expired",
        }
    }
}

/// One deployment of an access request, as the requester, an approver or the decision
/// page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessRequestRow {
    pub id: i64,
    pub account: i64,
    pub customer: String,
    pub deployment: String,
    pub org_id: String,
    /// Who would get the access.
    pub person: String,
    pub person_email: String,
    /// Who asked (the person, or a colleague on their behalf).
    pub requested_by: String,
    pub level: String,
    pub reason: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub state: RequestState,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
}

/// A page of requests, newest first; `next` is the id to continue below.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestPage {
    pub rows: Vec<AccessRequestRow>,
    pub next: Option<i64>,
}

/// What the decision page shows: the request, and whether the signed-in person may
/// decide it now (else why not, in words).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionView {
    pub request: AccessRequestRow,
    pub refusal: Option<String>,
}

/// What the request form offers: the levels, and whether the person approves any
/// deployment (their own requests are then approved at once).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestForm {
    pub partner: String,
    pub levels: Vec<super::SupportLevel>,
}

/// A designated approver, as the console lists them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApproverRow {
    pub id: i64,
    pub partner: i64,
    pub name: String,
    pub email: String,
    /// The deployment (name, Org ID) they approve for; `None`: every deployment.
    pub deployment: Option<(String, String)>,
}

/// What copying (mirroring) support access from one deployment does to one person on a
/// target deployment (SPEC F24).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CopyChange {
    /// Not on the target yet: gets the source's level.
    Added { level: String },
    /// On both with different levels: gets the source's.
    LevelChanged { from: String, to: String },
    /// On the target but not on the source: removed from the target.
    Removed { level: String },
    /// The same level on both.
    Unchanged { level: String },
}

impl CopyChange {
    pub fn words(&self) -> String {
        match self {
            CopyChange::Added { level } => format!("added with {level}"),
            CopyChange::LevelChanged { from, to } => format!("level changed from {from} to {to}"),
            CopyChange::Removed { level } => format!("removed (had {level})"),
            CopyChange::Unchanged { level } => format!("unchanged ({level})"),
        }
    }
}

/// One target deployment of a copy, and what happens to each of the partner's people there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CopyTarget {
    pub account: i64,
    pub name: String,
    pub org_id: String,
    /// (person's name, email, change), by name.
    pub changes: Vec<(String, String, CopyChange)>,
}

/// The preview of copying a deployment's support access to others (SPEC F24).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CopyPreview {
    /// The partner whose people are copied.
    pub partner: i64,
    pub source: String,
    pub source_org_id: String,
    pub targets: Vec<CopyTarget>,
}

/// Splits what a person typed or picked into Org IDs: one per line, or separated by
/// commas, semicolons or spaces; blanks dropped, repeats kept once, in order.
pub fn org_ids(text: &str) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for id in text.split(|c: char| c == ',' || c == ';' || c.is_whitespace()).map(str::trim) {
        if !id.is_empty() && !seen.iter().any(|s| s.eq_ignore_ascii_case(id)) {
            seen.push(id.to_string());
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn org_ids_are_split_on_lines_commas_and_spaces_once_each() {
        assert_eq!(org_ids(" NW-1003\nch-2001, GX-3001;;nw-1003  \n\n"), vec!["NW-1003", "ch-2001", "GX-3001"]);
        assert!(org_ids(" \n ,").is_empty());
    }
}
