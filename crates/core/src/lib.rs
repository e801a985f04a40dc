//! Kartei's shared vocabulary: ids, the tenant context, stable error codes, paging and validation.
//!
//! This crate does no IO and knows nothing of HTTP, GraphQL or the database, so that every other
//! crate can depend on it without pulling a framework along.

pub mod cells;
pub mod code;
pub mod ctx;
pub mod id;
pub mod paging;
pub mod validate;
