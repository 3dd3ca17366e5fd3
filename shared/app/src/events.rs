//! The announced events a registration rush reads: each plan and its announcement held in
//! memory for a second, so that a thousand registrations for one event read them once,
//! not a thousand times. Safe because an announced plan no longer changes except by
//! cancellation, and cancellation closes the seats counter in the same write, which every
//! registration's transaction checks.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use openday_rules::announcement::Announcement;
use openday_store::records::PlanRecord;

use crate::error::AppError;
use crate::store::Store;

/// A plan with its published announcement and the programme version it follows.
pub struct Event {
    pub plan: PlanRecord,
    pub announcement: Announcement,
    pub programme: openday_rules::Programme,
}

pub struct EventCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, Arc<Slot>>>,
}

/// One event's entry. The async lock makes the reads single-flight: when the entry is
/// missing or stale, the first request reads the store and the others of the rush wait for
/// it, instead of a thousand requests reading the same two items at once.
#[derive(Default)]
struct Slot {
    fetched: tokio::sync::Mutex<Option<(Instant, Arc<Event>)>>,
}

/// More entries than this and the cache starts afresh (many events in one second is not
/// a rush on one of them).
const MAX_ENTRIES: usize = 1024;

impl EventCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The announced event `plan_id`, or 404.
    pub async fn get<S: Store>(&self, store: &S, plan_id: &str) -> Result<Arc<Event>, AppError> {
        let slot = {
            let mut entries = self
                .entries
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if entries.len() >= MAX_ENTRIES && !entries.contains_key(plan_id) {
                entries.clear();
            }
            entries.entry(plan_id.to_owned()).or_default().clone()
        };
        let mut fetched = slot.fetched.lock().await;
        if let Some((at, event)) = fetched.as_ref()
            && at.elapsed() < self.ttl
        {
            return Ok(event.clone());
        }
        const GONE: AppError = AppError::NotFound("活动公告不存在");
        let plan = store.plan(plan_id).await?.ok_or(GONE)?;
        let announcement = store.announcement(plan_id).await?.ok_or(GONE)?;
        let programme = openday_store::ports::programme_of(store, &plan.programme())
            .await?
            .programme;
        let event = Arc::new(Event {
            plan,
            announcement,
            programme,
        });
        *fetched = Some((Instant::now(), event.clone()));
        Ok(event)
    }
}
