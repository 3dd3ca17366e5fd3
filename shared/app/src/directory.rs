//! The directory of jurisdictions and organisations, imported by the platform's operator.

use openday_rules::org::Directory;

use crate::error::AppError;
use crate::services::{Services, Store};

/// Imports (or updates) every jurisdiction and organisation of `directory`.
pub async fn import<S: Store>(app: &Services<S>, directory: &Directory) -> Result<(), AppError> {
    app.store.import(directory).await?;
    // Each organisation's mailbox is its first 管理员 (members already there stay as they are).
    crate::people::ensure_first_admins(app, &directory.orgs).await?;
    tracing::info!(
        jurisdictions = directory.jurisdictions.len(),
        orgs = directory.orgs.len(),
        "directory imported"
    );
    Ok(())
}

/// Whether no directory has been imported yet.
pub async fn is_empty<S: Store>(app: &Services<S>) -> Result<bool, AppError> {
    Ok(app.store.jurisdictions().await?.is_empty())
}

/// Every organisation of the directory.
pub async fn organisations<S: Store>(
    app: &Services<S>,
) -> Result<Vec<openday_rules::org::Organisation>, AppError> {
    Ok(app.store.orgs_within("").await?)
}

/// The organisations within an office's jurisdiction that may implement open days under
/// this year's programme: whom a joint campaign may invite.
pub async fn implementers_within<S: Store>(
    app: &Services<S>,
    office: &openday_rules::org::Organisation,
) -> Result<Vec<openday_rules::org::Organisation>, AppError> {
    let year = chrono::Datelike::year(&app.today());
    let programme = app.programme_for(office, year).await?.programme;
    Ok(app
        .store
        .orgs_within(&openday_store::keys::path_of(office))
        .await?
        .into_iter()
        .filter(|o| programme.check_implementer(o).is_ok())
        .collect())
}
