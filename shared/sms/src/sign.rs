//! The pieces both vendors' request signatures are made of: SHA-256, HMAC-SHA256, lowercase
//! hex, and RFC 3986 percent-encoding.

use hmac::{Hmac, KeyInit, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use sha2::{Digest, Sha256};

/// Everything but `A-Z a-z 0-9 - _ . ~` is encoded, as `%XY` in upper case (a space is
/// `%20`, never `+`).
const RFC3986: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

pub fn percent_encode(raw: &str) -> String {
    utf8_percent_encode(raw, RFC3986).to_string()
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

pub fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC takes a key of any length: this cannot fail.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_unreserved_characters_stay_as_they_are() {
        assert_eq!(percent_encode("a-b_c.d~e"), "a-b_c.d~e");
        assert_eq!(percent_encode("a b*c+d"), "a%20b%2Ac%2Bd");
        assert_eq!(
            percent_encode("{\"customer\":\"test\"}"),
            "%7B%22customer%22%3A%22test%22%7D"
        );
        assert_eq!(percent_encode("阿"), "%E9%98%BF");
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
