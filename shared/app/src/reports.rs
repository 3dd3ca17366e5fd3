//! Annual reports (R14): what a reporter's report starts from (its jurisdiction's figures),
//! and filing it with those figures frozen.

use openday_rules::org::Organisation;
use openday_rules::report::{AnnualReport, ReportDraft, YearFigures};

use crate::actor::Actor as Person;
use crate::audit;
use crate::error::AppError;
use crate::figures::{statistics, year_figures_of};
use crate::services::{Services, Store};
use crate::views::{ReportFiled, ReportStart};
use crate::years::named_year;
use openday_rules::staff::StaffRole;

/// A reporter's annual report, with its jurisdiction's figures attached.
pub async fn file<S: Store>(
    app: &Services<S>,
    org: &Person,
    draft: &ReportDraft,
) -> Result<ReportFiled, AppError> {
    audit::guarded(
        app,
        org,
        StaffRole::Clerk,
        "report.file",
        "",
        file_inner(app, org.org().clone(), org.email(), draft),
    )
    .await
}

async fn file_inner<S: Store>(
    app: &Services<S>,
    org: Organisation,
    by: &str,
    draft: &ReportDraft,
) -> Result<ReportFiled, AppError> {
    // The report is judged by the programme of the year it reports on.
    let year = named_year(app, draft.year.as_ref());
    let programme = app.programme_for(&org, year).await?.programme;
    let mut report = AnnualReport::compose(draft, &org, &programme, app.today())?;
    report.filed_by = Some(by.to_owned());
    // The figures as they stand today go in with the report, and stay as they were.
    report.figures = Some(year_figures_of(app, &org, report.year).await?);
    app.store.put_report(&org.id, &report).await?;
    // The roll-up kept in this process shows the report at once.
    app.kept.forget_all();
    // The report has arrived: an overdue finding, if any, has lost its cause.
    let key = openday_rules::sweep::report_finding_key(&org.id, report.year);
    if let Err(e) = app.store.resolve_finding(&key, app.today()).await {
        tracing::warn!(%key, error = %e, "could not resolve the report finding");
    }
    let stats = statistics(app, &org, report.year, Some(report.received_on)).await?;
    tracing::info!(org = %org.id, year = report.year, late = report.late, "annual report received");
    Ok(ReportFiled {
        org_id: org.id,
        report,
        statistics: stats,
    })
}

/// What a reporter's report starts from: the year's figures of its jurisdiction as of today,
/// and the report if it was filed (with the figures frozen then).
pub async fn start<S: Store>(
    app: &Services<S>,
    org: &Person,
    year: i32,
) -> Result<ReportStart, AppError> {
    audit::guarded(
        app,
        org,
        StaffRole::Clerk,
        "report.start",
        &format!("year:{year}"),
        start_inner(app, org, year),
    )
    .await
}

async fn start_inner<S: Store>(
    app: &Services<S>,
    org: &Organisation,
    year: i32,
) -> Result<ReportStart, AppError> {
    let programme = app.programme_for(org, year).await?.programme;
    if !programme.is_reporter(org) {
        return Err(AppError::forbidden(format!(
            "“{}”不是年度开展情况的报送单位（工作方案{}）",
            org.name.as_str(),
            programme.report.clause
        )));
    }
    Ok(ReportStart {
        year,
        figures: year_figures_of(app, org, year).await?,
        filed: app.store.report(&org.id, year).await?,
    })
}

/// The report `org` filed for `year`, if any, and the figures it starts from: frozen in
/// the report, or as of today (the report page).
pub async fn filed_or_draft<S: Store>(
    app: &Services<S>,
    org: &Organisation,
    year: i32,
) -> Result<(Option<AnnualReport>, YearFigures), AppError> {
    let report = app.store.report(&org.id, year).await?;
    let figures = match report.as_ref().and_then(|r| r.figures.clone()) {
        Some(frozen) => frozen,
        None => year_figures_of(app, org, year).await?,
    };
    Ok((report, figures))
}
