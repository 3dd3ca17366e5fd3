//! Plans: the plan itself, its history, its announcement and its response to feedback.

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use openday_rules::announcement::Announcement;
use openday_rules::feedback::FeedbackResponse;
use openday_rules::lifecycle::{HistoryEntry, PlanStatus, Version};
use openday_rules::org::Organisation;
use openday_rules::plan::Plan;

use super::DynamoStore;
use super::codec::{Item, base, doc_item, from_doc, n, s, text, with_scope};
use super::query::Query;
use super::tx::Fixed;
use crate::error::{StoreError, StoreResult};
use crate::keys;
use crate::paging::{Cursor, Page};
use crate::personal::random_code;
use crate::ports::PlanStore;
use crate::records::{History, PlanChange, PlanRecord, PlanScope};
use crate::table::{INDEX_KEYS, SCOPE_INDEX, SCOPE_PK};

fn plan_item(record: &PlanRecord) -> StoreResult<Item> {
    let mut item = doc_item(keys::plan(&record.id), record)?;
    item.insert("version".into(), n(record.version.0));
    item.insert("status".into(), s(record.status.wire()));
    Ok(with_scope(
        item,
        keys::plans_of_year(record.plan.year()),
        keys::owned(&record.org_path, record.org_id.as_str(), &record.id),
    ))
}

impl PlanStore for DynamoStore {
    async fn create_plan_by(
        &self,
        org: &Organisation,
        by_person: Option<&str>,
        plan: &Plan,
        programme_version: u32,
        at: DateTime<Utc>,
    ) -> StoreResult<PlanRecord> {
        let record = PlanRecord {
            programme_version,
            id: random_code()?,
            org_id: org.id.clone(),
            org_path: keys::path_of(org),
            status: PlanStatus::Submitted,
            version: Version::FIRST,
            plan: plan.clone(),
            submitted_at: at,
            announced_on: None,
            responded_on: None,
        };
        let entry = HistoryEntry {
            at,
            by: Some(org.id.clone()),
            by_person: by_person.map(str::to_owned),
            action: openday_rules::lifecycle::Action::Revise,
            from: None,
            to: PlanStatus::Submitted,
            comment: None,
        };
        let writes = vec![
            self.put_item(plan_item(&record)?, Some("attribute_not_exists(#pk)"), &[])?,
            self.put_item(doc_item(keys::history(&record.id, 1), &entry)?, None, &[])?,
        ];
        self.transact_with_retry(Fixed {
            writes,
            refused: || StoreError::Busy,
        })
        .await?;
        Ok(record)
    }

    async fn plan(&self, id: &str) -> StoreResult<Option<PlanRecord>> {
        self.get(keys::plan(id))
            .await?
            .map(|i| from_doc(&i))
            .transpose()
    }

    async fn history(&self, id: &str) -> StoreResult<History> {
        let (pk, _) = keys::plan(id);
        self.docs(Query::table(
            "#pk = :pk AND begins_with(#sk, :prefix)",
            vec![(":pk", s(pk)), (":prefix", s(keys::HISTORY_PREFIX))],
        ))
        .await
    }

    async fn change_plan(
        &self,
        id: &str,
        expected: Version,
        change: PlanChange,
    ) -> StoreResult<PlanRecord> {
        let current = self.plan(id).await?.ok_or(StoreError::NotFound)?;
        if current.version != expected {
            return Err(StoreError::VersionConflict);
        }
        let today = openday_rules::local_day(&change.at);
        let mut next = current.clone();
        next.version = expected.next();
        next.status = change.to;
        if let Some((plan, programme_version)) = &change.plan {
            next.plan = plan.clone();
            next.programme_version = *programme_version;
        }
        if change.announcement.is_some() {
            next.announced_on = Some(today);
        }
        if change.response.is_some() {
            next.responded_on = Some(today);
        }
        let entry = HistoryEntry {
            at: change.at,
            by: change.by.clone(),
            by_person: change.by_person.clone(),
            action: change.action,
            from: Some(current.status),
            to: change.to,
            comment: change.comment.clone(),
        };
        let mut writes = vec![
            self.put_item(
                plan_item(&next)?,
                Some("#version = :expected"),
                &[(":expected", n(expected.0))],
            )?,
            self.put_item(
                doc_item(keys::history(id, next.version.0), &entry)?,
                Some("attribute_not_exists(#pk)"),
                &[],
            )?,
        ];
        if let Some(a) = &change.announcement {
            let item = with_scope(
                doc_item(keys::announcement(id), a)?,
                keys::announced_in(next.plan.year()),
                format!("{}#{id}", a.start_date),
            );
            let mut item = item;
            item.insert("plan_id".into(), s(id));
            writes.push(self.put_item(item, None, &[])?);
            let mut seats = base(keys::seats(id));
            seats.insert("capacity".into(), n(next.plan.capacity.get()));
            seats.insert("confirmed".into(), n(0));
            seats.insert("waitlisted".into(), n(0));
            writes.push(self.put_item(seats, Some("attribute_not_exists(#pk)"), &[])?);
        }
        if let Some(r) = &change.response {
            writes.push(self.put_item(doc_item(keys::response(id), r)?, None, &[])?);
        }
        if change.to == PlanStatus::Cancelled && current.announced_on.is_some() {
            // Registration closes in the same write as the cancellation.
            writes.push(self.update_item(
                keys::seats(id),
                "SET #closed = :yes",
                "attribute_exists(#pk)",
                &[(":yes", AttributeValue::Bool(true))],
            )?);
        }
        self.transact_with_retry(Fixed {
            writes,
            refused: || StoreError::VersionConflict,
        })
        .await?;
        Ok(next)
    }

    async fn plans(&self, year: i32, scope: &PlanScope) -> StoreResult<Vec<PlanRecord>> {
        self.docs(Query::scope(keys::plans_of_year(year), scope.prefix()))
            .await
    }

    async fn plans_page(
        &self,
        year: i32,
        scope: &PlanScope,
        after: Option<&Cursor>,
        limit: u32,
    ) -> StoreResult<Page<PlanRecord>> {
        let pk = keys::plans_of_year(year);
        let q = Query::scope(pk.clone(), scope.prefix());
        self.docs_page(q, &INDEX_KEYS, (SCOPE_PK, &pk), after, limit)
            .await
    }

    async fn announcement(&self, plan_id: &str) -> StoreResult<Option<Announcement>> {
        self.get(keys::announcement(plan_id))
            .await?
            .map(|i| from_doc(&i))
            .transpose()
    }

    async fn announcements(&self, year: i32) -> StoreResult<Vec<(String, Announcement)>> {
        let items = self
            .query(Query::index(
                SCOPE_INDEX,
                "#scope_pk = :pk",
                vec![(":pk", s(keys::announced_in(year)))],
            ))
            .await?;
        items
            .iter()
            .map(|i| Ok((text(i, "plan_id")?.to_owned(), from_doc(i)?)))
            .collect()
    }

    async fn response(&self, plan_id: &str) -> StoreResult<Option<FeedbackResponse>> {
        self.get(keys::response(plan_id))
            .await?
            .map(|i| from_doc(&i))
            .transpose()
    }
}
