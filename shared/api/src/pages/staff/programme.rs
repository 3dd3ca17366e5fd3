//! The programme (工作方案) in force, for every staff member; the regional office uploads
//! this year's or next year's version here (plans already submitted keep theirs).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use openday_rules::org::{Level, OrgKind};
use serde::Deserialize;

use super::rows::programme_label;
use super::{Me, SignedOutOr, StaffPost, StaffSession, staff_page};
use crate::app::{App, Store};
use crate::pages::{FieldError, FormState, PageError, see_other, take_notice, with_notice};
use crate::routing::{Routes, method};
use openday_rules::calendar::when;

pub fn routes<S: Store>() -> Routes<S> {
    Routes::new()
        .route(
            Method::GET,
            "/staff/programme",
            method(&Method::GET, show::<S>),
        )
        .route(
            Method::POST,
            "/staff/programme",
            method(&Method::POST, upload::<S>),
        )
}

/// One year's programme as the page shows it.
pub struct YearProgramme {
    pub year: i32,
    /// `《…》（2026年，第2版）`, and when and by whom it was imported.
    pub which: String,
    pub imported: Option<String>,
    /// (parameter, value, clause)
    pub rows: Vec<(&'static str, String, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/programme.html")]
struct ProgrammePage {
    title: String,
    me: Me,
    notice: Option<String>,
    years: Vec<YearProgramme>,
    may_upload: bool,
    form: FormState,
}

#[derive(Deserialize)]
struct UploadForm {
    programme: Option<String>,
}

/// Only the regional office uploads (R14's recipient, the programme's owner).
fn may_upload(staff: &StaffSession) -> bool {
    staff.org.kind == OrgKind::Office && staff.org.level == Level::Region
}

async fn page<S: Store>(
    app: &App<S>,
    staff: &StaffSession,
    form: FormState,
) -> Result<ProgrammePage, PageError> {
    let this_year = app.today().year();
    let mut years = Vec::new();
    for year in [this_year, this_year + 1] {
        let record = app.core.programme_for(&staff.org, year).await?;
        // Next year shows only once it has its own version.
        if year != this_year && record.version == 0 {
            continue;
        }
        let imported = record.imported_at.map(|at| {
            let by = record
                .imported_by
                .as_ref()
                .map_or_else(|| "命令行导入".to_owned(), |id| format!("由 {id} 上传"));
            format!("{}，{by}", when(at))
        });
        years.push(YearProgramme {
            year,
            which: programme_label(&record.programme, record.version),
            imported,
            rows: record
                .programme
                .rows()
                .into_iter()
                .map(|(what, value, clause)| (what, value, clause.to_owned()))
                .collect(),
        });
    }
    Ok(ProgrammePage {
        title: "工作方案".to_owned(),
        me: staff.me(),
        notice: None,
        years,
        may_upload: may_upload(staff),
        form,
    })
}

async fn show<S: Store>(
    State(app): State<App<S>>,
    staff: StaffSession,
) -> Result<Response, SignedOutOr> {
    let mut page = page(&app, &staff, FormState::default()).await?;
    let (jar, notice) = take_notice(staff.jar);
    page.notice = notice;
    Ok(staff_page(jar, page))
}

async fn upload<S: Store>(
    State(app): State<App<S>>,
    post: StaffPost<UploadForm>,
) -> Result<Response, SignedOutOr> {
    let StaffPost {
        staff,
        form,
        values,
    } = post;
    let mut state = FormState::with_values(values);
    let text = form.programme.unwrap_or_default();
    match serde_json::from_str::<serde_json::Value>(&text) {
        Err(e) => state.fail(
            "programme",
            format!(
                "工作方案文件不是有效的 JSON（第{}行第{}列），请检查后重新粘贴",
                e.line(),
                e.column()
            ),
        ),
        Ok(raw) => match openday_app::programmes::import(&app.core, &staff.org, &raw).await {
            Ok(record) => {
                let p = &record.programme;
                let jar = with_notice(
                    staff.jar,
                    &app,
                    &format!(
                        "已导入《{}》{}年第{}版。此后报送或修改的实施方案按此版本审核；已报送的方案仍按原版本执行。",
                        p.title, p.year, record.version
                    ),
                );
                return Ok(see_other(jar, "/staff/programme"));
            }
            // Every problem of the file, each naming its place in the file, at the field.
            Err(openday_app::AppError::Rules(vs)) => {
                for v in vs.iter() {
                    let message = match v.field.as_deref() {
                        Some(f) if !f.is_empty() && !v.message.contains(f) => {
                            format!("{f}：{}", v.message)
                        }
                        _ => v.message.clone(),
                    };
                    state.errors.push(FieldError {
                        field: Some("programme".to_owned()),
                        message,
                    });
                }
            }
            Err(e) => state.refuse(e, &["programme"])?,
        },
    }
    let status = state.status();
    let page = page(&app, &staff, state).await?;
    Ok((status, staff.jar, page).into_response())
}
