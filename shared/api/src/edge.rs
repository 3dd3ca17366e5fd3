//! What every response passes through at the edge: paths that cannot name anything are
//! refused before a handler (or DynamoDB) sees them, errors from outside the handlers
//! (an unknown route, a wrong method, a bad path) get the JSON error shape under `/api/` and
//! an HTML page elsewhere, and nothing is cached (responses carry personal data:
//! registrations, plans, staff views) unless a handler says otherwise (the stylesheet).

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

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
