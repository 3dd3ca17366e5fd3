//! The year's compliance: each plan's outcome against the programme it follows, figures
//! per scope and per organisation, findings; the regional roll-up (三(四)) of reporters and
//! areas, region → city → county; and the year's open statistics.

use std::collections::BTreeMap;

use futures_util::stream::{self, StreamExt, TryStreamExt};
use openday_rules::compliance::{PlanOutcome, figures};
use openday_rules::org::{Id, Jurisdiction, Level, OrgKind, Organisation};
use openday_rules::report::{AnnualReport, YearFigures};
use openday_store::keys;
use openday_store::records::{FindingRecord, PlanScope};

use crate::access::seen_prefix;
use crate::error::AppError;
use crate::figures::{
    PlanFacts, READS_AT_ONCE, facts, outcomes, scope_of, statistics_of, year_figures_from,
};
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
        .findings(year, &seen_prefix(&org))
        .await?
        .into_iter()
        .map(FindingView::from)
        .collect();
    let report_on = app
        .store
        .report(&org.id, year)
        .await?
        .map(|r| r.received_on);
    // The scope's plans read once for the figures of the scope and of each organisation.
    let outcomes = outcomes(app, &scope_of(&org), year).await?;
    let all: Vec<PlanOutcome> = outcomes.iter().map(|(_, o)| o.clone()).collect();
    let stats = statistics_of(app, &org, year, report_on, &all).await?;
    let organisations = if org.kind == OrgKind::Office {
        Some(per_organisation(app, &org, year, &outcomes).await?)
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
/// implements open days or reports on them, from the outcomes of the office's scope.
async fn per_organisation<S: Store>(
    app: &Services<S>,
    office: &Organisation,
    year: i32,
    outcomes: &[(Id, PlanOutcome)],
) -> Result<Vec<OrgFigures>, AppError> {
    let path = keys::path_of(office);
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

/// The year's plans and findings of some subtrees, each plan read once: every area's and
/// reporter's figures are computed from them.
struct YearOf {
    facts: Vec<PlanFacts>,
    findings: Vec<FindingRecord>,
}

impl YearOf {
    async fn read<S: Store>(
        app: &Services<S>,
        tops: &[String],
        year: i32,
    ) -> Result<Self, AppError> {
        let mut all = Self {
            facts: Vec::new(),
            findings: Vec::new(),
        };
        for top in tops {
            let scope = PlanScope::Subtree { path: top.clone() };
            all.facts.extend(facts(app, &scope, year).await?);
            all.findings.extend(app.store.findings(year, top).await?);
        }
        Ok(all)
    }

    fn figures<S>(&self, app: &Services<S>, year: i32, scope: &PlanScope) -> YearFigures {
        year_figures_from(app, year, scope, &self.facts, &self.findings)
    }
}

/// The areas (region, cities, counties) under `root` (a jurisdiction path; empty for every
/// one) in tree order (a path sorts right after its parent's), with their paths.
async fn areas_under<S: Store>(
    app: &Services<S>,
    root: &str,
) -> Result<Vec<(String, Jurisdiction)>, AppError> {
    let jurisdictions = app.store.jurisdictions().await?;
    let paths = paths(&jurisdictions);
    let mut within: Vec<(String, Jurisdiction)> = jurisdictions
        .into_iter()
        .filter_map(|j| paths.get(j.id.as_str()).map(|p| (p.clone(), j)))
        .filter(|(p, _)| p.starts_with(root))
        .filter(|(_, j)| matches!(j.level, Level::Region | Level::City | Level::County))
        .collect();
    within.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(within)
}

/// The paths of `areas` that no other area contains: what is read to cover them all (the
/// store's queries take a non-empty prefix).
fn tops(areas: &[(String, Jurisdiction)]) -> Vec<String> {
    let mut tops: Vec<String> = Vec::new();
    for (path, _) in areas {
        if !tops.iter().any(|t| path.starts_with(t.as_str())) {
            tops.push(path.clone());
        }
    }
    tops
}

/// Each area with the year's figures of its subtree.
fn area_lines<S>(
    app: &Services<S>,
    areas: &[(String, Jurisdiction)],
    read: &YearOf,
    year: i32,
) -> Vec<AreaLine> {
    let top = areas
        .iter()
        .map(|(p, _)| p.matches('/').count())
        .min()
        .unwrap_or(0);
    areas
        .iter()
        .map(|(path, j)| AreaLine {
            jurisdiction_id: j.id.to_string(),
            name: j.name.to_string(),
            depth: path.matches('/').count() - top,
            figures: read.figures(app, year, &PlanScope::Subtree { path: path.clone() }),
        })
        .collect()
}

/// The office's year: its reporters and its jurisdiction's areas, region first, each city
/// followed by its counties. For offices only. Kept for a short while ([`crate::kept`]),
/// per jurisdiction, year and day.
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
    let key = format!("rollup:{root}:{year}:{}", app.today());
    let kept = app
        .kept
        .get_or_compute(key, || compute_rollup(app, office, &root, year))
        .await?;
    Ok((*kept).clone())
}

async fn compute_rollup<S: Store>(
    app: &Services<S>,
    office: &Organisation,
    root: &str,
    year: i32,
) -> Result<Rollup, AppError> {
    let areas = areas_under(app, root).await?;
    let read = YearOf::read(app, &[root.to_owned()], year).await?;
    let programme = app.programme_for(office, year).await?.programme;
    let mut orgs: Vec<Organisation> = app
        .store
        .orgs_within(root)
        .await?
        .into_iter()
        .filter(|o| programme.is_reporter(o))
        .collect();
    orgs.sort_by(|a, b| {
        keys::path_of(a)
            .cmp(&keys::path_of(b))
            .then(a.id.cmp(&b.id))
    });
    let ids: Vec<Id> = orgs.iter().map(|o| o.id.clone()).collect();
    let reports: Vec<Option<AnnualReport>> = stream::iter(ids)
        .map(|id| async move { app.store.report(&id, year).await })
        .buffered(READS_AT_ONCE)
        .try_collect()
        .await?;
    let reporters = orgs
        .into_iter()
        .zip(reports)
        .map(|(org, report)| {
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
                None => read.figures(app, year, &scope_of(&org)),
            };
            ReporterLine {
                org_id: org.id.to_string(),
                name: org.name.to_string(),
                state,
                received_on: report.as_ref().map(|r| r.received_on),
                figures,
                report,
            }
        })
        .collect();
    Ok(Rollup {
        year,
        areas: area_lines(app, &areas, &read, year),
        reporters,
    })
}

/// The whole directory's year as open data, region → city → county. Kept for a short
/// while ([`crate::kept`]), per year and day: up to that old.
pub async fn open_statistics<S: Store>(
    app: &Services<S>,
    year: i32,
) -> Result<Statistics, AppError> {
    let key = format!("statistics:{year}:{}", app.today());
    let kept = app
        .kept
        .get_or_compute(key, || async {
            let areas = areas_under(app, "").await?;
            let read = YearOf::read(app, &tops(&areas), year).await?;
            Ok(Statistics {
                year,
                areas: area_lines(app, &areas, &read, year)
                    .into_iter()
                    .map(Into::into)
                    .collect(),
            })
        })
        .await?;
    Ok((*kept).clone())
}
