//! Delivery receipts: a code sent through Tencent Cloud SMS (a gateway on loopback) is
//! recorded with the gateway's id; the vendor's documented status callback, pushed to the
//! secret path, marks it delivered or failed and gets the answer the vendor expects. Any
//! other path is not there.

#![allow(clippy::unwrap_used)] // tests fail loudly

mod common;

use std::sync::Arc;

use axum::http::StatusCode;
use openday_store::messages::SmsStatus;
use openday_store::ports::SmsMessageStore;
use openday_testkit::sms_gateway::{SmsGateway, Vendor};
use serde_json::json;

fn callback(sid: &str, status: &str) -> serde_json::Value {
    json!([{
        "user_receive_time": "2026-08-01 09:00:05", "nationcode": "86", "mobile": "13800138000",
        "report_status": status, "errmsg": if status == "SUCCESS" { "DELIVRD" } else { "MK:0005" },
        "description": if status == "SUCCESS" { "用户短信送达成功" } else { "用户短信送达失败" },
        "sid": sid
    }])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receipt_marks_its_message_delivered_or_failed() {
    let gateway = SmsGateway::start(Vendor::Tencent, "id", "key-of-the-test").await;
    let vars = gateway.vars("id", "key-of-the-test");
    let var = |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let sms = Arc::new(openday_sms::TencentSms::from_vars(&var).unwrap());
    let w =
        common::world_with_sms(common::generous(), sms, openday_testkit::temp_dir("unused")).await;

    let a = w
        .post("/api/sms-codes", None, json!({"phone": "13800138000"}))
        .await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.body);
    let sid = "5000:1045710669157053657849499619";
    let sent = w
        .store
        .sms_message("tencent", sid)
        .await
        .unwrap()
        .expect("recorded");
    assert_eq!((sent.status, sent.kind.as_str()), (SmsStatus::Sent, "code"));
    assert_eq!(sent.phone_masked, "138****8000", "never the full number");

    let path = format!("/api/sms-receipts/tencent/{}", common::RECEIPT_TOKEN);
    let a = w.post(&path, None, callback(sid, "SUCCESS")).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body, json!({"result": 0, "errmsg": "OK"}));
    let delivered = w.store.sms_message("tencent", sid).await.unwrap().unwrap();
    assert_eq!(delivered.status, SmsStatus::Delivered);
    assert_eq!(
        delivered.detail.as_deref(),
        Some("DELIVRD 用户短信送达成功")
    );

    let a = w.post(&path, None, callback(sid, "FAIL")).await;
    assert_eq!(a.status, StatusCode::OK);
    let failed = w.store.sms_message("tencent", sid).await.unwrap().unwrap();
    assert_eq!(failed.status, SmsStatus::Failed);
    // A receipt of a message not recorded here is taken (the vendor must not push again).
    let a = w
        .post(&path, None, callback("5000:unknown", "SUCCESS"))
        .await;
    assert_eq!(a.status, StatusCode::OK);

    // Another secret, a vendor without receipts, a body that is not a push.
    let a = w
        .post(
            "/api/sms-receipts/tencent/not-the-secret-at-all",
            None,
            callback(sid, "SUCCESS"),
        )
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    let a = w
        .post(
            &format!("/api/sms-receipts/sns/{}", common::RECEIPT_TOKEN),
            None,
            json!([]),
        )
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    let a = w.post(&path, None, json!({"sid": sid})).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
    assert_eq!(
        w.store
            .sms_message("tencent", sid)
            .await
            .unwrap()
            .unwrap()
            .status,
        SmsStatus::Failed,
        "a refused push changes nothing"
    );
}
