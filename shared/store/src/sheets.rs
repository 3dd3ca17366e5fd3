//! The year's figures kept as things happen. Each organisation has one sheet a year with a
//! line per plan: the facts the figures are computed from (the plan's status, dates and
//! segments, its seats and check-ins, ratings, feedback, adoptions). Reading a scope's
//! figures reads its organisations' sheets, however many plans they hold.
//!
//! A line is kept in parts, each written whole (never incremented) with the instant its
//! facts were read: a part read earlier never overwrites one read later, so concurrent
//! writers converge on the later reading, and a lost write is repaired by the next change
//! or the reconciliation sweep.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use openday_rules::event::{Format, SegmentKind};
use openday_rules::feedback::{Adoption, FeedbackCategory, FeedbackChannel};
use openday_rules::lifecycle::PlanStatus;
use openday_rules::org::Id;
use serde::{Deserialize, Serialize};

/// What a line keeps of the plan itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanPart {
    pub status: PlanStatus,
    pub format: Format,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub segment_kinds: BTreeSet<SegmentKind>,
    /// The plan holds a 座谈问答.
    pub qa_session: bool,
    pub announced_on: Option<NaiveDate>,
    pub responded_on: Option<NaiveDate>,
    pub programme_version: u32,
}

impl PlanPart {
    /// What a line keeps of `plan`.
    pub fn of(plan: &crate::records::PlanRecord) -> Self {
        Self {
            status: plan.status,
            format: plan.plan.period.format(),
            start: plan.plan.period.start(),
            end: plan.plan.period.end(),
            segment_kinds: plan.plan.segments.iter().map(|s| s.kind()).collect(),
            qa_session: plan
                .plan
                .interactions
                .contains(openday_rules::plan::Interaction::QaSession),
            announced_on: plan.announced_on,
            responded_on: plan.responded_on,
            programme_version: plan.programme_version,
        }
    }
}

/// One part of a plan's line, as it is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinePart {
    Plan(PlanPart),
    /// Confirmed registrations and people checked in.
    Seats {
        confirmed: u32,
        attended: u32,
    },
    /// How many ratings of 1, 2, 3, 4 and 5.
    Ratings([u32; 5]),
    /// Feedback by category and channel.
    Feedback(Vec<(FeedbackCategory, FeedbackChannel, u32)>),
    /// Answered feedback by adoption.
    Adoptions(Vec<(Adoption, u32)>),
    /// Whether the plan's questionnaire was opened to participants.
    Questionnaire {
        opened: bool,
    },
}

impl LinePart {
    /// The part's name: its attribute on the sheet is `<name>_<plan id>`.
    pub fn name(&self) -> &'static str {
        match self {
            LinePart::Plan(_) => "plan",
            LinePart::Seats { .. } => "seats",
            LinePart::Ratings(_) => "ratings",
            LinePart::Feedback(_) => "feedback",
            LinePart::Adoptions(_) => "adoptions",
            LinePart::Questionnaire { .. } => "questionnaire",
        }
    }

    /// Every part's name.
    pub const NAMES: [&'static str; 6] = [
        "plan",
        "seats",
        "ratings",
        "feedback",
        "adoptions",
        "questionnaire",
    ];
}

/// One plan's line: every part it has.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanLine {
    pub plan_id: String,
    /// `None` until the plan's own part is written (a count can arrive first).
    pub plan: Option<PlanPart>,
    pub confirmed: u32,
    pub attended: u32,
    pub ratings: [u32; 5],
    pub feedback: Vec<(FeedbackCategory, FeedbackChannel, u32)>,
    pub adoptions: Vec<(Adoption, u32)>,
    pub questionnaire_opened: bool,
}

impl PlanLine {
    pub fn new(plan_id: impl Into<String>) -> Self {
        Self {
            plan_id: plan_id.into(),
            ..Self::default()
        }
    }

    /// The line with `part` written over what it had.
    pub fn apply(&mut self, part: LinePart) {
        match part {
            LinePart::Plan(p) => self.plan = Some(p),
            LinePart::Seats {
                confirmed,
                attended,
            } => {
                self.confirmed = confirmed;
                self.attended = attended;
            }
            LinePart::Ratings(r) => self.ratings = r,
            LinePart::Feedback(f) => self.feedback = f,
            LinePart::Adoptions(a) => self.adoptions = a,
            LinePart::Questionnaire { opened } => self.questionnaire_opened = opened,
        }
    }

    /// The line as the parts that make it up (the plan's own first, when it has one).
    pub fn parts(&self) -> Vec<LinePart> {
        let mut parts: Vec<LinePart> = self.plan.clone().map(LinePart::Plan).into_iter().collect();
        parts.extend([
            LinePart::Seats {
                confirmed: self.confirmed,
                attended: self.attended,
            },
            LinePart::Ratings(self.ratings),
            LinePart::Feedback(self.feedback.clone()),
            LinePart::Adoptions(self.adoptions.clone()),
            LinePart::Questionnaire {
                opened: self.questionnaire_opened,
            },
        ]);
        parts
    }
}

/// Whose sheet, for which year.
#[derive(Debug, Clone, Copy)]
pub struct SheetOf<'a> {
    pub year: i32,
    pub org_id: &'a Id,
    /// The organisation's jurisdiction path, for scope listings.
    pub org_path: &'a str,
}

/// An organisation's sheet of a year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    pub org_id: Id,
    pub org_path: String,
    /// Its plans' lines, by plan id.
    pub lines: Vec<PlanLine>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_the_sum_of_its_parts() {
        let mut line = PlanLine::new("p1");
        line.apply(LinePart::Seats {
            confirmed: 30,
            attended: 27,
        });
        line.apply(LinePart::Ratings([0, 0, 1, 2, 3]));
        line.apply(LinePart::Questionnaire { opened: true });
        let mut again = PlanLine::new("p1");
        for part in line.parts() {
            again.apply(part);
        }
        assert_eq!(again, line);
        assert_eq!(line.parts().len(), 5, "no plan part yet");
        for part in line.parts() {
            assert!(LinePart::NAMES.contains(&part.name()));
            let json = serde_json::to_string(&part).unwrap();
            assert_eq!(serde_json::from_str::<LinePart>(&json).unwrap(), part);
        }
    }
}
