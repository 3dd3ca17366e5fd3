//! The request bodies the API reads beside the rules crate's drafts. Every field is
//! optional here so that what is missing is reported with everything else that is wrong.

use openday_rules::announcement::AnnouncementDraft;
use openday_rules::feedback::{FeedbackCategory, ResponseDraft, ResponseItemDraft};
use openday_rules::plan::PlanDraft;
use openday_rules::text::{BoolLike, NumberLike};
use serde::Deserialize;
use utoipa::ToSchema;

/// Answers to feedback saved as a draft: item by item, one answer for a group of items
/// (`feedback_ids`), or one answer for every item not yet answered (`unanswered`, optionally
/// of one `category`).
#[derive(Deserialize, Default, ToSchema)]
pub(crate) struct AnswersBody {
    #[serde(default)]
    pub items: Vec<ResponseItemDraft>,
    #[serde(default)]
    pub feedback_ids: Vec<String>,
    pub unanswered: Option<BoolLike>,
    #[schema(value_type = Option<FeedbackCategory>)]
    pub category: Option<String>,
    #[schema(value_type = Option<openday_rules::feedback::Adoption>)]
    pub adoption: Option<String>,
    pub reply: Option<String>,
}

/// A check-in at the door: the registration code (typed, or scanned from its QR code), or
/// the ID number the person shows.
#[derive(Deserialize, Default, ToSchema)]
pub(crate) struct CheckInBody {
    pub code: Option<String>,
    pub id_number: Option<String>,
}

/// The ID number a person shows the organiser.
#[derive(Deserialize, Default, ToSchema)]
pub(crate) struct SearchBody {
    pub id_number: Option<String>,
}

/// A revised plan, made from `version`.
#[derive(Deserialize, ToSchema)]
pub(crate) struct Revision {
    #[schema(required = true, value_type = NumberLike)]
    pub version: Option<NumberLike>,
    #[serde(flatten)]
    pub plan: PlanDraft,
}

/// 备案 (`file`) or 退回 (`return`, with a comment), made from `version`.
#[derive(Deserialize, ToSchema)]
pub(crate) struct ReviewBody {
    #[schema(value_type = Option<String>, pattern = "^(file|return)$")]
    pub decision: Option<String>,
    pub comment: Option<String>,
    #[schema(required = true, value_type = NumberLike)]
    pub version: Option<NumberLike>,
}

#[derive(Deserialize, ToSchema)]
pub(crate) struct AnnouncementBody {
    #[schema(required = true, value_type = NumberLike)]
    pub version: Option<NumberLike>,
    #[serde(flatten)]
    pub announcement: AnnouncementDraft,
}

#[derive(Deserialize, ToSchema)]
pub(crate) struct CancelBody {
    pub comment: Option<String>,
    #[schema(required = true, value_type = NumberLike)]
    pub version: Option<NumberLike>,
}

#[derive(Deserialize, ToSchema)]
pub(crate) struct RespondBody {
    #[schema(required = true, value_type = NumberLike)]
    pub version: Option<NumberLike>,
    #[serde(flatten)]
    pub response: ResponseDraft,
}

/// A registration code and the phone it was registered with.
#[derive(Deserialize, Default, ToSchema)]
pub(crate) struct LookupBody {
    pub code: Option<String>,
    pub phone: Option<String>,
}
