//! The counters of the limits and the try counters of codes under simultaneous requests:
//! each use or guess is one conditional write, so no timing gets past a limit.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use openday_rules::org::Id;
use openday_rules::verification::MAX_WRONG_TRIES;
use openday_store::DynamoStore;
use openday_store::keys::{self, Key};
use openday_store::ports::*;
use openday_store::records::*;

use crate::common::*;

/// How many wrong guesses are sent at once in each race.
const SIMULTANEOUS: usize = 30;

async fn raw(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    (pk, sk): Key,
) -> Option<HashMap<String, AttributeValue>> {
    client
        .get_item()
        .table_name(table)
        .key("pk", AttributeValue::S(pk))
        .key("sk", AttributeValue::S(sk))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
}

fn tries(item: &HashMap<String, AttributeValue>) -> u32 {
    item["tries"].as_n().unwrap().parse().unwrap()
}

/// How an engine applies overlapping conditional writes. DynamoDB and dynoxide apply each
/// one whole, so counts under a race are exact there. moto_server checks a condition and
/// writes without isolation from a concurrent request, so a race can count one more than
/// the cap (a limitation of moto, not of the writes): on moto the tests assert what holds
/// anyway, that the cap is reached and the guesses after it are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(dead_code)] // each engine's test binary names one of them
pub enum Isolation {
    Atomic,
    Moto,
}

impl Isolation {
    /// `count` is the cap under a race: exactly on an atomic engine, at least on moto.
    fn assert_capped(self, count: u32, cap: u32, what: &str) {
        match self {
            Isolation::Atomic => assert_eq!(count, cap, "{what}"),
            Isolation::Moto => assert!(count >= cap, "{what}: {count} < {cap}"),
        }
    }
}

/// A counter grants up to its limit and then counts each refusal, per window; at once,
/// forty uses of a counter of twelve grant exactly twelve.
pub async fn counters_grant_up_to_their_limit_and_count_refusals(
    store: &DynamoStore,
    isolation: Isolation,
) {
    let until = at("2026-09-06T10:01:00+08:00");
    for n in 1..=3 {
        assert_eq!(
            store.count_use("c", until, 3).await.unwrap(),
            Counted::Granted { uses: n }
        );
    }
    for n in 1..=2 {
        assert_eq!(
            store.count_use("c", until, 3).await.unwrap(),
            Counted::Refused { refusals: n }
        );
    }
    // The next window and another counter start afresh.
    let next = at("2026-09-06T10:02:00+08:00");
    assert_eq!(
        store.count_use("c", next, 3).await.unwrap(),
        Counted::Granted { uses: 1 }
    );
    assert_eq!(
        store.count_use("d", until, 3).await.unwrap(),
        Counted::Granted { uses: 1 }
    );
    let uses: Vec<_> = (0..40)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.count_use("rush", until, 12).await.unwrap() })
        })
        .collect();
    let mut granted = 0;
    for u in uses {
        if let Counted::Granted { .. } = u.await.unwrap() {
            granted += 1;
        }
    }
    isolation.assert_capped(granted, 12, "forty at once on a limit of twelve");
    assert!(granted < 40, "the limit held");
}

/// Thirty wrong SMS codes at once count five tries and no more (the probe saw 24 to 40),
/// and the right code is refused after them; with four wrong before, the right one sent
/// among thirty wrong ones at once is accepted at most once, and no wrong one passes the fifth.
pub async fn simultaneous_sms_guesses_never_pass_the_fifth(
    store: &DynamoStore,
    client: &aws_sdk_dynamodb::Client,
    isolation: Isolation,
) {
    let t0 = at("2026-09-06T10:00:00+08:00");
    let secs = |n: i64| t0 + chrono::Duration::seconds(n);
    for round in 0..4 {
        let phone = format!("ph-{round}");
        store.issue_sms_code(&phone, "right", t0).await.unwrap();
        let wrong = guesses(store, &phone, SIMULTANEOUS, None, secs(1)).await;
        assert_eq!(wrong, 0, "no wrong code is accepted");
        let item = raw(client, store.table(), keys::sms_code(&phone))
            .await
            .unwrap();
        isolation.assert_capped(
            tries(&item),
            MAX_WRONG_TRIES,
            "thirty wrong at once count five",
        );
        assert!(
            !store
                .check_sms_code(&phone, "right", secs(2))
                .await
                .unwrap()
        );
    }
    let mut accepted_late = 0;
    for round in 0..4 {
        let phone = format!("mixed-{round}");
        store.issue_sms_code(&phone, "right", t0).await.unwrap();
        for _ in 0..MAX_WRONG_TRIES - 1 {
            assert!(
                !store
                    .check_sms_code(&phone, "wrong", secs(1))
                    .await
                    .unwrap()
            );
        }
        let accepted = guesses(store, &phone, SIMULTANEOUS, Some("right"), secs(2)).await;
        let item = raw(client, store.table(), keys::sms_code(&phone))
            .await
            .unwrap();
        assert!(accepted <= 1);
        // The right code, accepted or not, spends no try: the wrong ones reach the cap.
        isolation.assert_capped(tries(&item), MAX_WRONG_TRIES, "no try past the fifth");
        accepted_late += accepted;
    }
    assert!(accepted_late <= 4);
}

/// `n` wrong guesses of the phone's code at once, with `right` among them: how many were
/// accepted.
async fn guesses(
    store: &DynamoStore,
    phone: &str,
    n: usize,
    right: Option<&str>,
    at: DateTime<Utc>,
) -> usize {
    let tasks: Vec<_> = (0..n)
        .map(|i| format!("wrong-{i}"))
        .chain(right.map(str::to_owned))
        .map(|guess| {
            let (store, phone) = (store.clone(), phone.to_owned());
            tokio::spawn(async move { store.check_sms_code(&phone, &guess, at).await.unwrap() })
        })
        .collect();
    let mut accepted = 0;
    for t in tasks {
        accepted += usize::from(t.await.unwrap());
    }
    accepted
}

/// The same for a staff sign-in attempt: thirty wrong codes at once count five tries, the
/// right code after them is refused, and of thirty wrong codes and the right one at once
/// after four wrong ones, at most one sign-in happens and never past the fifth try.
pub async fn simultaneous_sign_in_guesses_never_pass_the_fifth(
    store: &DynamoStore,
    client: &aws_sdk_dynamodb::Client,
    isolation: Isolation,
) {
    let t0 = at("2026-09-06T10:00:00+08:00");
    let record = SignInRecord {
        org_id: Id::parse("o", "nn-jt").unwrap(),
        email: String::new(),
        nonce_hash: "nonce".into(),
        code_hash: "right".into(),
        expires_at: t0 + chrono::Duration::minutes(15),
        bound: true,
    };
    for round in 0..4 {
        let attempt = format!("burst-{round}");
        store.put_sign_in(&attempt, &record).await.unwrap();
        assert_eq!(codes(store, &attempt, None, t0).await, 0);
        let item = raw(client, store.table(), keys::sign_in(&attempt))
            .await
            .unwrap();
        isolation.assert_capped(
            tries(&item),
            MAX_WRONG_TRIES,
            "thirty wrong at once count five",
        );
        let late = store
            .redeem_sign_in(&attempt, SignInProof::Code("right"), t0)
            .await
            .unwrap();
        assert_eq!(late, None, "the right code after five wrong ones");
    }
    for round in 0..4 {
        let attempt = format!("mixed-{round}");
        store.put_sign_in(&attempt, &record).await.unwrap();
        for _ in 0..MAX_WRONG_TRIES - 1 {
            let wrong = store
                .redeem_sign_in(&attempt, SignInProof::Code("wrong"), t0)
                .await
                .unwrap();
            assert_eq!(wrong, None);
        }
        let signed_in = codes(store, &attempt, Some("right"), t0).await;
        assert!(signed_in <= 1);
        match raw(client, store.table(), keys::sign_in(&attempt)).await {
            // Taken by the right code before the fifth wrong one.
            None => assert_eq!(signed_in, 1),
            Some(item) => {
                if isolation == Isolation::Atomic {
                    assert_eq!(signed_in, 0);
                }
                isolation.assert_capped(tries(&item), MAX_WRONG_TRIES, "no try past the fifth");
            }
        }
    }
}

/// Thirty wrong codes for the attempt at once, with `right` among them: how many signed in.
async fn codes(
    store: &DynamoStore,
    attempt: &str,
    right: Option<&str>,
    at: DateTime<Utc>,
) -> usize {
    let tasks: Vec<_> = (0..SIMULTANEOUS)
        .map(|i| format!("wrong-{i}"))
        .chain(right.map(str::to_owned))
        .map(|code| {
            let (store, attempt) = (store.clone(), attempt.to_owned());
            tokio::spawn(async move {
                store
                    .redeem_sign_in(&attempt, SignInProof::Code(&code), at)
                    .await
                    .unwrap()
                    .is_some()
            })
        })
        .collect();
    let mut signed_in = 0;
    for t in tasks {
        signed_in += usize::from(t.await.unwrap());
    }
    signed_in
}
