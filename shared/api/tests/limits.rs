//! The limits an outside probe found missing, through the real routers: text-message codes
//! per address, per /24 network and in an hourly budget (on the JSON route and the page
//! forms alike), sign-in links per mailbox and per address, and a sign-in answer that takes
//! as long for an address outside the directory as for one in it.

#![allow(clippy::unwrap_used)] // tests fail loudly

mod common;

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use common::{Answer, World, generous, world};
use openday_api::limits::{ClientIp, Limits, Quotas};
use serde_json::json;
use tower::ServiceExt;

const AGENCY: &str = "jtj@nn.example.org";

fn phone(n: u32) -> String {
    format!("139{n:08}")
}

async fn ask_code(w: &World, n: u32, from: [u8; 4]) -> Answer {
    w.send(
        Method::POST,
        "/api/sms-codes",
        None,
        Some(json!({ "phone": phone(n) })),
        Some(from),
    )
    .await
}

fn retry_after(headers: &HeaderMap) -> u64 {
    headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// A form page as a browser at `from` sees it: status, headers, HTML, cookies to send back.
struct Page {
    status: StatusCode,
    headers: HeaderMap,
    html: String,
}

impl Page {
    fn csrf(&self) -> String {
        let at = self
            .html
            .find("name=\"csrf\" value=\"")
            .expect("a CSRF field")
            + 19;
        self.html[at..].split('"').next().unwrap().to_owned()
    }

    fn cookies(&self) -> String {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
            .collect::<Vec<_>>()
            .join("; ")
    }
}

async fn page(
    w: &World,
    method: Method,
    path: &str,
    cookies: &str,
    form: &str,
    from: [u8; 4],
) -> Page {
    let mut req = Request::builder().method(method.clone()).uri(path);
    if !cookies.is_empty() {
        req = req.header(header::COOKIE, cookies);
    }
    if method == Method::POST {
        req = req
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("sec-fetch-site", "same-origin");
    }
    let mut req = req.body(Body::from(form.to_owned())).unwrap();
    req.extensions_mut().insert(ClientIp(from.into()));
    let res = w.router.clone().oneshot(req).await.unwrap();
    let (status, headers) = (res.status(), res.headers().clone());
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 22)
        .await
        .unwrap();
    Page {
        status,
        headers,
        html: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

/// 获取验证码 on the registration form of `plan`, from `from`.
async fn ask_code_on_the_form(w: &World, plan: &str, n: u32, from: [u8; 4]) -> Page {
    let path = format!("/open-days/{plan}/register");
    let form = page(w, Method::GET, &path, "", "", from).await;
    let body = format!("csrf={}&action=send_code&phone={}", form.csrf(), phone(n));
    page(w, Method::POST, &path, &form.cookies(), &body, from).await
}

/// Five codes a minute from one address, twenty from its /24, thirty a day from the
/// address: each the next one refused with 429 and the wait; the page form counts with
/// the JSON route.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codes_are_limited_per_address_per_network_and_per_day() {
    let w = world(generous()).await;
    let plan = w.announced(30).await;
    w.clock.set("2026-09-05T10:00:05+08:00");
    let a = [203, 0, 113, 7];
    // Three by the API and two by the registration form: five from the address.
    for n in 0..3 {
        assert_eq!(ask_code(&w, n, a).await.status, StatusCode::ACCEPTED);
    }
    for n in 3..5 {
        let p = ask_code_on_the_form(&w, &plan, n, a).await;
        assert_eq!(p.status, StatusCode::OK, "{}", p.html);
        assert!(p.html.contains("验证码已发送"));
    }
    let sixth = ask_code(&w, 5, a).await;
    assert_eq!(
        sixth.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        sixth.body
    );
    assert_eq!(sixth.body["error"]["code"], "RATE_LIMITED");
    assert!(
        sixth.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("您所在网络申请验证码过于频繁")
    );
    assert_eq!(retry_after(&sixth.headers), 55);
    let on_form = ask_code_on_the_form(&w, &plan, 6, a).await;
    assert_eq!(
        on_form.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        on_form.html
    );
    assert!(on_form.html.contains("您所在网络申请验证码过于频繁"));

    // Three more addresses of the same /24 bring the network to twenty; a fifth address
    // of it is refused, one of another network is not.
    for host in 8..11 {
        for n in 0..5 {
            let answer = ask_code(&w, 100 * host + n, [203, 0, 113, host as u8]).await;
            assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.body);
        }
    }
    let neighbour = ask_code(&w, 2000, [203, 0, 113, 99]).await;
    assert_eq!(neighbour.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        ask_code(&w, 2001, [198, 51, 100, 1]).await.status,
        StatusCode::ACCEPTED
    );

    // The next minutes: five each, up to thirty a day; the thirty-first waits for midnight.
    let mut n = 3000;
    for minute in 1..6 {
        w.clock.set(&format!("2026-09-05T10:{minute:02}:05+08:00"));
        for _ in 0..5 {
            n += 1;
            let answer = ask_code(&w, n, a).await;
            assert_eq!(
                answer.status,
                StatusCode::ACCEPTED,
                "minute {minute}: {}",
                answer.body
            );
        }
    }
    w.clock.set("2026-09-05T10:06:05+08:00");
    let over = ask_code(&w, n + 1, a).await;
    assert_eq!(over.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(retry_after(&over.headers), 14 * 3600 - 6 * 60 - 5);
    w.clock.set("2026-09-06T00:00:01+08:00");
    assert_eq!(ask_code(&w, n + 2, a).await.status, StatusCode::ACCEPTED);
}

/// Beyond the operator's hourly budget every path that sends a code answers 503 with the
/// code `SMS_BUDGET_EXHAUSTED`, a Chinese message and the wait, and the alarm's log line
/// is written once; the next hour codes go out again.
#[tokio::test(flavor = "current_thread")]
async fn codes_beyond_the_hourly_budget_get_503_and_raise_the_alarm() {
    let logs = LogCapture::default();
    let _guard = tracing::subscriber::set_default(
        tracing_subscriber::fmt()
            .with_writer(logs.clone())
            .with_ansi(false)
            .finish(),
    );
    let w = world(Limits {
        quotas: Quotas {
            codes_per_hour: 12,
            ..Quotas::default()
        },
        ..generous()
    })
    .await;
    let plan = w.announced(30).await;
    w.clock.set("2026-09-05T10:20:00+08:00");
    // Twelve people, each from a network of their own.
    for n in 0..12 {
        let answer = ask_code(&w, n, [10, n as u8, 0, 1]).await;
        assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.body);
    }
    let over = ask_code(&w, 12, [10, 12, 0, 1]).await;
    assert_eq!(over.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(over.body["error"]["code"], "SMS_BUDGET_EXHAUSTED");
    assert!(
        over.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("每小时上限")
    );
    assert_eq!(retry_after(&over.headers), 40 * 60);
    let on_form = ask_code_on_the_form(&w, &plan, 13, [10, 13, 0, 1]).await;
    assert_eq!(on_form.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(on_form.html.contains("每小时上限"), "{}", on_form.html);
    assert_eq!(
        logs.text()
            .matches("alarm=\"SMS_BUDGET_EXHAUSTED\"")
            .count(),
        1,
        "one alarm: {}",
        logs.text()
    );
    w.clock.set("2026-09-05T11:00:01+08:00");
    assert_eq!(
        ask_code(&w, 14, [10, 14, 0, 1]).await.status,
        StatusCode::ACCEPTED
    );
}

/// What a test's tracing subscriber wrote.
#[derive(Clone, Default)]
struct LogCapture(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl LogCapture {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogCapture {
    type Writer = LogCapture;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Asks for a sign-in link for `email` on the sign-in page from `from`: the answer.
async fn ask_link(w: &World, email: &str, from: [u8; 4]) -> (Page, Duration) {
    let form = page(w, Method::GET, "/staff/sign-in", "", "", from).await;
    let body = format!(
        "csrf={}&email={}",
        form.csrf(),
        form_urlencoded::byte_serialize(email.as_bytes()).collect::<String>()
    );
    let started = Instant::now();
    let asked = page(
        w,
        Method::POST,
        "/staff/sign-in",
        &form.cookies(),
        &body,
        from,
    )
    .await;
    (asked, started.elapsed())
}

/// The texts of the mails in the outbox.
fn mails(w: &World) -> Vec<String> {
    openday_mail::read_outbox(&w.mail_dir)
        .unwrap_or_default()
        .into_iter()
        .map(|m| m.text)
        .collect()
}

/// Five links a mailbox in fifteen minutes, the fifth saying until when no more come; the
/// sixth refused alike for a mailbox in the directory and one outside it, from any address;
/// twenty asked from one address, then 429 for any mailbox.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_links_are_limited_per_mailbox_and_per_address() {
    let w = world(generous()).await;
    w.clock.set("2026-09-05T10:03:00+08:00");
    let a = [198, 51, 100, 20];
    for _ in 0..5 {
        let (asked, _) = ask_link(&w, AGENCY, a).await;
        assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.html);
    }
    let sent = mails(&w);
    assert_eq!(sent.len(), 5);
    assert!(
        sent.iter()
            .any(|m| m.contains("2026年9月5日 10:15前不再发送新的登录邮件"))
    );
    for email in [AGENCY, "nobody@example.org"] {
        if email != AGENCY {
            for _ in 0..5 {
                assert_eq!(ask_link(&w, email, a).await.0.status, StatusCode::SEE_OTHER);
            }
        }
        for from in [a, [192, 0, 2, 1]] {
            let (refused, _) = ask_link(&w, email, from).await;
            assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS, "{email}");
            assert!(refused.html.contains("同一邮箱每15分钟最多发送5封登录邮件"));
            assert_eq!(retry_after(&refused.headers), 12 * 60);
        }
    }
    assert_eq!(mails(&w).len(), 5, "no sixth mail");
    // The next window: links again.
    w.clock.set("2026-09-05T10:15:00+08:00");
    assert_eq!(
        ask_link(&w, AGENCY, a).await.0.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(mails(&w).len(), 6);
    // Twenty from one address in a window, whatever the mailboxes; then 429.
    let b = [198, 51, 100, 21];
    for i in 0..20 {
        let (asked, _) = ask_link(&w, &format!("guess{i}@example.org"), b).await;
        assert_eq!(asked.status, StatusCode::SEE_OTHER);
    }
    let (refused, _) = ask_link(&w, "guess20@example.org", b).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.html.contains("登录申请过于频繁"));
}

/// An address in the directory (a mail is sent) and one outside it take the same time to
/// answer: both at least the floor, their medians close.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_answers_known_and_unknown_addresses_alike() {
    let w = world(Limits {
        quotas: Quotas::unlimited(),
        ..generous()
    })
    .await;
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    for i in 0..7u8 {
        let (asked, took) = ask_link(&w, AGENCY, [10, 9, i, 1]).await;
        assert_eq!(asked.status, StatusCode::SEE_OTHER);
        known.push(took);
        let (asked, took) = ask_link(&w, "nobody@example.org", [10, 9, i, 2]).await;
        assert_eq!(asked.status, StatusCode::SEE_OTHER);
        unknown.push(took);
    }
    known.sort();
    unknown.sort();
    let floor = openday_app::sign_in::SIGN_IN_ANSWER_FLOOR;
    assert!(
        known[0] >= floor && unknown[0] >= floor,
        "{known:?} {unknown:?}"
    );
    let (k, u) = (known[3].as_secs_f64(), unknown[3].as_secs_f64());
    println!(
        "sign-in answer medians: known {:.1} ms, unknown {:.1} ms",
        k * 1e3,
        u * 1e3
    );
    assert!((k - u).abs() < 0.05, "medians {k} and {u}");
}
