//! The routers in-process on the embedded engine: every 401 and 403 path, body limits and
//! formats, and the OpenAPI document against the routes.

#![allow(clippy::unwrap_used)] // tests fail loudly

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use openday_api::auth::TokenKey;
use openday_api::{App, Config};
use openday_local_dynamo::LocalDynamo;
use openday_rules::FixedClock;
use openday_rules::calendar::parse_instant;
use openday_store::ports::{DirectoryStore, PlanStore};
use openday_store::{DynamoStore, PersonKey};
use serde_json::{Value, json};
use tower::ServiceExt;

struct World {
    _engine: LocalDynamo,
    router: axum::Router,
    tokens: TokenKey,
    plan_id: String,
}

async fn world() -> World {
    let engine = LocalDynamo::memory().await.unwrap();
    let store = DynamoStore::new(engine.client(), "openday-access");
    store.ensure_table().await.unwrap();
    let directory = openday_testkit::directory();
    store.import(&directory).await.unwrap();

    let now = parse_instant("now", "2026-08-01T09:00:00+08:00").unwrap();
    let plan = store
        .create_plan(
            directory.org("nn-jt").unwrap(),
            &openday_testkit::plan(),
            0,
            now,
        )
        .await
        .unwrap();
    let tokens = TokenKey::new(&[9u8; 32]).unwrap();
    let config = Config {
        tokens: tokens.clone(),
        person_key: PersonKey::new(&[8u8; 32]).unwrap(),
        cookies: openday_api::pages::CookieKey::new(&[9u8; 32], false).unwrap(),
        site: "http://openday.test".into(),
        retention_days: 180,
        limits: openday_api::limits::Limits::default(),
    };
    let outbox = std::env::temp_dir().join(format!(
        "openday-access-{}",
        openday_store::personal::random_code().unwrap()
    ));
    let app = App::new(
        store,
        config,
        Arc::new(FixedClock(now)),
        Arc::new(openday_mail::EmlMailer::new(outbox, "openday@example.org")),
        Arc::new(openday_sms::FolderSms::new(openday_testkit::temp_dir(
            "access-sms",
        ))),
    );
    World {
        _engine: engine,
        router: openday_api::all(app),
        tokens,
        plan_id: plan.id,
    }
}

impl World {
    fn token(&self, org: &str) -> String {
        self.tokens.issue(
            org,
            parse_instant("t", "2026-08-01T08:00:00+08:00").unwrap(),
        )
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        auth: Option<String>,
        content_type: &str,
        body: Vec<u8>,
    ) -> (StatusCode, Value) {
        let mut req = Request::builder()
            .method(method)
            .uri(path.replace("{id}", &self.plan_id));
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        if !content_type.is_empty() {
            req = req.header("content-type", content_type);
        }
        let res = self
            .router
            .clone()
            .oneshot(req.body(Body::from(body)).unwrap())
            .await
            .unwrap();
        let status = res.status();
        let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .unwrap();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    async fn as_org(
        &self,
        method: Method,
        path: &str,
        org: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        self.send(
            method,
            path,
            Some(format!("Bearer {}", self.token(org))),
            "application/json",
            body.to_string().into_bytes(),
        )
        .await
    }
}

/// Every route that needs a bearer token.
const STAFF_ROUTES: [(&str, &str); 16] = [
    ("POST", "/api/plans"),
    ("GET", "/api/plans"),
    ("PUT", "/api/plans/{id}"),
    ("GET", "/api/plans/{id}"),
    ("POST", "/api/plans/{id}/review"),
    ("POST", "/api/plans/{id}/announcement"),
    ("POST", "/api/plans/{id}/cancel"),
    ("POST", "/api/plans/{id}/recommendations"),
    ("POST", "/api/plans/{id}/registrations/search"),
    ("POST", "/api/plans/{id}/feedback-answers"),
    ("GET", "/api/plans/{id}/feedback-answers"),
    ("POST", "/api/plans/{id}/registrations/ABCDEFGH/cancel"),
    ("GET", "/api/plans/{id}/feedback"),
    ("POST", "/api/plans/{id}/feedback-response"),
    ("POST", "/api/reports"),
    ("GET", "/api/compliance"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_staff_route_refuses_a_missing_bad_expired_or_unknown_token() {
    let w = world().await;
    let other_key = TokenKey::new(&[1u8; 32]).unwrap();
    let now = parse_instant("t", "2026-08-01T08:00:00+08:00").unwrap();
    let expired = w.tokens.issue(
        "nn-jt",
        parse_instant("t", "2025-01-01T00:00:00+08:00").unwrap(),
    );
    for (method, path) in STAFF_ROUTES {
        let method: Method = method.parse().unwrap();
        for auth in [
            None,
            Some("Basic bm4tanQ6eA==".to_owned()),
            Some("Bearer not-a-token".to_owned()),
            Some(format!("Bearer {}", other_key.issue("nn-jt", now))),
            Some(format!("Bearer {expired}")),
            Some(format!("Bearer {}", w.tokens.issue("no-such-org", now))),
        ] {
            let (status, body) = w
                .send(
                    method.clone(),
                    path,
                    auth.clone(),
                    "application/json",
                    b"{}".to_vec(),
                )
                .await;
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "{method} {path} with {auth:?}: {body}"
            );
            assert_eq!(body["error"]["code"], "UNAUTHORIZED");
            assert!(!body["error"]["message"].as_str().unwrap().is_empty());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_forbidden_path_is_refused_with_403() {
    let w = world().await;
    let plan: Value =
        serde_json::from_str(&openday_testkit::repo_file("infra/demo/plan.json")).unwrap();
    let registrant = json!({"name":"张三","id_number":"11010519491231002X","phone":"13800138000","category":"worker","relation":"lives","full_civil_capacity":true,"not_deputy":true,"id_consent":true});
    let cases: Vec<(Method, &str, &str, Value, &str)> = vec![
        // Another agency, or an office of another city, may not see the plan.
        (
            Method::GET,
            "/api/plans/{id}",
            "lz-st",
            json!({}),
            "FORBIDDEN",
        ),
        (
            Method::GET,
            "/api/plans/{id}",
            "lz-office",
            json!({}),
            "FORBIDDEN",
        ),
        (
            Method::GET,
            "/api/plans/{id}/feedback",
            "qx-sw",
            json!({}),
            "FORBIDDEN",
        ),
        // Only the implementer revises, announces, cancels, recommends and responds.
        (
            Method::PUT,
            "/api/plans/{id}",
            "nn-office",
            plan.clone(),
            "FORBIDDEN",
        ),
        (Method::PUT, "/api/plans/{id}", "lz-st", plan, "FORBIDDEN"),
        (
            Method::POST,
            "/api/plans/{id}/announcement",
            "nn-office",
            json!({}),
            "FORBIDDEN",
        ),
        (
            Method::POST,
            "/api/plans/{id}/announcement",
            "nn-sj",
            json!({}),
            "FORBIDDEN",
        ),
        (
            Method::POST,
            "/api/plans/{id}/cancel",
            "gx-office",
            json!({}),
            "FORBIDDEN",
        ),
        (
            Method::POST,
            "/api/plans/{id}/recommendations",
            "nn-office",
            registrant.clone(),
            "FORBIDDEN",
        ),
        (
            Method::POST,
            "/api/plans/{id}/feedback-response",
            "nn-office",
            json!({}),
            "FORBIDDEN",
        ),
        // Only the office of the same level and jurisdiction reviews (R4).
        (
            Method::POST,
            "/api/plans/{id}/review",
            "nn-jt",
            json!({"decision":"file"}),
            "WRONG_REVIEWER",
        ),
        (
            Method::POST,
            "/api/plans/{id}/review",
            "gx-office",
            json!({"decision":"file"}),
            "WRONG_REVIEWER",
        ),
        (
            Method::POST,
            "/api/plans/{id}/review",
            "lz-office",
            json!({"decision":"return","comment":"x"}),
            "WRONG_REVIEWER",
        ),
        (
            Method::POST,
            "/api/plans/{id}/review",
            "qx-office",
            json!({"decision":"file"}),
            "WRONG_REVIEWER",
        ),
        // Offline feedback is entered by the implementer only.
        (
            Method::POST,
            "/api/plans/{id}/feedback",
            "lz-st",
            json!({"channel":"offline","category":"policy","content":"x"}),
            "FORBIDDEN",
        ),
        // Only reporters (R14) file annual reports.
        (
            Method::POST,
            "/api/reports",
            "nn-jt",
            json!({"year":2026,"summary":"x","experiences":"y"}),
            "FORBIDDEN",
        ),
    ];
    for (method, path, org, body, code) in cases {
        let (status, out) = w.as_org(method.clone(), path, org, body).await;
        assert_eq!(
            (status, out["error"]["code"].as_str()),
            (StatusCode::FORBIDDEN, Some(code)),
            "{method} {path} as {org}: {out}"
        );
    }
    // The public may not enter offline feedback either.
    let (status, out) = w
        .send(
            Method::POST,
            "/api/plans/{id}/feedback",
            None,
            "application/json",
            br#"{"channel":"offline","category":"policy","content":"x"}"#.to_vec(),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not announced yet: {out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offices_see_their_subtree_and_agencies_their_own() {
    let w = world().await;
    for (org, sees) in [
        ("nn-jt", true),
        ("nn-office", true),
        ("gx-office", true),
        ("lz-office", false),
        ("nn-sj", false),
    ] {
        let (status, body) = w
            .as_org(Method::GET, "/api/plans?year=2026", org, json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{org}");
        assert_eq!(
            body["plans"].as_array().unwrap().len(),
            usize::from(sees),
            "{org}: {body}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_are_json_or_forms_of_at_most_64_kib_and_never_panic() {
    let w = world().await;
    let auth = || Some(format!("Bearer {}", w.token("nn-jt")));
    let big = vec![b'a'; 64 * 1024 + 1];
    let (status, body) = w
        .send(Method::POST, "/api/plans", auth(), "application/json", big)
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("PAYLOAD_TOO_LARGE"))
    );
    let (status, body) = w
        .send(
            Method::POST,
            "/api/plans",
            auth(),
            "application/json",
            b"{not json".to_vec(),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("MALFORMED_REQUEST"))
    );
    let (status, _) = w
        .send(
            Method::POST,
            "/api/plans",
            auth(),
            "text/plain",
            b"hello".to_vec(),
        )
        .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (status, body) = w
        .send(
            Method::POST,
            "/api/plans",
            auth(),
            "application/json",
            b"[1,2,3]".to_vec(),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("MALFORMED_REQUEST"))
    );
    // A form with nested fields is the same plan as the JSON body.
    let form = "year=2026&name=%E5%8D%97%E5%AE%81%E5%B8%82%E4%BA%A4%E9%80%9A%E8%BF%90%E8%BE%93%E5%B1%80%E6%94%BF%E5%BA%9C%E5%BC%80%E6%94%BE%E6%97%A5\
&theme=%E8%B5%B0%E8%BF%9B%E8%B0%83%E5%BA%A6%E4%B8%AD%E5%BF%83&format=day&start_date=2026-09-20&end_date=2026-09-20\
&segments[0][kind]=agency_visit&segments[0][subtype]=service_process&interactions[0]=qa_session&capacity=25\
&channels[0]=online&leaders[0][name]=%E6%9D%8E%E6%98%8E&leaders[0][title]=%E5%89%AF%E5%B1%80%E9%95%BF&leaders[0][government_leader]=on\
&venue=%E5%8D%97%E5%AE%81&contact_name=%E7%8E%8B%E8%8A%B3&contact_phone=0771-5551234&no_deputy_inspection_overlap=on";
    let (status, body) = w
        .send(
            Method::POST,
            "/api/plans",
            auth(),
            "application/x-www-form-urlencoded",
            form.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["name"], "南宁市交通运输局“政府开放日”");
    // Every violation at once, the first one in `error`.
    let (status, body) = w
        .send(
            Method::POST,
            "/api/plans",
            auth(),
            "application/x-www-form-urlencoded",
            b"capacity=24&name=x".to_vec(),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["violations"].as_array().unwrap().len() > 5, "{body}");
    assert_eq!(body["error"], body["violations"][0]);
    // Garbage in every field of every public route: 4xx, never a 500.
    for (method, path) in [
        (Method::POST, "/api/announcements/{id}/registrations"),
        (Method::POST, "/api/registrations/lookup"),
        (Method::POST, "/api/registrations/zzz/cancel"),
        (Method::POST, "/api/sms-codes"),
        (Method::POST, "/api/plans/{id}/evaluations"),
        (Method::POST, "/api/plans/{id}/feedback"),
        (Method::GET, "/api/announcements?year=abc"),
        (Method::GET, "/api/plans/nope/feedback-response"),
    ] {
        for body in [
            &b"\xff\xfe"[..],
            b"{\"rating\": 99}",
            b"a[b][c][d][e][f][g]=1",
        ] {
            for ct in ["application/json", "application/x-www-form-urlencoded"] {
                let (status, _) = w.send(method.clone(), path, None, ct, body.to_vec()).await;
                assert!(status.is_client_error(), "{method} {path} {ct}: {status}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_matches_the_routes() {
    let w = world().await;
    let (status, doc) = w
        .send(Method::GET, "/api/openapi.json", None, "", vec![])
        .await;
    assert_eq!(status, StatusCode::OK);
    let mut documented = Vec::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            assert!(
                !op["summary"].as_str().unwrap().is_empty(),
                "{method} {path} has no summary"
            );
            documented.push((method.to_uppercase(), path.clone()));
        }
    }
    documented.sort();
    let mut routed: Vec<(String, String)> = openday_api::jobs::table::<DynamoStore>()
        .into_iter()
        .flat_map(|(_, routes)| routes)
        .filter(|(_, p)| p.starts_with("/api/"))
        .map(|(m, p)| (m.to_string(), p.to_owned()))
        .collect();
    routed.sort();
    assert_eq!(documented, routed);
    // Every documented operation is really served: an unrouted path would answer with an
    // empty 404 or 405, a routed one with the JSON of its handler.
    for (method, path) in &documented {
        let (status, body) = w
            .send(
                method.parse().unwrap(),
                &path.replace("{plan_id}", "x").replace("{code}", "x"),
                None,
                "application/json",
                b"{}".to_vec(),
            )
            .await;
        assert!(
            !body.is_null(),
            "{method} {path} is documented but not routed ({status})"
        );
        let secured = doc["paths"][path][method.to_lowercase()]["security"].is_array();
        assert_eq!(
            secured,
            status == StatusCode::UNAUTHORIZED,
            "{method} {path}: security in the document vs {status}"
        );
    }
}
