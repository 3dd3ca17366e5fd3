//! The one table definition: keys, indexes and TTL. The local server and the tests create
//! the table from it; `template.yaml` mirrors it (a drift test compares the two).

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};

use crate::error::StoreError;

/// The partition and sort key of the table.
pub const PK: &str = "pk";
pub const SK: &str = "sk";

/// Listings by scope: a jurisdiction subtree, a year, an event.
pub const SCOPE_INDEX: &str = "scope_index";
pub const SCOPE_PK: &str = "scope_pk";
pub const SCOPE_SK: &str = "scope_sk";
/// The key attributes of an item found through the scope index (a page continues there).
pub const INDEX_KEYS: [&str; 4] = [PK, SK, SCOPE_PK, SCOPE_SK];
/// The key attributes of an item of the table.
pub const TABLE_KEYS: [&str; 2] = [PK, SK];

/// Sparse index of what is due: sweep markers by due date, pending mail by queue time.
/// Only items that are due carry these attributes, so a sweep reads only what is due.
pub const DUE_INDEX: &str = "due_index";
pub const DUE_PK: &str = "due_pk";
pub const DUE_SK: &str = "due_sk";

/// Epoch seconds after which DynamoDB deletes the item (registrations: retention of personal data).
pub const TTL_ATTRIBUTE: &str = "expires_at";

/// A global secondary index: name, partition key, sort key; every attribute projected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexDefinition {
    pub name: &'static str,
    pub pk: &'static str,
    pub sk: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableDefinition {
    pub pk: &'static str,
    pub sk: &'static str,
    pub indexes: &'static [IndexDefinition],
    pub ttl_attribute: &'static str,
}

/// The table, as every environment has it. All key attributes are strings.
pub const TABLE: TableDefinition = TableDefinition {
    pk: PK,
    sk: SK,
    indexes: &[
        IndexDefinition {
            name: SCOPE_INDEX,
            pk: SCOPE_PK,
            sk: SCOPE_SK,
        },
        IndexDefinition {
            name: DUE_INDEX,
            pk: DUE_PK,
            sk: DUE_SK,
        },
    ],
    ttl_attribute: TTL_ATTRIBUTE,
};

fn key(name: &str, kind: KeyType) -> Result<KeySchemaElement, StoreError> {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(kind)
        .build()
        .map_err(|e| StoreError::Unavailable(e.to_string()))
}

fn string_attribute(name: &str) -> Result<AttributeDefinition, StoreError> {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .map_err(|e| StoreError::Unavailable(e.to_string()))
}

impl TableDefinition {
    /// Every key attribute of the table and its indexes.
    pub fn key_attributes(&self) -> Vec<&'static str> {
        let mut names = vec![self.pk, self.sk];
        for index in self.indexes {
            names.extend([index.pk, index.sk]);
        }
        names
    }

    /// Creates the table named `name` (on-demand) and turns on TTL, unless it exists.
    pub async fn ensure(&self, client: &Client, name: &str) -> Result<(), StoreError> {
        let exists = client
            .describe_table()
            .table_name(name)
            .send()
            .await
            .is_ok();
        if exists {
            return Ok(());
        }
        let mut create = client
            .create_table()
            .table_name(name)
            .billing_mode(BillingMode::PayPerRequest)
            .key_schema(key(self.pk, KeyType::Hash)?)
            .key_schema(key(self.sk, KeyType::Range)?);
        for attribute in self.key_attributes() {
            create = create.attribute_definitions(string_attribute(attribute)?);
        }
        for index in self.indexes {
            create = create.global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(index.name)
                    .key_schema(key(index.pk, KeyType::Hash)?)
                    .key_schema(key(index.sk, KeyType::Range)?)
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::All)
                            .build(),
                    )
                    .build()
                    .map_err(|e| StoreError::Unavailable(e.to_string()))?,
            );
        }
        create.send().await.map_err(|e| {
            StoreError::Unavailable(format!(
                "create table {name}: {}",
                aws_sdk_dynamodb::error::DisplayErrorContext(&e)
            ))
        })?;
        client
            .update_time_to_live()
            .table_name(name)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .attribute_name(self.ttl_attribute)
                    .enabled(true)
                    .build()
                    .map_err(|e| StoreError::Unavailable(e.to_string()))?,
            )
            .send()
            .await
            .map_err(|e| {
                StoreError::Unavailable(format!(
                    "enable TTL on {name}: {}",
                    aws_sdk_dynamodb::error::DisplayErrorContext(&e)
                ))
            })?;
        Ok(())
    }
}
