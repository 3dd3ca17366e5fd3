//! What the use cases answer, as types. The JSON API returns them as they are, and the
//! OpenAPI document's response schemas are derived from the same types (feature `openapi`),
//! so the two cannot differ.

use chrono::{DateTime, NaiveDate, Utc};
use openday_rules::announcement::Announcement;
use openday_rules::compliance::Figures;
use openday_rules::feedback::{
    FeedbackCategory, FeedbackChannel, FeedbackResponse, Rating, ResponseItem,
};
use openday_rules::lifecycle::{HistoryEntry, PlanStatus, Version};
use openday_rules::org::Id;
use openday_rules::plan::{Channel, Plan};
use openday_rules::registration::{Category, Relation};
use openday_rules::report::AnnualReport;
use openday_rules::sweep::FindingKind;
use openday_store::records::{
    FeedbackRecord, FindingRecord, FindingStatus, PlanRecord, RegistrationRecord,
    RegistrationStatus, Seats,
};
use serde::Serialize;

/// A plan in a listing, and the answer to every change of a plan.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanSummary {
    pub id: String,
    pub status: PlanStatus,
    pub version: Version,
    pub name: String,
    pub org_id: Id,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    /// The version of its region's programme (工作方案) for its year that the plan was
    /// checked against; 0 is the shipped default. Its deadlines follow that version.
    pub programme_version: u32,
}

impl PlanSummary {
    /// The summary of `plan`, in the status it has today.
    pub fn of(plan: &PlanRecord, status: PlanStatus) -> Self {
        Self {
            id: plan.id.clone(),
            status,
            version: plan.version,
            name: plan.plan.name.to_string(),
            org_id: plan.org_id.clone(),
            start_date: plan.plan.period.start(),
            end_date: plan.plan.period.end(),
            programme_version: plan.programme_version,
        }
    }
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanList {
    pub year: i32,
    pub plans: Vec<PlanSummary>,
    /// Where the list goes on (give it back as `cursor`); `null` on the last page.
    pub next: Option<String>,
}

/// The event's seats: what is left is derived, never stored.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeatsView {
    pub capacity: u32,
    pub confirmed: u32,
    pub waitlisted: u32,
    pub left: u32,
}

impl From<Seats> for SeatsView {
    fn from(s: Seats) -> Self {
        Self {
            capacity: s.capacity,
            confirmed: s.confirmed,
            waitlisted: s.waitlisted,
            left: s.left(),
        }
    }
}

/// A plan with everything the agency and its office see about it.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanDetail {
    pub id: String,
    pub status: PlanStatus,
    pub version: Version,
    pub org_id: Id,
    pub plan: Plan,
    /// The version of its region's programme for its year that the plan was checked
    /// against (0: the shipped default).
    pub programme_version: u32,
    pub submitted_at: DateTime<Utc>,
    pub announced_on: Option<NaiveDate>,
    pub responded_on: Option<NaiveDate>,
    pub history: Vec<HistoryEntry>,
    pub findings: Vec<FindingRecord>,
    /// Leaders' titles that name no government post, for the reviewing office (R9).
    pub leader_notes: Vec<openday_rules::plan::LeaderNote>,
    pub announcement: Option<Announcement>,
    pub seats: Option<SeatsView>,
}

/// An announcement in the public listing.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnnouncementItem {
    pub plan_id: String,
    #[serde(flatten)]
    pub announcement: Announcement,
    pub seats_left: Option<u32>,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnnouncementList {
    pub year: i32,
    pub announcements: Vec<AnnouncementItem>,
}

/// One announcement with the event's status and seats.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnnouncementDetail {
    pub plan_id: String,
    #[serde(flatten)]
    pub announcement: Announcement,
    pub status: PlanStatus,
    pub seats_left: Option<u32>,
    pub waitlisted: Option<u32>,
    /// 开放环节 (进机关 / 进现场 / 进会议) of the filed plan.
    pub segments: Vec<openday_rules::plan::Segment>,
    /// 体验环节 of the filed plan.
    pub experiences: Vec<openday_rules::plan::Experience>,
}

/// A registration taken (201) or the one the same person already has (200).
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegistrationReceipt {
    /// The short registration code (报名编号).
    pub code: String,
    pub status: RegistrationStatus,
}

/// A verification code was sent.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SmsCodeSent {
    /// The phone, masked.
    pub phone: String,
    pub valid_seconds: i64,
    pub resend_after_seconds: i64,
}

/// A registration as its holder or the organiser sees it: personal data masked.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegistrationView {
    pub code: String,
    pub plan_id: String,
    pub name: String,
    /// Masked: `4501**********123X`.
    pub id_number: String,
    /// Masked: `138****8000`.
    pub phone: String,
    pub category: Category,
    pub relation: Relation,
    pub channel: Channel,
    pub status: RegistrationStatus,
    pub registered_at: DateTime<Utc>,
}

impl From<&RegistrationRecord> for RegistrationView {
    fn from(r: &RegistrationRecord) -> Self {
        Self {
            code: r.code.clone(),
            plan_id: r.plan_id.clone(),
            name: r.name.clone(),
            id_number: r.id_masked.clone(),
            phone: r.phone_masked.clone(),
            category: r.category,
            relation: r.relation,
            channel: r.channel,
            status: r.status,
            registered_at: r.registered_at,
        }
    }
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeedbackReceipt {
    pub id: String,
    pub channel: FeedbackChannel,
    pub category: FeedbackCategory,
}

/// Opinions from the room, recorded as feedback items.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoomOpinionsSaved {
    pub saved: usize,
    /// The new feedback items' ids, in the order given (lines first, then items).
    pub ids: Vec<String>,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EvaluationReceipt {
    pub id: String,
    pub rating: Rating,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeedbackList {
    pub plan_id: String,
    pub feedback: Vec<FeedbackRecord>,
    /// Where the list goes on (give it back as `cursor`); `null` on the last page.
    pub next: Option<String>,
}

/// Which page of a list: the `next` of the previous page, and how many (default 100, at
/// most 500).
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct PageQuery {
    pub cursor: Option<String>,
    pub limit: Option<openday_rules::text::NumberLike>,
}

/// The published adoption of a plan's feedback.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublishedResponse {
    pub plan_id: String,
    pub response: FeedbackResponse,
    /// The questionnaire's results in a few lines, when one was opened (问卷调查).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub questionnaire: Option<Vec<String>>,
}

/// The plan after its response was published, and the response.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResponsePublished {
    pub plan: PlanSummary,
    pub response: Option<FeedbackResponse>,
}

/// Draft answers saved: how many in this request, and how far the plan has got.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnswersSaved {
    pub plan_id: String,
    pub saved: usize,
    pub answered: usize,
    pub total: usize,
    pub unanswered: usize,
}

/// Every draft answer saved so far.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnswersDraft {
    pub plan_id: String,
    pub answered: usize,
    pub total: usize,
    pub unanswered: usize,
    pub answers: Vec<ResponseItem>,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportFiled {
    pub org_id: Id,
    pub report: AnnualReport,
    pub statistics: Figures,
}

/// A reporter's report as it starts: today's figures, and the filed report if there is one.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportStart {
    pub year: i32,
    pub figures: openday_rules::report::YearFigures,
    pub filed: Option<AnnualReport>,
}

/// A reporter's line in the roll-up: its report's state, and its figures (frozen in the
/// report once filed, as of today before).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReporterLine {
    pub org_id: String,
    pub name: String,
    pub state: openday_rules::compliance::ReportState,
    pub received_on: Option<NaiveDate>,
    pub figures: openday_rules::report::YearFigures,
    pub report: Option<AnnualReport>,
}

/// An area's line: the figures of every plan in that jurisdiction and below.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AreaLine {
    pub jurisdiction_id: String,
    pub name: String,
    /// 0 for the office's own jurisdiction, 1 for a city below it, 2 for a county.
    pub depth: usize,
    pub figures: openday_rules::report::YearFigures,
}

/// One area's open data: no organisation's or person's detail, only the year's counts.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AreaStatistics {
    pub jurisdiction_id: String,
    pub name: String,
    /// 0 for the region, 1 for a city, 2 for a county.
    pub depth: usize,
    /// Open days whose last day has passed.
    pub held: u32,
    /// Confirmed participants (registered online or recommended).
    pub participants: u32,
    /// Checked in at the door, where the agency checked people in.
    pub attended: u32,
    pub feedback: u32,
    /// Adopted or partly adopted, among the answered items.
    pub adoption_rate: Option<f64>,
}

/// The region's year as open data (政府信息公开).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Statistics {
    pub year: i32,
    pub areas: Vec<AreaStatistics>,
}

impl From<AreaLine> for AreaStatistics {
    fn from(a: AreaLine) -> Self {
        Self {
            jurisdiction_id: a.jurisdiction_id,
            name: a.name,
            depth: a.depth,
            held: a.figures.held,
            participants: a.figures.registered,
            attended: a.figures.attended,
            feedback: a.figures.feedback,
            adoption_rate: a.figures.adoption_rate,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rollup {
    pub year: i32,
    pub areas: Vec<AreaLine>,
    pub reporters: Vec<ReporterLine>,
}

/// A check-in at the door, with the event's live counts.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckedIn {
    pub code: String,
    pub name: String,
    pub status: RegistrationStatus,
    pub attended_at: DateTime<Utc>,
    pub confirmed: u32,
    pub attended: u32,
}

/// The event's counts at the door.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attendance {
    pub plan_id: String,
    pub confirmed: u32,
    pub attended: u32,
}

/// A finding in the compliance listing.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FindingView {
    pub key: String,
    pub kind: FindingKind,
    pub plan_id: Option<String>,
    pub org_id: Id,
    pub due_on: NaiveDate,
    pub status: FindingStatus,
}

impl From<FindingRecord> for FindingView {
    fn from(f: FindingRecord) -> Self {
        Self {
            key: f.key,
            kind: f.kind,
            plan_id: f.plan_id,
            org_id: f.org_id,
            due_on: f.due_on,
            status: f.status,
        }
    }
}

/// One organisation's figures in an office's view.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrgFigures {
    pub org_id: Id,
    pub name: String,
    pub figures: Figures,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Compliance {
    pub year: i32,
    pub org_id: Id,
    pub findings: Vec<FindingView>,
    pub figures: Figures,
    /// An office's view: every organisation of its jurisdiction and below.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organisations: Option<Vec<OrgFigures>>,
}

/// The programme (工作方案) in force for a region and year.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProgrammeInForce {
    pub region: Id,
    pub year: i32,
    /// The stored version in force; 0 when the region stored none for the year and the
    /// shipped default (the seed's work plan) applies.
    pub version: u32,
    pub shipped_default: bool,
    pub imported_at: Option<DateTime<Utc>>,
    pub imported_by: Option<Id>,
    /// The programme in its file form (what `POST /api/programmes` takes): every parameter
    /// with the clause it comes from.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub programme: openday_rules::Programme,
}

impl ProgrammeInForce {
    pub fn of(record: openday_store::records::ProgrammeRecord) -> Self {
        Self {
            region: record.programme.region.clone(),
            year: record.programme.year,
            version: record.version,
            shipped_default: record.version == 0,
            imported_at: record.imported_at,
            imported_by: record.imported_by,
            programme: record.programme,
        }
    }
}

/// A programme just stored.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProgrammeStored {
    pub region: Id,
    pub year: i32,
    pub version: u32,
}

impl ProgrammeStored {
    pub fn of(record: &openday_store::records::ProgrammeRecord) -> Self {
        Self {
            region: record.programme.region.clone(),
            year: record.programme.year,
            version: record.version,
        }
    }
}
