//! The domestic gateways (Alibaba Cloud, Tencent Cloud) against a gateway on loopback that
//! checks each request's signature by the vendor's algorithm and answers with the vendor's
//! documented bodies: sent, refused for the number, a wrong key, the vendor down, nobody
//! listening.

#![allow(clippy::unwrap_used)] // tests fail loudly

use openday_rules::phone::Phone;
use openday_sms::{AliyunSms, SmsError, SmsSender, TencentSms, Text};
use openday_testkit::sms_gateway::{Mode, SmsGateway, Vendor};

const KEY_ID: &str = "LTAI5tOpendayTestKey";
const SECRET: &str = "openday-test-secret-0123456789";

fn adapter(vendor: Vendor, vars: &[(String, String)]) -> Box<dyn SmsSender> {
    let var = |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    match vendor {
        Vendor::Aliyun => Box::new(AliyunSms::from_vars(&var).unwrap()),
        Vendor::Tencent => Box::new(TencentSms::from_vars(&var).unwrap()),
    }
}

fn mobile() -> Phone {
    Phone::parse("phone", "13800138000").unwrap()
}

fn code() -> Text {
    Text::Code {
        code: "482913".into(),
    }
}

async fn sends_signed_and_tells_refusals_from_outages(vendor: Vendor) {
    let gateway = SmsGateway::start(vendor, KEY_ID, SECRET).await;
    let sms = adapter(vendor, &gateway.vars(KEY_ID, SECRET));

    // Sent: the template of the kind, its parameters, the sign name, a message id back.
    let accepted = sms.send(&mobile(), &code()).await.unwrap();
    assert!(accepted.id.is_some(), "{vendor:?}: the vendor's message id");
    let reminder = Text::Reminder {
        event: "南宁市交通运输局“政府开放日”".into(),
        date: "9月20日".into(),
        place: "调度中心 北门".into(),
        registration: "7KQ3M9TX".into(),
    };
    sms.send(&mobile(), &reminder).await.unwrap();
    let got = gateway.received();
    assert_eq!(got.len(), 2);
    assert!(got.iter().all(|r| r.signature_ok), "{vendor:?}: {got:?}");
    assert!(got.iter().all(|r| r.sign_name == "政府开放日"));
    let (first, second) = (&got[0], &got[1]);
    assert_eq!(
        (first.template.as_str(), second.template.as_str()),
        ("SMS_CODE_1", "SMS_REMINDER_1")
    );
    match vendor {
        Vendor::Aliyun => {
            assert_eq!(first.phone, "13800138000");
            assert_eq!(
                first.params,
                serde_json::json!({"code": "482913", "minutes": "10"})
            );
            assert_eq!(second.params["event"], "南宁市交通运输局“政府开放日”");
            assert_eq!(second.params["place"], "调度中心 北门");
        }
        Vendor::Tencent => {
            assert_eq!(first.phone, "+8613800138000");
            assert_eq!(first.params, serde_json::json!(["482913", "10"]));
            assert_eq!(
                second.params,
                serde_json::json!([
                    "南宁市交通运输局“政府开放日”",
                    "9月20日",
                    "调度中心 北门",
                    "7KQ3M9TX"
                ])
            );
        }
    }

    // The number's own frequency limit: a refusal, with the vendor's code.
    gateway.set(Mode::RefuseNumber);
    let refused = sms.send(&mobile(), &code()).await.unwrap_err();
    let expected = match vendor {
        Vendor::Aliyun => "isv.BUSINESS_LIMIT_CONTROL",
        Vendor::Tencent => "LimitExceeded.PhoneNumberDailyLimit",
    };
    assert!(
        matches!(&refused, SmsError::Refused { code, .. } if code == expected),
        "{refused:?}"
    );

    // The vendor failing: an outage, worth trying again later.
    gateway.set(Mode::Down);
    let down = sms.send(&mobile(), &code()).await.unwrap_err();
    assert!(
        matches!(&down, SmsError::Unavailable(why) if why.contains("503")),
        "{down:?}"
    );

    // A wrong key: the gateway's signature check fails; the platform's side is broken, not
    // the message, so it is an outage too (and the phone is not in the error).
    gateway.set(Mode::Accept);
    let wrong = adapter(vendor, &gateway.vars(KEY_ID, "not-the-secret"));
    let e = wrong.send(&mobile(), &code()).await.unwrap_err();
    assert!(matches!(&e, SmsError::Unavailable(_)), "{e:?}");
    assert!(!e.to_string().contains("13800138000"), "{e}");
    assert!(!gateway.received().last().unwrap().signature_ok);

    // Nobody listening: an outage.
    let mut vars = gateway.vars(KEY_ID, SECRET);
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    for (k, v) in &mut vars {
        if k == "OPENDAY_SMS_ENDPOINT" {
            *v = format!("http://127.0.0.1:{closed}");
        }
    }
    let e = adapter(vendor, &vars)
        .send(&mobile(), &code())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, SmsError::Unavailable(why) if why.contains("no answer")),
        "{e:?}"
    );

    // A landline is refused before the vendor is asked.
    let before = gateway.received().len();
    let landline = Phone::parse("phone", "0771-5551234").unwrap();
    assert!(matches!(
        sms.send(&landline, &code()).await,
        Err(SmsError::Refused { .. })
    ));
    assert_eq!(gateway.received().len(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alibaba_cloud_sends_signed_and_tells_refusals_from_outages() {
    sends_signed_and_tells_refusals_from_outages(Vendor::Aliyun).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tencent_cloud_sends_signed_and_tells_refusals_from_outages() {
    sends_signed_and_tells_refusals_from_outages(Vendor::Tencent).await;
}

#[test]
fn a_missing_key_or_template_is_named() {
    let none = |_: &str| None::<String>;
    assert_eq!(
        AliyunSms::from_vars(&none).err().unwrap(),
        "OPENDAY_SMS_ACCESS_KEY_ID is not set"
    );
    assert_eq!(
        TencentSms::from_vars(&none).err().unwrap(),
        "OPENDAY_SMS_SECRET_ID is not set"
    );
}
