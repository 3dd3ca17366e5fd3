//! What is kept of the annual assessment (考核): an office's adjustments of its agencies'
//! scores with their reasons, and the 通报 it published.

use chrono::{DateTime, Utc};
use openday_rules::org::Id;
use serde::{Deserialize, Serialize};

/// An office's adjustment of an agency's score for a year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdjustmentRecord {
    pub id: String,
    pub office_id: Id,
    pub year: i32,
    pub org_id: Id,
    pub points: i64,
    pub reason: String,
    /// The work e-mail of who made it.
    pub by_person: String,
    pub at: DateTime<Utc>,
}

/// One agency's line in a published 通报.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BulletinRow {
    pub org_id: String,
    pub name: String,
    pub computed: Option<f64>,
    pub adjustment: f64,
    pub total: Option<f64>,
}

/// A published 通报: the year's results by agency as they were, good practice, problems.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BulletinRecord {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub office_id: Id,
    pub office_name: String,
    pub year: i32,
    pub published_at: DateTime<Utc>,
    pub by_person: String,
    pub good_practice: String,
    pub problems: String,
    pub results: Vec<BulletinRow>,
}
