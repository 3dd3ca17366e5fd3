//! The year a request names: the one reading of `?year=` and of a body's `year` for every
//! use case (the parser itself is the rules crate's).

use openday_rules::text::NumberLike;

use crate::error::AppError;
use crate::services::Services;

/// `?year=` or a body's `year`: this year when it is not given; refused outside 2000–2100.
pub fn year_or_this<S>(app: &Services<S>, raw: Option<&NumberLike>) -> Result<i32, AppError> {
    match raw {
        None => Ok(app.this_year()),
        Some(n) => n
            .as_integer()
            .filter(|y| (2000..=2100).contains(y))
            .map(|y| y as i32)
            .ok_or_else(|| AppError::invalid("year", "年度应为2000至2100之间的年份")),
    }
}

/// A query's `?year=` as text (given but empty is refused, as elsewhere).
pub fn year_of_text<S>(app: &Services<S>, raw: Option<&str>) -> Result<i32, AppError> {
    let raw = raw.map(|y| NumberLike::Text(y.trim().to_owned()));
    year_or_this(app, raw.as_ref())
}

/// The year a body names, whose programme judges it; this year when it names none or
/// nonsense (the rules then refuse the body at its `year`).
pub(crate) fn named_year<S>(app: &Services<S>, raw: Option<&NumberLike>) -> i32 {
    year_or_this(app, raw).unwrap_or_else(|_| app.this_year())
}
