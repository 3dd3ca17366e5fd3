//! Cold starts: a function's binary started against a Lambda Runtime API emulator on
//! loopback, with the embedded engine as its DynamoDB.
//!
//! The emulator answers the runtime's first `GET …/invocation/next` with one event and
//! notes the time; the function's `POST …/response` (or `…/error`) ends the start. Init is
//! exec to that first `next` (what Lambda bills as Init: the binary loaded, configuration
//! read, clients built); the first invocation is the event handed out to its answer, the
//! first request through a fresh SDK client included.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde_json::{Value, json};
use tokio::sync::oneshot;

const RUNTIME: &str = "/2018-06-01/runtime";
/// Secrets of the right length; the functions only check them.
const SECRET: &str = "bench-secret-bench-secret-bench-secret";

/// One cold start's figures.
pub struct Start {
    pub init: Duration,
    pub first_invocation: Duration,
}

/// What the function answered: its response body, or the error it posted.
type Outcome = (Instant, Result<String, String>);

struct Emulator {
    event: Option<String>,
    first_next: Option<Instant>,
    done: Option<oneshot::Sender<Outcome>>,
}

type Shared = Arc<Mutex<Emulator>>;

async fn next(State(emulator): State<Shared>) -> axum::response::Response {
    let event = {
        let mut e = emulator.lock().unwrap();
        e.first_next.get_or_insert_with(Instant::now);
        e.event.take()
    };
    // Only one event per start: a second `next` waits until the process is killed, as a
    // frozen Lambda sandbox does.
    let Some(event) = event else {
        return std::future::pending().await;
    };
    let mut headers = HeaderMap::new();
    let deadline = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        + 30_000;
    for (name, value) in [
        ("lambda-runtime-aws-request-id", "bench-request".to_owned()),
        ("lambda-runtime-deadline-ms", deadline.to_string()),
        (
            "lambda-runtime-invoked-function-arn",
            "arn:aws:lambda:cn-north-1:123456789012:function:bench".to_owned(),
        ),
        (
            "lambda-runtime-trace-id",
            "Root=1-00000000-000000000000000000000000".to_owned(),
        ),
        ("content-type", "application/json".to_owned()),
    ] {
        headers.insert(name, HeaderValue::from_str(&value).unwrap());
    }
    (headers, event).into_response()
}

fn finish(emulator: &Shared, outcome: Result<String, String>) {
    if let Some(done) = emulator.lock().unwrap().done.take() {
        let _ = done.send((Instant::now(), outcome));
    }
}

async fn response(State(emulator): State<Shared>, body: Bytes) -> &'static str {
    finish(&emulator, Ok(String::from_utf8_lossy(&body).into_owned()));
    "{}"
}

async fn error(State(emulator): State<Shared>, body: Bytes) -> &'static str {
    finish(&emulator, Err(String::from_utf8_lossy(&body).into_owned()));
    "{}"
}

/// Starts `bin` against a fresh emulator with `event` as its first invocation, the engine
/// at `dynamodb` as every AWS endpoint, and measures; the process is killed after.
pub async fn start(bin: &Path, event: &Value, dynamodb: &str) -> Result<Start, String> {
    let (done, answered) = oneshot::channel();
    let emulator: Shared = Arc::new(Mutex::new(Emulator {
        event: Some(event.to_string()),
        first_next: None,
        done: Some(done),
    }));
    let app = Router::new()
        .route(&format!("{RUNTIME}/invocation/next"), get(next))
        .route(
            &format!("{RUNTIME}/invocation/{{id}}/response"),
            post(response),
        )
        .route(&format!("{RUNTIME}/invocation/{{id}}/error"), post(error))
        .route(&format!("{RUNTIME}/init/error"), post(error))
        .with_state(emulator.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let runtime_api = listener.local_addr().map_err(|e| e.to_string())?;
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let log = std::env::temp_dir().join(format!(
        "openday-bench-cold-{}-{}.log",
        std::process::id(),
        bin.file_name().unwrap_or_default().to_string_lossy()
    ));
    let log_file = std::fs::File::create(&log).map_err(|e| e.to_string())?;
    let mut command = tokio::process::Command::new(bin);
    command
        .env_clear()
        .envs(environment(&runtime_api.to_string(), dynamodb))
        .stdin(Stdio::null())
        .stdout(log_file.try_clone().map_err(|e| e.to_string())?)
        .stderr(log_file)
        .kill_on_drop(true);
    let exec = Instant::now();
    let mut child = command
        .spawn()
        .map_err(|e| format!("{}: {e}", bin.display()))?;
    let outcome = tokio::select! {
        answer = tokio::time::timeout(Duration::from_secs(60), answered) => answer
            .map_err(|_| "no answer in 60 s".to_owned())
            .and_then(|a| a.map_err(|_| "the emulator stopped".to_owned())),
        status = child.wait() => Err(format!("exited before answering ({status:?})")),
    };
    let _ = child.kill().await;
    server.abort();
    let first_next = emulator.lock().unwrap().first_next;
    let (answered_at, answer) = outcome.map_err(|why| {
        let said = std::fs::read_to_string(&log).unwrap_or_default();
        format!("{}: {why}; it said: {said}", bin.display())
    })?;
    let _ = std::fs::remove_file(&log);
    let answer = answer.map_err(|e| format!("{}: posted an error: {e}", bin.display()))?;
    let first_next = first_next.ok_or("the function answered without asking for an event")?;
    // An HTTP function's answer carries the router's status: a 5xx means the request failed.
    if let Some(status) = serde_json::from_str::<Value>(&answer)
        .ok()
        .and_then(|v| v["statusCode"].as_u64())
        && status >= 500
    {
        return Err(format!("{}: answered {status}: {answer}", bin.display()));
    }
    Ok(Start {
        init: first_next - exec,
        first_invocation: answered_at - first_next,
    })
}

/// What Lambda and our template give a function (`template.yaml`'s Globals), with every
/// AWS endpoint on loopback.
fn environment(runtime_api: &str, dynamodb: &str) -> Vec<(&'static str, String)> {
    let mut env = vec![
        ("AWS_LAMBDA_RUNTIME_API", runtime_api.to_owned()),
        ("AWS_LAMBDA_FUNCTION_NAME", "bench".to_owned()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512".to_owned()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
        ("AWS_LAMBDA_LOG_STREAM_NAME", "bench".to_owned()),
        ("AWS_LAMBDA_LOG_GROUP_NAME", "bench".to_owned()),
        ("AWS_REGION", "cn-north-1".to_owned()),
        ("AWS_ACCESS_KEY_ID", "bench".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "bench".to_owned()),
        ("AWS_ENDPOINT_URL", dynamodb.to_owned()),
        ("OPENDAY_TABLE", "openday".to_owned()),
        ("OPENDAY_TOKEN_SECRET", SECRET.to_owned()),
        ("OPENDAY_PERSON_KEY", SECRET.to_owned()),
        ("OPENDAY_COOKIE_KEY", SECRET.to_owned()),
        ("OPENDAY_SITE_URL", "https://open-day.example.cn".to_owned()),
        ("OPENDAY_SES_SENDER", "noreply@example.cn".to_owned()),
        ("RUST_LOG", "warn".to_owned()),
    ];
    if let Ok(path) = std::env::var("PATH") {
        env.push(("PATH", path));
    }
    env
}

/// An API Gateway HTTP API (payload v2) request.
fn http_event(method: &str, path: &str, authorization: Option<&str>) -> Value {
    let mut headers = json!({"host": "open-day.example.cn", "accept": "application/json"});
    if let Some(a) = authorization {
        headers["authorization"] = json!(a);
    }
    openday_testkit::api_gateway_event("$default", method, path, "", headers, "192.0.2.1", None)
}

/// Each function of `functions/` beside its baseline, with a first request that reads the
/// table: the public list of open days; for staff functions, a request with a token of an
/// agency the directory does not hold (the token is checked, the agency looked up).
pub fn cases() -> Vec<(&'static str, &'static str, Value)> {
    let token = openday_api::auth::TokenKey::new(SECRET.as_bytes())
        .unwrap()
        .issue("bench-agency", std::time::SystemTime::now().into());
    let bearer = format!("Bearer {token}");
    let scheduled = json!({
        "version": "0", "id": "bench", "detail-type": "Scheduled Event", "source": "aws.events",
        "account": "123456789012", "time": "2026-09-01T01:00:00Z", "region": "cn-north-1",
        "resources": [], "detail": {}
    });
    vec![
        (
            "public",
            "baseline-public",
            http_event("GET", "/api/announcements", None),
        ),
        (
            "plans",
            "baseline-http",
            http_event("GET", "/api/plans", Some(&bearer)),
        ),
        (
            "feedback",
            "baseline-http",
            http_event("GET", "/api/plans/bench/feedback-response", Some(&bearer)),
        ),
        (
            "reports",
            "baseline-http",
            http_event("GET", "/api/reports", Some(&bearer)),
        ),
        ("sweep-notice", "baseline-sweep", scheduled.clone()),
        ("sweep-feedback", "baseline-sweep", scheduled.clone()),
        ("sweep-report", "baseline-sweep", scheduled),
    ]
}

/// The median of `runs` cold starts of `bin`.
pub async fn median_start(
    bin: &Path,
    event: &Value,
    dynamodb: &str,
    runs: usize,
) -> Result<Start, String> {
    let mut inits = Vec::new();
    let mut firsts = Vec::new();
    for _ in 0..runs {
        let s = start(bin, event, dynamodb).await?;
        inits.push(s.init);
        firsts.push(s.first_invocation);
    }
    inits.sort();
    firsts.sort();
    Ok(Start {
        init: inits[runs / 2],
        first_invocation: firsts[runs / 2],
    })
}

/// The functions' binaries in `dir` that exist, each with its baseline's.
pub fn present(dir: &Path) -> Vec<(PathBuf, PathBuf, Value)> {
    cases()
        .into_iter()
        .map(|(f, b, event)| (dir.join(f), dir.join(b), event))
        .filter(|(f, b, _)| f.is_file() && b.is_file())
        .collect()
}
