//! The DynamoDB single-table adapter: every port, one table, the real SDK.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Delete, KeysAndAttributes, Put, PutRequest,
    ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update, WriteRequest,
};
use chrono::{DateTime, NaiveDate, Utc};
use openday_rules::Programme;
use openday_rules::announcement::Announcement;
use openday_rules::feedback::{Evaluation, Feedback, FeedbackResponse, ResponseItem};
use openday_rules::lifecycle::{HistoryEntry, PlanStatus, Version};
use openday_rules::org::{Directory, Id, Jurisdiction, Organisation};
use openday_rules::plan::Plan;
use openday_rules::report::AnnualReport;
use openday_rules::sweep::{Finding, SweepKind};
use openday_rules::verification;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{StoreError, StoreResult};
use crate::keys::{self, Key};
use crate::personal::{random_code, registration_code};
use crate::ports::*;
use crate::records::*;
use crate::table::{
    DUE_INDEX, DUE_PK, DUE_SK, PK, SCOPE_INDEX, SCOPE_PK, SCOPE_SK, SK, TABLE, TTL_ATTRIBUTE,
};

type Item = HashMap<String, AttributeValue>;

/// Attempts before a contended write gives up with [`StoreError::Busy`].
const MAX_ATTEMPTS: u32 = 80;

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

/// What this process knows of each event's seats, shared by the clones of one store: where
/// a registration should try first. A hint, never a decision: the transaction's conditions
/// decide, and a wrong hint costs one refused attempt.
#[derive(Clone, Default)]
struct SeatsHint(Arc<std::sync::Mutex<HashMap<String, EventSeats>>>);

#[derive(Default)]
struct EventSeats {
    capacity: Option<u32>,
    /// Confirmed registrations as last seen (the counter, or our own successes since).
    confirmed: u32,
    /// Confirmed attempts of this process under way.
    in_flight: u32,
}

impl SeatsHint {
    /// Where to try first. In a rush, the attempts under way count as taken seats: once
    /// they would fill the event, newcomers queue at once instead of being refused first.
    /// A confirmed attempt is counted until [`Self::settle`].
    fn first_try(&self, plan_id: &str, capacity: Option<u32>) -> RegistrationStatus {
        let Ok(mut map) = self.0.lock() else {
            return RegistrationStatus::Confirmed;
        };
        let e = map.entry(plan_id.to_owned()).or_default();
        if capacity.is_some() {
            e.capacity = capacity;
        }
        if e.capacity.is_some_and(|c| e.confirmed + e.in_flight >= c) {
            RegistrationStatus::Waitlisted
        } else {
            e.in_flight += 1;
            RegistrationStatus::Confirmed
        }
    }

    /// A first confirmed attempt is over; `seated` if it took a seat.
    fn settle(&self, plan_id: &str, seated: bool) {
        if let Ok(mut map) = self.0.lock() {
            let e = map.entry(plan_id.to_owned()).or_default();
            e.in_flight = e.in_flight.saturating_sub(1);
            if seated {
                e.confirmed += 1;
            }
        }
    }

    /// The counter as the engine reported it.
    fn seen(&self, plan_id: &str, item: &Item) {
        if let (Ok(mut map), Ok(capacity), Ok(confirmed)) = (
            self.0.lock(),
            num::<u32>(item, "capacity"),
            num::<u32>(item, "confirmed"),
        ) {
            let e = map.entry(plan_id.to_owned()).or_default();
            e.capacity = Some(capacity);
            e.confirmed = confirmed;
        }
    }
}

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

    fn count(&self, n: i64) {
        self.reads.fetch_add(n.max(0) as u64, Ordering::Relaxed);
    }

    async fn get(&self, (pk, sk): Key) -> StoreResult<Option<Item>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(PK, s(pk))
            .key(SK, s(sk))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        let item = out.item;
        if item.is_some() {
            self.count(1);
        }
        Ok(item)
    }

    /// Updates one item under a condition; when the condition does not hold, `Err` with
    /// the item as it was (`None`: there was none).
    async fn update(
        &self,
        (pk, sk): Key,
        update: &str,
        condition: &str,
        values: &[(&str, AttributeValue)],
    ) -> StoreResult<Result<(), Option<Item>>> {
        let (all_names, all_values) = placeholders(update, condition, values);
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(pk))
            .key(SK, s(sk))
            .update_expression(update)
            .condition_expression(condition)
            .set_expression_attribute_names(Some(all_names))
            .set_expression_attribute_values(Some(all_values))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match out {
            Ok(_) => Ok(Ok(())),
            Err(e) => match e.as_service_error() {
                Some(UpdateItemError::ConditionalCheckFailedException(c)) => {
                    Ok(Err(c.item.clone()))
                }
                _ => Err(unavailable(e)),
            },
        }
    }

    /// Deletes an item under a condition; `false` when the condition does not hold.
    async fn delete_where(
        &self,
        (pk, sk): Key,
        condition: &str,
        values: &[(&str, AttributeValue)],
    ) -> StoreResult<bool> {
        let (all_names, all_values) = placeholders("", condition, values);
        let out = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key(PK, s(pk))
            .key(SK, s(sk))
            .condition_expression(condition)
            .set_expression_attribute_names(Some(all_names))
            .set_expression_attribute_values((!all_values.is_empty()).then_some(all_values))
            .send()
            .await;
        match out {
            Ok(_) => Ok(true),
            Err(e) => match e.as_service_error() {
                Some(
                    aws_sdk_dynamodb::operation::delete_item::DeleteItemError::ConditionalCheckFailedException(_),
                ) => Ok(false),
                _ => Err(unavailable(e)),
            },
        }
    }

    /// Puts an item; `false` when its condition does not hold.
    async fn put(
        &self,
        item: Item,
        condition: Option<&str>,
        values: &[(&str, AttributeValue)],
    ) -> StoreResult<bool> {
        let mut put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item));
        if let Some(c) = condition {
            put = put
                .condition_expression(c)
                .set_expression_attribute_names(Some(names(c)));
        }
        if !values.is_empty() {
            put = put.set_expression_attribute_values(Some(value_map(values)));
        }
        match put.send().await {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(unavailable(e)),
        }
    }

    /// Every item of a query, page by page, counting what DynamoDB scanned.
    async fn query(&self, q: Query<'_>) -> StoreResult<Vec<Item>> {
        let mut items = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let mut req = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression(q.condition)
                .set_expression_attribute_names(Some(names(q.condition)))
                .set_expression_attribute_values(Some(
                    q.values
                        .iter()
                        .cloned()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect(),
                ))
                .set_exclusive_start_key(start.take());
            match q.index {
                Some(index) => req = req.index_name(index),
                None => req = req.consistent_read(true),
            }
            if let Some(limit) = q.limit {
                req = req.limit(limit);
            }
            let out = req.send().await.map_err(unavailable)?;
            self.count(i64::from(out.scanned_count));
            items.extend(out.items.unwrap_or_default());
            match out.last_evaluated_key {
                Some(k) if q.limit.is_none_or(|l| (items.len() as i32) < l) => start = Some(k),
                _ => break,
            }
        }
        Ok(items)
    }

    /// The JSON documents of every item a query returns.
    async fn docs<T: DeserializeOwned>(&self, q: Query<'_>) -> StoreResult<Vec<T>> {
        self.query(q).await?.iter().map(from_doc).collect()
    }

    /// Runs a transaction, classifying why it was refused.
    async fn transact(&self, writes: Vec<TransactWriteItem>) -> Result<(), TxError> {
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(writes))
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) => Err(classify(e)),
        }
    }

    fn put_item(
        &self,
        item: Item,
        condition: Option<&str>,
        values: &[(&str, AttributeValue)],
    ) -> StoreResult<TransactWriteItem> {
        let mut put = Put::builder().table_name(&self.table).set_item(Some(item));
        if let Some(c) = condition {
            put = put
                .condition_expression(c)
                .set_expression_attribute_names(Some(names(c)))
                .return_values_on_condition_check_failure(
                    ReturnValuesOnConditionCheckFailure::AllOld,
                );
            if !values.is_empty() {
                put = put.set_expression_attribute_values(Some(value_map(values)));
            }
        }
        Ok(TransactWriteItem::builder()
            .put(put.build().map_err(build_error)?)
            .build())
    }

    fn update_item(
        &self,
        (pk, sk): Key,
        update: &str,
        condition: &str,
        values: &[(&str, AttributeValue)],
    ) -> StoreResult<TransactWriteItem> {
        let (all_names, all_values) = placeholders(update, condition, values);
        let update = Update::builder()
            .table_name(&self.table)
            .key(PK, s(pk))
            .key(SK, s(sk))
            .update_expression(update)
            .condition_expression(condition)
            .set_expression_attribute_names(Some(all_names))
            .set_expression_attribute_values(Some(all_values))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    fn condition_check(
        &self,
        (pk, sk): Key,
        condition: &str,
        values: &[(&str, AttributeValue)],
    ) -> StoreResult<TransactWriteItem> {
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .key(PK, s(pk))
            .key(SK, s(sk))
            .condition_expression(condition)
            .set_expression_attribute_names(Some(names(condition)))
            .set_expression_attribute_values(Some(value_map(values)))
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().condition_check(check).build())
    }

    fn delete_item(
        &self,
        (pk, sk): Key,
        condition: Option<&str>,
    ) -> StoreResult<TransactWriteItem> {
        let mut delete = Delete::builder()
            .table_name(&self.table)
            .key(PK, s(pk))
            .key(SK, s(sk));
        if let Some(c) = condition {
            delete = delete
                .condition_expression(c)
                .set_expression_attribute_names(Some(names(c)));
        }
        Ok(TransactWriteItem::builder()
            .delete(delete.build().map_err(build_error)?)
            .build())
    }

    async fn batch_write(&self, items: Vec<Item>) -> StoreResult<()> {
        for chunk in items.chunks(25) {
            let mut requests: Vec<WriteRequest> = chunk
                .iter()
                .map(|item| {
                    PutRequest::builder()
                        .set_item(Some(item.clone()))
                        .build()
                        .map(|p| WriteRequest::builder().put_request(p).build())
                        .map_err(build_error)
                })
                .collect::<StoreResult<_>>()?;
            for attempt in 0..MAX_ATTEMPTS {
                let out = self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, requests)
                    .send()
                    .await
                    .map_err(unavailable)?;
                requests = out
                    .unprocessed_items
                    .and_then(|mut m| m.remove(&self.table))
                    .unwrap_or_default();
                if requests.is_empty() {
                    break;
                }
                backoff(attempt).await;
            }
            if !requests.is_empty() {
                return Err(StoreError::Busy);
            }
        }
        Ok(())
    }

    async fn batch_get(&self, keys: Vec<Key>) -> StoreResult<Vec<Item>> {
        let mut found = Vec::new();
        for chunk in keys.chunks(100) {
            let mut wanted = KeysAndAttributes::builder().consistent_read(true);
            for (pk, sk) in chunk {
                wanted = wanted.keys(HashMap::from([
                    (PK.to_owned(), s(pk.clone())),
                    (SK.to_owned(), s(sk.clone())),
                ]));
            }
            let mut request = Some(wanted.build().map_err(build_error)?);
            let mut attempt = 0;
            while let Some(req) = request.take() {
                let out = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, req)
                    .send()
                    .await
                    .map_err(unavailable)?;
                let items = out
                    .responses
                    .and_then(|mut r| r.remove(&self.table))
                    .unwrap_or_default();
                self.count(items.len() as i64);
                found.extend(items);
                request = out
                    .unprocessed_keys
                    .and_then(|mut m| m.remove(&self.table))
                    .filter(|k| !k.keys().is_empty());
                if request.is_some() {
                    backoff(attempt).await;
                    attempt += 1;
                }
            }
        }
        Ok(found)
    }

    /// The seats counter.
    async fn seats_item(&self, plan_id: &str) -> StoreResult<Option<Seats>> {
        self.get(keys::seats(plan_id))
            .await?
            .map(|item| {
                Ok(Seats {
                    capacity: num(&item, "capacity")?,
                    confirmed: num(&item, "confirmed")?,
                    waitlisted: num(&item, "waitlisted")?,
                })
            })
            .transpose()
    }

    /// Where a registration would go now, read from the counter; refused when the event
    /// has no seats (not announced).
    async fn seats_status(&self, plan_id: &str) -> StoreResult<RegistrationStatus> {
        let item = self
            .get(keys::seats(plan_id))
            .await?
            .ok_or(StoreError::RegistrationNotOpen)?;
        seats_status_of(&item)
    }

    /// The registration that holds the person's or the phone's marker, if any.
    async fn duplicate(&self, person: &Key, phone: &Key) -> StoreResult<Option<Duplicate>> {
        let code = |item: Item| text(&item, "code").map(str::to_owned);
        if let Some(item) = self.get(person.clone()).await? {
            return Ok(Some(Duplicate::Person { code: code(item)? }));
        }
        if let Some(item) = self.get(phone.clone()).await? {
            return Ok(Some(Duplicate::Phone { code: code(item)? }));
        }
        Ok(None)
    }

    async fn registration_item(
        &self,
        code: &str,
    ) -> StoreResult<Option<(Item, RegistrationRecord)>> {
        match self.get(keys::registration(code)).await? {
            Some(item) => {
                let record = registration_of(&item)?;
                Ok(Some((item, record)))
            }
            None => Ok(None),
        }
    }
}

/// A query on the table (`index: None`, consistent) or on an index.
struct Query<'a> {
    index: Option<&'static str>,
    condition: &'a str,
    values: Vec<(&'a str, AttributeValue)>,
    limit: Option<i32>,
}

impl<'a> Query<'a> {
    fn table(condition: &'a str, values: Vec<(&'a str, AttributeValue)>) -> Self {
        Self {
            index: None,
            condition,
            values,
            limit: None,
        }
    }

    fn index(
        index: &'static str,
        condition: &'a str,
        values: Vec<(&'a str, AttributeValue)>,
    ) -> Self {
        Self {
            index: Some(index),
            condition,
            values,
            limit: None,
        }
    }
}

enum TxError {
    /// A condition failed; the codes of each item's cancellation reason, in order, and
    /// the items as they were where a condition failed (`ALL_OLD`).
    Cancelled(Vec<Option<String>>, Vec<Option<Item>>),
    /// Contention (a concurrent transaction, throttling): back off and retry.
    Conflict,
    Other(StoreError),
}

impl TxError {
    fn failed(reasons: &[Option<String>], index: usize) -> bool {
        reasons.get(index).and_then(|r| r.as_deref()) == Some("ConditionalCheckFailed")
    }
}

fn classify(e: SdkError<TransactWriteItemsError>) -> TxError {
    match e.as_service_error() {
        Some(TransactWriteItemsError::TransactionCanceledException(c)) => {
            let reasons: Vec<Option<String>> = c
                .cancellation_reasons()
                .iter()
                .map(|r| r.code().map(str::to_owned))
                .collect();
            let old: Vec<Option<Item>> = c
                .cancellation_reasons()
                .iter()
                .map(|r| r.item().cloned())
                .collect();
            let conditional = reasons
                .iter()
                .any(|r| r.as_deref() == Some("ConditionalCheckFailed"));
            if conditional || reasons.is_empty() {
                TxError::Cancelled(reasons, old)
            } else {
                TxError::Conflict
            }
        }
        Some(
            TransactWriteItemsError::TransactionInProgressException(_)
            | TransactWriteItemsError::ProvisionedThroughputExceededException(_)
            | TransactWriteItemsError::RequestLimitExceeded(_)
            | TransactWriteItemsError::ThrottlingException(_),
        ) => TxError::Conflict,
        _ => TxError::Other(unavailable(e)),
    }
}

/// Exponential backoff with jitter: 5 ms doubling to about 0.6 s.
async fn backoff(attempt: u32) {
    let base = 5u64 << attempt.min(7);
    let mut r = [0u8; 2];
    let _ = getrandom::fill(&mut r);
    let jitter = u64::from(u16::from_le_bytes(r)) % base.max(1);
    tokio::time::sleep(Duration::from_millis(base / 2 + jitter)).await;
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

/// `#name` placeholders of an expression, mapped to the attribute names they stand for,
/// so reserved words (`status`, `capacity`) never break an expression.
fn names(expression: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut rest = expression;
    while let Some(at) = rest.find('#') {
        let name: String = rest[at + 1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        rest = &rest[at + 1 + name.len()..];
        out.insert(format!("#{name}"), name);
    }
    out
}

/// The `#name` and `:value` placeholders of an update and its condition: every name they
/// mention, and only the values they use (DynamoDB refuses unused ones, so one list of
/// values can serve several expressions).
fn placeholders(
    update: &str,
    condition: &str,
    values: &[(&str, AttributeValue)],
) -> (HashMap<String, String>, HashMap<String, AttributeValue>) {
    let mut all_names = names(update);
    all_names.extend(names(condition));
    let used_values = values
        .iter()
        .filter(|(k, _)| used(k, update) || used(k, condition))
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    (all_names, used_values)
}

/// Whether `placeholder` (`:one`) appears whole in `expression` (not as `:one_more`).
fn used(placeholder: &str, expression: &str) -> bool {
    expression.match_indices(placeholder).any(|(at, _)| {
        !expression[at + placeholder.len()..]
            .starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
    })
}

fn value_map(values: &[(&str, AttributeValue)]) -> HashMap<String, AttributeValue> {
    values
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

fn unavailable<E: std::error::Error + 'static>(e: E) -> StoreError {
    StoreError::Unavailable(DisplayErrorContext(&e).to_string())
}

fn build_error(e: aws_sdk_dynamodb::error::BuildError) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

fn base((pk, sk): Key) -> Item {
    HashMap::from([(PK.to_owned(), s(pk)), (SK.to_owned(), s(sk))])
}

/// An item holding `value` as its JSON document.
fn doc_item<T: Serialize>(key: Key, value: &T) -> StoreResult<Item> {
    let json = serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let mut item = base(key);
    item.insert("doc".into(), s(json));
    Ok(item)
}

fn from_doc<T: DeserializeOwned>(item: &Item) -> StoreResult<T> {
    let raw = text(item, "doc")?;
    serde_json::from_str(raw)
        .map_err(|e| StoreError::Corrupt(format!("{}: {e}", text(item, PK).unwrap_or("?"))))
}

fn text<'a>(item: &'a Item, name: &str) -> StoreResult<&'a str> {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
        .ok_or_else(|| StoreError::Corrupt(format!("attribute {name} missing")))
}

fn num<T: std::str::FromStr>(item: &Item, name: &str) -> StoreResult<T> {
    item.get(name)
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| StoreError::Corrupt(format!("number {name} missing")))
}

fn with_scope(mut item: Item, pk: String, sk: String) -> Item {
    item.insert(SCOPE_PK.into(), s(pk));
    item.insert(SCOPE_SK.into(), s(sk));
    item
}

fn plan_item(record: &PlanRecord) -> StoreResult<Item> {
    let mut item = doc_item(keys::plan(&record.id), record)?;
    item.insert("version".into(), n(record.version.0));
    item.insert("status".into(), s(record.status.wire()));
    Ok(with_scope(
        item,
        keys::plans_of_year(record.plan.year()),
        keys::owned(&record.org_path, record.org_id.as_str(), &record.id),
    ))
}

fn registration_item(
    record: &RegistrationRecord,
    person: &Key,
    phone: &Key,
    wait: Option<&Key>,
) -> StoreResult<Item> {
    let mut item = doc_item(keys::registration(&record.code), record)?;
    item.insert("status".into(), s(status_wire(record.status)));
    item.insert("person_pk".into(), s(person.0.clone()));
    item.insert("phone_pk".into(), s(phone.0.clone()));
    if let Some((_, wait_sk)) = wait {
        item.insert("wait_sk".into(), s(wait_sk.clone()));
    }
    item.insert(TTL_ATTRIBUTE.into(), n(record.expires_at));
    Ok(with_scope(
        item,
        keys::registrations_of(&record.plan_id),
        format!(
            "{}#{}",
            keys::sortable_time(record.registered_at),
            record.code
        ),
    ))
}

/// Where a registration goes, by the seats counter item: refused when the event is closed.
fn seats_status_of(item: &Item) -> StoreResult<RegistrationStatus> {
    if item.contains_key("closed") {
        return Err(StoreError::RegistrationNotOpen);
    }
    let capacity: u32 = num(item, "capacity")?;
    let confirmed: u32 = num(item, "confirmed")?;
    Ok(if confirmed < capacity {
        RegistrationStatus::Confirmed
    } else {
        RegistrationStatus::Waitlisted
    })
}

/// The person's and the phone's marker keys of a stored registration.
fn markers(item: &Item) -> StoreResult<(Key, Key)> {
    Ok((
        (text(item, "person_pk")?.to_owned(), "PERSON".into()),
        (text(item, "phone_pk")?.to_owned(), "PHONE".into()),
    ))
}

/// A registration item read back: its document, and the check-in time written beside it.
fn registration_of(item: &Item) -> StoreResult<RegistrationRecord> {
    let mut record: RegistrationRecord = from_doc(item)?;
    if let Ok(t) = num::<i64>(item, "attended_at") {
        record.attended_at = DateTime::from_timestamp(t, 0);
    }
    Ok(record)
}

fn status_wire(status: RegistrationStatus) -> &'static str {
    match status {
        RegistrationStatus::Confirmed => "confirmed",
        RegistrationStatus::Waitlisted => "waitlisted",
        RegistrationStatus::Cancelled => "cancelled",
    }
}

impl DirectoryStore for DynamoStore {
    async fn import(&self, directory: &Directory) -> StoreResult<()> {
        let paths: HashMap<&Id, String> = directory
            .orgs
            .iter()
            .map(|o| (o.jurisdiction(), keys::path_of(o)))
            .collect();
        let mut items = Vec::new();
        for j in &directory.jurisdictions {
            let path = paths
                .get(&j.id)
                .cloned()
                .unwrap_or_else(|| j.id.to_string());
            items.push(with_scope(
                doc_item(keys::jurisdiction(j.id.as_str()), j)?,
                keys::JURISDICTIONS.into(),
                format!("{path}{}", j.id),
            ));
        }
        for o in &directory.orgs {
            items.push(with_scope(
                doc_item(keys::org(o.id.as_str()), o)?,
                keys::ORGS.into(),
                keys::owned(&keys::path_of(o), o.id.as_str(), ""),
            ));
        }
        self.batch_write(items).await
    }

    async fn org(&self, id: &str) -> StoreResult<Option<Organisation>> {
        self.get(keys::org(id))
            .await?
            .map(|i| from_doc(&i))
            .transpose()
    }

    async fn orgs_within(&self, path: &str) -> StoreResult<Vec<Organisation>> {
        if path.is_empty() {
            // Every organisation: DynamoDB refuses an empty begins_with operand.
            return self
                .docs(Query::index(
                    SCOPE_INDEX,
                    "#scope_pk = :pk",
                    vec![(":pk", s(keys::ORGS))],
                ))
                .await;
        }
        self.docs(Query::index(
            SCOPE_INDEX,
            "#scope_pk = :pk AND begins_with(#scope_sk, :prefix)",
            vec![(":pk", s(keys::ORGS)), (":prefix", s(path))],
        ))
        .await
    }

    async fn jurisdictions(&self) -> StoreResult<Vec<Jurisdiction>> {
        self.docs(Query::index(
            SCOPE_INDEX,
            "#scope_pk = :pk",
            vec![(":pk", s(keys::JURISDICTIONS))],
        ))
        .await
    }
}

impl ProgrammeStore for DynamoStore {
    async fn put_programme(
        &self,
        programme: &Programme,
        by: Option<&Id>,
        at: DateTime<Utc>,
    ) -> StoreResult<ProgrammeRecord> {
        let region = programme.region.as_str();
        for attempt in 0..MAX_ATTEMPTS {
            let latest = self
                .stored_programme(&programme.region, programme.year, None)
                .await?
                .map_or(0, |r| r.version);
            let record = ProgrammeRecord {
                programme: programme.clone(),
                version: latest + 1,
                imported_at: Some(at),
                imported_by: by.cloned(),
            };
            let item = with_scope(
                doc_item(
                    keys::programme(region, programme.year, record.version),
                    &record,
                )?,
                keys::programmes_of(region),
                format!("{}#{:010}", programme.year, record.version),
            );
            // Two imports at once: one gets the version, the other tries the next.
            if self
                .put(item, Some("attribute_not_exists(#pk)"), &[])
                .await?
            {
                return Ok(record);
            }
            backoff(attempt).await;
        }
        Err(StoreError::Busy)
    }

    async fn stored_programme(
        &self,
        region: &Id,
        year: i32,
        version: Option<u32>,
    ) -> StoreResult<Option<ProgrammeRecord>> {
        match version {
            Some(v) => {
                let cache_key = (region.to_string(), year, v);
                if let Some(hit) = self
                    .programmes
                    .lock()
                    .ok()
                    .and_then(|c| c.get(&cache_key).cloned())
                {
                    return Ok(Some(hit));
                }
                let found: Option<ProgrammeRecord> = self
                    .get(keys::programme(region.as_str(), year, v))
                    .await?
                    .map(|i| from_doc(&i))
                    .transpose()?;
                if let (Some(record), Ok(mut cache)) = (&found, self.programmes.lock()) {
                    cache.insert(cache_key, record.clone());
                }
                Ok(found)
            }
            None => {
                let versions: Vec<ProgrammeRecord> = self
                    .docs(Query::table(
                        "#pk = :pk",
                        vec![(":pk", s(keys::programme_pk(region.as_str(), year)))],
                    ))
                    .await?;
                Ok(versions.into_iter().max_by_key(|r| r.version))
            }
        }
    }

    async fn programmes(&self, region: &Id) -> StoreResult<Vec<ProgrammeRecord>> {
        let all: Vec<ProgrammeRecord> = self
            .docs(Query::index(
                SCOPE_INDEX,
                "#scope_pk = :pk",
                vec![(":pk", s(keys::programmes_of(region.as_str())))],
            ))
            .await?;
        // Sorted by year, then version: the last of each year is in force.
        let mut latest: Vec<ProgrammeRecord> = Vec::new();
        for record in all {
            match latest.last_mut() {
                Some(last) if last.programme.year == record.programme.year => *last = record,
                _ => latest.push(record),
            }
        }
        Ok(latest)
    }
}

impl PlanStore for DynamoStore {
    async fn create_plan(
        &self,
        org: &Organisation,
        plan: &Plan,
        programme_version: u32,
        at: DateTime<Utc>,
    ) -> StoreResult<PlanRecord> {
        let record = PlanRecord {
            programme_version,
            id: random_code(),
            org_id: org.id.clone(),
            org_path: keys::path_of(org),
            status: PlanStatus::Submitted,
            version: Version::FIRST,
            plan: plan.clone(),
            submitted_at: at,
            announced_on: None,
            responded_on: None,
        };
        let entry = HistoryEntry {
            at,
            by: Some(org.id.clone()),
            action: openday_rules::lifecycle::Action::Revise,
            from: None,
            to: PlanStatus::Submitted,
            comment: None,
        };
        let writes = vec![
            self.put_item(plan_item(&record)?, Some("attribute_not_exists(#pk)"), &[])?,
            self.put_item(doc_item(keys::history(&record.id, 1), &entry)?, None, &[])?,
        ];
        for attempt in 0..MAX_ATTEMPTS {
            match self.transact(writes.clone()).await {
                Ok(()) => return Ok(record),
                Err(TxError::Conflict) => backoff(attempt).await,
                Err(TxError::Cancelled(..)) => return Err(StoreError::Busy),
                Err(TxError::Other(e)) => return Err(e),
            }
        }
        Err(StoreError::Busy)
    }

    async fn plan(&self, id: &str) -> StoreResult<Option<PlanRecord>> {
        self.get(keys::plan(id))
            .await?
            .map(|i| from_doc(&i))
            .transpose()
    }

    async fn history(&self, id: &str) -> StoreResult<History> {
        let (pk, _) = keys::plan(id);
        self.docs(Query::table(
            "#pk = :pk AND begins_with(#sk, :prefix)",
            vec![(":pk", s(pk)), (":prefix", s(keys::HISTORY_PREFIX))],
        ))
        .await
    }

    async fn change_plan(
        &self,
        id: &str,
        expected: Version,
        change: PlanChange,
    ) -> StoreResult<PlanRecord> {
        let current = self.plan(id).await?.ok_or(StoreError::NotFound)?;
        if current.version != expected {
            return Err(StoreError::VersionConflict);
        }
        let today = openday_rules::local_day(&change.at);
        let mut next = current.clone();
        next.version = expected.next();
        next.status = change.to;
        if let Some((plan, programme_version)) = &change.plan {
            next.plan = plan.clone();
            next.programme_version = *programme_version;
        }
        if change.announcement.is_some() {
            next.announced_on = Some(today);
        }
        if change.response.is_some() {
            next.responded_on = Some(today);
        }
        let entry = HistoryEntry {
            at: change.at,
            by: change.by.clone(),
            action: change.action,
            from: Some(current.status),
            to: change.to,
            comment: change.comment.clone(),
        };
        let mut writes = vec![
            self.put_item(
                plan_item(&next)?,
                Some("#version = :expected"),
                &[(":expected", n(expected.0))],
            )?,
            self.put_item(
                doc_item(keys::history(id, next.version.0), &entry)?,
                Some("attribute_not_exists(#pk)"),
                &[],
            )?,
        ];
        if let Some(a) = &change.announcement {
            let item = with_scope(
                doc_item(keys::announcement(id), a)?,
                keys::announced_in(next.plan.year()),
                format!("{}#{id}", a.start_date),
            );
            let mut item = item;
            item.insert("plan_id".into(), s(id));
            writes.push(self.put_item(item, None, &[])?);
            let mut seats = base(keys::seats(id));
            seats.insert("capacity".into(), n(next.plan.capacity.get()));
            seats.insert("confirmed".into(), n(0));
            seats.insert("waitlisted".into(), n(0));
            writes.push(self.put_item(seats, Some("attribute_not_exists(#pk)"), &[])?);
        }
        if let Some(r) = &change.response {
            writes.push(self.put_item(doc_item(keys::response(id), r)?, None, &[])?);
        }
        if change.to == PlanStatus::Cancelled && current.announced_on.is_some() {
            // Registration closes in the same write as the cancellation.
            writes.push(self.update_item(
                keys::seats(id),
                "SET #closed = :yes",
                "attribute_exists(#pk)",
                &[(":yes", AttributeValue::Bool(true))],
            )?);
        }
        for attempt in 0..MAX_ATTEMPTS {
            match self.transact(writes.clone()).await {
                Ok(()) => return Ok(next),
                Err(TxError::Cancelled(..)) => return Err(StoreError::VersionConflict),
                Err(TxError::Conflict) => backoff(attempt).await,
                Err(TxError::Other(e)) => return Err(e),
            }
        }
        Err(StoreError::Busy)
    }

    async fn plans(&self, year: i32, scope: &PlanScope) -> StoreResult<Vec<PlanRecord>> {
        let prefix = match scope {
            PlanScope::Org { path, org_id } => keys::owned(path, org_id.as_str(), ""),
            PlanScope::Subtree { path } => path.clone(),
        };
        self.docs(Query::index(
            SCOPE_INDEX,
            "#scope_pk = :pk AND begins_with(#scope_sk, :prefix)",
            vec![
                (":pk", s(keys::plans_of_year(year))),
                (":prefix", s(prefix)),
            ],
        ))
        .await
    }

    async fn announcement(&self, plan_id: &str) -> StoreResult<Option<Announcement>> {
        self.get(keys::announcement(plan_id))
            .await?
            .map(|i| from_doc(&i))
            .transpose()
    }

    async fn announcements(&self, year: i32) -> StoreResult<Vec<(String, Announcement)>> {
        let items = self
            .query(Query::index(
                SCOPE_INDEX,
                "#scope_pk = :pk",
                vec![(":pk", s(keys::announced_in(year)))],
            ))
            .await?;
        items
            .iter()
            .map(|i| Ok((text(i, "plan_id")?.to_owned(), from_doc(i)?)))
            .collect()
    }

    async fn response(&self, plan_id: &str) -> StoreResult<Option<FeedbackResponse>> {
        self.get(keys::response(plan_id))
            .await?
            .map(|i| from_doc(&i))
            .transpose()
    }
}

impl RegistrationStore for DynamoStore {
    async fn register(&self, plan_id: &str, new: &NewRegistration) -> StoreResult<Registered> {
        let person = keys::person(plan_id, &new.person_hash);
        let phone = keys::phone(plan_id, &new.phone_hash);
        let arrival = keys::arrival(new.at);
        let mut status = self.seats_hint.first_try(plan_id, new.capacity_hint);
        let mut counted = status == RegistrationStatus::Confirmed;
        for attempt in 0..MAX_ATTEMPTS {
            let code = registration_code();
            let record = RegistrationRecord {
                code: code.clone(),
                plan_id: plan_id.to_owned(),
                name: new.registrant.name.to_string(),
                id_masked: new.registrant.id.masked(),
                phone_masked: new.registrant.phone.masked(),
                phone_hash: new.phone_hash.clone(),
                phone_sealed: new.phone_sealed.clone(),
                category: new.registrant.category,
                relation: new.registrant.relation,
                channel: new.channel,
                status,
                registered_at: new.at,
                expires_at: new.expires_at,
                attended_at: None,
            };
            let wait = (status == RegistrationStatus::Waitlisted)
                .then(|| keys::waitlist(plan_id, &arrival, &code));
            let one = [(":one", n(1))];
            // Item 0: the seats counter, changed in place with no value read beforehand:
            // the condition alone says whether this registration takes a seat or queues.
            let seats_write = match status {
                RegistrationStatus::Confirmed => self.update_item(
                    keys::seats(plan_id),
                    "SET #confirmed = #confirmed + :one",
                    "#confirmed < #capacity AND attribute_not_exists(#closed)",
                    &one,
                )?,
                _ => self.update_item(
                    keys::seats(plan_id),
                    "SET #waitlisted = #waitlisted + :one",
                    "#confirmed >= #capacity AND attribute_not_exists(#closed)",
                    &one,
                )?,
            };
            let marker = |key: &Key| {
                let mut item = base(key.clone());
                item.insert("code".into(), s(code.clone()));
                item.insert(TTL_ATTRIBUTE.into(), n(new.expires_at));
                item
            };
            let mut writes = vec![
                seats_write,
                // Item 1: the person, once per event.
                self.put_item(marker(&person), Some("attribute_not_exists(#pk)"), &[])?,
                // Item 2: the phone, once per event.
                self.put_item(marker(&phone), Some("attribute_not_exists(#pk)"), &[])?,
                // Item 3: the registration itself (a fresh code; a clash means retry).
                self.put_item(
                    registration_item(&record, &person, &phone, wait.as_ref())?,
                    Some("attribute_not_exists(#pk)"),
                    &[],
                )?,
            ];
            if let Some(wait) = &wait {
                writes.push(self.put_item(marker(wait), None, &[])?);
            }
            // Last: the phone's code, checked in the same transaction (no read before it).
            let proof_at = writes.len();
            if let Some(proof) = &new.proof {
                writes.push(self.condition_check(
                    keys::sms_code(&new.phone_hash),
                    "#code_hash = :hash AND #valid_until >= :now AND #tries < :max",
                    &[
                        (":hash", s(proof.code_hash.as_str())),
                        (":now", n(proof.at.timestamp())),
                        (":max", n(verification::MAX_WRONG_TRIES)),
                    ],
                )?);
            }
            let outcome = self.transact(writes).await;
            if std::mem::take(&mut counted) {
                self.seats_hint.settle(plan_id, outcome.is_ok());
            }
            match outcome {
                Ok(()) => return Ok(Registered { code, status }),
                Err(TxError::Cancelled(reasons, old)) => {
                    // An engine that gives no reasons: find out by reading.
                    let blind = reasons.is_empty();
                    let failed = |i: usize| blind || TxError::failed(&reasons, i);
                    // The code first (and its wrong try counted): nothing else is said to a
                    // caller who has not proved the phone, not even whether the ID number
                    // is registered.
                    if let Some(proof) = &new.proof
                        && failed(proof_at)
                        && !self
                            .check_sms_code(&new.phone_hash, &proof.code_hash, proof.at)
                            .await?
                    {
                        return Err(StoreError::CodeRefused);
                    }
                    if (failed(1) || failed(2))
                        && let Some(d) = self.duplicate(&person, &phone).await?
                    {
                        return Err(StoreError::DuplicateRegistration(d));
                    }
                    // The other registration was cancelled meanwhile: try again.
                    if failed(0) {
                        // The seats changed under us (filled up, or one was freed), or
                        // the event has no seats at all: the counter as it was says which.
                        status = match old.first().cloned().flatten() {
                            Some(seats) => {
                                self.seats_hint.seen(plan_id, &seats);
                                seats_status_of(&seats)?
                            }
                            None => self.seats_status(plan_id).await?,
                        };
                    }
                    if attempt > 3 {
                        backoff(attempt - 3).await;
                    }
                }
                Err(TxError::Conflict) => backoff(attempt).await,
                Err(TxError::Other(e)) => return Err(e),
            }
        }
        Err(StoreError::Busy)
    }

    async fn registration(&self, code: &str) -> StoreResult<Option<RegistrationRecord>> {
        Ok(self.registration_item(code).await?.map(|(_, r)| r))
    }

    async fn cancel(&self, code: &str, _at: DateTime<Utc>) -> StoreResult<Cancelled> {
        for attempt in 0..MAX_ATTEMPTS {
            let (item, record) = self
                .registration_item(code)
                .await?
                .ok_or(StoreError::NotFound)?;
            let (person, phone) = markers(&item)?;
            let plan_id = record.plan_id.clone();
            let mut cancelled = record.clone();
            cancelled.status = RegistrationStatus::Cancelled;
            let cancelled_item = registration_item(&cancelled, &person, &phone, None)?;
            let mut promoted = None;
            let writes = match record.status {
                RegistrationStatus::Cancelled => return Ok(Cancelled { promoted: None }),
                RegistrationStatus::Waitlisted => {
                    let wait: Key = (
                        keys::waitlist_pk(&plan_id),
                        text(&item, "wait_sk")?.to_owned(),
                    );
                    vec![
                        self.put_item(
                            cancelled_item,
                            Some("#status = :was"),
                            &[(":was", s("waitlisted"))],
                        )?,
                        self.delete_item(wait, Some("attribute_exists(#pk)"))?,
                        self.update_item(
                            keys::seats(&plan_id),
                            "SET #waitlisted = #waitlisted - :one",
                            "#waitlisted > :zero",
                            &[(":one", n(1)), (":zero", n(0))],
                        )?,
                        self.delete_item(person, None)?,
                        self.delete_item(phone, None)?,
                    ]
                }
                RegistrationStatus::Confirmed => {
                    let first = self
                        .query(Query {
                            limit: Some(1),
                            ..Query::table(
                                "#pk = :pk",
                                vec![(":pk", s(keys::waitlist_pk(&plan_id)))],
                            )
                        })
                        .await?
                        .into_iter()
                        .next();
                    let mut writes = vec![self.put_item(
                        cancelled_item,
                        Some("#status = :was"),
                        &[(":was", s("confirmed"))],
                    )?];
                    match first {
                        Some(entry) => {
                            let next_code = text(&entry, "code")?.to_owned();
                            let (next_item, mut next) =
                                self.registration_item(&next_code).await?.ok_or_else(|| {
                                    StoreError::Corrupt(format!(
                                        "waitlist entry without registration {next_code}"
                                    ))
                                })?;
                            let (next_person, next_phone) = markers(&next_item)?;
                            next.status = RegistrationStatus::Confirmed;
                            writes.push(self.put_item(
                                registration_item(&next, &next_person, &next_phone, None)?,
                                Some("#status = :was"),
                                &[(":was", s("waitlisted"))],
                            )?);
                            writes.push(self.delete_item(
                                (text(&entry, PK)?.to_owned(), text(&entry, SK)?.to_owned()),
                                Some("attribute_exists(#pk)"),
                            )?);
                            writes.push(self.update_item(
                                keys::seats(&plan_id),
                                "SET #waitlisted = #waitlisted - :one",
                                "#waitlisted > :zero",
                                &[(":one", n(1)), (":zero", n(0))],
                            )?);
                            promoted = Some(next_code);
                        }
                        None => {
                            // No one waiting: free the seat, unless someone joined the
                            // waitlist meanwhile (then retry and promote them).
                            writes.push(self.update_item(
                                keys::seats(&plan_id),
                                "SET #confirmed = #confirmed - :one",
                                "#waitlisted = :zero AND #confirmed > :zero",
                                &[(":one", n(1)), (":zero", n(0))],
                            )?);
                        }
                    }
                    writes.push(self.delete_item(person, None)?);
                    writes.push(self.delete_item(phone, None)?);
                    writes
                }
            };
            match self.transact(writes).await {
                Ok(()) => return Ok(Cancelled { promoted }),
                Err(TxError::Cancelled(..)) => {
                    if attempt > 3 {
                        backoff(attempt - 3).await;
                    }
                }
                Err(TxError::Conflict) => backoff(attempt).await,
                Err(TxError::Other(e)) => return Err(e),
            }
        }
        Err(StoreError::Busy)
    }

    async fn seats(&self, plan_id: &str) -> StoreResult<Option<Seats>> {
        self.seats_item(plan_id).await
    }

    async fn registration_of_person(
        &self,
        plan_id: &str,
        person_hash: &str,
    ) -> StoreResult<Option<RegistrationRecord>> {
        let Some(marker) = self.get(keys::person(plan_id, person_hash)).await? else {
            return Ok(None);
        };
        self.registration(text(&marker, "code")?).await
    }

    async fn registrations(&self, plan_id: &str) -> StoreResult<Vec<RegistrationRecord>> {
        self.query(Query::index(
            SCOPE_INDEX,
            "#scope_pk = :pk",
            vec![(":pk", s(keys::registrations_of(plan_id)))],
        ))
        .await?
        .iter()
        .map(registration_of)
        .collect()
    }

    async fn check_in(&self, plan_id: &str, code: &str, at: DateTime<Utc>) -> StoreResult<CheckIn> {
        for attempt in 0..MAX_ATTEMPTS {
            let Some((_, record)) = self.registration_item(code).await? else {
                return Ok(CheckIn::Unknown);
            };
            if record.plan_id != plan_id {
                return Ok(CheckIn::OtherEvent);
            }
            if record.status != RegistrationStatus::Confirmed {
                return Ok(CheckIn::NotConfirmed(record));
            }
            if record.attended_at.is_some() {
                return Ok(CheckIn::Already(record));
            }
            // The mark and the count together, on the condition that no other door was first.
            let writes = vec![
                self.update_item(
                    keys::registration(code),
                    "SET #attended_at = :at",
                    "attribute_not_exists(#attended_at) AND #status = :confirmed",
                    &[(":at", n(at.timestamp())), (":confirmed", s("confirmed"))],
                )?,
                self.update_item(
                    keys::seats(plan_id),
                    "SET #attended = if_not_exists(#attended, :zero) + :one",
                    "attribute_exists(#pk)",
                    &[(":zero", n(0)), (":one", n(1))],
                )?,
            ];
            match self.transact(writes).await {
                Ok(()) => {
                    let mut admitted = record;
                    admitted.attended_at = DateTime::from_timestamp(at.timestamp(), 0);
                    return Ok(CheckIn::Admitted(admitted));
                }
                // Another door was first, or the registration changed: read it again.
                Err(TxError::Cancelled(..)) => {}
                Err(TxError::Conflict) => backoff(attempt).await,
                Err(TxError::Other(e)) => return Err(e),
            }
        }
        Err(StoreError::Busy)
    }

    async fn claim_reminder(&self, code: &str, at: DateTime<Utc>) -> StoreResult<bool> {
        let mut item = base(keys::reminder(code));
        item.insert("sent_at".into(), n(at.timestamp()));
        item.insert(TTL_ATTRIBUTE.into(), n(at.timestamp() + 30 * 86_400));
        // A nonce of this claim: when the connection drops after the engine applied it, the
        // SDK's retry finds its own claim and is told so, not "somebody else's".
        let claim = random_code();
        item.insert("claim".into(), s(&claim));
        self.put(
            item,
            Some("attribute_not_exists(#pk) OR #claim = :claim"),
            &[(":claim", s(&claim))],
        )
        .await
    }

    async fn release_reminder(&self, code: &str) -> StoreResult<()> {
        self.delete_where(keys::reminder(code), "attribute_exists(#pk)", &[])
            .await?;
        Ok(())
    }

    async fn attendance(&self, plan_id: &str) -> StoreResult<u32> {
        Ok(self
            .get(keys::seats(plan_id))
            .await?
            .map_or(0, |item| num(&item, "attended").unwrap_or(0)))
    }
}

impl FeedbackStore for DynamoStore {
    async fn add_feedback(
        &self,
        plan_id: &str,
        feedback: &Feedback,
        by: Giver<'_>,
        at: DateTime<Utc>,
    ) -> StoreResult<FeedbackRecord> {
        let record = FeedbackRecord {
            id: random_code(),
            plan_id: plan_id.to_owned(),
            at,
            feedback: feedback.clone(),
        };
        let item = doc_item(keys::feedback(plan_id, at, &record.id), &record)?;
        let Giver::Phone(phone_hash) = by else {
            self.put(item, None, &[]).await?;
            return Ok(record);
        };
        // The item and the phone's daily count together: the eleventh of a day is refused.
        let day = verification::day_of(at);
        let writes = vec![
            self.update_item(
                keys::feedback_quota(plan_id, phone_hash, day),
                "SET #given = if_not_exists(#given, :zero) + :one, #expires_at = :ttl",
                "attribute_not_exists(#given) OR #given < :max",
                &[
                    (":zero", n(0)),
                    (":one", n(1)),
                    (":max", n(verification::MAX_FEEDBACK_PER_DAY)),
                    (":ttl", n(at.timestamp() + 2 * 86_400)),
                ],
            )?,
            self.put_item(item, None, &[])?,
        ];
        for attempt in 0..MAX_ATTEMPTS {
            match self.transact(writes.clone()).await {
                Ok(()) => return Ok(record),
                Err(TxError::Cancelled(..)) => {
                    return Err(StoreError::Limited {
                        retry_after: verification::seconds_until_tomorrow(at) as u64,
                    });
                }
                Err(TxError::Conflict) => backoff(attempt).await,
                Err(TxError::Other(e)) => return Err(e),
            }
        }
        Err(StoreError::Busy)
    }

    async fn update_feedback(&self, record: &FeedbackRecord) -> StoreResult<bool> {
        let item = doc_item(
            keys::feedback(&record.plan_id, record.at, &record.id),
            record,
        )?;
        self.put(item, Some("attribute_exists(#pk)"), &[]).await
    }

    async fn feedback(&self, plan_id: &str) -> StoreResult<Vec<FeedbackRecord>> {
        self.docs(Query::table(
            "#pk = :pk",
            vec![(":pk", s(keys::feedback_pk(plan_id)))],
        ))
        .await
    }

    async fn add_evaluation(
        &self,
        plan_id: &str,
        evaluation: &Evaluation,
        phone_hash: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<EvaluationRecord> {
        let record = EvaluationRecord {
            id: random_code(),
            plan_id: plan_id.to_owned(),
            at,
            evaluation: evaluation.clone(),
        };
        self.put(
            doc_item(keys::evaluation(plan_id, phone_hash), &record)?,
            None,
            &[],
        )
        .await?;
        Ok(record)
    }

    async fn save_answers(&self, plan_id: &str, answers: &[ResponseItem]) -> StoreResult<()> {
        let items = answers
            .iter()
            .map(|a| doc_item(keys::answer(plan_id, &a.feedback_id), a))
            .collect::<StoreResult<Vec<_>>>()?;
        self.batch_write(items).await
    }

    async fn answers(&self, plan_id: &str) -> StoreResult<Vec<ResponseItem>> {
        self.docs(Query::table(
            "#pk = :pk",
            vec![(":pk", s(keys::answers_pk(plan_id)))],
        ))
        .await
    }

    async fn evaluations(&self, plan_id: &str) -> StoreResult<Vec<EvaluationRecord>> {
        self.docs(Query::table(
            "#pk = :pk",
            vec![(":pk", s(keys::evaluation_pk(plan_id)))],
        ))
        .await
    }
}

impl VerificationStore for DynamoStore {
    async fn issue_sms_code(
        &self,
        phone_hash: &str,
        code_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let key = keys::sms_code(phone_hash);
        let t = now.timestamp();
        let today = verification::day_of(now).to_string();
        let common = [
            (":hash", s(code_hash)),
            (":valid", n(t + verification::CODE_VALID_SECONDS)),
            (":zero", n(0)),
            (":one", n(1)),
            (":now", n(t)),
            (":today", s(today.as_str())),
            (":ttl", n(t + 2 * 86_400)),
            (":cooldown", n(t - verification::RESEND_AFTER_SECONDS)),
            (":daily", n(verification::MAX_SENDS_PER_DAY)),
        ];
        const SET: &str = "SET #code_hash = :hash, #valid_until = :valid, #tries = :zero, \
                           #last_sent = :now, #expires_at = :ttl";
        // Another code today: at most one a minute and ten a day.
        let same_day = self
            .update(
                key.clone(),
                &format!("{SET}, #sent_today = #sent_today + :one"),
                "#day = :today AND #last_sent <= :cooldown AND #sent_today < :daily",
                &common,
            )
            .await?;
        let old = match same_day {
            Ok(()) => return Ok(()),
            Err(old) => old,
        };
        // The first code of the day (or ever) starts the day's count.
        if old
            .as_ref()
            .is_none_or(|o| text(o, "day").is_ok_and(|d| d != today))
        {
            let first = self
                .update(
                    key,
                    &format!("{SET}, #sent_today = :one, #day = :today"),
                    "attribute_not_exists(#pk) OR #day <> :today",
                    &common,
                )
                .await?;
            if first.is_ok() {
                return Ok(());
            }
            // Another request of the same phone won the first code of the day.
            return Err(StoreError::Limited {
                retry_after: verification::RESEND_AFTER_SECONDS as u64,
            });
        }
        let old = old.unwrap_or_default();
        let sent: u32 = num(&old, "sent_today").unwrap_or(0);
        let retry_after = if sent >= verification::MAX_SENDS_PER_DAY {
            verification::seconds_until_tomorrow(now)
        } else {
            num::<i64>(&old, "last_sent").unwrap_or(t) + verification::RESEND_AFTER_SECONDS - t
        };
        Err(StoreError::Limited {
            retry_after: retry_after.max(1) as u64,
        })
    }

    async fn withdraw_sms_code(&self, phone_hash: &str) -> StoreResult<()> {
        let _ = self
            .update(
                keys::sms_code(phone_hash),
                "SET #last_sent = :zero, #sent_today = #sent_today - :one REMOVE #code_hash",
                "#sent_today > :zero",
                &[(":zero", n(0)), (":one", n(1))],
            )
            .await?;
        Ok(())
    }

    async fn check_sms_code(
        &self,
        phone_hash: &str,
        code_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let key = keys::sms_code(phone_hash);
        let Some(item) = self.get(key.clone()).await? else {
            return Ok(false);
        };
        let live = num::<i64>(&item, "valid_until").is_ok_and(|v| v >= now.timestamp())
            && num::<u32>(&item, "tries").is_ok_and(|t| t < verification::MAX_WRONG_TRIES);
        let Ok(stored) = text(&item, "code_hash") else {
            return Ok(false);
        };
        if !live {
            return Ok(false);
        }
        if stored == code_hash {
            return Ok(true);
        }
        // A wrong try counts against this very code (not a newer one sent meanwhile).
        let _ = self
            .update(
                key,
                "SET #tries = #tries + :one",
                "#code_hash = :hash",
                &[(":one", n(1)), (":hash", s(stored))],
            )
            .await?;
        Ok(false)
    }
}

impl SessionStore for DynamoStore {
    async fn put_sign_in(&self, attempt_hash: &str, record: &SignInRecord) -> StoreResult<()> {
        let mut item = doc_item(keys::sign_in(attempt_hash), record)?;
        item.insert("nonce_hash".into(), s(record.nonce_hash.as_str()));
        // Expired attempts leave the table by themselves, a day later.
        item.insert(
            TTL_ATTRIBUTE.into(),
            n(record.expires_at.timestamp() + 86_400),
        );
        item.insert("tries".into(), n(0));
        self.put(item, None, &[]).await?;
        Ok(())
    }

    async fn sign_in(
        &self,
        attempt_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<SignInRecord>> {
        let Some(item) = self.get(keys::sign_in(attempt_hash)).await? else {
            return Ok(None);
        };
        let record: SignInRecord = from_doc(&item)?;
        let tries: u32 = num(&item, "tries").unwrap_or(0);
        Ok((record.expires_at > now && tries < verification::MAX_WRONG_TRIES).then_some(record))
    }

    async fn redeem_sign_in(
        &self,
        attempt_hash: &str,
        proof: SignInProof<'_>,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<SignInRecord>> {
        let key = keys::sign_in(attempt_hash);
        let Some(record) = self.sign_in(attempt_hash, now).await? else {
            return Ok(None);
        };
        let matches = match proof {
            SignInProof::Nonce(h) => h == record.nonce_hash,
            SignInProof::Code(h) => h == record.code_hash,
        };
        if !matches {
            if let SignInProof::Code(_) = proof {
                let _ = self
                    .update(
                        key,
                        "SET #tries = #tries + :one",
                        "#nonce_hash = :nonce",
                        &[(":one", n(1)), (":nonce", s(record.nonce_hash.as_str()))],
                    )
                    .await?;
            }
            return Ok(None);
        }
        // Taken once: of two browsers posting at once, one deletes it.
        let taken = self
            .delete_where(
                key,
                "#nonce_hash = :nonce AND #tries < :max",
                &[
                    (":nonce", s(record.nonce_hash.as_str())),
                    (":max", n(verification::MAX_WRONG_TRIES)),
                ],
            )
            .await?;
        Ok(taken.then_some(record))
    }

    async fn session_version(&self, org_id: &Id) -> StoreResult<u64> {
        Ok(self
            .get(keys::sessions(org_id.as_str()))
            .await?
            .map_or(0, |item| num(&item, "version").unwrap_or(0)))
    }

    async fn revoke_sessions(&self, org_id: &Id) -> StoreResult<u64> {
        let key = keys::sessions(org_id.as_str());
        let _ = self
            .update(
                key.clone(),
                "SET #version = if_not_exists(#version, :zero) + :one",
                "attribute_not_exists(#version) OR #version >= :zero",
                &[(":zero", n(0)), (":one", n(1))],
            )
            .await?;
        self.session_version(org_id).await
    }
}

impl ReportStore for DynamoStore {
    async fn put_report(&self, org_id: &Id, report: &AnnualReport) -> StoreResult<()> {
        let item = doc_item(keys::report(org_id.as_str(), report.year), report)?;
        if self
            .put(item, Some("attribute_not_exists(#pk)"), &[])
            .await?
        {
            Ok(())
        } else {
            Err(StoreError::AlreadyExists)
        }
    }

    async fn report(&self, org_id: &Id, year: i32) -> StoreResult<Option<AnnualReport>> {
        self.get(keys::report(org_id.as_str(), year))
            .await?
            .map(|i| from_doc(&i))
            .transpose()
    }
}

fn finding_item(record: &FindingRecord) -> StoreResult<Item> {
    let mut item = doc_item(keys::finding(&record.key), record)?;
    item.insert(
        "status".into(),
        s(match record.status {
            FindingStatus::Open => "open",
            FindingStatus::Resolved => "resolved",
        }),
    );
    Ok(with_scope(
        item,
        keys::findings_of_year(record.year),
        keys::owned(&record.org_path, record.org_id.as_str(), &record.key),
    ))
}

impl FindingStore for DynamoStore {
    async fn record_finding(
        &self,
        finding: &Finding,
        org_path: &str,
        year: i32,
        today: NaiveDate,
    ) -> StoreResult<bool> {
        let record = FindingRecord {
            key: finding.key.clone(),
            kind: finding.kind,
            plan_id: finding.plan_id.clone(),
            org_id: finding.org_id.clone(),
            org_path: org_path.to_owned(),
            year,
            due_on: finding.due_on,
            status: FindingStatus::Open,
            found_on: today,
            resolved_on: None,
        };
        let fresh = self
            .put(
                finding_item(&record)?,
                Some("attribute_not_exists(#pk)"),
                &[],
            )
            .await?;
        if fresh {
            return Ok(true);
        }
        // Seen before: re-open it if it had been resolved and its cause is back.
        let mut existing: FindingRecord = match self.get(keys::finding(&finding.key)).await? {
            Some(item) => from_doc(&item)?,
            None => return Ok(false),
        };
        if existing.status == FindingStatus::Resolved {
            existing.status = FindingStatus::Open;
            existing.resolved_on = None;
            self.put(
                finding_item(&existing)?,
                Some("#status = :resolved"),
                &[(":resolved", s("resolved"))],
            )
            .await?;
        }
        Ok(false)
    }

    async fn resolve_finding(&self, key: &str, today: NaiveDate) -> StoreResult<bool> {
        let Some(item) = self.get(keys::finding(key)).await? else {
            return Ok(false);
        };
        let mut record: FindingRecord = from_doc(&item)?;
        if record.status == FindingStatus::Resolved {
            return Ok(false);
        }
        record.status = FindingStatus::Resolved;
        record.resolved_on = Some(today);
        self.put(
            finding_item(&record)?,
            Some("#status = :open"),
            &[(":open", s("open"))],
        )
        .await
    }

    async fn finding(&self, key: &str) -> StoreResult<Option<FindingRecord>> {
        self.get(keys::finding(key))
            .await?
            .map(|i| from_doc(&i))
            .transpose()
    }

    async fn findings(&self, year: i32, prefix: &str) -> StoreResult<Vec<FindingRecord>> {
        self.docs(Query::index(
            SCOPE_INDEX,
            "#scope_pk = :pk AND begins_with(#scope_sk, :prefix)",
            vec![
                (":pk", s(keys::findings_of_year(year))),
                (":prefix", s(prefix)),
            ],
        ))
        .await
    }
}

const OUTBOX: &str = "outbox";

fn mail_item(record: &MailRecord) -> StoreResult<Item> {
    let mut item = doc_item(keys::mail(&record.key), record)?;
    if record.sent_at.is_none() {
        // Pending mail sits in the sparse due index, oldest first; sent mail leaves it.
        item.insert(DUE_PK.into(), s(OUTBOX));
        item.insert(
            DUE_SK.into(),
            s(format!(
                "{}#{}",
                keys::sortable_time(record.queued_at),
                record.key
            )),
        );
    }
    Ok(item)
}

impl Outbox for DynamoStore {
    async fn enqueue(&self, mail: &MailRecord) -> StoreResult<bool> {
        self.put(mail_item(mail)?, Some("attribute_not_exists(#pk)"), &[])
            .await
    }

    async fn pending(&self, limit: i32) -> StoreResult<Vec<MailRecord>> {
        self.docs(Query {
            limit: Some(limit),
            ..Query::index(DUE_INDEX, "#due_pk = :pk", vec![(":pk", s(OUTBOX))])
        })
        .await
    }

    async fn claim(&self, key: &str, now: DateTime<Utc>) -> StoreResult<Option<MailRecord>> {
        let Some(item) = self.get(keys::mail(key)).await? else {
            return Ok(None);
        };
        let mut record: MailRecord = from_doc(&item)?;
        let leased = num::<i64>(&item, "lease_until").is_ok_and(|until| until > now.timestamp());
        if record.sent_at.is_some() || leased {
            return Ok(None);
        }
        let seen = record.attempts;
        record.attempts += 1;
        let mut next = mail_item(&record)?;
        next.insert("attempts".into(), n(record.attempts));
        // Held for five minutes: time enough to send; a sender that dies lets it go.
        next.insert("lease_until".into(), n(now.timestamp() + 300));
        let claimed = if seen == 0 {
            self.put(
                next,
                Some("attribute_exists(#pk) AND attribute_not_exists(#attempts)"),
                &[],
            )
            .await?
        } else {
            self.put(next, Some("#attempts = :seen"), &[(":seen", n(seen))])
                .await?
        };
        Ok(claimed.then_some(record))
    }

    async fn mark_sent(&self, key: &str, at: DateTime<Utc>) -> StoreResult<()> {
        let mut record = self.mail(key).await?.ok_or(StoreError::NotFound)?;
        record.sent_at = Some(at);
        record.last_error = None;
        let mut item = mail_item(&record)?;
        item.insert("attempts".into(), n(record.attempts));
        self.put(item, Some("attribute_exists(#pk)"), &[]).await?;
        Ok(())
    }

    async fn mark_failed(&self, key: &str, error: &str) -> StoreResult<()> {
        let mut record = self.mail(key).await?.ok_or(StoreError::NotFound)?;
        record.last_error = Some(error.chars().take(500).collect());
        let mut item = mail_item(&record)?;
        item.insert("attempts".into(), n(record.attempts));
        self.put(item, Some("attribute_exists(#pk)"), &[]).await?;
        Ok(())
    }

    async fn mail(&self, key: &str) -> StoreResult<Option<MailRecord>> {
        self.get(keys::mail(key))
            .await?
            .map(|i| from_doc(&i))
            .transpose()
    }
}

impl DueIndex for DynamoStore {
    async fn schedule(
        &self,
        sweep: SweepKind,
        plan_id: &str,
        on: Option<NaiveDate>,
    ) -> StoreResult<()> {
        let key = keys::due_marker(plan_id, sweep.wire());
        match on {
            Some(day) => {
                let mut item = base(key);
                item.insert("plan_id".into(), s(plan_id));
                item.insert(DUE_PK.into(), s(sweep.wire()));
                item.insert(DUE_SK.into(), s(keys::due_sk(day, plan_id)));
                self.put(item, None, &[]).await?;
            }
            None => {
                self.client
                    .delete_item()
                    .table_name(&self.table)
                    .key(PK, s(key.0))
                    .key(SK, s(key.1))
                    .send()
                    .await
                    .map_err(unavailable)?;
            }
        }
        Ok(())
    }

    async fn due_plans(&self, sweep: SweepKind, today: NaiveDate) -> StoreResult<Vec<PlanRecord>> {
        // Every marker dated today or earlier: due_sk < the next day.
        let next_day = openday_rules::calendar::days_after(today, 1).to_string();
        let markers = self
            .query(Query::index(
                DUE_INDEX,
                "#due_pk = :pk AND #due_sk < :next",
                vec![(":pk", s(sweep.wire())), (":next", s(next_day))],
            ))
            .await?;
        let ids: Vec<Key> = markers
            .iter()
            .map(|m| text(m, "plan_id").map(keys::plan))
            .collect::<StoreResult<_>>()?;
        let items = self.batch_get(ids).await?;
        items.iter().map(from_doc).collect()
    }
}
