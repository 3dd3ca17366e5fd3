//! Queries on the table or one of its indexes, read page by page.

use aws_sdk_dynamodb::types::AttributeValue;
use serde::de::DeserializeOwned;

use super::DynamoStore;
use super::codec::{Item, from_doc, names, unavailable};
use crate::error::StoreResult;

/// A query on the table (`index: None`, consistent) or on an index.
pub(super) struct Query<'a> {
    pub(super) index: Option<&'static str>,
    pub(super) condition: &'a str,
    pub(super) values: Vec<(&'a str, AttributeValue)>,
    pub(super) limit: Option<i32>,
}

impl<'a> Query<'a> {
    pub(super) fn table(condition: &'a str, values: Vec<(&'a str, AttributeValue)>) -> Self {
        Self {
            index: None,
            condition,
            values,
            limit: None,
        }
    }

    pub(super) fn index(
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

impl DynamoStore {
    /// Every item of a query, page by page, counting what DynamoDB scanned.
    pub(super) async fn query(&self, q: Query<'_>) -> StoreResult<Vec<Item>> {
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
    pub(super) async fn docs<T: DeserializeOwned>(&self, q: Query<'_>) -> StoreResult<Vec<T>> {
        self.query(q).await?.iter().map(from_doc).collect()
    }
}
