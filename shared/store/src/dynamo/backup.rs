//! Every item of the table, out and back in: what a backup holds.
//!
//! Items travel as DynamoDB's own JSON (`{"S": "…"}`, `{"N": "…"}`, …), one per line of a
//! backup, so a backup loads into any engine (the embedded one, moto, DynamoDB itself) and
//! keeps every attribute's type. This is the one place that scans the whole table: an
//! operator's explicit backup, never a request's path.

use std::collections::HashMap;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Map, Value, json};

use super::DynamoStore;
use super::codec::{Item, unavailable};
use crate::error::{StoreError, StoreResult};

/// Items read per page of the backup's scan: bounded memory whatever the table holds.
const PAGE: i32 = 500;

/// One item as DynamoDB JSON.
fn item_to_json(item: &HashMap<String, AttributeValue>) -> Value {
    Value::Object(
        item.iter()
            .map(|(name, value)| (name.clone(), value_to_json(value)))
            .collect(),
    )
}

fn value_to_json(value: &AttributeValue) -> Value {
    let b64 = |b: &Blob| BASE64.encode(b.as_ref());
    match value {
        AttributeValue::S(s) => json!({ "S": s }),
        AttributeValue::N(n) => json!({ "N": n }),
        AttributeValue::Bool(b) => json!({ "BOOL": b }),
        AttributeValue::Null(_) => json!({ "NULL": true }),
        AttributeValue::B(b) => json!({ "B": b64(b) }),
        AttributeValue::Ss(v) => json!({ "SS": v }),
        AttributeValue::Ns(v) => json!({ "NS": v }),
        AttributeValue::Bs(v) => json!({ "BS": v.iter().map(b64).collect::<Vec<_>>() }),
        AttributeValue::L(v) => json!({ "L": v.iter().map(value_to_json).collect::<Vec<_>>() }),
        AttributeValue::M(m) => json!({ "M": item_to_json(m) }),
        // A type newer than this SDK: kept as text so the backup says what it lost.
        other => json!({ "S": format!("{other:?}") }),
    }
}

/// An item from DynamoDB JSON, or what is wrong with it.
fn item_from_json(value: &Value) -> Result<HashMap<String, AttributeValue>, String> {
    let Value::Object(map) = value else {
        return Err("an item is a JSON object".into());
    };
    map.iter()
        .map(|(name, v)| {
            Ok((
                name.clone(),
                value_from_json(v).map_err(|e| format!("{name}: {e}"))?,
            ))
        })
        .collect()
}

fn value_from_json(value: &Value) -> Result<AttributeValue, String> {
    let Some((kind, inner)) = value.as_object().and_then(one_entry) else {
        return Err("an attribute is an object with one type key".into());
    };
    let text = |v: &Value| v.as_str().map(str::to_owned).ok_or("expected a string");
    let texts = |v: &Value| -> Result<Vec<String>, String> {
        v.as_array()
            .ok_or("expected an array")?
            .iter()
            .map(|v| text(v).map_err(String::from))
            .collect()
    };
    let blob = |v: &Value| -> Result<Blob, String> {
        BASE64
            .decode(text(v)?)
            .map(Blob::new)
            .map_err(|e| e.to_string())
    };
    Ok(match kind.as_str() {
        "S" => AttributeValue::S(text(inner)?),
        "N" => AttributeValue::N(text(inner)?),
        "BOOL" => AttributeValue::Bool(inner.as_bool().ok_or("expected true or false")?),
        "NULL" => AttributeValue::Null(true),
        "B" => AttributeValue::B(blob(inner)?),
        "SS" => AttributeValue::Ss(texts(inner)?),
        "NS" => AttributeValue::Ns(texts(inner)?),
        "BS" => AttributeValue::Bs(
            inner
                .as_array()
                .ok_or("expected an array")?
                .iter()
                .map(blob)
                .collect::<Result<_, _>>()?,
        ),
        "L" => AttributeValue::L(
            inner
                .as_array()
                .ok_or("expected an array")?
                .iter()
                .map(value_from_json)
                .collect::<Result<_, _>>()?,
        ),
        "M" => AttributeValue::M(item_from_json(inner)?),
        other => return Err(format!("unknown attribute type {other}")),
    })
}

fn one_entry(map: &Map<String, Value>) -> Option<(&String, &Value)> {
    match map.len() {
        1 => map.iter().next(),
        _ => None,
    }
}

impl DynamoStore {
    /// Hands every item of the table to `each`, a page at a time, and returns how many.
    /// Not a snapshot by itself: the caller scans a copy taken at one instant (the embedded
    /// engine's) or accepts the scan's own (DynamoDB's own backups are point-in-time).
    pub async fn each_item(
        &self,
        mut each: impl FnMut(Value) -> Result<(), String>,
    ) -> StoreResult<u64> {
        let mut start: Option<Item> = None;
        let mut count = 0u64;
        loop {
            let out = self
                .client
                .scan()
                .table_name(&self.table)
                .limit(PAGE)
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(unavailable)?;
            for item in out.items.unwrap_or_default() {
                each(item_to_json(&item)).map_err(StoreError::Unavailable)?;
                count += 1;
            }
            match out.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok(count),
            }
        }
    }

    /// Whether the table holds no item at all (where a restore may write).
    pub async fn holds_nothing(&self) -> StoreResult<bool> {
        let out = self
            .client
            .scan()
            .table_name(&self.table)
            .limit(1)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(out.items.unwrap_or_default().is_empty())
    }

    /// Writes items given as DynamoDB JSON, as they are (a restore's batch).
    pub async fn put_backup_items(&self, items: &[Value]) -> StoreResult<()> {
        let items = items
            .iter()
            .map(|v| item_from_json(v).map_err(StoreError::Corrupt))
            .collect::<StoreResult<Vec<Item>>>()?;
        self.batch_write(items).await
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests fail loudly
mod tests {
    use super::*;

    #[test]
    fn every_attribute_type_survives_the_round_trip() {
        let nested = HashMap::from([("n".to_owned(), AttributeValue::N("-1.5".into()))]);
        let item: Item = HashMap::from([
            ("pk".to_owned(), AttributeValue::S("PLAN#1".into())),
            ("n".to_owned(), AttributeValue::N("42".into())),
            ("ok".to_owned(), AttributeValue::Bool(false)),
            ("none".to_owned(), AttributeValue::Null(true)),
            (
                "b".to_owned(),
                AttributeValue::B(Blob::new(vec![0, 255, 7])),
            ),
            (
                "ss".to_owned(),
                AttributeValue::Ss(vec!["甲".into(), "乙".into()]),
            ),
            (
                "ns".to_owned(),
                AttributeValue::Ns(vec!["1".into(), "2".into()]),
            ),
            (
                "bs".to_owned(),
                AttributeValue::Bs(vec![Blob::new(vec![1]), Blob::new(vec![])]),
            ),
            (
                "l".to_owned(),
                AttributeValue::L(vec![
                    AttributeValue::S("x".into()),
                    AttributeValue::M(nested.clone()),
                ]),
            ),
            ("m".to_owned(), AttributeValue::M(nested)),
        ]);
        let line = serde_json::to_string(&item_to_json(&item)).unwrap();
        let back = item_from_json(&serde_json::from_str(&line).unwrap()).unwrap();
        assert_eq!(back, item);
        assert!(line.contains(r#""n":{"N":"42"}"#), "{line}");
        assert!(line.contains(r#""b":{"B":"AP8H"}"#), "{line}");
    }

    #[test]
    fn a_malformed_item_is_refused_with_the_attribute_named() {
        for (bad, says) in [
            (json!([1]), "object"),
            (json!({"pk": "PLAN#1"}), "pk: "),
            (json!({"pk": {"S": "a", "N": "1"}}), "pk: "),
            (json!({"pk": {"X": "a"}}), "unknown attribute type X"),
            (json!({"n": {"N": 1}}), "n: expected a string"),
            (json!({"b": {"B": "***"}}), "b: "),
        ] {
            let e = item_from_json(&bad).unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }
}
