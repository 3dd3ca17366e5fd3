//! The keys of the HTTP side, read from configuration: the bearer tokens' signing key and
//! the pages' cookie key.

use axum_extra::extract::cookie::{Cookie, Key, SameSite};
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// How long a token made on the machine (`openday token`) is valid: as long as the
/// longest personal API key.
pub const TOKEN_DAYS: i64 = 90;

#[derive(Clone)]
pub struct TokenKey {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKey(..)")
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    /// The organisation id.
    sub: String,
    /// The epoch of the organisation's first 管理员 when it was issued: ending that person's
    /// sessions raises it, and the token with it ends.
    #[serde(default)]
    ep: u64,
    iat: i64,
    exp: i64,
}

/// What a valid machine token names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenClaims {
    pub org_id: String,
    pub epoch: u64,
}

impl TokenKey {
    pub const MIN_LEN: usize = 32;

    pub fn new(secret: &[u8]) -> Result<Self, String> {
        if secret.len() < Self::MIN_LEN {
            return Err(format!(
                "the token signing key must be at least {} bytes",
                Self::MIN_LEN
            ));
        }
        Ok(Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
        })
    }

    /// A token for `org_id` (its first 管理员 at epoch 0), valid for [`TOKEN_DAYS`] from `now`.
    pub fn issue(&self, org_id: &str, now: DateTime<Utc>) -> String {
        self.issue_at(org_id, 0, now)
    }

    /// A token for `org_id` whose first 管理员 is at `epoch`.
    pub fn issue_at(&self, org_id: &str, epoch: u64, now: DateTime<Utc>) -> String {
        let claims = Claims {
            sub: org_id.to_owned(),
            ep: epoch,
            iat: now.timestamp(),
            exp: (now + chrono::Duration::days(TOKEN_DAYS)).timestamp(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .unwrap_or_default()
    }

    /// What a token names, if its signature and lifetime are good at `now`.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Option<TokenClaims> {
        let mut validation = Validation::new(Algorithm::HS256);
        // Expiry is checked against the injected clock below, not the system time.
        validation.validate_exp = false;
        validation.required_spec_claims.clear();
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation).ok()?;
        // Issued in the future (a minute of clock skew forgiven): not a token we issued now.
        let issued_sanely = data.claims.iat <= now.timestamp() + 60;
        (issued_sanely && now.timestamp() < data.claims.exp).then_some(TokenClaims {
            org_id: data.claims.sub,
            epoch: data.claims.ep,
        })
    }
}

/// The key of the pages' encrypted cookies, and whether they need HTTPS (`Secure`).
#[derive(Clone)]
pub struct CookieKey {
    key: Key,
    secure: bool,
}

impl CookieKey {
    /// A key derived from a secret of at least 32 bytes.
    pub fn new(secret: &[u8], secure: bool) -> Result<Self, String> {
        if secret.len() < 32 {
            return Err("the cookie key needs at least 32 bytes".into());
        }
        Ok(Self {
            key: Key::derive_from(secret),
            secure,
        })
    }

    pub(crate) fn key(&self) -> Key {
        self.key.clone()
    }

    /// A cookie of this site: HttpOnly, SameSite=Lax, on every path, `Secure` behind HTTPS.
    pub(crate) fn cookie(
        &self,
        name: &'static str,
        value: String,
        max_age_seconds: i64,
    ) -> Cookie<'static> {
        Cookie::build((name, value))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure)
            .max_age(cookie::time::Duration::seconds(max_age_seconds))
            .build()
    }
}

/// The secret of the receipts' path, kept as its digest (digests are compared, so the
/// comparison takes the same time however much of a guess is right).
#[derive(Clone)]
pub struct ReceiptToken([u8; 32]);

impl ReceiptToken {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.chars().count() < 16 {
            return Err("OPENDAY_SMS_RECEIPT_TOKEN: at least 16 characters".into());
        }
        Ok(Self(Sha256::digest(raw.as_bytes()).into()))
    }

    pub fn is(&self, given: &str) -> bool {
        self.0 == <[u8; 32]>::from(Sha256::digest(given.as_bytes()))
    }
}
