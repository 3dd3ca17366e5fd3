//! The one error type of the HTTP boundary and its one mapping to status codes.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use openday_rules::{Code, Violation, Violations};
use openday_store::StoreError;

use crate::views::{ErrorBody, ErrorDetail};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The body or query could not be read at all (400).
    #[error("malformed: {0}")]
    Malformed(String),
    /// No valid bearer token (401).
    #[error("unauthorized: {0}")]
    Unauthorized(&'static str),
    /// A valid caller who may not do this (403).
    #[error("forbidden: {0}")]
    Forbidden(Violation),
    #[error("not found: {0}")]
    NotFound(&'static str),
    /// A version conflict, a duplicate registration, a second annual report (409).
    #[error("conflict: {code}")]
    Conflict {
        code: &'static str,
        message: String,
        field: Option<&'static str>,
    },
    /// Rules broken: every violation (422).
    #[error("unprocessable: {0}")]
    Rules(Violations),
    #[error("payload too large")]
    TooLarge,
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// Too many requests from one address or phone: retry after so many seconds (429).
    #[error("rate limited for {retry_after}s")]
    RateLimited {
        retry_after: u64,
        /// What was limited, when more can be said than "too often".
        message: Option<String>,
    },
    /// Storage contention or outage, or the deadline passed: retry later (503).
    #[error("unavailable: {0}")]
    Unavailable(String),
}

/// Seconds a client should wait after a 503.
const RETRY_UNAVAILABLE: u64 = 5;

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Malformed(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::Rules(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The `Retry-After` seconds of a 429 or 503.
    pub(crate) fn retry_after(&self) -> Option<u64> {
        match self {
            ApiError::RateLimited { retry_after, .. } => Some(*retry_after),
            ApiError::Unavailable(_) => Some(RETRY_UNAVAILABLE),
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
            ApiError::Forbidden(v) => (v.code.wire().into(), v.message.clone(), v.field.clone()),
            ApiError::NotFound(m) => ("NOT_FOUND".into(), (*m).into(), None),
            ApiError::Conflict {
                code,
                message,
                field,
            } => ((*code).into(), message.clone(), field.map(str::to_owned)),
            ApiError::Rules(vs) => match vs.first() {
                Some(v) => (v.code.wire().into(), v.message.clone(), v.field.clone()),
                None => ("VALIDATION_FAILED".into(), "输入不符合要求".into(), None),
            },
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
            ApiError::RateLimited {
                retry_after,
                message,
            } => (
                "RATE_LIMITED".into(),
                message.clone().unwrap_or_else(|| {
                    format!("操作过于频繁，请{}后再试", wait_words(*retry_after))
                }),
                None,
            ),
            ApiError::Unavailable(_) => (
                "SERVICE_UNAVAILABLE".into(),
                "系统繁忙，请稍后重试".into(),
                None,
            ),
        }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::Forbidden(Violation::new(Code::Forbidden, message))
    }

    fn version_conflict(message: String) -> Self {
        ApiError::Conflict {
            code: Code::VersionConflict.wire(),
            message,
            field: Some("version"),
        }
    }
}

impl From<Violation> for ApiError {
    /// A single rule violation: its code decides the status.
    fn from(v: Violation) -> Self {
        match v.code {
            Code::Forbidden | Code::WrongReviewer => ApiError::Forbidden(v),
            Code::VersionConflict => ApiError::version_conflict(v.message),
            _ => ApiError::Rules(v.into()),
        }
    }
}

impl From<Violations> for ApiError {
    fn from(vs: Violations) -> Self {
        let single_access = vs.len() == 1
            && vs
                .first()
                .is_some_and(|v| matches!(v.code, Code::Forbidden | Code::WrongReviewer));
        match vs.first() {
            Some(v) if single_access => ApiError::from(v.clone()),
            _ => ApiError::Rules(vs),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::NotFound("未找到"),
            StoreError::VersionConflict => {
                ApiError::version_conflict("方案已被修改，请刷新后重试".into())
            }
            StoreError::DuplicateRegistration(_) => ApiError::Conflict {
                code: "DUPLICATE_REGISTRATION",
                message: "该身份证号码或手机号码已报名本次活动".into(),
                field: Some("id_number"),
            },
            StoreError::CodeRefused => {
                ApiError::from(openday_rules::verification::invalid_code("sms_code"))
            }
            StoreError::Limited { retry_after } => ApiError::RateLimited {
                retry_after,
                message: None,
            },
            StoreError::RegistrationNotOpen => {
                ApiError::from(Violation::new(Code::RegistrationClosed, "活动尚未开放报名"))
            }
            StoreError::AlreadyExists => ApiError::Conflict {
                code: "ALREADY_EXISTS",
                message: "本年度“政府开放日”开展情况已报送".into(),
                field: Some("year"),
            },
            StoreError::Busy => ApiError::Unavailable("storage busy".into()),
            StoreError::Unavailable(m) | StoreError::Corrupt(m) => ApiError::Unavailable(m),
        }
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
                ApiError::Rules(vs) => Some(vs.clone()),
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

/// `30秒` / `5分钟` / `3小时`: how long to wait, in words.
pub fn wait_words(seconds: u64) -> String {
    match seconds {
        0..=90 => format!("{}秒", seconds.max(1)),
        91..=5400 => format!("{}分钟", seconds.div_ceil(60)),
        _ => format!("{}小时", seconds.div_ceil(3600)),
    }
}
