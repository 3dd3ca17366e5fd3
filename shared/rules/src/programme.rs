//! The programme (工作方案) of one region and year, as data: every number and date the rules
//! and sweeps use, each with the clause of that region's work plan it comes from.
//!
//! A region brings its own work plan as a JSON file (see `programmes/` and `docs/rules.md`).
//! [`Programme::parse`] (in `programme/parse.rs`) reads it into domain types and refuses an
//! impossible programme with every problem listed at its field. The seed's work plan ships as the default
//! ([`Programme::shipped`]); a region and year without a stored programme follow it.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::calendar::{days_after, days_before};
use crate::event::{Capacity, Format, OpenPeriod};
use crate::org::{Id, Level, OrgKind, Organisation};
use crate::violation::{Code, Violation, Violations};

mod parse;

/// The work plan of the seed (全区“政府开放日”工作方案), shipped as the default programme.
pub const SHIPPED: &str = include_str!("../../../programmes/gx-2026.json");
/// A second region's programme, shipped as an example: open September 1 to October 15,
/// a 10-day response, reports due November 10.
pub const EXAMPLE: &str = include_str!("../../../programmes/example-2027.json");

/// A calendar day of any year (`MM-DD`). February 29 is refused: it does not exist every year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MonthDay {
    month: u32,
    day: u32,
}

impl MonthDay {
    pub fn parse(field: &str, raw: &str) -> Result<Self, Violation> {
        let bad = || {
            Violation::new(
                Code::ValidationFailed,
                format!(
                    "日期“{}”无效，应为 MM-DD 格式（如 11-15），且不能是 2 月 29 日",
                    crate::text::clip(raw.trim())
                ),
            )
            .at(field)
        };
        let (m, d) = raw.trim().split_once('-').ok_or_else(bad)?;
        let two_digits = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
        if !two_digits(m) || !two_digits(d) {
            return Err(bad());
        }
        let (month, day) = (m.parse().map_err(|_| bad())?, d.parse().map_err(|_| bad())?);
        // 2025 is a common year: a month-day valid in it is valid in every year.
        NaiveDate::from_ymd_opt(2025, month, day).ok_or_else(bad)?;
        Ok(Self { month, day })
    }

    /// This month-day in `year`; it exists in every year.
    pub fn in_year(self, year: i32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, self.month, self.day).unwrap_or(NaiveDate::MIN)
    }

    /// `11月15日`, for messages.
    pub fn label(self) -> String {
        // Any common year holds every month-day (February 29 is refused).
        crate::calendar::month_day_text(self.in_year(2025))
    }
}

impl TryFrom<String> for MonthDay {
    type Error = String;
    fn try_from(raw: String) -> Result<Self, String> {
        Self::parse("date", &raw).map_err(|v| v.message)
    }
}

impl From<MonthDay> for String {
    fn from(d: MonthDay) -> String {
        format!("{:02}-{:02}", d.month, d.day)
    }
}

/// Who the reporters send their annual report to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportRecipient {
    /// The openness office of the region (the root of the jurisdiction tree).
    RegionalOffice,
}

/// R1: the open period, as month-days of the programme year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenPeriodRule {
    pub from: MonthDay,
    pub until: MonthDay,
    pub clause: String,
}

/// R2: the longest span of each format, in calendar days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormatRule {
    pub day: u32,
    pub week: u32,
    pub month: u32,
    pub clause: String,
}

/// R3: who may implement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImplementerRule {
    pub levels: Vec<Level>,
    pub kinds: Vec<OrgKind>,
    pub clause: String,
}

/// R7: the minimum number of participants, and when confirmed registrations are counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticipantRule {
    pub minimum: u32,
    pub check_days_before: u32,
    pub clause: String,
}

/// R5: how long before the first event day the announcement is published, and reminders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeRule {
    pub days_before: u32,
    pub reminder_days_before: Vec<u32>,
    pub clause: String,
}

/// R8: who may register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationRule {
    pub minimum_age: u32,
    pub clause: String,
}

/// R12: the days after the last event day within which adoption is published, and reminders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedbackRule {
    pub response_days: u32,
    pub reminder_days_after: Vec<u32>,
    pub clause: String,
}

/// R13: how long after the last event day online evaluation stays open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvaluationRule {
    pub days_after: u32,
    pub clause: String,
}

/// R14: the annual report: its deadline, reminders, who reports and to whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportRule {
    pub due: MonthDay,
    pub reminders: Vec<MonthDay>,
    /// Governments of these levels report for their whole jurisdiction.
    pub governments: Vec<Level>,
    /// Departments of governments of these levels report.
    pub departments: Vec<Level>,
    pub recipient: ReportRecipient,
    pub clause: String,
}

/// R11: the proper noun every event's name ends with; any other “…开放日” is refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamingRule {
    pub proper_noun: String,
    pub clause: String,
}

/// One region's programme for one year. Every value has passed [`Programme::parse`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Value")]
pub struct Programme {
    /// The region's jurisdiction id (the root of its jurisdiction tree).
    pub region: Id,
    pub year: i32,
    /// The work plan's title.
    pub title: String,
    pub open_period: OpenPeriodRule,
    pub formats: FormatRule,
    pub implementers: ImplementerRule,
    pub participants: ParticipantRule,
    pub notice: NoticeRule,
    pub registration: RegistrationRule,
    pub feedback: FeedbackRule,
    pub evaluation: EvaluationRule,
    pub report: ReportRule,
    pub naming: NamingRule,
    /// 考核: the scoring scheme of the year's efficiency assessment (三(三)).
    pub assessment: crate::assessment::scheme::Scheme,
}

impl TryFrom<Value> for Programme {
    type Error = String;
    fn try_from(raw: Value) -> Result<Self, String> {
        Programme::parse(&raw).map_err(|vs| vs.to_string())
    }
}

/// Identifies one stored version of a region's programme for a year. Version 0 is the
/// shipped default, in force where the region has stored none.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ProgrammeRef {
    pub region: Id,
    pub year: i32,
    pub version: u32,
}

impl Programme {
    /// The seed's work plan, the default of every region and year without its own.
    pub fn shipped() -> Programme {
        static SEED: std::sync::OnceLock<Programme> = std::sync::OnceLock::new();
        SEED.get_or_init(|| {
            Self::parse_json(SHIPPED).unwrap_or_else(|vs| {
                // Proven valid by `the_shipped_programmes_are_valid_and_round_trip`.
                panic!("the shipped programme is invalid: {vs}")
            })
        })
        .clone()
    }

    /// The shipped example of another region's programme.
    pub fn example() -> Programme {
        Self::parse_json(EXAMPLE).unwrap_or_else(|vs| panic!("the example is invalid: {vs}"))
    }

    /// The same rules for another region and year (how the shipped default applies to a
    /// region and year that has stored no programme of its own).
    pub fn for_region_year(&self, region: &Id, year: i32) -> Programme {
        Programme {
            region: region.clone(),
            year,
            ..self.clone()
        }
    }

    /// The file form (what [`Programme::parse_json`] reads back), pretty-printed.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    // ---- R1, R2: the open period and the formats --------------------------------------

    /// The first and last day of the open period in the programme year.
    pub fn open_season(&self) -> (NaiveDate, NaiveDate) {
        (
            self.open_period.from.in_year(self.year),
            self.open_period.until.in_year(self.year),
        )
    }

    /// The longest span, in calendar days, `format` allows.
    pub fn max_days(&self, format: Format) -> i64 {
        i64::from(match format {
            Format::Day => self.formats.day,
            Format::Week => self.formats.week,
            Format::Month => self.formats.month,
        })
    }

    /// R1 and R2: the event's dates lie in the open period of the programme year and fit
    /// the format. Every problem is listed.
    pub fn check_period(&self, period: &OpenPeriod) -> Result<(), Violations> {
        let mut vs = Violations::new();
        let (first, last) = self.open_season();
        for (field, day) in [("start_date", period.start()), ("end_date", period.end())] {
            if day < first || day > last {
                vs.push(
                    Violation::new(
                        Code::OutsideOpenPeriod,
                        format!(
                            "活动日期{}不在开放时间内：{}年的开放时间为{first}至{last}（{}）",
                            day.format("%Y-%m-%d"),
                            self.year,
                            self.open_period.clause
                        ),
                    )
                    .at(field),
                );
            }
        }
        let format = period.format();
        let span = period.span_days();
        if span > self.max_days(format) {
            vs.push(
                Violation::new(
                    Code::FormatMismatch,
                    format!(
                        "活动形式为{}，活动时间最长{}天，现为{span}天",
                        format.label(),
                        self.max_days(format)
                    ),
                )
                .at("end_date"),
            );
        }
        vs.finish(|| ())
    }

    // ---- R3: implementers ------------------------------------------------------------

    /// R3: whether `org` may implement an open day under this programme.
    pub fn check_implementer(&self, org: &Organisation) -> Result<(), Violation> {
        let level_ok = self.implementers.levels.contains(&org.level);
        let kind_ok = self.implementers.kinds.contains(&org.kind);
        if level_ok && kind_ok {
            return Ok(());
        }
        let levels: Vec<&str> = self.implementers.levels.iter().map(|l| l.label()).collect();
        let kinds: Vec<&str> = self.implementers.kinds.iter().map(|k| k.label()).collect();
        Err(Violation::new(
            Code::ImplementerNotEligible,
            format!(
                "“{}”（{}{}）不能作为实施主体：实施主体应为{}的{}（{}）",
                org.name.as_str(),
                org.level.label(),
                org.kind.label(),
                levels.join("、"),
                kinds.join("、"),
                self.implementers.clause
            ),
        ))
    }

    // ---- R7: participants ------------------------------------------------------------

    /// R7: the planned number of participants is at least the minimum.
    pub fn check_capacity(&self, field: &str, capacity: Capacity) -> Result<(), Violation> {
        let min = self.participants.minimum;
        if capacity.get() < min {
            return Err(Violation::new(
                Code::ParticipantsBelowMinimum,
                format!("参加人数不得低于{min}人，现为{}人", capacity.get()),
            )
            .at(field));
        }
        Ok(())
    }

    /// R7: whether `n` participants meet the minimum.
    pub fn enough_participants(&self, n: u32) -> bool {
        n >= self.participants.minimum
    }

    /// R7: the first day confirmed registrations are counted against the minimum.
    pub fn participants_check_from(&self, first_event_day: NaiveDate) -> NaiveDate {
        days_before(first_event_day, self.participants.check_days_before.into())
    }

    // ---- R5: notice ------------------------------------------------------------------

    /// R5: the last day on which the announcement may be published.
    pub fn last_announcement_day(&self, first_event_day: NaiveDate) -> NaiveDate {
        days_before(first_event_day, self.notice.days_before.into())
    }

    /// R5: the reminders before the last announcement day, earliest first, each with its
    /// name in mail keys (`notice_reminder_<days>`).
    pub fn notice_reminders(&self, first_event_day: NaiveDate) -> Vec<(NaiveDate, String)> {
        self.notice
            .reminder_days_before
            .iter()
            .map(|n| {
                (
                    days_before(first_event_day, (*n).into()),
                    format!("notice_reminder_{n}"),
                )
            })
            .collect()
    }

    // ---- R8: registration ------------------------------------------------------------

    pub fn minimum_age(&self) -> u32 {
        self.registration.minimum_age
    }

    // ---- R12, R13: feedback and evaluation -------------------------------------------

    /// R12: the last day on which the feedback response is on time.
    pub fn feedback_response_due(&self, last_event_day: NaiveDate) -> NaiveDate {
        days_after(last_event_day, self.feedback.response_days.into())
    }

    /// R12: reminders after the last event day, earliest first, named for mail keys.
    pub fn feedback_reminders(&self, last_event_day: NaiveDate) -> Vec<(NaiveDate, String)> {
        let single = self.feedback.reminder_days_after.len() == 1;
        self.feedback
            .reminder_days_after
            .iter()
            .map(|n| {
                // One reminder keeps the key it always had (`feedback_reminder`).
                let name = if single {
                    "feedback_reminder".to_owned()
                } else {
                    format!("feedback_reminder_{n}")
                };
                (days_after(last_event_day, (*n).into()), name)
            })
            .collect()
    }

    /// R13: the last day of online evaluation.
    pub fn evaluation_closes(&self, last_event_day: NaiveDate) -> NaiveDate {
        days_after(last_event_day, self.evaluation.days_after.into())
    }

    // ---- R14: the annual report ------------------------------------------------------

    /// R14: the day the annual report of `year` is due.
    pub fn report_due(&self, year: i32) -> NaiveDate {
        self.report.due.in_year(year)
    }

    /// R14: the reminder days of `year`, earliest first, named `report_reminder_<MMDD>`.
    pub fn report_reminders(&self, year: i32) -> Vec<(NaiveDate, String)> {
        self.report
            .reminders
            .iter()
            .map(|d| {
                let day = d.in_year(year);
                (day, format!("report_reminder_{}", day.format("%m%d")))
            })
            .collect()
    }

    /// R14: whether a report received on `received_on` for `year` is late.
    pub fn is_report_late(&self, year: i32, received_on: NaiveDate) -> bool {
        received_on > self.report_due(year)
    }

    /// R14: whether `org` reports its year's open-day work.
    pub fn is_reporter(&self, org: &Organisation) -> bool {
        match org.kind {
            OrgKind::Government => self.report.governments.contains(&org.level),
            OrgKind::Department => self.report.departments.contains(&org.level),
            OrgKind::Office | OrgKind::Institution => false,
        }
    }

    /// Every parameter as a row (`what`, `value`, `clause`), in the order of the file: the
    /// table `docs/rules.md` carries and the staff pages show.
    pub fn rows(&self) -> Vec<(&'static str, String, &str)> {
        let labels = |levels: &[Level]| list(levels, |l| l.label().to_owned());
        vec![
            (
                "开放时间",
                format!(
                    "{}至{}",
                    self.open_period.from.label(),
                    self.open_period.until.label()
                ),
                self.open_period.clause.as_str(),
            ),
            (
                "活动形式最长天数",
                format!(
                    "开放日{}天，开放周{}天，开放月{}天",
                    self.formats.day, self.formats.week, self.formats.month
                ),
                &self.formats.clause,
            ),
            (
                "实施主体",
                format!(
                    "{}的{}",
                    labels(&self.implementers.levels),
                    list(&self.implementers.kinds, |k| k.label().to_owned())
                ),
                &self.implementers.clause,
            ),
            (
                "参加人数",
                format!(
                    "不少于{}人；活动前{}天核查确认人数",
                    self.participants.minimum, self.participants.check_days_before
                ),
                &self.participants.clause,
            ),
            (
                "活动公告",
                format!(
                    "活动开始{}天前发布；提醒：活动前{}天",
                    self.notice.days_before,
                    list(&self.notice.reminder_days_before, u32::to_string)
                ),
                &self.notice.clause,
            ),
            (
                "邀请对象",
                format!("活动首日年满{}周岁", self.registration.minimum_age),
                &self.registration.clause,
            ),
            (
                "采纳情况反馈",
                format!(
                    "活动结束后{}天内公开；提醒：活动结束后第{}天",
                    self.feedback.response_days,
                    list(&self.feedback.reminder_days_after, u32::to_string)
                ),
                &self.feedback.clause,
            ),
            (
                "网络测评",
                format!("活动首日至结束后{}天", self.evaluation.days_after),
                &self.evaluation.clause,
            ),
            (
                "年度报送",
                format!(
                    "{}的政府和{}的政府部门于{}前报送自治区政务公开办公室；提醒：{}",
                    labels(&self.report.governments),
                    labels(&self.report.departments),
                    self.report.due.label(),
                    list(&self.report.reminders, |d| d.label())
                ),
                &self.report.clause,
            ),
            (
                "活动名称",
                format!("×××“{}”", self.naming.proper_noun),
                &self.naming.clause,
            ),
            (
                "考核方案",
                self.assessment.text(),
                self.assessment.clause.as_str(),
            ),
        ]
    }
}

/// The items of a row, `a、b、c`, or `无` when there are none.
fn list<T>(items: &[T], each: impl Fn(&T) -> String) -> String {
    if items.is_empty() {
        "无".to_owned()
    } else {
        items.iter().map(each).collect::<Vec<_>>().join("、")
    }
}

/// The region of an organisation: the root of its jurisdiction path.
pub fn region_of(org: &Organisation) -> &Id {
    org.jurisdiction_path.first().unwrap_or(&org.id)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Both shipped programmes for 2026, so that every rule test runs against each.
    pub(crate) fn both() -> [Programme; 2] {
        let gx = Id::parse("region", "gx").unwrap();
        [
            Programme::shipped().for_region_year(&gx, 2026),
            Programme::example().for_region_year(&gx, 2026),
        ]
    }

    fn value(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn the_shipped_programmes_are_valid_and_round_trip() {
        for p in [Programme::shipped(), Programme::example()] {
            let again = Programme::parse_json(&p.to_json()).unwrap();
            assert_eq!(again, p);
        }
        let seed = Programme::shipped();
        assert_eq!(seed.open_season().0.to_string(), "2026-09-01");
        assert_eq!(seed.open_season().1.to_string(), "2026-10-31");
        assert_eq!(seed.notice.days_before, 15);
        assert_eq!(seed.feedback.response_days, 15);
        assert_eq!(seed.report_due(2026).to_string(), "2026-11-15");
        let example = Programme::example();
        assert_eq!(example.open_season().1.to_string(), "2027-10-15");
        assert_eq!(example.feedback.response_days, 10);
        assert_eq!(example.report_due(2027).to_string(), "2027-11-10");
    }

    #[test]
    fn an_impossible_programme_is_refused_with_every_problem_listed() {
        let mut raw = value(SHIPPED);
        raw["open_period"]["until"] = "08-31".into();
        raw["formats"]["week"] = 40.into();
        raw["notice"]["reminder_days_before"] = serde_json::json!([20, 10]);
        raw["feedback"]["response_days"] = 0.into();
        raw["report"]["due"] = "02-29".into();
        raw["naming"]["proper_noun"] = "开放周".into();
        raw["implementers"]["kinds"] = serde_json::json!(["office"]);
        raw["participants"]["minimum"] = "25".into();
        raw["registration"] = serde_json::json!({"minimum_age": 18, "clause": "", "extra": 1});
        raw.as_object_mut().unwrap().remove("evaluation");
        let vs = Programme::parse(&raw).unwrap_err();
        let fields: Vec<&str> = vs.iter().filter_map(|v| v.field.as_deref()).collect();
        for expected in [
            "open_period.until",
            "formats",
            "notice.reminder_days_before",
            "feedback.response_days",
            "report.due",
            "naming.proper_noun",
            "implementers.kinds",
            "participants.minimum",
            "registration.clause",
            "registration.extra",
            "evaluation",
        ] {
            assert!(fields.contains(&expected), "{expected} not in {fields:?}");
        }
        assert!(vs.iter().all(|v| v.code == Code::ValidationFailed));
    }

    #[test]
    fn sections_that_disagree_are_refused() {
        let mut raw = value(SHIPPED);
        raw["report"]["due"] = "10-30".into();
        raw["report"]["reminders"] = serde_json::json!([]);
        raw["participants"]["check_days_before"] = 15.into();
        let vs = Programme::parse(&raw).unwrap_err();
        let fields: Vec<&str> = vs.iter().filter_map(|v| v.field.as_deref()).collect();
        assert_eq!(fields, ["report.due", "participants.check_days_before"]);
    }

    #[test]
    fn broken_json_says_where() {
        let vs = Programme::parse_json("{\"year\": 2026,").unwrap_err();
        assert!(vs.first().unwrap().message.contains("第1行"), "{vs}");
        assert!(Programme::parse_json("[]").is_err());
    }

    #[test]
    fn month_days_exist_in_every_year() {
        assert!(MonthDay::parse("d", "11-15").is_ok());
        for bad in ["02-29", "2-1", "13-01", "11-31", "1115", "", "11-15-01"] {
            assert!(MonthDay::parse("d", bad).is_err(), "{bad}");
        }
        let d = MonthDay::parse("d", "03-01").unwrap();
        assert_eq!(d.in_year(2028).to_string(), "2028-03-01");
        assert_eq!(String::from(d), "03-01");
    }

    #[test]
    fn every_parameter_names_its_clause() {
        for p in both() {
            for (what, value, clause) in p.rows() {
                assert!(!value.is_empty() && !clause.is_empty(), "{what}");
            }
        }
    }
}
