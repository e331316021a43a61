//! The one shape every `/scim/v2` error has (RFC 7644 §3.12):
//! `{"schemas": [Error], "status": "409", "scimType": "uniqueness", "detail": "…"}`.

use app::error::AppError;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

#[derive(Debug)]
pub struct ScimError {
    pub status: u16,
    pub scim_type: Option<&'static str>,
    pub detail: String,
}

impl ScimError {
    pub fn new(status: u16, scim_type: Option<&'static str>, detail: impl Into<String>) -> ScimError {
        ScimError { status, scim_type, detail: detail.into() }
    }

    pub fn invalid_filter(detail: impl Into<String>) -> ScimError {
        ScimError::new(400, Some("invalidFilter"), detail)
    }

    pub fn invalid_value(detail: impl Into<String>) -> ScimError {
        ScimError::new(400, Some("invalidValue"), detail)
    }

    pub fn invalid_syntax(detail: impl Into<String>) -> ScimError {
        ScimError::new(400, Some("invalidSyntax"), detail)
    }

    pub fn invalid_path(detail: impl Into<String>) -> ScimError {
        ScimError::new(400, Some("invalidPath"), detail)
    }

    pub fn no_target(detail: impl Into<String>) -> ScimError {
        ScimError::new(400, Some("noTarget"), detail)
    }

    pub fn mutability(detail: impl Into<String>) -> ScimError {
        ScimError::new(400, Some("mutability"), detail)
    }

    pub fn not_found(detail: impl Into<String>) -> ScimError {
        ScimError::new(404, None, detail)
    }

    pub fn precondition_failed() -> ScimError {
        ScimError::new(412, None, "The resource changed since the version named in If-Match; read it again.")
    }

    pub fn too_large() -> ScimError {
        ScimError::new(
            413,
            None,
            format!("The request is too large: at most {} KiB.", crate::web::MAX_BODY_BYTES / 1024),
        )
    }
}

impl From<AppError> for ScimError {
    fn from(e: AppError) -> Self {
        let detail = e.to_string();
        match e {
            // Taking the role every member holds is refused for what the role is.
            AppError::Invalid(ref m) if m.starts_with("Every member holds") => ScimError::mutability(detail),
            AppError::Invalid(_) => ScimError::invalid_value(detail),
            AppError::SignInRequired | AppError::Unauthenticated(_) => ScimError::new(401, None, detail),
            AppError::Forbidden(_) => ScimError::new(403, None, detail),
            AppError::NotFound(_) => ScimError::not_found(detail),
            // The last administrator (and a changed member) is a conflict with the
            // resource's state, not a taken value.
            AppError::Conflict(ref m) if m.contains("last Account Administrator") || m.contains("changed") => {
                ScimError::new(409, Some("mutability"), detail)
            }
            AppError::Conflict(_) => ScimError::new(409, Some("uniqueness"), detail),
            AppError::TooLarge(_) => ScimError::new(413, None, detail),
            AppError::TooMany(_) => ScimError::new(429, Some("tooMany"), detail),
            AppError::Busy | AppError::Unavailable => ScimError::new(503, None, detail),
            AppError::Internal | AppError::Transport(_) => ScimError::new(500, None, AppError::Internal.to_string()),
        }
    }
}

impl IntoResponse for ScimError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut body = json!({"schemas": [ERROR_SCHEMA], "status": self.status.to_string(), "detail": self.detail});
        if let Some(t) = self.scim_type {
            body["scimType"] = json!(t);
        }
        let mut response = (status, body.to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(super::CONTENT_TYPE));
        if self.status == 401 {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"roster\""));
        }
        response
    }
}

pub type ScimResult<T> = Result<T, ScimError>;
