//! What is kept of a text message a gateway took: its id there (which its delivery receipt
//! names), its kind, the masked phone, and what became of it. Kept for the days a receipt
//! may come (the table's TTL removes it), never the text or the full number.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What became of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmsStatus {
    /// Taken by the gateway; no receipt yet.
    Sent,
    /// The receipt says it reached the phone.
    Delivered,
    /// The receipt says it did not.
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmsMessageRecord {
    /// `aliyun`, `tencent`, `sns`.
    pub provider: String,
    /// The gateway's id of the message.
    pub id: String,
    /// `code`, `reminder`, `cancelled`.
    pub kind: String,
    pub phone_masked: String,
    pub sent_at: DateTime<Utc>,
    pub status: SmsStatus,
    /// The receipt's status code and words.
    pub detail: Option<String>,
    pub status_at: Option<DateTime<Utc>>,
}

/// Days a message is kept for its receipt (vendors push within hours; 30 days leaves room
/// to look a complaint up).
pub const KEEP_DAYS: i64 = 30;
