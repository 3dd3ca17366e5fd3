//! A registration rush through a faulty DynamoDB (throttling, 500/503, latency, and writes
//! applied whose answer is lost): every registration acknowledged with 201 is stored,
//! nobody is stored twice, the seats never overbook, and a request the store cannot serve
//! in time is answered 503 with `Retry-After`, never left hanging.

#![allow(clippy::unwrap_used)] // tests fail loudly

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use axum::http::StatusCode;
use common::*;
use openday_store::ports::RegistrationStore;
use openday_store::records::RegistrationStatus;
use openday_testkit::Faults;

const PEOPLE: u32 = 100;
const SEATS: u32 = 30;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rush_through_a_faulty_dynamodb_loses_nothing_and_never_overbooks() {
    let mut limits = generous();
    limits.deadline = Duration::from_secs(4);
    let w = std::sync::Arc::new(world_behind_faults(limits).await);
    let id = w.announced(SEATS).await;
    let mut codes = Vec::new();
    for n in 1..=PEOPLE {
        codes.push((n, w.sms_code(&World::phone(n)).await));
    }

    let proxy = w.proxy.as_ref().unwrap();
    proxy.set(Faults {
        throttle: 10,
        server_error: 10,
        drop_after_apply: 10,
        latency: 10,
        latency_ms: 300,
    });
    let rush: Vec<_> = codes
        .iter()
        .cloned()
        .map(|(n, code)| {
            let (w, id) = (w.clone(), id.clone());
            tokio::spawn(async move {
                let answer =
                    tokio::time::timeout(Duration::from_secs(10), w.registration(&id, n, &code))
                        .await
                        .expect("an answer within the deadline, never a hang");
                (n, answer)
            })
        })
        .collect();
    let mut acknowledged = BTreeMap::new();
    let mut unavailable = Vec::new();
    for task in rush {
        let (n, a) = task.await.unwrap();
        match a.status {
            // 200: a try whose answer was lost had registered the person after all, and a
            // later try of the same request found and returned that registration.
            StatusCode::CREATED | StatusCode::OK => {
                acknowledged.insert(
                    a.body["code"].as_str().unwrap().to_owned(),
                    a.body["status"].as_str().unwrap().to_owned(),
                );
            }
            StatusCode::SERVICE_UNAVAILABLE => {
                assert!(a.headers.contains_key("retry-after"), "{}", a.body);
                assert_eq!(a.body["error"]["code"], "SERVICE_UNAVAILABLE", "{}", a.body);
                unavailable.push(n);
            }
            other => panic!("person {n}: {other} {}", a.body),
        }
    }
    let counts = proxy.counts();
    println!(
        "{} acknowledged, {} told to retry; {counts:?}",
        acknowledged.len(),
        unavailable.len()
    );
    assert!(counts.dropped_after_apply > 0 && counts.throttled > 0 && counts.server_errors > 0);

    // Read straight from the engine, past the proxy.
    let stored = w.store.registrations(&id).await.unwrap();
    let by_code: BTreeMap<_, _> = stored.iter().map(|r| (r.code.clone(), r)).collect();
    for (code, status) in &acknowledged {
        let r = by_code.get(code).unwrap_or_else(|| panic!("{code} lost"));
        assert_eq!(
            serde_json::to_value(r.status).unwrap(),
            status.as_str(),
            "{code}"
        );
    }
    assert_nothing_twice_and_no_overbooking(&w, &id, &stored).await;

    // The faults gone, everyone told to retry does: registered now (201), or, whose first
    // try was applied after all, given the registration they already hold (200).
    proxy.set(Faults::NONE);
    w.clock.set("2026-09-01T10:05:00+08:00");
    for n in unavailable {
        let code = w.sms_code(&World::phone(n)).await;
        let a = w.registration(&id, n, &code).await;
        assert!(
            a.status == StatusCode::CREATED || a.status == StatusCode::OK,
            "person {n}: {} {}",
            a.status,
            a.body
        );
    }
    let stored = w.store.registrations(&id).await.unwrap();
    assert_eq!(stored.len(), PEOPLE as usize, "everyone, once");
    assert_nothing_twice_and_no_overbooking(&w, &id, &stored).await;
    let seats = w.store.seats(&id).await.unwrap().unwrap();
    assert_eq!(seats.confirmed, SEATS, "every seat taken");
}

/// No phone or person twice; the confirmed counter equals the confirmed registrations and
/// never exceeds the seats; every waitlisted one waits because the seats are full.
async fn assert_nothing_twice_and_no_overbooking(
    w: &World,
    id: &str,
    stored: &[openday_store::records::RegistrationRecord],
) {
    let phones: BTreeSet<_> = stored.iter().map(|r| r.phone_hash.as_str()).collect();
    assert_eq!(phones.len(), stored.len(), "a phone stored twice");
    let people: BTreeSet<_> = stored.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(people.len(), stored.len(), "a person stored twice");
    let confirmed = stored
        .iter()
        .filter(|r| r.status == RegistrationStatus::Confirmed)
        .count() as u32;
    let waitlisted = stored.len() as u32 - confirmed;
    let seats = w.store.seats(id).await.unwrap().unwrap();
    assert!(confirmed <= SEATS, "{confirmed} confirmed on {SEATS} seats");
    assert_eq!(
        (seats.confirmed, seats.waitlisted),
        (confirmed, waitlisted),
        "the counters say what is stored"
    );
    if waitlisted > 0 {
        assert_eq!(confirmed, SEATS, "somebody waits while a seat is free");
    }
}
