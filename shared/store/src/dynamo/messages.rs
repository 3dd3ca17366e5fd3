//! Text messages and their receipts.

use super::DynamoStore;
use super::codec::{doc_item, from_doc, n};
use crate::error::StoreResult;
use crate::keys;
use crate::messages::{KEEP_DAYS, SmsMessageRecord};
use crate::ports::SmsMessageStore;
use crate::table::TTL_ATTRIBUTE;

impl SmsMessageStore for DynamoStore {
    async fn put_sms_message(&self, record: &SmsMessageRecord) -> StoreResult<()> {
        let mut item = doc_item(keys::sms_message(&record.provider, &record.id), record)?;
        let keep_until = record.sent_at + chrono::Duration::days(KEEP_DAYS);
        item.insert(TTL_ATTRIBUTE.into(), n(keep_until.timestamp()));
        self.put(item, None, &[]).await.map(drop)
    }

    async fn sms_message(&self, provider: &str, id: &str) -> StoreResult<Option<SmsMessageRecord>> {
        self.get(keys::sms_message(provider, id))
            .await?
            .map(|i| from_doc(&i))
            .transpose()
    }
}
