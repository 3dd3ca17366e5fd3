//! The records of staff as people: members of an organisation, their sessions and API
//! keys, and the audit trail (操作日志) with its hash chain.

use chrono::{DateTime, NaiveDate, Utc};
use openday_rules::org::Id;
use openday_rules::staff::Roles;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A member of an organisation, by work e-mail (lower case: the member's key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRecord {
    pub email: String,
    pub name: String,
    pub org_id: Id,
    pub roles: Roles,
    pub added_at: DateTime<Utc>,
    /// Who invited the member (`None`: the directory's mailbox, the first 管理员).
    pub added_by: Option<String>,
    /// The second factor's key, sealed; `None` until enrolled.
    #[serde(default)]
    pub totp_sealed: Option<String>,
    /// Keyed hashes of the unused recovery codes.
    #[serde(default)]
    pub recovery: Vec<String>,
}

/// A member as stored: the record and the counters kept beside it.
#[derive(Debug, Clone)]
pub struct Member {
    pub record: MemberRecord,
    /// Raised to end every session and key of the person at once.
    pub epoch: u64,
    /// Wrong second-factor codes since the last right one.
    pub wrong_codes: u32,
    /// Sign-in is locked until then.
    pub locked_until: Option<DateTime<Utc>>,
}

/// What a wrong second-factor code did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WrongCode {
    /// Counted; this many in a row so far.
    Counted(u32),
    /// This one was the last allowed: sign-in is locked until then.
    Locked(DateTime<Utc>),
}

/// A staff session on the server (keyed hash of the id the browser's cookie holds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    pub email: String,
    pub org_id: Id,
    /// The member's epoch when it started: raised, the session is over.
    pub epoch: u64,
    pub started: DateTime<Utc>,
    pub last_used: DateTime<Utc>,
    /// When it ends whatever happens (8 hours after the start).
    pub ends: DateTime<Utc>,
    /// The browser, as its User-Agent names it (shortened).
    pub device: String,
    /// The address it started from, masked.
    pub address: String,
    /// The second factor is done; until then only the second-factor pages answer.
    pub verified: bool,
    /// A second factor's key being enrolled, sealed, until the typed check succeeds.
    #[serde(default)]
    pub enrolling: Option<String>,
    /// The CSRF token of every form in this session.
    pub csrf: String,
}

/// A personal API key: only the keyed hash of its secret is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyRecord {
    pub id: String,
    pub name: String,
    pub email: String,
    pub org_id: Id,
    pub epoch: u64,
    pub secret_hash: String,
    pub created: DateTime<Utc>,
    pub expires: DateTime<Utc>,
}

/// Who acted, as the trail names them: the member's id (their work e-mail), name and e-mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditPerson {
    pub id: String,
    pub name: String,
    pub email: String,
}

/// What was acted on: its kind (`plan`, `member`, `key`, `org`, `year`) and id; both empty
/// when nothing in particular.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditObject {
    pub kind: String,
    pub id: String,
}

impl AuditObject {
    /// `plan:AB12` → kind `plan`, id `AB12`; `""` → nothing.
    pub fn parse(raw: &str) -> Self {
        match raw.split_once(':') {
            Some((kind, id)) => Self {
                kind: kind.to_owned(),
                id: id.to_owned(),
            },
            None => Self {
                kind: String::new(),
                id: raw.to_owned(),
            },
        }
    }
}

/// `plan:AB12`, as filters and listings write it.
impl std::fmt::Display for AuditObject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.kind.is_empty() {
            f.write_str(&self.id)
        } else {
            write!(f, "{}:{}", self.kind, self.id)
        }
    }
}

/// One line of the audit trail as the use case writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub org_id: Id,
    /// The organisation's jurisdiction path (`gx/gx-nn/`): an office reads its subtree.
    pub org_path: String,
    /// The person; `None` for nobody in particular.
    pub person: Option<AuditPerson>,
    /// The address the request came from.
    pub address: String,
    /// What was done (`plan.review`, `registrants.read`, `sign_in.locked`, …).
    pub action: String,
    /// On what.
    pub object: AuditObject,
    /// `ok`, `refused` or an error code.
    pub result: String,
    /// Anything else worth keeping (a count of rows read, the filter of an export).
    #[serde(default)]
    pub detail: String,
}

/// A stored line of the trail: its place in the organisation's chain of the day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditRecord {
    #[serde(flatten)]
    pub entry: AuditEntry,
    /// 1, 2, … within the organisation's day.
    pub seq: u64,
    /// The hash of the previous record of the chain (64 zeros for the first).
    pub prev_hash: String,
    /// SHA-256 over `prev` and this record's entry and sequence number.
    pub hash: String,
}

/// The hash before the first record of a chain.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

impl AuditRecord {
    /// The record following `prev` (hash) at `seq`.
    pub fn chained(entry: AuditEntry, seq: u64, prev: &str) -> Self {
        let hash = Self::digest(&entry, seq, prev);
        Self {
            entry,
            seq,
            prev_hash: prev.to_owned(),
            hash,
        }
    }

    /// What the hash of a record must be: over the previous hash, the sequence number and
    /// the entry's canonical JSON (fields in declaration order).
    pub fn digest(entry: &AuditEntry, seq: u64, prev: &str) -> String {
        let body = serde_json::to_string(entry).unwrap_or_default();
        let mut h = Sha256::new();
        h.update(prev.as_bytes());
        h.update([0]);
        h.update(seq.to_string().as_bytes());
        h.update([0]);
        h.update(body.as_bytes());
        crate::personal::hex(&h.finalize())
    }

    pub fn day(&self) -> NaiveDate {
        openday_rules::local_day(&self.entry.at)
    }
}

/// The last link of an organisation's chain of a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditHead {
    pub org_id: String,
    pub seq: u64,
    pub hash: String,
}

/// The first broken link of a chain, as `openday audit verify` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    pub day: NaiveDate,
    pub org_id: String,
    pub seq: u64,
    pub why: String,
}

/// Checks one organisation's chain of a day (records in sequence order) against its head.
pub fn verify_chain(
    day: NaiveDate,
    org_id: &str,
    records: &[AuditRecord],
    head: Option<&AuditHead>,
) -> Result<(), BrokenLink> {
    let broken = |seq: u64, why: String| BrokenLink {
        day,
        org_id: org_id.to_owned(),
        seq,
        why,
    };
    let mut prev = GENESIS.to_owned();
    for (i, r) in records.iter().enumerate() {
        let expected_seq = i as u64 + 1;
        if r.seq != expected_seq {
            return Err(broken(
                expected_seq,
                format!("record {expected_seq} is missing (found {} next)", r.seq),
            ));
        }
        if r.prev_hash != prev {
            return Err(broken(
                r.seq,
                "does not link to the record before it".into(),
            ));
        }
        if AuditRecord::digest(&r.entry, r.seq, &r.prev_hash) != r.hash {
            return Err(broken(r.seq, "its content does not match its hash".into()));
        }
        prev = r.hash.clone();
    }
    let last = records.len() as u64;
    match head {
        Some(h) if h.seq != last => Err(broken(
            last + 1,
            format!("the chain ends at {last} but its head says {}", h.seq),
        )),
        Some(h) if h.hash != prev => Err(broken(last, "the head's hash differs".into())),
        None if last > 0 => Err(broken(last, "the chain has no head".into())),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: u32) -> AuditEntry {
        AuditEntry {
            at: chrono::DateTime::from_timestamp(1_780_000_000 + i64::from(n), 0).unwrap(),
            org_id: Id::parse("id", "nn-jt").unwrap(),
            org_path: "gx/gx-nn/".into(),
            person: Some(AuditPerson {
                id: "a@nn.example.org".into(),
                name: "张三".into(),
                email: "a@nn.example.org".into(),
            }),
            address: "127.0.0.1".into(),
            action: "plan.submit".into(),
            object: AuditObject::parse(&format!("plan:{n}")),
            result: "ok".into(),
            detail: String::new(),
        }
    }

    fn chain(n: u32) -> Vec<AuditRecord> {
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|i| {
                let r = AuditRecord::chained(entry(i), u64::from(i), &prev);
                prev = r.hash.clone();
                r
            })
            .collect()
    }

    fn head(records: &[AuditRecord]) -> AuditHead {
        AuditHead {
            org_id: "nn-jt".into(),
            seq: records.len() as u64,
            hash: records.last().map_or(GENESIS.into(), |r| r.hash.clone()),
        }
    }

    #[test]
    fn a_whole_chain_verifies_and_each_kind_of_break_is_found() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 8, 1).unwrap();
        let good = chain(4);
        assert_eq!(
            verify_chain(day, "nn-jt", &good, Some(&head(&good))),
            Ok(())
        );

        let mut changed = good.clone();
        changed[1].entry.result = "refused".into();
        assert_eq!(
            verify_chain(day, "nn-jt", &changed, Some(&head(&good)))
                .unwrap_err()
                .seq,
            2
        );

        let mut removed = good.clone();
        removed.remove(2);
        assert_eq!(
            verify_chain(day, "nn-jt", &removed, Some(&head(&good)))
                .unwrap_err()
                .seq,
            3
        );

        let truncated = good[..3].to_vec();
        assert_eq!(
            verify_chain(day, "nn-jt", &truncated, Some(&head(&good)))
                .unwrap_err()
                .seq,
            4
        );
    }
}
