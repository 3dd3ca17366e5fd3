//! The compliance sweeps' decisions (`docs/sweeps.md`), as pure functions.
//!
//! Given the facts of one plan (or one reporter's year) and today, each sweep says which
//! findings hold, which of its findings no longer hold (to resolve), which e-mails are due,
//! and the next day on which its answer can change (the due date the sweep index keeps).
//! Every finding and e-mail carries a stable idempotency key: running a sweep twice on one
//! day, or on several days, yields the same keys, so nothing is recorded or sent twice.
//!
//! Every milestone is the programme's (the plan's own programme version); in the seed's:
//!
//! | sweep    | reminder                      | violation                          |
//! |----------|-------------------------------|------------------------------------|
//! | notice   | start − 20, start − 16        | start − 14 (R5); < 25 confirmed at start − 3 (R7) |
//! | feedback | end + 10                      | end + 16, after day 15 (R12)       |
//! | report   | Nov 1, Nov 10                 | Nov 16 (R14)                       |

use chrono::NaiveDate;
use serde::Serialize;

use crate::calendar::{days_after, days_before};
use crate::event::OpenPeriod;
use crate::lifecycle::{PlanStatus, effective_status};
use crate::org::Id;
use crate::programme::Programme;

wire_enum! {
    pub enum SweepKind : "巡查" {
        Notice => "notice", "活动公告巡查";
        Feedback => "feedback", "采纳反馈巡查";
        Report => "report", "年度报送巡查";
    }
}

wire_enum! {
    pub enum FindingKind : "问题类型" {
        NoticeMissing => "notice_missing", "未按期发布活动公告";
        ParticipantsShort => "participants_short", "报名确认人数不足";
        FeedbackOverdue => "feedback_overdue", "未按期公开反馈采纳情况";
        ReportOverdue => "report_overdue", "未按期报送年度开展情况";
        AdoptionNotDone => "adoption_not_done", "采纳的意见建议经跟踪检查未落实";
    }
}

impl FindingKind {
    /// The clause of the programme's work plan the finding enforces.
    pub fn clause(self, programme: &Programme) -> &str {
        match self {
            FindingKind::NoticeMissing => &programme.notice.clause,
            FindingKind::ParticipantsShort => &programme.participants.clause,
            FindingKind::FeedbackOverdue => &programme.feedback.clause,
            FindingKind::ReportOverdue => &programme.report.clause,
            // 三(三): offices check whether adopted suggestions were carried out.
            FindingKind::AdoptionNotDone => &programme.evaluation.clause,
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
struct Ladder {
    due_on: NaiveDate,
    /// Reminder milestones, earliest first: the day and the milestone's name in mail keys.
    reminders: Vec<(NaiveDate, String)>,
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

/// Notice sweep (R5, R7): a plan not yet announced is reminded on the programme's days
/// before the start (20 and 16 in the seed) and found in violation from the day after the
/// last announcement day (start − 15 in the seed); an announced plan with fewer confirmed
/// registrations than the minimum (25) is found the programme's days before (3).
pub fn notice(plan: &PlanFacts, programme: &Programme, today: NaiveDate) -> Decision {
    let start = plan.period.start();
    let last_day = programme.last_announcement_day(start);
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
                reminders: programme.notice_reminders(start),
                reminder: MailKind::NoticeReminder,
                overdue_from: days_after(last_day, 1),
                finding: FindingKind::NoticeMissing,
                overdue: MailKind::NoticeViolation,
                overseer: Recipient::ReviewingOffice,
            };
            subject.climb(&ladder, today, &mut d);
        }
        PlanStatus::Announced => {
            d.resolved.push(missing_key);
            d.remind_registrants = today == days_before(start, 1);
            let check_from = programme.participants_check_from(start);
            let in_window = today >= check_from && today < start;
            let enough = programme.enough_participants(plan.confirmed);
            if in_window && !enough {
                d.holds
                    .push(subject.finding(FindingKind::ParticipantsShort, check_from));
                d.mail = subject.mail(
                    "participants_short",
                    MailKind::ParticipantsShort,
                    &[Recipient::Agency, Recipient::ReviewingOffice],
                    start,
                    today,
                );
            } else if enough {
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

/// Feedback sweep (R12): a held plan without a published response is reminded on the
/// programme's days after the end (10 in the seed) and found overdue after the last day
/// (day 15).
pub fn feedback(plan: &PlanFacts, programme: &Programme, today: NaiveDate) -> Decision {
    let end = plan.period.end();
    let due = programme.feedback_response_due(end);
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
        reminders: programme.feedback_reminders(end),
        reminder: MailKind::FeedbackReminder,
        overdue_from: days_after(due, 1),
        finding: FindingKind::FeedbackOverdue,
        overdue: MailKind::FeedbackOverdue,
        overseer: Recipient::ReviewingOffice,
    };
    match status {
        PlanStatus::Held => subject.climb(&ladder, today, &mut d),
        // Not held yet: look again when the first reminder (or the finding) falls due.
        PlanStatus::Announced => {
            d.next_check = Some(
                ladder
                    .reminders
                    .first()
                    .map_or(ladder.overdue_from, |(day, _)| *day),
            )
        }
        // Never announced, so never held: the notice sweep covers it.
        _ => {}
    }
    d
}

/// Report sweep (R14): a reporter without the year's report is reminded on the
/// programme's days (November 1 and 10 in the seed) and found overdue from the day after
/// the due day (November 16).
pub fn report(reporter: &ReporterFacts, programme: &Programme, today: NaiveDate) -> Decision {
    let due = programme.report_due(reporter.year);
    let subject = report_subject(&reporter.org_id, reporter.year);
    let mut d = Decision::default();
    if reporter.received_on.is_some() {
        d.resolved
            .push(subject.finding_key(FindingKind::ReportOverdue));
        return d;
    }
    let ladder = Ladder {
        due_on: due,
        reminders: programme.report_reminders(reporter.year),
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
    use crate::event::Format;
    use crate::programme::tests::both as programmes;

    /// A one-day event on 2026-09-30: last announcement day 09-15, reminders 09-10 and
    /// 09-14, violation from 09-16, participant check 09-27..29; feedback reminder 10-10,
    /// due 10-15, overdue from 10-16.
    fn plan(status: PlanStatus) -> PlanFacts {
        PlanFacts {
            plan_id: "p-1".into(),
            org_id: Id::parse("org", "nn-jt").unwrap(),
            status,
            period: OpenPeriod::new(2026, Format::Day, day(START), day(START)).unwrap(),
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
        let p = Programme::shipped();
        let notice = |facts: &PlanFacts, today| notice(facts, &p, today);
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

    const START: &str = "2026-09-30";

    fn keys(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    fn owned(d: &Decision) -> Vec<String> {
        d.mail.iter().map(|m| m.key.clone()).collect()
    }

    #[test]
    fn the_seed_s_milestones_are_the_work_plan_s() {
        let seed = Programme::shipped();
        let start = day(START);
        let notice: Vec<(String, String)> = seed
            .notice_reminders(start)
            .into_iter()
            .map(|(d, n)| (d.to_string(), n))
            .collect();
        assert_eq!(
            notice,
            [
                ("2026-09-10".to_owned(), "notice_reminder_20".to_owned()),
                ("2026-09-14".to_owned(), "notice_reminder_16".to_owned())
            ]
        );
        assert_eq!(seed.last_announcement_day(start), day("2026-09-15"));
        assert_eq!(seed.participants_check_from(start), day("2026-09-27"));
        assert_eq!(
            seed.feedback_reminders(start),
            [(day("2026-10-10"), "feedback_reminder".to_owned())]
        );
        assert_eq!(seed.feedback_response_due(start), day("2026-10-15"));
        assert_eq!(
            seed.report_reminders(2026),
            [
                (day("2026-11-01"), "report_reminder_1101".to_owned()),
                (day("2026-11-10"), "report_reminder_1110".to_owned())
            ]
        );
    }

    #[test]
    fn notice_reminds_on_the_first_reminder_day() {
        for pr in programmes() {
            let p = plan(PlanStatus::Filed);
            let start = p.period.start();
            let reminders = pr.notice_reminders(start);
            let (first, name) = reminders[0].clone();
            let last_day = pr.last_announcement_day(start);
            let before = notice(&p, &pr, days_before(first, 1));
            assert!(before.mail.is_empty() && before.holds.is_empty());
            assert_eq!(before.next_check, Some(first));
            let on = notice(&p, &pr, first);
            assert_eq!(owned(&on), keys(&[&format!("{name}#p-1#agency")]));
            assert_eq!(on.mail[0].due_on, last_day);
            assert_eq!(on.mail[0].days_left, (last_day - first).num_days());
            assert_eq!(on.next_check, Some(reminders[1].0));
            // The day after, the same reminder (same key: the outbox keeps one).
            assert_eq!(owned(&notice(&p, &pr, days_after(first, 1))), owned(&on));
        }
    }

    #[test]
    fn notice_reminds_again_on_the_last_reminder_day() {
        for pr in programmes() {
            let p = plan(PlanStatus::Filed);
            let start = p.period.start();
            let reminders = pr.notice_reminders(start);
            let (earlier, earlier_name) = reminders[0].clone();
            let (last, name) = reminders[reminders.len() - 1].clone();
            assert!(earlier < last);
            assert_eq!(
                owned(&notice(&p, &pr, days_before(last, 1))),
                keys(&[&format!("{earlier_name}#p-1#agency")])
            );
            let on = notice(&p, &pr, last);
            assert_eq!(owned(&on), keys(&[&format!("{name}#p-1#agency")]));
            assert!(on.holds.is_empty());
            let last_day = pr.last_announcement_day(start);
            assert_eq!(on.next_check, Some(days_after(last_day, 1)));
            // The last day to announce is still not a violation.
            let due = notice(&p, &pr, last_day);
            assert!(due.holds.is_empty());
            assert_eq!(owned(&due), keys(&[&format!("{name}#p-1#agency")]));
        }
    }

    #[test]
    fn notice_finds_a_violation_the_day_after_the_last_announcement_day() {
        for pr in programmes() {
            let p = plan(PlanStatus::Filed);
            let last_day = pr.last_announcement_day(p.period.start());
            for today in [
                days_after(last_day, 1),
                days_after(last_day, 2),
                p.period.start(),
            ] {
                let d = notice(&p, &pr, today);
                assert_eq!(finding_kinds(&d), [FindingKind::NoticeMissing], "{today}");
                assert_eq!(d.holds[0].key, "notice_missing#p-1");
                assert_eq!(d.holds[0].due_on, last_day);
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
                finding_kinds(&notice(
                    &plan(PlanStatus::Submitted),
                    &pr,
                    days_after(last_day, 1)
                )),
                [FindingKind::NoticeMissing]
            );
        }
    }

    #[test]
    fn the_notice_finding_is_resolved_by_the_announcement_or_cancellation() {
        for pr in programmes() {
            let today = days_after(pr.last_announcement_day(day(START)), 1);
            for status in [
                PlanStatus::Announced,
                PlanStatus::Held,
                PlanStatus::Responded,
                PlanStatus::Cancelled,
            ] {
                let d = notice(&plan(status), &pr, today);
                assert!(d.holds.is_empty(), "{status}");
                assert!(
                    d.resolved.contains(&"notice_missing#p-1".to_owned()),
                    "{status}"
                );
            }
        }
    }

    #[test]
    fn participants_under_the_minimum_are_found_before_the_start() {
        for pr in programmes() {
            let mut p = plan(PlanStatus::Announced);
            let start = p.period.start();
            p.confirmed = pr.participants.minimum - 1;
            let check_from = pr.participants_check_from(start);
            let before = notice(&p, &pr, days_before(check_from, 1));
            assert!(before.holds.is_empty());
            assert_eq!(before.next_check, Some(check_from));
            let on = notice(&p, &pr, check_from);
            assert_eq!(finding_kinds(&on), [FindingKind::ParticipantsShort]);
            assert_eq!(
                mail_keys(&on),
                [
                    "participants_short#p-1#agency",
                    "participants_short#p-1#reviewing_office"
                ]
            );
            assert_eq!(on.next_check, Some(days_after(check_from, 1)));
            // The day before is read again that day (reminders to registrants), then no more.
            let eve = days_before(start, 1);
            assert_eq!(notice(&p, &pr, eve).next_check, Some(eve));
            assert_eq!(notice(&p, &pr, start).next_check, None);
            // The minimum is enough, and a later look resolves the finding.
            p.confirmed = pr.participants.minimum;
            let enough = notice(&p, &pr, days_after(check_from, 1));
            assert!(enough.holds.is_empty());
            assert!(
                enough
                    .resolved
                    .contains(&"participants_short#p-1".to_owned())
            );
        }
    }

    #[test]
    fn feedback_reminds_after_the_end() {
        for pr in programmes() {
            let p = plan(PlanStatus::Announced); // held from the next day by the calendar
            let reminders = pr.feedback_reminders(p.period.end());
            let (first, name) = reminders[0].clone();
            let early = feedback(&p, &pr, days_before(first, 1));
            assert!(early.mail.is_empty());
            assert_eq!(early.next_check, Some(first));
            let on = feedback(&p, &pr, first);
            assert_eq!(owned(&on), keys(&[&format!("{name}#p-1#agency")]));
            let after_first = reminders
                .get(1)
                .map(|(d, _)| *d)
                .unwrap_or_else(|| days_after(pr.feedback_response_due(p.period.end()), 1));
            assert_eq!(on.next_check, Some(after_first));
            assert_eq!(feedback(&p, &pr, day("2026-09-20")).next_check, Some(first));
        }
    }

    #[test]
    fn feedback_is_overdue_after_the_last_day() {
        for pr in programmes() {
            let p = plan(PlanStatus::Held);
            let due = pr.feedback_response_due(p.period.end());
            let reminders = pr.feedback_reminders(p.period.end());
            let last_name = &reminders[reminders.len() - 1].1;
            let due_day = feedback(&p, &pr, due);
            assert!(due_day.holds.is_empty());
            assert_eq!(owned(&due_day), keys(&[&format!("{last_name}#p-1#agency")]));
            let after = feedback(&p, &pr, days_after(due, 1));
            assert_eq!(finding_kinds(&after), [FindingKind::FeedbackOverdue]);
            assert_eq!(after.holds[0].due_on, due);
            assert_eq!(
                mail_keys(&after),
                [
                    "feedback_overdue#p-1#agency",
                    "feedback_overdue#p-1#reviewing_office"
                ]
            );
            assert_eq!(after.next_check, None);
            assert_eq!(
                finding_kinds(&feedback(&p, &pr, days_after(due, 2))),
                [FindingKind::FeedbackOverdue]
            );
        }
    }

    #[test]
    fn the_feedback_finding_is_resolved_by_the_response() {
        for pr in programmes() {
            let mut p = plan(PlanStatus::Held);
            p.responded_on = Some(day("2026-10-20"));
            let d = feedback(&p, &pr, day("2026-10-20"));
            assert!(d.holds.is_empty() && d.mail.is_empty());
            assert_eq!(d.resolved, ["feedback_overdue#p-1"]);
            assert!(
                feedback(&plan(PlanStatus::Filed), &pr, day("2026-10-20"))
                    .holds
                    .is_empty()
            );
        }
    }

    fn reporter(received_on: Option<NaiveDate>) -> ReporterFacts {
        ReporterFacts {
            org_id: Id::parse("org", "qx-gov").unwrap(),
            year: 2026,
            received_on,
        }
    }

    #[test]
    fn report_reminds_on_the_reminder_days() {
        for pr in programmes() {
            let r = reporter(None);
            let reminders = pr.report_reminders(2026);
            let key = |name: &str| keys(&[&format!("{name}#qx-gov#2026#agency")]);
            let (first, first_name) = reminders[0].clone();
            let (second, second_name) = reminders[1].clone();
            let before = report(&r, &pr, days_before(first, 1));
            assert!(before.mail.is_empty());
            assert_eq!(before.next_check, Some(first));
            assert_eq!(owned(&report(&r, &pr, first)), key(&first_name));
            assert_eq!(
                owned(&report(&r, &pr, days_before(second, 1))),
                key(&first_name)
            );
            let on = report(&r, &pr, second);
            assert_eq!(owned(&on), key(&second_name));
            let due = pr.report_due(2026);
            assert_eq!(on.mail[0].days_left, (due - second).num_days());
            assert_eq!(on.next_check, Some(days_after(due, 1)));
        }
    }

    #[test]
    fn report_is_overdue_from_the_day_after_the_due_day() {
        for pr in programmes() {
            let r = reporter(None);
            let due = pr.report_due(2026);
            assert!(report(&r, &pr, due).holds.is_empty());
            let d = report(&r, &pr, days_after(due, 1));
            assert_eq!(finding_kinds(&d), [FindingKind::ReportOverdue]);
            assert_eq!(d.holds[0].key, "report_overdue#qx-gov#2026");
            assert_eq!(d.holds[0].due_on, due);
            assert_eq!(
                mail_keys(&d),
                [
                    "report_overdue#qx-gov#2026#agency",
                    "report_overdue#qx-gov#2026#regional_office"
                ]
            );
            assert_eq!(
                finding_kinds(&report(&r, &pr, days_after(due, 2))),
                [FindingKind::ReportOverdue]
            );
            let later = days_after(due, 5);
            let received = report(&reporter(Some(later)), &pr, later);
            assert!(received.holds.is_empty() && received.mail.is_empty());
            assert_eq!(received.resolved, ["report_overdue#qx-gov#2026"]);
        }
    }

    #[test]
    fn a_sweep_run_twice_on_one_day_decides_the_same() {
        for pr in programmes() {
            for today in ["2026-09-10", "2026-09-16", "2026-10-10", "2026-10-16"] {
                let p = plan(PlanStatus::Filed);
                assert_eq!(notice(&p, &pr, day(today)), notice(&p, &pr, day(today)));
                assert_eq!(feedback(&p, &pr, day(today)), feedback(&p, &pr, day(today)));
            }
        }
    }

    #[test]
    fn every_milestone_is_a_next_check_so_an_index_keyed_by_it_misses_none() {
        // Following next_check from long before reaches every day on which mail changes.
        for pr in programmes() {
            let p = plan(PlanStatus::Filed);
            let mut today = day("2026-06-01");
            let mut visited = vec![];
            while let Some(next) = notice(&p, &pr, today).next_check {
                visited.push(next);
                today = next;
            }
            let mut expected: Vec<NaiveDate> = pr
                .notice_reminders(p.period.start())
                .into_iter()
                .map(|(d, _)| d)
                .collect();
            expected.push(days_after(pr.last_announcement_day(p.period.start()), 1));
            assert_eq!(visited, expected);
        }
        assert_eq!(
            programmes()[0]
                .notice_reminders(day(START))
                .iter()
                .map(|(d, _)| *d)
                .collect::<Vec<_>>(),
            [day("2026-09-10"), day("2026-09-14")]
        );
    }
}
