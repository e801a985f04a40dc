//! Schema migrations, in two independent sets.
//!
//! - [`PlatformMigrator`] owns schema `platform` (agencies, tenants, users, memberships, API keys,
//!   platform audit). Its `seaql_migrations` record lives in `platform`.
//! - [`TenantMigrator`] owns one tenant schema. The caller runs it inside a transaction whose
//!   `search_path` is that tenant's schema, so every unqualified name (including the version
//!   record `seaql_migrations`) lands in the tenant schema.
//!
//! Migrations are plain PostgreSQL: Kartei runs on PostgreSQL only, and its DDL is clearer as SQL.

use sea_orm_migration::prelude::*;

mod platform;
mod tenant;

pub struct PlatformMigrator;

impl MigratorTrait for PlatformMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        platform::all()
    }
}

pub struct TenantMigrator;

impl MigratorTrait for TenantMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        tenant::all()
    }
}

/// A migration given as forward SQL; Kartei migrations are forward-only (a rollback is a new
/// migration), so `down` refuses.
pub(crate) struct SqlMigration {
    pub name: &'static str,
    pub up: &'static str,
}

impl MigrationName for SqlMigration {
    fn name(&self) -> &str {
        self.name
    }
}

#[async_trait::async_trait]
impl MigrationTrait for SqlMigration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared(self.up).await?;
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(format!(
            "{} is forward-only; write a new migration instead",
            self.name
        )))
    }
}
