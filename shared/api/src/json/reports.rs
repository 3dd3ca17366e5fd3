//! Annual reports (R14), the compliance listing for offices and agencies, the regional
//! roll-up and the programme in force.

use axum::Json;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use openday_app::years::year_or_this;
use openday_app::{compliance, reports};
use openday_rules::report::ReportDraft;
use openday_rules::text::NumberLike;
use serde::Deserialize;

use crate::app::{App, Store};
use crate::auth::Staff;
use crate::error::ApiError;
use crate::payload::{Payload, QueryOf};
use crate::routing::{Routes, method};
use crate::views::{Compliance, ReportStart};

pub fn routes<S: Store>() -> Routes<S> {
    super::audit::routes()
        .route(
            Method::POST,
            "/api/reports",
            method(&Method::POST, report::<S>),
        )
        .route(
            Method::GET,
            "/api/compliance",
            method(&Method::GET, compliance::<S>),
        )
        .route(
            Method::GET,
            "/api/reports/draft",
            method(&Method::GET, draft::<S>),
        )
        .merge(super::exports::report_routes())
        .merge(super::rollup::routes())
        .merge(super::programmes::routes())
}

#[derive(Deserialize, Default)]
struct YearQuery {
    year: Option<NumberLike>,
}

async fn report<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    Payload(draft): Payload<ReportDraft>,
) -> Result<Response, ApiError> {
    let filed = reports::file(&app.core, &org, &draft).await?;
    Ok((StatusCode::CREATED, Json(filed)).into_response())
}

async fn compliance<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    QueryOf(q): QueryOf<YearQuery>,
) -> Result<Json<Compliance>, ApiError> {
    let year = year_or_this(&app.core, q.year.as_ref())?;
    Ok(Json(
        compliance::of(&app.core, org.org().clone(), year).await?,
    ))
}

/// What a reporter's report starts from: the year's figures of its jurisdiction as of today,
/// and the report if it was filed (with the figures frozen then).
async fn draft<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    QueryOf(q): QueryOf<YearQuery>,
) -> Result<Json<ReportStart>, ApiError> {
    let year = year_or_this(&app.core, q.year.as_ref())?;
    Ok(Json(reports::start(&app.core, &org, year).await?))
}
