//! The implementation plan (实施方案) and its validation: R1, R2, R7, R9, R10, R11.
//!
//! [`PlanDraft`] is what arrives (JSON or a form); [`Plan::parse`] turns it into a [`Plan`]
//! or returns every violation at once.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize, Serializer};

use crate::calendar::{as_year, parse_day};
use crate::naming::PlanName;
use crate::org::Organisation;
use crate::phone::Phone;
use crate::programme::Programme;
use crate::text::{BoolLike, LineText, LongText, NumberLike, ShortText, ticked};
use crate::violation::{Code, Violation, Violations};
use crate::wire::WireEnum;

mod leaders;
use leaders::parse_leaders;
pub use leaders::{Leader, LeaderDraft, LeaderNote, TitleVerdict, judge_title, leader_notes};

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
    /// “进现场：工程建设（…）”
    pub fn text(&self) -> String {
        let mut t = format!("{}：{}", self.kind.label(), self.subtype.label());
        if let Some(d) = &self.description {
            t.push_str(&format!("（{d}）"));
        }
        t
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
    /// “窗口服务”, or the description of an `other`.
    pub fn text(&self) -> String {
        match &self.description {
            Some(d) => format!("{}（{d}）", self.kind.label()),
            None => self.kind.label().to_owned(),
        }
    }
}

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

impl Plan {
    pub fn year(&self) -> i32 {
        self.period.year()
    }

    /// Leaders whose titles the reviewing office should check (R9).
    pub fn leader_notes(&self) -> Vec<LeaderNote> {
        leader_notes(&self.leaders)
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
        let year = draft.year.as_ref().and_then(NumberLike::as_integer);
        let year = year.and_then(as_year);
        if year.is_none() {
            vs.push(Violation::new(Code::ValidationFailed, "请填写年度（如 2026）").at("year"));
        }
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
        let period = parse_period(&mut vs, draft, year, programme);
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

/// The event's dates (R1, R2) in the plan `year`: its format and days, within the open
/// period of `programme` when there is one.
fn parse_period(
    vs: &mut Violations,
    draft: &PlanDraft,
    year: Option<i32>,
    programme: Option<&Programme>,
) -> Option<OpenPeriod> {
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
    period
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

#[cfg(test)]
pub(crate) mod tests;
