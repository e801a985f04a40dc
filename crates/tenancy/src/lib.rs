//! Tenancy: the Postgres pool, tenant-scoped transactions, tenant provisioning and the migration
//! runner that brings the platform schema and every tenant schema up to date.
//!
//! Invariant: a tenant's `search_path` is set in one function, `db::set_tenant_search_path`
//! (used by [`db::Db::begin_tenant`], tenant creation and the migration runner), from a
//! [`kartei_core::id::TenantId`], never from user text, and always `SET LOCAL`, so pooled
//! connections never carry a tenant over to the next user.

pub mod audit;
pub mod db;
pub mod error;
pub mod gate;
pub mod jobs;
pub mod migrate;
pub mod paging;
pub mod settings;
pub mod tenants;

pub use error::{Error, Result};
