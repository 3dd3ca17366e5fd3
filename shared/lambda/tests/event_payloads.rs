//! Event payloads at volume: scheduled events with any `time` (or none, or the wrong
//! type), and API Gateway events with any stage, path, query and source address. The
//! function's own handling (the event's instant, the stage taken off the path, the
//! caller's address) never panics: a scheduled event it cannot read is an error message,
//! an HTTP event it cannot read goes to the router as it came.

#![allow(clippy::unwrap_used)] // tests fail loudly

use lambda_http::request::from_str;
use openday_testkit::arbitrary::{cases, text};
use proptest::prelude::*;
use serde_json::json;

proptest! {
    #![proptest_config(cases(3000))]

    #[test]
    fn any_scheduled_event_is_read_or_refused_with_a_reason(
        time in prop::option::of(text()),
        number in any::<i64>(),
        shape in 0u8..4,
    ) {
        let event = match (shape, &time) {
            (0, Some(t)) => json!({"time": t, "detail-type": "Scheduled Event", "source": "aws.events"}),
            (1, _) => json!({"time": number}),
            (2, _) => json!([time]),
            _ => json!({"detail": time}),
        };
        match openday_lambda::scheduled_time(&event) {
            Ok(at) => prop_assert!(time.is_some() && shape == 0, "{event} read as {at}"),
            Err(reason) => prop_assert!(!reason.is_empty()),
        }
    }

    #[test]
    fn any_api_gateway_event_keeps_its_path_or_loses_only_the_stage(
        stage in text(),
        path in text(),
        query in "[a-z0-9=&%_.-]{0,30}",
        ip in text(),
    ) {
        let raw_path = format!("/{}", path.trim_start_matches('/'));
        let event = openday_testkit::api_gateway_event(
            &stage, "GET", &raw_path, &query, json!({"host": "example.org"}), &ip, None,
        )
        .to_string();
        // What lambda_http itself cannot make a request of never reaches the function.
        if let Ok(req) = from_str(&event) {
            let before = req.uri().path().to_owned();
            let req = openday_lambda::client_ip(openday_lambda::strip_stage(req));
            let after = req.uri().path();
            prop_assert!(after == before || before.ends_with(after) || after == "/", "{before} -> {after}");
        }
    }
}
