//! Bulk mode: a large import into a tenant that holds fewer persons than the import still has
//! to load builds the secondary indexes of `persons` (and the links' index by organization)
//! once after the load, as `pg_restore` does, instead of maintaining each of them row by row
//! (4-7 µs per row and index; a million-row import 8 % faster end to end: `BENCHMARKS.md`).
//!
//! The indexes dropped are recorded on the import in the transaction that drops them, so
//! whatever happens the import is never left without knowing what to build: the run builds
//! them again when it ends — completed, cancelled or failed — and so does a worker taking the
//! job over from a dead one (it goes on in bulk mode and builds them at its end) or giving it
//! up (`abandon`). Indexes that stay are the ones the import itself reads (matching, duplicate
//! warnings) and the unique ones (the primary key, `external_id`): what an import writes and
//! reports is the same in both modes.
//!
//! Meanwhile the tenant's other reads of `persons` by name, date or tag scan the table, and
//! while each index is built (seconds at a million rows) writes to `persons` wait for it. Only
//! this tenant's schema is touched.

use kartei_core::id::TenantId;
use kartei_tenancy::db::Db;
use kartei_tenancy::tenants::stmt;
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

use crate::error::Result;
use crate::sql::text_array;

/// An import with fewer rows to go loads row by row (the default of `import.bulk_min_rows`).
pub const MIN_ROWS: i64 = 100_000;

/// The secondary indexes a bulk import leaves to be built after the load. Not
/// here: the primary key and `external_id` (unique: matching and integrity), the e-mail index
/// when the import matches on e-mail, and the partial indexes of states an import never sets
/// (erasure, restriction, unconfirmed), which stay empty and cost nothing.
const DEFERRABLE: &[&str] = &[
    "persons_name_key_idx",
    "persons_created_idx",
    "persons_email_idx",
    "persons_mobile_idx",
    "persons_last_interaction_idx",
    "persons_last_purchase_idx",
    "persons_lifecycle_idx",
    "persons_postal_code_idx",
    "persons_birthday_month_idx",
    "persons_tags_idx",
    // The links' index by organization (an organization's people); the import reads links by
    // person.
    "person_organizations_org_idx",
];

/// Memory each index build may sort in (one build at a time per import).
const BUILD_MEMORY: &str = "256MB";

#[derive(FromQueryResult)]
struct Deferred {
    deferred_indexes: Option<Vec<String>>,
}

/// The definitions of the indexes the import deferred; none when it is not in bulk mode.
async fn deferred(db: &Db, tenant: TenantId, id: Uuid) -> Result<Option<Vec<String>>> {
    let tx = db.begin_tenant(tenant).await?;
    let d = Deferred::find_by_statement(stmt(
        "SELECT deferred_indexes FROM imports WHERE id = $1",
        vec![id.into()],
    ))
    .one(&*tx)
    .await?;
    tx.commit().await?;
    Ok(d.and_then(|d| d.deferred_indexes))
}

/// Whether the import runs in bulk mode: it did already (a resumed run goes on so), or it has
/// at least `min_rows` rows to go (0: never) and at least as many as the tenant has persons,
/// and the indexes could be dropped now. `match_email`: the import looks persons up by e-mail.
pub(crate) async fn begin(
    db: &Db,
    tenant: TenantId,
    id: Uuid,
    (rows_to_go, min_rows): (i64, i64),
    match_email: bool,
) -> Result<bool> {
    if deferred(db, tenant, id).await?.is_some() {
        return Ok(true);
    }
    if min_rows <= 0 || rows_to_go < min_rows {
        return Ok(false);
    }
    let tx = db.begin_tenant(tenant).await?;
    let persons: i64 = tx
        .query_one_raw(stmt("SELECT count(*) AS n FROM persons", vec![]))
        .await?
        .map(|r| r.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0);
    if persons > rows_to_go {
        return Ok(false);
    }
    // Dropping an index waits for every reader of the table; a long export or report would hold
    // the import (and, queued behind it, every new reader). Two seconds, else row by row.
    tx.execute_unprepared("SET LOCAL lock_timeout = '2s'")
        .await?;
    match tx
        .execute_unprepared("LOCK TABLE persons, person_organizations IN ACCESS EXCLUSIVE MODE")
        .await
    {
        Ok(_) => {}
        Err(e) if kartei_tenancy::error::is_lock_timeout(&e) => {
            tracing::info!(import_id = %id, "persons busy: the import loads row by row");
            return Ok(false);
        }
        Err(e) => return Err(e.into()),
    }
    let names: Vec<Option<String>> = DEFERRABLE
        .iter()
        .filter(|n| !(match_email && **n == "persons_email_idx"))
        .map(|n| Some((*n).to_owned()))
        .collect();
    let defs = IndexDef::find_by_statement(stmt(
        "SELECT c.relname AS name, pg_get_indexdef(c.oid) AS def \
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
         WHERE i.indrelid IN ('persons'::regclass, 'person_organizations'::regclass) \
           AND c.relname = ANY($1) ORDER BY c.relname",
        vec![text_array(names)],
    ))
    .all(&*tx)
    .await?;
    if defs.is_empty() {
        // Another bulk import of this tenant dropped them; it builds them at its end.
        return Ok(false);
    }
    for d in &defs {
        // The names come from the catalog (and from `DEFERRABLE`), never from input.
        tx.execute_unprepared(&format!("DROP INDEX \"{}\"", d.name))
            .await?;
    }
    tx.execute_raw(stmt(
        "UPDATE imports SET deferred_indexes = $2 WHERE id = $1",
        vec![
            id.into(),
            text_array(defs.iter().map(|d| Some(d.def.clone())).collect()),
        ],
    ))
    .await?;
    tx.commit().await?;
    tracing::info!(import_id = %id, indexes = defs.len(), rows_to_go, "import in bulk mode: the persons' secondary indexes are built after the load");
    Ok(true)
}

#[derive(FromQueryResult)]
struct IndexDef {
    name: String,
    def: String,
}

/// Builds what the import deferred, each index in its own transaction (one a crash interrupted
/// is built again, one already there is skipped), and clears the record. Returns whether the
/// import was in bulk mode.
pub(crate) async fn finish(db: &Db, tenant: TenantId, id: Uuid) -> Result<bool> {
    let Some(defs) = deferred(db, tenant, id).await? else {
        return Ok(false);
    };
    let started = std::time::Instant::now();
    for def in &defs {
        let Some(rest) = def.strip_prefix("CREATE INDEX ") else {
            tracing::warn!(import_id = %id, def, "not an index definition; left alone");
            continue;
        };
        let tx = db.begin_tenant(tenant).await?;
        tx.execute_unprepared(&format!(
            "SET LOCAL maintenance_work_mem = '{BUILD_MEMORY}'; CREATE INDEX IF NOT EXISTS {rest}"
        ))
        .await?;
        tx.commit().await?;
    }
    let tx = db.begin_tenant(tenant).await?;
    tx.execute_raw(stmt(
        "UPDATE imports SET deferred_indexes = NULL WHERE id = $1",
        vec![id.into()],
    ))
    .await?;
    tx.commit().await?;
    tracing::info!(import_id = %id, indexes = defs.len(), took = ?started.elapsed(), "bulk import: indexes built");
    Ok(true)
}

/// For a worker giving the import's job up: builds what it deferred, so the tenant is never
/// left without its indexes.
pub async fn abandon(db: &Db, tenant: TenantId, id: Uuid) -> Result<()> {
    finish(db, tenant, id).await.map(|_| ())
}
