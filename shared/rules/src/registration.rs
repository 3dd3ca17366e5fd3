//! Who may register (R8, 二(三)) and when registration is open.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::{day_text, days_after, local_day, start_of_day};
use crate::event::Channel;
use crate::phone::Phone;
use crate::programme::Programme;
use crate::resident_id::ResidentId;
use crate::text::{BoolLike, ShortText, ticked};
use crate::violation::{Code, Violation, Violations};
use crate::wire::WireEnum;

wire_enum! {
    /// 二(三): the kinds of citizen representatives invited.
    pub enum Category : "人员类别" {
        Expert => "expert", "专家";
        Scholar => "scholar", "学者";
        Journalist => "journalist", "记者";
        Worker => "worker", "职工";
        Entrepreneur => "entrepreneur", "企业家";
        CommunityWorker => "community_worker", "社区工作者";
        OpennessSupervisor => "openness_supervisor", "政务公开义务监督员";
        Stakeholder => "stakeholder", "利益相关方"; // 二(六) 3: 进会议 invites stakeholders
        Other => "other", "其他";
    }
}

wire_enum! {
    /// 二(三): the registrant lives, works or studies in the agency's jurisdiction.
    pub enum Relation : "与本行政区域的关系" {
        Lives => "lives", "生活";
        Works => "works", "工作";
        Studies => "studies", "学习";
    }
}

/// The version of the notice on the ID number that a person consents to (PIPL art. 29:
/// a separate consent); stored with each registration, raised whenever the notice changes.
pub const ID_NOTICE_VERSION: &str = "2026-12";

/// A registration or an offline recommendation as it arrives.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegistrantDraft {
    pub name: Option<String>,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Category>))]
    pub category: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Relation>))]
    pub relation: Option<String>,
    pub full_civil_capacity: Option<BoolLike>,
    pub not_deputy: Option<BoolLike>,
}

/// An eligible registrant. `Debug` and serialisation never show the ID or phone in full.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Registrant {
    pub name: ShortText,
    #[serde(rename = "id_number", serialize_with = "masked_id")]
    pub id: ResidentId,
    pub phone: Phone,
    pub category: Category,
    pub relation: Relation,
}

fn masked_id<S: serde::Serializer>(id: &ResidentId, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&id.masked())
}

impl Registrant {
    /// R8: a valid ID number, of the programme's minimum age (18 in the seed) on
    /// `first_event_day`, living, working or studying in the jurisdiction, of full civil
    /// capacity, and not a deputy or CPPCC member. Every failed condition is reported.
    pub fn check(
        draft: &RegistrantDraft,
        first_event_day: NaiveDate,
        programme: &Programme,
    ) -> Result<Registrant, Violations> {
        let mut vs = Violations::new();
        let name = vs.take(ShortText::parse_required(
            "name",
            "姓名",
            draft.name.as_deref(),
        ));
        let id = vs.take(ResidentId::parse(
            "id_number",
            draft.id_number.as_deref().unwrap_or(""),
        ));
        if let Some(id) = &id {
            let age = id.age_on(first_event_day);
            let minimum = programme.minimum_age();
            if i64::from(age) < i64::from(minimum) {
                vs.push(
                    Violation::new(
                        Code::Underage,
                        format!(
                            "邀请对象须年满{minimum}周岁：活动首日（{}）报名人未满{minimum}周岁",
                            day_text(first_event_day)
                        ),
                    )
                    .at("id_number"),
                );
            }
        }
        let phone = vs.take(Phone::parse("phone", draft.phone.as_deref().unwrap_or("")));
        let category = vs.take(Category::parse(
            "category",
            draft.category.as_deref().unwrap_or(""),
        ));
        let relation = match draft.relation.as_deref().map(str::trim) {
            None | Some("") => {
                vs.push(
                    Violation::new(
                        Code::NotEligible,
                        "邀请对象应在本行政区域生活、工作或学习：请选择 lives、works 或 studies",
                    )
                    .at("relation"),
                );
                None
            }
            Some(raw) => vs.take(Relation::parse("relation", raw)),
        };
        if !ticked(&draft.full_civil_capacity) {
            vs.push(
                Violation::new(Code::NotEligible, "邀请对象应具有完全民事行为能力")
                    .at("full_civil_capacity"),
            );
        }
        if !ticked(&draft.not_deputy) {
            vs.push(
                Violation::new(
                    Code::NotEligible,
                    "邀请对象不含党代表、人大代表和政协委员（“两代表一委员”）",
                )
                .at("not_deputy"),
            );
        }
        vs.finish_with(|| {
            Some(Registrant {
                name: name?,
                id: id?,
                phone: phone?,
                category: category?,
                relation: relation?,
            })
        })
    }
}

/// The facts that decide whether registration is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegistrationWindow {
    pub published_on: NaiveDate,
    /// The last day of online registration (inclusive, to the end of that day).
    pub deadline: Option<NaiveDate>,
    pub first_event_day: NaiveDate,
}

impl RegistrationWindow {
    /// The instant registration closes: the end of the deadline day, and never later than
    /// the moment the first event day begins.
    pub fn closes_at(&self) -> DateTime<Utc> {
        let event_starts = start_of_day(self.first_event_day);
        match self.deadline {
            Some(d) => start_of_day(days_after(d, 1)).min(event_starts),
            None => event_starts,
        }
    }

    /// Whether a registration through `channel` may be taken at `now`. Online registration
    /// runs from publication to the deadline; offline recommendations until the event begins.
    pub fn check(
        &self,
        channel: Channel,
        channels: &[Channel],
        now: DateTime<Utc>,
    ) -> Result<(), Violation> {
        if !channels.contains(&channel) {
            return Err(Violation::new(
                Code::RegistrationClosed,
                format!("本次活动不接受{}", channel.label()),
            ));
        }
        if local_day(&now) < self.published_on {
            return Err(Violation::new(
                Code::RegistrationClosed,
                "活动公告尚未发布，报名未开始",
            ));
        }
        let closes = match channel {
            Channel::Online => self.closes_at(),
            Channel::OfflineRecommendation => start_of_day(self.first_event_day),
        };
        if now >= closes {
            return Err(Violation::new(Code::RegistrationClosed, "报名已截止"));
        }
        Ok(())
    }
}

/// Check-in at the door (签到) is open on the event's days, from the first day to the last.
pub fn check_in_open(period: &crate::event::OpenPeriod, today: NaiveDate) -> Result<(), Violation> {
    if today < period.start() || today > period.end() {
        Err(Violation::new(Code::CheckInClosed, "只能在活动期间签到"))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{day, parse_instant};
    use crate::programme::tests::both as programmes;
    use crate::resident_id::tests::id_born;
    use chrono::Datelike;
    use serde_json::json;

    fn draft(birth: &str) -> RegistrantDraft {
        serde_json::from_value(json!({
            "name": "张三",
            "id_number": id_born("450103", birth, "123"),
            "phone": "13800138000",
            "category": "journalist",
            "relation": "works",
            "full_civil_capacity": true,
            "not_deputy": true
        }))
        .unwrap()
    }

    #[test]
    fn check_in_is_open_on_the_event_days_only() {
        let period = crate::event::OpenPeriod::new(
            2026,
            crate::event::Format::Week,
            crate::calendar::day("2026-09-20"),
            crate::calendar::day("2026-09-26"),
        )
        .unwrap();
        for (d, open) in [
            ("2026-09-19", false),
            ("2026-09-20", true),
            ("2026-09-26", true),
            ("2026-09-27", false),
        ] {
            let got = check_in_open(&period, crate::calendar::day(d));
            assert_eq!(got.is_ok(), open, "{d}");
            if let Err(v) = got {
                assert_eq!(v.code, Code::CheckInClosed);
            }
        }
    }

    /// The birth day of someone who reaches the programme's minimum age on `day` (+ `later`).
    fn born_for(p: &Programme, later: u64) -> String {
        let first = day("2026-09-20");
        let years_ago = first.with_year(2026 - p.minimum_age() as i32).unwrap();
        crate::calendar::days_after(years_ago, later)
            .format("%Y-%m-%d")
            .to_string()
    }

    #[test]
    fn r8_a_person_reaching_the_minimum_age_on_the_first_event_day_is_eligible() {
        for p in programmes() {
            let r = Registrant::check(&draft(&born_for(&p, 0)), day("2026-09-20"), &p).unwrap();
            assert_eq!(r.category, Category::Journalist);
        }
        assert_eq!(born_for(&programmes()[0], 0), "2008-09-20");
    }

    #[test]
    fn r8_a_person_reaching_the_minimum_age_the_next_day_is_not() {
        for p in programmes() {
            let err =
                Registrant::check(&draft(&born_for(&p, 1)), day("2026-09-20"), &p).unwrap_err();
            assert_eq!(err.codes(), vec![Code::Underage]);
            assert_eq!(err.first().unwrap().field.as_deref(), Some("id_number"));
            assert!(
                err.first()
                    .unwrap()
                    .message
                    .contains(&format!("年满{}周岁", p.minimum_age()))
            );
        }
    }

    #[test]
    fn r8_an_invalid_id_number_is_refused() {
        let mut d = draft("1990-01-01");
        let mut id = d.id_number.clone().unwrap();
        id.replace_range(17..18, if id.ends_with('1') { "2" } else { "1" });
        d.id_number = Some(id);
        let err = Registrant::check(&d, day("2026-09-20"), &Programme::shipped()).unwrap_err();
        assert_eq!(err.codes(), vec![Code::InvalidIdNumber]);
    }

    #[test]
    fn r8_capacity_residence_and_deputies_are_checked() {
        let mut d = draft("1990-01-01");
        d.full_civil_capacity = Some(BoolLike::Bool(false));
        d.not_deputy = None;
        d.relation = None;
        let err = Registrant::check(&d, day("2026-09-20"), &Programme::shipped()).unwrap_err();
        let fields: Vec<&str> = err.iter().filter_map(|v| v.field.as_deref()).collect();
        assert_eq!(fields, ["relation", "full_civil_capacity", "not_deputy"]);
        assert!(err.iter().all(|v| v.code == Code::NotEligible));
        d.relation = Some("visits".into());
        d.full_civil_capacity = Some(BoolLike::Text("on".into()));
        d.not_deputy = Some(BoolLike::Text("true".into()));
        assert_eq!(
            Registrant::check(&d, day("2026-09-20"), &Programme::shipped())
                .unwrap_err()
                .codes(),
            vec![Code::ValidationFailed]
        );
    }

    #[test]
    fn a_registrant_never_shows_the_id_or_phone_in_full() {
        let d = draft("1990-01-01");
        let full_id = d.id_number.clone().unwrap();
        let r = Registrant::check(&d, day("2026-09-20"), &Programme::shipped()).unwrap();
        let shown = format!("{r:?} {}", serde_json::to_string(&r).unwrap());
        assert!(!shown.contains(&full_id), "{shown}");
        assert!(!shown.contains("13800138000"), "{shown}");
        assert!(shown.contains("138****8000"));
    }

    fn window() -> RegistrationWindow {
        RegistrationWindow {
            published_on: day("2026-09-01"),
            deadline: Some(day("2026-09-15")),
            first_event_day: day("2026-09-20"),
        }
    }

    const BOTH: [Channel; 2] = [Channel::Online, Channel::OfflineRecommendation];

    #[test]
    fn online_registration_runs_from_publication_to_the_end_of_the_deadline_day() {
        let at = |t: &str| window().check(Channel::Online, &BOTH, parse_instant("t", t).unwrap());
        assert_eq!(
            at("2026-08-31T23:59:59+08:00").unwrap_err().code,
            Code::RegistrationClosed
        );
        assert!(at("2026-09-01T00:00:00+08:00").is_ok());
        assert!(at("2026-09-15T23:59:59+08:00").is_ok());
        assert_eq!(
            at("2026-09-16T00:00:00+08:00").unwrap_err().code,
            Code::RegistrationClosed
        );
    }

    #[test]
    fn registration_never_runs_past_the_start_of_the_first_event_day() {
        let mut w = window();
        w.deadline = Some(day("2026-09-25"));
        let t = |s: &str| parse_instant("t", s).unwrap();
        assert!(
            w.check(Channel::Online, &BOTH, t("2026-09-19T23:59:59+08:00"))
                .is_ok()
        );
        assert!(
            w.check(Channel::Online, &BOTH, t("2026-09-20T00:00:00+08:00"))
                .is_err()
        );
        // Offline recommendations may be entered after the online deadline, until the start.
        assert!(
            window()
                .check(
                    Channel::OfflineRecommendation,
                    &BOTH,
                    t("2026-09-18T10:00:00+08:00")
                )
                .is_ok()
        );
        assert!(
            window()
                .check(
                    Channel::OfflineRecommendation,
                    &BOTH,
                    t("2026-09-20T08:00:00+08:00")
                )
                .is_err()
        );
    }

    #[test]
    fn a_channel_the_plan_does_not_offer_is_closed() {
        let t = parse_instant("t", "2026-09-05T10:00:00+08:00").unwrap();
        let v = window()
            .check(Channel::Online, &[Channel::OfflineRecommendation], t)
            .unwrap_err();
        assert_eq!(v.code, Code::RegistrationClosed);
    }
}
