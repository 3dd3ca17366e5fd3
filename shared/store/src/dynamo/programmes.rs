//! Programmes (a region's yearly work plan), every version kept.

use chrono::{DateTime, Utc};
use openday_rules::Programme;
use openday_rules::org::Id;

use super::DynamoStore;
use super::codec::{doc_item, from_doc, s, with_scope};
use super::query::Query;
use super::tx::{MAX_ATTEMPTS, Retried, Retry, Step};
use crate::error::StoreResult;
use crate::keys;
use crate::ports::ProgrammeStore;
use crate::records::ProgrammeRecord;
use crate::table::SCOPE_INDEX;

impl ProgrammeStore for DynamoStore {
    async fn put_programme(
        &self,
        programme: &Programme,
        by: Option<&Id>,
        at: DateTime<Utc>,
    ) -> StoreResult<ProgrammeRecord> {
        self.retry(Some(MAX_ATTEMPTS), Import { programme, by, at })
            .await
    }

    async fn stored_programme(
        &self,
        region: &Id,
        year: i32,
        version: Option<u32>,
    ) -> StoreResult<Option<ProgrammeRecord>> {
        match version {
            Some(v) => {
                let cache_key = (region.to_string(), year, v);
                if let Some(hit) = self
                    .programmes
                    .lock()
                    .ok()
                    .and_then(|c| c.get(&cache_key).cloned())
                {
                    return Ok(Some(hit));
                }
                let found: Option<ProgrammeRecord> = self
                    .get(keys::programme(region.as_str(), year, v))
                    .await?
                    .map(|i| from_doc(&i))
                    .transpose()?;
                if let (Some(record), Ok(mut cache)) = (&found, self.programmes.lock()) {
                    cache.insert(cache_key, record.clone());
                }
                Ok(found)
            }
            None => {
                let versions: Vec<ProgrammeRecord> = self
                    .docs(Query::table(
                        "#pk = :pk",
                        vec![(":pk", s(keys::programme_pk(region.as_str(), year)))],
                    ))
                    .await?;
                Ok(versions.into_iter().max_by_key(|r| r.version))
            }
        }
    }

    async fn programmes(&self, region: &Id) -> StoreResult<Vec<ProgrammeRecord>> {
        let all: Vec<ProgrammeRecord> = self
            .docs(Query::index(
                SCOPE_INDEX,
                "#scope_pk = :pk",
                vec![(":pk", s(keys::programmes_of(region.as_str())))],
            ))
            .await?;
        // Sorted by year, then version: the last of each year is in force.
        let mut latest: Vec<ProgrammeRecord> = Vec::new();
        for record in all {
            match latest.last_mut() {
                Some(last) if last.programme.year == record.programme.year => *last = record,
                _ => latest.push(record),
            }
        }
        Ok(latest)
    }
}

/// An import of a programme as its next version: each try reads the latest version
/// stored and claims the one after it.
struct Import<'a> {
    programme: &'a Programme,
    by: Option<&'a Id>,
    at: DateTime<Utc>,
}

impl Retried for Import<'_> {
    type Output = ProgrammeRecord;

    async fn once(&mut self, store: &DynamoStore, _: u32) -> StoreResult<Step<ProgrammeRecord>> {
        let Import { programme, by, at } = *self;
        let region = programme.region.as_str();
        let latest = store
            .stored_programme(&programme.region, programme.year, None)
            .await?
            .map_or(0, |r| r.version);
        let record = ProgrammeRecord {
            programme: programme.clone(),
            version: latest + 1,
            imported_at: Some(at),
            imported_by: by.cloned(),
        };
        let item = with_scope(
            doc_item(
                keys::programme(region, programme.year, record.version),
                &record,
            )?,
            keys::programmes_of(region),
            format!("{}#{:010}", programme.year, record.version),
        );
        // Two imports at once: one gets the version, the other tries the next.
        if store
            .put(item, Some("attribute_not_exists(#pk)"), &[])
            .await?
        {
            return Ok(Step::Done(record));
        }
        Ok(Step::Retry(Retry::Backoff))
    }
}
