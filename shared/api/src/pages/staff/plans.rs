//! An agency's plans (write, revise, publish the announcement, cancel) and an office's
//! review (备案 / 退回), on the API's own workflow functions.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use openday_rules::Programme;
use openday_rules::lifecycle::{Action, Actor, PlanStatus, transition};
use openday_rules::org::{OrgKind, Organisation, Role};
use openday_rules::plan::{Channel, ExperienceKind, Format, Interaction, Plan};
use openday_rules::text::NumberLike;
use openday_store::records::{FindingRecord, FindingStatus, PlanRecord};
use serde::Deserialize;

use super::plan_form::{self, SegmentGroup, Tick};
use super::{Me, SignedOutOr, StaffPost, StaffSession, staff_page};
use crate::app::{App, Store};
use crate::error::ApiError;
use crate::pages::public::{Choice, choices};
use crate::pages::{FormState, PageError, see_other, take_notice, with_notice};
use crate::routing::{Routes, method};
use crate::views::{FindingView, PlanDetail};
use openday_app::AppError;
use openday_app::commands::{AnnouncementBody, CancelBody, ReviewBody};
use openday_app::plans::{self, ListQuery};
pub use openday_rules::calendar::when;
use openday_rules::calendar::{day_span, day_text};

pub fn routes<S: Store>() -> Routes<S> {
    Routes::new()
        .route(
            Method::GET,
            "/staff/plans/new",
            method(&Method::GET, new_form::<S>),
        )
        .route(
            Method::POST,
            "/staff/plans/new",
            method(&Method::POST, submit::<S>),
        )
        .route(
            Method::GET,
            "/staff/plans/{id}",
            method(&Method::GET, plan_page::<S>),
        )
        .route(
            Method::GET,
            "/staff/plans/{id}/edit",
            method(&Method::GET, edit_form::<S>),
        )
        .route(
            Method::POST,
            "/staff/plans/{id}/edit",
            method(&Method::POST, revise::<S>),
        )
        .route(
            Method::GET,
            "/staff/plans/{id}/review",
            method(&Method::GET, review_form::<S>),
        )
        .route(
            Method::POST,
            "/staff/plans/{id}/review",
            method(&Method::POST, review::<S>),
        )
        .route(
            Method::GET,
            "/staff/plans/{id}/announcement",
            method(&Method::GET, announcement_form::<S>),
        )
        .route(
            Method::POST,
            "/staff/plans/{id}/announcement",
            method(&Method::POST, announce::<S>),
        )
        .route(
            Method::GET,
            "/staff/plans/{id}/cancel",
            method(&Method::GET, cancel_form::<S>),
        )
        .route(
            Method::POST,
            "/staff/plans/{id}/cancel",
            method(&Method::POST, cancel::<S>),
        )
}

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

#[derive(Template, WebTemplate)]
#[template(path = "staff/home.html")]
struct HomePage {
    title: String,
    me: Me,
    notice: Option<String>,
    year: i32,
    plans: Vec<PlanRow>,
    queue: Vec<PlanRow>,
    findings: Vec<FindingRow>,
    report: Option<String>,
}

fn row(
    plan: &PlanRecord,
    status: PlanStatus,
    org: String,
    findings: &[FindingRecord],
    programme: &Programme,
) -> PlanRow {
    let (start, end) = (plan.plan.period.start(), plan.plan.period.end());
    PlanRow {
        id: plan.id.clone(),
        name: plan.plan.name.to_string(),
        org,
        dates: day_span(start, end),
        status: status.label(),
        next: next_deadline(status, start, end, programme).unwrap_or_else(|| "—".into()),
        open_findings: findings
            .iter()
            .filter(|f| {
                f.status == FindingStatus::Open && f.plan_id.as_deref() == Some(plan.id.as_str())
            })
            .count(),
    }
}

/// An agency: its plans with the next deadline and open findings. An office: the plans it
/// must file or return (oldest first) and its jurisdiction's open findings.
pub(super) async fn home<S: Store>(
    app: &App<S>,
    staff: StaffSession,
) -> Result<Response, PageError> {
    let org = &staff.org;
    let office = org.kind == OrgKind::Office;
    let desk = openday_app::desk::desk(&app.core, org).await?;
    let year = desk.year;
    let names = &desk.names;
    let findings = &desk.findings;
    let name_of = |id: &str| {
        names
            .get(id)
            .map_or_else(|| id.to_owned(), |o| o.name.to_string())
    };
    let mut plans = Vec::new();
    let mut queue = Vec::new();
    for d in &desk.plans {
        let (p, status) = (&d.plan, d.status);
        let r = row(
            p,
            status,
            name_of(p.org_id.as_str()),
            findings,
            &d.programme,
        );
        let reviews = names
            .get(p.org_id.as_str())
            .is_some_and(|owner| Role::of(org, owner) == Role::ReviewingOffice);
        if office && status == PlanStatus::Submitted && reviews {
            queue.push(r);
        } else if !office {
            plans.push(r);
        }
    }
    let records: Vec<&PlanRecord> = desk.plans.iter().map(|d| &d.plan).collect();
    let plan_names: BTreeMap<&str, String> = records
        .iter()
        .map(|p| (p.id.as_str(), p.plan.name.to_string()))
        .collect();
    let findings = findings
        .iter()
        .filter(|f| f.status == FindingStatus::Open)
        .map(|f| {
            let plan = f
                .plan_id
                .as_deref()
                .and_then(|id| plan_names.get(id).cloned())
                .unwrap_or_default();
            finding_row(
                &f.clone().into(),
                plan,
                name_of(f.org_id.as_str()),
                &staff.programme,
            )
        })
        .collect();
    let report = if staff.programme.is_reporter(org) {
        Some(match &desk.report {
            Some(r) => format!(
                "{}年度开展情况已于{}报送{}",
                year,
                day_text(r.received_on),
                if r.late { "（逾期）" } else { "" }
            ),
            None => format!(
                "{}年度开展情况尚未报送（截止：{}）",
                year,
                day_text(staff.programme.report_due(year))
            ),
        })
    } else {
        None
    };
    let me = staff.me();
    let (jar, notice) = take_notice(staff.jar);
    Ok(staff_page(
        jar,
        HomePage {
            title: format!("工作台：{}", me.name),
            me,
            notice,
            year,
            plans,
            queue,
            findings,
            report,
        },
    ))
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/plan_form.html")]
struct PlanFormPage {
    title: String,
    me: Me,
    form: FormState,
    action: String,
    version: Option<u64>,
    formats: Vec<Choice>,
    groups: Vec<SegmentGroup>,
    segments: Vec<usize>,
    leaders: Vec<usize>,
    interactions: Vec<Tick>,
    experiences: Vec<Tick>,
    channels: Vec<Tick>,
    /// The open period and the minimum, from the programme in force.
    season_hint: String,
    capacity_hint: String,
}

impl PlanFormPage {
    fn new(
        staff: &StaffSession,
        mut form: FormState,
        action: String,
        version: Option<u64>,
    ) -> Self {
        plan_form::ensure_rows(&mut form.values);
        let p = &staff.programme;
        Self {
            title: if version.is_some() {
                "修改实施方案".into()
            } else {
                "新建实施方案".into()
            },
            formats: choices::<Format>(&form, "format"),
            groups: plan_form::segment_groups(),
            segments: plan_form::row_count(&form, plan_form::SEGMENTS),
            leaders: plan_form::row_count(&form, plan_form::LEADERS),
            interactions: plan_form::ticks::<Interaction>("interactions"),
            experiences: plan_form::ticks::<ExperienceKind>("experiences"),
            channels: plan_form::ticks::<Channel>("channels"),
            season_hint: format!(
                "开放时间为每年{}至{}（工作方案{}）",
                p.open_period.from.label(),
                p.open_period.until.label(),
                p.open_period.clause
            ),
            capacity_hint: format!("不少于{}人", p.participants.minimum),
            me: staff.me(),
            form,
            action,
            version,
        }
    }

    /// The `i`th row's field name.
    fn at(&self, group: &str, i: &usize, field: &str) -> String {
        format!("{group}.{i}.{field}")
    }

    fn is_selected(&self, i: &usize, value: &str) -> bool {
        self.form.value(&format!("segments.{i}.type")) == value
    }
}

fn only_agencies(staff: &StaffSession) -> Result<(), PageError> {
    if staff.org.kind == OrgKind::Office {
        return Err(AppError::forbidden("政务公开办公室不编写实施方案，只审核备案").into());
    }
    Ok(())
}

async fn new_form<S: Store>(
    State(app): State<App<S>>,
    staff: StaffSession,
) -> Result<Response, SignedOutOr> {
    only_agencies(&staff)?;
    let mut values = BTreeMap::new();
    values.insert("year".to_owned(), app.today().year().to_string());
    values.insert("channels.online".to_owned(), "on".to_owned());
    values.insert("capacity".to_owned(), "30".to_owned());
    let page = PlanFormPage::new(
        &staff,
        FormState::with_values(values),
        "/staff/plans/new".into(),
        None,
    );
    Ok(staff_page(staff.jar.clone(), page))
}

#[derive(Deserialize)]
struct PlanFormBody {
    action: Option<String>,
    version: Option<String>,
}

/// A plan form refused by the rules: each message at its field.
fn refused_plan(form: &mut FormState, e: AppError) -> Result<(), PageError> {
    match e {
        AppError::Rules(vs) => {
            for v in vs.iter() {
                form.errors.push(crate::pages::FieldError {
                    field: v.field.as_deref().map(plan_form::field_of),
                    message: v.message.clone(),
                });
            }
            Ok(())
        }
        e => form.refuse(e, &[]),
    }
}

/// Row buttons bring the form back with a row more or less; the submit button submits.
async fn plan_post<S: Store>(
    app: &App<S>,
    post: StaffPost<PlanFormBody>,
    id: Option<&str>,
) -> Result<Response, SignedOutOr> {
    let StaffPost {
        staff,
        form,
        mut values,
    } = post;
    only_agencies(&staff)?;
    let action_path = id.map_or_else(
        || "/staff/plans/new".to_owned(),
        |id| format!("/staff/plans/{id}/edit"),
    );
    let version = form.version.as_deref().and_then(|v| v.trim().parse().ok());
    values.remove("action");
    values.remove("version");
    if plan_form::apply_row_action(&mut values, form.action.as_deref().unwrap_or("")) {
        let page = PlanFormPage::new(&staff, FormState::with_values(values), action_path, version);
        return Ok(staff_page(staff.jar.clone(), page));
    }
    let draft = plan_form::draft_of(&values);
    let done = match id {
        None => plans::submit(&app.core, &staff.org, &draft).await,
        Some(id) => {
            let v = version.map(|v: u64| NumberLike::Text(v.to_string()));
            plans::revise(&app.core, &staff.org, id, v.as_ref(), &draft).await
        }
    };
    match done {
        Ok(record) => {
            let jar = with_notice(staff.jar, app, "实施方案已报送同级政务公开办公室审核备案。");
            Ok(see_other(jar, &format!("/staff/plans/{}", record.id)))
        }
        Err(e) => {
            let mut state = FormState::with_values(values);
            refused_plan(&mut state, e)?;
            let page = PlanFormPage::new(&staff, state, action_path, version);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, staff.jar, page).into_response())
        }
    }
}

async fn submit<S: Store>(
    State(app): State<App<S>>,
    post: StaffPost<PlanFormBody>,
) -> Result<Response, SignedOutOr> {
    plan_post(&app, post, None).await
}

async fn revise<S: Store>(
    State(app): State<App<S>>,
    Path(id): Path<String>,
    post: StaffPost<PlanFormBody>,
) -> Result<Response, SignedOutOr> {
    plan_post(&app, post, Some(&id)).await
}

async fn edit_form<S: Store>(
    State(app): State<App<S>>,
    staff: StaffSession,
    Path(id): Path<String>,
) -> Result<Response, SignedOutOr> {
    let (detail, _, role) = plans::detail(&app.core, &staff.org, &id)
        .await
        .map_err(PageError::from)?;
    if role != Role::Implementer {
        return Err(PageError::from(AppError::forbidden("只有实施机关可以修改实施方案")).into());
    }
    let mut values = plan_form::values_of(&detail.plan);
    values.insert("year".into(), detail.plan.year().to_string());
    let page = PlanFormPage::new(
        &staff,
        FormState::with_values(values),
        format!("/staff/plans/{id}/edit"),
        Some(detail.version.0),
    );
    Ok(staff_page(staff.jar.clone(), page))
}

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
    pub announcement: Option<Vec<(&'static str, String)>>,
    pub confirmed: u32,
    pub waitlisted: u32,
    pub capacity: u32,
    pub last_announcement_day: String,
}

pub struct HistoryRow {
    pub at: String,
    pub by: String,
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
            join(
                plan.segments
                    .iter()
                    .map(|s| {
                        let mut t = format!("{}：{}", s.kind().label(), s.subtype().label());
                        if let Some(d) = s.description() {
                            t.push_str(&format!("（{d}）"));
                        }
                        t
                    })
                    .collect(),
            ),
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
            join(
                plan.experiences
                    .iter()
                    .map(|e| e.kind().label().to_owned())
                    .collect(),
            ),
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
    let announcement = detail.announcement.as_ref().map(|a| {
        vec![
            ("发布日期", day_text(a.published_on)),
            ("报名方式", a.registration_method.to_string()),
            (
                "报名截止",
                a.registration_deadline
                    .map_or_else(|| "活动开始前".to_owned(), day_text),
            ),
            ("活动地点", a.place.to_string()),
            ("活动内容", a.content.to_string()),
            ("温馨提示", a.reminders.to_string()),
        ]
    });
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
        announcement,
        confirmed: detail.seats.as_ref().map_or(0, |s| s.confirmed),
        waitlisted: detail.seats.as_ref().map_or(0, |s| s.waitlisted),
        capacity: detail.plan.capacity.get(),
        last_announcement_day: day_text(programme.last_announcement_day(start)),
    })
}

/// What the viewer may do next, as the state machine allows.
pub struct NextActions {
    pub revise: bool,
    pub announce: bool,
    pub cancel: bool,
    pub review: bool,
    pub registrants: bool,
    pub feedback: bool,
}

fn next_actions(status: PlanStatus, role: Role) -> NextActions {
    let may = |action| transition(status, Actor::Org(role), action).is_ok();
    let implementer = role == Role::Implementer;
    NextActions {
        revise: may(Action::Revise),
        announce: may(Action::Announce),
        cancel: may(Action::Cancel),
        review: may(Action::File),
        registrants: implementer
            && matches!(
                status,
                PlanStatus::Announced | PlanStatus::Held | PlanStatus::Responded
            ),
        feedback: matches!(
            status,
            PlanStatus::Announced | PlanStatus::Held | PlanStatus::Responded
        ),
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

async fn plan_page<S: Store>(
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

/// The plan as a page shows it, with what the caller may do next; `form` gets the version
/// the page is made from (a change posted from it names that version).
async fn open<S: Store>(
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

async fn review_form<S: Store>(
    State(app): State<App<S>>,
    staff: StaffSession,
    Path(id): Path<String>,
) -> Result<Response, SignedOutOr> {
    let mut form = FormState::default();
    let (plan, next) = open(&app, &staff.org, &id, &mut form).await?;
    let page = review_page(staff.me(), plan, form, next.review);
    Ok(staff_page(staff.jar, page))
}

async fn review<S: Store>(
    State(app): State<App<S>>,
    Path(id): Path<String>,
    post: StaffPost<ReviewBody>,
) -> Result<Response, SignedOutOr> {
    let StaffPost {
        staff,
        form,
        values,
    } = post;
    let filing = form.decision.as_deref() == Some("file");
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
            let status = if stale {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let page = review_page(staff.me(), plan, state, next.review);
            Ok((status, staff.jar, page).into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/announce.html")]
struct AnnouncePage {
    title: String,
    me: Me,
    plan: PlanView,
    form: FormState,
}

impl AnnouncePage {
    fn new(me: Me, plan: PlanView, form: FormState) -> Self {
        Self {
            title: format!("发布活动公告：{}", plan.name),
            me,
            plan,
            form,
        }
    }
}

const ANNOUNCEMENT_FIELDS: [&str; 5] = [
    "registration_method",
    "place",
    "content",
    "reminders",
    "registration_deadline",
];

async fn announcement_form<S: Store>(
    State(app): State<App<S>>,
    staff: StaffSession,
    Path(id): Path<String>,
) -> Result<Response, SignedOutOr> {
    let mut form = FormState::default();
    let (plan, next) = open(&app, &staff.org, &id, &mut form).await?;
    if !next.announce {
        return Err(
            PageError::from(ApiError::from(openday_rules::Violation::new(
                openday_rules::Code::InvalidTransition,
                "只有已备案的实施方案可以由实施机关发布活动公告",
            )))
            .into(),
        );
    }
    let place = plan
        .facts
        .iter()
        .find(|(k, _)| *k == "活动地点")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    form.values.insert("place".into(), place);
    form.values.insert(
        "registration_method".into(),
        "在本平台“政府开放日”页面在线报名".into(),
    );
    let page = AnnouncePage::new(staff.me(), plan, form);
    Ok(staff_page(staff.jar, page))
}

async fn announce<S: Store>(
    State(app): State<App<S>>,
    Path(id): Path<String>,
    post: StaffPost<AnnouncementBody>,
) -> Result<Response, SignedOutOr> {
    let StaffPost {
        staff,
        mut form,
        values,
    } = post;
    // An emptied optional field means "not given": the plan's venue, no deadline.
    let blank = |v: Option<String>| v.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
    form.announcement.place = blank(form.announcement.place);
    form.announcement.registration_deadline = blank(form.announcement.registration_deadline);
    match plans::announce(&app.core, &staff.org, &id, &form).await {
        Ok(_) => {
            let jar = with_notice(staff.jar, &app, "活动公告已发布，公众现在可以报名。");
            Ok(see_other(jar, &format!("/staff/plans/{id}")))
        }
        Err(e) => {
            let mut state = FormState::with_values(values);
            state.refuse(e, &ANNOUNCEMENT_FIELDS)?;
            let (plan, _) = open(&app, &staff.org, &id, &mut state).await?;
            let page = AnnouncePage::new(staff.me(), plan, state);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, staff.jar, page).into_response())
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
}

impl CancelPage {
    fn new(me: Me, plan: PlanView, form: FormState) -> Self {
        Self {
            title: format!("取消活动：{}", plan.name),
            me,
            told: plan.confirmed + plan.waitlisted,
            plan,
            form,
        }
    }
}

async fn cancel_form<S: Store>(
    State(app): State<App<S>>,
    staff: StaffSession,
    Path(id): Path<String>,
) -> Result<Response, SignedOutOr> {
    let mut form = FormState::default();
    let (plan, _) = open(&app, &staff.org, &id, &mut form).await?;
    let page = CancelPage::new(staff.me(), plan, form);
    Ok(staff_page(staff.jar, page))
}

async fn cancel<S: Store>(
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
            let (plan, _) = open(&app, &staff.org, &id, &mut state).await?;
            let page = CancelPage::new(staff.me(), plan, state);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, staff.jar, page).into_response())
        }
    }
}

/// The plans an office sees, for the list page.
pub(super) async fn listed<S: Store>(
    app: &App<S>,
    org: &Organisation,
    year: Option<NumberLike>,
    status: Option<String>,
) -> Result<(i32, Vec<crate::views::PlanSummary>), AppError> {
    let list = plans::list(&app.core, org, &ListQuery { year, status }).await?;
    Ok((list.year, list.plans))
}
