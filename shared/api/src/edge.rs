//! What every response passes through at the edge: paths that cannot name anything are
//! refused before a handler (or DynamoDB) sees them, errors from outside the handlers
//! (an unknown route, a wrong method, a bad path) get the JSON error shape under `/api/` and
//! an HTML page elsewhere, and nothing is cached (responses carry personal data:
//! registrations, plans, staff views) unless a handler says otherwise (the stylesheet).
//! Every response carries the security headers ([`SecurityHeaders`]).

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tower::Layer;
use tower_http::set_header::SetResponseHeaderLayer;

/// The longest path segment any route takes (ids are 32 characters, codes 8).
const MAX_SEGMENT: usize = 64;
const MAX_PATH: usize = 1024;

/// Refuses paths no route could serve: too long, undecodable, or with characters no id has.
pub async fn sane_path(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let api = is_api(path);
    if path.len() > MAX_PATH {
        return error(
            api,
            StatusCode::URI_TOO_LONG,
            "URI_TOO_LONG",
            "请求地址过长",
        );
    }
    let sane = path.split('/').skip(1).all(|segment| {
        segment.len() <= MAX_SEGMENT
            && segment
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    });
    if !sane {
        return error(api, StatusCode::NOT_FOUND, "NOT_FOUND", "请求的地址不存在");
    }
    next.run(req).await
}

/// An error response that is not JSON yet (axum's own 404, 405, a rejected path) gets the
/// platform's error shape; every response gets `Cache-Control: no-store`.
pub async fn json_errors_no_store(req: Request, next: Next) -> Response {
    let api = is_api(req.uri().path());
    let mut response = next.run(req).await;
    let status = response.status();
    let shaped = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json") || v.starts_with("text/html"));
    if (status.is_client_error() || status.is_server_error()) && !shaped {
        let (code, message) = match status {
            StatusCode::NOT_FOUND => ("NOT_FOUND", "请求的地址不存在"),
            StatusCode::METHOD_NOT_ALLOWED => ("METHOD_NOT_ALLOWED", "该地址不支持此请求方法"),
            StatusCode::PAYLOAD_TOO_LARGE => ("PAYLOAD_TOO_LARGE", "请求内容不能超过64 KiB"),
            StatusCode::URI_TOO_LONG => ("URI_TOO_LONG", "请求地址过长"),
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => ("HEADERS_TOO_LARGE", "请求头过大"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => (
                "UNSUPPORTED_MEDIA_TYPE",
                "请以 UTF-8 编码的 application/json 或 application/x-www-form-urlencoded 格式提交",
            ),
            s if s.is_server_error() => ("SERVICE_UNAVAILABLE", "系统繁忙，请稍后重试"),
            _ => ("MALFORMED_REQUEST", "请求格式有误"),
        };
        let allow = response.headers().get(header::ALLOW).cloned();
        response = error(api, status, code, message);
        if let Some(allow) = allow {
            response.headers_mut().insert(header::ALLOW, allow);
        }
    }
    response
        .headers_mut()
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

/// The API answers programs (JSON); every other path is a page for people (HTML).
fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

fn error(api: bool, status: StatusCode, code: &str, message: &str) -> Response {
    if api {
        (
            status,
            axum::Json(json!({"error": {"code": code, "message": message}})),
        )
            .into_response()
    } else {
        crate::pages::PageError::new(status, message).into_response()
    }
}

/// What a browser may load and do with the platform's pages: scripts, styles and images
/// from the site itself only (no inline script or style; the QR code and chart are inline
/// SVG elements, `data:` images are allowed for them), forms posted only to the site, never
/// framed, no plugins, no `<base>`.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// HSTS for a site served over HTTPS: a year (no `includeSubDomains`: the other hosts of a
/// government domain are not the platform's to decide).
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000";

/// The security headers of every response, pages and JSON alike: the content security
/// policy, no framing, no MIME sniffing, no `Referer` (sign-in links carry their secret
/// in the query), and `Strict-Transport-Security` when the configured site is `https://`.
#[derive(Clone)]
pub struct SecurityHeaders {
    hsts: bool,
}

impl SecurityHeaders {
    /// The headers for the site at `site` (Settings `site`).
    pub fn for_site(site: &str) -> Self {
        Self {
            hsts: site.trim().to_ascii_lowercase().starts_with("https://"),
        }
    }
}

impl<S> Layer<S> for SecurityHeaders {
    type Service = tower::util::Either<WithHsts<S>, Fixed<S>>;

    fn layer(&self, inner: S) -> Self::Service {
        let fixed = fixed_headers(inner);
        if self.hsts {
            tower::util::Either::Left(
                SetResponseHeaderLayer::if_not_present(
                    header::STRICT_TRANSPORT_SECURITY,
                    HeaderValue::from_static(STRICT_TRANSPORT_SECURITY),
                )
                .layer(fixed),
            )
        } else {
            tower::util::Either::Right(fixed)
        }
    }
}

type Set<S> = tower_http::set_header::SetResponseHeader<S, HeaderValue>;
/// `S` with the four headers every response carries.
pub type Fixed<S> = Set<Set<Set<Set<S>>>>;
/// Those and HSTS.
pub type WithHsts<S> = Set<Fixed<S>>;

fn fixed_headers<S>(inner: S) -> Fixed<S> {
    let set = |name, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    let s = set(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY).layer(inner);
    let s = set(header::X_FRAME_OPTIONS, "DENY").layer(s);
    let s = set(header::X_CONTENT_TYPE_OPTIONS, "nosniff").layer(s);
    set(header::REFERRER_POLICY, "no-referrer").layer(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::routing::get;
    use tower::ServiceExt;

    async fn headers_for(site: &str) -> axum::http::HeaderMap {
        let router = Router::new()
            .route("/", get(|| async { "ok" }))
            .layer(SecurityHeaders::for_site(site));
        let req = Request::builder().uri("/").body(Body::empty());
        router
            .oneshot(req.expect("a request"))
            .await
            .expect("infallible")
            .headers()
            .clone()
    }

    #[tokio::test]
    async fn hsts_only_when_the_site_is_served_over_https() {
        let https = headers_for("https://openday.gxzf.gov.cn").await;
        assert_eq!(
            https[header::STRICT_TRANSPORT_SECURITY],
            STRICT_TRANSPORT_SECURITY
        );
        assert_eq!(
            https[header::CONTENT_SECURITY_POLICY],
            CONTENT_SECURITY_POLICY
        );
        let http = headers_for("http://127.0.0.1:8080").await;
        assert!(http.get(header::STRICT_TRANSPORT_SECURITY).is_none());
        assert_eq!(http[header::X_FRAME_OPTIONS], "DENY");
        assert_eq!(http[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(http[header::REFERRER_POLICY], "no-referrer");
    }
}
