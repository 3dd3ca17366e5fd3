//! Visits, follow-up checks, public evaluations and their verdicts.

use super::DynamoStore;
use super::codec::{doc_item, from_doc, s, with_scope};
use super::query::Query;
use crate::error::{StoreError, StoreResult};
use crate::keys;
use crate::ports::SupervisionStore;
use crate::supervision::{CheckRecord, PublicEvaluationRecord, VerdictRecord, VisitRecord};
use crate::table::SCOPE_INDEX;

impl SupervisionStore for DynamoStore {
    async fn add_visit(&self, record: &VisitRecord) -> StoreResult<()> {
        let item = doc_item(keys::visit(&record.plan_id, record.at, &record.id), record)?;
        self.put(item, None, &[]).await.map(drop)
    }

    async fn visits(&self, plan_id: &str) -> StoreResult<Vec<VisitRecord>> {
        self.docs(Query::table(
            "#pk = :pk AND begins_with(#sk, :prefix)",
            vec![
                (":pk", s(keys::supervision_pk(plan_id))),
                (":prefix", s(keys::VISIT_PREFIX)),
            ],
        ))
        .await
    }

    async fn add_check(&self, record: &CheckRecord) -> StoreResult<()> {
        let item = doc_item(keys::check(&record.plan_id, record.at, &record.id), record)?;
        self.put(item, None, &[]).await.map(drop)
    }

    async fn checks(&self, plan_id: &str) -> StoreResult<Vec<CheckRecord>> {
        self.docs(Query::table(
            "#pk = :pk AND begins_with(#sk, :prefix)",
            vec![
                (":pk", s(keys::supervision_pk(plan_id))),
                (":prefix", s(keys::CHECK_PREFIX)),
            ],
        ))
        .await
    }

    async fn add_public_evaluation(&self, record: &PublicEvaluationRecord) -> StoreResult<()> {
        let item = with_scope(
            doc_item(keys::public_evaluation(&record.id), record)?,
            keys::public_evaluations_of(record.office_id.as_str()),
            record.id.clone(),
        );
        self.put(item, Some("attribute_not_exists(#pk)"), &[])
            .await?
            .then_some(())
            .ok_or(StoreError::AlreadyExists)
    }

    async fn public_evaluation(&self, id: &str) -> StoreResult<Option<PublicEvaluationRecord>> {
        self.get(keys::public_evaluation(id))
            .await?
            .map(|i| from_doc(&i))
            .transpose()
    }

    async fn public_evaluations_of(
        &self,
        office_id: &str,
    ) -> StoreResult<Vec<PublicEvaluationRecord>> {
        self.docs(Query::index(
            SCOPE_INDEX,
            "#scope_pk = :pk",
            vec![(":pk", s(keys::public_evaluations_of(office_id)))],
        ))
        .await
    }

    async fn add_verdict(&self, record: &VerdictRecord, phone_hash: &str) -> StoreResult<bool> {
        let item = doc_item(
            keys::verdict(&record.evaluation_id, &record.plan_id, phone_hash),
            record,
        )?;
        self.put(item, Some("attribute_not_exists(#pk)"), &[]).await
    }

    async fn verdicts(&self, evaluation_id: &str) -> StoreResult<Vec<VerdictRecord>> {
        self.docs(Query::table(
            "#pk = :pk AND begins_with(#sk, :prefix)",
            vec![
                (":pk", s(keys::public_evaluation(evaluation_id).0)),
                (":prefix", s(keys::VERDICT_PREFIX)),
            ],
        ))
        .await
    }
}
