//! `openday-bench [--short] OPENDAY_BINARY [FUNCTIONS_DIR]`: prints the figures of
//! `docs/performance.md` (`--soak SECONDS` or `--cold FUNCTIONS_DIR`: only that part).
//!
//! 1. The rush: the local server (`openday serve`, its own data folder, the embedded
//!    engine) with a fresh event; every person first gets a text-message code and opens the
//!    announcement (not timed: a connection each, as a browser showing the form has), then
//!    all register at once. Wall time, p50/p99 latency, confirmed and waitlisted.
//! 2. The engine: the same number of concurrent TransactWriteItems of a registration's
//!    shape (one counter update, three conditional puts) straight against the embedded
//!    engine on a file, and the ratio of the two rates.
//!
//! 3. The soak: the local server under a mixed public and staff load (pages, listings,
//!    codes, registrations, look-ups, the agency's and office's API reads, exports) for a
//!    bounded time from a few clients on loopback; requests, errors, and the server's
//!    resident memory after warm-up and at the end.
//!
//! 4. In-process: the public function's warm overhead (its Lambda service: stage handling,
//!    router, middleware) on a request refused without I/O, the stylesheet, and two public
//!    pages; and what one notice sweep reads with 1,000, 10,000 and 100,000 plans, ten due.
//!    The full run draws `docs/figures/*.svg` from its figures.
//!
//! 5. Cold starts (when a folder of the functions' binaries is given): each function and
//!    its baseline started against a Lambda Runtime API emulator on loopback, the embedded
//!    engine as DynamoDB: init (exec to the first `next`) and the first invocation.
//!
//! Exits non-zero only when the platform is wrong (an error answer, an overbooked
//! event), never because a figure misses its target: the test command runs it short.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark fails loudly

mod cold;
mod inproc;
mod plots;
mod province;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Put, TransactWriteItem, Update};
use openday_testkit::id_number;
use serde_json::{Value, json};

const NOW: &str = "2026-09-01T10:00:00+08:00";

/// The same allocator as the local server, so that the engine's raw rate is measured on
/// equal terms.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn openday(bin: &Path, data: &Path, args: &[&str]) -> String {
    let out = Command::new(bin)
        .args(args)
        .arg("--data")
        .arg(data)
        .env("OPENDAY_NOW", NOW)
        .env_remove("AWS_ENDPOINT_URL_DYNAMODB")
        .env_remove("OPENDAY_TABLE")
        .output()
        .expect("run openday");
    assert!(
        out.status.success(),
        "openday {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn start(bin: &Path, data: &Path) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(bin)
        .args(["serve", "--addr", &format!("127.0.0.1:{port}"), "--data"])
        .arg(data)
        .env("OPENDAY_NOW", NOW)
        // A load test raises the limits, as configuration allows.
        .env("OPENDAY_RATE_PER_ADDRESS", "10000000")
        .env("OPENDAY_RATE_PER_PHONE", "1000")
        .envs(openday_testkit::UNLIMITED_QUOTAS)
        .env("RUST_LOG", "warn")
        .env_remove("AWS_ENDPOINT_URL_DYNAMODB")
        .env_remove("OPENDAY_TABLE")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start openday serve");
    let server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "openday serve did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    server
}

async fn call(req: reqwest::RequestBuilder) -> (u16, Value) {
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    let body = res.json().await.unwrap_or(Value::Null);
    (status, body)
}

/// A fresh announced event with `capacity` seats; its id.
async fn announced_event(
    http: &reqwest::Client,
    base: &str,
    agency: &str,
    office: &str,
    capacity: u32,
) -> String {
    let mut plan: Value =
        serde_json::from_str(&std::fs::read_to_string(repo("infra/demo/plan.json")).unwrap())
            .unwrap();
    plan["capacity"] = json!(capacity);
    let (s, out) = call(
        http.post(format!("{base}/api/plans"))
            .bearer_auth(agency)
            .json(&plan),
    )
    .await;
    assert_eq!(s, 201, "{out}");
    let id = out["id"].as_str().unwrap().to_owned();
    let (s, out) = call(
        http.post(format!("{base}/api/plans/{id}/review"))
            .bearer_auth(office)
            .json(&json!({"decision": "file", "version": 1})),
    )
    .await;
    assert_eq!(s, 200, "{out}");
    let (s, out) = call(
        http.post(format!("{base}/api/plans/{id}/announcement"))
            .bearer_auth(agency)
            .json(&json!({
                "version": 2,
                "registration_method": "门户网站在线报名",
                "sessions": [{"date": "2026-09-20", "start": "09:00", "end": "11:30", "meeting_point": "机关大院北门"}],
                "content": "参观调度中心，座谈交流",
                "reminders": "请携带身份证",
                "registration_deadline": "2026-09-15"
            })),
    )
    .await;
    assert_eq!(s, 201, "{out}");
    id
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

struct Rush {
    /// Every request's latency, shortest first.
    latencies: Vec<Duration>,
    people: u32,
    capacity: u32,
    wall: Duration,
    p50: Duration,
    p99: Duration,
    confirmed: u32,
    waitlisted: u32,
}

/// A fresh data folder with the demo directory, the agency's and office's tokens, and the
/// server running on it.
fn fresh_server(bin: &Path, name: &str) -> (PathBuf, String, String, Server) {
    let data = std::env::temp_dir().join(format!("openday-bench-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let orgs = repo("infra/demo/orgs.json");
    openday(bin, &data, &["orgs", "import", orgs.to_str().unwrap()]);
    let agency = openday(bin, &data, &["token", "nn-jt"]);
    let office = openday(bin, &data, &["token", "nn-office"]);
    let server = start(bin, &data);
    (data, agency, office, server)
}

async fn rush(bin: &Path, people: u32, capacity: u32, offset: u32) -> Rush {
    let (data, agency, office, server) = fresh_server(bin, &format!("rush-{people}"));
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(2000)
        .build()
        .unwrap();
    let id = announced_event(&http, &server.base, &agency, &office, capacity).await;

    // Every person asks for a code first (not timed): the rush is the registrations.
    let phones: Vec<String> = (0..people)
        .map(|n| format!("139{:08}", offset + n))
        .collect();
    for chunk in phones.chunks(50) {
        let sends: Vec<_> = chunk
            .iter()
            .map(|p| {
                let req = http
                    .post(format!("{}/api/sms-codes", server.base))
                    .json(&json!({ "phone": p }));
                tokio::spawn(call(req))
            })
            .collect();
        for send in sends {
            let (s, out) = send.await.unwrap();
            assert_eq!(s, 202, "{out}");
        }
    }
    let codes = codes_by_phone(&data.join("sms"));
    // Everyone has the form open: a browser that loaded the announcement holds a
    // keep-alive connection, so the rush is the submissions, not TCP handshakes.
    let views: Vec<_> = (0..people)
        .map(|_| {
            let req = http.get(format!("{}/api/announcements/{id}", server.base));
            tokio::spawn(call(req))
        })
        .collect();
    for v in views {
        assert_eq!(v.await.unwrap().0, 200);
    }

    let started = Instant::now();
    let tasks: Vec<_> = (0..people)
        .map(|n| {
            let http = http.clone();
            let url = format!("{}/api/announcements/{id}/registrations", server.base);
            let phone = phones[n as usize].clone();
            let body = json!({
                "name": format!("市民{n}"), "id_number": id_number(offset + n), "phone": phone,
                "sms_code": codes[&phone], "category": "worker", "relation": "lives",
                "full_civil_capacity": true, "not_deputy": true, "id_consent": true
            });
            tokio::spawn(async move {
                let t = Instant::now();
                let res = http
                    .post(url)
                    .json(&body)
                    .send()
                    .await
                    .expect("registration");
                let status = res.status().as_u16();
                let out: Value = res.json().await.unwrap_or(Value::Null);
                (t.elapsed(), status, out)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let (mut confirmed, mut waitlisted) = (0, 0);
    for t in tasks {
        let (latency, status, out) = t.await.unwrap();
        assert_eq!(status, 201, "a registration failed: {out}");
        match out["status"].as_str() {
            Some("confirmed") => confirmed += 1,
            Some("waitlisted") => waitlisted += 1,
            other => panic!("unexpected status {other:?}"),
        }
        latencies.push(latency);
    }
    let wall = started.elapsed();
    latencies.sort();
    // The server agrees: exactly the capacity seated.
    let (s, detail) = call(http.get(format!("{}/api/announcements/{id}", server.base))).await;
    assert_eq!(s, 200);
    assert_eq!(detail["seats_left"], json!(0), "{detail}");
    assert_eq!(detail["waitlisted"], json!(people - capacity), "{detail}");
    assert_eq!(confirmed, capacity, "exactly the capacity confirmed");
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
    Rush {
        people,
        capacity,
        wall,
        p50: percentile(&latencies, 0.50),
        p99: percentile(&latencies, 0.99),
        latencies,
        confirmed,
        waitlisted,
    }
}

fn codes_by_phone(dir: &Path) -> std::collections::HashMap<String, String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| sms_code(&std::fs::read_to_string(e.unwrap().path()).unwrap()).unwrap())
        .collect()
}

/// (phone, code) of a text message in the local SMS outbox.
fn sms_code(raw: &str) -> Option<(String, String)> {
    let (head, text) = raw.split_once("\n\n")?;
    let code = text.split("验证码为").nth(1)?;
    Some((
        head.trim_start_matches("To: ").trim().to_owned(),
        code.chars().take(6).collect(),
    ))
}

/// The embedded engine on a file: `n` concurrent transactions of a registration's shape
/// (the seats counter updated under a condition; person, phone and registration markers
/// put if absent, the registration with a document of a registration's size and its index
/// keys; a condition check on a per-person item), with nothing else around them.
async fn engine_rate(n: u32) -> (Duration, f64) {
    let dir = std::env::temp_dir().join(format!("openday-bench-engine-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let engine =
        openday_local_dynamo::LocalDynamo::open(&dir.join("engine.db"), ([127, 0, 0, 1], 0).into())
            .await
            .unwrap();
    let store = openday_store::DynamoStore::new(engine.client(), "openday");
    store.ensure_table().await.unwrap();
    let client = engine.client();
    let s = |v: &str| AttributeValue::S(v.to_owned());
    let num = |v: u32| AttributeValue::N(v.to_string());
    client
        .put_item()
        .table_name("openday")
        .item("pk", s("COUNTER"))
        .item("sk", s("COUNTER"))
        .item("n", num(0))
        .send()
        .await
        .unwrap();
    for i in 0..n {
        client
            .put_item()
            .table_name("openday")
            .item("pk", s(&format!("CODE#{i}")))
            .item("sk", s("CODE"))
            .item("h", s("x"))
            .send()
            .await
            .unwrap();
    }
    let started = Instant::now();
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move {
                let s = |v: &str| AttributeValue::S(v.to_owned());
                let put = |pk: String, size: usize, indexed: bool| {
                    let mut put = Put::builder()
                        .table_name("openday")
                        .item("pk", s(&pk))
                        .item("sk", s("X"))
                        .item("doc", s(&"x".repeat(size)))
                        .item("expires_at", AttributeValue::N("1900000000".into()))
                        .condition_expression("attribute_not_exists(pk)");
                    if indexed {
                        put = put
                            .item("scope_pk", s("REGS#bench"))
                            .item("scope_sk", s(&format!("{i:020}#{pk}")));
                    }
                    TransactWriteItem::builder()
                        .put(put.build().unwrap())
                        .build()
                };
                let counter = TransactWriteItem::builder()
                    .update(
                        Update::builder()
                            .table_name("openday")
                            .key("pk", s("COUNTER"))
                            .key("sk", s("COUNTER"))
                            .update_expression("SET n = n + :one")
                            .condition_expression("n < :max")
                            .expression_attribute_values(":one", AttributeValue::N("1".into()))
                            .expression_attribute_values(
                                ":max",
                                AttributeValue::N("1000000".into()),
                            )
                            .build()
                            .unwrap(),
                    )
                    .build();
                let check = TransactWriteItem::builder()
                    .condition_check(
                        ConditionCheck::builder()
                            .table_name("openday")
                            .key("pk", s(&format!("CODE#{i}")))
                            .key("sk", s("CODE"))
                            .condition_expression("h = :h")
                            .expression_attribute_values(":h", s("x"))
                            .build()
                            .unwrap(),
                    )
                    .build();
                client
                    .transact_write_items()
                    .transact_items(counter)
                    .transact_items(put(format!("PERSON#{i}"), 10, false))
                    .transact_items(put(format!("PHONE#{i}"), 10, false))
                    .transact_items(put(format!("REG#{i}"), 900, true))
                    .transact_items(check)
                    .send()
                    .await
                    .expect("transaction");
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let wall = started.elapsed();
    engine.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
    (wall, f64::from(n) / wall.as_secs_f64())
}

/// The server's resident set size, from `/proc`.
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Text-message codes as they arrive in the local SMS outbox, reading each file once.
#[derive(Default)]
struct SmsInbox {
    seen: std::collections::HashSet<std::ffi::OsString>,
    codes: std::collections::HashMap<String, String>,
}

impl SmsInbox {
    fn code(&mut self, dir: &Path, phone: &str) -> Option<String> {
        if !self.codes.contains_key(phone) {
            for entry in std::fs::read_dir(dir).ok()?.flatten() {
                if self.seen.insert(entry.file_name())
                    && let Ok(raw) = std::fs::read_to_string(entry.path())
                    && let Some((to, code)) = sms_code(&raw)
                {
                    self.codes.insert(to, code);
                }
            }
        }
        self.codes.remove(phone)
    }
}

/// People each soak client can register (its share of the ID numbers): more than a run of
/// the full soak reaches, so the data grows for the whole run.
const PEOPLE_PER_CLIENT: usize = 2_000;

struct Soak {
    requests: u64,
    errors: Vec<String>,
    rss_start: u64,
    rss_end: u64,
    /// KiB, each tenth of the run.
    rss: Vec<u64>,
    registrations: u64,
}

/// Mixed load for `length` after a warm-up of a tenth of it: `clients` loops, each a
/// round of public pages and API reads, a registration now and then, and staff reads.
async fn soak(bin: &Path, length: Duration, clients: u32) -> Soak {
    let (data, agency, office, server) = fresh_server(bin, "soak");
    let pid = server.child.id();
    let http = reqwest::Client::new();
    let id = announced_event(&http, &server.base, &agency, &office, 10_000).await;
    let inbox = std::sync::Arc::new(std::sync::Mutex::new(SmsInbox::default()));
    let errors = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let requests = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let registrations = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let warm_up = length / 10;
    let end = Instant::now() + warm_up + length;
    let workers: Vec<_> = (0..clients)
        .map(|c| {
            let (http, base, id, agency, office) = (
                http.clone(),
                server.base.clone(),
                id.clone(),
                agency.clone(),
                office.clone(),
            );
            let (inbox, errors, requests, registrations, sms) = (
                inbox.clone(),
                errors.clone(),
                requests.clone(),
                registrations.clone(),
                data.join("sms"),
            );
            tokio::spawn(async move {
                let mut round = 0u32;
                let mut held: Vec<(String, String)> = Vec::new();
                while Instant::now() < end {
                    round += 1;
                    let expect = |what: String, status: u16, ok: &[u16]| {
                        requests.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if !ok.contains(&status) {
                            errors.lock().unwrap().push(format!("{what}: {status}"));
                        }
                    };
                    for path in [
                        "/".to_owned(),
                        format!("/open-days/{id}"),
                        format!("/open-days/{id}/register"),
                        "/api/announcements".to_owned(),
                        format!("/api/announcements/{id}"),
                        "/statistics".to_owned(),
                    ] {
                        let (s, _) = call(http.get(format!("{base}{path}"))).await;
                        expect(path, s, &[200]);
                    }
                    for (path, token) in [
                        ("/api/plans".to_owned(), &agency),
                        (format!("/api/plans/{id}"), &agency),
                        ("/api/compliance?year=2026".to_owned(), &office),
                        // The growing list, as CSV and as a workbook in turn.
                        (
                            format!(
                                "/api/plans/{id}/exports/registrants?format={}",
                                if round.is_multiple_of(2) { "csv" } else { "xlsx" }
                            ),
                            &agency,
                        ),
                    ] {
                        let res = http.get(format!("{base}{path}")).bearer_auth(token).send().await;
                        let s = res.map(|r| r.status().as_u16()).unwrap_or(0);
                        expect(path, s, &[200]);
                    }
                    if !round.is_multiple_of(3) {
                        continue;
                    }
                    // Every third round registers a new person, for the whole run: the
                    // table, the registrants list and its export grow while the server's
                    // memory must not (lists and exports are read a page at a time).
                    if held.len() == PEOPLE_PER_CLIENT {
                        let (code, phone) = &held[(round as usize / 3) % held.len()];
                        let (s, _) = call(
                            http.post(format!("{base}/api/registrations/lookup"))
                                .json(&json!({ "code": code, "phone": phone })),
                        )
                        .await;
                        expect("lookup".into(), s, &[200]);
                        continue;
                    }
                    // Born n days after 1960-01-01: adults, each person once.
                    let n = c * PEOPLE_PER_CLIENT as u32 + round / 3;
                    let phone = format!("137{n:08}");
                    let (s, _) = call(
                        http.post(format!("{base}/api/sms-codes"))
                            .json(&json!({ "phone": phone })),
                    )
                    .await;
                    expect("sms-codes".into(), s, &[202]);
                    let Some(code) = inbox.lock().unwrap().code(&sms, &phone) else {
                        errors.lock().unwrap().push(format!("no code for {phone}"));
                        continue;
                    };
                    let (s, out) = call(
                        http.post(format!("{base}/api/announcements/{id}/registrations"))
                            .json(&json!({
                                "name": format!("市民{n}"), "id_number": id_number(n), "phone": phone,
                                "sms_code": code, "category": "worker", "relation": "lives",
                                "full_civil_capacity": true, "not_deputy": true, "id_consent": true
                            })),
                    )
                    .await;
                    expect("registration".into(), s, &[201]);
                    registrations.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    held.push((out["code"].as_str().unwrap_or_default().to_owned(), phone));
                }
            })
        })
        .collect();
    tokio::time::sleep(warm_up).await;
    let rss_start = rss_kib(pid);
    // The resident size each tenth of the run: growth that levels off is caches filling,
    // growth that does not is a leak.
    let mut rss = vec![rss_start];
    while Instant::now() < end {
        tokio::time::sleep(length / 10).await;
        rss.push(rss_kib(pid));
    }
    for w in workers {
        w.await.unwrap();
    }
    let rss_end = rss_kib(pid);
    rss.push(rss_end);
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
    let errors = std::mem::take(&mut *errors.lock().unwrap());
    Soak {
        requests: requests.load(std::sync::atomic::Ordering::Relaxed),
        errors,
        rss_start,
        rss_end,
        rss,
        registrations: registrations.load(std::sync::atomic::Ordering::Relaxed),
    }
}

fn us(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let short = args.first().is_some_and(|a| a == "--short");
    if short {
        args.remove(0);
    }
    // `--soak SECONDS`: only the soak, for as long as asked.
    let soak_only = (args.first().is_some_and(|a| a == "--soak"))
        .then(|| args.drain(..2).nth(1).and_then(|s| s.parse::<u64>().ok()))
        .flatten();
    // `--province PLANS`: only the province's figures pages, PLANS plans a year.
    if args.first().is_some_and(|a| a == "--province") {
        let plans = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(3_334);
        return province::run(plans, 200).await;
    }
    // `--cold DIR`: only the cold starts of the functions' binaries in DIR.
    if args.first().is_some_and(|a| a == "--cold") {
        let dir = PathBuf::from(
            args.get(1)
                .expect("usage: openday-bench --cold FUNCTIONS_DIR"),
        );
        return cold_starts(&dir, 5).await;
    }
    let bin = PathBuf::from(
        args.first()
            .expect("usage: openday-bench [--short | --soak SECONDS | --cold FUNCTIONS_DIR] OPENDAY_BINARY [FUNCTIONS_DIR]"),
    );
    let functions = args.get(1).map(PathBuf::from);
    if let Some(seconds) = soak_only {
        return run_soak(&bin, Duration::from_secs(seconds)).await;
    }
    let runs: &[(u32, u32)] = if short {
        &[(60, 25), (120, 30)]
    } else {
        &[(200, 25), (1000, 300)]
    };
    println!("| rush | capacity | wall | p50 | p99 | registrations/s | confirmed | waitlisted |");
    println!("|---|---|---|---|---|---|---|---|");
    // Each figure is the median of three runs (one in the short mode): a shared VM is noisy.
    let repeats = if short { 1 } else { 3 };
    let mut last = None;
    let mut curves = Vec::new();
    for (i, &(people, capacity)) in runs.iter().enumerate() {
        let mut tries = Vec::new();
        for k in 0..repeats {
            tries.push(rush(&bin, people, capacity, 1_000 * (2 * i as u32 + 1) + k * 10).await);
        }
        tries.sort_by_key(|r| r.wall);
        let r = tries.swap_remove(tries.len() / 2);
        let rate = f64::from(r.people) / r.wall.as_secs_f64();
        println!(
            "| {} | {} | {} | {} | {} | {rate:.0} | {} | {} |",
            r.people,
            r.capacity,
            ms(r.wall),
            ms(r.p50),
            ms(r.p99),
            r.confirmed,
            r.waitlisted
        );
        curves.push((
            format!("{} people, {} seats", r.people, r.capacity),
            r.latencies.clone(),
        ));
        last = Some((r, rate));
    }
    let (r, rate) = last.unwrap();
    let mut engine = Vec::new();
    for _ in 0..repeats {
        engine.push(engine_rate(r.people).await);
    }
    engine.sort_by_key(|(wall, _)| *wall);
    let (wall, raw) = engine[engine.len() / 2];
    println!();
    println!(
        "engine: {} concurrent TransactWriteItems of a registration's shape (1 update, 3 puts, 1 condition check) in {}: {raw:.0}/s",
        r.people,
        ms(wall)
    );
    println!(
        "ratio: {rate:.0} registrations/s ÷ {raw:.0} transactions/s = {:.0}%",
        100.0 * rate / raw
    );
    if !short {
        let met = |ok: bool| if ok { "met" } else { "MISSED" };
        println!();
        println!("targets ({} people, {} seats):", r.people, r.capacity);
        println!(
            "  wall ≤ 3 s: {} ({})",
            ms(r.wall),
            met(r.wall <= Duration::from_secs(3))
        );
        println!(
            "  p99 ≤ 1 s: {} ({})",
            ms(r.p99),
            met(r.p99 <= Duration::from_secs(1))
        );
        println!(
            "  ≥ 50% of the engine's rate: {:.0}% ({})",
            100.0 * rate / raw,
            met(rate >= raw / 2.0)
        );
        println!("  exactly the capacity confirmed: {} (met)", r.confirmed);
    }

    let o = inproc::overheads(if short { 300 } else { 5_000 }).await;
    println!();
    println!("| warm, in-process (the public function's service) | p50 | p99 |");
    println!("|---|---|---|");
    for (what, (p50, p99)) in [
        ("a registration refused at the edge (no I/O)", o.refused),
        ("the stylesheet", o.stylesheet),
        ("`/`: this year's open days (a page)", o.home),
        (
            "`/open-days/{id}`: an announcement (a page)",
            o.announcement_page,
        ),
    ] {
        println!("| {what} | {} | {} |", us(p50), us(p99));
    }

    let sizes: &[u32] = if short {
        &[1_000]
    } else {
        &[1_000, 10_000, 100_000]
    };
    println!();
    println!("| plans | due | items read | per due plan | against 1,000 plans | run |");
    println!("|---|---|---|---|---|---|");
    let mut costs = Vec::new();
    for &total in sizes {
        let c = inproc::sweep_cost(total, 10).await;
        let base = costs.first().map_or(c.items_read, |&(_, _, read)| read);
        println!(
            "| {} | {} | {} | {:.1} | {:.2}× | {} |",
            c.total,
            c.due,
            c.items_read,
            c.items_read as f64 / f64::from(c.due),
            c.items_read as f64 / base as f64,
            ms(c.took)
        );
        costs.push((c.total, c.due, c.items_read));
    }

    if let Some(dir) = &functions {
        cold_starts(dir, if short { 1 } else { 5 }).await;
    }

    // The full run draws the docs' plots; the short one draws them aside, so the drawing
    // keeps working.
    let figures = if short {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench-figures")
    } else {
        repo("docs/figures")
    };
    std::fs::create_dir_all(&figures).unwrap();
    plots::rush_latency(&figures.join("rush-latency.svg"), &curves).unwrap();
    plots::sweep_cost(&figures.join("sweep-cost.svg"), &costs).unwrap();
    println!();
    println!("plots: {}", figures.display());

    // The figures pages of a province (a small one in the short mode).
    province::run(
        if short { 300 } else { 3_334 },
        if short { 20 } else { 200 },
    )
    .await;
    run_soak(&bin, Duration::from_secs(if short { 20 } else { 180 })).await;
}

/// Each function's cold start beside its baseline's, the median of `runs`.
async fn cold_starts(dir: &Path, runs: usize) {
    let engine = openday_local_dynamo::LocalDynamo::memory().await.unwrap();
    openday_store::DynamoStore::new(engine.client(), "openday")
        .ensure_table()
        .await
        .unwrap();
    let cases = cold::present(dir);
    assert!(
        !cases.is_empty(),
        "no function binaries in {}",
        dir.display()
    );
    println!();
    println!(
        "cold starts ({}, median of {runs}): init is exec to the first `next`; the first invocation reads the table",
        dir.display()
    );
    println!(
        "| function | init | first invocation | baseline | its init | its first invocation | init ÷ baseline |"
    );
    println!("|---|---|---|---|---|---|---|");
    let mut baselines = std::collections::HashMap::new();
    for (function, baseline, event) in cases {
        let f = cold::median_start(&function, &event, engine.endpoint(), runs)
            .await
            .unwrap();
        if !baselines.contains_key(&baseline) {
            let b = cold::median_start(&baseline, &event, engine.endpoint(), runs)
                .await
                .unwrap();
            baselines.insert(baseline.clone(), b);
        }
        let b = &baselines[&baseline];
        let name = |p: &Path| p.file_name().unwrap().to_string_lossy().into_owned();
        let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
        println!(
            "| {} | {} | {} | {} | {} | {} | {:.2}× |",
            name(&function),
            ms(f.init),
            ms(f.first_invocation),
            name(&baseline),
            ms(b.init),
            ms(b.first_invocation),
            f.init.as_secs_f64() / b.init.as_secs_f64()
        );
    }
    engine.stop().await;
}

async fn run_soak(bin: &Path, length: Duration) {
    let s = soak(bin, length, 8).await;
    println!();
    println!(
        "soak: {} s of mixed public and staff load from 8 clients: {} requests ({:.0}/s), {} registrations, {} errors; server RSS {} KiB after warm-up, {} KiB at the end ({:+.1}%)",
        length.as_secs(),
        s.requests,
        s.requests as f64 / (length.as_secs_f64() * 1.1),
        s.registrations,
        s.errors.len(),
        s.rss_start,
        s.rss_end,
        100.0 * (s.rss_end as f64 - s.rss_start as f64) / s.rss_start.max(1) as f64
    );
    println!(
        "soak RSS each tenth (MiB): {}",
        s.rss
            .iter()
            .map(|k| format!("{:.0}", *k as f64 / 1024.0))
            .collect::<Vec<_>>()
            .join(" → ")
    );
    assert!(
        s.errors.is_empty(),
        "errors under the soak: {:?}",
        &s.errors[..s.errors.len().min(10)]
    );
}
