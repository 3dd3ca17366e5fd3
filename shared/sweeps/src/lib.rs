//! The compliance sweeps: read what is due, let the rules decide, record findings, queue
//! mail, send it. Runs as three Lambdas on EventBridge schedules and inside `openday serve`.
//!
//! Every decision comes from `openday_rules::sweep`; this crate only reads, writes and
//! sends. A sweep run twice on one day queues and records nothing twice: findings and mail
//! are keyed by the rules' idempotency keys, and mail leaves the outbox once.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use openday_mail::Mailer;
use openday_mail::letters::{Letter, write};
use openday_rules::Programme;
use openday_rules::calendar::{days_after, local_day, month_day_text};
use openday_rules::org::{Id, OrgKind, Organisation};
use openday_rules::sweep::{
    self, Decision, MailDue, MailKind, PlanFacts, Recipient, ReporterFacts, SweepKind,
};
use openday_sms::{SmsError, SmsSender};
use openday_store::PersonKey;
use openday_store::StoreError;
use openday_store::keys;
use openday_store::ports::*;
use openday_store::records::{MailRecord, PlanRecord};
use serde::Serialize;

/// Every storage port a sweep uses.
pub trait SweepStore:
    DirectoryStore
    + ProgrammeStore
    + PlanStore
    + RegistrationStore
    + ReportStore
    + FindingStore
    + Outbox
    + DueIndex
    + Clone
    + Send
    + Sync
    + 'static
{
}

impl<T> SweepStore for T where
    T: DirectoryStore
        + ProgrammeStore
        + PlanStore
        + RegistrationStore
        + ReportStore
        + FindingStore
        + Outbox
        + DueIndex
        + Clone
        + Send
        + Sync
        + 'static
{
}

/// What one run did, for the CLI, the logs and the tests.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Report {
    pub sweep: String,
    pub today: Option<NaiveDate>,
    /// Plans (or reporters) whose facts were read.
    pub subjects_read: usize,
    /// Findings recorded for the first time.
    pub findings_new: Vec<String>,
    /// Findings that hold today (new or already open).
    pub findings_holding: Vec<String>,
    pub resolved: Vec<String>,
    /// Mail queued for the first time.
    pub queued: Vec<String>,
    pub sent: Vec<String>,
    pub failed: Vec<(String, String)>,
    /// Day-before text messages sent to confirmed registrants (each once).
    pub reminders_sent: usize,
    /// Reminders that could not be sent; the next run tries them again.
    pub reminders_failed: usize,
    /// Reminders the gateway refused for the number or the text; not tried again.
    pub reminders_refused: usize,
}

pub struct Sweeper<S> {
    pub store: S,
    pub mailer: Arc<dyn Mailer>,
    /// The site's address (`https://…`, no trailing slash): mail links to its staff pages.
    pub site: String,
    /// Text messages to registrants (the day-before reminder).
    pub sms: Arc<dyn SmsSender>,
    /// Opens the registrants' sealed phone numbers.
    pub person_key: PersonKey,
}

impl<S: Clone> Clone for Sweeper<S> {
    fn clone(&self) -> Self {
        Self {
            store: self.store.clone(),
            mailer: self.mailer.clone(),
            site: self.site.clone(),
            sms: self.sms.clone(),
            person_key: self.person_key.clone(),
        }
    }
}

/// The most messages one run sends; the rest wait for the next run.
const SEND_BATCH: i32 = 500;

impl<S: SweepStore> Sweeper<S> {
    pub fn new(
        store: S,
        mailer: Arc<dyn Mailer>,
        sms: Arc<dyn SmsSender>,
        person_key: PersonKey,
        site: impl Into<String>,
    ) -> Self {
        Self {
            store,
            mailer,
            sms,
            person_key,
            site: site.into().trim_end_matches('/').to_owned(),
        }
    }

    /// Runs one sweep as of `now`, then sends what is queued.
    pub async fn run(&self, kind: SweepKind, now: DateTime<Utc>) -> Result<Report, StoreError> {
        let today = local_day(&now);
        let mut pass = Pass {
            today,
            now,
            directory: Directory::default(),
            report: Report {
                sweep: kind.wire().to_owned(),
                today: Some(today),
                ..Report::default()
            },
        };
        match kind {
            SweepKind::Notice | SweepKind::Feedback => {
                for plan in self.store.due_plans(kind, today).await? {
                    pass.report.subjects_read += 1;
                    let programme = self.programme_of(&plan).await?;
                    let decision = self.decide(kind, &plan, &programme, today).await?;
                    let name = plan.plan.name.to_string();
                    let concerning = Concerning {
                        org_path: &plan.org_path,
                        year: plan.plan.year(),
                        plan_name: Some(&name),
                        programme: &programme,
                    };
                    self.apply(&decision, &concerning, &mut pass).await?;
                    if decision.remind_registrants {
                        self.remind(&plan, now, &mut pass.report).await?;
                    }
                    self.store
                        .schedule(kind, &plan.id, decision.next_check)
                        .await?;
                }
            }
            SweepKind::Report => self.reporters(&mut pass).await?,
        }
        let mut report = pass.report;
        self.deliver(now, &mut report).await?;
        tracing::info!(
            sweep = kind.wire(),
            %today,
            read = report.subjects_read,
            new_findings = report.findings_new.len(),
            resolved = report.resolved.len(),
            queued = report.queued.len(),
            sent = report.sent.len(),
            failed = report.failed.len(),
            "sweep finished"
        );
        Ok(report)
    }

    async fn facts(&self, plan: &PlanRecord) -> Result<PlanFacts, StoreError> {
        let confirmed = self.store.seats(&plan.id).await?.map_or(0, |s| s.confirmed);
        Ok(PlanFacts {
            plan_id: plan.id.clone(),
            org_id: plan.org_id.clone(),
            status: plan.status,
            period: plan.plan.period,
            confirmed,
            responded_on: plan.responded_on,
        })
    }

    /// The programme version the plan was checked against.
    async fn programme_of(&self, plan: &PlanRecord) -> Result<Programme, StoreError> {
        Ok(programme_of(&self.store, &plan.programme())
            .await?
            .programme)
    }

    async fn decide(
        &self,
        kind: SweepKind,
        plan: &PlanRecord,
        programme: &Programme,
        today: NaiveDate,
    ) -> Result<Decision, StoreError> {
        let facts = self.facts(plan).await?;
        Ok(match kind {
            SweepKind::Notice => sweep::notice(&facts, programme, today),
            _ => sweep::feedback(&facts, programme, today),
        })
    }

    /// The day before the event: one text message to each confirmed registrant. Each is
    /// marked before it is sent and unmarked if sending fails, so a second run the same day
    /// sends nothing twice and a failed one is tried again.
    async fn remind(
        &self,
        plan: &PlanRecord,
        now: DateTime<Utc>,
        report: &mut Report,
    ) -> Result<(), StoreError> {
        let place = self
            .store
            .announcement(&plan.id)
            .await?
            .map_or_else(|| plan.plan.venue.to_string(), |a| a.place.to_string());
        let start = plan.plan.period.start();
        for r in self
            .store
            .registrations(&plan.id)
            .await?
            .into_iter()
            .filter(|r| r.status == openday_store::records::RegistrationStatus::Confirmed)
        {
            let Some(phone) = self.person_key.open_phone(&r.phone_sealed) else {
                tracing::warn!(plan = %plan.id, phone = %r.phone_masked, "a sealed phone that does not open: no reminder");
                continue;
            };
            if !self.store.claim_reminder(&r.code, now).await? {
                continue;
            }
            let text = openday_sms::Text::Reminder {
                event: plan.plan.name.to_string(),
                date: month_day_text(start),
                place: place.clone(),
                registration: r.code.clone(),
            };
            match self.sms.send(&phone, &text).await {
                Ok(_) => report.reminders_sent += 1,
                Err(SmsError::Unavailable(error)) => {
                    tracing::warn!(plan = %plan.id, phone = %r.phone_masked, %error, "reminder not sent; the next run tries again");
                    // Not sent: the mark must go, or no later run would send it.
                    insist(|| self.store.release_reminder(&r.code)).await?;
                    report.reminders_failed += 1;
                }
                Err(SmsError::Refused { code, message }) => {
                    // Refused for this number or this text: the mark stays, so no run
                    // sends it again blindly.
                    tracing::warn!(plan = %plan.id, phone = %r.phone_masked, %code, %message, "reminder refused by the gateway; not retried");
                    report.reminders_refused += 1;
                }
            }
        }
        Ok(())
    }

    /// The report sweep: from the first reminder of each region's programme (November 1 in
    /// the seed's), every reporter of that programme without the year's report.
    async fn reporters(&self, pass: &mut Pass) -> Result<(), StoreError> {
        let today = pass.today;
        let year = today.year();
        let orgs = self.store.orgs_within("").await?;
        let mut programmes: HashMap<Id, Option<Programme>> = HashMap::new();
        for org in orgs {
            let region = openday_rules::programme::region_of(&org).clone();
            if !programmes.contains_key(&region) {
                let programme = programme_in_force(&self.store, &region, year)
                    .await?
                    .programme;
                let first = programme
                    .report_reminders(year)
                    .first()
                    .map(|(day, _)| *day)
                    .unwrap_or_else(|| days_after(programme.report_due(year), 1));
                // Before the first milestone nothing can be due in this region.
                programmes.insert(region.clone(), (today >= first).then_some(programme));
            }
            let Some(programme) = programmes.get(&region).and_then(Option::as_ref) else {
                continue;
            };
            if !programme.is_reporter(&org) {
                continue;
            }
            pass.report.subjects_read += 1;
            let received_on = self
                .store
                .report(&org.id, year)
                .await?
                .map(|r| r.received_on);
            let decision = sweep::report(
                &ReporterFacts {
                    org_id: org.id.clone(),
                    year,
                    received_on,
                },
                programme,
                today,
            );
            let path = keys::path_of(&org);
            let concerning = Concerning {
                org_path: &path,
                year,
                plan_name: None,
                programme,
            };
            self.apply(&decision, &concerning, pass).await?;
        }
        Ok(())
    }

    /// Writes a decision: findings recorded once, resolved ones closed, mail queued once.
    async fn apply(
        &self,
        decision: &Decision,
        concerning: &Concerning<'_>,
        pass: &mut Pass,
    ) -> Result<(), StoreError> {
        let today = pass.today;
        for finding in &decision.holds {
            if self
                .store
                .record_finding(finding, concerning.org_path, concerning.year, today)
                .await?
            {
                pass.report.findings_new.push(finding.key.clone());
            }
            pass.report.findings_holding.push(finding.key.clone());
        }
        for key in &decision.resolved {
            if self.store.resolve_finding(key, today).await? {
                pass.report.resolved.push(key.clone());
            }
        }
        for due in &decision.mail {
            let letter = self
                .letter(
                    due,
                    None,
                    concerning.plan_name,
                    concerning.programme,
                    pass.now,
                    &mut pass.directory,
                )
                .await?;
            if let Some(mail) = letter
                && self.store.enqueue(&mail).await?
            {
                pass.report.queued.push(mail.key);
            }
        }
        Ok(())
    }

    /// Writes the message for `due`, addressed; `None` when the recipient has no address.
    async fn letter(
        &self,
        due: &MailDue,
        comment: Option<&str>,
        plan_name: Option<&str>,
        programme: &Programme,
        now: DateTime<Utc>,
        directory: &mut Directory,
    ) -> Result<Option<MailRecord>, StoreError> {
        let Some(org) = directory.org(&self.store, &due.org_id).await? else {
            tracing::warn!(org = %due.org_id, "mail for an unknown organisation skipped");
            return Ok(None);
        };
        let recipient = match due.to {
            Recipient::Agency => Some(org.clone()),
            Recipient::ReviewingOffice => directory.office_of(&self.store, &org, false).await?,
            Recipient::RegionalOffice => directory.office_of(&self.store, &org, true).await?,
        };
        let Some(recipient) = recipient else {
            tracing::warn!(key = %due.key, to = due.to.wire(), "no openness office to write to");
            return Ok(None);
        };
        let link = format!("{}{}", self.site, page_of(due));
        let written = write(&Letter {
            kind: due.kind,
            to_name: recipient.name.as_str(),
            org_name: org.name.as_str(),
            plan_name,
            due_on: due.due_on,
            days_left: due.days_left,
            comment,
            link: Some(&link),
            programme,
        });
        Ok(Some(MailRecord {
            key: due.key.clone(),
            kind: due.kind,
            recipient: due.to,
            to: vec![recipient.email.clone()],
            subject: written.subject,
            text: written.text,
            html: written.html,
            queued_at: now,
            sent_at: None,
            attempts: 0,
            last_error: None,
        }))
    }

    /// Sends what is queued, oldest first: each message once; a failure stays queued.
    pub async fn deliver(&self, now: DateTime<Utc>, report: &mut Report) -> Result<(), StoreError> {
        for pending in self.store.pending(SEND_BATCH).await? {
            let Some(mail) = self.store.claim(&pending.key, now).await? else {
                continue;
            };
            match self.mailer.send(&(&mail).into()).await {
                Ok(()) => {
                    // Sent: the mark must land, or a later run would send it again.
                    insist(|| self.store.mark_sent(&mail.key, now)).await?;
                    report.sent.push(mail.key);
                }
                Err(error) => {
                    tracing::warn!(key = %mail.key, %error, "send failed; the message stays queued");
                    self.store.mark_failed(&mail.key, &error).await?;
                    report.failed.push((mail.key, error));
                }
            }
        }
        Ok(())
    }

    /// After a plan changes: resolve what its change settled and put it back on the sweeps'
    /// schedule, so they read it on the days its answer can change.
    pub async fn after_change(
        &self,
        plan: &PlanRecord,
        today: NaiveDate,
    ) -> Result<(), StoreError> {
        let programme = self.programme_of(plan).await?;
        for kind in [SweepKind::Notice, SweepKind::Feedback] {
            let decision = self.decide(kind, plan, &programme, today).await?;
            for key in &decision.resolved {
                self.store.resolve_finding(key, today).await?;
            }
            self.store
                .schedule(kind, &plan.id, sweep::due_on(&decision, today))
                .await?;
        }
        Ok(())
    }

    /// Queues and sends a workflow message: a submitted plan to the reviewing office, a
    /// filed or returned plan to the agency.
    pub async fn workflow_mail(
        &self,
        plan: &PlanRecord,
        kind: MailKind,
        comment: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Report, StoreError> {
        let to = if kind == MailKind::PlanSubmitted {
            Recipient::ReviewingOffice
        } else {
            Recipient::Agency
        };
        let today = local_day(&now);
        let programme = self.programme_of(plan).await?;
        let due_on = programme.last_announcement_day(plan.plan.period.start());
        let due = MailDue {
            key: format!(
                "{}#{}#v{}#{}",
                kind.wire(),
                plan.id,
                plan.version.0,
                to.wire()
            ),
            kind,
            to,
            plan_id: Some(plan.id.clone()),
            org_id: plan.org_id.clone(),
            due_on,
            days_left: (due_on - today).num_days(),
        };
        let mut report = Report::default();
        if let Some(mail) = self
            .letter(
                &due,
                comment,
                Some(&plan.plan.name.to_string()),
                &programme,
                now,
                &mut Directory::default(),
            )
            .await?
            && self.store.enqueue(&mail).await?
        {
            report.queued.push(mail.key);
        }
        self.deliver(now, &mut report).await?;
        Ok(report)
    }
}

/// The staff page where a message is acted on: an office reviews a submitted plan on its
/// review page; the agency goes to its plan; a reporter to its report; the regional office
/// to its dashboard.
fn page_of(due: &MailDue) -> String {
    match (&due.plan_id, due.kind, due.to) {
        (Some(id), MailKind::PlanSubmitted, _) => format!("/staff/plans/{id}/review"),
        (Some(id), _, _) => format!("/staff/plans/{id}"),
        (None, _, Recipient::RegionalOffice) => "/staff/compliance".to_owned(),
        (None, _, _) => "/staff/report".to_owned(),
    }
}

/// One run's shared state: when it is, who was looked up, what was done.
struct Pass {
    today: NaiveDate,
    now: DateTime<Utc>,
    directory: Directory,
    report: Report,
}

/// Whom a decision concerns: where its findings are filed and what its mail names.
struct Concerning<'a> {
    org_path: &'a str,
    year: i32,
    plan_name: Option<&'a str>,
    /// The programme the plan (or reporter's year) follows: the rule its mail cites.
    programme: &'a Programme,
}

/// Organisations looked up once per run.
#[derive(Default)]
struct Directory {
    orgs: HashMap<String, Option<Organisation>>,
    all: Option<Vec<Organisation>>,
}

impl Directory {
    async fn org<S: SweepStore>(
        &mut self,
        store: &S,
        id: &Id,
    ) -> Result<Option<Organisation>, StoreError> {
        if let Some(found) = self.orgs.get(id.as_str()) {
            return Ok(found.clone());
        }
        let found = store.org(id.as_str()).await?;
        self.orgs.insert(id.to_string(), found.clone());
        Ok(found)
    }

    /// The openness office of the organisation's own jurisdiction, or of the region.
    async fn office_of<S: SweepStore>(
        &mut self,
        store: &S,
        org: &Organisation,
        regional: bool,
    ) -> Result<Option<Organisation>, StoreError> {
        if self.all.is_none() {
            self.all = Some(store.orgs_within("").await?);
        }
        let wanted = if regional {
            org.jurisdiction_path.first()
        } else {
            Some(org.jurisdiction())
        };
        Ok(self.all.as_ref().and_then(|all| {
            all.iter()
                .find(|o| o.kind == OrgKind::Office && Some(o.jurisdiction()) == wanted)
                .cloned()
        }))
    }
}

/// Runs a store write that must land (it records what was done outside the store), trying
/// again for a few seconds while the store is unavailable or busy.
async fn insist<F, Fut>(mut write: F) -> Result<(), StoreError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), StoreError>>,
{
    let mut pause = std::time::Duration::from_millis(100);
    for _ in 0..6 {
        match write().await {
            Err(StoreError::Unavailable(_) | StoreError::Busy) => {
                tokio::time::sleep(pause).await;
                pause *= 2;
            }
            done => return done,
        }
    }
    write().await
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests fail loudly
mod tests {
    use super::*;

    fn due(plan: Option<&str>, kind: MailKind, to: Recipient) -> MailDue {
        MailDue {
            key: "k".into(),
            kind,
            to,
            plan_id: plan.map(str::to_owned),
            org_id: Id::parse("o", "nn-jt").unwrap(),
            due_on: NaiveDate::from_ymd_opt(2026, 9, 5).unwrap(),
            days_left: 3,
        }
    }

    #[test]
    fn mail_links_to_the_page_where_it_is_acted_on() {
        let cases = [
            (
                Some("p1"),
                MailKind::PlanSubmitted,
                Recipient::ReviewingOffice,
                "/staff/plans/p1/review",
            ),
            (
                Some("p1"),
                MailKind::PlanReturned,
                Recipient::Agency,
                "/staff/plans/p1",
            ),
            (
                Some("p1"),
                MailKind::NoticeViolation,
                Recipient::ReviewingOffice,
                "/staff/plans/p1",
            ),
            (
                None,
                MailKind::ReportReminder,
                Recipient::Agency,
                "/staff/report",
            ),
            (
                None,
                MailKind::ReportOverdue,
                Recipient::RegionalOffice,
                "/staff/compliance",
            ),
        ];
        for (plan, kind, to, page) in cases {
            assert_eq!(page_of(&due(plan, kind, to)), page, "{kind:?} to {to:?}");
        }
    }
}
