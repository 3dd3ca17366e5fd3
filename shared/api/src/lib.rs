//! The HTTP side of the platform: adapters only. [`json`] answers the API and [`pages`] the
//! web pages, each handler parsing its request, calling one use case of `openday_app` and
//! rendering the result; [`jobs`] puts them together per Lambda job, so that each Lambda
//! (`functions/<name>`) and the local server (`openday serve`) run the very same code.
//!
//! Every input is parsed at the edge ([`payload::Payload`], forms); every failure leaves as
//! one error shape, mapped to a status in one place ([`error::ApiError`]).

pub mod app;
pub mod auth;
pub mod caching;
pub mod edge;
pub mod error;
pub mod exports;
pub mod jobs;
pub mod json;
pub mod keys;
pub mod limits;
pub mod openapi;
pub mod pages;
pub mod payload;
pub mod routing;
pub mod views;

pub use app::{App, Config, Store, SystemClock};
pub use error::ApiError;
pub use jobs::{all, feedback, plans, public, reports};
