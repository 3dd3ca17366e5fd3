//! What the API answers: the use cases' results (re-exported from `openday_app::views`),
//! and the one error shape of the HTTP boundary.

use openday_rules::{Violation, Violations};
use serde::Serialize;
use utoipa::ToSchema;

pub use openday_app::views::*;

/// Every error, in one shape: a stable code for programs and a message for people.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Error)]
pub struct ErrorBody {
    pub error: ErrorDetail,
    /// Every rule the input broke (422).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Violation>>)]
    pub violations: Option<Violations>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    pub code: String,
    /// Simplified Chinese, for the person who sent the request.
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}
