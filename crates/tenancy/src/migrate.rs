//! `kartei migrate`: the platform schema first, then every tenant schema, each in its own
//! transaction under an advisory lock. Idempotent (applied migrations are recorded per schema in
//! that schema's `seaql_migrations`) and resumable: a crash loses at most the schema in flight,
//! whose transaction rolls back, and the next run continues from there.

use kartei_core::id::TenantId;
use kartei_migrations::{PlatformMigrator, TenantMigrator};
use sea_orm::{ConnectionTrait, FromQueryResult, TransactionTrait};
use sea_orm_migration::MigratorTrait;
use uuid::Uuid;

use crate::db::{Db, set_tenant_search_path};
use crate::error::{Error, Result};
use crate::tenants::stmt;

/// What the runner reports while it works, for a progress display.
#[derive(Debug, Clone)]
pub enum Progress {
    Platform {
        applied: usize,
    },
    Tenant {
        index: usize,
        total: usize,
        schema: String,
        applied: usize,
    },
    TenantFailed {
        index: usize,
        total: usize,
        schema: String,
        error: String,
    },
}

#[derive(Debug, Default, Clone)]
pub struct Report {
    pub platform_applied: usize,
    pub tenants_total: usize,
    pub tenants_changed: usize,
    pub migrations_applied: usize,
    pub failed: Vec<(String, String)>,
}

const PLATFORM_LOCK: i64 = 0x6b61_7274_6569; // "kartei"

/// Brings schema `platform` up to date.
pub async fn platform(db: &Db) -> Result<usize> {
    let txn = db.platform().begin().await?;
    txn.execute_raw(stmt(
        "SELECT pg_advisory_xact_lock($1)",
        vec![PLATFORM_LOCK.into()],
    ))
    .await?;
    txn.execute_unprepared("CREATE SCHEMA IF NOT EXISTS platform")
        .await?;
    txn.execute_unprepared("SET LOCAL search_path TO platform")
        .await?;
    let pending = PlatformMigrator::get_pending_migrations(&txn).await?.len();
    PlatformMigrator::up(&txn, None)
        .await
        .map_err(|source| Error::Migration {
            schema: "platform".into(),
            source,
        })?;
    txn.commit().await?;
    Ok(pending)
}

/// Brings one tenant schema up to date; returns how many migrations were applied.
pub async fn tenant(db: &Db, tenant: TenantId) -> Result<usize> {
    let schema = tenant.schema_name();
    let txn = db.platform().begin().await?;
    txn.execute_raw(stmt(
        "SELECT pg_advisory_xact_lock(hashtext($1))",
        vec![schema.clone().into()],
    ))
    .await?;
    set_tenant_search_path(&txn, tenant).await?;
    let pending = TenantMigrator::get_pending_migrations(&txn).await?.len();
    if pending > 0 {
        TenantMigrator::up(&txn, None)
            .await
            .map_err(|source| Error::Migration { schema, source })?;
    }
    txn.commit().await?;
    Ok(pending)
}

#[derive(Debug, FromQueryResult)]
struct IdRow {
    id: Uuid,
}

/// Migrates the platform schema and then every tenant schema, reporting each step.
pub async fn all(db: &Db, mut progress: impl FnMut(Progress)) -> Result<Report> {
    let platform_applied = platform(db).await?;
    progress(Progress::Platform {
        applied: platform_applied,
    });
    let ids: Vec<TenantId> = IdRow::find_by_statement(stmt(
        "SELECT id FROM platform.tenants ORDER BY created_at, id",
        vec![],
    ))
    .all(db.platform())
    .await?
    .into_iter()
    .map(|r| TenantId(r.id))
    .collect();
    let mut report = Report {
        platform_applied,
        tenants_total: ids.len(),
        ..Report::default()
    };
    let total = ids.len();
    for (i, id) in ids.into_iter().enumerate() {
        let schema = id.schema_name();
        match tenant(db, id).await {
            Ok(applied) => {
                if applied > 0 {
                    report.tenants_changed += 1;
                    report.migrations_applied += applied;
                }
                progress(Progress::Tenant {
                    index: i + 1,
                    total,
                    schema,
                    applied,
                });
            }
            Err(e @ Error::Unavailable(_)) => return Err(e),
            Err(e) => {
                progress(Progress::TenantFailed {
                    index: i + 1,
                    total,
                    schema: schema.clone(),
                    error: e.to_string(),
                });
                report.failed.push((schema, e.to_string()));
            }
        }
    }
    Ok(report)
}
