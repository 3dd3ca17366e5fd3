//! Staff sign-in attempts and the session versions that revoke sessions.

use chrono::{DateTime, Utc};
use openday_rules::org::Id;
use openday_rules::verification;

use super::DynamoStore;
use super::codec::{doc_item, from_doc, n, num, s};
use crate::error::StoreResult;
use crate::keys;
use crate::ports::SessionStore;
use crate::records::{SignInProof, SignInRecord};
use crate::table::TTL_ATTRIBUTE;

impl SessionStore for DynamoStore {
    async fn put_sign_in(&self, attempt_hash: &str, record: &SignInRecord) -> StoreResult<()> {
        let mut item = doc_item(keys::sign_in(attempt_hash), record)?;
        item.insert("nonce_hash".into(), s(record.nonce_hash.as_str()));
        // Expired attempts leave the table by themselves, a day later.
        item.insert(
            TTL_ATTRIBUTE.into(),
            n(record.expires_at.timestamp() + 86_400),
        );
        item.insert("tries".into(), n(0));
        self.put(item, None, &[]).await?;
        Ok(())
    }

    async fn sign_in(
        &self,
        attempt_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<SignInRecord>> {
        let Some(item) = self.get(keys::sign_in(attempt_hash)).await? else {
            return Ok(None);
        };
        let record: SignInRecord = from_doc(&item)?;
        let tries: u32 = num(&item, "tries").unwrap_or(0);
        Ok((record.expires_at > now && tries < verification::MAX_WRONG_TRIES).then_some(record))
    }

    async fn redeem_sign_in(
        &self,
        attempt_hash: &str,
        proof: SignInProof<'_>,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<SignInRecord>> {
        let key = keys::sign_in(attempt_hash);
        let Some(record) = self.sign_in(attempt_hash, now).await? else {
            return Ok(None);
        };
        let matches = match proof {
            SignInProof::Nonce(h) => h == record.nonce_hash,
            SignInProof::Code(h) => h == record.code_hash,
        };
        if !matches {
            if let SignInProof::Code(_) = proof {
                let _ = self
                    .update(
                        key,
                        "SET #tries = #tries + :one",
                        "#nonce_hash = :nonce",
                        &[(":one", n(1)), (":nonce", s(record.nonce_hash.as_str()))],
                    )
                    .await?;
            }
            return Ok(None);
        }
        // Taken once: of two browsers posting at once, one deletes it.
        let taken = self
            .delete_where(
                key,
                "#nonce_hash = :nonce AND #tries < :max",
                &[
                    (":nonce", s(record.nonce_hash.as_str())),
                    (":max", n(verification::MAX_WRONG_TRIES)),
                ],
            )
            .await?;
        Ok(taken.then_some(record))
    }

    async fn session_version(&self, org_id: &Id) -> StoreResult<u64> {
        Ok(self
            .get(keys::sessions(org_id.as_str()))
            .await?
            .map_or(0, |item| num(&item, "version").unwrap_or(0)))
    }

    async fn revoke_sessions(&self, org_id: &Id) -> StoreResult<u64> {
        let key = keys::sessions(org_id.as_str());
        let _ = self
            .update(
                key.clone(),
                "SET #version = if_not_exists(#version, :zero) + :one",
                "attribute_not_exists(#version) OR #version >= :zero",
                &[(":zero", n(0)), (":one", n(1))],
            )
            .await?;
        self.session_version(org_id).await
    }
}
