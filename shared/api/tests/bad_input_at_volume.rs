//! Bad input at volume through the real routers: thousands of generated requests to every
//! POST the API documents and every public form (any path value, content type, body, with
//! and without a token), on an announced event. No answer is a server error; every refusal
//! of the API is JSON with a stable code, and every refusal of a page is a page.
//! `PROPTEST_CASES` raises the count for a longer run by hand.

#![allow(clippy::unwrap_used)] // tests fail loudly

mod common;

use axum::body::Body;
use axum::http::{Request, header};
use common::*;
use openday_testkit::arbitrary::{cases, json_value, text};
use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use serde_json::{Value, json};
use tower::ServiceExt;

/// Bodies that nearly pass: the fields each endpoint reads, some replaced by anything.
fn near_valid() -> Value {
    json!({
        "phone": "13800138000", "sms_code": "123456", "name": "市民", "version": 2,
        "id_number": "450103196001010012", "category": "worker", "relation": "lives",
        "full_civil_capacity": true, "not_deputy": true, "id_consent": true, "decision": "file", "content": "建议",
        "rating": 5, "code": "ABCD1234", "registration_method": "在线报名", "reminders": "无",
        "registration_deadline": "2026-09-15", "reason": "天气", "answers": [], "email": "a@b.cn"
    })
}

#[derive(Debug, Clone)]
enum Payload {
    Json(Value),
    Form(Vec<(String, String)>),
    Bytes(Vec<u8>, &'static str),
}

fn payload() -> impl Strategy<Value = Payload> {
    let mutated = || {
        (json_value(), any::<usize>(), prop::bool::ANY).prop_map(|(v, pick, drop)| {
            let mut doc = near_valid();
            let map = doc.as_object_mut().unwrap();
            let key = map.keys().nth(pick % map.len()).unwrap().clone();
            if drop {
                map.remove(&key);
            } else {
                map.insert(key, v);
            }
            doc
        })
    };
    prop_oneof![
        mutated().prop_map(Payload::Json),
        json_value().prop_map(Payload::Json),
        mutated().prop_map(|doc| Payload::Form(
            doc.as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (
                    k.clone(),
                    v.as_str().map_or_else(|| v.to_string(), str::to_owned)
                ))
                .collect()
        )),
        prop::collection::vec(("[a-z_.\\[\\]0-9]{0,16}", text()), 0..8).prop_map(Payload::Form),
        (
            prop::collection::vec(any::<u8>(), 0..200),
            prop::sample::select(vec![
                "application/json",
                "application/x-www-form-urlencoded",
                "application/json; charset=gbk",
                "text/plain",
                "",
            ])
        )
            .prop_map(|(b, t)| Payload::Bytes(b, t)),
    ]
}

#[test]
fn thousands_of_bad_requests_get_no_server_error() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let w = rt.block_on(world(generous()));
    let plan = rt.block_on(w.announced(30));
    let (code, _) = rt.block_on(w.register(&plan, 1));
    let doc = rt.block_on(w.get("/api/openapi.json", None)).body;
    let mut posts: Vec<String> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, ops)| ops.get("post").is_some())
        .map(|(path, _)| path.clone())
        .collect();
    posts.extend(
        [
            "/open-days/{plan_id}/register",
            "/open-days/{plan_id}/feedback",
            "/open-days/{plan_id}/evaluation",
            "/registrations",
            "/registrations/cancel",
            "/staff/sign-in",
            "/staff/sign-in/confirm",
        ]
        .map(String::from),
    );
    // A public form's CSRF cookie and token, so generated forms get past it.
    let form = rt.block_on(
        w.router.clone().oneshot(
            Request::get(format!("/open-days/{plan}/register"))
                .body(Body::empty())
                .unwrap(),
        ),
    );
    let form = form.unwrap();
    let cookies: Vec<String> = form
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|c| c.to_str().unwrap().split(';').next().unwrap().to_owned())
        .collect();
    let html = String::from_utf8(
        rt.block_on(axum::body::to_bytes(form.into_body(), 1 << 20))
            .unwrap()
            .to_vec(),
    )
    .unwrap();
    let at = html.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = html[at..].split('"').next().unwrap().to_owned();

    let config = cases(4000);
    let count = config.cases;
    let mut runner = TestRunner::new(config);
    let strategy = (
        prop::sample::select(posts.clone()),
        prop::option::weighted(0.7, text()),
        payload(),
        prop::sample::select(vec![
            None,
            Some("nn-jt"),
            Some("nn-office"),
            Some("gx-office"),
        ]),
    );
    let by_status = std::cell::RefCell::new(std::collections::BTreeMap::<u16, u32>::new());
    runner
        .run(&strategy, |(path, odd, payload, who)| {
            let real = odd.is_none();
            let value: String = odd
                .map(|t| form_urlencoded::byte_serialize(t.as_bytes()).collect())
                .unwrap_or_default();
            let path = path
                .replace("{plan_id}", if real { &plan } else { &value })
                .replace("{id}", if real { &plan } else { &value })
                .replace("{code}", if real { &code } else { &value });
            let mut req = Request::post(&path).header("cookie", cookies.join("; "));
            if let Some(org) = who {
                req = req.header(
                    "authorization",
                    format!("Bearer {}", w.tokens.issue(org, w.clock_now())),
                );
            }
            let req = match &payload {
                Payload::Json(v) => req
                    .header("content-type", "application/json")
                    .body(Body::from(v.to_string())),
                Payload::Form(pairs) => {
                    let mut all = form_urlencoded::Serializer::new(String::new());
                    all.append_pair("csrf", &csrf);
                    for (k, v) in pairs {
                        all.append_pair(k, v);
                    }
                    req.header("content-type", "application/x-www-form-urlencoded")
                        .body(Body::from(all.finish()))
                }
                Payload::Bytes(b, t) => {
                    let req = if t.is_empty() {
                        req
                    } else {
                        req.header("content-type", *t)
                    };
                    req.body(Body::from(b.clone()))
                }
            };
            let Ok(req) = req else {
                return Ok(()); // not a request a client could send (an invalid URI)
            };
            let res = rt.block_on(w.router.clone().oneshot(req)).unwrap();
            let status = res.status();
            *by_status.borrow_mut().entry(status.as_u16()).or_default() += 1;
            let kind = res
                .headers()
                .get(header::CONTENT_TYPE)
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default();
            let body = rt
                .block_on(axum::body::to_bytes(res.into_body(), 1 << 22))
                .unwrap();
            prop_assert!(
                !status.is_server_error(),
                "{path} {payload:?}: {status} {}",
                String::from_utf8_lossy(&body)
            );
            if status.is_client_error() {
                if path.starts_with("/api/") {
                    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                    let code = v["error"]["code"].as_str().unwrap_or("");
                    prop_assert!(
                        !code.is_empty()
                            && code.chars().all(|c| c.is_ascii_uppercase() || c == '_'),
                        "{path}: {status} without a code: {}",
                        String::from_utf8_lossy(&body)
                    );
                    prop_assert!(body.len() < 8 * 1024, "{path}: {} bytes", body.len());
                } else {
                    prop_assert!(kind.starts_with("text/html"), "{path}: {status} as {kind}");
                }
            }
            Ok(())
        })
        .unwrap();
    let by_status = by_status.into_inner();
    println!("{count} generated requests, answers by status: {by_status:?}");
    assert!(
        by_status.keys().any(|s| *s < 300),
        "some generated request passed: the generator reaches the success paths too"
    );
}
