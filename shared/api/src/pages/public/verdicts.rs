//! 群众评议: the events of an office's public evaluation, and the fixed short form for each
//! (总体满意度, 活动组织, 意见采纳, 1–5; phone proved).

use openday_app::supervision::{self, PublicEvaluationView, VerdictBody};
use openday_rules::supervision::VerdictDraft;
use openday_rules::text::NumberLike;

use super::*;

#[derive(Template, WebTemplate)]
#[template(path = "public_evaluation.html")]
struct EvaluationPage {
    title: String,
    e: PublicEvaluationView,
    dates: String,
    notice: Option<String>,
}

pub(super) async fn evaluation<S: Store>(
    State(app): State<App<S>>,
    jar: PrivateCookieJar,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let e = supervision::public_evaluation(&app.core, &id).await?;
    let (jar, notice) = take_notice(jar);
    Ok((
        jar,
        EvaluationPage {
            title: e.evaluation.title.to_string(),
            dates: day_span(e.evaluation.opens_on, e.evaluation.closes_on),
            e,
            notice,
        },
    )
        .into_response())
}

/// The three questions of the form, each 1 to 5.
pub struct Scale {
    pub name: &'static str,
    pub legend: &'static str,
    pub choices: Vec<Choice>,
}

#[derive(Template, WebTemplate)]
#[template(path = "verdict.html")]
struct VerdictPage {
    title: String,
    e: PublicEvaluationView,
    event: String,
    plan_id: String,
    scales: Vec<Scale>,
    form: FormState,
    csrf: String,
    code_sent: bool,
}

fn verdict_page(
    e: PublicEvaluationView,
    plan_id: &str,
    form: FormState,
    csrf: &Csrf,
    code_sent: bool,
) -> Result<VerdictPage, PageError> {
    let event = e
        .events
        .iter()
        .find(|v| v.plan_id == plan_id)
        .map(|v| v.name.clone())
        .ok_or_else(|| PageError::new(StatusCode::NOT_FOUND, "该活动不在本次群众评议范围内。"))?;
    const LABELS: [&str; 5] = ["很不满意", "不满意", "一般", "满意", "很满意"];
    let scales = [
        ("overall", "总体满意度"),
        ("organisation", "活动组织"),
        ("adoption", "意见建议采纳"),
    ]
    .into_iter()
    .map(|(name, legend)| Scale {
        name,
        legend,
        choices: (1..=5usize)
            .map(|n| Choice {
                value: n.to_string(),
                label: format!("{n}分 {}", LABELS[n - 1]),
                chosen: form.is(name, &n.to_string()),
            })
            .collect(),
    })
    .collect();
    Ok(VerdictPage {
        title: format!("群众评议：{event}"),
        event,
        plan_id: plan_id.to_owned(),
        e,
        scales,
        form,
        csrf: csrf.token.clone(),
        code_sent,
    })
}

pub(super) async fn verdict_form<S: Store>(
    State(app): State<App<S>>,
    csrf: Csrf,
    Path((id, plan_id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let e = supervision::public_evaluation(&app.core, &id).await?;
    let page = verdict_page(e, &plan_id, FormState::default(), &csrf, false)?;
    Ok((csrf.jar, page).into_response())
}

const VERDICT_FIELDS: [&str; 6] = [
    "overall",
    "organisation",
    "adoption",
    "comment",
    "phone",
    "sms_code",
];

#[derive(Deserialize)]
pub(super) struct VerdictForm {
    action: Option<FormAction>,
    overall: Option<String>,
    organisation: Option<String>,
    adoption: Option<String>,
    comment: Option<String>,
    phone: Option<String>,
    sms_code: Option<String>,
}

pub(super) async fn verdict<S: Store>(
    State(app): State<App<S>>,
    Path((id, plan_id)): Path<(String, String)>,
    Caller(from): Caller,
    post: FormPost<VerdictForm>,
) -> Result<Response, PageError> {
    let e = supervision::public_evaluation(&app.core, &id).await?;
    let FormPost { form, values, csrf } = post;
    let body = VerdictBody {
        plan_id: Some(plan_id.clone()),
        verdict: VerdictDraft {
            overall: form.overall.clone().map(NumberLike::Text),
            organisation: form.organisation.clone().map(NumberLike::Text),
            adoption: form.adoption.clone().map(NumberLike::Text),
            comment: form.comment.clone(),
        },
    };
    let proof = PhoneProof {
        phone: form.phone.clone(),
        sms_code: form.sms_code.clone(),
    };
    let submit = async {
        supervision::give_verdict(&app.core, &id, &plan_id, &body.verdict, &proof)
            .await
            .map(drop)
    };
    let step = proved_step(&app, from, values, form.action, &proof, submit).await;
    finish(
        &app,
        &format!("/public-evaluations/{id}"),
        step,
        csrf,
        "评议已提交，感谢参与。",
        &|f| named(&VERDICT_FIELDS, f),
        |state, csrf, sent| verdict_page(e, &plan_id, state, csrf, sent),
    )
}
