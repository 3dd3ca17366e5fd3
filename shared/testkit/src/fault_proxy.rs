//! A faulty DynamoDB: an HTTP proxy on loopback in front of a real engine that, for a
//! share of requests, answers what DynamoDB answers when it struggles (throttling, 500,
//! 503), adds latency, or applies the request and then drops the connection before the
//! answer, so the client cannot know whether its write happened.
//!
//! Which request gets which fault is a fixed pattern of the request's number, not chance:
//! a failing run is the same run again.
//!
//! Apart from those shares, one item can be made hot ([`FaultProxy::limit_item`]): writes
//! that touch it beyond a rate a second are throttled, as DynamoDB throttles one partition
//! past its write capacity whatever the table's capacity.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// What share of requests, in percent, gets each fault. The rest pass untouched.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Faults {
    /// `ThrottlingException` (400), as DynamoDB answers a hot key or an exhausted table.
    pub throttle: u8,
    /// `InternalServerError` (500) or `ServiceUnavailable` (503), alternately; never applied.
    pub server_error: u8,
    /// Applied by the engine, then the connection is closed without an answer.
    pub drop_after_apply: u8,
    /// Held for [`Faults::latency_ms`] before being forwarded.
    pub latency: u8,
    pub latency_ms: u64,
}

impl Faults {
    /// No fault: every request passes.
    pub const NONE: Faults = Faults {
        throttle: 0,
        server_error: 0,
        drop_after_apply: 0,
        latency: 0,
        latency_ms: 0,
    };
}

/// How many requests met each fault, and how many passed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FaultCounts {
    pub passed: u64,
    pub throttled: u64,
    pub server_errors: u64,
    pub dropped_after_apply: u64,
    pub delayed: u64,
    /// Writes of the hot item refused past its rate.
    pub item_throttled: u64,
}

/// Writes of one item allowed a second: the item is named by a fragment of its key as it
/// appears in a request (`SEATS#<plan>`).
#[derive(Clone, Debug)]
struct HotItem {
    key: String,
    per_second: u32,
    window: Instant,
    used: u32,
}

#[derive(Default)]
struct State {
    faults: Mutex<Faults>,
    counts: Mutex<FaultCounts>,
    next: AtomicU64,
    hot: Mutex<Option<HotItem>>,
}

/// The proxy, serving until dropped.
pub struct FaultProxy {
    endpoint: String,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

enum Fault {
    None,
    Throttle,
    ServerError(bool),
    DropAfterApply,
    Latency(Duration),
}

/// The operations that write (and so spend a partition's write capacity).
const WRITES: [&str; 5] = [
    "TransactWriteItems",
    "UpdateItem",
    "PutItem",
    "DeleteItem",
    "BatchWriteItem",
];

impl State {
    /// Whether this request writes the hot item past its rate in the current second.
    fn over_item_rate(&self, target: &str, body: &[u8]) -> bool {
        let mut hot = self.hot.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(item) = hot.as_mut() else {
            return false;
        };
        let writes = WRITES.iter().any(|w| target.ends_with(&format!(".{w}")));
        let touches = body
            .windows(item.key.len())
            .any(|w| w == item.key.as_bytes());
        if !(writes && touches) {
            return false;
        }
        if item.window.elapsed() >= Duration::from_secs(1) {
            item.window = Instant::now();
            item.used = 0;
        }
        if item.used < item.per_second {
            item.used += 1;
            return false;
        }
        drop(hot);
        self.counts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .item_throttled += 1;
        true
    }

    fn pick(&self) -> Fault {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let f = *self.faults.lock().unwrap_or_else(PoisonError::into_inner);
        // 37 is coprime with 100: every hundred consecutive requests visit each slot once,
        // spread out rather than in runs.
        let slot = (n * 37 % 100) as u8;
        let mut guard = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        let counts = &mut *guard;
        // Each fault takes the next `share` slots of the hundred; the rest pass.
        let choices: [(u8, &mut u64, Fault); 4] = [
            (f.throttle, &mut counts.throttled, Fault::Throttle),
            (
                f.server_error,
                &mut counts.server_errors,
                Fault::ServerError(n.is_multiple_of(2)),
            ),
            (
                f.drop_after_apply,
                &mut counts.dropped_after_apply,
                Fault::DropAfterApply,
            ),
            (
                f.latency,
                &mut counts.delayed,
                Fault::Latency(Duration::from_millis(f.latency_ms)),
            ),
        ];
        let mut edge = 0u8;
        for (share, count, fault) in choices {
            edge = edge.saturating_add(share);
            if slot < edge {
                *count += 1;
                return fault;
            }
        }
        counts.passed += 1;
        Fault::None
    }
}

/// Why a connection is closed unanswered (hyper drops a connection whose service fails):
/// on purpose, or because the engine could not be reached.
#[derive(Debug)]
struct Dropped(String);

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Dropped {}

impl From<reqwest::Error> for Dropped {
    fn from(e: reqwest::Error) -> Self {
        Dropped(e.to_string())
    }
}

impl From<hyper::Error> for Dropped {
    fn from(e: hyper::Error) -> Self {
        Dropped(e.to_string())
    }
}

impl From<hyper::http::Error> for Dropped {
    fn from(e: hyper::http::Error) -> Self {
        Dropped(e.to_string())
    }
}

fn dynamo_error(status: StatusCode, kind: &str, message: &str) -> Response<Full<Bytes>> {
    let body = serde_json::json!({
        "__type": format!("com.amazonaws.dynamodb.v20120810#{kind}"),
        "message": message,
    });
    let mut res = Response::new(Full::new(Bytes::from(body.to_string())));
    *res.status_mut() = status;
    res.headers_mut().insert(
        "content-type",
        hyper::header::HeaderValue::from_static("application/x-amz-json-1.0"),
    );
    res
}

/// What the proxy answers one request with; an error closes the connection unanswered.
async fn answer(
    state: &State,
    client: &reqwest::Client,
    upstream: &str,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Dropped> {
    let (parts, body) = req.into_parts();
    let body = body.collect().await?.to_bytes();
    let target = parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if state.over_item_rate(target, &body) {
        return Ok(dynamo_error(
            StatusCode::BAD_REQUEST,
            "ThrottlingException",
            "Throughput exceeds the current capacity for one or more partitions.",
        ));
    }
    let req = (parts, body);
    match state.pick() {
        Fault::Throttle => Ok(dynamo_error(
            StatusCode::BAD_REQUEST,
            "ThrottlingException",
            "Rate of requests exceeds the allowed throughput.",
        )),
        Fault::ServerError(true) => Ok(dynamo_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            "Internal server error",
        )),
        Fault::ServerError(false) => Ok(dynamo_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
            "Service unavailable",
        )),
        Fault::DropAfterApply => {
            forward(client, upstream, req).await?;
            Err(Dropped(
                "dropped after the engine applied the request".into(),
            ))
        }
        Fault::Latency(pause) => {
            tokio::time::sleep(pause).await;
            forward(client, upstream, req).await
        }
        Fault::None => forward(client, upstream, req).await,
    }
}

async fn forward(
    client: &reqwest::Client,
    upstream: &str,
    (parts, body): (hyper::http::request::Parts, Bytes),
) -> Result<Response<Full<Bytes>>, Dropped> {
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut out = client.request(parts.method, format!("{upstream}{path}"));
    for (name, value) in &parts.headers {
        if name != "host" && name != "content-length" {
            out = out.header(name, value);
        }
    }
    let answer = out.body(body).send().await?;
    let mut res = Response::builder().status(answer.status());
    for (name, value) in answer.headers() {
        if name != "content-length" && name != "transfer-encoding" {
            res = res.header(name, value);
        }
    }
    Ok(res.body(Full::new(answer.bytes().await?))?)
}

impl FaultProxy {
    /// A proxy on a free loopback port in front of `upstream` (`http://127.0.0.1:port`),
    /// passing everything until [`FaultProxy::set`] says otherwise.
    pub async fn start(upstream: &str) -> Result<Self, String> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| format!("fault proxy: {e}"))?;
        let addr: SocketAddr = listener.local_addr().map_err(|e| e.to_string())?;
        let state = Arc::new(State::default());
        let upstream = upstream.trim_end_matches('/').to_owned();
        let client = reqwest::Client::builder()
            .build()
            .map_err(|e| e.to_string())?;
        let shared = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (state, client, upstream) = (shared.clone(), client.clone(), upstream.clone());
                tokio::spawn(async move {
                    let service = service_fn(move |req: Request<Incoming>| {
                        let (state, client, upstream) =
                            (state.clone(), client.clone(), upstream.clone());
                        async move { answer(&state, &client, &upstream, req).await }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(Self {
            endpoint: format!("http://{addr}"),
            state,
            task,
        })
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// From now on, requests meet `faults`.
    pub fn set(&self, faults: Faults) {
        *self
            .state
            .faults
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = faults;
    }

    /// From now on, writes touching the item whose key contains `key` are throttled past
    /// `per_second` in any one second (the other faults go on as set).
    pub fn limit_item(&self, key: &str, per_second: u32) {
        *self
            .state
            .hot
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(HotItem {
            key: key.to_owned(),
            per_second,
            window: Instant::now(),
            used: 0,
        });
    }

    /// No item is hot any more.
    pub fn unlimit_item(&self) {
        *self
            .state
            .hot
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = None;
    }

    pub fn counts(&self) -> FaultCounts {
        *self
            .state
            .counts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}
