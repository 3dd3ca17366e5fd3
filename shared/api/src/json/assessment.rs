//! 考核 over JSON: an office's scores of its agencies, its adjustments, its 通报; the
//! published 通报 for anyone.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use openday_app::assessment::{self, AdjustmentBody, AssessmentView, BulletinBody};
use openday_app::years::year_or_this;
use openday_rules::text::NumberLike;
use openday_store::assessment::BulletinRecord;
use serde::Deserialize;

use crate::app::{App, Store};
use crate::auth::Staff;
use crate::error::ApiError;
use crate::payload::{Payload, QueryOf};
use crate::routing::{Routes, method};

pub fn routes<S: Store>() -> Routes<S> {
    Routes::new()
        .route(
            Method::GET,
            "/api/assessment",
            method(&Method::GET, scores::<S>),
        )
        .route(
            Method::POST,
            "/api/assessment/adjustments",
            method(&Method::POST, adjust::<S>),
        )
        .route(
            Method::POST,
            "/api/assessment/bulletin",
            method(&Method::POST, publish::<S>),
        )
        .route(
            Method::GET,
            "/api/bulletins/{office_id}/{year}",
            method(&Method::GET, bulletin::<S>),
        )
}

#[derive(Deserialize)]
struct YearQuery {
    year: Option<NumberLike>,
}

async fn scores<S: Store>(
    State(app): State<App<S>>,
    Staff(actor): Staff,
    QueryOf(q): QueryOf<YearQuery>,
) -> Result<Json<AssessmentView>, ApiError> {
    let year = year_or_this(&app.core, q.year.as_ref())?;
    Ok(Json(assessment::scores(&app.core, &actor, year).await?))
}

async fn adjust<S: Store>(
    State(app): State<App<S>>,
    Staff(actor): Staff,
    Payload(body): Payload<AdjustmentBody>,
) -> Result<Response, ApiError> {
    let view = assessment::adjust(&app.core, &actor, &body).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

async fn publish<S: Store>(
    State(app): State<App<S>>,
    Staff(actor): Staff,
    Payload(body): Payload<BulletinBody>,
) -> Result<Response, ApiError> {
    let b = assessment::publish(&app.core, &actor, &body).await?;
    Ok((StatusCode::CREATED, Json(b)).into_response())
}

async fn bulletin<S: Store>(
    State(app): State<App<S>>,
    Path((office_id, year)): Path<(String, String)>,
) -> Result<Json<BulletinRecord>, ApiError> {
    let year = openday_app::years::year_of_text(&app.core, Some(&year))?;
    Ok(Json(
        assessment::bulletin(&app.core, &office_id, year).await?,
    ))
}
