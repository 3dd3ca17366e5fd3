//! Cancelling a registration: its seat goes to the first on the waitlist, or is freed; a
//! waitlist place is simply given up.

use aws_sdk_dynamodb::types::TransactWriteItem;

use super::codec::{markers, registration_item};
use crate::dynamo::DynamoStore;
use crate::dynamo::codec::{Item, n, s, text};
use crate::dynamo::query::Query;
use crate::dynamo::tx::{Attempt, Refusal, Retry, Tx};
use crate::error::{StoreError, StoreResult};
use crate::keys::{self, Key};
use crate::records::{Cancelled, RegistrationStatus};
use crate::table::{PK, SK};

/// One cancellation as [`DynamoStore::transact_with_retry`] tries it: each try reads the
/// registration and the waitlist afresh.
pub(super) struct Cancelling<'a> {
    pub(super) code: &'a str,
}

impl Attempt for Cancelling<'_> {
    type Output = Cancelled;

    async fn prepare(&mut self, store: &DynamoStore, _: u32) -> StoreResult<Tx<Cancelled>> {
        let (item, record) = store
            .registration_item(self.code)
            .await?
            .ok_or(StoreError::NotFound)?;
        let (person, phone) = markers(&item)?;
        let plan_id = record.plan_id.clone();
        let mut cancelled = record.clone();
        cancelled.status = RegistrationStatus::Cancelled;
        // As the notice says, cancelling deletes the registration's information: the name,
        // the masked ID number and the sealed phone go; what stays is the phone's keyed hash
        // (the person's own look-up), the status and the consent given.
        cancelled.name = String::new();
        cancelled.id_masked = String::new();
        cancelled.phone_sealed = String::new();
        let cancelled_item = registration_item(&cancelled, &person, &phone, None)?;
        let (mut writes, promoted) = match record.status {
            RegistrationStatus::Cancelled => return Ok(Tx::Done(Cancelled { promoted: None })),
            RegistrationStatus::Waitlisted => {
                let writes = leave_waitlist(store, &plan_id, &item, cancelled_item)?;
                (writes, None)
            }
            RegistrationStatus::Confirmed => give_up_seat(store, &plan_id, cancelled_item).await?,
        };
        writes.push(store.delete_item(person, None)?);
        writes.push(store.delete_item(phone, None)?);
        Ok(Tx::Write(writes, Cancelled { promoted }))
    }

    /// The registration, the waitlist or the counter changed since this try read them:
    /// the next try reads them again.
    async fn refused(&mut self, _: &DynamoStore, _: Refusal) -> StoreResult<Retry> {
        Ok(Retry::BackoffAfterWarmup)
    }
}

/// A waitlisted registration cancelled: its place in the queue goes, and the count.
fn leave_waitlist(
    store: &DynamoStore,
    plan_id: &str,
    item: &Item,
    cancelled_item: Item,
) -> StoreResult<Vec<TransactWriteItem>> {
    let wait: Key = (
        keys::waitlist_pk(plan_id),
        text(item, "wait_sk")?.to_owned(),
    );
    Ok(vec![
        store.put_item(
            cancelled_item,
            Some("#status = :was"),
            &[(":was", s("waitlisted"))],
        )?,
        store.delete_item(wait, Some("attribute_exists(#pk)"))?,
        store.update_item(
            keys::seats(plan_id),
            "SET #waitlisted = #waitlisted - :one",
            "#waitlisted > :zero",
            &[(":one", n(1)), (":zero", n(0))],
        )?,
    ])
}

/// A confirmed registration cancelled: its seat goes to the first on the waitlist (whose
/// code comes back), or is freed.
async fn give_up_seat(
    store: &DynamoStore,
    plan_id: &str,
    cancelled_item: Item,
) -> StoreResult<(Vec<TransactWriteItem>, Option<String>)> {
    let first = store
        .query(Query {
            limit: Some(1),
            ..Query::table("#pk = :pk", vec![(":pk", s(keys::waitlist_pk(plan_id)))])
        })
        .await?
        .into_iter()
        .next();
    let mut writes = vec![store.put_item(
        cancelled_item,
        Some("#status = :was"),
        &[(":was", s("confirmed"))],
    )?];
    let promoted = match first {
        Some(entry) => Some(promote(store, plan_id, &entry, &mut writes).await?),
        None => {
            // No one waiting: free the seat, unless someone joined the
            // waitlist meanwhile (then retry and promote them).
            writes.push(store.update_item(
                keys::seats(plan_id),
                "SET #confirmed = #confirmed - :one",
                "#waitlisted = :zero AND #confirmed > :zero",
                &[(":one", n(1)), (":zero", n(0))],
            )?);
            None
        }
    };
    Ok((writes, promoted))
}

/// The writes that move the registration of waitlist `entry` to the freed seat; its code.
async fn promote(
    store: &DynamoStore,
    plan_id: &str,
    entry: &Item,
    writes: &mut Vec<TransactWriteItem>,
) -> StoreResult<String> {
    let next_code = text(entry, "code")?.to_owned();
    let (next_item, mut next) = store.registration_item(&next_code).await?.ok_or_else(|| {
        StoreError::Corrupt(format!("waitlist entry without registration {next_code}"))
    })?;
    let (next_person, next_phone) = markers(&next_item)?;
    next.status = RegistrationStatus::Confirmed;
    writes.push(store.put_item(
        registration_item(&next, &next_person, &next_phone, None)?,
        Some("#status = :was"),
        &[(":was", s("waitlisted"))],
    )?);
    writes.push(store.delete_item(
        (text(entry, PK)?.to_owned(), text(entry, SK)?.to_owned()),
        Some("attribute_exists(#pk)"),
    )?);
    writes.push(store.update_item(
        keys::seats(plan_id),
        "SET #waitlisted = #waitlisted - :one",
        "#waitlisted > :zero",
        &[(":one", n(1)), (":zero", n(0))],
    )?);
    Ok(next_code)
}
