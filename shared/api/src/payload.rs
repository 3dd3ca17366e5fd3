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
        let (content_type, bytes) = body(req).await?;
        parse(&content_type, &bytes).map(Payload)
    }
}

pub use openday_app::commands::PhoneProof;

/// A body read as `T` and, from the same fields, as its [`PhoneProof`].
pub struct Proved<T>(pub T, pub PhoneProof);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Proved<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _: &S) -> Result<Self, ApiError> {
        let (content_type, bytes) = body(req).await?;
        Ok(Proved(
            parse(&content_type, &bytes)?,
            parse(&content_type, &bytes)?,
        ))
    }
}

/// The media type (lower case, without parameters) and the bytes of a body of at most
/// [`MAX_BODY`].
async fn body(req: Request) -> Result<(String, Bytes), ApiError> {
    let header = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut params = header.split(';');
    let content_type = params.next().unwrap_or("").trim().to_owned();
    // Only UTF-8 text is read: another charset would be decoded into the wrong characters.
    let charset = params
        .filter_map(|p| p.trim().strip_prefix("charset="))
        .map(|c| c.trim_matches('"'))
        .next();
    if charset.is_some_and(|c| c != "utf-8" && c != "utf8") {
        return Err(ApiError::UnsupportedMediaType);
    }
    let bytes = axum::body::to_bytes(req.into_body(), MAX_BODY)
        .await
        .map_err(|_| ApiError::TooLarge)?;
    Ok((content_type, bytes))
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
