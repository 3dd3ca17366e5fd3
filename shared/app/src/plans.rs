//! The plan's lifecycle: submitted by its implementer, revised, filed or returned by the
//! office of its level, announced, cancelled (the registrants told), its feedback response
//! published; and reading plans: one in full, or the year's list of a caller's scope.

use std::collections::BTreeSet;

use openday_rules::WireEnum;
use openday_rules::announcement::Announcement;
use openday_rules::feedback::{FeedbackResponse, ResponseItemDraft};
use openday_rules::lifecycle::{Action, Actor, PlanStatus, transition};
use openday_rules::org::{OrgKind, Organisation, Role};
use openday_rules::plan::{PlanDraft, check_submission};
use openday_rules::staff::StaffRole;
use openday_rules::sweep::MailKind;
use openday_rules::text::NumberLike;
use openday_store::keys;
use openday_store::records::{PlanChange, PlanRecord, RegistrationStatus};

use crate::access::{desk_scope, plan_and_owner, status_today, version_from, viewer_role};
use crate::actor::Actor as Person;
use crate::audit;
use crate::commands::{AnnouncementBody, CancelBody, RespondBody, ReviewBody};
use crate::error::AppError;
use crate::services::{Services, Store};
use crate::sheets::{self, Changed};
use crate::views::{PlanDetail, PlanList, PlanSummary};
use crate::years::{named_year, year_or_this};

/// An office's decision on a submitted plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// 备案
    File,
    /// 退回修改
    Return,
}

impl Decision {
    /// `file` or `return`, as a body or a form sends it.
    pub fn parse(raw: Option<&str>) -> Result<Self, AppError> {
        match raw.map(str::trim) {
            Some("file") => Ok(Decision::File),
            Some("return") => Ok(Decision::Return),
            _ => Err(AppError::invalid(
                "decision",
                "审核结论应为 file（备案）或 return（退回修改）",
            )),
        }
    }

    fn action(self) -> Action {
        match self {
            Decision::File => Action::File,
            Decision::Return => Action::Return,
        }
    }
}

/// The year's plans a caller sees, optionally of one status.
#[derive(Debug, Default, serde::Deserialize)]
pub struct ListQuery {
    pub year: Option<NumberLike>,
    pub status: Option<String>,
    /// Where the list goes on: the `next` of the previous page.
    pub cursor: Option<String>,
    /// Plans a page (default 100, at most 500).
    pub limit: Option<NumberLike>,
}

/// A new plan, checked against every rule, submitted to the office of its level.
pub async fn submit<S: Store>(
    app: &Services<S>,
    org: &Person,
    draft: &PlanDraft,
) -> Result<PlanRecord, AppError> {
    let result = async {
        org.require(StaffRole::Clerk)?;
        let programme = app
            .programme_for(org, named_year(app, draft.year.as_ref()))
            .await?;
        let plan = check_submission(draft, org, &programme.programme)?;
        let record = app
            .store
            .create_plan_by(org, Some(org.email()), &plan, programme.version, app.now())
            .await?;
        sheets::note(app, &record, Changed::Plan).await;
        Ok(record)
    }
    .await;
    let object = result
        .as_ref()
        .map(|r| format!("plan:{}", r.id))
        .unwrap_or_default();
    audit::record(
        app,
        org,
        "plan.submit",
        &object,
        &audit::outcome(&result),
        "",
    )
    .await;
    let record = result?;
    tracing::info!(plan = %record.id, org = %org.id, "plan submitted");
    after_change(app, &record, Action::Revise, None).await;
    Ok(record)
}

/// A submitted or returned plan, revised from `version` and submitted again.
pub async fn revise<S: Store>(
    app: &Services<S>,
    org: &Person,
    id: &str,
    version: Option<&NumberLike>,
    draft: &PlanDraft,
) -> Result<PlanRecord, AppError> {
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

/// Applies `action` by `staff` to the plan, as the state machine allows.
async fn act<S: Store>(
    app: &Services<S>,
    staff: &Person,
    id: &str,
    action: Action,
    version: Option<&NumberLike>,
    build: impl FnOnce(
        &PlanRecord,
        &Organisation,
        &openday_rules::Programme,
        PlanChange,
    ) -> Result<PlanChange, AppError>,
) -> Result<PlanRecord, AppError> {
    let result = act_inner(app, staff, id, action, version, build).await;
    audit::record(
        app,
        staff,
        &match action {
            Action::File | Action::Return => "plan.review".to_owned(),
            _ => format!("plan.{}", action.wire()),
        },
        &format!("plan:{id}"),
        &audit::outcome(&result),
        match action {
            Action::File => "file",
            Action::Return => "return",
            _ => "",
        },
    )
    .await;
    let (record, comment) = result?;
    // The figures and open days kept in this process follow the change at once.
    app.kept.forget_all();
    tracing::info!(plan = %id, action = %action, to = %record.status, "plan changed");
    after_change(app, &record, action, comment.as_deref()).await;
    Ok(record)
}

async fn act_inner<S: Store>(
    app: &Services<S>,
    staff: &Person,
    id: &str,
    action: Action,
    version: Option<&NumberLike>,
    build: impl FnOnce(
        &PlanRecord,
        &Organisation,
        &openday_rules::Programme,
        PlanChange,
    ) -> Result<PlanChange, AppError>,
) -> Result<(PlanRecord, Option<String>), AppError> {
    let (plan, owner) = plan_and_owner(app, id).await?;
    let role = viewer_role(staff, &owner).or_else(|e| match action {
        // An office of another jurisdiction is told it is the wrong reviewer.
        Action::File | Action::Return if staff.kind == OrgKind::Office => Ok(Role::Unrelated),
        _ => Err(e),
    })?;
    let to = transition(status_today(app, &plan), Actor::Org(role), action)?;
    // The person's role, after the jurisdiction and the state machine have spoken (an
    // agency is told it is not the reviewer, not that it lacks a role it cannot hold).
    staff.require(match action {
        Action::File | Action::Return => StaffRole::Reviewer,
        _ => StaffRole::Clerk,
    })?;
    let expected = version_from(version)?;
    // The version the plan was checked against (no read for the default; stored versions
    // are cached by the store).
    let programme = app.programme_of(&plan).await?;
    let mut change = PlanChange::new(action, to, Some(staff.id.clone()), app.now());
    change.by_person = Some(staff.email().to_owned());
    let change = build(&plan, &owner, &programme, change)?;
    let comment = change.comment.clone();
    let record = app.store.change_plan(id, expected, change).await?;
    sheets::note(app, &record, Changed::Plan).await;
    Ok((record, comment))
}

/// What follows a change, best effort (the change itself is stored): the sweeps' schedule
/// and resolved findings, and workflow mail. Failures are logged; queued mail is retried.
async fn after_change<S: Store>(
    app: &Services<S>,
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

/// 备案 or 退回 by the office of the plan's level.
pub async fn review<S: Store>(
    app: &Services<S>,
    org: &Person,
    id: &str,
    body: ReviewBody,
) -> Result<PlanRecord, AppError> {
    let action = Decision::parse(body.decision.as_deref())?.action();
    let comment = comment_of(body.comment);
    if action == Action::Return && comment.is_none() {
        return Err(AppError::invalid("comment", "退回修改时请填写审核意见"));
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

/// Publishes the announcement of a filed plan.
pub async fn announce<S: Store>(
    app: &Services<S>,
    org: &Person,
    id: &str,
    body: &AnnouncementBody,
) -> Result<PlanRecord, AppError> {
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

/// Cancels a plan before it is held.
pub async fn cancel<S: Store>(
    app: &Services<S>,
    org: &Person,
    id: &str,
    body: CancelBody,
) -> Result<PlanRecord, AppError> {
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
async fn tell_registrants<S: Store>(app: &Services<S>, plan: &PlanRecord) {
    let registrations = match app.store.registrations(&plan.id).await {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(plan = %plan.id, error = %e, "registrants of a cancelled event not told");
            return;
        }
    };
    let text = openday_sms::Text::Cancelled {
        event: plan.plan.name.to_string(),
        dates: openday_rules::calendar::day_span(plan.plan.period.start(), plan.plan.period.end()),
    };
    let mut told = 0;
    for r in registrations
        .iter()
        .filter(|r| r.status != RegistrationStatus::Cancelled)
    {
        let Some(phone) = app.settings.person_key.open_phone(&r.phone_sealed) else {
            continue;
        };
        match app.sms.send(&phone, &text).await {
            Ok(_) => told += 1,
            Err(error) => {
                tracing::warn!(plan = %plan.id, phone = %r.phone_masked, %error, "cancellation not sent")
            }
        }
    }
    tracing::info!(plan = %plan.id, told, "registrants told of the cancellation");
}

/// Publishes the feedback response: the saved draft answers, then those in `body`.
pub async fn publish_response<S: Store>(
    app: &Services<S>,
    org: &Person,
    id: &str,
    mut body: RespondBody,
) -> Result<PlanRecord, AppError> {
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

/// A plan with its history, findings, announcement and seats, and what the caller is to it.
pub async fn detail<S: Store>(
    app: &Services<S>,
    org: &Organisation,
    id: &str,
) -> Result<(PlanDetail, Organisation, Role), AppError> {
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
    let seats = app.store.seats(id).await?;
    let leader_notes = plan.plan.leader_notes();
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
        leader_notes,
        announcement,
        seats: seats.map(Into::into),
    };
    Ok((detail, owner, role))
}

/// The year's plans the caller sees (an office: its jurisdiction and below), by status.
pub async fn list<S: Store>(
    app: &Services<S>,
    org: &Organisation,
    q: &ListQuery,
) -> Result<PlanList, AppError> {
    let year = year_or_this(app, q.year.as_ref())?;
    let status = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(raw) => Some(PlanStatus::parse("status", raw)?),
    };
    let (after, limit) = crate::paging::page_of(q.cursor.as_deref(), q.limit.as_ref())?;
    let scope = desk_scope(org);
    let page = app
        .store
        .plans_page(year, &scope, after.as_ref(), limit)
        .await?;
    // The status is today's (it moves with the calendar), so it is filtered here: a page
    // may hold fewer plans than asked, and `next` says whether more follow.
    let plans = page
        .items
        .iter()
        .map(|p| PlanSummary::of(p, status_today(app, p)))
        .filter(|p| status.is_none_or(|s| p.status == s))
        .collect();
    Ok(PlanList {
        year,
        plans,
        next: page.next.map(|c| c.encode()),
    })
}
