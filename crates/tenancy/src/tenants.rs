//! Tenant rows in `platform.tenants` and their schemas: create (atomically with the schema and all
//! tenant migrations), rename, suspend, resume, delete.

use chrono::{DateTime, Utc};
use kartei_core::id::{AgencyId, TenantId};
use kartei_core::validate::{Name, Slug};
use kartei_migrations::TenantMigrator;
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, FromQueryResult, Statement, Value};
use sea_orm_migration::MigratorTrait;
use uuid::Uuid;

use crate::db::set_tenant_search_path;
use crate::error::{Error, Result, is_unique_violation};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TenantStatus {
    Active,
    Suspended,
}

impl TenantStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TenantStatus::Active => "active",
            TenantStatus::Suspended => "suspended",
        }
    }

    fn parse(s: &str) -> Self {
        if s == "suspended" {
            TenantStatus::Suspended
        } else {
            TenantStatus::Active
        }
    }
}

#[derive(Debug, Clone)]
pub struct Tenant {
    pub id: TenantId,
    pub agency_id: AgencyId,
    pub name: String,
    pub slug: String,
    pub status: TenantStatus,
    pub schema_name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, FromQueryResult)]
pub(crate) struct TenantRow {
    id: Uuid,
    agency_id: Uuid,
    name: String,
    slug: String,
    status: String,
    schema_name: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<TenantRow> for Tenant {
    fn from(r: TenantRow) -> Self {
        Tenant {
            id: TenantId(r.id),
            agency_id: AgencyId(r.agency_id),
            name: r.name,
            slug: r.slug,
            status: TenantStatus::parse(&r.status),
            schema_name: r.schema_name,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// The column list every tenant query selects, in [`TenantRow`] order.
pub const TENANT_COLUMNS: &str =
    "id, agency_id, name, slug, status, schema_name, created_at, updated_at";

pub fn stmt(sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}

/// Maps rows selected with [`TENANT_COLUMNS`] (for callers that build their own filters).
pub async fn query_tenants(
    conn: &impl ConnectionTrait,
    sql: &str,
    values: Vec<Value>,
) -> Result<Vec<Tenant>> {
    let rows = TenantRow::find_by_statement(stmt(sql, values))
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(Tenant::from).collect())
}

pub async fn get(conn: &impl ConnectionTrait, id: TenantId) -> Result<Option<Tenant>> {
    let sql = format!("SELECT {TENANT_COLUMNS} FROM platform.tenants WHERE id = $1");
    Ok(query_tenants(conn, &sql, vec![id.0.into()]).await?.pop())
}

/// Inserts the tenant row, creates its schema and applies every tenant migration, all inside
/// the caller's transaction: if anything after this fails, the rollback removes the schema and
/// the row together (Postgres DDL is transactional).
pub async fn create(
    txn: &DatabaseTransaction,
    agency: AgencyId,
    name: &Name,
    slug: &Slug,
) -> Result<Tenant> {
    let id = TenantId::new();
    let schema = id.schema_name();
    let sql = format!(
        "INSERT INTO platform.tenants (id, agency_id, name, slug, schema_name) \
         VALUES ($1, $2, $3, $4, $5) RETURNING {TENANT_COLUMNS}"
    );
    let values = vec![
        id.0.into(),
        agency.0.into(),
        name.as_str().into(),
        slug.as_str().into(),
        schema.clone().into(),
    ];
    // No pre-check for a taken slug (it would race); the unique violation is mapped instead.
    let row = TenantRow::find_by_statement(stmt(&sql, values))
        .one(txn)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                Error::Conflict(format!("slug '{}' is already used", slug.as_str()))
            } else {
                Error::from(e)
            }
        })?
        .ok_or(Error::NotFound("tenant"))?;
    txn.execute_unprepared(&format!("CREATE SCHEMA {schema}"))
        .await?;
    set_tenant_search_path(txn, id).await?;
    TenantMigrator::up(txn, None)
        .await
        .map_err(|source| Error::Migration {
            schema: schema.clone(),
            source,
        })?;
    txn.execute_unprepared("SET LOCAL search_path TO DEFAULT")
        .await?;
    Ok(row.into())
}

pub async fn rename(conn: &impl ConnectionTrait, id: TenantId, name: &Name) -> Result<Tenant> {
    let sql = format!(
        "UPDATE platform.tenants SET name = $2, updated_at = now() WHERE id = $1 \
         RETURNING {TENANT_COLUMNS}"
    );
    query_tenants(conn, &sql, vec![id.0.into(), name.as_str().into()])
        .await?
        .pop()
        .ok_or(Error::NotFound("tenant"))
}

pub async fn set_status(
    conn: &impl ConnectionTrait,
    id: TenantId,
    status: TenantStatus,
) -> Result<Tenant> {
    let sql = format!(
        "UPDATE platform.tenants SET status = $2, updated_at = now() WHERE id = $1 \
         RETURNING {TENANT_COLUMNS}"
    );
    query_tenants(conn, &sql, vec![id.0.into(), status.as_str().into()])
        .await?
        .pop()
        .ok_or(Error::NotFound("tenant"))
}

/// Drops the tenant's schema with all its data and removes the row (memberships and API keys
/// cascade). The caller writes the audit record in the same transaction.
pub async fn delete(txn: &DatabaseTransaction, id: TenantId) -> Result<()> {
    let res = txn
        .execute_raw(stmt(
            "DELETE FROM platform.tenants WHERE id = $1",
            vec![id.0.into()],
        ))
        .await?;
    if res.rows_affected() == 0 {
        return Err(Error::NotFound("tenant"));
    }
    txn.execute_unprepared(&format!(
        "DROP SCHEMA IF EXISTS {} CASCADE",
        id.schema_name()
    ))
    .await?;
    Ok(())
}

/// Whether a schema with this name exists (for tests and admin checks).
pub async fn schema_exists(conn: &impl ConnectionTrait, schema: &str) -> Result<bool> {
    let row = conn
        .query_one_raw(stmt(
            "SELECT EXISTS (SELECT 1 FROM information_schema.schemata WHERE schema_name = $1) AS e",
            vec![schema.into()],
        ))
        .await?;
    Ok(match row {
        Some(r) => r.try_get::<bool>("", "e")?,
        None => false,
    })
}
