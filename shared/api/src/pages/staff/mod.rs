//! The staff pages: agencies and openness offices do their year's work in the browser.
//!
//! Sign-in is by a link mailed to the organisation's directory address. Mail scanners open
//! links before people do, so opening the link only shows a 确认登录 page; its POST uses the
//! single-use nonce, and only in the browser that asked (the attempt id lives in that
//! browser's encrypted cookie). The mail carries a 6-digit code as well, for a browser the
//! link cannot reach. Then the second factor (TOTP, enrolled at the first sign-in). The
//! session lives on the server; the browser's encrypted cookie holds only its random id.

mod account;
mod announce;
mod answers;
mod assessment;
mod audit_log;
mod campaigns;
mod form_rows;
mod office;
mod opinions;
mod plan_edit;
mod plan_form;
mod plan_page;
mod plans;
mod programme;
mod questionnaire;
mod rows;
mod supervision;
mod work;

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{FromRequest, FromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, PrivateCookieJar};
use openday_app::people::Actor;
use openday_app::sessions::{self, SessionState};
use openday_app::sign_in::{self, Confirmation, Confirmed, LinkMail};
use openday_rules::org::OrgKind;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::limits::Caller;

use super::{Csrf, FormPost, FormState, PageError, read_form, see_other, take_notice, with_notice};
use crate::app::{App, Store};
use crate::routing::{Routes, method};

pub use openday_app::sessions::SESSION_HOURS;
pub use openday_app::sign_in::{DEMO_LINK_HOURS, SIGN_IN_MINUTES};

const SESSION_COOKIE: &str = "staff";
const SIGN_IN_COOKIE: &str = "signin";

/// The sign-in pages and the pages of the plans job (sign-in lives with it).
pub fn plan_routes<S: Store>() -> Routes<S> {
    Routes::new()
        .route(Method::GET, "/staff", method(&Method::GET, home::<S>))
        .route(
            Method::GET,
            "/staff/sign-in",
            method(&Method::GET, sign_in_form::<S>),
        )
        .route(
            Method::POST,
            "/staff/sign-in",
            method(&Method::POST, request_link::<S>),
        )
        .route(
            Method::GET,
            "/staff/sign-in/confirm",
            method(&Method::GET, confirm_form::<S>),
        )
        .route(
            Method::POST,
            "/staff/sign-in/confirm",
            method(&Method::POST, confirm::<S>),
        )
        .route(
            Method::POST,
            "/staff/sign-out",
            method(&Method::POST, sign_out::<S>),
        )
        .merge(account::sign_in_routes())
        .merge(plans::routes())
}

/// The pages of the feedback job: registrants and feedback of a plan.
pub fn feedback_routes<S: Store>() -> Routes<S> {
    work::routes().merge(questionnaire::routes())
}

/// The pages of the reports job: the annual report, the plans of a jurisdiction, the
/// compliance dashboard, revoking sessions.
pub fn report_routes<S: Store>() -> Routes<S> {
    office::routes()
        .merge(programme::routes())
        .merge(account::routes())
        .merge(audit_log::routes())
        .merge(supervision::routes())
        .merge(assessment::routes())
        .merge(campaigns::routes())
}

/// The signed-in person, from a live session through its second factor.
pub struct StaffSession {
    /// The person acting, who dereferences to their organisation.
    pub org: Actor,
    pub csrf: String,
    pub jar: PrivateCookieJar,
    /// This year's programme in force for the organisation's region.
    pub programme: openday_rules::Programme,
    /// The id the browser holds (what signing out ends).
    pub session_id: String,
}

impl StaffSession {
    /// What every staff page shows in its header.
    pub fn me(&self) -> Me {
        Me {
            name: self.org.name.to_string(),
            person: self.org.label(),
            admin: self.org.roles().has(openday_rules::staff::StaffRole::Admin),
            csrf: self.csrf.clone(),
            office: self.org.kind == OrgKind::Office,
            reporter: self.programme.is_reporter(&self.org),
        }
    }
}

/// The organisation signed in, as the header and navigation show it.
pub struct Me {
    pub name: String,
    /// 张三（a@b）
    pub person: String,
    pub admin: bool,
    pub csrf: String,
    pub office: bool,
    pub reporter: bool,
}

/// Not signed in (or the session ended): off to the sign-in page, which says why; or, the
/// second factor still to do, to its page.
pub struct SignedOut(PrivateCookieJar, &'static str);

impl SignedOut {
    fn to(jar: PrivateCookieJar, path: &'static str) -> Self {
        SignedOut(jar, path)
    }
}

impl IntoResponse for SignedOut {
    fn into_response(self) -> Response {
        see_other(self.0, self.1)
    }
}

impl From<PageError> for SignedOutOr {
    fn from(e: PageError) -> Self {
        SignedOutOr::Page(e)
    }
}

/// Why a staff request was not served.
pub enum SignedOutOr {
    SignedOut(SignedOut),
    Page(PageError),
}

impl IntoResponse for SignedOutOr {
    fn into_response(self) -> Response {
        match self {
            SignedOutOr::SignedOut(s) => s.into_response(),
            SignedOutOr::Page(p) => p.into_response(),
        }
    }
}

/// Not signed in, the session ended, or the second factor still to do: where to go.
fn signed_out<S: Store>(app: &App<S>, jar: PrivateCookieJar, why: &str) -> SignedOutOr {
    let jar = with_notice(
        jar.remove(Cookie::build(SESSION_COOKIE).path("/")),
        app,
        why,
    );
    SignedOutOr::SignedOut(SignedOut::to(jar, "/staff/sign-in"))
}

/// The session a browser's cookie names, as it stands now.
pub(crate) async fn session_of<S: Store>(
    parts: &mut Parts,
    app: &App<S>,
) -> Result<(PrivateCookieJar, Option<String>, SessionState), PageError> {
    let jar = PrivateCookieJar::from_headers(&parts.headers, app.config.cookies.key());
    let Some(id) = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned()) else {
        return Ok((jar, None, SessionState::Ended(sessions::Ended::Revoked)));
    };
    let Caller(from) = Caller::from_request_parts(parts, app)
        .await
        .unwrap_or_else(|never| match never {});
    let state = sessions::check(&app.core, &id, &from.to_string()).await?;
    Ok((jar, Some(id), state))
}

impl<S: Store> FromRequestParts<App<S>> for StaffSession {
    type Rejection = SignedOutOr;

    async fn from_request_parts(parts: &mut Parts, app: &App<S>) -> Result<Self, SignedOutOr> {
        let (jar, id, state) = session_of(parts, app).await?;
        match (id, state) {
            (
                Some(session_id),
                SessionState::Active {
                    actor,
                    programme,
                    csrf,
                },
            ) => Ok(StaffSession {
                org: *actor,
                csrf,
                jar,
                programme: *programme,
                session_id,
            }),
            (Some(_), SessionState::SecondFactor { .. }) => Err(SignedOutOr::SignedOut(
                SignedOut::to(jar, "/staff/second-factor"),
            )),
            (None, _) => Err(signed_out(
                app,
                jar,
                "请先登录：工作人员页面需要使用本人工作邮箱和动态验证码登录。",
            )),
            (Some(_), SessionState::Ended(why)) => Err(signed_out(app, jar, why.words())),
        }
    }
}

/// A form posted from a staff page: the session's own CSRF token, not cross-site.
pub struct StaffPost<T> {
    pub staff: StaffSession,
    pub form: T,
    pub values: BTreeMap<String, String>,
}

impl<S: Store, T: DeserializeOwned> FromRequest<App<S>> for StaffPost<T> {
    type Rejection = SignedOutOr;

    async fn from_request(req: Request, app: &App<S>) -> Result<Self, SignedOutOr> {
        let (mut parts, body) = req.into_parts();
        let staff = StaffSession::from_request_parts(&mut parts, app).await?;
        let (form, values) = read_form(&parts, body, &staff.csrf).await?;
        Ok(StaffPost {
            staff,
            form,
            values,
        })
    }
}

/// A sign-in link for the local demo: not bound to a browser (the person opens it from
/// the terminal), single-use, good for [`DEMO_LINK_HOURS`].
pub async fn demo_link<S: Store>(
    app: &App<S>,
    org: &openday_rules::org::Organisation,
) -> Result<String, String> {
    sign_in::demo_link(&app.core, org)
        .await
        .map_err(|e| e.to_string())
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/sign_in.html")]
struct SignInPage {
    title: &'static str,
    form: FormState,
    csrf: String,
    /// A link was asked for in this browser: the code can be typed here.
    pending: bool,
}

async fn sign_in_form<S: Store>(
    State(app): State<App<S>>,
    csrf: Csrf,
) -> Result<Response, PageError> {
    let (jar, notice) = take_notice(csrf.jar);
    let pending = jar.get(SIGN_IN_COOKIE).is_some();
    let page = SignInPage {
        title: "工作人员登录",
        form: FormState {
            notice,
            ..FormState::default()
        },
        csrf: csrf.token,
        pending,
    };
    let _ = app;
    Ok((jar, page).into_response())
}

#[derive(Deserialize)]
struct SignInForm {
    email: Option<String>,
}

/// The sign-in form again, the address kept, with `message` at it.
fn sign_in_again(
    csrf: Csrf,
    values: BTreeMap<String, String>,
    message: &str,
    status: StatusCode,
) -> Response {
    let mut state = FormState::with_values(values);
    state.fail("email", message);
    let page = SignInPage {
        title: "工作人员登录",
        form: state,
        csrf: csrf.token,
        pending: csrf.jar.get(SIGN_IN_COOKIE).is_some(),
    };
    (status, csrf.jar, page).into_response()
}

/// Mails a link and a code when the address is an organisation's; the same answer either way.
async fn request_link<S: Store>(
    State(app): State<App<S>>,
    Caller(from): Caller,
    post: FormPost<SignInForm>,
) -> Result<Response, PageError> {
    let FormPost { form, values, csrf } = post;
    let requested = match sign_in::request_link(&app.core, form.email.as_deref(), from).await {
        Ok(r) => r,
        Err(e @ openday_app::AppError::Rules(_)) => {
            let message = e.said().message;
            return Ok(sign_in_again(
                csrf,
                values,
                &message,
                StatusCode::UNPROCESSABLE_ENTITY,
            ));
        }
        Err(e) => return Err(e.into()),
    };
    if requested.mail == LinkMail::NotSent {
        // Said plainly, so nobody waits for a mail that will not come; the attempt was
        // never delivered and expires unused. (Only while mail is down does this answer
        // differ from an unknown address's.)
        let mut res = sign_in_again(
            csrf,
            values,
            "登录邮件暂时无法发送，请稍后重试",
            StatusCode::SERVICE_UNAVAILABLE,
        );
        res.headers_mut().insert(
            axum::http::header::RETRY_AFTER,
            axum::http::HeaderValue::from_static("60"),
        );
        return Ok(res);
    }
    let attempt = requested.attempt;
    let jar = csrf.jar.add(app.config.cookies.cookie(
        SIGN_IN_COOKIE,
        attempt,
        SIGN_IN_MINUTES * 60,
    ));
    let jar = with_notice(
        jar,
        &app,
        &format!(
            "如果该邮箱属于平台名录中的机关，登录链接和6位验证码已发送至该邮箱，{SIGN_IN_MINUTES}分钟内有效。请在本浏览器中打开链接，或在下方输入验证码。"
        ),
    );
    Ok(see_other(jar, "/staff/sign-in"))
}

#[derive(Deserialize)]
struct ConfirmQuery {
    n: Option<String>,
    a: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/confirm.html")]
struct ConfirmPage {
    title: &'static str,
    csrf: String,
    n: String,
    a: String,
}

/// Opening the mailed link: only a page that asks to confirm (a scanner's GET signs nobody in).
async fn confirm_form<S: Store>(
    State(_app): State<App<S>>,
    csrf: Csrf,
    Query(q): Query<ConfirmQuery>,
) -> Result<Response, PageError> {
    let page = ConfirmPage {
        title: "确认登录",
        csrf: csrf.token,
        n: q.n.unwrap_or_default(),
        a: q.a.unwrap_or_default(),
    };
    Ok((csrf.jar, page).into_response())
}

#[derive(Deserialize)]
struct ConfirmForm {
    n: Option<String>,
    a: Option<String>,
    code: Option<String>,
}

fn link_refused() -> PageError {
    PageError::new(
        StatusCode::BAD_REQUEST,
        "登录链接无效、已使用或已过期。登录链接只能在申请登录的浏览器中使用一次，15分钟内有效；请重新申请登录。",
    )
}

/// Uses the attempt: the link's nonce or the typed code; then the session starts.
async fn confirm<S: Store>(
    State(app): State<App<S>>,
    Caller(from): Caller,
    headers: axum::http::HeaderMap,
    post: FormPost<ConfirmForm>,
) -> Result<Response, PageError> {
    let FormPost { form, values, csrf } = post;
    let own = csrf.jar.get(SIGN_IN_COOKIE).map(|c| c.value().to_owned());
    let proof = Confirmation {
        own_attempt: own.as_deref(),
        named_attempt: form.a.as_deref(),
        nonce: form.n.as_deref(),
        code: form.code.as_deref(),
    };
    let (member, org) = match sign_in::confirm(&app.core, proof).await? {
        Confirmed::SignedIn(member, org) => (member, org),
        Confirmed::LinkRefused => return Err(link_refused()),
        Confirmed::CodeRefused => {
            let mut state = FormState::with_values(values);
            state.fail(
                "code",
                "验证码不正确或已过期：请输入本浏览器申请登录后邮件中的6位验证码，或重新申请登录。",
            );
            let page = SignInPage {
                title: "工作人员登录",
                form: state,
                csrf: csrf.token,
                pending: own.is_some(),
            };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, csrf.jar, page).into_response());
        }
    };
    let jar = csrf.jar.remove(Cookie::build(SIGN_IN_COOKIE).path("/"));
    let device = headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("未知设备");
    let started = sessions::start(&app.core, &member, &org, device, &from.to_string()).await?;
    let jar = jar.add(
        app.config
            .cookies
            .cookie(SESSION_COOKIE, started.id, SESSION_HOURS * 3600),
    );
    Ok(see_other(jar, "/staff/second-factor"))
}

async fn sign_out<S: Store>(
    State(app): State<App<S>>,
    post: StaffPost<BTreeMap<String, String>>,
) -> Result<Response, SignedOutOr> {
    sessions::sign_out(&app.core, &post.staff.org, &post.staff.session_id)
        .await
        .map_err(PageError::from)?;
    let jar = post
        .staff
        .jar
        .remove(Cookie::build(SESSION_COOKIE).path("/"));
    tracing::info!(org = %post.staff.org.id, "staff signed out");
    let jar = with_notice(jar, &app, "已退出登录。");
    Ok(see_other(jar, "/staff/sign-in"))
}

/// A page for the signed-in organisation: the jar (with any notice taken out) and the page.
pub(crate) fn staff_page<P: IntoResponse>(jar: PrivateCookieJar, page: P) -> Response {
    (jar, page).into_response()
}

/// The home page: an agency's plans; an office's review queue and findings.
async fn home<S: Store>(
    State(app): State<App<S>>,
    staff: StaffSession,
) -> Result<Response, SignedOutOr> {
    Ok(plans::home(&app, staff).await?)
}
