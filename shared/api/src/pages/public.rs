//! The public's pages: find an open day, register (with a text-message code), look the
//! registration up and cancel it, give feedback, evaluate, read the published response.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::PrivateCookieJar;
use openday_app::AppError;
use openday_app::announcements::OpenDay;
use openday_app::registrations::OnlineRegistration;
use openday_app::{announcements, compliance, feedback, registrations, verification};
use openday_rules::WireEnum;
use openday_rules::calendar::day_span;
use openday_rules::feedback::{EvaluationDraft, FeedbackCategory, FeedbackDraft, FeedbackResponse};
use openday_rules::registration::{Category, Relation};
use openday_store::records::RegistrationStatus;
use serde::Deserialize;

use super::{Csrf, FormPost, FormState, PageError, see_other, take_notice, with_notice};
use crate::app::{App, Store};
use crate::payload::PhoneProof;
use crate::routing::{Routes, method};

pub fn routes<S: Store>() -> Routes<S> {
    Routes::new()
        .route(Method::GET, "/", method(&Method::GET, index::<S>))
        .route(
            Method::GET,
            "/static/site.css",
            method(&Method::GET, super::stylesheet),
        )
        .route(
            Method::GET,
            "/open-days/{plan_id}",
            method(&Method::GET, open_day::<S>),
        )
        .route(
            Method::GET,
            "/open-days/{plan_id}/register",
            method(&Method::GET, register_form::<S>),
        )
        .route(
            Method::POST,
            "/open-days/{plan_id}/register",
            method(&Method::POST, register::<S>),
        )
        .route(
            Method::GET,
            "/open-days/{plan_id}/registered",
            method(&Method::GET, registered::<S>),
        )
        .route(
            Method::GET,
            "/open-days/{plan_id}/calendar.ics",
            method(&Method::GET, calendar::<S>),
        )
        .route(
            Method::GET,
            "/registrations",
            method(&Method::GET, lookup_form::<S>),
        )
        .route(
            Method::POST,
            "/registrations",
            method(&Method::POST, lookup::<S>),
        )
        .route(
            Method::POST,
            "/registrations/cancel",
            method(&Method::POST, cancel::<S>),
        )
        .route(
            Method::GET,
            "/open-days/{plan_id}/feedback",
            method(&Method::GET, feedback_form::<S>),
        )
        .route(
            Method::POST,
            "/open-days/{plan_id}/feedback",
            method(&Method::POST, feedback::<S>),
        )
        .route(
            Method::GET,
            "/open-days/{plan_id}/evaluation",
            method(&Method::GET, evaluation_form::<S>),
        )
        .route(
            Method::POST,
            "/open-days/{plan_id}/evaluation",
            method(&Method::POST, evaluation::<S>),
        )
        .route(
            Method::GET,
            "/open-days/{plan_id}/response",
            method(&Method::GET, response::<S>),
        )
        .route(
            Method::GET,
            "/statistics",
            method(&Method::GET, statistics::<S>),
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

#[derive(Deserialize, Default)]
struct IndexQuery {
    region: Option<String>,
}

pub struct Region {
    pub id: String,
    pub name: String,
    pub selected: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "index.html")]
struct IndexPage {
    title: &'static str,
    year: i32,
    regions: Vec<Region>,
    days: Vec<OpenDay>,
    notice: Option<String>,
}

/// This year's announced open days, soonest first, optionally of one 地区.
async fn index<S: Store>(
    State(app): State<App<S>>,
    jar: PrivateCookieJar,
    Query(q): Query<IndexQuery>,
) -> Result<Response, PageError> {
    let year = app.core.this_year();
    let region = q
        .region
        .filter(|r| !r.is_empty() && r.len() <= 64)
        .map(|r| r.trim().to_owned());
    let (days, jurisdictions) =
        announcements::open_days(&app.core, year, region.as_deref()).await?;
    let regions = jurisdictions
        .into_iter()
        .map(|j| Region {
            selected: region.as_deref() == Some(j.id.as_str()),
            id: j.id.to_string(),
            name: j.name.to_string(),
        })
        .collect();
    let (jar, notice) = take_notice(jar);
    Ok((
        jar,
        IndexPage {
            title: "政府开放日活动",
            year,
            regions,
            days,
            notice,
        },
    )
        .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "open_day.html")]
struct OpenDayPage {
    title: String,
    day: OpenDay,
    notice: Option<String>,
}

async fn open_day<S: Store>(
    State(app): State<App<S>>,
    jar: PrivateCookieJar,
    Path(plan_id): Path<String>,
) -> Result<Response, PageError> {
    let day = open_day_of(&app, &plan_id).await?;
    let (jar, notice) = take_notice(jar);
    Ok((
        jar,
        OpenDayPage {
            title: day.a.name.to_string(),
            day,
            notice,
        },
    )
        .into_response())
}

/// A choice of a radio group or a select: value, label, and whether it is chosen.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub chosen: bool,
}

pub(crate) fn choices<E: WireEnum>(form: &FormState, name: &str) -> Vec<Choice> {
    E::ALL
        .iter()
        .map(|e| Choice {
            value: e.wire().to_owned(),
            label: e.label().to_owned(),
            chosen: form.is(name, e.wire()),
        })
        .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "register.html")]
struct RegisterPage {
    title: String,
    day: OpenDay,
    form: FormState,
    csrf: String,
    categories: Vec<Choice>,
    relations: Vec<Choice>,
    /// The code has been sent: the form asks for it.
    code_sent: bool,
    /// Days after the event that a registration is kept (the notice says so).
    retention_days: u32,
}

fn register_page<S>(
    app: &App<S>,
    day: OpenDay,
    form: FormState,
    csrf: &Csrf,
    code_sent: bool,
) -> RegisterPage {
    RegisterPage {
        retention_days: app.core.settings.retention_days,
        title: format!("报名：{}", day.a.name),
        categories: choices::<Category>(&form, "category"),
        relations: choices::<Relation>(&form, "relation")
            .into_iter()
            .map(|mut c| {
                // The form's wording (“居住”); the work plan says 生活.
                if c.value == "lives" {
                    c.label = "居住".into();
                }
                c
            })
            .collect(),
        day,
        form,
        csrf: csrf.token.clone(),
        code_sent,
    }
}

async fn register_form<S: Store>(
    State(app): State<App<S>>,
    csrf: Csrf,
    Path(plan_id): Path<String>,
) -> Result<Response, PageError> {
    blank_form(&app, csrf, &plan_id, |day, form, csrf, sent| {
        register_page(&app, day, form, csrf, sent)
    })
    .await
}

#[derive(Deserialize)]
struct RegisterForm {
    action: Option<FormAction>,
    #[serde(flatten)]
    registration: OnlineRegistration,
    sms_code: Option<String>,
}

const REGISTER_FIELDS: [&str; 9] = [
    "name",
    "id_number",
    "phone",
    "category",
    "relation",
    "full_civil_capacity",
    "not_deputy",
    "id_consent",
    "sms_code",
];

/// The registration just taken, for the confirmation page after the redirect (an
/// encrypted cookie: `plan code confirmed|waitlisted`).
struct JustTaken {
    plan_id: String,
    code: String,
    waitlisted: bool,
}

impl JustTaken {
    const COOKIE: &'static str = "registered";

    fn value(&self) -> String {
        let status = if self.waitlisted {
            "waitlisted"
        } else {
            "confirmed"
        };
        format!("{} {} {status}", self.plan_id, self.code)
    }

    fn read(value: &str) -> Option<Self> {
        let mut parts = value.split(' ');
        let (plan_id, code, status) = (parts.next()?, parts.next()?, parts.next()?);
        Some(Self {
            plan_id: plan_id.to_owned(),
            code: code.to_owned(),
            waitlisted: status == "waitlisted",
        })
    }
}

/// The first submit (获取验证码) sends the code and brings the form back with a 验证码
/// field; the second (提交报名) registers and redirects to the confirmation.
async fn register<S: Store>(
    State(app): State<App<S>>,
    Path(plan_id): Path<String>,
    post: FormPost<RegisterForm>,
) -> Result<Response, PageError> {
    let day = open_day_of(&app, &plan_id).await?;
    let FormPost { form, values, csrf } = post;
    let mut state = FormState::with_values(values);
    if let Some(reason) = &day.registration_closed {
        state.errors.push(super::FieldError {
            field: None,
            message: reason.clone(),
        });
        let page = register_page(&app, day, state, &csrf, false);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, csrf.jar, page).into_response());
    }
    let phone = form.registration.registrant.phone.clone();
    if form.action == Some(FormAction::SendCode) {
        return match verification::send_code(&app.core, phone.as_deref()).await {
            Ok(sent) => {
                state.notice = Some(format!("{}请填写验证码后提交报名。", sent_notice(&sent)));
                let page = register_page(&app, day, state, &csrf, true);
                Ok((csrf.jar, page).into_response())
            }
            Err(e) => {
                state.refuse(e, &REGISTER_FIELDS)?;
                let page = register_page(&app, day, state, &csrf, false);
                Ok((StatusCode::UNPROCESSABLE_ENTITY, csrf.jar, page).into_response())
            }
        };
    }
    let proof = PhoneProof {
        phone,
        sms_code: form.sms_code.clone(),
    };
    match registrations::register(&app.core, &plan_id, &form.registration, &proof).await {
        Ok(taken) => {
            let just = JustTaken {
                plan_id: plan_id.clone(),
                code: taken.receipt.code,
                waitlisted: taken.receipt.status == RegistrationStatus::Waitlisted,
            };
            let jar = csrf.jar.add(app.config.cookies.cookie(
                JustTaken::COOKIE,
                just.value(),
                24 * 3600,
            ));
            Ok(see_other(jar, &format!("/open-days/{plan_id}/registered")))
        }
        Err(e) => {
            state.refuse(e, &REGISTER_FIELDS)?;
            let code_sent = !state.value("sms_code").is_empty() || state.invalid("sms_code");
            let page = register_page(&app, day, state, &csrf, code_sent);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, csrf.jar, page).into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "registered.html")]
struct RegisteredPage {
    title: String,
    day: OpenDay,
    code: String,
    waitlisted: bool,
    qr: String,
}

/// The confirmation: 报名成功 or 候补, the code, its QR code, the calendar file, how to cancel.
/// A reload shows it again; it never registers twice.
async fn registered<S: Store>(
    State(app): State<App<S>>,
    jar: PrivateCookieJar,
    Path(plan_id): Path<String>,
) -> Result<Response, PageError> {
    let taken = jar
        .get(JustTaken::COOKIE)
        .and_then(|c| JustTaken::read(c.value()))
        .filter(|t| t.plan_id == plan_id);
    let Some(JustTaken {
        code, waitlisted, ..
    }) = taken
    else {
        let jar = with_notice(jar, &app, "请通过“查询报名”查看您的报名");
        return Ok(see_other(jar, "/registrations"));
    };
    let day = open_day_of(&app, &plan_id).await?;
    Ok(RegisteredPage {
        title: if waitlisted {
            "候补登记成功"
        } else {
            "报名成功"
        }
        .to_owned(),
        qr: qr_svg(&code),
        day,
        code,
        waitlisted,
    }
    .into_response())
}

/// The registration code as an SVG QR code, for the door's scanner.
fn qr_svg(code: &str) -> String {
    match qrcode::QrCode::new(code.as_bytes()) {
        Ok(qr) => {
            let svg = qr
                .render::<qrcode::render::svg::Color>()
                .min_dimensions(180, 180)
                .quiet_zone(true)
                .build();
            // Inline in the page: without the XML declaration, hidden from screen readers
            // (the figure around it says what it is).
            let svg = svg.trim_start_matches(|c| c != '<');
            let svg = match svg.strip_prefix("<?xml") {
                Some(rest) => rest.split_once("?>").map_or(rest, |(_, s)| s),
                None => svg,
            };
            svg.replacen("<svg ", "<svg aria-hidden=\"true\" focusable=\"false\" ", 1)
        }
        Err(_) => String::new(),
    }
}

/// The event as an iCalendar file: name, dates, place, organiser (nothing personal).
async fn calendar<S: Store>(
    State(app): State<App<S>>,
    Path(plan_id): Path<String>,
) -> Result<Response, PageError> {
    use icalendar::{Component, EventLike};
    let day = open_day_of(&app, &plan_id).await?;
    let a = &day.a;
    let event = icalendar::Event::new()
        .uid(&format!("{plan_id}@openday"))
        .summary(&a.name.to_string())
        .location(a.place.as_str())
        .description(&format!(
            "承办单位：{}\n联系电话：{}\n{}",
            a.organizer,
            a.contact_phone.expose(),
            a.reminders
        ))
        .starts(a.start_date)
        .ends(a.end_date + chrono::Duration::days(1))
        .done();
    let body = icalendar::Calendar::new()
        .name("政府开放日")
        .push(event)
        .done()
        .to_string();
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/calendar; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"open-day.ics\""),
            ),
        ],
        body,
    )
        .into_response())
}

/// What the look-up page shows of a registration: masked, with its event.
pub struct Found {
    pub code: String,
    pub event: String,
    pub plan_id: String,
    pub dates: String,
    pub name: String,
    pub id_number: String,
    pub phone: String,
    pub status: &'static str,
    pub active: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "registrations.html")]
struct LookupPage {
    title: &'static str,
    form: FormState,
    csrf: String,
    found: Option<Found>,
    /// Cancelling: the confirmation step (with the code field).
    confirming: bool,
}

async fn lookup_form<S: Store>(
    State(_app): State<App<S>>,
    csrf: Csrf,
) -> Result<Response, PageError> {
    let (jar, notice) = take_notice(csrf.jar);
    let page = LookupPage {
        title: "查询报名",
        form: FormState {
            notice,
            ..FormState::default()
        },
        csrf: csrf.token,
        found: None,
        confirming: false,
    };
    Ok((jar, page).into_response())
}

#[derive(Deserialize)]
struct LookupForm {
    code: Option<String>,
    phone: Option<String>,
    action: Option<FormAction>,
    sms_code: Option<String>,
}

const LOOKUP_FIELDS: [&str; 3] = ["code", "phone", "sms_code"];

async fn found<S: Store>(app: &App<S>, form: &LookupForm) -> Result<Found, AppError> {
    let registrations::Found {
        registration: r,
        event: a,
    } = registrations::look_up_with_event(&app.core, form.code.as_deref(), form.phone.as_deref())
        .await?;
    let status = r.status.label();
    Ok(Found {
        event: a.as_ref().map_or_else(String::new, |a| a.name.to_string()),
        dates: a
            .as_ref()
            .map_or_else(String::new, |a| day_span(a.start_date, a.end_date)),
        active: r.status != RegistrationStatus::Cancelled,
        code: r.code,
        plan_id: r.plan_id,
        name: r.name,
        id_number: r.id_masked,
        phone: r.phone_masked,
        status,
    })
}

/// 报名编号 + 手机号码 → the registration, masked, with a 取消报名 button.
async fn lookup<S: Store>(
    State(app): State<App<S>>,
    post: FormPost<LookupForm>,
) -> Result<Response, PageError> {
    let FormPost { form, values, csrf } = post;
    let mut state = FormState::with_values(values);
    let (status, found) = match found(&app, &form).await {
        Ok(f) => (StatusCode::OK, Some(f)),
        Err(e) => {
            state.refuse(e, &LOOKUP_FIELDS)?;
            (StatusCode::UNPROCESSABLE_ENTITY, None)
        }
    };
    let page = LookupPage {
        title: "查询报名",
        form: state,
        csrf: csrf.token.clone(),
        found,
        confirming: false,
    };
    Ok((status, csrf.jar, page).into_response())
}

/// Cancelling in steps: 取消报名 asks to confirm; 获取验证码 sends the code; 确认取消
/// cancels and redirects to the look-up page with a notice.
async fn cancel<S: Store>(
    State(app): State<App<S>>,
    post: FormPost<LookupForm>,
) -> Result<Response, PageError> {
    let FormPost { form, values, csrf } = post;
    let mut state = FormState::with_values(values);
    let registration = match found(&app, &form).await {
        Ok(f) => f,
        Err(e) => {
            state.refuse(e, &LOOKUP_FIELDS)?;
            let page = LookupPage {
                title: "查询报名",
                form: state,
                csrf: csrf.token.clone(),
                found: None,
                confirming: false,
            };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, csrf.jar, page).into_response());
        }
    };
    let mut status = StatusCode::OK;
    match form.action {
        Some(FormAction::SendCode) => {
            match verification::send_code(&app.core, form.phone.as_deref()).await {
                Ok(sent) => state.notice = Some(sent_notice(&sent)),
                Err(e) => {
                    status = StatusCode::UNPROCESSABLE_ENTITY;
                    state.refuse(e, &LOOKUP_FIELDS)?;
                }
            }
        }
        Some(FormAction::Cancel) => {
            let proof = PhoneProof {
                phone: form.phone.clone(),
                sms_code: form.sms_code.clone(),
            };
            match registrations::cancel_own(&app.core, &registration.code, &proof).await {
                Ok(_) => {
                    let jar = with_notice(
                        csrf.jar,
                        &app,
                        &format!("报名 {} 已取消。", registration.code),
                    );
                    return Ok(see_other(jar, "/registrations"));
                }
                Err(e) => {
                    status = StatusCode::UNPROCESSABLE_ENTITY;
                    state.refuse(e, &LOOKUP_FIELDS)?;
                }
            }
        }
        _ => {}
    }
    let page = LookupPage {
        title: "取消报名",
        form: state,
        csrf: csrf.token.clone(),
        found: Some(registration),
        confirming: true,
    };
    Ok((status, csrf.jar, page).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "feedback.html")]
struct FeedbackPage {
    title: String,
    day: OpenDay,
    form: FormState,
    csrf: String,
    categories: Vec<Choice>,
    code_sent: bool,
}

fn feedback_page(day: OpenDay, form: FormState, csrf: &Csrf, code_sent: bool) -> FeedbackPage {
    FeedbackPage {
        title: format!("意见建议：{}", day.a.name),
        categories: choices::<FeedbackCategory>(&form, "category"),
        day,
        form,
        csrf: csrf.token.clone(),
        code_sent,
    }
}

async fn feedback_form<S: Store>(
    State(app): State<App<S>>,
    csrf: Csrf,
    Path(plan_id): Path<String>,
) -> Result<Response, PageError> {
    blank_form(&app, csrf, &plan_id, feedback_page).await
}

#[derive(Deserialize)]
struct FeedbackForm {
    action: Option<FormAction>,
    category: Option<String>,
    content: Option<String>,
    phone: Option<String>,
    sms_code: Option<String>,
}

const FEEDBACK_FIELDS: [&str; 4] = ["category", "content", "phone", "sms_code"];

async fn feedback<S: Store>(
    State(app): State<App<S>>,
    Path(plan_id): Path<String>,
    post: FormPost<FeedbackForm>,
) -> Result<Response, PageError> {
    let day = open_day_of(&app, &plan_id).await?;
    let FormPost { form, values, csrf } = post;
    let draft = FeedbackDraft {
        channel: Some("online".into()),
        category: form.category.clone(),
        content: form.content.clone(),
    };
    let proof = PhoneProof {
        phone: form.phone.clone(),
        sms_code: form.sms_code.clone(),
    };
    let submit = async {
        feedback::give(&app.core, None, &plan_id, &draft, &proof)
            .await
            .map(drop)
    };
    let step = proved_step(&app, values, form.action, &proof, submit).await;
    finish(
        &app,
        &plan_id,
        step,
        csrf,
        "您的意见建议已提交，感谢参与。",
        &FEEDBACK_FIELDS,
        |state, csrf, sent| feedback_page(day, state, csrf, sent),
    )
}

/// Where a public form that proves a phone has got to.
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
    values: std::collections::BTreeMap<String, String>,
    action: Option<FormAction>,
    proof: &PhoneProof,
    submit: impl std::future::Future<Output = Result<(), AppError>>,
) -> Step {
    let mut state = FormState::with_values(values);
    if action == Some(FormAction::SendCode) {
        match verification::send_code(&app.core, proof.phone.as_deref()).await {
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

/// The answer to a form step: back to the event's page with `thanks` once taken (Post/
/// Redirect/Get), otherwise the form again, rendered by `page`.
fn finish<S, P: IntoResponse>(
    app: &App<S>,
    plan_id: &str,
    step: Step,
    csrf: Csrf,
    thanks: &str,
    fields: &[&str],
    page: impl FnOnce(FormState, &Csrf, bool) -> P,
) -> Result<Response, PageError> {
    let (status, state, code_sent) = match step {
        Step::Taken => {
            let jar = with_notice(csrf.jar, app, thanks);
            return Ok(see_other(jar, &format!("/open-days/{plan_id}")));
        }
        Step::CodeSent(state) => (StatusCode::OK, state, true),
        Step::Refused(mut state, e) => {
            state.refuse(e, fields)?;
            let sent = !state.value("sms_code").is_empty();
            (StatusCode::UNPROCESSABLE_ENTITY, state, sent)
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

#[derive(Template, WebTemplate)]
#[template(path = "evaluation.html")]
struct EvaluationPage {
    title: String,
    day: OpenDay,
    form: FormState,
    csrf: String,
    ratings: Vec<Choice>,
    code_sent: bool,
}

fn evaluation_page(day: OpenDay, form: FormState, csrf: &Csrf, code_sent: bool) -> EvaluationPage {
    const LABELS: [&str; 5] = ["很不满意", "不满意", "一般", "满意", "很满意"];
    EvaluationPage {
        title: format!("网络测评：{}", day.a.name),
        ratings: (1..=5)
            .map(|n: usize| Choice {
                value: n.to_string(),
                label: format!("{n}分（{}）", LABELS[n - 1]),
                chosen: form.is("rating", &n.to_string()),
            })
            .collect(),
        day,
        form,
        csrf: csrf.token.clone(),
        code_sent,
    }
}

async fn evaluation_form<S: Store>(
    State(app): State<App<S>>,
    csrf: Csrf,
    Path(plan_id): Path<String>,
) -> Result<Response, PageError> {
    blank_form(&app, csrf, &plan_id, evaluation_page).await
}

#[derive(Deserialize)]
struct EvaluationForm {
    action: Option<FormAction>,
    #[serde(flatten)]
    evaluation: EvaluationDraft,
    phone: Option<String>,
    sms_code: Option<String>,
}

const EVALUATION_FIELDS: [&str; 4] = ["rating", "comment", "phone", "sms_code"];

async fn evaluation<S: Store>(
    State(app): State<App<S>>,
    Path(plan_id): Path<String>,
    post: FormPost<EvaluationForm>,
) -> Result<Response, PageError> {
    let day = open_day_of(&app, &plan_id).await?;
    let FormPost { form, values, csrf } = post;
    let proof = PhoneProof {
        phone: form.phone.clone(),
        sms_code: form.sms_code.clone(),
    };
    let submit = async {
        feedback::evaluate(&app.core, &plan_id, &form.evaluation, &proof)
            .await
            .map(drop)
    };
    let step = proved_step(&app, values, form.action, &proof, submit).await;
    finish(
        &app,
        &plan_id,
        step,
        csrf,
        "您的评价已提交，感谢参与。",
        &EVALUATION_FIELDS,
        |state, csrf, sent| evaluation_page(day, state, csrf, sent),
    )
}

/// One answered item of the published response.
pub struct Answer {
    pub category: &'static str,
    pub content: String,
    pub adoption: &'static str,
    pub reply: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "response.html")]
struct ResponsePage {
    title: String,
    day: OpenDay,
    response: FeedbackResponse,
    answers: Vec<Answer>,
}

async fn response<S: Store>(
    State(app): State<App<S>>,
    Path(plan_id): Path<String>,
) -> Result<Response, PageError> {
    let day = open_day_of(&app, &plan_id).await?;
    let (response, answered) = feedback::published_with_items(&app.core, &plan_id).await?;
    let answers = answered
        .iter()
        .map(|a| {
            let f = a.feedback.as_ref();
            Answer {
                category: f.map_or("", |f| f.feedback.category.label()),
                content: f.map_or_else(String::new, |f| f.feedback.content.to_string()),
                adoption: a.item.adoption.label(),
                reply: a
                    .item
                    .reply
                    .as_ref()
                    .map_or_else(String::new, ToString::to_string),
            }
        })
        .collect();
    Ok(ResponsePage {
        title: format!("采纳情况：{}", day.a.name),
        day,
        response,
        answers,
    }
    .into_response())
}

/// One bar of the chart: where it is drawn and what it says.
pub struct Bar {
    pub label: String,
    pub held_width: u32,
    pub people_width: u32,
    pub held: u32,
    pub people: u32,
}

#[derive(Template, WebTemplate)]
#[template(path = "statistics.html")]
struct StatisticsPage {
    title: String,
    year: i32,
    areas: Vec<openday_app::views::AreaStatistics>,
    bars: Vec<Bar>,
}

impl StatisticsPage {
    fn rate(&self, a: &openday_app::views::AreaStatistics) -> String {
        a.adoption_rate
            .map_or_else(|| "—".to_owned(), |r| format!("{:.1}%", r * 100.0))
    }
}

#[derive(Deserialize, Default)]
struct YearQuery {
    year: Option<String>,
}

/// The region's year as open data: a table per city and county, and a chart of the cities
/// drawn on the server (SVG, no script).
async fn statistics<S: Store>(
    State(app): State<App<S>>,
    Query(q): Query<YearQuery>,
) -> Result<Response, PageError> {
    let year = openday_app::years::year_of_text(&app.core, q.year.as_deref())?;
    let stats = compliance::open_statistics(&app.core, year).await?;
    let cities: Vec<&openday_app::views::AreaStatistics> =
        stats.areas.iter().filter(|a| a.depth == 1).collect();
    let most_held = cities.iter().map(|a| a.held).max().unwrap_or(0).max(1);
    let most_people = cities
        .iter()
        .map(|a| a.participants)
        .max()
        .unwrap_or(0)
        .max(1);
    // Bars 0–300 px wide, one pair per city.
    let bars = cities
        .iter()
        .map(|a| Bar {
            label: a.name.clone(),
            held_width: 300 * a.held / most_held,
            people_width: 300 * a.participants / most_people,
            held: a.held,
            people: a.participants,
        })
        .collect::<Vec<_>>();
    Ok(StatisticsPage {
        title: format!("{year}年度“政府开放日”公开数据"),
        year,
        areas: stats.areas,
        bars,
    }
    .into_response())
}
