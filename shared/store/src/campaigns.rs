//! What is kept of a joint campaign: the campaign with the plans the invited agencies tied
//! to it, and an invitation marker per agency (how an agency finds its campaigns).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use openday_rules::campaign::Campaign;
use openday_rules::org::Id;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignRecord {
    pub id: String,
    pub office_id: Id,
    pub office_name: String,
    pub year: i32,
    /// 1 when created; each change names the version it was made from.
    pub version: u64,
    pub campaign: Campaign,
    /// Agency id → the plan it tied to the campaign.
    pub plans: BTreeMap<String, String>,
    /// The day the 集中公告 was published.
    pub published_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub by_person: String,
}
