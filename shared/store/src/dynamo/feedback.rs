//! Feedback, evaluations and the agency's answers.

use chrono::{DateTime, Utc};
use openday_rules::feedback::{Evaluation, Feedback, ResponseItem};
use openday_rules::verification;

use super::DynamoStore;
use super::codec::{doc_item, n, s};
use super::query::Query;
use super::tx::Fixed;
use crate::error::{StoreError, StoreResult};
use crate::keys;
use crate::paging::{Cursor, Page};
use crate::personal::random_code;
use crate::ports::{FeedbackStore, Giver};
use crate::records::{EvaluationRecord, FeedbackRecord};
use crate::table::{PK, TABLE_KEYS};

impl FeedbackStore for DynamoStore {
    async fn add_feedback(
        &self,
        plan_id: &str,
        feedback: &Feedback,
        by: Giver<'_>,
        at: DateTime<Utc>,
    ) -> StoreResult<FeedbackRecord> {
        let record = FeedbackRecord {
            id: random_code()?,
            plan_id: plan_id.to_owned(),
            at,
            feedback: feedback.clone(),
        };
        let item = doc_item(keys::feedback(plan_id, at, &record.id), &record)?;
        let Giver::Phone(phone_hash) = by else {
            self.put(item, None, &[]).await?;
            return Ok(record);
        };
        // The item and the phone's daily count together: the eleventh of a day is refused.
        let day = verification::day_of(at);
        let writes = vec![
            self.update_item(
                keys::feedback_quota(plan_id, phone_hash, day),
                "SET #given = if_not_exists(#given, :zero) + :one, #expires_at = :ttl",
                "attribute_not_exists(#given) OR #given < :max",
                &[
                    (":zero", n(0)),
                    (":one", n(1)),
                    (":max", n(verification::MAX_FEEDBACK_PER_DAY)),
                    (":ttl", n(at.timestamp() + 2 * 86_400)),
                ],
            )?,
            self.put_item(item, None, &[])?,
        ];
        self.transact_with_retry(Fixed {
            writes,
            refused: || StoreError::Limited {
                retry_after: verification::seconds_until_tomorrow(at) as u64,
            },
        })
        .await?;
        Ok(record)
    }

    async fn update_feedback(&self, record: &FeedbackRecord) -> StoreResult<bool> {
        let item = doc_item(
            keys::feedback(&record.plan_id, record.at, &record.id),
            record,
        )?;
        self.put(item, Some("attribute_exists(#pk)"), &[]).await
    }

    async fn feedback(&self, plan_id: &str) -> StoreResult<Vec<FeedbackRecord>> {
        self.docs(Query::table(
            "#pk = :pk",
            vec![(":pk", s(keys::feedback_pk(plan_id)))],
        ))
        .await
    }

    async fn feedback_page(
        &self,
        plan_id: &str,
        after: Option<&Cursor>,
        limit: u32,
    ) -> StoreResult<Page<FeedbackRecord>> {
        let pk = keys::feedback_pk(plan_id);
        let q = Query::table("#pk = :pk", vec![(":pk", s(pk.clone()))]);
        self.docs_page(q, &TABLE_KEYS, (PK, &pk), after, limit)
            .await
    }

    async fn add_evaluation(
        &self,
        plan_id: &str,
        evaluation: &Evaluation,
        phone_hash: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<EvaluationRecord> {
        let record = EvaluationRecord {
            id: random_code()?,
            plan_id: plan_id.to_owned(),
            at,
            evaluation: evaluation.clone(),
        };
        self.put(
            doc_item(keys::evaluation(plan_id, phone_hash), &record)?,
            None,
            &[],
        )
        .await?;
        Ok(record)
    }

    async fn save_answers(&self, plan_id: &str, answers: &[ResponseItem]) -> StoreResult<()> {
        let items = answers
            .iter()
            .map(|a| doc_item(keys::answer(plan_id, &a.feedback_id), a))
            .collect::<StoreResult<Vec<_>>>()?;
        self.batch_write(items).await
    }

    async fn answers(&self, plan_id: &str) -> StoreResult<Vec<ResponseItem>> {
        self.docs(Query::table(
            "#pk = :pk",
            vec![(":pk", s(keys::answers_pk(plan_id)))],
        ))
        .await
    }

    async fn evaluations(&self, plan_id: &str) -> StoreResult<Vec<EvaluationRecord>> {
        self.docs(Query::table(
            "#pk = :pk",
            vec![(":pk", s(keys::evaluation_pk(plan_id)))],
        ))
        .await
    }
}
