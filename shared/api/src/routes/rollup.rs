//! The region's roll-up of the year (三(四)): every reporter of an office's jurisdiction with
//! its report's state (on time, late, missing), the figures rolled up region → city →
//! county, and one workbook with a summary sheet and a sheet per reporter.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::Method;
use axum::response::Response;
use openday_rules::compliance::figures;
use openday_rules::org::{Jurisdiction, OrgKind, Organisation};
use openday_store::keys;
use openday_store::records::PlanScope;

use super::{Routes, method};
use crate::app::{App, Store};
use crate::auth::Staff;
use crate::error::ApiError;
use crate::exports::{Cell, FormatQuery, Table, figure_lines};
use crate::views::{AreaLine, ReporterLine, Rollup};

pub fn routes<S: Store>() -> Routes<S> {
    Routes::new()
        .route(
            Method::GET,
            "/api/reports",
            method(&Method::GET, rollup_json::<S>),
        )
        .route(
            Method::GET,
            "/api/reports/export",
            method(&Method::GET, rollup_file::<S>),
        )
}

async fn rollup_json<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    Query(q): Query<FormatQuery>,
) -> Result<Json<Rollup>, ApiError> {
    let year = super::exports::year_of(&app, q.year.as_deref())?;
    Ok(Json(rollup(&app, &org, year).await?))
}

async fn rollup_file<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    Query(q): Query<FormatQuery>,
) -> Result<Response, ApiError> {
    let year = super::exports::year_of(&app, q.year.as_deref())?;
    workbook(&rollup(&app, &org, year).await?)
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
pub(crate) async fn areas_within<S: Store>(
    app: &App<S>,
    root: &str,
    year: i32,
) -> Result<Vec<AreaLine>, ApiError> {
    use openday_rules::org::Level;
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
            figures: super::reports::year_figures_in(
                app,
                &PlanScope::Subtree { path: path.clone() },
                year,
            )
            .await?,
        });
    }
    Ok(areas)
}

/// The office's year: its reporters and its jurisdiction's areas, region first, each city
/// followed by its counties. For offices only.
pub(crate) async fn rollup<S: Store>(
    app: &App<S>,
    office: &Organisation,
    year: i32,
) -> Result<Rollup, ApiError> {
    if office.kind != OrgKind::Office {
        return Err(ApiError::forbidden(
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
            None => super::reports::year_figures_of(app, &org, year).await?,
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

/// One workbook: the reporters' states, the roll-up by area, and a sheet per reporter.
pub(crate) fn workbook(r: &Rollup) -> Result<Response, ApiError> {
    let rate =
        |f: &openday_rules::report::YearFigures| f.adoption_rate.map_or(Cell::Empty, Cell::Number);
    let mut tables = vec![
        Table {
            sheet: "报送情况".into(),
            columns: vec![
                ("机关", 28.0),
                ("报送状态", 12.0),
                ("报送日期", 12.0),
                ("实施方案", 10.0),
                ("已举办", 8.0),
                ("确认参加", 10.0),
                ("现场签到", 10.0),
                ("意见建议", 10.0),
                ("采纳率", 8.0),
            ],
            rows: r
                .reporters
                .iter()
                .map(|l| {
                    vec![
                        l.name.as_str().into(),
                        l.state.label().into(),
                        l.received_on.map_or(Cell::Empty, Cell::Date),
                        l.figures.plans.into(),
                        l.figures.held.into(),
                        l.figures.registered.into(),
                        l.figures.attended.into(),
                        l.figures.feedback.into(),
                        rate(&l.figures),
                    ]
                })
                .collect(),
        },
        Table {
            sheet: "分级汇总".into(),
            columns: vec![
                ("地区", 28.0),
                ("实施方案", 10.0),
                ("已举办", 8.0),
                ("确认参加", 10.0),
                ("现场签到", 10.0),
                ("意见建议", 10.0),
                ("采纳率", 8.0),
            ],
            rows: r
                .areas
                .iter()
                .map(|a| {
                    vec![
                        format!("{}{}", "　".repeat(a.depth), a.name).into(),
                        a.figures.plans.into(),
                        a.figures.held.into(),
                        a.figures.registered.into(),
                        a.figures.attended.into(),
                        a.figures.feedback.into(),
                        rate(&a.figures),
                    ]
                })
                .collect(),
        },
    ];
    for l in &r.reporters {
        let mut rows: Vec<Vec<Cell>> = vec![
            vec!["报送状态".into(), l.state.label().into()],
            vec![
                "报送日期".into(),
                l.received_on.map_or(Cell::Empty, Cell::Date),
            ],
        ];
        rows.extend(
            figure_lines(&l.figures)
                .into_iter()
                .map(|(k, v)| vec![k.into(), v.into()]),
        );
        if let Some(report) = &l.report {
            rows.push(vec!["开展情况".into(), report.summary.to_string().into()]);
            rows.push(vec![
                "典型经验".into(),
                report.experiences.to_string().into(),
            ]);
            if let Some(p) = &report.problems {
                rows.push(vec!["存在问题".into(), p.to_string().into()]);
            }
            if let Some(n) = &report.next_year {
                rows.push(vec!["下一步工作".into(), n.to_string().into()]);
            }
        }
        tables.push(Table {
            sheet: l.name.clone(),
            columns: vec![("项目", 18.0), ("内容", 80.0)],
            rows,
        });
    }
    crate::exports::download_book(&format!("{}年度“政府开放日”开展情况汇总", r.year), &tables)
}

/// The whole directory's year as open data, region → city → county.
pub(crate) async fn statistics<S: Store>(
    app: &App<S>,
    year: i32,
) -> Result<crate::views::Statistics, ApiError> {
    Ok(crate::views::Statistics {
        year,
        areas: areas_within(app, "", year)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    })
}

pub(crate) async fn statistics_json<S: Store>(
    State(app): State<App<S>>,
    Query(q): Query<FormatQuery>,
) -> Result<Json<crate::views::Statistics>, ApiError> {
    let year = super::exports::year_of(&app, q.year.as_deref())?;
    Ok(Json(statistics(&app, year).await?))
}
