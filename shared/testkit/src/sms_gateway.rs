//! A domestic SMS gateway on loopback, for the adapters' tests: it checks each request's
//! signature by the vendor's documented algorithm (the signers of `openday_sms`, which
//! reproduce the vendors' worked examples) and answers with the vendor's documented bodies:
//! success, a refusal of the number, a wrong signature, or an outage (503).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// Which vendor the gateway plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Vendor {
    Aliyun,
    Tencent,
}

/// How the gateway answers the next requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Sent: the vendor's success body with a message id.
    Accept,
    /// The number's own frequency limit (a refusal of this message).
    RefuseNumber,
    /// The vendor is failing: 503 with no vendor body.
    Down,
}

/// A request the gateway received, as it was signed.
#[derive(Clone, Debug)]
pub struct Received {
    /// Whether the signature matched the one the gateway computed.
    pub signature_ok: bool,
    /// The phone number, as the vendor's field carries it.
    pub phone: String,
    pub sign_name: String,
    pub template: String,
    /// The template's parameters: Alibaba's JSON object, Tencent's array.
    pub params: serde_json::Value,
}

struct State {
    vendor: Vendor,
    key_id: String,
    secret: String,
    mode: Mutex<Mode>,
    received: Mutex<Vec<Received>>,
}

/// The gateway, serving until dropped.
pub struct SmsGateway {
    endpoint: String,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

impl SmsGateway {
    /// Starts the gateway of `vendor`, which knows one key pair.
    pub async fn start(vendor: Vendor, key_id: &str, secret: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr: SocketAddr = listener.local_addr().expect("addr");
        let state = Arc::new(State {
            vendor,
            key_id: key_id.to_owned(),
            secret: secret.to_owned(),
            mode: Mutex::new(Mode::Accept),
            received: Mutex::new(Vec::new()),
        });
        let shared = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = shared.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req: Request<Incoming>| {
                        let state = state.clone();
                        async move { Ok::<_, hyper::Error>(answer(&state, req).await) }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self {
            endpoint: format!("http://{addr}"),
            state,
            task,
        }
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    pub fn set(&self, mode: Mode) {
        *self
            .state
            .mode
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = mode;
    }

    pub fn received(&self) -> Vec<Received> {
        self.state
            .received
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The environment that points the adapter of this gateway's vendor at it, with the
    /// platform's sign name and templates.
    pub fn vars(&self, key_id: &str, secret: &str) -> Vec<(String, String)> {
        let (id_name, secret_name, extra): (&str, &str, &[(&str, &str)]) = match self.state.vendor {
            Vendor::Aliyun => (
                "OPENDAY_SMS_ACCESS_KEY_ID",
                "OPENDAY_SMS_ACCESS_KEY_SECRET",
                &[],
            ),
            Vendor::Tencent => (
                "OPENDAY_SMS_SECRET_ID",
                "OPENDAY_SMS_SECRET_KEY",
                &[("OPENDAY_SMS_APP_ID", "1400006666")],
            ),
        };
        let mut vars: Vec<(String, String)> = [
            (id_name, key_id),
            (secret_name, secret),
            ("OPENDAY_SMS_ENDPOINT", self.endpoint.as_str()),
            ("OPENDAY_SMS_SIGN_NAME", "政府开放日"),
            ("OPENDAY_SMS_TEMPLATE_CODE", "SMS_CODE_1"),
            ("OPENDAY_SMS_TEMPLATE_REMINDER", "SMS_REMINDER_1"),
            ("OPENDAY_SMS_TEMPLATE_CANCELLED", "SMS_CANCELLED_1"),
        ]
        .iter()
        .chain(extra)
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        vars.sort();
        vars
    }
}

impl Drop for SmsGateway {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn json(status: u16, body: serde_json::Value) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json;charset=utf-8")
        .body(Full::new(Bytes::from(body.to_string())))
        .expect("response")
}

async fn answer(state: &State, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let host = header("host");
    let received = match state.vendor {
        Vendor::Aliyun => {
            let query: Vec<(String, String)> =
                form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes())
                    .into_owned()
                    .collect();
            let get = |k: &str| {
                query
                    .iter()
                    .find(|(n, _)| n == k)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            let acs_headers = [
                "x-acs-action",
                "x-acs-version",
                "x-acs-date",
                "x-acs-signature-nonce",
            ]
            .iter()
            .map(|h| ((*h).to_owned(), header(h)))
            .collect();
            let signed = openday_sms::aliyun::sign(
                &openday_sms::aliyun::Request {
                    method: parts.method.as_str(),
                    host: &host,
                    query: query.clone(),
                    acs_headers,
                    body: &body,
                },
                &state.key_id,
                &state.secret,
            );
            Received {
                signature_ok: header("authorization") == signed.authorization
                    && header("x-acs-content-sha256") == signed.content_sha256
                    && header("x-acs-action") == "SendSms",
                phone: get("PhoneNumbers"),
                sign_name: get("SignName"),
                template: get("TemplateCode"),
                params: serde_json::from_str(&get("TemplateParam")).unwrap_or_default(),
            }
        }
        Vendor::Tencent => {
            let signed = openday_sms::tencent::sign(
                &openday_sms::tencent::Request {
                    host: &host,
                    action: &header("x-tc-action"),
                    service: "sms",
                    timestamp: header("x-tc-timestamp").parse().unwrap_or_default(),
                    payload: &body,
                    sign_action: true,
                },
                &state.key_id,
                &state.secret,
            );
            let sent: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            Received {
                signature_ok: header("authorization") == signed.authorization
                    && header("x-tc-action") == "SendSms"
                    && header("x-tc-version") == "2021-01-11",
                phone: sent["PhoneNumberSet"][0]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                sign_name: sent["SignName"].as_str().unwrap_or_default().to_owned(),
                template: sent["TemplateId"].as_str().unwrap_or_default().to_owned(),
                params: sent["TemplateParamSet"].clone(),
            }
        }
    };
    let signature_ok = received.signature_ok;
    let phone = received.phone.clone();
    state
        .received
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(received);
    let mode = *state.mode.lock().unwrap_or_else(PoisonError::into_inner);
    if mode == Mode::Down {
        return Response::builder()
            .status(503)
            .body(Full::new(Bytes::from_static(b"Service Unavailable")))
            .expect("response");
    }
    // The vendors' documented bodies.
    match (state.vendor, signature_ok, mode) {
        (Vendor::Aliyun, false, _) => json(
            400,
            serde_json::json!({
                "RequestId": "5E98D8F4-7C6F-4657-860A-C2502643CA26",
                "HostId": "dysmsapi.aliyuncs.com",
                "Code": "SignatureDoesNotMatch",
                "Message": "Specified signature is not matched with our calculation.",
            }),
        ),
        (Vendor::Aliyun, true, Mode::RefuseNumber) => json(
            200,
            serde_json::json!({
                "Message": "触发分钟级流控Permits:1",
                "RequestId": "9D7F3798-1CA1-5110-9056-1ECB14A91097",
                "Code": "isv.BUSINESS_LIMIT_CONTROL",
            }),
        ),
        (Vendor::Aliyun, true, _) => json(
            200,
            serde_json::json!({
                "Message": "OK",
                "RequestId": "B07D47AE-06D6-4966-B011-168727C7A141",
                "BizId": "402617584525830937^0",
                "Code": "OK",
            }),
        ),
        (Vendor::Tencent, false, _) => json(
            200,
            serde_json::json!({"Response": {
                "Error": {
                    "Code": "AuthFailure.SignatureFailure",
                    "Message": "The provided credentials could not be validated. Please check your signature is correct.",
                },
                "RequestId": "ed93f3cb-f35e-473f-b9f3-0d451b8b79c6",
            }}),
        ),
        (Vendor::Tencent, true, Mode::RefuseNumber) => json(
            200,
            serde_json::json!({"Response": {
                "SendStatusSet": [{
                    "SerialNo": "", "PhoneNumber": phone, "Fee": 0, "SessionContext": "",
                    "Code": "LimitExceeded.PhoneNumberDailyLimit",
                    "Message": "the number of sms messages sent from a single mobile number every day exceeds the upper limit",
                    "IsoCode": "CN",
                }],
                "RequestId": "a0aabda6-cf91-4f3e-a81f-9198114a2279",
            }}),
        ),
        (Vendor::Tencent, true, _) => json(
            200,
            serde_json::json!({"Response": {
                "SendStatusSet": [{
                    "SerialNo": "5000:1045710669157053657849499619", "PhoneNumber": phone, "Fee": 1,
                    "SessionContext": "", "Code": "Ok", "Message": "send success", "IsoCode": "CN",
                }],
                "RequestId": "a0aabda6-cf91-4f3e-a81f-9198114a2279",
            }}),
        ),
    }
}
