//! The day-before reminders through the domestic gateways (Alibaba Cloud, Tencent Cloud) on
//! loopback: a gateway that is down leaves every reminder for the next run; a refusal of
//! the number is not sent again blindly; nobody gets two.

#![allow(clippy::unwrap_used)] // tests fail loudly

mod common;

use std::sync::Arc;

use openday_rules::sweep::SweepKind;
use openday_sms::{AliyunSms, SmsSender, TencentSms};
use openday_sweeps::Sweeper;
use openday_testkit::sms_gateway::{Mode, SmsGateway, Vendor};

use common::*;

async fn reminders_through(vendor: Vendor) {
    let gateway = SmsGateway::start(vendor, "key", "secret-of-the-test").await;
    let vars = gateway.vars("key", "secret-of-the-test");
    let var = |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let sms: Arc<dyn SmsSender> = match vendor {
        Vendor::Aliyun => Arc::new(AliyunSms::from_vars(&var).unwrap()),
        Vendor::Tencent => Arc::new(TencentSms::from_vars(&var).unwrap()),
    };
    let mut w = World::new().await;
    w.sweeper = Sweeper::new(
        w.store.clone(),
        w.sweeper.mailer.clone(),
        sms,
        person_key(),
        "http://openday.test",
    );
    let plan = w.filed_plan().await;
    w.announce(&plan, "2026-09-01T10:00:00+08:00").await;
    for n in 1..=31 {
        register_person(&w, &plan.id, n).await;
    }

    // The vendor is down: nothing sent, every reminder left for the next run.
    gateway.set(Mode::Down);
    let r = w
        .run_at(SweepKind::Notice, "2026-09-19T08:00:00+08:00")
        .await;
    assert_eq!(
        (r.reminders_sent, r.reminders_failed, r.reminders_refused),
        (0, 30, 0)
    );
    assert_eq!(gateway.received().len(), 30);

    // The next run tries each again; this time the vendor refuses the numbers (their own
    // frequency limit): refused, and not tried again by the runs after it.
    gateway.set(Mode::RefuseNumber);
    let r = w.run(SweepKind::Notice, "2026-09-19").await;
    assert_eq!(
        (r.reminders_sent, r.reminders_failed, r.reminders_refused),
        (0, 0, 30)
    );
    gateway.set(Mode::Accept);
    let r = w
        .run_at(SweepKind::Notice, "2026-09-19T18:00:00+08:00")
        .await;
    assert_eq!(
        (r.reminders_sent, r.reminders_failed, r.reminders_refused),
        (0, 0, 0)
    );
    let got = gateway.received();
    assert_eq!(got.len(), 60, "30 while down, 30 refused, none after");
    assert!(got.iter().all(|g| g.signature_ok));
    assert!(got.iter().all(|g| g.template == "SMS_REMINDER_1"));
    let waitlisted = match vendor {
        Vendor::Aliyun => "13900000031",
        Vendor::Tencent => "+8613900000031",
    };
    assert!(
        got.iter().all(|g| g.phone != waitlisted),
        "the waitlisted get none"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reminders_through_alibaba_cloud_survive_an_outage_and_respect_a_refusal() {
    reminders_through(Vendor::Aliyun).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reminders_through_tencent_cloud_survive_an_outage_and_respect_a_refusal() {
    reminders_through(Vendor::Tencent).await;
}
