//! The implementation plan (实施方案) and its validation: R1, R2, R7, R9, R10, R11.
//!
//! [`PlanDraft`] is what arrives (JSON or a form); [`Plan::parse`] turns it into a [`Plan`]
//! or returns every violation at once.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize, Serializer};

use crate::calendar::parse_day;
use crate::naming::PlanName;
use crate::org::Organisation;
use crate::phone::Phone;
use crate::programme::Programme;
use crate::text::{BoolLike, LineText, LongText, NumberLike, ShortText, ticked};
use crate::violation::{Code, Violation, Violations};
use crate::wire::WireEnum;

// The event's own types live in `crate::event`, which the programme reads too; they stay
// reachable here, where they always were.
pub use crate::event::{
    Capacity, Channel, ExperienceKind, Format, Interaction, MAX_PARTICIPANTS, OpenPeriod,
    SegmentKind, Subtype,
};

/// One part of the programme: its kind, what is shown, and a description (required for `other`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Segment {
    kind: SegmentKind,
    subtype: Subtype,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<LongText>,
}

impl Segment {
    fn parse(i: usize, draft: &SegmentDraft) -> Result<Self, Violations> {
        let f = |name: &str| format!("segments[{i}].{name}");
        let mut vs = Violations::new();
        let kind = vs.take(SegmentKind::parse(
            &f("kind"),
            draft.kind.as_deref().unwrap_or(""),
        ));
        let subtype = vs.take(Subtype::parse(
            &f("subtype"),
            draft.subtype.as_deref().unwrap_or(""),
        ));
        if let (Some(kind), Some(subtype)) = (kind, subtype)
            && subtype.kind().is_some_and(|k| k != kind)
        {
            vs.push(
                Violation::new(
                    Code::ValidationFailed,
                    format!("“{}”不属于“{}”", subtype.label(), kind.label()),
                )
                .at(f("subtype")),
            );
        }
        let description = optional_text(&mut vs, &f("description"), "环节说明", &draft.description);
        if subtype == Some(Subtype::Other) && description.is_none() {
            vs.push(
                Violation::new(Code::ValidationFailed, "开放事项为“其他”时请填写说明")
                    .at(f("description")),
            );
        }
        vs.finish_with(|| {
            Some(Segment {
                kind: kind?,
                subtype: subtype?,
                description,
            })
        })
    }

    pub fn kind(&self) -> SegmentKind {
        self.kind
    }
    pub fn subtype(&self) -> Subtype {
        self.subtype
    }
    pub fn description(&self) -> Option<&LongText> {
        self.description.as_ref()
    }
}

/// An experience session (体验环节), with a description when it is `other`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Experience {
    kind: ExperienceKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<LongText>,
}

impl Experience {
    pub fn kind(&self) -> ExperienceKind {
        self.kind
    }
}

/// A leader invited to attend; R9 admits only government leaders.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Leader {
    pub name: ShortText,
    pub title: ShortText,
}

/// Words in a title that mark a leader of a people's congress or a political consultative
/// conference, who 二(三) says are not invited.
const NON_GOVERNMENT_TITLES: [&str; 4] = ["人大", "政协", "人民代表大会", "政治协商"];

/// Programme parts, never empty (R10).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Segments(Vec<Segment>);

impl Segments {
    pub fn iter(&self) -> std::slice::Iter<'_, Segment> {
        self.0.iter()
    }
}

/// A non-empty set of wire enum values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct OneOrMore<T: Ord>(BTreeSet<T>);

impl<T: Ord + Copy> OneOrMore<T> {
    pub fn contains(&self, value: T) -> bool {
        self.0.contains(&value)
    }
    pub fn iter(&self) -> impl Iterator<Item = T> + '_ {
        self.0.iter().copied()
    }
}

/// A valid plan. Its year is the year of its dates.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "PlanDraft")]
pub struct Plan {
    pub name: PlanName,
    pub theme: LineText,
    pub period: OpenPeriod,
    pub segments: Segments,
    pub interactions: OneOrMore<Interaction>,
    pub experiences: Vec<Experience>,
    pub capacity: Capacity,
    pub channels: OneOrMore<Channel>,
    pub leaders: Vec<Leader>,
    pub venue: LineText,
    pub livestream: Option<LineText>,
    pub contact_name: ShortText,
    pub contact_phone: Phone,
}

/// The wire form of a plan: the same shape [`PlanDraft`] reads back.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub(crate) struct PlanWire<'a> {
    year: i32,
    name: &'a PlanName,
    theme: &'a LineText,
    #[serde(flatten)]
    period: &'a OpenPeriod,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Segment>, min_items = 1))]
    segments: &'a Segments,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Interaction>, min_items = 1))]
    interactions: &'a OneOrMore<Interaction>,
    experiences: &'a [Experience],
    capacity: Capacity,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Channel>, min_items = 1))]
    channels: &'a OneOrMore<Channel>,
    leaders: &'a [Leader],
    venue: &'a LineText,
    #[serde(skip_serializing_if = "Option::is_none")]
    livestream: Option<&'a LineText>,
    contact_name: &'a ShortText,
    /// An official contact number is public: written in full.
    contact_phone: String,
    no_deputy_inspection_overlap: bool,
}

impl Serialize for Plan {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        PlanWire {
            year: self.year(),
            name: &self.name,
            theme: &self.theme,
            period: &self.period,
            segments: &self.segments,
            interactions: &self.interactions,
            experiences: &self.experiences,
            capacity: self.capacity,
            channels: &self.channels,
            leaders: &self.leaders,
            venue: &self.venue,
            livestream: self.livestream.as_ref(),
            contact_name: &self.contact_name,
            contact_phone: self.contact_phone.expose(),
            // A valid plan has made this declaration (R9).
            no_deputy_inspection_overlap: true,
        }
        .serialize(s)
    }
}

/// An official contact number is public; it is published in full.
pub(crate) fn phone_in_full<S: Serializer>(phone: &Phone, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&phone.expose())
}

impl Serialize for Leader {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Leader", 3)?;
        st.serialize_field("name", &self.name)?;
        st.serialize_field("title", &self.title)?;
        st.serialize_field("government_leader", &true)?;
        st.end()
    }
}

impl Plan {
    pub fn year(&self) -> i32 {
        self.period.year()
    }

    /// Checks every content rule of `programme` and returns every violation at once.
    pub fn parse(draft: &PlanDraft, programme: &Programme) -> Result<Plan, Violations> {
        Self::parse_with(draft, Some(programme))
    }

    /// Reads a plan that was checked when it was submitted (its stored or wire form): the
    /// shapes only, never the programme's rules, so a later programme does not re-judge it.
    pub fn read(draft: &PlanDraft) -> Result<Plan, Violations> {
        Self::parse_with(draft, None)
    }

    fn parse_with(draft: &PlanDraft, programme: Option<&Programme>) -> Result<Plan, Violations> {
        let mut vs = Violations::new();
        let year = match draft.year.as_ref().and_then(NumberLike::as_integer) {
            Some(y) if (2000..=2100).contains(&y) => Some(y as i32),
            _ => {
                vs.push(Violation::new(Code::ValidationFailed, "请填写年度（如 2026）").at("year"));
                None
            }
        };
        let raw_name = draft.name.as_deref().unwrap_or("");
        let name = vs.take(match programme {
            Some(p) => PlanName::parse("name", raw_name, &p.naming.proper_noun),
            None => PlanName::read("name", raw_name),
        });
        let theme = vs.take(LineText::parse_required(
            "theme",
            "开放主题",
            draft.theme.as_deref(),
        ));
        let format = vs.take(Format::parse(
            "format",
            draft.format.as_deref().unwrap_or(""),
        ));
        let start = vs.take(parse_day(
            "start_date",
            draft.start_date.as_deref().unwrap_or(""),
        ));
        let end = vs.take(parse_day(
            "end_date",
            draft.end_date.as_deref().unwrap_or(""),
        ));
        let period = match (year, format, start, end) {
            (Some(y), Some(f), Some(s), Some(e)) => vs.take_all(OpenPeriod::new(y, f, s, e)),
            _ => None,
        };
        if let (Some(p), Some(period)) = (programme, &period) {
            vs.take_all(p.check_period(period));
        }
        let segments = vs.take_all(parse_segments(draft.segments.as_deref()));
        let interactions = vs.take_all(one_or_more(
            "interactions",
            draft.interactions.as_deref(),
            Violation::new(
                Code::InteractionRequired,
                "须设置座谈问答（qa_session）或问卷调查（questionnaire）环节",
            ),
        ));
        let experiences = vs.take_all(parse_experiences(
            draft.experiences.as_deref().unwrap_or(&[]),
        ));
        let mut capacity = vs.take(Capacity::parse("capacity", draft.capacity.as_ref()));
        if let (Some(p), Some(c)) = (programme, capacity) {
            capacity = vs.take(p.check_capacity("capacity", c).map(|()| c));
        }
        let channels = vs.take_all(one_or_more(
            "channels",
            draft.channels.as_deref(),
            Violation::new(
                Code::ValidationFailed,
                "请选择参与人员的产生方式：线上报名（online）和/或线下推荐（offline_recommendation）",
            ),
        ));
        let leaders = vs.take_all(parse_leaders(draft.leaders.as_deref().unwrap_or(&[])));
        if draft.leaders.as_deref().unwrap_or(&[]).is_empty() {
            // R6 asks the announcement to state the attending leaders, and a filed plan can
            // no longer change: so the plan must name them.
            vs.push(
                Violation::new(
                    Code::AnnouncementIncomplete,
                    "活动公告须写明参加领导：请至少填写一位出席活动的政府领导",
                )
                .at("leaders"),
            );
        }
        let venue = vs.take(LineText::parse_required(
            "venue",
            "活动地点",
            draft.venue.as_deref(),
        ));
        let livestream = optional_text(&mut vs, "livestream", "网络直播", &draft.livestream);
        let contact_name = vs.take(ShortText::parse_required(
            "contact_name",
            "联系人",
            draft.contact_name.as_deref(),
        ));
        let contact_phone = vs.take(Phone::parse(
            "contact_phone",
            draft.contact_phone.as_deref().unwrap_or(""),
        ));
        if !ticked(&draft.no_deputy_inspection_overlap) {
            vs.push(
                Violation::new(
                    Code::ValidationFailed,
                    "请确认活动不与人大代表、政协委员视察评议政府等活动重叠开展",
                )
                .at("no_deputy_inspection_overlap"),
            );
        }
        vs.finish_with(|| {
            Some(Plan {
                name: name?,
                theme: theme?,
                period: period?,
                segments: segments?,
                interactions: interactions?,
                experiences: experiences?,
                capacity: capacity?,
                channels: channels?,
                leaders: leaders?,
                venue: venue?,
                livestream,
                contact_name: contact_name?,
                contact_phone: contact_phone?,
            })
        })
    }
}

/// Submission: the content rules of `programme` and R3 on the implementer, every violation
/// at once.
pub fn check_submission(
    draft: &PlanDraft,
    implementer: &Organisation,
    programme: &Programme,
) -> Result<Plan, Violations> {
    let mut vs = Violations::new();
    vs.take(
        programme
            .check_implementer(implementer)
            .map_err(|v| v.at("implementer")),
    );
    let plan = vs.take_all(Plan::parse(draft, programme));
    // A well-formed name must still be the submitter's own, whatever else is wrong.
    let noun = &programme.naming.proper_noun;
    if let Ok(name) = PlanName::parse("name", draft.name.as_deref().unwrap_or(""), noun) {
        vs.take(name.check_names("name", implementer.name.as_str()));
    }
    vs.finish_with(|| plan)
}

impl TryFrom<PlanDraft> for Plan {
    type Error = Violations;
    fn try_from(draft: PlanDraft) -> Result<Self, Violations> {
        Plan::read(&draft)
    }
}

fn optional_text<const MAX: usize>(
    vs: &mut Violations,
    field: &str,
    what: &str,
    raw: &Option<String>,
) -> Option<crate::text::Text<MAX>> {
    match raw.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(v) => vs.take(crate::text::Text::parse(field, what, v)),
    }
}

fn parse_segments(drafts: Option<&[SegmentDraft]>) -> Result<Segments, Violations> {
    let drafts = drafts.unwrap_or(&[]);
    if drafts.is_empty() {
        return Err(Violation::new(
            Code::InteractionRequired,
            "须至少包含进机关（agency_visit）、进现场（site_visit）、进会议（meeting）中的一项",
        )
        .at("segments")
        .into());
    }
    let mut vs = Violations::new();
    let segments: Vec<Segment> = drafts
        .iter()
        .enumerate()
        .filter_map(|(i, d)| vs.take_all(Segment::parse(i, d)))
        .collect();
    vs.finish(|| Segments(segments))
}

fn one_or_more<T: WireEnum + Ord>(
    field: &str,
    raw: Option<&[String]>,
    when_empty: Violation,
) -> Result<OneOrMore<T>, Violations> {
    let raw = raw.unwrap_or(&[]);
    let mut vs = Violations::new();
    let values: BTreeSet<T> = raw
        .iter()
        .enumerate()
        .filter_map(|(i, r)| vs.take(T::parse(&format!("{field}[{i}]"), r)))
        .collect();
    if raw.is_empty() {
        vs.push(when_empty.at(field));
    }
    vs.finish(|| OneOrMore(values))
}

fn parse_experiences(drafts: &[ExperienceDraft]) -> Result<Vec<Experience>, Violations> {
    let mut vs = Violations::new();
    let mut out = Vec::new();
    for (i, d) in drafts.iter().enumerate() {
        let (kind, description) = match d {
            ExperienceDraft::Plain(kind) => (kind.as_str(), None),
            ExperienceDraft::Detailed { kind, description } => {
                (kind.as_deref().unwrap_or(""), description.clone())
            }
        };
        let field = format!("experiences[{i}]");
        let kind = vs.take(ExperienceKind::parse(&field, kind));
        let description = optional_text(
            &mut vs,
            &format!("{field}.description"),
            "体验环节说明",
            &description,
        );
        if kind == Some(ExperienceKind::Other) && description.is_none() {
            vs.push(
                Violation::new(Code::ValidationFailed, "体验环节为“其他”时请填写说明")
                    .at(format!("{field}.description")),
            );
        }
        if let Some(kind) = kind {
            out.push(Experience { kind, description });
        }
    }
    vs.finish(|| out)
}

fn parse_leaders(drafts: &[LeaderDraft]) -> Result<Vec<Leader>, Violations> {
    let mut vs = Violations::new();
    let mut out = Vec::new();
    for (i, d) in drafts.iter().enumerate() {
        let f = |name: &str| format!("leaders[{i}].{name}");
        let name = vs.take(ShortText::parse_required(
            &f("name"),
            "领导姓名",
            d.name.as_deref(),
        ));
        let title = vs.take(ShortText::parse_required(
            &f("title"),
            "领导职务",
            d.title.as_deref(),
        ));
        let non_government_title = title
            .as_ref()
            .is_some_and(|t| NON_GOVERNMENT_TITLES.iter().any(|w| t.as_str().contains(w)));
        if !ticked(&d.government_leader) || non_government_title {
            vs.push(
                Violation::new(
                    Code::LeaderNotAllowed,
                    format!(
                        "不邀请政府领导以外的其他领导参加或出席：{}",
                        title.as_ref().map_or("该领导", |t| t.as_str())
                    ),
                )
                .at(f("government_leader")),
            );
        }
        if let (Some(name), Some(title)) = (name, title) {
            out.push(Leader { name, title });
        }
    }
    vs.finish(|| out)
}

/// The plan body as it arrives. Every field is optional here so that a missing one is
/// reported with the others instead of failing the whole body.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanDraft {
    pub year: Option<NumberLike>,
    pub name: Option<String>,
    pub theme: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Format>))]
    pub format: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<chrono::NaiveDate>))]
    pub start_date: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<chrono::NaiveDate>))]
    pub end_date: Option<String>,
    pub segments: Option<Vec<SegmentDraft>>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<Interaction>>))]
    pub interactions: Option<Vec<String>>,
    pub experiences: Option<Vec<ExperienceDraft>>,
    pub capacity: Option<NumberLike>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<Channel>>))]
    pub channels: Option<Vec<String>>,
    pub leaders: Option<Vec<LeaderDraft>>,
    pub venue: Option<String>,
    pub livestream: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub no_deputy_inspection_overlap: Option<BoolLike>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SegmentDraft {
    #[cfg_attr(feature = "openapi", schema(value_type = Option<SegmentKind>))]
    pub kind: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Subtype>))]
    pub subtype: Option<String>,
    pub description: Option<String>,
}

/// `"window_service"` or `{"kind":"other","description":"…"}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ExperienceDraft {
    Plain(String),
    Detailed {
        #[cfg_attr(feature = "openapi", schema(value_type = Option<ExperienceKind>))]
        kind: Option<String>,
        description: Option<String>,
    },
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeaderDraft {
    pub name: Option<String>,
    pub title: Option<String>,
    pub government_leader: Option<BoolLike>,
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::calendar::{day, days_after, days_before};
    use crate::org::tests::org;
    use crate::programme::tests::both as programmes;
    use chrono::NaiveDate;
    use serde_json::{Value, json};

    /// A complete, valid plan body for a one-week event starting September 20.
    pub(crate) fn valid_body() -> Value {
        json!({
            "year": 2026,
            "name": "南宁市交通运输局“政府开放日”",
            "theme": "走进公交调度中心",
            "format": "week",
            "start_date": "2026-09-20",
            "end_date": "2026-09-26",
            "segments": [
                {"kind": "agency_visit", "subtype": "service_process"},
                {"kind": "site_visit", "subtype": "construction", "description": "地铁5号线工地"},
                {"kind": "meeting", "subtype": "other", "description": "公交线网优化听证"}
            ],
            "interactions": ["qa_session"],
            "experiences": ["window_service", {"kind": "other", "description": "调度台体验"}],
            "capacity": 30,
            "channels": ["online", "offline_recommendation"],
            "leaders": [{"name": "李明", "title": "副局长", "government_leader": true}],
            "venue": "南宁市青秀区民族大道1号",
            "contact_name": "王芳",
            "contact_phone": "0771-5551234",
            "no_deputy_inspection_overlap": true
        })
    }

    /// The valid body with `changes`, checked against the seed's programme.
    pub(crate) fn plan_with(changes: Value) -> Result<Plan, Violations> {
        plan_in(&Programme::shipped(), changes)
    }

    /// The valid body with `changes`, checked against `programme`.
    pub(crate) fn plan_in(programme: &Programme, changes: Value) -> Result<Plan, Violations> {
        let mut body = valid_body();
        for (k, v) in changes.as_object().unwrap() {
            body[k] = v.clone();
        }
        let draft: PlanDraft = serde_json::from_value(body).unwrap();
        Plan::parse(&draft, programme)
    }

    /// One day of the event's year, as JSON.
    fn d(day: NaiveDate) -> Value {
        json!(day.format("%Y-%m-%d").to_string())
    }

    pub(crate) fn valid_plan() -> Plan {
        plan_with(json!({})).unwrap()
    }

    fn only_code(result: Result<Plan, Violations>) -> (Code, Option<String>) {
        let err = result.unwrap_err();
        assert_eq!(err.len(), 1, "{err:?}");
        let v = err.first().unwrap();
        (v.code, v.field.clone())
    }

    #[test]
    fn a_complete_plan_parses() {
        let plan = valid_plan();
        assert_eq!(plan.year(), 2026);
        assert_eq!(plan.period.start(), day("2026-09-20"));
        assert_eq!(plan.capacity.get(), 30);
        assert_eq!(plan.name.to_string(), "南宁市交通运输局“政府开放日”");
    }

    #[test]
    fn a_plan_round_trips_through_its_wire_form() {
        let plan = valid_plan();
        let wire = serde_json::to_value(&plan).unwrap();
        assert_eq!(wire["contact_phone"], "0771-5551234");
        assert_eq!(wire["start_date"], "2026-09-20");
        let again: Plan = serde_json::from_value(wire).unwrap();
        assert_eq!(again, plan);
    }

    #[test]
    fn an_empty_body_reports_every_missing_field_at_once() {
        let err = Plan::parse(&PlanDraft::default(), &Programme::shipped()).unwrap_err();
        let fields: BTreeSet<&str> = err.iter().filter_map(|v| v.field.as_deref()).collect();
        for f in [
            "year",
            "name",
            "theme",
            "format",
            "start_date",
            "end_date",
            "segments",
            "interactions",
            "capacity",
            "channels",
            "leaders",
            "venue",
            "contact_name",
            "contact_phone",
            "no_deputy_inspection_overlap",
        ] {
            assert!(fields.contains(f), "{f} not reported: {fields:?}");
        }
        assert!(err.has(Code::InteractionRequired));
    }

    #[test]
    fn several_broken_rules_come_back_together() {
        let err = plan_with(json!({
            "name": "警务开放日",
            "capacity": 24,
            "interactions": [],
            "start_date": "2026-08-31",
            "leaders": [{"name":"张三","title":"人大常委会副主任","government_leader":true}]
        }))
        .unwrap_err();
        let codes = err.codes();
        for c in [
            Code::NameNotAllowed,
            Code::ParticipantsBelowMinimum,
            Code::InteractionRequired,
            Code::OutsideOpenPeriod,
            Code::LeaderNotAllowed,
        ] {
            assert!(codes.contains(&c), "{c} missing from {codes:?}");
        }
    }

    #[test]
    fn r1_an_event_on_the_last_day_of_the_open_period_is_accepted() {
        for p in programmes() {
            let (first, last) = p.open_season();
            for day in [first, last] {
                let plan = plan_in(
                    &p,
                    json!({"format":"day","start_date":d(day),"end_date":d(day)}),
                )
                .unwrap();
                assert_eq!(plan.period.end(), day);
            }
        }
    }

    #[test]
    fn r1_an_event_ending_after_the_open_period_is_refused() {
        for p in programmes() {
            let after = days_after(p.open_season().1, 1);
            let (code, field) = only_code(plan_in(
                &p,
                json!({"start_date":d(days_before(after, 5)),"end_date":d(after)}),
            ));
            assert_eq!(
                (code, field.as_deref()),
                (Code::OutsideOpenPeriod, Some("end_date")),
                "{after}"
            );
        }
    }

    #[test]
    fn r1_an_event_starting_before_the_open_period_is_refused() {
        for p in programmes() {
            let before = days_before(p.open_season().0, 1);
            let err = plan_in(
                &p,
                json!({"format":"day","start_date":d(before),"end_date":d(before)}),
            )
            .unwrap_err();
            // Both dates are outside: the start comes first.
            let v = err.first().unwrap();
            assert_eq!(
                (v.code, v.field.as_deref()),
                (Code::OutsideOpenPeriod, Some("start_date"))
            );
        }
    }

    #[test]
    fn r1_the_dates_must_lie_in_the_plan_year() {
        let err = plan_with(json!({"year": 2027})).unwrap_err();
        assert!(err.has(Code::OutsideOpenPeriod));
    }

    #[test]
    fn r2_the_span_must_fit_the_format() {
        for p in programmes() {
            let first = p.open_season().0;
            for format in Format::ALL {
                let longest = p.max_days(*format) as u64;
                let ok = json!({"format":format.wire(),"start_date":d(first),
                    "end_date":d(days_after(first, longest - 1))});
                assert!(plan_in(&p, ok).is_ok(), "{format} of {longest} days");
                let (code, _) = only_code(plan_in(
                    &p,
                    json!({"format":format.wire(),"start_date":d(first),
                        "end_date":d(days_after(first, longest))}),
                ));
                assert_eq!(
                    code,
                    Code::FormatMismatch,
                    "{format} of {} days",
                    longest + 1
                );
            }
        }
        let (code, _) = only_code(plan_with(json!({"format":"fortnight"})));
        assert_eq!(code, Code::ValidationFailed);
    }

    #[test]
    fn an_end_before_the_start_is_malformed() {
        let (code, field) = only_code(plan_with(
            json!({"start_date":"2026-09-20","end_date":"2026-09-19"}),
        ));
        assert_eq!(
            (code, field.as_deref()),
            (Code::ValidationFailed, Some("end_date"))
        );
    }

    #[test]
    fn r7_the_minimum_passes_and_one_fewer_fails() {
        for p in programmes() {
            let min = p.participants.minimum;
            assert_eq!(
                plan_in(&p, json!({"capacity": min}))
                    .unwrap()
                    .capacity
                    .get(),
                min
            );
            assert_eq!(
                plan_in(&p, json!({"capacity": min.to_string()}))
                    .unwrap()
                    .capacity
                    .get(),
                min
            );
            let (code, field) = only_code(plan_in(&p, json!({"capacity": min - 1})));
            assert_eq!(
                (code, field.as_deref()),
                (Code::ParticipantsBelowMinimum, Some("capacity"))
            );
        }
        let (code, _) = only_code(plan_with(json!({"capacity": 10_001})));
        assert_eq!(code, Code::ValidationFailed);
        let (code, _) = only_code(plan_with(json!({"capacity": 25.5})));
        assert_eq!(code, Code::ValidationFailed);
    }

    #[test]
    fn a_stored_plan_is_read_without_the_programme() {
        // Checked against the seed (25 minimum, October 31) and stored; the example
        // programme (30 minimum, October 15) would refuse it, yet reading it back does not.
        let plan = plan_with(json!({"capacity": 25, "format": "day",
            "start_date": "2026-10-20", "end_date": "2026-10-20"}))
        .unwrap();
        let example = Programme::example().for_region_year(&plan_region(), 2026);
        assert!(example.check_period(&plan.period).is_err());
        let again: Plan = serde_json::from_value(serde_json::to_value(&plan).unwrap()).unwrap();
        assert_eq!(again, plan);
    }

    fn plan_region() -> crate::org::Id {
        crate::org::Id::parse("region", "gx").unwrap()
    }

    #[test]
    fn r7_participants_come_from_online_or_offline_channels() {
        let (code, field) = only_code(plan_with(json!({"channels": []})));
        assert_eq!(
            (code, field.as_deref()),
            (Code::ValidationFailed, Some("channels"))
        );
        let (code, field) = only_code(plan_with(json!({"channels": ["phone"]})));
        assert_eq!(
            (code, field.as_deref()),
            (Code::ValidationFailed, Some("channels[0]"))
        );
        let plan = plan_with(json!({"channels": ["offline_recommendation"]})).unwrap();
        assert!(!plan.channels.contains(Channel::Online));
    }

    #[test]
    fn r9_only_government_leaders_attend() {
        let (code, field) = only_code(plan_with(
            json!({"leaders":[{"name":"张三","title":"主任","government_leader":false}]}),
        ));
        assert_eq!(
            (code, field.as_deref()),
            (Code::LeaderNotAllowed, Some("leaders[0].government_leader"))
        );
        for title in ["市人大常委会副主任", "区政协副主席"] {
            let (code, _) = only_code(plan_with(
                json!({"leaders":[{"name":"张三","title":title,"government_leader":true}]}),
            ));
            assert_eq!(code, Code::LeaderNotAllowed, "{title}");
        }
        assert!(
            plan_with(
                json!({"leaders":[{"name":"张三","title":"副市长","government_leader":"on"}]})
            )
            .is_ok()
        );
    }

    #[test]
    fn r6_the_plan_names_the_attending_leaders() {
        let (code, field) = only_code(plan_with(json!({"leaders": []})));
        assert_eq!(
            (code, field.as_deref()),
            (Code::AnnouncementIncomplete, Some("leaders"))
        );
    }

    #[test]
    fn r9_the_plan_declares_no_overlap_with_deputy_inspections() {
        for value in [json!(false), Value::Null, json!("off")] {
            let (code, field) =
                only_code(plan_with(json!({"no_deputy_inspection_overlap": value})));
            assert_eq!(
                (code, field.as_deref()),
                (Code::ValidationFailed, Some("no_deputy_inspection_overlap"))
            );
        }
    }

    #[test]
    fn r10_a_segment_and_a_qa_or_questionnaire_are_required() {
        let (code, field) = only_code(plan_with(json!({"segments": []})));
        assert_eq!(
            (code, field.as_deref()),
            (Code::InteractionRequired, Some("segments"))
        );
        let (code, field) = only_code(plan_with(json!({"interactions": []})));
        assert_eq!(
            (code, field.as_deref()),
            (Code::InteractionRequired, Some("interactions"))
        );
        assert!(plan_with(json!({"interactions": ["questionnaire"], "experiences": []})).is_ok());
    }

    #[test]
    fn r10_subtypes_belong_to_their_segment_kind_and_other_needs_a_description() {
        let (code, field) = only_code(plan_with(
            json!({"segments":[{"kind":"meeting","subtype":"vaccination"}]}),
        ));
        assert_eq!(
            (code, field.as_deref()),
            (Code::ValidationFailed, Some("segments[0].subtype"))
        );
        let (code, field) = only_code(plan_with(
            json!({"segments":[{"kind":"site_visit","subtype":"other"}]}),
        ));
        assert_eq!(
            (code, field.as_deref()),
            (Code::ValidationFailed, Some("segments[0].description"))
        );
        let (_, field) = only_code(plan_with(json!({"experiences":[{"kind":"other"}]})));
        assert_eq!(field.as_deref(), Some("experiences[0].description"));
        for s in Subtype::ALL {
            let kind = s.kind().unwrap_or(SegmentKind::Meeting);
            let body =
                json!({"segments":[{"kind":kind.wire(),"subtype":s.wire(),"description":"说明"}]});
            assert!(plan_with(body).is_ok(), "{s}");
        }
    }

    #[test]
    fn r11_the_plan_name_must_be_the_proper_noun() {
        for p in programmes() {
            let (code, field) = only_code(plan_in(&p, json!({"name": "南宁市公安局“警务开放日”"})));
            assert_eq!(
                (code, field.as_deref()),
                (Code::NameNotAllowed, Some("name"))
            );
        }
        // Another region's proper noun is that region's rule.
        let mut raw: Value = serde_json::from_str(crate::programme::SHIPPED).unwrap();
        raw["naming"]["proper_noun"] = "政务开放日".into();
        let other = Programme::parse(&raw).unwrap();
        let plan = plan_in(&other, json!({"name": "南宁市交通运输局“政务开放日”"})).unwrap();
        assert_eq!(plan.name.to_string(), "南宁市交通运输局“政务开放日”");
        let (code, _) = only_code(plan_in(&other, json!({})));
        assert_eq!(code, Code::NameNotAllowed);
    }

    #[test]
    fn r3_submission_checks_the_implementer_with_the_content() {
        let draft: PlanDraft = serde_json::from_value(valid_body()).unwrap();
        let seed = Programme::shipped();
        assert!(check_submission(&draft, &org("nn-jt"), &seed).is_ok());
        let err = check_submission(&draft, &org("wt-gov"), &seed).unwrap_err();
        // …and the name is not the township's own (R11).
        assert_eq!(
            err.codes(),
            vec![Code::ImplementerNotEligible, Code::NameNotAllowed]
        );
        let mut bad = draft.clone();
        bad.capacity = Some(NumberLike::Text("10".into()));
        let err = check_submission(&bad, &org("nn-office"), &seed).unwrap_err();
        assert_eq!(
            err.codes(),
            vec![
                Code::ImplementerNotEligible,
                Code::ParticipantsBelowMinimum,
                Code::NameNotAllowed
            ]
        );
    }
}
