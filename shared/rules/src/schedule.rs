//! What the public needs to turn up and to watch: each event day's sessions (场次) with their
//! times of day and meeting point, and the livestream as 主会场 + N 分会场 (三(一): “主会场+N”
//! 网络直播). Times are Asia/Shanghai wall-clock times.

use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::calendar::{day_text, parse_day};
use crate::event::OpenPeriod;
use crate::text::{LineText, ShortText};
use crate::violation::{Code, Violation, Violations};

/// At most two sessions a day of the longest format, and a form a person can fill in.
pub const MAX_SESSIONS: usize = 62;
/// Branch venues of a livestream.
pub const MAX_BRANCHES: usize = 30;

/// One session of an event day (场次).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Session {
    pub date: NaiveDate,
    /// `HH:MM`, Asia/Shanghai.
    #[serde(with = "hh_mm")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "09:00"))]
    pub start: NaiveTime,
    #[serde(with = "hh_mm")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "11:30"))]
    pub end: NaiveTime,
    /// 集合地点
    pub meeting_point: LineText,
}

impl Session {
    /// “9月20日 09:00–11:30”
    pub fn when(&self) -> String {
        format!(
            "{} {}–{}",
            day_text(self.date),
            self.start.format("%H:%M"),
            self.end.format("%H:%M")
        )
    }
}

mod hh_mm {
    use super::*;

    pub fn serialize<S: Serializer>(t: &NaiveTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.format("%H:%M").to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveTime, D::Error> {
        let raw = String::deserialize(d)?;
        parse_time(&raw).ok_or_else(|| serde::de::Error::custom("time is HH:MM"))
    }
}

/// `HH:MM` (or `HH:MM:SS`, as some time inputs send it).
pub fn parse_time(raw: &str) -> Option<NaiveTime> {
    let raw = raw.trim();
    NaiveTime::parse_from_str(raw, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(raw, "%H:%M:%S"))
        .ok()
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionDraft {
    #[cfg_attr(feature = "openapi", schema(value_type = Option<chrono::NaiveDate>))]
    pub date: Option<String>,
    /// `HH:MM`
    pub start: Option<String>,
    /// `HH:MM`
    pub end: Option<String>,
    pub meeting_point: Option<String>,
}

/// The sessions: at least one, each on a day of the event, starting before it ends, with a
/// meeting point; the first event day has one. Sorted by day and time.
pub fn parse_sessions(
    drafts: &[SessionDraft],
    period: &OpenPeriod,
) -> Result<Vec<Session>, Violations> {
    let mut vs = Violations::new();
    if drafts.is_empty() {
        vs.push(
            Violation::new(
                Code::AnnouncementIncomplete,
                "活动公告应写明时间：请至少填写一个场次（日期、开始和结束时间、集合地点）",
            )
            .at("sessions"),
        );
    }
    if drafts.len() > MAX_SESSIONS {
        vs.push(
            Violation::new(Code::ValidationFailed, format!("场次最多{MAX_SESSIONS}个"))
                .at("sessions"),
        );
    }
    let mut out = Vec::new();
    for (i, d) in drafts.iter().take(MAX_SESSIONS).enumerate() {
        let f = |name: &str| format!("sessions[{i}].{name}");
        let date = match d.date.as_deref().map(str::trim) {
            None | Some("") => {
                vs.push(Violation::new(Code::ValidationFailed, "请填写场次日期").at(f("date")));
                None
            }
            Some(raw) => vs.take(parse_day(&f("date"), raw)),
        };
        if let Some(day) = date
            && (day < period.start() || day > period.end())
        {
            vs.push(
                Violation::new(
                    Code::ValidationFailed,
                    format!(
                        "场次日期应在活动期间内（{}至{}）",
                        day_text(period.start()),
                        day_text(period.end())
                    ),
                )
                .at(f("date")),
            );
        }
        let time = |vs: &mut Violations, name: &str, what: &str, raw: Option<&str>| {
            let t = raw.and_then(parse_time);
            if t.is_none() {
                vs.push(
                    Violation::new(
                        Code::ValidationFailed,
                        format!("请按“时:分”填写{what}，如 09:00"),
                    )
                    .at(f(name)),
                );
            }
            t
        };
        let start = time(&mut vs, "start", "开始时间", d.start.as_deref());
        let end = time(&mut vs, "end", "结束时间", d.end.as_deref());
        if let (Some(s), Some(e)) = (start, end)
            && s >= e
        {
            vs.push(Violation::new(Code::ValidationFailed, "结束时间应晚于开始时间").at(f("end")));
        }
        let meeting_point = vs.take(LineText::parse_required(
            &f("meeting_point"),
            "集合地点",
            d.meeting_point.as_deref(),
        ));
        if let (Some(date), Some(start), Some(end), Some(meeting_point)) =
            (date, start, end, meeting_point)
        {
            out.push(Session {
                date,
                start,
                end,
                meeting_point,
            });
        }
    }
    out.sort_by_key(|s| (s.date, s.start));
    if vs.is_empty() && out.first().is_some_and(|s| s.date != period.start()) {
        vs.push(
            Violation::new(
                Code::ValidationFailed,
                format!("活动首日（{}）应安排场次", day_text(period.start())),
            )
            .at("sessions"),
        );
    }
    vs.finish(|| out)
}

/// A venue of the livestream and where to watch it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StreamVenue {
    pub name: ShortText,
    pub url: String,
}

/// “主会场 + N 分会场”.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Livestream {
    /// 主会场
    pub main: StreamVenue,
    /// 分会场
    pub branches: Vec<StreamVenue>,
}

impl Livestream {
    /// “主会场：市政府常务会议室 https://…；分会场：…”
    pub fn text(&self) -> String {
        let venue = |v: &StreamVenue| format!("{} {}", v.name, v.url);
        let mut t = format!("主会场：{}", venue(&self.main));
        if !self.branches.is_empty() {
            let b: Vec<_> = self.branches.iter().map(venue).collect();
            t.push_str(&format!("；分会场：{}", b.join("；")));
        }
        t
    }

    /// “主会场 + 3 个分会场”
    pub fn shape(&self) -> String {
        if self.branches.is_empty() {
            "主会场".to_owned()
        } else {
            format!("主会场 + {} 个分会场", self.branches.len())
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StreamVenueDraft {
    pub name: Option<String>,
    pub url: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LivestreamDraft {
    pub main: Option<StreamVenueDraft>,
    #[serde(default)]
    pub branches: Vec<StreamVenueDraft>,
}

/// The livestream, when there is one: a main venue with its link, and branch venues with
/// theirs.
pub fn parse_livestream(draft: Option<&LivestreamDraft>) -> Result<Option<Livestream>, Violations> {
    let Some(d) = draft else {
        return Ok(None);
    };
    let mut vs = Violations::new();
    if d.branches.len() > MAX_BRANCHES {
        vs.push(
            Violation::new(
                Code::ValidationFailed,
                format!("分会场最多{MAX_BRANCHES}个"),
            )
            .at("livestream.branches"),
        );
    }
    let main = venue(&mut vs, "livestream.main", "主会场", d.main.as_ref());
    let branches: Vec<_> = d
        .branches
        .iter()
        .take(MAX_BRANCHES)
        .enumerate()
        .map(|(i, b)| {
            venue(
                &mut vs,
                &format!("livestream.branches[{i}]"),
                "分会场",
                Some(b),
            )
        })
        .collect();
    vs.finish_with(|| {
        Some(Some(Livestream {
            main: main?,
            branches: branches.into_iter().collect::<Option<_>>()?,
        }))
    })
}

fn venue(
    vs: &mut Violations,
    at: &str,
    what: &str,
    d: Option<&StreamVenueDraft>,
) -> Option<StreamVenue> {
    let name = vs.take(ShortText::parse_required(
        &format!("{at}.name"),
        &format!("{what}名称"),
        d.and_then(|d| d.name.as_deref()),
    ));
    let url = vs.take(parse_link(
        &format!("{at}.url"),
        d.and_then(|d| d.url.as_deref()).unwrap_or(""),
    ));
    Some(StreamVenue {
        name: name?,
        url: url?,
    })
}

/// An `http(s)://` link a page can show as it is.
pub fn parse_link(field: &str, raw: &str) -> Result<String, Violation> {
    let l = raw.trim();
    let ok = (l.starts_with("https://") || l.starts_with("http://"))
        && l.len() <= 500
        && l.len() > "https://".len()
        && !l
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '<' || c == '>');
    if ok {
        Ok(l.to_owned())
    } else {
        Err(Violation::new(
            Code::ValidationFailed,
            format!("链接“{l}”无效，应以 http:// 或 https:// 开头"),
        )
        .at(field))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::day;
    use crate::event::Format;
    use serde_json::json;

    fn week() -> OpenPeriod {
        OpenPeriod::new(2026, Format::Week, day("2026-09-20"), day("2026-09-26")).unwrap()
    }

    fn sessions(v: serde_json::Value) -> Result<Vec<Session>, Violations> {
        parse_sessions(
            &serde_json::from_value::<Vec<SessionDraft>>(v).unwrap(),
            &week(),
        )
    }

    #[test]
    fn sessions_lie_in_the_event_start_before_they_end_and_name_a_meeting_point() {
        let ok = sessions(json!([
            {"date": "2026-09-22", "start": "14:00", "end": "16:30", "meeting_point": "南门"},
            {"date": "2026-09-20", "start": "09:00", "end": "11:30", "meeting_point": "市民中心北门"}
        ]))
        .unwrap();
        assert_eq!(ok[0].date, day("2026-09-20"), "sorted by day");
        assert_eq!(ok[0].when(), "2026年9月20日 09:00–11:30");
        let fields = |v| {
            sessions(v)
                .unwrap_err()
                .iter()
                .map(|v| v.field.clone().unwrap_or_default())
                .collect::<Vec<_>>()
        };
        assert_eq!(fields(json!([])), ["sessions"]);
        assert_eq!(
            fields(
                json!([{"date": "2026-09-27", "start": "9:00", "end": "8:00", "meeting_point": " "}])
            ),
            [
                "sessions[0].date",
                "sessions[0].end",
                "sessions[0].meeting_point"
            ]
        );
        assert_eq!(
            fields(
                json!([{"date": "2026-09-20", "start": "上午", "end": "25:00", "meeting_point": "南门"}])
            ),
            ["sessions[0].start", "sessions[0].end"]
        );
        assert_eq!(
            fields(
                json!([{"date": "2026-09-21", "start": "09:00", "end": "10:00", "meeting_point": "南门"}])
            ),
            ["sessions"],
            "the first event day has a session"
        );
    }

    #[test]
    fn a_livestream_has_a_main_venue_and_branches_with_links() {
        let d: LivestreamDraft = serde_json::from_value(json!({
            "main": {"name": "市政府常务会议室", "url": "https://live.example.gov.cn/main"},
            "branches": [
                {"name": "青秀区分会场", "url": "https://live.example.gov.cn/qx"},
                {"name": "西乡塘区分会场", "url": "https://live.example.gov.cn/xxt"}
            ]
        }))
        .unwrap();
        let l = parse_livestream(Some(&d)).unwrap().unwrap();
        assert_eq!(l.shape(), "主会场 + 2 个分会场");
        assert_eq!(parse_livestream(None).unwrap(), None);
        let bad: LivestreamDraft = serde_json::from_value(
            json!({"branches": [{"name": "分会场", "url": "javascript:x"}]}),
        )
        .unwrap();
        let fields: Vec<_> = parse_livestream(Some(&bad))
            .unwrap_err()
            .iter()
            .map(|v| v.field.clone().unwrap_or_default())
            .collect();
        assert_eq!(
            fields,
            [
                "livestream.main.name",
                "livestream.main.url",
                "livestream.branches[0].url"
            ]
        );
    }
}
