//! Mail through Amazon SES v2, with moto_server as the SES endpoint: what the adapter sends is
//! read back from moto (`/moto-api/data.json`); a refused send stays queued and goes out
//! exactly once after the cause is fixed. (The store runs on the embedded engine.)

#![allow(clippy::unwrap_used)] // tests fail loudly

mod common;

use std::sync::Arc;

use aws_sdk_sesv2::config::{BehaviorVersion, Credentials, Region};
use openday_local_dynamo::MotoServer;
use openday_mail::{Mailer, SesMailer};
use openday_rules::sweep::SweepKind;
use openday_store::ports::Outbox;
use openday_sweeps::Sweeper;
use serde_json::Value;

use common::*;

const SENDER: &str = "openday@gx.example.org";

fn ses(endpoint: &str) -> aws_sdk_sesv2::Client {
    let config = aws_sdk_sesv2::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("local", "local", None, None, "test"))
        .build();
    aws_sdk_sesv2::Client::from_conf(config)
}

/// (recipients, subject) of every message moto accepted.
async fn accepted(moto: &MotoServer) -> Vec<(Vec<String>, String)> {
    let data: Value = reqwest::get(format!("{}/moto-api/data.json", moto.endpoint()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    data["ses"]["Message"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|m| {
            let to = m["destinations"]["ToAddresses"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap().to_owned())
                .collect();
            (to, m["subject"].as_str().unwrap().to_owned())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_mail_stays_queued_and_goes_out_once_when_the_sender_is_verified() {
    let moto = MotoServer::start().unwrap();
    let client = ses(moto.endpoint());
    let mut w = World::new().await;
    let mailer: Arc<dyn Mailer> = Arc::new(SesMailer::new(client.clone(), SENDER, None));
    w.sweeper = Sweeper::new(
        w.store.clone(),
        mailer,
        w.sweeper.sms.clone(),
        common::person_key(),
        "http://openday.test",
    );
    w.import().await;

    // The sender is not verified: SES refuses, nothing is lost.
    let first = w.run(SweepKind::Report, "2026-11-16").await;
    assert_eq!(
        first.queued.len(),
        14,
        "7 late reporters, and the regional office for each"
    );
    assert!(first.sent.is_empty());
    assert_eq!(first.failed.len(), 14);
    assert!(
        first.failed[0].1.contains("not verified"),
        "{}",
        first.failed[0].1
    );
    assert_eq!(w.store.pending(100).await.unwrap().len(), 14);
    assert!(accepted(&moto).await.is_empty());

    // Fixed: the identity exists. The next run sends every message once.
    client
        .create_email_identity()
        .email_identity(SENDER)
        .send()
        .await
        .unwrap();
    let second = w
        .run_at(SweepKind::Report, "2026-11-16T10:00:00+08:00")
        .await;
    assert_eq!(
        (second.queued.len(), second.sent.len(), second.failed.len()),
        (0, 14, 0)
    );
    assert!(w.store.pending(100).await.unwrap().is_empty());
    let third = w.run(SweepKind::Report, "2026-11-17").await;
    assert!(third.sent.is_empty() && third.queued.is_empty());

    let mut got = accepted(&moto).await;
    assert_eq!(got.len(), 14, "each message exactly once");
    got.sort();
    let nanning: Vec<&(Vec<String>, String)> = got
        .iter()
        .filter(|(_, s)| s.contains("南宁市人民政府"))
        .collect();
    assert_eq!(
        nanning.iter().map(|(to, _)| to.clone()).collect::<Vec<_>>(),
        [
            vec!["gongkai@gx.example.org".to_owned()],
            vec!["zhengfu@nn.example.org".to_owned()]
        ]
    );
    assert!(
        nanning
            .iter()
            .all(|(_, s)| s == "【逾期】南宁市人民政府未按时报送2026年“政府开放日”开展情况")
    );
}
