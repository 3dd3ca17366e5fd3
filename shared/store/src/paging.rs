//! Listings a page at a time, continued where DynamoDB stopped: a page's `next` is the
//! query's last evaluated key, carried by the caller as an opaque text and given back for
//! the next page.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as BASE64;

use crate::error::{StoreError, StoreResult};

/// Items in a page when the caller does not say.
pub const DEFAULT_PAGE: u32 = 100;
/// The most items a page holds, whatever is asked.
pub const MAX_PAGE: u32 = 500;

/// Where a listing goes on: the key attributes of the last item of the previous page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor(BTreeMap<String, String>);

impl Cursor {
    pub fn new(key: BTreeMap<String, String>) -> Self {
        Self(key)
    }

    pub fn key(&self) -> &BTreeMap<String, String> {
        &self.0
    }

    /// The text a caller carries to the next page.
    pub fn encode(&self) -> String {
        BASE64.encode(serde_json::to_vec(&self.0).unwrap_or_default())
    }

    /// A continuation given back by a caller; [`StoreError::BadCursor`] when it is not one
    /// (the listing itself checks that it continues that listing).
    pub fn decode(raw: &str) -> StoreResult<Self> {
        let bytes = BASE64
            .decode(raw.trim())
            .map_err(|_| StoreError::BadCursor)?;
        let key: BTreeMap<String, String> =
            serde_json::from_slice(&bytes).map_err(|_| StoreError::BadCursor)?;
        if key.is_empty() || key.len() > 4 {
            return Err(StoreError::BadCursor);
        }
        Ok(Self(key))
    }
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Where the next page starts; `None` on the last.
    pub next: Option<Cursor>,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next: self.next,
        }
    }
}

/// How many items a page of `asked` holds: the default when not asked, at most the maximum.
pub fn page_size(asked: Option<u32>) -> u32 {
    asked.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_survives_its_text_and_garbage_is_refused() {
        let c = Cursor::new(BTreeMap::from([
            ("pk".to_owned(), "REG#1".to_owned()),
            ("sk".to_owned(), "REG".to_owned()),
        ]));
        assert_eq!(Cursor::decode(&c.encode()).unwrap(), c);
        for bad in ["", "!!", "bnVsbA", &BASE64.encode(b"{}")] {
            assert!(
                matches!(Cursor::decode(bad), Err(StoreError::BadCursor)),
                "{bad}"
            );
        }
        assert_eq!(page_size(None), DEFAULT_PAGE);
        assert_eq!(page_size(Some(0)), 1);
        assert_eq!(page_size(Some(10_000)), MAX_PAGE);
    }
}
