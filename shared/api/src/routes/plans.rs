//! The agency's and the office's workflow: submit, revise, review, announce, recommend,
//! read feedback, publish the feedback response.

use std::collections::{BTreeMap, BTreeSet};

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use openday_rules::announcement::Announcement;
use openday_rules::feedback::{
    FeedbackCategory, FeedbackResponse, ResponseItem, ResponseItemDraft,
};
use openday_rules::lifecycle::{Action, Actor, PlanStatus, transition};
use openday_rules::org::{OrgKind, Role};
use openday_rules::plan::{Channel, PlanDraft, check_submission};
use openday_rules::registration::{Registrant, RegistrantDraft};
use openday_rules::resident_id::ResidentId;
use openday_rules::sweep::MailKind;
use openday_rules::text::{NumberLike, ticked};
use openday_rules::{Code, Violation, Violations, WireEnum};
use openday_store::keys;
use openday_store::records::{PlanChange, PlanRecord, PlanScope};
use serde::Deserialize;

use super::bodies::{
    AnnouncementBody, AnswersBody, CancelBody, CheckInBody, RespondBody, ReviewBody, Revision,
    SearchBody,
};
use super::{
    Routes, implementer_plan, method, plan_and_owner, status_today, version_from, viewer_role,
};
use crate::app::{App, Store};
use crate::auth::Staff;
use crate::error::ApiError;
use crate::payload::{Payload, QueryOf};
use crate::views::{
    AnswersDraft, AnswersSaved, FeedbackList, PlanDetail, PlanList, PlanSummary, RegistrationView,
    ResponsePublished,
};

pub fn routes<S: Store>() -> Routes<S> {
    Routes::new()
        .route(
            Method::POST,
            "/api/plans",
            method(&Method::POST, submit::<S>),
        )
        .route(Method::GET, "/api/plans", method(&Method::GET, list::<S>))
        .route(
            Method::PUT,
            "/api/plans/{id}",
            method(&Method::PUT, revise::<S>),
        )
        .route(
            Method::GET,
            "/api/plans/{id}",
            method(&Method::GET, show::<S>),
        )
        .route(
            Method::POST,
            "/api/plans/{id}/review",
            method(&Method::POST, review::<S>),
        )
        .route(
            Method::POST,
            "/api/plans/{id}/announcement",
            method(&Method::POST, announce::<S>),
        )
        .route(
            Method::POST,
            "/api/plans/{id}/cancel",
            method(&Method::POST, cancel::<S>),
        )
        .route(
            Method::POST,
            "/api/plans/{id}/recommendations",
            method(&Method::POST, recommend::<S>),
        )
        .route(
            Method::POST,
            "/api/plans/{id}/feedback-answers",
            method(&Method::POST, save_answers::<S>),
        )
        .route(
            Method::GET,
            "/api/plans/{id}/feedback-answers",
            method(&Method::GET, answers::<S>),
        )
        .route(
            Method::POST,
            "/api/plans/{id}/registrations/search",
            method(&Method::POST, search_registration::<S>),
        )
        .route(
            Method::POST,
            "/api/plans/{id}/registrations/{code}/cancel",
            method(&Method::POST, cancel_registration::<S>),
        )
        .route(
            Method::GET,
            "/api/plans/{id}/feedback",
            method(&Method::GET, feedback_items::<S>),
        )
        .route(
            Method::POST,
            "/api/plans/{id}/check-ins",
            method(&Method::POST, check_in::<S>),
        )
        .route(
            Method::GET,
            "/api/plans/{id}/check-ins",
            method(&Method::GET, attendance::<S>),
        )
        .route(
            Method::POST,
            "/api/plans/{id}/feedback-response",
            method(&Method::POST, respond::<S>),
        )
        .merge(super::exports::plan_routes())
        .merge(crate::pages::staff::plan_routes())
}

async fn save_answers<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    Path(id): Path<String>,
    Payload(body): Payload<AnswersBody>,
) -> Result<Json<AnswersSaved>, ApiError> {
    Ok(Json(keep_answers(&app, &org, &id, &body).await?))
}

/// Saves draft answers (item by item, a group, or every unanswered item).
pub(crate) async fn keep_answers<S: Store>(
    app: &App<S>,
    org: &openday_rules::org::Organisation,
    id: &str,
    body: &AnswersBody,
) -> Result<AnswersSaved, ApiError> {
    let plan = implementer_plan(app, org, id, "只有实施机关可以答复意见建议").await?;
    if !matches!(
        status_today(app, &plan),
        PlanStatus::Announced | PlanStatus::Held
    ) {
        return Err(Violation::new(Code::InvalidTransition, "当前状态不能答复意见建议").into());
    }
    if body.items.is_empty() && body.feedback_ids.is_empty() && !ticked(&body.unanswered) {
        return Err(Violation::new(
            Code::ValidationFailed,
            "请至少答复一条意见建议（items、feedback_ids 或 unanswered）",
        )
        .at("items")
        .into());
    }
    let feedback = app.store.feedback(id).await?;
    let ids: BTreeSet<String> = feedback.iter().map(|f| f.id.clone()).collect();
    let saved = app.store.answers(id).await?;
    let mut drafts: Vec<(String, ResponseItemDraft)> = body
        .items
        .iter()
        .enumerate()
        .map(|(i, d)| (format!("items[{i}]"), d.clone()))
        .collect();
    let group = |feedback_id: &str| ResponseItemDraft {
        feedback_id: Some(feedback_id.to_owned()),
        adoption: body.adoption.clone(),
        reply: body.reply.clone(),
    };
    for (i, f) in body.feedback_ids.iter().enumerate() {
        drafts.push((format!("feedback_ids[{i}]"), group(f)));
    }
    if ticked(&body.unanswered) {
        let category = match body.category.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => Some(FeedbackCategory::parse("category", raw)?),
        };
        let done: BTreeSet<&str> = saved.iter().map(|a| a.feedback_id.as_str()).collect();
        for f in feedback
            .iter()
            .filter(|f| !done.contains(f.id.as_str()))
            .filter(|f| category.is_none_or(|c| f.feedback.category == c))
        {
            drafts.push(("unanswered".into(), group(&f.id)));
        }
    }
    let mut vs = Violations::new();
    // The last answer given to an item wins.
    let mut answers: BTreeMap<String, ResponseItem> = BTreeMap::new();
    for (field, draft) in &drafts {
        if let Some(a) = vs.take_all(ResponseItem::parse(field, draft, &ids)) {
            answers.insert(a.feedback_id.clone(), a);
        }
    }
    if !vs.is_empty() {
        return Err(vs.into());
    }
    let answers: Vec<ResponseItem> = answers.into_values().collect();
    app.store.save_answers(id, &answers).await?;
    let mut answered: BTreeSet<String> = saved.into_iter().map(|a| a.feedback_id).collect();
    answered.extend(answers.iter().map(|a| a.feedback_id.clone()));
    Ok(AnswersSaved {
        plan_id: id.to_owned(),
        saved: answers.len(),
        answered: answered.len(),
        total: ids.len(),
        unanswered: ids.len() - answered.len(),
    })
}

/// The draft answers saved so far, with how many items are still unanswered.
async fn answers<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    Path(id): Path<String>,
) -> Result<Json<AnswersDraft>, ApiError> {
    let (_, owner) = plan_and_owner(&app, &id).await?;
    viewer_role(&org, &owner)?;
    let total = app.store.feedback(&id).await?.len();
    let answers = app.store.answers(&id).await?;
    Ok(Json(AnswersDraft {
        plan_id: id,
        answered: answers.len(),
        total,
        unanswered: total.saturating_sub(answers.len()),
        answers,
    }))
}

/// The agency finds the registration of the ID card in front of it (through the keyed
/// hash: the number is never stored), e.g. when a stranger registered that ID first.
async fn search_registration<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    Path(id): Path<String>,
    Payload(body): Payload<SearchBody>,
) -> Result<Json<RegistrationView>, ApiError> {
    let plan = implementer_plan(&app, &org, &id, "只有实施机关可以查找报名人员").await?;
    let resident = ResidentId::parse("id_number", body.id_number.as_deref().unwrap_or(""))?;
    let record = app
        .store
        .registration_of_person(&plan.id, &app.config.person_key.hash(&resident))
        .await?
        .ok_or(ApiError::NotFound("该身份证号码没有报名本次活动"))?;
    Ok(Json(RegistrationView::from(&record)))
}

/// The agency cancels a registration of its event (after checking the person's ID card);
/// a waitlisted registration moves up.
async fn cancel_registration<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    Path((id, code)): Path<(String, String)>,
) -> Result<Json<RegistrationView>, ApiError> {
    const GONE: ApiError = ApiError::NotFound("报名记录不存在");
    let plan = implementer_plan(&app, &org, &id, "只有实施机关可以取消报名").await?;
    let code = openday_store::personal::parse_registration_code(&code).ok_or(GONE)?;
    let record = app.store.registration(&code).await?.ok_or(GONE)?;
    if record.plan_id != plan.id {
        return Err(GONE);
    }
    let out = app.store.cancel(&code, app.now()).await?;
    tracing::info!(plan = %plan.id, by = %org.id, promoted = out.promoted.is_some(), id = %record.id_masked, "registration cancelled by the organiser");
    let record = app.store.registration(&code).await?.ok_or(GONE)?;
    Ok(Json(RegistrationView::from(&record)))
}

pub fn router<S: Store>(app: App<S>) -> axum::Router {
    routes::<S>().into_router(app)
}

/// The summary of a plan just changed, in its stored status.
fn summary(plan: &PlanRecord) -> PlanSummary {
    PlanSummary::of(plan, plan.status)
}

async fn submit<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    Payload(draft): Payload<PlanDraft>,
) -> Result<Response, ApiError> {
    let record = submit_plan(&app, &org, &draft).await?;
    Ok((StatusCode::CREATED, Json(summary(&record))).into_response())
}

/// A new plan, checked against every rule, submitted to the office of its level.
pub(crate) async fn submit_plan<S: Store>(
    app: &App<S>,
    org: &openday_rules::org::Organisation,
    draft: &PlanDraft,
) -> Result<PlanRecord, ApiError> {
    let programme = app
        .programme_for(org, named_year(app, draft.year.as_ref()))
        .await?;
    let plan = check_submission(draft, org, &programme.programme)?;
    let record = app
        .store
        .create_plan(org, &plan, programme.version, app.now())
        .await?;
    tracing::info!(plan = %record.id, org = %org.id, "plan submitted");
    after_change(app, &record, Action::Revise, None).await;
    Ok(record)
}

/// The year a body names, whose programme judges it; this year when it names none or
/// nonsense (the rules then refuse the body at its `year`).
pub(crate) fn named_year<S>(app: &App<S>, raw: Option<&NumberLike>) -> i32 {
    year_or_this(app, raw).unwrap_or_else(|_| chrono::Datelike::year(&app.today()))
}

/// Applies `action` by `staff` to the plan, as the state machine allows.
pub(crate) async fn act<S: Store>(
    app: &App<S>,
    staff: &openday_rules::org::Organisation,
    id: &str,
    action: Action,
    version: Option<&NumberLike>,
    build: impl FnOnce(
        &PlanRecord,
        &openday_rules::org::Organisation,
        &openday_rules::Programme,
        PlanChange,
    ) -> Result<PlanChange, ApiError>,
) -> Result<PlanRecord, ApiError> {
    let (plan, owner) = plan_and_owner(app, id).await?;
    let role = viewer_role(staff, &owner).or_else(|e| match action {
        // An office of another jurisdiction is told it is the wrong reviewer.
        Action::File | Action::Return if staff.kind == OrgKind::Office => Ok(Role::Unrelated),
        _ => Err(e),
    })?;
    let to = transition(status_today(app, &plan), Actor::Org(role), action)?;
    let expected = version_from(version)?;
    // The version the plan was checked against (no read for the default; stored versions
    // are cached by the store).
    let programme = app.programme_of(&plan).await?;
    let change = build(
        &plan,
        &owner,
        &programme,
        PlanChange::new(action, to, Some(staff.id.clone()), app.now()),
    )?;
    let comment = change.comment.clone();
    let record = app.store.change_plan(id, expected, change).await?;
    tracing::info!(plan = %id, action = %action, to = %to, "plan changed");
    after_change(app, &record, action, comment.as_deref()).await;
    Ok(record)
}

/// What follows a change, best effort (the change itself is stored): the sweeps' schedule
/// and resolved findings, and workflow mail. Failures are logged; queued mail is retried.
async fn after_change<S: Store>(
    app: &App<S>,
    record: &PlanRecord,
    action: Action,
    comment: Option<&str>,
) {
    let sweeper = app.sweeper();
    if let Err(e) = sweeper.after_change(record, app.today()).await {
        tracing::warn!(plan = %record.id, error = %e, "could not reschedule the sweeps");
    }
    let mail = match action {
        Action::Revise => Some(MailKind::PlanSubmitted),
        Action::File => Some(MailKind::PlanFiled),
        Action::Return => Some(MailKind::PlanReturned),
        _ => None,
    };
    if let Some(kind) = mail {
        match sweeper
            .workflow_mail(record, kind, comment, app.now())
            .await
        {
            Ok(report) => {
                for (key, error) in report.failed {
                    tracing::warn!(%key, %error, "workflow mail queued, not yet sent");
                }
            }
            Err(e) => tracing::warn!(plan = %record.id, error = %e, "workflow mail not queued"),
        }
    }
}

async fn revise<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    Path(id): Path<String>,
    Payload(body): Payload<Revision>,
) -> Result<Json<PlanSummary>, ApiError> {
    let record = revise_plan(&app, &org, &id, body.version.as_ref(), &body.plan).await?;
    Ok(Json(summary(&record)))
}

/// A submitted or returned plan, revised from `version` and submitted again.
pub(crate) async fn revise_plan<S: Store>(
    app: &App<S>,
    org: &openday_rules::org::Organisation,
    id: &str,
    version: Option<&NumberLike>,
    draft: &PlanDraft,
) -> Result<PlanRecord, ApiError> {
    // A revision is checked against the programme in force now, and records its version.
    let programme = app
        .programme_for(org, named_year(app, draft.year.as_ref()))
        .await?;
    act(
        app,
        org,
        id,
        Action::Revise,
        version,
        |_, owner, _, mut change| {
            let plan = check_submission(draft, owner, &programme.programme)?;
            change.plan = Some((plan, programme.version));
            Ok(change)
        },
    )
    .await
}

async fn review<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    Path(id): Path<String>,
    Payload(body): Payload<ReviewBody>,
) -> Result<Json<PlanSummary>, ApiError> {
    Ok(Json(summary(&review_plan(&app, &org, &id, body).await?)))
}

/// 备案 or 退回 by the office of the plan's level.
pub(crate) async fn review_plan<S: Store>(
    app: &App<S>,
    org: &openday_rules::org::Organisation,
    id: &str,
    body: ReviewBody,
) -> Result<PlanRecord, ApiError> {
    let action = match body.decision.as_deref().map(str::trim) {
        Some("file") => Action::File,
        Some("return") => Action::Return,
        _ => {
            return Err(Violation::new(
                Code::ValidationFailed,
                "审核结论应为 file（备案）或 return（退回修改）",
            )
            .at("decision")
            .into());
        }
    };
    let comment = comment_of(body.comment);
    if action == Action::Return && comment.is_none() {
        return Err(
            Violation::new(Code::ValidationFailed, "退回修改时请填写审核意见")
                .at("comment")
                .into(),
        );
    }
    act(
        app,
        org,
        id,
        action,
        body.version.as_ref(),
        |_, _, _, mut change| {
            change.comment = comment;
            Ok(change)
        },
    )
    .await
}

/// A comment for the plan's history: trimmed, at most 2,000 characters, none when blank.
fn comment_of(raw: Option<String>) -> Option<String> {
    raw.map(|c| c.trim().chars().take(2000).collect::<String>())
        .filter(|c| !c.is_empty())
}

async fn announce<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    Path(id): Path<String>,
    Payload(body): Payload<AnnouncementBody>,
) -> Result<Response, ApiError> {
    let record = announce_plan(&app, &org, &id, &body).await?;
    Ok((StatusCode::CREATED, Json(summary(&record))).into_response())
}

/// Publishes the announcement of a filed plan.
pub(crate) async fn announce_plan<S: Store>(
    app: &App<S>,
    org: &openday_rules::org::Organisation,
    id: &str,
    body: &AnnouncementBody,
) -> Result<PlanRecord, ApiError> {
    let today = app.today();
    act(
        app,
        org,
        id,
        Action::Announce,
        body.version.as_ref(),
        |plan, owner, programme, mut change| {
            change.announcement = Some(Announcement::compose(
                &plan.plan,
                owner,
                &body.announcement,
                programme,
                today,
            )?);
            Ok(change)
        },
    )
    .await
}

async fn cancel<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    Path(id): Path<String>,
    Payload(body): Payload<CancelBody>,
) -> Result<Json<PlanSummary>, ApiError> {
    Ok(Json(summary(&cancel_plan(&app, &org, &id, body).await?)))
}

/// Cancels a plan before it is held.
pub(crate) async fn cancel_plan<S: Store>(
    app: &App<S>,
    org: &openday_rules::org::Organisation,
    id: &str,
    body: CancelBody,
) -> Result<PlanRecord, ApiError> {
    let record = act(
        app,
        org,
        id,
        Action::Cancel,
        body.version.as_ref(),
        |_, _, _, mut change| {
            change.comment = comment_of(body.comment);
            Ok(change)
        },
    )
    .await?;
    tell_registrants(app, &record).await;
    Ok(record)
}

/// Best effort: every registrant still holding a place is told by text message that the
/// event is cancelled. A failure is logged (with the masked phone) and the rest are told.
async fn tell_registrants<S: Store>(app: &App<S>, plan: &PlanRecord) {
    let registrations = match app.store.registrations(&plan.id).await {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(plan = %plan.id, error = %e, "registrants of a cancelled event not told");
            return;
        }
    };
    let text = format!(
        "【政府开放日】您报名的“{}”（{}）已取消，感谢您的关注。",
        plan.plan.name,
        crate::pages::public::day_span(plan.plan.period.start(), plan.plan.period.end())
    );
    let mut told = 0;
    for r in registrations
        .iter()
        .filter(|r| r.status != openday_store::records::RegistrationStatus::Cancelled)
    {
        let Some(phone) = app.config.person_key.open_phone(&r.phone_sealed) else {
            continue;
        };
        match app.sms.send(&phone, &text).await {
            Ok(()) => told += 1,
            Err(error) => {
                tracing::warn!(plan = %plan.id, phone = %r.phone_masked, %error, "cancellation not sent")
            }
        }
    }
    tracing::info!(plan = %plan.id, told, "registrants told of the cancellation");
}

async fn respond<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    Path(id): Path<String>,
    Payload(body): Payload<RespondBody>,
) -> Result<Response, ApiError> {
    let record = publish_response(&app, &org, &id, body).await?;
    let response = app.store.response(&id).await?;
    Ok((
        StatusCode::CREATED,
        Json(ResponsePublished {
            plan: summary(&record),
            response,
        }),
    )
        .into_response())
}

/// Publishes the feedback response: the saved draft answers, then those in `body`.
pub(crate) async fn publish_response<S: Store>(
    app: &App<S>,
    org: &openday_rules::org::Organisation,
    id: &str,
    mut body: RespondBody,
) -> Result<PlanRecord, ApiError> {
    // Answers saved in parts come first; answers in this request replace them.
    let given: BTreeSet<String> = body
        .response
        .items
        .iter()
        .filter_map(|i| i.feedback_id.as_deref().map(|f| f.trim().to_owned()))
        .collect();
    let mut items: Vec<ResponseItemDraft> = app
        .store
        .answers(id)
        .await?
        .into_iter()
        .filter(|a| !given.contains(&a.feedback_id))
        .map(|a| ResponseItemDraft {
            feedback_id: Some(a.feedback_id),
            adoption: Some(a.adoption.wire().to_owned()),
            reply: a.reply.map(|r| r.to_string()),
        })
        .collect();
    items.append(&mut body.response.items);
    body.response.items = items;
    let ids: BTreeSet<String> = app
        .store
        .feedback(id)
        .await?
        .into_iter()
        .map(|f| f.id)
        .collect();
    let today = app.today();
    act(
        app,
        org,
        id,
        Action::Respond,
        body.version.as_ref(),
        |plan, _, programme, mut change| {
            change.response = Some(FeedbackResponse::compose(
                &body.response,
                &ids,
                &plan.plan.period,
                programme,
                today,
            )?);
            Ok(change)
        },
    )
    .await
}

async fn show<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    Path(id): Path<String>,
) -> Result<Json<PlanDetail>, ApiError> {
    Ok(Json(plan_detail(&app, &org, &id).await?.0))
}

/// A plan with its history, findings, announcement and seats, and what the caller is to it.
pub(crate) async fn plan_detail<S: Store>(
    app: &App<S>,
    org: &openday_rules::org::Organisation,
    id: &str,
) -> Result<(PlanDetail, openday_rules::org::Organisation, Role), ApiError> {
    let (plan, owner) = plan_and_owner(app, id).await?;
    let role = viewer_role(org, &owner)?;
    let history = app.store.history(id).await?;
    let prefix = keys::owned(&plan.org_path, plan.org_id.as_str(), "");
    let findings: Vec<_> = app
        .store
        .findings(plan.plan.year(), &prefix)
        .await?
        .into_iter()
        .filter(|f| f.plan_id.as_deref() == Some(id))
        .collect();
    let announcement = app.store.announcement(id).await?;
    let seats = openday_store::ports::RegistrationStore::seats(&app.store, id).await?;
    let detail = PlanDetail {
        status: status_today(app, &plan),
        id: plan.id,
        version: plan.version,
        org_id: plan.org_id,
        programme_version: plan.programme_version,
        plan: plan.plan,
        submitted_at: plan.submitted_at,
        announced_on: plan.announced_on,
        responded_on: plan.responded_on,
        history,
        findings,
        announcement,
        seats: seats.map(Into::into),
    };
    Ok((detail, owner, role))
}

#[derive(Deserialize, Default)]
pub(crate) struct ListQuery {
    pub year: Option<NumberLike>,
    pub status: Option<String>,
}

pub(crate) fn year_or_this<S>(app: &App<S>, raw: Option<&NumberLike>) -> Result<i32, ApiError> {
    match raw {
        None => Ok(chrono::Datelike::year(&app.today())),
        Some(n) => n
            .as_integer()
            .filter(|y| (2000..=2100).contains(y))
            .map(|y| y as i32)
            .ok_or_else(|| {
                Violation::new(Code::ValidationFailed, "年度应为2000至2100之间的年份")
                    .at("year")
                    .into()
            }),
    }
}

async fn list<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    QueryOf(q): QueryOf<ListQuery>,
) -> Result<Json<PlanList>, ApiError> {
    Ok(Json(plan_list(&app, &org, &q).await?))
}

/// The year's plans the caller sees (an office: its jurisdiction and below), by status.
pub(crate) async fn plan_list<S: Store>(
    app: &App<S>,
    org: &openday_rules::org::Organisation,
    q: &ListQuery,
) -> Result<PlanList, ApiError> {
    let year = year_or_this(app, q.year.as_ref())?;
    let status = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(raw) => Some(<PlanStatus as openday_rules::WireEnum>::parse(
            "status", raw,
        )?),
    };
    let path = keys::path_of(org);
    let scope = if org.kind == OrgKind::Office {
        PlanScope::Subtree { path }
    } else {
        PlanScope::Org {
            path,
            org_id: org.id.clone(),
        }
    };
    let plans = app
        .store
        .plans(year, &scope)
        .await?
        .iter()
        .map(|p| PlanSummary::of(p, status_today(app, p)))
        .filter(|p| status.is_none_or(|s| p.status == s))
        .collect();
    Ok(PlanList { year, plans })
}

async fn recommend<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    Path(id): Path<String>,
    Payload(draft): Payload<RegistrantDraft>,
) -> Result<Response, ApiError> {
    let (status, out) = recommend_person(&app, &org, &id, &draft).await?;
    Ok((status, Json(out)).into_response())
}

/// An offline recommendation: takes a seat (or a waitlist place) like a registration.
pub(crate) async fn recommend_person<S: Store>(
    app: &App<S>,
    org: &openday_rules::org::Organisation,
    id: &str,
    draft: &RegistrantDraft,
) -> Result<(StatusCode, crate::views::RegistrationReceipt), ApiError> {
    let plan = implementer_plan(app, org, id, "只有实施机关可以录入线下推荐人员").await?;
    let announcement = app
        .store
        .announcement(&plan.id)
        .await?
        .ok_or(ApiError::NotFound("活动公告不存在"))?;
    super::public::take_registration(
        app,
        &plan,
        &announcement,
        Registrant::check(
            draft,
            plan.plan.period.start(),
            &app.programme_of(&plan).await?,
        )?,
        Channel::OfflineRecommendation,
        super::public::Taker::Agency,
    )
    .await
}

async fn feedback_items<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    Path(id): Path<String>,
) -> Result<Json<FeedbackList>, ApiError> {
    let (_, owner) = plan_and_owner(&app, &id).await?;
    viewer_role(&org, &owner)?;
    let items = app.store.feedback(&id).await?;
    Ok(Json(FeedbackList {
        plan_id: id,
        feedback: items,
    }))
}

async fn check_in<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    Path(id): Path<String>,
    Payload(body): Payload<CheckInBody>,
) -> Result<Json<crate::views::CheckedIn>, ApiError> {
    Ok(Json(check_in_person(&app, &org, &id, &body).await?))
}

/// Checks a person in at the door by the registration code, or by the ID number shown
/// (matched through the keyed hash). Once: a second scan is told when (409); waitlisted,
/// cancelled, another event's or an unknown code are refused with the reason.
pub(crate) async fn check_in_person<S: Store>(
    app: &App<S>,
    org: &openday_rules::org::Organisation,
    id: &str,
    body: &CheckInBody,
) -> Result<crate::views::CheckedIn, ApiError> {
    use openday_store::records::{CheckIn, RegistrationStatus};
    let plan = implementer_plan(app, org, id, "只有实施机关可以签到").await?;
    openday_rules::registration::check_in_open(&plan.plan.period, app.today())?;
    let typed = body
        .code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    let code = match (typed, body.id_number.as_deref().map(str::trim)) {
        (Some(raw), _) => openday_store::personal::parse_registration_code(raw)
            .ok_or(ApiError::NotFound("报名编号不存在，请核对后重新输入"))?,
        (None, Some(raw)) if !raw.is_empty() => {
            let resident = ResidentId::parse("id_number", raw)?;
            app.store
                .registration_of_person(id, &app.config.person_key.hash(&resident))
                .await?
                .ok_or(ApiError::NotFound("该身份证号码没有报名本次活动"))?
                .code
        }
        _ => {
            return Err(Violation::new(
                Code::ValidationFailed,
                "请输入或扫描报名编号，或输入身份证号码",
            )
            .at("code")
            .into());
        }
    };
    let refused =
        |message: String| ApiError::from(Violation::new(Code::NotAdmitted, message).at("code"));
    let record = match app.store.check_in(id, &code, app.now()).await? {
        CheckIn::Admitted(r) => r,
        CheckIn::Already(r) => {
            let when = r
                .attended_at
                .map(crate::pages::public::when)
                .unwrap_or_default();
            return Err(ApiError::Conflict {
                code: Code::AlreadyCheckedIn.wire(),
                message: format!("{}（{}）已于{when}签到，请勿重复入场", r.name, r.code),
                field: Some("code"),
            });
        }
        CheckIn::NotConfirmed(r) => {
            return Err(refused(match r.status {
                RegistrationStatus::Waitlisted => {
                    format!("{}（{}）为候补，未获得名额，不能入场", r.name, r.code)
                }
                _ => format!("{}（{}）的报名已取消，不能入场", r.name, r.code),
            }));
        }
        CheckIn::OtherEvent => {
            return Err(refused("该报名编号属于其他活动，不能入场".into()));
        }
        CheckIn::Unknown => return Err(ApiError::NotFound("报名编号不存在，请核对后重新输入")),
    };
    let seats = app.store.seats(id).await?;
    tracing::info!(plan = %id, code = %record.code, "checked in");
    Ok(crate::views::CheckedIn {
        attended_at: record.attended_at.unwrap_or_else(|| app.now()),
        code: record.code,
        name: record.name,
        status: record.status,
        confirmed: seats.map_or(0, |s| s.confirmed),
        attended: app.store.attendance(id).await?,
    })
}

async fn attendance<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    Path(id): Path<String>,
) -> Result<Json<crate::views::Attendance>, ApiError> {
    let (_, owner) = plan_and_owner(&app, &id).await?;
    viewer_role(&org, &owner)?;
    Ok(Json(attendance_of(&app, &id).await?))
}

/// Confirmed and checked-in counts of an event.
pub(crate) async fn attendance_of<S: Store>(
    app: &App<S>,
    id: &str,
) -> Result<crate::views::Attendance, ApiError> {
    Ok(crate::views::Attendance {
        plan_id: id.to_owned(),
        confirmed: app.store.seats(id).await?.map_or(0, |s| s.confirmed),
        attended: app.store.attendance(id).await?,
    })
}
