//! The region's roll-up of the year (三(四)): every reporter of an office's jurisdiction with
//! its report's state, the figures rolled up region → city → county, as JSON or as one
//! workbook with a summary sheet and a sheet per reporter.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::Method;
use axum::response::Response;
use openday_app::years::year_of_text;
use openday_app::{compliance, exports};

use crate::app::{App, Store};
use crate::auth::Staff;
use crate::error::ApiError;
use crate::exports::{FormatQuery, download_book};
use crate::routing::{Routes, method};
use crate::views::Rollup;

pub fn routes<S: Store>() -> Routes<S> {
    Routes::new()
        .route(
            Method::GET,
            "/api/reports",
            method(&Method::GET, rollup_json::<S>),
        )
        .route(
            Method::GET,
            "/api/reports/export",
            method(&Method::GET, rollup_file::<S>),
        )
}

async fn rollup_json<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    Query(q): Query<FormatQuery>,
) -> Result<Json<Rollup>, ApiError> {
    let year = year_of_text(&app.core, q.year.as_deref())?;
    Ok(Json(compliance::rollup(&app.core, &org, year).await?))
}

async fn rollup_file<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    Query(q): Query<FormatQuery>,
) -> Result<Response, ApiError> {
    let year = year_of_text(&app.core, q.year.as_deref())?;
    let rollup = compliance::rollup(&app.core, &org, year).await?;
    download_book(
        &format!("{}年度“政府开放日”开展情况汇总", rollup.year),
        &exports::rollup(&rollup),
    )
}
