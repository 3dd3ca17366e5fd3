//! Text messages through Amazon SNS, against moto_server: what SNS accepted is read back at
//! `/moto-api/data.json` (`sns` → `SMS`), text and number as sent.

#![allow(clippy::unwrap_used)] // tests fail loudly

use aws_sdk_sns::config::{BehaviorVersion, Credentials, Region};
use openday_local_dynamo::MotoServer;
use openday_rules::phone::Phone;
use openday_sms::{SmsError, SmsSender, SnsSms, Text};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_verification_code_goes_out_through_sns() {
    let moto = MotoServer::start().unwrap();
    let config = aws_sdk_sns::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(moto.endpoint())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("local", "local", None, None, "test"))
        .build();
    let sms = SnsSms::new(
        aws_sdk_sns::Client::from_conf(config),
        Some("OPENDAY".into()),
    );
    let phone = Phone::parse("phone", "13800138000").unwrap();
    let text = Text::Code {
        code: "482913".into(),
    };
    let accepted = sms.send(&phone, &text).await.unwrap();
    assert!(accepted.id.is_some(), "SNS names the message");
    // A landline cannot take a text message: refused before SNS is asked.
    let landline = Phone::parse("phone", "0771-5551234").unwrap();
    assert!(matches!(
        sms.send(&landline, &text).await,
        Err(SmsError::Refused { code, .. }) if code == "NOT_A_MOBILE"
    ));

    let data: serde_json::Value = reqwest::get(format!("{}/moto-api/data.json", moto.endpoint()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sent = data["sns"]["SMS"].to_string();
    assert!(sent.contains("+8613800138000"), "{sent}");
    assert!(sent.contains("482913"), "{sent}");
    assert!(!sent.contains("5551234"), "{sent}");
}
