//! Registering online: the form (with a text-message code and the separate consent for the
//! ID number), the confirmation with its QR code, and the event as a calendar file.

use super::*;

#[derive(Template, WebTemplate)]
#[template(path = "register.html")]
struct RegisterPage {
    title: String,
    day: OpenDay,
    form: FormState,
    csrf: String,
    categories: Vec<Choice>,
    relations: Vec<Choice>,
    /// The code has been sent: the form asks for it.
    code_sent: bool,
    /// Days after the event that a registration is kept (the notice says so).
    retention_days: u32,
}

fn register_page<S>(
    app: &App<S>,
    day: OpenDay,
    form: FormState,
    csrf: &Csrf,
    code_sent: bool,
) -> RegisterPage {
    RegisterPage {
        retention_days: app.core.settings.retention_days,
        title: format!("报名：{}", day.a.name),
        categories: choices::<Category>(&form, "category"),
        relations: choices::<Relation>(&form, "relation")
            .into_iter()
            .map(|mut c| {
                // The form's wording (“居住”); the work plan says 生活.
                if c.value == "lives" {
                    c.label = "居住".into();
                }
                c
            })
            .collect(),
        day,
        form,
        csrf: csrf.token.clone(),
        code_sent,
    }
}

pub(super) async fn register_form<S: Store>(
    State(app): State<App<S>>,
    csrf: Csrf,
    Path(plan_id): Path<String>,
) -> Result<Response, PageError> {
    blank_form(&app, csrf, &plan_id, |day, form, csrf, sent| {
        register_page(&app, day, form, csrf, sent)
    })
    .await
}

#[derive(Deserialize)]
pub(super) struct RegisterForm {
    action: Option<FormAction>,
    #[serde(flatten)]
    registration: OnlineRegistration,
    sms_code: Option<String>,
}

const REGISTER_FIELDS: [&str; 9] = [
    "name",
    "id_number",
    "phone",
    "category",
    "relation",
    "full_civil_capacity",
    "not_deputy",
    "id_consent",
    "sms_code",
];

/// The registration just taken, for the confirmation page after the redirect (an
/// encrypted cookie: `plan code confirmed|waitlisted`).
struct JustTaken {
    plan_id: String,
    code: String,
    waitlisted: bool,
}

impl JustTaken {
    const COOKIE: &'static str = "registered";

    fn value(&self) -> String {
        let status = if self.waitlisted {
            "waitlisted"
        } else {
            "confirmed"
        };
        format!("{} {} {status}", self.plan_id, self.code)
    }

    fn read(value: &str) -> Option<Self> {
        let mut parts = value.split(' ');
        let (plan_id, code, status) = (parts.next()?, parts.next()?, parts.next()?);
        Some(Self {
            plan_id: plan_id.to_owned(),
            code: code.to_owned(),
            waitlisted: status == "waitlisted",
        })
    }
}

/// The first submit (获取验证码) sends the code and brings the form back with a 验证码
/// field; the second (提交报名) registers and redirects to the confirmation.
pub(super) async fn register<S: Store>(
    State(app): State<App<S>>,
    Path(plan_id): Path<String>,
    Caller(from): Caller,
    post: FormPost<RegisterForm>,
) -> Result<Response, PageError> {
    let day = open_day_of(&app, &plan_id).await?;
    let FormPost { form, values, csrf } = post;
    let mut state = FormState::with_values(values);
    if let Some(reason) = &day.registration_closed {
        state.errors.push(crate::pages::FieldError {
            field: None,
            message: reason.clone(),
        });
        let page = register_page(&app, day, state, &csrf, false);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, csrf.jar, page).into_response());
    }
    let phone = form.registration.registrant.phone.clone();
    if form.action == Some(FormAction::SendCode) {
        return match verification::send_code(&app.core, phone.as_deref(), from).await {
            Ok(sent) => {
                state.notice = Some(format!("{}请填写验证码后提交报名。", sent_notice(&sent)));
                let page = register_page(&app, day, state, &csrf, true);
                Ok((csrf.jar, page).into_response())
            }
            Err(e) => {
                state.refuse(e, &REGISTER_FIELDS)?;
                let status = state.status();
                let page = register_page(&app, day, state, &csrf, false);
                Ok((status, csrf.jar, page).into_response())
            }
        };
    }
    let proof = PhoneProof {
        phone,
        sms_code: form.sms_code.clone(),
    };
    match registrations::register(&app.core, &plan_id, &form.registration, &proof).await {
        Ok(taken) => {
            let just = JustTaken {
                plan_id: plan_id.clone(),
                code: taken.receipt.code,
                waitlisted: taken.receipt.status == RegistrationStatus::Waitlisted,
            };
            let jar = csrf.jar.add(app.config.cookies.cookie(
                JustTaken::COOKIE,
                just.value(),
                24 * 3600,
            ));
            Ok(see_other(jar, &format!("/open-days/{plan_id}/registered")))
        }
        Err(e) => {
            state.refuse(e, &REGISTER_FIELDS)?;
            let code_sent = !state.value("sms_code").is_empty() || state.invalid("sms_code");
            let status = state.status();
            let page = register_page(&app, day, state, &csrf, code_sent);
            Ok((status, csrf.jar, page).into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "registered.html")]
struct RegisteredPage {
    title: String,
    day: OpenDay,
    code: String,
    waitlisted: bool,
    qr: String,
}

/// The confirmation: 报名成功 or 候补, the code, its QR code, the calendar file, how to cancel.
/// A reload shows it again; it never registers twice.
pub(super) async fn registered<S: Store>(
    State(app): State<App<S>>,
    jar: PrivateCookieJar,
    Path(plan_id): Path<String>,
) -> Result<Response, PageError> {
    let taken = jar
        .get(JustTaken::COOKIE)
        .and_then(|c| JustTaken::read(c.value()))
        .filter(|t| t.plan_id == plan_id);
    let Some(JustTaken {
        code, waitlisted, ..
    }) = taken
    else {
        let jar = with_notice(jar, &app, "请通过“查询报名”查看您的报名");
        return Ok(see_other(jar, "/registrations"));
    };
    let day = open_day_of(&app, &plan_id).await?;
    Ok(RegisteredPage {
        title: if waitlisted {
            "候补登记成功"
        } else {
            "报名成功"
        }
        .to_owned(),
        qr: crate::pages::qr_svg(&code),
        day,
        code,
        waitlisted,
    }
    .into_response())
}

/// The event as an iCalendar file: one event per session, at its times in Asia/Shanghai
/// (an announcement without sessions: the dates as one all-day event), with the place,
/// meeting point and organiser (nothing personal).
pub(super) async fn calendar<S: Store>(
    State(app): State<App<S>>,
    Path(plan_id): Path<String>,
) -> Result<Response, PageError> {
    let day = open_day_of(&app, &plan_id).await?;
    let body = calendar_text(&plan_id, &day.a);
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/calendar; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"open-day.ics\""),
            ),
        ],
        body,
    )
        .into_response())
}

/// Shanghai keeps one offset all year, so its definition is one STANDARD rule.
const SHANGHAI: &str = "BEGIN:VTIMEZONE\r\nTZID:Asia/Shanghai\r\nBEGIN:STANDARD\r\n\
DTSTART:19700101T000000\r\nTZOFFSETFROM:+0800\r\nTZOFFSETTO:+0800\r\nTZNAME:CST\r\n\
END:STANDARD\r\nEND:VTIMEZONE\r\n";

fn calendar_text(plan_id: &str, a: &openday_rules::announcement::Announcement) -> String {
    use icalendar::{CalendarDateTime, Component, EventLike};
    let description = format!(
        "承办单位：{}\n联系电话：{}\n{}",
        a.organizer,
        a.contact_phone.expose(),
        a.reminders
    );
    let at = |date: chrono::NaiveDate, time: chrono::NaiveTime| CalendarDateTime::WithTimezone {
        date_time: date.and_time(time),
        tzid: openday_rules::TZ.name().to_owned(),
    };
    let events: Vec<icalendar::Event> = if a.sessions.is_empty() {
        vec![
            icalendar::Event::new()
                .uid(&format!("{plan_id}@openday"))
                .summary(&a.name.to_string())
                .location(a.place.as_str())
                .description(&description)
                .starts(a.start_date)
                .ends(a.end_date + chrono::Duration::days(1))
                .done(),
        ]
    } else {
        a.sessions
            .iter()
            .enumerate()
            .map(|(i, s)| {
                icalendar::Event::new()
                    .uid(&format!("{plan_id}-{}@openday", i + 1))
                    .summary(&a.name.to_string())
                    .location(&format!("{}（集合地点：{}）", a.place, s.meeting_point))
                    .description(&description)
                    .starts(at(s.date, s.start))
                    .ends(at(s.date, s.end))
                    .done()
            })
            .collect()
    };
    let mut calendar = icalendar::Calendar::new();
    calendar
        .name("政府开放日")
        .timezone(openday_rules::TZ.name());
    for e in events {
        calendar.push(e);
    }
    let text = calendar.done().to_string();
    // icalendar writes no VTIMEZONE; the TZID the events name is defined before them.
    match text.find("BEGIN:VEVENT") {
        Some(i) if !a.sessions.is_empty() => format!("{}{SHANGHAI}{}", &text[..i], &text[i..]),
        _ => text,
    }
}
