//! A province at the size the work plan runs at: a region, 14 cities and 111 counties, each
//! area with its openness office, its government and departments; years of plans written
//! straight to the store with their registrations and their lines on the kept sheets (what
//! the use cases keep as things happen). The figures pages are then timed on it, and the
//! items each reads are compared at 1,000 and 10,000 plans.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use openday_api::auth::TokenKey;
use openday_local_dynamo::LocalDynamo;
use openday_rules::org::{Directory, DirectoryDraft};
use openday_rules::plan::{Plan, PlanDraft};
use openday_store::DynamoStore;
use openday_store::ports::{PlanStore, SheetStore};
use openday_store::sheets::{LinePart, PlanPart};
use serde_json::{Value, json};

use crate::inproc::{app_of, send};
use crate::{percentile, repo};

pub const CITIES: usize = 14;
pub const COUNTIES: usize = 111;
/// Departments of each area that hold open days.
const DEPARTMENTS: usize = 4;

/// The province's directory: `pv`, its cities `pv-cNN` and counties `pv-cNN-kNN`.
pub fn directory() -> Directory {
    let mut jurisdictions = vec![json!({"id": "pv", "name": "示范省", "level": "region"})];
    let mut areas = vec![("pv".to_owned(), "示范省".to_owned())];
    for c in 0..CITIES {
        let city = format!("pv-c{c:02}");
        jurisdictions
            .push(json!({"id": city, "name": format!("第{c}市"), "level": "city", "parent": "pv"}));
        areas.push((city, format!("第{c}市")));
    }
    for k in 0..COUNTIES {
        let city = format!("pv-c{:02}", k % CITIES);
        let county = format!("{city}-k{k:03}");
        jurisdictions.push(
            json!({"id": county, "name": format!("第{k}县"), "level": "county", "parent": city}),
        );
        areas.push((county, format!("第{k}县")));
    }
    let mut orgs = Vec::new();
    for (id, name) in &areas {
        let mail = |what: &str| format!("{what}@{id}.example.org");
        orgs.push(
            json!({"id": format!("{id}-office"), "name": format!("{name}人民政府政务公开办公室"),
            "kind": "office", "jurisdiction": id, "email": mail("gongkai")}),
        );
        orgs.push(
            json!({"id": format!("{id}-gov"), "name": format!("{name}人民政府"),
            "kind": "government", "jurisdiction": id, "email": mail("zhengfu")}),
        );
        for d in 0..DEPARTMENTS {
            orgs.push(
                json!({"id": format!("{id}-d{d}"), "name": format!("{name}第{d}局"),
                "kind": "department", "jurisdiction": id, "email": mail(&format!("d{d}"))}),
            );
        }
    }
    let draft: DirectoryDraft =
        serde_json::from_value(json!({"jurisdictions": jurisdictions, "orgs": orgs})).unwrap();
    Directory::parse(&draft).unwrap()
}

/// The departments that hold open days.
fn agencies(directory: &Directory) -> Vec<openday_rules::org::Organisation> {
    directory
        .orgs
        .iter()
        .filter(|o| o.kind == openday_rules::org::OrgKind::Department)
        .cloned()
        .collect()
}

/// Plan `n` of `agency` in `year`: the demo plan, a week in September or October.
fn plan_of(agency: &openday_rules::org::Organisation, year: i32, n: usize) -> Plan {
    let mut draft: Value =
        serde_json::from_str(&std::fs::read_to_string(repo("infra/demo/plan.json")).unwrap())
            .unwrap();
    let month = 9 + n % 2;
    let start = 1 + (n / 2) % 24;
    draft["year"] = json!(year);
    draft["name"] = json!(format!("{}“政府开放日”", agency.name.as_str()));
    draft["start_date"] = json!(format!("{year}-{month:02}-{start:02}"));
    draft["end_date"] = json!(format!("{year}-{month:02}-{:02}", start + 6));
    let draft: PlanDraft = serde_json::from_value(draft).unwrap();
    let region = openday_rules::org::Id::parse("region", "pv").unwrap();
    let programme = openday_rules::Programme::shipped().for_region_year(&region, year);
    Plan::parse(&draft, &programme).unwrap()
}

/// Writes `count` plans of `year` (eight writers at once), each with its line on its
/// organisation's sheet, and, for the counts, `confirmed` people on each line.
pub async fn write_plans(
    store: &DynamoStore,
    directory: &Directory,
    year: i32,
    count: usize,
    confirmed: u32,
) {
    let agencies = agencies(directory);
    let submitted =
        openday_rules::calendar::parse_instant("t", &format!("{year}-08-01T09:00:00+08:00"))
            .unwrap();
    let tasks: Vec<_> = (0..8usize)
        .map(|worker| {
            let (store, agencies) = (store.clone(), agencies.clone());
            tokio::spawn(async move {
                for n in (worker..count).step_by(8) {
                    let agency = &agencies[n % agencies.len()];
                    let plan = plan_of(agency, year, n);
                    let record = store
                        .create_plan(agency, &plan, 0, submitted)
                        .await
                        .unwrap();
                    let sheet = openday_store::sheets::SheetOf {
                        year,
                        org_id: &record.org_id,
                        org_path: &record.org_path,
                    };
                    let seats = LinePart::Seats {
                        confirmed,
                        attended: confirmed * 4 / 5,
                    };
                    for part in [LinePart::Plan(PlanPart::of(&record)), seats] {
                        store
                            .put_line_part(sheet, &record.id, &part, 1)
                            .await
                            .unwrap();
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
}

/// The figures pages: the open statistics (page and API), the province office's roll-up,
/// its compliance dashboard, and a city government's report draft.
const PAGES: [(&str, &str, Option<&str>); 5] = [
    ("statistics page", "/statistics?year={year}", None),
    ("open statistics", "/api/statistics?year={year}", None),
    (
        "regional roll-up",
        "/api/reports?year={year}",
        Some("pv-office"),
    ),
    (
        "compliance dashboard",
        "/api/compliance?year={year}",
        Some("pv-office"),
    ),
    (
        "report draft",
        "/api/reports/draft?year={year}",
        Some("pv-c00-gov"),
    ),
];

fn request(
    path: &str,
    org: Option<&str>,
    tokens: &TokenKey,
    year: i32,
    now: &str,
) -> Request<Body> {
    let mut req = Request::get(path.replace("{year}", &year.to_string()));
    if let Some(org) = org {
        let at = openday_rules::calendar::parse_instant("t", now).unwrap();
        req = req.header("authorization", format!("Bearer {}", tokens.issue(org, at)));
    }
    req.body(Body::empty()).unwrap()
}

/// Prints the province's figures: `plans` a year over three years, 50 people on each.
pub async fn run(plans: usize, n: usize) {
    let years = [2024, 2025, 2026];
    let (written, pages) = measure(plans, &years, 50, n).await;
    println!();
    println!(
        "province: {} areas, {} plans over {} years ({} a year), {} registrations counted, written in {:.1} s",
        1 + CITIES + COUNTIES,
        plans * years.len(),
        years.len(),
        plans,
        plans * years.len() * 50,
        written.as_secs_f64()
    );
    println!(
        "| page ({} plans in the year) | answered | items read (first request) | p50 | p99 |",
        plans
    );
    println!("|---|---|---|---|---|");
    for p in pages {
        println!(
            "| {} | {} | {} | {} | {} |",
            p.page,
            if p.kept {
                "kept 30 s (as deployed)"
            } else {
                "computed every time"
            },
            p.items_read,
            crate::ms(p.p50),
            crate::ms(p.p99)
        );
    }
}

/// One figures page on a province: items read by one request, and warm p50/p99 of `n`.
pub struct PageFigures {
    pub page: &'static str,
    /// Served as deployed (kept 30 s) rather than computed on every request.
    pub kept: bool,
    pub items_read: u64,
    pub p50: Duration,
    pub p99: Duration,
}

/// A province of `plans` plans in each of `years`: what each figures page of the last year
/// reads and how long it takes computed on every request (nothing kept in memory), and the
/// statistics as served (kept for 30 s and shared).
pub async fn measure(
    plans: usize,
    years: &[i32],
    confirmed: u32,
    n: usize,
) -> (Duration, Vec<PageFigures>) {
    let year = *years.last().unwrap();
    let engine = LocalDynamo::memory().await.unwrap();
    let now = format!("{year}-11-10T10:00:00+08:00");
    let directory = directory();
    let (app, tokens) = app_of(&engine, &directory, &now).await;
    let app = openday_api::App {
        core: app.core.with_figures_lifetime(Duration::ZERO),
        ..app
    };
    let started = Instant::now();
    for &year in years {
        write_plans(&app.core.store, &directory, year, plans, confirmed).await;
    }
    let written = started.elapsed();
    let mut out = Vec::new();
    // Computed on every request, then as served: the statistics kept for 30 s and shared.
    let kept = openday_api::App {
        core: app
            .core
            .clone()
            .with_figures_lifetime(openday_app::kept::DEFAULT_LIFETIME),
        ..app.clone()
    };
    let computed = PAGES.iter().map(|p| (p, &app));
    let served = PAGES[..2].iter().map(|p| (p, &kept));
    for (&(page, path, org), app) in computed.chain(served) {
        let router = openday_api::all(app.clone());
        let before = app.core.store.items_read();
        let (status, body) = send(&router, request(path, org, &tokens, year, &now)).await;
        assert_eq!(status, 200, "{page}: {body}");
        let items_read = app.core.store.items_read() - before;
        let mut took = Vec::with_capacity(n);
        for _ in 0..n {
            let t = Instant::now();
            let (status, _) = send(&router, request(path, org, &tokens, year, &now)).await;
            took.push(t.elapsed());
            assert_eq!(status, 200);
        }
        took.sort();
        out.push(PageFigures {
            page,
            kept: app.core.kept.lifetime() > Duration::ZERO,
            items_read,
            p50: percentile(&took, 0.5),
            p99: percentile(&took, 0.99),
        });
    }
    (written, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_province_has_its_cities_and_counties() {
        let d = directory();
        assert_eq!(d.jurisdictions.len(), 1 + CITIES + COUNTIES);
        assert_eq!(agencies(&d).len(), (1 + CITIES + COUNTIES) * DEPARTMENTS);
    }

    /// The figures pages read the organisations' sheets, not the plans: ten times the plans
    /// costs them at most half as many items again (the sheets hold more lines; nothing
    /// else grows).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_figures_read_the_areas_not_the_plans() {
        let (_, small) = measure(1_000, &[2026], 0, 1).await;
        let (_, large) = measure(10_000, &[2026], 0, 1).await;
        for (s, l) in small.iter().zip(&large).filter(|(s, _)| !s.kept) {
            println!(
                "{}: {} items read at 1,000 plans, {} at 10,000",
                s.page, s.items_read, l.items_read
            );
            assert!(s.items_read > 0, "{} read nothing", s.page);
            assert!(
                l.items_read * 2 <= s.items_read * 3,
                "{}: {} items at 10,000 plans against {} at 1,000",
                s.page,
                l.items_read,
                s.items_read
            );
        }
    }
}
