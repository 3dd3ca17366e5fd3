//! The annual report of open-day work (R14, 三(四)): who reports, by when, and late reports.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::calendar::annual_report_due;
use crate::org::{Organisation, is_reporter};
use crate::text::{LongText, NumberLike};
use crate::violation::{Code, Violation, Violations};

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportDraft {
    pub year: Option<NumberLike>,
    pub summary: Option<String>,
    /// 典型经验
    pub experiences: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnnualReport {
    pub year: i32,
    pub summary: LongText,
    pub experiences: LongText,
    pub received_on: NaiveDate,
    /// Received after November 15: accepted, and recorded as late.
    pub late: bool,
}

impl AnnualReport {
    pub fn compose(
        draft: &ReportDraft,
        reporter: &Organisation,
        today: NaiveDate,
    ) -> Result<AnnualReport, Violations> {
        let mut vs = Violations::new();
        if !is_reporter(reporter) {
            vs.push(Violation::new(
                Code::Forbidden,
                "年度开展情况由各市、县（区）人民政府及自治区人民政府各部门报送",
            ));
        }
        let year = match draft.year.as_ref().and_then(NumberLike::as_integer) {
            Some(y) if (2000..=i64::from(today.year())).contains(&y) => Some(y as i32),
            _ => {
                vs.push(
                    Violation::new(
                        Code::ValidationFailed,
                        format!("年度应为2000至{}之间的年份", today.year()),
                    )
                    .at("year"),
                );
                None
            }
        };
        let summary = vs.take(LongText::parse_required(
            "summary",
            "开展情况",
            draft.summary.as_deref(),
        ));
        let experiences = vs.take(LongText::parse_required(
            "experiences",
            "典型经验",
            draft.experiences.as_deref(),
        ));
        vs.finish_with(|| {
            let year = year?;
            Some(AnnualReport {
                year,
                summary: summary?,
                experiences: experiences?,
                received_on: today,
                late: is_report_late(year, today),
            })
        })
    }
}

/// R14: a report received after November 15 of its year is late.
pub fn is_report_late(year: i32, received_on: NaiveDate) -> bool {
    received_on > annual_report_due(year)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::day;
    use crate::org::tests::org;
    use serde_json::json;

    fn draft() -> ReportDraft {
        serde_json::from_value(
            json!({"year": 2026, "summary": "全年开展3场", "experiences": "主会场+N直播"}),
        )
        .unwrap()
    }

    #[test]
    fn r14_a_report_on_november_15_is_on_time_and_on_the_16th_late_but_accepted() {
        let on_time = AnnualReport::compose(&draft(), &org("qx-gov"), day("2026-11-15")).unwrap();
        assert!(!on_time.late);
        let late = AnnualReport::compose(&draft(), &org("qx-gov"), day("2026-11-16")).unwrap();
        assert!(late.late);
        assert_eq!(late.received_on, day("2026-11-16"));
    }

    #[test]
    fn r14_only_city_and_county_governments_and_regional_departments_report() {
        for id in ["nn-gov", "qx-gov", "gx-edu"] {
            assert!(
                AnnualReport::compose(&draft(), &org(id), day("2026-11-01")).is_ok(),
                "{id}"
            );
        }
        for id in [
            "nn-jt",
            "qx-sw",
            "gx-gov",
            "nn-office",
            "wt-gov",
            "nn-hospital",
        ] {
            let err = AnnualReport::compose(&draft(), &org(id), day("2026-11-01")).unwrap_err();
            assert_eq!(err.codes(), vec![Code::Forbidden], "{id}");
        }
    }

    #[test]
    fn a_report_for_a_future_year_or_without_content_is_refused() {
        let d: ReportDraft = serde_json::from_value(json!({"year": 2027})).unwrap();
        let err = AnnualReport::compose(&d, &org("qx-gov"), day("2026-11-01")).unwrap_err();
        let fields: Vec<&str> = err.iter().filter_map(|v| v.field.as_deref()).collect();
        assert_eq!(fields, ["year", "summary", "experiences"]);
    }
}
