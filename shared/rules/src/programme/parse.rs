//! Reading a programme file: every section and parameter checked, every problem listed at
//! its field path (`notice.reminder_days_before[1]`), sections that disagree refused.

use serde_json::{Map, Value};

use super::{
    EvaluationRule, FeedbackRule, FormatRule, ImplementerRule, MonthDay, NamingRule, NoticeRule,
    OpenPeriodRule, ParticipantRule, Programme, RegistrationRule, ReportRecipient, ReportRule,
};
use crate::calendar::as_year;
use crate::event::MAX_PARTICIPANTS;
use crate::org::{Id, Level, OrgKind};
use crate::violation::{Code, Violation, Violations};
use crate::wire::WireEnum;

/// The top-level keys of a programme file, in the order of the file.
const SECTIONS: [&str; 14] = [
    "region",
    "year",
    "title",
    "open_period",
    "formats",
    "implementers",
    "participants",
    "notice",
    "registration",
    "feedback",
    "evaluation",
    "report",
    "naming",
    "assessment",
];

impl Programme {
    /// Parses a programme file's text: JSON first, then every rule of the programme.
    pub fn parse_json(text: &str) -> Result<Programme, Violations> {
        let value: Value = serde_json::from_str(text).map_err(|e| {
            Violations::from(problem(
                "",
                format!(
                    "工作方案文件不是有效的 JSON（第{}行第{}列）：{e}",
                    e.line(),
                    e.column()
                ),
            ))
        })?;
        Self::parse(&value)
    }

    /// Reads and checks a programme, listing every problem at its field.
    pub fn parse(raw: &Value) -> Result<Programme, Violations> {
        let Some(root) = raw.as_object() else {
            return Err(problem("", "工作方案应为一个 JSON 对象").into());
        };
        let mut r = Reader {
            vs: Violations::new(),
            root,
        };
        r.unknown_sections();
        let region = r.region();
        let year = r.year();
        let title = r.title();
        let open_period = r.open_period();
        let formats = r.formats();
        let implementers = r.implementers();
        let participants = r.participants();
        let notice = r.notice();
        let registration = r.registration();
        let feedback = r.feedback();
        let evaluation = r.evaluation();
        let report = r.report();
        let naming = r.naming();
        let mut vs = r.vs;
        // A file written before schemes existed is scored by the standard scheme.
        let assessment = match root.get("assessment") {
            None => Some(crate::assessment::scheme::Scheme::standard()),
            Some(section) => vs.take_all(crate::assessment::scheme::Scheme::parse(section)),
        };
        // Rules that join two sections.
        if let (Some(open), Some(report)) = (&open_period, &report)
            && report.due <= open.until
        {
            vs.push(problem(
                "report.due",
                format!(
                    "年度报送期限 {} 应晚于开放时间的最后一天 {}",
                    report.due.label(),
                    open.until.label()
                ),
            ));
        }
        if let (Some(notice), Some(p)) = (&notice, &participants)
            && p.check_days_before >= notice.days_before
        {
            vs.push(problem(
                "participants.check_days_before",
                format!(
                    "报名人数核查（活动前 {} 天）应在公告最迟发布日（活动前 {} 天）之后",
                    p.check_days_before, notice.days_before
                ),
            ));
        }
        vs.finish_with(|| {
            Some(Programme {
                region: region?,
                year: year?,
                title: title?,
                open_period: open_period?,
                formats: formats?,
                implementers: implementers?,
                participants: participants?,
                notice: notice?,
                registration: registration?,
                feedback: feedback?,
                evaluation: evaluation?,
                report: report?,
                naming: naming?,
                assessment: assessment?,
            })
        })
    }
}

/// Reads the sections of a programme file, collecting every problem.
struct Reader<'a> {
    vs: Violations,
    root: &'a Map<String, Value>,
}

fn problem(field: &str, message: impl Into<String>) -> Violation {
    Violation::new(Code::ValidationFailed, message).at(field)
}

impl<'a> Reader<'a> {
    /// A section object; a missing or misshapen one is a problem.
    fn section(&mut self, name: &'static str, keys: &[&str]) -> Option<Section<'a>> {
        match self.root.get(name) {
            Some(Value::Object(map)) => {
                for key in map.keys() {
                    if key != "clause" && !keys.contains(&key.as_str()) {
                        self.vs.push(problem(
                            &format!("{name}.{key}"),
                            format!(
                                "未知的参数“{key}”，{name} 可含：{}、clause",
                                keys.join("、")
                            ),
                        ));
                    }
                }
                Some(Section { name, map })
            }
            Some(_) => {
                self.vs.push(problem(name, format!("{name} 应为一个对象")));
                None
            }
            None => {
                self.vs.push(problem(name, format!("缺少 {name} 部分")));
                None
            }
        }
    }

    fn unknown_sections(&mut self) {
        for key in self.root.keys() {
            if !SECTIONS.contains(&key.as_str()) {
                self.vs.push(problem(
                    key,
                    format!("未知的部分“{key}”，工作方案可含：{}", SECTIONS.join("、")),
                ));
            }
        }
    }

    fn region(&mut self) -> Option<Id> {
        match self.root.get("region").and_then(Value::as_str) {
            Some(raw) => self.vs.take(Id::parse("region", raw)),
            None => {
                self.vs
                    .push(problem("region", "请填写地区（行政区域编号，如 gx）"));
                None
            }
        }
    }

    fn year(&mut self) -> Option<i32> {
        let year = self
            .root
            .get("year")
            .and_then(Value::as_i64)
            .and_then(as_year);
        if year.is_none() {
            self.vs
                .push(problem("year", "year 应为 2000 至 2100 之间的年度"));
        }
        year
    }

    fn title(&mut self) -> Option<String> {
        match self
            .root
            .get("title")
            .and_then(Value::as_str)
            .map(str::trim)
        {
            Some(t) if !t.is_empty() && t.chars().count() <= 100 => Some(t.to_owned()),
            _ => {
                self.vs
                    .push(problem("title", "title 应为工作方案的标题（1至100个字）"));
                None
            }
        }
    }

    // ---- one method per section, in the order of the file ----

    fn open_period(&mut self) -> Option<OpenPeriodRule> {
        let s = self.section("open_period", &["from", "until"])?;
        let vs = &mut self.vs;
        let (from, until, clause) = (
            s.month_day(vs, "from"),
            s.month_day(vs, "until"),
            s.clause(vs),
        );
        let (from, until) = (from?, until?);
        if until < from {
            vs.push(problem(
                "open_period.until",
                "open_period.until 不能早于 open_period.from（开放时间须在同一年内）",
            ));
            return None;
        }
        Some(OpenPeriodRule {
            from,
            until,
            clause: clause?,
        })
    }

    fn formats(&mut self) -> Option<FormatRule> {
        let s = self.section("formats", &["day", "week", "month"])?;
        let vs = &mut self.vs;
        let day = s.number(vs, "day", (1, 366));
        let week = s.number(vs, "week", (1, 366));
        let month = s.number(vs, "month", (1, 366));
        let clause = s.clause(vs);
        let (day, week, month) = (day?, week?, month?);
        if !(day <= week && week <= month) {
            vs.push(problem(
                "formats",
                format!(
                    "活动形式的最长天数应为 开放日 ≤ 开放周 ≤ 开放月，现为 {day}、{week}、{month}"
                ),
            ));
            return None;
        }
        Some(FormatRule {
            day,
            week,
            month,
            clause: clause?,
        })
    }

    fn implementers(&mut self) -> Option<ImplementerRule> {
        let s = self.section("implementers", &["levels", "kinds"])?;
        let vs = &mut self.vs;
        let levels = s.wires::<Level>(vs, "levels");
        let kinds = s.wires::<OrgKind>(vs, "kinds");
        let clause = s.clause(vs);
        let kinds = kinds?;
        if kinds.contains(&OrgKind::Office) {
            // Offices review and file plans (二(四)); they cannot review their own.
            vs.push(problem(
                "implementers.kinds",
                "政务公开办公室负责审核备案，不能作为实施主体（office）",
            ));
            return None;
        }
        Some(ImplementerRule {
            levels: levels?,
            kinds,
            clause: clause?,
        })
    }

    fn participants(&mut self) -> Option<ParticipantRule> {
        let s = self.section("participants", &["minimum", "check_days_before"])?;
        let vs = &mut self.vs;
        let minimum = s.number(vs, "minimum", (1, MAX_PARTICIPANTS));
        let check_days_before = s.number(vs, "check_days_before", (1, 60));
        let clause = s.clause(vs);
        Some(ParticipantRule {
            minimum: minimum?,
            check_days_before: check_days_before?,
            clause: clause?,
        })
    }

    fn notice(&mut self) -> Option<NoticeRule> {
        let s = self.section("notice", &["days_before", "reminder_days_before"])?;
        let vs = &mut self.vs;
        let days_before = s.number(vs, "days_before", (1, 180));
        let reminders = s.numbers(vs, "reminder_days_before", (1, 366));
        let clause = s.clause(vs);
        let (days_before, mut reminders) = (days_before?, reminders?);
        if let Some(late) = reminders.iter().find(|n| **n <= days_before) {
            vs.push(problem(
                "notice.reminder_days_before",
                format!(
                    "提醒应早于公告最迟发布日：提前 {late} 天不多于公告须提前的 {days_before} 天"
                ),
            ));
            return None;
        }
        reminders.sort_unstable_by(|a, b| b.cmp(a));
        reminders.dedup();
        Some(NoticeRule {
            days_before,
            reminder_days_before: reminders,
            clause: clause?,
        })
    }

    fn registration(&mut self) -> Option<RegistrationRule> {
        let s = self.section("registration", &["minimum_age"])?;
        let vs = &mut self.vs;
        let minimum_age = s.number(vs, "minimum_age", (0, 120));
        let clause = s.clause(vs);
        Some(RegistrationRule {
            minimum_age: minimum_age?,
            clause: clause?,
        })
    }

    fn feedback(&mut self) -> Option<FeedbackRule> {
        let s = self.section("feedback", &["response_days", "reminder_days_after"])?;
        let vs = &mut self.vs;
        let response_days = s.number(vs, "response_days", (1, 180));
        let reminders = s.numbers(vs, "reminder_days_after", (0, 180));
        let clause = s.clause(vs);
        let (response_days, mut reminders) = (response_days?, reminders?);
        if let Some(late) = reminders.iter().find(|n| **n >= response_days) {
            vs.push(problem(
                "feedback.reminder_days_after",
                format!("提醒应早于反馈期限：活动结束后第 {late} 天不早于第 {response_days} 天"),
            ));
            return None;
        }
        reminders.sort_unstable();
        reminders.dedup();
        Some(FeedbackRule {
            response_days,
            reminder_days_after: reminders,
            clause: clause?,
        })
    }

    fn evaluation(&mut self) -> Option<EvaluationRule> {
        let s = self.section("evaluation", &["days_after"])?;
        let vs = &mut self.vs;
        let days_after = s.number(vs, "days_after", (0, 366));
        let clause = s.clause(vs);
        Some(EvaluationRule {
            days_after: days_after?,
            clause: clause?,
        })
    }

    fn report(&mut self) -> Option<ReportRule> {
        let s = self.section(
            "report",
            &[
                "due",
                "reminders",
                "governments",
                "departments",
                "recipient",
            ],
        )?;
        let vs = &mut self.vs;
        let due = s.month_day(vs, "due");
        let reminders = s.month_days(vs, "reminders");
        let governments = s.wires::<Level>(vs, "governments");
        let departments = s.wires::<Level>(vs, "departments");
        let recipient = match s.map.get("recipient").and_then(Value::as_str) {
            Some("regional_office") => Some(ReportRecipient::RegionalOffice),
            other => {
                vs.push(problem(
                            "report.recipient",
                            format!(
                                "report.recipient“{}”无效，应为 regional_office（自治区/省级政务公开办公室）",
                                other.unwrap_or("")
                            ),
                        ));
                None
            }
        };
        let clause = s.clause(vs);
        let (due, mut reminders) = (due?, reminders?);
        if let Some(late) = reminders.iter().find(|d| **d >= due) {
            vs.push(problem(
                "report.reminders",
                format!("提醒日 {} 应早于报送期限 {}", late.label(), due.label()),
            ));
            return None;
        }
        reminders.sort_unstable();
        reminders.dedup();
        Some(ReportRule {
            due,
            reminders,
            governments: governments?,
            departments: departments?,
            recipient: recipient?,
            clause: clause?,
        })
    }

    fn naming(&mut self) -> Option<NamingRule> {
        let s = self.section("naming", &["proper_noun"])?;
        let vs = &mut self.vs;
        let noun = s.text(vs, "proper_noun");
        let clause = s.clause(vs);
        let noun = noun?;
        let n = noun.chars().count();
        if !noun.ends_with(crate::naming::ANY_OPEN_DAY)
            || !(4..=12).contains(&n)
            || noun
                .chars()
                .any(|c| c.is_whitespace() || "\"'“”‘’「」『』《》".contains(c))
        {
            vs.push(problem(
                "naming.proper_noun",
                format!("专有名词“{noun}”应以“开放日”结尾，4至12个字，不含空格和引号"),
            ));
            return None;
        }
        Some(NamingRule {
            proper_noun: noun,
            clause: clause?,
        })
    }
}

struct Section<'a> {
    name: &'static str,
    map: &'a Map<String, Value>,
}

impl Section<'_> {
    fn field(&self, key: &str) -> String {
        format!("{}.{key}", self.name)
    }

    fn number(&self, vs: &mut Violations, key: &str, range: (u32, u32)) -> Option<u32> {
        let field = self.field(key);
        match self.map.get(key).and_then(Value::as_u64) {
            Some(n) if (u64::from(range.0)..=u64::from(range.1)).contains(&n) => Some(n as u32),
            Some(n) => {
                vs.push(problem(
                    &field,
                    format!("{field} 为 {n}，应在 {} 至 {} 之间", range.0, range.1),
                ));
                None
            }
            None => {
                vs.push(problem(&field, format!("{field} 应为整数")));
                None
            }
        }
    }

    fn numbers(&self, vs: &mut Violations, key: &str, range: (u32, u32)) -> Option<Vec<u32>> {
        let field = self.field(key);
        let Some(items) = self.map.get(key).and_then(Value::as_array) else {
            vs.push(problem(
                &field,
                format!("{field} 应为整数列表（可为空列表 []）"),
            ));
            return None;
        };
        let mut out = Vec::new();
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            match item.as_u64() {
                Some(n) if (u64::from(range.0)..=u64::from(range.1)).contains(&n) => {
                    out.push(n as u32)
                }
                _ => {
                    ok = false;
                    vs.push(problem(
                        &format!("{field}[{i}]"),
                        format!("{field}[{i}] 应为 {} 至 {} 之间的整数", range.0, range.1),
                    ));
                }
            }
        }
        ok.then_some(out)
    }

    fn text(&self, vs: &mut Violations, key: &str) -> Option<String> {
        let field = self.field(key);
        match self.map.get(key).and_then(Value::as_str).map(str::trim) {
            Some(t) if !t.is_empty() && t.chars().count() <= 60 => Some(t.to_owned()),
            _ => {
                vs.push(problem(&field, format!("{field} 应为1至60个字的文字")));
                None
            }
        }
    }

    fn month_day(&self, vs: &mut Violations, key: &str) -> Option<MonthDay> {
        let field = self.field(key);
        match self.map.get(key).and_then(Value::as_str) {
            Some(raw) => vs.take(MonthDay::parse(&field, raw)),
            None => {
                vs.push(problem(&field, format!("{field} 应为 MM-DD 格式的日期")));
                None
            }
        }
    }

    fn month_days(&self, vs: &mut Violations, key: &str) -> Option<Vec<MonthDay>> {
        let field = self.field(key);
        let Some(items) = self.map.get(key).and_then(Value::as_array) else {
            vs.push(problem(
                &field,
                format!("{field} 应为日期列表（可为空列表 []）"),
            ));
            return None;
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let f = format!("{field}[{i}]");
            out.push(vs.take(MonthDay::parse(&f, item.as_str().unwrap_or("")))?);
        }
        Some(out)
    }

    fn wires<T: WireEnum + Ord>(&self, vs: &mut Violations, key: &str) -> Option<Vec<T>> {
        let field = self.field(key);
        let items = self.map.get(key).and_then(Value::as_array);
        let Some(items) = items.filter(|items| !items.is_empty()) else {
            vs.push(problem(&field, format!("{field} 应为非空列表")));
            return None;
        };
        let mut out = Vec::new();
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            match vs.take(T::parse(
                &format!("{field}[{i}]"),
                item.as_str().unwrap_or(""),
            )) {
                Some(v) => out.push(v),
                None => ok = false,
            }
        }
        out.sort();
        out.dedup();
        ok.then_some(out)
    }

    fn clause(&self, vs: &mut Violations) -> Option<String> {
        self.text(vs, "clause")
    }
}
