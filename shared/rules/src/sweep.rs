//! The compliance sweeps' decisions (DESIGN "Compliance sweeps"), as pure functions.
//!
//! Given the facts of one plan (or one reporter's year) and today, each sweep says which
//! findings hold, which of its findings no longer hold (to resolve), which e-mails are due,
//! and the next day on which its answer can change (the due date the sweep index keeps).
//! Every finding and e-mail carries a stable idempotency key: running a sweep twice on one
//! day, or on several days, yields the same keys, so nothing is recorded or sent twice.
//!
//! | sweep    | reminder                      | violation                          |
//! |----------|-------------------------------|------------------------------------|
//! | notice   | start − 20, start − 16        | start − 14 (R5); < 25 confirmed at start − 3 (R7) |
//! | feedback | end + 10                      | end + 16, after day 15 (R12)       |
//! | report   | Nov 1, Nov 10                 | Nov 16 (R14)                       |

use chrono::NaiveDate;
use serde::Serialize;

use crate::calendar::{
    annual_report_due, days_after, days_before, feedback_response_due, last_announcement_day,
};
use crate::lifecycle::{PlanStatus, effective_status};
use crate::org::Id;
use crate::plan::{MIN_PARTICIPANTS, OpenPeriod};

wire_enum! {
    pub enum SweepKind : "巡查" {
        Notice => "notice", "活动公告巡查";
        Feedback => "feedback", "采纳反馈巡查";
        Report => "report", "年度报送巡查";
    }
}

wire_enum! {
    pub enum FindingKind : "问题类型" {
        NoticeMissing => "notice_missing", "未提前15天发布活动公告";
        ParticipantsShort => "participants_short", "报名确认人数不足25人";
        FeedbackOverdue => "feedback_overdue", "未在15天内公开反馈采纳情况";
        ReportOverdue => "report_overdue", "未在11月15日前报送年度开展情况";
    }
}

impl FindingKind {
    /// The clause of the work plan the finding enforces.
    pub fn clause(self) -> &'static str {
        match self {
            FindingKind::NoticeMissing | FindingKind::ParticipantsShort => "二（五）",
            FindingKind::FeedbackOverdue => "三（一）",
            FindingKind::ReportOverdue => "三（四）",
        }
    }
}

wire_enum! {
    pub enum Recipient : "收件人" {
        Agency => "agency", "实施机关";
        ReviewingOffice => "reviewing_office", "同级政务公开办公室";
        RegionalOffice => "regional_office", "自治区政务公开办公室";
    }
}

wire_enum! {
    pub enum MailKind : "邮件类型" {
        NoticeReminder => "notice_reminder", "活动公告发布提醒";
        NoticeViolation => "notice_violation", "活动公告逾期";
        ParticipantsShort => "participants_short", "报名人数不足提醒";
        FeedbackReminder => "feedback_reminder", "采纳情况反馈提醒";
        FeedbackOverdue => "feedback_overdue", "采纳情况反馈逾期";
        ReportReminder => "report_reminder", "年度开展情况报送提醒";
        ReportOverdue => "report_overdue", "年度开展情况报送逾期";
        PlanSubmitted => "plan_submitted", "实施方案待审核";
        PlanFiled => "plan_filed", "实施方案已备案";
        PlanReturned => "plan_returned", "实施方案退回修改";
    }
}

/// A rule found broken for a plan or a reporter's year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Idempotency key: one finding per kind and subject.
    pub key: String,
    pub kind: FindingKind,
    /// The plan, for plan findings.
    pub plan_id: Option<String>,
    pub org_id: Id,
    /// The deadline that was missed.
    pub due_on: NaiveDate,
}

/// An e-mail that is due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MailDue {
    /// Idempotency key: one e-mail per milestone, subject and recipient.
    pub key: String,
    pub kind: MailKind,
    pub to: Recipient,
    pub plan_id: Option<String>,
    pub org_id: Id,
    /// The deadline the e-mail is about.
    pub due_on: NaiveDate,
    /// Days from today to `due_on` (negative when it has passed).
    pub days_left: i64,
}

/// What one sweep decides about one subject today.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Decision {
    pub holds: Vec<Finding>,
    /// Keys of this sweep's findings for the subject that do not hold (resolve if open).
    pub resolved: Vec<String>,
    pub mail: Vec<MailDue>,
    /// The next day this decision can change; `None` when the sweep is done with it.
    pub next_check: Option<NaiveDate>,
    /// The day before the event: remind every confirmed registrant by text message (once).
    pub remind_registrants: bool,
}

/// The day a sweep should next read a plan, given its decision for today: today when
/// something is due today (the marker is idempotent), else the next milestone.
pub fn due_on(decision: &Decision, today: NaiveDate) -> Option<NaiveDate> {
    if decision.holds.is_empty() && decision.mail.is_empty() {
        decision.next_check
    } else {
        Some(today)
    }
}

/// The facts of a plan that the plan sweeps read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanFacts {
    pub plan_id: String,
    pub org_id: Id,
    /// The stored status; the calendar's `held` is derived here.
    pub status: PlanStatus,
    pub period: OpenPeriod,
    pub confirmed: u32,
    pub responded_on: Option<NaiveDate>,
}

/// The facts of one reporter's year that the report sweep reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReporterFacts {
    pub org_id: Id,
    pub year: i32,
    pub received_on: Option<NaiveDate>,
}

/// The finding key for a plan finding: `<kind>#<plan>`.
pub fn plan_finding_key(kind: FindingKind, plan_id: &str) -> String {
    format!("{}#{plan_id}", kind.wire())
}

/// The finding key for a reporter's year: `report_overdue#<org>#<year>`.
pub fn report_finding_key(org_id: &Id, year: i32) -> String {
    report_subject(org_id, year).finding_key(FindingKind::ReportOverdue)
}

/// The earliest of `milestones` after today.
fn next_after(today: NaiveDate, milestones: &[NaiveDate]) -> Option<NaiveDate> {
    milestones.iter().copied().filter(|m| *m > today).min()
}

struct Subject<'a> {
    plan_id: Option<&'a str>,
    org_id: &'a Id,
    /// The part of every key that names the subject.
    key: String,
}

/// A deadline with reminders before it and a finding once it has passed.
struct Ladder<'a> {
    due_on: NaiveDate,
    /// Reminder milestones, earliest first: the day and the milestone's name in mail keys.
    reminders: &'a [(NaiveDate, &'static str)],
    reminder: MailKind,
    /// The first day on which the finding holds.
    overdue_from: NaiveDate,
    finding: FindingKind,
    overdue: MailKind,
    /// Who is told of the finding besides the agency.
    overseer: Recipient,
}

impl Subject<'_> {
    fn finding_key(&self, kind: FindingKind) -> String {
        format!("{}#{}", kind.wire(), self.key)
    }

    fn finding(&self, kind: FindingKind, due_on: NaiveDate) -> Finding {
        Finding {
            key: self.finding_key(kind),
            kind,
            plan_id: self.plan_id.map(str::to_owned),
            org_id: self.org_id.clone(),
            due_on,
        }
    }

    /// One e-mail per recipient, keyed by milestone, subject and recipient.
    fn mail(
        &self,
        milestone: &str,
        kind: MailKind,
        to: &[Recipient],
        due_on: NaiveDate,
        today: NaiveDate,
    ) -> Vec<MailDue> {
        to.iter()
            .map(|r| MailDue {
                key: format!("{milestone}#{}#{}", self.key, r.wire()),
                kind,
                to: *r,
                plan_id: self.plan_id.map(str::to_owned),
                org_id: self.org_id.clone(),
                due_on,
                days_left: (due_on - today).num_days(),
            })
            .collect()
    }

    /// Where `today` stands on the ladder: the latest reminder reached, or the finding.
    fn climb(&self, ladder: &Ladder, today: NaiveDate, d: &mut Decision) {
        if today >= ladder.overdue_from {
            d.holds.push(self.finding(ladder.finding, ladder.due_on));
            d.mail = self.mail(
                ladder.finding.wire(),
                ladder.overdue,
                &[Recipient::Agency, ladder.overseer],
                ladder.due_on,
                today,
            );
        } else {
            d.resolved.push(self.finding_key(ladder.finding));
            if let Some((_, milestone)) =
                ladder.reminders.iter().rev().find(|(day, _)| today >= *day)
            {
                d.mail = self.mail(
                    milestone,
                    ladder.reminder,
                    &[Recipient::Agency],
                    ladder.due_on,
                    today,
                );
            }
        }
        let milestones: Vec<NaiveDate> = ladder
            .reminders
            .iter()
            .map(|(day, _)| *day)
            .chain([ladder.overdue_from])
            .collect();
        d.next_check = next_after(today, &milestones);
    }
}

fn plan_subject(plan: &PlanFacts) -> Subject<'_> {
    Subject {
        plan_id: Some(&plan.plan_id),
        org_id: &plan.org_id,
        key: plan.plan_id.clone(),
    }
}

/// Notice sweep (R5, R7): a plan not yet announced is reminded 20 and 16 days before the
/// start and found in violation from 14 days before (the last day was start − 15); an
/// announced plan with fewer than 25 confirmed registrations is found 3 days before.
pub fn notice(plan: &PlanFacts, today: NaiveDate) -> Decision {
    let start = plan.period.start();
    let last_day = last_announcement_day(start);
    let subject = plan_subject(plan);
    let missing_key = subject.finding_key(FindingKind::NoticeMissing);
    let short_key = subject.finding_key(FindingKind::ParticipantsShort);
    let mut d = Decision::default();
    match effective_status(plan.status, &plan.period, today) {
        // Not announced yet (filed, or still under review: it cannot be announced either).
        PlanStatus::Submitted | PlanStatus::Returned | PlanStatus::Filed => {
            d.resolved.push(short_key);
            let ladder = Ladder {
                due_on: last_day,
                reminders: &[
                    (days_before(start, 20), "notice_reminder_20"),
                    (days_before(start, 16), "notice_reminder_16"),
                ],
                reminder: MailKind::NoticeReminder,
                overdue_from: days_before(start, 14),
                finding: FindingKind::NoticeMissing,
                overdue: MailKind::NoticeViolation,
                overseer: Recipient::ReviewingOffice,
            };
            subject.climb(&ladder, today, &mut d);
        }
        PlanStatus::Announced => {
            d.resolved.push(missing_key);
            d.remind_registrants = today == days_before(start, 1);
            let check_from = days_before(start, 3);
            let in_window = today >= check_from && today < start;
            if in_window && plan.confirmed < MIN_PARTICIPANTS {
                d.holds
                    .push(subject.finding(FindingKind::ParticipantsShort, check_from));
                d.mail = subject.mail(
                    "participants_short",
                    MailKind::ParticipantsShort,
                    &[Recipient::Agency, Recipient::ReviewingOffice],
                    start,
                    today,
                );
            } else if plan.confirmed >= MIN_PARTICIPANTS {
                d.resolved.push(short_key);
            }
            // Look again each day of the window: late registrations resolve the finding. The
            // day before, look again the same day too: a reminder that failed is sent by a
            // later run, and a registrant promoted from the waitlist that day is reminded.
            d.next_check = if today < check_from {
                Some(check_from)
            } else if d.remind_registrants {
                Some(today)
            } else {
                Some(days_after(today, 1)).filter(|next| *next < start)
            };
        }
        // Held or responded: it was announced. Cancelled: the event will not take place.
        PlanStatus::Held | PlanStatus::Responded => d.resolved.push(missing_key),
        PlanStatus::Cancelled => d.resolved.extend([missing_key, short_key]),
    }
    d
}

/// Feedback sweep (R12): a held plan without a published response is reminded 10 days
/// after the end and found overdue after day 15.
pub fn feedback(plan: &PlanFacts, today: NaiveDate) -> Decision {
    let end = plan.period.end();
    let due = feedback_response_due(end);
    let subject = plan_subject(plan);
    let mut d = Decision::default();
    let status = effective_status(plan.status, &plan.period, today);
    if plan.responded_on.is_some()
        || matches!(status, PlanStatus::Responded | PlanStatus::Cancelled)
    {
        d.resolved
            .push(subject.finding_key(FindingKind::FeedbackOverdue));
        return d;
    }
    let ladder = Ladder {
        due_on: due,
        reminders: &[(days_after(end, 10), "feedback_reminder")],
        reminder: MailKind::FeedbackReminder,
        overdue_from: days_after(due, 1),
        finding: FindingKind::FeedbackOverdue,
        overdue: MailKind::FeedbackOverdue,
        overseer: Recipient::ReviewingOffice,
    };
    match status {
        PlanStatus::Held => subject.climb(&ladder, today, &mut d),
        // Not held yet: look again when the reminder falls due.
        PlanStatus::Announced => d.next_check = Some(ladder.reminders[0].0),
        // Never announced, so never held: the notice sweep covers it.
        _ => {}
    }
    d
}

/// Report sweep (R14): a reporter without the year's report is reminded on November 1
/// and 10 and found overdue from November 16.
pub fn report(reporter: &ReporterFacts, today: NaiveDate) -> Decision {
    let due = annual_report_due(reporter.year);
    let subject = report_subject(&reporter.org_id, reporter.year);
    let mut d = Decision::default();
    if reporter.received_on.is_some() {
        d.resolved
            .push(subject.finding_key(FindingKind::ReportOverdue));
        return d;
    }
    let ladder = Ladder {
        due_on: due,
        reminders: &[
            (days_before(due, 14), "report_reminder_1101"),
            (days_before(due, 5), "report_reminder_1110"),
        ],
        reminder: MailKind::ReportReminder,
        overdue_from: days_after(due, 1),
        finding: FindingKind::ReportOverdue,
        overdue: MailKind::ReportOverdue,
        overseer: Recipient::RegionalOffice,
    };
    subject.climb(&ladder, today, &mut d);
    d
}

fn report_subject(org_id: &Id, year: i32) -> Subject<'_> {
    Subject {
        plan_id: None,
        org_id,
        key: format!("{org_id}#{year}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::day;
    use crate::plan::Format;

    /// A one-day event on 2026-09-30: last announcement day 09-15, reminders 09-10 and
    /// 09-14, violation from 09-16, participant check 09-27..29; feedback reminder 10-10,
    /// due 10-15, overdue from 10-16.
    fn plan(status: PlanStatus) -> PlanFacts {
        PlanFacts {
            plan_id: "p-1".into(),
            org_id: Id::parse("org", "nn-jt").unwrap(),
            status,
            period: OpenPeriod::new(2026, Format::Day, day("2026-09-30"), day("2026-09-30"))
                .unwrap(),
            confirmed: 30,
            responded_on: None,
        }
    }

    fn mail_keys(d: &Decision) -> Vec<&str> {
        d.mail.iter().map(|m| m.key.as_str()).collect()
    }

    fn finding_kinds(d: &Decision) -> Vec<FindingKind> {
        d.holds.iter().map(|f| f.kind).collect()
    }

    #[test]
    fn registrants_are_reminded_the_day_before_the_event_only() {
        let mut facts = plan(PlanStatus::Announced);
        let start = facts.period.start();
        for (offset, remind) in [(3, false), (2, false), (1, true)] {
            let d = notice(&facts, days_before(start, offset));
            assert_eq!(d.remind_registrants, remind, "{offset} days before");
        }
        // The day before is read: the sweep comes back each day of the last three.
        assert_eq!(
            notice(&facts, days_before(start, 2)).next_check,
            Some(days_before(start, 1))
        );
        assert_eq!(
            notice(&facts, days_before(start, 1)).next_check,
            Some(days_before(start, 1)),
            "read again the same day"
        );
        assert!(!notice(&facts, start).remind_registrants);
        assert_eq!(notice(&facts, start).next_check, None);
        facts.status = PlanStatus::Cancelled;
        assert!(!notice(&facts, days_before(start, 1)).remind_registrants);
    }

    #[test]
    fn notice_reminds_twenty_days_before_the_start() {
        let p = plan(PlanStatus::Filed);
        let before = notice(&p, day("2026-09-09"));
        assert!(before.mail.is_empty() && before.holds.is_empty());
        assert_eq!(before.next_check, Some(day("2026-09-10")));
        let on = notice(&p, day("2026-09-10"));
        assert_eq!(mail_keys(&on), ["notice_reminder_20#p-1#agency"]);
        assert_eq!(on.mail[0].due_on, day("2026-09-15"));
        assert_eq!(on.mail[0].days_left, 5);
        assert_eq!(on.next_check, Some(day("2026-09-14")));
        // The day after, the same reminder (same key: the outbox keeps one).
        assert_eq!(
            mail_keys(&notice(&p, day("2026-09-11"))),
            ["notice_reminder_20#p-1#agency"]
        );
    }

    #[test]
    fn notice_reminds_again_sixteen_days_before_the_start() {
        let p = plan(PlanStatus::Filed);
        assert_eq!(
            mail_keys(&notice(&p, day("2026-09-13"))),
            ["notice_reminder_20#p-1#agency"]
        );
        let on = notice(&p, day("2026-09-14"));
        assert_eq!(mail_keys(&on), ["notice_reminder_16#p-1#agency"]);
        assert!(on.holds.is_empty());
        assert_eq!(on.next_check, Some(day("2026-09-16")));
        // The last day to announce (start − 15) is still not a violation.
        let last = notice(&p, day("2026-09-15"));
        assert!(last.holds.is_empty());
        assert_eq!(mail_keys(&last), ["notice_reminder_16#p-1#agency"]);
    }

    #[test]
    fn notice_finds_a_violation_fourteen_days_before_the_start() {
        let p = plan(PlanStatus::Filed);
        for today in ["2026-09-16", "2026-09-17", "2026-09-30"] {
            let d = notice(&p, day(today));
            assert_eq!(finding_kinds(&d), [FindingKind::NoticeMissing], "{today}");
            assert_eq!(d.holds[0].key, "notice_missing#p-1");
            assert_eq!(d.holds[0].due_on, day("2026-09-15"));
            assert_eq!(
                mail_keys(&d),
                [
                    "notice_missing#p-1#agency",
                    "notice_missing#p-1#reviewing_office"
                ]
            );
            assert_eq!(d.next_check, None);
        }
        // A plan still under review at that point is in the same violation.
        assert_eq!(
            finding_kinds(&notice(&plan(PlanStatus::Submitted), day("2026-09-16"))),
            [FindingKind::NoticeMissing]
        );
    }

    #[test]
    fn the_notice_finding_is_resolved_by_the_announcement_or_cancellation() {
        for status in [
            PlanStatus::Announced,
            PlanStatus::Held,
            PlanStatus::Responded,
            PlanStatus::Cancelled,
        ] {
            let d = notice(&plan(status), day("2026-09-16"));
            assert!(d.holds.is_empty(), "{status}");
            assert!(
                d.resolved.contains(&"notice_missing#p-1".to_owned()),
                "{status}"
            );
        }
    }

    #[test]
    fn participants_under_25_are_found_three_days_before_the_start() {
        let mut p = plan(PlanStatus::Announced);
        p.confirmed = 24;
        let before = notice(&p, day("2026-09-26"));
        assert!(before.holds.is_empty());
        assert_eq!(before.next_check, Some(day("2026-09-27")));
        let on = notice(&p, day("2026-09-27"));
        assert_eq!(finding_kinds(&on), [FindingKind::ParticipantsShort]);
        assert_eq!(
            mail_keys(&on),
            [
                "participants_short#p-1#agency",
                "participants_short#p-1#reviewing_office"
            ]
        );
        assert_eq!(on.next_check, Some(day("2026-09-28")));
        // The day before is read again that day (reminders to registrants), then no more.
        assert_eq!(
            notice(&p, day("2026-09-29")).next_check,
            Some(day("2026-09-29"))
        );
        assert_eq!(notice(&p, day("2026-09-30")).next_check, None);
        // 25 confirmed is enough, and a later look resolves the finding.
        p.confirmed = 25;
        let enough = notice(&p, day("2026-09-28"));
        assert!(enough.holds.is_empty());
        assert!(
            enough
                .resolved
                .contains(&"participants_short#p-1".to_owned())
        );
    }

    #[test]
    fn feedback_reminds_ten_days_after_the_end() {
        let p = plan(PlanStatus::Announced); // held from 10-01 by the calendar
        let early = feedback(&p, day("2026-10-09"));
        assert!(early.mail.is_empty());
        assert_eq!(early.next_check, Some(day("2026-10-10")));
        let on = feedback(&p, day("2026-10-10"));
        assert_eq!(mail_keys(&on), ["feedback_reminder#p-1#agency"]);
        assert_eq!(on.next_check, Some(day("2026-10-16")));
        assert_eq!(
            feedback(&p, day("2026-09-20")).next_check,
            Some(day("2026-10-10"))
        );
    }

    #[test]
    fn feedback_is_overdue_after_day_fifteen() {
        let p = plan(PlanStatus::Held);
        let due_day = feedback(&p, day("2026-10-15"));
        assert!(due_day.holds.is_empty());
        assert_eq!(mail_keys(&due_day), ["feedback_reminder#p-1#agency"]);
        let after = feedback(&p, day("2026-10-16"));
        assert_eq!(finding_kinds(&after), [FindingKind::FeedbackOverdue]);
        assert_eq!(after.holds[0].due_on, day("2026-10-15"));
        assert_eq!(
            mail_keys(&after),
            [
                "feedback_overdue#p-1#agency",
                "feedback_overdue#p-1#reviewing_office"
            ]
        );
        assert_eq!(after.next_check, None);
        assert_eq!(
            finding_kinds(&feedback(&p, day("2026-10-17"))),
            [FindingKind::FeedbackOverdue]
        );
    }

    #[test]
    fn the_feedback_finding_is_resolved_by_the_response() {
        let mut p = plan(PlanStatus::Held);
        p.responded_on = Some(day("2026-10-20"));
        let d = feedback(&p, day("2026-10-20"));
        assert!(d.holds.is_empty() && d.mail.is_empty());
        assert_eq!(d.resolved, ["feedback_overdue#p-1"]);
        assert!(
            feedback(&plan(PlanStatus::Filed), day("2026-10-20"))
                .holds
                .is_empty()
        );
    }

    fn reporter(received_on: Option<&str>) -> ReporterFacts {
        ReporterFacts {
            org_id: Id::parse("org", "qx-gov").unwrap(),
            year: 2026,
            received_on: received_on.map(day),
        }
    }

    #[test]
    fn report_reminds_on_november_first_and_tenth() {
        let r = reporter(None);
        let oct31 = report(&r, day("2026-10-31"));
        assert!(oct31.mail.is_empty());
        assert_eq!(oct31.next_check, Some(day("2026-11-01")));
        assert_eq!(
            mail_keys(&report(&r, day("2026-11-01"))),
            ["report_reminder_1101#qx-gov#2026#agency"]
        );
        assert_eq!(
            mail_keys(&report(&r, day("2026-11-09"))),
            ["report_reminder_1101#qx-gov#2026#agency"]
        );
        let nov10 = report(&r, day("2026-11-10"));
        assert_eq!(
            mail_keys(&nov10),
            ["report_reminder_1110#qx-gov#2026#agency"]
        );
        assert_eq!(nov10.mail[0].days_left, 5);
        assert_eq!(nov10.next_check, Some(day("2026-11-16")));
    }

    #[test]
    fn report_is_overdue_from_november_sixteenth() {
        let r = reporter(None);
        assert!(report(&r, day("2026-11-15")).holds.is_empty());
        let d = report(&r, day("2026-11-16"));
        assert_eq!(finding_kinds(&d), [FindingKind::ReportOverdue]);
        assert_eq!(d.holds[0].key, "report_overdue#qx-gov#2026");
        assert_eq!(
            mail_keys(&d),
            [
                "report_overdue#qx-gov#2026#agency",
                "report_overdue#qx-gov#2026#regional_office"
            ]
        );
        assert_eq!(
            finding_kinds(&report(&r, day("2026-11-17"))),
            [FindingKind::ReportOverdue]
        );
        let received = report(&reporter(Some("2026-11-20")), day("2026-11-20"));
        assert!(received.holds.is_empty() && received.mail.is_empty());
        assert_eq!(received.resolved, ["report_overdue#qx-gov#2026"]);
    }

    #[test]
    fn a_sweep_run_twice_on_one_day_decides_the_same() {
        for today in ["2026-09-10", "2026-09-16", "2026-10-10", "2026-10-16"] {
            let p = plan(PlanStatus::Filed);
            assert_eq!(notice(&p, day(today)), notice(&p, day(today)));
            assert_eq!(feedback(&p, day(today)), feedback(&p, day(today)));
        }
    }

    #[test]
    fn every_milestone_is_a_next_check_so_an_index_keyed_by_it_misses_none() {
        // Following next_check from long before reaches every day on which mail changes.
        let p = plan(PlanStatus::Filed);
        let mut today = day("2026-06-01");
        let mut visited = vec![];
        while let Some(next) = notice(&p, today).next_check {
            visited.push(next);
            today = next;
        }
        assert_eq!(
            visited,
            [day("2026-09-10"), day("2026-09-14"), day("2026-09-16")]
        );
    }
}
