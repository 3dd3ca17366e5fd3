//! Which events this process last saw full: where a registration tries first.

use std::collections::HashMap;
use std::sync::Arc;

use super::codec::{Item, num};
use crate::records::RegistrationStatus;

/// What this process knows of each event's seats, shared by the clones of one store: where
/// a registration should try first. A hint, never a decision: the transaction's conditions
/// decide, and a wrong hint costs one refused attempt.
#[derive(Clone, Default)]
pub(super) struct SeatsHint(Arc<std::sync::Mutex<HashMap<String, EventSeats>>>);

#[derive(Default)]
struct EventSeats {
    capacity: Option<u32>,
    /// Confirmed registrations as last seen (the counter, or our own successes since).
    confirmed: u32,
    /// Confirmed attempts of this process under way.
    in_flight: u32,
}

impl SeatsHint {
    /// Where to try first. In a rush, the attempts under way count as taken seats: once
    /// they would fill the event, newcomers queue at once instead of being refused first.
    /// A confirmed attempt is counted until [`Self::settle`].
    pub(super) fn first_try(&self, plan_id: &str, capacity: Option<u32>) -> RegistrationStatus {
        let Ok(mut map) = self.0.lock() else {
            return RegistrationStatus::Confirmed;
        };
        let e = map.entry(plan_id.to_owned()).or_default();
        if capacity.is_some() {
            e.capacity = capacity;
        }
        if e.capacity.is_some_and(|c| e.confirmed + e.in_flight >= c) {
            RegistrationStatus::Waitlisted
        } else {
            e.in_flight += 1;
            RegistrationStatus::Confirmed
        }
    }

    /// A first confirmed attempt is over; `seated` if it took a seat.
    pub(super) fn settle(&self, plan_id: &str, seated: bool) {
        if let Ok(mut map) = self.0.lock() {
            let e = map.entry(plan_id.to_owned()).or_default();
            e.in_flight = e.in_flight.saturating_sub(1);
            if seated {
                e.confirmed += 1;
            }
        }
    }

    /// The counter as the engine reported it.
    pub(super) fn seen(&self, plan_id: &str, item: &Item) {
        if let (Ok(mut map), Ok(capacity), Ok(confirmed)) = (
            self.0.lock(),
            num::<u32>(item, "capacity"),
            num::<u32>(item, "confirmed"),
        ) {
            let e = map.entry(plan_id.to_owned()).or_default();
            e.capacity = Some(capacity);
            e.confirmed = confirmed;
        }
    }
}
