//! The Lambda side: API Gateway HTTP API (payload v2) events, as API Gateway sends them,
//! through the stage handling and the very router a function runs.

#![allow(clippy::unwrap_used)] // tests fail loudly

use std::sync::Arc;

use axum::body::Body;
use lambda_http::request::from_str;
use openday_api::auth::TokenKey;
use openday_api::{App, Config};
use openday_local_dynamo::LocalDynamo;
use openday_rules::FixedClock;
use openday_rules::announcement::{Announcement, AnnouncementDraft};
use openday_rules::calendar::parse_instant;
use openday_rules::lifecycle::{Action, PlanStatus};
use openday_store::ports::{DirectoryStore, PlanStore};
use openday_store::records::PlanChange;
use openday_store::{DynamoStore, PersonKey};
use serde_json::{Value, json};
use tower::ServiceExt;

/// An announced demo plan on a fresh embedded engine, and the app of a function.
async fn announced() -> (LocalDynamo, App<DynamoStore>, String) {
    let engine = LocalDynamo::memory().await.unwrap();
    let store = DynamoStore::new(engine.client(), "openday-lambda");
    store.ensure_table().await.unwrap();
    let directory = openday_testkit::directory();
    store.import(&directory).await.unwrap();
    let agency = directory.org("nn-jt").unwrap().clone();
    let plan = openday_testkit::plan();
    let t = openday_testkit::at;
    let record = store
        .create_plan(&agency, &plan, 0, t("2026-08-01T09:00:00+08:00"))
        .await
        .unwrap();
    let filed = store
        .change_plan(
            &record.id,
            record.version,
            PlanChange::new(
                Action::File,
                PlanStatus::Filed,
                None,
                t("2026-08-02T09:00:00+08:00"),
            ),
        )
        .await
        .unwrap();
    let draft: AnnouncementDraft = serde_json::from_value(json!({
        "registration_method": "在线报名", "content": "参观", "reminders": "携带身份证", "registration_deadline": "2026-09-15",
        "sessions": [{"date": "2026-09-20", "start": "09:00", "end": "11:30", "meeting_point": "机关大院北门"}]
    }))
    .unwrap();
    let mut change = PlanChange::new(
        Action::Announce,
        PlanStatus::Announced,
        None,
        t("2026-09-01T09:00:00+08:00"),
    );
    change.announcement = Some(
        Announcement::compose(
            &plan,
            &agency,
            &draft,
            &openday_rules::Programme::shipped(),
            t("2026-09-01T09:00:00+08:00").date_naive(),
        )
        .unwrap(),
    );
    store
        .change_plan(&filed.id, filed.version, change)
        .await
        .unwrap();
    let config = Config {
        tokens: TokenKey::new(&[3u8; 32]).unwrap(),
        person_key: PersonKey::new(&[4u8; 32]).unwrap(),
        cookies: openday_api::pages::CookieKey::new(&[9u8; 32], false).unwrap(),
        site: "http://openday.test".into(),
        retention_days: 180,
        limits: openday_api::limits::Limits::default(),
    };
    let outbox = std::env::temp_dir().join(format!(
        "openday-lambda-{}",
        openday_store::personal::random_code().unwrap()
    ));
    let mailer = Arc::new(openday_mail::EmlMailer::new(outbox, "openday@example.org"));
    let app = App::new(
        store,
        config,
        Arc::new(FixedClock(t("2026-09-02T10:00:00+08:00"))),
        mailer,
        Arc::new(openday_sms::FolderSms::new(sms_dir())),
    );
    (engine, app, record.id)
}

/// The SMS outbox of this test process.
fn sms_dir() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("openday-lambda-sms-{}", std::process::id()))
}

/// An API Gateway HTTP API v2 event from 192.0.2.1.
fn event(
    stage: &str,
    method: &str,
    raw_path: &str,
    query: &str,
    headers: Value,
    body: Option<&str>,
) -> String {
    openday_testkit::api_gateway_event(stage, method, raw_path, query, headers, "192.0.2.1", body)
        .to_string()
}

/// Runs an event through the function's path: stage handling, then the router.
async fn invoke(router: axum::Router, event: &str) -> (u16, Value) {
    let req = openday_lambda::strip_stage(from_str(event).unwrap());
    let (parts, body) = req.into_parts();
    let req = axum::http::Request::from_parts(parts, Body::from(body.to_vec()));
    let res = router.oneshot(req).await.unwrap();
    let status = res.status().as_u16();
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_registration_through_a_stage_prefixed_path() {
    let (_engine, app, plan_id) = announced().await;
    let e = event(
        "prod",
        "POST",
        "/prod/api/sms-codes",
        "",
        json!({"content-type": "application/x-www-form-urlencoded"}),
        Some("phone=13800138000"),
    );
    let (status, out) = invoke(openday_api::public::router(app.clone()), &e).await;
    assert_eq!(status, 202, "{out}");
    let code = openday_testkit::sms_code_in(&sms_dir(), "13800138000");
    let body = format!(
        "name=%E5%BC%A0%E4%B8%89&id_number=11010519491231002X&phone=138-0013-8000&sms_code={code}&category=journalist&relation=works&full_civil_capacity=on&not_deputy=on&id_consent=on"
    );
    let body = body.as_str();
    let e = event(
        "prod",
        "POST",
        &format!("/prod/api/announcements/{plan_id}/registrations"),
        "",
        json!({"content-type": "application/x-www-form-urlencoded", "host": "abc.execute-api.cn-north-1.amazonaws.com.cn"}),
        Some(body),
    );
    let (status, out) = invoke(openday_api::public::router(app.clone()), &e).await;
    assert_eq!(status, 201, "{out}");
    assert_eq!(out["status"], "confirmed");
    let code = out["code"].as_str().unwrap();

    // Reading it back on the default stage, the phone in the body (never in a URL).
    let lookup = json!({"code": code, "phone": "13800138000"}).to_string();
    let e = event(
        "$default",
        "POST",
        "/api/registrations/lookup",
        "",
        json!({"content-type": "application/json"}),
        Some(&lookup),
    );
    let (status, out) = invoke(openday_api::public::router(app), &e).await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["phone"], "138****8000");
    assert_eq!(out["id_number"], "1101**********002X");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_json_staff_request_with_a_bearer_token_through_a_stage() {
    let (_engine, app, plan_id) = announced().await;
    let token = app.config.tokens.issue(
        "nn-jt",
        parse_instant("t", "2026-09-01T00:00:00+08:00").unwrap(),
    );
    let e = event(
        "v1",
        "GET",
        &format!("/v1/api/plans/{plan_id}"),
        "",
        json!({"authorization": format!("Bearer {token}")}),
        None,
    );
    let (status, out) = invoke(openday_api::plans::router(app.clone()), &e).await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["status"], "announced");
    // Without the token the same event is refused.
    let e = event(
        "v1",
        "GET",
        &format!("/v1/api/plans/{plan_id}"),
        "",
        json!({}),
        None,
    );
    let (status, out) = invoke(openday_api::plans::router(app), &e).await;
    assert_eq!(
        (status, out["error"]["code"].as_str()),
        (401, Some("UNAUTHORIZED"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stage_named_like_the_api_prefix_is_stripped_once() {
    let (_engine, app, _) = announced().await;
    // A stage named `api` prefixes `/api/...`: only the stage goes, the route stays.
    let e = event(
        "api",
        "GET",
        "/api/api/announcements",
        "year=2026",
        json!({}),
        None,
    );
    let (status, out) = invoke(openday_api::public::router(app.clone()), &e).await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["announcements"].as_array().unwrap().len(), 1);
    let e = event(
        "$default",
        "GET",
        "/api/announcements",
        "year=2026",
        json!({}),
        None,
    );
    let (status, _) = invoke(openday_api::public::router(app), &e).await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scheduled_event_runs_the_sweep_at_the_event_time() {
    let (_engine, app, plan_id) = announced().await;
    let sweeper = app.sweeper();
    // An EventBridge scheduled event at 09:00 Asia/Shanghai on 2026-09-17 (start − 3).
    let event: Value = serde_json::from_str(r#"{
        "version": "0", "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa", "detail-type": "Scheduled Event",
        "source": "aws.events", "account": "123456789012", "time": "2026-09-17T01:00:00Z",
        "region": "cn-north-1", "resources": ["arn:aws-cn:events:cn-north-1:123456789012:rule/notice"], "detail": {}
    }"#).unwrap();
    openday_api::App::clone(&app)
        .sweeper()
        .after_change(
            &openday_store::ports::PlanStore::plan(&app.core.store, &plan_id)
                .await
                .unwrap()
                .unwrap(),
            parse_instant("t", "2026-09-02T10:00:00+08:00")
                .unwrap()
                .date_naive(),
        )
        .await
        .unwrap();
    let report =
        openday_lambda::handle_scheduled(&sweeper, openday_rules::sweep::SweepKind::Notice, &event)
            .await
            .unwrap();
    assert_eq!(
        report.today.map(|d| d.to_string()).as_deref(),
        Some("2026-09-17")
    );
    assert_eq!(
        report.findings_new,
        [format!("participants_short#{plan_id}")]
    );
    // Not a scheduled event: a clear error, no panic.
    let err = openday_lambda::handle_scheduled(
        &sweeper,
        openday_rules::sweep::SweepKind::Notice,
        &json!({"detail": {}}),
    )
    .await
    .unwrap_err();
    assert!(err.contains("time"), "{err}");
    let err = openday_lambda::handle_scheduled(
        &sweeper,
        openday_rules::sweep::SweepKind::Notice,
        &json!({"time": "yesterday"}),
    )
    .await
    .unwrap_err();
    assert!(err.contains("yesterday"), "{err}");
}

/// Runs an event through what `lambda_http::run` runs: the request mapping (payload v2
/// `cookies` become a `Cookie` header), the function's service, and the response mapping
/// (`Set-Cookie` headers become the response's `cookies`). The response as API Gateway
/// reads it.
async fn through_api_gateway(router: axum::Router, event: &str) -> Value {
    use lambda_http::{Adapter, Context, LambdaEvent, request::LambdaRequest};
    let request: LambdaRequest = serde_json::from_str(event).unwrap();
    let mut adapter = Adapter::from(openday_lambda::service(router));
    let response =
        tower::Service::call(&mut adapter, LambdaEvent::new(request, Context::default()))
            .await
            .unwrap();
    serde_json::to_value(&response).unwrap()
}

/// The value of the `csrf` hidden field of an HTML form.
fn csrf_field(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
    html[at..].split('"').next().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_cookies_survive_api_gateway_both_ways() {
    let (_engine, app, plan_id) = announced().await;
    let router = || openday_api::public::router(app.clone());
    let page = event(
        "prod",
        "GET",
        &format!("/prod/open-days/{plan_id}/register"),
        "",
        json!({"accept": "text/html"}),
        None,
    );
    let out = through_api_gateway(router(), &page).await;
    assert_eq!(out["statusCode"], 200, "{out}");
    assert!(
        out["headers"]["content-type"]
            .as_str()
            .unwrap()
            .starts_with("text/html")
    );
    // The CSRF cookie travels in the v2 response's `cookies`, encrypted and HttpOnly.
    let cookies: Vec<String> = serde_json::from_value(out["cookies"].clone()).unwrap();
    let csrf_cookie = cookies
        .iter()
        .find(|c| c.starts_with("csrf="))
        .unwrap_or_else(|| panic!("no csrf cookie in {cookies:?}"));
    assert!(csrf_cookie.contains("HttpOnly") && csrf_cookie.contains("SameSite=Lax"));
    let token = csrf_field(out["body"].as_str().unwrap());
    assert!(!csrf_cookie.contains(&token), "the cookie is encrypted");
    let pair = csrf_cookie.split(';').next().unwrap().to_owned();

    // The form posted back with the cookie in the event's `cookies`: accepted (the code is
    // sent and the form comes back with the 验证码 field).
    let body = format!("csrf={token}&action=send_code&phone=13800138009");
    let mut post: Value = serde_json::from_str(&event(
        "prod",
        "POST",
        &format!("/prod/open-days/{plan_id}/register"),
        "",
        json!({"content-type": "application/x-www-form-urlencoded"}),
        Some(&body),
    ))
    .unwrap();
    post["cookies"] = json!([pair]);
    let out = through_api_gateway(router(), &post.to_string()).await;
    assert_eq!(out["statusCode"], 200, "{out}");
    assert!(
        out["body"]
            .as_str()
            .unwrap()
            .contains("验证码已发送至138****8009")
    );
    // Without the cookie the same post is refused, and nothing is sent.
    post["cookies"] = json!([]);
    let out = through_api_gateway(router(), &post.to_string()).await;
    assert_eq!(out["statusCode"], 403, "{out}");
    assert!(out["body"].as_str().unwrap().contains("页面已过期"));
}
