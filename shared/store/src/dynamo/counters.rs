//! Counters of uses in fixed windows: one conditional update a use.

use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::ReturnValue;
use chrono::{DateTime, Utc};

use super::DynamoStore;
use super::codec::{Item, n, num, placeholders, s, unavailable};
use crate::error::StoreResult;
use crate::keys;
use crate::ports::{Counted, CounterStore};
use crate::table::{PK, SK, TTL_ATTRIBUTE};

impl CounterStore for DynamoStore {
    async fn count_use(
        &self,
        counter: &str,
        window_end: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Counted> {
        let key = keys::counter(counter, window_end.timestamp());
        let ttl = n(window_end.timestamp() + 86_400);
        let granted = self
            .bump(
                &key,
                &format!("SET #uses = if_not_exists(#uses, :zero) + :one, #{TTL_ATTRIBUTE} = :ttl"),
                Some("attribute_not_exists(#uses) OR #uses < :limit"),
                &[
                    (":zero", n(0)),
                    (":one", n(1)),
                    (":ttl", ttl.clone()),
                    (":limit", n(limit)),
                ],
            )
            .await?;
        if let Some(item) = granted {
            return Ok(Counted::Granted {
                uses: num(&item, "uses").unwrap_or(limit),
            });
        }
        // Refused: the refusal is counted too, so that the window's item records each one.
        let refused = self
            .bump(
                &key,
                &format!("SET #refusals = if_not_exists(#refusals, :zero) + :one, #{TTL_ATTRIBUTE} = :ttl"),
                None,
                &[(":zero", n(0)), (":one", n(1)), (":ttl", ttl)],
            )
            .await?;
        Ok(Counted::Refused {
            refusals: refused.map_or(1, |item| num(&item, "refusals").unwrap_or(1)),
        })
    }
}

impl DynamoStore {
    /// One update of a counter item: its new attributes, or `None` when `condition` did
    /// not hold.
    async fn bump(
        &self,
        (pk, sk): &keys::Key,
        update: &str,
        condition: Option<&str>,
        values: &[(&str, aws_sdk_dynamodb::types::AttributeValue)],
    ) -> StoreResult<Option<Item>> {
        let (names, values) = placeholders(update, condition.unwrap_or(""), values);
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(pk.as_str()))
            .key(SK, s(sk.as_str()))
            .update_expression(update)
            .set_condition_expression(condition.map(str::to_owned))
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await;
        match out {
            Ok(out) => Ok(Some(out.attributes.unwrap_or_default())),
            Err(e) => match e.as_service_error() {
                Some(UpdateItemError::ConditionalCheckFailedException(_)) => Ok(None),
                _ => Err(unavailable(e)),
            },
        }
    }
}
