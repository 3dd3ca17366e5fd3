//! What the public reaches without logging in: announcements, registration, one's own
//! registration (with the phone number given), and the OpenAPI document.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use openday_rules::announcement::Announcement;
use openday_rules::calendar::{days_after, start_of_day};
use openday_rules::lifecycle::PlanStatus;
use openday_rules::phone::Phone;
use openday_rules::plan::Channel;
use openday_rules::registration::{Registrant, RegistrantDraft, RegistrationWindow};
use openday_rules::text::NumberLike;
use openday_rules::verification;
use openday_store::StoreError;
use openday_store::personal::parse_registration_code;
use openday_store::records::{
    CodeProof, Duplicate, NewRegistration, PlanRecord, RegistrationRecord, RegistrationStatus,
};
use serde::Deserialize;

use super::bodies::LookupBody;
use super::{Routes, method, status_today};
use crate::app::{App, Store};
use crate::error::ApiError;
use crate::payload::{Payload, PhoneProof, Proved, QueryOf};
use crate::views::{
    AnnouncementDetail, AnnouncementItem, AnnouncementList, RegistrationReceipt, RegistrationView,
    SmsCodeSent,
};

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
            method(&Method::GET, super::rollup::statistics_json::<S>),
        )
        .route(
            Method::GET,
            "/api/openapi.json",
            method(&Method::GET, openapi),
        )
        .merge(crate::pages::public::routes())
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
) -> Result<Json<AnnouncementList>, ApiError> {
    let year = super::plans::year_or_this(&app, q.year.as_ref())?;
    let mut announcements = Vec::new();
    for (plan_id, announcement) in app.store.announcements(year).await? {
        let seats = app.store.seats(&plan_id).await?;
        announcements.push(AnnouncementItem {
            plan_id,
            announcement,
            seats_left: seats.map(|s| s.left()),
        });
    }
    Ok(Json(AnnouncementList {
        year,
        announcements,
    }))
}

async fn announcement<S: Store>(
    State(app): State<App<S>>,
    Path(plan_id): Path<String>,
) -> Result<Json<AnnouncementDetail>, ApiError> {
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
    Ok(Json(AnnouncementDetail {
        status: status_today(&app, &plan),
        plan_id,
        announcement: a,
        seats_left: seats.map(|s| s.left()),
        waitlisted: seats.map(|s| s.waitlisted),
    }))
}

/// Who a registration is taken for: the person online (phone verified), or the agency's
/// offline recommendation.
pub(crate) enum Taker {
    /// The phone (keyed hash) and the code given for it, checked in the registration's
    /// own transaction.
    Public {
        phone_hash: String,
        code_hash: String,
    },
    Agency,
}

/// Checks the registrant and the window, stores the registration, and says how it went.
/// A retry by the same person with the same phone (after a timeout, a reload) gets the
/// registration it already has.
pub(crate) async fn take_registration<S: Store>(
    app: &App<S>,
    plan: &PlanRecord,
    announcement: &Announcement,
    registrant: Registrant,
    channel: Channel,
    taker: Taker,
) -> Result<(StatusCode, RegistrationReceipt), ApiError> {
    if status_today(app, plan) != PlanStatus::Announced {
        return Err(openday_rules::Violation::new(
            openday_rules::Code::RegistrationClosed,
            "该活动当前不接受报名",
        )
        .into());
    }
    let window = RegistrationWindow {
        published_on: announcement.published_on,
        deadline: announcement.registration_deadline,
        first_event_day: plan.plan.period.start(),
    };
    window.check(channel, &announcement.channels, app.now())?;
    let keep_until = start_of_day(days_after(
        plan.plan.period.end(),
        u64::from(app.config.retention_days) + 1,
    ));
    let mut new = NewRegistration::new(
        registrant,
        channel,
        app.now(),
        keep_until.timestamp(),
        &app.config.person_key,
    );
    new.capacity_hint = Some(plan.plan.capacity.get());
    if let Taker::Public {
        phone_hash,
        code_hash,
    } = taker
    {
        if phone_hash != new.phone_hash {
            return Err(verification::invalid_code("sms_code").into());
        }
        new = new.proved_by(CodeProof {
            code_hash,
            at: app.now(),
        });
    }
    match app.store.register(&plan.id, &new).await {
        Ok(out) => {
            tracing::info!(plan = %plan.id, channel = %channel, status = ?out.status, id = %new.registrant.id.masked(), phone = %new.registrant.phone.masked(), "registration taken");
            Ok((
                StatusCode::CREATED,
                RegistrationReceipt {
                    code: out.code,
                    status: out.status,
                },
            ))
        }
        Err(StoreError::DuplicateRegistration(Duplicate::Person { code })) => {
            // The same person and phone again: what they already have.
            if let Some(existing) = app.store.registration(&code).await?
                && existing.phone_hash == new.phone_hash
                && existing.status != RegistrationStatus::Cancelled
            {
                return Ok((
                    StatusCode::OK,
                    RegistrationReceipt {
                        code: existing.code,
                        status: existing.status,
                    },
                ));
            }
            // Someone else holds this ID number for the event: only the organiser, with
            // the ID card in hand, can sort that out. Nothing more is said.
            Err(ApiError::Conflict {
                code: "DUPLICATE_REGISTRATION",
                message: format!(
                    "该身份证号码已报名本次活动。如非本人报名，请携带身份证件联系承办单位（联系电话：{}）处理",
                    announcement.contact_phone.expose()
                ),
                field: Some("id_number"),
            })
        }
        Err(StoreError::DuplicateRegistration(Duplicate::Phone { .. })) => {
            Err(ApiError::Conflict {
                code: "DUPLICATE_REGISTRATION",
                message: "该手机号码已报名本次活动，一个手机号码只能报名一人".into(),
                field: Some("phone"),
            })
        }
        Err(e) => Err(e.into()),
    }
}

async fn register<S: Store>(
    State(app): State<App<S>>,
    Path(plan_id): Path<String>,
    Proved(draft, proof): Proved<RegistrantDraft>,
) -> Result<Response, ApiError> {
    let (status, out) = register_online(&app, &plan_id, &draft, &proof).await?;
    Ok((status, Json(out)).into_response())
}

/// An online registration with its phone proved (the API and the web form).
pub(crate) async fn register_online<S: Store>(
    app: &App<S>,
    plan_id: &str,
    draft: &RegistrantDraft,
    proof: &PhoneProof,
) -> Result<(StatusCode, RegistrationReceipt), ApiError> {
    let event = app.events.get(&app.store, plan_id).await?;
    // The registrant's own fields first, so that every mistake shows at once.
    let registrant = Registrant::check(draft, event.plan.plan.period.start(), &event.programme)?;
    // The code is checked in the registration's own write, not read beforehand.
    let (phone_hash, code_hash) = phone_claim(app, proof)?;
    let taker = Taker::Public {
        phone_hash,
        code_hash,
    };
    take_registration(
        app,
        &event.plan,
        &event.announcement,
        registrant,
        Channel::Online,
        taker,
    )
    .await
}

/// Sends a 6-digit code to a mobile phone: at most one a minute and ten a day per phone.
async fn send_sms_code<S: Store>(
    State(app): State<App<S>>,
    Payload(proof): Payload<PhoneProof>,
) -> Result<Response, ApiError> {
    let sent = issue_sms_code(&app, proof.phone.as_deref()).await?;
    Ok((StatusCode::ACCEPTED, Json(sent)).into_response())
}

/// Issues a verification code for `phone` and sends it (the API and the web forms).
pub(crate) async fn issue_sms_code<S: Store>(
    app: &App<S>,
    phone: Option<&str>,
) -> Result<SmsCodeSent, ApiError> {
    let proof = PhoneProof {
        phone: phone.map(str::to_owned),
        sms_code: None,
    };
    let (phone, phone_hash) = limited_mobile(app, &proof)?;
    let key = &app.config.person_key;
    let code = sms_code();
    app.store
        .issue_sms_code(&phone_hash, &key.sms_code_hash(&phone, &code), app.now())
        .await?;
    if let Err(e) = app
        .sms
        .send(&phone, &verification::code_message(&code))
        .await
    {
        // Not sent: take it back so the person may ask again at once.
        tracing::error!(phone = %phone.masked(), error = %e, "verification code not sent");
        app.store.withdraw_sms_code(&phone_hash).await?;
        return Err(ApiError::Unavailable(format!("sms: {e}")));
    }
    tracing::info!(phone = %phone.masked(), "verification code sent");
    Ok(SmsCodeSent {
        phone: phone.masked(),
        valid_seconds: verification::CODE_VALID_SECONDS,
        resend_after_seconds: verification::RESEND_AFTER_SECONDS,
    })
}

/// Six random digits.
fn sms_code() -> String {
    let mut bytes = [0u8; 4];
    let _ = getrandom::fill(&mut bytes);
    format!("{:06}", u32::from_le_bytes(bytes) % 1_000_000)
}

/// The mobile phone of a public write and its keyed hash, within the per-phone rate limit.
fn limited_mobile<S>(app: &App<S>, proof: &PhoneProof) -> Result<(Phone, String), ApiError> {
    let phone = verification::mobile("phone", proof.phone.as_deref())?;
    let phone_hash = app.config.person_key.phone_hash(&phone);
    app.rate.check_phone(&phone_hash)?;
    Ok((phone, phone_hash))
}

/// What a public write claims: the phone's keyed hash and the keyed hash of the code given.
fn phone_claim<S>(app: &App<S>, proof: &PhoneProof) -> Result<(String, String), ApiError> {
    let (phone, phone_hash) = limited_mobile(app, proof)?;
    let code = verification::code("sms_code", proof.sms_code.as_deref())?;
    let code_hash = app.config.person_key.sms_code_hash(&phone, &code);
    Ok((phone_hash, code_hash))
}

/// The phone (keyed hash) of a public write, checked against the code last sent to it.
pub(crate) async fn verified_phone<S: Store>(
    app: &App<S>,
    proof: &PhoneProof,
) -> Result<String, ApiError> {
    let (phone_hash, code_hash) = phone_claim(app, proof)?;
    if !app
        .store
        .check_sms_code(&phone_hash, &code_hash, app.now())
        .await?
    {
        return Err(verification::invalid_code("sms_code").into());
    }
    Ok(phone_hash)
}

const GONE: ApiError = ApiError::NotFound("报名记录不存在，或手机号码不符");

/// The registration behind `code`, only for whoever gives the phone number registered
/// with it. A wrong phone looks exactly like a wrong code.
async fn owned_registration<S: Store>(
    app: &App<S>,
    code: &str,
    phone_hash: &str,
) -> Result<RegistrationRecord, ApiError> {
    let code = parse_registration_code(code).ok_or(GONE)?;
    let record = app.store.registration(&code).await?.ok_or(GONE)?;
    if record.phone_hash != phone_hash {
        return Err(GONE);
    }
    Ok(record)
}

/// `{code, phone}` → the registration, masked. The phone travels in the body, never in a URL.
async fn lookup_registration<S: Store>(
    State(app): State<App<S>>,
    Payload(body): Payload<LookupBody>,
) -> Result<Json<RegistrationView>, ApiError> {
    let record = lookup(&app, body.code.as_deref(), body.phone.as_deref()).await?;
    Ok(Json(RegistrationView::from(&record)))
}

/// The registration behind a code, for whoever gives its phone (the API and the web page).
pub(crate) async fn lookup<S: Store>(
    app: &App<S>,
    code: Option<&str>,
    phone: Option<&str>,
) -> Result<RegistrationRecord, ApiError> {
    let phone = Phone::parse("phone", phone.unwrap_or(""))?;
    let phone_hash = app.config.person_key.phone_hash(&phone);
    // Guessing codes for a phone is slowed down like any other write by that phone.
    app.rate.check_phone(&phone_hash)?;
    owned_registration(app, code.unwrap_or(""), &phone_hash).await
}

/// `{phone, sms_code}` → cancelled (a waitlisted registration moves up).
async fn cancel_registration<S: Store>(
    State(app): State<App<S>>,
    Path(code): Path<String>,
    Payload(proof): Payload<PhoneProof>,
) -> Result<Json<RegistrationView>, ApiError> {
    let record = cancel_own(&app, &code, &proof).await?;
    Ok(Json(RegistrationView::from(&record)))
}

/// Cancels the registration behind `code` for whoever proves its phone (a waitlisted one
/// moves up); the registration as it is now.
pub(crate) async fn cancel_own<S: Store>(
    app: &App<S>,
    code: &str,
    proof: &PhoneProof,
) -> Result<RegistrationRecord, ApiError> {
    let phone_hash = verified_phone(app, proof).await?;
    let record = owned_registration(app, code, &phone_hash).await?;
    let out = app.store.cancel(&record.code, app.now()).await?;
    tracing::info!(plan = %record.plan_id, promoted = out.promoted.is_some(), "registration cancelled");
    app.store.registration(&record.code).await?.ok_or(GONE)
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
