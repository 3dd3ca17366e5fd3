//! 问卷调查: a participant answers the event's opened questionnaire, phone proved.

use openday_app::questionnaires::{self, AnswersToQuestionnaire, PublicQuestionnaire};
use openday_rules::calendar::day_span;

use super::*;
use crate::pages::questions::{self, QuestionField};

#[derive(Template, WebTemplate)]
#[template(path = "questionnaire.html")]
struct QuestionnairePage {
    title: String,
    day: OpenDay,
    q: PublicQuestionnaire,
    window: String,
    questions: Vec<QuestionField>,
    form: FormState,
    csrf: String,
    code_sent: bool,
}

fn page(
    day: OpenDay,
    q: PublicQuestionnaire,
    form: FormState,
    csrf: &Csrf,
    code_sent: bool,
) -> QuestionnairePage {
    QuestionnairePage {
        title: format!("问卷调查：{}", day.a.name),
        window: day_span(q.questionnaire.opens_on, q.questionnaire.closes_on),
        questions: questions::fields(&q.questionnaire, &form),
        day,
        q,
        form,
        csrf: csrf.token.clone(),
        code_sent,
    }
}

pub(super) async fn form<S: Store>(
    State(app): State<App<S>>,
    csrf: Csrf,
    Path(plan_id): Path<String>,
) -> Result<Response, PageError> {
    let q = questionnaires::public(&app.core, &plan_id).await?;
    blank_form(&app, csrf, &plan_id, |day, form, csrf, sent| {
        page(day, q, form, csrf, sent)
    })
    .await
}

#[derive(Deserialize)]
pub(super) struct QuestionnaireForm {
    action: Option<FormAction>,
    phone: Option<String>,
    sms_code: Option<String>,
}

pub(super) async fn answer<S: Store>(
    State(app): State<App<S>>,
    Path(plan_id): Path<String>,
    Caller(from): Caller,
    post: FormPost<QuestionnaireForm>,
) -> Result<Response, PageError> {
    let day = open_day_of(&app, &plan_id).await?;
    let q = questionnaires::public(&app.core, &plan_id).await?;
    let FormPost { form, values, csrf } = post;
    let body = AnswersToQuestionnaire {
        answers: questions::answers(&q.questionnaire, &values),
    };
    let proof = PhoneProof {
        phone: form.phone.clone(),
        sms_code: form.sms_code.clone(),
    };
    let submit = async {
        questionnaires::answer(&app.core, &plan_id, &body, &proof)
            .await
            .map(drop)
    };
    let step = proved_step(&app, from, values, form.action, &proof, submit).await;
    finish(
        &app,
        &format!("/open-days/{plan_id}"),
        step,
        csrf,
        "问卷已提交，感谢参与。",
        // Refusals at `answers.<n>` land on their question's field.
        &|f| questions::field_of(f).or_else(|| named(&["phone", "sms_code"], f)),
        |state, csrf, sent| page(day, q, state, csrf, sent),
    )
}
