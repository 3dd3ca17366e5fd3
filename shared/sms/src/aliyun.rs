//! Alibaba Cloud SMS (阿里云短信服务): `SendSms` of `dysmsapi` 2017-05-25, signed with the V3
//! signature ACS3-HMAC-SHA256 (the RPC style: the parameters in the query string, an empty
//! body).

use openday_rules::phone::Phone;
use serde::Deserialize;

use crate::sign::{hex, hmac_sha256, percent_encode, sha256_hex};
use crate::text::required;
use crate::{Accepted, Sent, SmsError, SmsSender, Templates, Text, not_a_mobile};

pub const ENDPOINT: &str = "https://dysmsapi.aliyuncs.com";
pub const VERSION: &str = "2017-05-25";
pub const ALGORITHM: &str = "ACS3-HMAC-SHA256";

/// What is signed: the request as the vendor's V3 document describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request<'a> {
    pub method: &'a str,
    pub host: &'a str,
    /// Query parameters, unencoded, in any order.
    pub query: Vec<(String, String)>,
    /// Every `x-acs-*` header but `x-acs-content-sha256` (made from the body), unordered.
    pub acs_headers: Vec<(String, String)>,
    pub body: &'a [u8],
}

/// The signed request's parts: its canonical form and the `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    pub canonical_query: String,
    pub canonical_request: String,
    pub string_to_sign: String,
    pub signature: String,
    pub content_sha256: String,
    pub authorization: String,
}

/// Signs `request` with the AccessKey pair: lowercase hex HMAC-SHA256 with the secret as it
/// is (no `&` appended, unlike the older RPC signature).
pub fn sign(request: &Request<'_>, key_id: &str, secret: &str) -> Signed {
    let mut query: Vec<(String, String)> = request
        .query
        .iter()
        .map(|(k, v)| (percent_encode(k), percent_encode(v)))
        .collect();
    query.sort();
    let canonical_query = query
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let content_sha256 = sha256_hex(request.body);
    let mut headers: Vec<(String, String)> = request
        .acs_headers
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_owned()))
        .chain([
            ("host".to_owned(), request.host.to_owned()),
            ("x-acs-content-sha256".to_owned(), content_sha256.clone()),
        ])
        .collect();
    headers.sort();
    let canonical_headers: String = headers.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    let signed_headers = headers
        .iter()
        .map(|(k, _)| k.as_str())
        .collect::<Vec<_>>()
        .join(";");
    let canonical_request = format!(
        "{}\n/\n{canonical_query}\n{canonical_headers}\n{signed_headers}\n{content_sha256}",
        request.method
    );
    let string_to_sign = format!("{ALGORITHM}\n{}", sha256_hex(canonical_request.as_bytes()));
    let signature = hex(&hmac_sha256(secret.as_bytes(), string_to_sign.as_bytes()));
    let authorization = format!(
        "{ALGORITHM} Credential={key_id},SignedHeaders={signed_headers},Signature={signature}"
    );
    Signed {
        canonical_query,
        canonical_request,
        string_to_sign,
        signature,
        content_sha256,
        authorization,
    }
}

/// `OPENDAY_SMS_ACCESS_KEY_ID`, `OPENDAY_SMS_ACCESS_KEY_SECRET`, the templates, and
/// `OPENDAY_SMS_ENDPOINT` (default the public endpoint).
#[derive(Clone)]
pub struct AliyunSms {
    key_id: String,
    secret: String,
    templates: Templates,
    endpoint: String,
    http: reqwest::Client,
}

impl AliyunSms {
    pub fn from_vars(var: &impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        Ok(Self {
            key_id: required(var, "OPENDAY_SMS_ACCESS_KEY_ID")?,
            secret: required(var, "OPENDAY_SMS_ACCESS_KEY_SECRET")?,
            templates: Templates::from_vars(var)?,
            endpoint: var("OPENDAY_SMS_ENDPOINT")
                .filter(|v| !v.trim().is_empty())
                .unwrap_or_else(|| ENDPOINT.to_owned()),
            http: crate::http_client()?,
        })
    }
}

/// The answer of `SendSms` (HTTP 200 for business refusals too; 4xx for the gateway's).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Answer {
    code: Option<String>,
    message: Option<String>,
    biz_id: Option<String>,
}

/// Refusals of this message to this number: sent again as it is, it would be refused
/// again. Everything else (the account, the sign or template not approved, throttling of
/// the whole account, the vendor failing) is the gateway being unavailable.
const REFUSALS: &[&str] = &[
    "isv.MOBILE_NUMBER_ILLEGAL",
    "isv.BUSINESS_LIMIT_CONTROL",
    "isv.SMS_CONTENT_ILLEGAL",
    "isv.BLACK_KEY_CONTROL_LIMIT",
    "isv.PARAM_LENGTH_LIMIT",
    "isv.PARAM_NOT_SUPPORT_URL",
    "isv.INVALID_PARAMETERS",
    "isv.INVALID_JSON_PARAM",
    "isv.TEMPLATE_MISSING_PARAMETERS",
];

fn outcome(status: u16, answer: Answer) -> Result<Accepted, SmsError> {
    let code = answer.code.unwrap_or_default();
    let message = answer.message.unwrap_or_default();
    if status == 200 && code == "OK" {
        return Ok(Accepted { id: answer.biz_id });
    }
    if REFUSALS.contains(&code.as_str()) {
        return Err(SmsError::Refused { code, message });
    }
    // The gateway's own messages may quote the signed request (the phone): only the code.
    Err(SmsError::Unavailable(format!(
        "Alibaba Cloud SMS HTTP {status} {code}"
    )))
}

impl SmsSender for AliyunSms {
    fn send<'a>(&'a self, to: &'a Phone, text: &'a Text) -> Sent<'a> {
        Box::pin(async move {
            let Phone::Mobile(number) = to else {
                return Err(not_a_mobile());
            };
            let params: serde_json::Map<String, serde_json::Value> = text
                .params()
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.into()))
                .collect();
            let host = crate::host_of(&self.endpoint)?;
            let request = Request {
                method: "POST",
                host: &host,
                query: vec![
                    ("PhoneNumbers".into(), number.to_string()),
                    ("SignName".into(), self.templates.sign_name.clone()),
                    (
                        "TemplateCode".into(),
                        self.templates.of(text.kind()).to_owned(),
                    ),
                    (
                        "TemplateParam".into(),
                        serde_json::Value::Object(params).to_string(),
                    ),
                ],
                acs_headers: vec![
                    ("x-acs-action".into(), "SendSms".into()),
                    ("x-acs-version".into(), VERSION.into()),
                    (
                        "x-acs-date".into(),
                        chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                    ),
                    ("x-acs-signature-nonce".into(), crate::nonce()?),
                ],
                body: b"",
            };
            let signed = sign(&request, &self.key_id, &self.secret);
            let mut call = self
                .http
                .post(format!(
                    "{}/?{}",
                    self.endpoint.trim_end_matches('/'),
                    signed.canonical_query
                ))
                .header("authorization", &signed.authorization)
                .header("x-acs-content-sha256", &signed.content_sha256);
            for (k, v) in &request.acs_headers {
                call = call.header(k, v);
            }
            let answer = call.send().await.map_err(crate::network)?;
            let (status, body) = crate::read_answer::<Answer>("Alibaba Cloud SMS", answer).await?;
            outcome(status, body)
        })
    }

    fn provider(&self) -> &'static str {
        "aliyun"
    }

    fn describe(&self) -> String {
        format!(
            "Alibaba Cloud SMS {} (sign {})",
            self.endpoint, self.templates.sign_name
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The V3 signature document's example with fixed values ("固定参数值"): RunInstances,
    /// the placeholder AccessKey pair, an empty body.
    #[test]
    fn the_documented_v3_example_signs_as_documented() {
        let request = Request {
            method: "POST",
            host: "ecs.cn-shanghai.aliyuncs.com",
            query: vec![
                ("RegionId".into(), "cn-shanghai".into()),
                (
                    "ImageId".into(),
                    "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd".into(),
                ),
            ],
            acs_headers: vec![
                ("x-acs-action".into(), "RunInstances".into()),
                ("x-acs-version".into(), "2014-05-26".into()),
                ("x-acs-date".into(), "2023-10-26T10:22:32Z".into()),
                (
                    "x-acs-signature-nonce".into(),
                    "3156853299f313e23d1673dc12e1703d".into(),
                ),
            ],
            body: b"",
        };
        let signed = sign(&request, "YourAccessKeyId", "YourAccessKeySecret");
        assert_eq!(
            signed.canonical_request,
            "POST\n/\nImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai\n\
             host:ecs.cn-shanghai.aliyuncs.com\n\
             x-acs-action:RunInstances\n\
             x-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n\
             x-acs-date:2023-10-26T10:22:32Z\n\
             x-acs-signature-nonce:3156853299f313e23d1673dc12e1703d\n\
             x-acs-version:2014-05-26\n\n\
             host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            signed.string_to_sign,
            "ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"
        );
        assert_eq!(
            signed.authorization,
            "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
        );
    }

    #[test]
    fn refusals_of_the_message_are_not_outages() {
        let answer = |code: &str| Answer {
            code: Some(code.into()),
            message: Some("触发分钟级流控Permits:1".into()),
            biz_id: None,
        };
        assert!(matches!(
            outcome(200, answer("isv.BUSINESS_LIMIT_CONTROL")),
            Err(SmsError::Refused { code, .. }) if code == "isv.BUSINESS_LIMIT_CONTROL"
        ));
        assert!(matches!(
            outcome(200, answer("isv.AMOUNT_NOT_ENOUGH")),
            Err(SmsError::Unavailable(_))
        ));
        assert!(matches!(
            outcome(400, answer("SignatureDoesNotMatch")),
            Err(SmsError::Unavailable(_))
        ));
        assert_eq!(
            outcome(
                200,
                Answer {
                    code: Some("OK".into()),
                    message: Some("OK".into()),
                    biz_id: Some("402617584525830937^0".into())
                }
            ),
            Ok(Accepted {
                id: Some("402617584525830937^0".into())
            })
        );
    }
}
