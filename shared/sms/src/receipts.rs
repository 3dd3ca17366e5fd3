//! Delivery receipts (回执) the domestic gateways push: Alibaba Cloud's SmsReport (HTTP
//! batch push) and Tencent Cloud's status callback, each a JSON array, and the answer each
//! vendor expects back.

use serde::Deserialize;
use serde_json::{Value, json};

/// Whether one message reached the phone, by the gateway's id for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// Alibaba's `BizId`, Tencent's `SerialNo`: what [`crate::Accepted::id`] held.
    pub id: String,
    pub delivered: bool,
    /// The carrier's or vendor's status (`DELIVERED`, `DELIVRD`, an error code) and words.
    pub detail: String,
}

#[derive(Deserialize)]
struct AliyunReport {
    biz_id: String,
    success: bool,
    #[serde(default)]
    err_code: String,
    #[serde(default)]
    err_msg: String,
}

#[derive(Deserialize)]
struct TencentReport {
    sid: String,
    report_status: String,
    #[serde(default)]
    errmsg: String,
    #[serde(default)]
    description: String,
}

/// The receipts in a push from `provider` (`aliyun` or `tencent`).
pub fn parse(provider: &str, body: &[u8]) -> Result<Vec<Receipt>, String> {
    match provider {
        "aliyun" => serde_json::from_slice::<Vec<AliyunReport>>(body)
            .map(|reports| {
                reports
                    .into_iter()
                    .map(|r| Receipt {
                        id: r.biz_id,
                        delivered: r.success,
                        detail: format!("{} {}", r.err_code, r.err_msg).trim().to_owned(),
                    })
                    .collect()
            })
            .map_err(|e| e.to_string()),
        "tencent" => serde_json::from_slice::<Vec<TencentReport>>(body)
            .map(|reports| {
                reports
                    .into_iter()
                    .map(|r| Receipt {
                        id: r.sid,
                        delivered: r.report_status == "SUCCESS",
                        detail: format!("{} {}", r.errmsg, r.description).trim().to_owned(),
                    })
                    .collect()
            })
            .map_err(|e| e.to_string()),
        other => Err(format!("no receipts from {other}")),
    }
}

/// What the vendor expects back when the push was taken (anything else, it pushes again).
pub fn acknowledgement(provider: &str) -> Option<Value> {
    match provider {
        "aliyun" => Some(json!({"code": 0, "msg": "接收成功"})),
        "tencent" => Some(json!({"result": 0, "errmsg": "OK"})),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The documented push of Alibaba Cloud's SmsReport.
    #[test]
    fn alibaba_cloud_s_documented_report() {
        let body = r#"[{"phone_number":"1381111****","send_time":"2017-01-01 00:00:00","report_time":"2017-01-01 00:00:00","success":true,"err_code":"DELIVERED","err_msg":"用户接收成功","sms_size":"1","biz_id":"12345","out_id":"67890"}]"#;
        assert_eq!(
            parse("aliyun", body.as_bytes()).unwrap(),
            [Receipt {
                id: "12345".into(),
                delivered: true,
                detail: "DELIVERED 用户接收成功".into()
            }]
        );
        assert_eq!(acknowledgement("aliyun").unwrap()["msg"], "接收成功");
    }

    /// The documented status callback of Tencent Cloud.
    #[test]
    fn tencent_cloud_s_documented_callback() {
        let body = r#"[{"user_receive_time":"2015-10-17 08:03:04","nationcode":"86","mobile":"13xxxxxxxxx","report_status":"SUCCESS","errmsg":"DELIVRD","description":"用户短信送达成功","sid":"xxxxxxx"},{"user_receive_time":"2015-10-17 08:03:05","nationcode":"86","mobile":"13xxxxxxxxx","report_status":"FAIL","errmsg":"MK:0005","description":"用户短信送达失败","sid":"yyyyyyy"}]"#;
        let got = parse("tencent", body.as_bytes()).unwrap();
        assert_eq!(got.len(), 2);
        assert!(got[0].delivered && !got[1].delivered);
        assert_eq!(got[1].detail, "MK:0005 用户短信送达失败");
        assert_eq!(acknowledgement("tencent").unwrap()["result"], 0);
        assert!(parse("tencent", b"{}").is_err());
        assert!(parse("sns", b"[]").is_err());
    }
}
