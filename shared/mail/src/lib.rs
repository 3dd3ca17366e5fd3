//! Mail: what each message says ([`letters`]), and how it leaves: Amazon SES v2
//! ([`SesMailer`]) on AWS, SMTP ([`SmtpMailer`]) where SES is not offered, one UTF-8 MIME
//! `.eml` file per message ([`EmlMailer`]) on one machine. Messages are queued in the store's outbox first; a mailer only sends.

pub mod letters;
pub mod smtp;

pub use smtp::{SmtpConfig, SmtpMailer};

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;

use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message as SesMessage};
use mail_builder::MessageBuilder;
use openday_store::records::MailRecord;

pub type Sent<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

/// One message to send: a queued one ([`MailRecord`]), or one that must never wait in a
/// queue (a sign-in link, useless after fifteen minutes and secret).
#[derive(Debug, Clone, Copy)]
pub struct Message<'a> {
    /// Unique per message: the outbox file name and the Message-ID come from it.
    pub key: &'a str,
    pub to: &'a [String],
    pub subject: &'a str,
    pub text: &'a str,
    pub html: &'a str,
    pub at: chrono::DateTime<chrono::Utc>,
}

impl<'a> From<&'a MailRecord> for Message<'a> {
    fn from(mail: &'a MailRecord) -> Self {
        Self {
            key: &mail.key,
            to: &mail.to,
            subject: &mail.subject,
            text: &mail.text,
            html: &mail.html,
            at: mail.queued_at,
        }
    }
}

/// Sends one message. Implementations do not retry: a failure leaves a queued message
/// queued for the next run.
pub trait Mailer: Send + Sync {
    fn send<'a>(&'a self, mail: &'a Message<'a>) -> Sent<'a>;
    /// Where mail goes, for logs and the CLI.
    fn describe(&self) -> String;
}

/// Amazon SES v2: the sender (a verified identity) and configuration set from configuration.
pub struct SesMailer {
    client: aws_sdk_sesv2::Client,
    from: String,
    configuration_set: Option<String>,
}

impl SesMailer {
    pub fn new(
        client: aws_sdk_sesv2::Client,
        from: impl Into<String>,
        configuration_set: Option<String>,
    ) -> Self {
        Self {
            client,
            from: from.into(),
            configuration_set,
        }
    }
}

fn utf8(text: &str) -> Result<Content, String> {
    Content::builder()
        .data(text)
        .charset("UTF-8")
        .build()
        .map_err(|e| e.to_string())
}

impl Mailer for SesMailer {
    fn send<'a>(&'a self, mail: &'a Message<'a>) -> Sent<'a> {
        Box::pin(async move {
            let message = SesMessage::builder()
                .subject(utf8(mail.subject)?)
                .body(
                    Body::builder()
                        .text(utf8(mail.text)?)
                        .html(utf8(mail.html)?)
                        .build(),
                )
                .build();
            self.client
                .send_email()
                .from_email_address(&self.from)
                .destination(
                    Destination::builder()
                        .set_to_addresses(Some(mail.to.to_vec()))
                        .build(),
                )
                .content(EmailContent::builder().simple(message).build())
                .set_configuration_set_name(self.configuration_set.clone())
                .send()
                .await
                .map(|_| ())
                .map_err(|e| aws_sdk_sesv2::error::DisplayErrorContext(&e).to_string())
        })
    }

    fn describe(&self) -> String {
        format!("Amazon SES v2 from {}", self.from)
    }
}

/// One `.eml` file per message in a folder (the local server's outbox).
pub struct EmlMailer {
    dir: PathBuf,
    from: String,
}

impl EmlMailer {
    pub fn new(dir: impl Into<PathBuf>, from: impl Into<String>) -> Self {
        Self {
            dir: dir.into(),
            from: from.into(),
        }
    }

    /// The file a message is written to: its queue time and key, safe as a file name.
    pub fn file_of(&self, mail: &Message<'_>) -> PathBuf {
        let key: String = mail
            .key
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        self.dir
            .join(format!("{}-{key}.eml", mail.at.format("%Y%m%dT%H%M%S")))
    }

    /// The message as the outbox keeps it (see [`render`]).
    pub fn render(&self, mail: &Message<'_>) -> Result<Vec<u8>, String> {
        render(mail, &self.from, "openday.local")
    }
}

/// A message as RFC 5322 MIME: UTF-8 (subject and names encoded per RFC 2047), plain text
/// and HTML alternatives, and a Message-ID made from its key at `domain`, so that a retry
/// of the same message carries the same ID (a receiver can tell a repeat).
pub fn render(mail: &Message<'_>, from: &str, domain: &str) -> Result<Vec<u8>, String> {
    MessageBuilder::new()
        .from(("“政府开放日”平台", from))
        .to(mail.to.iter().map(String::as_str).collect::<Vec<_>>())
        .subject(mail.subject)
        .message_id(format!("{}@{domain}", mail.key.replace(['#', ' '], ".")))
        .date(mail.at.timestamp())
        .text_body(mail.text)
        .html_body(mail.html)
        .write_to_vec()
        .map_err(|e| e.to_string())
}

impl Mailer for EmlMailer {
    fn send<'a>(&'a self, mail: &'a Message<'a>) -> Sent<'a> {
        Box::pin(async move {
            std::fs::create_dir_all(&self.dir)
                .map_err(|e| format!("{}: {e}", self.dir.display()))?;
            let bytes = self.render(mail)?;
            let path = self.file_of(mail);
            // Write then rename, so a listed file is always whole.
            let partial = path.with_extension("eml.partial");
            std::fs::write(&partial, bytes).map_err(|e| format!("{}: {e}", partial.display()))?;
            std::fs::rename(&partial, &path).map_err(|e| format!("{}: {e}", path.display()))
        })
    }

    fn describe(&self) -> String {
        format!("local outbox {}", self.dir.display())
    }
}

/// A message found in a local outbox folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    pub file: PathBuf,
    pub date: String,
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
}

/// Every `.eml` in `dir`, oldest first, with its headers decoded.
pub fn read_outbox(dir: &Path) -> Result<Vec<OutboxEntry>, String> {
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("{}: {e}", dir.display())),
    };
    files.sort();
    files
        .into_iter()
        .map(|file| {
            let bytes = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let parsed = mail_parser::MessageParser::default()
                .parse(&bytes)
                .ok_or_else(|| format!("{}: not a MIME message", file.display()))?;
            let to = parsed
                .to()
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.address().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            Ok(OutboxEntry {
                date: parsed.date().map(|d| d.to_rfc3339()).unwrap_or_default(),
                to,
                subject: parsed.subject().unwrap_or_default().to_owned(),
                text: parsed
                    .body_text(0)
                    .map(|t| t.into_owned())
                    .unwrap_or_default(),
                file,
            })
        })
        .collect()
}
