//! Compliance figures of one organisation for one year (三(三): results count in the annual
//! openness assessment): on-time announcement, participants ≥ 25, on-time feedback
//! response, on-time annual report, and the average online evaluation.

use chrono::NaiveDate;
use serde::Serialize;

use std::sync::Arc;

use crate::event::OpenPeriod;
use crate::feedback::Rating;
use crate::lifecycle::{PlanStatus, effective_status};
use crate::programme::Programme;

/// What one plan came to, as far as the figures need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanOutcome {
    pub status: PlanStatus,
    pub period: OpenPeriod,
    pub announced_on: Option<NaiveDate>,
    pub confirmed: u32,
    /// People checked in at the door (0 when the agency did not check people in).
    pub attended: u32,
    pub responded_on: Option<NaiveDate>,
    pub ratings: Vec<Rating>,
    /// The programme version the plan was checked against: its deadlines and minimum.
    pub programme: Arc<Programme>,
    /// The plan holds a 座谈问答 (二(六)).
    pub qa_session: bool,
    /// The plan's questionnaire was opened to participants (问卷调查).
    pub questionnaire_opened: bool,
}

impl PlanOutcome {
    /// The participants R7 counts: once the event is over and the agency checked people
    /// in, those who came; before, or without check-in, those confirmed.
    pub fn participants(&self, today: NaiveDate) -> u32 {
        if self.attended > 0 && today > self.period.end() {
            self.attended
        } else {
            self.confirmed
        }
    }
}

wire_enum! {
    pub enum ReportState : "年度报送情况" {
        NotRequired => "not_required", "无需报送";
        Pending => "pending", "尚未到期";
        OnTime => "on_time", "按时报送";
        Late => "late", "逾期报送";
        Missing => "missing", "逾期未报送";
    }
}

/// "x of n" for one measure: `met` out of the plans the measure applies to so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Ratio {
    pub met: u32,
    pub of: u32,
}

impl Ratio {
    fn count(&mut self, applies: bool, met: bool) {
        if applies {
            self.of += 1;
            self.met += u32::from(met);
        }
    }
}

/// 二(六) 须设置座谈问答或问卷调查: how held plans met it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Interactions {
    /// Held plans.
    pub held: u32,
    /// Held plans with a 座谈问答 (with or without a questionnaire).
    pub qa_session: u32,
    /// Held plans with an opened questionnaire (with or without a 座谈问答).
    pub questionnaire: u32,
    /// Held plans with neither: a questionnaire planned and never opened.
    pub missing: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Figures {
    pub year: i32,
    /// Plans of the year, cancelled ones left out.
    pub plans: u32,
    /// Announced no later than start − 15, among plans whose last day to announce has passed.
    pub announced_on_time: Ratio,
    /// At least 25 participants (confirmed; after the event, checked in where the agency
    /// checked people in), among announced plans whose event has begun.
    pub participants_met: Ratio,
    /// Response published by end + 15, among held plans whose due day has passed or that responded.
    pub responded_on_time: Ratio,
    pub report: ReportState,
    /// Mean of every online rating, to two decimals; `None` without ratings.
    pub average_rating: Option<f64>,
    pub ratings: u32,
    /// Which interaction held plans had (座谈问答, 问卷调查, neither).
    pub interactions: Interactions,
}

/// The figures for `year` as of `today`. `reporter` says whether the organisation reports
/// (R14) under `programme`, the year's programme in force; `report_received_on` is the day
/// its report arrived, if it did. Each plan is measured by its own programme version.
pub fn figures(
    year: i32,
    outcomes: &[PlanOutcome],
    reporter: bool,
    report_received_on: Option<NaiveDate>,
    programme: &Programme,
    today: NaiveDate,
) -> Figures {
    let mut f = Figures {
        year,
        plans: 0,
        announced_on_time: Ratio::default(),
        participants_met: Ratio::default(),
        responded_on_time: Ratio::default(),
        report: ReportState::NotRequired,
        average_rating: None,
        ratings: 0,
        interactions: Interactions::default(),
    };
    let mut rating_sum = 0u32;
    for o in outcomes
        .iter()
        .filter(|o| o.period.year() == year && o.status != PlanStatus::Cancelled)
    {
        f.plans += 1;
        let last_day = o.programme.last_announcement_day(o.period.start());
        let announced_in_time = o.announced_on.is_some_and(|d| d <= last_day);
        f.announced_on_time
            .count(today > last_day || announced_in_time, announced_in_time);
        let status = effective_status(o.status, &o.period, today);
        let announced = matches!(
            status,
            PlanStatus::Announced | PlanStatus::Held | PlanStatus::Responded
        );
        f.participants_met.count(
            announced && today >= o.period.start(),
            o.programme.enough_participants(o.participants(today)),
        );
        let due = o.programme.feedback_response_due(o.period.end());
        let held = matches!(status, PlanStatus::Held | PlanStatus::Responded);
        let responded_in_time = o.responded_on.is_some_and(|d| d <= due);
        f.responded_on_time.count(
            held && (today > due || o.responded_on.is_some()),
            responded_in_time,
        );
        if held {
            f.interactions.held += 1;
            f.interactions.qa_session += u32::from(o.qa_session);
            f.interactions.questionnaire += u32::from(o.questionnaire_opened);
            f.interactions.missing += u32::from(!o.qa_session && !o.questionnaire_opened);
        }
        rating_sum += o.ratings.iter().map(|r| u32::from(r.get())).sum::<u32>();
        f.ratings += o.ratings.len() as u32;
    }
    if f.ratings > 0 {
        f.average_rating =
            Some((f64::from(rating_sum) / f64::from(f.ratings) * 100.0).round() / 100.0);
    }
    let due = programme.report_due(year);
    f.report = match (reporter, report_received_on) {
        (false, _) => ReportState::NotRequired,
        (true, Some(d)) if d <= due => ReportState::OnTime,
        (true, Some(_)) => ReportState::Late,
        (true, None) if today > due => ReportState::Missing,
        (true, None) => ReportState::Pending,
    };
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::day;
    use crate::event::Format;
    use crate::text::NumberLike;

    fn outcome(
        start: &str,
        announced_on: Option<&str>,
        confirmed: u32,
        responded_on: Option<&str>,
        ratings: &[i64],
    ) -> PlanOutcome {
        PlanOutcome {
            status: if responded_on.is_some() {
                PlanStatus::Responded
            } else if announced_on.is_some() {
                PlanStatus::Announced
            } else {
                PlanStatus::Filed
            },
            period: OpenPeriod::new(2026, Format::Day, day(start), day(start)).unwrap(),
            announced_on: announced_on.map(day),
            confirmed,
            attended: 0,
            responded_on: responded_on.map(day),
            programme: Arc::new(Programme::shipped()),
            qa_session: true,
            questionnaire_opened: false,
            ratings: ratings
                .iter()
                .map(|r| Rating::parse("rating", Some(&NumberLike::Text(r.to_string()))).unwrap())
                .collect(),
        }
    }

    #[test]
    fn after_the_event_attendance_counts_where_people_were_checked_in() {
        let mut o = outcome("2026-09-20", Some("2026-09-01"), 30, None, &[]);
        o.attended = 20;
        // During the event the confirmed count stands; after it, who came.
        assert_eq!(o.participants(day("2026-09-20")), 30);
        assert_eq!(o.participants(day("2026-09-21")), 20);
        let f = figures(
            2026,
            std::slice::from_ref(&o),
            false,
            None,
            &Programme::shipped(),
            day("2026-09-21"),
        );
        assert_eq!(f.participants_met, Ratio { met: 0, of: 1 });
        // Without check-in, the confirmed count stands after the event too.
        o.attended = 0;
        let f = figures(
            2026,
            &[o],
            false,
            None,
            &Programme::shipped(),
            day("2026-09-21"),
        );
        assert_eq!(f.participants_met, Ratio { met: 1, of: 1 });
    }

    #[test]
    fn r13_figures_count_each_rule_and_average_the_ratings() {
        let outcomes = [
            // on time everywhere
            outcome(
                "2026-09-20",
                Some("2026-09-05"),
                30,
                Some("2026-10-05"),
                &[5, 4],
            ),
            // announced late, too few participants, responded late
            outcome(
                "2026-09-25",
                Some("2026-09-12"),
                20,
                Some("2026-10-20"),
                &[3],
            ),
            // never announced
            outcome("2026-10-10", None, 0, None, &[]),
        ];
        let f = figures(
            2026,
            &outcomes,
            true,
            Some(day("2026-11-14")),
            &Programme::shipped(),
            day("2026-11-20"),
        );
        assert_eq!(f.plans, 3);
        assert_eq!(f.announced_on_time, Ratio { met: 1, of: 3 });
        assert_eq!(f.participants_met, Ratio { met: 1, of: 2 });
        assert_eq!(f.responded_on_time, Ratio { met: 1, of: 2 });
        assert_eq!(f.report, ReportState::OnTime);
        assert_eq!(f.average_rating, Some(4.0));
        assert_eq!(f.ratings, 3);
    }

    #[test]
    fn held_plans_count_their_interaction_qa_questionnaire_or_neither() {
        let mut both = outcome(
            "2026-09-20",
            Some("2026-09-01"),
            30,
            Some("2026-10-05"),
            &[],
        );
        both.questionnaire_opened = true;
        let mut only_questionnaire = both.clone();
        only_questionnaire.qa_session = false;
        let mut neither = only_questionnaire.clone();
        neither.questionnaire_opened = false;
        // Not yet held: not counted.
        let mut ahead = outcome("2026-10-30", Some("2026-10-01"), 30, None, &[]);
        ahead.qa_session = false;
        let f = figures(
            2026,
            &[both, only_questionnaire, neither, ahead],
            false,
            None,
            &Programme::shipped(),
            day("2026-10-10"),
        );
        assert_eq!(
            f.interactions,
            Interactions {
                held: 3,
                qa_session: 1,
                questionnaire: 2,
                missing: 1
            }
        );
    }

    #[test]
    fn r14_the_report_state_follows_the_report_due_day() {
        for p in crate::programme::tests::both() {
            let due = p.report_due(2026);
            let next = crate::calendar::days_after(due, 1);
            assert_eq!(
                figures(2026, &[], true, None, &p, due).report,
                ReportState::Pending
            );
            assert_eq!(
                figures(2026, &[], true, None, &p, next).report,
                ReportState::Missing
            );
            assert_eq!(
                figures(2026, &[], true, Some(next), &p, next).report,
                ReportState::Late
            );
            assert_eq!(
                figures(2026, &[], true, Some(due), &p, next).report,
                ReportState::OnTime
            );
            assert_eq!(
                figures(2026, &[], false, None, &p, day("2026-12-01")).report,
                ReportState::NotRequired
            );
        }
    }

    #[test]
    fn each_plan_is_measured_by_the_programme_it_was_checked_against() {
        // Announced 12 days before, 28 confirmed, responded 12 days after. The seed (15
        // days' notice, 25 minimum, 15 days to respond): late notice, enough people, on time.
        let mut o = outcome(
            "2026-09-20",
            Some("2026-09-08"),
            28,
            Some("2026-10-02"),
            &[],
        );
        let seed = Programme::shipped();
        let f = figures(
            2026,
            std::slice::from_ref(&o),
            false,
            None,
            &seed,
            day("2026-11-20"),
        );
        assert_eq!(f.announced_on_time, Ratio { met: 0, of: 1 });
        assert_eq!(f.participants_met, Ratio { met: 1, of: 1 });
        assert_eq!(f.responded_on_time, Ratio { met: 1, of: 1 });
        // The example: 10 days' notice, 30 minimum, 10 days to respond.
        o.programme = Arc::new(Programme::example());
        let f = figures(2026, &[o], false, None, &seed, day("2026-11-20"));
        assert_eq!(f.announced_on_time, Ratio { met: 1, of: 1 });
        assert_eq!(f.participants_met, Ratio { met: 0, of: 1 });
        assert_eq!(f.responded_on_time, Ratio { met: 0, of: 1 });
    }

    #[test]
    fn measures_not_yet_due_are_not_counted_against_the_agency() {
        let pending = [outcome("2026-10-20", None, 0, None, &[])];
        let f = figures(
            2026,
            &pending,
            false,
            None,
            &Programme::shipped(),
            day("2026-09-01"),
        );
        assert_eq!(f.announced_on_time, Ratio { met: 0, of: 0 });
        assert_eq!(f.average_rating, None);
    }
}
