//! The audit trail: each organisation's records of a day form a hash chain whose head
//! (last sequence number and hash) is written in the same transaction as each record.

use chrono::{DateTime, NaiveDate, Utc};

use super::DynamoStore;
use super::codec::{doc_item, n, num, s, text};
use super::query::Query;
use super::tx::{MAX_ATTEMPTS, TxError, backoff};
use crate::error::{StoreError, StoreResult};
use crate::keys;
use crate::paging::{Cursor, Page};
use crate::people::{AuditEntry, AuditHead, AuditRecord, GENESIS};
use crate::ports::AuditStore;
use crate::table::{PK, SK, TABLE_KEYS, TTL_ATTRIBUTE};

impl AuditStore for DynamoStore {
    async fn append_audit(
        &self,
        entry: &AuditEntry,
        keep_until: DateTime<Utc>,
    ) -> StoreResult<AuditRecord> {
        let day = openday_rules::local_day(&entry.at);
        let org = entry.org_id.as_str();
        for attempt in 0..MAX_ATTEMPTS {
            let head = self.get(keys::audit_head(day, org)).await?;
            let (seq, prev) = match &head {
                Some(h) => (num::<u64>(h, "seq")?, text(h, "hash")?.to_owned()),
                None => (0, GENESIS.to_owned()),
            };
            let record = AuditRecord::chained(entry.clone(), seq + 1, &prev);
            let mut item = doc_item(keys::audit(day, &entry.org_path, org, record.seq), &record)?;
            item.insert(TTL_ATTRIBUTE.into(), n(keep_until.timestamp()));
            let mut head_item = super::codec::base(keys::audit_head(day, org));
            head_item.insert("seq".into(), n(record.seq));
            head_item.insert("hash".into(), s(record.hash.clone()));
            head_item.insert(TTL_ATTRIBUTE.into(), n(keep_until.timestamp()));
            // The head moves only from the sequence number this record follows: two
            // writers at once cannot both take the same place in the chain.
            let head_write = if head.is_some() {
                self.put_item(head_item, Some("#seq = :seq"), &[(":seq", n(seq))])?
            } else {
                self.put_item(head_item, Some("attribute_not_exists(#pk)"), &[])?
            };
            let writes = vec![
                head_write,
                self.put_item(item, Some("attribute_not_exists(#pk)"), &[])?,
            ];
            match self.transact(writes).await {
                Ok(()) => return Ok(record),
                Err(TxError::Cancelled(_) | TxError::Conflict) => backoff(attempt).await,
                Err(TxError::Other(e)) => return Err(e),
            }
        }
        Err(StoreError::Busy)
    }

    async fn audit_day(&self, day: NaiveDate, prefix: &str) -> StoreResult<Vec<AuditRecord>> {
        let pk = keys::audit_pk(day);
        let q = if prefix.is_empty() {
            Query::table("#pk = :pk", vec![(":pk", s(pk))])
        } else {
            Query::table(
                "#pk = :pk AND begins_with(#sk, :prefix)",
                vec![(":pk", s(pk)), (":prefix", s(prefix))],
            )
        };
        self.docs(q).await
    }

    async fn audit_day_page(
        &self,
        day: NaiveDate,
        prefix: &str,
        after: Option<&Cursor>,
        limit: u32,
    ) -> StoreResult<Page<AuditRecord>> {
        let pk = keys::audit_pk(day);
        let q = if prefix.is_empty() {
            Query::table("#pk = :pk", vec![(":pk", s(pk.clone()))])
        } else {
            Query::table(
                "#pk = :pk AND begins_with(#sk, :prefix)",
                vec![(":pk", s(pk.clone())), (":prefix", s(prefix))],
            )
        };
        self.docs_page(q, &TABLE_KEYS, (PK, &pk), after, limit)
            .await
    }

    async fn audit_heads(&self, day: NaiveDate) -> StoreResult<Vec<AuditHead>> {
        self.query(Query::table(
            "#pk = :pk",
            vec![(":pk", s(keys::audit_heads_pk(day)))],
        ))
        .await?
        .iter()
        .map(|item| {
            Ok(AuditHead {
                org_id: text(item, SK)?.to_owned(),
                seq: num(item, "seq")?,
                hash: text(item, "hash")?.to_owned(),
            })
        })
        .collect()
    }
}
