//! A browser without JavaScript for the page tests: its cookies kept across requests,
//! sign-in by the mailed link and the second factor.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use tower::ServiceExt;

use super::World;

/// A browser: its cookies, kept across requests.
#[derive(Default, Clone)]
pub struct Browser {
    pub cookies: BTreeMap<String, String>,
}

pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub html: String,
}

impl Page {
    pub fn csrf(&self) -> String {
        let at = self
            .html
            .find("name=\"csrf\" value=\"")
            .unwrap_or_else(|| panic!("a CSRF field in {}", self.html))
            + 19;
        self.html[at..].split('"').next().unwrap().to_owned()
    }
}

impl Browser {
    pub async fn go(&mut self, w: &World, method: Method, path: &str, form: &str) -> Page {
        self.go_from(w, method, path, form, None).await
    }

    pub async fn go_from(
        &mut self,
        w: &World,
        method: Method,
        path: &str,
        form: &str,
        site: Option<&str>,
    ) -> Page {
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
        if let Some(site) = site {
            req = req.header("sec-fetch-site", site);
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
        let location = res
            .headers()
            .get(header::LOCATION)
            .map(|l| l.to_str().unwrap().to_owned());
        let bytes = axum::body::to_bytes(res.into_body(), 1 << 22)
            .await
            .unwrap();
        Page {
            status,
            location,
            html: String::from_utf8(bytes.to_vec()).unwrap(),
        }
    }

    /// Follows a redirect, as a browser does.
    pub async fn follow(&mut self, w: &World, page: &Page) -> Page {
        let to = page.location.clone().expect("a redirect");
        self.go(w, Method::GET, &to, "").await
    }

    /// Asks for a sign-in link for `email` on the sign-in page; the page it lands on.
    pub async fn ask(&mut self, w: &World, email: &str) -> Page {
        let form = self.go(w, Method::GET, "/staff/sign-in", "").await;
        let asked = self
            .go(
                w,
                Method::POST,
                "/staff/sign-in",
                &format!("csrf={}&email={}", form.csrf(), enc(email)),
            )
            .await;
        assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.html);
        self.follow(w, &asked).await
    }

    /// Opens the mailed link and confirms: the page the confirmation ends on.
    pub async fn confirm(&mut self, w: &World, link: &str) -> Page {
        let shown = self.go(w, Method::GET, link, "").await;
        assert_eq!(shown.status, StatusCode::OK);
        assert!(shown.html.contains("确认登录"));
        let n = link.split("n=").nth(1).unwrap().split('&').next().unwrap();
        self.go(
            w,
            Method::POST,
            "/staff/sign-in/confirm",
            &format!("csrf={}&n={n}", shown.csrf()),
        )
        .await
    }

    /// Signs in as the person with `email`, by the link and the second factor (enrolled
    /// at the first sign-in).
    pub async fn sign_in(&mut self, w: &World, email: &str) {
        self.ask(w, email).await;
        let (link, _) = openday_testkit::sign_in_mail(&w.mail_dir, email);
        let done = self.confirm(w, &link).await;
        assert_eq!(
            done.location.as_deref(),
            Some("/staff/second-factor"),
            "{}",
            done.html
        );
        self.second_factor(w, email).await;
    }

    /// The second factor: the code the person's authenticator shows now.
    pub async fn second_factor(&mut self, w: &World, email: &str) {
        let page = self.go(w, Method::GET, "/staff/second-factor", "").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.html);
        let code =
            openday_testkit::second_factor_code(&w.mail_dir, email, &page.html, w.clock_now());
        let done = self
            .go(
                w,
                Method::POST,
                "/staff/second-factor",
                &format!("csrf={}&code={code}", page.csrf()),
            )
            .await;
        if done.status == StatusCode::OK {
            assert!(done.html.contains("恢复码"), "{}", done.html);
        } else {
            assert_eq!(done.location.as_deref(), Some("/staff"), "{}", done.html);
        }
    }
}

pub fn enc(v: &str) -> String {
    form_urlencoded::byte_serialize(v.as_bytes()).collect()
}
