//! The port of the kept figures: the organisations' sheets of a year.

use std::future::Future;

use crate::error::StoreResult;
use crate::sheets::{LinePart, Sheet, SheetOf};

pub trait SheetStore {
    /// Writes one part of a plan's line as read at `read_at` (any number that grows with
    /// time): `false` when the sheet holds that part read later, which stays.
    fn put_line_part(
        &self,
        sheet: SheetOf<'_>,
        plan_id: &str,
        part: &LinePart,
        read_at: u64,
    ) -> impl Future<Output = StoreResult<bool>> + Send;

    /// Takes a plan's line off a sheet (the plan is no longer of that year).
    fn remove_line(
        &self,
        sheet: SheetOf<'_>,
        plan_id: &str,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// The year's sheets of the organisations whose scope key starts with `prefix` (a
    /// jurisdiction path, or one organisation's `path|id|`), in scope order.
    fn sheets(
        &self,
        year: i32,
        prefix: &str,
    ) -> impl Future<Output = StoreResult<Vec<Sheet>>> + Send;
}
