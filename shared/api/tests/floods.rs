//! The floods of a public site, reproduced against the real routers on the embedded
//! engine, and shown stopped: anonymous evaluations, feedback by the thousand, a
//! stranger's ID number, guessed codes, one address hammering, a rush on the seats.

#![allow(clippy::unwrap_used)] // tests fail loudly

mod common;

use std::num::NonZeroU32;

use axum::http::{Method, StatusCode};
use common::{World, generous, world};
use openday_api::limits::Limits;
use openday_store::ports::FeedbackStore;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_evaluations_no_longer_move_the_average() {
    let w = world(generous()).await;
    let id = w.announced(30).await;
    let (first, _) = w.register(&id, 0).await;
    let (second, _) = w.register(&id, 1).await;
    w.clock.set("2026-09-21T10:00:00+08:00");
    let path = format!("/api/plans/{id}/evaluations");
    // 300 anonymous rating=1 (naming a real registration): every one refused, none stored.
    for n in 0..300 {
        let a = w
            .post(
                &path,
                None,
                json!({"rating": 1, "phone": format!("137{n:08}"), "registration_code": first}),
            )
            .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
        assert_eq!(a.body["error"]["code"], "SMS_CODE_INVALID");
    }
    // 300 from one verified participant's phone: one evaluation, the last.
    let code = w.sms_code(&World::phone(0)).await;
    for _ in 0..300 {
        let a = w
            .post(
                &path,
                None,
                json!({"rating": 1, "phone": World::phone(0), "sms_code": code,
                       "registration_code": first}),
            )
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    }
    let code = w.sms_code(&World::phone(1)).await;
    let a = w
        .post(
            &path,
            None,
            json!({"rating": 5, "phone": World::phone(1), "sms_code": code,
                   "registration_code": second}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED);
    let ratings: Vec<u8> = w
        .store
        .evaluations(&id)
        .await
        .unwrap()
        .iter()
        .map(|e| e.evaluation.rating.get())
        .collect();
    assert_eq!(ratings.len(), 2, "{ratings:?}");
    assert_eq!(ratings.iter().map(|r| u32::from(*r)).sum::<u32>(), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_phones_that_never_registered_cannot_rate_the_event() {
    let w = world(generous()).await;
    let id = w.announced(30).await;
    let (real, _) = w.register(&id, 0).await;
    w.clock.set("2026-09-21T10:00:00+08:00");
    let path = format!("/api/plans/{id}/evaluations");
    // 30 proved phones that never registered, each naming a made-up or another's code.
    for n in 0..30 {
        let phone = format!("1370000{n:04}");
        let code = w.sms_code(&phone).await;
        let named = if n % 2 == 0 {
            real.clone()
        } else {
            "ABCD2345".into()
        };
        let a = w
            .post(
                &path,
                None,
                json!({"rating": 1, "phone": phone, "sms_code": code,
                       "registration_code": named}),
            )
            .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.body);
        assert_eq!(a.body["error"]["code"], "NOT_PARTICIPANT");
        assert_eq!(a.body["error"]["field"], "registration_code");
        assert!(
            a.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("报名人员"),
            "{}",
            a.body
        );
    }
    // Without a registration code: asked for it.
    let code = w.sms_code("13700009999").await;
    let a = w
        .post(
            &path,
            None,
            json!({"rating": 1, "phone": "13700009999", "sms_code": code}),
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
    assert_eq!(a.body["error"]["field"], "registration_code");
    assert!(w.store.evaluations(&id).await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_phone_gives_at_most_ten_feedback_items_a_day() {
    let w = world(generous()).await;
    let id = w.announced(30).await;
    w.clock.set("2026-09-21T10:00:00+08:00");
    let code = w.sms_code("13800138000").await;
    let path = format!("/api/plans/{id}/feedback");
    let mut accepted = 0;
    for n in 0..1101 {
        let a = w
            .post(
                &path,
                None,
                json!({"channel": "online", "category": "service", "content": format!("意见{n}"),
                       "phone": "13800138000", "sms_code": code}),
            )
            .await;
        match a.status {
            StatusCode::CREATED => accepted += 1,
            StatusCode::TOO_MANY_REQUESTS => {
                assert_eq!(a.body["error"]["code"], "RATE_LIMITED");
                assert!(
                    a.body["error"]["message"]
                        .as_str()
                        .unwrap()
                        .contains("最多提交10条")
                );
                // Until Shanghai midnight: 14 hours.
                assert_eq!(a.headers["retry-after"], "50400");
            }
            other => panic!("{other}: {}", a.body),
        }
    }
    assert_eq!(accepted, 10);
    assert_eq!(w.store.feedback(&id).await.unwrap().len(), 10);
    // The agency's offline items are not limited by it.
    let a = w
        .post(
            &path,
            Some("nn-jt"),
            json!({"channel": "offline", "category": "policy", "content": "座谈会意见"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codes_are_rationed_and_guessing_burns_them() {
    let w = world(generous()).await;
    let a = w
        .post("/api/sms-codes", None, json!({"phone": "13800138000"}))
        .await;
    assert_eq!(a.status, StatusCode::ACCEPTED);
    assert_eq!(a.body["phone"], "138****8000");
    let again = w
        .post("/api/sms-codes", None, json!({"phone": "13800138000"}))
        .await;
    assert_eq!(again.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(again.headers["retry-after"], "60");
    let landline = w
        .post("/api/sms-codes", None, json!({"phone": "0771-5551234"}))
        .await;
    assert_eq!(landline.status, StatusCode::UNPROCESSABLE_ENTITY);

    let id = w.announced(30).await;
    let code = openday_testkit::sms_code_in(&w.sms_dir, "13800138000");
    let wrong = if code == "000000" { "000001" } else { "000000" };
    let path = format!("/api/announcements/{id}/registrations");
    for _ in 0..5 {
        let a = w
            .post(&path, None, World::person(1, "13800138000", wrong))
            .await;
        assert_eq!(a.body["error"]["code"], "SMS_CODE_INVALID", "{}", a.body);
    }
    // Burned: the right code no longer works either.
    let a = w
        .post(&path, None, World::person(1, "13800138000", &code))
        .await;
    assert_eq!(a.body["error"]["code"], "SMS_CODE_INVALID");
    // A code for one phone does not prove another.
    w.clock.set("2026-09-01T10:05:00+08:00");
    let other = w.sms_code("13800138001").await;
    let a = w
        .post(&path, None, World::person(2, "13800138002", &other))
        .await;
    assert_eq!(a.body["error"]["code"], "SMS_CODE_INVALID");
    let a = w
        .post(&path, None, World::person(2, "13800138001", &other))
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_over_its_limit_is_told_when_to_come_back() {
    let w = world(Limits {
        per_address_per_minute: NonZeroU32::new(20).unwrap(),
        ..generous()
    })
    .await;
    let office = [10, 1, 1, 1];
    for _ in 0..20 {
        let a = w
            .send(
                Method::GET,
                "/api/announcements?year=2026",
                None,
                None,
                Some(office),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK);
    }
    let a = w
        .send(
            Method::GET,
            "/api/announcements?year=2026",
            None,
            None,
            Some(office),
        )
        .await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(a.body["error"]["code"], "RATE_LIMITED");
    let wait: u64 = a.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    // Another address is served.
    let a = w
        .send(
            Method::GET,
            "/api/announcements?year=2026",
            None,
            None,
            Some([10, 1, 1, 2]),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_phone_is_rate_limited_across_endpoints() {
    let w = world(Limits {
        per_phone_per_minute: NonZeroU32::new(5).unwrap(),
        ..generous()
    })
    .await;
    let code = w.sms_code("13800138000").await; // 1
    for _ in 0..4 {
        let a = w
            .post(
                "/api/registrations/lookup",
                None,
                json!({"code": "ABCDEFGH", "phone": "13800138000"}),
            )
            .await;
        assert_eq!(a.status, StatusCode::NOT_FOUND);
    }
    let a = w
        .post(
            "/api/registrations/lookup",
            None,
            json!({"code": "ABCDEFGH", "phone": "13800138000"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS, "{}", a.body);
    assert!(a.headers.contains_key("retry-after"));
    let _ = code;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registered_id_number_and_a_registered_phone_get_the_same_answer() {
    let w = world(generous()).await;
    let id = w.announced(30).await;
    let path = format!("/api/announcements/{id}/registrations");
    // Someone registers ID number 7; the prober registers itself (ID number 8, its phone).
    w.register(&id, 7).await;
    let probe = "13900000008";
    let code = w.sms_code(probe).await;
    let mine = w.post(&path, None, World::person(8, probe, &code)).await;
    assert_eq!(mine.status, StatusCode::CREATED, "{}", mine.body);
    // With its proved phone it tries ID number 7 (registered) and 9 (not registered).
    let taken = w.post(&path, None, World::person(7, probe, &code)).await;
    let free = w.post(&path, None, World::person(9, probe, &code)).await;
    assert_eq!(taken.status, StatusCode::CONFLICT, "{}", taken.body);
    assert_eq!(free.status, StatusCode::CONFLICT, "{}", free.body);
    assert_eq!(taken.body, free.body, "the two answers must not differ");
    assert_eq!(taken.body["error"]["code"], "DUPLICATE_REGISTRATION");
    // A fresh phone with the registered ID number: the same answer again.
    let fresh = "13900000010";
    let code10 = w.sms_code(fresh).await;
    let other = w.post(&path, None, World::person(7, fresh, &code10)).await;
    assert_eq!((other.status, &other.body), (taken.status, &taken.body));
    // The prober's own request again is a retry: its registration, 200.
    let again = w.post(&path, None, World::person(8, probe, &code)).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(again.body["code"], mine.body["code"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stranger_holding_my_id_number_is_undone_by_the_organiser() {
    let w = world(generous()).await;
    let id = w.announced(30).await;
    let path = format!("/api/announcements/{id}/registrations");
    // A stranger registers my ID number with their phone.
    let theirs = w.sms_code("13900000001").await;
    let a = w
        .post(&path, None, World::person(7, "13900000001", &theirs))
        .await;
    assert_eq!(a.status, StatusCode::CREATED);
    let stolen = a.body["code"].as_str().unwrap().to_owned();
    // I am refused, told whom to call, and told nothing else.
    let mine = w.sms_code("13800138000").await;
    let a = w
        .post(&path, None, World::person(7, "13800138000", &mine))
        .await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    assert_eq!(a.body["error"]["code"], "DUPLICATE_REGISTRATION");
    let message = a.body["error"]["message"].as_str().unwrap();
    assert!(message.contains("0771-5551234"), "{message}");
    assert!(!a.body.to_string().contains(&stolen));
    assert!(!a.body.to_string().contains("139"), "{}", a.body);
    // The organiser finds it from the ID card I show, and cancels it.
    let search = format!("/api/plans/{id}/registrations/search");
    let a = w
        .post(
            &search,
            Some("lz-st"),
            json!({"id_number": common::id_number(7)}),
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "only the organiser");
    let a = w
        .post(
            &search,
            Some("nn-jt"),
            json!({"id_number": common::id_number(7)}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["code"], stolen.as_str());
    assert_eq!(a.body["phone"], "139****0001");
    assert!(a.body["id_number"].as_str().unwrap().contains("**********"));
    let a = w
        .post(
            &format!("/api/plans/{id}/registrations/{stolen}/cancel"),
            Some("nn-jt"),
            json!({}),
        )
        .await;
    assert_eq!(a.body["status"], "cancelled", "{}", a.body);
    // Now I register.
    let a = w
        .post(&path, None, World::person(7, "13800138000", &mine))
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    // A number no one registered: 404.
    let a = w
        .post(
            &search,
            Some("nn-jt"),
            json!({"id_number": common::id_number(8)}),
        )
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_phone_registers_one_person_and_a_retry_gets_the_same_code() {
    let w = world(generous()).await;
    let id = w.announced(30).await;
    let path = format!("/api/announcements/{id}/registrations");
    let code = w.sms_code("13800138000").await;
    let first = w
        .post(&path, None, World::person(1, "13800138000", &code))
        .await;
    assert_eq!(first.status, StatusCode::CREATED);
    let retry = w
        .post(&path, None, World::person(1, "13800138000", &code))
        .await;
    assert_eq!(retry.status, StatusCode::OK);
    assert_eq!(retry.body["code"], first.body["code"]);
    let second = w
        .post(&path, None, World::person(2, "13800138000", &code))
        .await;
    assert_eq!(second.status, StatusCode::CONFLICT);
    // The one answer for a taken phone or ID number (it tells neither apart).
    assert_eq!(second.body["error"]["code"], "DUPLICATE_REGISTRATION");
    assert_eq!(second.body["error"]["field"], "id_number");
    let message = second.body["error"]["message"].as_str().unwrap();
    assert!(message.contains("手机号码或身份证号码"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_rush_of_two_hundred_on_twenty_five_seats_through_the_router() {
    let w = world(generous()).await;
    let id = w.announced(25).await;
    let mut codes = Vec::new();
    for n in 0..200u32 {
        codes.push(w.sms_code(&format!("139{n:08}")).await);
    }
    let w = std::sync::Arc::new(w);
    let tasks: Vec<_> = (0..200u32)
        .map(|n| {
            let (w, code, path) = (
                w.clone(),
                codes[n as usize].clone(),
                format!("/api/announcements/{id}/registrations"),
            );
            tokio::spawn(async move {
                w.post(&path, None, World::person(n, &format!("139{n:08}"), &code))
                    .await
            })
        })
        .collect();
    let mut statuses = std::collections::BTreeMap::new();
    for t in tasks {
        let a = t.await.unwrap();
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
        *statuses
            .entry(a.body["status"].as_str().unwrap().to_owned())
            .or_insert(0) += 1;
    }
    assert_eq!(statuses["confirmed"], 25);
    assert_eq!(statuses["waitlisted"], 175);
    let a = w.get(&format!("/api/announcements/{id}"), None).await;
    assert_eq!(
        (a.body["seats_left"].as_u64(), a.body["waitlisted"].as_u64()),
        (Some(0), Some(175))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_past_its_deadline_gets_503_with_retry_after() {
    // A DynamoDB that accepts connections and never answers: the request cannot finish.
    let blackhole = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", blackhole.local_addr().unwrap());
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = blackhole.accept().await {
            open.push(socket);
        }
    });
    let store = openday_store::DynamoStore::new(
        openday_local_dynamo::client_for(&endpoint),
        "openday-blackhole",
    );
    let app = openday_api::App::new(
        store,
        openday_api::Config {
            tokens: openday_api::auth::TokenKey::new(&[9u8; 32]).unwrap(),
            person_key: openday_store::PersonKey::new(&[8u8; 32]).unwrap(),
            cookies: openday_api::pages::CookieKey::new(&[9u8; 32], false).unwrap(),
            site: "http://openday.test".into(),
            retention_days: 180,
            limits: Limits {
                deadline: std::time::Duration::from_millis(300),
                ..generous()
            },
        },
        std::sync::Arc::new(openday_api::SystemClock),
        std::sync::Arc::new(openday_mail::EmlMailer::new(
            openday_testkit::temp_dir("deadline-mail"),
            "openday@example.org",
        )),
        std::sync::Arc::new(openday_sms::FolderSms::new(openday_testkit::temp_dir(
            "deadline-sms",
        ))),
    );
    let started = std::time::Instant::now();
    let res = tower::ServiceExt::oneshot(
        openday_api::all(app),
        axum::http::Request::post("/api/sms-codes")
            .header("content-type", "application/json")
            .body(axum::body::Body::from(r#"{"phone":"13800138000"}"#))
            .unwrap(),
    )
    .await
    .unwrap();
    let waited = started.elapsed();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(res.headers()["retry-after"], "5");
    let body: serde_json::Value = serde_json::from_slice(
        &axum::body::to_bytes(res.into_body(), 1 << 16)
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(body["error"]["code"], "SERVICE_UNAVAILABLE");
    assert!(
        waited >= std::time::Duration::from_millis(300)
            && waited < std::time::Duration::from_secs(5),
        "answered at the deadline, not before and not after a hang: {waited:?}"
    );
    held.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_that_could_not_be_sent_can_be_asked_for_again_at_once() {
    // SNS unreachable (nothing listens there): the code is not sent, so it is taken back.
    let port = openday_local_dynamo::free_port().unwrap();
    let config = aws_sdk_sns::Config::builder()
        .behavior_version(aws_sdk_sns::config::BehaviorVersion::latest())
        .endpoint_url(format!("http://127.0.0.1:{port}"))
        .region(aws_sdk_sns::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_sns::config::Credentials::new(
            "l", "l", None, None, "t",
        ))
        .build();
    let down = std::sync::Arc::new(openday_sms::SnsSms::new(
        aws_sdk_sns::Client::from_conf(config),
        None,
    ));
    let w = common::world_with_sms(generous(), down, openday_testkit::temp_dir("down")).await;
    for _ in 0..3 {
        let a = w
            .post("/api/sms-codes", None, json!({"phone": "13800138000"}))
            .await;
        assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE, "{}", a.body);
        assert_eq!(a.headers["retry-after"], "5");
    }
}
