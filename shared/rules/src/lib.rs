//! The rules of the regional “政府开放日” work plan (工作方案), as pure code.
//!
//! Every input from outside is parsed here into a domain type that cannot hold an invalid
//! value; every rule R1–R14 (numbered in `docs/rules.md`) is a function of those types and of
//! a date the caller passes in. There is no I/O in this crate and no way to read the system time
//! (chrono's `clock` feature is off): calendar logic is in Asia/Shanghai, with the clock
//! passed in.
//!
//! `docs/rules.md` maps each clause of the work plan to the code and the tests below.

#[macro_use]
mod wire;

pub mod announcement;
pub mod assessment;
pub mod calendar;
pub mod campaign;
pub mod compliance;
pub mod event;
pub mod feedback;
pub mod lifecycle;
pub mod naming;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod opinions;
pub mod org;
pub mod phone;
pub mod plan;
pub mod programme;
pub mod questionnaire;
pub mod registration;
pub mod report;
pub mod resident_id;
pub mod schedule;
pub mod staff;
pub mod supervision;
pub mod sweep;
pub mod text;
pub mod verification;
pub mod violation;

pub use calendar::{Clock, FixedClock, TZ, local_day};
pub use programme::{Programme, ProgrammeRef};
pub use violation::{Code, Violation, Violations};
pub use wire::WireEnum;
