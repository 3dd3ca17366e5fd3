//! The storage suite on the embedded engine (dynoxide, in memory, one per test), plus the
//! tests that need an atomic engine: moto's DynamoDB is not atomic under concurrent
//! requests, so concurrency is proven here and only here.

#![allow(clippy::unwrap_used)] // tests fail loudly

mod common;
mod suite;

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{Days, NaiveDate};
use openday_local_dynamo::LocalDynamo;
use openday_rules::lifecycle::{Action, PlanStatus};
use openday_rules::plan::Channel;
use openday_rules::sweep::SweepKind;
use openday_store::ports::*;
use openday_store::records::*;
use openday_store::{DynamoStore, StoreError};

use common::*;

macro_rules! on_dynoxide {
    ($($name:ident),* $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let engine = LocalDynamo::memory().await.unwrap();
            let store = store(&engine.client()).await;
            suite::$name(&store).await;
        }
    )*};
}

on_dynoxide!(
    plans_come_a_page_at_a_time,
    sheets_keep_the_latest_reading,
    directory_import_and_subtree,
    plans_keep_versions_and_history,
    plans_are_listed_by_owner_and_subtree,
    an_announcement_opens_registration,
    registrations_fill_seats_then_the_waitlist,
    feedback_evaluations_and_the_response,
    feedback_is_limited_per_phone_and_day,
    sms_codes_are_limited_checked_and_burned,
    sign_ins_are_single_use_and_sessions_revocable,
    check_in_admits_the_confirmed_once,
    a_cancelled_event_takes_no_registrations,
    a_registration_checks_the_phones_code_in_its_own_write,
    one_annual_report_per_year,
    findings_are_recorded_once_and_resolved,
    the_outbox_keeps_each_message_once,
    the_due_index_returns_what_is_due,
    programmes_keep_every_version,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn counters_grant_up_to_their_limit_and_count_refusals() {
    let engine = LocalDynamo::memory().await.unwrap();
    let store = store(&engine.client()).await;
    suite::counters_grant_up_to_their_limit_and_count_refusals(&store, suite::Isolation::Atomic)
        .await;
}

/// A suite test that races requests and reads raw items with the client.
macro_rules! on_dynoxide_raw {
    ($($name:ident),* $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn $name() {
            let engine = LocalDynamo::memory().await.unwrap();
            let client = engine.client();
            suite::$name(&store(&client).await, &client, suite::Isolation::Atomic).await;
        }
    )*};
}

on_dynoxide_raw!(
    simultaneous_sms_guesses_never_pass_the_fifth,
    simultaneous_sign_in_guesses_never_pass_the_fifth,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn personal_data_is_kept_masked_with_a_ttl() {
    let engine = LocalDynamo::memory().await.unwrap();
    let client = engine.client();
    suite::personal_data_is_kept_masked_with_a_ttl(&store(&client).await, &client).await;
}

async fn engine_and_plan() -> (LocalDynamo, DynamoStore, PlanRecord) {
    let engine = LocalDynamo::memory().await.unwrap();
    let store = store(&engine.client()).await;
    let plan = announced_plan(&store).await;
    (engine, store, plan)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_concurrent_registrations_for_thirty_seats() {
    let (_engine, store, plan) = engine_and_plan().await;
    let tasks: Vec<_> = (0..200)
        .map(|n| {
            let (store, id) = (store.clone(), plan.id.clone());
            tokio::spawn(async move {
                let channel = if n % 5 == 0 {
                    Channel::OfflineRecommendation
                } else {
                    Channel::Online
                };
                let reg = new_registration(n, channel);
                store.register(&id, &reg).await
            })
        })
        .collect();
    let mut confirmed = 0;
    let mut waitlisted = 0;
    for t in tasks {
        match t.await.unwrap().unwrap().status {
            RegistrationStatus::Confirmed => confirmed += 1,
            RegistrationStatus::Waitlisted => waitlisted += 1,
            RegistrationStatus::Cancelled => unreachable!(),
        }
    }
    assert_eq!((confirmed, waitlisted), (30, 170));
    let seats = store.seats(&plan.id).await.unwrap().unwrap();
    assert_eq!(
        seats,
        Seats {
            capacity: 30,
            confirmed: 30,
            waitlisted: 170
        }
    );
    assert_eq!(seats.left(), 0);
    let stored = store.registrations(&plan.id).await.unwrap();
    assert_eq!(
        stored
            .iter()
            .filter(|r| r.status == RegistrationStatus::Confirmed)
            .count(),
        30
    );
    assert_eq!(
        stored
            .iter()
            .filter(|r| r.status == RegistrationStatus::Waitlisted)
            .count(),
        170
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_registrations_of_one_person_store_one() {
    let (_engine, store, plan) = engine_and_plan().await;
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (store, id) = (store.clone(), plan.id.clone());
            tokio::spawn(async move {
                let reg = new_registration(7, Channel::Online);
                store.register(&id, &reg).await
            })
        })
        .collect();
    let mut ok = 0;
    let mut duplicates = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(StoreError::DuplicateRegistration(_)) => duplicates += 1,
            Err(e) => panic!("unexpected {e}"),
        }
    }
    assert_eq!((ok, duplicates), (1, 49));
    assert_eq!(store.registrations(&plan.id).await.unwrap().len(), 1);
    assert_eq!(store.seats(&plan.id).await.unwrap().unwrap().confirmed, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_concurrent_changes_from_one_version_one_wins() {
    let engine = LocalDynamo::memory().await.unwrap();
    let store = store(&engine.client()).await;
    store.import(&directory()).await.unwrap();
    for round in 0..10 {
        let record = store
            .create_plan(&org("nn-jt"), &plan(), 0, at("2026-08-01T09:00:00+08:00"))
            .await
            .unwrap();
        let change = |action, to| {
            PlanChange::new(
                action,
                to,
                Some(org("nn-office").id),
                at("2026-08-02T09:00:00+08:00"),
            )
        };
        let (a, b) = tokio::join!(
            store.change_plan(
                &record.id,
                record.version,
                change(Action::File, PlanStatus::Filed)
            ),
            store.change_plan(
                &record.id,
                record.version,
                change(Action::Return, PlanStatus::Returned)
            ),
        );
        let conflicts = [&a, &b]
            .iter()
            .filter(|r| matches!(r, Err(StoreError::VersionConflict)))
            .count();
        let wins: Vec<PlanRecord> = [a, b].into_iter().filter_map(Result::ok).collect();
        assert_eq!((wins.len(), conflicts), (1, 1), "round {round}");
        let stored = store.plan(&record.id).await.unwrap().unwrap();
        assert_eq!(stored, wins[0]);
        assert_eq!(store.history(&record.id).await.unwrap().len(), 2);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cancellations_and_promotions_under_concurrency_never_overbook() {
    let (_engine, store, plan) = engine_and_plan().await;
    let mut codes = Vec::new();
    for n in 0..60 {
        let reg = new_registration(n, Channel::Online);
        codes.push(store.register(&plan.id, &reg).await.unwrap().code);
    }
    let mut tasks = Vec::new();
    // 20 confirmed and 10 waitlisted cancel while 20 newcomers register.
    for code in codes[..20].iter().chain(&codes[40..50]) {
        let (store, code) = (store.clone(), code.clone());
        tasks.push(tokio::spawn(async move {
            store
                .cancel(&code, at("2026-09-08T10:00:00+08:00"))
                .await
                .map(|_| ())
        }));
    }
    for n in 100..120 {
        let (store, id) = (store.clone(), plan.id.clone());
        tasks.push(tokio::spawn(async move {
            let reg = new_registration(n, Channel::Online);
            store.register(&id, &reg).await.map(|_| ())
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let seats = store.seats(&plan.id).await.unwrap().unwrap();
    let stored = store.registrations(&plan.id).await.unwrap();
    let count = |s| stored.iter().filter(|r| r.status == s).count() as u32;
    assert_eq!(count(RegistrationStatus::Confirmed), seats.confirmed);
    assert_eq!(count(RegistrationStatus::Waitlisted), seats.waitlisted);
    assert!(seats.confirmed <= seats.capacity);
    // 80 registered, 30 cancelled: 50 remain, 30 seated and 20 waiting.
    assert_eq!((seats.confirmed, seats.waitlisted), (30, 20));
    let cancelled: BTreeSet<&str> = stored
        .iter()
        .filter(|r| r.status == RegistrationStatus::Cancelled)
        .map(|r| r.code.as_str())
        .collect();
    assert_eq!(cancelled.len(), 30);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_due_query_reads_only_the_due_among_five_thousand_plans() {
    let engine = LocalDynamo::memory().await.unwrap();
    let store = store(&engine.client()).await;
    store.import(&directory()).await.unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 9, 1).unwrap();
    let agency = org("nn-jt");
    let tasks: Vec<_> = (0..8u64)
        .map(|worker| {
            let (store, agency) = (store.clone(), agency.clone());
            tokio::spawn(async move {
                let mut due = Vec::new();
                for n in (worker..5000).step_by(8) {
                    let r = store
                        .create_plan(&agency, &plan(), 0, at("2026-08-01T09:00:00+08:00"))
                        .await
                        .unwrap();
                    // 10 plans are due (today or before); the others from tomorrow on.
                    let on = if n < 10 {
                        today - Days::new(n % 3)
                    } else {
                        today + Days::new(1 + n % 40)
                    };
                    store
                        .schedule(SweepKind::Notice, &r.id, Some(on))
                        .await
                        .unwrap();
                    if n < 10 {
                        due.push(r.id);
                    }
                }
                due
            })
        })
        .collect();
    let mut expected = BTreeSet::new();
    for t in tasks {
        expected.extend(t.await.unwrap());
    }
    assert_eq!(expected.len(), 10);
    let before = store.items_read();
    let due: BTreeSet<String> = store
        .due_plans(SweepKind::Notice, today)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    let read = store.items_read() - before;
    assert_eq!(due, expected);
    // 10 index entries and 10 plans: nothing else was read.
    assert_eq!(read, 20, "items read");
    println!(
        "due query: {} due of 5000 plans, {read} items read",
        due.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_on_a_plan_without_seats_is_refused() {
    let engine = LocalDynamo::memory().await.unwrap();
    let store: Arc<DynamoStore> = Arc::new(store(&engine.client()).await);
    let reg = new_registration(1, Channel::Online);
    assert!(matches!(
        store.register("nope", &reg).await,
        Err(StoreError::RegistrationNotOpen)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_many_concurrent_senders_one_claims_a_message() {
    let engine = LocalDynamo::memory().await.unwrap();
    let store = store(&engine.client()).await;
    let mail = MailRecord {
        key: "report_overdue#qx-gov#2026#agency".into(),
        kind: openday_rules::sweep::MailKind::ReportOverdue,
        recipient: openday_rules::sweep::Recipient::Agency,
        to: vec!["zhengfu@qx.example.org".into()],
        subject: "s".into(),
        text: "t".into(),
        html: "h".into(),
        queued_at: at("2026-11-16T09:00:00+08:00"),
        sent_at: None,
        attempts: 0,
        last_error: None,
    };
    assert!(store.enqueue(&mail).await.unwrap());
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (store, key) = (store.clone(), mail.key.clone());
            tokio::spawn(async move {
                store
                    .claim(&key, at("2026-11-16T09:05:00+08:00"))
                    .await
                    .unwrap()
                    .is_some()
            })
        })
        .collect();
    let mut winners = 0;
    for t in tasks {
        winners += usize::from(t.await.unwrap());
    }
    assert_eq!(winners, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_code_scanned_at_two_doors_at_once_is_checked_in_once() {
    let (_engine, store, plan) = engine_and_plan().await;
    let mut codes = Vec::new();
    for n in 0..20 {
        let r = store
            .register(&plan.id, &new_registration(n, Channel::Online))
            .await
            .unwrap();
        codes.push(r.code);
    }
    let at = |s: i64| chrono::DateTime::from_timestamp(1_790_000_000 + s, 0).unwrap();
    // Every code at two doors at once, a few times over.
    let tasks: Vec<_> = codes
        .iter()
        .flat_map(|code| (0..3).map(move |door| (code.clone(), door)))
        .map(|(code, door)| {
            let (store, id) = (store.clone(), plan.id.clone());
            tokio::spawn(async move { store.check_in(&id, &code, at(door)).await.unwrap() })
        })
        .collect();
    let mut admitted = 0;
    let mut already = 0;
    for t in tasks {
        match t.await.unwrap() {
            CheckIn::Admitted(_) => admitted += 1,
            CheckIn::Already(r) => {
                assert!(r.attended_at.is_some(), "a second scan says when");
                already += 1
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!((admitted, already), (20, 40));
    assert_eq!(store.attendance(&plan.id).await.unwrap(), 20);
    let stored = store.registrations(&plan.id).await.unwrap();
    assert!(stored.iter().all(|r| r.attended_at.is_some()));
}
