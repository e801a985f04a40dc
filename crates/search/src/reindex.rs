//! Full rebuild of one tenant's index: every live person and organization into a fresh index,
//! then an atomic switch (Meilisearch: index swap; in-database: one transaction). Draining
//! pauses meanwhile (the reindex holds the drain lock); changes made during the rebuild wait in
//! the outbox and are applied after it.

use std::time::{Duration, Instant};

use kartei_core::id::TenantId;
use kartei_tenancy::db::Db;
use kartei_tenancy::tenants::stmt;
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

use crate::Result;
use crate::backend::Backend;
use crate::document;
use crate::outbox::LOCK_KEY;

/// Records read per step.
const STEP: u64 = 5000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
}

#[derive(Debug, Clone, Copy)]
pub struct Reindexed {
    pub documents: u64,
    pub took: Duration,
}

#[derive(FromQueryResult)]
struct Total {
    n: i64,
}

pub async fn reindex(
    db: &Db,
    tenant: TenantId,
    backend: &dyn Backend,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Reindexed> {
    let started = Instant::now();
    let tx = db.begin_tenant(tenant).await?;
    tx.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({LOCK_KEY})"))
        .await?;
    let total = Total::find_by_statement(stmt(
        "SELECT ((SELECT count(*) FROM persons WHERE archived_at IS NULL AND merged_into IS NULL) \
               + (SELECT count(*) FROM organizations WHERE archived_at IS NULL AND merged_into IS NULL))::bigint AS n",
        vec![],
    ))
    .one(&*tx)
    .await?
    .map_or(0, |t| t.n.max(0) as u64);
    backend.reindex_begin(&tx).await?;
    let mut done = 0u64;
    progress(Progress { done, total });
    let mut after = Uuid::nil();
    loop {
        let docs = document::persons_after(&tx, after, STEP).await?;
        let Some(last) = docs.last() else { break };
        after = last.id;
        backend.reindex_put(&tx, &docs).await?;
        done += docs.len() as u64;
        progress(Progress { done, total });
    }
    let mut after = Uuid::nil();
    loop {
        let docs = document::organizations_after(&tx, after, STEP).await?;
        let Some(last) = docs.last() else { break };
        after = last.id;
        backend.reindex_put(&tx, &docs).await?;
        done += docs.len() as u64;
        progress(Progress { done, total });
    }
    backend.reindex_commit(&tx).await?;
    tx.execute_unprepared("UPDATE search_state SET reindexed_at = now()")
        .await?;
    tx.commit().await?;
    // The in-database index was rewritten: statistics for its queries.
    let tx = db.begin_tenant(tenant).await?;
    tx.execute_unprepared("ANALYZE search_documents, search_words")
        .await?;
    tx.commit().await?;
    Ok(Reindexed {
        documents: done,
        took: started.elapsed(),
    })
}
