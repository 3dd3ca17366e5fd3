//! An agency's work around its event: the registrants (masked) with the offline
//! recommendation form, and the feedback answered item by item or in groups,
//! re-categorised, saved as a draft and published.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use openday_rules::registration::{Category, Relation};
use openday_store::records::RegistrationStatus;

use super::answers;
use super::plan_page::PlanView;
use super::plan_page::own_plan;
use super::{Me, SignedOutOr, StaffPost, StaffSession, staff_page};
use crate::app::{App, Store};
use crate::pages::{Choice, choices};
use crate::pages::{FieldError, FormState, PageError, see_other, take_notice, with_notice};
use crate::routing::{Routes, method};
use openday_app::{attendance, exports, registrations};
use openday_rules::calendar::when;

pub fn routes<S: Store>() -> Routes<S> {
    Routes::new()
        .route(
            Method::GET,
            "/staff/plans/{id}/registrants",
            method(&Method::GET, registrants::<S>),
        )
        .route(
            Method::POST,
            "/staff/plans/{id}/registrants",
            method(&Method::POST, recommend::<S>),
        )
        .route(
            Method::GET,
            "/staff/plans/{id}/exports/registrants",
            method(&Method::GET, registrants_file::<S>),
        )
        .route(
            Method::GET,
            "/staff/plans/{id}/exports/feedback",
            method(&Method::GET, feedback_file::<S>),
        )
        .route(
            Method::GET,
            "/staff/plans/{id}/check-in",
            method(&Method::GET, check_in_form::<S>),
        )
        .route(
            Method::POST,
            "/staff/plans/{id}/check-in",
            method(&Method::POST, check_in::<S>),
        )
        .route(
            Method::GET,
            "/staff/plans/{id}/feedback",
            method(&Method::GET, answers::feedback::<S>),
        )
        .route(
            Method::POST,
            "/staff/plans/{id}/feedback",
            method(&Method::POST, answers::answer::<S>),
        )
}

/// A registrant as the agency sees it: masked.
pub struct RegistrantRow {
    pub code: String,
    pub name: String,
    pub id_number: String,
    pub phone: String,
    pub category: &'static str,
    pub channel: &'static str,
    pub status: &'static str,
    pub at: String,
    /// When the person was checked in at the door; empty if not (yet).
    pub attended: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/registrants.html")]
struct RegistrantsPage {
    title: String,
    me: Me,
    notice: Option<String>,
    plan: PlanView,
    rows: Vec<RegistrantRow>,
    /// The next page's continuation, and whether this is a later page.
    next: Option<String>,
    later: bool,
    form: FormState,
    categories: Vec<Choice>,
    relations: Vec<Choice>,
    open: bool,
}

const RECOMMEND_FIELDS: [&str; 7] = [
    "name",
    "id_number",
    "phone",
    "category",
    "relation",
    "full_civil_capacity",
    "not_deputy",
];

async fn registrants_page<S: Store>(
    app: &App<S>,
    staff: &StaffSession,
    id: &str,
    form: FormState,
    cursor: Option<&str>,
) -> Result<RegistrantsPage, PageError> {
    let (detail, plan) = own_plan(app, staff, id, "只有实施机关可以查看报名人员").await?;
    let records = registrations::of_event(
        &app.core,
        &staff.org,
        id,
        "只有实施机关可以查看报名人员",
        cursor,
    )
    .await?;
    let rows = records
        .items
        .iter()
        .filter(|r| r.status != RegistrationStatus::Cancelled)
        .map(|r| RegistrantRow {
            code: r.code.clone(),
            name: r.name.clone(),
            id_number: r.id_masked.clone(),
            phone: r.phone_masked.clone(),
            category: r.category.label(),
            channel: r.channel.label(),
            status: r.status.label(),
            at: when(r.registered_at),
            attended: match (r.attended_at, r.checked_in_by.as_deref()) {
                (Some(at), Some(by)) => format!("{}（{by}）", when(at)),
                (Some(at), None) => when(at),
                (None, _) => String::new(),
            },
        })
        .collect();
    Ok(RegistrantsPage {
        title: format!("报名人员：{}", plan.name),
        me: staff.me(),
        notice: None,
        open: detail.status == openday_rules::lifecycle::PlanStatus::Announced,
        categories: choices::<Category>(&form, "category"),
        relations: choices::<Relation>(&form, "relation"),
        plan,
        rows,
        next: records.next.map(|c| c.encode()),
        later: cursor.is_some_and(|c| !c.trim().is_empty()),
        form,
    })
}

async fn registrants<S: Store>(
    State(app): State<App<S>>,
    staff: StaffSession,
    Path(id): Path<String>,
    Query(q): Query<openday_app::views::PageQuery>,
) -> Result<Response, SignedOutOr> {
    let mut page =
        registrants_page(&app, &staff, &id, FormState::default(), q.cursor.as_deref()).await?;
    let (jar, notice) = take_notice(staff.jar);
    page.notice = notice;
    Ok(staff_page(jar, page))
}

async fn recommend<S: Store>(
    State(app): State<App<S>>,
    Path(id): Path<String>,
    post: StaffPost<registrations::OnlineRegistration>,
) -> Result<Response, SignedOutOr> {
    let StaffPost {
        staff,
        form,
        values,
    } = post;
    match registrations::recommend(&app.core, &staff.org, &id, &form).await {
        Ok(registrations::Taken { receipt, .. }) => {
            let status = if receipt.status == RegistrationStatus::Confirmed {
                "已确认参加"
            } else {
                "名额已满，已列入候补"
            };
            let jar = with_notice(
                staff.jar,
                &app,
                &format!("已录入推荐人员（报名编号 {}），{status}。", receipt.code),
            );
            Ok(see_other(jar, &format!("/staff/plans/{id}/registrants")))
        }
        Err(e) => {
            let mut state = FormState::with_values(values);
            state.refuse(e, &RECOMMEND_FIELDS)?;
            let status = state.status();
            let page = registrants_page(&app, &staff, &id, state, None).await?;
            Ok((status, staff.jar, page).into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/check_in.html")]
struct CheckInPage {
    title: String,
    me: Me,
    plan_id: String,
    form: FormState,
    confirmed: u32,
    attended: u32,
    /// Why check-in is not open today, if it is not.
    closed: Option<String>,
}

async fn check_in_page<S: Store>(
    app: &App<S>,
    staff: &StaffSession,
    id: &str,
    form: FormState,
) -> Result<CheckInPage, PageError> {
    let (detail, plan) = own_plan(app, staff, id, "只有实施机关可以签到").await?;
    let counts = attendance::attendance(&app.core, &staff.org, id).await?;
    let closed = openday_rules::registration::check_in_open(&detail.plan.period, app.today())
        .err()
        .map(|v| v.message);
    Ok(CheckInPage {
        title: format!("现场签到：{}", plan.name),
        me: staff.me(),
        plan_id: id.to_owned(),
        form,
        confirmed: counts.confirmed,
        attended: counts.attended,
        closed,
    })
}

async fn check_in_form<S: Store>(
    State(app): State<App<S>>,
    staff: StaffSession,
    Path(id): Path<String>,
) -> Result<Response, SignedOutOr> {
    let page = check_in_page(&app, &staff, &id, FormState::default()).await?;
    Ok(staff_page(staff.jar.clone(), page))
}

/// One person at the door: the page comes back at once with the result and the counts,
/// the field empty and focused for the next scan.
async fn check_in<S: Store>(
    State(app): State<App<S>>,
    Path(id): Path<String>,
    post: StaffPost<openday_app::commands::CheckInBody>,
) -> Result<Response, SignedOutOr> {
    let StaffPost { staff, form, .. } = post;
    let mut state = FormState::default();
    let status = match attendance::check_in(&app.core, &staff.org, &id, &form).await {
        Ok(done) => {
            state.notice = Some(format!(
                "签到成功：{}（{}），{}",
                done.name,
                done.code,
                when(done.attended_at)
            ));
            StatusCode::OK
        }
        Err(e) => {
            if e.is_failure() {
                return Err(PageError::from(e).into());
            }
            let message = e.said().message;
            let status = crate::error::ApiError::App(e).status();
            // The reason in the summary only: the field is cleared for the next person.
            state.errors.push(FieldError {
                field: None,
                message,
            });
            status
        }
    };
    let page = check_in_page(&app, &staff, &id, state).await?;
    Ok((status, staff.jar.clone(), page).into_response())
}

async fn registrants_file<S: Store>(
    State(app): State<App<S>>,
    staff: StaffSession,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<crate::exports::FormatQuery>,
) -> Result<Response, SignedOutOr> {
    let file = async {
        let format = q.format()?;
        let table = exports::registrants(&app.core, &staff.org, &id).await?;
        crate::exports::download_streamed("报名人员", format, table).await
    };
    Ok(file.await.map_err(PageError::from)?)
}

async fn feedback_file<S: Store>(
    State(app): State<App<S>>,
    staff: StaffSession,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<crate::exports::FormatQuery>,
) -> Result<Response, SignedOutOr> {
    let file = async {
        let format = q.format()?;
        let table = exports::feedback(&app.core, &staff.org, &id).await?;
        crate::exports::download_streamed("意见建议及采纳情况", format, table).await
    };
    Ok(file.await.map_err(PageError::from)?)
}
