//! One's own registration: looked up with its code and phone, and cancelled with a code.

use super::*;

/// What the look-up page shows of a registration: masked, with its event.
pub struct Found {
    pub code: String,
    pub event: String,
    pub plan_id: String,
    pub dates: String,
    pub name: String,
    pub id_number: String,
    pub phone: String,
    pub status: &'static str,
    pub active: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "registrations.html")]
struct LookupPage {
    title: &'static str,
    form: FormState,
    csrf: String,
    found: Option<Found>,
    /// Cancelling: the confirmation step (with the code field).
    confirming: bool,
}

pub(super) async fn lookup_form<S: Store>(
    State(_app): State<App<S>>,
    csrf: Csrf,
) -> Result<Response, PageError> {
    let (jar, notice) = take_notice(csrf.jar);
    let page = LookupPage {
        title: "查询报名",
        form: FormState {
            notice,
            ..FormState::default()
        },
        csrf: csrf.token,
        found: None,
        confirming: false,
    };
    Ok((jar, page).into_response())
}

#[derive(Deserialize)]
pub(super) struct LookupForm {
    code: Option<String>,
    phone: Option<String>,
    action: Option<FormAction>,
    sms_code: Option<String>,
}

const LOOKUP_FIELDS: [&str; 3] = ["code", "phone", "sms_code"];

async fn found<S: Store>(app: &App<S>, form: &LookupForm) -> Result<Found, AppError> {
    let registrations::Found {
        registration: r,
        event: a,
    } = registrations::look_up_with_event(&app.core, form.code.as_deref(), form.phone.as_deref())
        .await?;
    let status = r.status.label();
    Ok(Found {
        event: a.as_ref().map_or_else(String::new, |a| a.name.to_string()),
        dates: a
            .as_ref()
            .map_or_else(String::new, |a| day_span(a.start_date, a.end_date)),
        active: r.status != RegistrationStatus::Cancelled,
        code: r.code,
        plan_id: r.plan_id,
        name: r.name,
        id_number: r.id_masked,
        phone: r.phone_masked,
        status,
    })
}

/// 报名编号 + 手机号码 → the registration, masked, with a 取消报名 button.
pub(super) async fn lookup<S: Store>(
    State(app): State<App<S>>,
    post: FormPost<LookupForm>,
) -> Result<Response, PageError> {
    let FormPost { form, values, csrf } = post;
    let mut state = FormState::with_values(values);
    let (status, found) = match found(&app, &form).await {
        Ok(f) => (StatusCode::OK, Some(f)),
        Err(e) => {
            state.refuse(e, &LOOKUP_FIELDS)?;
            (state.status(), None)
        }
    };
    let page = LookupPage {
        title: "查询报名",
        form: state,
        csrf: csrf.token.clone(),
        found,
        confirming: false,
    };
    Ok((status, csrf.jar, page).into_response())
}

/// Cancelling in steps: 取消报名 asks to confirm; 获取验证码 sends the code; 确认取消
/// cancels and redirects to the look-up page with a notice.
pub(super) async fn cancel<S: Store>(
    State(app): State<App<S>>,
    Caller(from): Caller,
    post: FormPost<LookupForm>,
) -> Result<Response, PageError> {
    let FormPost { form, values, csrf } = post;
    let mut state = FormState::with_values(values);
    let registration = match found(&app, &form).await {
        Ok(f) => f,
        Err(e) => {
            state.refuse(e, &LOOKUP_FIELDS)?;
            let status = state.status();
            let page = LookupPage {
                title: "查询报名",
                form: state,
                csrf: csrf.token.clone(),
                found: None,
                confirming: false,
            };
            return Ok((status, csrf.jar, page).into_response());
        }
    };
    let mut status = StatusCode::OK;
    match form.action {
        Some(FormAction::SendCode) => {
            match verification::send_code(&app.core, form.phone.as_deref(), from).await {
                Ok(sent) => state.notice = Some(sent_notice(&sent)),
                Err(e) => {
                    state.refuse(e, &LOOKUP_FIELDS)?;
                    status = state.status();
                }
            }
        }
        Some(FormAction::Cancel) => {
            let proof = PhoneProof {
                phone: form.phone.clone(),
                sms_code: form.sms_code.clone(),
            };
            match registrations::cancel_own(&app.core, &registration.code, &proof).await {
                Ok(_) => {
                    let jar = with_notice(
                        csrf.jar,
                        &app,
                        &format!("报名 {} 已取消。", registration.code),
                    );
                    return Ok(see_other(jar, "/registrations"));
                }
                Err(e) => {
                    state.refuse(e, &LOOKUP_FIELDS)?;
                    status = state.status();
                }
            }
        }
        _ => {}
    }
    let page = LookupPage {
        title: "取消报名",
        form: state,
        csrf: csrf.token.clone(),
        found: Some(registration),
        confirming: true,
    };
    Ok((status, csrf.jar, page).into_response())
}
