//! Limits that keep the public endpoints usable under floods: a request deadline below the
//! Lambda timeout, and rate limits per source address (generous: an office network shares
//! one address) and per phone (strict). The numbers are configuration, so that a load test
//! can raise them. Limits held in memory are per process (each Lambda instance, the local
//! server); API Gateway's route throttling (template.yaml) caps the whole; the limits that
//! must hold across processes (codes per phone, one registration or evaluation per phone,
//! feedback per phone and day) are kept in DynamoDB.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use openday_app::AppError;
use openday_app::phones::whole_seconds;
pub use openday_app::quotas::Quotas;

use crate::error::ApiError;

/// The configured numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Public requests a minute from one source address.
    pub per_address_per_minute: NonZeroU32,
    /// Public writes a minute by one phone.
    pub per_phone_per_minute: NonZeroU32,
    /// How long a request may take before it is answered 503 with `Retry-After`.
    pub deadline: Duration,
    /// The limits every process shares (kept in the table): codes per address, network
    /// and hour; sign-ins per mailbox and address.
    pub quotas: Quotas,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            per_address_per_minute: NonZeroU32::new(600).unwrap_or(NonZeroU32::MIN),
            per_phone_per_minute: NonZeroU32::new(10).unwrap_or(NonZeroU32::MIN),
            // The public function's timeout is 10 s: answer before it.
            deadline: Duration::from_secs(8),
            quotas: Quotas::default(),
        }
    }
}

impl Limits {
    /// From `OPENDAY_RATE_PER_ADDRESS`, `OPENDAY_RATE_PER_PHONE` (per minute) and
    /// `OPENDAY_DEADLINE_MS`, and the quotas' variables ([`Quotas::from_vars`]), each
    /// optional.
    pub fn from_env() -> Result<Self, String> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let mut limits = Self {
            quotas: Quotas::from_vars(&var)?,
            ..Self::default()
        };
        let number = |name: &str| -> Result<Option<u32>, String> {
            match var(name).filter(|v| !v.trim().is_empty()) {
                None => Ok(None),
                Some(v) => v
                    .trim()
                    .parse::<u32>()
                    .ok()
                    .filter(|n| *n > 0)
                    .map(Some)
                    .ok_or_else(|| format!("{name}: expected a positive whole number, got {v:?}")),
            }
        };
        if let Some(n) = number("OPENDAY_RATE_PER_ADDRESS")?.and_then(NonZeroU32::new) {
            limits.per_address_per_minute = n;
        }
        if let Some(n) = number("OPENDAY_RATE_PER_PHONE")?.and_then(NonZeroU32::new) {
            limits.per_phone_per_minute = n;
        }
        if let Some(ms) = number("OPENDAY_DEADLINE_MS")? {
            limits.deadline = Duration::from_millis(u64::from(ms));
        }
        Ok(limits)
    }
}

/// The per-address limiter of one process (the per-phone one is the use cases', in
/// `openday_app::phones`).
pub struct AddressLimits {
    address: DefaultKeyedRateLimiter<IpAddr>,
    checks: AtomicU64,
}

impl AddressLimits {
    pub fn new(limits: &Limits) -> Self {
        Self {
            address: RateLimiter::keyed(Quota::per_minute(limits.per_address_per_minute)),
            checks: AtomicU64::new(0),
        }
    }

    pub fn check_address(&self, ip: IpAddr) -> Result<(), ApiError> {
        self.tidy();
        self.address.check_key(&ip).map_err(|not_until| {
            ApiError::App(AppError::RateLimited {
                retry_after: whole_seconds(not_until.wait_time_from(DefaultClock::default().now())),
                message: None,
            })
        })
    }

    /// Forget idle keys now and then, so memory stays flat under many addresses.
    fn tidy(&self) {
        if self.checks.fetch_add(1, Ordering::Relaxed) % 4096 == 4095 {
            self.address.retain_recent();
        }
    }
}

/// The address a request came from: put there by the Lambda runner (API Gateway's
/// `sourceIp`) or taken from the connection by the local server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

pub fn client_ip(req: &Request) -> IpAddr {
    ip_of(req.extensions())
}

fn ip_of(extensions: &axum::http::Extensions) -> IpAddr {
    if let Some(ClientIp(ip)) = extensions.get::<ClientIp>() {
        return *ip;
    }
    if let Some(ConnectInfo(addr)) = extensions.get::<ConnectInfo<std::net::SocketAddr>>() {
        return addr.ip();
    }
    IpAddr::from([0, 0, 0, 0])
}

/// The address a request came from, for the handlers whose use cases limit by address
/// (sending a code, asking for a sign-in link).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller(pub IpAddr);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Caller {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Caller(ip_of(&parts.extensions)))
    }
}

/// Middleware: the per-address limit on every public request.
pub async fn per_address(
    State(limits): State<std::sync::Arc<AddressLimits>>,
    req: Request,
    next: Next,
) -> Response {
    match limits.check_address(client_ip(&req)) {
        Ok(()) => next.run(req).await,
        Err(e) => e.into_response(),
    }
}

/// Middleware: a request that cannot finish within the deadline gets 503 with
/// `Retry-After` instead of hanging until the Lambda is killed. A write that was already
/// sent may still complete: a retry of a registration then finds it (see `register`).
pub async fn deadline(State(deadline): State<Duration>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(deadline, next.run(req)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(target: "openday::request", deadline_ms = deadline.as_millis() as u64, "deadline passed");
            ApiError::unavailable("deadline passed").into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn limits_come_from_configuration() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        assert_eq!(Limits::from_vars(vars(&[])).unwrap(), Limits::default());
        let raised = Limits::from_vars(vars(&[
            ("OPENDAY_RATE_PER_ADDRESS", "100000"),
            ("OPENDAY_DEADLINE_MS", "2500"),
        ]))
        .unwrap();
        assert_eq!(raised.per_address_per_minute.get(), 100_000);
        assert_eq!(raised.deadline, Duration::from_millis(2500));
        let bad = Limits::from_vars(vars(&[("OPENDAY_RATE_PER_PHONE", "0")])).unwrap_err();
        assert!(bad.contains("OPENDAY_RATE_PER_PHONE"), "{bad}");
        assert!(Limits::from_vars(vars(&[("OPENDAY_DEADLINE_MS", "soon")])).is_err());
    }

    #[test]
    fn an_address_over_its_limit_is_told_when_to_come_back() {
        let limits = AddressLimits::new(&Limits {
            per_address_per_minute: NonZeroU32::new(3).unwrap(),
            ..Limits::default()
        });
        let a = IpAddr::from([10, 0, 0, 1]);
        for _ in 0..3 {
            limits.check_address(a).unwrap();
        }
        match limits.check_address(a) {
            Err(ApiError::App(AppError::RateLimited { retry_after, .. })) => {
                assert!((1..=20).contains(&retry_after))
            }
            other => panic!("expected RateLimited, got {other:?}"),
        }
        // Another address is not affected.
        limits.check_address(IpAddr::from([10, 0, 0, 2])).unwrap();
    }
}
