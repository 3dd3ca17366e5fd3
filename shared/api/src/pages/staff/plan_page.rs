//! One plan as staff see it, with what they may do next: review (备案 or 退回), announce,
//! cancel; each through the plan use cases.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

use openday_rules::lifecycle::{Action, Actor, PlanStatus, transition};
use openday_rules::org::{Organisation, Role};
use openday_rules::plan::Plan;

use super::rows::{FindingRow, finding_row, next_deadline, programme_label};
use super::{Me, SignedOutOr, StaffPost, StaffSession, staff_page};
use crate::app::{App, Store};
use crate::pages::Choice;
use crate::pages::{FormState, PageError, see_other, take_notice, with_notice};
use crate::views::PlanDetail;
use openday_app::AppError;
use openday_app::commands::{CancelBody, ReviewBody};
use openday_app::plans::{self};
pub use openday_rules::calendar::when;
use openday_rules::calendar::{day_span, day_text};

/// A plan as the staff pages show it.
pub struct PlanView {
    pub id: String,
    pub name: String,
    pub org: String,
    pub status_label: &'static str,
    pub version: u64,
    pub next: Option<String>,
    /// The programme version the plan was checked against, in words.
    pub programme: String,
    /// Its days of notice (R5).
    pub notice_days: u32,
    pub facts: Vec<(&'static str, String)>,
    pub history: Vec<HistoryRow>,
    pub findings: Vec<FindingRow>,
    /// What the reviewing office should check by hand (titles the rules could not place).
    pub review_notes: Vec<String>,
    pub announcement: Option<Vec<(&'static str, String)>>,
    pub confirmed: u32,
    pub waitlisted: u32,
    pub capacity: u32,
    pub last_announcement_day: String,
    /// The first event day, `YYYY-MM-DD` (a date field's value).
    pub first_day: String,
}

pub struct HistoryRow {
    pub at: String,
    pub by: String,
    /// The person who acted (work e-mail), when a person did.
    pub person: String,
    pub action: &'static str,
    pub to: &'static str,
    pub comment: String,
}

fn plan_facts(plan: &Plan) -> Vec<(&'static str, String)> {
    let join = |items: Vec<String>| {
        if items.is_empty() {
            "无".to_owned()
        } else {
            items.join("、")
        }
    };
    vec![
        ("年度", plan.year().to_string()),
        ("开放主题", plan.theme.to_string()),
        ("活动形式", plan.period.format().label().to_owned()),
        ("活动时间", day_span(plan.period.start(), plan.period.end())),
        ("活动地点", plan.venue.to_string()),
        (
            "开放环节",
            join(plan.segments.iter().map(|s| s.text()).collect()),
        ),
        (
            "互动环节",
            join(
                plan.interactions
                    .iter()
                    .map(|i| i.label().to_owned())
                    .collect(),
            ),
        ),
        (
            "体验环节",
            join(plan.experiences.iter().map(|e| e.text()).collect()),
        ),
        ("参加人数", plan.capacity.get().to_string()),
        (
            "报名渠道",
            join(plan.channels.iter().map(|c| c.label().to_owned()).collect()),
        ),
        (
            "参加领导",
            join(
                plan.leaders
                    .iter()
                    .map(|l| format!("{}（{}）", l.name, l.title))
                    .collect(),
            ),
        ),
        (
            "网络直播",
            plan.livestream
                .as_ref()
                .map_or_else(|| "无".to_owned(), |l| l.to_string()),
        ),
        (
            "联系人员",
            format!("{}，{}", plan.contact_name, plan.contact_phone.expose()),
        ),
    ]
}

/// The published announcement's items the plan does not show already.
fn announcement_facts(
    a: &openday_rules::announcement::Announcement,
) -> Vec<(&'static str, String)> {
    vec![
        ("发布日期", day_text(a.published_on)),
        ("报名方式", a.registration_method.to_string()),
        (
            "报名截止",
            a.registration_deadline
                .map_or_else(|| "活动开始前".to_owned(), day_text),
        ),
        ("活动地点", a.place.to_string()),
        ("场次", a.sessions_text().join("；")),
        ("活动内容", a.content.to_string()),
        ("温馨提示", a.reminders.to_string()),
        (
            "网络直播",
            a.livestream
                .as_ref()
                .map_or_else(|| "无".to_owned(), |l| l.text()),
        ),
        (
            "同步发布",
            if a.links.is_empty() {
                "无".to_owned()
            } else {
                a.links.join(" ")
            },
        ),
    ]
}

pub async fn plan_view<S: Store>(
    app: &App<S>,
    detail: &PlanDetail,
    owner: &Organisation,
) -> Result<PlanView, AppError> {
    // The organisations the history names: a few reads, not the whole directory.
    let names = openday_app::desk::names_of(
        &app.core,
        detail
            .history
            .iter()
            .filter_map(|h| h.by.as_ref().map(|id| id.to_string()))
            .collect(),
    )
    .await?;
    let name_of = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_owned());
    let (start, end) = (detail.plan.period.start(), detail.plan.period.end());
    let at = openday_rules::ProgrammeRef {
        region: openday_rules::programme::region_of(owner).clone(),
        year: detail.plan.year(),
        version: detail.programme_version,
    };
    let programme = app.core.programme_at(&at).await?;
    let announcement = detail.announcement.as_ref().map(announcement_facts);
    Ok(PlanView {
        id: detail.id.clone(),
        name: detail.plan.name.to_string(),
        org: owner.name.to_string(),
        status_label: detail.status.label(),
        version: detail.version.0,
        next: next_deadline(detail.status, start, end, &programme),
        programme: programme_label(&programme, at.version),
        notice_days: programme.notice.days_before,
        facts: plan_facts(&detail.plan),
        history: detail
            .history
            .iter()
            .map(|h| HistoryRow {
                at: when(h.at),
                by: h
                    .by
                    .as_ref()
                    .map_or_else(|| "日历".to_owned(), |b| name_of(b.as_str())),
                person: h.by_person.clone().unwrap_or_default(),
                action: h.action.label(),
                to: h.to.label(),
                comment: h.comment.clone().unwrap_or_default(),
            })
            .collect(),
        findings: detail
            .findings
            .iter()
            .map(|f| {
                finding_row(
                    &f.clone().into(),
                    detail.plan.name.to_string(),
                    owner.name.to_string(),
                    &programme,
                )
            })
            .collect(),
        review_notes: detail
            .leader_notes
            .iter()
            .map(|n| n.message.clone())
            .collect(),
        announcement,
        confirmed: detail.seats.as_ref().map_or(0, |s| s.confirmed),
        waitlisted: detail.seats.as_ref().map_or(0, |s| s.waitlisted),
        capacity: detail.plan.capacity.get(),
        last_announcement_day: day_text(programme.last_announcement_day(start)),
        first_day: start.to_string(),
    })
}

/// What the viewer may do next, as the state machine allows: a page shows a form (or a
/// link to one) only to whoever may submit it.
pub struct NextActions {
    pub revise: bool,
    pub announce: bool,
    pub cancel: bool,
    pub review: bool,
    pub registrants: bool,
    /// The implementer answers the feedback on its page.
    pub feedback: bool,
    /// Offices read the feedback and its adoption as a spreadsheet.
    pub feedback_export: bool,
    /// The implementer enters opinions gathered on the day, until the response.
    pub opinions: bool,
    /// The implementer designs and opens its questionnaire (问卷设计).
    pub questionnaire: bool,
    /// Anyone who sees the plan reads the questionnaire's results once it is published.
    pub questionnaire_results: bool,
    status: PlanStatus,
    role: Role,
}

impl NextActions {
    /// Why the viewer may not do `action` now, in the API's words and status: 403 for a
    /// role that never may, the state machine's refusal otherwise.
    pub(super) fn refusal(&self, action: Action) -> Option<AppError> {
        transition(self.status, Actor::Org(self.role), action)
            .err()
            .map(AppError::from)
    }
}

fn next_actions(status: PlanStatus, role: Role) -> NextActions {
    let may = |action| transition(status, Actor::Org(role), action).is_ok();
    let implementer = role == Role::Implementer;
    let published = matches!(
        status,
        PlanStatus::Announced | PlanStatus::Held | PlanStatus::Responded
    );
    NextActions {
        revise: may(Action::Revise),
        announce: may(Action::Announce),
        cancel: may(Action::Cancel),
        review: may(Action::File),
        registrants: implementer && published,
        feedback: implementer && published,
        feedback_export: !implementer && published,
        opinions: implementer && matches!(status, PlanStatus::Announced | PlanStatus::Held),
        questionnaire: implementer
            && matches!(
                status,
                PlanStatus::Filed | PlanStatus::Announced | PlanStatus::Held
            ),
        questionnaire_results: published,
        status,
        role,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/plan.html")]
struct PlanPage {
    title: String,
    me: Me,
    notice: Option<String>,
    plan: PlanView,
    next: NextActions,
}

pub(super) async fn plan_page<S: Store>(
    State(app): State<App<S>>,
    staff: StaffSession,
    Path(id): Path<String>,
) -> Result<Response, SignedOutOr> {
    let (plan, next) = open(&app, &staff.org, &id, &mut FormState::default()).await?;
    let me = staff.me();
    let (jar, notice) = take_notice(staff.jar);
    Ok(staff_page(
        jar,
        PlanPage {
            title: plan.name.clone(),
            me,
            notice,
            plan,
            next,
        },
    ))
}

/// The plan as the header of a page shows it, for pages whose forms do not change the plan
/// (and so need not carry its version).
pub(super) async fn plan_of<S: Store>(
    app: &App<S>,
    org: &Organisation,
    id: &str,
) -> Result<PlanView, PageError> {
    let mut unused = FormState::default();
    Ok(open(app, org, id, &mut unused).await?.0)
}

/// The plan as a page shows it, with what the caller may do next; `form` gets the version
/// the page is made from (a change posted from it names that version).
pub(super) async fn open<S: Store>(
    app: &App<S>,
    org: &Organisation,
    id: &str,
    form: &mut FormState,
) -> Result<(PlanView, NextActions), PageError> {
    let (detail, owner, role) = plans::detail(&app.core, org, id).await?;
    form.values
        .insert("version".into(), detail.version.0.to_string());
    let next = next_actions(detail.status, role);
    Ok((plan_view(app, &detail, &owner).await?, next))
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/review.html")]
struct ReviewPage {
    title: String,
    me: Me,
    plan: PlanView,
    form: FormState,
    decisions: Vec<Choice>,
    may_review: bool,
}

fn review_page(me: Me, plan: PlanView, form: FormState, may_review: bool) -> ReviewPage {
    let decisions = [("file", "备案"), ("return", "退回修改")]
        .into_iter()
        .map(|(value, label)| Choice {
            value: value.to_owned(),
            label: label.to_owned(),
            chosen: form.is("decision", value),
        })
        .collect();
    ReviewPage {
        title: format!("审核：{}", plan.name),
        me,
        plan,
        form,
        decisions,
        may_review,
    }
}

pub(super) async fn review_form<S: Store>(
    State(app): State<App<S>>,
    staff: StaffSession,
    Path(id): Path<String>,
) -> Result<Response, SignedOutOr> {
    let mut form = FormState::default();
    let (plan, next) = open(&app, &staff.org, &id, &mut form).await?;
    // Only the same-level office ever reviews: anyone else gets the API's 403.
    if let Some(e @ AppError::Forbidden(_)) = next.refusal(Action::File) {
        return Err(PageError::from(e).into());
    }
    let page = review_page(staff.me(), plan, form, next.review);
    Ok(staff_page(staff.jar, page))
}

pub(super) async fn review<S: Store>(
    State(app): State<App<S>>,
    Path(id): Path<String>,
    post: StaffPost<ReviewBody>,
) -> Result<Response, SignedOutOr> {
    let StaffPost {
        staff,
        form,
        values,
    } = post;
    let filing = matches!(
        plans::Decision::parse(form.decision.as_deref()),
        Ok(plans::Decision::File)
    );
    match plans::review(&app.core, &staff.org, &id, form).await {
        Ok(_) => {
            let done = if filing {
                "已备案，已通知实施机关发布活动公告。"
            } else {
                "已退回修改，审核意见已发送实施机关。"
            };
            let jar = with_notice(staff.jar, &app, done);
            Ok(see_other(jar, "/staff"))
        }
        Err(e) => {
            let stale = matches!(&e, AppError::Conflict { .. });
            let mut state = FormState::with_values(values);
            state.refuse(e, &["decision", "comment"])?;
            let (plan, next) = open(&app, &staff.org, &id, &mut state).await?;
            if stale {
                // The plan changed while it was open: show the new one, ask again.
                state.errors.insert(
                    0,
                    crate::pages::FieldError {
                        field: None,
                        message: format!(
                            "实施机关已修改该方案（现为第{}版），请查看以下最新内容后重新审核。",
                            plan.version
                        ),
                    },
                );
            }
            let status = state.status();
            let page = review_page(staff.me(), plan, state, next.review);
            Ok((status, staff.jar, page).into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/cancel.html")]
struct CancelPage {
    title: String,
    me: Me,
    plan: PlanView,
    form: FormState,
    /// Registrants who will be told (confirmed and waitlisted).
    told: u32,
    /// The form is shown only while the caller may cancel.
    may: bool,
}

impl CancelPage {
    fn new(me: Me, plan: PlanView, form: FormState, may: bool) -> Self {
        Self {
            title: format!("取消活动：{}", plan.name),
            me,
            told: plan.confirmed + plan.waitlisted,
            plan,
            form,
            may,
        }
    }
}

pub(super) async fn cancel_form<S: Store>(
    State(app): State<App<S>>,
    staff: StaffSession,
    Path(id): Path<String>,
) -> Result<Response, SignedOutOr> {
    let mut form = FormState::default();
    let (plan, next) = open(&app, &staff.org, &id, &mut form).await?;
    if let Some(e) = next.refusal(Action::Cancel) {
        return Err(PageError::from(e).into());
    }
    let page = CancelPage::new(staff.me(), plan, form, true);
    Ok(staff_page(staff.jar, page))
}

pub(super) async fn cancel<S: Store>(
    State(app): State<App<S>>,
    Path(id): Path<String>,
    post: StaffPost<CancelBody>,
) -> Result<Response, SignedOutOr> {
    let StaffPost {
        staff,
        form,
        values,
    } = post;
    match plans::cancel(&app.core, &staff.org, &id, form).await {
        Ok(_) => {
            let jar = with_notice(staff.jar, &app, "活动已取消，已短信通知报名人员。");
            Ok(see_other(jar, &format!("/staff/plans/{id}")))
        }
        Err(e) => {
            let mut state = FormState::with_values(values);
            state.refuse(e, &["comment"])?;
            let status = state.status();
            let (plan, next) = open(&app, &staff.org, &id, &mut state).await?;
            let page = CancelPage::new(staff.me(), plan, state, next.cancel);
            Ok((status, staff.jar, page).into_response())
        }
    }
}

/// The plan, for its implementer only.
pub(super) async fn own_plan<S: Store>(
    app: &App<S>,
    staff: &StaffSession,
    id: &str,
    refusal: &'static str,
) -> Result<(crate::views::PlanDetail, PlanView), PageError> {
    let (detail, owner, role) = plans::detail(&app.core, &staff.org, id).await?;
    if role != Role::Implementer {
        return Err(AppError::forbidden(refusal).into());
    }
    let view = plan_view(app, &detail, &owner).await?;
    Ok((detail, view))
}
