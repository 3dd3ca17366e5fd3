//! The one error type of the use cases: what went wrong in the platform's own words (a
//! stable code, a Chinese message, the field). The HTTP adapter maps it to a status in one
//! place; the CLI prints it.

use openday_rules::{Code, Violation, Violations};
use openday_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A valid caller who may not do this.
    #[error("forbidden: {0}")]
    Forbidden(Violation),
    #[error("not found: {0}")]
    NotFound(&'static str),
    /// A version conflict, a duplicate registration, a second annual report.
    #[error("conflict: {code}")]
    Conflict {
        code: &'static str,
        message: String,
        field: Option<&'static str>,
    },
    /// Rules broken: every violation.
    #[error("unprocessable: {0}")]
    Rules(Violations),
    /// Too many attempts by one phone (or address): retry after so many seconds.
    #[error("rate limited for {retry_after}s")]
    RateLimited {
        retry_after: u64,
        /// What was limited, when more can be said than "too often".
        message: Option<String>,
    },
    /// A service the operator capped is paused until the cap's window ends (the hourly
    /// budget of text messages): retry after so many seconds.
    #[error("paused for {retry_after}s: {code}")]
    Paused {
        code: &'static str,
        message: String,
        retry_after: u64,
    },
    /// Storage contention or outage, a mail or SMS gateway down: retry later.
    #[error("unavailable: {0}")]
    Unavailable(String),
}

/// Seconds a client should wait after the platform was unavailable.
const RETRY_UNAVAILABLE: u64 = 5;

/// What a refusal says: the stable code, the Chinese message and the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Said {
    pub code: String,
    pub message: String,
    pub field: Option<String>,
}

impl AppError {
    pub fn forbidden(message: impl Into<String>) -> Self {
        AppError::Forbidden(Violation::new(Code::Forbidden, message))
    }

    /// A registration that runs into another one of the event, by ID number or by phone:
    /// one answer for both (the same status, code, message and field), so that it does not
    /// tell whether an ID number is registered. `contact`: the organiser's phone.
    pub fn duplicate_registration(contact: Option<&str>) -> Self {
        let call = contact.map_or_else(
            || "请联系承办单位处理".to_owned(),
            |phone| format!("请携带身份证件联系承办单位（联系电话：{phone}）处理"),
        );
        AppError::Conflict {
            code: "DUPLICATE_REGISTRATION",
            message: format!(
                "该手机号码或身份证号码已报名本次活动（一个手机号码只能报名一人）。如非本人报名，{call}"
            ),
            field: Some("id_number"),
        }
    }

    pub(crate) fn version_conflict(message: String) -> Self {
        AppError::Conflict {
            code: Code::VersionConflict.wire(),
            message,
            field: Some("version"),
        }
    }

    /// A single validation failure at `field`.
    pub(crate) fn invalid(field: &str, message: impl Into<String>) -> Self {
        Violation::new(Code::ValidationFailed, message)
            .at(field)
            .into()
    }

    /// The `Retry-After` seconds, when waiting helps.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            AppError::RateLimited { retry_after, .. } | AppError::Paused { retry_after, .. } => {
                Some(*retry_after)
            }
            AppError::Unavailable(_) => Some(RETRY_UNAVAILABLE),
            _ => None,
        }
    }

    /// Whether the person can do something about it (a refusal), or the platform failed.
    pub fn is_failure(&self) -> bool {
        matches!(self, AppError::Unavailable(_) | AppError::Paused { .. })
    }

    /// The stable code, the Chinese message and the field (the first violation's).
    pub fn said(&self) -> Said {
        let (code, message, field) = match self {
            AppError::Forbidden(v) => (v.code.wire().into(), v.message.clone(), v.field.clone()),
            AppError::NotFound(m) => ("NOT_FOUND".into(), (*m).into(), None),
            AppError::Conflict {
                code,
                message,
                field,
            } => ((*code).into(), message.clone(), field.map(str::to_owned)),
            AppError::Rules(vs) => match vs.first() {
                Some(v) => (v.code.wire().into(), v.message.clone(), v.field.clone()),
                None => ("VALIDATION_FAILED".into(), "输入不符合要求".into(), None),
            },
            AppError::RateLimited {
                retry_after,
                message,
            } => (
                "RATE_LIMITED".into(),
                message.clone().unwrap_or_else(|| {
                    format!("操作过于频繁，请{}后再试", wait_words(*retry_after))
                }),
                None,
            ),
            AppError::Paused { code, message, .. } => ((*code).into(), message.clone(), None),
            AppError::Unavailable(_) => (
                "SERVICE_UNAVAILABLE".into(),
                "系统繁忙，请稍后重试".into(),
                None,
            ),
        };
        Said {
            code,
            message,
            field,
        }
    }
}

impl From<Violation> for AppError {
    /// A single rule violation: its code decides the kind.
    fn from(v: Violation) -> Self {
        match v.code {
            Code::Forbidden | Code::WrongReviewer | Code::NotParticipant => AppError::Forbidden(v),
            Code::VersionConflict => AppError::version_conflict(v.message),
            _ => AppError::Rules(v.into()),
        }
    }
}

impl From<Violations> for AppError {
    fn from(vs: Violations) -> Self {
        let single_access = vs.len() == 1
            && vs.first().is_some_and(|v| {
                matches!(
                    v.code,
                    Code::Forbidden | Code::WrongReviewer | Code::NotParticipant
                )
            });
        match vs.first() {
            Some(v) if single_access => AppError::from(v.clone()),
            _ => AppError::Rules(vs),
        }
    }
}

impl From<openday_store::personal::RandomUnavailable> for AppError {
    /// No fresh id can be made just now: as storage being unavailable, retry later.
    fn from(e: openday_store::personal::RandomUnavailable) -> Self {
        StoreError::from(e).into()
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound("未找到"),
            StoreError::VersionConflict => {
                AppError::version_conflict("方案已被修改，请刷新后重试".into())
            }
            StoreError::DuplicateRegistration(_) => AppError::duplicate_registration(None),
            StoreError::CodeRefused => {
                AppError::from(openday_rules::verification::invalid_code("sms_code"))
            }
            StoreError::Limited { retry_after } => AppError::RateLimited {
                retry_after,
                message: None,
            },
            StoreError::RegistrationNotOpen => {
                AppError::from(Violation::new(Code::RegistrationClosed, "活动尚未开放报名"))
            }
            StoreError::AlreadyExists => AppError::Conflict {
                code: "ALREADY_EXISTS",
                message: "本年度“政府开放日”开展情况已报送".into(),
                field: Some("year"),
            },
            StoreError::BadCursor => AppError::from(
                Violation::new(Code::ValidationFailed, "翻页参数无效，请从第一页重新查看")
                    .at("cursor"),
            ),
            StoreError::Busy => AppError::Unavailable("storage busy".into()),
            StoreError::Unavailable(m) | StoreError::Corrupt(m) => AppError::Unavailable(m),
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_single_access_violation_is_forbidden_and_others_are_rules() {
        let v = Violation::new(Code::WrongReviewer, "不是本级");
        assert!(matches!(AppError::from(v), AppError::Forbidden(_)));
        let mut vs = Violations::new();
        vs.push(Violation::new(Code::Forbidden, "a"));
        vs.push(Violation::new(Code::ValidationFailed, "b").at("name"));
        assert!(matches!(AppError::from(vs), AppError::Rules(_)));
    }

    #[test]
    fn a_refusal_says_its_code_message_and_field() {
        let said = AppError::from(StoreError::DuplicateRegistration(
            openday_store::records::Duplicate::Phone { code: "X".into() },
        ))
        .said();
        assert_eq!(said.code, "DUPLICATE_REGISTRATION");
        assert_eq!(said.field.as_deref(), Some("id_number"));
        let limited = AppError::RateLimited {
            retry_after: 120,
            message: None,
        };
        assert_eq!(limited.said().message, "操作过于频繁，请2分钟后再试");
        assert_eq!(limited.retry_after(), Some(120));
    }

    #[test]
    fn waits_are_said_in_the_largest_sensible_unit() {
        assert_eq!(wait_words(0), "1秒");
        assert_eq!(wait_words(90), "90秒");
        assert_eq!(wait_words(91), "2分钟");
        assert_eq!(wait_words(5401), "2小时");
    }
}
