//! The per-phone limit of this process: a phone's public writes (codes asked for, look-ups,
//! registrations) a minute. Keyed by the phone's keyed hash, so that no number is kept in
//! memory either. The limits that must hold across processes (codes per phone, one
//! registration or evaluation per phone, feedback per phone and day) are kept in DynamoDB.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::AppError;

pub struct PhoneLimits {
    phone: DefaultKeyedRateLimiter<String>,
    checks: AtomicU64,
}

impl PhoneLimits {
    pub fn new(per_minute: NonZeroU32) -> Self {
        Self {
            phone: RateLimiter::keyed(Quota::per_minute(per_minute)),
            checks: AtomicU64::new(0),
        }
    }

    /// `phone_hash`: the keyed hash of the phone.
    pub fn check(&self, phone_hash: &str) -> Result<(), AppError> {
        // Forget idle keys now and then, so memory stays flat under many phones.
        if self.checks.fetch_add(1, Ordering::Relaxed) % 4096 == 4095 {
            self.phone.retain_recent();
        }
        self.phone
            .check_key(&phone_hash.to_owned())
            .map_err(|not_until| AppError::RateLimited {
                retry_after: whole_seconds(not_until.wait_time_from(DefaultClock::default().now())),
                message: None,
            })
    }
}

/// A wait rounded up to whole seconds.
pub fn whole_seconds(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_phone_over_its_limit_is_told_when_to_come_back() {
        let limits = PhoneLimits::new(NonZeroU32::new(2).unwrap());
        limits.check("a").unwrap();
        limits.check("a").unwrap();
        match limits.check("a") {
            Err(AppError::RateLimited { retry_after, .. }) => {
                assert!((1..=31).contains(&retry_after))
            }
            other => panic!("expected RateLimited, got {other:?}"),
        }
        limits.check("b").unwrap();
    }
}
