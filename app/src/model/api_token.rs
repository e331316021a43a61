//! API tokens (SPEC F25): what an account's administrators see of the tokens their
//! scripts and identity providers call Roster with.

use serde::{Deserialize, Serialize};

/// What a token may do: read only, or read and change the account's members.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TokenScope {
    Read,
    Write,
}

impl TokenScope {
    /// As stored in `api_tokens.scope`.
    pub fn key(self) -> &'static str {
        match self {
            TokenScope::Read => "read",
            TokenScope::Write => "write",
        }
    }

    pub fn from_key(key: &str) -> Option<TokenScope> {
        match key {
            "read" => Some(TokenScope::Read),
            "write" => Some(TokenScope::Write),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TokenScope::Read => "Read only",
            TokenScope::Write => "Read and write",
        }
    }
}

/// Lifetimes a new token may be given, in days.
pub const TOKEN_LIFETIMES: [i64; 4] = [7, 30, 90, 365];

/// The longest token name.
pub const TOKEN_NAME_MAX: usize = 80;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub scope: TokenScope,
    pub created_by: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// Past `expires_at` when it was read (by the server's clock).
    pub expired: bool,
}

impl ApiToken {
    /// Calls with it are answered (not revoked, not expired).
    pub fn live(&self) -> bool {
        self.revoked_at.is_none() && !self.expired
    }
}

/// A token just made: the only time its secret is seen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewApiToken {
    pub token: ApiToken,
    pub secret: String,
}

/// Days a call made with a token stays on record.
pub const API_CALLS_KEPT_DAYS: i64 = 90;
/// Calls shown at a time, newest first.
pub const API_CALLS_PAGE: i64 = 50;

/// One call made with one of the account's tokens: every call is recorded, reads too.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiCall {
    pub id: i64,
    pub token: String,
    pub at: i64,
    pub method: String,
    pub path: String,
    pub status: i64,
}

/// A page of calls, newest first; `older` continues after the last one shown.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiCalls {
    pub calls: Vec<ApiCall>,
    pub older: Option<i64>,
}
