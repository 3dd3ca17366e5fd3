//! The storage ports: one small trait per capability. Handlers and sweeps take only the
//! traits they use; [`crate::DynamoStore`] implements them all.

use std::future::Future;

use chrono::{DateTime, NaiveDate, Utc};
use openday_rules::announcement::Announcement;
use openday_rules::feedback::{Evaluation, Feedback, FeedbackResponse, ResponseItem};
use openday_rules::lifecycle::Version;
use openday_rules::org::{Directory, Id, Jurisdiction, Organisation};
use openday_rules::plan::Plan;
use openday_rules::report::AnnualReport;
use openday_rules::sweep::{Finding, SweepKind};
use openday_rules::{Programme, ProgrammeRef};

use crate::error::StoreResult;
use crate::paging::{Cursor, Page};
use crate::people::*;
use crate::records::*;

mod messages;
mod sheets;
mod work_plan;
pub use messages::*;
pub use sheets::*;
pub use work_plan::*;

/// Jurisdictions and organisations.
pub trait DirectoryStore {
    /// Writes every jurisdiction and organisation (an import is idempotent).
    fn import(&self, directory: &Directory) -> impl Future<Output = StoreResult<()>> + Send;
    fn org(&self, id: &str) -> impl Future<Output = StoreResult<Option<Organisation>>> + Send;
    /// The organisations of a jurisdiction path and every jurisdiction below it (`""`: all).
    fn orgs_within(
        &self,
        path: &str,
    ) -> impl Future<Output = StoreResult<Vec<Organisation>>> + Send;
    fn jurisdictions(&self) -> impl Future<Output = StoreResult<Vec<Jurisdiction>>> + Send;
}

/// The programmes (工作方案) of each region and year, every imported version kept.
pub trait ProgrammeStore {
    /// Stores `programme` as the next version of its region and year; returns the record.
    fn put_programme(
        &self,
        programme: &Programme,
        by: Option<&Id>,
        at: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<ProgrammeRecord>> + Send;
    /// A stored version (`Some(v)`, `v` ≥ 1) or the latest (`None`); `None` when there is none.
    fn stored_programme(
        &self,
        region: &Id,
        year: i32,
        version: Option<u32>,
    ) -> impl Future<Output = StoreResult<Option<ProgrammeRecord>>> + Send;
    /// The latest stored version of each year of a region, by year.
    fn programmes(
        &self,
        region: &Id,
    ) -> impl Future<Output = StoreResult<Vec<ProgrammeRecord>>> + Send;
}

/// The programme in force for a region and year: its latest stored version, or the
/// shipped default (version 0).
pub async fn programme_in_force<S: ProgrammeStore>(
    store: &S,
    region: &Id,
    year: i32,
) -> StoreResult<ProgrammeRecord> {
    Ok(store
        .stored_programme(region, year, None)
        .await?
        .unwrap_or_else(|| ProgrammeRecord::shipped(region, year)))
}

/// The programme version a plan follows (`ProgrammeRef`), version 0 being the default.
pub async fn programme_of<S: ProgrammeStore>(
    store: &S,
    at: &ProgrammeRef,
) -> StoreResult<ProgrammeRecord> {
    if at.version == 0 {
        return Ok(ProgrammeRecord::shipped(&at.region, at.year));
    }
    store
        .stored_programme(&at.region, at.year, Some(at.version))
        .await?
        .ok_or_else(|| {
            crate::error::StoreError::Corrupt(format!(
                "programme {}/{} version {} missing",
                at.region, at.year, at.version
            ))
        })
}

/// Plans, their history, their announcement and their feedback response.
pub trait PlanStore {
    /// Stores a new submitted plan (version 1) with its first history entry; the plan was
    /// checked against `programme_version` of its region's programme for its year.
    fn create_plan(
        &self,
        org: &Organisation,
        plan: &Plan,
        programme_version: u32,
        at: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<PlanRecord>> + Send {
        self.create_plan_by(org, None, plan, programme_version, at)
    }
    /// [`Self::create_plan`], naming the person who submitted it.
    fn create_plan_by(
        &self,
        org: &Organisation,
        by_person: Option<&str>,
        plan: &Plan,
        programme_version: u32,
        at: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<PlanRecord>> + Send;
    fn plan(&self, id: &str) -> impl Future<Output = StoreResult<Option<PlanRecord>>> + Send;
    fn history(&self, id: &str) -> impl Future<Output = StoreResult<History>> + Send;
    /// Applies `change` if the plan is still at `expected`; otherwise `VersionConflict`.
    fn change_plan(
        &self,
        id: &str,
        expected: Version,
        change: PlanChange,
    ) -> impl Future<Output = StoreResult<PlanRecord>> + Send;
    fn plans(
        &self,
        year: i32,
        scope: &PlanScope,
    ) -> impl Future<Output = StoreResult<Vec<PlanRecord>>> + Send;
    /// [`Self::plans`] a page at a time.
    fn plans_page(
        &self,
        year: i32,
        scope: &PlanScope,
        after: Option<&Cursor>,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Page<PlanRecord>>> + Send;
    fn announcement(
        &self,
        plan_id: &str,
    ) -> impl Future<Output = StoreResult<Option<Announcement>>> + Send;
    /// Published announcements of a year, by first event day.
    fn announcements(
        &self,
        year: i32,
    ) -> impl Future<Output = StoreResult<Vec<(String, Announcement)>>> + Send;
    fn response(
        &self,
        plan_id: &str,
    ) -> impl Future<Output = StoreResult<Option<FeedbackResponse>>> + Send;
}

/// Registrations and offline recommendations against one capacity, with a waitlist.
pub trait RegistrationStore {
    /// Confirmed if a seat is left, else waitlisted; the same person or phone twice is
    /// refused with the registration that holds it.
    fn register(
        &self,
        plan_id: &str,
        registration: &NewRegistration,
    ) -> impl Future<Output = StoreResult<Registered>> + Send;
    fn registration(
        &self,
        code: &str,
    ) -> impl Future<Output = StoreResult<Option<RegistrationRecord>>> + Send;
    /// Cancels; a confirmed seat goes to the first waitlisted registration, atomically.
    fn cancel(
        &self,
        code: &str,
        at: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<Cancelled>> + Send;
    fn seats(&self, plan_id: &str) -> impl Future<Output = StoreResult<Option<Seats>>> + Send;
    /// The live registration of a person (keyed hash of the ID number) for an event.
    fn registration_of_person(
        &self,
        plan_id: &str,
        person_hash: &str,
    ) -> impl Future<Output = StoreResult<Option<RegistrationRecord>>> + Send;
    fn registrations(
        &self,
        plan_id: &str,
    ) -> impl Future<Output = StoreResult<Vec<RegistrationRecord>>> + Send;
    /// An event's registrations a page at a time, by registration time.
    fn registrations_page(
        &self,
        plan_id: &str,
        after: Option<&Cursor>,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Page<RegistrationRecord>>> + Send;
    /// Checks a confirmed registration of `plan_id` in, once: of two doors scanning one
    /// code at once, one admits and the other is told when.
    fn check_in(
        &self,
        plan_id: &str,
        code: &str,
        at: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<CheckIn>> + Send {
        self.check_in_by(plan_id, code, at, None)
    }
    /// [`Self::check_in`], naming the member of staff at the door.
    fn check_in_by(
        &self,
        plan_id: &str,
        code: &str,
        at: DateTime<Utc>,
        by: Option<&str>,
    ) -> impl Future<Output = StoreResult<CheckIn>> + Send;
    /// How many people were checked in at the event.
    fn attendance(&self, plan_id: &str) -> impl Future<Output = StoreResult<u32>> + Send;
    /// The seats counter and how many were checked in, in one read (the figures of many
    /// plans read both).
    fn seats_and_attendance(
        &self,
        plan_id: &str,
    ) -> impl Future<Output = StoreResult<(Option<Seats>, u32)>> + Send;
    /// Marks a registration's day-before reminder as sent (before sending it); `false`
    /// when it was marked already, so however often a sweep runs, one message goes out.
    fn claim_reminder(
        &self,
        code: &str,
        at: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
    /// Takes the mark back when the message could not be sent: the next run sends it.
    fn release_reminder(&self, code: &str) -> impl Future<Output = StoreResult<()>> + Send;
    /// Deletes every registration of the event whose retention ended by `now`, with its
    /// markers, waitlist place and reminder (what DynamoDB's TTL does on AWS, for engines
    /// that do not); how many.
    fn purge_registrations(
        &self,
        plan_id: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<u32>> + Send;
}

/// Text-message codes that verify a phone, with the limits on sending them.
pub trait VerificationStore {
    /// Keeps `code_hash` as the phone's current code, unless a code went to the phone in
    /// the last minute or ten today: then `Limited` with the seconds to wait.
    fn issue_sms_code(
        &self,
        phone_hash: &str,
        code_hash: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Takes back a code that could not be sent, so the person may ask again at once.
    fn withdraw_sms_code(&self, phone_hash: &str) -> impl Future<Output = StoreResult<()>> + Send;
    /// Whether `code_hash` is the phone's current, unexpired, unburned code; a wrong one
    /// counts towards burning it. Each guess is one conditional write (the count of wrong
    /// tries is compared in the same operation), so the sixth guess is refused whatever
    /// the timing.
    fn check_sms_code(
        &self,
        phone_hash: &str,
        code_hash: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
}

/// What a counter said to one more use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    /// Counted: the use is the `uses`-th of its window.
    Granted { uses: u32 },
    /// The window's limit was reached before: refused, and the refusal counted as the
    /// window's `refusals`-th.
    Refused { refusals: u32 },
}

/// Counters of uses in fixed windows, kept in the table so that every process (each
/// Lambda instance, the local server) shares the count.
pub trait CounterStore {
    /// Counts one more use of `counter` in its window ending at `window_end`, when fewer
    /// than `limit` were counted: one conditional write, so concurrent uses never pass the
    /// limit. The counter leaves the table a day after its window.
    fn count_use(
        &self,
        counter: &str,
        window_end: DateTime<Utc>,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Counted>> + Send;
}

/// Staff sign-in attempts and the per-organisation session version.
pub trait SessionStore {
    /// Keeps a sign-in attempt until it is used or expires.
    fn put_sign_in(
        &self,
        attempt_hash: &str,
        record: &SignInRecord,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Reads an attempt without using it (`None` when there is none or it has expired).
    fn sign_in(
        &self,
        attempt_hash: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<Option<SignInRecord>>> + Send;
    /// Uses the attempt when `proof` matches and it has not expired: once, whoever asks
    /// first. A wrong code counts; the fifth wrong code ends the attempt. The right proof
    /// takes the attempt in one conditional delete and a wrong code counts in one
    /// conditional write, so simultaneous guesses never get past the fifth.
    fn redeem_sign_in(
        &self,
        attempt_hash: &str,
        proof: SignInProof<'_>,
        now: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<Option<SignInRecord>>> + Send;
}

/// Who gave a public feedback item or evaluation, for the limits per phone.
#[derive(Debug, Clone, Copy)]
pub enum Giver<'a> {
    /// A verified phone (keyed hash).
    Phone(&'a str),
    /// The agency, entering offline items.
    Agency,
}

/// Staff as people: members, their sessions and API keys.
pub trait PeopleStore {
    /// Stores a member; with `only_new`, `false` when the address is someone's already.
    fn put_member(
        &self,
        record: &MemberRecord,
        only_new: bool,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
    fn member(&self, email: &str) -> impl Future<Output = StoreResult<Option<Member>>> + Send;
    fn members(&self, org_id: &str) -> impl Future<Output = StoreResult<Vec<Member>>> + Send;
    /// Deletes the member; their sessions and keys end with the record.
    fn remove_member(&self, email: &str) -> impl Future<Output = StoreResult<()>> + Send;
    /// Raises the member's epoch: every session and key issued before ends.
    fn end_everything_of(&self, email: &str) -> impl Future<Output = StoreResult<u64>> + Send;
    /// Counts a wrong second-factor code in one conditional write; the `limit`-th locks
    /// sign-in until `lock_until`.
    fn wrong_second_factor(
        &self,
        email: &str,
        limit: u32,
        lock_until: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<WrongCode>> + Send;
    /// A right code: the count of wrong ones starts again (and an ended lock is lifted).
    fn right_second_factor(&self, email: &str) -> impl Future<Output = StoreResult<()>> + Send;
    /// Takes one recovery code (its keyed hash) in one conditional write: once only.
    fn use_recovery_code(
        &self,
        email: &str,
        code_hash: &str,
    ) -> impl Future<Output = StoreResult<bool>> + Send;

    fn put_session(
        &self,
        id_hash: &str,
        record: &SessionRecord,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    fn session(
        &self,
        id_hash: &str,
    ) -> impl Future<Output = StoreResult<Option<SessionRecord>>> + Send;
    fn end_session(&self, id_hash: &str) -> impl Future<Output = StoreResult<()>> + Send;
    /// A person's sessions, with the keyed hash each is stored under.
    fn sessions_of(
        &self,
        email: &str,
    ) -> impl Future<Output = StoreResult<Vec<(String, SessionRecord)>>> + Send;

    fn put_api_key(&self, record: &ApiKeyRecord) -> impl Future<Output = StoreResult<()>> + Send;
    fn api_key(&self, id: &str) -> impl Future<Output = StoreResult<Option<ApiKeyRecord>>> + Send;
    fn delete_api_key(&self, id: &str) -> impl Future<Output = StoreResult<()>> + Send;
    fn api_keys_of(
        &self,
        email: &str,
    ) -> impl Future<Output = StoreResult<Vec<ApiKeyRecord>>> + Send;
}

/// The audit trail: appended only, chained per organisation and day.
pub trait AuditStore {
    /// Appends `entry` to its organisation's chain of its day.
    fn append_audit(
        &self,
        entry: &AuditEntry,
        keep_until: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<AuditRecord>> + Send;
    /// A day's records whose organisation's path starts with `prefix` (`""`: all), in key
    /// order (by organisation, then sequence).
    fn audit_day(
        &self,
        day: NaiveDate,
        prefix: &str,
    ) -> impl Future<Output = StoreResult<Vec<AuditRecord>>> + Send;
    /// [`Self::audit_day`] a page at a time.
    fn audit_day_page(
        &self,
        day: NaiveDate,
        prefix: &str,
        after: Option<&Cursor>,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Page<AuditRecord>>> + Send;
    fn audit_heads(
        &self,
        day: NaiveDate,
    ) -> impl Future<Output = StoreResult<Vec<AuditHead>>> + Send;
}

/// Feedback items and online evaluations of an event.
pub trait FeedbackStore {
    /// Stores an item; a phone gives at most `MAX_FEEDBACK_PER_DAY` per plan and day
    /// (`Limited` beyond).
    fn add_feedback(
        &self,
        plan_id: &str,
        feedback: &Feedback,
        by: Giver<'_>,
        at: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<FeedbackRecord>> + Send;
    fn feedback(
        &self,
        plan_id: &str,
    ) -> impl Future<Output = StoreResult<Vec<FeedbackRecord>>> + Send;
    /// An event's feedback a page at a time, by time.
    fn feedback_page(
        &self,
        plan_id: &str,
        after: Option<&Cursor>,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Page<FeedbackRecord>>> + Send;
    /// One evaluation per phone and plan: a second one replaces the first.
    fn add_evaluation(
        &self,
        plan_id: &str,
        evaluation: &Evaluation,
        phone_hash: &str,
        at: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<EvaluationRecord>> + Send;
    fn evaluations(
        &self,
        plan_id: &str,
    ) -> impl Future<Output = StoreResult<Vec<EvaluationRecord>>> + Send;
    /// Keeps answers of the agency's draft response (an answer to an item replaces the
    /// earlier one), so a long response can be written in parts.
    fn save_answers(
        &self,
        plan_id: &str,
        answers: &[ResponseItem],
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// The draft answers saved so far.
    fn answers(&self, plan_id: &str)
    -> impl Future<Output = StoreResult<Vec<ResponseItem>>> + Send;
    /// Stores an item again as the agency re-categorised it; `false` when there is none.
    fn update_feedback(
        &self,
        record: &FeedbackRecord,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
}

/// Annual reports (R14), one per reporter and year.
pub trait ReportStore {
    fn put_report(
        &self,
        org_id: &Id,
        report: &AnnualReport,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    fn report(
        &self,
        org_id: &Id,
        year: i32,
    ) -> impl Future<Output = StoreResult<Option<AnnualReport>>> + Send;
}

/// Compliance findings, recorded once per key.
pub trait FindingStore {
    /// Records an open finding; `false` when one with the same key exists already.
    fn record_finding(
        &self,
        finding: &Finding,
        org_path: &str,
        year: i32,
        today: NaiveDate,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
    /// Resolves an open finding; `false` when there is none open with that key.
    fn resolve_finding(
        &self,
        key: &str,
        today: NaiveDate,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
    fn finding(&self, key: &str)
    -> impl Future<Output = StoreResult<Option<FindingRecord>>> + Send;
    /// Findings of a year within a jurisdiction path (an office's subtree, or `path|org|` for one organisation).
    fn findings(
        &self,
        year: i32,
        prefix: &str,
    ) -> impl Future<Output = StoreResult<Vec<FindingRecord>>> + Send;
}

/// Mail, queued before it is sent: never lost, never sent twice.
pub trait Outbox {
    /// Queues a message; `false` when its key was queued before.
    fn enqueue(&self, mail: &MailRecord) -> impl Future<Output = StoreResult<bool>> + Send;
    /// Messages not yet sent, oldest first.
    fn pending(&self, limit: i32) -> impl Future<Output = StoreResult<Vec<MailRecord>>> + Send;
    /// Takes a pending message for sending: counts the attempt and holds it for five
    /// minutes, conditional on the count read, so of two senders one gets it. `None` when it
    /// is sent, held by another sender, or another sender won.
    fn claim(
        &self,
        key: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<Option<MailRecord>>> + Send;
    fn mark_sent(
        &self,
        key: &str,
        at: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    fn mark_failed(&self, key: &str, error: &str) -> impl Future<Output = StoreResult<()>> + Send;
    fn mail(&self, key: &str) -> impl Future<Output = StoreResult<Option<MailRecord>>> + Send;
}

/// Which plans a sweep must look at: a sparse index keyed by the day each becomes due.
pub trait DueIndex {
    /// Sets (or, with `None`, clears) the day the sweep next looks at the plan.
    fn schedule(
        &self,
        sweep: SweepKind,
        plan_id: &str,
        on: Option<NaiveDate>,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// The plans due for the sweep on or before `today`, with their records.
    fn due_plans(
        &self,
        sweep: SweepKind,
        today: NaiveDate,
    ) -> impl Future<Output = StoreResult<Vec<PlanRecord>>> + Send;
}
