//! Feedback, evaluations and the published response of an open day.

use super::*;

#[derive(Template, WebTemplate)]
#[template(path = "feedback.html")]
struct FeedbackPage {
    title: String,
    day: OpenDay,
    form: FormState,
    csrf: String,
    categories: Vec<Choice>,
    code_sent: bool,
}

fn feedback_page(day: OpenDay, form: FormState, csrf: &Csrf, code_sent: bool) -> FeedbackPage {
    FeedbackPage {
        title: format!("意见建议：{}", day.a.name),
        categories: choices::<FeedbackCategory>(&form, "category"),
        day,
        form,
        csrf: csrf.token.clone(),
        code_sent,
    }
}

pub(super) async fn feedback_form<S: Store>(
    State(app): State<App<S>>,
    csrf: Csrf,
    Path(plan_id): Path<String>,
) -> Result<Response, PageError> {
    blank_form(&app, csrf, &plan_id, feedback_page).await
}

#[derive(Deserialize)]
pub(super) struct FeedbackForm {
    action: Option<FormAction>,
    category: Option<String>,
    content: Option<String>,
    phone: Option<String>,
    sms_code: Option<String>,
}

const FEEDBACK_FIELDS: [&str; 4] = ["category", "content", "phone", "sms_code"];

pub(super) async fn feedback<S: Store>(
    State(app): State<App<S>>,
    Path(plan_id): Path<String>,
    Caller(from): Caller,
    post: FormPost<FeedbackForm>,
) -> Result<Response, PageError> {
    let day = open_day_of(&app, &plan_id).await?;
    let FormPost { form, values, csrf } = post;
    let draft = FeedbackDraft {
        channel: Some("online".into()),
        category: form.category.clone(),
        content: form.content.clone(),
    };
    let proof = PhoneProof {
        phone: form.phone.clone(),
        sms_code: form.sms_code.clone(),
    };
    let submit = async {
        feedback::give(&app.core, None, &plan_id, &draft, &proof)
            .await
            .map(drop)
    };
    let step = proved_step(&app, from, values, form.action, &proof, submit).await;
    finish(
        &app,
        &format!("/open-days/{plan_id}"),
        step,
        csrf,
        "您的意见建议已提交，感谢参与。",
        &|f| named(&FEEDBACK_FIELDS, f),
        |state, csrf, sent| feedback_page(day, state, csrf, sent),
    )
}

/// Where a public form that proves a phone has got to.
#[derive(Template, WebTemplate)]
#[template(path = "evaluation.html")]
struct EvaluationPage {
    title: String,
    day: OpenDay,
    form: FormState,
    csrf: String,
    ratings: Vec<Choice>,
    code_sent: bool,
}

fn evaluation_page(day: OpenDay, form: FormState, csrf: &Csrf, code_sent: bool) -> EvaluationPage {
    const LABELS: [&str; 5] = ["很不满意", "不满意", "一般", "满意", "很满意"];
    EvaluationPage {
        title: format!("网络测评：{}", day.a.name),
        ratings: (1..=5)
            .map(|n: usize| Choice {
                value: n.to_string(),
                label: format!("{n}分（{}）", LABELS[n - 1]),
                chosen: form.is("rating", &n.to_string()),
            })
            .collect(),
        day,
        form,
        csrf: csrf.token.clone(),
        code_sent,
    }
}

pub(super) async fn evaluation_form<S: Store>(
    State(app): State<App<S>>,
    csrf: Csrf,
    Path(plan_id): Path<String>,
) -> Result<Response, PageError> {
    blank_form(&app, csrf, &plan_id, evaluation_page).await
}

#[derive(Deserialize)]
pub(super) struct EvaluationForm {
    action: Option<FormAction>,
    #[serde(flatten)]
    evaluation: EvaluationBody,
    phone: Option<String>,
    sms_code: Option<String>,
}

const EVALUATION_FIELDS: [&str; 5] = [
    "rating",
    "comment",
    "registration_code",
    "phone",
    "sms_code",
];

pub(super) async fn evaluation<S: Store>(
    State(app): State<App<S>>,
    Path(plan_id): Path<String>,
    Caller(from): Caller,
    post: FormPost<EvaluationForm>,
) -> Result<Response, PageError> {
    let day = open_day_of(&app, &plan_id).await?;
    let FormPost { form, values, csrf } = post;
    let proof = PhoneProof {
        phone: form.phone.clone(),
        sms_code: form.sms_code.clone(),
    };
    let submit = async {
        feedback::evaluate(&app.core, &plan_id, &form.evaluation, &proof)
            .await
            .map(drop)
    };
    let step = proved_step(&app, from, values, form.action, &proof, submit).await;
    finish(
        &app,
        &format!("/open-days/{plan_id}"),
        step,
        csrf,
        "您的评价已提交，感谢参与。",
        &|f| named(&EVALUATION_FIELDS, f),
        |state, csrf, sent| evaluation_page(day, state, csrf, sent),
    )
}

/// One answered item of the published response.
pub struct Answer {
    pub category: &'static str,
    pub content: String,
    pub adoption: &'static str,
    pub reply: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "response.html")]
struct ResponsePage {
    title: String,
    day: OpenDay,
    response: FeedbackResponse,
    answers: Vec<Answer>,
    /// The questionnaire's results in a few lines (none: no questionnaire).
    questionnaire: Vec<String>,
}

pub(super) async fn response<S: Store>(
    State(app): State<App<S>>,
    Path(plan_id): Path<String>,
) -> Result<Response, PageError> {
    let day = open_day_of(&app, &plan_id).await?;
    let (response, answered) = feedback::published_with_items(&app.core, &plan_id).await?;
    let answers = answered
        .iter()
        .map(|a| {
            let f = a.feedback.as_ref();
            Answer {
                category: f.map_or("", |f| f.feedback.category.label()),
                content: f.map_or_else(String::new, |f| f.feedback.content.to_string()),
                adoption: a.item.adoption.label(),
                reply: a
                    .item
                    .reply
                    .as_ref()
                    .map_or_else(String::new, ToString::to_string),
            }
        })
        .collect();
    let questionnaire = openday_app::questionnaires::summary(&app.core, &plan_id)
        .await?
        .unwrap_or_default();
    Ok(ResponsePage {
        title: format!("采纳情况：{}", day.a.name),
        day,
        response,
        answers,
        questionnaire,
    }
    .into_response())
}
