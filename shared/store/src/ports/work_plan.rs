//! The ports of the work plan's other half: questionnaires, the offices' supervision, the
//! annual assessment and joint campaigns.

use std::future::Future;

use openday_rules::feedback::Feedback;

use crate::assessment::{AdjustmentRecord, BulletinRecord};
use crate::campaigns::CampaignRecord;
use crate::error::StoreResult;
use crate::questionnaires::{AnswerSetRecord, QuestionnaireRecord};
use crate::records::FeedbackRecord;
use crate::supervision::{CheckRecord, PublicEvaluationRecord, VerdictRecord, VisitRecord};

/// A plan's questionnaire and the answers to it.
pub trait QuestionnaireStore {
    fn questionnaire(
        &self,
        plan_id: &str,
    ) -> impl Future<Output = StoreResult<Option<QuestionnaireRecord>>> + Send;
    /// Saves `record` if the stored one is its previous version (none for version 1);
    /// `false` when another save came first.
    fn save_questionnaire(
        &self,
        record: &QuestionnaireRecord,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
    /// A participant's answers and the feedback items of their free-text answers, in one
    /// transaction; `AlreadyExists` when this phone has answered.
    fn add_answer_set(
        &self,
        set: &AnswerSetRecord,
        phone_hash: &str,
        opinions: &[Feedback],
    ) -> impl Future<Output = StoreResult<Vec<FeedbackRecord>>> + Send;
    fn answer_sets(
        &self,
        plan_id: &str,
    ) -> impl Future<Output = StoreResult<Vec<AnswerSetRecord>>> + Send;
}

/// The offices' supervision: visits and checks of plans, public evaluations and verdicts.
pub trait SupervisionStore {
    fn add_visit(&self, record: &VisitRecord) -> impl Future<Output = StoreResult<()>> + Send;
    fn visits(&self, plan_id: &str) -> impl Future<Output = StoreResult<Vec<VisitRecord>>> + Send;
    fn add_check(&self, record: &CheckRecord) -> impl Future<Output = StoreResult<()>> + Send;
    fn checks(&self, plan_id: &str) -> impl Future<Output = StoreResult<Vec<CheckRecord>>> + Send;
    fn add_public_evaluation(
        &self,
        record: &PublicEvaluationRecord,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    fn public_evaluation(
        &self,
        id: &str,
    ) -> impl Future<Output = StoreResult<Option<PublicEvaluationRecord>>> + Send;
    fn public_evaluations_of(
        &self,
        office_id: &str,
    ) -> impl Future<Output = StoreResult<Vec<PublicEvaluationRecord>>> + Send;
    /// One verdict per phone and event; `false` when this phone gave one.
    fn add_verdict(
        &self,
        record: &VerdictRecord,
        phone_hash: &str,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
    fn verdicts(
        &self,
        evaluation_id: &str,
    ) -> impl Future<Output = StoreResult<Vec<VerdictRecord>>> + Send;
}

/// The annual assessment: adjustments and 通报.
pub trait AssessmentStore {
    fn add_adjustment(
        &self,
        record: &AdjustmentRecord,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    fn adjustments(
        &self,
        office_id: &str,
        year: i32,
    ) -> impl Future<Output = StoreResult<Vec<AdjustmentRecord>>> + Send;
    /// Publishes (or republishes) the office's 通报 of a year.
    fn publish_bulletin(
        &self,
        record: &BulletinRecord,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    fn bulletin(
        &self,
        office_id: &str,
        year: i32,
    ) -> impl Future<Output = StoreResult<Option<BulletinRecord>>> + Send;
}

/// Joint campaigns (联合开放活动).
pub trait CampaignStore {
    /// The campaign and an invitation for each agency it invites, together.
    fn create_campaign(
        &self,
        record: &CampaignRecord,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    fn campaign(
        &self,
        id: &str,
    ) -> impl Future<Output = StoreResult<Option<CampaignRecord>>> + Send;
    /// Saves `record` if the stored one is its previous version; `false` otherwise.
    fn save_campaign(
        &self,
        record: &CampaignRecord,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
    fn campaigns_of(
        &self,
        office_id: &str,
    ) -> impl Future<Output = StoreResult<Vec<CampaignRecord>>> + Send;
    /// The ids of the campaigns an agency is invited to.
    fn invitations(&self, org_id: &str) -> impl Future<Output = StoreResult<Vec<String>>> + Send;
}
