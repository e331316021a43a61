//! The one error type of Roster. Server functions return it; the UI shows its message;
//! the HTTP layer maps it to a status. Its text is always safe to show: internal causes
//! are logged on the server, never sent.

use leptos::prelude::{FromServerFnError, ServerFnErrorErr};
use leptos::server_fn::codec::JsonEncoding;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// Input that fails validation; the text says what is wrong.
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("Please sign in to continue.")]
    SignInRequired,
    /// An API call without valid credentials (a missing, unknown, revoked or expired token).
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    TooMany(String),
    /// A request body over the server's limit.
    #[error("{0}")]
    TooLarge(String),
    /// The thing changed under the caller, or would break a uniqueness rule.
    #[error("{0}")]
    Conflict(String),
    /// Too much work of one kind at once (password hashing): try again shortly.
    #[error("The server is busy; try again in a moment.")]
    Busy,
    /// No database connection in time: all in use, or the database is restarting or
    /// unreachable. Nothing was changed.
    #[error("Roster cannot use its database right now (it is busy or restarting); nothing was changed. Try again in a moment.")]
    Unavailable,
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// Transport-level failures reported by the server-function machinery.
    #[error("{0}")]
    Transport(String),
}

pub type Result<T> = std::result::Result<T, AppError>;

impl AppError {
    pub fn invalid(msg: impl Into<String>) -> Self {
        Self::Invalid(msg.into())
    }

    pub fn not_found(msg: impl Into<String>) -> Self {
        Self::NotFound(msg.into())
    }

    /// The HTTP status this error is reported with.
    pub fn status(&self) -> u16 {
        match self {
            Self::Invalid(_) => 400,
            Self::Forbidden(_) => 403,
            Self::SignInRequired | Self::Unauthenticated(_) => 401,
            Self::TooMany(_) => 429,
            Self::TooLarge(_) => 413,
            Self::NotFound(_) => 404,
            Self::Conflict(_) => 409,
            Self::Busy | Self::Unavailable => 503,
            Self::Internal => 500,
            Self::Transport(_) => 502,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // Arguments that are missing or do not decode are the caller's fault, not ours.
            ServerFnErrorErr::Args(m) | ServerFnErrorErr::MissingArg(m) | ServerFnErrorErr::Deserialization(m) => {
                Self::Invalid(format!("The request was not understood: {}", shortened(m)))
            }
            other => Self::Transport(other.to_string()),
        }
    }
}

/// The start of a decoder's message. It may quote the offending input whole, up to the
/// request body limit: not worth sending back, and an error body that large is more than
/// the server reads when it corrects the status of an error (so it stayed a 500).
fn shortened(message: String) -> String {
    const MAX_CHARS: usize = 300;
    match message.char_indices().nth(MAX_CHARS) {
        Some((at, _)) => format!("{}…", &message[..at]),
        None => message,
    }
}
