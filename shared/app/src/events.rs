//! The announced events a registration rush reads: each plan and its announcement held in
//! memory for a second, so that a thousand registrations for one event read them once,
//! not a thousand times. Safe because an announced plan no longer changes except by
//! cancellation, and cancellation closes the seats counter in the same write, which every
//! registration's transaction checks.

use std::sync::Arc;
use std::time::Duration;

use openday_rules::announcement::Announcement;
use openday_store::records::PlanRecord;

use crate::error::AppError;
use crate::kept::Kept;
use crate::store::Store;

/// A plan with its published announcement and the programme version it follows.
pub struct Event {
    pub plan: PlanRecord,
    pub announcement: Announcement,
    pub programme: openday_rules::Programme,
}

/// The announced events read by registrations: kept for a short while, single-flight (see
/// [`Kept`]).
pub struct EventCache {
    kept: Kept,
}

impl EventCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            kept: Kept::new(ttl),
        }
    }

    /// The announced event `plan_id`, or 404.
    pub async fn get<S: Store>(&self, store: &S, plan_id: &str) -> Result<Arc<Event>, AppError> {
        self.kept
            .get_or_compute(plan_id.to_owned(), || async {
                const GONE: AppError = AppError::NotFound("活动公告不存在");
                let plan = store.plan(plan_id).await?.ok_or(GONE)?;
                let announcement = store.announcement(plan_id).await?.ok_or(GONE)?;
                let programme = openday_store::ports::programme_of(store, &plan.programme())
                    .await?
                    .programme;
                Ok(Event {
                    plan,
                    announcement,
                    programme,
                })
            })
            .await
    }
}
