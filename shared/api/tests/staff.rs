//! The staff pages in-process, as a browser without JavaScript sees them: sign-in by the
//! mailed link (only its confirming POST signs in, only in the browser that asked), the code
//! instead of the link, sign-out, revoked sessions, CSRF, another organisation's plan, a
//! stale version, and the plan form's messages at their fields. (The whole year in a real
//! browser is `cli/tests/browser.rs`.)

#![allow(clippy::unwrap_used)] // tests fail loudly

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::browser::{Browser, enc};
use common::{World, generous, world};
use tower::ServiceExt;

fn mails(w: &World) -> usize {
    std::fs::read_dir(&w.mail_dir).map_or(0, |d| d.count())
}

const AGENCY: &str = "jtj@nn.example.org";
const OFFICE: &str = "gongkai@nn.example.org";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mailed_link_signs_in_once_and_only_in_the_browser_that_asked() {
    let w = world(generous()).await;
    let mut person = Browser::default();

    // Signed out: the staff pages send the browser to sign in, and say why.
    let home = person.go(&w, Method::GET, "/staff", "").await;
    assert_eq!(home.location.as_deref(), Some("/staff/sign-in"));
    let shown = person.follow(&w, &home).await;
    assert!(shown.html.contains("请先登录"), "{}", shown.html);

    // An unknown address gets the same answer and no mail.
    let before = mails(&w);
    let unknown = person.ask(&w, "nobody@example.org").await;
    assert!(unknown.html.contains("如果该邮箱属于平台名录中的机关"));
    assert_eq!(mails(&w), before);
    let known = person.ask(&w, AGENCY).await;
    assert!(known.html.contains("如果该邮箱属于平台名录中的机关"));
    assert_eq!(mails(&w), before + 1, "the link is mailed at once");
    let (link, _) = openday_testkit::sign_in_mail(&w.mail_dir, AGENCY);

    // A mail scanner opens the link: a page, nothing used.
    let mut scanner = Browser::default();
    let scanned = scanner.go(&w, Method::GET, &link, "").await;
    assert_eq!(scanned.status, StatusCode::OK);
    assert!(scanned.html.contains("确认登录"));
    // Another browser confirming the link is refused, and does not use it up.
    let elsewhere = scanner.confirm(&w, &link).await;
    assert_eq!(elsewhere.status, StatusCode::BAD_REQUEST);
    assert!(
        elsewhere.html.contains("登录链接无效"),
        "{}",
        elsewhere.html
    );

    // The browser that asked goes on to the second factor; before it, no staff page.
    let done = person.confirm(&w, &link).await;
    assert_eq!(
        done.location.as_deref(),
        Some("/staff/second-factor"),
        "{}",
        done.html
    );
    let early = person.go(&w, Method::GET, "/staff", "").await;
    assert_eq!(early.location.as_deref(), Some("/staff/second-factor"));
    person.second_factor(&w, AGENCY).await;
    let home = person.go(&w, Method::GET, "/staff", "").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.html.contains("南宁市交通运输局"), "{}", home.html);
    // The session cookie is encrypted: it does not carry the organisation in the clear.
    assert!(!person.cookies["staff"].contains("nn-jt"));

    // The link is single-use.
    let mut again = person.clone();
    again.cookies.remove("staff");
    let reused = again.confirm(&w, &link).await;
    assert_eq!(reused.status, StatusCode::BAD_REQUEST);

    // Sign out: the session ends on the server; the old cookie replayed is refused.
    let home = person.go(&w, Method::GET, "/staff", "").await;
    let kept = person.clone();
    let out = person
        .go(
            &w,
            Method::POST,
            "/staff/sign-out",
            &format!("csrf={}", home.csrf()),
        )
        .await;
    assert_eq!(out.location.as_deref(), Some("/staff/sign-in"));
    let after = person.go(&w, Method::GET, "/staff", "").await;
    assert_eq!(after.location.as_deref(), Some("/staff/sign-in"));
    let mut replayed = kept;
    let after = replayed.go(&w, Method::GET, "/staff", "").await;
    assert_eq!(after.location.as_deref(), Some("/staff/sign-in"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_code_works_instead_of_the_link_and_both_expire() {
    let w = world(generous()).await;
    let mut person = Browser::default();
    let asked = person.ask(&w, AGENCY).await;
    assert!(asked.html.contains("输入邮件中的验证码"));
    let (_, code) = openday_testkit::sign_in_mail(&w.mail_dir, AGENCY);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let refused = person
        .go(
            &w,
            Method::POST,
            "/staff/sign-in/confirm",
            &format!("csrf={}&code={wrong}", asked.csrf()),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.html.contains("验证码不正确"));
    let done = person
        .go(
            &w,
            Method::POST,
            "/staff/sign-in/confirm",
            &format!("csrf={}&code={code}", asked.csrf()),
        )
        .await;
    assert_eq!(
        done.location.as_deref(),
        Some("/staff/second-factor"),
        "{}",
        done.html
    );
    person.second_factor(&w, AGENCY).await;

    // Sixteen minutes later a new link is no good.
    let mut late = Browser::default();
    late.ask(&w, OFFICE).await;
    let (link, _) = openday_testkit::sign_in_mail(&w.mail_dir, OFFICE);
    w.clock.set("2026-08-01T09:16:01+08:00");
    let expired = late.confirm(&w, &link).await;
    assert_eq!(expired.status, StatusCode::BAD_REQUEST);

    // Eight hours after signing in, the session has ended.
    w.clock.set("2026-08-01T17:00:01+08:00");
    let home = person.go(&w, Method::GET, "/staff", "").await;
    assert_eq!(home.location.as_deref(), Some("/staff/sign-in"));
    let shown = person.follow(&w, &home).await;
    assert!(shown.html.contains("8小时"), "{}", shown.html);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_office_revokes_sessions_and_forms_refuse_other_sites() {
    let w = world(generous()).await;
    let mut agency = Browser::default();
    agency.sign_in(&w, AGENCY).await;
    let mut office = Browser::default();
    office.sign_in(&w, OFFICE).await;

    // A cross-site POST with a good session and token is refused.
    let home = agency.go(&w, Method::GET, "/staff", "").await;
    let token = home.csrf();
    let cross = agency
        .go_from(
            &w,
            Method::POST,
            "/staff/sign-out",
            &format!("csrf={token}"),
            Some("cross-site"),
        )
        .await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
    // A form of the session with another session's token is refused too.
    let office_home = office.go(&w, Method::GET, "/staff", "").await;
    let mixed = agency
        .go(
            &w,
            Method::POST,
            "/staff/sign-out",
            &format!("csrf={}", office_home.csrf()),
        )
        .await;
    assert_eq!(mixed.status, StatusCode::FORBIDDEN);
    assert!(mixed.html.contains("页面已过期"));

    // The office ends every session of the agency.
    let dashboard = office.go(&w, Method::GET, "/staff/compliance", "").await;
    assert_eq!(dashboard.status, StatusCode::OK, "{}", dashboard.html);
    let revoked = office
        .go(
            &w,
            Method::POST,
            "/staff/sessions/revoke",
            &format!("csrf={}&org_id=nn-jt", dashboard.csrf()),
        )
        .await;
    assert_eq!(revoked.location.as_deref(), Some("/staff/compliance"));
    let after = agency.go(&w, Method::GET, "/staff", "").await;
    assert_eq!(after.location.as_deref(), Some("/staff/sign-in"));
    let shown = agency.follow(&w, &after).await;
    assert!(shown.html.contains("被注销"), "{}", shown.html);
    // Not an organisation of its jurisdiction: refused.
    let dashboard = office.go(&w, Method::GET, "/staff/compliance", "").await;
    let outside = office
        .go(
            &w,
            Method::POST,
            "/staff/sessions/revoke",
            &format!("csrf={}&org_id=lz-office", dashboard.csrf()),
        )
        .await;
    assert_eq!(outside.status, StatusCode::FORBIDDEN);
    // Signing in again works.
    agency.sign_in(&w, AGENCY).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_plan_form_shows_each_rule_at_its_field_and_the_office_reviews_it() {
    let w = world(generous()).await;
    let mut agency = Browser::default();
    agency.sign_in(&w, AGENCY).await;
    let form = agency.go(&w, Method::GET, "/staff/plans/new", "").await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.html);
    let csrf = form.csrf();

    // 增加参加领导 brings the form back with one more row, nothing submitted.
    let more = agency
        .go(
            &w,
            Method::POST,
            "/staff/plans/new",
            &format!("csrf={csrf}&action=more%3Aleaders&name=x&leaders.0.name=%E7%8E%8B%E4%BA%94&leaders.0.title="),
        )
        .await;
    assert_eq!(more.status, StatusCode::OK);
    assert!(more.html.contains("name=\"leaders.1.name\""));
    assert!(more.html.contains("value=\"王五\""));

    // A plan with a wrong name and a date outside the open period.
    let mut fields = vec![
        ("csrf", csrf.clone()),
        ("action", "submit".into()),
        ("year", "2026".into()),
        ("name", "南宁市交通运输局校园开放日".into()),
        ("theme", "公交线网优化".into()),
        ("format", "day".into()),
        ("start_date", "2026-08-20".into()),
        ("end_date", "2026-08-20".into()),
        ("venue", "南宁市公交调度中心".into()),
        ("segments.0.type", "site_visit:construction".into()),
        ("segments.0.description", "".into()),
        ("interactions.qa_session", "on".into()),
        ("capacity", "30".into()),
        ("channels.online", "on".into()),
        ("leaders.0.name", "王五".into()),
        ("leaders.0.title", "南宁市人民政府副市长".into()),
        ("leaders.0.government_leader", "on".into()),
        ("contact_name", "张三".into()),
        ("contact_phone", "0771-1234567".into()),
        ("no_deputy_inspection_overlap", "on".into()),
    ];
    let body = |fields: &[(&str, String)]| {
        fields
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect::<Vec<_>>()
            .join("&")
    };
    let refused = agency
        .go(&w, Method::POST, "/staff/plans/new", &body(&fields))
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.html.contains("id=\"e-name\""), "{}", refused.html);
    assert!(refused.html.contains("id=\"e-start_date\""));
    assert!(refused.html.contains("href=\"#f-name\""));
    assert!(
        refused.html.contains("value=\"公交线网优化\""),
        "input kept"
    );

    fields[3].1 = "南宁市交通运输局“政府开放日”".into();
    fields[6].1 = "2026-09-20".into();
    fields[7].1 = "2026-09-20".into();
    let submitted = agency
        .go(&w, Method::POST, "/staff/plans/new", &body(&fields))
        .await;
    assert_eq!(
        submitted.status,
        StatusCode::SEE_OTHER,
        "{}",
        submitted.html
    );
    let plan_path = submitted.location.clone().unwrap();
    let id = plan_path.rsplit('/').next().unwrap().to_owned();
    let page = agency.follow(&w, &submitted).await;
    assert!(page.html.contains("已报送") && page.html.contains("修改方案"));

    // Another agency cannot see it.
    let mut other = Browser::default();
    other.sign_in(&w, "scjg@nn.example.org").await;
    let denied = other.go(&w, Method::GET, &plan_path, "").await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    assert!(denied.html.contains("无权查看"));

    // The office's mail links to the review page; a stale version is refused clearly.
    let mails = openday_mail::read_outbox(&w.mail_dir).unwrap();
    assert!(
        mails.iter().any(|m| m
            .text
            .contains(&format!("http://openday.test/staff/plans/{id}/review"))),
        "the office's mail links to the review page"
    );
    let mut office = Browser::default();
    office.sign_in(&w, OFFICE).await;
    let home = office.go(&w, Method::GET, "/staff", "").await;
    assert!(
        home.html.contains(&format!("/staff/plans/{id}")),
        "in the queue"
    );
    let review = office
        .go(&w, Method::GET, &format!("/staff/plans/{id}/review"), "")
        .await;
    assert!(review.html.contains("提交审核结论"));
    // The agency revises meanwhile (version 1 → 2).
    let edit = agency
        .go(&w, Method::GET, &format!("/staff/plans/{id}/edit"), "")
        .await;
    assert!(edit.html.contains("name=\"version\" value=\"1\""));
    let mut revised = fields.clone();
    revised[0].1 = edit.csrf();
    revised.push(("version", "1".into()));
    revised[4].1 = "公交线网优化和站点设置".into();
    let saved = agency
        .go(
            &w,
            Method::POST,
            &format!("/staff/plans/{id}/edit"),
            &body(&revised),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.html);
    // The office files from the page it opened at version 1: told the plan changed.
    let stale = office
        .go(
            &w,
            Method::POST,
            &format!("/staff/plans/{id}/review"),
            &format!("csrf={}&version=1&decision=file&comment=", review.csrf()),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.html);
    assert!(
        stale.html.contains("实施机关已修改该方案"),
        "{}",
        stale.html
    );
    assert!(
        stale.html.contains("公交线网优化和站点设置"),
        "the new content"
    );
    // Returning needs a comment; then it is returned with it.
    let no_comment = office
        .go(
            &w,
            Method::POST,
            &format!("/staff/plans/{id}/review"),
            &format!("csrf={}&version=2&decision=return&comment=", review.csrf()),
        )
        .await;
    assert_eq!(no_comment.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_comment.html.contains("id=\"e-comment\""));
    let filed = office
        .go(
            &w,
            Method::POST,
            &format!("/staff/plans/{id}/review"),
            &format!("csrf={}&version=2&decision=file&comment=", review.csrf()),
        )
        .await;
    assert_eq!(filed.location.as_deref(), Some("/staff"), "{}", filed.html);
    let page = agency.go(&w, Method::GET, &plan_path, "").await;
    assert!(page.html.contains("已备案") && page.html.contains("发布活动公告"));
    assert!(page.html.contains("最迟2026年9月5日发布"), "{}", page.html);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_mail_is_down_sign_in_says_so_and_the_retry_sends_one_link() {
    let w = world(generous()).await;
    // Mail down: the local outbox cannot be written (a file where its folder should be).
    let _ = std::fs::remove_dir_all(&w.mail_dir);
    std::fs::write(&w.mail_dir, "not a folder").unwrap();
    let mut person = Browser::default();
    let form = person.go(&w, Method::GET, "/staff/sign-in", "").await;
    let refused = person
        .go(
            &w,
            Method::POST,
            "/staff/sign-in",
            &format!("csrf={}&email={}", form.csrf(), enc(AGENCY)),
        )
        .await;
    assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        refused.html.contains("登录邮件暂时无法发送，请稍后重试"),
        "{}",
        refused.html
    );
    assert!(refused.html.contains(AGENCY), "the address kept");

    // Mail back: the retry sends one message, and its link signs in.
    std::fs::remove_file(&w.mail_dir).unwrap();
    person.sign_in(&w, AGENCY).await;
    assert_eq!(mails(&w), 1, "one link, sent once");
}

/// A valid plan form for the transport bureau's open day, with this session's `csrf`.
fn plan_form(csrf: &str, version: u64) -> String {
    [
        ("csrf", csrf),
        ("action", "submit"),
        ("version", &version.to_string()),
        ("year", "2026"),
        ("name", "南宁市交通运输局“政府开放日”"),
        ("theme", "公交线网优化"),
        ("format", "day"),
        ("start_date", "2026-09-20"),
        ("end_date", "2026-09-20"),
        ("venue", "南宁市公交调度中心"),
        ("segments.0.type", "site_visit:construction"),
        ("interactions.qa_session", "on"),
        ("capacity", "30"),
        ("channels.online", "on"),
        ("leaders.0.name", "王五"),
        ("leaders.0.title", "南宁市人民政府副市长"),
        ("leaders.0.government_leader", "on"),
        ("contact_name", "张三"),
        ("contact_phone", "0771-1234567"),
        ("no_deputy_inspection_overlap", "on"),
    ]
    .iter()
    .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
    .collect::<Vec<_>>()
    .join("&")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_refuse_with_the_apis_status_and_show_no_form_that_cannot_be_submitted() {
    let w = world(generous()).await;
    let plan: serde_json::Value =
        serde_json::from_str(&openday_testkit::repo_file("infra/demo/plan.json")).unwrap();
    let a = w.post("/api/plans", Some("nn-jt"), plan.clone()).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let id = a.body["id"].as_str().unwrap().to_owned();

    // Another agency revises the plan with a valid form: 403, in the API's words.
    let mut revised = plan.clone();
    revised["version"] = 1.into();
    let api = w
        .send(
            Method::PUT,
            &format!("/api/plans/{id}"),
            Some("nn-sj"),
            Some(revised),
            None,
        )
        .await;
    assert_eq!(api.status, StatusCode::FORBIDDEN, "{}", api.body);
    let said = api.body["error"]["message"].as_str().unwrap().to_owned();
    let mut other = Browser::default();
    other.sign_in(&w, "scjg@nn.example.org").await;
    let csrf = other
        .go(&w, Method::GET, "/staff/plans/new", "")
        .await
        .csrf();
    let page = other
        .go(
            &w,
            Method::POST,
            &format!("/staff/plans/{id}/edit"),
            &plan_form(&csrf, 1),
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.html);
    assert!(page.html.contains(&said), "{}", page.html);
    assert!(!page.html.contains("name=\"theme\""), "no plan form");
    // A plan that does not exist: 404, as the API says.
    let missing = other
        .go(
            &w,
            Method::POST,
            "/staff/plans/0123456789abcdef0123456789abcdef/edit",
            &plan_form(&csrf, 1),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.html);

    // The office may not cancel: no link, no form, and a post gets the API's 403.
    let api = w
        .post(
            &format!("/api/plans/{id}/cancel"),
            Some("nn-office"),
            serde_json::json!({"version": 1}),
        )
        .await;
    assert_eq!(api.status, StatusCode::FORBIDDEN, "{}", api.body);
    let said = api.body["error"]["message"].as_str().unwrap().to_owned();
    let mut office = Browser::default();
    office.sign_in(&w, OFFICE).await;
    let plan_page = office
        .go(&w, Method::GET, &format!("/staff/plans/{id}"), "")
        .await;
    assert!(plan_page.html.contains("审核备案"), "{}", plan_page.html);
    assert!(
        !plan_page
            .html
            .contains(&format!("/staff/plans/{id}/cancel"))
    );
    let cancel = office
        .go(&w, Method::GET, &format!("/staff/plans/{id}/cancel"), "")
        .await;
    assert_eq!(cancel.status, StatusCode::FORBIDDEN, "{}", cancel.html);
    assert!(cancel.html.contains(&said), "{}", cancel.html);
    assert!(!cancel.html.contains("确认取消活动"));
    let posted = office
        .go(
            &w,
            Method::POST,
            &format!("/staff/plans/{id}/cancel"),
            &format!("csrf={}&version=1&comment=", plan_page.csrf()),
        )
        .await;
    assert_eq!(posted.status, StatusCode::FORBIDDEN, "{}", posted.html);
    assert!(posted.html.contains(&said));
    assert!(!posted.html.contains("确认取消活动"), "{}", posted.html);

    // Only the same-level office reviews: the agency and the regional office get 403.
    let api = w
        .post(
            &format!("/api/plans/{id}/review"),
            Some("gx-office"),
            serde_json::json!({"decision": "file", "version": 1}),
        )
        .await;
    assert_eq!(api.status, StatusCode::FORBIDDEN, "{}", api.body);
    let said = api.body["error"]["message"].as_str().unwrap().to_owned();
    let mut agency = Browser::default();
    agency.sign_in(&w, AGENCY).await;
    let mut region = Browser::default();
    region.sign_in(&w, "gongkai@gx.example.org").await;
    for who in [&mut agency, &mut region] {
        let review = who
            .go(&w, Method::GET, &format!("/staff/plans/{id}/review"), "")
            .await;
        assert_eq!(review.status, StatusCode::FORBIDDEN, "{}", review.html);
        assert!(review.html.contains(&said), "{}", review.html);
        assert!(!review.html.contains("提交审核结论"));
    }
    let csrf = region.go(&w, Method::GET, "/staff", "").await.csrf();
    let posted = region
        .go(
            &w,
            Method::POST,
            &format!("/staff/plans/{id}/review"),
            &format!("csrf={csrf}&version=1&decision=file&comment="),
        )
        .await;
    assert_eq!(posted.status, StatusCode::FORBIDDEN, "{}", posted.html);
    assert!(!posted.html.contains("提交审核结论"));
}

/// A request with a bearer key, straight to the router.
async fn with_key(w: &World, path: &str, key: &str) -> (StatusCode, String) {
    let res = w
        .router
        .clone()
        .oneshot(
            Request::get(path)
                .header(header::AUTHORIZATION, format!("Bearer {key}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 22)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_makes_an_api_key_and_reads_the_audit_trail_through_it() {
    let w = world(generous()).await;
    let mut admin = Browser::default();
    admin.sign_in(&w, AGENCY).await;
    // 安全设置: the session listed; a key made, shown once.
    let account = admin.go(&w, Method::GET, "/staff/account", "").await;
    assert!(account.html.contains("本会话"), "{}", account.html);
    let made = admin
        .go(
            &w,
            Method::POST,
            "/staff/account/keys",
            &format!("csrf={}&name={}&days=30", account.csrf(), enc("审计脚本")),
        )
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.html);
    let at = made.html.find("id=\"api-key\">").unwrap() + 13;
    let key = made.html[at..].split('<').next().unwrap().to_owned();
    assert!(key.starts_with("odk_"), "{key}");
    let again = admin.go(&w, Method::GET, "/staff/account", "").await;
    assert!(again.html.contains("审计脚本") && !again.html.contains(&key));
    // The key reads the 操作日志 through the API, as JSON and as CSV.
    let (status, log) = with_key(&w, "/api/audit?action=sign_in", &key).await;
    assert_eq!(status, StatusCode::OK, "{log}");
    let log: serde_json::Value = serde_json::from_str(&log).unwrap();
    let records = log["records"].as_array().unwrap();
    assert!(
        records
            .iter()
            .any(|r| r["action"] == "sign_in.ok" && r["person"]["email"] == AGENCY),
        "{log:#}"
    );
    let (status, csv) = with_key(&w, "/api/audit/export?format=csv&action=api_key", &key).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        csv.contains("api_key.create") && !csv.contains("sign_in"),
        "{csv}"
    );
    // The page shows the same, with its download links.
    let page = admin
        .go(&w, Method::GET, "/staff/audit?action=api_key", "")
        .await;
    assert!(page.html.contains("生成 API 密钥") && page.html.contains("/staff/audit/export?"));
    // Revoked on 安全设置: the key is refused at once.
    let at = again.html.find("name=\"id\" value=\"").unwrap() + 17;
    let id = again.html[at..].split('"').next().unwrap().to_owned();
    let revoked = admin
        .go(
            &w,
            Method::POST,
            "/staff/account/keys/revoke",
            &format!("csrf={}&id={id}", again.csrf()),
        )
        .await;
    assert_eq!(revoked.location.as_deref(), Some("/staff/account"));
    let (status, _) = with_key(&w, "/api/audit", &key).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
