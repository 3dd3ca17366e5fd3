//! What an open-day event is made of, shared by the plan, the programme, the announcement,
//! registration, feedback and the sweeps: its format and dates, its capacity, the kinds of
//! its segments, interactions, experiences and registration channels.
//!
//! A leaf: it names none of the modules that use it, so that the programme (which judges
//! these values) and the plan (which holds them) do not import each other.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::calendar::days_between;
use crate::text::NumberLike;
use crate::violation::{Code, Violation, Violations};

/// A sanity bound on one event's capacity (the minimum is the programme's, R7).
pub const MAX_PARTICIPANTS: u32 = 10_000;

wire_enum! {
    /// R2, 二(一): 开放“日”, 开放“周” or 开放“月”.
    pub enum Format : "活动形式" {
        Day => "day", "开放日";
        Week => "week", "开放周";
        Month => "month", "开放月";
    }
}

wire_enum! {
    /// 二(六): 进机关, 进现场, 进会议.
    pub enum SegmentKind : "开放内容" {
        AgencyVisit => "agency_visit", "进机关";
        SiteVisit => "site_visit", "进现场";
        Meeting => "meeting", "进会议";
    }
}

wire_enum! {
    /// 二(六) 1–3: what is shown in each kind of segment; `other` needs a description.
    pub enum Subtype : "开放事项" {
        DocumentFlow => "document_flow", "办文流转";
        MeetingVenue => "meeting_venue", "办会场所";
        ServiceProcess => "service_process", "办事流程";
        MeetingOrganisation => "meeting_organisation", "会议组织";
        ProjectEvaluation => "project_evaluation", "项目评估";
        ProjectBidding => "project_bidding", "项目招标";
        Construction => "construction", "工程建设";
        SafetyEnforcement => "safety_enforcement", "安全生产执法";
        FoodSafetyEnforcement => "food_safety_enforcement", "食品安全执法";
        EcologyEnforcement => "ecology_enforcement", "生态保护执法";
        UrbanEnforcement => "urban_enforcement", "城市综合执法";
        Vaccination => "vaccination", "疫苗保管接种";
        ExamMarking => "exam_marking", "考试阅卷评分";
        SubsistenceReview => "subsistence_review", "低保评审";
        ServiceApproval => "service_approval", "政务服务审批";
        ExecutiveMeeting => "executive_meeting", "常务会";
        BureauMeeting => "bureau_meeting", "局务会";
        FeasibilityMeeting => "feasibility_meeting", "论证会";
        ReviewMeeting => "review_meeting", "评审会";
        Other => "other", "其他";
    }
}

impl Subtype {
    /// The segment kind this subtype belongs to; `None` for `other`, which fits every kind.
    pub fn kind(self) -> Option<SegmentKind> {
        use Subtype::*;
        match self {
            DocumentFlow | MeetingVenue | ServiceProcess | MeetingOrganisation => {
                Some(SegmentKind::AgencyVisit)
            }
            ProjectEvaluation
            | ProjectBidding
            | Construction
            | SafetyEnforcement
            | FoodSafetyEnforcement
            | EcologyEnforcement
            | UrbanEnforcement
            | Vaccination
            | ExamMarking
            | SubsistenceReview
            | ServiceApproval => Some(SegmentKind::SiteVisit),
            ExecutiveMeeting | BureauMeeting | FeasibilityMeeting | ReviewMeeting => {
                Some(SegmentKind::Meeting)
            }
            Other => None,
        }
    }
}

wire_enum! {
    /// R10, 二(六): the required interactive part, at least one of them.
    pub enum Interaction : "互动环节" {
        QaSession => "qa_session", "座谈问答";
        Questionnaire => "questionnaire", "问卷调查";
    }
}

wire_enum! {
    /// 二(六): optional experience sessions.
    pub enum ExperienceKind : "体验环节" {
        DocumentStamping => "document_stamping", "公文盖章";
        PetitionReception => "petition_reception", "信访接待";
        WindowService => "window_service", "窗口服务";
        Other => "other", "其他";
    }
}

wire_enum! {
    /// R7, 二(五): where participants come from.
    pub enum Channel : "报名渠道" {
        Online => "online", "线上报名";
        OfflineRecommendation => "offline_recommendation", "线下推荐";
    }
}

/// The event's dates in the plan year, `start <= end`. Whether they lie in the open period
/// and fit the format (R1, R2) is the programme's check, [`Programme::check_period`](crate::programme::Programme::check_period).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpenPeriod {
    format: Format,
    #[serde(rename = "start_date")]
    start: NaiveDate,
    #[serde(rename = "end_date")]
    end: NaiveDate,
}

impl OpenPeriod {
    /// Dates that can be an event of `year` at all: in that year, the end not before the
    /// start. `year` is the plan year.
    pub fn new(
        year: i32,
        format: Format,
        start: NaiveDate,
        end: NaiveDate,
    ) -> Result<Self, Violations> {
        let mut vs = Violations::new();
        if end < start {
            vs.push(
                Violation::new(Code::ValidationFailed, "结束日期不能早于开始日期").at("end_date"),
            );
            return Err(vs);
        }
        for (field, day) in [("start_date", start), ("end_date", end)] {
            if day.year() != year {
                vs.push(
                    Violation::new(Code::OutsideOpenPeriod, format!("活动日期应在{year}年内"))
                        .at(field),
                );
            }
        }
        vs.finish(|| Self { format, start, end })
    }

    pub fn format(&self) -> Format {
        self.format
    }
    /// The first event day.
    pub fn start(&self) -> NaiveDate {
        self.start
    }
    /// The last event day.
    pub fn end(&self) -> NaiveDate {
        self.end
    }
    pub fn year(&self) -> i32 {
        self.start.year()
    }
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.start <= day && day <= self.end
    }
    /// How many calendar days the event spans (1 for a one-day event).
    pub fn span_days(&self) -> i64 {
        days_between(self.start, self.end) + 1
    }
}

/// The planned number of participants: a whole number from 1 to [`MAX_PARTICIPANTS`]; the
/// programme's minimum (R7) is checked by [`Programme::check_capacity`](crate::programme::Programme::check_capacity).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "u32", try_from = "i64")]
pub struct Capacity(u32);

impl TryFrom<i64> for Capacity {
    type Error = String;
    fn try_from(n: i64) -> Result<Self, String> {
        Capacity::parse("capacity", Some(&NumberLike::Text(n.to_string()))).map_err(|v| v.message)
    }
}

impl From<Capacity> for u32 {
    fn from(c: Capacity) -> u32 {
        c.0
    }
}

impl Capacity {
    pub fn parse(field: &str, raw: Option<&NumberLike>) -> Result<Self, Violation> {
        let n = raw.and_then(NumberLike::as_integer).ok_or_else(|| {
            Violation::new(Code::ValidationFailed, "请填写参加人数（整数）").at(field)
        })?;
        if n < 1 {
            return Err(Violation::new(
                Code::ParticipantsBelowMinimum,
                format!("参加人数应为正整数，现为{n}人"),
            )
            .at(field));
        }
        if n > i64::from(MAX_PARTICIPANTS) {
            return Err(Violation::new(
                Code::ValidationFailed,
                format!("参加人数不能超过{MAX_PARTICIPANTS}人"),
            )
            .at(field));
        }
        Ok(Self(n as u32))
    }

    pub fn get(self) -> u32 {
        self.0
    }
}
