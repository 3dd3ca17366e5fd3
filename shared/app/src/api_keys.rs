//! Personal API keys: what a person's scripts and the CLI use instead of a browser. Named,
//! valid at most 90 days, shown once, stored as a keyed hash; a key acts with the roles its
//! person holds at each use, and ends when the person's sessions are ended, the person is
//! removed, or it is revoked.

use chrono::Duration;
use openday_store::people::ApiKeyRecord;

use crate::actor::Actor;
use crate::audit;
use crate::error::AppError;
use crate::services::{Services, Store, random_hex};

/// The longest life of a key.
pub const MAX_DAYS: i64 = 90;
/// What every key starts with, so a reader (and a secret scanner) knows one.
pub const PREFIX: &str = "odk_";

/// Whether a bearer token is a personal API key (rather than a machine token).
pub fn is_api_key(token: &str) -> bool {
    token.starts_with(PREFIX)
}

fn hash_of<S>(app: &Services<S>, secret: &str) -> String {
    app.settings.person_key.secret_hash("api-key", secret)
}

/// A new key, as the form sends it.
#[derive(Debug, Default, serde::Deserialize)]
pub struct NewKey {
    pub name: Option<String>,
    pub days: Option<String>,
}

/// A key just made: its record and the token, shown this once.
#[derive(Debug)]
pub struct Made {
    pub record: ApiKeyRecord,
    pub token: String,
}

/// Makes a key for the acting person.
pub async fn create<S: Store>(
    app: &Services<S>,
    actor: &Actor,
    new: &NewKey,
) -> Result<Made, AppError> {
    let result = async {
        let name = openday_rules::text::ShortText::parse(
            "name",
            "密钥名称",
            new.name.as_deref().unwrap_or(""),
        )?;
        let days: i64 = match new.days.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
            None => 30,
            Some(d) => d
                .parse()
                .ok()
                .filter(|d| (1..=MAX_DAYS).contains(d))
                .ok_or_else(|| AppError::invalid("days", format!("有效期应为1至{MAX_DAYS}天")))?,
        };
        let epoch = app
            .store
            .member(actor.email())
            .await?
            .map(|m| m.epoch)
            .ok_or_else(|| AppError::forbidden("您已不是平台成员"))?;
        let id = random_hex::<8>()?;
        let secret = random_hex::<24>()?;
        let now = app.now();
        let record = ApiKeyRecord {
            id: id.clone(),
            name: name.as_str().to_owned(),
            email: actor.email().to_owned(),
            org_id: actor.id.clone(),
            epoch,
            secret_hash: hash_of(app, &secret),
            created: now,
            expires: now + Duration::days(days),
        };
        app.store.put_api_key(&record).await?;
        Ok(Made {
            record,
            token: format!("{PREFIX}{id}_{secret}"),
        })
    }
    .await;
    let object = result
        .as_ref()
        .map(|m| format!("key:{}", m.record.id))
        .unwrap_or_default();
    audit::record(
        app,
        actor,
        "api_key.create",
        &object,
        &audit::outcome(&result),
        "",
    )
    .await;
    result
}

/// The acting person's live keys, newest first.
pub async fn of_person<S: Store>(
    app: &Services<S>,
    actor: &Actor,
) -> Result<Vec<ApiKeyRecord>, AppError> {
    let now = app.now();
    let epoch = app.store.member(actor.email()).await?.map(|m| m.epoch);
    let mut keys: Vec<ApiKeyRecord> = app
        .store
        .api_keys_of(actor.email())
        .await?
        .into_iter()
        .filter(|k| k.expires > now && Some(k.epoch) == epoch)
        .collect();
    keys.sort_by_key(|k| std::cmp::Reverse(k.created));
    Ok(keys)
}

/// Revokes a key: the person's own, or (a 管理员) a member's of the same organisation.
pub async fn revoke<S: Store>(app: &Services<S>, actor: &Actor, id: &str) -> Result<(), AppError> {
    let result = async {
        let key = app
            .store
            .api_key(id.trim())
            .await?
            .ok_or(AppError::NotFound("该 API 密钥不存在或已吊销"))?;
        actor.may_act_for(&key.email, &key.org_id, "只能吊销本机关成员的 API 密钥")?;
        app.store.delete_api_key(&key.id).await?;
        Ok(())
    }
    .await;
    audit::record(
        app,
        actor,
        "api_key.revoke",
        &format!("key:{}", id.trim()),
        &audit::outcome(&result),
        "",
    )
    .await;
    result
}

/// The person a key acts as now, if it is live: right secret, not expired, the person still
/// a member at the key's epoch, the organisation still in the directory.
pub async fn authenticate<S: Store>(
    app: &Services<S>,
    token: &str,
    from: String,
) -> Result<Option<Actor>, AppError> {
    let Some((id, secret)) = token
        .strip_prefix(PREFIX)
        .and_then(|rest| rest.split_once('_'))
    else {
        return Ok(None);
    };
    let Some(key) = app.store.api_key(id).await? else {
        return Ok(None);
    };
    if key.secret_hash != hash_of(app, secret) || key.expires <= app.now() {
        return Ok(None);
    }
    let Some(member) = app.store.member(&key.email).await? else {
        return Ok(None);
    };
    if member.epoch != key.epoch || member.record.org_id != key.org_id {
        return Ok(None);
    }
    let Some(org) = app.store.org(key.org_id.as_str()).await? else {
        return Ok(None);
    };
    Ok(Some(Actor::new(org, &member.record, from)))
}
