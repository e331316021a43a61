//! The one shape every `/api/v1` error has: `{"code", "message", "field"}`.

use app::error::AppError;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// An error of the API. `code` is stable (scripts branch on it), `message` is for people,
/// `field` names the input at fault when one is.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiError {
    /// One of `invalid`, `unauthenticated`, `forbidden`, `not_found`,
    /// `method_not_allowed`, `conflict`, `too_large`, `rate_limited`, `unavailable`,
    /// `internal`.
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
    #[serde(skip)]
    status: u16,
}

impl ApiError {
    pub fn invalid(field: &str, message: impl Into<String>) -> ApiError {
        ApiError { code: "invalid", message: message.into(), field: Some(field.to_string()), status: 400 }
    }

    pub fn method_not_allowed() -> ApiError {
        ApiError {
            code: "method_not_allowed",
            message: "This address of the API does not take this method.".into(),
            field: None,
            status: 405,
        }
    }

    pub fn not_found() -> ApiError {
        ApiError {
            code: "not_found",
            message: "There is nothing at this address of the API.".into(),
            field: None,
            status: 404,
        }
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        let code = match &e {
            AppError::Invalid(_) => "invalid",
            AppError::SignInRequired | AppError::Unauthenticated(_) => "unauthenticated",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound(_) => "not_found",
            AppError::Conflict(_) => "conflict",
            AppError::TooLarge(_) => "too_large",
            AppError::TooMany(_) => "rate_limited",
            AppError::Busy | AppError::Unavailable => "unavailable",
            AppError::Internal | AppError::Transport(_) => "internal",
        };
        let status = match e {
            AppError::Transport(_) => 500,
            ref e => e.status(),
        };
        ApiError { code, message: e.to_string(), field: None, status }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        // One status per kind of fault: a body too large is 413; everything else the
        // client can mend (no JSON content type, broken JSON, wrong fields) is 400.
        let status = if r.status().as_u16() == 413 { 413 } else { 400 };
        let code = if status == 413 { "too_large" } else { "invalid" };
        ApiError {
            code,
            message: format!("The request body was not understood: {}", r.body_text()),
            field: None,
            status,
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        ApiError {
            code: "invalid",
            message: format!("The query was not understood: {}", r.body_text()),
            field: None,
            status: 400,
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        ApiError {
            code: "invalid",
            message: format!("The address was not understood: {}", r.body_text()),
            field: None,
            status: 400,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, axum::Json(&self)).into_response();
        if self.code == "unauthenticated" {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer realm=\"roster\""),
            );
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
