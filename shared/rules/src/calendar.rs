//! Calendar days in Asia/Shanghai and the clock passed in. The deadlines themselves are the
//! programme's ([`crate::programme::Programme`]): each region's work plan sets its own days.
//!
//! A "day" in this system is a calendar day in Asia/Shanghai (`NaiveDate`). An instant
//! becomes a day only through [`local_day`]; nothing here reads the system time.

use chrono::{DateTime, Datelike, Days, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use crate::violation::{Code, Violation};

/// The time zone of every calendar rule.
pub const TZ: Tz = chrono_tz::Asia::Shanghai;

/// "Now", passed in. Adapters implement it over the system clock; tests fix it.
pub trait Clock {
    fn now(&self) -> DateTime<Utc>;

    /// Today's calendar day in Asia/Shanghai.
    fn today(&self) -> NaiveDate {
        local_day(&self.now())
    }
}

/// A clock that always says the same instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// The Asia/Shanghai calendar day of an instant, whatever zone it was written in.
pub fn local_day<Z: TimeZone>(instant: &DateTime<Z>) -> NaiveDate {
    instant.with_timezone(&TZ).date_naive()
}

/// The first instant of a Shanghai calendar day (00:00 +08:00).
pub fn start_of_day(day: NaiveDate) -> DateTime<Utc> {
    // Asia/Shanghai has had no DST since 1991, so midnight always exists exactly once.
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    TZ.from_local_datetime(&midnight)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| midnight.and_utc())
}

/// Parses an RFC 3339 instant (`2026-09-01T00:30:00+08:00`).
pub fn parse_instant(field: &str, raw: &str) -> Result<DateTime<Utc>, Violation> {
    DateTime::parse_from_rfc3339(raw.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            Violation::new(
                Code::ValidationFailed,
                format!(
                    "时间“{}”无效，应为 RFC 3339 格式，如 2026-09-01T09:00:00+08:00",
                    raw.trim()
                ),
            )
            .at(field)
        })
}

/// Parses a calendar day written `YYYY-MM-DD`, within the years this system can serve.
pub fn parse_day(field: &str, raw: &str) -> Result<NaiveDate, Violation> {
    let bad = || {
        Violation::new(
            Code::ValidationFailed,
            format!(
                "日期“{}”无效，应为 YYYY-MM-DD 格式的真实日期",
                crate::text::clip(raw.trim())
            ),
        )
        .at(field)
    };
    // Exactly `YYYY-MM-DD`: not `2026-9-1`, not `+2026-09-01`, not full-width digits.
    let trimmed = raw.trim();
    let shape = trimmed.len() == 10
        && trimmed.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !shape {
        return Err(bad());
    }
    let day = NaiveDate::parse_from_str(trimmed, "%Y-%m-%d").map_err(|_| bad())?;
    if !(2000..=2100).contains(&day.year()) {
        return Err(bad());
    }
    Ok(day)
}

/// `2026年9月20日`.
pub fn day_text(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// `2026年9月20日`, `2026年9月20日至9月26日`, or across a year end
/// `2026年12月31日至2027年1月2日`.
pub fn day_span(start: NaiveDate, end: NaiveDate) -> String {
    if start == end {
        day_text(start)
    } else if start.year() == end.year() {
        format!("{}至{}月{}日", day_text(start), end.month(), end.day())
    } else {
        format!("{}至{}", day_text(start), day_text(end))
    }
}

/// `2026年9月1日 10:00` in Asia/Shanghai.
pub fn when(at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&TZ);
    format!("{} {}", day_text(local_day(&at)), local.format("%H:%M"))
}

#[cfg(test)]
mod day_shape_tests {
    #[test]
    fn days_are_exactly_yyyy_mm_dd() {
        assert!(super::parse_day("d", " 2026-09-01 ").is_ok());
        for bad in [
            "2026-9-1",
            "2026-09-1",
            "+2026-09-01",
            "2026/09/01",
            "２０２６-09-01",
            "2026-02-30",
            "20260901",
        ] {
            assert!(super::parse_day("d", bad).is_err(), "{bad}");
        }
        let long = "9".repeat(500);
        let v = super::parse_day("d", &long).unwrap_err();
        assert!(v.message.chars().count() < 120, "{}", v.message);
    }
}

/// `day` moved by whole calendar days. Days of this system lie in 1900–2100, far from
/// chrono's limits, so the arithmetic cannot overflow.
pub fn days_before(day: NaiveDate, n: u64) -> NaiveDate {
    day - Days::new(n)
}

pub fn days_after(day: NaiveDate, n: u64) -> NaiveDate {
    day + Days::new(n)
}

/// Whole days from `from` to `to` (negative when `to` is earlier).
pub fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days()
}

#[cfg(test)]
pub(crate) fn day(raw: &str) -> NaiveDate {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").expect("test date")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn half_past_midnight_in_shanghai_is_already_september_first() {
        let t = DateTime::parse_from_rfc3339("2026-09-01T00:30:00+08:00").unwrap();
        assert_eq!(local_day(&t), day("2026-09-01"));
        // The same instant is still August 31 in UTC; the rules never use that day.
        assert_eq!(t.with_timezone(&Utc).date_naive(), day("2026-08-31"));
        let clock = FixedClock(t.with_timezone(&Utc));
        assert_eq!(clock.today(), day("2026-09-01"));
    }

    #[test]
    fn utc_evening_is_the_next_shanghai_day() {
        let t = parse_instant("now", "2026-08-31T16:00:00Z").unwrap();
        assert_eq!(local_day(&t), day("2026-09-01"));
        let t = parse_instant("now", "2026-08-31T15:59:59Z").unwrap();
        assert_eq!(local_day(&t), day("2026-08-31"));
    }

    #[test]
    fn a_day_starts_at_midnight_shanghai() {
        assert_eq!(
            start_of_day(day("2026-09-01")),
            parse_instant("t", "2026-08-31T16:00:00Z").unwrap()
        );
    }

    #[test]
    fn deadlines_count_calendar_days() {
        let [seed, example] = crate::programme::tests::both();
        assert_eq!(
            seed.last_announcement_day(day("2026-09-20")),
            day("2026-09-05")
        );
        assert_eq!(
            seed.last_announcement_day(day("2026-09-10")),
            day("2026-08-26")
        );
        assert_eq!(
            seed.feedback_response_due(day("2026-10-31")),
            day("2026-11-15")
        );
        assert_eq!(
            seed.feedback_response_due(day("2026-09-20")),
            day("2026-10-05")
        );
        assert_eq!(seed.evaluation_closes(day("2026-10-31")), day("2026-11-30"));
        assert_eq!(seed.report_due(2026), day("2026-11-15"));
        assert_eq!(
            example.last_announcement_day(day("2026-09-20")),
            day("2026-09-10")
        );
        assert_eq!(
            example.feedback_response_due(day("2026-10-15")),
            day("2026-10-25")
        );
        assert_eq!(
            example.evaluation_closes(day("2026-10-15")),
            day("2026-11-04")
        );
        assert_eq!(example.report_due(2026), day("2026-11-10"));
    }

    #[test]
    fn bad_days_and_instants_are_refused_with_the_field() {
        for raw in ["2026-02-30", "2026/09/01", "", "1999-09-01", "2026-9-1x"] {
            let v = parse_day("start_date", raw).unwrap_err();
            assert_eq!(v.code, Code::ValidationFailed);
            assert_eq!(v.field.as_deref(), Some("start_date"));
        }
        assert!(parse_instant("now", "2026-09-01 09:00").is_err());
    }

    proptest! {
        #[test]
        fn deadline_arithmetic_holds_across_month_and_year_ends(
            offset in 0u64..(366 * 200),
            n in 0u64..400,
        ) {
            let d = day("1950-01-01") + Days::new(offset);
            let later = days_after(d, n);
            prop_assert_eq!(days_between(d, later), n as i64);
            prop_assert_eq!(days_before(later, n), d);
            for p in crate::programme::tests::both() {
                prop_assert_eq!(days_between(p.last_announcement_day(d), d), i64::from(p.notice.days_before));
                prop_assert_eq!(days_between(d, p.feedback_response_due(d)), i64::from(p.feedback.response_days));
            }
            // One day later is the next calendar day, also across month and year ends.
            let next = days_after(d, 1);
            prop_assert!(next.ordinal() == d.ordinal() + 1
                || (next.ordinal() == 1 && next.year() == d.year() + 1 && d.month() == 12 && d.day() == 31));
        }

        #[test]
        fn a_shanghai_day_is_the_utc_instant_plus_eight_hours(secs in 946_684_800i64..4_102_444_800i64) {
            let t = DateTime::from_timestamp(secs, 0).unwrap();
            prop_assert_eq!(local_day(&t), (t + chrono::Duration::hours(8)).date_naive());
            prop_assert!(start_of_day(local_day(&t)) <= t);
            prop_assert!(t < start_of_day(days_after(local_day(&t), 1)));
        }
    }
}
