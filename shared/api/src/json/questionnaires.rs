//! 问卷调查 over JSON: the agency designs, opens and reads its questionnaire (bearer token
//! or API key); participants read the opened one and answer it (phone proved).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use openday_app::questionnaires::{
    self, AnswersToQuestionnaire, OpenQuestionnaireBody, PublicQuestionnaire, QuestionnaireBody,
    QuestionnaireDesign, QuestionnaireResults,
};

use crate::app::{App, Store};
use crate::auth::Staff;
use crate::error::ApiError;
use crate::exports::{FormatQuery, download};
use crate::payload::{Payload, Proved};
use crate::routing::{Routes, method};

pub fn routes<S: Store>() -> Routes<S> {
    Routes::new()
        .route(
            Method::GET,
            "/api/plans/{id}/questionnaire",
            method(&Method::GET, design::<S>),
        )
        .route(
            Method::PUT,
            "/api/plans/{id}/questionnaire",
            method(&Method::PUT, save::<S>),
        )
        .route(
            Method::POST,
            "/api/plans/{id}/questionnaire/open",
            method(&Method::POST, open::<S>),
        )
        .route(
            Method::GET,
            "/api/plans/{id}/questionnaire/results",
            method(&Method::GET, results::<S>),
        )
        .route(
            Method::GET,
            "/api/plans/{id}/exports/questionnaire",
            method(&Method::GET, results_file::<S>),
        )
        .route(
            Method::GET,
            "/api/questionnaires/{plan_id}",
            method(&Method::GET, public::<S>),
        )
        .route(
            Method::POST,
            "/api/questionnaires/{plan_id}/answers",
            method(&Method::POST, answer::<S>),
        )
}

async fn design<S: Store>(
    State(app): State<App<S>>,
    Staff(actor): Staff,
    Path(id): Path<String>,
) -> Result<Json<QuestionnaireDesign>, ApiError> {
    Ok(Json(questionnaires::design(&app.core, &actor, &id).await?))
}

async fn save<S: Store>(
    State(app): State<App<S>>,
    Staff(actor): Staff,
    Path(id): Path<String>,
    Payload(body): Payload<QuestionnaireBody>,
) -> Result<Json<QuestionnaireDesign>, ApiError> {
    Ok(Json(
        questionnaires::save(&app.core, &actor, &id, &body).await?,
    ))
}

async fn open<S: Store>(
    State(app): State<App<S>>,
    Staff(actor): Staff,
    Path(id): Path<String>,
    Payload(body): Payload<OpenQuestionnaireBody>,
) -> Result<Json<QuestionnaireDesign>, ApiError> {
    Ok(Json(
        questionnaires::open(&app.core, &actor, &id, body.version.as_ref()).await?,
    ))
}

async fn results<S: Store>(
    State(app): State<App<S>>,
    Staff(actor): Staff,
    Path(id): Path<String>,
) -> Result<Json<QuestionnaireResults>, ApiError> {
    Ok(Json(questionnaires::results(&app.core, &actor, &id).await?))
}

async fn results_file<S: Store>(
    State(app): State<App<S>>,
    Staff(actor): Staff,
    Path(id): Path<String>,
    Query(q): Query<FormatQuery>,
) -> Result<Response, ApiError> {
    let format = q.format()?;
    download(
        "问卷结果",
        format,
        questionnaires::results_table(&app.core, &actor, &id).await?,
    )
}

async fn public<S: Store>(
    State(app): State<App<S>>,
    Path(plan_id): Path<String>,
) -> Result<Json<PublicQuestionnaire>, ApiError> {
    Ok(Json(questionnaires::public(&app.core, &plan_id).await?))
}

async fn answer<S: Store>(
    State(app): State<App<S>>,
    Path(plan_id): Path<String>,
    Proved(body, proof): Proved<AnswersToQuestionnaire>,
) -> Result<Response, ApiError> {
    let taken = questionnaires::answer(&app.core, &plan_id, &body, &proof).await?;
    Ok((StatusCode::CREATED, Json(taken)).into_response())
}
