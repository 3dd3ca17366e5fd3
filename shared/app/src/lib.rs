//! The use cases of the platform, one module per area of the work. Each is a plain async
//! function over [`Services`] (the store's ports, the clock, mail and text messages) that
//! takes typed commands (the rules crate's drafts and [`commands`]) and returns typed
//! results ([`views`]) or one [`AppError`]. The JSON API, the pages, the Lambdas and the
//! CLI all call these, so a rule holds on every path. Nothing here knows HTTP: no axum,
//! templates, cookies or tower (scripts/test checks the dependency tree).

pub mod access;
pub mod actor;
pub mod announcements;
pub mod api_keys;
pub mod assessment;
pub mod attendance;
pub mod audit;
pub mod campaigns;
pub mod commands;
pub mod compliance;
pub mod demo;
pub mod desk;
pub mod directory;
pub mod error;
pub mod events;
pub mod exports;
pub mod feedback;
pub mod figures;
pub mod kept;
pub mod limits;
pub mod messages;
pub mod metrics;
pub mod opinions;
pub mod paging;
pub mod people;
pub mod phones;
pub mod plans;
pub mod programmes;
pub mod questionnaires;
pub mod quotas;
pub mod registrations;
pub mod reports;
pub mod retention;
pub mod second_factor;
pub mod services;
pub mod sessions;
pub mod sheets;
pub mod sign_in;
pub mod store;
pub mod supervision;
pub mod verification;
pub mod views;
pub mod years;

pub use error::AppError;
pub use services::{Services, Settings, Store};
