//! Segmentation and customer analytics: rule segments (AND/OR/NOT trees over typed
//! conditions) compiled to one parameterized SQL query, static lists, frozen snapshots and
//! membership history; ABC analysis with the payment downgrade; lifecycle rules (dormant,
//! ex-customer, back to customer); BANT qualification and target-group scoring.
//!
//! No HTTP and no GraphQL here: the gateway maps these functions onto the API; the worker
//! runs the daily ABC, lifecycle and membership refresh jobs.

pub mod abc;
pub mod bant;
pub mod catalog;
pub mod compile;
pub mod error;
pub mod lifecycle;
pub mod merge;
pub mod rule;
pub mod segments;
pub mod target_groups;

pub use error::{Error, Result};
