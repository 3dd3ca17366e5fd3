//! Staff sign-in attempts (the first step; sessions themselves are with the people).

use chrono::{DateTime, Utc};
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
        // What the conditional writes of a guess compare, outside the document.
        item.insert("nonce_hash".into(), s(record.nonce_hash.as_str()));
        item.insert("code_hash".into(), s(record.code_hash.as_str()));
        item.insert("valid_until".into(), n(record.expires_at.timestamp()));
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
        let (field, hash) = match proof {
            SignInProof::Nonce(h) => ("nonce_hash", h),
            SignInProof::Code(h) => ("code_hash", h),
        };
        let live = [
            (":max", n(verification::MAX_WRONG_TRIES)),
            (":now", n(now.timestamp())),
            (":one", n(1)),
            (":proof", s(hash)),
        ];
        // The right proof takes the attempt in one conditional delete: once, whoever asks
        // first, and never after the fifth wrong code, whatever the timing.
        let taken = self
            .delete_returning(
                key.clone(),
                &format!("#{field} = :proof AND #tries < :max AND #valid_until > :now"),
                &live,
            )
            .await?;
        if let Some(item) = taken {
            return Ok(Some(from_doc(&item)?));
        }
        if let SignInProof::Code(_) = proof {
            // A wrong code counts in one conditional write under the cap.
            let _ = self
                .update(
                    key,
                    "SET #tries = #tries + :one",
                    "attribute_exists(#pk) AND #code_hash <> :proof AND #tries < :max",
                    &live,
                )
                .await?;
        }
        Ok(None)
    }
}
