//! Tencent Cloud SMS (腾讯云短信): `SendSms` of API 3.0, version 2021-01-11, signed with
//! TC3-HMAC-SHA256 (a JSON body, POST).

use openday_rules::phone::Phone;
use serde::Deserialize;

use crate::sign::{hex, hmac_sha256, sha256_hex};
use crate::text::required;
use crate::{Accepted, Sent, SmsError, SmsSender, Templates, Text, e164, not_a_mobile};

pub const ENDPOINT: &str = "https://sms.tencentcloudapi.com";
pub const VERSION: &str = "2021-01-11";
pub const ALGORITHM: &str = "TC3-HMAC-SHA256";
pub const CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// What is signed: a POST of `payload` to `host`, with the headers named in
/// `signed_headers` (`content-type` and `host`, and `x-tc-action` as the current document
/// signs it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request<'a> {
    pub host: &'a str,
    pub action: &'a str,
    /// The product, the first label of the host (`sms`, `cvm`).
    pub service: &'a str,
    pub timestamp: i64,
    pub payload: &'a [u8],
    pub sign_action: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    pub canonical_request: String,
    pub string_to_sign: String,
    pub signature: String,
    pub authorization: String,
}

/// Signs `request`: keys derived from `"TC3" + secret` by the UTC date, the service and
/// `tc3_request`; lowercase hex.
pub fn sign(request: &Request<'_>, secret_id: &str, secret_key: &str) -> Signed {
    let mut headers = vec![
        ("content-type", CONTENT_TYPE.to_owned()),
        ("host", request.host.to_owned()),
    ];
    if request.sign_action {
        headers.push(("x-tc-action", request.action.to_ascii_lowercase()));
    }
    let canonical_headers: String = headers.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    let signed_headers = headers
        .iter()
        .map(|(k, _)| *k)
        .collect::<Vec<_>>()
        .join(";");
    let canonical_request = format!(
        "POST\n/\n\n{canonical_headers}\n{signed_headers}\n{}",
        sha256_hex(request.payload)
    );
    // The date of the timestamp in UTC, not in Beijing time.
    let date = chrono::DateTime::from_timestamp(request.timestamp, 0)
        .unwrap_or_default()
        .format("%Y-%m-%d")
        .to_string();
    let scope = format!("{date}/{}/tc3_request", request.service);
    let string_to_sign = format!(
        "{ALGORITHM}\n{}\n{scope}\n{}",
        request.timestamp,
        sha256_hex(canonical_request.as_bytes())
    );
    let secret_date = hmac_sha256(format!("TC3{secret_key}").as_bytes(), date.as_bytes());
    let secret_service = hmac_sha256(&secret_date, request.service.as_bytes());
    let secret_signing = hmac_sha256(&secret_service, b"tc3_request");
    let signature = hex(&hmac_sha256(&secret_signing, string_to_sign.as_bytes()));
    let authorization = format!(
        "{ALGORITHM} Credential={secret_id}/{scope}, SignedHeaders={signed_headers}, Signature={signature}"
    );
    Signed {
        canonical_request,
        string_to_sign,
        signature,
        authorization,
    }
}

/// `OPENDAY_SMS_SECRET_ID`, `OPENDAY_SMS_SECRET_KEY`, `OPENDAY_SMS_APP_ID` (the SmsSdkAppId),
/// `OPENDAY_SMS_REGION` (default `ap-guangzhou`), the templates, and `OPENDAY_SMS_ENDPOINT`.
#[derive(Clone)]
pub struct TencentSms {
    secret_id: String,
    secret_key: String,
    app_id: String,
    region: String,
    templates: Templates,
    endpoint: String,
    http: reqwest::Client,
}

impl TencentSms {
    pub fn from_vars(var: &impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let or = |name: &str, default: &str| {
            var(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| default.to_owned())
        };
        Ok(Self {
            secret_id: required(var, "OPENDAY_SMS_SECRET_ID")?,
            secret_key: required(var, "OPENDAY_SMS_SECRET_KEY")?,
            app_id: required(var, "OPENDAY_SMS_APP_ID")?,
            region: or("OPENDAY_SMS_REGION", "ap-guangzhou"),
            templates: Templates::from_vars(var)?,
            endpoint: or("OPENDAY_SMS_ENDPOINT", ENDPOINT),
            http: crate::http_client()?,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Answer {
    response: Response,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Response {
    error: Option<Status>,
    #[serde(default)]
    send_status_set: Vec<Status>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Status {
    code: String,
    #[serde(default)]
    message: String,
    serial_no: Option<String>,
}

/// Refusals of this message to this number (the number's own frequency limits, its
/// format, the content); the rest (authentication, the account, the whole app's limits,
/// the vendor failing) is the gateway being unavailable.
fn is_refusal(code: &str) -> bool {
    code.starts_with("LimitExceeded.PhoneNumber")
        || code.starts_with("InvalidParameterValue.")
        || matches!(
            code,
            "LimitExceeded.DeliveryFrequencyLimit"
                | "FailedOperation.ContainSensitiveWord"
                | "FailedOperation.PhoneNumberInBlacklist"
        )
}

fn outcome(status: u16, answer: Answer) -> Result<Accepted, SmsError> {
    let unavailable =
        |code: &str| SmsError::Unavailable(format!("Tencent Cloud SMS HTTP {status} {code}"));
    if let Some(error) = answer.response.error {
        return Err(if is_refusal(&error.code) {
            SmsError::Refused {
                code: error.code,
                message: error.message,
            }
        } else {
            unavailable(&error.code)
        });
    }
    // One number a request: its own status says whether it went.
    match answer.response.send_status_set.into_iter().next() {
        Some(s) if s.code == "Ok" => Ok(Accepted { id: s.serial_no }),
        Some(s) if is_refusal(&s.code) => Err(SmsError::Refused {
            code: s.code,
            message: s.message,
        }),
        Some(s) => Err(unavailable(&s.code)),
        None => Err(unavailable("no SendStatusSet")),
    }
}

impl SmsSender for TencentSms {
    fn send<'a>(&'a self, to: &'a Phone, text: &'a Text) -> Sent<'a> {
        Box::pin(async move {
            let number = e164(to).ok_or_else(not_a_mobile)?;
            let host = crate::host_of(&self.endpoint)?;
            let payload = serde_json::json!({
                "PhoneNumberSet": [number],
                "SmsSdkAppId": self.app_id,
                "SignName": self.templates.sign_name,
                "TemplateId": self.templates.of(text.kind()),
                "TemplateParamSet": text.params().into_iter().map(|(_, v)| v).collect::<Vec<_>>(),
            })
            .to_string();
            let timestamp = chrono::Utc::now().timestamp();
            let signed = sign(
                &Request {
                    host: &host,
                    action: "SendSms",
                    service: "sms",
                    timestamp,
                    payload: payload.as_bytes(),
                    sign_action: true,
                },
                &self.secret_id,
                &self.secret_key,
            );
            let answer = self
                .http
                .post(self.endpoint.as_str())
                .header("authorization", signed.authorization)
                .header("content-type", CONTENT_TYPE)
                .header("x-tc-action", "SendSms")
                .header("x-tc-version", VERSION)
                .header("x-tc-timestamp", timestamp.to_string())
                .header("x-tc-region", &self.region)
                .body(payload)
                .send()
                .await
                .map_err(crate::network)?;
            let (status, body) = crate::read_answer::<Answer>("Tencent Cloud SMS", answer).await?;
            outcome(status, body)
        })
    }

    fn provider(&self) -> &'static str {
        "tencent"
    }

    fn describe(&self) -> String {
        format!(
            "Tencent Cloud SMS {} (app {}, sign {})",
            self.endpoint, self.app_id, self.templates.sign_name
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The signature document's example: DescribeInstances of CVM, the payload with its
    /// characters escaped as `\uXXXX`, timestamp 1551113065 (2019-02-25 in UTC).
    const PAYLOAD: &str =
        r#"{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}"#;

    fn cvm(sign_action: bool) -> Request<'static> {
        Request {
            host: "cvm.tencentcloudapi.com",
            action: "DescribeInstances",
            service: "cvm",
            timestamp: 1_551_113_065,
            payload: PAYLOAD.as_bytes(),
            sign_action,
        }
    }

    #[test]
    fn the_documented_example_signs_as_documented() {
        let signed = sign(
            &cvm(false),
            "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
            "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
        );
        assert_eq!(
            signed.canonical_request,
            "POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n\n\
             content-type;host\n35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
        );
        assert_eq!(
            signed.string_to_sign,
            "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n\
             5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
        );
        assert_eq!(
            signed.authorization,
            "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
        );
    }

    /// The current document signs `x-tc-action` too; its values were computed with a key of
    /// 32 asterisks (the derived keys it prints match).
    #[test]
    fn the_current_documented_example_with_the_action_signed() {
        let stars = "*".repeat(32);
        let signed = sign(&cvm(true), &format!("AKID{stars}"), &stars);
        assert!(
            signed
                .canonical_request
                .contains("x-tc-action:describeinstances\n\ncontent-type;host;x-tc-action\n")
        );
        assert_eq!(
            signed.string_to_sign,
            "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n\
             7019a55be8395899b900fb5564e4200d984910f34794a27cb3fb7d10ff6a1e84"
        );
        assert_eq!(
            signed.signature,
            "10b1a37a7301a02ca19a647ad722d5e43b4b3cff309d421d85b46093f6ab6c4f"
        );
        assert_eq!(
            hex(&hmac_sha256(
                format!("TC3{stars}").as_bytes(),
                b"2019-02-25"
            )),
            "da98fb70dcf6b112dc21038d1eeeb3a95c74b4dcb12c1131f864f6066bd02be0"
        );
    }

    #[test]
    fn a_number_s_own_limit_is_a_refusal_and_a_bad_signature_an_outage() {
        let parse = |raw: &str| serde_json::from_str::<Answer>(raw).unwrap();
        let limit = parse(
            r#"{"Response":{"SendStatusSet":[{"SerialNo":"","PhoneNumber":"+8613800138000","Fee":0,"SessionContext":"","Code":"LimitExceeded.PhoneNumberDailyLimit","Message":"the number of sms messages sent from a single mobile number every day exceeds the upper limit","IsoCode":"CN"}],"RequestId":"x"}}"#,
        );
        assert!(
            matches!(outcome(200, limit), Err(SmsError::Refused { code, .. }) if code == "LimitExceeded.PhoneNumberDailyLimit")
        );
        let auth = parse(
            r#"{"Response":{"Error":{"Code":"AuthFailure.SignatureFailure","Message":"The provided credentials could not be validated. Please check your signature is correct."},"RequestId":"ed93f3cb-f35e-473f-b9f3-0d451b8b79c6"}}"#,
        );
        assert!(matches!(outcome(200, auth), Err(SmsError::Unavailable(_))));
        let ok = parse(
            r#"{"Response":{"SendStatusSet":[{"SerialNo":"5000:1045710669157053657849499619","PhoneNumber":"+8618511122233","Fee":1,"SessionContext":"test","Code":"Ok","Message":"send success","IsoCode":"CN"}],"RequestId":"a0aabda6-cf91-4f3e-a81f-9198114a2279"}}"#,
        );
        assert_eq!(
            outcome(200, ok),
            Ok(Accepted {
                id: Some("5000:1045710669157053657849499619".into())
            })
        );
    }
}
