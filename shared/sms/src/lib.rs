//! Text messages (短信) to the public, behind one port ([`SmsSender`]): Amazon SNS
//! ([`SnsSms`]) on AWS, Alibaba Cloud SMS ([`AliyunSms`]) or Tencent Cloud SMS
//! ([`TencentSms`]) for mainland numbers, and one UTF-8 `.txt` file per message
//! ([`FolderSms`]) on one machine. Only verification codes and notices the person asked for
//! are sent; the number is never logged in full.
//!
//! What is sent is a [`Text`]: a kind and its parameters. SNS and the folder send its whole
//! Chinese wording ([`Text::body`]); the domestic gateways send the parameters to a template
//! registered with the vendor ([`Templates`]), which adds the sign name (【…】) itself.

pub mod aliyun;
mod folder;
pub mod receipts;
pub mod sign;
mod sns;
pub mod tencent;
mod text;

use std::future::Future;
use std::pin::Pin;

use openday_rules::phone::Phone;

pub use aliyun::AliyunSms;
pub use folder::{FolderSms, SmsEntry, read_sms_outbox};
pub use sns::SnsSms;
pub use tencent::TencentSms;
pub use text::{Templates, Text, TextKind};

/// What a gateway said about one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmsError {
    /// The gateway could not be reached, timed out or failed on its side: the same message
    /// may go through later, so a caller may try again.
    Unavailable(String),
    /// The gateway refused this message (the number, the content or template, the person's
    /// own frequency limit, the account): sent again as it is, it would be refused again, so
    /// no caller retries it blindly.
    Refused { code: String, message: String },
}

impl std::fmt::Display for SmsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unavailable(why) => write!(f, "gateway unavailable: {why}"),
            Self::Refused { code, message } => write!(f, "refused ({code}): {message}"),
        }
    }
}

/// A message the gateway took, with its id there when it gives one (delivery receipts name
/// it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Accepted {
    pub id: Option<String>,
}

pub type Sent<'a> = Pin<Box<dyn Future<Output = Result<Accepted, SmsError>> + Send + 'a>>;

/// Sends one text message; no retries (the caller decides what a failure means).
pub trait SmsSender: Send + Sync {
    fn send<'a>(&'a self, to: &'a Phone, text: &'a Text) -> Sent<'a>;
    /// Where messages go, for logs and the CLI.
    fn describe(&self) -> String;
    /// The gateway's name (`sns`, `aliyun`, `tencent`, `folder`): whose ids its
    /// [`Accepted::id`] are, and whose receipts name them.
    fn provider(&self) -> &'static str {
        "other"
    }
}

/// `+8613800138000`: the E.164 form SNS and Tencent expect. Landlines cannot take text
/// messages.
pub fn e164(phone: &Phone) -> Option<String> {
    match phone {
        Phone::Mobile(m) => Some(format!("+86{m}")),
        Phone::Landline { .. } => None,
    }
}

/// The HTTP client of the domestic gateways: HTTPS, and a bound on each request (a gateway
/// that does not answer is unavailable, not waited for).
fn http_client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(5))
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .map_err(|e| format!("HTTP client: {e}"))
}

/// A request that did not get an answer: the network or the gateway is down.
fn network(e: reqwest::Error) -> SmsError {
    // Without the URL: it carries the signed query (the phone number).
    SmsError::Unavailable(format!("no answer from the gateway: {}", e.without_url()))
}

/// A gateway's HTTP status and its JSON answer (one the vendor's own format cannot read is
/// the gateway failing).
async fn read_answer<T: serde::de::DeserializeOwned>(
    vendor: &str,
    answer: reqwest::Response,
) -> Result<(u16, T), SmsError> {
    let status = answer.status().as_u16();
    let body = answer.json().await.map_err(|e| {
        SmsError::Unavailable(format!("{vendor} HTTP {status}: unreadable answer: {e}"))
    })?;
    Ok((status, body))
}

/// A unique value for each request (the vendors refuse a nonce used before).
fn nonce() -> Result<String, SmsError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| SmsError::Unavailable(format!("no randomness: {e}")))?;
    Ok(sign::hex(&bytes))
}

/// `host` or `host:port` of a gateway's endpoint: what the `Host` header carries and the
/// signature covers.
fn host_of(endpoint: &str) -> Result<String, SmsError> {
    let url = reqwest::Url::parse(endpoint)
        .map_err(|e| SmsError::Unavailable(format!("OPENDAY_SMS_ENDPOINT: {e}")))?;
    match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => Ok(format!("{h}:{p}")),
        (Some(h), None) => Ok(h.to_owned()),
        (None, _) => Err(SmsError::Unavailable(
            "OPENDAY_SMS_ENDPOINT has no host".into(),
        )),
    }
}

/// The refusal of a number that cannot take a text message.
fn not_a_mobile() -> SmsError {
    SmsError::Refused {
        code: "NOT_A_MOBILE".into(),
        message: "短信只能发送到手机号码".into(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn the_folder_outbox_writes_what_it_reads_back() {
        let dir = std::env::temp_dir().join(format!("openday-sms-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let sms = FolderSms::new(&dir);
        let phone = Phone::parse("phone", "13800138000").unwrap();
        sms.send(
            &phone,
            &Text::Code {
                code: "123456".into(),
            },
        )
        .await
        .unwrap();
        sms.send(
            &phone,
            &Text::Code {
                code: "654321".into(),
            },
        )
        .await
        .unwrap();
        let read = read_sms_outbox(&dir).unwrap();
        assert_eq!(read.len(), 2);
        assert_eq!(read[0].to, "13800138000");
        assert!(
            read[0].text.contains("您的验证码为123456"),
            "{}",
            read[0].text
        );
        assert!(read[1].text.contains("654321"));
        let raw = std::fs::read_to_string(&read[0].file).unwrap();
        assert!(raw.starts_with("To: 13800138000\n\n"));
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(read_sms_outbox(&dir).unwrap().is_empty());
    }

    #[test]
    fn only_mobiles_take_text_messages() {
        assert_eq!(
            e164(&Phone::parse("p", "13800138000").unwrap()).as_deref(),
            Some("+8613800138000")
        );
        assert_eq!(e164(&Phone::parse("p", "0771-5551234").unwrap()), None);
    }
}
