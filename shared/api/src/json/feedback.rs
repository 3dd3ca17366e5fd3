//! Feedback (online from the public, offline items from the agency), online evaluations,
//! and the published feedback response.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use openday_app::commands::EvaluationBody;
use openday_app::feedback;
use openday_rules::feedback::FeedbackDraft;

use crate::app::{App, Store};
use crate::auth::MaybeStaff;
use crate::error::ApiError;
use crate::payload::Proved;
use crate::routing::{Routes, method};
use crate::views::PublishedResponse;

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
}

async fn give<S: Store>(
    State(app): State<App<S>>,
    MaybeStaff(staff): MaybeStaff,
    Path(id): Path<String>,
    Proved(draft, proof): Proved<FeedbackDraft>,
) -> Result<Response, ApiError> {
    let receipt = feedback::give(
        &app.core,
        staff.as_ref().map(|a| a.org()),
        &id,
        &draft,
        &proof,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(receipt)).into_response())
}

async fn evaluate<S: Store>(
    State(app): State<App<S>>,
    Path(id): Path<String>,
    Proved(body, proof): Proved<EvaluationBody>,
) -> Result<Response, ApiError> {
    let receipt = feedback::evaluate(&app.core, &id, &body, &proof).await?;
    Ok((StatusCode::CREATED, Json(receipt)).into_response())
}

async fn response<S: Store>(
    State(app): State<App<S>>,
    Path(id): Path<String>,
) -> Result<Json<PublishedResponse>, ApiError> {
    let response = feedback::published(&app.core, &id).await?;
    let questionnaire = openday_app::questionnaires::summary(&app.core, &id).await?;
    Ok(Json(PublishedResponse {
        plan_id: id,
        response,
        questionnaire,
    }))
}
