//! Queries on the table or one of its indexes, read page by page.

use aws_sdk_dynamodb::types::AttributeValue;
use serde::de::DeserializeOwned;

use super::DynamoStore;
use super::codec::{Item, from_doc, names, unavailable};
use crate::error::{StoreError, StoreResult};
use crate::paging::{Cursor, Page};
use crate::table::SCOPE_INDEX;

/// A query on the table (`index: None`, consistent) or on an index.
pub(super) struct Query<'a> {
    pub(super) index: Option<&'static str>,
    pub(super) condition: &'a str,
    pub(super) values: Vec<(&'a str, AttributeValue)>,
    pub(super) limit: Option<i32>,
}

impl<'a> Query<'a> {
    /// The scope index's partition `pk`, items whose scope sort key starts with `prefix`
    /// (every one for an empty prefix: DynamoDB refuses an empty value in a key condition).
    pub(super) fn scope(pk: String, prefix: String) -> Self {
        if prefix.is_empty() {
            Self::index(
                SCOPE_INDEX,
                "#scope_pk = :pk",
                vec![(":pk", AttributeValue::S(pk))],
            )
        } else {
            Self::index(
                SCOPE_INDEX,
                "#scope_pk = :pk AND begins_with(#scope_sk, :prefix)",
                vec![
                    (":pk", AttributeValue::S(pk)),
                    (":prefix", AttributeValue::S(prefix)),
                ],
            )
        }
    }

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
    /// One request of `q` from `start` on: the table's reads consistent, an index's not.
    fn request(
        &self,
        q: &Query<'_>,
        start: Option<Item>,
    ) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder {
        let req = self
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
            .set_exclusive_start_key(start);
        match q.index {
            Some(index) => req.index_name(index),
            None => req.consistent_read(true),
        }
    }

    /// Every item of a query, page by page, counting what DynamoDB scanned.
    pub(super) async fn query(&self, q: Query<'_>) -> StoreResult<Vec<Item>> {
        let mut items = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let mut req = self.request(&q, start.take());
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

    /// [`Self::query_page`] of items holding JSON documents.
    pub(super) async fn docs_page<T: DeserializeOwned>(
        &self,
        q: Query<'_>,
        keys: &[&str],
        partition: (&str, &str),
        after: Option<&Cursor>,
        limit: u32,
    ) -> StoreResult<Page<T>> {
        let (items, next) = self.query_page(q, keys, partition, after, limit).await?;
        Ok(Page {
            items: items.iter().map(from_doc).collect::<StoreResult<_>>()?,
            next,
        })
    }

    /// The JSON documents of every item a query returns.
    pub(super) async fn docs<T: DeserializeOwned>(&self, q: Query<'_>) -> StoreResult<Vec<T>> {
        self.query(q).await?.iter().map(from_doc).collect()
    }
}

impl DynamoStore {
    /// One page of a query: at most `limit` items after `after`, and where the next page
    /// starts. A continuation must name exactly the key attributes `keys` and hold
    /// `partition` (name and value of the queried partition), or it is refused: a cursor
    /// of another listing never reads another partition.
    pub(super) async fn query_page(
        &self,
        q: Query<'_>,
        keys: &[&str],
        partition: (&str, &str),
        after: Option<&Cursor>,
        limit: u32,
    ) -> StoreResult<(Vec<Item>, Option<Cursor>)> {
        let start = match after {
            None => None,
            Some(c) => {
                let names: Vec<&str> = c.key().keys().map(String::as_str).collect();
                let mut wanted = keys.to_vec();
                wanted.sort_unstable();
                if names != wanted
                    || c.key().get(partition.0).map(String::as_str) != Some(partition.1)
                {
                    return Err(StoreError::BadCursor);
                }
                Some(
                    c.key()
                        .iter()
                        .map(|(k, v)| (k.clone(), AttributeValue::S(v.clone())))
                        .collect(),
                )
            }
        };
        // One more than the page: whether another page follows is then known, and the last
        // page never offers a next one that is empty.
        let out = self
            .request(&q, start)
            .limit(i32::try_from(limit.saturating_add(1)).unwrap_or(i32::MAX))
            .send()
            .await
            .map_err(unavailable)?;
        self.count(i64::from(out.scanned_count));
        let cursor_of = |key: &Item| {
            Cursor::new(
                keys.iter()
                    .filter_map(|k| {
                        key.get(*k)
                            .and_then(|v| v.as_s().ok())
                            .map(|v| ((*k).to_owned(), v.clone()))
                    })
                    .collect(),
            )
        };
        let mut items = out.items.unwrap_or_default();
        let next = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(cursor_of)
        } else {
            // Fewer than asked with a key: the engine stopped at its own page size.
            out.last_evaluated_key.as_ref().map(cursor_of)
        };
        Ok((items, next))
    }
}
