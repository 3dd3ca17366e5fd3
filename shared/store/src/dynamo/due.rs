//! The due index: which plans each sweep has to look at on a given day.

use chrono::NaiveDate;
use openday_rules::sweep::SweepKind;

use super::DynamoStore;
use super::codec::{base, from_doc, s, text, unavailable};
use super::query::Query;
use crate::error::StoreResult;
use crate::keys::{self, Key};
use crate::ports::DueIndex;
use crate::records::PlanRecord;
use crate::table::{DUE_INDEX, DUE_PK, DUE_SK, PK, SK};

impl DueIndex for DynamoStore {
    async fn schedule(
        &self,
        sweep: SweepKind,
        plan_id: &str,
        on: Option<NaiveDate>,
    ) -> StoreResult<()> {
        let key = keys::due_marker(plan_id, sweep.wire());
        match on {
            Some(day) => {
                let mut item = base(key);
                item.insert("plan_id".into(), s(plan_id));
                item.insert(DUE_PK.into(), s(sweep.wire()));
                item.insert(DUE_SK.into(), s(keys::due_sk(day, plan_id)));
                self.put(item, None, &[]).await?;
            }
            None => {
                self.client
                    .delete_item()
                    .table_name(&self.table)
                    .key(PK, s(key.0))
                    .key(SK, s(key.1))
                    .send()
                    .await
                    .map_err(unavailable)?;
            }
        }
        Ok(())
    }

    async fn due_plans(&self, sweep: SweepKind, today: NaiveDate) -> StoreResult<Vec<PlanRecord>> {
        // Every marker dated today or earlier: due_sk < the next day.
        let next_day = openday_rules::calendar::days_after(today, 1).to_string();
        let markers = self
            .query(Query::index(
                DUE_INDEX,
                "#due_pk = :pk AND #due_sk < :next",
                vec![(":pk", s(sweep.wire())), (":next", s(next_day))],
            ))
            .await?;
        let ids: Vec<Key> = markers
            .iter()
            .map(|m| text(m, "plan_id").map(keys::plan))
            .collect::<StoreResult<_>>()?;
        let items = self.batch_get(ids).await?;
        items.iter().map(from_doc).collect()
    }
}
