//! The public pages in-process, as a browser without JavaScript sees them: HTML, forms
//! posted as `application/x-www-form-urlencoded`, cookies carried by hand. (The whole flow
//! in a real browser, with axe-core, is `cli/tests/browser.rs`.)

#![allow(clippy::unwrap_used)] // tests fail loudly

mod common;

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use common::{World, generous, id_number, world};
use tower::ServiceExt;

struct Page {
    status: StatusCode,
    headers: HeaderMap,
    html: String,
}

impl Page {
    /// The `name=value` of every cookie the page set.
    fn cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
            .collect()
    }

    fn csrf(&self) -> String {
        let at = self
            .html
            .find("name=\"csrf\" value=\"")
            .expect("a CSRF field")
            + 19;
        self.html[at..].split('"').next().unwrap().to_owned()
    }
}

async fn page(w: &World, method: Method, path: &str, cookies: &[String], form: &str) -> Page {
    page_from(w, method, path, cookies, form, None).await
}

async fn page_from(
    w: &World,
    method: Method,
    path: &str,
    cookies: &[String],
    form: &str,
    fetch_site: Option<&str>,
) -> Page {
    let mut req = Request::builder().method(method.clone()).uri(path);
    if !cookies.is_empty() {
        req = req.header(header::COOKIE, cookies.join("; "));
    }
    if method == Method::POST {
        req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    }
    if let Some(site) = fetch_site {
        req = req.header("sec-fetch-site", site);
    }
    let res = w
        .router
        .clone()
        .oneshot(req.body(Body::from(form.to_owned())).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 22)
        .await
        .unwrap();
    Page {
        status,
        headers,
        // Lossy: the favicon is not text.
        html: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// The registration form as a browser first gets it (with its CSRF cookie and token).
async fn register_form(w: &World, id: &str) -> Page {
    page(
        w,
        Method::GET,
        &format!("/open-days/{id}/register"),
        &[],
        "",
    )
    .await
}

fn sms_count(w: &World) -> usize {
    std::fs::read_dir(&w.sms_dir).map_or(0, |d| d.count())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_needs_this_browsers_token_and_this_site() {
    let w = world(generous()).await;
    let id = w.announced(30).await;
    let form = register_form(&w, &id).await;
    assert_eq!(form.status, StatusCode::OK);
    let cookies = form.cookies();
    assert!(
        cookies.iter().any(|c| c.starts_with("csrf=")),
        "{cookies:?}"
    );
    let token = form.csrf();
    let path = format!("/open-days/{id}/register");
    let body = |token: &str| format!("csrf={token}&action=send_code&phone=13800138111");
    let sent = sms_count(&w);

    // Another token, no cookie, or a cross-site post: refused, and no text message sent.
    for (cookies, token, site) in [
        (cookies.clone(), "0".repeat(48), None),
        (vec![], token.clone(), None),
        (cookies.clone(), token.clone(), Some("cross-site")),
    ] {
        let p = page_from(&w, Method::POST, &path, &cookies, &body(&token), site).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN, "{site:?}");
        assert!(p.html.contains("页面已过期"));
    }
    assert_eq!(sms_count(&w), sent);

    // This browser's own form, same-origin: the code is sent, the form comes back with it.
    let p = page_from(
        &w,
        Method::POST,
        &path,
        &cookies,
        &body(&token),
        Some("same-origin"),
    )
    .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.html);
    assert!(p.html.contains("验证码已发送至138****8111"));
    assert!(p.html.contains("id=\"f-sms_code\""));
    assert_eq!(sms_count(&w), sent + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registration_redirects_and_a_reload_registers_nobody_twice() {
    let w = world(generous()).await;
    let id = w.announced(30).await;
    let form = register_form(&w, &id).await;
    let mut cookies = form.cookies();
    let token = form.csrf();
    let code = w.sms_code("13800138222").await;
    let fields = format!(
        "csrf={token}&action=submit&name=%E5%BC%A0%E4%B8%89&id_number={}&phone=13800138222&sms_code={code}&category=worker&relation=lives&full_civil_capacity=on&not_deputy=on",
        id_number(7)
    );
    // Without the separate consent for the ID number: refused, everything kept, and the
    // message at the consent box.
    let p = page(
        &w,
        Method::POST,
        &format!("/open-days/{id}/register"),
        &cookies,
        &fields,
    )
    .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.html.contains("role=\"alert\""));
    assert!(p.html.contains("href=\"#f-id_consent\""));
    assert!(p.html.contains(&format!("value=\"{}\"", id_number(7))));

    let with_consent = format!("{fields}&id_consent=on");
    let p = page(
        &w,
        Method::POST,
        &format!("/open-days/{id}/register"),
        &cookies,
        &with_consent,
    )
    .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    let to = p.headers[header::LOCATION].to_str().unwrap().to_owned();
    assert_eq!(to, format!("/open-days/{id}/registered"));
    cookies.extend(p.cookies());
    for _ in 0..2 {
        let done = page(&w, Method::GET, &to, &cookies, "").await;
        assert_eq!(done.status, StatusCode::OK);
        assert!(done.html.contains("报名成功"));
        assert!(done.html.contains("<svg"));
    }
    let seats = w.get(&format!("/api/announcements/{id}"), None).await;
    assert_eq!(seats.body["seats_left"], 29, "{}", seats.body);
    // Another browser (no cookie) is sent to the look-up page instead.
    let other = page(&w, Method::GET, &to, &[], "").await;
    assert_eq!(other.status, StatusCode::SEE_OTHER);
    assert_eq!(other.headers[header::LOCATION], "/registrations");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_answer_in_html_and_the_api_in_json() {
    let w = world(generous()).await;
    let p = page(&w, Method::GET, "/no-such-page", &[], "").await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    assert!(
        p.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(p.html.contains("<html lang=\"zh-CN\">") && p.html.contains("页面不存在"));
    let p = page(&w, Method::GET, "/open-days/nope", &[], "").await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    assert!(p.html.contains("该活动不存在"));
    let p = page(&w, Method::GET, "/api/no-such-thing", &[], "").await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    assert!(p.html.starts_with("{\"error\""));
    // Pages carry personal data: never cached; the stylesheet may be.
    let p = page(&w, Method::GET, "/registrations", &[], "").await;
    assert_eq!(p.headers[header::CACHE_CONTROL], "no-store");
    let home = page(&w, Method::GET, "/", &[], "").await;
    let css = stylesheet_of(&home.html);
    let p = page(&w, Method::GET, &css, &[], "").await;
    assert_eq!(
        p.headers[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable",
        "a hashed name is kept a year"
    );
    assert!(p.html.contains("font-size"));
    // Only the hashed name: the old one is gone, a made-up hash is not found.
    for stale in ["/static/site.css", "/static/site.000000000000.css"] {
        assert_eq!(
            page(&w, Method::GET, stale, &[], "").await.status,
            StatusCode::NOT_FOUND
        );
    }
    let icon = page(&w, Method::GET, "/favicon.ico", &[], "").await;
    assert_eq!(icon.status, StatusCode::OK);
    assert_eq!(icon.headers[header::CONTENT_TYPE], "image/x-icon");
    assert!(
        home.html
            .contains("<meta name=\"description\" content=\"政府开放日")
    );
}

/// The stylesheet a page links: `/static/site.<hash>.css`.
fn stylesheet_of(html: &str) -> String {
    let start = html
        .find("href=\"/static/site.")
        .expect("a stylesheet link")
        + "href=\"".len();
    let end = start + html[start..].find('"').unwrap();
    html[start..end].to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_and_the_stylesheet_are_compressed_for_clients_that_take_it() {
    let w = world(generous()).await;
    let home = page(&w, Method::GET, "/", &[], "").await;
    for path in ["/".to_owned(), stylesheet_of(&home.html)] {
        for (accept, encoding) in [
            ("gzip", Some("gzip")),
            ("br, gzip", Some("br")),
            ("identity", None),
        ] {
            let req = Request::builder()
                .uri(&path)
                .header(header::ACCEPT_ENCODING, accept)
                .body(Body::empty())
                .unwrap();
            let res = w.router.clone().oneshot(req).await.unwrap();
            assert_eq!(res.status(), StatusCode::OK);
            assert_eq!(
                res.headers()
                    .get(header::CONTENT_ENCODING)
                    .map(|v| v.to_str().unwrap()),
                encoding,
                "{path} for {accept}"
            );
            let bytes = axum::body::to_bytes(res.into_body(), 1 << 22)
                .await
                .unwrap();
            if encoding.is_some() {
                assert!(
                    bytes.len() < home.html.len().max(8000) / 2,
                    "{path}: {} bytes",
                    bytes.len()
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_elder_mode_switch_is_a_link_kept_in_a_cookie() {
    let w = world(generous()).await;
    let standard = page(&w, Method::GET, "/registrations", &[], "").await;
    assert!(standard.html.contains("<html lang=\"zh-CN\">"));
    assert!(
        standard
            .html
            .contains("href=\"/mode?to=elder&amp;back=/registrations\">长辈模式</a>")
    );
    let switched = page(
        &w,
        Method::GET,
        "/mode?to=elder&back=/registrations",
        &[],
        "",
    )
    .await;
    assert_eq!(switched.status, StatusCode::SEE_OTHER);
    assert_eq!(switched.headers[header::LOCATION], "/registrations");
    let cookie = switched.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(
        cookie.starts_with("openday_mode=elder;") && cookie.contains("Max-Age=31536000"),
        "{cookie}"
    );
    let elder = page(
        &w,
        Method::GET,
        "/registrations",
        &["openday_mode=elder".into()],
        "",
    )
    .await;
    assert!(elder.html.contains("<html lang=\"zh-CN\" class=\"elder\">"));
    assert!(
        elder
            .html
            .contains("href=\"/mode?to=standard&amp;back=/registrations\">标准模式</a>")
    );
    // The same content: only the body's class and the switch differ.
    let strip = |html: &str| {
        html.replace(
            "<html lang=\"zh-CN\" class=\"elder\">",
            "<html lang=\"zh-CN\">",
        )
        .replace(
            "to=standard&amp;back=/registrations\">标准模式",
            "to=elder&amp;back=/registrations\">长辈模式",
        )
    };
    let csrf_free = |html: &str| {
        html.lines()
            .filter(|l| !l.contains("csrf"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(csrf_free(&strip(&elder.html)), csrf_free(&standard.html));
    // Back to standard; a way back to another site is not followed.
    let back = page(&w, Method::GET, "/mode?to=standard&back=/", &[], "").await;
    assert!(
        back.headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    for evil in [
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil.example",
    ] {
        let p = page(
            &w,
            Method::GET,
            &format!(
                "/mode?to=elder&back={}",
                evil.replace('/', "%2F").replace('\\', "%5C")
            ),
            &[],
            "",
        )
        .await;
        assert_eq!(p.headers[header::LOCATION], "/", "{evil}");
    }
    assert_eq!(
        page(&w, Method::GET, "/mode?to=big", &[], "").await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_event_puts_the_form_on_the_waitlist() {
    let w = world(generous()).await;
    let id = w.announced(25).await;
    for n in 0..25 {
        let phone = format!("1380013{n:04}");
        let code = w.sms_code(&phone).await;
        let a = w
            .post(
                &format!("/api/announcements/{id}/registrations"),
                None,
                World::person(100 + n, &phone, &code),
            )
            .await;
        assert_eq!(a.body["status"], "confirmed", "{}", a.body);
    }
    let form = register_form(&w, &id).await;
    assert!(form.html.contains("剩余名额：0"));
    let mut cookies = form.cookies();
    let code = w.sms_code("13800139999").await;
    let fields = format!(
        "csrf={}&action=submit&name=%E7%8E%8B%E4%BA%94&id_number={}&phone=13800139999&sms_code={code}&category=expert&relation=studies&full_civil_capacity=on&not_deputy=on&id_consent=on",
        form.csrf(),
        id_number(99)
    );
    let p = page(
        &w,
        Method::POST,
        &format!("/open-days/{id}/register"),
        &cookies,
        &fields,
    )
    .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    cookies.extend(p.cookies());
    let done = page(
        &w,
        Method::GET,
        &format!("/open-days/{id}/registered"),
        &cookies,
        "",
    )
    .await;
    assert!(done.html.contains("<h1>候补登记成功</h1>"), "{}", done.html);
    assert!(done.html.contains("候补"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_evaluation_form_asks_for_the_registration_and_refuses_strangers_as_the_api_does() {
    let w = world(generous()).await;
    let id = w.announced(30).await;
    let (registration, _) = w.register(&id, 1).await;
    w.clock.set("2026-09-21T10:00:00+08:00");
    let path = format!("/open-days/{id}/evaluation");
    let form = page(&w, Method::GET, &path, &[], "").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.html
            .contains("<label for=\"f-registration_code\">报名编号</label>"),
        "{}",
        form.html
    );
    let cookies = form.cookies();
    let csrf = form.csrf();
    // A proved phone that never registered, naming someone else's registration.
    let stranger = "13700001111";
    let code = w.sms_code(stranger).await;
    let fields = |phone: &str, code: &str| {
        format!(
            "csrf={csrf}&action=submit&rating=1&comment=&registration_code={registration}&phone={phone}&sms_code={code}"
        )
    };
    let refused = page(&w, Method::POST, &path, &cookies, &fields(stranger, &code)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.html);
    assert!(refused.html.contains("href=\"#f-registration_code\""));
    assert!(refused.html.contains("id=\"e-registration_code\""));
    assert!(refused.html.contains("只有本场活动的报名人员可以测评"));
    assert!(
        refused.html.contains(&format!("value=\"{registration}\"")),
        "input kept"
    );
    // The registrant, with its own phone: taken (Post/Redirect/Get).
    let mine = World::phone(1);
    let code = w.sms_code(&mine).await;
    let taken = page(&w, Method::POST, &path, &cookies, &fields(&mine, &code)).await;
    assert_eq!(taken.status, StatusCode::SEE_OTHER, "{}", taken.html);
}

/// The security headers every response carries (the test site is `http://`: no HSTS).
fn assert_security_headers(what: &str, headers: &HeaderMap) {
    let csp = headers
        .get(header::CONTENT_SECURITY_POLICY)
        .unwrap_or_else(|| panic!("{what}: no Content-Security-Policy"))
        .to_str()
        .unwrap();
    for directive in [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ] {
        assert!(csp.contains(directive), "{what}: {csp}");
    }
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY", "{what}");
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{what}");
    assert_eq!(headers[header::REFERRER_POLICY], "no-referrer", "{what}");
    assert!(
        headers.get(header::STRICT_TRANSPORT_SECURITY).is_none(),
        "{what}: HSTS only for an https:// site"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_carries_the_security_headers_and_pages_need_nothing_inline() {
    let w = world(generous()).await;
    let id = w.announced(30).await;
    // A registration through the page, for the confirmation with its QR code.
    let form = register_form(&w, &id).await;
    let mut cookies = form.cookies();
    let code = w.sms_code("13800138333").await;
    let fields = format!(
        "csrf={}&action=submit&name=%E5%BC%A0%E4%B8%89&id_number={}&phone=13800138333&sms_code={code}&category=worker&relation=lives&full_civil_capacity=on&not_deputy=on&id_consent=on",
        form.csrf(),
        id_number(3)
    );
    let taken = page(
        &w,
        Method::POST,
        &format!("/open-days/{id}/register"),
        &cookies,
        &fields,
    )
    .await;
    assert_eq!(taken.status, StatusCode::SEE_OTHER, "{}", taken.html);
    assert_security_headers("a redirect", &taken.headers);
    cookies.extend(taken.cookies());
    let pages = [
        "/".to_owned(),
        format!("/open-days/{id}"),
        format!("/open-days/{id}/register"),
        format!("/open-days/{id}/registered"),
        format!("/open-days/{id}/feedback"),
        format!("/open-days/{id}/evaluation"),
        "/registrations".to_owned(),
        "/statistics?year=2026".to_owned(),
        "/staff/sign-in".to_owned(),
        "/staff/sign-in/confirm?n=x".to_owned(),
        "/no-such-page".to_owned(),
    ];
    for path in &pages {
        let p = page(&w, Method::GET, path, &cookies, "").await;
        assert!(
            p.status.is_success() || p.status == StatusCode::NOT_FOUND,
            "{path}: {}",
            p.status
        );
        assert_security_headers(path, &p.headers);
        // Nothing the policy would block: no inline style or script, no other host.
        let html = p.html.to_ascii_lowercase();
        for inline in [
            "style=",
            "<style",
            "<script",
            "javascript:",
            " onclick=",
            " onload=",
            " onsubmit=",
            " onchange=",
            "src=\"http",
            "href=\"http",
            "action=\"http",
        ] {
            assert!(!html.contains(inline), "{path} has {inline}: {}", p.html);
        }
    }
    let qr = page(&w, Method::GET, &pages[3], &cookies, "").await;
    assert!(qr.html.contains("<svg"), "the QR code is inline SVG");
    // The stylesheet, the JSON API and its errors carry them too.
    for path in [
        "/favicon.ico",
        "/api/announcements?year=2026",
        "/api/nothing",
    ] {
        let p = page(&w, Method::GET, path, &[], "").await;
        assert_security_headers(path, &p.headers);
    }
    let a = w.post("/api/sms-codes", None, serde_json::json!({})).await;
    assert!(a.status.is_client_error());
    assert_security_headers("a refused API call", &a.headers);
}
