//! 考核 (三(三): “政府开放日”开展情况列入年度政务公开效能目标考核范围): the scoring scheme of
//! a region's programme (items with weights, each computed from the year's data), each
//! agency's score with its breakdown, and the office's adjustments with their reasons.

use serde::Serialize;

use crate::compliance::{Figures, Ratio, ReportState};
use crate::violation::{Code, Violation, Violations};

pub mod scheme;
pub use scheme::{Measure, Scheme, SchemeItem};

/// What the data says of one agency in the year, beyond its compliance figures.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct AssessmentFacts {
    /// Answered feedback items, and of them adopted (1) or partially adopted (½).
    pub answered: u32,
    pub adopted_points: f64,
    /// Adopted items checked by the offices (the latest check of each plan), and of them
    /// done (1) or in progress (½).
    pub checked: u32,
    pub done_points: f64,
}

/// One item's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemScore {
    pub measure: Measure,
    pub label: String,
    pub weight: u32,
    /// The share met, 0 to 1; none when the item does not apply yet (nothing to measure).
    pub share: Option<f64>,
    /// `weight × share`, one decimal.
    pub points: Option<f64>,
}

/// An agency's score: the items, the computed score (the points of the items that apply,
/// scaled to 100), the adjustments and the total.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Score {
    pub items: Vec<ItemScore>,
    pub computed: Option<f64>,
    pub adjustment: f64,
    pub total: Option<f64>,
}

fn ratio(r: Ratio) -> Option<f64> {
    (r.of > 0).then(|| f64::from(r.met) / f64::from(r.of))
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Scores an agency by `scheme` from its figures and facts; `adjustment` is the sum of the
/// office's adjustments. The total stays within 0 to 100.
pub fn score(scheme: &Scheme, f: &Figures, facts: &AssessmentFacts, adjustment: f64) -> Score {
    let items: Vec<ItemScore> = scheme
        .items
        .iter()
        .map(|item| {
            let share = match item.measure {
                Measure::AnnouncedOnTime => ratio(f.announced_on_time),
                Measure::ParticipantsMet => ratio(f.participants_met),
                Measure::InteractionHeld => (f.interactions.held > 0).then(|| {
                    f64::from(f.interactions.held - f.interactions.missing)
                        / f64::from(f.interactions.held)
                }),
                Measure::RespondedOnTime => ratio(f.responded_on_time),
                Measure::AdoptionRate => {
                    (facts.answered > 0).then(|| facts.adopted_points / f64::from(facts.answered))
                }
                Measure::Ratings => f.average_rating.map(|r| (r - 1.0) / 4.0),
                Measure::Supervision => {
                    (facts.checked > 0).then(|| facts.done_points / f64::from(facts.checked))
                }
                Measure::ReportOnTime => match f.report {
                    ReportState::OnTime => Some(1.0),
                    ReportState::Late => Some(0.5),
                    ReportState::Missing => Some(0.0),
                    ReportState::NotRequired | ReportState::Pending => None,
                },
            };
            ItemScore {
                measure: item.measure,
                label: item.measure.label().to_owned(),
                weight: item.weight,
                points: share.map(|s| round1(s * f64::from(item.weight))),
                share,
            }
        })
        .collect();
    let applicable: u32 = items
        .iter()
        .filter(|i| i.share.is_some())
        .map(|i| i.weight)
        .sum();
    let earned: f64 = items
        .iter()
        .filter_map(|i| Some(i.share? * f64::from(i.weight)))
        .sum();
    let computed = (applicable > 0).then(|| round1(earned * 100.0 / f64::from(applicable)));
    Score {
        total: computed.map(|c| round1((c + adjustment).clamp(0.0, 100.0))),
        items,
        computed,
        adjustment,
    }
}

/// An office's adjustment of an agency's score: whole points within the scheme's bound,
/// and the reason.
pub fn check_adjustment(scheme: &Scheme, points: i64, reason: &str) -> Result<(), Violations> {
    let mut vs = Violations::new();
    let bound = i64::from(scheme.max_adjustment);
    if points == 0 || points.abs() > bound {
        vs.push(
            Violation::new(
                Code::ValidationFailed,
                format!("调整分值应为-{bound}至{bound}之间的非零整数"),
            )
            .at("points"),
        );
    }
    if reason.trim().is_empty() {
        vs.push(Violation::new(Code::ValidationFailed, "请写明调整理由").at("reason"));
    }
    vs.finish(|| ())
}

#[cfg(test)]
mod tests;
