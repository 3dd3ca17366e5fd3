//! Writing a plan: the form for a new plan and for revising one (rows added and taken away
//! without JavaScript), submitted through the plan use cases.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use openday_rules::org::{OrgKind, Role};
use openday_rules::plan::{Channel, ExperienceKind, Format, Interaction};
use openday_rules::text::NumberLike;
use serde::Deserialize;

use super::form_rows;
use super::plan_form::{self, SegmentGroup, Tick};
use super::{Me, SignedOutOr, StaffPost, StaffSession, staff_page};
use crate::app::{App, Store};
use crate::pages::{Choice, choices};
use crate::pages::{FormState, PageError, see_other, with_notice};
use openday_app::AppError;
use openday_app::plans::{self};

#[derive(Template, WebTemplate)]
#[template(path = "staff/plan_form.html")]
struct PlanFormPage {
    title: String,
    me: Me,
    form: FormState,
    action: String,
    version: Option<u64>,
    formats: Vec<Choice>,
    groups: Vec<SegmentGroup>,
    segments: Vec<usize>,
    leaders: Vec<usize>,
    interactions: Vec<Tick>,
    experiences: Vec<Tick>,
    channels: Vec<Tick>,
    /// The open period and the minimum, from the programme in force.
    season_hint: String,
    capacity_hint: String,
}

impl PlanFormPage {
    fn new(
        staff: &StaffSession,
        mut form: FormState,
        action: String,
        version: Option<u64>,
    ) -> Self {
        form_rows::ensure_rows(&mut form.values, &plan_form::PLAN_ROWS);
        let p = &staff.programme;
        Self {
            title: if version.is_some() {
                "修改实施方案".into()
            } else {
                "新建实施方案".into()
            },
            formats: choices::<Format>(&form, "format"),
            groups: plan_form::segment_groups(),
            segments: form_rows::row_count(&form, plan_form::SEGMENTS),
            leaders: form_rows::row_count(&form, plan_form::LEADERS),
            interactions: plan_form::ticks::<Interaction>("interactions"),
            experiences: plan_form::ticks::<ExperienceKind>("experiences"),
            channels: plan_form::ticks::<Channel>("channels"),
            season_hint: format!(
                "开放时间为每年{}至{}（工作方案{}）",
                p.open_period.from.label(),
                p.open_period.until.label(),
                p.open_period.clause
            ),
            capacity_hint: format!("不少于{}人", p.participants.minimum),
            me: staff.me(),
            form,
            action,
            version,
        }
    }

    /// The `i`th row's field name.
    fn at(&self, group: &str, i: &usize, field: &str) -> String {
        format!("{group}.{i}.{field}")
    }

    fn is_selected(&self, i: &usize, value: &str) -> bool {
        self.form.value(&format!("segments.{i}.type")) == value
    }
}

fn only_agencies(staff: &StaffSession) -> Result<(), PageError> {
    if staff.org.kind == OrgKind::Office {
        return Err(AppError::forbidden("政务公开办公室不编写实施方案，只审核备案").into());
    }
    Ok(())
}

pub(super) async fn new_form<S: Store>(
    State(app): State<App<S>>,
    staff: StaffSession,
) -> Result<Response, SignedOutOr> {
    only_agencies(&staff)?;
    let mut values = BTreeMap::new();
    values.insert("year".to_owned(), app.today().year().to_string());
    values.insert("channels.online".to_owned(), "on".to_owned());
    values.insert("capacity".to_owned(), "30".to_owned());
    let page = PlanFormPage::new(
        &staff,
        FormState::with_values(values),
        "/staff/plans/new".into(),
        None,
    );
    Ok(staff_page(staff.jar.clone(), page))
}

#[derive(Deserialize)]
pub(super) struct PlanFormBody {
    action: Option<String>,
    version: Option<String>,
}

/// A plan form refused by the rules: each message at its field.
fn refused_plan(form: &mut FormState, e: AppError) -> Result<(), PageError> {
    match e {
        AppError::Rules(vs) => {
            for v in vs.iter() {
                form.errors.push(crate::pages::FieldError {
                    field: v.field.as_deref().map(plan_form::field_of),
                    message: v.message.clone(),
                });
            }
            Ok(())
        }
        // A caller who may not change the plan at all gets the API's 403, not the form.
        e @ AppError::Forbidden(_) => Err(e.into()),
        e => form.refuse(e, &[]),
    }
}

/// Row buttons bring the form back with a row more or less; the submit button submits.
async fn plan_post<S: Store>(
    app: &App<S>,
    post: StaffPost<PlanFormBody>,
    id: Option<&str>,
) -> Result<Response, SignedOutOr> {
    let StaffPost {
        staff,
        form,
        mut values,
    } = post;
    only_agencies(&staff)?;
    let action_path = id.map_or_else(
        || "/staff/plans/new".to_owned(),
        |id| format!("/staff/plans/{id}/edit"),
    );
    let version = form.version.as_deref().and_then(|v| v.trim().parse().ok());
    values.remove("action");
    values.remove("version");
    if form_rows::apply_row_action(
        &mut values,
        &plan_form::PLAN_ROWS,
        form.action.as_deref().unwrap_or(""),
    ) {
        let page = PlanFormPage::new(&staff, FormState::with_values(values), action_path, version);
        return Ok(staff_page(staff.jar.clone(), page));
    }
    let draft = plan_form::draft_of(&values);
    let done = match id {
        None => plans::submit(&app.core, &staff.org, &draft).await,
        Some(id) => {
            let v = version.map(|v: u64| NumberLike::Text(v.to_string()));
            plans::revise(&app.core, &staff.org, id, v.as_ref(), &draft).await
        }
    };
    match done {
        Ok(record) => {
            let jar = with_notice(staff.jar, app, "实施方案已报送同级政务公开办公室审核备案。");
            Ok(see_other(jar, &format!("/staff/plans/{}", record.id)))
        }
        Err(e) => {
            let mut state = FormState::with_values(values);
            refused_plan(&mut state, e)?;
            let status = state.status();
            let page = PlanFormPage::new(&staff, state, action_path, version);
            Ok((status, staff.jar, page).into_response())
        }
    }
}

pub(super) async fn submit<S: Store>(
    State(app): State<App<S>>,
    post: StaffPost<PlanFormBody>,
) -> Result<Response, SignedOutOr> {
    plan_post(&app, post, None).await
}

pub(super) async fn revise<S: Store>(
    State(app): State<App<S>>,
    Path(id): Path<String>,
    post: StaffPost<PlanFormBody>,
) -> Result<Response, SignedOutOr> {
    plan_post(&app, post, Some(&id)).await
}

pub(super) async fn edit_form<S: Store>(
    State(app): State<App<S>>,
    staff: StaffSession,
    Path(id): Path<String>,
) -> Result<Response, SignedOutOr> {
    let (detail, _, role) = plans::detail(&app.core, &staff.org, &id)
        .await
        .map_err(PageError::from)?;
    if role != Role::Implementer {
        return Err(PageError::from(AppError::forbidden("只有实施机关可以修改实施方案")).into());
    }
    let mut values = plan_form::values_of(&detail.plan);
    values.insert("year".into(), detail.plan.year().to_string());
    let page = PlanFormPage::new(
        &staff,
        FormState::with_values(values),
        format!("/staff/plans/{id}/edit"),
        Some(detail.version.0),
    );
    Ok(staff_page(staff.jar.clone(), page))
}
