//! The storage the use cases need, as one bound over the store's ports.

use openday_store::ports::{
    AssessmentStore, AuditStore, CampaignStore, CounterStore, FeedbackStore, PeopleStore,
    QuestionnaireStore, SessionStore, SheetStore, SmsMessageStore, SupervisionStore,
    VerificationStore,
};

/// Every storage port the use cases need: the sweeps' ports, feedback, verification codes
/// sessions and the shared counters of the limits. `DynamoStore` is one.
pub trait Store:
    openday_sweeps::SweepStore
    + FeedbackStore
    + VerificationStore
    + SessionStore
    + CounterStore
    + PeopleStore
    + AuditStore
    + QuestionnaireStore
    + SupervisionStore
    + AssessmentStore
    + CampaignStore
    + SmsMessageStore
    + SheetStore
{
}

impl<
    T: openday_sweeps::SweepStore
        + FeedbackStore
        + VerificationStore
        + SessionStore
        + CounterStore
        + PeopleStore
        + AuditStore
        + QuestionnaireStore
        + SupervisionStore
        + AssessmentStore
        + CampaignStore
        + SmsMessageStore
        + SheetStore,
> Store for T
{
}
