//! What every use case works with: the store, the clock, mail and text messages, the keys
//! and settings. Built once per process (a Lambda instance, the local server, a CLI run).

use std::num::NonZeroU32;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use openday_mail::Mailer;
use openday_rules::Clock;
use openday_sms::SmsSender;
use openday_store::PersonKey;
use openday_store::records::{PlanRecord, ProgrammeRecord};

use crate::error::AppError;
use crate::events::EventCache;
use crate::kept::Kept;
use crate::phones::PhoneLimits;
pub use crate::store::Store;

/// Settings read at the edge (environment or data folder), already parsed.
#[derive(Clone)]
pub struct Settings {
    pub person_key: PersonKey,
    /// Days after the last event day that registrations are kept (TTL).
    pub retention_days: u32,
    /// The site's own address (`https://…`): links in mail point at its pages.
    pub site: String,
    /// Public writes a minute by one phone (this process's limit).
    pub per_phone_per_minute: NonZeroU32,
    /// The limits shared by every process: codes per address, network and hour, sign-ins
    /// per mailbox and address.
    pub quotas: crate::quotas::Quotas,
}

/// The ports and settings of the use cases.
#[derive(Clone)]
pub struct Services<S> {
    pub store: S,
    pub settings: Settings,
    pub clock: Arc<dyn Clock + Send + Sync>,
    /// Workflow mail (a submitted plan to the office, a filed or returned one to the agency)
    /// and sign-in mail.
    pub mailer: Arc<dyn Mailer>,
    /// Text messages to the public (verification codes, a cancelled event).
    pub sms: Arc<dyn SmsSender>,
    /// This process's per-phone limit.
    pub phones: Arc<PhoneLimits>,
    /// Announced events read by registrations, held for a second.
    pub events: Arc<EventCache>,
    /// The figures and lists many people ask for at once, kept for a short while.
    pub kept: Arc<Kept>,
    /// This process's counters (`/metrics`, the functions' EMF lines).
    pub metrics: Arc<crate::metrics::Metrics>,
}

impl<S> Services<S> {
    pub fn new(
        store: S,
        settings: Settings,
        clock: Arc<dyn Clock + Send + Sync>,
        mailer: Arc<dyn Mailer>,
        sms: Arc<dyn SmsSender>,
    ) -> Self {
        let metrics = Arc::new(crate::metrics::Metrics::new());
        Self {
            mailer: crate::metrics::counted_mail(mailer, metrics.clone()),
            sms: crate::metrics::counted_sms(sms, metrics.clone()),
            metrics,
            phones: Arc::new(PhoneLimits::new(settings.per_phone_per_minute)),
            events: Arc::new(EventCache::new(std::time::Duration::from_secs(1))),
            kept: Arc::new(Kept::new(crate::kept::DEFAULT_LIFETIME)),
            store,
            settings,
            clock,
        }
    }

    /// The same services with the figures kept for `lifetime` instead of the default
    /// (zero: computed for every request).
    pub fn with_figures_lifetime(mut self, lifetime: std::time::Duration) -> Self {
        self.kept = Arc::new(Kept::new(lifetime));
        self
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn today(&self) -> NaiveDate {
        self.clock.today()
    }

    /// This year in Asia/Shanghai.
    pub fn this_year(&self) -> i32 {
        chrono::Datelike::year(&self.today())
    }

    /// The sweeper over these services' store, mail and text messages.
    pub fn sweeper(&self) -> openday_sweeps::Sweeper<S>
    where
        S: Clone,
    {
        openday_sweeps::Sweeper {
            store: self.store.clone(),
            mailer: self.mailer.clone(),
            site: self.settings.site.clone(),
            sms: self.sms.clone(),
            person_key: self.settings.person_key.clone(),
        }
    }
}

impl<S: Store> Services<S> {
    /// The programme version `plan` was checked against: its deadlines and rules.
    pub async fn programme_of(
        &self,
        plan: &PlanRecord,
    ) -> Result<openday_rules::Programme, AppError> {
        self.programme_at(&plan.programme()).await
    }

    /// A programme version (0: the shipped default).
    pub async fn programme_at(
        &self,
        at: &openday_rules::ProgrammeRef,
    ) -> Result<openday_rules::Programme, AppError> {
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
    ) -> Result<ProgrammeRecord, AppError> {
        let region = openday_rules::programme::region_of(org);
        Ok(openday_store::ports::programme_in_force(&self.store, region, year).await?)
    }
}

/// Random bytes from the operating system, or the platform is unavailable (never a
/// predictable secret).
pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N], AppError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| {
        tracing::error!(error = %e, "the system random source failed");
        AppError::Unavailable(format!("no randomness: {e}"))
    })?;
    Ok(bytes)
}

/// `N` random bytes as lower-case hex.
pub fn random_hex<const N: usize>() -> Result<String, AppError> {
    Ok(random_bytes::<N>()?
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Six random digits (a verification or sign-in code).
pub(crate) fn six_digits() -> Result<String, AppError> {
    Ok(format!(
        "{:06}",
        u32::from_le_bytes(random_bytes::<4>()?) % 1_000_000
    ))
}
