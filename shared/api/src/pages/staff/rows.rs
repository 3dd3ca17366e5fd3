//! A plan and a finding as the staff lists show them, and the words for a plan's programme
//! and next deadline.

use chrono::NaiveDate;
use openday_rules::Programme;
use openday_rules::lifecycle::PlanStatus;
use openday_store::records::FindingStatus;

use crate::views::FindingView;
use openday_rules::calendar::day_text;

/// Which programme a plan follows, in words: `《…》（2026年，第2版）`.
pub fn programme_label(programme: &Programme, version: u32) -> String {
    let which = if version == 0 {
        "默认版本".to_owned()
    } else {
        format!("第{version}版")
    };
    format!("《{}》（{}年，{which}）", programme.title, programme.year)
}

/// The deadline a plan is working towards, in words; `None` once nothing is due.
pub fn next_deadline(
    status: PlanStatus,
    start: NaiveDate,
    end: NaiveDate,
    programme: &Programme,
) -> Option<String> {
    match status {
        PlanStatus::Submitted | PlanStatus::Returned | PlanStatus::Filed => Some(format!(
            "发布活动公告截止：{}",
            day_text(programme.last_announcement_day(start))
        )),
        PlanStatus::Announced => Some(format!("活动开始：{}", day_text(start))),
        PlanStatus::Held => Some(format!(
            "公开采纳情况截止：{}",
            day_text(programme.feedback_response_due(end))
        )),
        PlanStatus::Responded | PlanStatus::Cancelled => None,
    }
}

/// A plan in a list.
pub struct PlanRow {
    pub id: String,
    pub name: String,
    pub org: String,
    pub dates: String,
    pub status: &'static str,
    pub next: String,
    pub open_findings: usize,
}

/// A finding as the pages list it.
pub struct FindingRow {
    pub what: &'static str,
    pub clause: String,
    pub plan_id: Option<String>,
    pub plan: String,
    pub org: String,
    pub due: String,
    pub open: bool,
}

/// `programme` names the clause (the plan's own version, or the one in force).
pub fn finding_row(
    f: &FindingView,
    plan: String,
    org: String,
    programme: &Programme,
) -> FindingRow {
    FindingRow {
        what: f.kind.label(),
        clause: f.kind.clause(programme).to_owned(),
        plan_id: f.plan_id.clone(),
        plan,
        org,
        due: day_text(f.due_on),
        open: f.status == FindingStatus::Open,
    }
}
