//! The public site in a real browser, as a person uses it: Debian's Chromium driven through
//! ChromeDriver (fantoccini) against `openday serve`. Find the open day from `/`, register
//! with a wrong ID number and see the message at the field, correct it with the SMS code
//! from the local outbox, land on the confirmation, reload (still one registration), look it
//! up and cancel it; on the event's days give feedback and an evaluation; after the response
//! is published, read it. Every page is checked with axe-core (violations and "incomplete"
//! results both fail) and photographed at a phone's and a desktop's width into
//! `target/screenshots/`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use openday_local_dynamo::free_port;
use serde_json::{Value, json};

/// A process killed when the test ends, however it ends, and a folder removed with it.
struct Guard {
    child: Child,
    dir: Option<PathBuf>,
}

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

fn cli(data: &Path, now: &str, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_openday"))
        .args(args)
        .args(["--data", data.to_str().unwrap()])
        .env("OPENDAY_NOW", now)
        .env_remove("AWS_ENDPOINT_URL_DYNAMODB")
        .env_remove("OPENDAY_TABLE")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn wait_for_port(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "{what} did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `openday serve` on the data folder with the clock at `now`.
/// The clock of the server last started on each data folder (what an authenticator app's
/// code must match).
fn server_clock() -> &'static std::sync::Mutex<std::collections::HashMap<PathBuf, String>> {
    static CLOCKS: std::sync::OnceLock<
        std::sync::Mutex<std::collections::HashMap<PathBuf, String>>,
    > = std::sync::OnceLock::new();
    CLOCKS.get_or_init(Default::default)
}

fn serve(data: &Path, now: &str) -> (Guard, String) {
    server_clock()
        .lock()
        .unwrap()
        .insert(data.to_path_buf(), now.to_owned());
    let port = free_port().unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_openday"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}"), "--data"])
        .arg(data)
        .env("OPENDAY_NOW", now)
        .envs(openday_testkit::UNLIMITED_QUOTAS)
        .env_remove("AWS_ENDPOINT_URL_DYNAMODB")
        .env_remove("OPENDAY_TABLE")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_port(port, "openday serve");
    (
        Guard { child, dir: None },
        format!("http://127.0.0.1:{port}"),
    )
}

/// A fresh data folder with the demo directory, served with the clock at `now`.
fn demo_server(name: &str, now: &str) -> (PathBuf, Guard, String) {
    let data = openday_testkit::temp_dir(name);
    cli(
        &data,
        now,
        &[
            "orgs",
            "import",
            repo("infra/demo/orgs.json").to_str().unwrap(),
        ],
    );
    let (server, base) = serve(&data, now);
    (data, server, base)
}

/// ChromeDriver with a headless Chromium on a fresh profile that is removed afterwards.
async fn browser() -> (Guard, Client) {
    let port = free_port().unwrap();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver (installed by infra/tools/install)");
    wait_for_port(port, "chromedriver");
    let profile = openday_testkit::temp_dir("chromium-profile");
    std::fs::create_dir_all(&profile).unwrap();
    let guard = Guard {
        child,
        dir: Some(profile.clone()),
    };
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--lang=zh-CN", "--hide-scrollbars",
                format!("--user-data-dir={}", profile.display()),
            ]
        }),
    );
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a Chromium session");
    (guard, client)
}

/// A plan of the demo agency, filed by its office and announced; its id.
async fn announced_plan(http: &reqwest::Client, base: &str, data: &Path, now: &str) -> String {
    let agency = cli(data, now, &["token", "nn-jt"]);
    let office = cli(data, now, &["token", "nn-office"]);
    let plan: Value =
        serde_json::from_str(&std::fs::read_to_string(repo("infra/demo/plan.json")).unwrap())
            .unwrap();
    let created: Value = http
        .post(format!("{base}/api/plans"))
        .bearer_auth(&agency)
        .json(&plan)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().expect("plan created").to_owned();
    let filed = http
        .post(format!("{base}/api/plans/{id}/review"))
        .bearer_auth(&office)
        .json(&json!({"decision": "file", "version": 1}))
        .send()
        .await
        .unwrap();
    assert!(filed.status().is_success());
    let announced = http
        .post(format!("{base}/api/plans/{id}/announcement"))
        .bearer_auth(&agency)
        .json(&json!({
            "version": 2, "registration_method": "门户网站在线报名",
            "sessions": [{"date": "2026-09-20", "start": "09:00", "end": "11:30", "meeting_point": "机关大院北门"}],
            "content": "参观公交调度中心，听取线网优化方案，座谈交流",
            "reminders": "请携带本人身份证件，提前15分钟到场", "registration_deadline": "2026-09-15"
        }))
        .send()
        .await
        .unwrap();
    assert!(announced.status().is_success());
    id
}

/// The agency's questionnaire (opened), and a campaign of the city office that the event is
/// tied to, its 集中公告 published; the campaign's id.
async fn questionnaire_and_campaign(
    http: &reqwest::Client,
    base: &str,
    data: &Path,
    now: &str,
    plan: &str,
) -> String {
    let agency = cli(data, now, &["token", "nn-jt"]);
    let office = cli(data, now, &["token", "nn-office"]);
    let call = |method: reqwest::Method, path: String, token: &str, body: Value| {
        http.request(method, format!("{base}{path}"))
            .bearer_auth(token)
            .json(&body)
            .send()
    };
    let saved = call(
        reqwest::Method::PUT,
        format!("/api/plans/{plan}/questionnaire"),
        &agency,
        json!({"version": 0, "title": "公交线网优化满意度调查",
            "questions": [{"kind": "single", "title": "您多久乘坐一次公交？", "required": true,
                           "options": ["每天", "每周", "很少"]}],
            "opens_on": "2026-09-20", "closes_on": "2026-10-05"}),
    )
    .await
    .unwrap();
    assert!(
        saved.status().is_success(),
        "{}",
        saved.text().await.unwrap()
    );
    let opened = call(
        reqwest::Method::POST,
        format!("/api/plans/{plan}/questionnaire/open"),
        &agency,
        json!({"version": 1}),
    )
    .await
    .unwrap();
    assert!(
        opened.status().is_success(),
        "{}",
        opened.text().await.unwrap()
    );
    let created: Value = call(
        reqwest::Method::POST,
        "/api/campaigns".into(),
        &office,
        json!({"name": "南宁市2026年“政府开放日”联合开放活动", "from": "2026-09-14",
            "until": "2026-09-30", "agencies": ["nn-jt"]}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let id = created["id"].as_str().expect("campaign created").to_owned();
    let tied = call(
        reqwest::Method::POST,
        format!("/api/campaigns/{id}/plans"),
        &agency,
        json!({"plan_id": plan}),
    )
    .await
    .unwrap();
    assert!(tied.status().is_success(), "{}", tied.text().await.unwrap());
    let published = call(
        reqwest::Method::POST,
        format!("/api/campaigns/{id}/announcement"),
        &office,
        json!({}),
    )
    .await
    .unwrap();
    assert!(
        published.status().is_success(),
        "{}",
        published.text().await.unwrap()
    );
    id
}

/// Runs axe-core inside the page; every violation and every "incomplete" result fails.
async fn axe(client: &Client, page: &str) {
    axe_with(client, page, json!({})).await;
}

/// axe with `rules` switched on or off (`{"color-contrast-enhanced": {"enabled": true}}`).
async fn axe_with(client: &Client, page: &str, rules: Value) {
    let source =
        std::fs::read_to_string(repo("infra/tools/browser/node_modules/axe-core/axe.min.js"))
            .expect("axe-core (installed by infra/tools/install)");
    client.execute(&source, vec![]).await.unwrap();
    let result = client
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               const rules = arguments[0];
               axe.run(document, {resultTypes: ['violations', 'incomplete'], rules}).then(r => done({
                 violations: r.violations.map(v => ({id: v.id, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))})),
                 incomplete: r.incomplete.map(v => ({id: v.id, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))}))
               }));"#,
            vec![rules],
        )
        .await
        .unwrap();
    assert_eq!(
        (&result["violations"], &result["incomplete"]),
        (&json!([]), &json!([])),
        "axe on {page}: {result:#}"
    );
}

/// Saves the page at a phone's width (360 px) and a desktop's (1280 px).
async fn screenshots(client: &Client, name: &str) {
    let dir = repo("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    for (width, height, suffix) in [(360, 780, "phone"), (1280, 900, "desktop")] {
        client.set_window_size(width, height).await.unwrap();
        let png = client.screenshot().await.unwrap();
        std::fs::write(dir.join(format!("{name}-{suffix}.png")), png).unwrap();
    }
    client.set_window_size(1280, 900).await.unwrap();
}

/// axe and screenshots of the page the browser is on.
async fn look(client: &Client, name: &str) {
    axe(client, name).await;
    screenshots(client, name).await;
}

/// Follows the link that says `text`.
async fn follow(client: &Client, text: &str) {
    client
        .find(Locator::LinkText(text))
        .await
        .unwrap_or_else(|_| panic!("a link {text}"))
        .click()
        .await
        .unwrap();
}

/// The seats left, as the API says.
async fn seats_left(http: &reqwest::Client, base: &str, plan: &str) -> u64 {
    let detail: Value = http
        .get(format!("{base}/api/announcements/{plan}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    detail["seats_left"].as_u64().unwrap()
}

async fn fill(client: &Client, name: &str, value: &str) {
    let field = client
        .find(Locator::Css(&format!("[name='{name}']:not([type=hidden])")))
        .await
        .unwrap_or_else(|_| panic!("a field {name}"));
    field.clear().await.unwrap();
    field.send_keys(value).await.unwrap();
}

async fn tick(client: &Client, name: &str, value: Option<&str>) {
    let css = match value {
        Some(v) => format!("input[name='{name}'][value='{v}']"),
        None => format!("input[name='{name}']"),
    };
    client
        .find(Locator::Css(&css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn press(client: &Client, text: &str) {
    client
        .find(Locator::XPath(&format!(
            "//button[normalize-space()='{text}']"
        )))
        .await
        .unwrap_or_else(|_| panic!("a button {text}"))
        .click()
        .await
        .unwrap();
}

/// The text of the first element matching `css`, waiting (up to 10 s) for a page that is
/// still loading after a submit.
async fn text_of(client: &Client, css: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let found = match client.find(Locator::Css(css)).await {
            Ok(element) => element.text().await.ok(),
            Err(_) => None,
        };
        match found {
            Some(text) => return text,
            None if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await
            }
            None => panic!("no {css} on {}", client.current_url().await.unwrap()),
        }
    }
}

/// Waits (up to 10 s) until the element matching `css` says `needle`: after a submit, the
/// old page may still be showing.
async fn wait_text(client: &Client, css: &str, needle: &str) -> String {
    wait_text_any(client, css, &[needle]).await
}

/// Waits (up to 10 s) for the element to exist and say one of `needles`. An element that is
/// not there yet never matches, so an empty needle waits for the element itself.
async fn wait_text_any(client: &Client, css: &str, needles: &[&str]) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = match client.find(Locator::Css(css)).await {
            Ok(element) => element.text().await.ok(),
            Err(_) => None,
        };
        if let Some(text) = &text
            && needles.iter().any(|needle| text.contains(needle))
        {
            return text.clone();
        }
        assert!(
            Instant::now() < deadline,
            "{css} never said any of {needles:?}: {text:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Presses 获取验证码, waits for the page that says the code was sent, and reads the code
/// from the local SMS outbox as the person reads their phone.
async fn send_code(client: &Client, data: &Path, phone: &str) -> String {
    press(client, "获取验证码").await;
    let masked = format!("{}****{}", &phone[..3], &phone[7..]);
    wait_text(client, "[role=status]", &format!("验证码已发送至{masked}")).await;
    openday_testkit::sms_code_in(&data.join("sms"), phone)
}

/// Waits (up to 10 s) for the browser to arrive at a path ending in `suffix`.
async fn wait_for_path(client: &Client, suffix: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let url = client.current_url().await.unwrap();
        if url.path().ends_with(suffix) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "still at {url}: {}",
            body(client).await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn body(client: &Client) -> String {
    text_of(client, "body").await
}

/// A valid ID number of someone born on 1980-05-04 in Nanning, `n` distinguishing people.
fn id_number(n: u32) -> String {
    let body = format!("450103198005043{n:02}");
    let mut digits = [0u8; 17];
    for (d, c) in digits.iter_mut().zip(body.chars()) {
        *d = c.to_digit(10).unwrap() as u8;
    }
    format!(
        "{body}{}",
        openday_rules::resident_id::check_character(&digits)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_site_in_a_real_browser() {
    let before = "2026-09-01T10:00:00+08:00";
    let (data, server, base) = demo_server("browser", before);
    let http = reqwest::Client::new();
    let plan = announced_plan(&http, &base, &data, before).await;
    let campaign = questionnaire_and_campaign(&http, &base, &data, before, &plan).await;
    let (_driver, client) = browser().await;

    // The list of this year's open days, and the announcement.
    client.goto(&base).await.unwrap();
    look(&client, "index").await;
    follow(&client, "南宁市交通运输局“政府开放日”").await;
    wait_text(&client, "body", "温馨提示").await;
    look(&client, "open-day").await;
    // The joint campaign's 集中公告 lists the event.
    client
        .goto(&format!("{base}/campaigns/{campaign}"))
        .await
        .unwrap();
    wait_text(&client, "main", "南宁市交通运输局“政府开放日”").await;
    look(&client, "campaign").await;
    client
        .goto(&format!("{base}/open-days/{plan}"))
        .await
        .unwrap();
    wait_text(&client, "main", "场次").await;
    follow(&client, "我要报名").await;
    look(&client, "register").await;

    // A wrong check digit, with the text-message step done first.
    let phone = "13900139001";
    let good = id_number(1);
    let last = good.chars().last().unwrap();
    let wrong_digit = if last == '1' { '2' } else { '1' };
    let wrong = format!("{}{wrong_digit}", &good[..17]);
    fill(&client, "name", "李四").await;
    fill(&client, "id_number", &wrong).await;
    tick(&client, "category", Some("journalist")).await;
    tick(&client, "relation", Some("works")).await;
    tick(&client, "full_civil_capacity", None).await;
    tick(&client, "not_deputy", None).await;
    tick(&client, "id_consent", None).await;
    fill(&client, "phone", phone).await;
    let code = send_code(&client, &data, phone).await;
    // The form came back as typed, now with the code field.
    let kept = client.find(Locator::Css("#f-id_number")).await.unwrap();
    assert_eq!(
        kept.prop("value").await.unwrap().as_deref(),
        Some(wrong.as_str())
    );
    fill(&client, "sms_code", &code).await;
    press(&client, "提交报名").await;
    wait_text(&client, "[role=alert]", "校验码").await;
    assert!(text_of(&client, "#e-id_number").await.contains("校验码"));
    look(&client, "register-refused").await;
    // The summary links to the field.
    client
        .find(Locator::Css("[role=alert] a[href='#f-id_number']"))
        .await
        .unwrap();

    fill(&client, "id_number", &good).await;
    press(&client, "提交报名").await;
    wait_for_path(&client, "/registered").await;
    wait_text(&client, "h1", "报名成功").await;
    let reg = text_of(&client, ".code").await;
    assert_eq!(reg.len(), 8, "{reg}");
    assert!(client.find(Locator::Css(".qr svg")).await.is_ok());
    look(&client, "registered").await;
    // A reload shows the confirmation again and registers nobody twice.
    client.refresh().await.unwrap();
    assert_eq!(text_of(&client, ".code").await, reg);
    assert_eq!(seats_left(&http, &base, &plan).await, 29);

    // Look it up, then cancel after the confirmation step.
    follow(&client, "查询报名").await;
    look(&client, "lookup").await;
    // From the keyboard alone: type the code, Tab to the phone, Enter submits.
    fill(&client, "code", &reg).await;
    let code_field = client.find(Locator::Css("#f-code")).await.unwrap();
    code_field
        .send_keys(&format!("{}", fantoccini::key::Key::Tab))
        .await
        .unwrap();
    let focused = client
        .execute("return document.activeElement.id", vec![])
        .await
        .unwrap();
    assert_eq!(focused, json!("f-phone"));
    let phone_field = client.find(Locator::Css("#f-phone")).await.unwrap();
    phone_field
        .send_keys(&format!("{phone}{}", fantoccini::key::Key::Enter))
        .await
        .unwrap();
    wait_text(&client, "#found-h", "报名信息").await;
    let found = body(&client).await;
    assert!(
        found.contains("报名成功") && found.contains("139****9001"),
        "{found}"
    );
    assert!(
        !found.contains(&good),
        "the ID number is never shown in full"
    );
    look(&client, "lookup-found").await;
    press(&client, "取消报名").await;
    wait_text(&client, "button.danger", "确认取消报名").await;
    look(&client, "cancel-confirm").await;
    fill(&client, "sms_code", &code).await;
    press(&client, "确认取消报名").await;
    wait_text(&client, "[role=status]", "已取消").await;
    assert_eq!(seats_left(&http, &base, &plan).await, 30);
    // Someone registers to rate the event later (only participants rate it).
    let rater = register(&http, &base, &data, &plan, 3).await;
    drop(server);

    // The event's days: feedback and an evaluation.
    let during = "2026-09-21T10:00:00+08:00";
    let (server, base) = serve(&data, during);
    client
        .goto(&format!("{base}/open-days/{plan}/feedback"))
        .await
        .unwrap();
    look(&client, "feedback").await;
    let phone = "13900139002";
    tick(&client, "category", Some("service")).await;
    fill(&client, "content", "建议增加周末开放场次，方便上班族参加。").await;
    fill(&client, "phone", phone).await;
    let code = send_code(&client, &data, phone).await;
    fill(&client, "sms_code", &code).await;
    press(&client, "提交意见").await;
    wait_text(&client, "[role=status]", "意见建议已提交").await;
    follow(&client, "网络测评").await;
    look(&client, "evaluation").await;
    tick(&client, "rating", Some("5")).await;
    fill(&client, "comment", "讲解清楚，安排周到。").await;
    fill(&client, "registration_code", &rater).await;
    let phone = "13900139203";
    fill(&client, "phone", phone).await;
    let code = send_code(&client, &data, phone).await;
    fill(&client, "sms_code", &code).await;
    press(&client, "提交评价").await;
    wait_text(&client, "[role=status]", "评价已提交").await;
    // 问卷调查: the question, the phone proved, 提交问卷.
    client
        .goto(&format!("{base}/open-days/{plan}"))
        .await
        .unwrap();
    follow(&client, "参加问卷调查").await;
    wait_text(&client, "h1", "问卷调查").await;
    look(&client, "questionnaire").await;
    tick(&client, "q.1", Some("1")).await;
    let phone = "13900139204";
    fill(&client, "phone", phone).await;
    let code = send_code(&client, &data, phone).await;
    fill(&client, "sms_code", &code).await;
    press(&client, "提交问卷").await;
    wait_text(&client, "[role=status]", "问卷已提交").await;
    drop(server);

    // After the event the agency answers and publishes; the public reads the response.
    let after = "2026-09-28T10:00:00+08:00";
    let (_server, base) = serve(&data, after);
    let agency = cli(&data, after, &["token", "nn-jt"]);
    let answered = http
        .post(format!("{base}/api/plans/{plan}/feedback-answers"))
        .bearer_auth(&agency)
        .json(&json!({"unanswered": true, "adoption": "adopted", "reply": "已采纳，十月起每月增开一个周末场次。"}))
        .send()
        .await
        .unwrap();
    assert!(answered.status().is_success());
    let detail: Value = http
        .get(format!("{base}/api/plans/{plan}"))
        .bearer_auth(&agency)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let published = http
        .post(format!("{base}/api/plans/{plan}/feedback-response"))
        .bearer_auth(&agency)
        .json(&json!({"version": detail["version"], "summary": "本次活动共收到意见建议1条，已全部答复。"}))
        .send()
        .await
        .unwrap();
    assert!(
        published.status().is_success(),
        "{}",
        published.text().await.unwrap()
    );
    client
        .goto(&format!("{base}/open-days/{plan}"))
        .await
        .unwrap();
    follow(&client, "查看意见建议采纳情况").await;
    let response = wait_text(&client, "body", "逐条答复").await;
    assert!(
        response.contains("建议增加周末开放场次") && response.contains("采纳"),
        "{response}"
    );
    assert!(response.contains("问卷调查结果"), "{response}");
    look(&client, "response").await;
    // 群众评议: the office opens it; a person rates the event on its form.
    let office = cli(&data, after, &["token", "nn-office"]);
    let opened: Value = http
        .post(format!("{base}/api/public-evaluations"))
        .bearer_auth(&office)
        .json(
            &json!({"title": "2026年南宁市政府开放日群众评议", "year": 2026,
            "opens_on": "2026-09-28", "closes_on": "2026-10-31"}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let evaluation = opened["id"].as_str().expect("evaluation opened").to_owned();
    client
        .goto(&format!("{base}/public-evaluations/{evaluation}"))
        .await
        .unwrap();
    wait_text(&client, "h1", "群众评议").await;
    look(&client, "public-evaluation").await;
    follow(&client, "南宁市交通运输局“政府开放日”").await;
    wait_text(&client, "h1", "群众评议").await;
    tick(&client, "overall", Some("5")).await;
    tick(&client, "organisation", Some("4")).await;
    tick(&client, "adoption", Some("5")).await;
    let phone = "13900139205";
    fill(&client, "phone", phone).await;
    let code = send_code(&client, &data, phone).await;
    fill(&client, "sms_code", &code).await;
    look(&client, "verdict").await;
    press(&client, "提交评议").await;
    wait_text(&client, "[role=status]", "评议已提交").await;
    // A page that does not exist is a page too.
    client
        .goto(&format!("{base}/open-days/nope"))
        .await
        .unwrap();
    wait_text(&client, "h1", "页面不存在").await;
    look(&client, "not-found").await;
    client.close().await.unwrap();
    let _ = std::fs::remove_dir_all(&data);
}

/// Sets a field's value as a date picker or a select does (their typing differs by locale).
async fn set_value(client: &Client, name: &str, value: &str) {
    client
        .execute(
            "const f = document.querySelector(`[name='${arguments[0]}']`); f.value = arguments[1];",
            vec![json!(name), json!(value)],
        )
        .await
        .unwrap_or_else(|e| panic!("a field {name}: {e}"));
}

/// Signs in at the staff pages as a person does: asks for the link, reads it from the local
/// outbox, opens it, confirms.
async fn staff_sign_in(client: &Client, base: &str, data: &Path, email: &str, shot: Option<&str>) {
    client.goto(&format!("{base}/staff/sign-in")).await.unwrap();
    wait_text(client, "h1", "工作人员登录").await;
    fill(client, "email", email).await;
    press(client, "发送登录链接").await;
    wait_text(client, "[role=status]", "登录链接和6位验证码已发送").await;
    if let Some(name) = shot {
        look(client, &format!("{name}-sign-in")).await;
    }
    let (link, _) = openday_testkit::sign_in_mail(&data.join("outbox"), email);
    client.goto(&format!("{base}{link}")).await.unwrap();
    wait_text(client, "h1", "确认登录").await;
    if let Some(name) = shot {
        look(client, &format!("{name}-confirm")).await;
    }
    press(client, "确认登录").await;
    // The second factor: enrolled at the first sign-in (QR code and key), a code after.
    wait_for_path(client, "/staff/second-factor").await;
    let page = client.source().await.unwrap();
    if let Some(name) = shot {
        look(client, &format!("{name}-second-factor")).await;
    }
    let now = server_clock().lock().unwrap()[data].clone();
    let code = openday_testkit::second_factor_code(
        &data.join("outbox"),
        email,
        &page,
        openday_testkit::at(&now),
    );
    fill(client, "code", &code).await;
    let enrolling = page.contains("totp-secret");
    press(
        client,
        if enrolling {
            "完成绑定"
        } else {
            "验证并登录"
        },
    )
    .await;
    if enrolling {
        wait_text(client, "h1", "请保存恢复码").await;
        if let Some(name) = shot {
            look(client, &format!("{name}-recovery-codes")).await;
        }
        follow(client, "我已保存恢复码，进入工作台").await;
    } else {
        wait_text(client, "[role=status]", "已登录").await;
    }
    wait_for_path(client, "/staff").await;
}

async fn sign_out(client: &Client, base: &str) {
    client.goto(&format!("{base}/staff")).await.unwrap();
    press(client, "退出").await;
    wait_text(client, "[role=status]", "已退出登录").await;
}

/// The plan id of the staff plan page the browser is on.
async fn plan_id_of(client: &Client) -> String {
    let url = client.current_url().await.unwrap();
    url.path()
        .trim_start_matches("/staff/plans/")
        .split('/')
        .next()
        .unwrap()
        .to_owned()
}

/// A public registration through the API (the public site's own flow is the test above).
async fn register(http: &reqwest::Client, base: &str, data: &Path, plan: &str, n: u32) -> String {
    let phone = format!("139001392{n:02}");
    let code = api_code(http, base, data, &phone).await;
    let r = http
        .post(format!("{base}/api/announcements/{plan}/registrations"))
        .json(
            &json!({"name": format!("市民{n}"), "id_number": id_number(n + 10), "phone": phone,
            "sms_code": code, "category": "worker", "relation": "lives",
            "full_civil_capacity": true, "not_deputy": true, "id_consent": true}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let body: Value = r.json().await.unwrap();
    body["code"].as_str().unwrap().to_owned()
}

/// A text-message code asked for through the API, read from the local outbox.
async fn api_code(http: &reqwest::Client, base: &str, data: &Path, phone: &str) -> String {
    let sent = http
        .post(format!("{base}/api/sms-codes"))
        .json(&json!({"phone": phone}))
        .send()
        .await
        .unwrap();
    assert!(sent.status().is_success());
    openday_testkit::sms_code_in(&data.join("sms"), phone)
}

/// Person `n` answers the questionnaire through the API (choice `choice` of question 1).
async fn answer_questionnaire(
    http: &reqwest::Client,
    base: &str,
    data: &Path,
    plan: &str,
    n: u32,
    choice: u32,
) {
    let phone = format!("139001396{n:02}");
    let code = api_code(http, base, data, &phone).await;
    let r = http
        .post(format!("{base}/api/questionnaires/{plan}/answers"))
        .json(&json!({"answers": {"1": choice}, "phone": phone, "sms_code": code}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201, "{}", r.text().await.unwrap());
}

/// Public feedback through the API, during the event.
async fn give_feedback(
    http: &reqwest::Client,
    base: &str,
    data: &Path,
    plan: &str,
    n: u32,
    content: &str,
) {
    let phone = format!("139001393{n:02}");
    let code = api_code(http, base, data, &phone).await;
    let r = http
        .post(format!("{base}/api/plans/{plan}/feedback"))
        .json(
            &json!({"channel": "online", "category": "service", "content": content,
            "phone": phone, "sms_code": code}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201, "{}", r.text().await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_staff_site_through_a_year_in_a_real_browser() {
    const AGENCY: &str = "jtj@nn.example.org";
    const OFFICE: &str = "gongkai@nn.example.org";
    let august = "2026-08-01T09:00:00+08:00";
    let (data, server, base) = demo_server("browser-staff", august);
    let http = reqwest::Client::new();
    let (_driver, client) = browser().await;

    // Signed out: the staff pages ask to sign in first.
    client.goto(&format!("{base}/staff")).await.unwrap();
    wait_text(&client, "[role=status]", "请先登录").await;

    // The agency signs in by the mailed link and writes a plan with two mistakes.
    staff_sign_in(&client, &base, &data, AGENCY, Some("staff")).await;
    look(&client, "staff-home-agency").await;

    // The mailbox is the agency's first 管理员: it invites a member and reads the 操作日志.
    follow(&client, "成员管理").await;
    wait_text(&client, "h1", "成员管理").await;
    fill(&client, "name", "李四").await;
    fill(&client, "email", "lisi@nn.example.org").await;
    client
        .find(Locator::Css("#invite-clerk"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    press(&client, "发送邀请").await;
    wait_text(&client, "[role=status]", "已邀请李四").await;
    look(&client, "staff-members").await;
    follow(&client, "操作日志").await;
    let log = wait_text(&client, "main", "member.invite").await;
    assert!(
        log.contains("sign_in") && log.contains(AGENCY) && log.contains("lisi@nn.example.org"),
        "{log}"
    );
    look(&client, "staff-audit").await;
    client.goto(&format!("{base}/staff/account")).await.unwrap();
    wait_text(&client, "h1", "安全设置").await;
    look(&client, "staff-account").await;
    // The member signs in with a second factor of their own; a 经办人 manages nobody.
    sign_out(&client, &base).await;
    staff_sign_in(&client, &base, &data, "lisi@nn.example.org", None).await;
    let home = body(&client).await;
    assert!(
        home.contains("李四") && !home.contains("成员管理"),
        "{home}"
    );
    sign_out(&client, &base).await;
    staff_sign_in(&client, &base, &data, AGENCY, None).await;
    client
        .goto(&format!("{base}/staff/plans/new"))
        .await
        .unwrap();
    wait_text(&client, "h1", "新建实施方案").await;
    look(&client, "staff-plan-form").await;
    fill(&client, "name", "南宁市交通运输局校园开放日").await;
    fill(&client, "theme", "走进公交调度中心：线网优化听民意").await;
    tick(&client, "format", Some("week")).await;
    set_value(&client, "start_date", "2026-09-20").await;
    set_value(&client, "end_date", "2026-09-26").await;
    fill(&client, "venue", "南宁市青秀区民族大道1号 南宁市交通运输局").await;
    set_value(&client, "segments.0.type", "site_visit:construction").await;
    fill(&client, "segments.0.description", "地铁5号线延长线工地").await;
    // A second segment row, added without JavaScript; what was typed stays.
    press(&client, "增加开放环节").await;
    wait_text(&client, "body", "环节2").await;
    assert_eq!(
        client
            .find(Locator::Css("[name='segments.0.description']"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("地铁5号线延长线工地")
    );
    set_value(&client, "segments.1.type", "meeting:bureau_meeting").await;
    tick(&client, "interactions.qa_session", None).await;
    tick(&client, "interactions.questionnaire", None).await;
    tick(&client, "experiences.window_service", None).await;
    fill(&client, "capacity", "20").await;
    tick(&client, "channels.offline_recommendation", None).await;
    fill(&client, "leaders.0.name", "李明").await;
    // A title the rules cannot place passes, and the reviewing office is asked to judge it.
    fill(&client, "leaders.0.title", "总工程师").await;
    tick(&client, "leaders.0.government_leader", None).await;
    fill(&client, "contact_name", "王芳").await;
    fill(&client, "contact_phone", "0771-5551234").await;
    tick(&client, "no_deputy_inspection_overlap", None).await;
    press(&client, "提交审核").await;
    wait_text(&client, "[role=alert]", "提交未成功").await;
    assert!(text_of(&client, "#e-name").await.contains("政府开放日"));
    assert!(text_of(&client, "#e-capacity").await.contains("25"));
    look(&client, "staff-plan-form-refused").await;
    fill(&client, "name", "南宁市交通运输局“政府开放日”").await;
    fill(&client, "capacity", "30").await;
    press(&client, "提交审核").await;
    wait_text(&client, "[role=status]", "已报送").await;
    let plan = plan_id_of(&client).await;
    look(&client, "staff-plan-submitted").await;
    // The office's mail links to the review page.
    let mails = openday_mail::read_outbox(&data.join("outbox")).unwrap();
    assert!(mails.iter().any(|m| {
        m.to == [OFFICE]
            && m.text
                .contains(&format!("{base}/staff/plans/{plan}/review"))
    }));
    sign_out(&client, &base).await;

    // Another agency cannot open it.
    staff_sign_in(&client, &base, &data, "scjg@nn.example.org", None).await;
    client
        .goto(&format!("{base}/staff/plans/{plan}"))
        .await
        .unwrap();
    wait_text(&client, "main", "无权查看其他机关的实施方案").await;
    look(&client, "staff-forbidden").await;
    sign_out(&client, &base).await;

    // The office returns it with a comment.
    staff_sign_in(&client, &base, &data, OFFICE, None).await;
    wait_text(&client, "main", "待审核").await;
    look(&client, "staff-home-office").await;
    client
        .goto(&format!("{base}/staff/plans/{plan}/review"))
        .await
        .unwrap();
    wait_text(&client, "h1", "审核").await;
    wait_text(&client, "main", "请审核：参加领导李明的职务“总工程师”").await;
    look(&client, "staff-review").await;
    tick(&client, "decision", Some("return")).await;
    fill(&client, "comment", "请补充安全保障措施和现场路线。").await;
    press(&client, "提交审核结论").await;
    wait_text(&client, "[role=status]", "已退回修改").await;
    // The office opens the review page again; the agency revises meanwhile (version 3).
    sign_out(&client, &base).await;

    staff_sign_in(&client, &base, &data, AGENCY, None).await;
    client
        .goto(&format!("{base}/staff/plans/{plan}"))
        .await
        .unwrap();
    wait_text(&client, "main", "请补充安全保障措施").await;
    follow(&client, "修改方案").await;
    wait_text(&client, "h1", "修改实施方案").await;
    look(&client, "staff-plan-edit").await;
    fill(
        &client,
        "segments.0.description",
        "地铁5号线延长线工地（全程佩戴安全帽，专人引导）",
    )
    .await;
    press(&client, "提交审核").await;
    wait_text(&client, "[role=status]", "已报送").await;
    sign_out(&client, &base).await;

    // A stale version: the office's review page was opened before the agency's next change.
    staff_sign_in(&client, &base, &data, OFFICE, None).await;
    client
        .goto(&format!("{base}/staff/plans/{plan}/review"))
        .await
        .unwrap();
    wait_text(&client, "h1", "审核").await;
    let agency_token = cli(&data, august, &["token", "nn-jt"]);
    let detail: Value = http
        .get(format!("{base}/api/plans/{plan}"))
        .bearer_auth(&agency_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut body = detail["plan"].clone();
    body["version"] = detail["version"].clone();
    body["theme"] = json!("走进公交调度中心：线网优化听民意（第二版）");
    let revised = http
        .put(format!("{base}/api/plans/{plan}"))
        .bearer_auth(&agency_token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(
        revised.status().is_success(),
        "{}",
        revised.text().await.unwrap()
    );
    tick(&client, "decision", Some("file")).await;
    press(&client, "提交审核结论").await;
    wait_text(&client, "[role=alert]", "实施机关已修改该方案").await;
    look(&client, "staff-review-stale").await;
    // Filed from the page as it is now.
    tick(&client, "decision", Some("file")).await;
    press(&client, "提交审核结论").await;
    wait_text(&client, "[role=status]", "已备案").await;
    sign_out(&client, &base).await;

    // A cross-site form post is refused (another site's page posting to the platform).
    client
        .goto(&format!(
            "data:text/html;charset=utf-8,<form method=post action='{base}/staff/sign-out'><input name=csrf value=x><button>go</button></form>"
        ))
        .await
        .unwrap();
    client
        .find(Locator::Css("button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // Either refusal will do; waiting for one of them (not for any text) lets the post land.
    wait_text_any(&client, "main", &["页面已过期", "请先登录"]).await;

    // The agency publishes the announcement; the last legal day is shown.
    staff_sign_in(&client, &base, &data, AGENCY, None).await;
    let (used_link, _) = openday_testkit::sign_in_mail(&data.join("outbox"), AGENCY);
    client
        .goto(&format!("{base}/staff/plans/{plan}"))
        .await
        .unwrap();
    wait_text(&client, "main", "最迟2026年9月5日发布").await;
    follow(&client, "发布活动公告").await;
    wait_text(&client, "h1", "发布活动公告").await;
    look(&client, "staff-announce").await;
    fill(
        &client,
        "content",
        "参观公交调度中心，听取线网优化方案，座谈交流",
    )
    .await;
    fill(&client, "reminders", "请携带本人身份证件，提前15分钟到场").await;
    set_value(&client, "registration_deadline", "2026-09-15").await;
    set_value(&client, "sessions.0.start", "09:00").await;
    set_value(&client, "sessions.0.end", "11:30").await;
    fill(&client, "livestream_main_name", "南宁市公交调度中心").await;
    fill(
        &client,
        "livestream_main_url",
        "https://live.example.gov.cn/nn-jt",
    )
    .await;
    press(&client, "发布活动公告").await;
    wait_text(&client, "[role=status]", "活动公告已发布").await;
    look(&client, "staff-plan-announced").await;
    // 问卷设计: a question, saved and previewed, then opened.
    follow(&client, "问卷设计").await;
    wait_text(&client, "h1", "问卷设计").await;
    look(&client, "staff-questionnaire").await;
    fill(&client, "title", "公交线网优化满意度调查").await;
    set_value(&client, "closes_on", "2026-10-05").await;
    set_value(&client, "questions.0.kind", "single").await;
    fill(&client, "questions.0.title", "您多久乘坐一次公交？").await;
    fill(&client, "questions.0.options", "每天\n每周\n很少").await;
    press(&client, "保存并预览").await;
    wait_text(&client, "[role=status]", "问卷已保存").await;
    look(&client, "staff-questionnaire-preview").await;
    press(&client, "返回问卷设计").await;
    wait_text(&client, "h1", "问卷设计").await;
    press(&client, "开放问卷").await;
    wait_text(&client, "[role=status]", "问卷已开放").await;
    client
        .goto(&format!("{base}/staff/plans/{plan}"))
        .await
        .unwrap();
    wait_text(&client, "h1", "南宁市交通运输局“政府开放日”").await;
    // Cancelling asks first, and says who will be told; not cancelled here.
    follow(&client, "取消活动").await;
    wait_text(&client, ".warning", "目前没有报名人员").await;
    look(&client, "staff-cancel").await;
    follow(&client, "不取消").await;
    wait_text(&client, "h1", "南宁市交通运输局“政府开放日”").await;
    // The link that signed in once does not sign in again.
    client.goto(&format!("{base}{used_link}")).await.unwrap();
    press(&client, "确认登录").await;
    wait_text(&client, "main", "登录链接无效").await;
    drop(server);

    // September: people register on the public site; the agency adds a recommendation.
    let september = "2026-09-02T10:00:00+08:00";
    let (server, base) = serve(&data, september);
    let mut codes = Vec::new();
    for n in 1..=2 {
        codes.push(register(&http, &base, &data, &plan, n).await);
    }
    staff_sign_in(&client, &base, &data, AGENCY, None).await;
    client
        .goto(&format!("{base}/staff/plans/{plan}/registrants"))
        .await
        .unwrap();
    wait_text(&client, "main", "已确认2人").await;
    fill(&client, "name", "赵六").await;
    fill(&client, "id_number", &id_number(40)).await;
    fill(&client, "phone", "13900139400").await;
    tick(&client, "category", Some("openness_supervisor")).await;
    tick(&client, "relation", Some("works")).await;
    tick(&client, "full_civil_capacity", None).await;
    tick(&client, "not_deputy", None).await;
    tick(&client, "id_consent", None).await;
    press(&client, "录入推荐人员").await;
    wait_text(&client, "[role=status]", "已录入推荐人员").await;
    let listed = wait_text(&client, "main", "已确认3人").await;
    assert!(
        listed.contains("赵六") && !listed.contains(&id_number(40)),
        "masked"
    );
    look(&client, "staff-registrants").await;
    drop(server);

    // The event's days: the public gives feedback.
    let during = "2026-09-22T10:00:00+08:00";
    let (server, base) = serve(&data, during);
    // At the door: a scanner types the code and Enter; a second scan says when.
    staff_sign_in(&client, &base, &data, AGENCY, None).await;
    client
        .goto(&format!("{base}/staff/plans/{plan}/check-in"))
        .await
        .unwrap();
    wait_text(&client, ".counts", "已签到 0 人").await;
    let field = client.find(Locator::Css("#f-code")).await.unwrap();
    field
        .send_keys(&format!("{}{}", codes[0], fantoccini::key::Key::Enter))
        .await
        .unwrap();
    wait_text(&client, "[role=status]", "签到成功：市民1").await;
    wait_text(&client, ".counts", "已签到 1 人").await;
    let focused = client
        .execute("return document.activeElement.id", vec![])
        .await
        .unwrap();
    assert_eq!(focused, json!("f-code"), "ready for the next scan");
    let field = client.find(Locator::Css("#f-code")).await.unwrap();
    field
        .send_keys(&format!("{}{}", codes[0], fantoccini::key::Key::Enter))
        .await
        .unwrap();
    wait_text(&client, "[role=alert]", "请勿重复入场").await;
    look(&client, "staff-check-in").await;
    for (n, choice) in [(1, 1), (2, 1), (3, 2)] {
        answer_questionnaire(&http, &base, &data, &plan, n, choice).await;
    }
    client
        .goto(&format!("{base}/staff/plans/{plan}/opinions"))
        .await
        .unwrap();
    wait_text(&client, "h1", "录入现场意见").await;
    look(&client, "staff-opinions").await;
    give_feedback(
        &http,
        &base,
        &data,
        &plan,
        1,
        "建议增加周末开放场次，方便上班族参加。",
    )
    .await;
    give_feedback(
        &http,
        &base,
        &data,
        &plan,
        2,
        "调度大屏的讲解很好，希望公开线网调整的测算依据。",
    )
    .await;
    give_feedback(
        &http,
        &base,
        &data,
        &plan,
        3,
        "希望在地铁站增加无障碍引导标识。",
    )
    .await;
    drop(server);

    // After the event: the agency answers item by item and in a group, and publishes.
    let after = "2026-09-29T10:00:00+08:00";
    let (server, base) = serve(&data, after);
    staff_sign_in(&client, &base, &data, AGENCY, None).await;
    client
        .goto(&format!("{base}/staff/plans/{plan}/feedback"))
        .await
        .unwrap();
    wait_text(&client, "main", "共3条意见建议").await;
    look(&client, "staff-feedback").await;
    client
        .goto(&format!("{base}/staff/plans/{plan}/questionnaire/results"))
        .await
        .unwrap();
    wait_text(&client, "h1", "问卷结果").await;
    look(&client, "staff-questionnaire-results").await;
    client
        .goto(&format!("{base}/staff/plans/{plan}/feedback"))
        .await
        .unwrap();
    wait_text(&client, "main", "共3条意见建议").await;
    let items = client
        .find_all(Locator::Css("input[name^='pick.']"))
        .await
        .unwrap();
    let mut ids = Vec::new();
    for item in &items {
        let name = item.attr("name").await.unwrap().unwrap();
        ids.push(name.trim_start_matches("pick.").to_owned());
    }
    assert_eq!(ids.len(), 3);
    // The first answered on its own and re-categorised; saved as a draft.
    set_value(&client, &format!("a.{}.category", ids[0]), "event").await;
    set_value(&client, &format!("a.{}.adoption", ids[0]), "adopted").await;
    fill(
        &client,
        &format!("a.{}.reply", ids[0]),
        "已采纳，十月起每月增开一个周末场次。",
    )
    .await;
    press(&client, "保存草稿").await;
    wait_text(&client, "[role=status]", "答复草稿已保存").await;
    wait_text(&client, "main", "已答复1条").await;
    // The other two in one group answer.
    tick(&client, &format!("pick.{}", ids[1]), None).await;
    tick(&client, &format!("pick.{}", ids[2]), None).await;
    set_value(&client, "group.adoption", "partially_adopted").await;
    fill(
        &client,
        "group.reply",
        "已转相关部门研究，将在年内公开进展。",
    )
    .await;
    press(&client, "统一答复").await;
    wait_text(&client, "main", "已答复3条").await;
    fill(
        &client,
        "summary",
        "本次活动共收到意见建议3条，采纳1条，部分采纳2条。",
    )
    .await;
    press(&client, "公开发布").await;
    wait_text(&client, "[role=status]", "采纳情况已公开").await;
    client
        .goto(&format!("{base}/open-days/{plan}/response"))
        .await
        .unwrap();
    let public = wait_text(&client, "main", "部分采纳").await;
    assert!(
        public.contains("已采纳，十月起每月增开一个周末场次"),
        "{public}"
    );
    drop(server);

    // November: the city government files its annual report; the office sees the year.
    let november = "2026-11-10T10:00:00+08:00";
    let (_server, base) = serve(&data, november);
    staff_sign_in(&client, &base, &data, "zhengfu@nn.example.org", None).await;
    follow(&client, "年度报送").await;
    wait_text(&client, "h1", "开展情况报送").await;
    look(&client, "staff-report").await;
    fill(
        &client,
        "summary",
        "全市共开展“政府开放日”活动1场，线上报名和线下推荐共3人参加。",
    )
    .await;
    fill(&client, "experiences", "意见建议逐条答复、限时公开。").await;
    press(&client, "报送").await;
    wait_text(&client, "[role=status]", "年度开展情况已报送").await;
    sign_out(&client, &base).await;

    staff_sign_in(&client, &base, &data, OFFICE, None).await;
    follow(&client, "合规看板").await;
    let dashboard = wait_text(&client, "main", "南宁市交通运输局").await;
    assert!(dashboard.contains("按时报送"), "{dashboard}");
    let row = text_of(&client, "tr.total").await;
    assert!(
        row.contains("1/1"),
        "announced on time and responded on time: {row}"
    );
    look(&client, "staff-compliance").await;
    client
        .goto(&format!("{base}/staff/plans?status=responded"))
        .await
        .unwrap();
    wait_text(&client, "main", "南宁市交通运输局“政府开放日”").await;
    look(&client, "staff-plans").await;
    // The work plan's other half: supervision, public evaluations, the assessment, campaigns.
    client
        .goto(&format!("{base}/staff/plans/{plan}/supervision"))
        .await
        .unwrap();
    wait_text(&client, "h1", "监督检查").await;
    fill(&client, "visitors", "市政务公开办 王五").await;
    set_value(&client, "visited_on", "2026-09-22").await;
    fill(
        &client,
        "observations",
        "现场秩序良好，市民代表参观调度中心",
    )
    .await;
    fill(&client, "conclusion", "符合要求").await;
    press(&client, "记录现场走访").await;
    wait_text(&client, "[role=status]", "现场走访已记录").await;
    look(&client, "staff-supervision").await;
    follow(&client, "群众评议").await;
    wait_text(&client, "h1", "群众评议").await;
    fill(&client, "title", "2026年南宁市政府开放日群众评议").await;
    set_value(&client, "opens_on", "2026-11-10").await;
    set_value(&client, "closes_on", "2026-12-10").await;
    press(&client, "开展群众评议").await;
    wait_text(&client, "[role=status]", "群众评议已开展").await;
    look(&client, "staff-public-evaluations").await;
    follow(&client, "考核").await;
    let scores = wait_text(&client, "main", "南宁市交通运输局").await;
    assert!(scores.contains("折算得分"), "{scores}");
    look(&client, "staff-assessment").await;
    fill(&client, "good_practice", "线网优化方案吸纳市民建议").await;
    fill(&client, "problems", "个别单位公告发布偏晚").await;
    press(&client, "发布通报").await;
    wait_text(&client, "[role=status]", "通报已发布").await;
    client
        .goto(&format!("{base}/bulletins/nn-office/2026"))
        .await
        .unwrap();
    wait_text(&client, "h1", "考核通报").await;
    look(&client, "bulletin").await;
    client
        .goto(&format!("{base}/staff/campaigns"))
        .await
        .unwrap();
    wait_text(&client, "h1", "联合开放活动").await;
    look(&client, "staff-campaigns").await;
    // The regional office's roll-up of the year: every reporter's state, region → city → county.
    sign_out(&client, &base).await;
    staff_sign_in(&client, &base, &data, "gongkai@gx.example.org", None).await;
    follow(&client, "年度汇总").await;
    let rollup = wait_text(&client, "main", "南宁市人民政府").await;
    assert!(
        rollup.contains("按时报送") && rollup.contains("逾期未报送"),
        "{rollup}"
    );
    assert!(
        rollup.contains("青秀区") && rollup.contains("柳州市"),
        "{rollup}"
    );
    look(&client, "staff-rollup").await;
    // The programme in force, and the regional office uploads next year's: an impossible
    // file comes back with every problem, a good one becomes version 1 of 2027.
    follow(&client, "工作方案").await;
    let page = wait_text(&client, "main", "2026年工作方案").await;
    assert!(
        page.contains("默认版本") && page.contains("9月1日至10月31日"),
        "{page}"
    );
    look(&client, "staff-programme").await;
    let mut next_year: Value = serde_json::from_str(openday_rules::programme::EXAMPLE).unwrap();
    next_year["notice"]["days_before"] = json!(0);
    next_year["report"]["due"] = json!("02-29");
    fill(&client, "programme", &next_year.to_string()).await;
    press(&client, "上传工作方案").await;
    let refused = wait_text(&client, "[role=alert]", "notice.days_before").await;
    assert!(refused.contains("report.due"), "{refused}");
    look(&client, "staff-programme-refused").await;
    let next_year: Value = serde_json::from_str(openday_rules::programme::EXAMPLE).unwrap();
    fill(&client, "programme", &next_year.to_string()).await;
    press(&client, "上传工作方案").await;
    wait_text(&client, "[role=status]", "2027年第1版").await;
    let page = wait_text(&client, "main", "2027年工作方案").await;
    assert!(page.contains("9月1日至10月15日"), "{page}");
    // The public's open data: the year per city and county, with a chart drawn on the server.
    client.goto(&format!("{base}/statistics")).await.unwrap();
    let stats = wait_text(&client, "main", "南宁市").await;
    assert!(
        stats.contains("青秀区") && stats.contains("柳州市"),
        "{stats}"
    );
    assert!(
        client
            .find(Locator::Css("figure svg[role=img]"))
            .await
            .is_ok()
    );
    look(&client, "statistics").await;
    client.close().await.unwrap();
    let _ = std::fs::remove_dir_all(&data);
}

/// What a page measures in the browser: the body's type, the smallest touch target (a
/// checkbox counts with its label), what moves, and the text people read.
async fn measure(client: &Client) -> Value {
    client
        .execute(
            r#"const body = getComputedStyle(document.body);
               const targets = [];
               for (const el of document.querySelectorAll('a, button, input:not([type=hidden]), select, textarea, summary')) {
                 const box = ((el.type === 'checkbox' || el.type === 'radio') && el.closest('label')) || el;
                 const r = box.getBoundingClientRect();
                 // Not shown (the skip link until it has focus).
                 if (r.width === 0 || r.height === 0 || r.right <= 0 || r.bottom <= 0) continue;
                 targets.push({what: el.outerHTML.slice(0, 90), width: r.width, height: r.height,
                               form: el.tagName !== 'A'});
               }
               const moving = [...document.querySelectorAll('*')].filter(e => {
                 const s = getComputedStyle(e);
                 return s.animationName !== 'none' || parseFloat(s.transitionDuration) > 0;
               }).length;
               return {font: parseFloat(body.fontSize), line: parseFloat(body.lineHeight),
                       targets, moving, text: document.body.innerText};"#,
            vec![],
        )
        .await
        .unwrap()
}

/// 长辈模式 in Chromium: switched by its link (no script), kept across pages by its
/// cookie, and on each public page 24 px type at 1.5 or more, touch targets of 60 × 60 px,
/// nothing that moves, AAA contrast (axe's enhanced contrast rule) and the same text as the
/// standard mode, whose 18 px type and 44 px form controls are measured too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_elder_mode_in_a_real_browser() {
    let now = "2026-09-01T10:00:00+08:00";
    let (data, _server, base) = demo_server("elder", now);
    let http = reqwest::Client::new();
    let plan = announced_plan(&http, &base, &data, now).await;
    let (_driver, client) = browser().await;
    let pages = [
        "/".to_owned(),
        format!("/open-days/{plan}"),
        format!("/open-days/{plan}/register"),
        "/registrations".to_owned(),
        "/statistics".to_owned(),
    ];
    let mut standard_text = Vec::new();
    for page in &pages {
        client.goto(&format!("{base}{page}")).await.unwrap();
        let m = measure(&client).await;
        assert!(m["font"].as_f64().unwrap() >= 18.0, "{page}: {m:#}");
        for t in m["targets"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["form"] == true)
        {
            assert!(
                t["width"].as_f64().unwrap() >= 43.5 && t["height"].as_f64().unwrap() >= 43.5,
                "{page}: a form control under 44 px in the standard mode: {t}"
            );
        }
        axe(&client, page).await;
        standard_text.push(m["text"].as_str().unwrap().replace("长辈模式", "模式切换"));
    }

    // The switch is a link on the page: follow it, and it brings the person back here.
    client.goto(&base).await.unwrap();
    follow(&client, "长辈模式").await;
    wait_text(&client, "header", "标准模式").await;
    for (page, standard) in pages.iter().zip(&standard_text) {
        client.goto(&format!("{base}{page}")).await.unwrap();
        let m = measure(&client).await;
        let (font, line) = (m["font"].as_f64().unwrap(), m["line"].as_f64().unwrap());
        assert!(font >= 24.0, "{page}: body text {font} px");
        assert!(
            line / font >= 1.5,
            "{page}: line height {line} px for {font} px"
        );
        let small: Vec<&Value> = m["targets"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["width"].as_f64().unwrap() < 59.5 || t["height"].as_f64().unwrap() < 59.5)
            .collect();
        assert!(
            small.is_empty(),
            "{page}: touch targets under 60 × 60 px: {small:#?}"
        );
        assert_eq!(m["moving"], 0, "{page}: something moves");
        assert_eq!(
            &m["text"].as_str().unwrap().replace("标准模式", "模式切换"),
            standard,
            "{page}: the same content in both modes"
        );
        axe_with(
            &client,
            page,
            json!({"color-contrast-enhanced": {"enabled": true}}),
        )
        .await;
        println!(
            "elder mode {page}: body {font} px / {line} px, {} touch targets all ≥ 60 × 60 px",
            m["targets"].as_array().unwrap().len()
        );
    }
    client
        .goto(&format!("{base}/open-days/{plan}"))
        .await
        .unwrap();
    screenshots(&client, "elder-open-day").await;
    client
        .goto(&format!("{base}/open-days/{plan}/register"))
        .await
        .unwrap();
    screenshots(&client, "elder-register").await;
    // And back: the standard mode again.
    follow(&client, "标准模式").await;
    let m = measure(&client).await;
    assert!(m["font"].as_f64().unwrap() < 24.0);
    client.close().await.unwrap();
}

/// Lighthouse 12 (npm, with Debian's Chromium) on the public pages in both modes, as a
/// phone (its default): performance ≥ 95, accessibility 100, best practices 100, SEO ≥ 95,
/// and at most 30 KB transferred for each page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lighthouse_on_the_public_pages_in_both_modes() {
    let now = "2026-09-01T10:00:00+08:00";
    let (data, _server, base) = demo_server("lighthouse", now);
    let http = reqwest::Client::new();
    let plan = announced_plan(&http, &base, &data, now).await;
    let lighthouse = repo("infra/tools/browser/node_modules/lighthouse/cli/index.js");
    assert!(
        lighthouse.exists(),
        "lighthouse (installed by infra/tools/install)"
    );
    let out = openday_testkit::temp_dir("lighthouse");
    std::fs::create_dir_all(&out).unwrap();
    let _cleanup = Guard {
        child: Command::new("true").spawn().unwrap(),
        dir: Some(out.clone()),
    };
    let pages = [
        "/".to_owned(),
        format!("/open-days/{plan}"),
        format!("/open-days/{plan}/register"),
        "/registrations".to_owned(),
    ];
    let mut failures = Vec::new();
    for (mode, headers) in [
        ("standard", "{}"),
        ("elder", r#"{"Cookie": "openday_mode=elder"}"#),
    ] {
        for page in &pages {
            let report = out.join(format!("{mode}-{}.json", page.replace('/', "_")));
            let profile = out.join("profile");
            let run = Command::new("node")
                .arg(&lighthouse)
                .arg(format!("{base}{page}"))
                .args(["--quiet", "--output=json"])
                .arg(format!("--output-path={}", report.display()))
                .arg("--only-categories=performance,accessibility,best-practices,seo")
                .arg(format!("--extra-headers={headers}"))
                .arg(format!(
                    "--chrome-flags=--headless=new --no-sandbox --disable-dev-shm-usage --user-data-dir={}",
                    profile.display()
                ))
                .env("CHROME_PATH", "/usr/bin/chromium")
                .output()
                .unwrap();
            let _ = std::fs::remove_dir_all(&profile);
            assert!(
                run.status.success(),
                "lighthouse: {}",
                String::from_utf8_lossy(&run.stderr)
            );
            let r: Value =
                serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
            let score =
                |c: &str| (r["categories"][c]["score"].as_f64().unwrap_or(0.0) * 100.0).round();
            let bytes = r["audits"]["total-byte-weight"]["numericValue"]
                .as_f64()
                .unwrap();
            let (perf, a11y, bp, seo) = (
                score("performance"),
                score("accessibility"),
                score("best-practices"),
                score("seo"),
            );
            println!(
                "lighthouse {mode:8} {page:50} performance {perf}, accessibility {a11y}, best practices {bp}, SEO {seo}, {:.1} KB",
                bytes / 1024.0
            );
            if perf < 95.0 || a11y < 100.0 || bp < 100.0 || seo < 95.0 || bytes > 30.0 * 1024.0 {
                let flagged: Vec<String> = r["audits"]
                    .as_object()
                    .unwrap()
                    .iter()
                    .filter(|(_, a)| a["score"].as_f64().is_some_and(|s| s < 1.0))
                    .map(|(k, a)| format!("{k}: {}", a["title"]))
                    .collect();
                failures.push(format!(
                    "{mode} {page}: {perf}/{a11y}/{bp}/{seo}, {bytes} bytes; {flagged:?}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
