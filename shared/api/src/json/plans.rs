//! The agency's and the office's workflow: submit, revise, review, announce, cancel,
//! recommend, check in, read feedback and answer it, publish the feedback response.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use openday_app::commands::{
    AnnouncementBody, AnswersBody, CancelBody, CheckInBody, RespondBody, ReviewBody, Revision,
    SearchBody,
};
use openday_app::plans::ListQuery;
use openday_app::registrations::Taken;
use openday_app::{attendance, feedback, plans, registrations};
use openday_rules::plan::PlanDraft;
use openday_store::records::PlanRecord;

use crate::app::{App, Store};
use crate::auth::Staff;
use crate::error::ApiError;
use crate::payload::{Payload, QueryOf};
use crate::routing::{Routes, method};
use crate::views::{
    AnswersDraft, AnswersSaved, Attendance, CheckedIn, FeedbackList, PageQuery, PlanDetail,
    PlanList, PlanSummary, RegistrationView, ResponsePublished,
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
            Method::POST,
            "/api/plans/{id}/opinions",
            method(&Method::POST, room_opinions::<S>),
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
}

/// The summary of a plan just changed, in its stored status.
fn summary(plan: &PlanRecord) -> PlanSummary {
    PlanSummary::of(plan, plan.status)
}

/// 201 for a new registration, 200 for the one a retry already held.
pub(crate) fn taken(t: Taken) -> Response {
    let status = if t.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    (status, Json(t.receipt)).into_response()
}

async fn submit<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    Payload(draft): Payload<PlanDraft>,
) -> Result<Response, ApiError> {
    let record = plans::submit(&app.core, &org, &draft).await?;
    Ok((StatusCode::CREATED, Json(summary(&record))).into_response())
}

async fn list<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    QueryOf(q): QueryOf<ListQuery>,
) -> Result<Json<PlanList>, ApiError> {
    Ok(Json(plans::list(&app.core, &org, &q).await?))
}

async fn revise<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    Path(id): Path<String>,
    Payload(body): Payload<Revision>,
) -> Result<Json<PlanSummary>, ApiError> {
    let record = plans::revise(&app.core, &org, &id, body.version.as_ref(), &body.plan).await?;
    Ok(Json(summary(&record)))
}

async fn show<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    Path(id): Path<String>,
) -> Result<Json<PlanDetail>, ApiError> {
    Ok(Json(plans::detail(&app.core, &org, &id).await?.0))
}

async fn review<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    Path(id): Path<String>,
    Payload(body): Payload<ReviewBody>,
) -> Result<Json<PlanSummary>, ApiError> {
    Ok(Json(summary(
        &plans::review(&app.core, &org, &id, body).await?,
    )))
}

async fn announce<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    Path(id): Path<String>,
    Payload(body): Payload<AnnouncementBody>,
) -> Result<Response, ApiError> {
    let record = plans::announce(&app.core, &org, &id, &body).await?;
    Ok((StatusCode::CREATED, Json(summary(&record))).into_response())
}

async fn cancel<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    Path(id): Path<String>,
    Payload(body): Payload<CancelBody>,
) -> Result<Json<PlanSummary>, ApiError> {
    Ok(Json(summary(
        &plans::cancel(&app.core, &org, &id, body).await?,
    )))
}

async fn recommend<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    Path(id): Path<String>,
    Payload(draft): Payload<registrations::OnlineRegistration>,
) -> Result<Response, ApiError> {
    Ok(taken(
        registrations::recommend(&app.core, &org, &id, &draft).await?,
    ))
}

async fn save_answers<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    Path(id): Path<String>,
    Payload(body): Payload<AnswersBody>,
) -> Result<Json<AnswersSaved>, ApiError> {
    Ok(Json(
        feedback::save_answers(&app.core, &org, &id, &body).await?,
    ))
}

/// Opinions gathered on the day (座谈问答, 线下), entered by the agency.
async fn room_opinions<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    Path(id): Path<String>,
    Payload(draft): Payload<openday_rules::opinions::RoomOpinionsDraft>,
) -> Result<Response, ApiError> {
    let saved = openday_app::opinions::record(&app.core, &org, &id, &draft).await?;
    Ok((StatusCode::CREATED, Json(saved)).into_response())
}

async fn answers<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    Path(id): Path<String>,
) -> Result<Json<AnswersDraft>, ApiError> {
    Ok(Json(feedback::answers(&app.core, &org, &id).await?))
}

async fn search_registration<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    Path(id): Path<String>,
    Payload(body): Payload<SearchBody>,
) -> Result<Json<RegistrationView>, ApiError> {
    let record = registrations::search(&app.core, &org, &id, body.id_number.as_deref()).await?;
    Ok(Json(RegistrationView::from(&record)))
}

async fn cancel_registration<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    Path((id, code)): Path<(String, String)>,
) -> Result<Json<RegistrationView>, ApiError> {
    let record = registrations::cancel_by_organiser(&app.core, &org, &id, &code).await?;
    Ok(Json(RegistrationView::from(&record)))
}

async fn feedback_items<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    Path(id): Path<String>,
    QueryOf(page): QueryOf<PageQuery>,
) -> Result<Json<FeedbackList>, ApiError> {
    Ok(Json(feedback::items(&app.core, &org, &id, &page).await?))
}

async fn check_in<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    Path(id): Path<String>,
    Payload(body): Payload<CheckInBody>,
) -> Result<Json<CheckedIn>, ApiError> {
    Ok(Json(
        attendance::check_in(&app.core, &org, &id, &body).await?,
    ))
}

async fn attendance<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    Path(id): Path<String>,
) -> Result<Json<Attendance>, ApiError> {
    Ok(Json(attendance::attendance(&app.core, &org, &id).await?))
}

async fn respond<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    Path(id): Path<String>,
    Payload(body): Payload<RespondBody>,
) -> Result<Response, ApiError> {
    let record = plans::publish_response(&app.core, &org, &id, body).await?;
    let response = feedback::response_of(&app.core, &id).await?;
    Ok((
        StatusCode::CREATED,
        Json(ResponsePublished {
            plan: summary(&record),
            response,
        }),
    )
        .into_response())
}
