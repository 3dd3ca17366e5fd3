//! The storage the use cases need, as one bound over the store's ports.

use openday_store::ports::{FeedbackStore, SessionStore, VerificationStore};

/// Every storage port the use cases need: the sweeps' ports, feedback, verification codes
/// and sessions. `DynamoStore` is one.
pub trait Store:
    openday_sweeps::SweepStore + FeedbackStore + VerificationStore + SessionStore
{
}

impl<T: openday_sweeps::SweepStore + FeedbackStore + VerificationStore + SessionStore> Store for T {}
