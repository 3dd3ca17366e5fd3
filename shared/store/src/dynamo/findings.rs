//! Findings of the sweeps: recorded once, resolved, re-opened when their cause is back.

use chrono::NaiveDate;
use openday_rules::sweep::Finding;

use super::DynamoStore;
use super::codec::{Item, doc_item, from_doc, s, with_scope};
use super::query::Query;
use crate::error::StoreResult;
use crate::keys;
use crate::ports::FindingStore;
use crate::records::{FindingRecord, FindingStatus};

fn finding_item(record: &FindingRecord) -> StoreResult<Item> {
    let mut item = doc_item(keys::finding(&record.key), record)?;
    item.insert(
        "status".into(),
        s(match record.status {
            FindingStatus::Open => "open",
            FindingStatus::Resolved => "resolved",
        }),
    );
    Ok(with_scope(
        item,
        keys::findings_of_year(record.year),
        keys::owned(&record.org_path, record.org_id.as_str(), &record.key),
    ))
}

impl FindingStore for DynamoStore {
    async fn record_finding(
        &self,
        finding: &Finding,
        org_path: &str,
        year: i32,
        today: NaiveDate,
    ) -> StoreResult<bool> {
        let record = FindingRecord {
            key: finding.key.clone(),
            kind: finding.kind,
            plan_id: finding.plan_id.clone(),
            org_id: finding.org_id.clone(),
            org_path: org_path.to_owned(),
            year,
            due_on: finding.due_on,
            status: FindingStatus::Open,
            found_on: today,
            resolved_on: None,
        };
        let fresh = self
            .put(
                finding_item(&record)?,
                Some("attribute_not_exists(#pk)"),
                &[],
            )
            .await?;
        if fresh {
            return Ok(true);
        }
        // Seen before: re-open it if it had been resolved and its cause is back.
        let mut existing: FindingRecord = match self.get(keys::finding(&finding.key)).await? {
            Some(item) => from_doc(&item)?,
            None => return Ok(false),
        };
        if existing.status == FindingStatus::Resolved {
            existing.status = FindingStatus::Open;
            existing.resolved_on = None;
            self.put(
                finding_item(&existing)?,
                Some("#status = :resolved"),
                &[(":resolved", s("resolved"))],
            )
            .await?;
        }
        Ok(false)
    }

    async fn resolve_finding(&self, key: &str, today: NaiveDate) -> StoreResult<bool> {
        let Some(item) = self.get(keys::finding(key)).await? else {
            return Ok(false);
        };
        let mut record: FindingRecord = from_doc(&item)?;
        if record.status == FindingStatus::Resolved {
            return Ok(false);
        }
        record.status = FindingStatus::Resolved;
        record.resolved_on = Some(today);
        self.put(
            finding_item(&record)?,
            Some("#status = :open"),
            &[(":open", s("open"))],
        )
        .await
    }

    async fn finding(&self, key: &str) -> StoreResult<Option<FindingRecord>> {
        self.get(keys::finding(key))
            .await?
            .map(|i| from_doc(&i))
            .transpose()
    }

    async fn findings(&self, year: i32, prefix: &str) -> StoreResult<Vec<FindingRecord>> {
        self.docs(Query::scope(
            keys::findings_of_year(year),
            prefix.to_owned(),
        ))
        .await
    }
}
