//! Staff authentication on the API: a person's API key (`odk_…`, made on 安全设置, stored
//! as a keyed hash), or a token made on the machine itself (`openday token`: signed HS256
//! with a key from configuration, acting as the organisation's first 管理员, its directory
//! mailbox, until that person's sessions are ended). Either acts with the roles the person
//! holds now. The public paths need none.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use openday_app::people::Actor;

pub use crate::keys::{TOKEN_DAYS, TokenKey};

use crate::app::{App, Store};
use crate::error::ApiError;

/// The bearer token of a request, if it carries one.
pub fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(AUTHORIZATION)?
        .to_str()
        .ok()?
        .trim()
        .split_once(' ')
        // The scheme is case-insensitive (RFC 9110): `bearer`, `BEARER` are `Bearer`.
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
}

/// A person of staff: the one a valid token acts as. Missing or bad token: 401.
pub struct Staff(pub Actor);

impl<S: Store> FromRequestParts<App<S>> for Staff {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App<S>) -> Result<Self, ApiError> {
        let token = bearer(parts)
            .ok_or(ApiError::Unauthorized(
                "请登录：缺少 Authorization: Bearer 令牌",
            ))?
            .to_owned();
        let token = token.as_str();
        let from = crate::limits::Caller::from_request_parts(parts, app)
            .await
            .map_or_else(|never| match never {}, |c| c.0.to_string());
        if openday_app::api_keys::is_api_key(token) {
            let actor = openday_app::api_keys::authenticate(&app.core, token, from)
                .await?
                .ok_or(ApiError::Unauthorized("API 密钥无效、已过期或已被吊销"))?;
            return Ok(Staff(actor));
        }
        let claims = app
            .config
            .tokens
            .verify(token, app.now())
            .ok_or(ApiError::Unauthorized("令牌无效或已过期"))?;
        let actor =
            openday_app::people::actor_of_org_token(&app.core, &claims.org_id, claims.epoch, from)
                .await?
                .ok_or(ApiError::Unauthorized(
                    "令牌所指的机关或其管理员已不存在，或令牌已被注销",
                ))?;
        Ok(Staff(actor))
    }
}

/// Staff when a token is sent (it must then be valid), the public otherwise.
pub struct MaybeStaff(pub Option<Actor>);

impl<S: Store> FromRequestParts<App<S>> for MaybeStaff {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App<S>) -> Result<Self, ApiError> {
        if bearer(parts).is_none() {
            return Ok(MaybeStaff(None));
        }
        Staff::from_request_parts(parts, app)
            .await
            .map(|s| MaybeStaff(Some(s.0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    fn t(raw: &str) -> DateTime<Utc> {
        openday_rules::calendar::parse_instant("t", raw).unwrap()
    }

    #[test]
    fn a_token_issued_in_the_future_is_refused() {
        let key = TokenKey::new(&[1u8; 32]).unwrap();
        let token = key.issue("nn-jt", t("2026-09-01T10:00:00+08:00"));
        assert_eq!(key.verify(&token, t("2026-09-01T09:00:00+08:00")), None);
        assert_eq!(
            key.verify(&token, t("2026-09-01T09:59:30+08:00"))
                .map(|c| c.org_id)
                .as_deref(),
            Some("nn-jt"),
            "a minute of skew is forgiven"
        );
    }

    #[test]
    fn the_bearer_scheme_is_case_insensitive() {
        for header in ["Bearer abc", "bearer abc", "BEARER  abc ", "  Bearer abc"] {
            let (parts, _) = axum::http::Request::builder()
                .header("authorization", header)
                .body(())
                .unwrap()
                .into_parts();
            assert_eq!(bearer(&parts), Some("abc"), "{header:?}");
        }
        let (parts, _) = axum::http::Request::builder()
            .header("authorization", "Basic abc")
            .body(())
            .unwrap()
            .into_parts();
        assert_eq!(bearer(&parts), None);
    }

    #[test]
    fn a_token_names_its_organisation_until_it_expires() {
        let key = TokenKey::new(&[1u8; 32]).unwrap();
        let token = key.issue("nn-jt", t("2026-08-01T09:00:00+08:00"));
        assert_eq!(
            key.verify(&token, t("2026-08-02T09:00:00+08:00"))
                .map(|c| c.org_id)
                .as_deref(),
            Some("nn-jt")
        );
        // 90 days, not a year.
        assert!(key.verify(&token, t("2026-10-29T09:00:00+08:00")).is_some());
        assert_eq!(key.verify(&token, t("2026-10-30T09:00:01+08:00")), None);
        let other = TokenKey::new(&[2u8; 32]).unwrap();
        assert_eq!(other.verify(&token, t("2026-08-02T09:00:00+08:00")), None);
        let mut tampered = token.clone();
        tampered.replace_range(tampered.len() - 3.., "abc");
        assert_eq!(key.verify(&tampered, t("2026-08-02T09:00:00+08:00")), None);
        assert!(TokenKey::new(b"short").is_err());
    }
}
