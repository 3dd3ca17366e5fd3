//! What the stores keep and return: domain values from the rules crate plus the
//! bookkeeping of storage (ids, versions, times).

use chrono::{DateTime, NaiveDate, Utc};
use openday_rules::announcement::Announcement;
use openday_rules::feedback::{Evaluation, Feedback, FeedbackResponse};
use openday_rules::lifecycle::{Action, HistoryEntry, PlanStatus, Version};
use openday_rules::org::Id;
use openday_rules::plan::{Channel, Plan};
use openday_rules::registration::{Category, Registrant, Relation};
use openday_rules::sweep::{FindingKind, MailKind, Recipient};
use openday_rules::{Programme, ProgrammeRef};
use serde::{Deserialize, Serialize};

use crate::personal::PersonKey;

/// A stored plan with its place in the workflow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanRecord {
    pub id: String,
    pub org_id: Id,
    /// The implementer's jurisdiction path (`gx/gx-nn/`), for subtree listings.
    pub org_path: String,
    pub status: PlanStatus,
    pub version: Version,
    pub plan: Plan,
    pub submitted_at: DateTime<Utc>,
    pub announced_on: Option<NaiveDate>,
    pub responded_on: Option<NaiveDate>,
    /// The version of its region's programme for its year that the plan was last checked
    /// against (0: the shipped default). Its deadlines follow that version, whatever is
    /// imported later.
    #[serde(default)]
    pub programme_version: u32,
}

impl PlanRecord {
    /// The programme version the plan follows.
    pub fn programme(&self) -> ProgrammeRef {
        ProgrammeRef {
            region: region_of_path(&self.org_path).unwrap_or_else(|| self.org_id.clone()),
            year: self.plan.year(),
            version: self.programme_version,
        }
    }
}

/// The region (the first jurisdiction) of a path `gx/gx-nn/`.
pub fn region_of_path(path: &str) -> Option<Id> {
    path.split('/')
        .next()
        .and_then(|first| Id::parse("region", first).ok())
}

/// One stored version of a region's programme for a year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgrammeRecord {
    pub programme: Programme,
    /// 1 for the first import of the region and year, then 2, 3, …; 0 is the shipped
    /// default (never stored).
    pub version: u32,
    /// When and by whom it was imported (`None`: the command line).
    pub imported_at: Option<DateTime<Utc>>,
    pub imported_by: Option<Id>,
}

impl ProgrammeRecord {
    /// The shipped default as the programme of `region` and `year`.
    pub fn shipped(region: &Id, year: i32) -> ProgrammeRecord {
        ProgrammeRecord {
            programme: Programme::shipped().for_region_year(region, year),
            version: 0,
            imported_at: None,
            imported_by: None,
        }
    }

    pub fn reference(&self) -> ProgrammeRef {
        ProgrammeRef {
            region: self.programme.region.clone(),
            year: self.programme.year,
            version: self.version,
        }
    }
}

/// One move of a plan, written with its history entry in one transaction, conditional on
/// the version it was made from.
#[derive(Debug, Clone)]
pub struct PlanChange {
    pub action: Action,
    pub to: PlanStatus,
    /// The acting organisation; `None` for the calendar.
    pub by: Option<Id>,
    /// The person who acted (work e-mail), when a person did.
    pub by_person: Option<String>,
    pub at: DateTime<Utc>,
    pub comment: Option<String>,
    /// A revised plan, with the programme version it was checked against.
    pub plan: Option<(Plan, u32)>,
    /// The announcement published by this change (opens registration).
    pub announcement: Option<Announcement>,
    /// The feedback response published by this change.
    pub response: Option<FeedbackResponse>,
}

impl PlanChange {
    pub fn new(action: Action, to: PlanStatus, by: Option<Id>, at: DateTime<Utc>) -> Self {
        Self {
            action,
            to,
            by,
            by_person: None,
            at,
            comment: None,
            plan: None,
            announcement: None,
            response: None,
        }
    }
}

/// Which plans a listing covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanScope {
    /// One organisation's own plans.
    Org { path: String, org_id: Id },
    /// Every plan in a jurisdiction and the jurisdictions below it.
    Subtree { path: String },
}

impl PlanScope {
    /// The start of the scope sort key of everything the scope covers (plans, sheets,
    /// findings): a jurisdiction's path, or one organisation's `path|id|`.
    pub fn prefix(&self) -> String {
        match self {
            PlanScope::Subtree { path } => path.clone(),
            PlanScope::Org { path, org_id } => crate::keys::owned(path, org_id.as_str(), ""),
        }
    }
}

/// `confirmed` or `waitlisted`, or `cancelled` by the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RegistrationStatus {
    Confirmed,
    Waitlisted,
    Cancelled,
}

impl RegistrationStatus {
    /// What people are told: 报名成功, 候补, 已取消.
    pub fn label(self) -> &'static str {
        match self {
            RegistrationStatus::Confirmed => "报名成功",
            RegistrationStatus::Waitlisted => "候补",
            RegistrationStatus::Cancelled => "已取消",
        }
    }
}

/// A registration (online) or recommendation (offline) to store, with the keyed hashes
/// and the sealed phone computed once at the edge.
#[derive(Debug, Clone)]
pub struct NewRegistration {
    pub registrant: Registrant,
    pub channel: Channel,
    pub at: DateTime<Utc>,
    /// Epoch seconds after which the record is deleted (TTL).
    pub expires_at: i64,
    /// Keyed hash of the ID number: one registration per person and event.
    pub person_hash: String,
    /// Keyed hash of the phone: one registration per phone and event, and look-ups.
    pub phone_hash: String,
    /// The phone encrypted, for the messages about this registration.
    pub phone_sealed: String,
    /// The text-message code that proves the phone, checked in the registration's own
    /// transaction (online registrations; the agency's recommendations carry none).
    pub proof: Option<CodeProof>,
    /// The event's capacity as the caller knows it: where a rush tries first (the stored
    /// counter decides).
    pub capacity_hint: Option<u32>,
    /// The consent to the processing of the ID number.
    pub consent: Option<Consent>,
}

/// The separate consent to the processing of the ID number, as given: the notice's
/// version and when; for an agency's recommendation, the member of staff who vouched
/// that the person consented.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Consent {
    pub notice_version: String,
    pub at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vouched_by: Option<String>,
}

/// A text-message code as given (keyed hash), and when.
#[derive(Debug, Clone)]
pub struct CodeProof {
    pub code_hash: String,
    pub at: DateTime<Utc>,
}

impl NewRegistration {
    pub fn new(
        registrant: Registrant,
        channel: Channel,
        at: DateTime<Utc>,
        expires_at: i64,
        key: &PersonKey,
    ) -> Result<Self, crate::personal::RandomUnavailable> {
        Ok(Self {
            person_hash: key.hash(&registrant.id),
            phone_hash: key.phone_hash(&registrant.phone),
            phone_sealed: key.seal_phone(&registrant.phone)?,
            registrant,
            channel,
            at,
            expires_at,
            proof: None,
            capacity_hint: None,
            consent: None,
        })
    }

    /// The same registration, to be taken only if `proof` is the phone's live code.
    pub fn proved_by(mut self, proof: CodeProof) -> Self {
        self.proof = Some(proof);
        self
    }
}

/// A stored registration. It holds the ID number only masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationRecord {
    pub code: String,
    pub plan_id: String,
    pub name: String,
    /// `4501**********123X`
    pub id_masked: String,
    /// `138****8000`: what listings show.
    pub phone_masked: String,
    /// Keyed hash: whoever reads or cancels must give this phone.
    pub phone_hash: String,
    /// Encrypted: to reach the participant by text message.
    pub phone_sealed: String,
    pub category: Category,
    pub relation: Relation,
    pub channel: Channel,
    pub status: RegistrationStatus,
    pub registered_at: DateTime<Utc>,
    pub expires_at: i64,
    /// When the person was checked in at the door (签到), if they were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attended_at: Option<DateTime<Utc>>,
    /// Who checked the person in (work e-mail), written beside `attended_at`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checked_in_by: Option<String>,
    /// The consent to the processing of the ID number (none on records from before it was
    /// kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent: Option<Consent>,
}

/// What a check-in at the door came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckIn {
    /// Marked attended now.
    Admitted(RegistrationRecord),
    /// Checked in before (`attended_at` says when): counted once.
    Already(RegistrationRecord),
    /// Waitlisted or cancelled: not admitted.
    NotConfirmed(RegistrationRecord),
    /// A registration of another event.
    OtherEvent,
    /// No registration has this code.
    Unknown,
}

/// The outcome of a registration attempt that was stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    pub code: String,
    pub status: RegistrationStatus,
}

/// Which uniqueness a registration ran into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Duplicate {
    /// This person (ID number) holds registration `code` for the event.
    Person { code: String },
    /// This phone number holds registration `code` for the event.
    Phone { code: String },
}

/// The outcome of a cancellation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cancelled {
    /// The waitlisted registration that took the freed seat, if any.
    pub promoted: Option<String>,
}

/// The event's seats counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seats {
    pub capacity: u32,
    pub confirmed: u32,
    pub waitlisted: u32,
}

impl Seats {
    pub fn left(&self) -> u32 {
        self.capacity.saturating_sub(self.confirmed)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeedbackRecord {
    pub id: String,
    pub plan_id: String,
    pub at: DateTime<Utc>,
    #[serde(flatten)]
    pub feedback: Feedback,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvaluationRecord {
    pub id: String,
    pub plan_id: String,
    pub at: DateTime<Utc>,
    #[serde(flatten)]
    pub evaluation: Evaluation,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum FindingStatus {
    Open,
    Resolved,
}

/// A compliance finding as stored: once per key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FindingRecord {
    pub key: String,
    pub kind: FindingKind,
    pub plan_id: Option<String>,
    pub org_id: Id,
    pub org_path: String,
    pub year: i32,
    pub due_on: NaiveDate,
    pub status: FindingStatus,
    pub found_on: NaiveDate,
    pub resolved_on: Option<NaiveDate>,
}

/// An e-mail in the outbox, queued once per idempotency key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailRecord {
    pub key: String,
    pub kind: MailKind,
    pub recipient: Recipient,
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub queued_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub attempts: u32,
    pub last_error: Option<String>,
}

/// The history of a plan, oldest first.
pub type History = Vec<HistoryEntry>;

/// A staff sign-in under way: mailed as a link (nonce) and a 6-digit code, kept only as
/// keyed hashes, taken once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInRecord {
    pub org_id: Id,
    /// The member signing in (work e-mail, lower case).
    #[serde(default)]
    pub email: String,
    pub nonce_hash: String,
    pub code_hash: String,
    pub expires_at: DateTime<Utc>,
    /// Whether only the browser that asked may use it (always, except the local demo's
    /// printed links).
    pub bound: bool,
}

/// What a person brings to finish a sign-in.
#[derive(Debug, Clone, Copy)]
pub enum SignInProof<'a> {
    /// The keyed hash of the link's nonce.
    Nonce(&'a str),
    /// The keyed hash of the e-mailed code.
    Code(&'a str),
}
