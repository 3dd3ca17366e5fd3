//! Transactions and the one retry loop: running a transaction, telling why it was refused,
//! and trying a contended write again until it holds or the budget runs out.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::TransactWriteItem;

use super::DynamoStore;
use super::codec::{Item, unavailable};
use crate::error::{StoreError, StoreResult};

/// Attempts before a contended write gives up with [`StoreError::Busy`].
pub(super) const MAX_ATTEMPTS: u32 = 80;

pub(super) enum TxError {
    /// A condition failed.
    Cancelled(Refusal),
    /// Contention (a concurrent transaction, throttling): back off and retry.
    Conflict,
    Other(StoreError),
}

/// Why a transaction was cancelled: the codes of each item's cancellation reason, in
/// order, and the items as they were where a condition failed (`ALL_OLD`).
pub(super) struct Refusal {
    pub(super) reasons: Vec<Option<String>>,
    pub(super) old: Vec<Option<Item>>,
}

impl Refusal {
    /// Whether the condition of the write at `index` failed.
    pub(super) fn failed(&self, index: usize) -> bool {
        self.reasons.get(index).and_then(|r| r.as_deref()) == Some("ConditionalCheckFailed")
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
                TxError::Cancelled(Refusal { reasons, old })
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
    let jitter = jitter_source() % base.max(1);
    tokio::time::sleep(Duration::from_millis(base / 2 + jitter)).await;
}

/// Sixteen random bits for [`backoff`]. Should the system's random source fail, the jitter
/// comes from a process-wide counter instead: the point of jitter is only that writers
/// retrying together do not wake together, and consecutive counter values spread them as
/// well (a golden-ratio step lands each next value far from the last). Nothing secret
/// depends on it, so this is no reason to fail the write.
fn jitter_source() -> u64 {
    static SPREAD: AtomicU64 = AtomicU64::new(0);
    let mut r = [0u8; 2];
    match getrandom::fill(&mut r) {
        Ok(()) => u64::from(u16::from_le_bytes(r)),
        Err(_) => {
            let step = SPREAD.fetch_add(1, Ordering::Relaxed);
            step.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 48
        }
    }
}

/// When the next try follows one that did not finish.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Retry {
    /// At once: the next try reads afresh what stopped this one.
    Now,
    /// After [`backoff`] for this try's number: contention clears with time.
    Backoff,
    /// At once for the first four tries, then after [`backoff`] counted from the fourth: a
    /// refused try learnt what changed and the next one is built from that, so only a long
    /// run of refusals (a rush on the same items) needs spreading out.
    BackoffAfterWarmup,
}

impl Retry {
    async fn pause(self, attempt: u32) {
        match self {
            Retry::Now => {}
            Retry::Backoff => backoff(attempt).await,
            Retry::BackoffAfterWarmup => {
                if attempt > 3 {
                    backoff(attempt - 3).await;
                }
            }
        }
    }
}

/// What one try of a [`Retried`] operation came to.
pub(super) enum Step<T> {
    Done(T),
    Retry(Retry),
}

/// An operation that [`DynamoStore::retry`] tries until it is done. A trait and not a
/// closure: the ports' futures must be `Send`, which rustc cannot yet prove for async
/// closures handed to an async function (rust-lang/rust#145127).
pub(super) trait Retried {
    type Output;

    /// One try, numbered from 0: done, or to be tried again after the pause it names.
    async fn once(&mut self, store: &DynamoStore, attempt: u32) -> StoreResult<Step<Self::Output>>;
}

/// One try of a transactional change.
pub(super) enum Tx<T> {
    /// Write these items together; once written, the change comes to `T`.
    Write(Vec<TransactWriteItem>, T),
    /// Nothing to write: what the try read is the answer already.
    Done(T),
}

/// A transactional change as [`DynamoStore::transact_with_retry`] tries it. A trait for the
/// reason given at [`Retried`], and because a try's steps share state: what a refusal
/// teaches (where a registration goes now) shapes the next try's writes.
pub(super) trait Attempt {
    type Output;

    /// This try's writes, built afresh every time (a try may re-read what changed).
    async fn prepare(&mut self, store: &DynamoStore, attempt: u32)
    -> StoreResult<Tx<Self::Output>>;

    /// The engine has answered this try, `written` or not, whatever the reason; called
    /// before anything else happens.
    fn answered(&mut self, _store: &DynamoStore, _written: bool) {}

    /// A condition did not hold: an error to give up with, or when to try again.
    async fn refused(&mut self, store: &DynamoStore, refusal: Refusal) -> StoreResult<Retry>;
}

/// A change whose writes are the same on every try: only contention retries it, and a
/// failed condition gives up with `refused()`.
pub(super) struct Fixed<E> {
    pub(super) writes: Vec<TransactWriteItem>,
    pub(super) refused: E,
}

impl<E: Fn() -> StoreError> Attempt for Fixed<E> {
    type Output = ();

    async fn prepare(&mut self, _: &DynamoStore, _: u32) -> StoreResult<Tx<()>> {
        Ok(Tx::Write(self.writes.clone(), ()))
    }

    async fn refused(&mut self, _: &DynamoStore, _: Refusal) -> StoreResult<Retry> {
        Err((self.refused)())
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

    /// Runs `op` until it is done, pausing between tries as it asks. Gives up with
    /// [`StoreError::Busy`] after `limit` tries (`None`: never). Every retried write of the
    /// store goes through here, so the schedule is in one place.
    pub(super) async fn retry<R: Retried>(
        &self,
        limit: Option<u32>,
        mut op: R,
    ) -> StoreResult<R::Output> {
        let mut attempt: u32 = 0;
        while limit.is_none_or(|l| attempt < l) {
            match op.once(self, attempt).await? {
                Step::Done(done) => return Ok(done),
                Step::Retry(when) => when.pause(attempt).await,
            }
            attempt = attempt.saturating_add(1);
        }
        Err(StoreError::Busy)
    }

    /// Tries `change` until it is written or answered without writing, up to
    /// [`MAX_ATTEMPTS`] times: contention backs off and retries, a failed condition is
    /// the change's to judge ([`Attempt::refused`]), any other failure ends it.
    pub(super) async fn transact_with_retry<A: Attempt>(
        &self,
        change: A,
    ) -> StoreResult<A::Output> {
        self.retry(Some(MAX_ATTEMPTS), Transacting(change)).await
    }
}

/// A transactional change as one [`Retried`] operation.
struct Transacting<A>(A);

impl<A: Attempt> Retried for Transacting<A> {
    type Output = A::Output;

    async fn once(&mut self, store: &DynamoStore, attempt: u32) -> StoreResult<Step<A::Output>> {
        let change = &mut self.0;
        let (writes, done) = match change.prepare(store, attempt).await? {
            Tx::Done(answer) => return Ok(Step::Done(answer)),
            Tx::Write(writes, done) => (writes, done),
        };
        let outcome = store.transact(writes).await;
        change.answered(store, outcome.is_ok());
        match outcome {
            Ok(()) => Ok(Step::Done(done)),
            Err(TxError::Cancelled(refusal)) => {
                Ok(Step::Retry(change.refused(store, refusal).await?))
            }
            Err(TxError::Conflict) => Ok(Step::Retry(Retry::Backoff)),
            Err(TxError::Other(e)) => Err(e),
        }
    }
}
