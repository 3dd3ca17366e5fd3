//! 监督检查 pages: an office records 现场走访 and 跟踪检查 of a plan (its agency reads them
//! there), and opens 群众评议 of its jurisdiction and reads the results per agency.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use openday_app::supervision::{self, PublicEvaluationResults, SupervisionView};
use openday_rules::calendar::{day_span, day_text};
use openday_rules::supervision::{
    CheckItemDraft, CheckResult, FollowUpDraft, PublicEvaluationDraft, VisitDraft,
};

use super::plan_page::{PlanView, plan_of};
use super::{Me, SignedOutOr, StaffPost, StaffSession, staff_page};
use crate::app::{App, Store};
use crate::pages::{Choice, FormState, PageError, see_other, take_notice, with_notice};
use crate::routing::{Routes, method};

pub fn routes<S: Store>() -> Routes<S> {
    Routes::new()
        .route(
            Method::GET,
            "/staff/plans/{id}/supervision",
            method(&Method::GET, plan_page::<S>),
        )
        .route(
            Method::POST,
            "/staff/plans/{id}/supervision",
            method(&Method::POST, record::<S>),
        )
        .route(
            Method::GET,
            "/staff/public-evaluations",
            method(&Method::GET, evaluations::<S>),
        )
        .route(
            Method::POST,
            "/staff/public-evaluations",
            method(&Method::POST, open_evaluation::<S>),
        )
        .route(
            Method::GET,
            "/staff/public-evaluations/{id}",
            method(&Method::GET, results::<S>),
        )
}

/// A recorded visit or check, in words.
pub struct RecordRow {
    pub when: String,
    pub by: String,
    pub lines: Vec<String>,
}

/// An adopted item on the check form.
pub struct CheckRow {
    pub feedback_id: String,
    pub content: String,
    pub results: Vec<Choice>,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/supervision.html")]
struct SupervisionPage {
    title: String,
    me: Me,
    notice: Option<String>,
    plan: PlanView,
    visits: Vec<RecordRow>,
    checks: Vec<RecordRow>,
    may_record: bool,
    adopted: Vec<CheckRow>,
    form: FormState,
}

impl SupervisionPage {
    fn field(&self, id: &str, part: &str) -> String {
        format!("c.{id}.{part}")
    }
}

fn page_of(
    me: Me,
    notice: Option<String>,
    plan: PlanView,
    view: SupervisionView,
    form: FormState,
) -> SupervisionPage {
    let visits = view
        .visits
        .iter()
        .map(|v| RecordRow {
            when: day_text(v.visit.visited_on),
            by: format!("{}（{}）", v.visit.visitors, v.by_person),
            lines: vec![
                format!("走访情况：{}", v.visit.observations),
                format!("走访结论：{}", v.visit.conclusion),
            ],
        })
        .collect();
    let content: BTreeMap<&str, &str> = view
        .adopted
        .iter()
        .map(|a| (a.feedback_id.as_str(), a.content.as_str()))
        .collect();
    let checks = view
        .checks
        .iter()
        .map(|c| RecordRow {
            when: day_text(c.follow_up.checked_on),
            by: c.by_person.clone(),
            lines: c
                .follow_up
                .items
                .iter()
                .map(|i| {
                    let mut t = format!(
                        "{}：{}",
                        content
                            .get(i.feedback_id.as_str())
                            .copied()
                            .unwrap_or(&i.feedback_id),
                        i.result.label()
                    );
                    if let Some(n) = &i.note {
                        t.push_str(&format!("（{n}）"));
                    }
                    t
                })
                .collect(),
        })
        .collect();
    let adopted = view
        .adopted
        .iter()
        .map(|a| {
            let name = format!("c.{}.result", a.feedback_id);
            CheckRow {
                feedback_id: a.feedback_id.clone(),
                content: a.content.clone(),
                results: CheckResult::ALL
                    .iter()
                    .map(|r| Choice {
                        value: r.wire().to_owned(),
                        label: r.label().to_owned(),
                        chosen: form.is(&name, r.wire()),
                    })
                    .collect(),
            }
        })
        .collect();
    SupervisionPage {
        title: format!("监督检查：{}", plan.name),
        me,
        notice,
        plan,
        visits,
        checks,
        may_record: view.may_record,
        adopted,
        form,
    }
}

use openday_rules::WireEnum;

async fn show<S: Store>(
    app: &App<S>,
    staff: &StaffSession,
    id: &str,
    form: FormState,
    notice: Option<String>,
) -> Result<SupervisionPage, PageError> {
    let view = supervision::of_plan(&app.core, &staff.org, id).await?;
    let plan = plan_of(app, &staff.org, id).await?;
    Ok(page_of(staff.me(), notice, plan, view, form))
}

async fn plan_page<S: Store>(
    State(app): State<App<S>>,
    staff: StaffSession,
    Path(id): Path<String>,
) -> Result<Response, SignedOutOr> {
    let (jar, notice) = take_notice(staff.jar.clone());
    let page = show(&app, &staff, &id, FormState::default(), notice).await?;
    Ok(staff_page(jar, page))
}

#[derive(Deserialize)]
pub(super) struct RecordForm {
    action: Option<String>,
    #[serde(flatten)]
    visit: VisitDraft,
    checked_on: Option<String>,
}

async fn record<S: Store>(
    State(app): State<App<S>>,
    Path(id): Path<String>,
    post: StaffPost<RecordForm>,
) -> Result<Response, SignedOutOr> {
    let StaffPost {
        staff,
        form,
        values,
    } = post;
    let result = if form.action.as_deref() == Some("check") {
        // One row per adopted item: `c.<id>.result` and `c.<id>.note`; rows left blank
        // are not checked this time.
        let mut items: BTreeMap<String, CheckItemDraft> = BTreeMap::new();
        for (k, v) in &values {
            let Some((fid, part)) = k.strip_prefix("c.").and_then(|r| r.rsplit_once('.')) else {
                continue;
            };
            let item = items
                .entry(fid.to_owned())
                .or_insert_with(|| CheckItemDraft {
                    feedback_id: Some(fid.to_owned()),
                    ..Default::default()
                });
            match part {
                "result" => item.result = Some(v.clone()),
                "note" => item.note = Some(v.clone()),
                _ => {}
            }
        }
        let draft = FollowUpDraft {
            checked_on: form.checked_on.clone(),
            items: items.into_values().filter(|i| i.result.is_some()).collect(),
        };
        supervision::record_check(&app.core, &staff.org, &id, &draft)
            .await
            .map(|_| "跟踪检查已记录。")
    } else {
        supervision::record_visit(&app.core, &staff.org, &id, &form.visit)
            .await
            .map(|_| "现场走访已记录。")
    };
    match result {
        Ok(notice) => {
            let jar = with_notice(staff.jar, &app, notice);
            Ok(see_other(jar, &format!("/staff/plans/{id}/supervision")))
        }
        Err(e) => {
            let mut state = FormState::with_values(values);
            state.refuse(
                e,
                &[
                    "visited_on",
                    "visitors",
                    "observations",
                    "conclusion",
                    "checked_on",
                    "items",
                ],
            )?;
            let status = state.status();
            let page = show(&app, &staff, &id, state, None).await?;
            Ok((status, staff.jar, page).into_response())
        }
    }
}

/// A public evaluation in the office's list.
pub struct EvaluationRow {
    pub id: String,
    pub title: String,
    pub year: i32,
    pub dates: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/public_evaluations.html")]
struct EvaluationsPage {
    title: String,
    me: Me,
    notice: Option<String>,
    rows: Vec<EvaluationRow>,
    form: FormState,
    office: bool,
}

async fn evaluations_page<S: Store>(
    app: &App<S>,
    staff: &StaffSession,
    form: FormState,
    notice: Option<String>,
) -> Result<EvaluationsPage, PageError> {
    let rows = supervision::public_evaluations_of(&app.core, &staff.org)
        .await?
        .into_iter()
        .map(|r| EvaluationRow {
            title: r.evaluation.title.to_string(),
            year: r.evaluation.year,
            dates: day_span(r.evaluation.opens_on, r.evaluation.closes_on),
            id: r.id,
        })
        .collect();
    Ok(EvaluationsPage {
        title: "群众评议".into(),
        me: staff.me(),
        notice,
        rows,
        form,
        office: staff.org.kind == openday_rules::org::OrgKind::Office,
    })
}

async fn evaluations<S: Store>(
    State(app): State<App<S>>,
    staff: StaffSession,
) -> Result<Response, SignedOutOr> {
    let (jar, notice) = take_notice(staff.jar.clone());
    let mut form = FormState::default();
    form.values
        .insert("year".into(), app.core.today().format("%Y").to_string());
    let page = evaluations_page(&app, &staff, form, notice).await?;
    Ok(staff_page(jar, page))
}

async fn open_evaluation<S: Store>(
    State(app): State<App<S>>,
    post: StaffPost<PublicEvaluationDraft>,
) -> Result<Response, SignedOutOr> {
    let StaffPost {
        staff,
        form,
        values,
    } = post;
    match supervision::open_public_evaluation(&app.core, &staff.org, &form).await {
        Ok(r) => {
            let jar = with_notice(
                staff.jar,
                &app,
                &format!("群众评议已开展，公众评议地址：/public-evaluations/{}", r.id),
            );
            Ok(see_other(jar, "/staff/public-evaluations"))
        }
        Err(e) => {
            let mut state = FormState::with_values(values);
            state.refuse(e, &["title", "year", "opens_on", "closes_on"])?;
            let status = state.status();
            let page = evaluations_page(&app, &staff, state, None).await?;
            Ok((status, staff.jar, page).into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/public_evaluation_results.html")]
struct ResultsPage {
    title: String,
    me: Me,
    r: PublicEvaluationResults,
    dates: String,
}

fn mean(v: &Option<f64>) -> String {
    v.map_or_else(|| "—".into(), |m| format!("{m:.2}"))
}

impl ResultsPage {
    fn mean(&self, v: &Option<f64>) -> String {
        mean(v)
    }
}

async fn results<S: Store>(
    State(app): State<App<S>>,
    staff: StaffSession,
    Path(id): Path<String>,
) -> Result<Response, SignedOutOr> {
    let r = supervision::public_evaluation_results(&app.core, &staff.org, &id)
        .await
        .map_err(PageError::from)?;
    let page = ResultsPage {
        title: format!("评议结果：{}", r.evaluation.title),
        me: staff.me(),
        dates: day_span(r.evaluation.opens_on, r.evaluation.closes_on),
        r,
    };
    Ok(staff_page(staff.jar, page))
}
