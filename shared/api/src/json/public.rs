//! What the public reaches without logging in: announcements, registration, one's own
//! registration (with the phone number given), the year's statistics, and the OpenAPI
//! document.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use openday_app::registrations::OnlineRegistration;
use openday_app::{announcements, compliance, registrations, verification};
use openday_rules::text::NumberLike;
use serde::Deserialize;

use crate::app::{App, Store};
use crate::error::ApiError;
use crate::exports::FormatQuery;
use crate::limits::Caller;
use crate::payload::{Payload, PhoneProof, Proved, QueryOf};
use crate::routing::{Routes, method};
use crate::views::{AnnouncementDetail, AnnouncementList, RegistrationView, Statistics};
use openday_app::commands::LookupBody;

pub fn routes<S: Store>() -> Routes<S> {
    Routes::new()
        .route(
            Method::GET,
            "/api/announcements",
            method(&Method::GET, announcements::<S>),
        )
        .route(
            Method::GET,
            "/api/announcements/{plan_id}",
            method(&Method::GET, announcement::<S>),
        )
        .route(
            Method::POST,
            "/api/announcements/{plan_id}/registrations",
            method(&Method::POST, register::<S>),
        )
        .route(
            Method::POST,
            "/api/sms-codes",
            method(&Method::POST, send_sms_code::<S>),
        )
        .route(
            Method::POST,
            "/api/registrations/lookup",
            method(&Method::POST, lookup_registration::<S>),
        )
        .route(
            Method::POST,
            "/api/registrations/{code}/cancel",
            method(&Method::POST, cancel_registration::<S>),
        )
        .route(
            Method::GET,
            "/api/statistics",
            method(&Method::GET, statistics::<S>),
        )
        .route(
            Method::GET,
            "/api/openapi.json",
            method(&Method::GET, openapi),
        )
}

#[derive(Deserialize, Default)]
struct YearQuery {
    year: Option<NumberLike>,
}

async fn announcements<S: Store>(
    State(app): State<App<S>>,
    QueryOf(q): QueryOf<YearQuery>,
) -> Result<Json<AnnouncementList>, ApiError> {
    let year = openday_app::years::year_or_this(&app.core, q.year.as_ref())?;
    Ok(Json(announcements::list(&app.core, year).await?))
}

async fn announcement<S: Store>(
    State(app): State<App<S>>,
    Path(plan_id): Path<String>,
) -> Result<Json<AnnouncementDetail>, ApiError> {
    Ok(Json(announcements::detail(&app.core, &plan_id).await?))
}

/// An online registration: the registrant, the separate consent for the ID number, and
/// the phone proved by its code.
async fn register<S: Store>(
    State(app): State<App<S>>,
    Path(plan_id): Path<String>,
    Proved(form, proof): Proved<OnlineRegistration>,
) -> Result<Response, ApiError> {
    let taken = registrations::register(&app.core, &plan_id, &form, &proof).await?;
    Ok(super::plans::taken(taken))
}

/// Sends a 6-digit code to a mobile phone: at most one a minute and ten a day per phone.
async fn send_sms_code<S: Store>(
    State(app): State<App<S>>,
    Caller(from): Caller,
    Payload(proof): Payload<PhoneProof>,
) -> Result<Response, ApiError> {
    let sent = verification::send_code(&app.core, proof.phone.as_deref(), from).await?;
    Ok((StatusCode::ACCEPTED, Json(sent)).into_response())
}

/// `{code, phone}` → the registration, masked. The phone travels in the body, never in a URL.
async fn lookup_registration<S: Store>(
    State(app): State<App<S>>,
    Payload(body): Payload<LookupBody>,
) -> Result<Json<RegistrationView>, ApiError> {
    let record =
        registrations::look_up(&app.core, body.code.as_deref(), body.phone.as_deref()).await?;
    Ok(Json(RegistrationView::from(&record)))
}

/// `{phone, sms_code}` → cancelled (a waitlisted registration moves up).
async fn cancel_registration<S: Store>(
    State(app): State<App<S>>,
    Path(code): Path<String>,
    Payload(proof): Payload<PhoneProof>,
) -> Result<Json<RegistrationView>, ApiError> {
    let record = registrations::cancel_own(&app.core, &code, &proof).await?;
    Ok(Json(RegistrationView::from(&record)))
}

/// The whole directory's year as open data, region → city → county.
async fn statistics<S: Store>(
    State(app): State<App<S>>,
    Query(q): Query<FormatQuery>,
) -> Result<Json<Statistics>, ApiError> {
    let year = openday_app::years::year_of_text(&app.core, q.year.as_deref())?;
    Ok(Json(compliance::open_statistics(&app.core, year).await?))
}

/// The committed document (`docs/openapi.json`, checked against [`crate::openapi::document`]
/// by a test): built from every router, it would link every function's handlers into this
/// one and rebuild the same text on each request.
async fn openapi() -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        crate::openapi::SERVED,
    )
        .into_response()
}
