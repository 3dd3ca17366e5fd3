//! Supervision over JSON: an office's 现场走访 and 跟踪检查 of a plan (its agency reads them),
//! and 群众评议: opened by an office, answered by the public (phone proved), results per
//! agency.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use openday_app::supervision::{
    self, PublicEvaluationItem, PublicEvaluationResults, PublicEvaluationView, SupervisionView,
    VerdictBody, VerdictTaken,
};
use openday_rules::supervision::{FollowUpDraft, PublicEvaluationDraft, VisitDraft};

use crate::app::{App, Store};
use crate::auth::Staff;
use crate::error::ApiError;
use crate::payload::{Payload, Proved};
use crate::routing::{Routes, method};

pub fn routes<S: Store>() -> Routes<S> {
    Routes::new()
        .route(
            Method::GET,
            "/api/plans/{id}/supervision",
            method(&Method::GET, of_plan::<S>),
        )
        .route(
            Method::POST,
            "/api/plans/{id}/visits",
            method(&Method::POST, visit::<S>),
        )
        .route(
            Method::POST,
            "/api/plans/{id}/follow-up-checks",
            method(&Method::POST, check::<S>),
        )
        .route(
            Method::GET,
            "/api/public-evaluations",
            method(&Method::GET, list::<S>),
        )
        .route(
            Method::POST,
            "/api/public-evaluations",
            method(&Method::POST, open::<S>),
        )
        .route(
            Method::GET,
            "/api/public-evaluations/{id}",
            method(&Method::GET, public::<S>),
        )
        .route(
            Method::POST,
            "/api/public-evaluations/{id}/verdicts",
            method(&Method::POST, verdict::<S>),
        )
        .route(
            Method::GET,
            "/api/public-evaluations/{id}/results",
            method(&Method::GET, results::<S>),
        )
}

async fn of_plan<S: Store>(
    State(app): State<App<S>>,
    Staff(actor): Staff,
    Path(id): Path<String>,
) -> Result<Json<SupervisionView>, ApiError> {
    Ok(Json(supervision::of_plan(&app.core, &actor, &id).await?))
}

async fn visit<S: Store>(
    State(app): State<App<S>>,
    Staff(actor): Staff,
    Path(id): Path<String>,
    Payload(draft): Payload<VisitDraft>,
) -> Result<Response, ApiError> {
    supervision::record_visit(&app.core, &actor, &id, &draft).await?;
    let view = supervision::of_plan(&app.core, &actor, &id).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

async fn check<S: Store>(
    State(app): State<App<S>>,
    Staff(actor): Staff,
    Path(id): Path<String>,
    Payload(draft): Payload<FollowUpDraft>,
) -> Result<Response, ApiError> {
    supervision::record_check(&app.core, &actor, &id, &draft).await?;
    let view = supervision::of_plan(&app.core, &actor, &id).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

async fn list<S: Store>(
    State(app): State<App<S>>,
    Staff(actor): Staff,
) -> Result<Json<Vec<PublicEvaluationItem>>, ApiError> {
    let all = supervision::public_evaluations_of(&app.core, &actor).await?;
    Ok(Json(all.into_iter().map(Into::into).collect()))
}

async fn open<S: Store>(
    State(app): State<App<S>>,
    Staff(actor): Staff,
    Payload(draft): Payload<PublicEvaluationDraft>,
) -> Result<Response, ApiError> {
    let record = supervision::open_public_evaluation(&app.core, &actor, &draft).await?;
    Ok((
        StatusCode::CREATED,
        Json(PublicEvaluationItem::from(record)),
    )
        .into_response())
}

async fn public<S: Store>(
    State(app): State<App<S>>,
    Path(id): Path<String>,
) -> Result<Json<PublicEvaluationView>, ApiError> {
    Ok(Json(supervision::public_evaluation(&app.core, &id).await?))
}

async fn verdict<S: Store>(
    State(app): State<App<S>>,
    Path(id): Path<String>,
    Proved(body, proof): Proved<VerdictBody>,
) -> Result<Response, ApiError> {
    let plan_id = body.plan_id.clone().unwrap_or_default();
    let v = supervision::give_verdict(&app.core, &id, &plan_id, &body.verdict, &proof).await?;
    Ok((StatusCode::CREATED, Json(VerdictTaken { id: v.id })).into_response())
}

async fn results<S: Store>(
    State(app): State<App<S>>,
    Staff(actor): Staff,
    Path(id): Path<String>,
) -> Result<Json<PublicEvaluationResults>, ApiError> {
    Ok(Json(
        supervision::public_evaluation_results(&app.core, &actor, &id).await?,
    ))
}
