//! Supervision by the openness offices (三(三)): 现场走访 (on-site visits to an event),
//! 跟踪检查 (follow-up checks of whether adopted suggestions were carried out, item by item),
//! and 群众评议 (a public evaluation of a jurisdiction's open days that an office opens for
//! a period, with a short fixed form per event).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::WireEnum;
use crate::calendar::{day_text, parse_required_day, window_closed};
use crate::event::OpenPeriod;
use crate::feedback::Rating;
use crate::text::{LineText, LongText, NumberLike};
use crate::violation::{Code, Violation, Violations};

/// An on-site visit (现场走访).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Visit {
    pub visited_on: NaiveDate,
    /// Who went.
    pub visitors: LineText,
    /// What they saw.
    pub observations: LongText,
    pub conclusion: LongText,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisitDraft {
    #[cfg_attr(feature = "openapi", schema(value_type = Option<chrono::NaiveDate>))]
    pub visited_on: Option<String>,
    pub visitors: Option<String>,
    pub observations: Option<String>,
    pub conclusion: Option<String>,
}

impl Visit {
    /// A visit on one of the event's days, no later than `today`.
    pub fn parse(
        draft: &VisitDraft,
        period: &OpenPeriod,
        today: NaiveDate,
    ) -> Result<Visit, Violations> {
        let mut vs = Violations::new();
        let visited_on = vs.take(parse_required_day(
            "visited_on",
            "走访日期",
            draft.visited_on.as_deref(),
        ));
        if let Some(d) = visited_on
            && (d < period.start() || d > period.end() || d > today)
        {
            vs.push(
                Violation::new(
                    Code::ValidationFailed,
                    format!(
                        "现场走访应在活动期间（{}至{}），且不晚于今天",
                        day_text(period.start()),
                        day_text(period.end())
                    ),
                )
                .at("visited_on"),
            );
        }
        let visitors = vs.take(LineText::parse_required(
            "visitors",
            "走访人员",
            draft.visitors.as_deref(),
        ));
        let observations = vs.take(LongText::parse_required(
            "observations",
            "走访情况",
            draft.observations.as_deref(),
        ));
        let conclusion = vs.take(LongText::parse_required(
            "conclusion",
            "走访结论",
            draft.conclusion.as_deref(),
        ));
        vs.finish_with(|| {
            Some(Visit {
                visited_on: visited_on?,
                visitors: visitors?,
                observations: observations?,
                conclusion: conclusion?,
            })
        })
    }
}

wire_enum! {
    /// 跟踪检查: what was found of an adopted suggestion.
    pub enum CheckResult : "落实情况" {
        Done => "done", "已落实";
        InProgress => "in_progress", "推进中";
        NotDone => "not_done", "未落实";
    }
}

/// One adopted item as checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckItem {
    pub feedback_id: String,
    pub result: CheckResult,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<LongText>,
}

/// A follow-up check (跟踪检查) of the adopted suggestions of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FollowUp {
    pub checked_on: NaiveDate,
    pub items: Vec<CheckItem>,
}

impl FollowUp {
    /// The items found not done: each is a compliance finding.
    pub fn not_done(&self) -> usize {
        self.items
            .iter()
            .filter(|i| i.result == CheckResult::NotDone)
            .count()
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckItemDraft {
    pub feedback_id: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<CheckResult>))]
    pub result: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FollowUpDraft {
    #[cfg_attr(feature = "openapi", schema(value_type = Option<chrono::NaiveDate>))]
    pub checked_on: Option<String>,
    #[serde(default)]
    pub items: Vec<CheckItemDraft>,
}

impl FollowUp {
    /// A check of `adopted` items (adopted or partially adopted in the published
    /// response) made between the response (`responded_on`) and `today`; an item not done
    /// says why.
    pub fn parse(
        draft: &FollowUpDraft,
        adopted: &[String],
        responded_on: NaiveDate,
        today: NaiveDate,
    ) -> Result<FollowUp, Violations> {
        let mut vs = Violations::new();
        let checked_on = vs.take(parse_required_day(
            "checked_on",
            "检查日期",
            draft.checked_on.as_deref(),
        ));
        if let Some(d) = checked_on
            && (d < responded_on || d > today)
        {
            vs.push(
                Violation::new(
                    Code::ValidationFailed,
                    format!(
                        "跟踪检查应在采纳情况公开（{}）之后，且不晚于今天",
                        day_text(responded_on)
                    ),
                )
                .at("checked_on"),
            );
        }
        if draft.items.is_empty() {
            vs.push(
                Violation::new(Code::ValidationFailed, "请至少检查一条已采纳的意见建议")
                    .at("items"),
            );
        }
        let mut seen = std::collections::BTreeSet::new();
        let mut items = Vec::new();
        for (i, d) in draft.items.iter().enumerate() {
            let f = |name: &str| format!("items[{i}].{name}");
            let id = d.feedback_id.as_deref().map(str::trim).unwrap_or("");
            if !adopted.iter().any(|a| a == id) {
                vs.push(
                    Violation::new(Code::ValidationFailed, "只检查采纳或部分采纳的意见建议")
                        .at(f("feedback_id")),
                );
            } else if !seen.insert(id.to_owned()) {
                vs.push(
                    Violation::new(Code::ValidationFailed, "同一条意见建议只能检查一次")
                        .at(f("feedback_id")),
                );
            }
            let result = vs.take(CheckResult::parse(
                &f("result"),
                d.result.as_deref().unwrap_or(""),
            ));
            let note = match d.note.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(raw) => vs.take(LongText::parse(&f("note"), "检查说明", raw)),
            };
            if result == Some(CheckResult::NotDone) && note.is_none() {
                vs.push(
                    Violation::new(Code::ValidationFailed, "“未落实”请写明检查说明").at(f("note")),
                );
            }
            if let Some(result) = result {
                items.push(CheckItem {
                    feedback_id: id.to_owned(),
                    result,
                    note,
                });
            }
        }
        vs.finish_with(|| {
            Some(FollowUp {
                checked_on: checked_on?,
                items,
            })
        })
    }
}

/// A public evaluation (群众评议) of the open days of an office's jurisdiction in a year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicEvaluation {
    pub title: LineText,
    pub year: i32,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicEvaluationDraft {
    pub title: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i32>))]
    pub year: Option<NumberLike>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<chrono::NaiveDate>))]
    pub opens_on: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<chrono::NaiveDate>))]
    pub closes_on: Option<String>,
}

/// At most a quarter: an evaluation is a campaign, not a standing form.
pub const MAX_EVALUATION_DAYS: i64 = 92;

impl PublicEvaluation {
    pub fn parse(
        draft: &PublicEvaluationDraft,
        today: NaiveDate,
    ) -> Result<PublicEvaluation, Violations> {
        let mut vs = Violations::new();
        let title = vs.take(LineText::parse_required(
            "title",
            "评议名称",
            draft.title.as_deref(),
        ));
        let year = match draft.year.as_ref().and_then(NumberLike::as_integer) {
            Some(y @ 2000..=2100) => Some(y as i32),
            _ => {
                vs.push(Violation::new(Code::ValidationFailed, "请填写评议的年度").at("year"));
                None
            }
        };
        let opens_on = vs.take(parse_required_day(
            "opens_on",
            "开始日期",
            draft.opens_on.as_deref(),
        ));
        let closes_on = vs.take(parse_required_day(
            "closes_on",
            "截止日期",
            draft.closes_on.as_deref(),
        ));
        if let (Some(o), Some(c)) = (opens_on, closes_on) {
            if c < o || c < today {
                vs.push(
                    Violation::new(Code::ValidationFailed, "截止日期应不早于开始日期和今天")
                        .at("closes_on"),
                );
            } else if (c - o).num_days() >= MAX_EVALUATION_DAYS {
                vs.push(
                    Violation::new(
                        Code::ValidationFailed,
                        format!("群众评议期最长{MAX_EVALUATION_DAYS}天"),
                    )
                    .at("closes_on"),
                );
            }
        }
        vs.finish_with(|| {
            Some(PublicEvaluation {
                title: title?,
                year: year?,
                opens_on: opens_on?,
                closes_on: closes_on?,
            })
        })
    }

    /// Why verdicts are not taken on `today`, if they are not.
    pub fn closed_because(&self, today: NaiveDate) -> Option<String> {
        window_closed(
            today,
            (self.opens_on, self.closes_on),
            "群众评议",
            ("开始", "结束"),
        )
    }
}

/// One person's verdict on one event: the fixed form of 群众评议.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Verdict {
    /// 总体满意度
    pub overall: Rating,
    /// 活动组织
    pub organisation: Rating,
    /// 意见采纳
    pub adoption: Rating,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<LongText>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerdictDraft {
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u8>))]
    pub overall: Option<NumberLike>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u8>))]
    pub organisation: Option<NumberLike>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u8>))]
    pub adoption: Option<NumberLike>,
    pub comment: Option<String>,
}

impl Verdict {
    pub fn parse(draft: &VerdictDraft) -> Result<Verdict, Violations> {
        let mut vs = Violations::new();
        let overall = vs.take(Rating::parse("overall", draft.overall.as_ref()));
        let organisation = vs.take(Rating::parse("organisation", draft.organisation.as_ref()));
        let adoption = vs.take(Rating::parse("adoption", draft.adoption.as_ref()));
        let comment = match draft.comment.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => vs.take(LongText::parse("comment", "评议意见", raw)),
        };
        vs.finish_with(|| {
            Some(Verdict {
                overall: overall?,
                organisation: organisation?,
                adoption: adoption?,
                comment,
            })
        })
    }
}

/// The verdicts on one agency's events: how many, and the mean of each question.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerdictSummary {
    pub verdicts: u32,
    pub overall: Option<f64>,
    pub organisation: Option<f64>,
    pub adoption: Option<f64>,
}

/// The means of `verdicts`, two decimals.
pub fn summarise(verdicts: &[&Verdict]) -> VerdictSummary {
    let n = verdicts.len() as u32;
    let mean = |pick: fn(&Verdict) -> Rating| {
        (n > 0).then(|| {
            let sum: u32 = verdicts.iter().map(|v| u32::from(pick(v).get())).sum();
            (f64::from(sum) * 100.0 / f64::from(n)).round() / 100.0
        })
    };
    VerdictSummary {
        verdicts: n,
        overall: mean(|v| v.overall),
        organisation: mean(|v| v.organisation),
        adoption: mean(|v| v.adoption),
    }
}

#[cfg(test)]
mod tests;
