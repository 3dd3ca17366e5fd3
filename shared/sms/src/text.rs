//! What a text message says: a kind and its parameters. The whole wording is for SNS and the
//! folder; the domestic gateways send the parameters to the template registered with them.

use openday_rules::verification;

/// The platform's text messages. Parameters are already in the words people read (a
/// date as 9月20日), never personal data besides the registration code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Text {
    /// A verification code (验证码), valid for [`verification::CODE_VALID_SECONDS`].
    Code { code: String },
    /// The day before an event: its name, day, place and the registration code.
    Reminder {
        event: String,
        date: String,
        place: String,
        registration: String,
    },
    /// An event the person registered for is cancelled: its name and days.
    Cancelled { event: String, dates: String },
}

/// The kinds of text, each with a template of its own at a domestic gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    Code,
    Reminder,
    Cancelled,
}

impl TextKind {
    pub fn wire(self) -> &'static str {
        match self {
            Self::Code => "code",
            Self::Reminder => "reminder",
            Self::Cancelled => "cancelled",
        }
    }
}

impl Text {
    pub fn kind(&self) -> TextKind {
        match self {
            Self::Code { .. } => TextKind::Code,
            Self::Reminder { .. } => TextKind::Reminder,
            Self::Cancelled { .. } => TextKind::Cancelled,
        }
    }

    /// The whole message with the platform's sign name, as SNS and the folder send it.
    pub fn body(&self) -> String {
        match self {
            Self::Code { code } => verification::code_message(code),
            Self::Reminder {
                event,
                date,
                place,
                registration,
            } => format!(
                "【政府开放日】提醒：您报名的“{event}”将于明天（{date}）举行，地点：{place}。报名编号{registration}，请携带本人身份证件按时参加。"
            ),
            Self::Cancelled { event, dates } => {
                format!("【政府开放日】您报名的“{event}”（{dates}）已取消，感谢您的关注。")
            }
        }
    }

    /// The template's parameters by name, in the template's order (Alibaba Cloud names
    /// them, `${code}`; Tencent Cloud numbers them, `{1}`). See `docs/deploy.md` for the
    /// templates to register.
    pub fn params(&self) -> Vec<(&'static str, String)> {
        match self {
            Self::Code { code } => vec![
                ("code", code.clone()),
                (
                    "minutes",
                    (verification::CODE_VALID_SECONDS / 60).to_string(),
                ),
            ],
            Self::Reminder {
                event,
                date,
                place,
                registration,
            } => vec![
                ("event", event.clone()),
                ("date", date.clone()),
                ("place", place.clone()),
                ("registration", registration.clone()),
            ],
            Self::Cancelled { event, dates } => {
                vec![("event", event.clone()), ("date", dates.clone())]
            }
        }
    }
}

/// The sign name (签名) and the template of each kind registered with a domestic gateway:
/// `OPENDAY_SMS_SIGN_NAME`, `OPENDAY_SMS_TEMPLATE_CODE`, `OPENDAY_SMS_TEMPLATE_REMINDER`,
/// `OPENDAY_SMS_TEMPLATE_CANCELLED`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Templates {
    pub sign_name: String,
    pub code: String,
    pub reminder: String,
    pub cancelled: String,
}

impl Templates {
    pub fn from_vars(var: &impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let get = |name: &str| required(var, name);
        Ok(Self {
            sign_name: get("OPENDAY_SMS_SIGN_NAME")?,
            code: get("OPENDAY_SMS_TEMPLATE_CODE")?,
            reminder: get("OPENDAY_SMS_TEMPLATE_REMINDER")?,
            cancelled: get("OPENDAY_SMS_TEMPLATE_CANCELLED")?,
        })
    }

    pub fn of(&self, kind: TextKind) -> &str {
        match kind {
            TextKind::Code => &self.code,
            TextKind::Reminder => &self.reminder,
            TextKind::Cancelled => &self.cancelled,
        }
    }
}

/// A required setting, trimmed and non-empty.
pub(crate) fn required(
    var: &impl Fn(&str) -> Option<String>,
    name: &str,
) -> Result<String, String> {
    var(name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| format!("{name} is not set"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_whole_wording_and_the_template_parameters_say_the_same() {
        let t = Text::Reminder {
            event: "南宁市交通运输局“政府开放日”".into(),
            date: "9月20日".into(),
            place: "调度中心".into(),
            registration: "7KQ3M9TX".into(),
        };
        let body = t.body();
        for (_, value) in t.params() {
            assert!(body.contains(&value), "{value} in {body}");
        }
        let code = Text::Code {
            code: "482913".into(),
        };
        assert_eq!(
            code.params(),
            [("code", "482913".to_owned()), ("minutes", "10".to_owned())]
        );
        assert!(code.body().contains("482913") && code.body().contains("10分钟"));
        assert_eq!(code.kind(), TextKind::Code);
    }

    #[test]
    fn every_template_must_be_configured() {
        let vars = |name: &str| (name != "OPENDAY_SMS_TEMPLATE_REMINDER").then(|| "x".to_owned());
        assert_eq!(
            Templates::from_vars(&vars).unwrap_err(),
            "OPENDAY_SMS_TEMPLATE_REMINDER is not set"
        );
    }
}
