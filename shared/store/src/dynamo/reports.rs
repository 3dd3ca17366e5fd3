//! Annual reports, one per organisation and year.

use openday_rules::org::Id;
use openday_rules::report::AnnualReport;

use super::DynamoStore;
use super::codec::{doc_item, from_doc};
use crate::error::{StoreError, StoreResult};
use crate::keys;
use crate::ports::ReportStore;

impl ReportStore for DynamoStore {
    async fn put_report(&self, org_id: &Id, report: &AnnualReport) -> StoreResult<()> {
        let item = doc_item(keys::report(org_id.as_str(), report.year), report)?;
        if self
            .put(item, Some("attribute_not_exists(#pk)"), &[])
            .await?
        {
            Ok(())
        } else {
            Err(StoreError::AlreadyExists)
        }
    }

    async fn report(&self, org_id: &Id, year: i32) -> StoreResult<Option<AnnualReport>> {
        self.get(keys::report(org_id.as_str(), year))
            .await?
            .map(|i| from_doc(&i))
            .transpose()
    }
}
