//! Contacts over GraphQL: persons, organizations, relations, interactions, transactions,
//! picklists, custom fields, imports, duplicates, merges and data quality.

mod mutation;
mod query;
pub mod types;

pub use mutation::{ContactsMutation, merge_hooks};
pub use query::ContactsQuery;
pub(crate) use query::{load_organization, load_person, load_relation};
