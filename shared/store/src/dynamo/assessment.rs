//! Assessment adjustments and the published 通报.

use super::DynamoStore;
use super::codec::{doc_item, from_doc, s};
use super::query::Query;
use crate::assessment::{AdjustmentRecord, BulletinRecord};
use crate::error::StoreResult;
use crate::keys;
use crate::ports::AssessmentStore;

impl AssessmentStore for DynamoStore {
    async fn add_adjustment(&self, record: &AdjustmentRecord) -> StoreResult<()> {
        let key = keys::adjustment(
            record.office_id.as_str(),
            record.year,
            record.at,
            &record.id,
        );
        self.put(doc_item(key, record)?, None, &[]).await.map(drop)
    }

    async fn adjustments(&self, office_id: &str, year: i32) -> StoreResult<Vec<AdjustmentRecord>> {
        self.docs(Query::table(
            "#pk = :pk AND begins_with(#sk, :prefix)",
            vec![
                (":pk", s(keys::assessment_pk(office_id, year))),
                (":prefix", s(keys::ADJUSTMENT_PREFIX)),
            ],
        ))
        .await
    }

    async fn publish_bulletin(&self, record: &BulletinRecord) -> StoreResult<()> {
        let key = keys::bulletin(record.office_id.as_str(), record.year);
        self.put(doc_item(key, record)?, None, &[]).await.map(drop)
    }

    async fn bulletin(&self, office_id: &str, year: i32) -> StoreResult<Option<BulletinRecord>> {
        self.get(keys::bulletin(office_id, year))
            .await?
            .map(|i| from_doc(&i))
            .transpose()
    }
}
