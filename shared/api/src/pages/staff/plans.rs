//! An agency's plans (write, revise, publish the announcement, cancel) and an office's
//! review (备案 / 退回), on the API's own workflow functions.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::http::Method;
use axum::response::Response;

use openday_rules::Programme;
use openday_rules::lifecycle::PlanStatus;
use openday_rules::org::{OrgKind, Organisation, Role};
use openday_rules::text::NumberLike;
use openday_store::records::{FindingRecord, FindingStatus, PlanRecord};

use super::announce;
use super::opinions;
use super::plan_edit;
use super::plan_page;
use super::rows::{FindingRow, PlanRow, finding_row, next_deadline};
use super::{Me, StaffSession, staff_page};
use crate::app::{App, Store};
use crate::pages::{PageError, take_notice};
use crate::routing::{Routes, method};
use openday_app::AppError;
use openday_app::plans::{self, ListQuery};
use openday_rules::calendar::{day_span, day_text};

pub fn routes<S: Store>() -> Routes<S> {
    Routes::new()
        .route(
            Method::GET,
            "/staff/plans/new",
            method(&Method::GET, plan_edit::new_form::<S>),
        )
        .route(
            Method::POST,
            "/staff/plans/new",
            method(&Method::POST, plan_edit::submit::<S>),
        )
        .route(
            Method::GET,
            "/staff/plans/{id}",
            method(&Method::GET, plan_page::plan_page::<S>),
        )
        .route(
            Method::GET,
            "/staff/plans/{id}/edit",
            method(&Method::GET, plan_edit::edit_form::<S>),
        )
        .route(
            Method::POST,
            "/staff/plans/{id}/edit",
            method(&Method::POST, plan_edit::revise::<S>),
        )
        .route(
            Method::GET,
            "/staff/plans/{id}/review",
            method(&Method::GET, plan_page::review_form::<S>),
        )
        .route(
            Method::POST,
            "/staff/plans/{id}/review",
            method(&Method::POST, plan_page::review::<S>),
        )
        .route(
            Method::GET,
            "/staff/plans/{id}/announcement",
            method(&Method::GET, announce::announcement_form::<S>),
        )
        .route(
            Method::POST,
            "/staff/plans/{id}/announcement",
            method(&Method::POST, announce::announce::<S>),
        )
        .route(
            Method::GET,
            "/staff/plans/{id}/opinions",
            method(&Method::GET, opinions::form::<S>),
        )
        .route(
            Method::POST,
            "/staff/plans/{id}/opinions",
            method(&Method::POST, opinions::record::<S>),
        )
        .route(
            Method::GET,
            "/staff/plans/{id}/cancel",
            method(&Method::GET, plan_page::cancel_form::<S>),
        )
        .route(
            Method::POST,
            "/staff/plans/{id}/cancel",
            method(&Method::POST, plan_page::cancel::<S>),
        )
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/home.html")]
struct HomePage {
    title: String,
    me: Me,
    notice: Option<String>,
    year: i32,
    plans: Vec<PlanRow>,
    queue: Vec<PlanRow>,
    findings: Vec<FindingRow>,
    report: Option<String>,
}

fn row(
    plan: &PlanRecord,
    status: PlanStatus,
    org: String,
    findings: &[FindingRecord],
    programme: &Programme,
) -> PlanRow {
    let (start, end) = (plan.plan.period.start(), plan.plan.period.end());
    PlanRow {
        id: plan.id.clone(),
        name: plan.plan.name.to_string(),
        org,
        dates: day_span(start, end),
        status: status.label(),
        next: next_deadline(status, start, end, programme).unwrap_or_else(|| "—".into()),
        open_findings: findings
            .iter()
            .filter(|f| {
                f.status == FindingStatus::Open && f.plan_id.as_deref() == Some(plan.id.as_str())
            })
            .count(),
    }
}

/// An agency: its plans with the next deadline and open findings. An office: the plans it
/// must file or return (oldest first) and its jurisdiction's open findings.
pub(super) async fn home<S: Store>(
    app: &App<S>,
    staff: StaffSession,
) -> Result<Response, PageError> {
    let org = &staff.org;
    let office = org.kind == OrgKind::Office;
    let desk = openday_app::desk::desk(&app.core, org).await?;
    let year = desk.year;
    let names = &desk.names;
    let findings = &desk.findings;
    let name_of = |id: &str| {
        names
            .get(id)
            .map_or_else(|| id.to_owned(), |o| o.name.to_string())
    };
    let mut plans = Vec::new();
    let mut queue = Vec::new();
    for d in &desk.plans {
        let (p, status) = (&d.plan, d.status);
        let r = row(
            p,
            status,
            name_of(p.org_id.as_str()),
            findings,
            &d.programme,
        );
        let reviews = names
            .get(p.org_id.as_str())
            .is_some_and(|owner| Role::of(org, owner) == Role::ReviewingOffice);
        if office && status == PlanStatus::Submitted && reviews {
            queue.push(r);
        } else if !office {
            plans.push(r);
        }
    }
    let records: Vec<&PlanRecord> = desk.plans.iter().map(|d| &d.plan).collect();
    let plan_names: BTreeMap<&str, String> = records
        .iter()
        .map(|p| (p.id.as_str(), p.plan.name.to_string()))
        .collect();
    let findings = findings
        .iter()
        .filter(|f| f.status == FindingStatus::Open)
        .map(|f| {
            let plan = f
                .plan_id
                .as_deref()
                .and_then(|id| plan_names.get(id).cloned())
                .unwrap_or_default();
            finding_row(
                &f.clone().into(),
                plan,
                name_of(f.org_id.as_str()),
                &staff.programme,
            )
        })
        .collect();
    let report = if staff.programme.is_reporter(org) {
        Some(match &desk.report {
            Some(r) => format!(
                "{}年度开展情况已于{}报送{}",
                year,
                day_text(r.received_on),
                if r.late { "（逾期）" } else { "" }
            ),
            None => format!(
                "{}年度开展情况尚未报送（截止：{}）",
                year,
                day_text(staff.programme.report_due(year))
            ),
        })
    } else {
        None
    };
    let me = staff.me();
    let (jar, notice) = take_notice(staff.jar);
    Ok(staff_page(
        jar,
        HomePage {
            title: format!("工作台：{}", me.name),
            me,
            notice,
            year,
            plans,
            queue,
            findings,
            report,
        },
    ))
}

/// A page of the plans an office sees, for the list page.
pub(super) async fn listed<S: Store>(
    app: &App<S>,
    org: &Organisation,
    year: Option<NumberLike>,
    status: Option<String>,
    cursor: Option<String>,
) -> Result<openday_app::views::PlanList, AppError> {
    let q = ListQuery {
        year,
        status,
        cursor,
        limit: None,
    };
    plans::list(&app.core, org, &q).await
}
