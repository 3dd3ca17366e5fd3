//! 发布活动公告: the items the plan does not hold (报名方式, 地点, 内容, 温馨提示, 报名截止),
//! each event day's sessions (场次: rows added by a button, no JavaScript), the livestream
//! (主会场 + N 分会场) and where else the announcement is published (政务新媒体).

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use openday_app::commands::AnnouncementBody;
use openday_app::plans;
use openday_rules::announcement::AnnouncementDraft;
use openday_rules::lifecycle::Action;
use openday_rules::schedule::{LivestreamDraft, SessionDraft, StreamVenueDraft};

use super::form_rows::{self, RowGroup, rows};
use super::plan_page::{PlanView, open};
use super::{Me, SignedOutOr, StaffPost, StaffSession, staff_page};
use crate::app::{App, Store};
use crate::pages::{FormState, PageError, named, see_other, with_notice};

const SESSIONS: [RowGroup; 1] = [RowGroup {
    name: "sessions",
    fields: &["date", "start", "end", "meeting_point"],
}];

const FIELDS: [&str; 9] = [
    "registration_method",
    "place",
    "content",
    "reminders",
    "registration_deadline",
    "livestream_main_name",
    "livestream_main_url",
    "livestream_branches",
    "links_text",
];

#[derive(Template, WebTemplate)]
#[template(path = "staff/announce.html")]
struct AnnouncePage {
    title: String,
    me: Me,
    plan: PlanView,
    form: FormState,
    sessions: Vec<usize>,
    /// The form is shown only while the caller may publish.
    may: bool,
}

impl AnnouncePage {
    fn new(me: Me, plan: PlanView, mut form: FormState, may: bool) -> Self {
        form_rows::ensure_rows(&mut form.values, &SESSIONS);
        Self {
            title: format!("发布活动公告：{}", plan.name),
            sessions: form_rows::row_count(&form, "sessions"),
            me,
            plan,
            form,
            may,
        }
    }

    fn at(&self, i: &usize, field: &str) -> String {
        format!("sessions.{i}.{field}")
    }
}

pub(super) async fn announcement_form<S: Store>(
    State(app): State<App<S>>,
    staff: StaffSession,
    Path(id): Path<String>,
) -> Result<Response, SignedOutOr> {
    let mut form = FormState::default();
    let (plan, next) = open(&app, &staff.org, &id, &mut form).await?;
    if let Some(e) = next.refusal(Action::Announce) {
        return Err(PageError::from(e).into());
    }
    let fact = |name: &str| {
        plan.facts
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    form.values.insert("place".into(), fact("活动地点"));
    form.values.insert(
        "registration_method".into(),
        "在本平台“政府开放日”页面在线报名".into(),
    );
    // The first session on the first event day, at the plan's venue: the usual case.
    form.values
        .insert("sessions.0.date".into(), plan.first_day.clone());
    form.values
        .insert("sessions.0.meeting_point".into(), fact("活动地点"));
    let page = AnnouncePage::new(staff.me(), plan, form, true);
    Ok(staff_page(staff.jar, page))
}

#[derive(Deserialize)]
pub(super) struct AnnounceForm {
    action: Option<String>,
    #[serde(flatten)]
    body: AnnouncementBody,
}

pub(super) async fn announce<S: Store>(
    State(app): State<App<S>>,
    Path(id): Path<String>,
    post: StaffPost<AnnounceForm>,
) -> Result<Response, SignedOutOr> {
    let StaffPost {
        staff,
        form,
        mut values,
    } = post;
    values.remove("action");
    if form_rows::apply_row_action(&mut values, &SESSIONS, form.action.as_deref().unwrap_or("")) {
        let mut state = FormState::with_values(values);
        let (plan, next) = open(&app, &staff.org, &id, &mut state).await?;
        let page = AnnouncePage::new(staff.me(), plan, state, next.announce);
        return Ok(staff_page(staff.jar, page));
    }
    let mut body = form.body;
    read_rows(&mut body.announcement, &values);
    match plans::announce(&app.core, &staff.org, &id, &body).await {
        Ok(_) => {
            let jar = with_notice(staff.jar, &app, "活动公告已发布，公众现在可以报名。");
            Ok(see_other(jar, &format!("/staff/plans/{id}")))
        }
        Err(e) => {
            let mut state = FormState::with_values(values);
            state.refuse_at(e, &field_of)?;
            let status = state.status();
            let (plan, next) = open(&app, &staff.org, &id, &mut state).await?;
            let page = AnnouncePage::new(staff.me(), plan, state, next.announce);
            Ok((status, staff.jar, page).into_response())
        }
    }
}

/// What the form holds beyond the flat fields: the sessions' rows, the livestream and the
/// links. An emptied optional field means "not given": the plan's venue, no deadline.
fn read_rows(draft: &mut AnnouncementDraft, values: &BTreeMap<String, String>) {
    let blank = |v: Option<String>| v.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
    draft.place = blank(draft.place.take());
    draft.registration_deadline = blank(draft.registration_deadline.take());
    let get = |name: &str| blank(values.get(name).cloned());
    draft.sessions = rows(values, "sessions")
        .into_iter()
        .filter(|r| r.values().any(|v| !v.trim().is_empty()))
        .map(|r| SessionDraft {
            date: blank(r.get("date").cloned()),
            start: blank(r.get("start").cloned()),
            end: blank(r.get("end").cloned()),
            meeting_point: blank(r.get("meeting_point").cloned()),
        })
        .collect();
    let lines = |name: &str| -> Vec<String> {
        get(name)
            .unwrap_or_default()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    };
    // 分会场: one a line, its name and then its link.
    let branches: Vec<StreamVenueDraft> = lines("livestream_branches")
        .into_iter()
        .map(|l| match l.rsplit_once(char::is_whitespace) {
            Some((name, url)) => StreamVenueDraft {
                name: Some(name.trim().to_owned()),
                url: Some(url.to_owned()),
            },
            None => StreamVenueDraft {
                name: None,
                url: Some(l),
            },
        })
        .collect();
    let (name, url) = (get("livestream_main_name"), get("livestream_main_url"));
    let any = name.is_some() || url.is_some() || !branches.is_empty();
    draft.livestream = any.then_some(LivestreamDraft {
        main: Some(StreamVenueDraft { name, url }),
        branches,
    });
    // (`links_text`: a field named `links` would be read as the draft's list.)
    draft.links = lines("links_text");
}

/// The form field of a rule's field: `sessions[0].end` → `sessions.0.end`,
/// `livestream.branches[2].url` → `livestream_branches`, `links[1]` → `links`.
fn field_of(rule: &str) -> Option<String> {
    if let Some(rest) = rule.strip_prefix("sessions[")
        && let Some((i, part)) = rest.split_once("].")
    {
        return Some(format!("sessions.{i}.{part}"));
    }
    let field = match rule {
        r if r.starts_with("livestream.branches") => "livestream_branches",
        "livestream.main.name" => "livestream_main_name",
        r if r.starts_with("livestream.main") => "livestream_main_url",
        r if r.starts_with("links") => "links_text",
        "sessions" => "sessions",
        r => return named(&FIELDS, r),
    };
    Some(field.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_fields_land_on_the_form_fields_that_hold_them() {
        assert_eq!(
            field_of("sessions[1].end").as_deref(),
            Some("sessions.1.end")
        );
        assert_eq!(field_of("sessions").as_deref(), Some("sessions"));
        assert_eq!(
            field_of("livestream.branches[2].url").as_deref(),
            Some("livestream_branches")
        );
        assert_eq!(
            field_of("livestream.main.url").as_deref(),
            Some("livestream_main_url")
        );
        assert_eq!(field_of("links[0]").as_deref(), Some("links_text"));
        assert_eq!(field_of("content").as_deref(), Some("content"));
        assert_eq!(field_of("version"), None);
    }

    #[test]
    fn the_form_reads_sessions_branches_and_links() {
        let values: BTreeMap<String, String> = [
            ("sessions.0.date", "2026-09-20"),
            ("sessions.0.start", "09:00"),
            ("sessions.0.end", "11:30"),
            ("sessions.0.meeting_point", "北门"),
            ("sessions.1.date", ""),
            ("sessions.1.start", ""),
            ("livestream_main_name", "主会场"),
            ("livestream_main_url", "https://live.example.gov.cn/1"),
            (
                "livestream_branches",
                "青秀区 分会场 https://live.example.gov.cn/2\n\n",
            ),
            (
                "links_text",
                "https://a.example.gov.cn\r\nhttps://b.example.gov.cn",
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let mut draft = AnnouncementDraft::default();
        read_rows(&mut draft, &values);
        assert_eq!(draft.sessions.len(), 1, "the blank row is dropped");
        let live = draft.livestream.unwrap();
        assert_eq!(live.branches.len(), 1);
        assert_eq!(live.branches[0].name.as_deref(), Some("青秀区 分会场"));
        assert_eq!(draft.links.len(), 2);
    }
}
