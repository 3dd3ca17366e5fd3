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
    assert_nothing_twice_and_no_overbooking(&w, &id, &stored, SEATS).await;

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
    assert_nothing_twice_and_no_overbooking(&w, &id, &stored, SEATS).await;
    let seats = w.store.seats(&id).await.unwrap().unwrap();
    assert_eq!(seats.confirmed, SEATS, "every seat taken");
}

/// No phone or person twice; the confirmed counter equals the confirmed registrations and
/// never exceeds the seats; every waitlisted one waits because the seats are full.
async fn assert_nothing_twice_and_no_overbooking(
    w: &World,
    id: &str,
    stored: &[openday_store::records::RegistrationRecord],
    seats_offered: u32,
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
    assert!(
        confirmed <= seats_offered,
        "{confirmed} confirmed on {seats_offered} seats"
    );
    assert_eq!(
        (seats.confirmed, seats.waitlisted),
        (confirmed, waitlisted),
        "the counters say what is stored"
    );
    if waitlisted > 0 {
        assert_eq!(
            confirmed, seats_offered,
            "somebody waits while a seat is free"
        );
    }
}

/// The rush `docs/scale.md` names as what breaks first on AWS: one popular event, its seat
/// counter the one item every registration writes.
const RUSH: u32 = 2_000;
const HOT_SEATS: u32 = 300;
/// DynamoDB's documented ceiling for one partition is 1,000 write capacity units a second; a
/// transactional write of an item up to 1 KB costs 2, so about 500 registrations a second
/// can write one event's seat counter. This machine's debug build writes it at about 230 a
/// second, under that ceiling, so the proxy allows a fifth of DynamoDB's rate: the limit
/// binds here as DynamoDB's binds a rush on AWS that is five times faster.
const COUNTER_WRITES_PER_SECOND: u32 = 500 / 5;

/// Runs `each` for every one of `people`, `at_once` at a time.
async fn in_waves<F, Fut>(people: &[u32], at_once: usize, each: F)
where
    F: Fn(u32) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    for wave in people.chunks(at_once) {
        let tasks: Vec<_> = wave.iter().map(|&n| tokio::spawn(each(n))).collect();
        for task in tasks {
            task.await.unwrap();
        }
    }
}

/// A code for each of `people`, sent first, then read from the outbox in one pass (the
/// newest text to each phone).
async fn codes_for(w: &std::sync::Arc<World>, people: &[u32]) -> BTreeMap<u32, String> {
    in_waves(people, 16, |n| {
        let w = w.clone();
        async move {
            let a = w
                .send(
                    axum::http::Method::POST,
                    "/api/sms-codes",
                    None,
                    Some(serde_json::json!({ "phone": World::phone(n) })),
                    Some(address_of(&World::phone(n))),
                )
                .await;
            assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.body);
        }
    })
    .await;
    let texts = openday_testkit::sms_codes_in(&w.sms_dir);
    people
        .iter()
        .map(|&n| (n, texts[&World::phone(n)].clone()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rush_on_one_seat_counter_throttled_at_dynamodbs_rate_fills_exactly_the_seats() {
    let mut limits = generous();
    limits.deadline = Duration::from_secs(8);
    let w = std::sync::Arc::new(world_behind_faults(limits).await);
    let id = w.announced(HOT_SEATS).await;
    let everyone: Vec<u32> = (1..=RUSH).collect();
    let codes = codes_for(&w, &everyone).await;
    let proxy = w.proxy.as_ref().unwrap();
    proxy.limit_item(&format!("SEATS#{id}"), COUNTER_WRITES_PER_SECOND);

    let started = std::time::Instant::now();
    let rush: Vec<_> = codes
        .iter()
        .map(|(n, code)| {
            let (w, id, n, code) = (w.clone(), id.clone(), *n, code.clone());
            tokio::spawn(async move {
                let answer =
                    tokio::time::timeout(Duration::from_secs(30), w.registration(&id, n, &code))
                        .await
                        .expect("an answer, never a hang");
                (n, answer)
            })
        })
        .collect();
    let mut told_to_retry = Vec::new();
    let mut registered = 0;
    for task in rush {
        let (n, a) = task.await.unwrap();
        match a.status {
            StatusCode::CREATED | StatusCode::OK => registered += 1,
            StatusCode::SERVICE_UNAVAILABLE => {
                let wait: u64 = a.headers["retry-after"].to_str().unwrap().parse().unwrap();
                assert!((1..=60).contains(&wait), "Retry-After {wait}");
                assert_eq!(a.body["error"]["code"], "SERVICE_UNAVAILABLE", "{}", a.body);
                told_to_retry.push(n);
            }
            other => panic!("person {n}: {other} {}", a.body),
        }
    }
    let wall = started.elapsed();
    let counts = proxy.counts();
    println!(
        "hot seat counter at {COUNTER_WRITES_PER_SECOND} writes/s: {RUSH} people on {HOT_SEATS} seats in {:.1} s; {registered} registered at once, {} told to retry; {} counter writes throttled",
        wall.as_secs_f64(),
        told_to_retry.len(),
        counts.item_throttled
    );
    // Those told to retry do, once the rush is over and the counter no longer hot, with
    // the code they have (a refused try did not use it): registered or waitlisted now,
    // or, for a try applied after all, given the registration they hold (200).
    proxy.unlimit_item();
    let codes = std::sync::Arc::new(codes);
    in_waves(&told_to_retry, 32, |n| {
        let (w, id, codes) = (w.clone(), id.clone(), codes.clone());
        async move {
            let a = w.registration(&id, n, &codes[&n]).await;
            assert!(
                a.status == StatusCode::CREATED || a.status == StatusCode::OK,
                "person {n}: {} {}",
                a.status,
                a.body
            );
        }
    })
    .await;
    let stored = w.store.registrations(&id).await.unwrap();
    assert_eq!(stored.len(), RUSH as usize, "everyone, once");
    assert_nothing_twice_and_no_overbooking(&w, &id, &stored, HOT_SEATS).await;
    let seats = w.store.seats(&id).await.unwrap().unwrap();
    assert_eq!(
        seats.confirmed, HOT_SEATS,
        "exactly the seats, not one more"
    );
}
