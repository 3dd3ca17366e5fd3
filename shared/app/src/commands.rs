//! The commands the use cases take beside the rules crate's drafts, as a request carries
//! them. Every field is optional here so that what is missing is reported with everything
//! else that is wrong, by the use case, in the same words for the API and the pages.

use openday_rules::announcement::AnnouncementDraft;
use openday_rules::feedback::{EvaluationDraft, ResponseDraft, ResponseItemDraft};
use openday_rules::plan::PlanDraft;
use openday_rules::text::{BoolLike, NumberLike};
use serde::Deserialize;

/// Answers to feedback saved as a draft: item by item, one answer for a group of items
/// (`feedback_ids`), or one answer for every item not yet answered (`unanswered`, optionally
/// of one `category`).
#[derive(Debug, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnswersBody {
    #[serde(default)]
    pub items: Vec<ResponseItemDraft>,
    #[serde(default)]
    pub feedback_ids: Vec<String>,
    pub unanswered: Option<BoolLike>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<openday_rules::feedback::FeedbackCategory>))]
    pub category: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<openday_rules::feedback::Adoption>))]
    pub adoption: Option<String>,
    pub reply: Option<String>,
    /// Items put in another category first (feedback id → category): the category is the
    /// implementing agency's to set, whoever gave the item.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = std::collections::BTreeMap<String, openday_rules::feedback::FeedbackCategory>))]
    pub categories: std::collections::BTreeMap<String, String>,
}

/// A check-in at the door: the registration code (typed, or scanned from its QR code), or
/// the ID number the person shows.
#[derive(Debug, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckInBody {
    pub code: Option<String>,
    pub id_number: Option<String>,
}

/// The ID number a person shows the organiser.
#[derive(Debug, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchBody {
    pub id_number: Option<String>,
}

/// A revised plan, made from `version`.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Revision {
    #[cfg_attr(feature = "openapi", schema(required = true, value_type = NumberLike))]
    pub version: Option<NumberLike>,
    #[serde(flatten)]
    pub plan: PlanDraft,
}

/// 备案 (`file`) or 退回 (`return`, with a comment), made from `version`.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewBody {
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, pattern = "^(file|return)$"))]
    pub decision: Option<String>,
    pub comment: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true, value_type = NumberLike))]
    pub version: Option<NumberLike>,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnnouncementBody {
    #[cfg_attr(feature = "openapi", schema(required = true, value_type = NumberLike))]
    pub version: Option<NumberLike>,
    #[serde(flatten)]
    pub announcement: AnnouncementDraft,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CancelBody {
    pub comment: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true, value_type = NumberLike))]
    pub version: Option<NumberLike>,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RespondBody {
    #[cfg_attr(feature = "openapi", schema(required = true, value_type = NumberLike))]
    pub version: Option<NumberLike>,
    #[serde(flatten)]
    pub response: ResponseDraft,
}

/// A registration code and the phone it was registered with.
#[derive(Debug, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LookupBody {
    pub code: Option<String>,
    pub phone: Option<String>,
}

/// The phone and the text-message code a public write carries beside its own fields.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhoneProof {
    pub phone: Option<String>,
    pub sms_code: Option<String>,
}

/// An evaluation (网络测评) as a participant sends it: the rating, and the registration
/// code of the person's own confirmed registration for the event (with the phone proved).
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EvaluationBody {
    #[serde(flatten)]
    pub evaluation: EvaluationDraft,
    /// 报名编号: the registration of this event made with this phone.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub registration_code: Option<String>,
}
