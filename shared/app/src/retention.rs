//! Retention of personal data: registrations are kept until the end of the event plus the
//! days the notice promises, then deleted. On AWS, DynamoDB's TTL deletes them; the local
//! server's embedded engine does not apply TTL, so it runs this purge on its schedule.

use openday_rules::calendar::{days_after, start_of_day};
use openday_store::records::PlanScope;

use crate::error::AppError;
use crate::services::{Services, Store};

/// Years back the purge looks at (an event's retention never outlives them).
const YEARS_BACK: i32 = 3;

/// What a purge did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Purged {
    /// Events whose retention had ended.
    pub events: u32,
    pub registrations: u32,
}

/// Deletes the registrations of every event whose retention ended by now.
pub async fn purge<S: Store>(app: &Services<S>) -> Result<Purged, AppError> {
    let now = app.now();
    let this_year = app.this_year();
    let mut out = Purged::default();
    // Every region of the directory (a begins_with needs a prefix that is not empty).
    let regions: std::collections::BTreeSet<String> = app
        .store
        .orgs_within("")
        .await?
        .iter()
        .filter_map(|o| o.jurisdiction_path.first())
        .map(|region| openday_store::keys::path([region.as_str()]))
        .collect();
    for year in (this_year - YEARS_BACK)..=this_year {
        for region in &regions {
            let scope = PlanScope::Subtree {
                path: region.clone(),
            };
            for plan in app.store.plans(year, &scope).await? {
                let ends = start_of_day(days_after(
                    plan.plan.period.end(),
                    u64::from(app.settings.retention_days) + 1,
                ));
                if ends > now {
                    continue;
                }
                let n = app.store.purge_registrations(&plan.id, now).await?;
                if n > 0 {
                    out.events += 1;
                    out.registrations += n;
                }
            }
        }
    }
    tracing::info!(
        events = out.events,
        registrations = out.registrations,
        "expired personal data purged"
    );
    Ok(out)
}
