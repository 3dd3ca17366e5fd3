//! Counters of uses in fixed windows: one conditional update a use.

use chrono::{DateTime, Utc};

use super::DynamoStore;
use super::codec::{n, num};
use crate::error::StoreResult;
use crate::keys;
use crate::ports::{Counted, CounterStore};
use crate::table::TTL_ATTRIBUTE;

impl CounterStore for DynamoStore {
    async fn count_use(
        &self,
        counter: &str,
        window_end: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Counted> {
        let key = keys::counter(counter, window_end.timestamp());
        let values = [
            (":zero", n(0)),
            (":one", n(1)),
            (":ttl", n(window_end.timestamp() + 86_400)),
            (":limit", n(limit)),
        ];
        let granted = self
            .update_returning(
                key.clone(),
                &format!("SET #uses = if_not_exists(#uses, :zero) + :one, #{TTL_ATTRIBUTE} = :ttl"),
                "attribute_not_exists(#uses) OR #uses < :limit",
                &values,
            )
            .await?;
        if let Ok(item) = granted {
            return Ok(Counted::Granted {
                uses: num(&item, "uses").unwrap_or(limit),
            });
        }
        // Refused: the refusal is counted too, so that the window's item records each one
        // (it exists: it refused).
        let refused = self
            .update_returning(
                key,
                &format!("SET #refusals = if_not_exists(#refusals, :zero) + :one, #{TTL_ATTRIBUTE} = :ttl"),
                "attribute_exists(#uses)",
                &values,
            )
            .await?;
        Ok(Counted::Refused {
            refusals: refused.map_or(1, |item| num(&item, "refusals").unwrap_or(1)),
        })
    }
}
