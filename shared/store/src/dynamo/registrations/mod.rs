//! Registrations: registering, cancelling (and promoting from the waitlist), seats,
//! check-in at the door and reminders. The transactional steps are in [`register`],
//! [`cancel`] and [`check_in`]; [`codec`] holds the registration as stored.

use chrono::{DateTime, Utc};

use crate::dynamo::DynamoStore;
use crate::dynamo::codec::{base, n, num, s, text};
use crate::dynamo::query::Query;
use crate::error::StoreResult;
use crate::keys;
use crate::paging::{Cursor, Page};
use crate::personal::random_code;
use crate::ports::RegistrationStore;
use crate::records::{Cancelled, CheckIn, NewRegistration, Registered, RegistrationRecord, Seats};
use crate::table::{INDEX_KEYS, SCOPE_INDEX, SCOPE_PK, TTL_ATTRIBUTE};
use cancel::Cancelling;
use check_in::CheckingIn;
use codec::registration_of;
use register::Registering;

mod cancel;
mod check_in;
mod codec;
mod register;

impl RegistrationStore for DynamoStore {
    async fn register(&self, plan_id: &str, new: &NewRegistration) -> StoreResult<Registered> {
        self.transact_with_retry(Registering::new(self, plan_id, new))
            .await
    }

    async fn registration(&self, code: &str) -> StoreResult<Option<RegistrationRecord>> {
        Ok(self.registration_item(code).await?.map(|(_, r)| r))
    }

    async fn cancel(&self, code: &str, _at: DateTime<Utc>) -> StoreResult<Cancelled> {
        self.transact_with_retry(Cancelling { code }).await
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

    async fn registrations_page(
        &self,
        plan_id: &str,
        after: Option<&Cursor>,
        limit: u32,
    ) -> StoreResult<Page<RegistrationRecord>> {
        let pk = keys::registrations_of(plan_id);
        let (items, next) = self
            .query_page(
                Query::index(SCOPE_INDEX, "#scope_pk = :pk", vec![(":pk", s(pk.clone()))]),
                &INDEX_KEYS,
                (SCOPE_PK, &pk),
                after,
                limit,
            )
            .await?;
        Ok(Page {
            items: items
                .iter()
                .map(registration_of)
                .collect::<StoreResult<_>>()?,
            next,
        })
    }

    async fn check_in_by(
        &self,
        plan_id: &str,
        code: &str,
        at: DateTime<Utc>,
        by: Option<&str>,
    ) -> StoreResult<CheckIn> {
        self.transact_with_retry(CheckingIn {
            plan_id,
            code,
            at,
            by,
        })
        .await
    }

    async fn claim_reminder(&self, code: &str, at: DateTime<Utc>) -> StoreResult<bool> {
        let mut item = base(keys::reminder(code));
        item.insert("sent_at".into(), n(at.timestamp()));
        item.insert(TTL_ATTRIBUTE.into(), n(at.timestamp() + 30 * 86_400));
        // A nonce of this claim: when the connection drops after the engine applied it, the
        // SDK's retry finds its own claim and is told so, not "somebody else's".
        let claim = random_code()?;
        item.insert("claim".into(), s(&claim));
        self.put(
            item,
            Some("attribute_not_exists(#pk) OR #claim = :claim"),
            &[(":claim", s(&claim))],
        )
        .await
    }

    async fn purge_registrations(&self, plan_id: &str, now: DateTime<Utc>) -> StoreResult<u32> {
        let items = self
            .query(Query::index(
                SCOPE_INDEX,
                "#scope_pk = :pk",
                vec![(":pk", s(keys::registrations_of(plan_id)))],
            ))
            .await?;
        let mut purged = 0;
        for item in items {
            let expired = num::<i64>(&item, TTL_ATTRIBUTE).is_ok_and(|t| t <= now.timestamp());
            if !expired {
                continue;
            }
            let record = registration_of(&item)?;
            let (person, phone) = codec::markers(&item)?;
            let mut doomed = vec![person, phone, keys::reminder(&record.code)];
            if let Ok(wait_sk) = text(&item, "wait_sk") {
                doomed.push((keys::waitlist_pk(plan_id), wait_sk.to_owned()));
            }
            for key in doomed {
                let _ = self
                    .delete_returning(key, "attribute_exists(#pk)", &[])
                    .await?;
            }
            // The registration last: a purge cut short finds it again next time.
            let _ = self
                .delete_returning(
                    keys::registration(&record.code),
                    "attribute_exists(#pk)",
                    &[],
                )
                .await?;
            purged += 1;
        }
        Ok(purged)
    }

    async fn release_reminder(&self, code: &str) -> StoreResult<()> {
        self.delete_returning(keys::reminder(code), "attribute_exists(#pk)", &[])
            .await?;
        Ok(())
    }

    async fn seats_and_attendance(&self, plan_id: &str) -> StoreResult<(Option<Seats>, u32)> {
        let Some(item) = self.get(keys::seats(plan_id)).await? else {
            return Ok((None, 0));
        };
        let seats = Seats {
            capacity: num(&item, "capacity")?,
            confirmed: num(&item, "confirmed")?,
            waitlisted: num(&item, "waitlisted")?,
        };
        Ok((Some(seats), num(&item, "attended").unwrap_or(0)))
    }

    async fn attendance(&self, plan_id: &str) -> StoreResult<u32> {
        Ok(self
            .get(keys::seats(plan_id))
            .await?
            .map_or(0, |item| num(&item, "attended").unwrap_or(0)))
    }
}
