//! kill -9: the local server killed in the middle of a registration rush and started again
//! on the same data; `openday sweep` killed between queuing mail and sending it (its SES
//! endpoint never answers) and run again. Every acknowledged registration is there, the
//! counters match what is stored, nothing overbooks, and every message goes out once.

#![allow(clippy::unwrap_used)] // tests fail loudly

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use openday_local_dynamo::free_port;
use reqwest::StatusCode;
use serde_json::{Value, json};

const NOW: &str = "2026-09-01T10:00:00+08:00";

/// `openday serve` on the data folder; killed (SIGKILL) when dropped if still running.
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

/// `openday ARGS --data DATA` at the test's instant.
fn openday(data: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_openday"));
    cmd.env("OPENDAY_NOW", NOW)
        .env("OPENDAY_RATE_PER_ADDRESS", "1000000")
        .env("OPENDAY_RATE_PER_PHONE", "1000000")
        .envs(openday_testkit::UNLIMITED_QUOTAS)
        .env_remove("AWS_ENDPOINT_URL_DYNAMODB")
        .env_remove("OPENDAY_TABLE")
        .env_remove("OPENDAY_SES_SENDER")
        .args(args)
        .arg("--data")
        .arg(data);
    cmd
}

fn run(data: &Path, args: &[&str]) -> String {
    let out = openday(data, args).output().unwrap();
    assert!(
        out.status.success(),
        "openday {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn serve(data: &Path) -> Server {
    let addr = format!("127.0.0.1:{}", free_port().unwrap());
    let mut child = openday(data, &["serve", "--addr", &addr])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    loop {
        let mut line = String::new();
        assert!(out.read_line(&mut line).unwrap() > 0, "server exited");
        if line.starts_with("openday listening on") {
            break;
        }
    }
    Server {
        child,
        base: format!("http://{addr}"),
    }
}

async fn call(
    http: &reqwest::Client,
    base: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = match &body {
        Some(b) => http.post(format!("{base}{path}")).json(b),
        None => http.get(format!("{base}{path}")),
    };
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// The demo plan, submitted, filed and announced with `capacity` seats: its id.
async fn announced(base: &str, agency: &str, office: &str, capacity: u32) -> String {
    let http = reqwest::Client::new();
    let mut plan: Value =
        serde_json::from_str(&openday_testkit::repo_file("infra/demo/plan.json")).unwrap();
    plan["capacity"] = json!(capacity);
    let (s, b) = call(&http, base, "/api/plans", Some(agency), Some(plan)).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let id = b["id"].as_str().unwrap().to_owned();
    let review = json!({"decision": "file", "version": 1});
    let (s, b) = call(
        &http,
        base,
        &format!("/api/plans/{id}/review"),
        Some(office),
        Some(review),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let announcement = json!({"version": 2, "registration_method": "在线报名", "content": "参观",
        "sessions": [{"date": "2026-09-20", "start": "09:00", "end": "11:30", "meeting_point": "机关大院北门"}],
        "reminders": "携带身份证", "registration_deadline": "2026-09-15"});
    let (s, b) = call(
        &http,
        base,
        &format!("/api/plans/{id}/announcement"),
        Some(agency),
        Some(announcement),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_rush_keeps_every_acknowledged_registration() {
    const PEOPLE: u32 = 160;
    const SEATS: u32 = 40;
    let data = openday_testkit::temp_dir("crash-rush");
    run(
        &data,
        &[
            "orgs",
            "import",
            &openday_testkit::repo_path("infra/demo/orgs.json"),
        ],
    );
    let agency = run(&data, &["token", "nn-jt"]);
    let office = run(&data, &["token", "nn-office"]);
    let server = serve(&data);
    let id = announced(&server.base, &agency, &office, SEATS).await;

    let http = reqwest::Client::new();
    let mut people = Vec::new();
    for n in 1..=PEOPLE {
        let phone = format!("1380013{n:04}");
        let (s, b) = call(
            &http,
            &server.base,
            "/api/sms-codes",
            None,
            Some(json!({"phone": phone})),
        )
        .await;
        assert_eq!(s, StatusCode::ACCEPTED, "{b}");
        let code = openday_testkit::sms_code_in(&data.join("sms"), &phone);
        people.push(json!({
            "name": format!("市民{n}"), "id_number": openday_testkit::id_number(n),
            "phone": phone, "sms_code": code, "category": "worker", "relation": "lives",
            "full_civil_capacity": true, "not_deputy": true, "id_consent": true
        }));
    }

    // Everyone at once; the server is killed once a quarter have their answer.
    let (acks, mut acked) = tokio::sync::mpsc::unbounded_channel::<(String, String)>();
    let path = format!("/api/announcements/{id}/registrations");
    let rush: Vec<_> = people
        .into_iter()
        .map(|person| {
            let (http, base, path, acks) = (
                http.clone(),
                server.base.clone(),
                path.clone(),
                acks.clone(),
            );
            tokio::spawn(async move {
                let Ok(res) = http
                    .post(format!("{base}{path}"))
                    .json(&person)
                    .send()
                    .await
                else {
                    return;
                };
                if res.status() != StatusCode::CREATED {
                    return;
                }
                let Ok(body) = res.json::<Value>().await else {
                    return;
                };
                let _ = acks.send((
                    body["code"].as_str().unwrap().to_owned(),
                    body["status"].as_str().unwrap().to_owned(),
                ));
            })
        })
        .collect();
    drop(acks);
    let mut acknowledged = Vec::new();
    while acknowledged.len() < (PEOPLE / 4) as usize {
        acknowledged.push(acked.recv().await.unwrap());
    }
    let mut server = server;
    server.child.kill().unwrap(); // SIGKILL: no shutdown, no flush
    server.child.wait().unwrap();
    for task in rush {
        task.await.unwrap();
    }
    while let Some(ack) = acked.recv().await {
        acknowledged.push(ack);
    }
    assert!(
        acknowledged.len() < PEOPLE as usize,
        "the kill came after the rush: nothing was in flight"
    );
    drop(server);

    let server = serve(&data);
    let (s, plan) = call(
        &http,
        &server.base,
        &format!("/api/plans/{id}"),
        Some(&agency),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{plan}");
    let csv_url = format!(
        "{}/api/plans/{id}/exports/registrants?format=csv",
        server.base
    );
    let csv = http
        .get(csv_url)
        .bearer_auth(&agency)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut stored = std::collections::BTreeMap::new();
    for line in csv.trim_start_matches('\u{feff}').lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        assert!(
            stored
                .insert(cells[0].to_owned(), cells[7].to_owned())
                .is_none(),
            "twice: {line}"
        );
    }
    println!(
        "{} acknowledged before and around the kill, {} stored after the restart",
        acknowledged.len(),
        stored.len()
    );
    for (code, status) in &acknowledged {
        let label = if status == "confirmed" {
            "报名成功"
        } else {
            "候补"
        };
        assert_eq!(
            stored.get(code).map(String::as_str),
            Some(label),
            "{code} lost or changed"
        );
    }
    let confirmed = stored.values().filter(|s| *s == "报名成功").count() as u64;
    let waitlisted = stored.values().filter(|s| *s == "候补").count() as u64;
    assert_eq!(
        plan["seats"]["confirmed"].as_u64(),
        Some(confirmed),
        "{}",
        plan["seats"]
    );
    assert_eq!(
        plan["seats"]["waitlisted"].as_u64(),
        Some(waitlisted),
        "{}",
        plan["seats"]
    );
    assert!(
        confirmed <= u64::from(SEATS),
        "{confirmed} confirmed on {SEATS} seats"
    );
    if waitlisted > 0 {
        assert_eq!(
            confirmed,
            u64::from(SEATS),
            "somebody waits while a seat is free"
        );
    }
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sweep_killed_before_its_mail_went_out_sends_it_once_on_the_next_run() {
    let data = openday_testkit::temp_dir("crash-sweep");
    run(
        &data,
        &[
            "orgs",
            "import",
            &openday_testkit::repo_path("infra/demo/orgs.json"),
        ],
    );
    // Amazon SES that accepts the connection and never answers: the sweep hangs in its
    // first send, after queuing every message, and is killed there.
    let ses = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let ses_endpoint = format!("http://{}", ses.local_addr().unwrap());
    let mut sweep = openday(&data, &["sweep", "report"])
        .env("OPENDAY_NOW", "2026-11-01T09:00:00+08:00")
        .env("OPENDAY_SES_SENDER", "openday@gx.example.org")
        .env("AWS_ENDPOINT_URL_SESV2", &ses_endpoint)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "local")
        .env("AWS_SECRET_ACCESS_KEY", "local")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    ses.set_nonblocking(false).unwrap();
    let (_held, _) = ses.accept().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    sweep.kill().unwrap();
    sweep.wait().unwrap();
    assert!(
        openday_mail::read_outbox(&data.join("outbox"))
            .unwrap()
            .is_empty(),
        "nothing went to the local outbox yet"
    );

    // The next runs use the local outbox. The message the killed run held waits five
    // minutes; after that, each goes out once, however often the sweep runs.
    let sweep_at = |now: &str| -> Vec<String> {
        let out = openday(&data, &["sweep", "report"])
            .env("OPENDAY_NOW", now)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.trim().strip_prefix("已发送 ").map(str::to_owned))
            .collect()
    };
    let first = sweep_at("2026-11-01T09:01:00+08:00");
    let held = sweep_at("2026-11-01T09:10:00+08:00");
    let after = sweep_at("2026-11-01T15:00:00+08:00");
    assert!(!first.is_empty(), "the queued mail goes out");
    assert_eq!(held.len(), 1, "the held message, five minutes on: {held:?}");
    assert!(after.is_empty(), "{after:?}");
    let sent: Vec<_> = first.iter().chain(&held).collect();
    let distinct: std::collections::BTreeSet<_> = sent.iter().collect();
    assert_eq!(distinct.len(), sent.len(), "a message sent twice: {sent:?}");
    let files = openday_mail::read_outbox(&data.join("outbox")).unwrap();
    assert_eq!(files.len(), sent.len());
    let _ = std::fs::remove_dir_all(&data);
}
