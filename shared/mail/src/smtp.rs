//! Mail over SMTP ([`SmtpMailer`]), for a deployment where SES is not offered: an agency's
//! or the province's own mail server. The message is the same MIME as the local outbox's
//! ([`crate::render`]); lettre carries it (STARTTLS or implicit TLS, authentication).

use std::path::PathBuf;
use std::time::Duration;

use lettre::address::{Address, Envelope};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::{Mailer, Message, Sent};

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// Plain connection upgraded with STARTTLS, which must succeed (port 587).
    StartTls,
    /// TLS from the first byte (SMTPS, port 465).
    Tls,
    /// No TLS: only to a relay on the same machine (loopback), never across a network.
    None,
}

impl Security {
    fn parse(raw: &str) -> Result<Self, String> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "" | "starttls" => Ok(Self::StartTls),
            "tls" | "smtps" => Ok(Self::Tls),
            "none" => Ok(Self::None),
            other => Err(format!(
                "OPENDAY_SMTP_SECURITY: {other:?} is not starttls, tls or none"
            )),
        }
    }

    fn default_port(self) -> u16 {
        match self {
            Self::StartTls => 587,
            Self::Tls => 465,
            Self::None => 25,
        }
    }
}

/// Where and how to send, from `OPENDAY_SMTP_*` and `OPENDAY_MAIL_FROM`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// User name and password, when the server asks for them (AUTH PLAIN or LOGIN).
    pub credentials: Option<(String, String)>,
    /// The sender address (an address the server lets us send from).
    pub from: String,
    /// A PEM file of a private CA to trust besides the system's roots (many government
    /// mail servers use one).
    pub ca_file: Option<PathBuf>,
    /// How long one step of the conversation may take before the send counts as failed.
    pub timeout: Duration,
}

impl SmtpConfig {
    /// Reads the configuration through `var` (the environment in production). The password
    /// is never part of an error message.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let get = |name: &str| {
            var(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let host = get("OPENDAY_SMTP_HOST").ok_or("OPENDAY_SMTP_HOST is not set")?;
        let security = Security::parse(&get("OPENDAY_SMTP_SECURITY").unwrap_or_default())?;
        let port = match get("OPENDAY_SMTP_PORT") {
            Some(p) => p
                .parse()
                .map_err(|_| format!("OPENDAY_SMTP_PORT: not a port: {p}"))?,
            None => security.default_port(),
        };
        if security == Security::None && !is_loopback(&host) {
            return Err(format!(
                "OPENDAY_SMTP_SECURITY=none is only allowed to a relay on this machine, not {host}"
            ));
        }
        let credentials = match (get("OPENDAY_SMTP_USERNAME"), var("OPENDAY_SMTP_PASSWORD")) {
            (Some(user), Some(password)) => Some((user, password)),
            (Some(_), None) => {
                return Err("OPENDAY_SMTP_USERNAME is set without OPENDAY_SMTP_PASSWORD".into());
            }
            (None, _) => None,
        };
        let from = get("OPENDAY_MAIL_FROM").ok_or("OPENDAY_MAIL_FROM is not set")?;
        from.parse::<Address>()
            .map_err(|e| format!("OPENDAY_MAIL_FROM: {from}: {e}"))?;
        let timeout = match get("OPENDAY_SMTP_TIMEOUT_SECONDS") {
            Some(s) => Duration::from_secs(s.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                format!("OPENDAY_SMTP_TIMEOUT_SECONDS: not a positive number: {s}")
            })?),
            None => Duration::from_secs(30),
        };
        Ok(Self {
            host,
            port,
            security,
            credentials,
            from,
            ca_file: get("OPENDAY_SMTP_CA_FILE").map(PathBuf::from),
            timeout,
        })
    }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Sends each message over one SMTP connection of its own.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    timeout: Duration,
    from: String,
    /// The right-hand side of each Message-ID: the sender's domain.
    domain: String,
    describe: String,
}

impl SmtpMailer {
    pub fn new(config: &SmtpConfig) -> Result<Self, String> {
        let tls = |host: &str| -> Result<TlsParameters, String> {
            let mut builder = TlsParameters::builder(host.to_owned());
            if let Some(file) = &config.ca_file {
                let pem = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
                let ca = Certificate::from_pem(&pem)
                    .map_err(|e| format!("{}: not a PEM certificate: {e}", file.display()))?;
                builder = builder.add_root_certificate(ca);
            }
            builder.build_rustls().map_err(|e| e.to_string())
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            .port(config.port)
            .timeout(Some(config.timeout))
            .tls(match config.security {
                Security::StartTls => Tls::Required(tls(&config.host)?),
                Security::Tls => Tls::Wrapper(tls(&config.host)?),
                Security::None => Tls::None,
            });
        if let Some((user, password)) = &config.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        let domain = config
            .from
            .rsplit_once('@')
            .map_or("openday.local", |(_, d)| d)
            .to_owned();
        Ok(Self {
            transport: builder.build(),
            timeout: config.timeout,
            from: config.from.clone(),
            domain,
            describe: format!(
                "SMTP {}:{} ({:?}) from {}",
                config.host, config.port, config.security, config.from
            ),
        })
    }
}

impl Mailer for SmtpMailer {
    fn send<'a>(&'a self, mail: &'a Message<'a>) -> Sent<'a> {
        Box::pin(async move {
            let bytes = crate::render(mail, &self.from, &self.domain)?;
            let to = mail
                .to
                .iter()
                .map(|a| a.parse::<Address>().map_err(|e| format!("{a}: {e}")))
                .collect::<Result<Vec<_>, _>>()?;
            let from = self.from.parse::<Address>().map_err(|e| e.to_string())?;
            let envelope = Envelope::new(Some(from), to).map_err(|e| e.to_string())?;
            // lettre bounds the connect; a server that accepts and then says nothing is
            // bounded here, the whole conversation within the timeout.
            match tokio::time::timeout(self.timeout, self.transport.send_raw(&envelope, &bytes))
                .await
            {
                Ok(sent) => sent.map(|_| ()).map_err(|e| format!("SMTP: {e}")),
                Err(_) => Err(format!(
                    "SMTP: no answer within {:?} (timed out)",
                    self.timeout
                )),
            }
        })
    }

    fn describe(&self) -> String {
        self.describe.clone()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn starttls_on_587_is_the_default_and_plain_smtp_stays_on_this_machine() {
        let c = SmtpConfig::from_vars(vars(&[
            ("OPENDAY_SMTP_HOST", "mail.gx.gov.cn"),
            ("OPENDAY_MAIL_FROM", "openday@gx.gov.cn"),
        ]))
        .unwrap();
        assert_eq!(
            (c.security, c.port, c.credentials),
            (Security::StartTls, 587, None)
        );
        assert_eq!(c.timeout, Duration::from_secs(30));
        let c = SmtpConfig::from_vars(vars(&[
            ("OPENDAY_SMTP_HOST", "mail.gx.gov.cn"),
            ("OPENDAY_SMTP_SECURITY", "tls"),
            ("OPENDAY_SMTP_USERNAME", "openday"),
            ("OPENDAY_SMTP_PASSWORD", "secret"),
            ("OPENDAY_MAIL_FROM", "openday@gx.gov.cn"),
        ]))
        .unwrap();
        assert_eq!((c.security, c.port), (Security::Tls, 465));
        assert_eq!(c.credentials, Some(("openday".into(), "secret".into())));
        let e = SmtpConfig::from_vars(vars(&[
            ("OPENDAY_SMTP_HOST", "mail.gx.gov.cn"),
            ("OPENDAY_SMTP_SECURITY", "none"),
            ("OPENDAY_MAIL_FROM", "openday@gx.gov.cn"),
        ]))
        .unwrap_err();
        assert!(e.contains("only allowed to a relay on this machine"), "{e}");
        assert!(
            SmtpConfig::from_vars(vars(&[
                ("OPENDAY_SMTP_HOST", "127.0.0.1"),
                ("OPENDAY_SMTP_SECURITY", "none"),
                ("OPENDAY_MAIL_FROM", "openday@gx.gov.cn"),
            ]))
            .is_ok()
        );
    }

    #[test]
    fn a_bad_setting_is_named_and_the_password_never_shown() {
        for (pairs, expected) in [
            (
                vec![("OPENDAY_MAIL_FROM", "a@b.cn")],
                "OPENDAY_SMTP_HOST is not set",
            ),
            (
                vec![("OPENDAY_SMTP_HOST", "h")],
                "OPENDAY_MAIL_FROM is not set",
            ),
            (
                vec![
                    ("OPENDAY_SMTP_HOST", "h"),
                    ("OPENDAY_MAIL_FROM", "not an address"),
                ],
                "OPENDAY_MAIL_FROM: not an address",
            ),
            (
                vec![
                    ("OPENDAY_SMTP_HOST", "h"),
                    ("OPENDAY_MAIL_FROM", "a@b.cn"),
                    ("OPENDAY_SMTP_PORT", "99999"),
                ],
                "OPENDAY_SMTP_PORT: not a port",
            ),
            (
                vec![
                    ("OPENDAY_SMTP_HOST", "h"),
                    ("OPENDAY_MAIL_FROM", "a@b.cn"),
                    ("OPENDAY_SMTP_SECURITY", "ssl3"),
                ],
                "is not starttls, tls or none",
            ),
            (
                vec![
                    ("OPENDAY_SMTP_HOST", "h"),
                    ("OPENDAY_MAIL_FROM", "a@b.cn"),
                    ("OPENDAY_SMTP_USERNAME", "u"),
                ],
                "without OPENDAY_SMTP_PASSWORD",
            ),
        ] {
            let e = SmtpConfig::from_vars(vars(&pairs)).unwrap_err();
            assert!(e.contains(expected), "{e} (expected {expected})");
        }
    }
}
