//! The programme (工作方案) in force for a region and year, and the regional office's
//! upload of a new version. Plans keep the version they were checked against.

use axum::Json;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use openday_app::programmes;
use openday_app::years::year_or_this;
use openday_rules::text::NumberLike;
use serde::Deserialize;

use crate::app::{App, Store};
use crate::auth::Staff;
use crate::error::ApiError;
use crate::payload::{Payload, QueryOf};
use crate::routing::{Routes, method};
use crate::views::{ProgrammeInForce, ProgrammeStored};

pub fn routes<S: Store>() -> Routes<S> {
    Routes::new()
        .route(
            Method::GET,
            "/api/programmes",
            method(&Method::GET, in_force::<S>),
        )
        .route(
            Method::POST,
            "/api/programmes",
            method(&Method::POST, upload::<S>),
        )
}

#[derive(Deserialize, Default)]
struct ProgrammeQuery {
    region: Option<String>,
    year: Option<NumberLike>,
}

/// The programme in force: public, like the work plan it comes from.
async fn in_force<S: Store>(
    State(app): State<App<S>>,
    QueryOf(q): QueryOf<ProgrammeQuery>,
) -> Result<Json<ProgrammeInForce>, ApiError> {
    let year = year_or_this(&app.core, q.year.as_ref())?;
    let record = programmes::in_force(&app.core, q.region.as_deref(), year).await?;
    Ok(Json(ProgrammeInForce::of(record)))
}

async fn upload<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    Payload(raw): Payload<serde_json::Value>,
) -> Result<Response, ApiError> {
    let record = programmes::import(&app.core, &org, &raw).await?;
    Ok((StatusCode::CREATED, Json(ProgrammeStored::of(&record))).into_response())
}
