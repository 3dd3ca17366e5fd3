//! The year's figures at 200 announced plans: the open statistics, the home page (paged),
//! the office's roll-up page and its workbook each answer within the request deadline, and
//! concurrent requests for the statistics share one computation (counted in DynamoDB
//! calls through the fault proxy, which passes everything here).

#![allow(clippy::unwrap_used)] // tests fail loudly

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::{World, generous, world_behind_faults};
use openday_rules::announcement::{Announcement, AnnouncementDraft};
use openday_rules::lifecycle::{Action, PlanStatus};
use openday_rules::plan::{Plan, PlanDraft};
use openday_store::ports::PlanStore;
use openday_store::records::PlanChange;
use serde_json::{Value, json};
use tower::ServiceExt;

const PLANS: usize = 200;
/// Two city departments of 南宁, one of 柳州, and a county department under each city.
const AGENCIES: [&str; 5] = ["nn-jt", "nn-sj", "lz-st", "qx-sw", "lb-edu"];
const DEADLINE: Duration = Duration::from_secs(8);

/// Plan `n` of `agency`: the demo plan with its name and a week in September.
fn plan_of(agency: &openday_rules::org::Organisation, n: usize) -> Plan {
    let mut draft: Value =
        serde_json::from_str(&openday_testkit::repo_file("infra/demo/plan.json")).unwrap();
    let start = 1 + (n % 24);
    draft["name"] = json!(format!("{}“政府开放日”", agency.name.as_str()));
    draft["start_date"] = json!(format!("2026-09-{start:02}"));
    draft["end_date"] = json!(format!("2026-09-{:02}", start + 6));
    let draft: PlanDraft = serde_json::from_value(draft).unwrap();
    Plan::parse(&draft, &openday_rules::Programme::shipped()).unwrap()
}

/// 200 plans submitted, filed and announced on 2026-08-03, written to the store directly
/// (eight writers at once), 40 for each agency.
async fn two_hundred_announced(w: &World) {
    let programme = openday_rules::Programme::shipped();
    let draft: AnnouncementDraft = serde_json::from_value(json!({
        "registration_method": "在线报名", "content": "参观", "reminders": "携带身份证",
        "registration_deadline": "2026-08-30"
    }))
    .unwrap();
    let at = openday_testkit::at("2026-08-03T09:00:00+08:00");
    let tasks: Vec<_> = (0..8usize)
        .map(|worker| {
            let (store, programme, draft) = (w.store.clone(), programme.clone(), draft.clone());
            tokio::spawn(async move {
                for n in (worker..PLANS).step_by(8) {
                    let agency = openday_testkit::org(AGENCIES[n % AGENCIES.len()]);
                    let plan = plan_of(&agency, n);
                    let mut draft = draft.clone();
                    draft.sessions = serde_json::from_value(openday_testkit::first_day_session(
                        plan.period.start(),
                    ))
                    .unwrap();
                    let r = store.create_plan(&agency, &plan, 0, at).await.unwrap();
                    let filed = PlanChange::new(Action::File, PlanStatus::Filed, None, at);
                    let r = store.change_plan(&r.id, r.version, filed).await.unwrap();
                    let a = Announcement::compose(
                        &plan,
                        &agency,
                        &draft,
                        &programme,
                        openday_testkit::day("2026-08-03"),
                    )
                    .unwrap();
                    let mut change =
                        PlanChange::new(Action::Announce, PlanStatus::Announced, None, at);
                    change.announcement = Some(a);
                    store.change_plan(&r.id, r.version, change).await.unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
}

/// A browser without JavaScript: its cookies, kept across requests.
#[derive(Default)]
struct Browser {
    cookies: BTreeMap<String, String>,
}

impl Browser {
    async fn go(
        &mut self,
        w: &World,
        method: Method,
        path: &str,
        form: &str,
    ) -> (StatusCode, String) {
        let mut req = Request::builder().method(method.clone()).uri(path);
        if !self.cookies.is_empty() {
            let all: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            req = req.header(header::COOKIE, all.join("; "));
        }
        if method == Method::POST {
            req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        }
        let res = w
            .router
            .clone()
            .oneshot(req.body(Body::from(form.to_owned())).unwrap())
            .await
            .unwrap();
        for c in res.headers().get_all(header::SET_COOKIE) {
            let pair = c.to_str().unwrap().split(';').next().unwrap();
            let (k, v) = pair.split_once('=').unwrap();
            if v.is_empty() {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), v.to_owned());
            }
        }
        let status = res.status();
        let bytes = axum::body::to_bytes(res.into_body(), 1 << 24)
            .await
            .unwrap();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    /// Signs in by the mailed link as the organisation with `email`.
    async fn sign_in(&mut self, w: &World, email: &str) {
        let csrf = |html: &str| {
            let at = html.find("name=\"csrf\" value=\"").unwrap() + 19;
            html[at..].split('"').next().unwrap().to_owned()
        };
        let (_, form) = self.go(w, Method::GET, "/staff/sign-in", "").await;
        let email_enc: String = form_urlencoded::byte_serialize(email.as_bytes()).collect();
        let body = format!("csrf={}&email={email_enc}", csrf(&form));
        let (status, _) = self.go(w, Method::POST, "/staff/sign-in", &body).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (link, _) = openday_testkit::sign_in_mail(&w.mail_dir, email);
        let (_, shown) = self.go(w, Method::GET, &link, "").await;
        let nonce = link.split("n=").nth(1).unwrap().split('&').next().unwrap();
        let body = format!("csrf={}&n={nonce}", csrf(&shown));
        let (status, _) = self
            .go(w, Method::POST, "/staff/sign-in/confirm", &body)
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        // The second factor, as the person's authenticator shows it now.
        let (_, page) = self.go(w, Method::GET, "/staff/second-factor", "").await;
        let code = openday_testkit::second_factor_code(&w.mail_dir, email, &page, w.clock_now());
        let body = format!("csrf={}&code={code}", csrf(&page));
        let (status, _) = self
            .go(w, Method::POST, "/staff/second-factor", &body)
            .await;
        assert!(status.is_success() || status.is_redirection(), "{status}");
    }
}

/// DynamoDB requests the routers have made so far (through the proxy).
fn calls(w: &World) -> u64 {
    w.proxy.as_ref().unwrap().counts().passed
}

/// The request's answer, the time it took and the DynamoDB calls it made.
async fn timed(w: &World, path: &str, org: Option<&str>) -> (common::Answer, Duration, u64) {
    let (before, start) = (calls(w), Instant::now());
    let a = w.get(path, org).await;
    (a, start.elapsed(), calls(w) - before)
}

fn cards(html: &str) -> usize {
    html.matches("<li class=\"card\">").count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_two_hundred_plans_the_figures_and_the_home_page_answer_within_the_deadline() {
    let w = world_behind_faults(openday_api::limits::Limits {
        deadline: DEADLINE,
        ..generous()
    })
    .await;
    let setup = Instant::now();
    two_hundred_announced(&w).await;
    // Written behind the application's back: the reconciliation puts them on the sheets.
    let r = openday_app::sheets::reconcile(&w.store, 2026)
        .await
        .unwrap();
    // Each plan's own part: nobody has registered, rated or given feedback yet.
    assert_eq!((r.plans, r.repaired), (PLANS, PLANS), "{r:?}");
    println!("{PLANS} plans announced in {:?}", setup.elapsed());
    w.clock.set("2026-08-10T09:00:00+08:00");

    // The open statistics, computed once: every plan counted, within the deadline.
    let (a, took, calls_of_first) = timed(&w, "/api/statistics?year=2026", None).await;
    println!("GET /api/statistics: {took:?}, {calls_of_first} DynamoDB calls");
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let region = a.body["areas"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["jurisdiction_id"] == "gx")
        .unwrap();
    assert_eq!(region["feedback"], 0);
    assert!(
        calls_of_first <= 6 * PLANS as u64 + 20,
        "{calls_of_first} calls: each plan read once, not once per figure or area"
    );
    let (a, took, made) = timed(&w, "/statistics?year=2026", None).await;
    println!("GET /statistics (kept): {:?}, {made} DynamoDB calls", took);
    assert_eq!(a.status, StatusCode::OK);
    assert!(String::from_utf8_lossy(&a.raw).contains("南宁市"));
    assert_eq!(made, 0, "the page shares the figures the API computed");
    let (_, _, again) = timed(&w, "/api/statistics?year=2026", None).await;
    assert_eq!(again, 0, "kept");
    let one = calls_of_first;

    // The next day (figures are kept per day): six at once share one computation, which
    // costs what one request costs; a seventh is answered from memory.
    w.clock.set("2026-08-11T09:00:00+08:00");
    let before = calls(&w);
    let start = Instant::now();
    let answers = at_once(&w, "/statistics?year=2026", 6).await;
    let made = calls(&w) - before;
    println!(
        "6 concurrent GET /statistics: {:?}, {made} DynamoDB calls",
        start.elapsed()
    );
    assert!(answers.iter().all(|s| *s == StatusCode::OK), "{answers:?}");
    assert!(
        made <= one + one / 10,
        "one computation for six requests: {made} calls, one computation {one}"
    );
    let (_, _, again) = timed(&w, "/statistics?year=2026", None).await;
    assert_eq!(again, 0, "served from memory");

    // The home page: 20 a page, soonest first, with links to the other pages.
    let (a, took, made) = timed(&w, "/", None).await;
    println!("GET /: {:?}, {made} DynamoDB calls", took);
    assert_eq!(a.status, StatusCode::OK);
    let html = String::from_utf8_lossy(&a.raw).into_owned();
    assert_eq!(cards(&html), 20);
    assert!(
        html.contains("href=\"/?page=2\""),
        "a link to the next page"
    );
    assert!(html.contains("下一页"));
    assert!(!html.contains("上一页"), "no page before the first");
    let (a, took, made) = timed(&w, "/?page=10", None).await;
    println!("GET /?page=10: {:?}, {made} DynamoDB calls", took);
    let html = String::from_utf8_lossy(&a.raw).into_owned();
    assert_eq!((a.status, cards(&html)), (StatusCode::OK, 20));
    assert!(html.contains("上一页") && html.contains("href=\"/?page=9\""));
    assert!(!html.contains("下一页"), "the last page");
    for bad in ["abc", "0", "-1", "", "99999999999999999999"] {
        let a = w.get(&format!("/?page={bad}"), None).await;
        let html = String::from_utf8_lossy(&a.raw).into_owned();
        assert_eq!(a.status, StatusCode::OK, "page={bad}");
        assert_eq!(cards(&html), 20, "page={bad}: the first page");
        assert!(html.contains("href=\"/?page=2\""), "page={bad}");
    }
    let a = w.get("/?page=11", None).await;
    let html = String::from_utf8_lossy(&a.raw).into_owned();
    assert_eq!(a.status, StatusCode::OK, "past the last page");
    assert!(html.contains("上一页"));
    // One 地区: 柳州市 and its county have 80 plans, four pages; the links keep the filter.
    let a = w.get("/?region=gx-lz&page=2", None).await;
    // The `&` of a link as the page escapes it, taken back.
    let html = String::from_utf8_lossy(&a.raw)
        .replace("&#38;", "&")
        .replace("&amp;", "&");
    assert_eq!((a.status, cards(&html)), (StatusCode::OK, 20));
    assert!(html.contains("href=\"/?region=gx-lz&page=3\""), "{html}");
    assert!(html.contains("href=\"/?region=gx-lz&page=1\""));
    assert!(html.contains("柳州市生态环境局") || html.contains("柳北区教育局"));
    assert!(!html.contains("南宁市市场监督管理局"), "another city's");

    // The regional office's roll-up: the page and the workbook.
    let mut office = Browser::default();
    office.sign_in(&w, "gongkai@gx.example.org").await;
    let start = Instant::now();
    let (status, html) = office
        .go(&w, Method::GET, "/staff/reports?year=2026", "")
        .await;
    println!("GET /staff/reports: {:?}", start.elapsed());
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("南宁市"));

    // The office's list of plans, a hundred a page, continued by its 下一页 link.
    let rows = |html: &str| html.matches("<tr><td><a href=\"/staff/plans/").count();
    let (status, html) = office
        .go(&w, Method::GET, "/staff/plans?year=2026", "")
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(rows(&html), 100);
    assert!(html.contains("实施方案（本页100项）"), "{html}");
    let next = html
        .split("\">下一页</a>")
        .next()
        .and_then(|before| before.rsplit("<a href=\"").next())
        .unwrap()
        .replace("&#38;", "&");
    assert!(next.starts_with("/staff/plans?year=2026&"), "{next}");
    let (status, html) = office.go(&w, Method::GET, &next, "").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(rows(&html), 100, "the other hundred");
    assert!(!html.contains(">下一页<"), "the last page offers no next");
    assert!(html.contains(">第一页<"));
    let (a, took, made) = timed(&w, "/api/reports/export?year=2026", Some("gx-office")).await;
    println!("GET /api/reports/export: {:?}, {made} DynamoDB calls", took);
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert!(a.raw.starts_with(b"PK"), "a workbook");
    let a = w.get("/api/reports?year=2026", Some("gx-office")).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.body["areas"][0]["figures"]["plans"], PLANS);
}

/// `n` requests for `path` at once: their statuses.
async fn at_once(w: &World, path: &str, n: usize) -> Vec<StatusCode> {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let router = w.router.clone();
            let path = path.to_owned();
            tokio::spawn(async move {
                let req = Request::builder().uri(path).body(Body::empty()).unwrap();
                router.oneshot(req).await.unwrap().status()
            })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}
