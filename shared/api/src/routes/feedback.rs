//! Feedback (online from the public, offline items from the agency), online evaluations,
//! and the published feedback response.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use openday_rules::feedback::{
    Evaluation, EvaluationDraft, Feedback, FeedbackDraft, FeedbackSource, check_evaluation_open,
    check_feedback_open,
};
use openday_rules::lifecycle::PlanStatus;
use openday_rules::org::Role;
use openday_rules::{Code, Violation};

use super::public::verified_phone;
use super::{Routes, method, plan_and_owner, status_today, viewer_role};
use crate::app::{App, Store};
use crate::auth::MaybeStaff;
use crate::error::ApiError;
use crate::payload::Proved;
use crate::views::{EvaluationReceipt, FeedbackReceipt, PublishedResponse};
use openday_rules::verification;
use openday_store::StoreError;
use openday_store::ports::Giver;

pub fn routes<S: Store>() -> Routes<S> {
    Routes::new()
        .route(
            Method::POST,
            "/api/plans/{id}/feedback",
            method(&Method::POST, give::<S>),
        )
        .route(
            Method::POST,
            "/api/plans/{id}/evaluations",
            method(&Method::POST, evaluate::<S>),
        )
        .route(
            Method::GET,
            "/api/plans/{id}/feedback-response",
            method(&Method::GET, response::<S>),
        )
        .merge(crate::pages::staff::feedback_routes())
}

pub fn router<S: Store>(app: App<S>) -> axum::Router {
    routes::<S>().into_router(app)
}

fn held_or_running(status: PlanStatus) -> Result<(), ApiError> {
    if matches!(
        status,
        PlanStatus::Announced | PlanStatus::Held | PlanStatus::Responded
    ) {
        Ok(())
    } else {
        Err(Violation::new(Code::FeedbackClosed, "该活动未发布公告，不征集意见建议").into())
    }
}

pub(crate) async fn give<S: Store>(
    State(app): State<App<S>>,
    MaybeStaff(staff): MaybeStaff,
    Path(id): Path<String>,
    Proved(draft, proof): Proved<FeedbackDraft>,
) -> Result<Response, ApiError> {
    let receipt = give_feedback(&app, staff.as_ref(), &id, &draft, &proof).await?;
    Ok((StatusCode::CREATED, Json(receipt)).into_response())
}

/// A feedback item: from the public (phone proved) or entered by the implementing agency.
pub(crate) async fn give_feedback<S: Store>(
    app: &App<S>,
    staff: Option<&openday_rules::org::Organisation>,
    id: &str,
    draft: &FeedbackDraft,
    proof: &crate::payload::PhoneProof,
) -> Result<FeedbackReceipt, ApiError> {
    let (plan, owner) = plan_and_owner(app, id).await?;
    let source = match staff {
        None => FeedbackSource::Public,
        Some(org) if viewer_role(org, &owner)? == Role::Implementer => FeedbackSource::Agency,
        Some(_) => return Err(ApiError::forbidden("只有实施机关可以录入线下意见建议")),
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
                    StoreError::Limited { retry_after } => ApiError::RateLimited {
                        retry_after,
                        message: Some(format!(
                            "每个手机号码每天对同一活动最多提交{}条意见建议，请{}后再提交",
                            verification::MAX_FEEDBACK_PER_DAY,
                            crate::error::wait_words(retry_after)
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
    Ok(FeedbackReceipt {
        id: record.id,
        channel: feedback.channel,
        category: feedback.category,
    })
}

async fn evaluate<S: Store>(
    State(app): State<App<S>>,
    Path(id): Path<String>,
    Proved(draft, proof): Proved<EvaluationDraft>,
) -> Result<Response, ApiError> {
    let receipt = give_evaluation(&app, &id, &draft, &proof).await?;
    Ok((StatusCode::CREATED, Json(receipt)).into_response())
}

/// An online evaluation; one per phone and plan (a second replaces the first).
pub(crate) async fn give_evaluation<S: Store>(
    app: &App<S>,
    id: &str,
    draft: &EvaluationDraft,
    proof: &crate::payload::PhoneProof,
) -> Result<EvaluationReceipt, ApiError> {
    let (plan, _) = plan_and_owner(app, id).await?;
    held_or_running(status_today(app, &plan))
        .map_err(|_| Violation::new(Code::EvaluationClosed, "该活动未发布公告，不接受测评"))?;
    check_evaluation_open(
        &plan.plan.period,
        &app.programme_of(&plan).await?,
        app.today(),
    )?;
    let evaluation = Evaluation::parse(draft)?;
    // One per phone: a second evaluation by the same phone replaces the first.
    let phone_hash = verified_phone(app, proof).await?;
    let record = app
        .store
        .add_evaluation(id, &evaluation, &phone_hash, app.now())
        .await?;
    Ok(EvaluationReceipt {
        id: record.id,
        rating: evaluation.rating,
    })
}

pub(crate) async fn response<S: Store>(
    State(app): State<App<S>>,
    Path(id): Path<String>,
) -> Result<Json<PublishedResponse>, ApiError> {
    let response = app
        .store
        .response(&id)
        .await?
        .ok_or(ApiError::NotFound("采纳情况尚未公开"))?;
    Ok(Json(PublishedResponse {
        plan_id: id,
        response,
    }))
}
