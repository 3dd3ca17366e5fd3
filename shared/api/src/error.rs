//! The one error type of the HTTP boundary: the use cases' [`AppError`] and what only HTTP
//! can get wrong (an unreadable body, no token), with its one mapping to status codes.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use openday_app::AppError;
use openday_rules::Violation;

use crate::views::{ErrorBody, ErrorDetail};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The body or query could not be read at all (400).
    #[error("malformed: {0}")]
    Malformed(String),
    /// No valid bearer token (401).
    #[error("unauthorized: {0}")]
    Unauthorized(&'static str),
    #[error("payload too large")]
    TooLarge,
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// What a use case said.
    #[error(transparent)]
    App(#[from] AppError),
}

impl ApiError {
    /// The one mapping of every error to a status.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Malformed(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::App(e) => status_of(e),
        }
    }

    /// The `Retry-After` seconds of a 429 or 503.
    pub(crate) fn retry_after(&self) -> Option<u64> {
        match self {
            ApiError::App(e) => e.retry_after(),
            _ => None,
        }
    }

    /// The stable code, the Chinese message and the field of the response.
    pub(crate) fn parts(&self) -> (String, String, Option<String>) {
        match self {
            ApiError::Malformed(m) => (
                "MALFORMED_REQUEST".into(),
                format!("请求格式有误：{m}"),
                None,
            ),
            ApiError::Unauthorized(m) => ("UNAUTHORIZED".into(), (*m).into(), None),
            ApiError::TooLarge => (
                "PAYLOAD_TOO_LARGE".into(),
                "请求内容不能超过64 KiB".into(),
                None,
            ),
            ApiError::UnsupportedMediaType => (
                "UNSUPPORTED_MEDIA_TYPE".into(),
                "请以 UTF-8 编码的 application/json 或 application/x-www-form-urlencoded 格式提交"
                    .into(),
                None,
            ),
            ApiError::App(e) => {
                let said = e.said();
                (said.code, said.message, said.field)
            }
        }
    }

    pub fn not_found(message: &'static str) -> Self {
        ApiError::App(AppError::NotFound(message))
    }

    pub fn unavailable(cause: impl Into<String>) -> Self {
        ApiError::App(AppError::Unavailable(cause.into()))
    }
}

/// The status of what a use case said: the one mapping, for the API and the pages alike.
pub fn status_of(e: &AppError) -> StatusCode {
    match e {
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::Conflict { .. } => StatusCode::CONFLICT,
        AppError::Rules(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::Unavailable(_) | AppError::Paused { .. } => StatusCode::SERVICE_UNAVAILABLE,
    }
}

impl From<Violation> for ApiError {
    fn from(v: Violation) -> Self {
        ApiError::App(v.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let (code, message, field) = self.parts();
        if status.is_server_error() {
            // The cause goes to the log; the person gets a short message.
            tracing::error!(error = %self, "request failed");
        }
        let body = ErrorBody {
            error: ErrorDetail {
                code,
                message,
                field,
            },
            violations: match &self {
                ApiError::App(AppError::Rules(vs)) => Some(vs.clone()),
                _ => None,
            },
        };
        let mut response = (status, axum::Json(body)).into_response();
        if let Some(seconds) = self.retry_after() {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}
