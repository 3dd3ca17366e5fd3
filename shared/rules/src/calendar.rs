//! Calendar days in Asia/Shanghai and the clock passed in. The deadlines themselves are the
//! programme's ([`crate::programme::Programme`]): each region's work plan sets its own days.
//!
//! A "day" in this system is a calendar day in Asia/Shanghai (`NaiveDate`). An instant
//! becomes a day only through [`local_day`]; nothing here reads the system time.
//!
//! Here too are the one reading of a year ([`parse_year`] and its variants) and the one
//! Chinese spelling of a day ([`day_text`], [`month_day_text`], [`day_span`], [`when`]) that
//! every crate uses.

use std::ops::RangeInclusive;

use chrono::{DateTime, Datelike, Days, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use crate::text::NumberLike;
use crate::violation::{Code, Violation};

/// The years this system serves: every year and every day it reads lies in them.
pub const YEARS: RangeInclusive<i32> = 2000..=2100;

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

/// Why a window of days (`opens` to `closes`, both included) is not open on `today`:
/// “问卷将于9月20日开放”, “群众评议已于10月31日结束”; `None` while it is open.
pub fn window_closed(
    today: NaiveDate,
    (opens, closes): (NaiveDate, NaiveDate),
    what: &str,
    (opens_word, closes_word): (&str, &str),
) -> Option<String> {
    if today < opens {
        Some(format!("{what}将于{}{opens_word}", day_text(opens)))
    } else if today > closes {
        Some(format!("{what}已于{}{closes_word}", day_text(closes)))
    } else {
        None
    }
}

/// A required day of a form or body: “请填写<what>” when it is missing.
pub fn parse_required_day(
    field: &str,
    what: &str,
    raw: Option<&str>,
) -> Result<NaiveDate, Violation> {
    match raw.map(str::trim) {
        None | Some("") => {
            Err(Violation::new(Code::ValidationFailed, format!("请填写{what}")).at(field))
        }
        Some(raw) => parse_day(field, raw),
    }
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
    if !YEARS.contains(&day.year()) {
        return Err(bad());
    }
    Ok(day)
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

// ---- years -------------------------------------------------------------------------------

/// What a year that is not one of [`YEARS`] is told.
const NOT_A_YEAR: &str = "年度应为2000至2100之间的年份";

/// `n` as a year of [`YEARS`], if it is one.
pub(crate) fn as_year(n: i64) -> Option<i32> {
    i32::try_from(n).ok().filter(|y| YEARS.contains(y))
}

fn not_a_year(field: &str) -> Violation {
    Violation::new(Code::ValidationFailed, NOT_A_YEAR).at(field)
}

/// A year written as text (`2026`, ` 2026 `), one of [`YEARS`]. Anything else, blank
/// included, is `VALIDATION_FAILED` at `field`: “年度应为2000至2100之间的年份”.
pub fn parse_year(field: &str, raw: &str) -> Result<i32, Violation> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .and_then(as_year)
        .ok_or_else(|| not_a_year(field))
}

/// A year sent as a JSON number (`2026`, `2026.0`) or as text (`"2026"`), as
/// [`parse_year`] reads it.
pub fn parse_year_like(field: &str, raw: &NumberLike) -> Result<i32, Violation> {
    raw.as_integer()
        .and_then(as_year)
        .ok_or_else(|| not_a_year(field))
}

/// A year that may be left out (`?year=`): absent, it is the year of `today` (the caller's
/// Shanghai day); given, it must be a year, and given blank is refused.
pub fn parse_year_or(field: &str, raw: Option<&str>, today: NaiveDate) -> Result<i32, Violation> {
    raw.map_or(Ok(today.year()), |raw| parse_year(field, raw))
}

/// [`parse_year_or`] for a year sent as a JSON number or as text.
pub fn parse_year_like_or(
    field: &str,
    raw: Option<&NumberLike>,
    today: NaiveDate,
) -> Result<i32, Violation> {
    raw.map_or(Ok(today.year()), |raw| parse_year_like(field, raw))
}

/// A form's year field, which a browser sends empty when nobody typed in it: absent or
/// blank, it is the year of `today`; otherwise it must be a year.
pub fn parse_form_year_or(
    field: &str,
    raw: Option<&str>,
    today: NaiveDate,
) -> Result<i32, Violation> {
    parse_year_or(field, raw.filter(|y| !y.trim().is_empty()), today)
}

// ---- days in Chinese ---------------------------------------------------------------------

/// `2026年9月20日`: no leading zeros.
pub fn day_text(day: NaiveDate) -> String {
    format!("{}年{}", day.year(), month_day_text(day))
}

/// `9月20日`, for a day whose year the reader already knows.
pub fn month_day_text(day: NaiveDate) -> String {
    format!("{}月{}日", day.month(), day.day())
}

/// The days of an event: `2026年9月20日` for one day, `2026年9月20日至9月26日` within a
/// year, `2026年12月31日至2027年1月2日` across a year's end.
pub fn day_span(start: NaiveDate, end: NaiveDate) -> String {
    if start == end {
        day_text(start)
    } else if start.year() == end.year() {
        format!("{}至{}", day_text(start), month_day_text(end))
    } else {
        format!("{}至{}", day_text(start), day_text(end))
    }
}

/// `2026年9月1日 10:00`: an instant as a Shanghai day and time of day.
pub fn when(at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&TZ);
    format!("{} {}", day_text(local.date_naive()), local.format("%H:%M"))
}

#[cfg(test)]
pub(crate) fn day(raw: &str) -> NaiveDate {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").expect("test date")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

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

    /// Text near a year: a year around 2000–2100 with spaces or a sign, or anything short.
    fn year_text() -> impl Strategy<Value = String> {
        prop_oneof![
            (1990i32..2110, "[ +-]{0,2}", "[ .0]{0,2}").prop_map(|(y, a, b)| format!("{a}{y}{b}")),
            "[ +-]?[0-9０-９ .a]{0,6}",
        ]
    }

    fn number(raw: serde_json::Value) -> NumberLike {
        serde_json::from_value(raw).unwrap()
    }

    #[test]
    fn a_year_is_one_of_2000_to_2100() {
        for (raw, year) in [
            ("2026", 2026),
            (" 2026 ", 2026),
            ("2000", 2000),
            ("2100", 2100),
        ] {
            assert_eq!(parse_year("year", raw), Ok(year), "{raw:?}");
        }
        for raw in [
            "1999",
            "2101",
            "",
            "  ",
            "abc",
            "2026.5",
            "20 26",
            "２０２６",
            "-2026",
        ] {
            let v = parse_year("year", raw).unwrap_err();
            assert_eq!(v.code, Code::ValidationFailed, "{raw:?}");
            assert_eq!(v.field.as_deref(), Some("year"));
            assert_eq!(v.message, "年度应为2000至2100之间的年份");
        }
        let v = parse_year("q.year", &"9".repeat(40)).unwrap_err();
        assert_eq!(v.field.as_deref(), Some("q.year"));
    }

    #[test]
    fn a_year_may_come_as_a_json_number_or_as_text() {
        assert_eq!(parse_year_like("year", &number(json!(2026))), Ok(2026));
        assert_eq!(parse_year_like("year", &number(json!(2026.0))), Ok(2026));
        assert_eq!(parse_year_like("year", &number(json!(" 2027 "))), Ok(2027));
        for raw in [json!(2026.5), json!(1999), json!(""), json!("二〇二六")] {
            let v = parse_year_like("year", &number(raw.clone())).unwrap_err();
            assert_eq!(
                (v.code, v.field.as_deref(), v.message.as_str()),
                (
                    Code::ValidationFailed,
                    Some("year"),
                    "年度应为2000至2100之间的年份"
                ),
                "{raw}"
            );
        }
    }

    #[test]
    fn a_year_left_out_is_the_year_of_the_day_passed_in() {
        let today = day("2026-12-31");
        assert_eq!(parse_year_or("year", None, today), Ok(2026));
        assert_eq!(parse_year_or("year", Some("2027"), today), Ok(2027));
        assert_eq!(
            parse_year_like_or("year", None, day("2027-01-01")),
            Ok(2027)
        );
        assert_eq!(
            parse_year_like_or("year", Some(&number(json!(2030))), today),
            Ok(2030)
        );
        // Given blank (`?year=`) is not left out.
        assert!(parse_year_or("year", Some(""), today).is_err());
        assert!(parse_year_like_or("year", Some(&number(json!(""))), today).is_err());
        // ...except in a form, whose empty field a browser always sends.
        for blank in [None, Some(""), Some("  ")] {
            assert_eq!(
                parse_form_year_or("year", blank, today),
                Ok(2026),
                "{blank:?}"
            );
        }
        assert_eq!(parse_form_year_or("year", Some(" 2028"), today), Ok(2028));
        assert!(parse_form_year_or("year", Some("abc"), today).is_err());
    }

    #[test]
    fn days_read_in_chinese_without_leading_zeros() {
        assert_eq!(day_text(day("2026-09-20")), "2026年9月20日");
        assert_eq!(day_text(day("2026-10-05")), "2026年10月5日");
        assert_eq!(month_day_text(day("2026-09-01")), "9月1日");
        assert_eq!(month_day_text(day("2026-11-15")), "11月15日");
    }

    #[test]
    fn a_span_names_the_year_again_only_across_a_year_end() {
        let span = |a: &str, b: &str| day_span(day(a), day(b));
        assert_eq!(span("2026-09-20", "2026-09-20"), "2026年9月20日");
        assert_eq!(span("2026-09-20", "2026-09-26"), "2026年9月20日至9月26日");
        assert_eq!(span("2026-09-28", "2026-10-03"), "2026年9月28日至10月3日");
        assert_eq!(
            span("2026-12-31", "2027-01-02"),
            "2026年12月31日至2027年1月2日"
        );
    }

    #[test]
    fn an_instant_reads_as_its_shanghai_day_and_time() {
        let at = |raw: &str| when(parse_instant("t", raw).unwrap());
        assert_eq!(at("2026-09-01T02:00:00Z"), "2026年9月1日 10:00");
        assert_eq!(at("2026-09-01T10:00:00+08:00"), "2026年9月1日 10:00");
        assert_eq!(at("2026-08-31T16:00:00Z"), "2026年9月1日 00:00");
        assert_eq!(at("2026-08-31T15:59:59Z"), "2026年8月31日 23:59");
        assert_eq!(at("2026-12-31T16:05:00Z"), "2027年1月1日 00:05");
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

        /// The one spelling of a day is the one the rules, the letters and the pages wrote
        /// before (`%Y年%-m月%-d日`, or year, month and day one after the other).
        #[test]
        fn the_chinese_day_is_the_spelling_every_copy_wrote(
            offset in 0u64..(366 * 200),
            len in 0u64..40,
        ) {
            let d = day("1950-01-01") + Days::new(offset);
            prop_assert_eq!(day_text(d), d.format("%Y年%-m月%-d日").to_string());
            prop_assert_eq!(month_day_text(d), format!("{}月{}日", d.month(), d.day()));
            let end = days_after(d, len);
            if d.year() == end.year() {
                // The pages' span, which was right within a year.
                let before = if d == end {
                    day_text(d)
                } else {
                    format!("{}至{}月{}日", day_text(d), end.month(), end.day())
                };
                prop_assert_eq!(day_span(d, end), before);
            } else {
                prop_assert_eq!(day_span(d, end), format!("{}至{}", day_text(d), day_text(end)));
            }
        }

        /// The year the API, the exports and the staff pages read before, each its own way.
        #[test]
        fn the_year_is_read_as_every_copy_read_it(raw in year_text()) {
            let api = NumberLike::Text(raw.trim().to_owned())
                .as_integer()
                .filter(|y| (2000..=2100).contains(y))
                .map(|y| y as i32);
            let page = raw.trim().parse::<i32>().ok().filter(|y| (2000..=2100).contains(y));
            prop_assert_eq!(parse_year("year", &raw).ok(), api);
            prop_assert_eq!(parse_year("year", &raw).ok(), page);
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
