//! Feedback and evaluations: items from the public (phone proved) or entered offline by the
//! implementing agency, re-categorised by the agency, answered in drafts and published as
//! the feedback response; online evaluations, one per phone.

use std::collections::{BTreeMap, BTreeSet};

use openday_rules::feedback::{
    Evaluation, Feedback, FeedbackCategory, FeedbackDraft, FeedbackResponse, FeedbackSource, Rater,
    ResponseItem, ResponseItemDraft, check_evaluation_open, check_feedback_open, check_rater,
};
use openday_rules::lifecycle::PlanStatus;
use openday_rules::org::{Organisation, Role};
use openday_rules::text::ticked;
use openday_rules::{Code, Violation, Violations, WireEnum, verification};
use openday_store::StoreError;
use openday_store::personal::parse_registration_code;
use openday_store::ports::Giver;
use openday_store::records::{FeedbackRecord, PlanRecord, RegistrationStatus};

use crate::access::{implementer_plan, plan_and_owner, status_today, viewer_role, visible_plan};
use crate::actor::Actor as Person;
use crate::audit;
use crate::commands::{AnswersBody, EvaluationBody, PhoneProof};
use crate::error::{AppError, wait_words};
use crate::services::{Services, Store};
use crate::sheets::{self, Changed};
use crate::verification::verified_phone;
use crate::views::{AnswersDraft, AnswersSaved, EvaluationReceipt, FeedbackReceipt};
use openday_rules::staff::StaffRole;

pub(crate) fn held_or_running(status: PlanStatus) -> Result<(), AppError> {
    if matches!(
        status,
        PlanStatus::Announced | PlanStatus::Held | PlanStatus::Responded
    ) {
        Ok(())
    } else {
        Err(Violation::new(Code::FeedbackClosed, "该活动未发布公告，不征集意见建议").into())
    }
}

/// A feedback item: from the public (phone proved) or entered by the implementing agency.
pub async fn give<S: Store>(
    app: &Services<S>,
    staff: Option<&Organisation>,
    id: &str,
    draft: &FeedbackDraft,
    proof: &PhoneProof,
) -> Result<FeedbackReceipt, AppError> {
    let (plan, owner) = plan_and_owner(app, id).await?;
    let source = match staff {
        None => FeedbackSource::Public,
        Some(org) if viewer_role(org, &owner)? == Role::Implementer => FeedbackSource::Agency,
        Some(_) => return Err(AppError::forbidden("只有实施机关可以录入线下意见建议")),
    };
    let status = status_today(app, &plan);
    held_or_running(status)?;
    check_feedback_open(
        &plan.plan.period,
        status == PlanStatus::Responded,
        app.today(),
    )?;
    let feedback = Feedback::parse(draft, source)?;
    let record = match source {
        FeedbackSource::Public => {
            let phone_hash = verified_phone(app, proof).await?;
            app.store
                .add_feedback(id, &feedback, Giver::Phone(&phone_hash), app.now())
                .await
                .map_err(|e| match e {
                    StoreError::Limited { retry_after } => AppError::RateLimited {
                        retry_after,
                        message: Some(format!(
                            "每个手机号码每天对同一活动最多提交{}条意见建议，请{}后再提交",
                            verification::MAX_FEEDBACK_PER_DAY,
                            wait_words(retry_after)
                        )),
                    },
                    e => e.into(),
                })?
        }
        FeedbackSource::Agency => {
            app.store
                .add_feedback(id, &feedback, Giver::Agency, app.now())
                .await?
        }
    };
    sheets::note(app, &plan, Changed::Feedback).await;
    Ok(FeedbackReceipt {
        id: record.id,
        channel: feedback.channel,
        category: feedback.category,
    })
}

/// An online evaluation by a participant of the event (a confirmed registration of this
/// event and phone; once anyone is checked in, only those checked in); one per phone and
/// plan (a second replaces the first).
pub async fn evaluate<S: Store>(
    app: &Services<S>,
    id: &str,
    body: &EvaluationBody,
    proof: &PhoneProof,
) -> Result<EvaluationReceipt, AppError> {
    let (plan, _) = plan_and_owner(app, id).await?;
    held_or_running(status_today(app, &plan))
        .map_err(|_| Violation::new(Code::EvaluationClosed, "该活动未发布公告，不接受测评"))?;
    check_evaluation_open(
        &plan.plan.period,
        &app.programme_of(&plan).await?,
        app.today(),
    )?;
    let mut vs = Violations::new();
    let evaluation = vs.take_all(Evaluation::parse(&body.evaluation));
    let code = body
        .registration_code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    if code.is_none() {
        vs.push(
            Violation::new(
                Code::ValidationFailed,
                "请填写报名编号（报名成功后获得的8位编号）",
            )
            .at("registration_code"),
        );
    }
    let (Some(evaluation), Some(code), true) = (evaluation, code, vs.is_empty()) else {
        return Err(vs.into());
    };
    // Nothing about the registration is said before the phone is proved.
    let phone_hash = verified_phone(app, proof).await?;
    let rater = rater_of(app, id, code, &phone_hash).await?;
    // Whether the event checks people in matters only to someone not checked in.
    let checking_in = matches!(rater, Rater::Confirmed { attended: false })
        && app.store.attendance(id).await? > 0;
    check_rater(rater, checking_in)?;
    // One per phone: a second evaluation by the same phone replaces the first.
    let record = app
        .store
        .add_evaluation(id, &evaluation, &phone_hash, app.now())
        .await?;
    sheets::note(app, &plan, Changed::Ratings).await;
    Ok(EvaluationReceipt {
        id: record.id,
        rating: evaluation.rating,
    })
}

/// What the registration behind `code` makes of the person with `phone_hash` for event
/// `id`: another event's or another phone's registration is no registration at all.
async fn rater_of<S: Store>(
    app: &Services<S>,
    id: &str,
    code: &str,
    phone_hash: &str,
) -> Result<Rater, AppError> {
    let Some(code) = parse_registration_code(code) else {
        return Ok(Rater::Unknown);
    };
    let Some(record) = app.store.registration(&code).await? else {
        return Ok(Rater::Unknown);
    };
    if record.plan_id != id || record.phone_hash != phone_hash {
        return Ok(Rater::Unknown);
    }
    Ok(match record.status {
        RegistrationStatus::Confirmed => Rater::Confirmed {
            attended: record.attended_at.is_some(),
        },
        RegistrationStatus::Waitlisted | RegistrationStatus::Cancelled => Rater::NoSeat,
    })
}

/// Saves draft answers (item by item, a group, or every unanswered item).
pub async fn save_answers<S: Store>(
    app: &Services<S>,
    org: &Person,
    id: &str,
    body: &AnswersBody,
) -> Result<AnswersSaved, AppError> {
    audit::guarded(
        app,
        org,
        StaffRole::Clerk,
        "feedback.answers",
        &format!("plan:{id}"),
        save_answers_inner(app, org, id, body),
    )
    .await
}

async fn save_answers_inner<S: Store>(
    app: &Services<S>,
    org: &Organisation,
    id: &str,
    body: &AnswersBody,
) -> Result<AnswersSaved, AppError> {
    let plan = implementer_plan(app, org, id, "只有实施机关可以答复意见建议").await?;
    let recategorised: Vec<(String, String)> = body
        .categories
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    move_items(app, &plan, &recategorised).await?;
    if !matches!(
        status_today(app, &plan),
        PlanStatus::Announced | PlanStatus::Held
    ) {
        return Err(Violation::new(Code::InvalidTransition, "当前状态不能答复意见建议").into());
    }
    if body.items.is_empty()
        && body.feedback_ids.is_empty()
        && !ticked(&body.unanswered)
        && body.categories.is_empty()
    {
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
    sheets::note(app, &plan, Changed::Answers).await;
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
pub async fn answers<S: Store>(
    app: &Services<S>,
    org: &Organisation,
    id: &str,
) -> Result<AnswersDraft, AppError> {
    visible_plan(app, org, id).await?;
    let total = app.store.feedback(id).await?.len();
    let answers = app.store.answers(id).await?;
    Ok(AnswersDraft {
        plan_id: id.to_owned(),
        answered: answers.len(),
        total,
        unanswered: total.saturating_sub(answers.len()),
        answers,
    })
}

/// A page of an event's feedback items by time, for whoever may see the plan.
pub async fn items<S: Store>(
    app: &Services<S>,
    org: &Organisation,
    id: &str,
    page: &crate::views::PageQuery,
) -> Result<crate::views::FeedbackList, AppError> {
    let (after, limit) = crate::paging::page_of(page.cursor.as_deref(), page.limit.as_ref())?;
    visible_plan(app, org, id).await?;
    let page = app.store.feedback_page(id, after.as_ref(), limit).await?;
    Ok(crate::views::FeedbackList {
        plan_id: id.to_owned(),
        feedback: page.items,
        next: page.next.map(|c| c.encode()),
    })
}

/// The feedback and the answers saved so far, for the implementer answering them.
pub async fn to_answer<S: Store>(
    app: &Services<S>,
    org: &Organisation,
    id: &str,
) -> Result<(Vec<FeedbackRecord>, Vec<ResponseItem>), AppError> {
    implementer_plan(app, org, id, "只有实施机关可以答复意见建议").await?;
    Ok((app.store.feedback(id).await?, app.store.answers(id).await?))
}

/// The published response, public.
pub async fn published<S: Store>(
    app: &Services<S>,
    id: &str,
) -> Result<FeedbackResponse, AppError> {
    response_of(app, id)
        .await?
        .ok_or(AppError::NotFound("采纳情况尚未公开"))
}

/// The response, when it has been published.
pub async fn response_of<S: Store>(
    app: &Services<S>,
    id: &str,
) -> Result<Option<FeedbackResponse>, AppError> {
    Ok(app.store.response(id).await?)
}

/// One answered item of a published response, with the item it answers.
pub struct Answered {
    pub item: ResponseItem,
    pub feedback: Option<FeedbackRecord>,
}

/// The published response with each item it answers (the public page).
pub async fn published_with_items<S: Store>(
    app: &Services<S>,
    id: &str,
) -> Result<(FeedbackResponse, Vec<Answered>), AppError> {
    let response = published(app, id).await?;
    let items = app.store.feedback(id).await?;
    let answered = response
        .items
        .iter()
        .map(|item| Answered {
            item: item.clone(),
            feedback: items.iter().find(|f| f.id == item.feedback_id).cloned(),
        })
        .collect();
    Ok((response, answered))
}

/// The implementer puts feedback items in other categories (the category is the agency's
/// to set, whoever gave the item): `changes` of (item id, category as sent). Each problem
/// is reported at `a.{id}.category`; the valid changes are kept either way.
pub async fn recategorise<S: Store>(
    app: &Services<S>,
    org: &Person,
    id: &str,
    changes: &[(String, String)],
) -> Result<usize, AppError> {
    audit::guarded(
        app,
        org,
        StaffRole::Clerk,
        "feedback.categories",
        &format!("plan:{id}"),
        recategorise_inner(app, org, id, changes),
    )
    .await
}

async fn recategorise_inner<S: Store>(
    app: &Services<S>,
    org: &Organisation,
    id: &str,
    changes: &[(String, String)],
) -> Result<usize, AppError> {
    let plan = implementer_plan(app, org, id, "只有实施机关可以调整意见建议的类别").await?;
    move_items(app, &plan, changes).await
}

/// [`recategorise`] once the caller is known to implement `plan`; no read at all when
/// nothing is to change.
async fn move_items<S: Store>(
    app: &Services<S>,
    plan: &PlanRecord,
    changes: &[(String, String)],
) -> Result<usize, AppError> {
    if changes.is_empty() {
        return Ok(0);
    }
    let items = app.store.feedback(&plan.id).await?;
    let mut vs = Violations::new();
    let mut moved = Vec::new();
    for (fid, raw) in changes {
        let field = format!("a.{fid}.category");
        let Some(item) = items.iter().find(|f| &f.id == fid) else {
            vs.push(Violation::new(Code::ValidationFailed, "该意见建议不存在").at(&field));
            continue;
        };
        match FeedbackCategory::parse(&field, raw) {
            Ok(c) if c != item.feedback.category => {
                let mut record = item.clone();
                record.feedback.category = c;
                moved.push(record);
            }
            Ok(_) => {}
            Err(v) => vs.push(v),
        }
    }
    // Only a real change needs the answering to be open (a form sends every category).
    if !moved.is_empty()
        && !matches!(
            status_today(app, plan),
            PlanStatus::Announced | PlanStatus::Held
        )
    {
        return Err(
            Violation::new(Code::InvalidTransition, "当前状态不能调整意见建议的类别").into(),
        );
    }
    for record in &moved {
        app.store.update_feedback(record).await?;
    }
    if !moved.is_empty() {
        sheets::note(app, plan, Changed::Feedback).await;
    }
    let changed = moved.len();
    if vs.is_empty() {
        Ok(changed)
    } else {
        Err(vs.into())
    }
}
