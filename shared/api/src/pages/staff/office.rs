//! The year's view: every plan of a jurisdiction with filters, the compliance dashboard
//! (figures per organisation, open findings linked to their plans), ending an
//! organisation's sessions, and a reporter's annual report (R14).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use openday_rules::WireEnum;
use openday_rules::compliance::{Figures, Ratio};
use openday_rules::lifecycle::PlanStatus;
use openday_rules::org::OrgKind;
use openday_rules::report::ReportDraft;
use openday_rules::text::NumberLike;
use serde::Deserialize;

use super::plans::listed;
use super::rows::{FindingRow, PlanRow, finding_row, next_deadline};
use super::{Me, SignedOutOr, StaffPost, StaffSession, staff_page};
use crate::app::{App, Store};
use crate::pages::Choice;
use crate::pages::{FormState, PageError, see_other, take_notice, with_notice};
use crate::routing::{Routes, method};
use openday_app::AppError;
use openday_app::sign_in::names_within;
use openday_app::years::year_of_text;
use openday_app::{compliance, exports, reports};
use openday_rules::calendar::{day_span, day_text};

pub fn routes<S: Store>() -> Routes<S> {
    Routes::new()
        .route(
            Method::GET,
            "/staff/plans",
            method(&Method::GET, plans::<S>),
        )
        .route(
            Method::GET,
            "/staff/compliance",
            method(&Method::GET, compliance::<S>),
        )
        .route(
            Method::GET,
            "/staff/compliance/export",
            method(&Method::GET, compliance_file::<S>),
        )
        .route(
            Method::POST,
            "/staff/sessions/revoke",
            method(&Method::POST, revoke::<S>),
        )
        .route(
            Method::GET,
            "/staff/reports",
            method(&Method::GET, rollup::<S>),
        )
        .route(
            Method::GET,
            "/staff/reports/export",
            method(&Method::GET, rollup_file::<S>),
        )
        .route(
            Method::GET,
            "/staff/report",
            method(&Method::GET, report_form::<S>),
        )
        .route(
            Method::POST,
            "/staff/report",
            method(&Method::POST, report::<S>),
        )
}

#[derive(Deserialize, Default)]
struct PlansQuery {
    year: Option<String>,
    status: Option<String>,
    org: Option<String>,
    cursor: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/plans.html")]
struct PlansPage {
    title: String,
    me: Me,
    year: String,
    statuses: Vec<Choice>,
    orgs: Vec<Choice>,
    rows: Vec<PlanRow>,
    caption: String,
    /// The next page, with the same filters; whether this is a later page.
    next: Option<String>,
    later: bool,
}

/// Every plan of the jurisdiction and below (an agency: its own), by year, status and
/// organisation.
async fn plans<S: Store>(
    State(app): State<App<S>>,
    staff: StaffSession,
    Query(q): Query<PlansQuery>,
) -> Result<Response, SignedOutOr> {
    let blank = |v: Option<String>| v.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
    let status = blank(q.status);
    let org_filter = blank(q.org);
    let year = blank(q.year);
    let cursor = blank(q.cursor);
    let later = cursor.is_some();
    let list = listed(
        &app,
        &staff.org,
        year.clone().map(NumberLike::Text),
        status.clone(),
        cursor,
    )
    .await
    .map_err(PageError::from)?;
    let (year, summaries) = (list.year, list.plans);
    let next = list.next.map(|cursor| {
        let query: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("year", &year.to_string())
            .append_pair("status", status.as_deref().unwrap_or(""))
            .append_pair("org", org_filter.as_deref().unwrap_or(""))
            .append_pair("cursor", &cursor)
            .finish();
        format!("/staff/plans?{query}")
    });
    let names = names_within(&app.core, &staff.org)
        .await
        .map_err(PageError::from)?;
    let region = openday_rules::programme::region_of(&staff.org).clone();
    let mut rows = Vec::new();
    for p in summaries
        .into_iter()
        .filter(|p| org_filter.as_deref().is_none_or(|o| p.org_id.as_str() == o))
    {
        let at = openday_rules::ProgrammeRef {
            region: region.clone(),
            year: p.start_date.year(),
            version: p.programme_version,
        };
        let programme = app.core.programme_at(&at).await.map_err(PageError::from)?;
        rows.push(PlanRow {
            org: names
                .get(p.org_id.as_str())
                .map_or_else(|| p.org_id.to_string(), |o| o.name.to_string()),
            dates: day_span(p.start_date, p.end_date),
            status: p.status.label(),
            next: next_deadline(p.status, p.start_date, p.end_date, &programme)
                .unwrap_or_else(|| "—".into()),
            open_findings: 0,
            id: p.id,
            name: p.name,
        });
    }
    let statuses = PlanStatus::ALL
        .iter()
        .map(|s| Choice {
            value: s.wire().to_owned(),
            label: s.label().to_owned(),
            chosen: status.as_deref() == Some(s.wire()),
        })
        .collect();
    // An office filters by the organisations of its jurisdiction; an agency sees its own.
    let orgs = names
        .values()
        .filter(|o| o.kind != OrgKind::Office)
        .filter(|o| staff.org.kind == OrgKind::Office || o.id == staff.org.id)
        .map(|o| Choice {
            value: o.id.to_string(),
            label: o.name.to_string(),
            chosen: org_filter.as_deref() == Some(o.id.as_str()),
        })
        .collect();
    Ok(staff_page(
        staff.jar.clone(),
        PlansPage {
            title: format!("{year}年度实施方案"),
            me: staff.me(),
            year: year.to_string(),
            statuses,
            orgs,
            caption: if later || next.is_some() {
                format!("实施方案（本页{}项）", rows.len())
            } else {
                format!("实施方案（共{}项）", rows.len())
            },
            rows,
            next,
            later,
        },
    ))
}

/// One organisation's line on the dashboard.
pub struct FiguresRow {
    pub org_id: String,
    pub name: String,
    pub plans: u32,
    pub announced: String,
    pub participants: String,
    pub responded: String,
    pub report: &'static str,
    pub rating: String,
    /// 座谈问答 / 问卷调查 / neither, among held plans.
    pub interactions: String,
}

fn ratio(r: Ratio) -> String {
    if r.of == 0 {
        "—".into()
    } else {
        format!("{}/{}", r.met, r.of)
    }
}

fn figures_row(org_id: String, name: String, f: &Figures) -> FiguresRow {
    FiguresRow {
        org_id,
        name,
        plans: f.plans,
        announced: ratio(f.announced_on_time),
        participants: ratio(f.participants_met),
        responded: ratio(f.responded_on_time),
        report: f.report.label(),
        rating: f
            .average_rating
            .map_or_else(|| "—".into(), |r| format!("{r:.2}（{}条）", f.ratings)),
        interactions: format!(
            "座谈{} · 问卷{} · 未落实{}",
            f.interactions.qa_session, f.interactions.questionnaire, f.interactions.missing
        ),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/compliance.html")]
struct CompliancePage {
    title: String,
    me: Me,
    notice: Option<String>,
    year: i32,
    total: FiguresRow,
    rows: Vec<FiguresRow>,
    findings: Vec<FindingRow>,
    office: bool,
}

#[derive(Deserialize, Default)]
struct YearQuery {
    year: Option<String>,
}

async fn compliance<S: Store>(
    State(app): State<App<S>>,
    staff: StaffSession,
    Query(q): Query<YearQuery>,
) -> Result<Response, SignedOutOr> {
    // A blank year is this year here (the dashboard's own form sends one).
    let year = year_of_text(
        &app.core,
        q.year.as_deref().filter(|y| !y.trim().is_empty()),
    )
    .map_err(PageError::from)?;
    let c = compliance::of(&app.core, staff.org.org().clone(), year)
        .await
        .map_err(PageError::from)?;
    let names = names_within(&app.core, &staff.org)
        .await
        .map_err(PageError::from)?;
    let plans = openday_app::desk::plans_within(&app.core, &staff.org, year)
        .await
        .map_err(PageError::from)?;
    // The findings the compliance figures were read with, not a second read.
    let findings = c
        .findings
        .iter()
        .map(|f| {
            let plan = f
                .plan_id
                .as_deref()
                .and_then(|id| plans.iter().find(|p| p.id == id))
                .map(|p| p.plan.name.to_string())
                .unwrap_or_default();
            let org = names
                .get(f.org_id.as_str())
                .map_or_else(|| f.org_id.to_string(), |o| o.name.to_string());
            finding_row(f, plan, org, &staff.programme)
        })
        .collect();
    let rows = c
        .organisations
        .unwrap_or_default()
        .iter()
        .map(|o| figures_row(o.org_id.to_string(), o.name.clone(), &o.figures))
        .collect();
    let me = staff.me();
    let (jar, notice) = take_notice(staff.jar);
    Ok(staff_page(
        jar,
        CompliancePage {
            title: format!("{year}年度合规看板"),
            total: figures_row(staff.org.id.to_string(), me.name.clone(), &c.figures),
            office: me.office,
            me,
            notice,
            year,
            rows,
            findings,
        },
    ))
}

#[derive(Deserialize)]
struct RevokeForm {
    org_id: Option<String>,
}

/// An office ends every session of an organisation of its jurisdiction (or its own).
async fn revoke<S: Store>(
    State(app): State<App<S>>,
    post: StaffPost<RevokeForm>,
) -> Result<Response, SignedOutOr> {
    let StaffPost { staff, form, .. } = post;
    let target = openday_app::sign_in::revoke(&app.core, &staff.org, form.org_id.as_deref())
        .await
        .map_err(PageError::from)?;
    let jar = with_notice(
        staff.jar,
        &app,
        &format!("已注销{}的全部登录，需重新登录。", target.name),
    );
    Ok(see_other(jar, "/staff/compliance"))
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/report.html")]
struct ReportPage {
    title: String,
    me: Me,
    notice: Option<String>,
    form: FormState,
    filed: Option<Vec<(&'static str, String)>>,
    due: String,
    /// The programme's clause of the annual report.
    clause: String,
    /// The jurisdiction's figures: as of today, or frozen in the filed report.
    figures: Vec<(&'static str, String)>,
}

async fn report_page<S: Store>(
    app: &App<S>,
    staff: &StaffSession,
    form: FormState,
) -> Result<ReportPage, PageError> {
    let year = form
        .value("year")
        .parse::<i32>()
        .unwrap_or_else(|_| app.core.this_year());
    let programme = app.core.programme_for(&staff.org, year).await?.programme;
    if !programme.is_reporter(&staff.org) {
        return Err(AppError::forbidden(format!(
            "“{}”不是年度开展情况的报送单位（工作方案{}）",
            staff.org.name.as_str(),
            programme.report.clause
        ))
        .into());
    }
    let (report, figures) = reports::filed_or_draft(&app.core, &staff.org, year).await?;
    let filed = report.map(|r| {
        let mut lines = vec![
            ("年度", r.year.to_string()),
            (
                "报送日期",
                format!(
                    "{}{}",
                    day_text(r.received_on),
                    if r.late { "（逾期）" } else { "" }
                ),
            ),
            ("开展情况", r.summary.to_string()),
            ("典型经验", r.experiences.to_string()),
        ];
        if let Some(p) = &r.problems {
            lines.push(("存在问题", p.to_string()));
        }
        if let Some(n) = &r.next_year {
            lines.push(("下一步工作", n.to_string()));
        }
        if let Some(by) = &r.filed_by {
            lines.push(("报送人员", by.clone()));
        }
        lines
    });
    Ok(ReportPage {
        title: format!("{year}年度“政府开放日”开展情况报送"),
        me: staff.me(),
        notice: None,
        filed,
        due: day_text(programme.report_due(year)),
        clause: programme.report.clause.clone(),
        figures: openday_app::exports::figure_lines(&figures),
        form,
    })
}

async fn report_form<S: Store>(
    State(app): State<App<S>>,
    staff: StaffSession,
) -> Result<Response, SignedOutOr> {
    let mut form = FormState::default();
    form.values
        .insert("year".into(), app.today().year().to_string());
    let mut page = report_page(&app, &staff, form).await?;
    let (jar, notice) = take_notice(staff.jar);
    page.notice = notice;
    Ok(staff_page(jar, page))
}

async fn report<S: Store>(
    State(app): State<App<S>>,
    post: StaffPost<ReportDraft>,
) -> Result<Response, SignedOutOr> {
    let StaffPost {
        staff,
        form,
        values,
    } = post;
    match reports::file(&app.core, &staff.org, &form).await {
        Ok(filed) => {
            let late = if filed.report.late {
                "（逾期报送已记录）"
            } else {
                ""
            };
            let jar = with_notice(
                staff.jar,
                &app,
                &format!("{}年度开展情况已报送{late}。", filed.report.year),
            );
            Ok(see_other(jar, "/staff/report"))
        }
        Err(e) => {
            let mut state = FormState::with_values(values);
            state.refuse(
                e,
                &["year", "summary", "experiences", "problems", "next_year"],
            )?;
            let status = state.status();
            let page = report_page(&app, &staff, state).await?;
            Ok((status, staff.jar, page).into_response())
        }
    }
}

async fn compliance_file<S: Store>(
    State(app): State<App<S>>,
    staff: StaffSession,
    Query(q): Query<crate::exports::FormatQuery>,
) -> Result<Response, SignedOutOr> {
    let file = async {
        let format = q.format()?;
        let year = year_of_text(&app.core, q.year.as_deref())?;
        let table = exports::compliance(&app.core, staff.org.org().clone(), year).await?;
        crate::exports::download(&format!("{year}年度合规情况"), format, table)
    };
    Ok(file.await.map_err(PageError::from)?)
}

/// A reporter's line on the roll-up page.
pub struct ReporterRow {
    pub name: String,
    pub state: &'static str,
    pub missing: bool,
    pub received: String,
    pub plans: u32,
    pub held: u32,
    pub registered: u32,
    pub attended: u32,
    pub feedback: u32,
}

/// An area's line, indented by its depth.
pub struct AreaRow {
    pub name: String,
    pub depth: usize,
    pub plans: u32,
    pub held: u32,
    pub registered: u32,
    pub attended: u32,
    pub feedback: u32,
    pub adoption: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/rollup.html")]
struct RollupPage {
    title: String,
    me: Me,
    year: i32,
    reporters: Vec<ReporterRow>,
    areas: Vec<AreaRow>,
    on_time: usize,
    late: usize,
    missing: usize,
}

async fn rollup<S: Store>(
    State(app): State<App<S>>,
    staff: StaffSession,
    Query(q): Query<YearQuery>,
) -> Result<Response, SignedOutOr> {
    use openday_rules::compliance::ReportState;
    let year = year_of_text(&app.core, q.year.as_deref()).map_err(PageError::from)?;
    let r = compliance::rollup(&app.core, &staff.org, year)
        .await
        .map_err(PageError::from)?;
    let count = |s: ReportState| r.reporters.iter().filter(|l| l.state == s).count();
    let page = RollupPage {
        title: format!("{year}年度开展情况报送与汇总"),
        me: staff.me(),
        year,
        on_time: count(ReportState::OnTime),
        late: count(ReportState::Late),
        missing: count(ReportState::Missing),
        reporters: r
            .reporters
            .iter()
            .map(|l| ReporterRow {
                name: l.name.clone(),
                state: l.state.label(),
                missing: l.state == ReportState::Missing,
                received: l.received_on.map(day_text).unwrap_or_default(),
                plans: l.figures.plans,
                held: l.figures.held,
                registered: l.figures.registered,
                attended: l.figures.attended,
                feedback: l.figures.feedback,
            })
            .collect(),
        areas: r
            .areas
            .iter()
            .map(|a| AreaRow {
                name: a.name.clone(),
                depth: a.depth,
                plans: a.figures.plans,
                held: a.figures.held,
                registered: a.figures.registered,
                attended: a.figures.attended,
                feedback: a.figures.feedback,
                adoption: a
                    .figures
                    .adoption_rate
                    .map_or_else(|| "—".to_owned(), |x| format!("{:.1}%", x * 100.0)),
            })
            .collect(),
    };
    Ok(staff_page(staff.jar.clone(), page))
}

async fn rollup_file<S: Store>(
    State(app): State<App<S>>,
    staff: StaffSession,
    Query(q): Query<YearQuery>,
) -> Result<Response, SignedOutOr> {
    let file = async {
        let year = year_of_text(&app.core, q.year.as_deref())?;
        let r = compliance::rollup(&app.core, &staff.org, year).await?;
        crate::exports::download_book(
            &format!("{}年度“政府开放日”开展情况汇总", r.year),
            &exports::rollup(&r),
        )
    };
    Ok(file.await.map_err(PageError::from)?)
}
