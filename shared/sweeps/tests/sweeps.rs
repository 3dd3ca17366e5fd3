//! The sweeps on the embedded engine at fixed dates around every milestone (the day before,
//! the day, the day after), with mail written as .eml files by the local mailer.

#![allow(clippy::unwrap_used)] // tests fail loudly

mod common;

use openday_rules::lifecycle::{Action, PlanStatus};
use openday_rules::sweep::SweepKind;
use openday_store::ports::*;
use openday_store::records::{FindingStatus, PlanChange};

use chrono::NaiveDate;
use common::*;
use openday_testkit::programmes;

/// The demo plan's first and last event days.
fn start() -> NaiveDate {
    day("2026-09-20")
}

fn end() -> NaiveDate {
    day("2026-09-26")
}

fn after(d: NaiveDate, n: u64) -> NaiveDate {
    d + chrono::Days::new(n)
}

fn before(d: NaiveDate, n: u64) -> NaiveDate {
    d - chrono::Days::new(n)
}

/// Each test below runs against both shipped programmes, imported into the store, so every
/// milestone provably comes from the file (seed: reminders 08-31 and 09-04, last day 09-05;
/// example: 09-06 and 09-08, last day 09-10).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notice_sweep_around_its_milestones() {
    for programme in programmes(2026) {
        let w = World::with(programme.clone()).await;
        let plan = w.filed_plan().await;
        assert_eq!(plan.programme_version, w.programme_version);
        let notice = |d| w.run_on(SweepKind::Notice, d);
        let reminders = programme.notice_reminders(start());
        let (first, first_name) = reminders[0].clone();
        let (second, second_name) = reminders[1].clone();
        let last_day = programme.last_announcement_day(start());

        let r = notice(before(first, 1)).await;
        assert_eq!(
            (r.subjects_read, r.queued.len()),
            (0, 0),
            "not due the day before"
        );
        let r = notice(first).await;
        assert_eq!(r.queued, [format!("{first_name}#{}#agency", plan.id)]);
        assert_eq!(r.sent, r.queued);
        let r = notice(after(first, 1)).await;
        assert_eq!(
            (r.subjects_read, r.queued.len()),
            (0, 0),
            "nothing the day after"
        );

        assert_eq!(notice(before(second, 1)).await.queued.len(), 0);
        let r = notice(second).await;
        assert_eq!(r.queued, [format!("{second_name}#{}#agency", plan.id)]);
        assert_eq!(
            notice(last_day).await.queued.len(),
            0,
            "the last day to announce is no violation"
        );

        let violation = after(last_day, 1);
        let r = notice(violation).await;
        assert_eq!(r.findings_new, [format!("notice_missing#{}", plan.id)]);
        assert_eq!(
            r.queued,
            [
                format!("notice_missing#{}#agency", plan.id),
                format!("notice_missing#{}#reviewing_office", plan.id)
            ]
        );
        // Run again the same day: nothing recorded or sent twice.
        let again = w
            .run_at(SweepKind::Notice, &format!("{violation}T15:00:00+08:00"))
            .await;
        assert_eq!(
            (
                again.findings_new.len(),
                again.queued.len(),
                again.sent.len()
            ),
            (0, 0, 0)
        );
        assert_eq!(notice(after(violation, 1)).await.subjects_read, 0);

        let mails = w.outbox();
        assert_eq!(mails.len(), 4);
        let to_office = mails
            .iter()
            .find(|m| m.subject.starts_with("【逾期】"))
            .unwrap();
        assert!(
            mails.iter().any(|m| m.to == ["gongkai@nn.example.org"]),
            "the office hears of the violation"
        );
        // The mail cites the programme's own clause and number of days.
        let rule = format!(
            "工作方案{}：活动公告应提前{}天发布",
            programme.notice.clause, programme.notice.days_before
        );
        assert!(to_office.text.contains(&rule), "{}", to_office.text);
        assert!(to_office.subject.contains("南宁市交通运输局“政府开放日”"));

        // Cancelling the plan takes the cause away: the finding is resolved.
        let current = w.store.plan(&plan.id).await.unwrap().unwrap();
        let when = after(violation, 2);
        let cancelled = w
            .store
            .change_plan(
                &plan.id,
                current.version,
                PlanChange::new(
                    Action::Cancel,
                    PlanStatus::Cancelled,
                    None,
                    at(&format!("{when}T10:00:00+08:00")),
                ),
            )
            .await
            .unwrap();
        w.sweeper.after_change(&cancelled, when).await.unwrap();
        let finding = w
            .store
            .finding(&format!("notice_missing#{}", plan.id))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(finding.status, FindingStatus::Resolved);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_announcement_resolves_the_notice_finding_and_participants_are_checked() {
    for programme in programmes(2026) {
        let w = World::with(programme.clone()).await;
        let plan = w.filed_plan().await;
        let violation = after(programme.last_announcement_day(start()), 1);
        w.run_on(SweepKind::Notice, violation).await;
        // Announced late (the rules refuse it over HTTP; here the store is driven directly).
        let late = after(violation, 1);
        let announced = w.announce(&plan, &format!("{late}T10:00:00+08:00")).await;
        w.sweeper.after_change(&announced, late).await.unwrap();
        assert_eq!(
            w.store
                .finding(&format!("notice_missing#{}", plan.id))
                .await
                .unwrap()
                .unwrap()
                .status,
            FindingStatus::Resolved
        );

        // Fewer confirmed than the minimum on the check day (seed: 09-17; example: 09-15).
        let check = programme.participants_check_from(start());
        assert_eq!(
            w.run_on(SweepKind::Notice, before(check, 1))
                .await
                .findings_new
                .len(),
            0
        );
        let r = w.run_on(SweepKind::Notice, check).await;
        assert_eq!(r.findings_new, [format!("participants_short#{}", plan.id)]);
        assert_eq!(r.queued.len(), 2);
        let short = w
            .outbox()
            .into_iter()
            .find(|m| m.subject.contains("报名确认人数不足"))
            .unwrap();
        assert!(
            short
                .subject
                .contains(&format!("不足{}人", programme.participants.minimum)),
            "{}",
            short.subject
        );
        assert_eq!(
            w.run_on(SweepKind::Notice, after(check, 1))
                .await
                .queued
                .len(),
            0,
            "told once"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feedback_sweep_around_its_milestones() {
    // Ends 2026-09-26. Seed: reminder 10-06, due 10-11, overdue from 10-12. Example:
    // reminders 10-01 and 10-04, due 10-06, overdue from 10-07.
    for programme in programmes(2026) {
        let w = World::with(programme.clone()).await;
        let plan = w.filed_plan().await;
        let announced = w.announce(&plan, "2026-09-01T10:00:00+08:00").await;
        w.sweeper
            .after_change(&announced, day("2026-09-01"))
            .await
            .unwrap();
        let feedback = |d| w.run_on(SweepKind::Feedback, d);

        for (reminder, name) in programme.feedback_reminders(end()) {
            assert_eq!(feedback(before(reminder, 1)).await.queued.len(), 0);
            assert_eq!(
                feedback(reminder).await.queued,
                [format!("{name}#{}#agency", plan.id)]
            );
            assert_eq!(feedback(after(reminder, 1)).await.queued.len(), 0);
        }
        let due = programme.feedback_response_due(end());
        assert_eq!(
            feedback(due).await.findings_new.len(),
            0,
            "the last day is on time"
        );
        let r = feedback(after(due, 1)).await;
        assert_eq!(r.findings_new, [format!("feedback_overdue#{}", plan.id)]);
        assert_eq!(r.queued.len(), 2);
        let r = feedback(after(due, 2)).await;
        assert_eq!((r.findings_new.len(), r.queued.len()), (0, 0));

        // The response arrives: the finding is resolved.
        let current = w.store.plan(&plan.id).await.unwrap().unwrap();
        let answered = after(due, 3);
        let mut change = PlanChange::new(
            Action::Respond,
            PlanStatus::Responded,
            None,
            at(&format!("{answered}T10:00:00+08:00")),
        );
        change.response = Some(serde_json::from_value(serde_json::json!({"summary":"采纳情况","items":[],"published_on":answered.to_string(),"late":true})).unwrap());
        let responded = w
            .store
            .change_plan(&plan.id, current.version, change)
            .await
            .unwrap();
        w.sweeper.after_change(&responded, answered).await.unwrap();
        assert_eq!(
            w.store
                .finding(&format!("feedback_overdue#{}", plan.id))
                .await
                .unwrap()
                .unwrap()
                .status,
            FindingStatus::Resolved
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_sweep_around_its_milestones() {
    for programme in programmes(2026) {
        let w = World::with(programme.clone()).await;
        let report = |d| w.run_on(SweepKind::Report, d);
        // Seed: 7 reporters (city and county governments, regional departments); the
        // example adds the departments of city governments.
        let reporters = directory()
            .orgs
            .iter()
            .filter(|o| programme.is_reporter(o))
            .count();
        assert!(reporters >= 7, "{reporters}");
        let reminders = programme.report_reminders(2026);
        let (first, first_name) = reminders[0].clone();
        let (second, _) = reminders[1].clone();
        let r = report(before(first, 1)).await;
        assert_eq!((r.subjects_read, r.queued.len()), (0, 0));
        let r = report(first).await;
        assert_eq!(r.queued.len(), reporters);
        assert!(
            r.queued
                .contains(&format!("{first_name}#qx-gov#2026#agency"))
        );
        assert_eq!(report(after(first, 1)).await.queued.len(), 0);
        assert_eq!(report(before(second, 1)).await.queued.len(), 0);
        assert_eq!(report(second).await.queued.len(), reporters);
        assert_eq!(report(after(second, 1)).await.queued.len(), 0);

        // Qingxiu reports on the due day; the others do not.
        let due = programme.report_due(2026);
        let draft: openday_rules::report::ReportDraft = serde_json::from_value(
            serde_json::json!({"year":2026,"summary":"开展2场","experiences":"直播"}),
        )
        .unwrap();
        let qx = org("qx-gov");
        let on_time =
            openday_rules::report::AnnualReport::compose(&draft, &qx, &programme, due).unwrap();
        w.store.put_report(&qx.id, &on_time).await.unwrap();
        assert_eq!(report(due).await.findings_new.len(), 0);
        let r = report(after(due, 1)).await;
        assert_eq!(r.findings_new.len(), reporters - 1);
        assert!(
            !r.findings_new
                .contains(&"report_overdue#qx-gov#2026".to_owned())
        );
        // Each late reporter and the regional office hear of it.
        assert_eq!(r.queued.len(), 2 * (reporters - 1));
        assert!(
            w.outbox()
                .iter()
                .any(|m| m.to == ["gongkai@gx.example.org"] && m.subject.contains("未按时报送"))
        );
        let r = report(after(due, 2)).await;
        assert_eq!((r.findings_new.len(), r.queued.len()), (0, 0));
        assert_eq!(r.findings_holding.len(), reporters - 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_later_programme_does_not_re_judge_a_filed_plan() {
    // Filed under the seed (15 days' notice: last day 09-05), then the example is imported
    // for the same year (10 days: 09-10). The plan keeps its version: found on 09-06.
    let w = World::new().await;
    let first = w.filed_plan().await;
    assert_eq!(first.programme_version, 0);
    let example = programmes(2026)[1].clone();
    let stored = w
        .store
        .put_programme(&example, None, at("2026-08-10T09:00:00+08:00"))
        .await
        .unwrap();
    assert_eq!(stored.version, 1);
    let r = w.run(SweepKind::Notice, "2026-09-06").await;
    assert_eq!(r.findings_new, [format!("notice_missing#{}", first.id)]);
    // A plan submitted now records the new version and follows it.
    let newer = w
        .store
        .create_plan(&org("nn-jt"), &plan(), 1, at("2026-08-11T09:00:00+08:00"))
        .await
        .unwrap();
    let filed = w
        .store
        .change_plan(
            &newer.id,
            newer.version,
            PlanChange::new(
                Action::File,
                PlanStatus::Filed,
                None,
                at("2026-08-12T09:00:00+08:00"),
            ),
        )
        .await
        .unwrap();
    w.sweeper
        .after_change(&filed, day("2026-08-12"))
        .await
        .unwrap();
    let r = w.run(SweepKind::Notice, "2026-09-07").await;
    assert!(
        !r.findings_new
            .contains(&format!("notice_missing#{}", newer.id)),
        "the example's last day is 09-10"
    );
    let r = w.run(SweepKind::Notice, "2026-09-11").await;
    assert_eq!(r.findings_new, [format!("notice_missing#{}", newer.id)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_sweep_reads_the_ten_due_plans_among_ten_thousand() {
    let w = World::new().await;
    w.import().await;
    let agency = org("nn-jt");
    let tasks: Vec<_> = (0..8u64)
        .map(|worker| {
            let (store, agency) = (w.store.clone(), agency.clone());
            tokio::spawn(async move {
                for n in (worker..10_000).step_by(8) {
                    let r = store
                        .create_plan(&agency, &plan(), 0, at("2026-08-01T09:00:00+08:00"))
                        .await
                        .unwrap();
                    // 10 plans are due on 08-31; the others later.
                    let on = if n < 10 {
                        day("2026-08-31")
                    } else {
                        day("2026-09-01") + chrono::Days::new(n % 30)
                    };
                    store
                        .schedule(SweepKind::Notice, &r.id, Some(on))
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let before = w.store.items_read();
    let r = w.run(SweepKind::Notice, "2026-08-31").await;
    let read = w.store.items_read() - before;
    assert_eq!(r.subjects_read, 10);
    assert_eq!(r.queued.len(), 10);
    // Per due plan: its marker, the plan, and what its mail needs (the outbox entry read
    // back to claim and mark it; the organisation once); never the other 9,990.
    assert!(read <= 10 * 6, "{read} items read");
    println!(
        "notice sweep over 10,000 plans, 10 due: {} plans read, {read} items read",
        r.subjects_read
    );
}

/// A text-message gateway that is down.
struct DownSms;

impl openday_sms::SmsSender for DownSms {
    fn send<'a>(
        &'a self,
        _to: &'a openday_rules::phone::Phone,
        _text: &'a openday_sms::Text,
    ) -> openday_sms::Sent<'a> {
        Box::pin(async {
            Err(openday_sms::SmsError::Unavailable(
                "gateway down".to_owned(),
            ))
        })
    }
    fn describe(&self) -> String {
        "down".into()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confirmed_registrants_get_one_reminder_the_day_before_however_often_the_sweep_runs() {
    let w = World::new().await;
    let plan = w.filed_plan().await;
    w.announce(&plan, "2026-09-01T10:00:00+08:00").await;
    for n in 1..=31 {
        register_person(&w, &plan.id, n).await;
    }
    // Two days before: nothing yet.
    let r = w.run(SweepKind::Notice, "2026-09-18").await;
    assert_eq!(r.reminders_sent, 0);

    // The day before, with the gateway down: nothing sent, nothing marked.
    let down = openday_sweeps::Sweeper::new(
        w.store.clone(),
        w.sweeper.mailer.clone(),
        std::sync::Arc::new(DownSms),
        person_key(),
        "http://openday.test",
    );
    let r = down
        .run(SweepKind::Notice, at("2026-09-19T08:00:00+08:00"))
        .await
        .unwrap();
    assert_eq!((r.reminders_sent, r.reminders_failed), (0, 30));

    // The next run sends each confirmed registrant one; runs after it send nothing.
    let r = w.run(SweepKind::Notice, "2026-09-19").await;
    assert_eq!((r.reminders_sent, r.reminders_failed), (30, 0));
    for _ in 0..2 {
        let r = w
            .run_at(SweepKind::Notice, "2026-09-19T18:00:00+08:00")
            .await;
        assert_eq!(r.reminders_sent, 0);
    }
    let texts = openday_sms::read_sms_outbox(&w.sms).unwrap();
    assert_eq!(texts.len(), 30);
    let phones: std::collections::BTreeSet<&str> = texts.iter().map(|t| t.to.as_str()).collect();
    assert_eq!(phones.len(), 30, "one each");
    assert!(!phones.contains("13900000031"), "the waitlisted get none");
    assert!(
        texts[0].text.contains("明天（9月20日）") && texts[0].text.contains("报名编号"),
        "{}",
        texts[0].text
    );
    // The day of the event: no reminder.
    let r = w.run(SweepKind::Notice, "2026-09-20").await;
    assert_eq!(r.reminders_sent, 0);
}
