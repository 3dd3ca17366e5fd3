//! The annual report of open-day work (R14, 三(四)): who reports, by when, and late reports.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::org::Organisation;
use crate::programme::Programme;
use crate::text::{LongText, NumberLike};
use crate::violation::{Code, Violation, Violations};

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportDraft {
    pub year: Option<NumberLike>,
    pub summary: Option<String>,
    /// 典型经验
    pub experiences: Option<String>,
    /// 存在问题 (optional)
    pub problems: Option<String>,
    /// 下一步工作 (optional)
    pub next_year: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnnualReport {
    pub year: i32,
    pub summary: LongText,
    pub experiences: LongText,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problems: Option<LongText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_year: Option<LongText>,
    pub received_on: NaiveDate,
    /// Received after November 15: accepted, and recorded as late.
    pub late: bool,
    /// The jurisdiction's figures as they stood when the report was filed (frozen).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub figures: Option<YearFigures>,
    /// The member of staff who filed it (work e-mail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filed_by: Option<String>,
}

/// A count per named kind (labels as the work plan names them), in a stable order.
pub type Counts = std::collections::BTreeMap<String, u32>;

/// The year's figures of a jurisdiction, from which a report starts (三(四)).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct YearFigures {
    /// Plans of the year, cancelled ones left out.
    pub plans: u32,
    pub by_format: Counts,
    /// Plans with a segment of each kind (进机关, 进现场, 进会议).
    pub by_segment_kind: Counts,
    /// Events held: announced, and their last day has passed.
    pub held: u32,
    /// Confirmed registrations and recommendations.
    pub registered: u32,
    /// People checked in at the door.
    pub attended: u32,
    pub feedback: u32,
    pub feedback_by_category: Counts,
    pub feedback_by_channel: Counts,
    /// Answers by adoption (采纳, 部分采纳, 未采纳, 解释说明).
    pub adoption: Counts,
    /// Adopted or partly adopted, among the answered items; `None` without answers.
    pub adoption_rate: Option<f64>,
    pub announced_on_time: crate::compliance::Ratio,
    pub responded_on_time: crate::compliance::Ratio,
    pub participants_met: crate::compliance::Ratio,
    pub average_rating: Option<f64>,
    pub ratings: u32,
    /// Findings of the year by kind.
    pub findings: Counts,
}

/// One plan's year, as the report counts it.
pub struct PlanYear {
    pub format: crate::event::Format,
    /// The kinds of its segments (开放内容), each once.
    pub segment_kinds: std::collections::BTreeSet<crate::event::SegmentKind>,
    pub status: crate::lifecycle::PlanStatus,
    pub confirmed: u32,
    pub attended: u32,
    pub feedback: Vec<(
        crate::feedback::FeedbackCategory,
        crate::feedback::FeedbackChannel,
    )>,
    pub adoptions: Vec<crate::feedback::Adoption>,
}

/// The figures of a jurisdiction's year: its plans (with their status today), the compliance
/// measures of the same plans (`compliance`), and its findings.
pub fn year_figures(
    plans: &[PlanYear],
    compliance: &crate::compliance::Figures,
    findings: &[crate::sweep::FindingKind],
) -> YearFigures {
    use crate::lifecycle::PlanStatus;

    let mut f = YearFigures {
        announced_on_time: compliance.announced_on_time,
        responded_on_time: compliance.responded_on_time,
        participants_met: compliance.participants_met,
        average_rating: compliance.average_rating,
        ratings: compliance.ratings,
        ..YearFigures::default()
    };
    let bump = |counts: &mut Counts, label: &str| *counts.entry(label.to_owned()).or_default() += 1;
    for p in plans.iter().filter(|p| p.status != PlanStatus::Cancelled) {
        f.plans += 1;
        bump(&mut f.by_format, p.format.label());
        for k in &p.segment_kinds {
            bump(&mut f.by_segment_kind, k.label());
        }
        // Held: announced, and its last day has passed (the status says both).
        if matches!(p.status, PlanStatus::Held | PlanStatus::Responded) {
            f.held += 1;
        }
        f.registered += p.confirmed;
        f.attended += p.attended;
        for (category, channel) in &p.feedback {
            f.feedback += 1;
            bump(&mut f.feedback_by_category, category.label());
            bump(&mut f.feedback_by_channel, channel.label());
        }
        for a in &p.adoptions {
            bump(&mut f.adoption, a.label());
        }
    }
    let answered: u32 = f.adoption.values().sum();
    let taken = [
        crate::feedback::Adoption::Adopted,
        crate::feedback::Adoption::PartiallyAdopted,
    ]
    .iter()
    .map(|a| f.adoption.get(a.label()).copied().unwrap_or(0))
    .sum::<u32>();
    f.adoption_rate =
        (answered > 0).then(|| (f64::from(taken) / f64::from(answered) * 1000.0).round() / 1000.0);
    for k in findings {
        bump(&mut f.findings, k.label());
    }
    f
}

impl AnnualReport {
    /// The report of `draft.year`, under `programme` (the programme of that year).
    pub fn compose(
        draft: &ReportDraft,
        reporter: &Organisation,
        programme: &Programme,
        today: NaiveDate,
    ) -> Result<AnnualReport, Violations> {
        let mut vs = Violations::new();
        if !programme.is_reporter(reporter) {
            vs.push(Violation::new(
                Code::Forbidden,
                format!(
                    "“{}”不是年度开展情况的报送单位（{}）",
                    reporter.name.as_str(),
                    programme.report.clause
                ),
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
        let optional =
            |vs: &mut Violations, field: &str, what: &str, raw: &Option<String>| match raw
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
            {
                None => None,
                Some(t) => vs.take(LongText::parse(field, what, t)),
            };
        let problems = optional(&mut vs, "problems", "存在问题", &draft.problems);
        let next_year = optional(&mut vs, "next_year", "下一步工作", &draft.next_year);
        vs.finish_with(|| {
            let year = year?;
            Some(AnnualReport {
                year,
                summary: summary?,
                experiences: experiences?,
                problems,
                next_year,
                received_on: today,
                late: programme.is_report_late(year, today),
                figures: None,
                filed_by: None,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::day;
    use crate::org::tests::org;
    use crate::programme::tests::both as programmes;
    use serde_json::json;

    fn draft() -> ReportDraft {
        serde_json::from_value(
            json!({"year": 2026, "summary": "全年开展3场", "experiences": "主会场+N直播"}),
        )
        .unwrap()
    }

    #[test]
    fn the_years_figures_are_counted_from_its_plans_and_findings() {
        use crate::compliance::{Figures, Ratio, ReportState};
        use crate::feedback::{Adoption, FeedbackCategory as Cat, FeedbackChannel as Ch};
        use crate::lifecycle::PlanStatus;
        let week = crate::plan::tests::plan_with(json!({})).unwrap();
        let day_plan = crate::plan::tests::plan_with(json!({
            "format": "day", "start_date": "2026-10-10", "end_date": "2026-10-10",
            "segments": [{"kind": "meeting", "subtype": "bureau_meeting"}]
        }))
        .unwrap();
        let years = [
            PlanYear {
                format: week.period.format(),
                segment_kinds: week.segments.iter().map(|s| s.kind()).collect(),
                status: PlanStatus::Responded,
                confirmed: 30,
                attended: 27,
                feedback: vec![
                    (Cat::Service, Ch::Online),
                    (Cat::Policy, Ch::Offline),
                    (Cat::Service, Ch::Online),
                ],
                adoptions: vec![
                    Adoption::Adopted,
                    Adoption::PartiallyAdopted,
                    Adoption::NotAdopted,
                ],
            },
            PlanYear {
                format: day_plan.period.format(),
                segment_kinds: day_plan.segments.iter().map(|s| s.kind()).collect(),
                status: PlanStatus::Announced,
                confirmed: 26,
                attended: 0,
                feedback: vec![],
                adoptions: vec![],
            },
            PlanYear {
                format: day_plan.period.format(),
                segment_kinds: day_plan.segments.iter().map(|s| s.kind()).collect(),
                status: PlanStatus::Cancelled,
                confirmed: 5,
                attended: 0,
                feedback: vec![],
                adoptions: vec![],
            },
        ];
        let compliance = Figures {
            year: 2026,
            plans: 2,
            announced_on_time: Ratio { met: 2, of: 2 },
            participants_met: Ratio { met: 2, of: 2 },
            responded_on_time: Ratio { met: 1, of: 1 },
            report: ReportState::Pending,
            average_rating: Some(4.5),
            ratings: 2,
            interactions: Default::default(),
        };
        let f = year_figures(
            &years,
            &compliance,
            &[crate::sweep::FindingKind::ParticipantsShort],
        );
        assert_eq!(f.plans, 2, "the cancelled plan is left out");
        assert_eq!(
            f.by_format,
            Counts::from([("开放周".into(), 1), ("开放日".into(), 1)])
        );
        assert_eq!(
            f.by_segment_kind,
            Counts::from([
                ("进会议".into(), 2),
                ("进机关".into(), 1),
                ("进现场".into(), 1)
            ])
        );
        assert_eq!((f.held, f.registered, f.attended), (1, 56, 27));
        assert_eq!(f.feedback, 3);
        assert_eq!(f.feedback_by_category["服务改进"], 2);
        assert_eq!(f.feedback_by_channel["线上"], 2);
        assert_eq!(f.adoption_rate, Some(0.667));
        assert_eq!(f.responded_on_time, Ratio { met: 1, of: 1 });
        assert_eq!(f.average_rating, Some(4.5));
        assert_eq!(f.findings["报名确认人数不足"], 1);
    }

    #[test]
    fn r14_a_report_on_the_due_day_is_on_time_and_a_day_later_late_but_accepted() {
        for p in programmes() {
            let due = p.report_due(2026);
            let on_time = AnnualReport::compose(&draft(), &org("qx-gov"), &p, due).unwrap();
            assert!(!on_time.late);
            let next = crate::calendar::days_after(due, 1);
            let late = AnnualReport::compose(&draft(), &org("qx-gov"), &p, next).unwrap();
            assert!(late.late);
            assert_eq!(late.received_on, next);
        }
        assert_eq!(programmes()[0].report_due(2026), day("2026-11-15"));
        assert_eq!(programmes()[1].report_due(2026), day("2026-11-10"));
    }

    #[test]
    fn r14_only_the_programme_s_reporters_report() {
        let [seed, example] = programmes();
        for id in ["nn-gov", "qx-gov", "gx-edu"] {
            assert!(
                AnnualReport::compose(&draft(), &org(id), &seed, day("2026-11-01")).is_ok(),
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
            let err =
                AnnualReport::compose(&draft(), &org(id), &seed, day("2026-11-01")).unwrap_err();
            assert_eq!(err.codes(), vec![Code::Forbidden], "{id}");
        }
        // The example's departments of city governments report too; a county's do not.
        assert!(
            AnnualReport::compose(&draft(), &org("nn-jt"), &example, day("2026-11-01")).is_ok()
        );
        assert!(
            AnnualReport::compose(&draft(), &org("qx-sw"), &example, day("2026-11-01")).is_err()
        );
    }

    #[test]
    fn a_report_for_a_future_year_or_without_content_is_refused() {
        let d: ReportDraft = serde_json::from_value(json!({"year": 2027})).unwrap();
        let err =
            AnnualReport::compose(&d, &org("qx-gov"), &Programme::shipped(), day("2026-11-01"))
                .unwrap_err();
        let fields: Vec<&str> = err.iter().filter_map(|v| v.field.as_deref()).collect();
        assert_eq!(fields, ["year", "summary", "experiences"]);
    }
}
