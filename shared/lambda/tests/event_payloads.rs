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

/// The address the rate limits count: behind the CDN, the viewer's; otherwise, or when
/// the CDN's secret is missing or wrong, API Gateway's source address.
#[test]
fn the_viewer_address_is_believed_only_with_the_cdn_secret() {
    use openday_api::limits::ClientIp;
    let secret = "s".repeat(32);
    let address = |headers: serde_json::Value, configured: Option<&str>| {
        let event = openday_testkit::api_gateway_event(
            "prod",
            "GET",
            "/prod/",
            "",
            headers,
            "130.176.0.1",
            None,
        )
        .to_string();
        let req = openday_lambda::client_ip_via(configured, from_str(&event).unwrap());
        req.extensions().get::<ClientIp>().map(|c| c.0.to_string())
    };
    let through = |viewer: &str, given: &str| json!({"host": "x", "x-openday-cdn": given, "cloudfront-viewer-address": viewer});
    let cases = [
        (
            through("198.51.100.10:46532", &secret),
            Some(secret.as_str()),
            "198.51.100.10",
        ),
        (
            through("2001:db8::1:443", &secret),
            Some(secret.as_str()),
            "2001:db8::1",
        ),
        (
            through("[2001:db8::2]:443", &secret),
            Some(secret.as_str()),
            "2001:db8::2",
        ),
        // A wrong secret, none configured, no secret sent, a viewer address unreadable.
        (
            through("198.51.100.10:46532", &"t".repeat(32)),
            Some(secret.as_str()),
            "130.176.0.1",
        ),
        (through("198.51.100.10:46532", &secret), None, "130.176.0.1"),
        (
            json!({"host": "x", "cloudfront-viewer-address": "198.51.100.10:1"}),
            Some(secret.as_str()),
            "130.176.0.1",
        ),
        (
            through("nonsense", &secret),
            Some(secret.as_str()),
            "130.176.0.1",
        ),
    ];
    for (headers, configured, want) in cases {
        assert_eq!(
            address(headers.clone(), configured).as_deref(),
            Some(want),
            "{headers}"
        );
    }
}
