//! Jurisdictions and organisations: the directory a region imports.

use std::collections::HashMap;

use openday_rules::org::{Directory, Id, Jurisdiction, Organisation};

use super::DynamoStore;
use super::codec::{doc_item, from_doc, s, with_scope};
use super::query::Query;
use crate::error::StoreResult;
use crate::keys;
use crate::ports::DirectoryStore;
use crate::table::SCOPE_INDEX;

impl DirectoryStore for DynamoStore {
    async fn import(&self, directory: &Directory) -> StoreResult<()> {
        let paths: HashMap<&Id, String> = directory
            .orgs
            .iter()
            .map(|o| (o.jurisdiction(), keys::path_of(o)))
            .collect();
        let mut items = Vec::new();
        for j in &directory.jurisdictions {
            let path = paths
                .get(&j.id)
                .cloned()
                .unwrap_or_else(|| j.id.to_string());
            items.push(with_scope(
                doc_item(keys::jurisdiction(j.id.as_str()), j)?,
                keys::JURISDICTIONS.into(),
                format!("{path}{}", j.id),
            ));
        }
        for o in &directory.orgs {
            items.push(with_scope(
                doc_item(keys::org(o.id.as_str()), o)?,
                keys::ORGS.into(),
                keys::owned(&keys::path_of(o), o.id.as_str(), ""),
            ));
        }
        self.batch_write(items).await
    }

    async fn org(&self, id: &str) -> StoreResult<Option<Organisation>> {
        self.get(keys::org(id))
            .await?
            .map(|i| from_doc(&i))
            .transpose()
    }

    async fn orgs_within(&self, path: &str) -> StoreResult<Vec<Organisation>> {
        self.docs(Query::scope(keys::ORGS.into(), path.to_owned()))
            .await
    }

    async fn jurisdictions(&self) -> StoreResult<Vec<Jurisdiction>> {
        self.docs(Query::index(
            SCOPE_INDEX,
            "#scope_pk = :pk",
            vec![(":pk", s(keys::JURISDICTIONS))],
        ))
        .await
    }
}
