//! The year a request names: `?year=` and a body's `year` read the same way by every use
//! case, through the rules crate's one year parser, with this year (Asia/Shanghai) when
//! none is given.

use openday_rules::calendar::{parse_year_like_or, parse_year_or};
use openday_rules::text::NumberLike;

use crate::error::AppError;
use crate::services::Services;

/// `?year=` or a body's `year`: this year when it is not given; refused outside 2000–2100.
pub fn year_or_this<S>(app: &Services<S>, raw: Option<&NumberLike>) -> Result<i32, AppError> {
    Ok(parse_year_like_or("year", raw, app.today())?)
}

/// A query's `?year=` as text (given but empty is refused, as elsewhere).
pub fn year_of_text<S>(app: &Services<S>, raw: Option<&str>) -> Result<i32, AppError> {
    Ok(parse_year_or("year", raw, app.today())?)
}

/// The year a body names, whose programme judges it; this year when it names none or
/// nonsense (the rules then refuse the body at its `year`).
pub(crate) fn named_year<S>(app: &Services<S>, raw: Option<&NumberLike>) -> i32 {
    year_or_this(app, raw).unwrap_or_else(|_| app.this_year())
}
