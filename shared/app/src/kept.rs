//! Answers that many people ask for at once and that take many reads to compute (the open
//! statistics, an office's roll-up, the year's announced open days), kept in memory for a
//! short while and shared: concurrent requests for one key wait for one computation
//! instead of each reading the store (single-flight). The event cache of registrations
//! (`events.rs`) is one too.
//! Each key names everything its answer depends on (year, scope, day); a write in this
//! process that changes a kept answer (a plan changed, a report filed) forgets them all.
//! Other processes (Lambda instances) see the change within the lifetime.

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::error::AppError;

/// How long a kept answer is served: figures are up to this old.
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(30);

/// More keys than this and the cache starts afresh (keys are few: years, scopes, days; or
/// the events of a rush, where many in one lifetime is not a rush on one of them).
const MAX_ENTRIES: usize = 1024;

type Shared = Arc<dyn Any + Send + Sync>;

pub struct Kept {
    lifetime: Duration,
    entries: Mutex<HashMap<String, Arc<Slot>>>,
    computed: AtomicU64,
}

/// One key's entry. Its async lock makes the computation single-flight: the first request
/// computes while the others for the key wait, then read its answer.
#[derive(Default)]
struct Slot {
    value: tokio::sync::Mutex<Option<(Instant, Shared)>>,
}

impl Kept {
    /// Answers kept for `lifetime` (zero: nothing is kept, every request computes).
    pub fn new(lifetime: Duration) -> Self {
        Self {
            lifetime,
            entries: Mutex::new(HashMap::new()),
            computed: AtomicU64::new(0),
        }
    }

    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// How many answers were computed (not served from memory) so far.
    pub fn computed(&self) -> u64 {
        self.computed.load(Ordering::Relaxed)
    }

    /// Forgets every kept answer: the next request for any key computes it afresh.
    pub fn forget_all(&self) {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// The answer kept under `key` if it is younger than the lifetime; otherwise the one
    /// `compute` gives, kept. An error is not kept: the next request computes again. A
    /// request dropped while computing (its deadline passed) lets the next waiter compute.
    pub async fn get_or_compute<T, F, Fut>(
        &self,
        key: String,
        compute: F,
    ) -> Result<Arc<T>, AppError>
    where
        T: Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, AppError>>,
    {
        if self.lifetime.is_zero() {
            self.computed.fetch_add(1, Ordering::Relaxed);
            return compute().await.map(Arc::new);
        }
        let slot = {
            let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
            if entries.len() >= MAX_ENTRIES && !entries.contains_key(&key) {
                entries.clear();
            }
            entries.entry(key).or_default().clone()
        };
        let mut value = slot.value.lock().await;
        if let Some((at, kept)) = value.as_ref()
            && at.elapsed() < self.lifetime
            && let Ok(kept) = kept.clone().downcast::<T>()
        {
            return Ok(kept);
        }
        self.computed.fetch_add(1, Ordering::Relaxed);
        let fresh = Arc::new(compute().await?);
        *value = Some((Instant::now(), fresh.clone() as Shared));
        Ok(fresh)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests fail loudly
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_requests_for_one_key_share_one_computation() {
        let kept = Arc::new(Kept::new(Duration::from_secs(60)));
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let kept = kept.clone();
                tokio::spawn(async move {
                    kept.get_or_compute("k".into(), || async {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        Ok(42u32)
                    })
                    .await
                    .unwrap()
                })
            })
            .collect();
        for t in tasks {
            assert_eq!(*t.await.unwrap(), 42);
        }
        assert_eq!(kept.computed(), 1);
        // Another key is its own computation; forgetting recomputes.
        kept.get_or_compute("other".into(), || async { Ok(1u8) })
            .await
            .unwrap();
        assert_eq!(kept.computed(), 2);
        kept.forget_all();
        kept.get_or_compute("k".into(), || async { Ok(43u32) })
            .await
            .unwrap();
        assert_eq!(kept.computed(), 3);
    }

    #[tokio::test]
    async fn an_error_is_not_kept_and_an_old_answer_is_recomputed() {
        let kept = Kept::new(Duration::from_millis(30));
        let failed = kept
            .get_or_compute::<u32, _, _>("k".into(), || async {
                Err(AppError::Unavailable("down".into()))
            })
            .await;
        assert!(failed.is_err());
        let v = kept.get_or_compute("k".into(), || async { Ok(1u32) }).await;
        assert_eq!(*v.unwrap(), 1);
        tokio::time::sleep(Duration::from_millis(40)).await;
        let v = kept.get_or_compute("k".into(), || async { Ok(2u32) }).await;
        assert_eq!(*v.unwrap(), 2, "older than the lifetime");
        assert_eq!(kept.computed(), 3);
    }
}
