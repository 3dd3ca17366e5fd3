//! Delivery receipts pushed by the domestic SMS gateways: `POST
//! /api/sms-receipts/{provider}/{token}`, the address configured in the vendor's console.
//! The vendors sign nothing, so the path carries a secret (`OPENDAY_SMS_RECEIPT_TOKEN`, at
//! least 16 characters): without it, or with another, the address does not exist (404).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::Method;
use serde_json::Value;

use crate::app::{App, Store};
use crate::error::ApiError;
use crate::routing::{Routes, method};

pub fn routes<S: Store>() -> Routes<S> {
    Routes::new().route(
        Method::POST,
        "/api/sms-receipts/{provider}/{token}",
        method(&Method::POST, take::<S>),
    )
}

/// Records each receipt on its message and answers as the vendor expects.
async fn take<S: Store>(
    State(app): State<App<S>>,
    Path((provider, token)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    if !app
        .config
        .sms_receipts
        .as_ref()
        .is_some_and(|t| t.is(&token))
    {
        return Err(ApiError::not_found("请求的地址不存在"));
    }
    let taken = openday_app::messages::receipts(&app.core, &provider, &body).await?;
    Ok(Json(taken.acknowledgement))
}
