//! The programme (工作方案) in force for a region and year, and the regional office's
//! upload of a new version. Plans keep the version they were checked against.

use axum::Json;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use openday_rules::org::{Id, Level, OrgKind, Organisation};
use openday_rules::programme::region_of;
use openday_rules::text::NumberLike;
use openday_rules::{Code, Programme, Violation};
use openday_store::ports::programme_in_force;
use openday_store::records::ProgrammeRecord;
use serde::Deserialize;

use super::{Routes, method};
use crate::app::{App, Store};
use crate::auth::Staff;
use crate::error::ApiError;
use crate::payload::{Payload, QueryOf};
use crate::views::{ProgrammeInForce, ProgrammeStored};

pub fn routes<S: Store>() -> Routes<S> {
    Routes::new()
        .route(
            Method::GET,
            "/api/programmes",
            method(&Method::GET, in_force::<S>),
        )
        .route(
            Method::POST,
            "/api/programmes",
            method(&Method::POST, upload::<S>),
        )
}

#[derive(Deserialize, Default)]
struct ProgrammeQuery {
    region: Option<String>,
    year: Option<NumberLike>,
}

/// The programme in force: public, like the work plan it comes from.
async fn in_force<S: Store>(
    State(app): State<App<S>>,
    QueryOf(q): QueryOf<ProgrammeQuery>,
) -> Result<Json<ProgrammeInForce>, ApiError> {
    let year = super::plans::year_or_this(&app, q.year.as_ref())?;
    let regions = regions(&app).await?;
    let region = match q.region.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        Some(raw) => {
            let id = Id::parse("region", raw)?;
            if !regions.contains(&id) {
                return Err(ApiError::NotFound("该地区不在名录中"));
            }
            id
        }
        None => regions
            .into_iter()
            .next()
            .ok_or(ApiError::NotFound("名录中还没有地区"))?,
    };
    let record = programme_in_force(&app.store, &region, year).await?;
    Ok(Json(ProgrammeInForce::of(record)))
}

/// The regions (roots) of the directory.
async fn regions<S: Store>(app: &App<S>) -> Result<Vec<Id>, ApiError> {
    Ok(app
        .store
        .jurisdictions()
        .await?
        .into_iter()
        .filter(|j| j.level == Level::Region)
        .map(|j| j.id)
        .collect())
}

async fn upload<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    Payload(raw): Payload<serde_json::Value>,
) -> Result<Response, ApiError> {
    let record = import(&app, &org, &raw).await?;
    Ok((StatusCode::CREATED, Json(ProgrammeStored::of(&record))).into_response())
}

/// A programme uploaded by `org`: only the regional office, for its own region, for this
/// year or a later one; every problem of the file listed at once.
pub(crate) async fn import<S: Store>(
    app: &App<S>,
    org: &Organisation,
    raw: &serde_json::Value,
) -> Result<ProgrammeRecord, ApiError> {
    if org.kind != OrgKind::Office || org.level != Level::Region {
        return Err(ApiError::forbidden(
            "只有自治区（省级）政务公开办公室可以上传工作方案",
        ));
    }
    let programme = Programme::parse(raw)?;
    let own = region_of(org);
    if &programme.region != own {
        return Err(ApiError::forbidden(format!(
            "只能上传本地区（{own}）的工作方案，文件中的地区为“{}”",
            programme.region
        )));
    }
    let this_year = app.today().year();
    if programme.year < this_year {
        // Plans of past years were judged by the versions they recorded; a new version
        // of a past year would only mislead.
        return Err(Violation::new(
            Code::ValidationFailed,
            format!(
                "{}年的工作方案已不能再修改：只能上传{this_year}年或以后年度的工作方案",
                programme.year
            ),
        )
        .at("year")
        .into());
    }
    let record = app
        .store
        .put_programme(&programme, Some(&org.id), app.now())
        .await?;
    tracing::info!(
        region = %programme.region,
        year = programme.year,
        version = record.version,
        by = %org.id,
        "programme imported"
    );
    Ok(record)
}
