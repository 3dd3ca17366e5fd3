//! Reading and writing single items, the items of a transaction, and batches.

use std::collections::HashMap;

use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Delete, KeysAndAttributes, Put, PutRequest, ReturnValue,
    ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update, WriteRequest,
};

use super::DynamoStore;
use super::codec::{Item, build_error, names, placeholders, s, unavailable, value_map};
use super::tx::{MAX_ATTEMPTS, Retried, Retry, Step};
use crate::error::StoreResult;
use crate::keys::Key;
use crate::table::{PK, SK};

impl DynamoStore {
    pub(super) async fn get(&self, (pk, sk): Key) -> StoreResult<Option<Item>> {
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
    pub(super) async fn update(
        &self,
        key: Key,
        update: &str,
        condition: &str,
        values: &[(&str, AttributeValue)],
    ) -> StoreResult<Result<(), Option<Item>>> {
        Ok(self
            .update_returning(key, update, condition, values)
            .await?
            .map(drop))
    }

    /// [`Self::update`], with the attributes the update set (their new values).
    pub(super) async fn update_returning(
        &self,
        (pk, sk): Key,
        update: &str,
        condition: &str,
        values: &[(&str, AttributeValue)],
    ) -> StoreResult<Result<Item, Option<Item>>> {
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
            .set_expression_attribute_values((!all_values.is_empty()).then_some(all_values))
            .return_values(ReturnValue::UpdatedNew)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match out {
            Ok(out) => Ok(Ok(out.attributes.unwrap_or_default())),
            Err(e) => match e.as_service_error() {
                Some(UpdateItemError::ConditionalCheckFailedException(c)) => {
                    Ok(Err(c.item.clone()))
                }
                _ => Err(unavailable(e)),
            },
        }
    }

    /// Deletes an item under a condition and returns it; `None` when the condition does
    /// not hold (or there was none).
    pub(super) async fn delete_returning(
        &self,
        (pk, sk): Key,
        condition: &str,
        values: &[(&str, AttributeValue)],
    ) -> StoreResult<Option<Item>> {
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
            .return_values(ReturnValue::AllOld)
            .send()
            .await;
        match out {
            Ok(out) => Ok(out.attributes),
            Err(e) => match e.as_service_error() {
                Some(DeleteItemError::ConditionalCheckFailedException(_)) => Ok(None),
                _ => Err(unavailable(e)),
            },
        }
    }

    /// Puts an item; `false` when its condition does not hold.
    pub(super) async fn put(
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

    pub(super) fn put_item(
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

    pub(super) fn update_item(
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
            .set_expression_attribute_values((!all_values.is_empty()).then_some(all_values))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    pub(super) fn condition_check(
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

    pub(super) fn delete_item(
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

    pub(super) async fn batch_write(&self, items: Vec<Item>) -> StoreResult<()> {
        for chunk in items.chunks(25) {
            let requests: Vec<WriteRequest> = chunk
                .iter()
                .map(|item| {
                    PutRequest::builder()
                        .set_item(Some(item.clone()))
                        .build()
                        .map(|p| WriteRequest::builder().put_request(p).build())
                        .map_err(build_error)
                })
                .collect::<StoreResult<_>>()?;
            self.retry(Some(MAX_ATTEMPTS), UnprocessedWrites(requests))
                .await?;
        }
        Ok(())
    }

    pub(super) async fn batch_get(&self, keys: Vec<Key>) -> StoreResult<Vec<Item>> {
        let mut found = Vec::new();
        for chunk in keys.chunks(100) {
            let mut wanted = KeysAndAttributes::builder().consistent_read(true);
            for (pk, sk) in chunk {
                wanted = wanted.keys(HashMap::from([
                    (PK.to_owned(), s(pk.clone())),
                    (SK.to_owned(), s(sk.clone())),
                ]));
            }
            let request = Some(wanted.build().map_err(build_error)?);
            // No limit, as this read always had: it goes on until every key is read.
            found.extend(
                self.retry(None, UnprocessedKeys(request, Vec::new()))
                    .await?,
            );
        }
        Ok(found)
    }
}

/// The writes of a batch the engine has not taken yet: sent again until none are left.
struct UnprocessedWrites(Vec<WriteRequest>);

impl Retried for UnprocessedWrites {
    type Output = ();

    async fn once(&mut self, store: &DynamoStore, _: u32) -> StoreResult<Step<()>> {
        let out = store
            .client
            .batch_write_item()
            .request_items(&store.table, std::mem::take(&mut self.0))
            .send()
            .await
            .map_err(unavailable)?;
        self.0 = out
            .unprocessed_items
            .and_then(|mut m| m.remove(&store.table))
            .unwrap_or_default();
        Ok(if self.0.is_empty() {
            Step::Done(())
        } else {
            Step::Retry(Retry::Backoff)
        })
    }
}

/// The keys of a batch read the engine has not answered yet, and the items read so far.
struct UnprocessedKeys(Option<KeysAndAttributes>, Vec<Item>);

impl Retried for UnprocessedKeys {
    type Output = Vec<Item>;

    async fn once(&mut self, store: &DynamoStore, _: u32) -> StoreResult<Step<Vec<Item>>> {
        let UnprocessedKeys(request, found) = self;
        let Some(req) = request.take() else {
            return Ok(Step::Done(std::mem::take(found)));
        };
        let out = store
            .client
            .batch_get_item()
            .request_items(&store.table, req)
            .send()
            .await
            .map_err(unavailable)?;
        let items = out
            .responses
            .and_then(|mut r| r.remove(&store.table))
            .unwrap_or_default();
        store.count(items.len() as i64);
        found.extend(items);
        *request = out
            .unprocessed_keys
            .and_then(|mut m| m.remove(&store.table))
            .filter(|k| !k.keys().is_empty());
        Ok(match request {
            Some(_) => Step::Retry(Retry::Backoff),
            None => Step::Done(std::mem::take(found)),
        })
    }
}
