//! Joint campaigns and their invitations.

use super::DynamoStore;
use super::codec::{doc_item, from_doc, n, s, with_scope};
use super::query::Query;
use super::tx::Fixed;
use crate::campaigns::CampaignRecord;
use crate::error::{StoreError, StoreResult};
use crate::keys;
use crate::ports::CampaignStore;
use crate::table::SCOPE_INDEX;

impl CampaignStore for DynamoStore {
    async fn create_campaign(&self, record: &CampaignRecord) -> StoreResult<()> {
        let mut item = with_scope(
            doc_item(keys::campaign(&record.id), record)?,
            keys::campaigns_of(record.office_id.as_str()),
            record.id.clone(),
        );
        item.insert("version".into(), n(record.version));
        let mut writes = vec![self.put_item(item, Some("attribute_not_exists(#pk)"), &[])?];
        for agency in &record.campaign.agencies {
            let mut item = super::codec::base(keys::invitation(agency.as_str(), &record.id));
            item.insert("campaign_id".into(), s(record.id.clone()));
            writes.push(self.put_item(item, None, &[])?);
        }
        self.transact_with_retry(Fixed {
            writes,
            refused: || StoreError::AlreadyExists,
        })
        .await
        .map(drop)
    }

    async fn campaign(&self, id: &str) -> StoreResult<Option<CampaignRecord>> {
        self.get(keys::campaign(id))
            .await?
            .map(|i| from_doc(&i))
            .transpose()
    }

    async fn save_campaign(&self, record: &CampaignRecord) -> StoreResult<bool> {
        let mut item = with_scope(
            doc_item(keys::campaign(&record.id), record)?,
            keys::campaigns_of(record.office_id.as_str()),
            record.id.clone(),
        );
        item.insert("version".into(), n(record.version));
        self.put(
            item,
            Some("#version = :previous"),
            &[(":previous", n(record.version - 1))],
        )
        .await
    }

    async fn campaigns_of(&self, office_id: &str) -> StoreResult<Vec<CampaignRecord>> {
        self.docs(Query::index(
            SCOPE_INDEX,
            "#scope_pk = :pk",
            vec![(":pk", s(keys::campaigns_of(office_id)))],
        ))
        .await
    }

    async fn invitations(&self, org_id: &str) -> StoreResult<Vec<String>> {
        let items = self
            .query(Query::table(
                "#pk = :pk",
                vec![(":pk", s(keys::invitations_pk(org_id)))],
            ))
            .await?;
        Ok(items
            .iter()
            .filter_map(|i| i.get("campaign_id")?.as_s().ok().cloned())
            .collect())
    }
}
