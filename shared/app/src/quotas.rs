//! The numbers of the limits every process shares (set by the operator), and the networks
//! addresses are counted by. The counting itself is in [`crate::limits`].

use std::net::IpAddr;

/// The numbers, set by the operator (environment variables, see [`Quotas::from_vars`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quotas {
    /// Codes a minute asked for from one address.
    pub codes_per_address_per_minute: u32,
    /// Codes a day (Asia/Shanghai) asked for from one address.
    pub codes_per_address_per_day: u32,
    /// Codes a minute from one /24 (IPv4) or /64 (IPv6) network.
    pub codes_per_network_per_minute: u32,
    /// Codes a day from one network.
    pub codes_per_network_per_day: u32,
    /// Codes an hour for the whole platform: beyond it, 503 and an alarm.
    pub codes_per_hour: u32,
    /// Sign-in links a mailbox may be sent in [`SIGN_IN_WINDOW_MINUTES`].
    pub sign_ins_per_mailbox: u32,
    /// Sign-in links asked for from one address in [`SIGN_IN_WINDOW_MINUTES`].
    pub sign_ins_per_address: u32,
}

/// The window of the sign-in limits: a mailbox that reached its limit waits until it ends.
pub const SIGN_IN_WINDOW_MINUTES: i64 = 15;

impl Default for Quotas {
    fn default() -> Self {
        Self {
            codes_per_address_per_minute: 5,
            codes_per_address_per_day: 30,
            codes_per_network_per_minute: 20,
            codes_per_network_per_day: 300,
            codes_per_hour: 2_000,
            sign_ins_per_mailbox: 5,
            sign_ins_per_address: 20,
        }
    }
}

/// The environment variable of each number, with a setter.
type Setting = (&'static str, fn(&mut Quotas, u32));

const SETTINGS: [Setting; 7] = [
    ("OPENDAY_SMS_PER_ADDRESS_MINUTE", |q, n| {
        q.codes_per_address_per_minute = n
    }),
    ("OPENDAY_SMS_PER_ADDRESS_DAY", |q, n| {
        q.codes_per_address_per_day = n
    }),
    ("OPENDAY_SMS_PER_NETWORK_MINUTE", |q, n| {
        q.codes_per_network_per_minute = n
    }),
    ("OPENDAY_SMS_PER_NETWORK_DAY", |q, n| {
        q.codes_per_network_per_day = n
    }),
    ("OPENDAY_SMS_BUDGET_PER_HOUR", |q, n| q.codes_per_hour = n),
    ("OPENDAY_SIGN_INS_PER_MAILBOX", |q, n| {
        q.sign_ins_per_mailbox = n
    }),
    ("OPENDAY_SIGN_INS_PER_ADDRESS", |q, n| {
        q.sign_ins_per_address = n
    }),
];

impl Quotas {
    /// The defaults, with each variable of [`SETTINGS`] that is set (a positive whole
    /// number) in their place.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let mut quotas = Self::default();
        for (name, set) in SETTINGS {
            let Some(raw) = var(name).filter(|v| !v.trim().is_empty()) else {
                continue;
            };
            let n = raw
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("{name}: expected a positive whole number, got {raw:?}"))?;
            set(&mut quotas, n);
        }
        Ok(quotas)
    }

    /// Limits so high that only a test's own limit bites (load tests, benchmarks).
    pub fn unlimited() -> Self {
        Self {
            codes_per_address_per_minute: u32::MAX,
            codes_per_address_per_day: u32::MAX,
            codes_per_network_per_minute: u32::MAX,
            codes_per_network_per_day: u32::MAX,
            codes_per_hour: u32::MAX,
            sign_ins_per_mailbox: u32::MAX,
            sign_ins_per_address: u32::MAX,
        }
    }
}

/// The network an address belongs to: its /24 (IPv4) or /64 (IPv6).
pub fn network_of(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0/24")
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => network_of(IpAddr::V4(v4)),
            None => {
                let [a, b, c, d, ..] = v6.segments();
                format!("{a:x}:{b:x}:{c:x}:{d:x}::/64")
            }
        },
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn networks_are_the_slash_24_and_the_slash_64() {
        assert_eq!(
            network_of("203.0.113.77".parse().unwrap()),
            "203.0.113.0/24"
        );
        assert_eq!(
            network_of("2001:db8:1:2:3:4:5:6".parse().unwrap()),
            "2001:db8:1:2::/64"
        );
        assert_eq!(
            network_of("::ffff:198.51.100.9".parse().unwrap()),
            "198.51.100.0/24"
        );
    }

    #[test]
    fn quotas_come_from_configuration() {
        let none = |_: &str| None;
        assert_eq!(Quotas::from_vars(none).unwrap(), Quotas::default());
        let set = |name: &str| (name == "OPENDAY_SMS_BUDGET_PER_HOUR").then(|| "50".to_owned());
        assert_eq!(Quotas::from_vars(set).unwrap().codes_per_hour, 50);
        let bad = |name: &str| (name == "OPENDAY_SIGN_INS_PER_MAILBOX").then(|| "0".to_owned());
        assert!(
            Quotas::from_vars(bad)
                .unwrap_err()
                .contains("OPENDAY_SIGN_INS_PER_MAILBOX")
        );
    }
}
