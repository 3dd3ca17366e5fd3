//! Sweeps through a faulty DynamoDB (throttling, 500/503, latency, and writes applied whose
//! answer is lost), and sweeps killed between queuing mail and sending it: the runs that
//! fail are caught up by a later run, and every message and text goes out exactly once.

#![allow(clippy::unwrap_used)] // tests fail loudly

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use openday_mail::{Mailer, Message};
use openday_rules::phone::Phone;
use openday_rules::sweep::SweepKind;
use openday_store::DynamoStore;
use openday_store::ports::*;
use openday_sweeps::Sweeper;
use openday_testkit::{FaultProxy, Faults};

use common::*;

/// Every message handed to it, by key: a key twice is mail sent twice.
#[derive(Default)]
struct CountingMailer(Mutex<BTreeMap<String, u32>>);

impl Mailer for CountingMailer {
    fn send<'a>(&'a self, mail: &'a Message<'a>) -> openday_mail::Sent<'a> {
        *self
            .0
            .lock()
            .unwrap()
            .entry(mail.key.to_owned())
            .or_default() += 1;
        Box::pin(async { Ok(()) })
    }
    fn describe(&self) -> String {
        "counting".into()
    }
}

/// Every text handed to it, by phone.
#[derive(Default)]
struct CountingSms(Mutex<BTreeMap<String, u32>>);

impl openday_sms::SmsSender for CountingSms {
    fn send<'a>(&'a self, to: &'a Phone, _text: &'a openday_sms::Text) -> openday_sms::Sent<'a> {
        *self.0.lock().unwrap().entry(to.expose()).or_default() += 1;
        Box::pin(async { Ok(openday_sms::Accepted::default()) })
    }
    fn describe(&self) -> String {
        "counting".into()
    }
}

/// A mailer that never answers: the process is "killed" while it waits.
struct HangingMailer(tokio::sync::Notify);

impl Mailer for HangingMailer {
    fn send<'a>(&'a self, _mail: &'a Message<'a>) -> openday_mail::Sent<'a> {
        self.0.notify_one();
        Box::pin(std::future::pending())
    }
    fn describe(&self) -> String {
        "hanging".into()
    }
}

fn sweeper(
    store: DynamoStore,
    mailer: Arc<dyn Mailer>,
    sms: Arc<dyn openday_sms::SmsSender>,
) -> Sweeper<DynamoStore> {
    Sweeper::new(store, mailer, sms, person_key(), "http://openday.test")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sweeps_through_a_faulty_dynamodb_catch_up_later_and_send_everything_once() {
    let w = World::new().await;
    // Two plans: one announced with 12 registrants (too few: a finding and its mail, and a
    // text to each the day before), one filed and never announced (a finding and its mail).
    let announced = w.filed_plan().await;
    w.announce(&announced, "2026-09-01T10:00:00+08:00").await;
    let mut phones = Vec::new();
    for n in 1..=12 {
        let r = register_person(&w, &announced.id, n).await;
        assert_eq!(
            r.status,
            openday_store::records::RegistrationStatus::Confirmed
        );
        phones.push(format!("139{n:08}"));
    }
    let silent = w
        .store
        .create_plan(&org("nn-jt"), &plan(), 0, at("2026-08-01T10:00:00+08:00"))
        .await
        .unwrap();
    w.sweeper
        .after_change(&silent, day("2026-08-01"))
        .await
        .unwrap();

    let proxy = FaultProxy::start(w.engine.endpoint()).await.unwrap();
    let faulty = DynamoStore::new(
        openday_local_dynamo::client_for(proxy.endpoint()),
        "openday-sweeps",
    );
    let mail = Arc::new(CountingMailer::default());
    let sms = Arc::new(CountingSms::default());
    let s = sweeper(faulty, mail.clone(), sms.clone());
    // Faults on 45% of requests: the SDK's three attempts absorb most, not all, so some
    // runs fail part-way.
    proxy.set(Faults {
        throttle: 15,
        server_error: 15,
        drop_after_apply: 15,
        latency: 10,
        latency_ms: 50,
    });
    let mut failed_runs = 0;
    for minute in 0..6 {
        let now = at(&format!("2026-09-19T09:0{minute}:00+08:00"));
        if s.run(SweepKind::Notice, now).await.is_err() {
            failed_runs += 1;
        }
    }
    let counts = proxy.counts();
    assert!(
        counts.dropped_after_apply > 0 && counts.throttled > 0 && counts.server_errors > 0,
        "{counts:?}"
    );
    // The faults gone, later runs finish what the faulty ones left (messages claimed by a
    // run that failed are held five minutes, then sent).
    proxy.set(Faults::NONE);
    for instant in ["2026-09-19T09:30:00+08:00", "2026-09-19T10:30:00+08:00"] {
        s.run(SweepKind::Notice, at(instant)).await.unwrap();
    }
    println!("{failed_runs} of 6 runs under faults failed; {counts:?}");

    let sent = mail.0.lock().unwrap().clone();
    let twice: Vec<_> = sent.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "mail sent twice: {twice:?}");
    for key in [
        format!("participants_short#{}#agency", announced.id),
        format!("notice_missing#{}#agency", silent.id),
    ] {
        assert_eq!(sent.get(&key), Some(&1), "{key} not sent: {sent:?}");
    }
    assert!(
        w.store.pending(100).await.unwrap().is_empty(),
        "nothing left queued"
    );
    let texts = sms.0.lock().unwrap().clone();
    assert_eq!(texts.len(), 12, "every registrant reminded: {texts:?}");
    assert!(texts.values().all(|n| *n == 1), "a text twice: {texts:?}");
    for phone in &phones {
        assert!(texts.contains_key(phone), "{phone} not reminded");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sweep_killed_between_queuing_and_sending_is_finished_by_the_next_run_once() {
    let w = World::new().await;
    let plan = w.filed_plan().await;
    let hanging = Arc::new(HangingMailer(tokio::sync::Notify::new()));
    let dying = sweeper(
        w.store.clone(),
        hanging.clone(),
        Arc::new(CountingSms::default()),
    );
    // 2026-09-06: the plan was never announced: a finding, and mail to the agency and its
    // office. The run queues both, starts sending the first, and dies there.
    let run = tokio::spawn(async move {
        dying
            .run(SweepKind::Notice, at("2026-09-06T09:00:00+08:00"))
            .await
    });
    hanging.0.notified().await;
    run.abort();
    assert!(run.await.unwrap_err().is_cancelled());
    let queued = w.store.pending(100).await.unwrap();
    assert_eq!(queued.len(), 2, "both messages queued before the crash");

    let mail = Arc::new(CountingMailer::default());
    let next = sweeper(
        w.store.clone(),
        mail.clone(),
        Arc::new(CountingSms::default()),
    );
    // At once, the message the dead run held is still held; five minutes on, it goes.
    let soon = next
        .run(SweepKind::Notice, at("2026-09-06T09:01:00+08:00"))
        .await
        .unwrap();
    assert_eq!(soon.sent.len(), 1, "{soon:?}");
    let later = next
        .run(SweepKind::Notice, at("2026-09-06T09:10:00+08:00"))
        .await
        .unwrap();
    assert_eq!(later.sent.len(), 1, "{later:?}");
    next.run(SweepKind::Notice, at("2026-09-06T12:00:00+08:00"))
        .await
        .unwrap();
    let sent = mail.0.lock().unwrap().clone();
    assert_eq!(
        sent,
        BTreeMap::from([
            (format!("notice_missing#{}#agency", plan.id), 1),
            (format!("notice_missing#{}#reviewing_office", plan.id), 1),
        ])
    );
}
