//! The year's compliance: each plan's outcome against the programme it follows, figures
//! per scope and per organisation, findings; the regional roll-up (三(四)) of reporters and
//! areas, region → city → county; and the year's open statistics.

use std::collections::BTreeMap;

use openday_rules::compliance::{PlanOutcome, figures};
use openday_rules::org::{Jurisdiction, Level, OrgKind, Organisation};
use openday_store::keys;
use openday_store::records::PlanScope;

use crate::access::findings_prefix;
use crate::error::AppError;
use crate::figures::{outcomes, statistics, year_figures_in, year_figures_of};
use crate::services::{Services, Store};
use crate::views::{
    AreaLine, Compliance, FindingView, OrgFigures, ReporterLine, Rollup, Statistics,
};

/// The year's findings and figures of the caller's scope; an office's per organisation too.
pub async fn of<S: Store>(
    app: &Services<S>,
    org: Organisation,
    year: i32,
) -> Result<Compliance, AppError> {
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
    app: &Services<S>,
    office: &Organisation,
    year: i32,
) -> Result<Vec<OrgFigures>, AppError> {
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

/// Each jurisdiction's path (`gx/gx-nn/`), from its parents.
fn paths(all: &[Jurisdiction]) -> BTreeMap<String, String> {
    let by_id: BTreeMap<&str, &Jurisdiction> = all.iter().map(|j| (j.id.as_str(), j)).collect();
    all.iter()
        .map(|j| {
            let mut chain = vec![j.id.as_str()];
            let mut at = j;
            // A directory is a tree (the import checks it); the bound guards a bad one.
            while let Some(parent) = at.parent.as_ref().and_then(|p| by_id.get(p.as_str())) {
                if chain.len() > 8 {
                    break;
                }
                chain.push(parent.id.as_str());
                at = parent;
            }
            chain.reverse();
            (j.id.to_string(), keys::path(chain))
        })
        .collect()
}

/// The areas (region, cities, counties) under `root` (a jurisdiction path; empty for every
/// one), each with the year's figures of its subtree, in tree order: a path sorts right
/// after its parent's.
async fn areas_within<S: Store>(
    app: &Services<S>,
    root: &str,
    year: i32,
) -> Result<Vec<AreaLine>, AppError> {
    let jurisdictions = app.store.jurisdictions().await?;
    let paths = paths(&jurisdictions);
    let mut within: Vec<(&String, &Jurisdiction)> = jurisdictions
        .iter()
        .filter_map(|j| paths.get(j.id.as_str()).map(|p| (p, j)))
        .filter(|(p, _)| p.starts_with(root))
        .filter(|(_, j)| matches!(j.level, Level::Region | Level::City | Level::County))
        .collect();
    within.sort_by(|a, b| a.0.cmp(b.0));
    let top = within
        .iter()
        .map(|(p, _)| p.matches('/').count())
        .min()
        .unwrap_or(0);
    let mut areas = Vec::new();
    for (path, j) in within {
        areas.push(AreaLine {
            jurisdiction_id: j.id.to_string(),
            name: j.name.to_string(),
            depth: path.matches('/').count() - top,
            figures: year_figures_in(app, &PlanScope::Subtree { path: path.clone() }, year).await?,
        });
    }
    Ok(areas)
}

/// The office's year: its reporters and its jurisdiction's areas, region first, each city
/// followed by its counties. For offices only.
pub async fn rollup<S: Store>(
    app: &Services<S>,
    office: &Organisation,
    year: i32,
) -> Result<Rollup, AppError> {
    if office.kind != OrgKind::Office {
        return Err(AppError::forbidden(
            "只有政务公开办公室可以查看各地报送和汇总情况",
        ));
    }
    let root = keys::path_of(office);
    let areas = areas_within(app, &root, year).await?;
    let programme = app.programme_for(office, year).await?.programme;
    let mut reporters = Vec::new();
    let mut orgs: Vec<Organisation> = app
        .store
        .orgs_within(&root)
        .await?
        .into_iter()
        .filter(|o| programme.is_reporter(o))
        .collect();
    orgs.sort_by(|a, b| {
        keys::path_of(a)
            .cmp(&keys::path_of(b))
            .then(a.id.cmp(&b.id))
    });
    for org in orgs {
        let report = app.store.report(&org.id, year).await?;
        let state = figures(
            year,
            &[],
            true,
            report.as_ref().map(|r| r.received_on),
            &programme,
            app.today(),
        )
        .report;
        let figures = match report.as_ref().and_then(|r| r.figures.clone()) {
            Some(frozen) => frozen,
            None => year_figures_of(app, &org, year).await?,
        };
        reporters.push(ReporterLine {
            org_id: org.id.to_string(),
            name: org.name.to_string(),
            state,
            received_on: report.as_ref().map(|r| r.received_on),
            figures,
            report,
        });
    }
    Ok(Rollup {
        year,
        areas,
        reporters,
    })
}

/// The whole directory's year as open data, region → city → county.
pub async fn open_statistics<S: Store>(
    app: &Services<S>,
    year: i32,
) -> Result<Statistics, AppError> {
    Ok(Statistics {
        year,
        areas: areas_within(app, "", year)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    })
}
