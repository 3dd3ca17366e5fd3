//! Figures measured in-process, on the embedded engine in memory: a handler's warm overhead
//! (the path a Lambda runs: stage handling, the router, its middleware), a public page's
//! answer, and what a sweep reads against what is due as the table grows.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use openday_api::auth::TokenKey;
use openday_api::{App, Config};
use openday_local_dynamo::LocalDynamo;
use openday_rules::FixedClock;
use openday_rules::calendar::parse_instant;
use openday_rules::org::{Directory, DirectoryDraft};
use openday_rules::plan::{PlanDraft, check_submission};
use openday_rules::sweep::SweepKind;
use openday_store::ports::*;
use openday_store::{DynamoStore, PersonKey};
use serde_json::{Value, json};
use tower::{Service, ServiceExt};

use crate::{percentile, repo};

fn at(raw: &str) -> chrono::DateTime<chrono::Utc> {
    parse_instant("t", raw).unwrap()
}

fn directory() -> Directory {
    let draft: DirectoryDraft =
        serde_json::from_str(&std::fs::read_to_string(repo("infra/demo/orgs.json")).unwrap())
            .unwrap();
    Directory::parse(&draft).unwrap()
}

fn scratch(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("openday-bench-{name}-{}", std::process::id()))
}

/// An app of a function on a fresh in-memory engine, at `now`.
async fn app(engine: &LocalDynamo, now: &str) -> (App<DynamoStore>, TokenKey) {
    app_of(engine, &directory(), now).await
}

/// An app of a function on a fresh in-memory engine holding `directory`, at `now`.
pub async fn app_of(
    engine: &LocalDynamo,
    directory: &Directory,
    now: &str,
) -> (App<DynamoStore>, TokenKey) {
    let store = DynamoStore::new(engine.client(), "openday-bench");
    store.ensure_table().await.unwrap();
    store.import(directory).await.unwrap();
    let tokens = TokenKey::new(&[7u8; 32]).unwrap();
    let config = Config {
        tokens: tokens.clone(),
        person_key: PersonKey::new(&[8u8; 32]).unwrap(),
        cookies: openday_api::pages::CookieKey::new(&[9u8; 32], false).unwrap(),
        site: "http://openday.bench".into(),
        retention_days: 180,
        limits: openday_api::limits::Limits {
            per_address_per_minute: std::num::NonZeroU32::new(u32::MAX).unwrap(),
            per_phone_per_minute: std::num::NonZeroU32::new(u32::MAX).unwrap(),
            quotas: openday_api::limits::Quotas::unlimited(),
            ..Default::default()
        },
    };
    let app = App::new(
        store,
        config,
        Arc::new(FixedClock(at(now))),
        Arc::new(openday_mail::EmlMailer::new(
            scratch("mail"),
            "openday@example.org",
        )),
        Arc::new(openday_sms::FolderSms::new(scratch("sms"))),
    );
    (app, tokens)
}

pub async fn send(router: &axum::Router, req: Request<Body>) -> (u16, Value) {
    let res = router.clone().oneshot(req).await.unwrap();
    let status = res.status().as_u16();
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 24)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn post(path: &str, token: &str, body: Value) -> Request<Body> {
    Request::post(path)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

/// p50 and p99 of `n` warm calls of `make()` through `service`, each answered `status`.
async fn time_calls<S>(
    service: &mut S,
    n: usize,
    status: u16,
    make: impl Fn() -> lambda_http::Request,
) -> (Duration, Duration)
where
    S: Service<lambda_http::Request, Response = axum::response::Response>,
    S::Error: std::fmt::Debug,
{
    let mut took = Vec::with_capacity(n);
    for i in 0..n + n / 10 {
        let req = make();
        let t = Instant::now();
        let res = service.ready().await.unwrap().call(req).await.unwrap();
        let answered = res.status().as_u16();
        let _ = axum::body::to_bytes(res.into_body(), 1 << 24)
            .await
            .unwrap();
        // The first tenth warms up.
        if i >= n / 10 {
            took.push(t.elapsed());
        }
        assert_eq!(answered, status, "an unexpected answer");
    }
    took.sort();
    (percentile(&took, 0.5), percentile(&took, 0.99))
}

pub struct Overheads {
    pub refused: (Duration, Duration),
    pub stylesheet: (Duration, Duration),
    pub home: (Duration, Duration),
    pub announcement_page: (Duration, Duration),
}

/// The public function's service (as `openday_lambda::serve` runs it) answering, warm:
/// a registration refused at the edge (no I/O), the stylesheet, and two public pages
/// (their reads served from the event cache or the engine on loopback).
pub async fn overheads(n: usize) -> Overheads {
    let engine = LocalDynamo::memory().await.unwrap();
    let (app, tokens) = app(&engine, "2026-09-01T10:00:00+08:00").await;
    let all = openday_api::all(app.clone());
    let agency = tokens.issue("nn-jt", at("2026-09-01T10:00:00+08:00"));
    let office = tokens.issue("nn-office", at("2026-09-01T10:00:00+08:00"));
    let plan: Value =
        serde_json::from_str(&std::fs::read_to_string(repo("infra/demo/plan.json")).unwrap())
            .unwrap();
    let (s, out) = send(&all, post("/api/plans", &agency, plan)).await;
    assert_eq!(s, 201, "{out}");
    let id = out["id"].as_str().unwrap().to_owned();
    let (s, out) = send(
        &all,
        post(
            &format!("/api/plans/{id}/review"),
            &office,
            json!({"decision": "file", "version": 1}),
        ),
    )
    .await;
    assert_eq!(s, 200, "{out}");
    let (s, out) = send(
        &all,
        post(
            &format!("/api/plans/{id}/announcement"),
            &agency,
            json!({"version": 2, "registration_method": "在线报名", "content": "参观",
                   "sessions": [{"date": "2026-09-20", "start": "09:00", "end": "11:30", "meeting_point": "机关大院北门"}],
                   "reminders": "携带身份证", "registration_deadline": "2026-09-15"}),
        ),
    )
    .await;
    assert_eq!(s, 201, "{out}");

    let mut service = openday_lambda::service(openday_api::public::router(app));
    let get = |path: String| {
        move || {
            let mut req = lambda_http::Request::new(lambda_http::Body::Empty);
            *req.uri_mut() = path.parse().unwrap();
            req
        }
    };
    let refused = time_calls(&mut service, n, 422, || {
        let mut req =
            lambda_http::Request::new(lambda_http::Body::from(r#"{"phone":"12"}"#.to_owned()));
        *req.method_mut() = axum::http::Method::POST;
        *req.uri_mut() = "/api/sms-codes".parse().unwrap();
        req.headers_mut()
            .insert("content-type", "application/json".parse().unwrap());
        req
    })
    .await;
    let stylesheet = time_calls(
        &mut service,
        n,
        200,
        get(openday_api::pages::assets::href("site.css")),
    )
    .await;
    let home = time_calls(&mut service, n, 200, get("/".into())).await;
    let announcement_page = time_calls(&mut service, n, 200, get(format!("/open-days/{id}"))).await;
    Overheads {
        refused,
        stylesheet,
        home,
        announcement_page,
    }
}

/// What one notice sweep read with `total` plans of which `due` are due that day.
pub struct SweepCost {
    pub total: u32,
    pub due: u32,
    pub items_read: u64,
    pub took: Duration,
}

pub async fn sweep_cost(total: u32, due: u32) -> SweepCost {
    let engine = LocalDynamo::memory().await.unwrap();
    let store = DynamoStore::new(engine.client(), "openday-bench");
    store.ensure_table().await.unwrap();
    let directory = directory();
    store.import(&directory).await.unwrap();
    let agency = directory
        .orgs
        .iter()
        .find(|o| o.id.as_str() == "nn-jt")
        .unwrap()
        .clone();
    let draft: PlanDraft =
        serde_json::from_str(&std::fs::read_to_string(repo("infra/demo/plan.json")).unwrap())
            .unwrap();
    let plan = check_submission(&draft, &agency, &openday_rules::Programme::shipped()).unwrap();
    let workers: Vec<_> = (0..16u32)
        .map(|worker| {
            let (store, agency, plan) = (store.clone(), agency.clone(), plan.clone());
            tokio::spawn(async move {
                for n in (worker..total).step_by(16) {
                    let r = store
                        .create_plan(&agency, &plan, 0, at("2026-08-01T09:00:00+08:00"))
                        .await
                        .unwrap();
                    // `due` plans are due on 08-31 (their first reminder); the others later.
                    let on = chrono::NaiveDate::from_ymd_opt(2026, 8, 31).unwrap()
                        + chrono::Days::new(if n < due { 0 } else { 1 + u64::from(n % 30) });
                    store
                        .schedule(SweepKind::Notice, &r.id, Some(on))
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for w in workers {
        w.await.unwrap();
    }
    let mail = scratch("sweep-mail");
    let sweeper = openday_sweeps::Sweeper::new(
        store.clone(),
        Arc::new(openday_mail::EmlMailer::new(&mail, "openday@example.org")),
        Arc::new(openday_sms::FolderSms::new(scratch("sweep-sms"))),
        PersonKey::new(&[8u8; 32]).unwrap(),
        "http://openday.bench",
    );
    let before = store.items_read();
    let t = Instant::now();
    let report = sweeper
        .run(SweepKind::Notice, at("2026-08-31T09:00:00+08:00"))
        .await
        .unwrap();
    let took = t.elapsed();
    assert_eq!(
        report.subjects_read, due as usize,
        "only the due plans read"
    );
    assert_eq!(report.sent.len(), due as usize, "one reminder each");
    let _ = std::fs::remove_dir_all(&mail);
    SweepCost {
        total,
        due,
        items_read: store.items_read() - before,
        took,
    }
}
