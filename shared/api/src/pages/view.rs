//! What the frame of every page knows of the request it answers: whether the person chose
//! 长辈模式 (elder mode: larger type and touch targets, stronger contrast, no animation;
//! the same content), and the path, for the switch to come back to it. A middleware puts
//! both in a task-local for the handler; the base template reads them, so no page's own
//! code has to carry them.

use axum::extract::{Query, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// The cookie that keeps the choice: `elder`, or absent for the standard mode.
pub const COOKIE: &str = "openday_mode";

#[derive(Clone, Debug, Default)]
struct View {
    elder: bool,
    path: String,
}

tokio::task_local! {
    static VIEW: View;
}

/// Whether the page being rendered is in 长辈模式.
pub fn elder() -> bool {
    VIEW.try_with(|v| v.elder).unwrap_or(false)
}

/// The path of the page being rendered (for the switch's way back).
pub fn here() -> String {
    VIEW.try_with(|v| v.path.clone())
        .unwrap_or_else(|_| "/".to_owned())
}

fn elder_in(req: &Request) -> bool {
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .any(|pair| pair.trim() == format!("{COOKIE}=elder"))
}

/// Runs the request with its [`View`].
pub async fn scope(req: Request, next: Next) -> Response {
    let view = View {
        elder: elder_in(&req),
        path: req.uri().path().to_owned(),
    };
    VIEW.scope(view, next.run(req)).await
}

#[derive(Deserialize)]
pub struct Switch {
    to: Option<String>,
    back: Option<String>,
}

/// `GET /mode?to=elder|standard&back=/path`: keeps the choice in a cookie for a year and
/// goes back to the page (a link, so it works without JavaScript; it changes only how the
/// site looks to this browser).
pub async fn switch(Query(q): Query<Switch>) -> Response {
    let elder = match q.to.as_deref() {
        Some("elder") => true,
        Some("standard") => false,
        _ => {
            // The edge turns it into the site's error page.
            return StatusCode::BAD_REQUEST.into_response();
        }
    };
    // Only a path of this site: never another host (`//host`, `/\host`).
    let back = q
        .back
        .filter(|b| b.starts_with('/') && !b.starts_with("//") && !b.contains('\\'))
        .unwrap_or_else(|| "/".to_owned());
    let cookie = if elder {
        format!("{COOKIE}=elder; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly")
    } else {
        format!("{COOKIE}=; Path=/; Max-Age=0; SameSite=Lax; HttpOnly")
    };
    let mut response = axum::response::Redirect::to(&back).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mode_is_read_from_the_cookie_among_others() {
        let req = |cookie: &str| {
            axum::http::Request::builder()
                .header(header::COOKIE, cookie)
                .body(axum::body::Body::empty())
                .unwrap_or_default()
        };
        assert!(elder_in(&req("a=1; openday_mode=elder; b=2")));
        assert!(!elder_in(&req("openday_mode=standard")));
        assert!(!elder_in(&req("xopenday_mode=elder")));
        assert!(!elder());
        assert_eq!(here(), "/");
    }
}
