//! Personal data at rest: the ID number is kept only as a keyed hash (for uniqueness) and
//! a masked form; the key comes from configuration and never from the code.

use hmac::{Hmac, KeyInit, Mac};
use openday_rules::resident_id::ResidentId;
use sha2::Sha256;

/// The secret that keys the ID-number hash. At least 32 bytes.
#[derive(Clone)]
pub struct PersonKey(Vec<u8>);

impl PersonKey {
    pub const MIN_LEN: usize = 32;

    pub fn new(secret: &[u8]) -> Result<Self, String> {
        if secret.len() < Self::MIN_LEN {
            return Err(format!(
                "the person key must be at least {} bytes, got {}",
                Self::MIN_LEN,
                secret.len()
            ));
        }
        Ok(Self(secret.to_vec()))
    }

    /// HMAC-SHA256 of the normalised ID number, hex: equal for the same person, useless
    /// without the key.
    pub fn hash(&self, id: &ResidentId) -> String {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0)
            .expect("HMAC accepts keys of any length");
        mac.update(id.expose().as_bytes());
        hex(&mac.finalize().into_bytes())
    }
}

impl std::fmt::Debug for PersonKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PersonKey(..)")
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// A fresh unguessable code (128 random bits, hex).
pub fn random_code() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    hex(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(raw: &str) -> ResidentId {
        ResidentId::parse("id", raw).unwrap()
    }

    #[test]
    fn the_hash_is_stable_per_key_and_reveals_nothing() {
        let key = PersonKey::new(&[7u8; 32]).unwrap();
        let a = key.hash(&id("11010519491231002X"));
        assert_eq!(a, key.hash(&id("11010519491231002x")));
        assert_eq!(a.len(), 64);
        assert!(!a.contains("110105"));
        let other = PersonKey::new(&[8u8; 32]).unwrap();
        assert_ne!(a, other.hash(&id("11010519491231002X")));
        assert!(PersonKey::new(b"short").is_err());
        assert_eq!(format!("{key:?}"), "PersonKey(..)");
    }

    #[test]
    fn codes_are_long_and_distinct() {
        let a = random_code();
        assert_eq!(a.len(), 32);
        assert_ne!(a, random_code());
    }
}
