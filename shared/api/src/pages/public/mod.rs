//! The public's pages: find an open day, register (with a text-message code), look the
//! registration up and cancel it, give feedback, evaluate, read the published response.
//! Each page calls one use case of `openday_app`; the forms that prove a phone share the
//! steps below.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::PrivateCookieJar;
use openday_app::AppError;
use openday_app::announcements::OpenDay;
use openday_app::commands::EvaluationBody;
use openday_app::registrations::OnlineRegistration;
use openday_app::{announcements, compliance, feedback, registrations, verification};
use openday_rules::calendar::day_span;
use openday_rules::feedback::{FeedbackCategory, FeedbackDraft, FeedbackResponse};
use openday_rules::registration::{Category, Relation};
use openday_store::records::RegistrationStatus;
use serde::Deserialize;

use super::{
    Choice, Csrf, FormPost, FormState, PageError, choices, named, see_other, take_notice,
    with_notice,
};
use crate::app::{App, Store};
use crate::limits::Caller;
use crate::payload::PhoneProof;
use crate::routing::{Routes, method};

mod bulletins;
mod campaigns;
mod home;
mod lookup;
mod opinions;
mod questionnaire;
mod register;
mod verdicts;

pub fn routes<S: Store>() -> Routes<S> {
    Routes::new()
        .merge(work_plan_routes())
        .route(Method::GET, "/", method(&Method::GET, home::index::<S>))
        .route(
            Method::GET,
            "/static/{file}",
            method(&Method::GET, super::assets::file),
        )
        .route(
            Method::GET,
            "/favicon.ico",
            method(&Method::GET, super::assets::favicon),
        )
        .route(
            Method::GET,
            "/mode",
            method(&Method::GET, super::view::switch),
        )
        .route(
            Method::GET,
            "/open-days/{plan_id}",
            method(&Method::GET, home::open_day::<S>),
        )
        .route(
            Method::GET,
            "/open-days/{plan_id}/register",
            method(&Method::GET, register::register_form::<S>),
        )
        .route(
            Method::POST,
            "/open-days/{plan_id}/register",
            method(&Method::POST, register::register::<S>),
        )
        .route(
            Method::GET,
            "/open-days/{plan_id}/registered",
            method(&Method::GET, register::registered::<S>),
        )
        .route(
            Method::GET,
            "/open-days/{plan_id}/calendar.ics",
            method(&Method::GET, register::calendar::<S>),
        )
        .route(
            Method::GET,
            "/registrations",
            method(&Method::GET, lookup::lookup_form::<S>),
        )
        .route(
            Method::POST,
            "/registrations",
            method(&Method::POST, lookup::lookup::<S>),
        )
        .route(
            Method::POST,
            "/registrations/cancel",
            method(&Method::POST, lookup::cancel::<S>),
        )
        .route(
            Method::GET,
            "/open-days/{plan_id}/feedback",
            method(&Method::GET, opinions::feedback_form::<S>),
        )
        .route(
            Method::POST,
            "/open-days/{plan_id}/feedback",
            method(&Method::POST, opinions::feedback::<S>),
        )
        .route(
            Method::GET,
            "/open-days/{plan_id}/evaluation",
            method(&Method::GET, opinions::evaluation_form::<S>),
        )
        .route(
            Method::POST,
            "/open-days/{plan_id}/evaluation",
            method(&Method::POST, opinions::evaluation::<S>),
        )
        .route(
            Method::GET,
            "/open-days/{plan_id}/response",
            method(&Method::GET, opinions::response::<S>),
        )
        .route(
            Method::GET,
            "/statistics",
            method(&Method::GET, home::statistics::<S>),
        )
}

/// The pages of the work plan's other half: questionnaires, public evaluations, 通报 and
/// campaigns.
fn work_plan_routes<S: Store>() -> Routes<S> {
    Routes::new()
        .route(
            Method::GET,
            "/campaigns/{id}",
            method(&Method::GET, campaigns::page::<S>),
        )
        .route(
            Method::GET,
            "/bulletins/{office_id}/{year}",
            method(&Method::GET, bulletins::page::<S>),
        )
        .route(
            Method::GET,
            "/bulletins/{office_id}/{year}/document",
            method(&Method::GET, bulletins::document::<S>),
        )
        .route(
            Method::GET,
            "/public-evaluations/{id}",
            method(&Method::GET, verdicts::evaluation::<S>),
        )
        .route(
            Method::GET,
            "/public-evaluations/{id}/events/{plan_id}",
            method(&Method::GET, verdicts::verdict_form::<S>),
        )
        .route(
            Method::POST,
            "/public-evaluations/{id}/events/{plan_id}",
            method(&Method::POST, verdicts::verdict::<S>),
        )
        .route(
            Method::GET,
            "/open-days/{plan_id}/questionnaire",
            method(&Method::GET, questionnaire::form::<S>),
        )
        .route(
            Method::POST,
            "/open-days/{plan_id}/questionnaire",
            method(&Method::POST, questionnaire::answer::<S>),
        )
}

/// The announced event, or the page that says it is not there.
async fn open_day_of<S: Store>(app: &App<S>, plan_id: &str) -> Result<OpenDay, PageError> {
    Ok(announcements::open_day(&app.core, plan_id).await?)
}

/// What a public form's submit button asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum FormAction {
    /// 获取验证码
    SendCode,
    /// 提交 (the default)
    Submit,
    /// 取消报名: asks to confirm
    Confirm,
    /// 确认取消
    Cancel,
}

/// A form page as first shown: empty, with this browser's CSRF token.
async fn blank_form<S: Store, P: IntoResponse>(
    app: &App<S>,
    csrf: Csrf,
    plan_id: &str,
    page: impl FnOnce(OpenDay, FormState, &Csrf, bool) -> P,
) -> Result<Response, PageError> {
    let day = open_day_of(app, plan_id).await?;
    let page = page(day, FormState::default(), &csrf, false);
    Ok((csrf.jar, page).into_response())
}

enum Step {
    /// 获取验证码: the code was sent; the form comes back with the 验证码 field.
    CodeSent(FormState),
    /// The form was taken.
    Taken,
    /// Refused: the form comes back with the reasons.
    Refused(FormState, AppError),
}

/// 获取验证码 sends the code to the form's phone; any other submit runs `submit`.
async fn proved_step<S: Store>(
    app: &App<S>,
    from: std::net::IpAddr,
    values: std::collections::BTreeMap<String, String>,
    action: Option<FormAction>,
    proof: &PhoneProof,
    submit: impl std::future::Future<Output = Result<(), AppError>>,
) -> Step {
    let mut state = FormState::with_values(values);
    if action == Some(FormAction::SendCode) {
        match verification::send_code(&app.core, proof.phone.as_deref(), from).await {
            Ok(sent) => {
                state.notice = Some(sent_notice(&sent));
                Step::CodeSent(state)
            }
            Err(e) => Step::Refused(state, e),
        }
    } else {
        match submit.await {
            Ok(()) => Step::Taken,
            Err(e) => Step::Refused(state, e),
        }
    }
}

/// The answer to a form step: back to `back_to` (the event's page) with `thanks` once taken
/// (Post/Redirect/Get), otherwise the form again, rendered by `page`, each refusal at the
/// form field `field_of` names.
fn finish<S, P: IntoResponse>(
    app: &App<S>,
    back_to: &str,
    step: Step,
    csrf: Csrf,
    thanks: &str,
    field_of: &dyn Fn(&str) -> Option<String>,
    page: impl FnOnce(FormState, &Csrf, bool) -> P,
) -> Result<Response, PageError> {
    let (status, state, code_sent) = match step {
        Step::Taken => {
            let jar = with_notice(csrf.jar, app, thanks);
            return Ok(see_other(jar, back_to));
        }
        Step::CodeSent(state) => (StatusCode::OK, state, true),
        Step::Refused(mut state, e) => {
            state.refuse_at(e, field_of)?;
            let sent = !state.value("sms_code").is_empty();
            (state.status(), state, sent)
        }
    };
    let page = page(state, &csrf, code_sent);
    Ok((status, csrf.jar, page).into_response())
}

/// What the form says once a code is sent.
fn sent_notice(sent: &openday_app::views::SmsCodeSent) -> String {
    format!(
        "验证码已发送至{}，{}分钟内有效。",
        sent.phone,
        sent.valid_seconds / 60
    )
}
