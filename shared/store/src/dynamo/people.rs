//! Members of organisations, their sessions and API keys.

use chrono::{DateTime, Utc};

use super::DynamoStore;
use super::codec::{Item, doc_item, from_doc, n, num, s, with_scope};
use super::query::Query;
use crate::error::StoreResult;
use crate::keys;
use crate::people::{ApiKeyRecord, Member, MemberRecord, SessionRecord, WrongCode};
use crate::ports::PeopleStore;
use crate::table::{SCOPE_INDEX, TTL_ATTRIBUTE};

fn member_of(item: &Item) -> StoreResult<Member> {
    Ok(Member {
        record: from_doc(item)?,
        epoch: num(item, "epoch").unwrap_or(0),
        wrong_codes: num(item, "wrong").unwrap_or(0),
        locked_until: num::<i64>(item, "locked_until")
            .ok()
            .and_then(|t| DateTime::from_timestamp(t, 0)),
    })
}

impl PeopleStore for DynamoStore {
    async fn put_member(&self, record: &MemberRecord, only_new: bool) -> StoreResult<bool> {
        let key = keys::member(&record.email);
        if only_new {
            let item = with_scope(
                doc_item(key, record)?,
                keys::members_of(record.org_id.as_str()),
                record.email.clone(),
            );
            return self.put(item, Some("attribute_not_exists(#pk)"), &[]).await;
        }
        // An existing member keeps their epoch and counters: only the document changes.
        let doc =
            serde_json::to_string(record).map_err(|e| crate::StoreError::Corrupt(e.to_string()))?;
        Ok(self
            .update(
                key,
                "SET #doc = :doc",
                "attribute_exists(#pk)",
                &[(":doc", s(doc))],
            )
            .await?
            .is_ok())
    }

    async fn member(&self, email: &str) -> StoreResult<Option<Member>> {
        self.get(keys::member(email))
            .await?
            .map(|i| member_of(&i))
            .transpose()
    }

    async fn members(&self, org_id: &str) -> StoreResult<Vec<Member>> {
        self.query(Query::index(
            SCOPE_INDEX,
            "#scope_pk = :pk",
            vec![(":pk", s(keys::members_of(org_id)))],
        ))
        .await?
        .iter()
        .map(member_of)
        .collect()
    }

    async fn remove_member(&self, email: &str) -> StoreResult<()> {
        let _ = self
            .delete_returning(keys::member(email), "attribute_exists(#pk)", &[])
            .await?;
        Ok(())
    }

    async fn end_everything_of(&self, email: &str) -> StoreResult<u64> {
        let raised = self
            .update_returning(
                keys::member(email),
                "SET #epoch = if_not_exists(#epoch, :zero) + :one",
                "attribute_exists(#pk)",
                &[(":zero", n(0)), (":one", n(1))],
            )
            .await?;
        Ok(raised.map_or(0, |item| num(&item, "epoch").unwrap_or(0)))
    }

    async fn wrong_second_factor(
        &self,
        email: &str,
        limit: u32,
        lock_until: DateTime<Utc>,
    ) -> StoreResult<WrongCode> {
        let key = keys::member(email);
        // One conditional write a wrong code: the count cannot be raced past the limit.
        let counted = self
            .update_returning(
                key.clone(),
                "SET #wrong = if_not_exists(#wrong, :zero) + :one",
                "attribute_exists(#pk)",
                &[(":zero", n(0)), (":one", n(1))],
            )
            .await?;
        let wrong: u32 = counted.map_or(0, |item| num(&item, "wrong").unwrap_or(0));
        if wrong < limit {
            return Ok(WrongCode::Counted(wrong));
        }
        let _ = self
            .update(
                key,
                "SET #wrong = :zero, #locked_until = :until",
                "attribute_exists(#pk)",
                &[(":zero", n(0)), (":until", n(lock_until.timestamp()))],
            )
            .await?;
        Ok(WrongCode::Locked(lock_until))
    }

    async fn right_second_factor(&self, email: &str) -> StoreResult<()> {
        let _ = self
            .update(
                keys::member(email),
                "SET #wrong = :zero REMOVE #locked_until",
                "attribute_exists(#pk)",
                &[(":zero", n(0))],
            )
            .await?;
        Ok(())
    }

    async fn use_recovery_code(&self, email: &str, code_hash: &str) -> StoreResult<bool> {
        let Some(member) = self.member(email).await? else {
            return Ok(false);
        };
        let mut record = member.record.clone();
        let before = record.recovery.len();
        record.recovery.retain(|h| h != code_hash);
        if record.recovery.len() == before {
            return Ok(false);
        }
        let old = serde_json::to_string(&member.record)
            .map_err(|e| crate::StoreError::Corrupt(e.to_string()))?;
        let new = serde_json::to_string(&record)
            .map_err(|e| crate::StoreError::Corrupt(e.to_string()))?;
        // Only if nobody changed the member meanwhile: a code is used once.
        Ok(self
            .update(
                keys::member(email),
                "SET #doc = :new",
                "#doc = :old",
                &[(":new", s(new)), (":old", s(old))],
            )
            .await?
            .is_ok())
    }

    async fn put_session(&self, id_hash: &str, record: &SessionRecord) -> StoreResult<()> {
        let mut item = with_scope(
            doc_item(keys::staff_session(id_hash), record)?,
            keys::sessions_of(&record.email),
            format!("{}#{id_hash}", keys::sortable_time(record.started)),
        );
        item.insert(TTL_ATTRIBUTE.into(), n(record.ends.timestamp() + 86_400));
        self.put(item, None, &[]).await?;
        Ok(())
    }

    async fn session(&self, id_hash: &str) -> StoreResult<Option<SessionRecord>> {
        self.get(keys::staff_session(id_hash))
            .await?
            .map(|i| from_doc(&i))
            .transpose()
    }

    async fn end_session(&self, id_hash: &str) -> StoreResult<()> {
        let _ = self
            .delete_returning(keys::staff_session(id_hash), "attribute_exists(#pk)", &[])
            .await?;
        Ok(())
    }

    async fn sessions_of(&self, email: &str) -> StoreResult<Vec<(String, SessionRecord)>> {
        self.query(Query::index(
            SCOPE_INDEX,
            "#scope_pk = :pk",
            vec![(":pk", s(keys::sessions_of(email)))],
        ))
        .await?
        .iter()
        .map(|item| {
            let pk = super::codec::text(item, crate::table::PK)?;
            let hash = pk.trim_start_matches("STAFFSESSION#").to_owned();
            Ok((hash, from_doc(item)?))
        })
        .collect()
    }

    async fn put_api_key(&self, record: &ApiKeyRecord) -> StoreResult<()> {
        let mut item = with_scope(
            doc_item(keys::api_key(&record.id), record)?,
            keys::api_keys_of(&record.email),
            format!("{}#{}", keys::sortable_time(record.created), record.id),
        );
        item.insert(TTL_ATTRIBUTE.into(), n(record.expires.timestamp() + 86_400));
        self.put(item, Some("attribute_not_exists(#pk)"), &[])
            .await?;
        Ok(())
    }

    async fn api_key(&self, id: &str) -> StoreResult<Option<ApiKeyRecord>> {
        self.get(keys::api_key(id))
            .await?
            .map(|i| from_doc(&i))
            .transpose()
    }

    async fn delete_api_key(&self, id: &str) -> StoreResult<()> {
        let _ = self
            .delete_returning(keys::api_key(id), "attribute_exists(#pk)", &[])
            .await?;
        Ok(())
    }

    async fn api_keys_of(&self, email: &str) -> StoreResult<Vec<ApiKeyRecord>> {
        self.docs(Query::index(
            SCOPE_INDEX,
            "#scope_pk = :pk",
            vec![(":pk", s(keys::api_keys_of(email)))],
        ))
        .await
    }
}
