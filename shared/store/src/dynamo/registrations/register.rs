//! Registering for an event: a seat or a waitlist place, the person and the phone once per
//! event, and the phone's code, all in one transaction that is tried until it holds.

use aws_sdk_dynamodb::types::TransactWriteItem;
use openday_rules::verification;

use super::codec::{registration_item, seats_status_of};
use crate::dynamo::DynamoStore;
use crate::dynamo::codec::{Item, base, n, s};
use crate::dynamo::tx::{Attempt, Refusal, Retry, Tx};
use crate::error::{StoreError, StoreResult};
use crate::keys::{self, Key};
use crate::personal::registration_code;
use crate::ports::VerificationStore;
use crate::records::{NewRegistration, Registered, RegistrationRecord, RegistrationStatus};
use crate::table::TTL_ATTRIBUTE;

/// One registration as [`DynamoStore::transact_with_retry`] tries it.
pub(super) struct Registering<'a> {
    plan_id: &'a str,
    new: &'a NewRegistration,
    person: Key,
    phone: Key,
    arrival: String,
    /// Where the next try goes: a seat, or the waitlist.
    status: RegistrationStatus,
    /// Whether the first try is still counted in the seats hint (until the engine answers).
    counted: bool,
    /// Where this try's check of the phone's code sits among its writes.
    proof_at: usize,
}

impl<'a> Registering<'a> {
    pub(super) fn new(store: &DynamoStore, plan_id: &'a str, new: &'a NewRegistration) -> Self {
        let person = keys::person(plan_id, &new.person_hash);
        let phone = keys::phone(plan_id, &new.phone_hash);
        let arrival = keys::arrival(new.at);
        let status = store.seats_hint.first_try(plan_id, new.capacity_hint);
        Self {
            plan_id,
            new,
            person,
            phone,
            arrival,
            status,
            counted: status == RegistrationStatus::Confirmed,
            proof_at: 0,
        }
    }

    /// The registration this try stores, under a fresh `code`.
    fn record(&self, code: &str) -> RegistrationRecord {
        let new = self.new;
        RegistrationRecord {
            code: code.to_owned(),
            plan_id: self.plan_id.to_owned(),
            name: new.registrant.name.to_string(),
            id_masked: new.registrant.id.masked(),
            phone_masked: new.registrant.phone.masked(),
            phone_hash: new.phone_hash.clone(),
            phone_sealed: new.phone_sealed.clone(),
            category: new.registrant.category,
            relation: new.registrant.relation,
            channel: new.channel,
            status: self.status,
            registered_at: new.at,
            expires_at: new.expires_at,
            attended_at: None,
            checked_in_by: None,
            consent: new.consent.clone(),
        }
    }

    /// Item 0: the seats counter, changed in place with no value read beforehand: the
    /// condition alone says whether this registration takes a seat or queues.
    fn seats_write(&self, store: &DynamoStore) -> StoreResult<TransactWriteItem> {
        let one = [(":one", n(1))];
        match self.status {
            RegistrationStatus::Confirmed => store.update_item(
                keys::seats(self.plan_id),
                "SET #confirmed = #confirmed + :one",
                "#confirmed < #capacity AND attribute_not_exists(#closed)",
                &one,
            ),
            _ => store.update_item(
                keys::seats(self.plan_id),
                "SET #waitlisted = #waitlisted + :one",
                "#confirmed >= #capacity AND attribute_not_exists(#closed)",
                &one,
            ),
        }
    }

    /// A marker that points to the registration `code` (the person's, the phone's, the
    /// waitlist place), gone with it.
    fn marker(&self, key: &Key, code: &str) -> Item {
        let mut item = base(key.clone());
        item.insert("code".into(), s(code));
        item.insert(TTL_ATTRIBUTE.into(), n(self.new.expires_at));
        item
    }

    /// The check of the phone's code, when the registration carries one.
    fn proof_check(&self, store: &DynamoStore) -> StoreResult<Option<TransactWriteItem>> {
        self.new
            .proof
            .as_ref()
            .map(|proof| {
                store.condition_check(
                    keys::sms_code(&self.new.phone_hash),
                    "#code_hash = :hash AND #valid_until >= :now AND #tries < :max",
                    &[
                        (":hash", s(proof.code_hash.as_str())),
                        (":now", n(proof.at.timestamp())),
                        (":max", n(verification::MAX_WRONG_TRIES)),
                    ],
                )
            })
            .transpose()
    }

    /// Where the next try goes after the seats changed under us (filled up, or one was
    /// freed), or the event has no seats at all: the counter as it was says which.
    async fn seats_now(
        &self,
        store: &DynamoStore,
        seats: Option<Item>,
    ) -> StoreResult<RegistrationStatus> {
        match seats {
            Some(seats) => {
                store.seats_hint.seen(self.plan_id, &seats);
                seats_status_of(&seats)
            }
            None => store.seats_status(self.plan_id).await,
        }
    }
}

impl Attempt for Registering<'_> {
    type Output = Registered;

    async fn prepare(&mut self, store: &DynamoStore, _: u32) -> StoreResult<Tx<Registered>> {
        let code = registration_code()?;
        let record = self.record(&code);
        let wait = (self.status == RegistrationStatus::Waitlisted)
            .then(|| keys::waitlist(self.plan_id, &self.arrival, &code));
        let mut writes = vec![
            // Item 0: the seats counter, the condition alone deciding seat or queue.
            self.seats_write(store)?,
            // Item 1: the person, once per event.
            store.put_item(
                self.marker(&self.person, &code),
                Some("attribute_not_exists(#pk)"),
                &[],
            )?,
            // Item 2: the phone, once per event.
            store.put_item(
                self.marker(&self.phone, &code),
                Some("attribute_not_exists(#pk)"),
                &[],
            )?,
            // Item 3: the registration itself (a fresh code; a clash means retry).
            store.put_item(
                registration_item(&record, &self.person, &self.phone, wait.as_ref())?,
                Some("attribute_not_exists(#pk)"),
                &[],
            )?,
        ];
        if let Some(wait) = &wait {
            writes.push(store.put_item(self.marker(wait, &code), None, &[])?);
        }
        // Last: the phone's code, checked in the same transaction (no read before it).
        self.proof_at = writes.len();
        writes.extend(self.proof_check(store)?);
        let status = self.status;
        Ok(Tx::Write(writes, Registered { code, status }))
    }

    fn answered(&mut self, store: &DynamoStore, written: bool) {
        if std::mem::take(&mut self.counted) {
            store.seats_hint.settle(self.plan_id, written);
        }
    }

    async fn refused(&mut self, store: &DynamoStore, refusal: Refusal) -> StoreResult<Retry> {
        // An engine that gives no reasons: find out by reading.
        let blind = refusal.reasons.is_empty();
        let failed = |i: usize| blind || refusal.failed(i);
        // The code first (and its wrong try counted): nothing else is said to a caller who
        // has not proved the phone, not even whether the ID number is registered.
        if let Some(proof) = &self.new.proof
            && failed(self.proof_at)
            && !store
                .check_sms_code(&self.new.phone_hash, &proof.code_hash, proof.at)
                .await?
        {
            return Err(StoreError::CodeRefused);
        }
        if (failed(1) || failed(2))
            && let Some(d) = store.duplicate(&self.person, &self.phone).await?
        {
            return Err(StoreError::DuplicateRegistration(d));
        }
        // The other registration was cancelled meanwhile: try again.
        if failed(0) {
            let seats = refusal.old.into_iter().next().flatten();
            self.status = self.seats_now(store, seats).await?;
        }
        Ok(Retry::BackoffAfterWarmup)
    }
}
