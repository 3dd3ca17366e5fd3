//! The web pages: HTML rendered on the server from compile-time checked templates (askama),
//! plain forms that work without JavaScript (Post/Redirect/Get), and encrypted cookies for
//! CSRF tokens and for the registration just taken. The pages call the same use cases as the
//! API (`openday_app`), so a rule refuses a form with the same Chinese message it gives a
//! program. Nothing here imports the JSON handlers.

pub mod assets;
pub mod public;
pub mod questions;
pub mod staff;
pub mod view;

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{FromRef, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, Key, PrivateCookieJar};
use serde::de::DeserializeOwned;

use openday_app::AppError;

use crate::app::App;
use crate::error::ApiError;

pub use crate::keys::CookieKey;

impl<S> FromRef<App<S>> for Key {
    fn from_ref(app: &App<S>) -> Key {
        app.config.cookies.key()
    }
}

const CSRF_COOKIE: &str = "csrf";
/// A form's token lives as long as a browsing session might keep a form open.
const CSRF_SECONDS: i64 = 12 * 3600;

/// The CSRF token of this browser: read from its encrypted cookie, or made and set.
pub struct Csrf {
    pub token: String,
    pub jar: PrivateCookieJar,
}

impl<S: Send + Sync> FromRequestParts<App<S>> for Csrf {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, app: &App<S>) -> Result<Self, PageError> {
        let jar = PrivateCookieJar::from_headers(&parts.headers, app.config.cookies.key());
        if let Some(token) = jar.get(CSRF_COOKIE).map(|c| c.value().to_owned()) {
            return Ok(Csrf { token, jar });
        }
        let token = openday_app::services::random_hex::<24>().map_err(PageError::from)?;
        let jar = jar.add(
            app.config
                .cookies
                .cookie(CSRF_COOKIE, token.clone(), CSRF_SECONDS),
        );
        Ok(Csrf { token, jar })
    }
}

/// A form posted from one of this site's own pages: not cross-site (`Sec-Fetch-Site`), with
/// the token of this browser's CSRF cookie. `T` is read from the form's fields.
pub struct FormPost<T> {
    pub form: T,
    /// Every field as sent, to fill the form in again when it is refused.
    pub values: BTreeMap<String, String>,
    pub csrf: Csrf,
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<App<S>> for FormPost<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, app: &App<S>) -> Result<Self, PageError> {
        let (mut parts, body) = req.into_parts();
        let csrf = Csrf::from_request_parts(&mut parts, app).await?;
        let (form, values) = read_form(&parts, body, &csrf.token).await?;
        Ok(FormPost { form, values, csrf })
    }
}

/// A form body from one of this site's pages: refused when the browser says the post is
/// cross-site (`Sec-Fetch-Site`) or its `csrf` field is not `token`. The typed form, and
/// every field as sent (the token left out).
pub(crate) async fn read_form<T: DeserializeOwned>(
    parts: &Parts,
    body: axum::body::Body,
    token: &str,
) -> Result<(T, BTreeMap<String, String>), PageError> {
    let cross_site = parts
        .headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() == b"cross-site");
    let bytes: Bytes = axum::body::to_bytes(body, crate::payload::MAX_BODY)
        .await
        .map_err(|_| PageError::from(ApiError::TooLarge))?;
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if content_type != "application/x-www-form-urlencoded" {
        return Err(ApiError::UnsupportedMediaType.into());
    }
    let mut values = url_pairs(&bytes);
    let sent = values.remove("csrf");
    if cross_site || sent.as_deref() != Some(token) {
        return Err(PageError::expired());
    }
    Ok((crate::payload::parse(&content_type, &bytes)?, values))
}

/// The fields of a form body, as sent (the last of a repeated name).
fn url_pairs(bytes: &[u8]) -> BTreeMap<String, String> {
    form_urlencoded::parse(bytes)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// One message of a refused form: at its field when it has one.
#[derive(Debug, Clone)]
pub struct FieldError {
    pub field: Option<String>,
    pub message: String,
}

/// A form's state on the page: what was typed, what was wrong, and a notice.
#[derive(Debug, Default)]
pub struct FormState {
    pub values: BTreeMap<String, String>,
    pub errors: Vec<FieldError>,
    pub notice: Option<String>,
    /// The status the API gives the refusal that is not a broken rule (403, 404, 409,
    /// 429), when the form was refused for one.
    refused_with: Option<StatusCode>,
}

impl FormState {
    pub fn with_values(values: BTreeMap<String, String>) -> Self {
        Self {
            values,
            ..Self::default()
        }
    }

    pub fn value(&self, name: &str) -> &str {
        self.values.get(name).map_or("", String::as_str)
    }

    pub fn checked(&self, name: &str) -> bool {
        matches!(self.value(name), "on" | "true" | "1" | "yes")
    }

    pub fn is(&self, name: &str, value: &str) -> bool {
        self.value(name) == value
    }

    /// The first message for `name`.
    pub fn error(&self, name: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field.as_deref() == Some(name))
            .map(|e| e.message.as_str())
    }

    pub fn invalid(&self, name: &str) -> bool {
        self.error(name).is_some()
    }

    /// The status a refused form comes back with: the API's for the same refusal (403
    /// forbidden, 404 not found, 409 conflict, 429 too often), 422 for broken rules.
    pub fn status(&self) -> StatusCode {
        self.refused_with
            .unwrap_or(StatusCode::UNPROCESSABLE_ENTITY)
    }

    /// Records what a refused request said, at the fields the form has (`fields`); any
    /// other message goes to the summary alone, and the form answers the status the API
    /// gives it ([`FormState::status`]). Errors that are not the person's to fix (storage
    /// unavailable) are passed on.
    pub fn refuse(&mut self, error: AppError, fields: &[&str]) -> Result<(), PageError> {
        self.refuse_at(error, &|f| named(fields, f))
    }

    /// As [`FormState::refuse`], each message at the form field `field_of` says holds the
    /// rule's field (a row's `sessions[0].end` is the form's `sessions.0.end`).
    pub fn refuse_at(
        &mut self,
        error: AppError,
        field_of: &dyn Fn(&str) -> Option<String>,
    ) -> Result<(), PageError> {
        let at = |field: Option<String>| field.as_deref().and_then(field_of);
        let status = crate::error::status_of(&error);
        if status != StatusCode::UNPROCESSABLE_ENTITY && self.refused_with.is_none() {
            self.refused_with = Some(status);
        }
        match error {
            AppError::Rules(vs) => {
                for v in vs.iter() {
                    self.errors.push(FieldError {
                        field: at(v.field.clone()),
                        message: v.message.clone(),
                    });
                }
            }
            e @ (AppError::Conflict { .. }
            | AppError::Forbidden(_)
            | AppError::RateLimited { .. }
            | AppError::NotFound(_)) => {
                let said = e.said();
                self.errors.push(FieldError {
                    field: at(said.field),
                    message: said.message,
                });
            }
            e => return Err(e.into()),
        }
        Ok(())
    }

    pub fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: Some(field.to_owned()),
            message: message.into(),
        });
    }
}

/// A page that could not be shown: a message for the person, with the status.
#[derive(Debug)]
pub struct PageError {
    status: StatusCode,
    title: &'static str,
    message: String,
    retry_after: Option<u64>,
}

impl PageError {
    fn expired() -> Self {
        Self {
            status: StatusCode::FORBIDDEN,
            title: "页面已过期",
            message: "页面已过期或来源不明，请返回上一页刷新后重新提交。".into(),
            retry_after: None,
        }
    }

    /// An error page for a status the edge answers (unknown page, wrong method).
    pub fn new(status: StatusCode, message: &str) -> Self {
        Self {
            status,
            title: if status == StatusCode::NOT_FOUND {
                "页面不存在"
            } else {
                "无法完成操作"
            },
            message: message.to_owned(),
            retry_after: None,
        }
    }
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        let status = e.status();
        let retry_after = e.retry_after();
        let (_, message, _) = e.parts();
        if status.is_server_error() {
            tracing::error!(error = %e, "page failed");
        }
        let title = match status {
            StatusCode::NOT_FOUND => "页面不存在",
            StatusCode::TOO_MANY_REQUESTS => "操作过于频繁",
            s if s.is_server_error() => "系统繁忙",
            _ => "无法完成操作",
        };
        Self {
            status,
            title,
            message,
            retry_after,
        }
    }
}

impl From<AppError> for PageError {
    fn from(e: AppError) -> Self {
        ApiError::App(e).into()
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    message: &'a str,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let page = ErrorPage {
            title: self.title,
            message: &self.message,
        };
        let mut response = (self.status, page).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

/// A choice of a radio group or a select: value, label, and whether it is chosen.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub chosen: bool,
}

/// The choices of an enum, the one `name` holds chosen.
pub(crate) fn choices<E: openday_rules::WireEnum>(form: &FormState, name: &str) -> Vec<Choice> {
    E::ALL
        .iter()
        .map(|e| Choice {
            value: e.wire().to_owned(),
            label: e.label().to_owned(),
            chosen: form.is(name, e.wire()),
        })
        .collect()
}

/// `field` when the form has a field of that name.
pub fn named(fields: &[&str], field: &str) -> Option<String> {
    fields.contains(&field).then(|| field.to_owned())
}

/// Post/Redirect/Get: after a form is taken, the browser is sent to a page it may reload.
pub fn see_other(jar: PrivateCookieJar, to: &str) -> Response {
    (jar, Redirect::to(to)).into_response()
}

/// A one-time message for the next page (an encrypted cookie, read and removed there).
pub(crate) const NOTICE_COOKIE: &str = "notice";

pub fn with_notice<S>(jar: PrivateCookieJar, app: &App<S>, message: &str) -> PrivateCookieJar {
    jar.add(
        app.config
            .cookies
            .cookie(NOTICE_COOKIE, message.to_owned(), 600),
    )
}

/// The notice left by the previous page, taken out of the jar.
pub fn take_notice(jar: PrivateCookieJar) -> (PrivateCookieJar, Option<String>) {
    match jar.get(NOTICE_COOKIE) {
        Some(c) => {
            let message = c.value().to_owned();
            (
                jar.remove(Cookie::build(NOTICE_COOKIE).path("/")),
                Some(message),
            )
        }
        None => (jar, None),
    }
}

/// `text` as an inline SVG QR code: a registration code for the door's scanner, a second
/// factor's key for an authenticator app.
pub(crate) fn qr_svg(code: &str) -> String {
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
