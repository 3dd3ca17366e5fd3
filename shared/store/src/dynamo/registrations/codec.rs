//! A registration as stored: its item, the markers beside it, the seats counter, and
//! the reads that the registration steps share.

use chrono::DateTime;

use crate::dynamo::DynamoStore;
use crate::dynamo::codec::{Item, doc_item, from_doc, n, num, s, text, with_scope};
use crate::error::{StoreError, StoreResult};
use crate::keys::{self, Key};
use crate::records::{Duplicate, RegistrationRecord, RegistrationStatus, Seats};
use crate::table::TTL_ATTRIBUTE;

impl DynamoStore {
    /// The seats counter.
    pub(super) async fn seats_item(&self, plan_id: &str) -> StoreResult<Option<Seats>> {
        self.get(keys::seats(plan_id))
            .await?
            .map(|item| {
                Ok(Seats {
                    capacity: num(&item, "capacity")?,
                    confirmed: num(&item, "confirmed")?,
                    waitlisted: num(&item, "waitlisted")?,
                })
            })
            .transpose()
    }

    /// Where a registration would go now, read from the counter; refused when the event
    /// has no seats (not announced).
    pub(super) async fn seats_status(&self, plan_id: &str) -> StoreResult<RegistrationStatus> {
        let item = self
            .get(keys::seats(plan_id))
            .await?
            .ok_or(StoreError::RegistrationNotOpen)?;
        seats_status_of(&item)
    }

    /// The registration that holds the person's or the phone's marker, if any.
    pub(super) async fn duplicate(
        &self,
        person: &Key,
        phone: &Key,
    ) -> StoreResult<Option<Duplicate>> {
        let code = |item: Item| text(&item, "code").map(str::to_owned);
        if let Some(item) = self.get(person.clone()).await? {
            return Ok(Some(Duplicate::Person { code: code(item)? }));
        }
        if let Some(item) = self.get(phone.clone()).await? {
            return Ok(Some(Duplicate::Phone { code: code(item)? }));
        }
        Ok(None)
    }

    pub(super) async fn registration_item(
        &self,
        code: &str,
    ) -> StoreResult<Option<(Item, RegistrationRecord)>> {
        match self.get(keys::registration(code)).await? {
            Some(item) => {
                let record = registration_of(&item)?;
                Ok(Some((item, record)))
            }
            None => Ok(None),
        }
    }
}

pub(super) fn registration_item(
    record: &RegistrationRecord,
    person: &Key,
    phone: &Key,
    wait: Option<&Key>,
) -> StoreResult<Item> {
    let mut item = doc_item(keys::registration(&record.code), record)?;
    item.insert("status".into(), s(status_wire(record.status)));
    item.insert("person_pk".into(), s(person.0.clone()));
    item.insert("phone_pk".into(), s(phone.0.clone()));
    if let Some((_, wait_sk)) = wait {
        item.insert("wait_sk".into(), s(wait_sk.clone()));
    }
    item.insert(TTL_ATTRIBUTE.into(), n(record.expires_at));
    Ok(with_scope(
        item,
        keys::registrations_of(&record.plan_id),
        format!(
            "{}#{}",
            keys::sortable_time(record.registered_at),
            record.code
        ),
    ))
}

/// Where a registration goes, by the seats counter item: refused when the event is closed.
pub(super) fn seats_status_of(item: &Item) -> StoreResult<RegistrationStatus> {
    if item.contains_key("closed") {
        return Err(StoreError::RegistrationNotOpen);
    }
    let capacity: u32 = num(item, "capacity")?;
    let confirmed: u32 = num(item, "confirmed")?;
    Ok(if confirmed < capacity {
        RegistrationStatus::Confirmed
    } else {
        RegistrationStatus::Waitlisted
    })
}

/// The person's and the phone's marker keys of a stored registration.
pub(super) fn markers(item: &Item) -> StoreResult<(Key, Key)> {
    Ok((
        (text(item, "person_pk")?.to_owned(), "PERSON".into()),
        (text(item, "phone_pk")?.to_owned(), "PHONE".into()),
    ))
}

/// A registration item read back: its document, and the check-in time written beside it.
pub(super) fn registration_of(item: &Item) -> StoreResult<RegistrationRecord> {
    let mut record: RegistrationRecord = from_doc(item)?;
    if let Ok(t) = num::<i64>(item, "attended_at") {
        record.attended_at = DateTime::from_timestamp(t, 0);
    }
    if let Ok(by) = text(item, "checked_in_by") {
        record.checked_in_by = Some(by.to_owned()).filter(|b| !b.is_empty());
    }
    Ok(record)
}

pub(super) fn status_wire(status: RegistrationStatus) -> &'static str {
    match status {
        RegistrationStatus::Confirmed => "confirmed",
        RegistrationStatus::Waitlisted => "waitlisted",
        RegistrationStatus::Cancelled => "cancelled",
    }
}
