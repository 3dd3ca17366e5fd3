//! One plan through its whole life over HTTP against `openday serve`: submit, return,
//! revise, file, announce, register online and offline past capacity, cancel and promote,
//! feedback, respond, annual report. Once on the embedded engine, once with the server
//! pointed at moto_server as an external DynamoDB. The clock moves by restarting the server
//! with another `OPENDAY_NOW` on the same data.

#![allow(clippy::unwrap_used)] // tests fail loudly

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use aws_sdk_dynamodb::types::AttributeValue;
use openday_local_dynamo::{LocalDynamo, MotoServer, free_port};
use openday_rules::resident_id::check_character;
use reqwest::StatusCode;
use serde_json::{Value, json};

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

/// Runs an `openday` command on the data folder and returns what it printed.
fn cli(data: &Path, now: &str, env: &[(&str, String)], args: &[&str]) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_openday"));
    cmd.args(args)
        .args(["--data", data.to_str().unwrap()])
        .env("OPENDAY_NOW", now)
        .env_remove("AWS_ENDPOINT_URL_DYNAMODB")
        .env_remove("OPENDAY_TABLE");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "openday {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Where the server's logs go, beside its data folder.
fn log_file(data: &Path) -> PathBuf {
    data.with_extension("log")
}

/// Starts `openday serve` and returns it with the lines it printed before listening.
fn start(data: &Path, now: &str, env: &[(&str, String)], demo: bool) -> (Server, Vec<String>) {
    let addr = format!("127.0.0.1:{}", free_port().unwrap());
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_openday"));
    cmd.args(["serve", "--addr", &addr, "--data", data.to_str().unwrap()])
        .env("OPENDAY_NOW", now)
        .envs(openday_testkit::UNLIMITED_QUOTAS)
        .env_remove("AWS_ENDPOINT_URL_DYNAMODB")
        .env_remove("OPENDAY_TABLE")
        .stdout(Stdio::piped())
        .stderr(Stdio::from(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(log_file(data))
                .unwrap(),
        ));
    if demo {
        cmd.arg("--demo");
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let mut lines = Vec::new();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    loop {
        let mut line = String::new();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "server exited: {lines:?}"
        );
        if line.starts_with("openday listening on") {
            break;
        }
        lines.push(line.trim_end().to_owned());
    }
    (
        Server {
            child,
            base: format!("http://{addr}"),
        },
        lines,
    )
}

struct Client {
    http: reqwest::Client,
    base: String,
    tokens: HashMap<String, String>,
}

impl Client {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        who: Option<&str>,
        body: Option<Body>,
    ) -> (StatusCode, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(org) = who {
            req = req.bearer_auth(&self.tokens[org]);
        }
        req = match body {
            Some(Body::Json(v)) => req.json(&v),
            Some(Body::Form(pairs)) => req.form(&pairs),
            None => req,
        };
        let res = req.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn get(&self, path: &str, who: Option<&str>) -> (StatusCode, Value) {
        self.call(reqwest::Method::GET, path, who, None).await
    }

    async fn post(&self, path: &str, who: Option<&str>, body: Body) -> (StatusCode, Value) {
        self.call(reqwest::Method::POST, path, who, Some(body))
            .await
    }

    /// Asks for a text-message code for `phone` and reads it from the local SMS outbox;
    /// within a minute of the last one, that one (still valid) is used, as a person would.
    async fn sms_code(&self, data: &Path, phone: &str) -> String {
        let (s, out) = self
            .post(
                "/api/sms-codes",
                None,
                Body::Json(json!({ "phone": phone })),
            )
            .await;
        assert!(
            s == StatusCode::ACCEPTED
                || (s == StatusCode::TOO_MANY_REQUESTS && out["error"]["code"] == "RATE_LIMITED"),
            "{s} {out}"
        );
        openday_testkit::sms_code_in(&data.join("sms"), phone)
    }

    /// `body` with the code just sent to its phone.
    async fn proved(&self, data: &Path, mut body: Value) -> Value {
        let phone = body["phone"].as_str().unwrap().to_owned();
        body["sms_code"] = json!(self.sms_code(data, &phone).await);
        body
    }
}

enum Body {
    Json(Value),
    Form(Vec<(String, String)>),
}

fn form(pairs: &[(&str, &str)]) -> Body {
    Body::Form(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

fn id_number(n: u32) -> String {
    id_born(&(19800101 + (n % 28)).to_string(), n)
}

/// A valid resident ID number for a birth date `YYYYMMDD`.
fn id_born(birth: &str, n: u32) -> String {
    let body = format!("450103{birth}{:03}", n % 1000);
    let mut digits = [0u8; 17];
    for (d, c) in digits.iter_mut().zip(body.chars()) {
        *d = c.to_digit(10).unwrap() as u8;
    }
    format!("{body}{}", check_character(&digits))
}

fn person(n: u32) -> Value {
    json!({
        "name": format!("市民{n}"),
        "id_number": id_number(n),
        "phone": format!("139{n:08}"),
        "category": "worker",
        "relation": "lives",
        "full_civil_capacity": true,
        "not_deputy": true,
        "id_consent": true
    })
}

/// The whole life of one plan; `env` points the server at its DynamoDB.
async fn lifecycle(env: &[(&str, String)]) {
    let data = std::env::temp_dir().join(format!(
        "openday-e2e-{}-{}",
        std::process::id(),
        free_port().unwrap()
    ));
    let _ = std::fs::remove_dir_all(&data);
    let plan_body: Value =
        serde_json::from_str(&std::fs::read_to_string(repo("infra/demo/plan.json")).unwrap())
            .unwrap();

    // 2026-08-01: submit, return, revise, file, announce.
    let now = "2026-08-01T09:00:00+08:00";
    let (server, printed) = start(&data, now, env, true);
    // The demo prints a sign-in link per organisation (the staff pages); the API's bearer
    // tokens come from `openday token`.
    let links: Vec<(String, String)> = printed
        .iter()
        .filter_map(|l| {
            let mut cols = l.split_whitespace();
            let org = cols.next()?.to_owned();
            let link = cols.find(|c| c.starts_with("http://"))?.to_owned();
            Some((org, link))
        })
        .collect();
    assert_eq!(links.len(), 21, "{printed:?}");
    for (_, link) in &links {
        assert!(
            link.starts_with(&format!("{}/staff/sign-in/confirm?n=", server.base))
                && link.contains("&a="),
            "{link}"
        );
    }
    // ...and each first 管理员's second-factor key, enrolled already, whose code
    // `openday totp` shows (the walk-through needs no phone).
    let keys: Vec<&str> = printed
        .iter()
        .filter_map(|l| l.trim().strip_prefix("动态验证码密钥 "))
        .collect();
    assert_eq!(keys.len(), 21, "{printed:?}");
    let code = cli(&data, now, env, &["totp", keys[0]]);
    assert!(
        code.trim().len() == 6 && code.trim().bytes().all(|b| b.is_ascii_digit()),
        "{code}"
    );
    let tokens: HashMap<String, String> = links
        .iter()
        .map(|(org, _)| {
            (
                org.clone(),
                cli(&data, now, env, &["token", org]).trim().to_owned(),
            )
        })
        .collect();
    let mut c = Client {
        http: reqwest::Client::new(),
        base: server.base.clone(),
        tokens,
    };

    let (s, created) = c
        .post("/api/plans", Some("nn-jt"), Body::Json(plan_body.clone()))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    assert_eq!(created["status"], "submitted");
    let id = created["id"].as_str().unwrap().to_owned();
    let plan_path = format!("/api/plans/{id}");

    let (s, body) = c
        .post(
            &format!("{plan_path}/review"),
            Some("lz-office"),
            Body::Json(json!({"decision": "file"})),
        )
        .await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("WRONG_REVIEWER"))
    );
    let (s, returned) = c
        .post(
            &format!("{plan_path}/review"),
            Some("nn-office"),
            Body::Json(
                json!({"decision": "return", "comment": "请补充安全保障措施", "version": 1}),
            ),
        )
        .await;
    assert_eq!(
        (s, returned["status"].as_str(), returned["version"].as_u64()),
        (StatusCode::OK, Some("returned"), Some(2))
    );

    let mut revised = plan_body.clone();
    revised["venue"] = json!("南宁市青秀区民族大道2号 公交调度中心");
    revised["version"] = json!(2);
    let (s, body) = c
        .call(
            reqwest::Method::PUT,
            &plan_path,
            Some("nn-jt"),
            Some(Body::Json(revised.clone())),
        )
        .await;
    assert_eq!(
        (s, body["status"].as_str()),
        (StatusCode::OK, Some("submitted")),
        "{body}"
    );
    let (s, body) = c
        .call(
            reqwest::Method::PUT,
            &plan_path,
            Some("nn-jt"),
            Some(Body::Json(revised)),
        )
        .await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("VERSION_CONFLICT"))
    );

    // The office files through the web form.
    let (s, filed) = c
        .post(
            &format!("{plan_path}/review"),
            Some("nn-office"),
            form(&[("decision", "file"), ("version", "3")]),
        )
        .await;
    assert_eq!(
        (s, filed["status"].as_str()),
        (StatusCode::OK, Some("filed")),
        "{filed}"
    );

    let announcement = json!({
        "version": 4,
        "registration_method": "登录南宁市人民政府门户网站“政府开放日”专栏在线报名",
        "content": "参观公交调度中心、列席线网优化局务会、座谈交流",
        "reminders": "请携带身份证原件，提前15分钟到达",
        "registration_deadline": "2026-09-15",
        "links": ["https://www.nanning.gov.cn/openday"],
        "sessions": [{"date": "2026-09-20", "start": "09:00", "end": "11:30", "meeting_point": "机关大院北门"}]
    });
    let (s, body) = c
        .post(
            &format!("{plan_path}/announcement"),
            Some("nn-jt"),
            Body::Json(announcement),
        )
        .await;
    assert_eq!(
        (s, body["status"].as_str()),
        (StatusCode::CREATED, Some("announced")),
        "{body}"
    );
    drop(server);

    // 2026-09-01: registration online and offline, past capacity; cancel and promote.
    let (server, _) = start(&data, "2026-09-01T10:00:00+08:00", env, false);
    c.base = server.base.clone();
    let (s, listed) = c.get("/api/announcements?year=2026", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(listed["announcements"][0]["plan_id"], json!(id));
    assert_eq!(listed["announcements"][0]["seats_left"], json!(30));
    let registrations = format!("/api/announcements/{id}/registrations");
    let mut codes = Vec::new();
    for n in 0..30 {
        let body = if n % 2 == 0 {
            Body::Json(c.proved(&data, person(n)).await)
        } else {
            let p = c.proved(&data, person(n)).await;
            form(&[
                ("name", p["name"].as_str().unwrap()),
                ("id_number", p["id_number"].as_str().unwrap()),
                ("phone", p["phone"].as_str().unwrap()),
                ("sms_code", p["sms_code"].as_str().unwrap()),
                ("category", "journalist"),
                ("relation", "works"),
                ("full_civil_capacity", "on"),
                ("not_deputy", "on"),
                ("id_consent", "on"),
            ])
        };
        let (s, out) = c.post(&registrations, None, body).await;
        assert_eq!(
            (s, out["status"].as_str()),
            (StatusCode::CREATED, Some("confirmed")),
            "registration {n}: {out}"
        );
        codes.push(out["code"].as_str().unwrap().to_owned());
    }
    // Offline recommendations count against the same capacity: past it, they wait.
    let (s, offline) = c
        .post(
            &format!("{plan_path}/recommendations"),
            Some("nn-jt"),
            Body::Json(person(100)),
        )
        .await;
    assert_eq!(
        (s, offline["status"].as_str()),
        (StatusCode::CREATED, Some("waitlisted")),
        "{offline}"
    );
    let (s, online) = c
        .post(
            &registrations,
            None,
            Body::Json(c.proved(&data, person(101)).await),
        )
        .await;
    assert_eq!(
        (s, online["status"].as_str()),
        (StatusCode::CREATED, Some("waitlisted"))
    );
    // The same person and phone again (a reload, a retry): the registration they have.
    let (s, again) = c
        .post(
            &registrations,
            None,
            Body::Json(c.proved(&data, person(3)).await),
        )
        .await;
    assert_eq!(
        (s, again["code"].as_str()),
        (StatusCode::OK, Some(codes[3].as_str()))
    );
    // The same ID number from another phone: 409, pointing at the organiser.
    let mut other_phone = person(3);
    other_phone["phone"] = json!("13700000003");
    let (s, dup) = c
        .post(
            &registrations,
            None,
            Body::Json(c.proved(&data, other_phone).await),
        )
        .await;
    assert_eq!(
        (s, dup["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("DUPLICATE_REGISTRATION"))
    );
    assert!(
        dup["error"]["message"]
            .as_str()
            .unwrap()
            .contains("联系电话"),
        "{dup}"
    );
    let mut minor = c.proved(&data, person(102)).await;
    minor["id_number"] = json!(id_born("20090101", 102));
    let (s, minor) = c.post(&registrations, None, Body::Json(minor)).await;
    assert_eq!(
        (s, minor["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("UNDERAGE"))
    );

    let offline_code = offline["code"].as_str().unwrap();
    let lookup = |code: &str, phone: &str| Body::Json(json!({ "code": code, "phone": phone }));
    let (s, _) = c
        .post(
            "/api/registrations/lookup",
            None,
            lookup(offline_code, "13900000000"),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "a wrong phone looks like a wrong code"
    );
    let (s, mine) = c
        .post(
            "/api/registrations/lookup",
            None,
            lookup(&offline_code.to_lowercase(), "139 0000 0100"),
        )
        .await;
    assert_eq!(
        (s, mine["status"].as_str()),
        (StatusCode::OK, Some("waitlisted"))
    );
    assert_eq!(mine["phone"], "139****0100");
    assert!(mine["id_number"].as_str().unwrap().contains("**********"));

    let proof = c.proved(&data, json!({ "phone": "13900000004" })).await;
    let (s, cancelled) = c
        .post(
            &format!("/api/registrations/{}/cancel", codes[4]),
            None,
            Body::Json(proof),
        )
        .await;
    assert_eq!(
        (s, cancelled["status"].as_str()),
        (StatusCode::OK, Some("cancelled")),
        "{cancelled}"
    );
    let (_, promoted) = c
        .post(
            "/api/registrations/lookup",
            None,
            lookup(offline_code, "13900000100"),
        )
        .await;
    assert_eq!(
        promoted["status"], "confirmed",
        "the first waitlisted moved up"
    );
    let (_, detail) = c.get(&format!("/api/announcements/{id}"), None).await;
    assert_eq!(
        (detail["seats_left"].as_u64(), detail["waitlisted"].as_u64()),
        (Some(0), Some(1))
    );
    // The server's counters, for a collector on this machine.
    let metrics = c
        .http
        .get(format!("{}/metrics", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.status(), StatusCode::OK);
    let metrics = metrics.text().await.unwrap();
    let counted = |name: &str| -> u64 {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .unwrap_or_else(|| panic!("{name} missing: {metrics}"))
            .parse()
            .unwrap()
    };
    assert!(counted("openday_registrations_total") >= 30, "{metrics}");
    assert!(counted("openday_codes_sent_total") >= 30, "{metrics}");
    assert!(counted("openday_texts_sent_total") >= 30, "{metrics}");
    drop(server);

    // 2026-09-21, during the event: feedback and evaluations.
    let (server, _) = start(&data, "2026-09-21T15:00:00+08:00", env, false);
    c.base = server.base.clone();
    let feedback = format!("{plan_path}/feedback");
    // One code serves several writes by that phone for ten minutes.
    let code = c.sms_code(&data, "13900000001").await;
    for text in ["建议增加夜班公交线路", "换乘指引不清晰"] {
        let body = json!({"channel": "online", "category": "service", "content": text,
                          "phone": "13900000001", "sms_code": code});
        let (s, out) = c.post(&feedback, None, Body::Json(body)).await;
        assert_eq!(s, StatusCode::CREATED, "{out}");
    }
    let (s, _) = c
        .post(
            &feedback,
            None,
            Body::Json(
                json!({"channel": "offline", "category": "policy", "content": "座谈会意见"}),
            ),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "offline items come from the agency"
    );
    let (s, _) = c.post(&feedback, Some("nn-jt"), Body::Json(json!({"channel": "offline", "category": "policy", "content": "座谈会意见：延长运营时间"}))).await;
    assert_eq!(s, StatusCode::CREATED);
    // Ratings come from the event's own registrants, each naming its registration.
    for (rating, phone, registration) in [("5", "13900000002", 2), ("4", "13900000005", 5)] {
        let code = c.sms_code(&data, phone).await;
        let (s, out) = c
            .post(
                &format!("{plan_path}/evaluations"),
                None,
                form(&[
                    ("rating", rating),
                    ("comment", "很有收获"),
                    ("phone", phone),
                    ("sms_code", &code),
                    ("registration_code", &codes[registration]),
                ]),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{out}");
    }
    drop(server);

    // 2026-10-05: the event is held; the agency publishes how every item was adopted.
    let (server, _) = start(&data, "2026-10-05T10:00:00+08:00", env, false);
    c.base = server.base.clone();
    let (s, items) = c.get(&feedback, Some("nn-jt")).await;
    assert_eq!(s, StatusCode::OK);
    let items = items["feedback"].as_array().unwrap().clone();
    assert_eq!(items.len(), 3);
    let (s, _) = c.get(&feedback, Some("lz-st")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let answers: Vec<Value> = items
        .iter()
        .enumerate()
        .map(|(i, f)| json!({"feedback_id": f["id"], "adoption": if i == 0 { "adopted" } else { "explained" }, "reply": "已研究并答复"}))
        .collect();
    let (s, body) = c
        .post(
            &format!("{plan_path}/feedback-response"),
            Some("nn-jt"),
            Body::Json(json!({"summary": "共收到意见建议3条，采纳情况如下", "items": answers, "version": 5})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    assert_eq!(body["response"]["late"], false);
    let (s, public) = c.get(&format!("{plan_path}/feedback-response"), None).await;
    assert_eq!(
        (s, public["response"]["items"].as_array().map(Vec::len)),
        (StatusCode::OK, Some(3))
    );
    let (s, detail) = c.get(&plan_path, Some("gx-office")).await;
    assert_eq!(
        (s, detail["status"].as_str()),
        (StatusCode::OK, Some("responded"))
    );
    let moves: Vec<&str> = detail["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["to"].as_str().unwrap())
        .collect();
    assert_eq!(
        moves,
        [
            "submitted",
            "returned",
            "submitted",
            "filed",
            "announced",
            "responded"
        ]
    );
    drop(server);

    // 2026-11-10: Nanning's government reports the year, with its jurisdiction's figures.
    // Tokens made on the machine last 90 days: August's have run out, so a new one is made.
    let november = "2026-11-10T10:00:00+08:00";
    let (server, _) = start(&data, november, env, false);
    c.base = server.base.clone();
    let (s, _) = c.get("/api/compliance?year=2026", Some("nn-gov")).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "an August token in November");
    for org in ["nn-gov", "nn-office"] {
        let fresh = cli(&data, november, env, &["token", org]).trim().to_owned();
        c.tokens.insert(org.into(), fresh);
    }
    let (s, report) = c.post("/api/reports", Some("nn-gov"), Body::Json(json!({"year": 2026, "summary": "全市开展“政府开放日”1场", "experiences": "线上+线下同步"}))).await;
    assert_eq!(s, StatusCode::CREATED, "{report}");
    assert_eq!(report["report"]["late"], false);
    let stats = &report["statistics"];
    assert_eq!(
        (
            stats["plans"].as_u64(),
            stats["announced_on_time"]["met"].as_u64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(stats["participants_met"], json!({"met": 1, "of": 1}));
    assert_eq!(stats["responded_on_time"], json!({"met": 1, "of": 1}));
    assert_eq!(stats["average_rating"], json!(4.5));
    let (s, again) = c
        .post(
            "/api/reports",
            Some("nn-gov"),
            Body::Json(json!({"year": 2026, "summary": "x", "experiences": "y"})),
        )
        .await;
    assert_eq!(
        (s, again["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("ALREADY_EXISTS"))
    );
    let (s, compliance) = c.get("/api/compliance?year=2026", Some("nn-office")).await;
    assert_eq!(s, StatusCode::OK, "{compliance}");
    assert_eq!(compliance["figures"]["plans"], 1);
    let rows = compliance["organisations"].as_array().unwrap();
    let row = |id: &str| rows.iter().find(|r| r["org_id"] == id).unwrap()["figures"].clone();
    assert_eq!(
        row("nn-jt")["responded_on_time"],
        json!({"met": 1, "of": 1})
    );
    assert_eq!(row("nn-gov")["report"], "on_time");
    assert_eq!(row("qx-gov")["report"], "pending");
    // The season backed up while the server runs, restored elsewhere, found equal.
    let backup = data.with_extension("backup.jsonl");
    let printed = cli(
        &data,
        november,
        env,
        &["backup", "--out", backup.to_str().unwrap()],
    );
    assert!(printed.starts_with("已备份 "), "{printed}");
    drop(server);
    restored_equal(&data, &backup, november, env).await;

    // The mail the workflow wrote, as `openday outbox` lists it.
    let outbox = cli(&data, "2026-11-10T10:00:00+08:00", env, &["outbox"]);
    assert!(
        outbox.contains("gongkai@nn.example.org") && outbox.contains("【待审核】"),
        "{outbox}"
    );
    assert!(
        outbox.contains("jtj@nn.example.org") && outbox.contains("【已备案】"),
        "{outbox}"
    );
    assert!(outbox.contains("【退回修改】"), "{outbox}");
    // ...and the text messages, the number masked.
    assert!(
        outbox.contains("短信  139****0004  【政府开放日】您的验证码为"),
        "{outbox}"
    );
    assert!(!outbox.contains("13900000004"), "{outbox}");
    // A sweep by hand on November 16: every reporter but Nanning's is overdue.
    let swept = cli(
        &data,
        "2026-11-16T09:00:00+08:00",
        env,
        &["sweep", "report"],
    );
    assert!(swept.contains("report_overdue#qx-gov#2026"), "{swept}");
    assert!(!swept.contains("report_overdue#nn-gov#2026"), "{swept}");
    let again = cli(&data, "2026-11-16T11:00:00+08:00", env, &["sweep", "all"]);
    assert!(
        again.contains("新发现问题 0 个") && !again.contains("已发送 report"),
        "run twice, nothing twice: {again}"
    );

    // The logs say what happened to every request, and never a full ID or phone number.
    let logs = std::fs::read_to_string(log_file(&data)).unwrap();
    assert!(logs.matches("request").count() > 40, "one line per request");
    assert!(logs.contains("registration taken"));
    for n in (0..30).chain([100, 101]) {
        assert!(!logs.contains(&id_number(n)), "ID number {n} in the logs");
        assert!(
            !logs.contains(&format!("139{n:08}")),
            "phone {n} in the logs"
        );
    }
    let _ = std::fs::remove_dir_all(&data);
    let _ = std::fs::remove_file(log_file(&data));
}

/// Every item of the data folder's table (the embedded engine's file, or the external
/// table `env` names), by key; items whose TTL has passed by the real clock are left out,
/// since either engine may delete them at any moment.
async fn items_of(
    data: &Path,
    env: &[(&str, String)],
) -> BTreeMap<(String, String), HashMap<String, AttributeValue>> {
    let var = |name: &str| env.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone());
    let (client, table, _engine) = match var("AWS_ENDPOINT_URL_DYNAMODB") {
        Some(endpoint) => (
            openday_local_dynamo::client_for(&endpoint),
            var("OPENDAY_TABLE").unwrap(),
            None,
        ),
        None => {
            let engine = LocalDynamo::open(&data.join("openday.db"), ([127, 0, 0, 1], 0).into())
                .await
                .unwrap();
            (engine.client(), "openday".to_owned(), Some(engine))
        }
    };
    let now = chrono::Utc::now().timestamp() + 3600;
    let mut all = BTreeMap::new();
    let mut start = None;
    loop {
        let page = client
            .scan()
            .table_name(&table)
            .set_exclusive_start_key(start.take())
            .send()
            .await
            .unwrap();
        for item in page.items.unwrap_or_default() {
            let expired = item
                .get("expires_at")
                .and_then(|v| v.as_n().ok())
                .is_some_and(|t| t.parse::<i64>().unwrap() < now);
            if !expired {
                let key = |k: &str| item[k].as_s().unwrap().clone();
                all.insert((key("pk"), key("sk")), item);
            }
        }
        match page.last_evaluated_key {
            Some(k) if !k.is_empty() => start = Some(k),
            _ => return all,
        }
    }
}

/// Restores `backup` into a new place and finds every item equal to the source's (plans,
/// registrations, answers, reports, the audit trail), the keys working (the audit chains
/// verify the same), and a restore that would overwrite or load a damaged file refused.
async fn restored_equal(data: &Path, backup: &Path, now: &str, env: &[(&str, String)]) {
    let elsewhere = data.with_extension("restored");
    let _ = std::fs::remove_dir_all(&elsewhere);
    let external = env.iter().any(|(k, _)| *k == "OPENDAY_TABLE");
    let mut there: Vec<(&str, String)> = env.to_vec();
    if external {
        there.retain(|(k, _)| *k != "OPENDAY_TABLE");
        there.push(("OPENDAY_TABLE", "openday-e2e-restored".to_owned()));
    }
    let printed = cli(
        &elsewhere,
        now,
        &there,
        &["restore", backup.to_str().unwrap()],
    );
    assert!(printed.starts_with("已恢复 "), "{printed}");
    let (source, restored) = (
        items_of(data, env).await,
        items_of(&elsewhere, &there).await,
    );
    let kinds = |prefix: &str| {
        source
            .keys()
            .filter(|(pk, sk)| pk.starts_with(prefix) || sk.starts_with(prefix))
            .count()
    };
    for prefix in ["PLAN#", "REG#", "REPORT#", "AUDIT"] {
        assert!(
            kinds(prefix) > 0,
            "the season has no {prefix} items: {:?}",
            source.keys().take(40).collect::<Vec<_>>()
        );
    }
    assert_eq!(source.len(), restored.len());
    for (key, item) in &source {
        assert_eq!(restored.get(key), Some(item), "{key:?}");
    }
    let verify = |dir: &Path, env: &[(&str, String)]| {
        cli(dir, now, env, &["audit", "verify", "--from", "2026-07-01"])
    };
    let (a, b) = (verify(data, env), verify(&elsewhere, &there));
    assert!(a.starts_with("操作日志完整") && a == b, "{a} / {b}");
    // Never over data: a second restore into the same place is refused, nothing changed.
    let again = Command::new(env!("CARGO_BIN_EXE_openday"))
        .args([
            "restore",
            backup.to_str().unwrap(),
            "--data",
            elsewhere.to_str().unwrap(),
        ])
        .envs(there.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("已有数据"));
    let _ = std::fs::remove_dir_all(&elsewhere);
    let _ = std::fs::remove_file(backup);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_lives_its_whole_life_on_the_embedded_engine() {
    lifecycle(&[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_lives_its_whole_life_on_moto_as_an_external_dynamodb() {
    let moto = MotoServer::start().unwrap();
    lifecycle(&[
        ("AWS_ENDPOINT_URL_DYNAMODB", moto.endpoint().to_owned()),
        ("OPENDAY_TABLE", "openday-e2e".to_owned()),
        ("AWS_ACCESS_KEY_ID", "local".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "local".to_owned()),
        ("AWS_REGION", "cn-north-1".to_owned()), // as the test's own client (client_for)
    ])
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_local_server_guards_its_data_and_cuts_off_slow_senders() {
    use std::io::{Read, Write};
    use std::os::unix::fs::PermissionsExt;
    let data = std::env::temp_dir().join(format!("openday-guard-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data).unwrap();
    let env = [("OPENDAY_HEADER_TIMEOUT_MS", "300".to_owned())];
    let (server, _) = start(&data, "2026-09-01T10:00:00+08:00", &env, false);
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700, "the data folder");
    assert_eq!(mode(&data.join("openday.db")), 0o600, "the database file");

    // Headers that never finish: the connection is closed, not held.
    let addr = server.base.trim_start_matches("http://").to_owned();
    let mut slow = std::net::TcpStream::connect(&addr).unwrap();
    slow.write_all(b"GET /api/announcements HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    slow.set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    let started = std::time::Instant::now();
    let mut buf = Vec::new();
    let _ = slow.read_to_end(&mut buf);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(4),
        "cut off after the header timeout, not held: {:?}",
        started.elapsed()
    );
    // Everyone else is still served.
    let res = reqwest::get(format!("{}/api/announcements?year=2026", server.base))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // Public and without personal data: a CDN may share it for ten seconds.
    assert_eq!(
        res.headers()["cache-control"],
        "public, max-age=0, s-maxage=10"
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
}
