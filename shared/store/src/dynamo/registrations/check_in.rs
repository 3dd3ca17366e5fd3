//! Check-in at the door: the registration marked attended and the event's count raised,
//! once, however many doors scan the code at the same time.

use chrono::{DateTime, Utc};

use crate::dynamo::DynamoStore;
use crate::dynamo::codec::{n, s};
use crate::dynamo::tx::{Attempt, Refusal, Retry, Tx};
use crate::error::StoreResult;
use crate::keys;
use crate::records::{CheckIn, RegistrationStatus};

/// One check-in as [`DynamoStore::transact_with_retry`] tries it: each try reads the
/// registration afresh.
pub(super) struct CheckingIn<'a> {
    pub(super) plan_id: &'a str,
    pub(super) code: &'a str,
    pub(super) at: DateTime<Utc>,
    /// The member of staff at the door.
    pub(super) by: Option<&'a str>,
}

impl Attempt for CheckingIn<'_> {
    type Output = CheckIn;

    async fn prepare(&mut self, store: &DynamoStore, _: u32) -> StoreResult<Tx<CheckIn>> {
        let (plan_id, code, at) = (self.plan_id, self.code, self.at);
        let Some((_, record)) = store.registration_item(code).await? else {
            return Ok(Tx::Done(CheckIn::Unknown));
        };
        if record.plan_id != plan_id {
            return Ok(Tx::Done(CheckIn::OtherEvent));
        }
        if record.status != RegistrationStatus::Confirmed {
            return Ok(Tx::Done(CheckIn::NotConfirmed(record)));
        }
        if record.attended_at.is_some() {
            return Ok(Tx::Done(CheckIn::Already(record)));
        }
        // The mark and the count together, on the condition that no other door was first.
        let writes = vec![
            store.update_item(
                keys::registration(code),
                "SET #attended_at = :at, #checked_in_by = :by",
                "attribute_not_exists(#attended_at) AND #status = :confirmed",
                &[
                    (":at", n(at.timestamp())),
                    (":by", s(self.by.unwrap_or(""))),
                    (":confirmed", s("confirmed")),
                ],
            )?,
            store.update_item(
                keys::seats(plan_id),
                "SET #attended = if_not_exists(#attended, :zero) + :one",
                "attribute_exists(#pk)",
                &[(":zero", n(0)), (":one", n(1))],
            )?,
        ];
        let mut admitted = record;
        admitted.attended_at = DateTime::from_timestamp(at.timestamp(), 0);
        admitted.checked_in_by = self.by.filter(|b| !b.is_empty()).map(str::to_owned);
        Ok(Tx::Write(writes, CheckIn::Admitted(admitted)))
    }

    /// Another door was first, or the registration changed: read it again.
    async fn refused(&mut self, _: &DynamoStore, _: Refusal) -> StoreResult<Retry> {
        Ok(Retry::Now)
    }
}
