//! Bad input at the edge, each refused cleanly: impossible ids, unknown routes and methods,
//! other charsets, changes without a version, lower-case bearer schemes, and never a cached
//! response.

#![allow(clippy::unwrap_used)] // tests fail loudly

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::{generous, world};
use serde_json::{Value, json};
use tower::ServiceExt;

async fn raw(w: &common::World, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Value) {
    let res = w.router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
        .await
        .unwrap();
    (
        status,
        headers,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn impossible_paths_unknown_routes_and_methods_answer_json() {
    let w = world(generous()).await;
    let long_id = "a".repeat(3000);
    for path in [
        format!("/api/plans/{long_id}"),
        format!("/api/announcements/{long_id}"),
        "/api/announcements/%FF%FE".to_owned(),
        "/api/announcements/a%00b".to_owned(),
        "/api/plans/..%2F..%2Fetc".to_owned(),
        "/api/announcements/%E2%80%AEabc".to_owned(),
        "/api/no/such/route".to_owned(),
    ] {
        let (status, headers, body) =
            raw(&w, Request::get(&path).body(Body::empty()).unwrap()).await;
        assert!(
            status == StatusCode::NOT_FOUND || status == StatusCode::URI_TOO_LONG,
            "{path}: {status}"
        );
        assert!(body["error"]["code"].is_string(), "{path}: {body}");
        assert_eq!(headers["cache-control"], "no-store");
    }
    let (status, _, body) = raw(
        &w,
        Request::get(format!("/api/x/{}", "y".repeat(2000)))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::URI_TOO_LONG, "{body}");
    let (status, headers, body) = raw(
        &w,
        Request::delete("/api/announcements")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(body["error"]["code"], "METHOD_NOT_ALLOWED");
    assert!(headers.contains_key("allow"));
    // Off `/api/` the same refusals are pages for people: HTML, still never cached.
    for path in ["/no/such/route", "/open-days/%FF%FE"] {
        let res = w
            .router
            .clone()
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert_eq!(res.headers()["cache-control"], "no-store");
    }
    // A valid-looking id that does not exist is a 404 from the handler, not a 503.
    let a = w
        .get("/api/plans/0123456789abcdef0123456789abcdef", Some("nn-jt"))
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_charset_is_refused_with_415() {
    let w = world(generous()).await;
    for ct in [
        "application/json; charset=gbk",
        "application/x-www-form-urlencoded; charset=GB2312",
    ] {
        let (status, _, body) = raw(
            &w,
            Request::post("/api/sms-codes")
                .header("content-type", ct)
                .body(Body::from("phone=13800138000"))
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{ct}");
        assert_eq!(body["error"]["code"], "UNSUPPORTED_MEDIA_TYPE");
    }
    let (status, _, _) = raw(
        &w,
        Request::post("/api/sms-codes")
            .header("content-type", "application/json; charset=UTF-8")
            .body(Body::from(r#"{"phone":"13800138000"}"#))
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_state_change_without_a_version_is_refused() {
    let w = world(generous()).await;
    let id = w.announced(30).await;
    let a = w
        .post(&format!("/api/plans/{id}/cancel"), Some("nn-jt"), json!({}))
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
    assert_eq!(a.body["error"]["field"], "version");
    let plan = w.get(&format!("/api/plans/{id}"), Some("nn-jt")).await;
    assert_eq!(plan.body["status"], "announced", "nothing was cancelled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bearer_scheme_is_case_insensitive_and_future_tokens_are_refused() {
    let w = world(generous()).await;
    let token = w.tokens.issue("nn-jt", w.clock_now());
    let (status, _, _) = raw(
        &w,
        Request::get("/api/plans?year=2026")
            .header("authorization", format!("bearer {token}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let future = w
        .tokens
        .issue("nn-jt", w.clock_now() + chrono::Duration::days(1));
    let (status, _, body) = raw(
        &w,
        Request::get("/api/plans?year=2026")
            .header("authorization", format!("Bearer {future}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responses_with_personal_data_are_never_cached() {
    let w = world(generous()).await;
    let id = w.announced(30).await;
    let code = w.sms_code("13800138000").await;
    let a = w
        .post(
            &format!("/api/announcements/{id}/registrations"),
            None,
            common::World::person(1, "13800138000", &code),
        )
        .await;
    assert_eq!(a.headers["cache-control"], "no-store");
    let a = w
        .post(
            "/api/registrations/lookup",
            None,
            json!({"code": a.body["code"], "phone": "13800138000"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.headers["cache-control"], "no-store");
    let a = w
        .send(
            Method::GET,
            &format!("/api/plans/{id}"),
            Some("nn-jt"),
            None,
            None,
        )
        .await;
    assert_eq!(a.headers["cache-control"], "no-store");
}

/// A GET of `path` holding `tag` (`If-None-Match`), with a cookie header if given.
fn conditional(path: &str, tag: Option<&str>, cookie: Option<&str>) -> Request<Body> {
    let mut req = Request::get(path);
    if let Some(tag) = tag {
        req = req.header("if-none-match", tag);
    }
    if let Some(cookie) = cookie {
        req = req.header("cookie", cookie);
    }
    req.body(Body::empty()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_answers_are_shared_briefly_with_a_tag_and_personal_ones_never() {
    let w = world(generous()).await;
    let id = w.announced(30).await;
    for (path, seconds) in [
        ("/".to_owned(), 10),
        (format!("/open-days/{id}"), 10),
        ("/api/announcements".to_owned(), 10),
        (format!("/api/announcements/{id}"), 10),
        ("/statistics".to_owned(), 60),
        ("/api/statistics".to_owned(), 60),
    ] {
        let (status, headers, _) = raw(&w, conditional(&path, None, None)).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(
            headers["cache-control"],
            format!("public, max-age=0, s-maxage={seconds}").as_str(),
            "{path}"
        );
        let tag = headers["etag"].to_str().unwrap().to_owned();
        assert!(tag.starts_with("W/\""), "{path}: {tag}");
        let html = !path.starts_with("/api/");
        assert_eq!(
            headers.get("vary").is_some_and(|v| v == "Cookie"),
            html,
            "{path}"
        );
        // The same tag held: 304, no body; another tag: the whole answer again.
        let res = w
            .router
            .clone()
            .oneshot(conditional(&path, Some(&tag), None))
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_MODIFIED, "{path}");
        assert_eq!(res.headers()["etag"], tag.as_str());
        let body = axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .unwrap();
        assert!(body.is_empty(), "{path}");
        let (status, again, _) = raw(&w, conditional(&path, Some("W/\"stale\""), None)).await;
        assert_eq!(
            (status, again["etag"].to_str().unwrap()),
            (StatusCode::OK, tag.as_str())
        );
    }
    // The 长辈模式 page is another representation: another tag.
    let standard = raw(&w, conditional("/", None, None)).await.1["etag"].clone();
    let elder = raw(&w, conditional("/", None, Some("openday_mode=elder")))
        .await
        .1["etag"]
        .clone();
    assert_ne!(standard, elder);
    // Someone's own: a form with its CSRF cookie, a bearer's answer, a page that hands a
    // flash notice, a lookup; and errors.
    for path in [
        format!("/open-days/{id}/register"),
        "/registrations".to_owned(),
        "/open-days/nope".to_owned(),
    ] {
        let (_, headers, _) = raw(&w, conditional(&path, None, None)).await;
        assert_eq!(headers["cache-control"], "no-store", "{path}");
        assert!(!headers.contains_key("etag"), "{path}");
    }
    let a = w.get("/api/statistics", Some("nn-jt")).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.headers["cache-control"], "no-store");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_bad_input_is_echoed_at_most_about_64_characters() {
    let w = world(generous()).await;
    let id = w.announced(30).await;
    let mut body = common::World::person(1, "13800138000", "123456");
    body["id_number"] = json!("9".repeat(5000));
    body["phone"] = json!("1".repeat(5000));
    let a = w
        .post(
            &format!("/api/announcements/{id}/registrations"),
            None,
            body,
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        a.body.to_string().len() < 2000,
        "{}",
        a.body.to_string().len()
    );
}
