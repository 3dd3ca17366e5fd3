//! The routers in-process on the embedded engine, with a clock the test moves and the
//! local SMS outbox in a temporary folder: one helper per public endpoint.

#![allow(clippy::unwrap_used, dead_code)] // tests fail loudly; each test uses a part

pub mod browser;

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use chrono::{DateTime, Utc};
use openday_api::auth::TokenKey;
use openday_api::limits::{ClientIp, Limits};
use openday_api::{App, Config};
use openday_local_dynamo::LocalDynamo;
use openday_rules::Clock;
use openday_rules::calendar::parse_instant;
use openday_store::ports::DirectoryStore;
use openday_store::{DynamoStore, PersonKey};
use serde_json::{Value, json};
use tower::ServiceExt;

/// A clock the test sets.
#[derive(Clone)]
pub struct TestClock(Arc<Mutex<DateTime<Utc>>>);

impl TestClock {
    pub fn set(&self, raw: &str) {
        *self.0.lock().unwrap() = parse_instant("t", raw).unwrap();
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

pub struct World {
    _engine: LocalDynamo,
    /// Between the routers and the engine when the world was made with faults.
    pub proxy: Option<openday_testkit::FaultProxy>,
    pub router: axum::Router,
    pub tokens: TokenKey,
    pub clock: TestClock,
    pub sms_dir: std::path::PathBuf,
    pub mail_dir: std::path::PathBuf,
    pub store: DynamoStore,
    /// The application behind the routers (for what runs outside a request: sweeps).
    pub app: App<DynamoStore>,
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    /// The body as sent (a download is not JSON).
    pub raw: Vec<u8>,
}

pub async fn world(limits: Limits) -> World {
    let sms_dir = openday_testkit::temp_dir("api-sms");
    world_with_sms(
        limits,
        Arc::new(openday_sms::FolderSms::new(&sms_dir)),
        sms_dir,
    )
    .await
}

/// A world whose text messages go through `sms` (`sms_dir`: where a folder outbox writes).
pub async fn world_with_sms(
    limits: Limits,
    sms: Arc<dyn openday_sms::SmsSender>,
    sms_dir: std::path::PathBuf,
) -> World {
    build(limits, sms, sms_dir, false).await
}

/// A world whose routers reach the engine through a [`openday_testkit::FaultProxy`]
/// (passing everything until the test sets faults); `World::store` reaches it directly.
pub async fn world_behind_faults(limits: Limits) -> World {
    let sms_dir = openday_testkit::temp_dir("api-sms");
    let sms = Arc::new(openday_sms::FolderSms::new(&sms_dir));
    build(limits, sms, sms_dir, true).await
}

async fn build(
    limits: Limits,
    sms: Arc<dyn openday_sms::SmsSender>,
    sms_dir: std::path::PathBuf,
    faulty: bool,
) -> World {
    let engine = LocalDynamo::memory().await.unwrap();
    let store = DynamoStore::new(engine.client(), "openday-public");
    store.ensure_table().await.unwrap();
    store.import(&openday_testkit::directory()).await.unwrap();
    let proxy = if faulty {
        Some(
            openday_testkit::FaultProxy::start(engine.endpoint())
                .await
                .unwrap(),
        )
    } else {
        None
    };
    let app_store = match &proxy {
        Some(p) => DynamoStore::new(
            openday_local_dynamo::client_for(p.endpoint()),
            "openday-public",
        ),
        None => store.clone(),
    };
    let tokens = TokenKey::new(&[9u8; 32]).unwrap();
    let mail_dir = openday_testkit::temp_dir("api-mail");
    let clock = TestClock(Arc::new(Mutex::new(
        parse_instant("t", "2026-08-01T09:00:00+08:00").unwrap(),
    )));
    let app = App::new(
        app_store,
        Config {
            tokens: tokens.clone(),
            person_key: PersonKey::new(&[8u8; 32]).unwrap(),
            cookies: openday_api::pages::CookieKey::new(&[9u8; 32], false).unwrap(),
            site: "http://openday.test".into(),
            retention_days: 180,
            limits,
        },
        Arc::new(clock.clone()),
        Arc::new(openday_mail::EmlMailer::new(
            &mail_dir,
            "openday@example.org",
        )),
        sms,
    )
    .with_sms_receipt_token(RECEIPT_TOKEN)
    .unwrap();
    World {
        _engine: engine,
        proxy,
        router: openday_api::all(app.clone()),
        app,
        tokens,
        clock,
        sms_dir,
        mail_dir,
        store,
    }
}

/// An address of a network of its own for `phone` (10.x.y.1, from its last digits).
pub fn address_of(phone: &str) -> [u8; 4] {
    let n: u32 = phone
        .chars()
        .rev()
        .take(6)
        .filter_map(|c| c.to_digit(10))
        .fold((0, 1), |(acc, place), d| (acc + d * place, place * 10))
        .0;
    [10, (n / 256 % 256) as u8, (n % 256) as u8, 1]
}

/// Limits high enough that only the test's own limit bites.
/// The secret path of the SMS gateways' receipt push in these worlds.
pub const RECEIPT_TOKEN: &str = "receipts-secret-of-the-tests";

pub fn generous() -> Limits {
    Limits {
        per_address_per_minute: std::num::NonZeroU32::new(1_000_000).unwrap(),
        per_phone_per_minute: std::num::NonZeroU32::new(1_000_000).unwrap(),
        ..Limits::default()
    }
}

impl World {
    pub fn clock_now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        org: Option<&str>,
        body: Option<Value>,
        from: Option<[u8; 4]>,
    ) -> Answer {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(org) = org {
            req = req.header(
                "authorization",
                format!("Bearer {}", self.tokens.issue(org, self.clock.now())),
            );
        }
        if body.is_some() {
            req = req.header("content-type", "application/json");
        }
        let mut req = req
            .body(Body::from(body.map(|b| b.to_string()).unwrap_or_default()))
            .unwrap();
        if let Some(ip) = from {
            req.extensions_mut().insert(ClientIp(ip.into()));
        }
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = axum::body::to_bytes(res.into_body(), 1 << 24)
            .await
            .unwrap();
        Answer {
            status,
            headers,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            raw: bytes.to_vec(),
        }
    }

    pub async fn post(&self, path: &str, org: Option<&str>, body: Value) -> Answer {
        self.send(Method::POST, path, org, Some(body), None).await
    }

    pub async fn get(&self, path: &str, org: Option<&str>) -> Answer {
        self.send(Method::GET, path, org, None, None).await
    }

    /// Sends a code to `phone` and reads it from the outbox. Each phone asks from an
    /// address of its own network, as people do (the limits per address and network are
    /// tested on their own, in floods.rs).
    pub async fn sms_code(&self, phone: &str) -> String {
        let a = self
            .send(
                Method::POST,
                "/api/sms-codes",
                None,
                Some(json!({ "phone": phone })),
                Some(address_of(phone)),
            )
            .await;
        assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.body);
        openday_testkit::sms_code_in(&self.sms_dir, phone)
    }

    /// The demo plan, submitted, filed and announced on 2026-09-01 (event 09-20..26) with
    /// `capacity` seats; its id.
    pub async fn announced(&self, capacity: u32) -> String {
        self.clock.set("2026-08-01T09:00:00+08:00");
        let mut plan: Value =
            serde_json::from_str(&openday_testkit::repo_file("infra/demo/plan.json")).unwrap();
        plan["capacity"] = json!(capacity);
        let a = self.post("/api/plans", Some("nn-jt"), plan).await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
        let id = a.body["id"].as_str().unwrap().to_owned();
        let a = self
            .post(
                &format!("/api/plans/{id}/review"),
                Some("nn-office"),
                json!({"decision": "file", "version": 1}),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        self.clock.set("2026-09-01T10:00:00+08:00");
        let a = self
            .post(
                &format!("/api/plans/{id}/announcement"),
                Some("nn-jt"),
                json!({"version": 2, "registration_method": "在线报名", "content": "参观",
                       "sessions": [{"date": "2026-09-20", "start": "09:00", "end": "11:30", "meeting_point": "机关大院北门"}],
                       "reminders": "携带身份证", "registration_deadline": "2026-09-15"}),
            )
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
        id
    }

    /// Person `n` registers online with phone `1380013{n:04}` and the code the outbox got:
    /// the registration code and its status.
    pub async fn register(&self, id: &str, n: u32) -> (String, String) {
        let code = self.sms_code(&World::phone(n)).await;
        let a = self.registration(id, n, &code).await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
        (
            a.body["code"].as_str().unwrap().to_owned(),
            a.body["status"].as_str().unwrap().to_owned(),
        )
    }

    /// Phone `1380013{n:04}`: person `n`'s.
    pub fn phone(n: u32) -> String {
        format!("1380013{n:04}")
    }

    /// Person `n` registers online with `sms_code`: the answer as it came.
    pub async fn registration(&self, id: &str, n: u32, sms_code: &str) -> Answer {
        self.post(
            &format!("/api/announcements/{id}/registrations"),
            None,
            World::person(n, &World::phone(n), sms_code),
        )
        .await
    }

    /// A registration body for person `n` with `phone` and `sms_code`.
    pub fn person(n: u32, phone: &str, sms_code: &str) -> Value {
        json!({
            "name": format!("市民{n}"),
            "id_number": id_number(n),
            "phone": phone,
            "sms_code": sms_code,
            "category": "worker",
            "relation": "lives",
            "full_civil_capacity": true,
            "not_deputy": true,
            "id_consent": true
        })
    }
}

pub use openday_testkit::id_number;
