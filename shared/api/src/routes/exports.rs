//! The spreadsheets staff download, scoped like the data they come from: an event's
//! registrants (its implementer; masked, with check-in times), its feedback with the
//! adoption (its implementer and the offices above), and the year's compliance figures per
//! organisation (an office: its jurisdiction; an agency: its own line).

use axum::extract::{Path, Query, State};
use axum::http::Method;
use axum::response::Response;
use openday_rules::org::Organisation;

use super::{Routes, implementer_plan, method, plan_and_owner, viewer_role};
use crate::app::{App, Store};
use crate::auth::Staff;
use crate::error::ApiError;
use crate::exports::{Cell, FormatQuery, Table, download};

/// The API's downloads (bearer token), on the plans job.
pub fn plan_routes<S: Store>() -> Routes<S> {
    Routes::new()
        .route(
            Method::GET,
            "/api/plans/{id}/exports/registrants",
            method(&Method::GET, registrants_file::<S>),
        )
        .route(
            Method::GET,
            "/api/plans/{id}/exports/feedback",
            method(&Method::GET, feedback_file::<S>),
        )
}

/// The compliance download, on the reports job.
pub fn report_routes<S: Store>() -> Routes<S> {
    Routes::new().route(
        Method::GET,
        "/api/compliance/export",
        method(&Method::GET, compliance_file::<S>),
    )
}

async fn registrants_file<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    Path(id): Path<String>,
    Query(q): Query<FormatQuery>,
) -> Result<Response, ApiError> {
    let format = q.format()?;
    download("报名人员", format, registrants(&app, &org, &id).await?)
}

async fn feedback_file<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    Path(id): Path<String>,
    Query(q): Query<FormatQuery>,
) -> Result<Response, ApiError> {
    let format = q.format()?;
    download(
        "意见建议及采纳情况",
        format,
        feedback(&app, &org, &id).await?,
    )
}

async fn compliance_file<S: Store>(
    State(app): State<App<S>>,
    Staff(org): Staff,
    Query(q): Query<FormatQuery>,
) -> Result<Response, ApiError> {
    let format = q.format()?;
    let year = year_of(&app, q.year.as_deref())?;
    download(
        &format!("{year}年度合规情况"),
        format,
        compliance(&app, org, year).await?,
    )
}

/// `?year=`, or this year when it is not given (given but empty is refused, as elsewhere).
pub(crate) fn year_of<S>(app: &App<S>, raw: Option<&str>) -> Result<i32, ApiError> {
    let raw = raw.map(|y| openday_rules::text::NumberLike::Text(y.trim().to_owned()));
    super::plans::year_or_this(app, raw.as_ref())
}

/// An event's registrants, masked, with their check-in times; for its implementer.
pub(crate) async fn registrants<S: Store>(
    app: &App<S>,
    org: &Organisation,
    id: &str,
) -> Result<Table, ApiError> {
    implementer_plan(app, org, id, "只有实施机关可以导出报名人员").await?;
    let mut records = app.store.registrations(id).await?;
    records.sort_by_key(|r| r.registered_at);
    Ok(Table {
        sheet: "报名人员".into(),
        columns: vec![
            ("报名编号", 12.0),
            ("姓名", 10.0),
            ("身份证号码", 22.0),
            ("手机号码", 14.0),
            ("人员类别", 14.0),
            ("与本地的关系", 12.0),
            ("渠道", 10.0),
            ("状态", 10.0),
            ("报名时间", 18.0),
            ("签到时间", 18.0),
        ],
        rows: records
            .iter()
            .map(|r| {
                vec![
                    r.code.as_str().into(),
                    r.name.as_str().into(),
                    r.id_masked.as_str().into(),
                    r.phone_masked.as_str().into(),
                    r.category.label().into(),
                    r.relation.label().into(),
                    r.channel.label().into(),
                    r.status.label().into(),
                    Cell::Time(r.registered_at),
                    r.attended_at.into(),
                ]
            })
            .collect(),
    })
}

/// An event's feedback with its adoption: the published response, or the draft answers
/// before it is published.
pub(crate) async fn feedback<S: Store>(
    app: &App<S>,
    org: &Organisation,
    id: &str,
) -> Result<Table, ApiError> {
    let (_, owner) = plan_and_owner(app, id).await?;
    viewer_role(org, &owner)?;
    let items = app.store.feedback(id).await?;
    let answers = match app.store.response(id).await? {
        Some(r) => r.items,
        None => app.store.answers(id).await?,
    };
    Ok(Table {
        sheet: "意见建议".into(),
        columns: vec![
            ("提交时间", 18.0),
            ("渠道", 10.0),
            ("意见类别", 10.0),
            ("意见建议", 50.0),
            ("采纳情况", 10.0),
            ("答复", 50.0),
        ],
        rows: items
            .iter()
            .map(|f| {
                let answer = answers.iter().find(|a| a.feedback_id == f.id);
                vec![
                    Cell::Time(f.at),
                    f.feedback.channel.label().into(),
                    f.feedback.category.label().into(),
                    f.feedback.content.to_string().into(),
                    answer.map_or(Cell::Empty, |a| a.adoption.label().into()),
                    answer
                        .and_then(|a| a.reply.as_ref())
                        .map_or(Cell::Empty, |r| r.to_string().into()),
                ]
            })
            .collect(),
    })
}

/// The year's figures: an office's per organisation of its jurisdiction and below, with
/// the total first; an agency's own.
pub(crate) async fn compliance<S: Store>(
    app: &App<S>,
    org: Organisation,
    year: i32,
) -> Result<Table, ApiError> {
    let name = org.name.to_string();
    let c = super::reports::compliance_of(app, org, year).await?;
    let row = |name: String, f: &openday_rules::compliance::Figures| {
        let ratio =
            |r: openday_rules::compliance::Ratio| -> [Cell; 2] { [r.met.into(), r.of.into()] };
        let mut row: Vec<Cell> = vec![name.into(), f.plans.into()];
        row.extend(ratio(f.announced_on_time));
        row.extend(ratio(f.participants_met));
        row.extend(ratio(f.responded_on_time));
        row.push(f.report.label().into());
        row.push(f.average_rating.map_or(Cell::Empty, Cell::Number));
        row.push(f.ratings.into());
        row
    };
    let mut rows = vec![row(format!("合计（{name}）"), &c.figures)];
    for o in c.organisations.iter().flatten() {
        rows.push(row(o.name.clone(), &o.figures));
    }
    Ok(Table {
        sheet: format!("{year}年度合规情况"),
        columns: vec![
            ("机关", 28.0),
            ("方案数", 8.0),
            ("按时发布公告", 12.0),
            ("应按时发布公告", 14.0),
            ("人数达标", 10.0),
            ("应达标", 8.0),
            ("按时公开采纳情况", 16.0),
            ("应按时公开", 10.0),
            ("年度报送", 12.0),
            ("网络测评平均分", 14.0),
            ("测评数", 8.0),
        ],
        rows,
    })
}
