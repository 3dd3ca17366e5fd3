//! Limits on what costs money or invites guessing, counted in the table so that every
//! process shares the count: text-message codes per source address, per network (/24 or
//! /64) and in one hourly budget for the whole platform; staff sign-in links per mailbox
//! and per address. Each process's own limiters (per phone, per address) come first and
//! are cheaper; these are the ones an attacker cannot get round by landing on another
//! Lambda instance. The numbers are [`crate::quotas::Quotas`].

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use openday_rules::verification;
use openday_store::ports::{Counted, CounterStore};

use crate::error::{AppError, wait_words};
use crate::quotas::{SIGN_IN_WINDOW_MINUTES, network_of};
use crate::services::Services;

/// The end of the fixed window of `seconds` that `now` is in.
fn window_end(now: DateTime<Utc>, seconds: i64) -> DateTime<Utc> {
    let t = now.timestamp();
    DateTime::from_timestamp((t.div_euclid(seconds) + 1) * seconds, 0).unwrap_or(now)
}

/// The end of the day (Asia/Shanghai) that `now` is in.
fn day_end(now: DateTime<Utc>) -> DateTime<Utc> {
    now + Duration::seconds(verification::seconds_until_tomorrow(now))
}

/// One counter to take: its name, the end of its window and its limit.
struct Counter {
    name: String,
    until: DateTime<Utc>,
    limit: u32,
}

/// Counts one use on each counter in turn, up to the first that refuses: its wait (until
/// its window ends) and its refusals. A refused request spends nothing of the counters
/// after it, so the numbers stay what the operator set.
async fn take<S: CounterStore>(
    app: &Services<S>,
    counters: &[Counter],
) -> Result<Option<(u64, u32)>, AppError> {
    for c in counters {
        if let Counted::Refused { refusals } =
            app.store.count_use(&c.name, c.until, c.limit).await?
        {
            let wait = (c.until - app.now()).num_seconds().max(1) as u64;
            return Ok(Some((wait, refusals)));
        }
    }
    Ok(None)
}

impl<S> Services<S> {
    /// The keyed hash of a source address: counters never hold an address in clear.
    fn address_hash(&self, ip: IpAddr) -> String {
        self.settings
            .person_key
            .secret_hash("source-address", &ip.to_string())
    }
}

/// Whether one more code may be sent for a request from `from`: within the address's and
/// its network's limits (429 otherwise), then within the platform's hourly budget (503 and
/// an alarm otherwise).
pub(crate) async fn code_allowed<S: CounterStore>(
    app: &Services<S>,
    from: IpAddr,
) -> Result<(), AppError> {
    let q = app.settings.quotas;
    let now = app.now();
    let address = app.address_hash(from);
    let net = network_of(from);
    let network = app.settings.person_key.secret_hash("source-network", &net);
    let (minute, day) = (window_end(now, 60), day_end(now));
    let counters = [
        (
            "sms-address-minute",
            &address,
            minute,
            q.codes_per_address_per_minute,
        ),
        (
            "sms-address-day",
            &address,
            day,
            q.codes_per_address_per_day,
        ),
        (
            "sms-network-minute",
            &network,
            minute,
            q.codes_per_network_per_minute,
        ),
        (
            "sms-network-day",
            &network,
            day,
            q.codes_per_network_per_day,
        ),
    ]
    .map(|(kind, hash, until, limit)| Counter {
        name: format!("{kind}#{hash}"),
        until,
        limit,
    });
    if let Some((wait, refusals)) = take(app, &counters).await? {
        if refusals == 1 {
            tracing::warn!(target: "openday::security", network = %net, "verification codes refused for an address over its limits");
        }
        return Err(AppError::RateLimited {
            retry_after: wait,
            message: Some(format!(
                "您所在网络申请验证码过于频繁，请{}后再试",
                wait_words(wait)
            )),
        });
    }
    let hour = window_end(now, 3600);
    let budget = [Counter {
        name: "sms-budget-hour".into(),
        until: hour,
        limit: q.codes_per_hour,
    }];
    if let Some((wait, refusals)) = take(app, &budget).await? {
        // The alarm: a metric filter on this line pages the operator (template.yaml). Once
        // an hour is enough to page; later refusals are counted in the counter item.
        if refusals == 1 {
            tracing::error!(target: "openday::alarm", alarm = "SMS_BUDGET_EXHAUSTED", budget = q.codes_per_hour, "the hourly budget of verification codes is spent: codes are refused until the hour ends");
        }
        return Err(AppError::Paused {
            code: "SMS_BUDGET_EXHAUSTED",
            message: format!(
                "短信验证码发送量已达本平台设定的每小时上限，请{}后再试。如急需报名，请拨打活动公告中的联系电话",
                wait_words(wait)
            ),
            retry_after: wait,
        });
    }
    Ok(())
}

/// How many sign-in links the mailbox was sent in this window, this one included, and
/// when the window ends.
#[derive(Debug, Clone, Copy)]
pub struct SignInCount {
    pub uses: u32,
    pub limit: u32,
    pub until: DateTime<Utc>,
}

/// Whether one more sign-in link may be sent to `mailbox` for a request from `from`. The
/// same for an address in the directory and one that is not, so that the answer says
/// nothing about the address.
pub(crate) async fn sign_in_allowed<S: CounterStore>(
    app: &Services<S>,
    mailbox: &str,
    from: IpAddr,
) -> Result<SignInCount, AppError> {
    let q = app.settings.quotas;
    let until = window_end(app.now(), SIGN_IN_WINDOW_MINUTES * 60);
    let mailbox_hash = app
        .settings
        .person_key
        .secret_hash("sign-in-mailbox", &mailbox.to_lowercase());
    let by_address = Counter {
        name: format!("sign-in-address#{}", app.address_hash(from)),
        until,
        limit: q.sign_ins_per_address,
    };
    if let Some((wait, refusals)) = take(app, &[by_address]).await? {
        tracing::warn!(target: "openday::security", network = %network_of(from), refusals, "sign-in refused: too many from one address");
        return Err(AppError::RateLimited {
            retry_after: wait,
            message: Some(format!("登录申请过于频繁，请{}后再试", wait_words(wait))),
        });
    }
    let name = format!("sign-in-mailbox#{mailbox_hash}");
    match app
        .store
        .count_use(&name, until, q.sign_ins_per_mailbox)
        .await?
    {
        Counted::Granted { uses } => Ok(SignInCount {
            uses,
            limit: q.sign_ins_per_mailbox,
            until,
        }),
        Counted::Refused { refusals } => {
            let wait = (until - app.now()).num_seconds().max(1) as u64;
            tracing::warn!(target: "openday::security", mailbox = %&mailbox_hash[..12], network = %network_of(from), refusals, "sign-in refused: too many for one mailbox");
            Err(AppError::RateLimited {
                retry_after: wait,
                message: Some(format!(
                    "同一邮箱每{SIGN_IN_WINDOW_MINUTES}分钟最多发送{}封登录邮件，请{}后再试",
                    q.sign_ins_per_mailbox,
                    wait_words(wait)
                )),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn windows_end_on_the_minute_the_hour_and_the_day_in_shanghai() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().to_utc();
        let now = at("2026-05-20T10:15:42+08:00");
        assert_eq!(window_end(now, 60), at("2026-05-20T10:16:00+08:00"));
        assert_eq!(window_end(now, 900), at("2026-05-20T10:30:00+08:00"));
        assert_eq!(window_end(now, 3600), at("2026-05-20T11:00:00+08:00"));
        assert_eq!(day_end(now), at("2026-05-21T00:00:00+08:00"));
    }
}
