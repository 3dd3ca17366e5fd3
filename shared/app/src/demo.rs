//! A living season for `openday serve --demo`: plans submitted, filed and announced, people
//! registered with their text-message codes, events held with feedback, a questionnaire,
//! opinions from the room, ratings and a published response, others open for registration,
//! one filed and never announced, one waiting for review; then the sweeps, whose findings
//! fill the compliance dashboard. Everything goes through the use cases, on a clock that
//! steps through the weeks before the demo's day, as the people involved would have done it.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use openday_rules::Clock;
use openday_rules::phone::Phone;
use openday_rules::sweep::SweepKind;
use openday_sms::{Accepted, Sent, SmsSender, Text};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::commands::PhoneProof;
use crate::error::AppError;
use crate::people::Actor;
use crate::services::{Services, Store};
use crate::{feedback, opinions, people, plans, questionnaires, registrations, verification};

/// The day the demo shows: today when the season is far enough along for events both held
/// and still to come (from 25 days after the open period starts to 20 days before it ends),
/// else October 10th (or the same place in another programme's season) of this year.
pub fn demo_day(today: NaiveDate, open_season: (NaiveDate, NaiveDate)) -> NaiveDate {
    let (start, end) = open_season;
    let fits = today >= start + Days::new(25) && today + Days::new(20) <= end;
    if fits {
        return today;
    }
    let day = start + Days::new(39);
    day.with_year(today.year()).unwrap_or(day)
}

/// What was seeded, for the start-up message.
#[derive(Debug, Default)]
pub struct Season {
    pub plans: usize,
    pub registrations: usize,
    pub feedback: usize,
    pub findings: usize,
}

/// A clock the seeding moves forward.
#[derive(Clone)]
struct Steps(Arc<Mutex<DateTime<Utc>>>);

impl Clock for Steps {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Text messages kept in memory: the seeding reads each code as a person reads their phone.
#[derive(Default)]
struct Phones(Mutex<HashMap<String, String>>);

impl SmsSender for Phones {
    fn send<'a>(&'a self, to: &'a Phone, text: &'a Text) -> Sent<'a> {
        if let Text::Code { code } = text {
            self.0
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(to.expose(), code.clone());
        }
        Box::pin(async { Ok(Accepted::default()) })
    }

    fn describe(&self) -> String {
        "the demo's phones".into()
    }
}

struct Seeder<S> {
    app: Services<S>,
    /// A little before the server's now: what was done "today" is already past when the
    /// server starts.
    anchor: DateTime<Utc>,
    clock: Steps,
    phones: Arc<Phones>,
    day: NaiveDate,
    season: Season,
}

/// A command of the use cases from the JSON a form or program would send.
fn body<T: DeserializeOwned>(value: Value) -> Result<T, AppError> {
    serde_json::from_value(value).map_err(|e| AppError::Unavailable(format!("demo data: {e}")))
}

fn phone(n: u32) -> String {
    format!("1390000{n:04}")
}

/// A valid resident ID number of Nanning for person `n` (born in the 1960s to 1980s).
fn id_number(n: u32) -> String {
    let birth = NaiveDate::from_ymd_opt(1960, 1, 1).unwrap_or_default()
        + Days::new(u64::from(n) * 97 % 10_950);
    let body = format!("450103{}{:03}", birth.format("%Y%m%d"), n % 1000);
    let digits: Vec<u8> = body.bytes().map(|b| b - b'0').collect();
    let mut all = [0u8; 17];
    all.copy_from_slice(&digits[..17]);
    format!(
        "{body}{}",
        openday_rules::resident_id::check_character(&all)
    )
}

const NAMES: [&str; 12] = [
    "张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "黄敏", "赵军", "周婷", "吴刚", "徐丽", "孙强",
];

impl<S: Store> Seeder<S> {
    /// Moves the clock to `days` from the anchor (negative: before).
    fn at(&self, days: i64) {
        *self.clock.0.lock().unwrap_or_else(PoisonError::into_inner) =
            self.anchor + chrono::Duration::days(days);
    }

    fn later(&self, minutes: i64) {
        let mut now = self.clock.0.lock().unwrap_or_else(PoisonError::into_inner);
        *now += chrono::Duration::minutes(minutes);
    }

    fn date(&self, days: i64) -> NaiveDate {
        if days >= 0 {
            self.day + Days::new(days.unsigned_abs())
        } else {
            self.day - Days::new(days.unsigned_abs())
        }
    }

    async fn staff(&self, org: &str) -> Result<Actor, AppError> {
        let epoch = people::first_admin_epoch(&self.app, org)
            .await?
            .unwrap_or(0);
        people::actor_of_org_token(&self.app, org, epoch, "127.0.0.1".into())
            .await?
            .ok_or(AppError::NotFound("demo organisation"))
    }

    /// Person `n` asks for a code (from a network of their own) and reads it.
    async fn proof(&self, n: u32) -> Result<PhoneProof, AppError> {
        let from = IpAddr::V4(Ipv4Addr::new(10, (n / 250) as u8, (n % 250) as u8, 1));
        verification::send_code(&self.app, Some(&phone(n)), from).await?;
        let code = self
            .phones
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&phone(n))
            .cloned();
        self.later(2);
        Ok(PhoneProof {
            phone: Some(phone(n)),
            sms_code: code,
        })
    }

    /// A plan of `org` for one event day, `day` days from the demo's, submitted and filed
    /// by `office` some weeks before, and announced `announce` days from the demo's day
    /// when given. Its id and version.
    async fn plan(
        &mut self,
        org: &str,
        office: Option<&str>,
        (name, theme, venue): (&str, &str, &str),
        day: i64,
        announce: Option<i64>,
    ) -> Result<(String, u64), AppError> {
        let (agency, event) = (self.staff(org).await?, self.date(day));
        self.at(day - 45);
        let draft = body(json!({
            "year": event.year(), "name": name, "theme": theme, "format": "day",
            "start_date": event.to_string(), "end_date": event.to_string(),
            "segments": [
                {"kind": "agency_visit", "subtype": "service_process", "description": "参观政务服务窗口办事流程"},
                {"kind": "meeting", "subtype": "bureau_meeting", "description": "列席局务会议，座谈交流"}
            ],
            "interactions": ["qa_session", "questionnaire"], "experiences": ["window_service"],
            "capacity": 30, "channels": ["online", "offline_recommendation"],
            "leaders": [{"name": "李明", "title": "副局长", "government_leader": true}],
            "venue": venue, "livestream": "政务新媒体同步直播",
            "contact_name": "王芳", "contact_phone": "0771-5551234",
            "no_deputy_inspection_overlap": true
        }))?;
        let mut plan = plans::submit(&self.app, &agency, &draft).await?;
        self.season.plans += 1;
        let Some(office) = office else {
            return Ok((plan.id, plan.version.0));
        };
        self.at(day - 44);
        let review = body(json!({"decision": "file", "version": plan.version}))?;
        plan = plans::review(&self.app, &self.staff(office).await?, &plan.id, review).await?;
        if let Some(on) = announce {
            self.at(on);
            let deadline = self.date(day - 3);
            let announcement = body(json!({
                "version": plan.version,
                "registration_method": "门户网站在线报名，或由所在社区推荐",
                "content": theme, "reminders": "请携带本人身份证件，提前15分钟到达集合地点。",
                "registration_deadline": deadline.to_string(),
                "sessions": [{"date": event.to_string(), "start": "09:00", "end": "11:30", "meeting_point": venue}]
            }))?;
            plan = plans::announce(&self.app, &agency, &plan.id, &announcement).await?;
        }
        Ok((plan.id, plan.version.0))
    }

    /// People `from..to` register for the plan, a few minutes apart, `day` days from the
    /// demo's; their registration codes.
    async fn register(
        &mut self,
        plan: &str,
        people: std::ops::Range<u32>,
        day: i64,
    ) -> Result<Vec<String>, AppError> {
        self.at(day);
        let mut codes = Vec::new();
        for n in people {
            let category = ["worker", "community_worker", "journalist", "expert"][n as usize % 4];
            let form = body(json!({
                "name": NAMES[n as usize % NAMES.len()], "id_number": id_number(n), "phone": phone(n),
                "category": category,
                "relation": "lives", "full_civil_capacity": true, "not_deputy": true, "id_consent": true
            }))?;
            let proof = self.proof(n).await?;
            let taken = registrations::register(&self.app, plan, &form, &proof).await?;
            codes.push(taken.receipt.code);
            self.season.registrations += 1;
        }
        Ok(codes)
    }

    /// Feedback from people `from..to` on the event's day, one of each category in turn.
    async fn feedback(
        &mut self,
        plan: &str,
        people: std::ops::Range<u32>,
        day: i64,
    ) -> Result<(), AppError> {
        const SAID: [(&str, &str); 4] = [
            (
                "service",
                "办事窗口的排队叫号屏幕太小，老年人看不清，建议加大字号。",
            ),
            (
                "policy",
                "希望公交线网调整前多开几场听证会，听取沿线居民意见。",
            ),
            (
                "event",
                "政策解读材料可以放到社区公告栏，方便不上网的居民。",
            ),
            ("other", "开放日活动很有意义，建议每季度举办一次。"),
        ];
        self.at(day);
        self.later(240);
        for (i, n) in people.enumerate() {
            let (category, content) = SAID[i % SAID.len()];
            let draft =
                body(json!({"channel": "online", "category": category, "content": content}))?;
            let proof = self.proof(n).await?;
            feedback::give(&self.app, None, plan, &draft, &proof).await?;
            self.season.feedback += 1;
        }
        Ok(())
    }
}

/// Seeds the season around the server's today (see [`demo_day`]); `app` is the server's
/// services, whose store the seeding writes through its own clock and phones.
pub async fn seed<S: Store + Clone>(app: &Services<S>) -> Result<Season, AppError> {
    let anchor = app.now() - chrono::Duration::hours(3);
    let day = openday_rules::local_day(&anchor);
    let clock = Steps(Arc::new(Mutex::new(anchor)));
    let phones = Arc::new(Phones::default());
    let mut seeding = app.clone();
    seeding.clock = Arc::new(clock.clone());
    seeding.sms = phones.clone();
    let seeding = seeding.with_figures_lifetime(std::time::Duration::ZERO);
    let mut s = Seeder {
        app: seeding,
        anchor,
        clock,
        phones,
        day,
        season: Season::default(),
    };
    held_and_answered(&mut s).await?;
    held_and_late(&mut s).await?;
    let (open, _) = s
        .plan(
            "lz-st",
            Some("lz-office"),
            (
                "柳州市生态环境局“政府开放日”",
                "走进污水处理厂：看一滴水的旅程",
                "柳州市柳北区白沙路8号 柳州市污水处理厂",
            ),
            14,
            Some(-2),
        )
        .await?;
    s.register(&open, 1..9, -1).await?;
    let (soon, _) = s
        .plan(
            "qx-sw",
            Some("qx-office"),
            (
                "青秀区水利局“政府开放日”",
                "走进防汛指挥中心",
                "南宁市青秀区竹溪大道1号 青秀区水利局",
            ),
            20,
            Some(-1),
        )
        .await?;
    s.register(&soon, 60..63, 0).await?;
    // Filed, never announced: its last day to announce has passed (a finding).
    s.plan(
        "nn-water",
        Some("nn-office"),
        (
            "南宁市自来水有限责任公司“政府开放日”",
            "走进水厂：从源头到龙头",
            "南宁市西乡塘区大学东路 陈村水厂",
        ),
        5,
        None,
    )
    .await?;
    // Submitted a few days ago, waiting for the office.
    s.plan(
        "lb-edu",
        None,
        (
            "柳北区教育局“政府开放日”",
            "走进课堂：义务教育课后服务",
            "柳州市柳北区跃进路 柳北区教育局",
        ),
        15,
        None,
    )
    .await?;
    // The sweeps of the demo's day: findings and the mail about them.
    s.at(0);
    let sweeper = s.app.sweeper();
    for kind in [SweepKind::Notice, SweepKind::Feedback, SweepKind::Report] {
        let report = sweeper.run(kind, s.app.now()).await?;
        s.season.findings += report.findings_new.len();
    }
    Ok(s.season)
}

/// 南宁市交通运输局: held 20 days ago with a questionnaire, opinions from the room, online
/// feedback, ratings, and the response published within 15 days.
async fn held_and_answered<S: Store>(s: &mut Seeder<S>) -> Result<(), AppError> {
    let agency = s.staff("nn-jt").await?;
    let (plan, version) = s
        .plan(
            "nn-jt",
            Some("nn-office"),
            (
                "南宁市交通运输局“政府开放日”",
                "走进公交调度中心：线网优化听民意",
                "南宁市青秀区民族大道1号 南宁市交通运输局",
            ),
            -20,
            Some(-40),
        )
        .await?;
    let codes = s.register(&plan, 100..128, -35).await?;
    s.at(-38);
    let design = body(json!({
        "version": 0, "title": "公交线网优化满意度调查",
        "questions": [
            {"kind": "single", "title": "您多久乘坐一次公交？", "required": true, "options": ["每天", "每周", "很少"]},
            {"kind": "multiple", "title": "您最关心哪些方面？", "options": ["准点", "票价", "换乘"]},
            {"kind": "scale", "title": "对本次开放日的满意度", "required": true},
            {"kind": "text", "title": "其他意见建议", "category": "service"}
        ],
        "opens_on": s.date(-20).to_string(), "closes_on": s.date(-10).to_string()
    }))?;
    let saved = questionnaires::save(&s.app, &agency, &plan, &design).await?;
    let opened: openday_rules::text::NumberLike = body(json!(saved.version))?;
    questionnaires::open(&s.app, &agency, &plan, Some(&opened)).await?;
    s.feedback(&plan, 100..106, -20).await?;
    let room = body(json!({"channel": "discussion", "category": "service",
        "lines": "建议在调度中心开放日增加儿童参观路线\n希望公布各线路的准点率"}))?;
    let saved = opinions::record(&s.app, &agency, &plan, &room).await?;
    s.season.feedback += saved.saved;
    for (i, n) in (106..118).enumerate() {
        let answers = body(json!({"answers": {
            "1": 1 + i % 3, "2": [1, 1 + i % 3], "3": 3 + i % 3,
            "4": if i % 4 == 0 { "换乘站的指示牌需要更清楚" } else { "" }
        }}))?;
        let proof = s.proof(n).await?;
        questionnaires::answer(&s.app, &plan, &answers, &proof).await?;
    }
    for (i, code) in codes.iter().take(10).enumerate() {
        let rating = body(json!({"rating": 4 + (i % 2), "registration_code": code}))?;
        let proof = s.proof(100 + i as u32).await?;
        feedback::evaluate(&s.app, &plan, &rating, &proof).await?;
    }
    s.at(-9);
    let answers = body(json!({"unanswered": true, "adoption": "adopted",
        "reply": "已纳入下一阶段公交线网优化方案，将于年底前落实。"}))?;
    feedback::save_answers(&s.app, &agency, &plan, &answers).await?;
    s.at(-8);
    let respond = body(json!({"version": version,
        "summary": "本次开放日共收到意见建议及问卷意见，均已逐条研究办理，采纳情况公布如下。"}))?;
    plans::publish_response(&s.app, &agency, &plan, respond).await?;
    Ok(())
}

/// 南宁市市场监督管理局: held 25 days ago with feedback, and no response yet: it was due
/// 15 days after the event (a finding of the feedback sweep).
async fn held_and_late<S: Store>(s: &mut Seeder<S>) -> Result<(), AppError> {
    let (plan, _) = s
        .plan(
            "nn-sj",
            Some("nn-office"),
            (
                "南宁市市场监督管理局“政府开放日”",
                "走进食品安全快检实验室",
                "南宁市良庆区玉洞大道 南宁市食品检验所",
            ),
            -25,
            Some(-45),
        )
        .await?;
    s.register(&plan, 200..226, -41).await?;
    s.feedback(&plan, 200..204, -25).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(raw: &str) -> NaiveDate {
        raw.parse().unwrap_or_default()
    }

    #[test]
    fn the_demo_shows_today_only_well_inside_the_season() {
        let season = (d("2026-09-01"), d("2026-10-31"));
        assert_eq!(demo_day(d("2026-12-05"), season), d("2026-10-10"));
        assert_eq!(demo_day(d("2027-03-01"), season), d("2027-10-10"));
        assert_eq!(demo_day(d("2026-09-10"), season), d("2026-10-10"));
        assert_eq!(demo_day(d("2026-09-28"), season), d("2026-09-28"));
        assert_eq!(demo_day(d("2026-10-11"), season), d("2026-10-11"));
        assert_eq!(demo_day(d("2026-10-12"), season), d("2026-10-10"));
    }

    #[test]
    fn the_demo_people_have_valid_id_numbers() {
        for n in [1, 100, 225] {
            let id = id_number(n);
            assert!(
                openday_rules::resident_id::ResidentId::parse("id", &id).is_ok(),
                "{id}"
            );
        }
    }
}
