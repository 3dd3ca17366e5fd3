//! Joint campaigns over JSON: set up by a city or county office, plans tied by the invited
//! agencies, the 集中公告 published by the office and read by anyone.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use openday_app::campaigns::{self, CampaignView, TieBody};
use openday_rules::campaign::CampaignDraft;

use crate::app::{App, Store};
use crate::auth::Staff;
use crate::error::ApiError;
use crate::payload::Payload;
use crate::routing::{Routes, method};

pub fn routes<S: Store>() -> Routes<S> {
    Routes::new()
        .route(
            Method::GET,
            "/api/campaigns",
            method(&Method::GET, list::<S>),
        )
        .route(
            Method::POST,
            "/api/campaigns",
            method(&Method::POST, create::<S>),
        )
        .route(
            Method::GET,
            "/api/campaigns/{id}",
            method(&Method::GET, public::<S>),
        )
        .route(
            Method::GET,
            "/api/campaigns/{id}/progress",
            method(&Method::GET, progress::<S>),
        )
        .route(
            Method::POST,
            "/api/campaigns/{id}/plans",
            method(&Method::POST, tie::<S>),
        )
        .route(
            Method::POST,
            "/api/campaigns/{id}/announcement",
            method(&Method::POST, publish::<S>),
        )
}

async fn list<S: Store>(
    State(app): State<App<S>>,
    Staff(actor): Staff,
) -> Result<Json<Vec<CampaignView>>, ApiError> {
    Ok(Json(campaigns::of(&app.core, &actor).await?))
}

async fn create<S: Store>(
    State(app): State<App<S>>,
    Staff(actor): Staff,
    Payload(draft): Payload<CampaignDraft>,
) -> Result<Response, ApiError> {
    let v = campaigns::create(&app.core, &actor, &draft).await?;
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

async fn public<S: Store>(
    State(app): State<App<S>>,
    Path(id): Path<String>,
) -> Result<Json<CampaignView>, ApiError> {
    Ok(Json(campaigns::public(&app.core, &id).await?))
}

async fn progress<S: Store>(
    State(app): State<App<S>>,
    Staff(actor): Staff,
    Path(id): Path<String>,
) -> Result<Json<CampaignView>, ApiError> {
    Ok(Json(campaigns::progress(&app.core, &actor, &id).await?))
}

async fn tie<S: Store>(
    State(app): State<App<S>>,
    Staff(actor): Staff,
    Path(id): Path<String>,
    Payload(body): Payload<TieBody>,
) -> Result<Json<CampaignView>, ApiError> {
    Ok(Json(campaigns::tie(&app.core, &actor, &id, &body).await?))
}

async fn publish<S: Store>(
    State(app): State<App<S>>,
    Staff(actor): Staff,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let v = campaigns::publish(&app.core, &actor, &id).await?;
    Ok((StatusCode::CREATED, Json(v)).into_response())
}
