//! Contacts and data quality: persons and organizations with their relations, the timeline of
//! interactions and transactions, picklists and custom fields, import and export at scale,
//! duplicate detection and merge, and the review of stale records.
//!
//! No HTTP and no GraphQL here: the gateway maps its inputs onto these functions, each of
//! which runs inside a caller's tenant transaction ([`kartei_tenancy::db::TenantTx`]).

#[macro_use]
mod draft_macro;

pub mod duplicates;
pub mod error;
pub mod export;
pub mod fields;
pub mod import;
pub mod interactions;
pub mod merge;
pub mod normalize;
pub mod organizations;
pub mod persons;
pub mod quality;
pub mod relations;
pub mod rules;
pub mod sql;
pub mod timeline;
pub mod transactions;

pub use error::{Error, Result};
