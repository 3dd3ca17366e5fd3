//! What is kept of a plan's questionnaire: its design with a version (the agency edits it
//! until it opens), and each participant's answers.

use chrono::{DateTime, Utc};
use openday_rules::questionnaire::{AnswerSet, Questionnaire};
use serde::{Deserialize, Serialize};

/// A plan's questionnaire (one per plan).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionnaireRecord {
    pub plan_id: String,
    /// 1 for the first save; each save names the version it was made from.
    pub version: u64,
    pub questionnaire: Questionnaire,
    /// When the agency opened it to participants; its questions are fixed from then on.
    pub opened_at: Option<DateTime<Utc>>,
    pub saved_at: DateTime<Utc>,
    /// The work e-mail of who saved it last.
    pub saved_by: Option<String>,
}

/// One participant's answers (one set per phone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerSetRecord {
    pub id: String,
    pub plan_id: String,
    pub at: DateTime<Utc>,
    pub answers: AnswerSet,
}
