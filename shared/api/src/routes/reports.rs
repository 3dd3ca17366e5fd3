//! Annual reports (R14) and the compliance listing for offices and agencies.

use axum::Json;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use openday_rules::compliance::Figures;
use openday_rules::compliance::{PlanOutcome, figures};
use openday_rules::org::{Id, OrgKind, Organisation};
use openday_rules::report::{AnnualReport, ReportDraft};
use openday_rules::text::NumberLike;
use openday_store::keys;
use openday_store::records::PlanScope;
use serde::Deserialize;

use super::{Routes, method};
use crate::app::{App, Store};
use crate::auth::Staff;
use crate::error::ApiError;
use crate::payload::{Payload, QueryOf};
use crate::views::{Compliance, FindingView, OrgFigures, ReportFiled};

pub fn routes<S: Store>() -> Routes<S> {
    Routes::new()
        .route(
            Method::POST,
            "/api/reports",
            method(&Method::POST, report::<S>),
        )
        .route(
            Method::GET,
            "/api/compliance",
            method(&Method::GET, compliance::<S>),
        )
        .route(
            Method::GET,
            "/api/reports/draft",
            method(&Method::GET, draft::<S>),
        )
        .merge(super::exports::report_routes())
        .merge(super::rollup::routes())
        .merge(super::programmes::routes())
        .merge(crate::pages::staff::report_routes())
}

pub fn router<S: Store>(app: App<S>) -> axum::Router {
    routes::<S>().into_router(app)
}

/// The plans an organisation answers for: a government's whole jurisdiction, otherwise its own.
fn scope_of(org: &Organisation) -> PlanScope {
    let path = keys::path_of(org);
    match org.kind {
        OrgKind::Government | OrgKind::Office => PlanScope::Subtree { path },
        _ => PlanScope::Org {
            path,
            org_id: org.id.clone(),
        },
    }
}

/// Whose findings an organisation sees: an office its jurisdiction's and below, anyone
/// else its own.
pub(crate) fn findings_prefix(org: &Organisation) -> String {
    let path = keys::path_of(org);
    if org.kind == OrgKind::Office {
        path
    } else {
        keys::owned(&path, org.id.as_str(), "")
    }
}

/// What each plan in the organisation's scope came to, by implementing organisation.
async fn outcomes<S: Store>(
    app: &App<S>,
    scope: &PlanScope,
    year: i32,
) -> Result<Vec<(Id, PlanOutcome)>, ApiError> {
    let mut out = Vec::new();
    let mut programmes: std::collections::HashMap<u32, std::sync::Arc<openday_rules::Programme>> =
        std::collections::HashMap::new();
    for plan in app.store.plans(year, scope).await? {
        let programme = match programmes.get(&plan.programme_version) {
            Some(p) => p.clone(),
            None => {
                let p = std::sync::Arc::new(app.programme_of(&plan).await?);
                programmes.insert(plan.programme_version, p.clone());
                p
            }
        };
        let seats = app.store.seats(&plan.id).await?;
        let ratings = app
            .store
            .evaluations(&plan.id)
            .await?
            .into_iter()
            .map(|e| e.evaluation.rating)
            .collect();
        out.push((
            plan.org_id.clone(),
            PlanOutcome {
                status: plan.status,
                period: plan.plan.period,
                announced_on: plan.announced_on,
                confirmed: seats.map_or(0, |s| s.confirmed),
                attended: app.store.attendance(&plan.id).await?,
                responded_on: plan.responded_on,
                ratings,
                programme,
            },
        ));
    }
    Ok(out)
}

/// The year's figures for an organisation's scope, from the stored plans.
async fn statistics<S: Store>(
    app: &App<S>,
    org: &Organisation,
    year: i32,
    report_on: Option<chrono::NaiveDate>,
) -> Result<Figures, ApiError> {
    let all: Vec<PlanOutcome> = outcomes(app, &scope_of(org), year)
        .await?
        .into_iter()
        .map(|(_, o)| o)
        .collect();
    let programme = app.programme_for(org, year).await?.programme;
    Ok(figures(
        year,
        &all,
        programme.is_reporter(org),
        report_on,
        &programme,
        app.today(),
    ))
}

async fn report<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    Payload(draft): Payload<ReportDraft>,
) -> Result<Response, ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(file_report(&app, org, &draft).await?),
    )
        .into_response())
}

/// A reporter's annual report, with its jurisdiction's figures attached.
pub(crate) async fn file_report<S: Store>(
    app: &App<S>,
    org: Organisation,
    draft: &ReportDraft,
) -> Result<ReportFiled, ApiError> {
    // The report is judged by the programme of the year it reports on.
    let year = super::plans::named_year(app, draft.year.as_ref());
    let programme = app.programme_for(&org, year).await?.programme;
    let mut report = AnnualReport::compose(draft, &org, &programme, app.today())?;
    // The figures as they stand today go in with the report, and stay as they were.
    report.figures = Some(year_figures_of(app, &org, report.year).await?);
    app.store.put_report(&org.id, &report).await?;
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

/// The year's figures of an organisation's scope, from which its report starts: plans by
/// format and segment kind, events held, people registered and checked in, feedback by
/// category and channel, adoption, the on-time rates and ratings, the findings.
pub(crate) async fn year_figures_of<S: Store>(
    app: &App<S>,
    org: &Organisation,
    year: i32,
) -> Result<openday_rules::report::YearFigures, ApiError> {
    year_figures_in(app, &scope_of(org), year).await
}

/// The year's figures of the plans in `scope` (an organisation's, or a jurisdiction's
/// subtree).
pub(crate) async fn year_figures_in<S: Store>(
    app: &App<S>,
    scope: &PlanScope,
    year: i32,
) -> Result<openday_rules::report::YearFigures, ApiError> {
    let records = app.store.plans(year, scope).await?;
    let mut facts = Vec::new();
    for plan in &records {
        let feedback = app.store.feedback(&plan.id).await?;
        let answers = match app.store.response(&plan.id).await? {
            Some(r) => r.items,
            None => app.store.answers(&plan.id).await?,
        };
        facts.push((
            plan,
            app.store.seats(&plan.id).await?.map_or(0, |s| s.confirmed),
            app.store.attendance(&plan.id).await?,
            feedback
                .iter()
                .map(|f| (f.feedback.category, f.feedback.channel))
                .collect::<Vec<_>>(),
            answers.iter().map(|a| a.adoption).collect::<Vec<_>>(),
        ));
    }
    let years: Vec<openday_rules::report::PlanYear> = facts
        .iter()
        .map(
            |(plan, confirmed, attended, feedback, adoptions)| openday_rules::report::PlanYear {
                plan: &plan.plan,
                status: super::status_today(app, plan),
                confirmed: *confirmed,
                attended: *attended,
                feedback: feedback.clone(),
                adoptions: adoptions.clone(),
            },
        )
        .collect();
    let all: Vec<PlanOutcome> = outcomes(app, scope, year)
        .await?
        .into_iter()
        .map(|(_, o)| o)
        .collect();
    // Not a reporter's figures: the report measure is left out, so any programme will do.
    let compliance = figures(
        year,
        &all,
        false,
        None,
        &openday_rules::Programme::shipped(),
        app.today(),
    );
    let prefix = match scope {
        PlanScope::Subtree { path } => path.clone(),
        PlanScope::Org { path, org_id } => keys::owned(path, org_id.as_str(), ""),
    };
    let findings: Vec<_> = app
        .store
        .findings(year, &prefix)
        .await?
        .into_iter()
        .map(|f| f.kind)
        .collect();
    Ok(openday_rules::report::year_figures(
        &years,
        &compliance,
        &findings,
    ))
}

#[derive(Deserialize, Default)]
struct YearQuery {
    year: Option<NumberLike>,
}

async fn compliance<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    QueryOf(q): QueryOf<YearQuery>,
) -> Result<Json<Compliance>, ApiError> {
    let year = super::plans::year_or_this(&app, q.year.as_ref())?;
    Ok(Json(compliance_of(&app, org, year).await?))
}

/// The year's findings and figures of the caller's scope; an office's per organisation too.
pub(crate) async fn compliance_of<S: Store>(
    app: &App<S>,
    org: Organisation,
    year: i32,
) -> Result<Compliance, ApiError> {
    let findings = app
        .store
        .findings(year, &findings_prefix(&org))
        .await?
        .into_iter()
        .map(FindingView::from)
        .collect();
    let report_on = app
        .store
        .report(&org.id, year)
        .await?
        .map(|r| r.received_on);
    let stats = statistics(app, &org, year, report_on).await?;
    let organisations = if org.kind == OrgKind::Office {
        Some(per_organisation(app, &org, year).await?)
    } else {
        None
    };
    Ok(Compliance {
        year,
        org_id: org.id,
        findings,
        figures: stats,
        organisations,
    })
}

/// An office's view: the figures of every organisation in its jurisdiction and below that
/// implements open days or reports on them.
async fn per_organisation<S: Store>(
    app: &App<S>,
    office: &Organisation,
    year: i32,
) -> Result<Vec<OrgFigures>, ApiError> {
    let path = keys::path_of(office);
    let outcomes = outcomes(app, &PlanScope::Subtree { path: path.clone() }, year).await?;
    let programme = app.programme_for(office, year).await?.programme;
    let mut rows = Vec::new();
    for org in app.store.orgs_within(&path).await? {
        let own: Vec<PlanOutcome> = outcomes
            .iter()
            .filter(|(id, _)| *id == org.id)
            .map(|(_, o)| o.clone())
            .collect();
        let reporter = programme.is_reporter(&org);
        if own.is_empty() && !reporter {
            continue;
        }
        let report_on = if reporter {
            app.store
                .report(&org.id, year)
                .await?
                .map(|r| r.received_on)
        } else {
            None
        };
        rows.push(OrgFigures {
            figures: figures(year, &own, reporter, report_on, &programme, app.today()),
            name: org.name.to_string(),
            org_id: org.id,
        });
    }
    Ok(rows)
}

/// What a reporter's report starts from: the year's figures of its jurisdiction as of today,
/// and the report if it was filed (with the figures frozen then).
async fn draft<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    QueryOf(q): QueryOf<YearQuery>,
) -> Result<Json<crate::views::ReportStart>, ApiError> {
    let year = super::plans::year_or_this(&app, q.year.as_ref())?;
    let programme = app.programme_for(&org, year).await?.programme;
    if !programme.is_reporter(&org) {
        return Err(ApiError::forbidden(format!(
            "“{}”不是年度开展情况的报送单位（工作方案{}）",
            org.name.as_str(),
            programme.report.clause
        )));
    }
    Ok(Json(crate::views::ReportStart {
        year,
        figures: year_figures_of(&app, &org, year).await?,
        filed: app.store.report(&org.id, year).await?,
    }))
}
