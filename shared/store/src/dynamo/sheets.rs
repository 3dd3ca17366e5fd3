//! The organisations' sheets of a year: one item each, a line's part per attribute
//! (`<part>_<plan id>`, its JSON) beside the instant it was read (`at_<part>_<plan id>`).

use std::collections::BTreeMap;

use openday_rules::org::Id;

use super::DynamoStore;
use super::codec::{Item, n, s, text};
use super::query::Query;
use crate::error::{StoreError, StoreResult};
use crate::keys;
use crate::ports::SheetStore;
use crate::sheets::{LinePart, PlanLine, Sheet, SheetOf};
use crate::table::{SCOPE_PK, SCOPE_SK};

/// A plan id as it may appear in an attribute name (ids are hex; anything else is refused
/// rather than let into an expression).
fn attribute_safe(plan_id: &str) -> StoreResult<&str> {
    if !plan_id.is_empty() && plan_id.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(plan_id)
    } else {
        Err(StoreError::Corrupt(format!(
            "plan id {plan_id:?} cannot name an attribute"
        )))
    }
}

fn sheet_from(item: &Item) -> StoreResult<Sheet> {
    let mut lines: BTreeMap<&str, PlanLine> = BTreeMap::new();
    for (name, value) in item {
        let Some((part, plan_id)) = name.split_once('_') else {
            continue;
        };
        if !LinePart::NAMES.contains(&part) {
            continue;
        }
        let raw = value
            .as_s()
            .map_err(|_| StoreError::Corrupt(format!("sheet attribute {name} is not text")))?;
        let part: LinePart = serde_json::from_str(raw)
            .map_err(|e| StoreError::Corrupt(format!("sheet attribute {name}: {e}")))?;
        lines
            .entry(plan_id)
            .or_insert_with(|| PlanLine::new(plan_id))
            .apply(part);
    }
    Ok(Sheet {
        org_id: Id::parse("org_id", text(item, "org_id")?)
            .map_err(|e| StoreError::Corrupt(format!("sheet org_id: {}", e.message)))?,
        org_path: text(item, "org_path")?.to_owned(),
        lines: lines.into_values().collect(),
    })
}

impl SheetStore for DynamoStore {
    async fn put_line_part(
        &self,
        sheet: SheetOf<'_>,
        plan_id: &str,
        part: &LinePart,
        read_at: u64,
    ) -> StoreResult<bool> {
        let attribute = format!("{}_{}", part.name(), attribute_safe(plan_id)?);
        let json = serde_json::to_string(part).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let update = format!(
            "SET #{SCOPE_PK} = :scope_pk, #{SCOPE_SK} = :scope_sk, #org_id = :org_id, \
             #org_path = :org_path, #{attribute} = :part, #at_{attribute} = :at"
        );
        let condition = format!("attribute_not_exists(#at_{attribute}) OR #at_{attribute} <= :at");
        let written = self
            .update(
                keys::sheet(sheet.org_id.as_str(), sheet.year),
                &update,
                &condition,
                &[
                    (":scope_pk", s(keys::sheets_of_year(sheet.year))),
                    (
                        ":scope_sk",
                        s(keys::owned(sheet.org_path, sheet.org_id.as_str(), "")),
                    ),
                    (":org_id", s(sheet.org_id.as_str())),
                    (":org_path", s(sheet.org_path)),
                    (":part", s(json)),
                    (":at", n(read_at)),
                ],
            )
            .await?;
        Ok(written.is_ok())
    }

    async fn remove_line(&self, sheet: SheetOf<'_>, plan_id: &str) -> StoreResult<()> {
        let plan_id = attribute_safe(plan_id)?;
        let removed: Vec<String> = LinePart::NAMES
            .iter()
            .flat_map(|part| {
                [
                    format!("#{part}_{plan_id}"),
                    format!("#at_{part}_{plan_id}"),
                ]
            })
            .collect();
        let update = format!("REMOVE {}", removed.join(", "));
        // Whatever the item holds: there is nothing to keep of a line that is not the year's.
        self.update(
            keys::sheet(sheet.org_id.as_str(), sheet.year),
            &update,
            "attribute_exists(#org_id)",
            &[],
        )
        .await?
        .ok();
        Ok(())
    }

    async fn sheets(&self, year: i32, prefix: &str) -> StoreResult<Vec<Sheet>> {
        self.query(Query::scope(keys::sheets_of_year(year), prefix.to_owned()))
            .await?
            .iter()
            .map(sheet_from)
            .collect()
    }
}
