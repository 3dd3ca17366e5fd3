//! The spreadsheets staff download, scoped like the data they come from: an event's
//! registrants (its implementer; masked, with check-in times), its feedback with the
//! adoption (its implementer and the offices above), and the year's compliance figures per
//! organisation (an office: its jurisdiction; an agency: its own line).

use axum::extract::{Path, Query, State};
use axum::http::Method;
use axum::response::Response;
use openday_app::exports;
use openday_app::years::year_of_text;

use crate::app::{App, Store};
use crate::auth::Staff;
use crate::error::ApiError;
use crate::exports::{FormatQuery, download, download_streamed};
use crate::routing::{Routes, method};

/// The API's downloads (bearer token), on the plans job.
pub fn plan_routes<S: Store>() -> Routes<S> {
    Routes::new()
        .route(
            Method::GET,
            "/api/plans/{id}/exports/registrants",
            method(&Method::GET, registrants_file::<S>),
        )
        .route(
            Method::GET,
            "/api/plans/{id}/exports/feedback",
            method(&Method::GET, feedback_file::<S>),
        )
}

/// The compliance download, on the reports job.
pub fn report_routes<S: Store>() -> Routes<S> {
    Routes::new().route(
        Method::GET,
        "/api/compliance/export",
        method(&Method::GET, compliance_file::<S>),
    )
}

async fn registrants_file<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    Path(id): Path<String>,
    Query(q): Query<FormatQuery>,
) -> Result<Response, ApiError> {
    let format = q.format()?;
    download_streamed(
        "报名人员",
        format,
        exports::registrants(&app.core, &org, &id).await?,
    )
    .await
}

async fn feedback_file<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    Path(id): Path<String>,
    Query(q): Query<FormatQuery>,
) -> Result<Response, ApiError> {
    let format = q.format()?;
    download_streamed(
        "意见建议及采纳情况",
        format,
        exports::feedback(&app.core, &org, &id).await?,
    )
    .await
}

async fn compliance_file<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    Query(q): Query<FormatQuery>,
) -> Result<Response, ApiError> {
    let format = q.format()?;
    let year = year_of_text(&app.core, q.year.as_deref())?;
    download(
        &format!("{year}年度合规情况"),
        format,
        exports::compliance(&app.core, org.org().clone(), year).await?,
    )
}
