//! Request bodies: JSON or `application/x-www-form-urlencoded` on the same paths, at most
//! 64 KiB, parsed into the rules crate's drafts; anything else is a clear 4xx.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

pub const MAX_BODY: usize = 64 * 1024;

/// A body read as JSON or as a form (nested fields as `segments[0][kind]=…`).
pub struct Payload<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Payload<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _: &S) -> Result<Self, ApiError> {
        let content_type = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let bytes = axum::body::to_bytes(req.into_body(), MAX_BODY)
            .await
            .map_err(|_| ApiError::TooLarge)?;
        parse(&content_type, &bytes).map(Payload)
    }
}

/// Parses a body of the given media type.
pub fn parse<T: DeserializeOwned>(content_type: &str, bytes: &Bytes) -> Result<T, ApiError> {
    match content_type {
        "application/json" | "" => {
            serde_json::from_slice(if bytes.is_empty() { b"{}" } else { bytes })
                .map_err(|e| ApiError::Malformed(format!("JSON 无法解析（{e}）")))
        }
        "application/x-www-form-urlencoded" => form(bytes),
        _ => Err(ApiError::UnsupportedMediaType),
    }
}

fn form<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let config = serde_qs::Config::new().max_depth(5).use_form_encoding(true);
    config
        .deserialize_bytes(bytes)
        .map_err(|e| ApiError::Malformed(format!("表单无法解析（{e}）")))
}

/// A query string parsed into `T` (missing or bad values become a 400, never a panic).
pub struct QueryOf<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for QueryOf<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or("");
        form(query.as_bytes()).map(QueryOf)
    }
}
