//! An agency's work around its event: the registrants (masked) with the offline
//! recommendation form, and the feedback answered item by item or in groups,
//! re-categorised, saved as a draft and published.

use std::collections::{BTreeMap, BTreeSet};

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use openday_rules::WireEnum;
use openday_rules::feedback::{Adoption, FeedbackCategory, ResponseDraft, ResponseItemDraft};
use openday_rules::org::Role;
use openday_rules::registration::{Category, RegistrantDraft, Relation};
use openday_rules::text::NumberLike;
use openday_store::records::RegistrationStatus;

use super::plan_page::{PlanView, plan_view};
use super::{Me, SignedOutOr, StaffPost, StaffSession, staff_page};
use crate::app::{App, Store};
use crate::pages::{Choice, choices};
use crate::pages::{FieldError, FormState, PageError, see_other, take_notice, with_notice};
use crate::routing::{Routes, method};
use openday_app::AppError;
use openday_app::commands::{AnswersBody, RespondBody};
use openday_app::{attendance, exports, feedback, plans, registrations};
use openday_rules::calendar::when;

pub fn routes<S: Store>() -> Routes<S> {
    Routes::new()
        .route(
            Method::GET,
            "/staff/plans/{id}/registrants",
            method(&Method::GET, registrants::<S>),
        )
        .route(
            Method::POST,
            "/staff/plans/{id}/registrants",
            method(&Method::POST, recommend::<S>),
        )
        .route(
            Method::GET,
            "/staff/plans/{id}/exports/registrants",
            method(&Method::GET, registrants_file::<S>),
        )
        .route(
            Method::GET,
            "/staff/plans/{id}/exports/feedback",
            method(&Method::GET, feedback_file::<S>),
        )
        .route(
            Method::GET,
            "/staff/plans/{id}/check-in",
            method(&Method::GET, check_in_form::<S>),
        )
        .route(
            Method::POST,
            "/staff/plans/{id}/check-in",
            method(&Method::POST, check_in::<S>),
        )
        .route(
            Method::GET,
            "/staff/plans/{id}/feedback",
            method(&Method::GET, feedback::<S>),
        )
        .route(
            Method::POST,
            "/staff/plans/{id}/feedback",
            method(&Method::POST, answer::<S>),
        )
}

/// A registrant as the agency sees it: masked.
pub struct RegistrantRow {
    pub code: String,
    pub name: String,
    pub id_number: String,
    pub phone: String,
    pub category: &'static str,
    pub channel: &'static str,
    pub status: &'static str,
    pub at: String,
    /// When the person was checked in at the door; empty if not (yet).
    pub attended: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/registrants.html")]
struct RegistrantsPage {
    title: String,
    me: Me,
    notice: Option<String>,
    plan: PlanView,
    rows: Vec<RegistrantRow>,
    form: FormState,
    categories: Vec<Choice>,
    relations: Vec<Choice>,
    open: bool,
}

const RECOMMEND_FIELDS: [&str; 7] = [
    "name",
    "id_number",
    "phone",
    "category",
    "relation",
    "full_civil_capacity",
    "not_deputy",
];

/// The plan, for its implementer only.
async fn own_plan<S: Store>(
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

async fn registrants_page<S: Store>(
    app: &App<S>,
    staff: &StaffSession,
    id: &str,
    form: FormState,
) -> Result<RegistrantsPage, PageError> {
    let (detail, plan) = own_plan(app, staff, id, "只有实施机关可以查看报名人员").await?;
    let records =
        registrations::of_event(&app.core, &staff.org, id, "只有实施机关可以查看报名人员").await?;
    let rows = records
        .iter()
        .filter(|r| r.status != RegistrationStatus::Cancelled)
        .map(|r| RegistrantRow {
            code: r.code.clone(),
            name: r.name.clone(),
            id_number: r.id_masked.clone(),
            phone: r.phone_masked.clone(),
            category: r.category.label(),
            channel: r.channel.label(),
            status: r.status.label(),
            at: when(r.registered_at),
            attended: r.attended_at.map(when).unwrap_or_default(),
        })
        .collect();
    Ok(RegistrantsPage {
        title: format!("报名人员：{}", plan.name),
        me: staff.me(),
        notice: None,
        open: detail.status == openday_rules::lifecycle::PlanStatus::Announced,
        categories: choices::<Category>(&form, "category"),
        relations: choices::<Relation>(&form, "relation"),
        plan,
        rows,
        form,
    })
}

async fn registrants<S: Store>(
    State(app): State<App<S>>,
    staff: StaffSession,
    Path(id): Path<String>,
) -> Result<Response, SignedOutOr> {
    let mut page = registrants_page(&app, &staff, &id, FormState::default()).await?;
    let (jar, notice) = take_notice(staff.jar);
    page.notice = notice;
    Ok(staff_page(jar, page))
}

async fn recommend<S: Store>(
    State(app): State<App<S>>,
    Path(id): Path<String>,
    post: StaffPost<RegistrantDraft>,
) -> Result<Response, SignedOutOr> {
    let StaffPost {
        staff,
        form,
        values,
    } = post;
    match registrations::recommend(&app.core, &staff.org, &id, &form).await {
        Ok(registrations::Taken { receipt, .. }) => {
            let status = if receipt.status == RegistrationStatus::Confirmed {
                "已确认参加"
            } else {
                "名额已满，已列入候补"
            };
            let jar = with_notice(
                staff.jar,
                &app,
                &format!("已录入推荐人员（报名编号 {}），{status}。", receipt.code),
            );
            Ok(see_other(jar, &format!("/staff/plans/{id}/registrants")))
        }
        Err(e) => {
            let mut state = FormState::with_values(values);
            state.refuse(e, &RECOMMEND_FIELDS)?;
            let page = registrants_page(&app, &staff, &id, state).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, staff.jar, page).into_response())
        }
    }
}

/// A feedback item with its draft answer, as the answer form shows it.
pub struct FeedbackRow {
    pub id: String,
    pub at: String,
    pub channel: &'static str,
    pub content: String,
    pub categories: Vec<Choice>,
    pub adoptions: Vec<Choice>,
    pub answered: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/feedback.html")]
struct FeedbackPage {
    title: String,
    me: Me,
    notice: Option<String>,
    plan: PlanView,
    rows: Vec<FeedbackRow>,
    form: FormState,
    adoptions: Vec<Choice>,
    answered: usize,
    published: bool,
}

fn adoption_choices(chosen: &str) -> Vec<Choice> {
    Adoption::ALL
        .iter()
        .map(|a| Choice {
            value: a.wire().to_owned(),
            label: a.label().to_owned(),
            chosen: a.wire() == chosen,
        })
        .collect()
}

/// The page; `form` holds what was typed (a refused submit) or is empty (then the saved
/// draft answers fill it).
async fn feedback_page<S: Store>(
    app: &App<S>,
    staff: &StaffSession,
    id: &str,
    mut form: FormState,
) -> Result<FeedbackPage, PageError> {
    let (detail, plan) = own_plan(app, staff, id, "只有实施机关可以答复意见建议").await?;
    let (items, saved) = feedback::to_answer(&app.core, &staff.org, id).await?;
    let fresh = form.values.is_empty();
    if fresh {
        form.values
            .insert("version".into(), detail.version.0.to_string());
        for a in &saved {
            form.values.insert(
                format!("a.{}.adoption", a.feedback_id),
                a.adoption.wire().into(),
            );
            form.values.insert(
                format!("a.{}.reply", a.feedback_id),
                a.reply.as_ref().map(|r| r.to_string()).unwrap_or_default(),
            );
        }
    }
    let answered: BTreeSet<&str> = saved.iter().map(|a| a.feedback_id.as_str()).collect();
    let rows = items
        .iter()
        .map(|f| {
            let category = if fresh {
                f.feedback.category.wire().to_owned()
            } else {
                form.value(&format!("a.{}.category", f.id)).to_owned()
            };
            FeedbackRow {
                at: when(f.at),
                channel: f.feedback.channel.label(),
                content: f.feedback.content.to_string(),
                categories: FeedbackCategory::ALL
                    .iter()
                    .map(|c| Choice {
                        value: c.wire().to_owned(),
                        label: c.label().to_owned(),
                        chosen: c.wire() == category,
                    })
                    .collect(),
                adoptions: adoption_choices(form.value(&format!("a.{}.adoption", f.id))),
                answered: answered.contains(f.id.as_str()),
                id: f.id.clone(),
            }
        })
        .collect();
    Ok(FeedbackPage {
        title: format!("意见建议：{}", plan.name),
        me: staff.me(),
        notice: None,
        published: detail.responded_on.is_some(),
        adoptions: adoption_choices(form.value("group.adoption")),
        answered: answered.len(),
        plan,
        rows,
        form,
    })
}

async fn feedback<S: Store>(
    State(app): State<App<S>>,
    staff: StaffSession,
    Path(id): Path<String>,
) -> Result<Response, SignedOutOr> {
    let mut page = feedback_page(&app, &staff, &id, FormState::default()).await?;
    let (jar, notice) = take_notice(staff.jar);
    page.notice = notice;
    Ok(staff_page(jar, page))
}

/// The answers typed item by item: drafts with their form field, and re-categorisations.
fn typed_answers(
    values: &BTreeMap<String, String>,
    ids: &[String],
) -> (Vec<ResponseItemDraft>, Vec<String>, Vec<(String, String)>) {
    let mut drafts = Vec::new();
    let mut fields = Vec::new();
    let mut categories = Vec::new();
    for id in ids {
        let get = |f: &str| {
            values
                .get(&format!("a.{id}.{f}"))
                .map(|v| v.trim().to_owned())
                .unwrap_or_default()
        };
        let adoption = get("adoption");
        if !adoption.is_empty() {
            let reply = get("reply");
            drafts.push(ResponseItemDraft {
                feedback_id: Some(id.clone()),
                adoption: Some(adoption),
                reply: (!reply.is_empty()).then_some(reply),
            });
            fields.push(format!("a.{id}"));
        }
        let category = get("category");
        if !category.is_empty() {
            categories.push((id.clone(), category));
        }
    }
    (drafts, fields, categories)
}

/// A rule's field in the answers (`items[3].reply`) as the form's (`a.<id>.reply`).
fn answer_field(rule_field: Option<&str>, fields: &[String]) -> Option<String> {
    let rest = rule_field?.strip_prefix("items[")?;
    let (i, part) = rest.split_once("].")?;
    let base = fields.get(i.parse::<usize>().ok()?)?;
    Some(format!("{base}.{part}"))
}

async fn answer<S: Store>(
    State(app): State<App<S>>,
    Path(id): Path<String>,
    post: StaffPost<BTreeMap<String, String>>,
) -> Result<Response, SignedOutOr> {
    let StaffPost { staff, values, .. } = post;
    own_plan(&app, &staff, &id, "只有实施机关可以答复意见建议").await?;
    let action = AnswerAction::of(values.get("action").map(String::as_str));
    let (items, _) = feedback::to_answer(&app.core, &staff.org, &id)
        .await
        .map_err(PageError::from)?;
    let ids: Vec<String> = items.iter().map(|f| f.id.clone()).collect();
    let (drafts, fields, categories) = typed_answers(&values, &ids);
    let mut state = FormState::with_values(values.clone());
    // Re-categorised items first: the category is the agency's to set.
    match feedback::recategorise(&app.core, &staff.org, &id, &categories).await {
        Ok(_) => {}
        Err(AppError::Rules(vs)) => {
            for v in vs.iter() {
                state.errors.push(FieldError {
                    field: v.field.clone(),
                    message: v.message.clone(),
                });
            }
        }
        Err(e) => state.refuse(e, &[])?,
    }
    let outcome = match action {
        AnswerAction::Group => {
            let picked: Vec<String> = ids
                .iter()
                .filter(|i| values.get(&format!("pick.{i}")).is_some_and(|v| v == "on"))
                .cloned()
                .collect();
            if picked.is_empty() {
                state.fail("group", "请先勾选要统一答复的意见建议");
                None
            } else {
                let body = AnswersBody {
                    feedback_ids: picked,
                    adoption: values
                        .get("group.adoption")
                        .cloned()
                        .filter(|a| !a.is_empty()),
                    reply: values
                        .get("group.reply")
                        .cloned()
                        .filter(|r| !r.trim().is_empty()),
                    ..AnswersBody::default()
                };
                Some(
                    feedback::save_answers(&app.core, &staff.org, &id, &body)
                        .await
                        .map(|_| "已统一答复所选意见建议（草稿）。"),
                )
            }
        }
        AnswerAction::Publish => {
            let body = RespondBody {
                version: values.get("version").cloned().map(NumberLike::Text),
                response: ResponseDraft {
                    summary: values.get("summary").cloned(),
                    items: drafts.clone(),
                },
            };
            Some(
                plans::publish_response(&app.core, &staff.org, &id, body)
                    .await
                    .map(|_| "采纳情况已公开，公众可在活动页面查看。"),
            )
        }
        _ if drafts.is_empty() && !categories.is_empty() => Some(Ok("已保存意见类别。")),
        _ => {
            let body = AnswersBody {
                items: drafts.clone(),
                ..AnswersBody::default()
            };
            Some(
                feedback::save_answers(&app.core, &staff.org, &id, &body)
                    .await
                    .map(|_| "答复草稿已保存。"),
            )
        }
    };
    match outcome {
        Some(Ok(done)) if state.errors.is_empty() => {
            let to = if action == AnswerAction::Publish {
                format!("/staff/plans/{id}")
            } else {
                format!("/staff/plans/{id}/feedback")
            };
            let jar = with_notice(staff.jar, &app, done);
            return Ok(see_other(jar, &to));
        }
        Some(Ok(_)) | None => {}
        Some(Err(AppError::Rules(vs))) => {
            for v in vs.iter() {
                let field = answer_field(v.field.as_deref(), &fields).or_else(|| {
                    v.field
                        .as_deref()
                        .filter(|f| ["summary", "adoption", "reply"].contains(f))
                        .map(|f| match f {
                            "summary" => "summary".to_owned(),
                            other => format!("group.{other}"),
                        })
                });
                state.errors.push(FieldError {
                    field,
                    message: v.message.clone(),
                });
            }
        }
        Some(Err(e)) => state.refuse(e, &[])?,
    }
    let page = feedback_page(&app, &staff, &id, state).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, staff.jar, page).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/check_in.html")]
struct CheckInPage {
    title: String,
    me: Me,
    plan_id: String,
    form: FormState,
    confirmed: u32,
    attended: u32,
    /// Why check-in is not open today, if it is not.
    closed: Option<String>,
}

async fn check_in_page<S: Store>(
    app: &App<S>,
    staff: &StaffSession,
    id: &str,
    form: FormState,
) -> Result<CheckInPage, PageError> {
    let (detail, plan) = own_plan(app, staff, id, "只有实施机关可以签到").await?;
    let counts = attendance::attendance(&app.core, &staff.org, id).await?;
    let closed = openday_rules::registration::check_in_open(&detail.plan.period, app.today())
        .err()
        .map(|v| v.message);
    Ok(CheckInPage {
        title: format!("现场签到：{}", plan.name),
        me: staff.me(),
        plan_id: id.to_owned(),
        form,
        confirmed: counts.confirmed,
        attended: counts.attended,
        closed,
    })
}

async fn check_in_form<S: Store>(
    State(app): State<App<S>>,
    staff: StaffSession,
    Path(id): Path<String>,
) -> Result<Response, SignedOutOr> {
    let page = check_in_page(&app, &staff, &id, FormState::default()).await?;
    Ok(staff_page(staff.jar.clone(), page))
}

/// One person at the door: the page comes back at once with the result and the counts,
/// the field empty and focused for the next scan.
async fn check_in<S: Store>(
    State(app): State<App<S>>,
    Path(id): Path<String>,
    post: StaffPost<openday_app::commands::CheckInBody>,
) -> Result<Response, SignedOutOr> {
    let StaffPost { staff, form, .. } = post;
    let mut state = FormState::default();
    let status = match attendance::check_in(&app.core, &staff.org, &id, &form).await {
        Ok(done) => {
            state.notice = Some(format!(
                "签到成功：{}（{}），{}",
                done.name,
                done.code,
                when(done.attended_at)
            ));
            StatusCode::OK
        }
        Err(e) => {
            if e.is_failure() {
                return Err(PageError::from(e).into());
            }
            let message = e.said().message;
            let status = crate::error::ApiError::App(e).status();
            // The reason in the summary only: the field is cleared for the next person.
            state.errors.push(FieldError {
                field: None,
                message,
            });
            status
        }
    };
    let page = check_in_page(&app, &staff, &id, state).await?;
    Ok((status, staff.jar.clone(), page).into_response())
}

async fn registrants_file<S: Store>(
    State(app): State<App<S>>,
    staff: StaffSession,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<crate::exports::FormatQuery>,
) -> Result<Response, SignedOutOr> {
    let file = async {
        let format = q.format()?;
        let table = exports::registrants(&app.core, &staff.org, &id).await?;
        crate::exports::download("报名人员", format, table)
    };
    Ok(file.await.map_err(PageError::from)?)
}

async fn feedback_file<S: Store>(
    State(app): State<App<S>>,
    staff: StaffSession,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<crate::exports::FormatQuery>,
) -> Result<Response, SignedOutOr> {
    let file = async {
        let format = q.format()?;
        let table = exports::feedback(&app.core, &staff.org, &id).await?;
        crate::exports::download("意见建议及采纳情况", format, table)
    };
    Ok(file.await.map_err(PageError::from)?)
}

/// What the answer form's submit button asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AnswerAction {
    /// 统一答复 the ticked items.
    Group,
    /// 公开采纳情况.
    Publish,
    /// 保存草稿 (the default).
    Save,
}

impl AnswerAction {
    fn of(raw: Option<&str>) -> Self {
        match raw {
            Some("group") => AnswerAction::Group,
            Some("publish") => AnswerAction::Publish,
            _ => AnswerAction::Save,
        }
    }
}
