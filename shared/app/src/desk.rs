//! A member of staff's desk: the year's plans of the organisation (an office: of its
//! jurisdiction) with the programme each follows, the findings, the names to show, and
//! whether the annual report is in.

use std::collections::BTreeMap;

use openday_rules::lifecycle::PlanStatus;
use openday_rules::org::{OrgKind, Organisation};
use openday_rules::report::AnnualReport;
use openday_store::keys;
use openday_store::records::{FindingRecord, PlanRecord, PlanScope};

use crate::access::{desk_scope, seen_prefix, status_today};
use crate::error::AppError;
use crate::services::{Services, Store};
use crate::sign_in::names_within;

/// One plan on the desk, in its status today and with the programme it follows.
pub struct DeskPlan {
    pub plan: PlanRecord,
    pub status: PlanStatus,
    pub programme: openday_rules::Programme,
}

pub struct Desk {
    pub year: i32,
    /// Oldest submission first.
    pub plans: Vec<DeskPlan>,
    pub findings: Vec<FindingRecord>,
    /// The organisations the plans and findings name, by id.
    pub names: BTreeMap<String, Organisation>,
    /// The organisation's annual report of the year, when it reports and has filed it.
    pub report: Option<AnnualReport>,
}

/// This year's desk of `org`.
pub async fn desk<S: Store>(app: &Services<S>, org: &Organisation) -> Result<Desk, AppError> {
    let year = app.this_year();
    let findings = app.store.findings(year, &seen_prefix(org)).await?;
    let mut records = app.store.plans(year, &desk_scope(org)).await?;
    records.sort_by_key(|p| p.submitted_at);
    let names = if org.kind == OrgKind::Office {
        names_within(app, org).await?
    } else {
        BTreeMap::from([(org.id.to_string(), org.clone())])
    };
    let mut plans = Vec::new();
    for plan in records {
        plans.push(DeskPlan {
            status: status_today(app, &plan),
            programme: app.programme_of(&plan).await?,
            plan,
        });
    }
    Ok(Desk {
        year,
        plans,
        findings,
        names,
        report: app.store.report(&org.id, year).await?,
    })
}

/// The names of the organisations `ids` (a plan's history): a few reads, not the whole
/// directory; an id no longer in the directory stands for itself.
pub async fn names_of<S: Store>(
    app: &Services<S>,
    ids: Vec<String>,
) -> Result<BTreeMap<String, String>, AppError> {
    let mut names = BTreeMap::new();
    for id in ids {
        if let std::collections::btree_map::Entry::Vacant(entry) = names.entry(id) {
            let id = entry.key().clone();
            let name = app.store.org(&id).await?.map_or(id, |o| o.name.to_string());
            entry.insert(name);
        }
    }
    Ok(names)
}

/// The year's plans of an office's jurisdiction (the compliance dashboard names them).
pub async fn plans_within<S: Store>(
    app: &Services<S>,
    office: &Organisation,
    year: i32,
) -> Result<Vec<PlanRecord>, AppError> {
    Ok(app
        .store
        .plans(
            year,
            &PlanScope::Subtree {
                path: keys::path_of(office),
            },
        )
        .await?)
}
