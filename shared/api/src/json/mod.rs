//! The JSON API: one thin handler per route that parses the request, calls one use case of
//! `openday_app` and answers its result as JSON (or a spreadsheet). Grouped by the Lambda
//! job that serves them; the pages are merged in by [`crate::jobs`], never here.

pub mod assessment;
pub mod audit;
pub mod campaigns;
pub mod exports;
pub mod feedback;
pub mod plans;
pub mod programmes;
pub mod public;
pub mod questionnaires;
pub mod receipts;
pub mod reports;
pub mod rollup;
pub mod supervision;
