//! What every handler shares: the use cases' services, and the HTTP side's own settings
//! (token and cookie keys, the per-address limit, the deadline).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use openday_app::{Services, Settings};
use openday_mail::Mailer;
use openday_rules::Clock;
use openday_sms::SmsSender;
use openday_store::PersonKey;

use crate::keys::{CookieKey, TokenKey};
use crate::limits::{AddressLimits, Limits};

pub use openday_app::Store;

/// The system clock, or a fixed instant when `OPENDAY_NOW` is set (demos and tests).
#[derive(Debug, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// The system clock moved by a fixed amount: the demo's clock, inside the programme's
/// season whatever the date (it runs on, unlike a fixed `OPENDAY_NOW`).
#[derive(Debug, Clone, Copy)]
pub struct ShiftedClock(pub chrono::Duration);

impl Clock for ShiftedClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.0
    }
}

/// Settings read at the edge (environment or data folder), already parsed.
#[derive(Clone)]
pub struct Config {
    pub tokens: TokenKey,
    pub person_key: PersonKey,
    /// Days after the last event day that registrations are kept (TTL).
    pub retention_days: u32,
    pub limits: Limits,
    /// The key of the web pages' encrypted cookies (CSRF tokens, a registration just taken).
    pub cookies: CookieKey,
    /// The site's own address (`https://…`): links in mail point at its pages.
    pub site: String,
}

/// What only the HTTP side reads of the [`Config`]; the rest lives in the use cases'
/// [`Settings`], once.
#[derive(Clone)]
pub struct HttpConfig {
    pub tokens: TokenKey,
    pub cookies: CookieKey,
    pub limits: Limits,
    /// The secret in the path of the SMS gateways' receipt push
    /// (`OPENDAY_SMS_RECEIPT_TOKEN`); none: the path does not exist.
    pub sms_receipts: Option<crate::keys::ReceiptToken>,
}

/// The state of every router: the use cases' services and the HTTP settings.
#[derive(Clone)]
pub struct App<S> {
    /// What the use cases run on. Handlers pass it to `openday_app`; they never read the
    /// store themselves (scripts/test checks).
    pub core: Services<S>,
    pub config: HttpConfig,
    /// This process's per-address limiter.
    pub rate: Arc<AddressLimits>,
}

impl<S: Store + Clone + Send + Sync + 'static> App<S> {
    /// The services on `store`; what `sms` sends is recorded for its delivery receipts.
    pub fn new(
        store: S,
        config: Config,
        clock: Arc<dyn Clock + Send + Sync>,
        mailer: Arc<dyn Mailer>,
        sms: Arc<dyn SmsSender>,
    ) -> Self {
        let settings = Settings {
            person_key: config.person_key,
            retention_days: config.retention_days,
            site: config.site,
            per_phone_per_minute: config.limits.per_phone_per_minute,
            quotas: config.limits.quotas,
        };
        Self {
            rate: Arc::new(AddressLimits::new(&config.limits)),
            core: Services::new(
                store.clone(),
                settings,
                clock,
                mailer,
                openday_app::messages::logged(store, sms),
            ),
            config: HttpConfig {
                tokens: config.tokens,
                cookies: config.cookies,
                limits: config.limits,
                sms_receipts: std::env::var("OPENDAY_SMS_RECEIPT_TOKEN")
                    .ok()
                    .and_then(|t| crate::keys::ReceiptToken::parse(&t).ok()),
            },
        }
    }

    /// The same with the receipts' secret path set to `token` (at least 16 characters).
    pub fn with_sms_receipt_token(mut self, token: &str) -> Result<Self, String> {
        self.config.sms_receipts = Some(crate::keys::ReceiptToken::parse(token)?);
        Ok(self)
    }
}

impl<S> App<S> {
    pub fn now(&self) -> DateTime<Utc> {
        self.core.now()
    }

    pub fn today(&self) -> chrono::NaiveDate {
        self.core.today()
    }

    /// The sweeper over this app's store, mail and text messages.
    pub fn sweeper(&self) -> openday_sweeps::Sweeper<S>
    where
        S: Clone,
    {
        self.core.sweeper()
    }
}

/// Parses `OPENDAY_NOW` (RFC 3339) into a fixed clock, or the system clock when unset.
pub fn clock_from_env() -> Result<Arc<dyn Clock + Send + Sync>, String> {
    match std::env::var("OPENDAY_NOW") {
        Ok(raw) if !raw.trim().is_empty() => {
            openday_rules::calendar::parse_instant("OPENDAY_NOW", &raw)
                .map(|t| Arc::new(openday_rules::FixedClock(t)) as Arc<dyn Clock + Send + Sync>)
                .map_err(|v| format!("OPENDAY_NOW: {}", v.message))
        }
        _ => Ok(Arc::new(SystemClock)),
    }
}
