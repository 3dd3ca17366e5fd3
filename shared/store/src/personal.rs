//! Personal data at rest: the ID number is kept only as a keyed hash (for uniqueness) and
//! a masked form; the phone as a keyed hash (for look-ups and limits), a masked form, and
//! sealed (encrypted) for the text messages the person asked for. The key comes from
//! configuration and never from the code.

use chacha20poly1305::aead::Aead;
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use hmac::{Hmac, KeyInit, Mac};
use openday_rules::phone::Phone;
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

    /// A keyed hash of a phone number: equal for the same number, separate from ID hashes.
    pub fn phone_hash(&self, phone: &Phone) -> String {
        hex(&self.mac(&["phone", &phone.expose()]))
    }

    /// A keyed hash of a text-message code sent to a phone (six digits are guessable
    /// from a plain hash; not from a keyed one).
    pub fn sms_code_hash(&self, phone: &Phone, code: &str) -> String {
        hex(&self.mac(&["sms-code", &phone.expose(), code]))
    }

    /// A keyed hash of a secret the platform handed out (a sign-in link's nonce, its
    /// e-mailed code): what is stored instead of the secret, so a read of the table signs
    /// nobody in.
    pub fn secret_hash(&self, purpose: &str, secret: &str) -> String {
        hex(&self.mac(&["secret", purpose, secret]))
    }

    /// The phone number encrypted (ChaCha20-Poly1305, random nonce), hex; an error when the
    /// system's random source fails (a predictable nonce would weaken the seal).
    pub fn seal_phone(&self, phone: &Phone) -> Result<String, RandomUnavailable> {
        let mut nonce = [0u8; 12];
        fill_random(&mut nonce)?;
        let sealed = self
            .cipher()
            .encrypt(&Nonce::from(nonce), phone.expose().as_bytes())
            .expect("encrypting a short message cannot fail");
        let mut out = nonce.to_vec();
        out.extend(sealed);
        Ok(hex(&out))
    }

    /// The phone number from [`Self::seal_phone`]; `None` when tampered with or sealed
    /// under another key.
    pub fn open_phone(&self, sealed: &str) -> Option<Phone> {
        let bytes = unhex(sealed)?;
        if bytes.len() < 12 {
            return None;
        }
        let (nonce, body) = bytes.split_at(12);
        let nonce = Nonce::try_from(nonce).ok()?;
        let plain = self.cipher().decrypt(&nonce, body).ok()?;
        Phone::parse("phone", std::str::from_utf8(&plain).ok()?).ok()
    }

    /// A staff secret (a second factor's key) encrypted like a phone number, under its own
    /// derived key; hex.
    pub fn seal_secret(&self, secret: &[u8]) -> Result<String, RandomUnavailable> {
        let mut nonce = [0u8; 12];
        fill_random(&mut nonce)?;
        let sealed = self
            .secret_cipher()
            .encrypt(&Nonce::from(nonce), secret)
            .expect("encrypting a short message cannot fail");
        let mut out = nonce.to_vec();
        out.extend(sealed);
        Ok(hex(&out))
    }

    /// The secret from [`Self::seal_secret`]; `None` when tampered with.
    pub fn open_secret(&self, sealed: &str) -> Option<Vec<u8>> {
        let bytes = unhex(sealed)?;
        if bytes.len() < 12 {
            return None;
        }
        let (nonce, body) = bytes.split_at(12);
        let nonce = Nonce::try_from(nonce).ok()?;
        self.secret_cipher().decrypt(&nonce, body).ok()
    }

    fn secret_cipher(&self) -> ChaCha20Poly1305 {
        let key = self.mac(&["staff-secret-seal-key-v1"]);
        ChaCha20Poly1305::new_from_slice(&key).expect("the derived key is 32 bytes")
    }

    fn cipher(&self) -> ChaCha20Poly1305 {
        let key = self.mac(&["phone-seal-key-v1"]);
        ChaCha20Poly1305::new_from_slice(&key).expect("the derived key is 32 bytes")
    }

    /// HMAC over the parts, each followed by a NUL so that parts cannot run together.
    fn mac(&self, parts: &[&str]) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0)
            .expect("HMAC accepts keys of any length");
        for p in parts {
            mac.update(p.as_bytes());
            mac.update(&[0]);
        }
        mac.finalize().into_bytes().into()
    }
}

impl std::fmt::Debug for PersonKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PersonKey(..)")
    }
}

/// Lower-case hex of `bytes` (keys, digests, tags).
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The alphabet of registration codes: digits and capitals without 0/O and 1/I, which
/// people confuse when they read a code aloud or type it at the door.
pub const CODE_ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
pub const CODE_LEN: usize = 8;

/// A fresh registration code: 8 characters, 40 random bits. Unguessable in practice
/// together with the phone number (a look-up needs both, and is rate-limited).
pub fn registration_code() -> Result<String, RandomUnavailable> {
    let mut bytes = [0u8; CODE_LEN];
    fill_random(&mut bytes)?;
    Ok(bytes
        .iter()
        .map(|b| CODE_ALPHABET[usize::from(b & 31)] as char)
        .collect())
}

/// A registration code as people type it (any case, spaces or hyphens between groups),
/// normalised; `None` when it cannot be one.
pub fn parse_registration_code(raw: &str) -> Option<String> {
    let code: String = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.len() == CODE_LEN && code.bytes().all(|b| CODE_ALPHABET.contains(&b))).then_some(code)
}

/// A fresh unguessable code (128 random bits, hex), or an error when the system's random
/// source fails.
pub fn random_code() -> Result<String, RandomUnavailable> {
    let mut bytes = [0u8; 16];
    fill_random(&mut bytes)?;
    Ok(hex(&bytes))
}

/// The system's random source failed: no unguessable code can be made now. The store
/// turns it into [`crate::StoreError::Unavailable`].
#[derive(Debug, thiserror::Error)]
#[error("the system random source failed: {0}")]
pub struct RandomUnavailable(getrandom::Error);

/// Fills `bytes` from the system's random source. A code must not be guessable, so there
/// is no fallback: without randomness the write is refused.
fn fill_random(bytes: &mut [u8]) -> Result<(), RandomUnavailable> {
    getrandom::fill(bytes).map_err(RandomUnavailable)
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
    fn phones_hash_apart_from_ids_and_seal_both_ways() {
        let key = PersonKey::new(&[7u8; 32]).unwrap();
        let phone = Phone::parse("p", "138 0013 8000").unwrap();
        let hash = key.phone_hash(&phone);
        assert_eq!(
            hash,
            key.phone_hash(&Phone::parse("p", "13800138000").unwrap())
        );
        assert_ne!(
            hash,
            key.phone_hash(&Phone::parse("p", "13800138001").unwrap())
        );
        assert!(!hash.contains("13800138000"));
        let sealed = key.seal_phone(&phone).unwrap();
        assert!(!sealed.contains("13800138000"));
        assert_ne!(
            sealed,
            key.seal_phone(&phone).unwrap(),
            "a fresh nonce each time"
        );
        assert_eq!(key.open_phone(&sealed), Some(phone.clone()));
        let other = PersonKey::new(&[8u8; 32]).unwrap();
        assert_eq!(other.open_phone(&sealed), None);
        let mut tampered = sealed.clone().into_bytes();
        tampered[30] = if tampered[30] == b'0' { b'1' } else { b'0' };
        assert_eq!(key.open_phone(&String::from_utf8(tampered).unwrap()), None);
        assert_eq!(key.open_phone("zz"), None);
        assert_ne!(
            key.sms_code_hash(&phone, "123456"),
            key.sms_code_hash(&phone, "123457")
        );
    }

    #[test]
    fn registration_codes_are_short_readable_and_parse_back() {
        let code = registration_code().unwrap();
        assert_eq!(code.len(), 8);
        assert!(!code.contains(['0', 'O', '1', 'I']));
        assert_ne!(code, registration_code().unwrap());
        let spaced = format!("{} - {}", &code[..4].to_lowercase(), &code[4..]);
        assert_eq!(parse_registration_code(&spaced), Some(code));
        assert_eq!(parse_registration_code("ABCD0FGH"), None);
        assert_eq!(parse_registration_code("ABCDEFG"), None);
        assert_eq!(parse_registration_code(&"A".repeat(5000)), None);
    }

    #[test]
    fn codes_are_long_and_distinct() {
        let a = random_code().unwrap();
        assert_eq!(a.len(), 32);
        assert_ne!(a, random_code().unwrap());
        assert_eq!(random_code().unwrap().len(), 32);
    }
}
