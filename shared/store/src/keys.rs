//! Every key of the single table, built in one place.
//!
//! Partition keys spread load: each plan, registration, person marker, feedback stream and
//! finding has its own partition. The only item every registration of an event writes is
//! the event's seats counter (and, past capacity, its waitlist partition in the same
//! transaction).

use chrono::{DateTime, NaiveDate, Utc};
use openday_rules::org::Organisation;

pub type Key = (String, String);

/// One version of a region's programme for a year.
pub fn programme(region: &str, year: i32, version: u32) -> Key {
    (programme_pk(region, year), format!("V#{version:010}"))
}

pub fn programme_pk(region: &str, year: i32) -> String {
    format!("PROGRAMME#{region}#{year}")
}

/// The scope partition listing a region's programmes (every year and version).
pub fn programmes_of(region: &str) -> String {
    format!("PROGRAMMES#{region}")
}

pub fn plan(id: &str) -> Key {
    (format!("PLAN#{id}"), "PLAN".into())
}

pub fn history(plan_id: &str, version: u64) -> Key {
    (format!("PLAN#{plan_id}"), format!("HIST#{version:010}"))
}

pub const HISTORY_PREFIX: &str = "HIST#";

pub fn announcement(plan_id: &str) -> Key {
    (format!("PLAN#{plan_id}"), "ANNOUNCEMENT".into())
}

pub fn response(plan_id: &str) -> Key {
    (format!("PLAN#{plan_id}"), "RESPONSE".into())
}

/// A sweep's due marker for a plan.
pub fn due_marker(plan_id: &str, sweep: &str) -> Key {
    (format!("PLAN#{plan_id}"), format!("DUE#{sweep}"))
}

pub fn seats(plan_id: &str) -> Key {
    (format!("SEATS#{plan_id}"), "SEATS".into())
}

/// One person (keyed hash of the ID number) per event.
pub fn person(plan_id: &str, person_hash: &str) -> Key {
    (format!("PERSON#{plan_id}#{person_hash}"), "PERSON".into())
}

/// One phone (keyed hash) per event.
pub fn phone(plan_id: &str, phone_hash: &str) -> Key {
    (format!("PHONE#{plan_id}#{phone_hash}"), "PHONE".into())
}

pub fn registration(code: &str) -> Key {
    (format!("REG#{code}"), "REG".into())
}

/// Waitlist entries sort by arrival (see [`arrival`]).
pub fn waitlist(plan_id: &str, arrival: &str, code: &str) -> Key {
    (waitlist_pk(plan_id), format!("{arrival}#{code}"))
}

/// A sortable arrival stamp: the instant in microseconds, then a sequence number of this
/// process, so that arrivals at the same instant (a fixed clock, a coarse timer) still
/// queue in the order this process took them.
pub fn arrival(at: DateTime<Utc>) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static SEQUENCE: AtomicU64 = AtomicU64::new(0);
    let n = SEQUENCE.fetch_add(1, Ordering::Relaxed);
    format!("{}#{n:012}", micros(at))
}

pub fn waitlist_pk(plan_id: &str) -> String {
    format!("WAIT#{plan_id}")
}

pub fn feedback(plan_id: &str, at: DateTime<Utc>, id: &str) -> Key {
    (
        format!("FEEDBACK#{plan_id}"),
        format!("{}#{id}", micros(at)),
    )
}

pub fn feedback_pk(plan_id: &str) -> String {
    format!("FEEDBACK#{plan_id}")
}

/// The offices' supervision of a plan: its visits and follow-up checks, by time.
pub fn supervision_pk(plan_id: &str) -> String {
    format!("SUPERVISION#{plan_id}")
}

pub const VISIT_PREFIX: &str = "VISIT#";
pub const CHECK_PREFIX: &str = "CHECK#";

pub fn visit(plan_id: &str, at: DateTime<Utc>, id: &str) -> Key {
    (
        supervision_pk(plan_id),
        format!("{VISIT_PREFIX}{}#{id}", micros(at)),
    )
}

pub fn check(plan_id: &str, at: DateTime<Utc>, id: &str) -> Key {
    (
        supervision_pk(plan_id),
        format!("{CHECK_PREFIX}{}#{id}", micros(at)),
    )
}

/// A public evaluation (群众评议), with its verdicts in the same partition.
pub fn public_evaluation(id: &str) -> Key {
    (format!("PUBEVAL#{id}"), "PUBEVAL".into())
}

/// The scope partition listing an office's public evaluations.
pub fn public_evaluations_of(office_id: &str) -> String {
    format!("PUBEVALS#{office_id}")
}

pub const VERDICT_PREFIX: &str = "VERDICT#";

/// One verdict per phone, event and public evaluation.
pub fn verdict(evaluation_id: &str, plan_id: &str, phone_hash: &str) -> Key {
    (
        public_evaluation(evaluation_id).0,
        format!("{VERDICT_PREFIX}{plan_id}#{phone_hash}"),
    )
}

/// An office's assessment of a year: its adjustments and its 通报.
pub fn assessment_pk(office_id: &str, year: i32) -> String {
    format!("ASSESS#{office_id}#{year}")
}

pub const ADJUSTMENT_PREFIX: &str = "ADJ#";

pub fn adjustment(office_id: &str, year: i32, at: DateTime<Utc>, id: &str) -> Key {
    (
        assessment_pk(office_id, year),
        format!("{ADJUSTMENT_PREFIX}{}#{id}", micros(at)),
    )
}

pub fn bulletin(office_id: &str, year: i32) -> Key {
    (assessment_pk(office_id, year), "BULLETIN".into())
}

/// A text message a gateway took, by the gateway and its id there.
pub fn sms_message(provider: &str, id: &str) -> Key {
    (format!("SMS#{provider}#{id}"), "SMS".into())
}

/// A joint campaign (联合开放活动).
pub fn campaign(id: &str) -> Key {
    (format!("CAMPAIGN#{id}"), "CAMPAIGN".into())
}

/// The scope partition listing an office's campaigns.
pub fn campaigns_of(office_id: &str) -> String {
    format!("CAMPAIGNS#{office_id}")
}

/// An agency's invitation to a campaign.
pub fn invitation(org_id: &str, campaign_id: &str) -> Key {
    (invitations_pk(org_id), campaign_id.to_owned())
}

pub fn invitations_pk(org_id: &str) -> String {
    format!("INVITES#{org_id}")
}

/// A plan's questionnaire.
pub fn questionnaire(plan_id: &str) -> Key {
    (format!("PLAN#{plan_id}"), "QUESTIONNAIRE".into())
}

/// One answer set per phone and questionnaire.
pub fn answer_set(plan_id: &str, phone_hash: &str) -> Key {
    (answer_sets_pk(plan_id), format!("PHONE#{phone_hash}"))
}

pub fn answer_sets_pk(plan_id: &str) -> String {
    format!("QANSWERS#{plan_id}")
}

/// One evaluation per phone: keyed by the phone's hash, so a second one replaces the first.
pub fn evaluation(plan_id: &str, phone_hash: &str) -> Key {
    (evaluation_pk(plan_id), format!("PHONE#{phone_hash}"))
}

/// A saved draft answer to one feedback item.
pub fn answer(plan_id: &str, feedback_id: &str) -> Key {
    (answers_pk(plan_id), format!("ANSWER#{feedback_id}"))
}

pub fn answers_pk(plan_id: &str) -> String {
    format!("ANSWERS#{plan_id}")
}

/// The day-before reminder of a registration, sent once.
pub fn reminder(code: &str) -> Key {
    (format!("REMIND#{code}"), "REMIND".into())
}

/// A staff sign-in under way (keyed hash of the attempt id the browser holds).
pub fn sign_in(attempt_hash: &str) -> Key {
    (format!("SIGNIN#{attempt_hash}"), "SIGNIN".into())
}

/// A member of an organisation, by work e-mail (lower case).
pub fn member(email: &str) -> Key {
    (format!("MEMBER#{email}"), "MEMBER".into())
}

/// The scope partition listing an organisation's members.
pub fn members_of(org_id: &str) -> String {
    format!("MEMBERS#{org_id}")
}

/// A staff session (keyed hash of the id its cookie holds).
pub fn staff_session(id_hash: &str) -> Key {
    (format!("STAFFSESSION#{id_hash}"), "SESSION".into())
}

/// The scope partition listing a person's sessions.
pub fn sessions_of(email: &str) -> String {
    format!("SESSIONSOF#{email}")
}

/// A personal API key, by its public id.
pub fn api_key(id: &str) -> Key {
    (format!("APIKEY#{id}"), "APIKEY".into())
}

/// The scope partition listing a person's API keys.
pub fn api_keys_of(email: &str) -> String {
    format!("APIKEYSOF#{email}")
}

/// The audit trail of a day (Asia/Shanghai): records sort by `<path>|<org>|<seq>`, so an
/// office reads its jurisdiction's with one `begins_with`.
pub fn audit_pk(day: NaiveDate) -> String {
    format!("AUDIT#{day}")
}

pub fn audit(day: NaiveDate, path: &str, org_id: &str, seq: u64) -> Key {
    (audit_pk(day), owned(path, org_id, &format!("{seq:010}")))
}

/// The head (last sequence number and hash) of an organisation's chain of a day.
pub fn audit_head(day: NaiveDate, org_id: &str) -> Key {
    (audit_heads_pk(day), org_id.to_owned())
}

pub fn audit_heads_pk(day: NaiveDate) -> String {
    format!("AUDITHEAD#{day}")
}

/// A counter of uses in one fixed window (`window_end`: when the window ends, in Unix
/// seconds), shared by every process: codes sent from an address, sign-ins asked for a
/// mailbox.
pub fn counter(name: &str, window_end: i64) -> Key {
    (format!("COUNTER#{name}"), format!("UNTIL#{window_end}"))
}

/// A phone's current text-message code and its sending counters.
pub fn sms_code(phone_hash: &str) -> Key {
    (format!("SMSCODE#{phone_hash}"), "SMSCODE".into())
}

/// How many feedback items a phone gave for a plan on a day.
pub fn feedback_quota(plan_id: &str, phone_hash: &str, day: NaiveDate) -> Key {
    (
        format!("FBQUOTA#{plan_id}#{phone_hash}"),
        format!("DAY#{day}"),
    )
}

pub fn evaluation_pk(plan_id: &str) -> String {
    format!("EVAL#{plan_id}")
}

pub fn report(org_id: &str, year: i32) -> Key {
    (format!("ORG#{org_id}"), format!("REPORT#{year}"))
}

pub fn org(org_id: &str) -> Key {
    (format!("ORG#{org_id}"), "ORG".into())
}

pub fn jurisdiction(id: &str) -> Key {
    (format!("JUR#{id}"), "JUR".into())
}

pub fn finding(key: &str) -> Key {
    (format!("FINDING#{key}"), "FINDING".into())
}

pub fn mail(key: &str) -> Key {
    (format!("MAIL#{key}"), "MAIL".into())
}

// Scope index partitions.

pub fn plans_of_year(year: i32) -> String {
    format!("PLANS#{year}")
}

/// An organisation's sheet of the year's figures.
pub fn sheet(org_id: &str, year: i32) -> Key {
    (format!("SHEET#{org_id}#{year}"), "SHEET".into())
}

/// The scope partition listing the year's sheets (sorted by [`owned`], id left empty).
pub fn sheets_of_year(year: i32) -> String {
    format!("SHEETS#{year}")
}

pub fn announced_in(year: i32) -> String {
    format!("ANNOUNCED#{year}")
}

pub fn findings_of_year(year: i32) -> String {
    format!("FINDINGS#{year}")
}

pub fn registrations_of(plan_id: &str) -> String {
    format!("REGS#{plan_id}")
}

pub const ORGS: &str = "ORGS";
pub const JURISDICTIONS: &str = "JURISDICTIONS";

/// `gx/gx-nn/`: the jurisdiction path of an organisation, ready for `begins_with`.
/// Ids never contain `/` or `|`, so a prefix is exactly a subtree.
pub fn path_of(org: &Organisation) -> String {
    path(org.jurisdiction_path.iter().map(|j| j.as_str()))
}

pub fn path<'a>(ids: impl IntoIterator<Item = &'a str>) -> String {
    ids.into_iter().fold(String::new(), |mut s, id| {
        s.push_str(id);
        s.push('/');
        s
    })
}

/// `<path>|<org>|<id>`: the scope sort key of anything an organisation owns.
pub fn owned(path: &str, org_id: &str, id: &str) -> String {
    format!("{path}|{org_id}|{id}")
}

pub fn due_sk(on: NaiveDate, subject: &str) -> String {
    format!("{on}#{subject}")
}

fn micros(t: DateTime<Utc>) -> String {
    format!("{:020}", t.timestamp_micros().max(0))
}

pub fn sortable_time(t: DateTime<Utc>) -> String {
    micros(t)
}
