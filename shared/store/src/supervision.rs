//! What is kept of the offices' supervision: on-site visits and follow-up checks of a
//! plan, public evaluations (群众评议) an office opens, and the verdicts given in them.

use chrono::{DateTime, Utc};
use openday_rules::org::Id;
use openday_rules::supervision::{FollowUp, PublicEvaluation, Verdict, Visit};
use serde::{Deserialize, Serialize};

/// A 现场走访 recorded by an office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitRecord {
    pub id: String,
    pub plan_id: String,
    pub office_id: Id,
    /// The work e-mail of who recorded it.
    pub by_person: String,
    pub at: DateTime<Utc>,
    pub visit: Visit,
}

/// A 跟踪检查 recorded by an office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckRecord {
    pub id: String,
    pub plan_id: String,
    pub office_id: Id,
    pub by_person: String,
    pub at: DateTime<Utc>,
    pub follow_up: FollowUp,
}

/// A 群众评议 an office opened for its jurisdiction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicEvaluationRecord {
    pub id: String,
    pub office_id: Id,
    /// The office's jurisdiction path (`gx/gx-nn/`): the events evaluated lie under it.
    pub office_path: String,
    pub by_person: String,
    pub at: DateTime<Utc>,
    pub evaluation: PublicEvaluation,
}

/// One person's verdict on one event of a public evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerdictRecord {
    pub id: String,
    pub evaluation_id: String,
    pub plan_id: String,
    /// The implementing agency of the event.
    pub org_id: Id,
    pub at: DateTime<Utc>,
    pub verdict: Verdict,
}
