//! Phone verification (短信验证码) of public writes: a 6-digit code sent by text message,
//! valid for a while, burned after a few wrong tries, sent at most so often. The numbers
//! live here so that the store, the handlers and the docs say the same.

use chrono::{DateTime, NaiveDate, Utc};

use crate::calendar::{local_day, start_of_day};
use crate::phone::Phone;
use crate::violation::{Code, Violation};

/// How long a code may be used, for several writes by that phone.
pub const CODE_VALID_SECONDS: i64 = 10 * 60;
/// Wrong tries after which the code is burned.
pub const MAX_WRONG_TRIES: u32 = 5;
/// The least time between two codes to one phone.
pub const RESEND_AFTER_SECONDS: i64 = 60;
/// Codes to one phone in one Asia/Shanghai calendar day.
pub const MAX_SENDS_PER_DAY: u32 = 10;
/// Public feedback items per phone, plan and day.
pub const MAX_FEEDBACK_PER_DAY: u32 = 10;

/// A phone that can receive a text message: a mobile number.
pub fn mobile(field: &str, raw: Option<&str>) -> Result<Phone, Violation> {
    let raw = raw.unwrap_or("").trim();
    if raw.is_empty() {
        return Err(Violation::new(Code::ValidationFailed, "请填写手机号码").at(field));
    }
    match Phone::parse(field, raw)? {
        p @ Phone::Mobile(_) => Ok(p),
        Phone::Landline { .. } => Err(Violation::new(
            Code::ValidationFailed,
            "请填写11位手机号码，用于接收短信验证码",
        )
        .at(field)),
    }
}

/// The code as typed: exactly six digits (spaces around are forgiven).
pub fn code(field: &str, raw: Option<&str>) -> Result<String, Violation> {
    let raw = raw.unwrap_or("").trim();
    if raw.is_empty() {
        return Err(Violation::new(
            Code::SmsCodeInvalid,
            "请填写短信验证码（先点击“获取验证码”）",
        )
        .at(field));
    }
    if raw.len() == 6 && raw.bytes().all(|b| b.is_ascii_digit()) {
        Ok(raw.to_owned())
    } else {
        Err(Violation::new(Code::SmsCodeInvalid, "短信验证码为6位数字").at(field))
    }
}

/// The refusal of a code that is wrong, expired or burned: one message for all three, so
/// that a guesser learns nothing.
pub fn invalid_code(field: &str) -> Violation {
    Violation::new(Code::SmsCodeInvalid, "短信验证码不正确或已失效，请重新获取").at(field)
}

/// The text of the message that carries a code.
pub fn code_message(code: &str) -> String {
    format!(
        "【政府开放日】您的验证码为{code}，{}分钟内有效。如非本人操作，请忽略本短信。",
        CODE_VALID_SECONDS / 60
    )
}

/// The Asia/Shanghai day of `now`, as the key of the daily counters.
pub fn day_of(now: DateTime<Utc>) -> NaiveDate {
    local_day(&now)
}

/// Seconds from `now` until the next Asia/Shanghai midnight: when daily limits reset.
pub fn seconds_until_tomorrow(now: DateTime<Utc>) -> i64 {
    let tomorrow = local_day(&now).succ_opt().unwrap_or(local_day(&now));
    (start_of_day(tomorrow) - now).num_seconds().max(1)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::calendar::parse_instant;

    #[test]
    fn only_mobiles_receive_codes() {
        assert!(mobile("phone", Some(" 13800138000 ")).is_ok());
        let v = mobile("phone", Some("0771-5551234")).unwrap_err();
        assert_eq!(
            (v.code, v.field.as_deref()),
            (Code::ValidationFailed, Some("phone"))
        );
        assert!(v.message.contains("11位手机号码"));
        assert_eq!(mobile("phone", None).unwrap_err().message, "请填写手机号码");
    }

    #[test]
    fn codes_are_six_digits() {
        assert_eq!(code("sms_code", Some(" 012345 ")).unwrap(), "012345");
        for bad in ["12345", "1234567", "12a456", "１２３４５６", ""] {
            assert_eq!(
                code("sms_code", Some(bad)).unwrap_err().code,
                Code::SmsCodeInvalid,
                "{bad}"
            );
        }
        assert!(code_message("123456").contains("123456"));
        assert!(code_message("123456").contains("10分钟"));
    }

    #[test]
    fn daily_limits_reset_at_shanghai_midnight() {
        let late = parse_instant("t", "2026-09-06T23:59:00+08:00").unwrap();
        assert_eq!(seconds_until_tomorrow(late), 60);
        assert_eq!(day_of(late).to_string(), "2026-09-06");
        let utc_evening = parse_instant("t", "2026-09-06T17:00:00Z").unwrap();
        assert_eq!(day_of(utc_evening).to_string(), "2026-09-07");
    }
}
