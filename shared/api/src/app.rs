//! What every handler shares: the store, the keys, the clock.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use openday_mail::Mailer;
use openday_rules::Clock;
use openday_store::PersonKey;
use openday_store::ports::{FeedbackStore, SessionStore, VerificationStore};

use crate::auth::TokenKey;
use crate::limits::{Limits, RateLimits};
use openday_sms::SmsSender;

/// Every storage port the routers use: the sweeps' ports and feedback. `DynamoStore` is one.
pub trait Store:
    openday_sweeps::SweepStore + FeedbackStore + VerificationStore + SessionStore
{
}

impl<T: openday_sweeps::SweepStore + FeedbackStore + VerificationStore + SessionStore> Store for T {}

/// The system clock, or a fixed instant when `OPENDAY_NOW` is set (demos and tests).
#[derive(Debug, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
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
    pub cookies: crate::pages::CookieKey,
    /// The site's own address (`https://…`): links in mail point at its pages.
    pub site: String,
}

/// The state of every router.
pub struct App<S> {
    pub store: S,
    pub config: Config,
    pub clock: Arc<dyn Clock + Send + Sync>,
    /// Workflow mail (a submitted plan to the office, a filed or returned one to the agency).
    pub mailer: Arc<dyn Mailer>,
    /// Text messages to the public (verification codes).
    pub sms: Arc<dyn SmsSender>,
    /// This process's rate limiters.
    pub rate: Arc<RateLimits>,
    /// Announced events read by registrations, held for a second.
    pub events: Arc<crate::events::EventCache>,
}

impl<S: Clone> Clone for App<S> {
    fn clone(&self) -> Self {
        Self {
            store: self.store.clone(),
            config: self.config.clone(),
            clock: self.clock.clone(),
            mailer: self.mailer.clone(),
            sms: self.sms.clone(),
            rate: self.rate.clone(),
            events: self.events.clone(),
        }
    }
}

impl<S> App<S> {
    pub fn new(
        store: S,
        config: Config,
        clock: Arc<dyn Clock + Send + Sync>,
        mailer: Arc<dyn Mailer>,
        sms: Arc<dyn SmsSender>,
    ) -> Self {
        Self {
            rate: Arc::new(RateLimits::new(&config.limits)),
            events: Arc::new(crate::events::EventCache::new(
                std::time::Duration::from_secs(1),
            )),
            store,
            config,
            clock,
            mailer,
            sms,
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn today(&self) -> chrono::NaiveDate {
        self.clock.today()
    }

    /// The sweeper over this app's store and mailer.
    pub fn sweeper(&self) -> openday_sweeps::Sweeper<S>
    where
        S: Clone,
    {
        openday_sweeps::Sweeper {
            store: self.store.clone(),
            mailer: self.mailer.clone(),
            site: self.config.site.clone(),
            sms: self.sms.clone(),
            person_key: self.config.person_key.clone(),
        }
    }
}

impl<S: Store> App<S> {
    /// The programme version `plan` was checked against: its deadlines and rules.
    pub async fn programme_of(
        &self,
        plan: &openday_store::records::PlanRecord,
    ) -> Result<openday_rules::Programme, crate::error::ApiError> {
        self.programme_at(&plan.programme()).await
    }

    /// A programme version (0: the shipped default).
    pub async fn programme_at(
        &self,
        at: &openday_rules::ProgrammeRef,
    ) -> Result<openday_rules::Programme, crate::error::ApiError> {
        Ok(openday_store::ports::programme_of(&self.store, at)
            .await?
            .programme)
    }

    /// The programme in force for `org`'s region and `year` (the latest imported version,
    /// or the shipped default).
    pub async fn programme_for(
        &self,
        org: &openday_rules::org::Organisation,
        year: i32,
    ) -> Result<openday_store::records::ProgrammeRecord, crate::error::ApiError> {
        let region = openday_rules::programme::region_of(org);
        Ok(openday_store::ports::programme_in_force(&self.store, region, year).await?)
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
