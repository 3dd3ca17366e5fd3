//! The mail outbox: each message queued once, claimed by one sender, marked sent.

use chrono::{DateTime, Utc};

use super::DynamoStore;
use super::codec::{Item, doc_item, from_doc, n, num, s};
use super::query::Query;
use crate::error::{StoreError, StoreResult};
use crate::keys;
use crate::ports::Outbox;
use crate::records::MailRecord;
use crate::table::{DUE_INDEX, DUE_PK, DUE_SK};

const OUTBOX: &str = "outbox";

fn mail_item(record: &MailRecord) -> StoreResult<Item> {
    let mut item = doc_item(keys::mail(&record.key), record)?;
    if record.sent_at.is_none() {
        // Pending mail sits in the sparse due index, oldest first; sent mail leaves it.
        item.insert(DUE_PK.into(), s(OUTBOX));
        item.insert(
            DUE_SK.into(),
            s(format!(
                "{}#{}",
                keys::sortable_time(record.queued_at),
                record.key
            )),
        );
    }
    Ok(item)
}

impl Outbox for DynamoStore {
    async fn enqueue(&self, mail: &MailRecord) -> StoreResult<bool> {
        self.put(mail_item(mail)?, Some("attribute_not_exists(#pk)"), &[])
            .await
    }

    async fn pending(&self, limit: i32) -> StoreResult<Vec<MailRecord>> {
        self.docs(Query {
            limit: Some(limit),
            ..Query::index(DUE_INDEX, "#due_pk = :pk", vec![(":pk", s(OUTBOX))])
        })
        .await
    }

    async fn claim(&self, key: &str, now: DateTime<Utc>) -> StoreResult<Option<MailRecord>> {
        let Some(item) = self.get(keys::mail(key)).await? else {
            return Ok(None);
        };
        let mut record: MailRecord = from_doc(&item)?;
        let leased = num::<i64>(&item, "lease_until").is_ok_and(|until| until > now.timestamp());
        if record.sent_at.is_some() || leased {
            return Ok(None);
        }
        let seen = record.attempts;
        record.attempts += 1;
        let mut next = mail_item(&record)?;
        next.insert("attempts".into(), n(record.attempts));
        // Held for five minutes: time enough to send; a sender that dies lets it go.
        next.insert("lease_until".into(), n(now.timestamp() + 300));
        let claimed = if seen == 0 {
            self.put(
                next,
                Some("attribute_exists(#pk) AND attribute_not_exists(#attempts)"),
                &[],
            )
            .await?
        } else {
            self.put(next, Some("#attempts = :seen"), &[(":seen", n(seen))])
                .await?
        };
        Ok(claimed.then_some(record))
    }

    async fn mark_sent(&self, key: &str, at: DateTime<Utc>) -> StoreResult<()> {
        let mut record = self.mail(key).await?.ok_or(StoreError::NotFound)?;
        record.sent_at = Some(at);
        record.last_error = None;
        let mut item = mail_item(&record)?;
        item.insert("attempts".into(), n(record.attempts));
        self.put(item, Some("attribute_exists(#pk)"), &[]).await?;
        Ok(())
    }

    async fn mark_failed(&self, key: &str, error: &str) -> StoreResult<()> {
        let mut record = self.mail(key).await?.ok_or(StoreError::NotFound)?;
        record.last_error = Some(error.chars().take(500).collect());
        let mut item = mail_item(&record)?;
        item.insert("attempts".into(), n(record.attempts));
        self.put(item, Some("attribute_exists(#pk)"), &[]).await?;
        Ok(())
    }

    async fn mail(&self, key: &str) -> StoreResult<Option<MailRecord>> {
        self.get(keys::mail(key))
            .await?
            .map(|i| from_doc(&i))
            .transpose()
    }
}
