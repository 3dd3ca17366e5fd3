//! What the public reaches without logging in: announcements, registration, one's own
//! registration (with the phone number given), and the OpenAPI document.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use openday_rules::calendar::{days_after, start_of_day};
use openday_rules::lifecycle::PlanStatus;
use openday_rules::phone::Phone;
use openday_rules::plan::Channel;
use openday_rules::registration::{Registrant, RegistrantDraft, RegistrationWindow};
use openday_rules::text::NumberLike;
use openday_store::records::{NewRegistration, PlanRecord, RegistrationRecord};
use serde::Deserialize;
use serde_json::json;

use super::{Routes, method, plan_and_owner, status_today};
use crate::app::{App, Store};
use crate::error::ApiError;
use crate::payload::{Payload, QueryOf};

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
            Method::GET,
            "/api/registrations/{code}",
            method(&Method::GET, show_registration::<S>),
        )
        .route(
            Method::DELETE,
            "/api/registrations/{code}",
            method(&Method::DELETE, cancel_registration::<S>),
        )
        .route(
            Method::GET,
            "/api/openapi.json",
            method(&Method::GET, openapi::<S>),
        )
}

pub fn router<S: Store>(app: App<S>) -> axum::Router {
    routes::<S>().into_router(app)
}

#[derive(Deserialize, Default)]
struct YearQuery {
    year: Option<NumberLike>,
}

async fn announcements<S: Store>(
    State(app): State<App<S>>,
    QueryOf(q): QueryOf<YearQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let year = super::plans::year_or_this(&app, q.year.as_ref())?;
    let mut out = Vec::new();
    for (plan_id, a) in app.store.announcements(year).await? {
        let seats = app.store.seats(&plan_id).await?;
        let mut item = serde_json::to_value(&a).unwrap_or_default();
        item["plan_id"] = json!(plan_id);
        item["seats_left"] = json!(seats.map(|s| s.left()));
        out.push(item);
    }
    Ok(Json(json!({"year": year, "announcements": out})))
}

async fn announcement<S: Store>(
    State(app): State<App<S>>,
    Path(plan_id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let a = app
        .store
        .announcement(&plan_id)
        .await?
        .ok_or(ApiError::NotFound("活动公告不存在"))?;
    let plan = app
        .store
        .plan(&plan_id)
        .await?
        .ok_or(ApiError::NotFound("活动公告不存在"))?;
    let seats = app.store.seats(&plan_id).await?;
    let mut item = serde_json::to_value(&a).unwrap_or_default();
    item["plan_id"] = json!(plan_id);
    item["status"] = json!(status_today(&app, &plan));
    item["seats_left"] = json!(seats.map(|s| s.left()));
    item["waitlisted"] = json!(seats.map(|s| s.waitlisted));
    Ok(Json(item))
}

/// Checks the registrant and the window, stores the registration, and says how it went.
pub(crate) async fn take_registration<S: Store>(
    app: &App<S>,
    plan: &PlanRecord,
    draft: &RegistrantDraft,
    channel: Channel,
) -> Result<serde_json::Value, ApiError> {
    if status_today(app, plan) != PlanStatus::Announced {
        return Err(openday_rules::Violation::new(
            openday_rules::Code::RegistrationClosed,
            "该活动当前不接受报名",
        )
        .into());
    }
    let announcement = app
        .store
        .announcement(&plan.id)
        .await?
        .ok_or(ApiError::NotFound("活动公告不存在"))?;
    let window = RegistrationWindow {
        published_on: announcement.published_on,
        deadline: announcement.registration_deadline,
        first_event_day: plan.plan.period.start(),
    };
    window.check(channel, &announcement.channels, app.now())?;
    let registrant = Registrant::check(draft, plan.plan.period.start())?;
    let keep_until = start_of_day(days_after(
        plan.plan.period.end(),
        u64::from(app.config.retention_days) + 1,
    ));
    let new = NewRegistration {
        registrant,
        channel,
        at: app.now(),
        expires_at: keep_until.timestamp(),
    };
    let person = app.config.person_key.hash(&new.registrant.id);
    let out = app.store.register(&plan.id, &person, &new).await?;
    tracing::info!(plan = %plan.id, channel = %channel, status = ?out.status, id = %new.registrant.id.masked(), "registration taken");
    Ok(json!({"code": out.code, "status": out.status}))
}

async fn register<S: Store>(
    State(app): State<App<S>>,
    Path(plan_id): Path<String>,
    Payload(draft): Payload<RegistrantDraft>,
) -> Result<Response, ApiError> {
    let (plan, _) = plan_and_owner(&app, &plan_id)
        .await
        .map_err(|_| ApiError::NotFound("活动公告不存在"))?;
    let out = take_registration(&app, &plan, &draft, Channel::Online).await?;
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

#[derive(Deserialize, Default)]
struct PhoneQuery {
    phone: Option<String>,
}

/// The registration behind `code`, only for whoever knows the phone number given with it.
/// A wrong phone looks exactly like a wrong code.
async fn owned_registration<S: Store>(
    app: &App<S>,
    code: &str,
    phone: Option<&str>,
) -> Result<RegistrationRecord, ApiError> {
    const GONE: ApiError = ApiError::NotFound("报名记录不存在，或手机号码不符");
    let phone = Phone::parse("phone", phone.unwrap_or("")).map_err(ApiError::from)?;
    let record = app.store.registration(code).await?.ok_or(GONE)?;
    if record.phone != phone.expose() {
        return Err(GONE);
    }
    Ok(record)
}

fn registration_view(r: &RegistrationRecord) -> serde_json::Value {
    let phone = Phone::parse("phone", &r.phone)
        .map(|p| p.masked())
        .unwrap_or_default();
    json!({
        "code": r.code,
        "plan_id": r.plan_id,
        "name": r.name,
        "id_number": r.id_masked,
        "phone": phone,
        "category": r.category,
        "relation": r.relation,
        "channel": r.channel,
        "status": r.status,
        "registered_at": r.registered_at,
    })
}

async fn show_registration<S: Store>(
    State(app): State<App<S>>,
    Path(code): Path<String>,
    QueryOf(q): QueryOf<PhoneQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let record = owned_registration(&app, &code, q.phone.as_deref()).await?;
    Ok(Json(registration_view(&record)))
}

async fn cancel_registration<S: Store>(
    State(app): State<App<S>>,
    Path(code): Path<String>,
    QueryOf(q): QueryOf<PhoneQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    owned_registration(&app, &code, q.phone.as_deref()).await?;
    app.store.cancel(&code, app.now()).await?;
    let record = app
        .store
        .registration(&code)
        .await?
        .ok_or(ApiError::NotFound("报名记录不存在"))?;
    Ok(Json(registration_view(&record)))
}

async fn openapi<S: Store>() -> Json<serde_json::Value> {
    Json(crate::openapi::document::<S>())
}
