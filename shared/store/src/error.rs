//! What can go wrong in storage, for the HTTP boundary to map to a status in one place.

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// The stored version is not the one the change was made from.
    #[error("version conflict")]
    VersionConflict,
    /// The same person or phone is already registered for the event.
    #[error("already registered")]
    DuplicateRegistration(crate::records::Duplicate),
    /// Registration is not open: the event has no seats record (not announced).
    #[error("registration is not open")]
    RegistrationNotOpen,
    /// A one-off record (an annual report) already exists.
    #[error("already exists")]
    AlreadyExists,
    /// The text-message code given is not the phone's live code.
    #[error("the verification code was refused")]
    CodeRefused,
    /// A limit kept in storage was reached (text messages to one phone).
    #[error("limited, retry after {retry_after}s")]
    Limited { retry_after: u64 },
    /// Contention did not clear within the retry budget; safe to retry later.
    #[error("storage is busy, retry later")]
    Busy,
    /// A page's continuation that is not one this listing gave out.
    #[error("bad continuation")]
    BadCursor,
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// A stored item could not be read back: a bug or a hand-edited item.
    #[error("stored item is corrupt: {0}")]
    Corrupt(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

impl From<crate::personal::RandomUnavailable> for StoreError {
    /// Nothing that needs a fresh code can be written just now: safe to retry later.
    fn from(e: crate::personal::RandomUnavailable) -> Self {
        StoreError::Unavailable(e.to_string())
    }
}
