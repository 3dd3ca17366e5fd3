//! Questionnaires and their answers.

use openday_rules::feedback::Feedback;

use super::DynamoStore;
use super::codec::{doc_item, from_doc, n, s};
use super::query::Query;
use super::tx::Fixed;
use crate::error::{StoreError, StoreResult};
use crate::keys;
use crate::personal::random_code;
use crate::ports::QuestionnaireStore;
use crate::questionnaires::{AnswerSetRecord, QuestionnaireRecord};
use crate::records::FeedbackRecord;

impl QuestionnaireStore for DynamoStore {
    async fn questionnaire(&self, plan_id: &str) -> StoreResult<Option<QuestionnaireRecord>> {
        self.get(keys::questionnaire(plan_id))
            .await?
            .map(|i| from_doc(&i))
            .transpose()
    }

    async fn save_questionnaire(&self, record: &QuestionnaireRecord) -> StoreResult<bool> {
        let mut item = doc_item(keys::questionnaire(&record.plan_id), record)?;
        item.insert("version".into(), n(record.version));
        if record.version <= 1 {
            self.put(item, Some("attribute_not_exists(#pk)"), &[]).await
        } else {
            self.put(
                item,
                Some("#version = :previous"),
                &[(":previous", n(record.version - 1))],
            )
            .await
        }
    }

    async fn add_answer_set(
        &self,
        set: &AnswerSetRecord,
        phone_hash: &str,
        opinions: &[Feedback],
    ) -> StoreResult<Vec<FeedbackRecord>> {
        let records = opinions
            .iter()
            .map(|f| {
                Ok(FeedbackRecord {
                    id: random_code()?,
                    plan_id: set.plan_id.clone(),
                    at: set.at,
                    feedback: f.clone(),
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        // The set and its free-text answers as feedback, together: one set per phone.
        let mut writes = vec![self.put_item(
            doc_item(keys::answer_set(&set.plan_id, phone_hash), set)?,
            Some("attribute_not_exists(#pk)"),
            &[],
        )?];
        for r in &records {
            writes.push(self.put_item(
                doc_item(keys::feedback(&r.plan_id, r.at, &r.id), r)?,
                None,
                &[],
            )?);
        }
        self.transact_with_retry(Fixed {
            writes,
            refused: || StoreError::AlreadyExists,
        })
        .await?;
        Ok(records)
    }

    async fn answer_sets(&self, plan_id: &str) -> StoreResult<Vec<AnswerSetRecord>> {
        self.docs(Query::table(
            "#pk = :pk",
            vec![(":pk", s(keys::answer_sets_pk(plan_id)))],
        ))
        .await
    }
}
