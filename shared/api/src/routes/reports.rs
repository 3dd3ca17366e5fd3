//! Annual reports (R14) and the compliance listing for offices and agencies.

use axum::Json;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use openday_rules::compliance::{PlanOutcome, figures};
use openday_rules::org::{OrgKind, Organisation, is_reporter};
use openday_rules::report::{AnnualReport, ReportDraft};
use openday_rules::text::NumberLike;
use openday_store::keys;
use openday_store::records::PlanScope;
use serde::Deserialize;
use serde_json::json;

use super::{Routes, method};
use crate::app::{App, Store};
use crate::auth::Staff;
use crate::error::ApiError;
use crate::payload::{Payload, QueryOf};

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

/// The year's figures for an organisation's scope, from the stored plans.
async fn statistics<S: Store>(
    app: &App<S>,
    org: &Organisation,
    year: i32,
    report_on: Option<chrono::NaiveDate>,
) -> Result<serde_json::Value, ApiError> {
    let mut outcomes = Vec::new();
    for plan in app.store.plans(year, &scope_of(org)).await? {
        let seats = app.store.seats(&plan.id).await?;
        let ratings = app
            .store
            .evaluations(&plan.id)
            .await?
            .into_iter()
            .map(|e| e.evaluation.rating)
            .collect();
        outcomes.push(PlanOutcome {
            status: plan.status,
            period: plan.plan.period,
            announced_on: plan.announced_on,
            confirmed: seats.map_or(0, |s| s.confirmed),
            responded_on: plan.responded_on,
            ratings,
        });
    }
    Ok(json!(figures(
        year,
        &outcomes,
        is_reporter(org),
        report_on,
        app.today()
    )))
}

async fn report<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    Payload(draft): Payload<ReportDraft>,
) -> Result<Response, ApiError> {
    let report = AnnualReport::compose(&draft, &org, app.today())?;
    app.store.put_report(&org.id, &report).await?;
    // The report has arrived: an overdue finding, if any, has lost its cause.
    let key = openday_rules::sweep::report_finding_key(&org.id, report.year);
    if let Err(e) = app.store.resolve_finding(&key, app.today()).await {
        tracing::warn!(%key, error = %e, "could not resolve the report finding");
    }
    let stats = statistics(&app, &org, report.year, Some(report.received_on)).await?;
    tracing::info!(org = %org.id, year = report.year, late = report.late, "annual report received");
    Ok((
        StatusCode::CREATED,
        Json(json!({"org_id": org.id, "report": report, "statistics": stats})),
    )
        .into_response())
}

#[derive(Deserialize, Default)]
struct YearQuery {
    year: Option<NumberLike>,
}

async fn compliance<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    QueryOf(q): QueryOf<YearQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let year = super::plans::year_or_this(&app, q.year.as_ref())?;
    let path = keys::path_of(&org);
    let prefix = if org.kind == OrgKind::Office {
        path
    } else {
        keys::owned(&path, org.id.as_str(), "")
    };
    let findings: Vec<serde_json::Value> = app
        .store
        .findings(year, &prefix)
        .await?
        .into_iter()
        .map(|f| json!({"key": f.key, "kind": f.kind, "plan_id": f.plan_id, "org_id": f.org_id, "due_on": f.due_on, "status": f.status}))
        .collect();
    let report_on = app
        .store
        .report(&org.id, year)
        .await?
        .map(|r| r.received_on);
    let stats = statistics(&app, &org, year, report_on).await?;
    Ok(Json(
        json!({"year": year, "org_id": org.id, "findings": findings, "figures": stats}),
    ))
}
