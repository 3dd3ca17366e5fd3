//! Announced events as the public finds them: the year's announcements (with the seats
//! left), one announcement, and an open day with what may be done on it now (register, give
//! feedback, evaluate, read the response).

use futures_util::stream::{self, StreamExt, TryStreamExt};
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
use crate::figures::READS_AT_ONCE;
use crate::services::{Services, Store};
use crate::views::{AnnouncementDetail, AnnouncementItem, AnnouncementList};

/// The year's announcements, each with the seats left (read a few at a time).
pub async fn list<S: Store>(app: &Services<S>, year: i32) -> Result<AnnouncementList, AppError> {
    let announcements = stream::iter(app.store.announcements(year).await?)
        .map(|(plan_id, announcement)| async move {
            let seats = app.store.seats(&plan_id).await?;
            Ok::<_, AppError>(AnnouncementItem {
                plan_id,
                announcement,
                seats_left: seats.map(|s| s.left()),
            })
        })
        .buffered(READS_AT_ONCE)
        .try_collect()
        .await?;
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
        segments: plan.plan.segments.iter().cloned().collect(),
        experiences: plan.plan.experiences,
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
    /// 开放环节 (进机关 / 进现场 / 进会议), from the filed plan.
    pub segments: Vec<String>,
    /// 体验环节, from the filed plan.
    pub experiences: Vec<String>,
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

/// Open days shown on one page of the list.
pub const PAGE_SIZE: usize = 20;

/// One page of the year's announced open days, and the jurisdictions to choose from.
pub struct OpenDays {
    pub days: Vec<OpenDay>,
    /// The page shown, from 1; never past the last.
    pub page: usize,
    /// How many pages there are (1 when there is nothing to show).
    pub pages: usize,
    /// The open days on all pages (of the 地区 chosen).
    pub total: usize,
    pub jurisdictions: Vec<Jurisdiction>,
}

/// The year's announced plans, soonest first, and the directory's jurisdictions: what the
/// list's pages are cut from, kept for a short while ([`crate::kept`]). A plan and its
/// announcement change no more once announced but by cancellation, which closes the
/// seats in the same write; the seats left are read for each page when it is shown.
struct AnnouncedYear {
    plans: Vec<(PlanRecord, Announcement)>,
    jurisdictions: Vec<Jurisdiction>,
}

async fn announced_year<S: Store>(app: &Services<S>, year: i32) -> Result<AnnouncedYear, AppError> {
    let announced = app.store.announcements(year).await?;
    let mut plans: Vec<(PlanRecord, Announcement)> = stream::iter(announced)
        .map(|(plan_id, a)| async move {
            Ok::<_, AppError>(app.store.plan(&plan_id).await?.map(|plan| (plan, a)))
        })
        .buffered(READS_AT_ONCE)
        .try_filter_map(|found| async move { Ok(found) })
        .try_collect()
        .await?;
    plans.sort_by_cached_key(|(_, a)| (a.start_date, a.name.to_string()));
    Ok(AnnouncedYear {
        plans,
        jurisdictions: app.store.jurisdictions().await?,
    })
}

/// One page (from 1; past the last, the last) of this year's announced open days,
/// soonest first, optionally of one 地区 (a jurisdiction id anywhere above the
/// implementer), and the jurisdictions to choose from.
pub async fn open_days<S: Store>(
    app: &Services<S>,
    year: i32,
    region: Option<&str>,
    page: usize,
) -> Result<OpenDays, AppError> {
    let kept = app
        .kept
        .get_or_compute(format!("open-days:{year}"), || announced_year(app, year))
        .await?;
    // A plan's path names every jurisdiction above it: `gx/gx-nn/`.
    let chosen: Vec<&(PlanRecord, Announcement)> = kept
        .plans
        .iter()
        .filter(|(plan, _)| region.is_none_or(|r| plan.org_path.split('/').any(|part| part == r)))
        .collect();
    let total = chosen.len();
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let page = page.clamp(1, pages);
    let shown: Vec<(PlanRecord, Announcement)> = chosen
        .into_iter()
        .skip((page - 1) * PAGE_SIZE)
        .take(PAGE_SIZE)
        .cloned()
        .collect();
    let days = stream::iter(shown)
        .map(|(plan, a)| describe(app, plan, a))
        .buffered(READS_AT_ONCE)
        .try_collect()
        .await?;
    Ok(OpenDays {
        days,
        page,
        pages,
        total,
        jurisdictions: kept.jurisdictions.clone(),
    })
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
    let segments = plan.plan.segments.iter().map(|s| s.text()).collect();
    let experiences = plan.plan.experiences.iter().map(|e| e.text()).collect();
    Ok(OpenDay {
        segments,
        experiences,
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
