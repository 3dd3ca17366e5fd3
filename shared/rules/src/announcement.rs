//! The activity announcement (活动公告): R5 (the programme's days of notice) and R6 (every
//! required item).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::{day_text, parse_day};
use crate::event::{Capacity, Channel, Format};
use crate::org::Organisation;
use crate::phone::Phone;
use crate::plan::{Leader, Plan};
use crate::programme::Programme;
use crate::schedule::{
    Livestream, LivestreamDraft, Session, SessionDraft, parse_link, parse_livestream,
    parse_sessions,
};
use crate::text::{LineText, LongText, ShortText};
use crate::violation::{Code, Violation, Violations};

/// What the agency sends to publish: the items the plan does not already hold.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnnouncementDraft {
    pub registration_method: Option<String>,
    /// Defaults to the plan's venue.
    pub place: Option<String>,
    pub content: Option<String>,
    pub reminders: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<chrono::NaiveDate>))]
    pub registration_deadline: Option<String>,
    /// Where the announcement is also published (政务门户网站, 政务新媒体).
    #[serde(default)]
    pub links: Vec<String>,
    /// Each event day's sessions with times and meeting point.
    #[serde(default)]
    pub sessions: Vec<SessionDraft>,
    /// 主会场 + N 分会场, when the event is streamed.
    pub livestream: Option<LivestreamDraft>,
}

/// A published announcement with every item of 二(五), copied from the plan at publication
/// so that what the public read stays what was published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Announcement {
    /// The name of the event: `<place><agency>“政府开放日”`.
    pub name: crate::naming::PlanName,
    /// 报名方式
    pub registration_method: LineText,
    /// 参加人数
    pub participants: Capacity,
    /// 开放主题
    pub theme: LineText,
    /// 参加领导
    pub leaders: Vec<Leader>,
    /// 承办单位
    pub organizer: ShortText,
    /// 时间
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    /// 地点
    pub place: LineText,
    /// 活动内容
    pub content: LongText,
    /// 活动形式
    pub format: Format,
    /// 联系人员
    pub contact_name: ShortText,
    /// 联系电话 (an official number: published in full)
    #[serde(serialize_with = "crate::plan::phone_in_full")]
    pub contact_phone: Phone,
    /// 温馨提示
    pub reminders: LongText,
    /// Last day of online registration, when the plan takes online registration.
    pub registration_deadline: Option<NaiveDate>,
    pub channels: Vec<Channel>,
    /// Where the announcement is also published (政务新媒体).
    pub links: Vec<String>,
    pub published_on: NaiveDate,
    /// 场次: each event day's sessions (announcements published before sessions existed
    /// have none).
    #[serde(default)]
    pub sessions: Vec<Session>,
    /// 直播: 主会场 + N 分会场.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub livestream: Option<Livestream>,
}

const MAX_LINKS: usize = 10;

impl Announcement {
    /// Each session as “2026年9月20日 09:00–11:30，集合地点：…”.
    pub fn sessions_text(&self) -> Vec<String> {
        self.sessions
            .iter()
            .map(|s| format!("{}，集合地点：{}", s.when(), s.meeting_point))
            .collect()
    }

    /// Composes the announcement of a filed plan published on `today`, or every reason
    /// it cannot be published. The plan's status (R4, filed) is the state machine's check.
    pub fn compose(
        plan: &Plan,
        organizer: &Organisation,
        draft: &AnnouncementDraft,
        programme: &Programme,
        today: NaiveDate,
    ) -> Result<Announcement, Violations> {
        let mut vs = Violations::new();
        let start = plan.period.start();
        let last_day = programme.last_announcement_day(start);
        if today > last_day {
            vs.push(Violation::new(
                Code::NoticeTooShort,
                format!(
                    "活动公告应至少提前{}天发布：活动{}开始，最迟应于{}发布",
                    programme.notice.days_before,
                    day_text(start),
                    day_text(last_day)
                ),
            ));
        }
        let registration_method = required(
            &mut vs,
            "registration_method",
            "报名方式",
            draft.registration_method.as_deref(),
        )
        .and_then(|v| vs.take(LineText::parse("registration_method", "报名方式", &v)));
        let content = required(&mut vs, "content", "活动内容", draft.content.as_deref())
            .and_then(|v| vs.take(LongText::parse("content", "活动内容", &v)));
        let reminders = required(&mut vs, "reminders", "温馨提示", draft.reminders.as_deref())
            .and_then(|v| vs.take(LongText::parse("reminders", "温馨提示", &v)));
        let place = match draft
            .place
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => Some(plan.venue.clone()),
            Some(p) => vs.take(LineText::parse("place", "活动地点", p)),
        };
        let registration_deadline = registration_deadline(&mut vs, plan, draft, today);
        let links = vs.take_all(parse_links(&draft.links)).unwrap_or_default();
        let sessions = vs.take_all(parse_sessions(&draft.sessions, &plan.period));
        let livestream = vs.take_all(parse_livestream(draft.livestream.as_ref()));
        vs.finish_with(|| {
            Some(Announcement {
                name: plan.name.clone(),
                registration_method: registration_method?,
                participants: plan.capacity,
                theme: plan.theme.clone(),
                leaders: plan.leaders.clone(),
                organizer: organizer.name.clone(),
                start_date: start,
                end_date: plan.period.end(),
                place: place?,
                content: content?,
                format: plan.period.format(),
                contact_name: plan.contact_name.clone(),
                contact_phone: plan.contact_phone.clone(),
                reminders: reminders?,
                registration_deadline,
                channels: plan.channels.iter().collect(),
                links,
                published_on: today,
                sessions: sessions?,
                livestream: livestream?,
            })
        })
    }
}

/// R6: an item the plan does not hold, which the announcement must state.
fn required(vs: &mut Violations, field: &str, what: &str, raw: Option<&str>) -> Option<String> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => {
            vs.push(
                Violation::new(
                    Code::AnnouncementIncomplete,
                    format!("活动公告应包含{what}"),
                )
                .at(field),
            );
            None
        }
        Some(v) => Some(v.to_owned()),
    }
}

/// The last day of online registration: required when the plan takes online registration,
/// from the day of publication to the day before the event.
fn registration_deadline(
    vs: &mut Violations,
    plan: &Plan,
    draft: &AnnouncementDraft,
    today: NaiveDate,
) -> Option<NaiveDate> {
    let online = plan.channels.contains(Channel::Online);
    match draft.registration_deadline.as_deref().map(str::trim) {
        None | Some("") if online => {
            vs.push(
                Violation::new(
                    Code::AnnouncementIncomplete,
                    "活动接受线上报名，公告应写明报名截止日期",
                )
                .at("registration_deadline"),
            );
            None
        }
        None | Some("") => None,
        Some(raw) => vs
            .take(parse_day("registration_deadline", raw))
            .filter(|deadline| {
                let ok = *deadline >= today && *deadline < plan.period.start();
                if !ok {
                    vs.push(
                        Violation::new(
                            Code::ValidationFailed,
                            "报名截止日期应在公告发布之日至活动开始前一日之间",
                        )
                        .at("registration_deadline"),
                    );
                }
                ok
            }),
    }
}

fn parse_links(raw: &[String]) -> Result<Vec<String>, Violations> {
    let mut vs = Violations::new();
    if raw.len() > MAX_LINKS {
        vs.push(
            Violation::new(Code::ValidationFailed, format!("链接最多{MAX_LINKS}个")).at("links"),
        );
    }
    let links = raw
        .iter()
        .enumerate()
        .filter_map(|(i, link)| vs.take(parse_link(&format!("links[{i}]"), link)))
        .collect();
    vs.finish(|| links)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{day, days_after};
    use crate::org::tests::org;
    use crate::plan::tests::{plan_with, valid_plan};
    use crate::programme::tests::both as programmes;
    use serde_json::json;

    fn draft() -> AnnouncementDraft {
        serde_json::from_value(json!({
            "registration_method": "登录南宁市人民政府门户网站“政府开放日”专栏在线报名",
            "content": "参观公交调度中心，座谈交流",
            "reminders": "请携带身份证，提前15分钟到达",
            "registration_deadline": "2026-09-15",
            "links": ["https://www.nanning.gov.cn/openday"],
            "sessions": [{"date": "2026-09-20", "start": "09:00", "end": "11:30",
                          "meeting_point": "南宁市公交调度中心北门"}]
        }))
        .unwrap()
    }

    fn compose(today: &str) -> Result<Announcement, Violations> {
        compose_in(&Programme::shipped(), day(today))
    }

    fn compose_in(programme: &Programme, today: NaiveDate) -> Result<Announcement, Violations> {
        // The valid plan starts on 2026-09-20.
        Announcement::compose(&valid_plan(), &org("nn-jt"), &draft(), programme, today)
    }

    #[test]
    fn r5_an_announcement_on_the_last_notice_day_is_accepted() {
        for p in programmes() {
            let last = p.last_announcement_day(day("2026-09-20"));
            let a = compose_in(&p, last).unwrap();
            assert_eq!(a.published_on, last);
            assert_eq!(a.participants.get(), 30);
            assert_eq!(a.organizer.as_str(), "南宁市交通运输局");
            assert_eq!(a.place.as_str(), "南宁市青秀区民族大道1号");
            assert!(compose_in(&p, day("2026-08-01")).is_ok());
        }
        assert_eq!(
            programmes()[0].last_announcement_day(day("2026-09-20")),
            day("2026-09-05")
        );
    }

    #[test]
    fn r5_an_announcement_a_day_after_the_last_notice_day_is_refused() {
        for p in programmes() {
            let last = p.last_announcement_day(day("2026-09-20"));
            let err = compose_in(&p, days_after(last, 1)).unwrap_err();
            assert_eq!(err.codes(), vec![Code::NoticeTooShort]);
            let message = &err.first().unwrap().message;
            assert!(
                message.contains(&last.format("%Y年%-m月%-d日").to_string())
                    && message.contains(&format!("提前{}天", p.notice.days_before)),
                "{message}"
            );
        }
    }

    #[test]
    fn r6_every_missing_item_is_named() {
        let empty = AnnouncementDraft::default();
        let err = Announcement::compose(
            &valid_plan(),
            &org("nn-jt"),
            &empty,
            &Programme::shipped(),
            day("2026-09-01"),
        )
        .unwrap_err();
        let fields: Vec<&str> = err.iter().filter_map(|v| v.field.as_deref()).collect();
        assert_eq!(
            fields,
            [
                "registration_method",
                "content",
                "reminders",
                "registration_deadline",
                "sessions"
            ]
        );
        assert!(err.iter().all(|v| v.code == Code::AnnouncementIncomplete));
    }

    #[test]
    fn r6_the_published_announcement_carries_every_item() {
        let a = serde_json::to_value(compose("2026-09-01").unwrap()).unwrap();
        for item in [
            "registration_method",
            "participants",
            "theme",
            "leaders",
            "organizer",
            "start_date",
            "end_date",
            "place",
            "content",
            "format",
            "contact_name",
            "contact_phone",
            "reminders",
            "sessions",
        ] {
            assert!(!a[item].is_null(), "{item} missing");
        }
        assert_eq!(a["sessions"][0]["start"], "09:00");
        assert_eq!(a["contact_phone"], "0771-5551234");
        assert_eq!(a["leaders"][0]["title"], "副局长");
        let back: Announcement = serde_json::from_value(a).unwrap();
        assert_eq!(back, compose("2026-09-01").unwrap());
    }

    #[test]
    fn the_registration_deadline_lies_between_publication_and_the_day_before_the_start() {
        let plan = valid_plan();
        for (deadline, ok) in [
            ("2026-09-19", true),
            ("2026-09-01", true),
            ("2026-09-20", false),
            ("2026-08-31", false),
        ] {
            let mut d = draft();
            d.registration_deadline = Some(deadline.into());
            let r = Announcement::compose(
                &plan,
                &org("nn-jt"),
                &d,
                &Programme::shipped(),
                day("2026-09-01"),
            );
            assert_eq!(r.is_ok(), ok, "{deadline}");
        }
        // Without online registration no deadline is needed.
        let offline = plan_with(json!({"channels": ["offline_recommendation"]})).unwrap();
        let mut d = draft();
        d.registration_deadline = None;
        assert!(
            Announcement::compose(
                &offline,
                &org("nn-jt"),
                &d,
                &Programme::shipped(),
                day("2026-09-01")
            )
            .is_ok()
        );
    }

    #[test]
    fn links_must_be_web_addresses() {
        let mut d = draft();
        d.links = vec![
            "javascript:alert(1)".into(),
            "https://ok.example.cn/a".into(),
        ];
        let err = Announcement::compose(
            &valid_plan(),
            &org("nn-jt"),
            &d,
            &Programme::shipped(),
            day("2026-09-01"),
        )
        .unwrap_err();
        assert_eq!(err.first().unwrap().field.as_deref(), Some("links[0]"));
    }
}
