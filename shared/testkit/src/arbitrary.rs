//! Generated input for the property tests: text as people and programs send it, and any
//! JSON value. One place, so every parser is fed the same kinds of bad input.

use proptest::prelude::*;
use serde_json::{Value, json};

/// `PROPTEST_CASES` if set (a longer run by hand), else `default`.
pub fn cases(default: u32) -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Any text; digits and letters of about an ID number's length; near-dates; URL-ish
/// text; and valid-looking text with hidden, bidirectional, full-width or control
/// characters.
pub fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9Xx]{0,20}",
        "[0-9]{4}-[0-9]{1,2}-[0-9]{1,3}([T ][0-9:+.Z]{0,20})?",
        "[+0-9 ()-]{0,16}",
        "[/a-z_.=&%0-9$-]{0,30}",
        "[\\u{0}-\\u{7f}\\u{200b}\\u{202e}\\u{ff10}-\\u{ff19}\\u{4e00}-\\u{4e20}]{0,40}",
    ]
}

/// Any JSON value, nested a little.
pub fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        text().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::btree_map("[a-z_]{1,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}
