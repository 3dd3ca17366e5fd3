//! Announced events as the public finds them: the year's announcements (with the seats
//! left), one announcement, and an open day with what may be done on it now (register, give
//! feedback, evaluate, read the response).

use openday_rules::announcement::Announcement;
use openday_rules::calendar::{day_span, day_text};
use openday_rules::feedback::{check_evaluation_open, check_feedback_open};
use openday_rules::lifecycle::PlanStatus;
use openday_rules::org::Jurisdiction;
use openday_rules::plan::Channel;
use openday_rules::registration::RegistrationWindow;
use openday_store::records::PlanRecord;

use crate::access::status_today;
use crate::error::AppError;
use crate::services::{Services, Store};
use crate::views::{AnnouncementDetail, AnnouncementItem, AnnouncementList};

/// The year's announcements, each with the seats left.
pub async fn list<S: Store>(app: &Services<S>, year: i32) -> Result<AnnouncementList, AppError> {
    let mut announcements = Vec::new();
    for (plan_id, announcement) in app.store.announcements(year).await? {
        let seats = app.store.seats(&plan_id).await?;
        announcements.push(AnnouncementItem {
            plan_id,
            announcement,
            seats_left: seats.map(|s| s.left()),
        });
    }
    Ok(AnnouncementList {
        year,
        announcements,
    })
}

/// One announcement with its plan's status and seats.
pub async fn detail<S: Store>(
    app: &Services<S>,
    plan_id: &str,
) -> Result<AnnouncementDetail, AppError> {
    const GONE: AppError = AppError::NotFound("活动公告不存在");
    let a = app.store.announcement(plan_id).await?.ok_or(GONE)?;
    let plan = app.store.plan(plan_id).await?.ok_or(GONE)?;
    let seats = app.store.seats(plan_id).await?;
    Ok(AnnouncementDetail {
        status: status_today(app, &plan),
        plan_id: plan_id.to_owned(),
        announcement: a,
        seats_left: seats.map(|s| s.left()),
        waitlisted: seats.map(|s| s.waitlisted),
    })
}

/// An announced event as the pages show it, with what may be done now.
pub struct OpenDay {
    pub plan_id: String,
    pub a: Announcement,
    pub status: PlanStatus,
    pub seats_left: Option<u32>,
    pub waitlisted: u32,
    /// Why online registration is closed, when it is.
    pub registration_closed: Option<String>,
    pub feedback_open: bool,
    pub evaluation_open: bool,
    pub responded: bool,
    /// The programme version the event follows (who may register, evaluation days).
    pub programme: openday_rules::Programme,
}

impl OpenDay {
    pub fn dates(&self) -> String {
        day_span(self.a.start_date, self.a.end_date)
    }
    pub fn registration_open(&self) -> bool {
        self.registration_closed.is_none()
    }
    pub fn leaders(&self) -> String {
        if self.a.leaders.is_empty() {
            return "无".into();
        }
        self.a
            .leaders
            .iter()
            .map(|l| format!("{}（{}）", l.name, l.title))
            .collect::<Vec<_>>()
            .join("、")
    }
    pub fn channels(&self) -> String {
        self.a
            .channels
            .iter()
            .map(|c| c.label())
            .collect::<Vec<_>>()
            .join("、")
    }
    pub fn contact(&self) -> String {
        format!("{}，{}", self.a.contact_name, self.a.contact_phone.expose())
    }
    pub fn deadline(&self) -> String {
        self.a
            .registration_deadline
            .map_or_else(|| "活动开始前".into(), day_text)
    }
}

/// The announced event through the same one-second cache the registration reads, so a
/// form and the registration it submits read the plan and announcement once.
pub async fn open_day<S: Store>(app: &Services<S>, plan_id: &str) -> Result<OpenDay, AppError> {
    let event = app
        .events
        .get(&app.store, plan_id)
        .await
        .map_err(|e| match e {
            AppError::NotFound(_) => AppError::NotFound("该活动不存在或尚未发布公告"),
            e => e,
        })?;
    describe(app, event.plan.clone(), event.announcement.clone()).await
}

/// This year's announced open days, soonest first, optionally of one 地区 (a jurisdiction
/// id anywhere above the implementer), and the jurisdictions to choose from.
pub async fn open_days<S: Store>(
    app: &Services<S>,
    year: i32,
    region: Option<&str>,
) -> Result<(Vec<OpenDay>, Vec<Jurisdiction>), AppError> {
    let mut days = Vec::new();
    for (plan_id, a) in app.store.announcements(year).await? {
        let Some(plan) = app.store.plan(&plan_id).await? else {
            continue;
        };
        // A plan's path names every jurisdiction above it: `gx/gx-nn/`.
        if let Some(r) = region
            && !plan.org_path.split('/').any(|part| part == r)
        {
            continue;
        }
        days.push(describe(app, plan, a).await?);
    }
    days.sort_by_key(|d| (d.a.start_date, d.a.name.to_string()));
    Ok((days, app.store.jurisdictions().await?))
}

async fn describe<S: Store>(
    app: &Services<S>,
    plan: PlanRecord,
    a: Announcement,
) -> Result<OpenDay, AppError> {
    let status = status_today(app, &plan);
    let seats = app.store.seats(&plan.id).await?;
    let programme = app.programme_of(&plan).await?;
    let window = RegistrationWindow {
        published_on: a.published_on,
        deadline: a.registration_deadline,
        first_event_day: plan.plan.period.start(),
    };
    let registration_closed = if status != PlanStatus::Announced {
        Some("该活动当前不接受报名".to_owned())
    } else {
        window
            .check(Channel::Online, &a.channels, app.now())
            .err()
            .map(|v| v.message)
    };
    let running = matches!(
        status,
        PlanStatus::Announced | PlanStatus::Held | PlanStatus::Responded
    );
    let today = app.today();
    Ok(OpenDay {
        feedback_open: running
            && check_feedback_open(&plan.plan.period, status == PlanStatus::Responded, today)
                .is_ok(),
        evaluation_open: running
            && check_evaluation_open(&plan.plan.period, &programme, today).is_ok(),
        responded: plan.responded_on.is_some(),
        plan_id: plan.id,
        status,
        seats_left: seats.map(|s| s.left()),
        waitlisted: seats.map_or(0, |s| s.waitlisted),
        registration_closed,
        a,
        programme,
    })
}
