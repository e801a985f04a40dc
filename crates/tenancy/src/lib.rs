//! Tenancy: the Postgres pool, tenant-scoped transactions, tenant provisioning and the migration
//! runner that brings the platform schema and every tenant schema up to date.
//!
//! Invariant: the only `SET LOCAL search_path` in Kartei is written in [`db::Db::begin_tenant`]
//! (and the migration runner), from a [`kartei_core::id::TenantId`], never from user text, and
//! always transaction-local, so pooled connections never carry a tenant over to the next user.

pub mod audit;
pub mod db;
pub mod error;
pub mod migrate;
pub mod paging;
pub mod settings;
pub mod tenants;

pub use error::{Error, Result};
