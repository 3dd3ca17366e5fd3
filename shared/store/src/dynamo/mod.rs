//! The DynamoDB single-table adapter: every port, one table, the real SDK.
//!
//! This module holds the store and its construction. The helpers every port uses are in
//! `codec` (items and values), `items` (single items, transaction items, batches), `query`
//! and `tx` (transactions and the one retry loop). Each port's implementation is in the
//! module of its aggregate and uses those helpers, never another aggregate's module.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use aws_sdk_dynamodb::Client;

use crate::error::StoreResult;
use crate::records::ProgrammeRecord;
use crate::table::TABLE;
use seats_hint::SeatsHint;

mod codec;
mod items;
mod query;
mod tx;

mod assessment;
mod audit;
mod backup;
mod campaigns;
mod counters;
mod directory;
mod due;
mod feedback;
mod findings;
mod messages;
mod outbox;
mod people;
mod plans;
mod programmes;
mod questionnaires;
mod registrations;
mod reports;
mod seats_hint;
mod sessions;
mod sheets;
mod supervision;
mod verification;

/// Every port over one DynamoDB table. Cheap to clone: clones share the client.
#[derive(Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
    /// Items read (returned by GetItem/BatchGetItem, scanned by Query): what a test asserts
    /// to prove a sweep reads only what is due.
    reads: Arc<AtomicU64>,
    /// Which events this process last saw full: where a registration tries first.
    seats_hint: SeatsHint,
    /// Stored programme versions already read: a version never changes once stored, so a
    /// sweep over many plans reads each version once.
    programmes: ProgrammeCache,
}

/// Stored programme versions by (region, year, version).
type ProgrammeCache = Arc<std::sync::Mutex<HashMap<(String, i32, u32), ProgrammeRecord>>>;

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
            reads: Arc::new(AtomicU64::new(0)),
            seats_hint: SeatsHint::default(),
            programmes: Arc::default(),
        }
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// Creates the table from [`TABLE`] if it does not exist.
    pub async fn ensure_table(&self) -> StoreResult<()> {
        TABLE.ensure(&self.client, &self.table).await
    }

    /// Items read so far by this store and its clones.
    pub fn items_read(&self) -> u64 {
        self.reads.load(Ordering::Relaxed)
    }

    /// Counts items read, for [`Self::items_read`].
    fn count(&self, n: i64) {
        self.reads.fetch_add(n.max(0) as u64, Ordering::Relaxed);
    }
}
