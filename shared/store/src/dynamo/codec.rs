//! Items and attribute values: how records become DynamoDB items and come back, and the
//! placeholders of expressions.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{StoreError, StoreResult};
use crate::keys::Key;
use crate::table::{PK, SCOPE_PK, SCOPE_SK, SK};

pub(super) type Item = HashMap<String, AttributeValue>;

pub(super) fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

pub(super) fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

/// `#name` placeholders of an expression, mapped to the attribute names they stand for,
/// so reserved words (`status`, `capacity`) never break an expression.
pub(super) fn names(expression: &str) -> HashMap<String, String> {
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
pub(super) fn placeholders(
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

pub(super) fn value_map(values: &[(&str, AttributeValue)]) -> HashMap<String, AttributeValue> {
    values
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

pub(super) fn unavailable<E: std::error::Error + 'static>(e: E) -> StoreError {
    StoreError::Unavailable(DisplayErrorContext(&e).to_string())
}

pub(super) fn build_error(e: aws_sdk_dynamodb::error::BuildError) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

pub(super) fn base((pk, sk): Key) -> Item {
    HashMap::from([(PK.to_owned(), s(pk)), (SK.to_owned(), s(sk))])
}

/// An item holding `value` as its JSON document.
pub(super) fn doc_item<T: Serialize>(key: Key, value: &T) -> StoreResult<Item> {
    let json = serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let mut item = base(key);
    item.insert("doc".into(), s(json));
    Ok(item)
}

pub(super) fn from_doc<T: DeserializeOwned>(item: &Item) -> StoreResult<T> {
    let raw = text(item, "doc")?;
    serde_json::from_str(raw)
        .map_err(|e| StoreError::Corrupt(format!("{}: {e}", text(item, PK).unwrap_or("?"))))
}

pub(super) fn text<'a>(item: &'a Item, name: &str) -> StoreResult<&'a str> {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
        .ok_or_else(|| StoreError::Corrupt(format!("attribute {name} missing")))
}

pub(super) fn num<T: std::str::FromStr>(item: &Item, name: &str) -> StoreResult<T> {
    item.get(name)
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| StoreError::Corrupt(format!("number {name} missing")))
}

pub(super) fn with_scope(mut item: Item, pk: String, sk: String) -> Item {
    item.insert(SCOPE_PK.into(), s(pk));
    item.insert(SCOPE_SK.into(), s(sk));
    item
}
