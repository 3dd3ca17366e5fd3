//! The year's figures of a scope (an organisation's plans, or a jurisdiction's subtree),
//! computed from the stored plans: each plan's outcome against the programme it follows,
//! the compliance figures, and the figures a report starts from.

use std::collections::HashMap;
use std::sync::Arc;

use openday_rules::compliance::{Figures, PlanOutcome, figures};
use openday_rules::org::{Id, OrgKind, Organisation};
use openday_rules::report::YearFigures;
use openday_store::keys;
use openday_store::records::PlanScope;

use crate::access::status_today;
use crate::error::AppError;
use crate::services::{Services, Store};

/// The plans an organisation answers for: a government's whole jurisdiction, otherwise its own.
pub(crate) fn scope_of(org: &Organisation) -> PlanScope {
    let path = keys::path_of(org);
    match org.kind {
        OrgKind::Government | OrgKind::Office => PlanScope::Subtree { path },
        _ => PlanScope::Org {
            path,
            org_id: org.id.clone(),
        },
    }
}

/// What each plan in the organisation's scope came to, by implementing organisation.
pub(crate) async fn outcomes<S: Store>(
    app: &Services<S>,
    scope: &PlanScope,
    year: i32,
) -> Result<Vec<(Id, PlanOutcome)>, AppError> {
    let mut out = Vec::new();
    let mut programmes: HashMap<u32, Arc<openday_rules::Programme>> = HashMap::new();
    for plan in app.store.plans(year, scope).await? {
        let programme = match programmes.get(&plan.programme_version) {
            Some(p) => p.clone(),
            None => {
                let p = Arc::new(app.programme_of(&plan).await?);
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
pub(crate) async fn statistics<S: Store>(
    app: &Services<S>,
    org: &Organisation,
    year: i32,
    report_on: Option<chrono::NaiveDate>,
) -> Result<Figures, AppError> {
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

/// The year's figures of an organisation's scope, from which its report starts: plans by
/// format and segment kind, events held, people registered and checked in, feedback by
/// category and channel, adoption, the on-time rates and ratings, the findings.
pub async fn year_figures_of<S: Store>(
    app: &Services<S>,
    org: &Organisation,
    year: i32,
) -> Result<YearFigures, AppError> {
    year_figures_in(app, &scope_of(org), year).await
}

/// The year's figures of the plans in `scope` (an organisation's, or a jurisdiction's
/// subtree).
pub async fn year_figures_in<S: Store>(
    app: &Services<S>,
    scope: &PlanScope,
    year: i32,
) -> Result<YearFigures, AppError> {
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
                status: status_today(app, plan),
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
