//! The storage the use cases need, as one bound over the store's ports.

use openday_store::ports::{
    AuditStore, CounterStore, FeedbackStore, PeopleStore, SessionStore, VerificationStore,
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
{
}

impl<
    T: openday_sweeps::SweepStore
        + FeedbackStore
        + VerificationStore
        + SessionStore
        + CounterStore
        + PeopleStore
        + AuditStore,
> Store for T
{
}
