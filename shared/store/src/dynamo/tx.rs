//! Transactions: running one, telling why it was refused, and backing off under contention.

use std::time::Duration;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::TransactWriteItem;

use super::DynamoStore;
use super::codec::{Item, unavailable};
use crate::error::StoreError;

/// Attempts before a contended write gives up with [`StoreError::Busy`].
pub(super) const MAX_ATTEMPTS: u32 = 80;

pub(super) enum TxError {
    /// A condition failed; the codes of each item's cancellation reason, in order, and
    /// the items as they were where a condition failed (`ALL_OLD`).
    Cancelled(Vec<Option<String>>, Vec<Option<Item>>),
    /// Contention (a concurrent transaction, throttling): back off and retry.
    Conflict,
    Other(StoreError),
}

impl TxError {
    pub(super) fn failed(reasons: &[Option<String>], index: usize) -> bool {
        reasons.get(index).and_then(|r| r.as_deref()) == Some("ConditionalCheckFailed")
    }
}

impl DynamoStore {
    /// Runs a transaction, classifying why it was refused.
    pub(super) async fn transact(&self, writes: Vec<TransactWriteItem>) -> Result<(), TxError> {
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(writes))
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) => Err(classify(e)),
        }
    }
}

fn classify(e: SdkError<TransactWriteItemsError>) -> TxError {
    match e.as_service_error() {
        Some(TransactWriteItemsError::TransactionCanceledException(c)) => {
            let reasons: Vec<Option<String>> = c
                .cancellation_reasons()
                .iter()
                .map(|r| r.code().map(str::to_owned))
                .collect();
            let old: Vec<Option<Item>> = c
                .cancellation_reasons()
                .iter()
                .map(|r| r.item().cloned())
                .collect();
            let conditional = reasons
                .iter()
                .any(|r| r.as_deref() == Some("ConditionalCheckFailed"));
            if conditional || reasons.is_empty() {
                TxError::Cancelled(reasons, old)
            } else {
                TxError::Conflict
            }
        }
        Some(
            TransactWriteItemsError::TransactionInProgressException(_)
            | TransactWriteItemsError::ProvisionedThroughputExceededException(_)
            | TransactWriteItemsError::RequestLimitExceeded(_)
            | TransactWriteItemsError::ThrottlingException(_),
        ) => TxError::Conflict,
        _ => TxError::Other(unavailable(e)),
    }
}

/// Exponential backoff with jitter: 5 ms doubling to about 0.6 s.
pub(super) async fn backoff(attempt: u32) {
    let base = 5u64 << attempt.min(7);
    let mut r = [0u8; 2];
    let _ = getrandom::fill(&mut r);
    let jitter = u64::from(u16::from_le_bytes(r)) % base.max(1);
    tokio::time::sleep(Duration::from_millis(base / 2 + jitter)).await;
}
