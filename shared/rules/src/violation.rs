//! Rule violations: a stable code for programs, a Chinese message for people, and the field.

use serde::Serialize;

wire_enum! {
    /// Stable error codes. Programs match on these; the wire form never changes.
    pub enum Code : "错误代码" {
        ValidationFailed => "VALIDATION_FAILED", "输入不符合要求";
        OutsideOpenPeriod => "OUTSIDE_OPEN_PERIOD", "不在开放时间内";
        FormatMismatch => "FORMAT_MISMATCH", "活动形式与日期不符";
        ImplementerNotEligible => "IMPLEMENTER_NOT_ELIGIBLE", "实施主体不符合要求";
        NotFiled => "NOT_FILED", "实施方案未经审核备案";
        WrongReviewer => "WRONG_REVIEWER", "审核机关不符";
        NoticeTooShort => "NOTICE_TOO_SHORT", "公告发布时间不足";
        AnnouncementIncomplete => "ANNOUNCEMENT_INCOMPLETE", "公告事项不全";
        ParticipantsBelowMinimum => "PARTICIPANTS_BELOW_MINIMUM", "参加人数不足";
        InvalidIdNumber => "INVALID_ID_NUMBER", "身份证号码无效";
        Underage => "UNDERAGE", "未达到规定年龄";
        NotEligible => "NOT_ELIGIBLE", "不符合邀请对象条件";
        LeaderNotAllowed => "LEADER_NOT_ALLOWED", "不得邀请政府领导以外的领导";
        InteractionRequired => "INTERACTION_REQUIRED", "缺少必设环节";
        NameNotAllowed => "NAME_NOT_ALLOWED", "活动名称不规范";
        FeedbackUnanswered => "FEEDBACK_UNANSWERED", "意见建议未全部反馈";
        InvalidTransition => "INVALID_TRANSITION", "当前状态不允许该操作";
        Forbidden => "FORBIDDEN", "无权操作";
        VersionConflict => "VERSION_CONFLICT", "版本冲突";
        RegistrationClosed => "REGISTRATION_CLOSED", "不在报名时间内";
        FeedbackClosed => "FEEDBACK_CLOSED", "不在意见征集时间内";
        EvaluationClosed => "EVALUATION_CLOSED", "不在测评时间内";
        SmsCodeInvalid => "SMS_CODE_INVALID", "短信验证码不正确或已失效";
        CheckInClosed => "CHECK_IN_CLOSED", "不在签到时间内";
        AlreadyCheckedIn => "ALREADY_CHECKED_IN", "已签到";
        NotAdmitted => "NOT_ADMITTED", "不能入场";
        NotParticipant => "NOT_PARTICIPANT", "不是本场活动的参加人员";
        QuestionnaireClosed => "QUESTIONNAIRE_CLOSED", "问卷未开放或已截止";
        SmsRefused => "SMS_REFUSED", "短信平台拒绝向该号码发送";
    }
}

/// One broken rule: what, in words for people, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{code}: {message}")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Violation {
    pub code: Code,
    /// Simplified Chinese, for the person who sent the input.
    pub message: String,
    /// The wire name of the offending field (`segments[1].subtype`), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl Violation {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            field: None,
        }
    }

    /// The same violation, pinned to a field.
    pub fn at(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

/// Every violation found in one input, in the order the fields were checked.
/// Never empty when returned as an error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[serde(transparent)]
pub struct Violations(Vec<Violation>);

impl Violations {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, violation: Violation) {
        self.0.push(violation);
    }

    /// Keeps the value of a check that passed, records the violation of one that did not.
    pub fn take<T>(&mut self, result: Result<T, Violation>) -> Option<T> {
        result.map_err(|v| self.push(v)).ok()
    }

    /// Like [`Violations::take`], for checks that report several violations at once.
    pub fn take_all<T>(&mut self, result: Result<T, Violations>) -> Option<T> {
        result.map_err(|vs| self.0.extend(vs.0)).ok()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Violation> {
        self.0.iter()
    }

    /// The first violation: the one an error response puts in `error`.
    pub fn first(&self) -> Option<&Violation> {
        self.0.first()
    }

    pub fn codes(&self) -> Vec<Code> {
        self.0.iter().map(|v| v.code).collect()
    }

    pub fn has(&self, code: Code) -> bool {
        self.0.iter().any(|v| v.code == code)
    }

    /// Builds the value from the parts that parsed (`None` parts short-circuit with `?`)
    /// when nothing was recorded, otherwise returns every violation.
    pub fn finish_with<T>(self, build: impl FnOnce() -> Option<T>) -> Result<T, Violations> {
        if !self.0.is_empty() {
            return Err(self);
        }
        // A part is `None` only after its violation was recorded; this is a safety net.
        build().ok_or_else(|| Violation::new(Code::ValidationFailed, "输入不完整").into())
    }

    /// `Ok(value)` when nothing was recorded, otherwise every violation.
    pub fn finish<T>(self, value: impl FnOnce() -> T) -> Result<T, Violations> {
        if self.0.is_empty() {
            Ok(value())
        } else {
            Err(self)
        }
    }
}

impl From<Violation> for Violations {
    fn from(v: Violation) -> Self {
        Self(vec![v])
    }
}

impl IntoIterator for Violations {
    type Item = Violation;
    type IntoIter = std::vec::IntoIter<Violation>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl std::fmt::Display for Violations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, v) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{v}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Violations {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_have_their_stable_wire_names() {
        assert_eq!(Code::OutsideOpenPeriod.wire(), "OUTSIDE_OPEN_PERIOD");
        assert_eq!(
            serde_json::to_string(&Code::NameNotAllowed).unwrap(),
            "\"NAME_NOT_ALLOWED\""
        );
        assert_eq!(Code::from_wire("NOT_FILED"), Some(Code::NotFiled));
    }

    #[test]
    fn a_violation_serialises_as_code_message_field() {
        let v = Violation::new(Code::Underage, "未满18周岁").at("id_number");
        assert_eq!(
            serde_json::to_value(&v).unwrap(),
            serde_json::json!({"code":"UNDERAGE","message":"未满18周岁","field":"id_number"})
        );
    }

    #[test]
    fn finish_returns_every_violation_in_order() {
        let mut vs = Violations::new();
        assert_eq!(vs.take(Ok::<_, Violation>(1)), Some(1));
        vs.take::<()>(Err(Violation::new(Code::Underage, "a")));
        vs.take::<()>(Err(Violation::new(Code::NotEligible, "b")));
        let err = vs.finish(|| ()).unwrap_err();
        assert_eq!(err.codes(), vec![Code::Underage, Code::NotEligible]);
        assert!(Violations::new().finish(|| 7).is_ok());
    }
}
