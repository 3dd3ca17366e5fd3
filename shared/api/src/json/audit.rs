//! The audit trail (操作日志) through the API: a 管理员 reads their organisation's records,
//! an office's 管理员 its jurisdiction's, as JSON or as a spreadsheet.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::Method;
use axum::response::Response;
use openday_app::audit::{self, AuditLog, AuditQuery};

use crate::app::{App, Store};
use crate::auth::Staff;
use crate::error::ApiError;
use crate::exports::{AuditExportQuery as ExportQuery, FormatQuery, download_streamed};
use crate::routing::{Routes, method};

pub fn routes<S: Store>() -> Routes<S> {
    Routes::new()
        .route(
            Method::GET,
            "/api/audit",
            method(&Method::GET, log_json::<S>),
        )
        .route(
            Method::GET,
            "/api/audit/export",
            method(&Method::GET, log_file::<S>),
        )
}

async fn log_json<S: Store>(
    State(app): State<App<S>>,
    Staff(actor): Staff,
    Query(q): Query<AuditQuery>,
) -> Result<Json<AuditLog>, ApiError> {
    Ok(Json(audit::log(&app.core, &actor, &q).await?))
}

async fn log_file<S: Store>(
    State(app): State<App<S>>,
    Staff(actor): Staff,
    Query(q): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    let format = FormatQuery {
        format: q.format.clone(),
        year: None,
    }
    .format()?;
    let (from, to, trail) = openday_app::exports::audit_trail(&app.core, &actor, &q.filter).await?;
    download_streamed(&format!("操作日志{from}至{to}"), format, trail).await
}
