//! The programme (工作方案) in force for a region and year, and the regional office's
//! upload of a new version. Plans keep the version they were checked against.

use chrono::Datelike;
use openday_rules::org::{Id, Level, OrgKind, Organisation};
use openday_rules::programme::region_of;
use openday_rules::{Code, Programme, Violation};
use openday_store::ports::programme_in_force;
use openday_store::records::ProgrammeRecord;

use crate::actor::Actor as Person;
use crate::audit;
use crate::error::AppError;
use crate::services::{Services, Store};
use openday_rules::staff::StaffRole;

/// The programme in force for `region` (the directory's first region when none is named)
/// and `year`: public, like the work plan it comes from.
pub async fn in_force<S: Store>(
    app: &Services<S>,
    region: Option<&str>,
    year: i32,
) -> Result<ProgrammeRecord, AppError> {
    let regions = regions(app).await?;
    let region = match region.map(str::trim).filter(|r| !r.is_empty()) {
        Some(raw) => {
            let id = Id::parse("region", raw)?;
            if !regions.contains(&id) {
                return Err(AppError::NotFound("该地区不在名录中"));
            }
            id
        }
        None => regions
            .into_iter()
            .next()
            .ok_or(AppError::NotFound("名录中还没有地区"))?,
    };
    Ok(programme_in_force(&app.store, &region, year).await?)
}

/// The programme in force for `org`'s region this year (every staff page shows it).
pub async fn for_org<S: Store>(
    app: &Services<S>,
    org: &Organisation,
) -> Result<ProgrammeRecord, AppError> {
    app.programme_for(org, app.this_year()).await
}

/// The regions (roots) of the directory.
async fn regions<S: Store>(app: &Services<S>) -> Result<Vec<Id>, AppError> {
    Ok(app
        .store
        .jurisdictions()
        .await?
        .into_iter()
        .filter(|j| j.level == Level::Region)
        .map(|j| j.id)
        .collect())
}

/// A programme uploaded by `org`: only the regional office, for its own region, for this
/// year or a later one; every problem of the file listed at once.
pub async fn import<S: Store>(
    app: &Services<S>,
    org: &Person,
    raw: &serde_json::Value,
) -> Result<ProgrammeRecord, AppError> {
    audit::guarded(
        app,
        org,
        StaffRole::Admin,
        "programme.import",
        "",
        import_inner(app, org, raw),
    )
    .await
}

async fn import_inner<S: Store>(
    app: &Services<S>,
    org: &Organisation,
    raw: &serde_json::Value,
) -> Result<ProgrammeRecord, AppError> {
    if org.kind != OrgKind::Office || org.level != Level::Region {
        return Err(AppError::forbidden(
            "只有自治区（省级）政务公开办公室可以上传工作方案",
        ));
    }
    let programme = Programme::parse(raw)?;
    let own = region_of(org);
    if &programme.region != own {
        return Err(AppError::forbidden(format!(
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

/// A programme imported by the platform's operator (the CLI on the server): for a region of
/// the directory, any year; every earlier version is kept.
pub async fn import_by_operator<S: Store>(
    app: &Services<S>,
    programme: &Programme,
) -> Result<ProgrammeRecord, AppError> {
    if !regions(app).await?.contains(&programme.region) {
        return Err(AppError::invalid(
            "region",
            format!(
                "地区“{}”不在名录中（应为 level 为 region 的行政区域编号）：请先 openday orgs import",
                programme.region
            ),
        ));
    }
    let record = app.store.put_programme(programme, None, app.now()).await?;
    tracing::info!(region = %programme.region, year = programme.year, version = record.version, "programme imported by the operator");
    Ok(record)
}
