//! Everything the platform keeps, in one DynamoDB table.
//!
//! [`ports`] are the small traits (one per capability) that handlers and sweeps use;
//! [`dynamo::DynamoStore`] implements all of them over `aws-sdk-dynamodb`, the same code on
//! AWS and against the embedded engine locally. [`table`] is the one table definition the
//! local server, the tests and the deployment template share. `docs/data-model.md` lists
//! every access pattern and the key or index that serves it.

pub mod assessment;
pub mod campaigns;
pub mod dynamo;
pub mod error;
pub mod keys;
pub mod messages;
pub mod paging;
pub mod people;
pub mod personal;
pub mod ports;
pub mod questionnaires;
pub mod records;
pub mod sheets;
pub mod supervision;
pub mod table;

pub use dynamo::DynamoStore;
pub use error::StoreError;
pub use personal::PersonKey;
