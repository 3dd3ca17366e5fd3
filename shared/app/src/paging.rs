//! Which page of a staff list a caller asks for: the continuation it was given with the
//! previous page (opaque) and how many items, read from the query at the edge.

use openday_rules::text::NumberLike;
use openday_rules::violation::{Code, Violation};
use openday_store::paging::{Cursor, MAX_PAGE, page_size};

use crate::error::AppError;

/// The continuation (none: the first page) and the page's size (default 100, at most 500).
pub fn page_of(
    cursor: Option<&str>,
    limit: Option<&NumberLike>,
) -> Result<(Option<Cursor>, u32), AppError> {
    let cursor = match cursor.map(str::trim).filter(|c| !c.is_empty()) {
        None => None,
        Some(raw) => Some(Cursor::decode(raw)?),
    };
    let limit = match limit {
        None => None,
        Some(n) => Some(
            n.as_integer()
                .filter(|n| (1..=i64::from(MAX_PAGE)).contains(n))
                .map(|n| n as u32)
                .ok_or_else(|| {
                    Violation::new(
                        Code::ValidationFailed,
                        format!("每页条数应为1至{MAX_PAGE}的整数"),
                    )
                    .at("limit")
                })?,
        ),
    };
    Ok((cursor, page_size(limit)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_asked_for_with_a_continuation_and_a_size() {
        assert_eq!(page_of(None, None).unwrap(), (None, 100));
        assert_eq!(
            page_of(Some(" "), Some(&NumberLike::Text("20".into())))
                .unwrap()
                .1,
            20
        );
        for bad in ["0", "501", "x"] {
            assert!(
                page_of(None, Some(&NumberLike::Text(bad.into()))).is_err(),
                "{bad}"
            );
        }
        assert!(page_of(Some("not a cursor"), None).is_err());
    }
}
