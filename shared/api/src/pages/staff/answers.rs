//! Answering the feedback of an event: the items with their saved draft answers, answered
//! one by one or as a group, re-categorised, and the response published.

use std::collections::{BTreeMap, BTreeSet};

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use openday_rules::WireEnum;
use openday_rules::feedback::{Adoption, FeedbackCategory, ResponseDraft, ResponseItemDraft};
use openday_rules::text::NumberLike;

use super::plan_page::PlanView;
use super::plan_page::own_plan;
use super::{Me, SignedOutOr, StaffPost, StaffSession, staff_page};
use crate::app::{App, Store};
use crate::pages::Choice;
use crate::pages::{FieldError, FormState, PageError, see_other, take_notice, with_notice};
use openday_app::AppError;
use openday_app::commands::{AnswersBody, RespondBody};
use openday_app::{feedback, plans};
use openday_rules::calendar::when;

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

pub(super) async fn feedback<S: Store>(
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

pub(super) async fn answer<S: Store>(
    State(app): State<App<S>>,
    Path(id): Path<String>,
    post: StaffPost<BTreeMap<String, String>>,
) -> Result<Response, SignedOutOr> {
    let StaffPost { staff, values, .. } = post;
    // The use case refuses anyone but the implementer, with the same words as the page.
    let action = AnswerAction::of(values.get("action").map(String::as_str));
    let (items, _) = feedback::to_answer(&app.core, &staff.org, &id)
        .await
        .map_err(PageError::from)?;
    let ids: Vec<String> = items.iter().map(|f| f.id.clone()).collect();
    let (drafts, fields, categories) = typed_answers(&values, &ids);
    let mut state = FormState::with_values(values.clone());
    // Re-categorised items first: the category is the agency's to set. The form sends every
    // item's category; only those that differ are changes.
    let changed: Vec<(String, String)> = categories
        .iter()
        .filter(|(fid, raw)| {
            items
                .iter()
                .find(|f| &f.id == fid)
                .is_none_or(|f| f.feedback.category.wire() != raw.trim())
        })
        .cloned()
        .collect();
    let moved = if changed.is_empty() {
        Ok(0)
    } else {
        feedback::recategorise(&app.core, &staff.org, &id, &changed).await
    };
    match moved {
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
    let outcome = act_on_answers(
        &app,
        &staff,
        &id,
        action,
        &values,
        &ids,
        drafts,
        &categories,
        &mut state,
    )
    .await;
    if let Some(done) = answered(&app, &staff, &id, action, outcome, &fields, &mut state)? {
        return Ok(see_other(done.0, &done.1));
    }
    let status = state.status();
    let page = feedback_page(&app, &staff, &id, state).await?;
    Ok((status, staff.jar, page).into_response())
}

/// What the answer form's action did: `None` when nothing was tried (a refusal is in
/// `state`), otherwise the use case's outcome with the notice for success.
#[allow(clippy::too_many_arguments)]
async fn act_on_answers<S: Store>(
    app: &App<S>,
    staff: &StaffSession,
    id: &str,
    action: AnswerAction,
    values: &BTreeMap<String, String>,
    ids: &[String],
    drafts: Vec<ResponseItemDraft>,
    categories: &[(String, String)],
    state: &mut FormState,
) -> Option<Result<&'static str, AppError>> {
    match action {
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
                    feedback::save_answers(&app.core, &staff.org, id, &body)
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
                    items: drafts,
                },
            };
            Some(
                plans::publish_response(&app.core, &staff.org, id, body)
                    .await
                    .map(|_| "采纳情况已公开，公众可在活动页面查看。"),
            )
        }
        _ if drafts.is_empty() && !categories.is_empty() => Some(Ok("已保存意见类别。")),
        _ => {
            let body = AnswersBody {
                items: drafts,
                ..AnswersBody::default()
            };
            Some(
                feedback::save_answers(&app.core, &staff.org, id, &body)
                    .await
                    .map(|_| "答复草稿已保存。"),
            )
        }
    }
}

/// Where the answer form goes next: the page to see (with its notice) once taken, or
/// `None` with every refusal at its field in `state`.
fn answered<S>(
    app: &App<S>,
    staff: &StaffSession,
    id: &str,
    action: AnswerAction,
    outcome: Option<Result<&'static str, AppError>>,
    fields: &[String],
    state: &mut FormState,
) -> Result<Option<(axum_extra::extract::cookie::PrivateCookieJar, String)>, PageError> {
    match outcome {
        Some(Ok(done)) if state.errors.is_empty() => {
            let to = if action == AnswerAction::Publish {
                format!("/staff/plans/{id}")
            } else {
                format!("/staff/plans/{id}/feedback")
            };
            let jar = with_notice(staff.jar.clone(), app, done);
            return Ok(Some((jar, to)));
        }
        Some(Ok(_)) | None => {}
        Some(Err(AppError::Rules(vs))) => {
            for v in vs.iter() {
                let field = answer_field(v.field.as_deref(), fields).or_else(|| {
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
    Ok(None)
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
