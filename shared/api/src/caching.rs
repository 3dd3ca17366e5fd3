//! Public answers a shared cache (CloudFront, a proxy) may keep for a short while: the
//! pages and API answers that hold no personal data and depend on nobody's session. Each
//! carries `Cache-Control: public, max-age=0, s-maxage=N` and an `ETag`; a conditional
//! request whose `If-None-Match` names the current tag is answered `304` without the body.
//! Everything else stays `no-store` (`edge::json_errors_no_store`).
//!
//! What makes an answer shareable is decided here, in one list of route templates, and
//! checked on every response: only `GET`/`HEAD`, no `Authorization`, status 200 and no
//! `Set-Cookie` (a page that hands out a flash notice or a CSRF token is someone's own).
//! Pages depend on the 长辈模式 cookie, so they say `Vary: Cookie`; CloudFront's cache
//! policy in `template.yaml` keys on that cookie (and the notice cookie) instead.
//!
//! Seats left: the pages and answers that show them are shared for 10 seconds only, and a
//! registration is decided by the conditional write on the seat counter, never by the
//! figure a visitor saw: someone who saw "余 1 席" a few seconds late is told 已满 at once.

use axum::body::Body;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// Seconds a shared cache may keep an answer that shows seats left.
pub const SEATS_LIFETIME: u32 = 10;
/// Seconds for the other public answers (figures, campaigns, 通报, the published
/// responses); the kept figures behind them are themselves up to this old.
pub const FIGURES_LIFETIME: u32 = 60;

/// The route templates whose answers may be shared, and for how long.
pub const SHARED: &[(&str, u32)] = &[
    ("/", SEATS_LIFETIME),
    ("/open-days/{plan_id}", SEATS_LIFETIME),
    ("/open-days/{plan_id}/calendar.ics", FIGURES_LIFETIME),
    ("/open-days/{plan_id}/response", FIGURES_LIFETIME),
    ("/statistics", FIGURES_LIFETIME),
    ("/campaigns/{id}", FIGURES_LIFETIME),
    ("/bulletins/{office_id}/{year}", FIGURES_LIFETIME),
    ("/bulletins/{office_id}/{year}/document", FIGURES_LIFETIME),
    ("/public-evaluations/{id}", FIGURES_LIFETIME),
    ("/api/announcements", SEATS_LIFETIME),
    ("/api/announcements/{plan_id}", SEATS_LIFETIME),
    ("/api/statistics", FIGURES_LIFETIME),
    ("/api/campaigns/{id}", FIGURES_LIFETIME),
    ("/api/bulletins/{office_id}/{year}", FIGURES_LIFETIME),
    ("/api/questionnaires/{plan_id}", FIGURES_LIFETIME),
    ("/api/public-evaluations/{id}", FIGURES_LIFETIME),
    ("/api/openapi.json", FIGURES_LIFETIME),
];

/// The cookies a shared page depends on, which a CDN must key its copies on: the 长辈模式
/// choice, and the flash notice (a page that shows one is not shared, so a request that
/// carries one must reach the server).
pub const KEYED_COOKIES: [&str; 2] = [crate::pages::view::COOKIE, crate::pages::NOTICE_COOKIE];

/// The largest public answer tagged; a larger one (none is) goes out untagged, unshared.
const MAX_TAGGED: usize = 4 << 20;

/// How long the answer of `route` may be shared, if it may be at all.
pub fn lifetime_of(route: &str) -> Option<u32> {
    SHARED.iter().find(|(r, _)| *r == route).map(|(_, s)| *s)
}

/// Marks shareable answers as such, with their tag, and answers `304` to a request that
/// already holds the current one.
pub async fn shared_answers(req: Request, next: Next) -> Response {
    let lifetime = req
        .extensions()
        .get::<MatchedPath>()
        .and_then(|p| lifetime_of(p.as_str()))
        .filter(|_| matches!(*req.method(), Method::GET | Method::HEAD))
        .filter(|_| !req.headers().contains_key(header::AUTHORIZATION));
    let held = req.headers().get(header::IF_NONE_MATCH).cloned();
    let response = next.run(req).await;
    let Some(seconds) = lifetime else {
        return response;
    };
    if response.status() != StatusCode::OK || response.headers().contains_key(header::SET_COOKIE) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_TAGGED).await else {
        // Too large to tag (or the body failed): not shared, and said plainly.
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    let tag = tag_of(&bytes);
    mark_shared(&mut parts.headers, seconds, &tag);
    if held.is_some_and(|h| names(&h, &tag)) {
        let mut not_modified = Response::new(Body::empty());
        *not_modified.status_mut() = StatusCode::NOT_MODIFIED;
        for name in [
            header::CACHE_CONTROL,
            header::ETAG,
            header::VARY,
            header::CONTENT_TYPE,
        ] {
            for value in parts.headers.get_all(&name) {
                not_modified.headers_mut().append(&name, value.clone());
            }
        }
        return not_modified;
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn mark_shared(headers: &mut HeaderMap, seconds: u32, tag: &HeaderValue) {
    let lifetime = format!("public, max-age=0, s-maxage={seconds}");
    if let Ok(v) = HeaderValue::from_str(&lifetime) {
        headers.insert(header::CACHE_CONTROL, v);
    }
    headers.insert(header::ETAG, tag.clone());
    let html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if html {
        // The page is drawn for the visitor's 长辈模式 cookie.
        headers.append(header::VARY, HeaderValue::from_static("Cookie"));
    }
}

/// A weak tag of the body as this process rendered it (compression, applied after, keeps
/// the tag: it is weak, the same content in another encoding).
fn tag_of(body: &[u8]) -> HeaderValue {
    let digest = Sha256::digest(body);
    let hex = openday_store::personal::hex(&digest[..16]);
    HeaderValue::from_str(&format!("W/\"{hex}\"")).unwrap_or(HeaderValue::from_static("W/\"0\""))
}

/// Whether an `If-None-Match` value names `tag` (weak comparison, as RFC 9110 says for
/// `If-None-Match`), or is `*`.
fn names(held: &HeaderValue, tag: &HeaderValue) -> bool {
    let (Ok(held), Ok(tag)) = (held.to_str(), tag.to_str()) else {
        return false;
    };
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    held.split(',')
        .any(|h| h.trim() == "*" || opaque(h) == opaque(tag))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests fail loudly
mod tests {
    use super::*;

    #[test]
    fn a_held_tag_matches_weakly_in_a_list_or_as_a_star() {
        let tag = tag_of(b"page");
        let raw = tag.to_str().unwrap().to_owned();
        let strong = raw.trim_start_matches("W/").to_owned();
        for held in [raw.clone(), strong, format!("W/\"x\", {raw}"), "*".into()] {
            assert!(
                names(&HeaderValue::from_str(&held).unwrap(), &tag),
                "{held}"
            );
        }
        let other = tag_of(b"page changed");
        assert!(!names(&other, &tag));
        assert_ne!(tag_of(b"a"), tag_of(b"b"));
    }

    #[test]
    fn only_listed_routes_are_shared_and_seats_briefly() {
        assert_eq!(lifetime_of("/open-days/{plan_id}"), Some(SEATS_LIFETIME));
        assert_eq!(lifetime_of("/statistics"), Some(FIGURES_LIFETIME));
        for personal in [
            "/registrations",
            "/open-days/{plan_id}/register",
            "/api/plans",
            "/api/plans/{id}",
            "/staff",
        ] {
            assert_eq!(lifetime_of(personal), None, "{personal}");
        }
    }
}
