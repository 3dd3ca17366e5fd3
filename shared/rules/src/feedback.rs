//! Feedback, its published adoption (R12, 三(一)) and online evaluations (R13, 三(三)).

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::event::OpenPeriod;
use crate::programme::Programme;
use crate::text::{LongText, NumberLike};
use crate::violation::{Code, Violation, Violations};
use crate::wire::WireEnum;

wire_enum! {
    /// 三(一): online and offline feedback, and questionnaires.
    pub enum FeedbackChannel : "意见来源" {
        Online => "online", "线上";
        Offline => "offline", "线下";
        Questionnaire => "questionnaire", "问卷调查";
        Discussion => "discussion", "座谈问答";
    }
}

wire_enum! {
    /// 三(一): feedback is categorised (梳理汇总、分类整理); the agency may re-categorise.
    pub enum FeedbackCategory : "意见类别" {
        Policy => "policy", "政策建议";
        Service => "service", "服务改进";
        Supervision => "supervision", "监督意见";
        Event => "event", "活动组织";
        Other => "other", "其他";
    }
}

wire_enum! {
    pub enum Adoption : "采纳情况" {
        Adopted => "adopted", "采纳";
        PartiallyAdopted => "partially_adopted", "部分采纳";
        NotAdopted => "not_adopted", "未采纳";
        Explained => "explained", "解释说明";
    }
}

/// Who enters a feedback item: the public themselves, or the agency typing in what it
/// gathered offline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedbackSource {
    Public,
    Agency,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeedbackDraft {
    #[cfg_attr(feature = "openapi", schema(value_type = Option<FeedbackChannel>))]
    pub channel: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<FeedbackCategory>))]
    pub category: Option<String>,
    pub content: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Feedback {
    pub channel: FeedbackChannel,
    pub category: FeedbackCategory,
    pub content: LongText,
}

impl Feedback {
    /// Parses an item. The public gives feedback online or by questionnaire; offline items
    /// are entered by the agency.
    pub fn parse(draft: &FeedbackDraft, source: FeedbackSource) -> Result<Feedback, Violations> {
        let mut vs = Violations::new();
        let channel = vs.take(FeedbackChannel::parse(
            "channel",
            draft.channel.as_deref().unwrap_or(""),
        ));
        let category = vs.take(FeedbackCategory::parse(
            "category",
            draft.category.as_deref().unwrap_or(""),
        ));
        let content = vs.take(LongText::parse_required(
            "content",
            "意见建议内容",
            draft.content.as_deref(),
        ));
        if source == FeedbackSource::Public
            && matches!(
                channel,
                Some(FeedbackChannel::Offline | FeedbackChannel::Discussion)
            )
        {
            vs.push(
                Violation::new(Code::Forbidden, "线下和座谈问答收集的意见由实施机关录入")
                    .at("channel"),
            );
        }
        vs.finish_with(|| {
            Some(Feedback {
                channel: channel?,
                category: category?,
                content: content?,
            })
        })
    }
}

/// Feedback is taken from the first event day until the feedback response is published.
pub fn check_feedback_open(
    period: &OpenPeriod,
    responded: bool,
    today: NaiveDate,
) -> Result<(), Violation> {
    if today < period.start() {
        Err(Violation::new(
            Code::FeedbackClosed,
            "活动尚未开始，暂不征集意见建议",
        ))
    } else if responded {
        Err(Violation::new(
            Code::FeedbackClosed,
            "采纳情况已公开反馈，意见征集已结束",
        ))
    } else {
        Ok(())
    }
}

/// R13: an online evaluation (网络测评), rated 1 to 5.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Evaluation {
    pub rating: Rating,
    pub comment: Option<LongText>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Rating(u8);

impl Rating {
    pub fn parse(field: &str, raw: Option<&NumberLike>) -> Result<Rating, Violation> {
        match raw.and_then(NumberLike::as_integer) {
            Some(n @ 1..=5) => Ok(Rating(n as u8)),
            _ => Err(Violation::new(Code::ValidationFailed, "评分应为1至5的整数").at(field)),
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }

    /// The rating `n` (1 to 5), if it is one.
    pub fn new(n: u8) -> Option<Rating> {
        (1..=5).contains(&n).then_some(Rating(n))
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EvaluationDraft {
    pub rating: Option<NumberLike>,
    pub comment: Option<String>,
}

impl Evaluation {
    pub fn parse(draft: &EvaluationDraft) -> Result<Evaluation, Violations> {
        let mut vs = Violations::new();
        let rating = vs.take(Rating::parse("rating", draft.rating.as_ref()));
        let comment = match draft.comment.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(c) => vs.take(LongText::parse("comment", "评价内容", c)),
        };
        vs.finish_with(|| {
            Some(Evaluation {
                rating: rating?,
                comment,
            })
        })
    }
}

/// Evaluations run from the first event day until the programme's days after the last
/// (30 in the seed).
pub fn check_evaluation_open(
    period: &OpenPeriod,
    programme: &Programme,
    today: NaiveDate,
) -> Result<(), Violation> {
    if today < period.start() {
        Err(Violation::new(
            Code::EvaluationClosed,
            "活动尚未开始，暂不接受测评",
        ))
    } else if today > programme.evaluation_closes(period.end()) {
        Err(Violation::new(
            Code::EvaluationClosed,
            format!(
                "测评已于活动结束{}天后截止",
                programme.evaluation.days_after
            ),
        ))
    } else {
        Ok(())
    }
}

/// The registration a person names to rate an event (R13 网络测评 by its participants).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rater {
    /// No registration of this event held by this phone under that code.
    Unknown,
    /// Waitlisted or cancelled: never had a seat.
    NoSeat,
    /// A confirmed registration; whether the person was checked in at the door.
    Confirmed { attended: bool },
}

/// Who may rate an event: a confirmed registrant of it; once the event checks people in
/// (`checking_in`: anyone was checked in), only those who were.
pub fn check_rater(rater: Rater, checking_in: bool) -> Result<(), Violation> {
    let refused =
        |message: &str| Err(Violation::new(Code::NotParticipant, message).at("registration_code"));
    match rater {
        Rater::Unknown => {
            refused("只有本场活动的报名人员可以测评：请填写本手机号码报名本场活动时获得的报名编号")
        }
        Rater::NoSeat => refused("该报名为候补或已取消，未参加本场活动，不能测评"),
        Rater::Confirmed { attended: false } if checking_in => {
            refused("本场活动实行现场签到，只有签到参加活动的人员可以测评")
        }
        Rater::Confirmed { .. } => Ok(()),
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResponseDraft {
    pub summary: Option<String>,
    #[serde(default)]
    pub items: Vec<ResponseItemDraft>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResponseItemDraft {
    pub feedback_id: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Adoption>))]
    pub adoption: Option<String>,
    pub reply: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResponseItem {
    pub feedback_id: String,
    pub adoption: Adoption,
    pub reply: Option<LongText>,
}

impl ResponseItem {
    /// One answer: the item belongs to the event, its adoption is one of the four, and a
    /// `not_adopted` item has its reason. `field` prefixes the fields named in violations.
    pub fn parse(
        field: &str,
        draft: &ResponseItemDraft,
        feedback_ids: &BTreeSet<String>,
    ) -> Result<ResponseItem, Violations> {
        let mut vs = Violations::new();
        let f = |name: &str| format!("{field}.{name}");
        let id = draft.feedback_id.as_deref().unwrap_or("").trim().to_owned();
        if !feedback_ids.contains(&id) {
            vs.push(
                Violation::new(
                    Code::ValidationFailed,
                    format!("意见建议“{}”不属于本次活动", crate::text::clip(&id)),
                )
                .at(f("feedback_id")),
            );
        }
        let adoption = vs.take(Adoption::parse(
            &f("adoption"),
            draft.adoption.as_deref().unwrap_or(""),
        ));
        let reply = match draft.reply.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(r) => vs.take(LongText::parse(&f("reply"), "答复内容", r)),
        };
        if adoption == Some(Adoption::NotAdopted) && reply.is_none() {
            vs.push(
                Violation::new(Code::ValidationFailed, "未采纳的意见建议须说明理由").at(f("reply")),
            );
        }
        vs.finish_with(|| {
            Some(ResponseItem {
                feedback_id: id,
                adoption: adoption?,
                reply,
            })
        })
    }
}

/// R12: the published adoption of every feedback item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeedbackResponse {
    pub summary: LongText,
    pub items: Vec<ResponseItem>,
    pub published_on: NaiveDate,
    /// Published after the programme's response days (15 in the seed): accepted, and
    /// recorded as late.
    pub late: bool,
}

impl FeedbackResponse {
    /// Every item in `feedback_ids` must be answered exactly once; a `not_adopted` item
    /// needs its reason. A late response is accepted and marked late.
    pub fn compose(
        draft: &ResponseDraft,
        feedback_ids: &BTreeSet<String>,
        period: &OpenPeriod,
        programme: &Programme,
        today: NaiveDate,
    ) -> Result<FeedbackResponse, Violations> {
        let mut vs = Violations::new();
        let summary = vs.take(LongText::parse_required(
            "summary",
            "反馈说明",
            draft.summary.as_deref(),
        ));
        let mut answered: BTreeMap<String, ResponseItem> = BTreeMap::new();
        for (i, item) in draft.items.iter().enumerate() {
            let Some(item) = vs.take_all(ResponseItem::parse(
                &format!("items[{i}]"),
                item,
                feedback_ids,
            )) else {
                continue;
            };
            if answered.contains_key(&item.feedback_id) {
                vs.push(
                    Violation::new(
                        Code::ValidationFailed,
                        format!("意见建议“{}”重复答复", item.feedback_id),
                    )
                    .at(format!("items[{i}].feedback_id")),
                );
            } else {
                answered.insert(item.feedback_id.clone(), item);
            }
        }
        let missing: Vec<&str> = feedback_ids
            .iter()
            .filter(|id| !answered.contains_key(*id))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() && vs.is_empty() {
            vs.push(
                Violation::new(
                    Code::FeedbackUnanswered,
                    format!(
                        "每条意见建议都应反馈采纳情况，尚有{}条未答复：{}{}",
                        missing.len(),
                        missing[..missing.len().min(10)].join("、"),
                        if missing.len() > 10 { "等" } else { "" }
                    ),
                )
                .at("items"),
            );
        }
        if today <= period.end() {
            vs.push(Violation::new(
                Code::InvalidTransition,
                "活动结束后方可公开反馈采纳情况",
            ));
        }
        vs.finish_with(|| {
            Some(FeedbackResponse {
                summary: summary?,
                items: answered.into_values().collect(),
                published_on: today,
                late: is_response_late(period, programme, today),
            })
        })
    }
}

/// R12: a response published after the end + the programme's response days is late.
pub fn is_response_late(
    period: &OpenPeriod,
    programme: &Programme,
    published_on: NaiveDate,
) -> bool {
    published_on > programme.feedback_response_due(period.end())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{day, days_after};
    use crate::programme::tests::both as programmes;

    fn seed() -> Programme {
        Programme::shipped()
    }
    use crate::event::Format;
    use serde_json::json;

    #[test]
    fn r13_only_confirmed_registrants_rate_and_attendees_once_checked_in() {
        let code = |r, checking| check_rater(r, checking).map_err(|v| (v.code, v.field));
        let refused = Err((Code::NotParticipant, Some("registration_code".to_owned())));
        assert_eq!(code(Rater::Unknown, false), refused);
        assert_eq!(code(Rater::NoSeat, false), refused);
        assert_eq!(code(Rater::Confirmed { attended: false }, false), Ok(()));
        assert_eq!(code(Rater::Confirmed { attended: false }, true), refused);
        assert_eq!(code(Rater::Confirmed { attended: true }, true), Ok(()));
    }

    fn period() -> OpenPeriod {
        OpenPeriod::new(2026, Format::Week, day("2026-09-20"), day("2026-09-26")).unwrap()
    }

    fn ids(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn response(items: serde_json::Value) -> ResponseDraft {
        serde_json::from_value(json!({"summary": "感谢参与，采纳情况如下", "items": items}))
            .unwrap()
    }

    #[test]
    fn r12_feedback_is_categorised_and_offline_items_come_from_the_agency() {
        let d: FeedbackDraft = serde_json::from_value(
            json!({"channel":"offline","category":"policy","content":"增加夜班公交"}),
        )
        .unwrap();
        assert_eq!(
            Feedback::parse(&d, FeedbackSource::Public)
                .unwrap_err()
                .codes(),
            vec![Code::Forbidden]
        );
        let f = Feedback::parse(&d, FeedbackSource::Agency).unwrap();
        assert_eq!(f.category, FeedbackCategory::Policy);
        let uncategorised: FeedbackDraft =
            serde_json::from_value(json!({"channel":"online","content":"好"})).unwrap();
        let err = Feedback::parse(&uncategorised, FeedbackSource::Public).unwrap_err();
        assert_eq!(err.first().unwrap().field.as_deref(), Some("category"));
    }

    #[test]
    fn feedback_runs_from_the_first_event_day_until_the_response() {
        assert_eq!(
            check_feedback_open(&period(), false, day("2026-09-19"))
                .unwrap_err()
                .code,
            Code::FeedbackClosed
        );
        assert!(check_feedback_open(&period(), false, day("2026-09-20")).is_ok());
        assert!(check_feedback_open(&period(), false, day("2026-12-01")).is_ok());
        assert_eq!(
            check_feedback_open(&period(), true, day("2026-09-27"))
                .unwrap_err()
                .code,
            Code::FeedbackClosed
        );
    }

    #[test]
    fn r12_every_item_must_be_answered() {
        let d = response(json!([{"feedback_id":"fb1","adoption":"adopted","reply":"已采纳"}]));
        let err = FeedbackResponse::compose(
            &d,
            &ids(&["fb1", "fb2"]),
            &period(),
            &seed(),
            day("2026-10-01"),
        )
        .unwrap_err();
        assert_eq!(err.codes(), vec![Code::FeedbackUnanswered]);
        assert!(err.first().unwrap().message.contains("fb2"));
    }

    #[test]
    fn r12_not_adopted_needs_a_reason_and_unknown_or_repeated_items_are_refused() {
        let d = response(json!([
            {"feedback_id":"fb1","adoption":"not_adopted"},
            {"feedback_id":"zz","adoption":"adopted"},
            {"feedback_id":"fb2","adoption":"explained","reply":"说明"},
            {"feedback_id":"fb2","adoption":"adopted"}
        ]));
        let err = FeedbackResponse::compose(
            &d,
            &ids(&["fb1", "fb2"]),
            &period(),
            &seed(),
            day("2026-10-01"),
        )
        .unwrap_err();
        let fields: Vec<&str> = err.iter().filter_map(|v| v.field.as_deref()).collect();
        assert_eq!(
            fields,
            [
                "items[0].reply",
                "items[1].feedback_id",
                "items[3].feedback_id"
            ]
        );
    }

    #[test]
    fn r12_a_response_on_the_last_day_is_on_time_and_a_day_later_is_late_but_accepted() {
        let d = response(
            json!([{"feedback_id":"fb1","adoption":"partially_adopted","reply":"部分采纳"}]),
        );
        for p in programmes() {
            let due = p.feedback_response_due(period().end());
            let on_time =
                FeedbackResponse::compose(&d, &ids(&["fb1"]), &period(), &p, due).unwrap();
            assert!(!on_time.late);
            let late =
                FeedbackResponse::compose(&d, &ids(&["fb1"]), &period(), &p, days_after(due, 1))
                    .unwrap();
            assert!(late.late);
            assert_eq!(late.items[0].adoption, Adoption::PartiallyAdopted);
        }
        // The seed's event ends 2026-09-26: day 15 is October 11.
        assert_eq!(
            programmes()[0].feedback_response_due(period().end()),
            day("2026-10-11")
        );
    }

    #[test]
    fn a_response_is_published_only_after_the_event() {
        let d = response(json!([]));
        let err = FeedbackResponse::compose(&d, &ids(&[]), &period(), &seed(), day("2026-09-26"))
            .unwrap_err();
        assert_eq!(err.codes(), vec![Code::InvalidTransition]);
        assert!(
            FeedbackResponse::compose(&d, &ids(&[]), &period(), &seed(), day("2026-09-27")).is_ok()
        );
    }

    #[test]
    fn r13_ratings_are_one_to_five_within_the_evaluation_days() {
        for (raw, ok) in [
            (json!(1), true),
            (json!("5"), true),
            (json!(0), false),
            (json!(6), false),
            (json!(null), false),
        ] {
            let d: EvaluationDraft =
                serde_json::from_value(json!({"rating": raw, "comment": "很好"})).unwrap();
            assert_eq!(Evaluation::parse(&d).is_ok(), ok, "{raw}");
        }
        for p in programmes() {
            let closes = p.evaluation_closes(period().end());
            assert_eq!(
                check_evaluation_open(&period(), &p, day("2026-09-19"))
                    .unwrap_err()
                    .code,
                Code::EvaluationClosed
            );
            assert!(check_evaluation_open(&period(), &p, day("2026-09-20")).is_ok());
            assert!(check_evaluation_open(&period(), &p, closes).is_ok());
            assert_eq!(
                check_evaluation_open(&period(), &p, days_after(closes, 1))
                    .unwrap_err()
                    .code,
                Code::EvaluationClosed
            );
        }
        assert_eq!(
            programmes()[0].evaluation_closes(period().end()),
            day("2026-10-26")
        );
    }
}
