//! 问卷设计, its preview and 问卷结果: the agency builds its plan's questionnaire as rows of
//! questions (added, removed and moved by buttons, no JavaScript), saves it, previews it as
//! participants will see it, and opens it; the agency and its offices read the results with
//! a bar chart per question drawn on the server, and download them.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use openday_app::AppError;
use openday_app::questionnaires::{self, QuestionnaireBody, QuestionnaireDesign};
use openday_rules::calendar::day_span;
use openday_rules::feedback::FeedbackCategory;
use openday_rules::questionnaire::{
    QuestionDraft, QuestionKind, Questionnaire, QuestionnaireDraft,
};
use openday_rules::text::{BoolLike, NumberLike};

use super::form_rows::{self, RowGroup, rows};
use super::plan_page::{PlanView, plan_of};
use super::{Me, SignedOutOr, StaffPost, StaffSession, staff_page};
use crate::app::{App, Store};
use crate::pages::questions::{self, QuestionField};
use crate::pages::{Choice, FormState, PageError, named, see_other, take_notice, with_notice};
use crate::routing::{Routes, method};

pub fn routes<S: Store>() -> Routes<S> {
    Routes::new()
        .route(
            Method::GET,
            "/staff/plans/{id}/questionnaire",
            method(&Method::GET, design::<S>),
        )
        .route(
            Method::POST,
            "/staff/plans/{id}/questionnaire",
            method(&Method::POST, save::<S>),
        )
        .route(
            Method::GET,
            "/staff/plans/{id}/questionnaire/preview",
            method(&Method::GET, preview::<S>),
        )
        .route(
            Method::GET,
            "/staff/plans/{id}/questionnaire/results",
            method(&Method::GET, results::<S>),
        )
        .route(
            Method::GET,
            "/staff/plans/{id}/exports/questionnaire",
            method(&Method::GET, results_file::<S>),
        )
}

const QUESTIONS: [RowGroup; 1] = [RowGroup {
    name: "questions",
    fields: &["kind", "title", "options", "category"],
}];

const FIELDS: [&str; 5] = ["title", "intro", "opens_on", "closes_on", "questions"];

/// One question row of the design form.
pub struct QuestionRow {
    pub i: usize,
    pub kinds: Vec<Choice>,
    pub categories: Vec<Choice>,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/questionnaire.html")]
struct DesignPage {
    title: String,
    me: Me,
    notice: Option<String>,
    plan: PlanView,
    form: FormState,
    rows: Vec<QuestionRow>,
    design: QuestionnaireDesign,
    /// The opened questionnaire's questions, read-only.
    fixed: Vec<String>,
    window: String,
}

impl DesignPage {
    fn new(
        me: Me,
        notice: Option<String>,
        plan: PlanView,
        mut form: FormState,
        design: QuestionnaireDesign,
    ) -> Self {
        form_rows::ensure_rows(&mut form.values, &QUESTIONS);
        let rows = (0..rows(&form.values, "questions").len())
            .map(|i| {
                let of = |field: &str| format!("questions.{i}.{field}");
                QuestionRow {
                    kinds: choice_of(
                        &form,
                        &of("kind"),
                        QuestionKind::ALL.iter().map(|k| (k.wire(), k.label())),
                    ),
                    categories: choice_of(
                        &form,
                        &of("category"),
                        FeedbackCategory::ALL.iter().map(|c| (c.wire(), c.label())),
                    ),
                    i,
                }
            })
            .collect();
        let fixed = design
            .questionnaire
            .as_ref()
            .filter(|_| design.opened_at.is_some())
            .map(|q| {
                q.questions
                    .iter()
                    .map(|x| {
                        let mut t = format!(
                            "{}（{}{}）",
                            x.title,
                            x.kind.label(),
                            if x.required { "，必答" } else { "" }
                        );
                        if !x.options.is_empty() {
                            let o: Vec<_> = x.options.iter().map(ToString::to_string).collect();
                            t.push_str(&format!("：{}", o.join(" / ")));
                        }
                        t
                    })
                    .collect()
            })
            .unwrap_or_default();
        let window = design
            .questionnaire
            .as_ref()
            .map(|q| day_span(q.opens_on, q.closes_on))
            .unwrap_or_default();
        Self {
            title: format!("问卷设计：{}", plan.name),
            me,
            notice,
            plan,
            form,
            rows,
            design,
            fixed,
            window,
        }
    }

    fn at(&self, i: &usize, field: &str) -> String {
        format!("questions.{i}.{field}")
    }
}

fn choice_of<'a>(
    form: &FormState,
    name: &str,
    all: impl Iterator<Item = (&'a str, &'a str)>,
) -> Vec<Choice> {
    all.map(|(value, label)| Choice {
        chosen: form.is(name, value),
        value: value.to_owned(),
        label: label.to_owned(),
    })
    .collect()
}

use openday_rules::WireEnum;

/// The saved design as form values.
fn values_of(q: &Questionnaire, version: u64) -> BTreeMap<String, String> {
    let mut v = BTreeMap::new();
    v.insert("version".into(), version.to_string());
    v.insert("title".into(), q.title.to_string());
    v.insert(
        "intro".into(),
        q.intro
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
    );
    v.insert("opens_on".into(), q.opens_on.to_string());
    v.insert("closes_on".into(), q.closes_on.to_string());
    for (i, x) in q.questions.iter().enumerate() {
        v.insert(format!("questions.{i}.kind"), x.kind.wire().into());
        v.insert(format!("questions.{i}.title"), x.title.to_string());
        if x.required {
            v.insert(format!("questions.{i}.required"), "on".into());
        }
        let options: Vec<_> = x.options.iter().map(ToString::to_string).collect();
        v.insert(format!("questions.{i}.options"), options.join("\n"));
        v.insert(
            format!("questions.{i}.category"),
            x.category.map(|c| c.wire().to_owned()).unwrap_or_default(),
        );
    }
    v
}

/// The form as the use case's body.
fn body_of(values: &BTreeMap<String, String>) -> QuestionnaireBody {
    let get = |k: &str| values.get(k).cloned();
    let questions = rows(values, "questions")
        .into_iter()
        .filter(|r| {
            r.iter()
                .any(|(k, v)| k != "kind" && k != "category" && !v.trim().is_empty())
        })
        .map(|r| QuestionDraft {
            kind: r.get("kind").cloned(),
            title: r.get("title").cloned(),
            required: r.get("required").map(|v| BoolLike::Text(v.clone())),
            options: r
                .get("options")
                .map(|o| o.lines().map(str::to_owned).collect())
                .unwrap_or_default(),
            category: r.get("category").cloned(),
        })
        .collect();
    QuestionnaireBody {
        version: get("version").map(NumberLike::Text),
        questionnaire: QuestionnaireDraft {
            title: get("title"),
            intro: get("intro"),
            questions,
            opens_on: get("opens_on"),
            closes_on: get("closes_on"),
        },
    }
}

/// A rule's field on the form: `questions[2].title` → `questions.2.title`.
fn field_of(rule: &str) -> Option<String> {
    if let Some(rest) = rule.strip_prefix("questions[")
        && let Some((i, part)) = rest.split_once("].")
    {
        return Some(format!("questions.{i}.{part}"));
    }
    named(&FIELDS, rule)
}

async fn page_for<S: Store>(
    app: &App<S>,
    staff: &StaffSession,
    id: &str,
    form: Option<FormState>,
    notice: Option<String>,
) -> Result<DesignPage, PageError> {
    let design = questionnaires::design(&app.core, &staff.org, id).await?;
    let plan = plan_of(app, &staff.org, id).await?;
    let form = form.unwrap_or_else(|| {
        let mut values = match &design.questionnaire {
            Some(q) => values_of(q, design.version),
            None => BTreeMap::from([("version".to_owned(), "0".to_owned())]),
        };
        values
            .entry("opens_on".into())
            .or_insert_with(|| plan.first_day.clone());
        FormState::with_values(values)
    });
    Ok(DesignPage::new(staff.me(), notice, plan, form, design))
}

async fn design<S: Store>(
    State(app): State<App<S>>,
    staff: StaffSession,
    Path(id): Path<String>,
) -> Result<Response, SignedOutOr> {
    let (jar, notice) = take_notice(staff.jar.clone());
    let page = page_for(&app, &staff, &id, None, notice).await?;
    Ok(staff_page(jar, page))
}

#[derive(Deserialize)]
pub(super) struct DesignForm {
    action: Option<String>,
}

async fn save<S: Store>(
    State(app): State<App<S>>,
    Path(id): Path<String>,
    post: StaffPost<DesignForm>,
) -> Result<Response, SignedOutOr> {
    let StaffPost {
        staff,
        form,
        mut values,
    } = post;
    values.remove("action");
    let action = form.action.unwrap_or_default();
    if form_rows::apply_row_action(&mut values, &QUESTIONS, &action) {
        let page = page_for(
            &app,
            &staff,
            &id,
            Some(FormState::with_values(values)),
            None,
        )
        .await?;
        return Ok(staff_page(staff.jar, page));
    }
    let result = if action == "open" {
        let version = values.get("version").cloned().map(NumberLike::Text);
        questionnaires::open(&app.core, &staff.org, &id, version.as_ref()).await
    } else {
        questionnaires::save(&app.core, &staff.org, &id, &body_of(&values)).await
    };
    match result {
        Ok(_) => {
            let (to, notice) = match action.as_str() {
                "open" => (
                    format!("/staff/plans/{id}/questionnaire"),
                    "问卷已开放，参加人员可在活动页面填写。",
                ),
                "preview" => (
                    format!("/staff/plans/{id}/questionnaire/preview"),
                    "问卷已保存。以下为参加人员看到的样子。",
                ),
                _ => (format!("/staff/plans/{id}/questionnaire"), "问卷已保存。"),
            };
            let jar = with_notice(staff.jar, &app, notice);
            Ok(see_other(jar, &to))
        }
        Err(e) => {
            let mut state = FormState::with_values(values);
            state.refuse_at(e, &field_of)?;
            let status = state.status();
            let page = page_for(&app, &staff, &id, Some(state), None).await?;
            Ok((status, staff.jar, page).into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/questionnaire_preview.html")]
struct PreviewPage {
    title: String,
    me: Me,
    notice: Option<String>,
    plan: PlanView,
    q: Questionnaire,
    questions: Vec<QuestionField>,
    form: FormState,
}

async fn preview<S: Store>(
    State(app): State<App<S>>,
    staff: StaffSession,
    Path(id): Path<String>,
) -> Result<Response, SignedOutOr> {
    let design = questionnaires::design(&app.core, &staff.org, &id)
        .await
        .map_err(PageError::from)?;
    let Some(q) = design.questionnaire else {
        return Err(PageError::from(AppError::NotFound("请先设计并保存问卷")).into());
    };
    let (jar, notice) = take_notice(staff.jar.clone());
    let plan = plan_of(&app, &staff.org, &id).await?;
    let form = FormState::default();
    let page = PreviewPage {
        title: format!("问卷预览：{}", q.title),
        me: staff.me(),
        notice,
        plan,
        questions: questions::fields(&q, &form),
        q,
        form,
    };
    Ok(staff_page(jar, page))
}

/// One bar of a question's chart.
pub struct ResultBar {
    pub label: String,
    pub count: u32,
    pub percent: f64,
    /// The bar's length in the chart's 300 units.
    pub width: u32,
}

/// One question's results as the page shows them.
pub struct ResultView {
    pub number: usize,
    pub title: String,
    pub kind: &'static str,
    pub answered: u32,
    pub bars: Vec<ResultBar>,
    pub mean: Option<f64>,
    pub texts: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/questionnaire_results.html")]
struct ResultsPage {
    title: String,
    me: Me,
    plan: PlanView,
    respondents: usize,
    results: Vec<ResultView>,
}

async fn results<S: Store>(
    State(app): State<App<S>>,
    staff: StaffSession,
    Path(id): Path<String>,
) -> Result<Response, SignedOutOr> {
    let r = questionnaires::results(&app.core, &staff.org, &id)
        .await
        .map_err(PageError::from)?;
    let plan = plan_of(&app, &staff.org, &id).await?;
    let results = r
        .questions
        .iter()
        .map(|q| {
            let bars: Vec<ResultBar> = q
                .options
                .iter()
                .map(|o| ResultBar {
                    label: o.label.clone(),
                    count: o.count,
                    percent: o.percent,
                    width: (o.percent * 3.0).round() as u32,
                })
                .collect();
            ResultView {
                number: q.number,
                title: q.title.clone(),
                kind: q.kind.label(),
                answered: q.answered,
                bars,
                mean: q.mean,
                texts: q.texts.clone(),
            }
        })
        .collect();
    let page = ResultsPage {
        title: format!("问卷结果：{}", r.title),
        me: staff.me(),
        plan,
        respondents: r.respondents,
        results,
    };
    Ok(staff_page(staff.jar, page))
}

async fn results_file<S: Store>(
    State(app): State<App<S>>,
    staff: StaffSession,
    Path(id): Path<String>,
    Query(q): Query<crate::exports::FormatQuery>,
) -> Result<Response, SignedOutOr> {
    let file = async {
        let format = q.format()?;
        let table = questionnaires::results_table(&app.core, &staff.org, &id).await?;
        crate::exports::download("问卷结果", format, table)
    };
    Ok(file.await.map_err(PageError::from)?)
}
