//! Text messages (短信) to the public: a port like mail. Amazon SNS ([`SnsSms`]) on AWS,
//! one UTF-8 `.txt` file per message ([`FolderSms`]) on one machine. Only verification
//! codes and notices the person asked for are sent; the number is never logged in full.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;

use aws_sdk_sns::types::MessageAttributeValue;
use openday_rules::phone::Phone;

pub type Sent<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

/// Sends one text message; no retries (the caller decides what a failure means).
pub trait SmsSender: Send + Sync {
    fn send<'a>(&'a self, to: &'a Phone, text: &'a str) -> Sent<'a>;
    /// Where messages go, for logs and the CLI.
    fn describe(&self) -> String;
}

/// `+8613800138000`: the E.164 form SNS expects. Landlines cannot take text messages.
pub fn e164(phone: &Phone) -> Option<String> {
    match phone {
        Phone::Mobile(m) => Some(format!("+86{m}")),
        Phone::Landline { .. } => None,
    }
}

/// Amazon SNS `Publish` to a phone number, as a transactional message.
pub struct SnsSms {
    client: aws_sdk_sns::Client,
    /// The sender ID shown where carriers support one (`OPENDAY_SMS_SENDER_ID`).
    sender_id: Option<String>,
}

impl SnsSms {
    pub fn new(client: aws_sdk_sns::Client, sender_id: Option<String>) -> Self {
        Self { client, sender_id }
    }
}

fn string_attribute(value: &str) -> Result<MessageAttributeValue, String> {
    MessageAttributeValue::builder()
        .data_type("String")
        .string_value(value)
        .build()
        .map_err(|e| e.to_string())
}

impl SmsSender for SnsSms {
    fn send<'a>(&'a self, to: &'a Phone, text: &'a str) -> Sent<'a> {
        Box::pin(async move {
            let number = e164(to).ok_or("短信只能发送到手机号码")?;
            let mut publish = self
                .client
                .publish()
                .phone_number(number)
                .message(text)
                .message_attributes("AWS.SNS.SMS.SMSType", string_attribute("Transactional")?);
            if let Some(id) = &self.sender_id {
                publish = publish.message_attributes("AWS.SNS.SMS.SenderID", string_attribute(id)?);
            }
            publish
                .send()
                .await
                .map(|_| ())
                .map_err(|e| aws_sdk_sns::error::DisplayErrorContext(&e).to_string())
        })
    }

    fn describe(&self) -> String {
        "Amazon SNS".into()
    }
}

/// One `.txt` file per message in a folder: `To: <phone>`, a blank line, the text.
pub struct FolderSms {
    dir: PathBuf,
}

impl FolderSms {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }
}

impl SmsSender for FolderSms {
    fn send<'a>(&'a self, to: &'a Phone, text: &'a str) -> Sent<'a> {
        Box::pin(async move {
            std::fs::create_dir_all(&self.dir)
                .map_err(|e| format!("{}: {e}", self.dir.display()))?;
            let mut id = [0u8; 4];
            getrandom::fill(&mut id).map_err(|e| format!("no randomness: {e}"))?;
            let name = format!(
                "{}-{}.txt",
                chrono::Utc::now().format("%Y%m%dT%H%M%S%6f"),
                id.iter().map(|b| format!("{b:02x}")).collect::<String>()
            );
            let path = self.dir.join(name);
            // Write then rename, so a listed file is always whole.
            let partial = path.with_extension("txt.partial");
            std::fs::write(&partial, format!("To: {}\n\n{text}\n", to.expose()))
                .map_err(|e| format!("{}: {e}", partial.display()))?;
            std::fs::rename(&partial, &path).map_err(|e| format!("{}: {e}", path.display()))
        })
    }

    fn describe(&self) -> String {
        format!("local SMS outbox {}", self.dir.display())
    }
}

/// A text message found in a local SMS outbox folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsEntry {
    pub file: PathBuf,
    pub to: String,
    pub text: String,
}

/// Every `.txt` in `dir`, oldest first.
pub fn read_sms_outbox(dir: &Path) -> Result<Vec<SmsEntry>, String> {
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "txt"))
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("{}: {e}", dir.display())),
    };
    files.sort();
    files
        .into_iter()
        .map(|file| {
            let raw =
                std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let (head, text) = raw
                .split_once("\n\n")
                .ok_or_else(|| format!("{}: no blank line after the header", file.display()))?;
            let to = head
                .strip_prefix("To: ")
                .ok_or_else(|| format!("{}: the first line is not To:", file.display()))?;
            Ok(SmsEntry {
                to: to.trim().to_owned(),
                text: text.trim_end().to_owned(),
                file,
            })
        })
        .collect()
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
        sms.send(&phone, "您的验证码为123456").await.unwrap();
        sms.send(&phone, "第二条").await.unwrap();
        let read = read_sms_outbox(&dir).unwrap();
        assert_eq!(read.len(), 2);
        assert_eq!(read[0].to, "13800138000");
        assert_eq!(read[0].text, "您的验证码为123456");
        assert_eq!(read[1].text, "第二条");
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
