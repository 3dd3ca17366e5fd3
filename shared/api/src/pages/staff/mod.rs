//! The staff pages: agencies and openness offices do their year's work in the browser.
//!
//! Sign-in is by a link mailed to the organisation's directory address. Mail scanners open
//! links before people do, so opening the link only shows a 确认登录 page; its POST uses the
//! single-use nonce, and only in the browser that asked (the attempt id lives in that
//! browser's encrypted cookie). The mail carries a 6-digit code as well, for a browser the
//! link cannot reach. The session is an encrypted cookie naming the organisation, checked
//! against the organisation's session version so an office can end every session at once.

mod answers;
mod office;
mod plan_edit;
mod plan_form;
mod plan_page;
mod plans;
mod programme;
mod rows;
mod work;

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{FromRequest, FromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, PrivateCookieJar};
use openday_app::sign_in::{self, Confirmation, Confirmed, LinkMail, SessionCheck};
use openday_rules::org::{Id, OrgKind, Organisation};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::limits::Caller;

use super::{Csrf, FormPost, FormState, PageError, read_form, see_other, take_notice, with_notice};
use crate::app::{App, Store};
use crate::routing::{Routes, method};

pub use openday_app::sign_in::{DEMO_LINK_HOURS, SESSION_HOURS, SIGN_IN_MINUTES};

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
        .merge(plans::routes())
}

/// The pages of the feedback job: registrants and feedback of a plan.
pub fn feedback_routes<S: Store>() -> Routes<S> {
    work::routes()
}

/// The pages of the reports job: the annual report, the plans of a jurisdiction, the
/// compliance dashboard, revoking sessions.
pub fn report_routes<S: Store>() -> Routes<S> {
    office::routes().merge(programme::routes())
}

/// What a session cookie holds (encrypted, so the browser cannot read or change it).
#[derive(Serialize, Deserialize)]
struct SessionClaims {
    org: String,
    /// The organisation's session version when it was issued.
    v: u64,
    /// Unix seconds it ends at.
    exp: i64,
    /// The CSRF token of every form in this session.
    csrf: String,
}

/// The signed-in organisation, from a valid session cookie.
pub struct StaffSession {
    pub org: Organisation,
    pub csrf: String,
    pub jar: PrivateCookieJar,
    /// This year's programme in force for the organisation's region.
    pub programme: openday_rules::Programme,
}

impl StaffSession {
    /// What every staff page shows in its header.
    pub fn me(&self) -> Me {
        Me {
            name: self.org.name.to_string(),
            csrf: self.csrf.clone(),
            office: self.org.kind == OrgKind::Office,
            reporter: self.programme.is_reporter(&self.org),
        }
    }
}

/// The organisation signed in, as the header and navigation show it.
pub struct Me {
    pub name: String,
    pub csrf: String,
    pub office: bool,
    pub reporter: bool,
}

/// Not signed in (or the session ended): off to the sign-in page, which says why.
pub struct SignedOut(PrivateCookieJar);

impl IntoResponse for SignedOut {
    fn into_response(self) -> Response {
        see_other(self.0, "/staff/sign-in")
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

impl<S: Store> FromRequestParts<App<S>> for StaffSession {
    type Rejection = SignedOutOr;

    async fn from_request_parts(parts: &mut Parts, app: &App<S>) -> Result<Self, SignedOutOr> {
        let jar = PrivateCookieJar::from_headers(&parts.headers, app.config.cookies.key());
        let claims = jar
            .get(SESSION_COOKIE)
            .and_then(|c| serde_json::from_str::<SessionClaims>(c.value()).ok());
        let signed_out = |jar: PrivateCookieJar, why: &str| {
            let jar = with_notice(
                jar.remove(Cookie::build(SESSION_COOKIE).path("/")),
                app,
                why,
            );
            SignedOutOr::SignedOut(SignedOut(jar))
        };
        let Some(claims) = claims else {
            return Err(signed_out(
                jar,
                "请先登录：工作人员页面需要使用机关邮箱登录。",
            ));
        };
        let Ok(id) = Id::parse("org", &claims.org) else {
            return Err(signed_out(jar, "请先登录。"));
        };
        let checked = sign_in::check_session(&app.core, &id, claims.v, claims.exp)
            .await
            .map_err(PageError::from)?;
        let (org, programme) = match checked {
            SessionCheck::Valid { org, programme } => (*org, *programme),
            SessionCheck::Expired => {
                return Err(signed_out(jar, "登录已超过8小时，请重新登录。"));
            }
            SessionCheck::Revoked => {
                return Err(signed_out(jar, "登录已失效（已被注销），请重新登录。"));
            }
            SessionCheck::Gone => {
                return Err(signed_out(
                    jar,
                    "该机关已不在名录中，请联系政务公开办公室。",
                ));
            }
        };
        Ok(StaffSession {
            org,
            csrf: claims.csrf,
            jar,
            programme,
        })
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

/// A session for `org` as of now, in this browser's jar.
async fn start_session<S: Store>(
    app: &App<S>,
    jar: PrivateCookieJar,
    org: &Organisation,
) -> Result<PrivateCookieJar, PageError> {
    let session = sign_in::start_session(&app.core, org).await?;
    let claims = SessionClaims {
        org: org.id.to_string(),
        v: session.version,
        exp: session.expires_at.timestamp(),
        csrf: session.csrf,
    };
    // A struct of strings and numbers always serialises.
    let value = serde_json::to_string(&claims).unwrap_or_default();
    Ok(jar.add(
        app.config
            .cookies
            .cookie(SESSION_COOKIE, value, SESSION_HOURS * 3600),
    ))
}

/// A sign-in link for the local demo: not bound to a browser (the person opens it from
/// the terminal), single-use, good for [`DEMO_LINK_HOURS`].
pub async fn demo_link<S: Store>(app: &App<S>, org: &Organisation) -> Result<String, String> {
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
    let org = match sign_in::confirm(&app.core, proof).await? {
        Confirmed::SignedIn(org) => org,
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
    let jar = start_session(&app, jar, &org).await?;
    let jar = with_notice(jar, &app, &format!("已登录：{}", org.name));
    Ok(see_other(jar, "/staff"))
}

async fn sign_out<S: Store>(
    State(app): State<App<S>>,
    post: StaffPost<BTreeMap<String, String>>,
) -> Result<Response, SignedOutOr> {
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
