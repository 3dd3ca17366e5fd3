//! 考核 for an office: each agency's score with its breakdown, adjustments with reasons,
//! and publishing the year's 通报.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use openday_app::assessment::{self, AdjustmentBody, AssessmentView, BulletinBody};
use openday_app::years::year_of_text;
use openday_rules::calendar::when;

use super::{Me, SignedOutOr, StaffPost, StaffSession, staff_page};
use crate::app::{App, Store};
use crate::pages::{Choice, FormState, PageError, see_other, take_notice, with_notice};
use crate::routing::{Routes, method};

pub fn routes<S: Store>() -> Routes<S> {
    Routes::new()
        .route(
            Method::GET,
            "/staff/assessment",
            method(&Method::GET, page::<S>),
        )
        .route(
            Method::POST,
            "/staff/assessment",
            method(&Method::POST, act::<S>),
        )
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/assessment.html")]
struct AssessmentPage {
    title: String,
    me: Me,
    notice: Option<String>,
    v: AssessmentView,
    agencies: Vec<Choice>,
    form: FormState,
    published: Option<String>,
    office_id: String,
}

impl AssessmentPage {
    fn points(&self, p: &Option<f64>) -> String {
        p.map_or_else(|| "不适用".into(), |x| format!("{x:.1}"))
    }
}

async fn render<S: Store>(
    app: &App<S>,
    staff: &StaffSession,
    year: i32,
    mut form: FormState,
    notice: Option<String>,
) -> Result<AssessmentPage, PageError> {
    let v = assessment::scores(&app.core, &staff.org, year).await?;
    form.values.insert("year".into(), year.to_string());
    let agencies = v
        .agencies
        .iter()
        .map(|a| Choice {
            chosen: form.is("org_id", &a.org_id),
            value: a.org_id.clone(),
            label: a.name.clone(),
        })
        .collect();
    Ok(AssessmentPage {
        title: format!("{year}年度考核"),
        me: staff.me(),
        notice,
        published: v.bulletin_published_at.map(when),
        agencies,
        office_id: staff.org.id.to_string(),
        v,
        form,
    })
}

#[derive(Deserialize)]
pub(super) struct YearQuery {
    year: Option<String>,
}

async fn page<S: Store>(
    State(app): State<App<S>>,
    staff: StaffSession,
    Query(q): Query<YearQuery>,
) -> Result<Response, SignedOutOr> {
    let year = year_of_text(&app.core, q.year.as_deref().filter(|y| !y.is_empty()))
        .map_err(PageError::from)?;
    let (jar, notice) = take_notice(staff.jar.clone());
    let page = render(&app, &staff, year, FormState::default(), notice).await?;
    Ok(staff_page(jar, page))
}

#[derive(Deserialize)]
pub(super) struct ActForm {
    action: Option<String>,
    #[serde(flatten)]
    adjustment: AdjustmentBody,
    good_practice: Option<String>,
    problems: Option<String>,
}

async fn act<S: Store>(
    State(app): State<App<S>>,
    post: StaffPost<ActForm>,
) -> Result<Response, SignedOutOr> {
    let StaffPost {
        staff,
        form,
        values,
    } = post;
    let year =
        year_of_text(&app.core, values.get("year").map(String::as_str)).map_err(PageError::from)?;
    let result = if form.action.as_deref() == Some("publish") {
        let body = BulletinBody {
            year: form.adjustment.year.clone(),
            good_practice: form.good_practice.clone(),
            problems: form.problems.clone(),
        };
        assessment::publish(&app.core, &staff.org, &body)
            .await
            .map(|_| "通报已发布。".to_owned())
    } else {
        assessment::adjust(&app.core, &staff.org, &form.adjustment)
            .await
            .map(|_| "调整已记录。".to_owned())
    };
    match result {
        Ok(notice) => {
            let jar = with_notice(staff.jar, &app, &notice);
            Ok(see_other(jar, &format!("/staff/assessment?year={year}")))
        }
        Err(e) => {
            let mut state = FormState::with_values(values);
            state.refuse(
                e,
                &[
                    "org_id",
                    "points",
                    "reason",
                    "good_practice",
                    "problems",
                    "year",
                ],
            )?;
            let status = state.status();
            let page = render(&app, &staff, year, state, None).await?;
            Ok((status, staff.jar, page).into_response())
        }
    }
}
