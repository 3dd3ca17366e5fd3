//! A person's own pages and a 管理员's: the second factor at sign-in (enrolment with a QR
//! code, then a code each time), 安全设置 (sessions and API keys: list, make, end) and 成员管理
//! (invite, change roles, remove, end a member's sessions). 操作日志 is in `audit_log`.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use openday_app::second_factor::{self, Checked};
use openday_app::sessions::SessionState;
use openday_rules::calendar::when;
use openday_rules::staff::StaffRole;
use serde::Deserialize;

use super::{Me, SignedOutOr, StaffPost, StaffSession, session_of, staff_page};
use crate::app::{App, Store};
use crate::limits::Caller;
use crate::pages::{FormState, PageError, read_form, see_other, take_notice, with_notice};
use crate::routing::{Routes, method};

/// The second-factor step of sign-in (before a session may work).
pub fn sign_in_routes<S: Store>() -> Routes<S> {
    Routes::new()
        .route(
            Method::GET,
            "/staff/second-factor",
            method(&Method::GET, second_factor_form::<S>),
        )
        .route(
            Method::POST,
            "/staff/second-factor",
            method(&Method::POST, second_factor_check::<S>),
        )
}

pub fn routes<S: Store>() -> Routes<S> {
    Routes::new()
        .route(
            Method::GET,
            "/staff/account",
            method(&Method::GET, account::<S>),
        )
        .route(
            Method::POST,
            "/staff/account/end-session",
            method(&Method::POST, end_session::<S>),
        )
        .route(
            Method::POST,
            "/staff/account/end-all",
            method(&Method::POST, end_all::<S>),
        )
        .route(
            Method::POST,
            "/staff/account/keys",
            method(&Method::POST, create_key::<S>),
        )
        .route(
            Method::POST,
            "/staff/account/keys/revoke",
            method(&Method::POST, revoke_key::<S>),
        )
        .route(
            Method::GET,
            "/staff/members",
            method(&Method::GET, members::<S>),
        )
        .route(
            Method::POST,
            "/staff/members",
            method(&Method::POST, member_action::<S>),
        )
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/second_factor.html")]
struct SecondFactorPage {
    title: &'static str,
    csrf: String,
    form: FormState,
    /// At enrolment: the QR code (inline SVG) and the key as text.
    qr: Option<String>,
    secret: String,
    /// After enrolment: the recovery codes, shown once.
    recovery: Vec<String>,
}

fn page_of(csrf: String, form: FormState) -> SecondFactorPage {
    SecondFactorPage {
        title: "动态验证码",
        csrf,
        form,
        qr: None,
        secret: String::new(),
        recovery: Vec::new(),
    }
}

async fn enrolment_page<S: Store>(
    app: &App<S>,
    id: &str,
    csrf: String,
    form: FormState,
) -> Result<SecondFactorPage, PageError> {
    let enrolment = second_factor::begin_enrolment(&app.core, id).await?;
    let mut page = page_of(csrf, form);
    page.title = "绑定动态验证码";
    page.qr = Some(crate::pages::qr_svg(&enrolment.otpauth_url));
    page.secret = enrolment.secret_base32;
    Ok(page)
}

async fn second_factor_form<S: Store>(
    State(app): State<App<S>>,
    req: Request,
) -> Result<Response, PageError> {
    let (mut parts, _) = req.into_parts();
    let (jar, id, state) = session_of(&mut parts, &app).await?;
    let (jar, notice) = take_notice(jar);
    let form = FormState {
        notice,
        ..FormState::default()
    };
    match (id, state) {
        (Some(id), SessionState::SecondFactor { enrolled, csrf, .. }) => {
            let page = if enrolled {
                page_of(csrf, form)
            } else {
                enrolment_page(&app, &id, csrf, form).await?
            };
            Ok((jar, page).into_response())
        }
        (Some(_), SessionState::Active { .. }) => Ok(see_other(jar, "/staff")),
        _ => Ok(see_other(
            with_notice(jar, &app, "请先使用工作邮箱申请登录链接。"),
            "/staff/sign-in",
        )),
    }
}

#[derive(Deserialize)]
struct CodeForm {
    code: Option<String>,
}

async fn second_factor_check<S: Store>(
    State(app): State<App<S>>,
    Caller(from): Caller,
    req: Request,
) -> Result<Response, PageError> {
    let (mut parts, body) = req.into_parts();
    let (jar, id, state) = session_of(&mut parts, &app).await?;
    let (Some(id), SessionState::SecondFactor { enrolled, csrf, .. }) = (id, state) else {
        return Ok(see_other(
            with_notice(jar, &app, "登录已失效，请重新申请登录链接。"),
            "/staff/sign-in",
        ));
    };
    let (form, values): (CodeForm, BTreeMap<String, String>) =
        read_form(&parts, body, &csrf).await?;
    let typed = form.code.unwrap_or_default();
    let checked = second_factor::check(&app.core, &id, &typed, &from.to_string()).await?;
    let message = match checked {
        Checked::Passed { recovery_codes } if !recovery_codes.is_empty() => {
            let mut page = page_of(String::new(), FormState::default());
            page.title = "请保存恢复码";
            page.recovery = recovery_codes;
            return Ok((jar, page).into_response());
        }
        Checked::Passed { .. } => {
            return Ok(see_other(with_notice(jar, &app, "已登录。"), "/staff"));
        }
        Checked::Wrong { left } => format!(
            "动态验证码不正确，请输入验证器中当前显示的6位数字（或一个恢复码）。再错{left}次将锁定登录15分钟。"
        ),
        Checked::Locked { until } => format!(
            "连续输错{}次，登录已锁定至{}。如非本人操作，请联系本机关管理员。",
            second_factor::MAX_WRONG,
            when(until)
        ),
    };
    let mut state = FormState::with_values(values);
    state.fail("code", message);
    let page = if enrolled {
        page_of(csrf, state)
    } else {
        enrolment_page(&app, &id, csrf, state).await?
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, jar, page).into_response())
}

/// One session as 安全设置 lists it.
struct SessionRow {
    handle: String,
    device: String,
    address: String,
    started: String,
    last_used: String,
    current: bool,
}

/// One API key as 安全设置 lists it (never its secret).
struct KeyRow {
    id: String,
    name: String,
    created: String,
    expires: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/account.html")]
struct AccountPage {
    title: &'static str,
    me: Me,
    notice: Option<String>,
    form: FormState,
    email: String,
    roles: String,
    sessions: Vec<SessionRow>,
    keys: Vec<KeyRow>,
    /// A key just made: shown this once.
    made: Option<String>,
}

async fn account<S: Store>(
    State(app): State<App<S>>,
    staff: StaffSession,
) -> Result<Response, SignedOutOr> {
    let (jar, notice) = take_notice(staff.jar.clone());
    let mut page = account_page(&app, &staff, FormState::default()).await?;
    page.notice = notice;
    Ok(staff_page(jar, page))
}

async fn account_page<S: Store>(
    app: &App<S>,
    staff: &StaffSession,
    form: FormState,
) -> Result<AccountPage, PageError> {
    let keys = openday_app::api_keys::of_person(&app.core, &staff.org)
        .await?
        .into_iter()
        .map(|k| KeyRow {
            id: k.id,
            name: k.name,
            created: when(k.created),
            expires: when(k.expires),
        })
        .collect();
    let sessions =
        openday_app::sessions::of_person(&app.core, staff.org.email(), Some(&staff.session_id))
            .await
            .map_err(PageError::from)?
            .into_iter()
            .map(|s| SessionRow {
                handle: s.handle,
                device: s.device,
                address: s.address,
                started: when(s.started),
                last_used: when(s.last_used),
                current: s.current,
            })
            .collect();
    Ok(AccountPage {
        title: "安全设置",
        me: staff.me(),
        notice: None,
        form,
        email: staff.org.email().to_owned(),
        roles: staff.org.roles().labels(),
        sessions,
        keys,
        made: None,
    })
}

async fn create_key<S: Store>(
    State(app): State<App<S>>,
    post: StaffPost<openday_app::api_keys::NewKey>,
) -> Result<Response, SignedOutOr> {
    let StaffPost {
        staff,
        form,
        values,
    } = post;
    match openday_app::api_keys::create(&app.core, &staff.org, &form).await {
        Ok(made) => {
            let mut page = account_page(&app, &staff, FormState::default()).await?;
            page.made = Some(made.token);
            Ok(staff_page(staff.jar, page))
        }
        Err(e @ openday_app::AppError::Rules(_)) => {
            let said = e.said();
            let mut state = FormState::with_values(values);
            state.fail(said.field.as_deref().unwrap_or("name"), said.message);
            let page = account_page(&app, &staff, state).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, staff.jar, page).into_response())
        }
        Err(e) => Err(PageError::from(e).into()),
    }
}

#[derive(Deserialize)]
struct KeyForm {
    id: Option<String>,
}

async fn revoke_key<S: Store>(
    State(app): State<App<S>>,
    post: StaffPost<KeyForm>,
) -> Result<Response, SignedOutOr> {
    let id = post.form.id.unwrap_or_default();
    openday_app::api_keys::revoke(&app.core, &post.staff.org, &id)
        .await
        .map_err(PageError::from)?;
    let jar = with_notice(post.staff.jar, &app, "已吊销该 API 密钥。");
    Ok(see_other(jar, "/staff/account"))
}

#[derive(Deserialize)]
struct HandleForm {
    handle: Option<String>,
}

async fn end_session<S: Store>(
    State(app): State<App<S>>,
    post: StaffPost<HandleForm>,
) -> Result<Response, SignedOutOr> {
    let handle = post.form.handle.unwrap_or_default();
    openday_app::sessions::end_one(&app.core, &post.staff.org, &handle)
        .await
        .map_err(PageError::from)?;
    let jar = with_notice(post.staff.jar, &app, "已注销该登录会话。");
    Ok(see_other(jar, "/staff/account"))
}

async fn end_all<S: Store>(
    State(app): State<App<S>>,
    post: StaffPost<BTreeMap<String, String>>,
) -> Result<Response, SignedOutOr> {
    let email = post.staff.org.email().to_owned();
    openday_app::sessions::end_all_of(&app.core, &post.staff.org, &email)
        .await
        .map_err(PageError::from)?;
    let jar = with_notice(post.staff.jar, &app, "已注销您的全部登录会话，请重新登录。");
    Ok(see_other(jar, "/staff/sign-in"))
}

/// One member as 成员管理 lists them.
struct MemberRow {
    email: String,
    name: String,
    roles: String,
    admin: bool,
    clerk: bool,
    reviewer: bool,
    enrolled: bool,
    locked: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/members.html")]
struct MembersPage {
    title: &'static str,
    me: Me,
    notice: Option<String>,
    form: FormState,
    members: Vec<MemberRow>,
    office: bool,
}

async fn members_page<S: Store>(
    app: &App<S>,
    staff: &StaffSession,
    form: FormState,
) -> Result<MembersPage, PageError> {
    let members = openday_app::people::list(&app.core, &staff.org)
        .await?
        .into_iter()
        .map(|m| MemberRow {
            admin: m.roles.has(StaffRole::Admin),
            clerk: m.roles.has(StaffRole::Clerk),
            reviewer: m.roles.has(StaffRole::Reviewer),
            roles: m.roles.labels(),
            email: m.email,
            name: m.name,
            enrolled: m.enrolled,
            locked: m.locked,
        })
        .collect();
    Ok(MembersPage {
        title: "成员管理",
        me: staff.me(),
        notice: None,
        form,
        members,
        office: staff.org.kind == openday_rules::org::OrgKind::Office,
    })
}

async fn members<S: Store>(
    State(app): State<App<S>>,
    staff: StaffSession,
) -> Result<Response, SignedOutOr> {
    let mut page = members_page(&app, &staff, FormState::default()).await?;
    let (jar, notice) = take_notice(staff.jar);
    page.notice = notice;
    Ok(staff_page(jar, page))
}

#[derive(Deserialize)]
struct MemberForm {
    action: Option<String>,
    email: Option<String>,
    name: Option<String>,
    admin: Option<String>,
    clerk: Option<String>,
    reviewer: Option<String>,
}

impl MemberForm {
    fn roles(&self) -> Vec<String> {
        [
            (&self.admin, StaffRole::Admin),
            (&self.clerk, StaffRole::Clerk),
            (&self.reviewer, StaffRole::Reviewer),
        ]
        .into_iter()
        .filter(|(ticked, _)| ticked.as_deref().is_some_and(|v| !v.is_empty()))
        .map(|(_, role)| role.wire().to_owned())
        .collect()
    }
}

/// Invite, change roles, remove, end sessions: one form post, the action named.
async fn member_action<S: Store>(
    State(app): State<App<S>>,
    post: StaffPost<MemberForm>,
) -> Result<Response, SignedOutOr> {
    let StaffPost {
        staff,
        form,
        values,
    } = post;
    let email = form.email.clone().unwrap_or_default();
    let core = &app.core;
    let done = match form.action.as_deref().unwrap_or("") {
        "invite" => {
            let invitation = openday_app::people::Invitation {
                email: form.email.clone(),
                name: form.name.clone(),
                roles: form.roles(),
            };
            openday_app::people::invite(core, &staff.org, &invitation)
                .await
                .map(|m| format!("已邀请{}（{}），邀请邮件已发送。", m.name, m.email))
        }
        "roles" => openday_app::people::change_roles(core, &staff.org, &email, &form.roles())
            .await
            .map(|m| format!("已将{}的岗位角色改为：{}。", m.email, m.roles.labels())),
        "remove" => openday_app::people::remove(core, &staff.org, &email)
            .await
            .map(|()| format!("已移除成员{email}，其登录会话已全部注销。")),
        "end-sessions" => openday_app::sessions::end_all_of(core, &staff.org, &email)
            .await
            .map(|()| format!("已注销{email}的全部登录会话。")),
        _ => Err(openday_app::AppError::NotFound("未知操作")),
    };
    match done {
        Ok(message) => {
            let jar = with_notice(staff.jar, &app, &message);
            Ok(see_other(jar, "/staff/members"))
        }
        Err(e @ (openday_app::AppError::Rules(_) | openday_app::AppError::Conflict { .. })) => {
            let said = e.said();
            let mut state = FormState::with_values(values);
            state.fail(said.field.as_deref().unwrap_or("email"), said.message);
            let page = members_page(&app, &staff, state).await?;
            let status = crate::error::status_of(&e);
            Ok((status, staff.jar, page).into_response())
        }
        Err(e) => Err(PageError::from(e).into()),
    }
}
