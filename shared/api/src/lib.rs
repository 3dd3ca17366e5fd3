//! The HTTP side of the platform: one axum router per job, exported so that each Lambda
//! (`functions/<name>`) and the local server (`openday serve`) run the very same code.
//!
//! Every input is parsed into domain types at the edge ([`payload::Payload`], the rules
//! crate's drafts); every failure leaves as the error shape of `DESIGN.md`, mapped to a
//! status in one place ([`error::ApiError`]).

pub mod app;
pub mod auth;
pub mod edge;
pub mod error;
pub mod events;
pub mod exports;
pub mod limits;
pub mod openapi;
pub mod pages;
pub mod payload;
pub mod routes;
pub mod views;

pub use app::{App, Config, Store, SystemClock};
pub use error::ApiError;
pub use routes::{all, feedback, plans, public, reports};
