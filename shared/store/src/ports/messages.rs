//! The text messages a gateway took, and their delivery receipts.

use std::future::Future;

use crate::error::StoreResult;
use crate::messages::SmsMessageRecord;

pub trait SmsMessageStore {
    /// Writes the message as it stands now (taken, or with its receipt).
    fn put_sms_message(
        &self,
        record: &SmsMessageRecord,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    fn sms_message(
        &self,
        provider: &str,
        id: &str,
    ) -> impl Future<Output = StoreResult<Option<SmsMessageRecord>>> + Send;
}
