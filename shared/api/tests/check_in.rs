//! Check-in at the door through the API: by code or by the ID number shown, once, with the
//! reason for every refusal; attendance then counts in the compliance figures.

#![allow(clippy::unwrap_used)] // tests fail loudly

mod common;

use axum::http::StatusCode;
use common::{generous, id_number, world};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_door_admits_the_confirmed_once_and_says_why_it_refuses() {
    let w = world(generous()).await;
    // 25 seats, all taken; the 26th person waits.
    let id = w.announced(25).await;
    let mut codes = Vec::new();
    for n in 1..=26 {
        codes.push(w.register(&id, n).await);
    }
    assert!(codes[..25].iter().all(|(_, s)| s == "confirmed"));
    assert_eq!(codes[25].1, "waitlisted");
    let first = codes[0].0.clone();
    let second = codes[1].0.clone();
    let third = codes[25].0.clone();
    let path = format!("/api/plans/{id}/check-ins");

    // Before the event: closed.
    let a = w.post(&path, Some("nn-jt"), json!({"code": first})).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.body["error"]["code"], "CHECK_IN_CLOSED");

    w.clock.set("2026-09-20T08:30:00+08:00");
    // Not the implementer: refused.
    let a = w.post(&path, Some("nn-sj"), json!({"code": first})).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    // The code as a scanner types it, lower case with a hyphen.
    let typed = format!("{}-{}", &first[..4], &first[4..]).to_lowercase();
    let a = w.post(&path, Some("nn-jt"), json!({"code": typed})).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["code"], first.as_str());
    assert_eq!(
        (a.body["confirmed"].as_u64(), a.body["attended"].as_u64()),
        (Some(25), Some(1))
    );
    // A second scan: 409, saying when.
    w.clock.set("2026-09-20T08:45:00+08:00");
    let a = w.post(&path, Some("nn-jt"), json!({"code": first})).await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    assert_eq!(a.body["error"]["code"], "ALREADY_CHECKED_IN");
    assert!(
        a.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("08:30"),
        "{}",
        a.body
    );
    // The waitlisted and an unknown code are refused with the reason.
    let a = w.post(&path, Some("nn-jt"), json!({"code": third})).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.body["error"]["code"], "NOT_ADMITTED");
    assert!(
        a.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("候补")
    );
    let a = w
        .post(&path, Some("nn-jt"), json!({"code": "ZZZZZZZZ"}))
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    // By the ID number the second person shows.
    let a = w
        .post(&path, Some("nn-jt"), json!({"id_number": id_number(2)}))
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["code"], second.as_str());
    let a = w
        .post(&path, Some("nn-jt"), json!({"id_number": id_number(40)}))
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    let a = w.post(&path, Some("nn-jt"), json!({})).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The counts, and the office sees them too.
    let a = w.get(&path, Some("nn-office")).await;
    assert_eq!(
        (a.body["confirmed"].as_u64(), a.body["attended"].as_u64()),
        (Some(25), Some(2))
    );

    // During the event 25 confirmed meet the minimum; after it, the 2 who came do not.
    let c = w.get("/api/compliance?year=2026", Some("nn-jt")).await;
    assert_eq!(
        c.body["figures"]["participants_met"],
        json!({"met": 1, "of": 1})
    );
    w.clock.set("2026-09-27T10:00:00+08:00");
    let c = w.get("/api/compliance?year=2026", Some("nn-jt")).await;
    assert_eq!(
        c.body["figures"]["participants_met"],
        json!({"met": 0, "of": 1})
    );
}
