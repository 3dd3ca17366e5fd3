//! Registrations: registering, cancelling (and promoting from the waitlist), seats,
//! check-in at the door and reminders.

use chrono::{DateTime, Utc};
use openday_rules::verification;

use super::DynamoStore;
use super::codec::{Item, base, doc_item, from_doc, n, num, s, text, with_scope};
use super::query::Query;
use super::tx::{MAX_ATTEMPTS, TxError, backoff};
use crate::error::{StoreError, StoreResult};
use crate::keys::{self, Key};
use crate::personal::{random_code, registration_code};
use crate::ports::{RegistrationStore, VerificationStore};
use crate::records::*;
use crate::table::{PK, SCOPE_INDEX, SK, TTL_ATTRIBUTE};

impl DynamoStore {
    /// The seats counter.
    async fn seats_item(&self, plan_id: &str) -> StoreResult<Option<Seats>> {
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
    async fn seats_status(&self, plan_id: &str) -> StoreResult<RegistrationStatus> {
        let item = self
            .get(keys::seats(plan_id))
            .await?
            .ok_or(StoreError::RegistrationNotOpen)?;
        seats_status_of(&item)
    }

    /// The registration that holds the person's or the phone's marker, if any.
    async fn duplicate(&self, person: &Key, phone: &Key) -> StoreResult<Option<Duplicate>> {
        let code = |item: Item| text(&item, "code").map(str::to_owned);
        if let Some(item) = self.get(person.clone()).await? {
            return Ok(Some(Duplicate::Person { code: code(item)? }));
        }
        if let Some(item) = self.get(phone.clone()).await? {
            return Ok(Some(Duplicate::Phone { code: code(item)? }));
        }
        Ok(None)
    }

    async fn registration_item(
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

fn registration_item(
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
fn seats_status_of(item: &Item) -> StoreResult<RegistrationStatus> {
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
fn markers(item: &Item) -> StoreResult<(Key, Key)> {
    Ok((
        (text(item, "person_pk")?.to_owned(), "PERSON".into()),
        (text(item, "phone_pk")?.to_owned(), "PHONE".into()),
    ))
}

/// A registration item read back: its document, and the check-in time written beside it.
fn registration_of(item: &Item) -> StoreResult<RegistrationRecord> {
    let mut record: RegistrationRecord = from_doc(item)?;
    if let Ok(t) = num::<i64>(item, "attended_at") {
        record.attended_at = DateTime::from_timestamp(t, 0);
    }
    Ok(record)
}

fn status_wire(status: RegistrationStatus) -> &'static str {
    match status {
        RegistrationStatus::Confirmed => "confirmed",
        RegistrationStatus::Waitlisted => "waitlisted",
        RegistrationStatus::Cancelled => "cancelled",
    }
}

impl RegistrationStore for DynamoStore {
    async fn register(&self, plan_id: &str, new: &NewRegistration) -> StoreResult<Registered> {
        let person = keys::person(plan_id, &new.person_hash);
        let phone = keys::phone(plan_id, &new.phone_hash);
        let arrival = keys::arrival(new.at);
        let mut status = self.seats_hint.first_try(plan_id, new.capacity_hint);
        let mut counted = status == RegistrationStatus::Confirmed;
        for attempt in 0..MAX_ATTEMPTS {
            let code = registration_code();
            let record = RegistrationRecord {
                code: code.clone(),
                plan_id: plan_id.to_owned(),
                name: new.registrant.name.to_string(),
                id_masked: new.registrant.id.masked(),
                phone_masked: new.registrant.phone.masked(),
                phone_hash: new.phone_hash.clone(),
                phone_sealed: new.phone_sealed.clone(),
                category: new.registrant.category,
                relation: new.registrant.relation,
                channel: new.channel,
                status,
                registered_at: new.at,
                expires_at: new.expires_at,
                attended_at: None,
            };
            let wait = (status == RegistrationStatus::Waitlisted)
                .then(|| keys::waitlist(plan_id, &arrival, &code));
            let one = [(":one", n(1))];
            // Item 0: the seats counter, changed in place with no value read beforehand:
            // the condition alone says whether this registration takes a seat or queues.
            let seats_write = match status {
                RegistrationStatus::Confirmed => self.update_item(
                    keys::seats(plan_id),
                    "SET #confirmed = #confirmed + :one",
                    "#confirmed < #capacity AND attribute_not_exists(#closed)",
                    &one,
                )?,
                _ => self.update_item(
                    keys::seats(plan_id),
                    "SET #waitlisted = #waitlisted + :one",
                    "#confirmed >= #capacity AND attribute_not_exists(#closed)",
                    &one,
                )?,
            };
            let marker = |key: &Key| {
                let mut item = base(key.clone());
                item.insert("code".into(), s(code.clone()));
                item.insert(TTL_ATTRIBUTE.into(), n(new.expires_at));
                item
            };
            let mut writes = vec![
                seats_write,
                // Item 1: the person, once per event.
                self.put_item(marker(&person), Some("attribute_not_exists(#pk)"), &[])?,
                // Item 2: the phone, once per event.
                self.put_item(marker(&phone), Some("attribute_not_exists(#pk)"), &[])?,
                // Item 3: the registration itself (a fresh code; a clash means retry).
                self.put_item(
                    registration_item(&record, &person, &phone, wait.as_ref())?,
                    Some("attribute_not_exists(#pk)"),
                    &[],
                )?,
            ];
            if let Some(wait) = &wait {
                writes.push(self.put_item(marker(wait), None, &[])?);
            }
            // Last: the phone's code, checked in the same transaction (no read before it).
            let proof_at = writes.len();
            if let Some(proof) = &new.proof {
                writes.push(self.condition_check(
                    keys::sms_code(&new.phone_hash),
                    "#code_hash = :hash AND #valid_until >= :now AND #tries < :max",
                    &[
                        (":hash", s(proof.code_hash.as_str())),
                        (":now", n(proof.at.timestamp())),
                        (":max", n(verification::MAX_WRONG_TRIES)),
                    ],
                )?);
            }
            let outcome = self.transact(writes).await;
            if std::mem::take(&mut counted) {
                self.seats_hint.settle(plan_id, outcome.is_ok());
            }
            match outcome {
                Ok(()) => return Ok(Registered { code, status }),
                Err(TxError::Cancelled(reasons, old)) => {
                    // An engine that gives no reasons: find out by reading.
                    let blind = reasons.is_empty();
                    let failed = |i: usize| blind || TxError::failed(&reasons, i);
                    // The code first (and its wrong try counted): nothing else is said to a
                    // caller who has not proved the phone, not even whether the ID number
                    // is registered.
                    if let Some(proof) = &new.proof
                        && failed(proof_at)
                        && !self
                            .check_sms_code(&new.phone_hash, &proof.code_hash, proof.at)
                            .await?
                    {
                        return Err(StoreError::CodeRefused);
                    }
                    if (failed(1) || failed(2))
                        && let Some(d) = self.duplicate(&person, &phone).await?
                    {
                        return Err(StoreError::DuplicateRegistration(d));
                    }
                    // The other registration was cancelled meanwhile: try again.
                    if failed(0) {
                        // The seats changed under us (filled up, or one was freed), or
                        // the event has no seats at all: the counter as it was says which.
                        status = match old.first().cloned().flatten() {
                            Some(seats) => {
                                self.seats_hint.seen(plan_id, &seats);
                                seats_status_of(&seats)?
                            }
                            None => self.seats_status(plan_id).await?,
                        };
                    }
                    if attempt > 3 {
                        backoff(attempt - 3).await;
                    }
                }
                Err(TxError::Conflict) => backoff(attempt).await,
                Err(TxError::Other(e)) => return Err(e),
            }
        }
        Err(StoreError::Busy)
    }

    async fn registration(&self, code: &str) -> StoreResult<Option<RegistrationRecord>> {
        Ok(self.registration_item(code).await?.map(|(_, r)| r))
    }

    async fn cancel(&self, code: &str, _at: DateTime<Utc>) -> StoreResult<Cancelled> {
        for attempt in 0..MAX_ATTEMPTS {
            let (item, record) = self
                .registration_item(code)
                .await?
                .ok_or(StoreError::NotFound)?;
            let (person, phone) = markers(&item)?;
            let plan_id = record.plan_id.clone();
            let mut cancelled = record.clone();
            cancelled.status = RegistrationStatus::Cancelled;
            let cancelled_item = registration_item(&cancelled, &person, &phone, None)?;
            let mut promoted = None;
            let writes = match record.status {
                RegistrationStatus::Cancelled => return Ok(Cancelled { promoted: None }),
                RegistrationStatus::Waitlisted => {
                    let wait: Key = (
                        keys::waitlist_pk(&plan_id),
                        text(&item, "wait_sk")?.to_owned(),
                    );
                    vec![
                        self.put_item(
                            cancelled_item,
                            Some("#status = :was"),
                            &[(":was", s("waitlisted"))],
                        )?,
                        self.delete_item(wait, Some("attribute_exists(#pk)"))?,
                        self.update_item(
                            keys::seats(&plan_id),
                            "SET #waitlisted = #waitlisted - :one",
                            "#waitlisted > :zero",
                            &[(":one", n(1)), (":zero", n(0))],
                        )?,
                        self.delete_item(person, None)?,
                        self.delete_item(phone, None)?,
                    ]
                }
                RegistrationStatus::Confirmed => {
                    let first = self
                        .query(Query {
                            limit: Some(1),
                            ..Query::table(
                                "#pk = :pk",
                                vec![(":pk", s(keys::waitlist_pk(&plan_id)))],
                            )
                        })
                        .await?
                        .into_iter()
                        .next();
                    let mut writes = vec![self.put_item(
                        cancelled_item,
                        Some("#status = :was"),
                        &[(":was", s("confirmed"))],
                    )?];
                    match first {
                        Some(entry) => {
                            let next_code = text(&entry, "code")?.to_owned();
                            let (next_item, mut next) =
                                self.registration_item(&next_code).await?.ok_or_else(|| {
                                    StoreError::Corrupt(format!(
                                        "waitlist entry without registration {next_code}"
                                    ))
                                })?;
                            let (next_person, next_phone) = markers(&next_item)?;
                            next.status = RegistrationStatus::Confirmed;
                            writes.push(self.put_item(
                                registration_item(&next, &next_person, &next_phone, None)?,
                                Some("#status = :was"),
                                &[(":was", s("waitlisted"))],
                            )?);
                            writes.push(self.delete_item(
                                (text(&entry, PK)?.to_owned(), text(&entry, SK)?.to_owned()),
                                Some("attribute_exists(#pk)"),
                            )?);
                            writes.push(self.update_item(
                                keys::seats(&plan_id),
                                "SET #waitlisted = #waitlisted - :one",
                                "#waitlisted > :zero",
                                &[(":one", n(1)), (":zero", n(0))],
                            )?);
                            promoted = Some(next_code);
                        }
                        None => {
                            // No one waiting: free the seat, unless someone joined the
                            // waitlist meanwhile (then retry and promote them).
                            writes.push(self.update_item(
                                keys::seats(&plan_id),
                                "SET #confirmed = #confirmed - :one",
                                "#waitlisted = :zero AND #confirmed > :zero",
                                &[(":one", n(1)), (":zero", n(0))],
                            )?);
                        }
                    }
                    writes.push(self.delete_item(person, None)?);
                    writes.push(self.delete_item(phone, None)?);
                    writes
                }
            };
            match self.transact(writes).await {
                Ok(()) => return Ok(Cancelled { promoted }),
                Err(TxError::Cancelled(..)) => {
                    if attempt > 3 {
                        backoff(attempt - 3).await;
                    }
                }
                Err(TxError::Conflict) => backoff(attempt).await,
                Err(TxError::Other(e)) => return Err(e),
            }
        }
        Err(StoreError::Busy)
    }

    async fn seats(&self, plan_id: &str) -> StoreResult<Option<Seats>> {
        self.seats_item(plan_id).await
    }

    async fn registration_of_person(
        &self,
        plan_id: &str,
        person_hash: &str,
    ) -> StoreResult<Option<RegistrationRecord>> {
        let Some(marker) = self.get(keys::person(plan_id, person_hash)).await? else {
            return Ok(None);
        };
        self.registration(text(&marker, "code")?).await
    }

    async fn registrations(&self, plan_id: &str) -> StoreResult<Vec<RegistrationRecord>> {
        self.query(Query::index(
            SCOPE_INDEX,
            "#scope_pk = :pk",
            vec![(":pk", s(keys::registrations_of(plan_id)))],
        ))
        .await?
        .iter()
        .map(registration_of)
        .collect()
    }

    async fn check_in(&self, plan_id: &str, code: &str, at: DateTime<Utc>) -> StoreResult<CheckIn> {
        for attempt in 0..MAX_ATTEMPTS {
            let Some((_, record)) = self.registration_item(code).await? else {
                return Ok(CheckIn::Unknown);
            };
            if record.plan_id != plan_id {
                return Ok(CheckIn::OtherEvent);
            }
            if record.status != RegistrationStatus::Confirmed {
                return Ok(CheckIn::NotConfirmed(record));
            }
            if record.attended_at.is_some() {
                return Ok(CheckIn::Already(record));
            }
            // The mark and the count together, on the condition that no other door was first.
            let writes = vec![
                self.update_item(
                    keys::registration(code),
                    "SET #attended_at = :at",
                    "attribute_not_exists(#attended_at) AND #status = :confirmed",
                    &[(":at", n(at.timestamp())), (":confirmed", s("confirmed"))],
                )?,
                self.update_item(
                    keys::seats(plan_id),
                    "SET #attended = if_not_exists(#attended, :zero) + :one",
                    "attribute_exists(#pk)",
                    &[(":zero", n(0)), (":one", n(1))],
                )?,
            ];
            match self.transact(writes).await {
                Ok(()) => {
                    let mut admitted = record;
                    admitted.attended_at = DateTime::from_timestamp(at.timestamp(), 0);
                    return Ok(CheckIn::Admitted(admitted));
                }
                // Another door was first, or the registration changed: read it again.
                Err(TxError::Cancelled(..)) => {}
                Err(TxError::Conflict) => backoff(attempt).await,
                Err(TxError::Other(e)) => return Err(e),
            }
        }
        Err(StoreError::Busy)
    }

    async fn claim_reminder(&self, code: &str, at: DateTime<Utc>) -> StoreResult<bool> {
        let mut item = base(keys::reminder(code));
        item.insert("sent_at".into(), n(at.timestamp()));
        item.insert(TTL_ATTRIBUTE.into(), n(at.timestamp() + 30 * 86_400));
        // A nonce of this claim: when the connection drops after the engine applied it, the
        // SDK's retry finds its own claim and is told so, not "somebody else's".
        let claim = random_code();
        item.insert("claim".into(), s(&claim));
        self.put(
            item,
            Some("attribute_not_exists(#pk) OR #claim = :claim"),
            &[(":claim", s(&claim))],
        )
        .await
    }

    async fn release_reminder(&self, code: &str) -> StoreResult<()> {
        self.delete_where(keys::reminder(code), "attribute_exists(#pk)", &[])
            .await?;
        Ok(())
    }

    async fn attendance(&self, plan_id: &str) -> StoreResult<u32> {
        Ok(self
            .get(keys::seats(plan_id))
            .await?
            .map_or(0, |item| num(&item, "attended").unwrap_or(0)))
    }
}
