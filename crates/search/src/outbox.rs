//! The outbox indexer. Triggers (migrations `t0005_search`, `t0010_written_once`) write
//! `person.changed`, `organization.created`, `organization.changed` (and erasure
//! `person.erased`) rows into the tenant's `outbox` in the data's own transaction, and ask for
//! a `search.drain` job. [`drain`] takes batches with `FOR UPDATE SKIP LOCKED`, together with
//! every later pending row of the same subjects, loads the current state of each subject (a
//! record that is gone, archived or merged is deleted from the index), applies it, and deletes
//! the rows in the same transaction. Applying current state makes it idempotent; one drainer
//! per tenant at a time (an advisory lock) keeps an older state from overtaking a newer one.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use kartei_core::id::TenantId;
use kartei_tenancy::db::{Db, TenantTx};
use kartei_tenancy::tenants::stmt;
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

use crate::backend::Backend;
use crate::document::{self, uuid_array};
use crate::{Error, Result};

/// The platform job that drains a tenant's outbox.
pub const DRAIN_JOB: &str = "search.drain";
/// The platform job that rebuilds a tenant's index.
pub const REINDEX_JOB: &str = "search.reindex";
/// Outbox rows per batch.
pub const BATCH: u64 = 1000;
/// Longest pause between retries while the engine is failing.
pub const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// The lock that keeps one drainer (or a reindex) per tenant.
pub(crate) const LOCK_KEY: &str = "hashtext(current_schema() || ':search.drain')";
/// Held shared by every writer from its wake-up of the indexer to its commit
/// (`outbox_wake_now()`, migration `t0013_wake_lock`).
const WAKE_KEY: &str = "hashtext(current_schema() || ':search.wake')";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drained {
    /// The outbox is empty; `applied` changes were applied in `batches` batches.
    Done { applied: u64, batches: u32 },
    /// Another drainer or a reindex holds the tenant, or a writer whose wake-up this drain may
    /// have answered has not committed yet; try again shortly.
    Busy,
    /// The engine failed; retry after `retry_in`.
    Failed { error: String, retry_in: Duration },
}

#[derive(FromQueryResult)]
struct OutboxRow {
    id: i64,
    topic: String,
    subject_id: Uuid,
}

#[derive(FromQueryResult)]
struct Flag {
    ok: bool,
}

#[derive(FromQueryResult)]
struct PersonId {
    person_id: Uuid,
}

async fn try_lock(tx: &TenantTx) -> Result<bool> {
    try_xact_lock(tx, LOCK_KEY).await
}

async fn try_xact_lock(tx: &TenantTx, key: &str) -> Result<bool> {
    Ok(Flag::find_by_statement(stmt(
        &format!("SELECT pg_try_advisory_xact_lock({key}) AS ok"),
        vec![],
    ))
    .one(&**tx)
    .await?
    .is_some_and(|f| f.ok))
}

/// Outbox rows in one drain above which the index's tables are analyzed at its end.
const ANALYZE_AFTER_ROWS: u64 = 10_000;

/// Rows of a running import above which the tenant's index waits for the import to finish:
/// indexing a large list while it is written would take half the machine from the import and
/// index many people twice (once written, once linked to their organization); the drainer
/// catches up right after, in large batches.
pub const DEFER_FOR_IMPORT_ROWS: i64 = 50_000;

async fn bulk_import_running(tx: &TenantTx) -> Result<bool> {
    Ok(Flag::find_by_statement(stmt(
        "SELECT EXISTS (SELECT 1 FROM imports WHERE status = 'running' AND NOT dry_run \
                AND rows_total > $1) AS ok",
        vec![DEFER_FOR_IMPORT_ROWS.into()],
    ))
    .one(&**tx)
    .await?
    .is_some_and(|f| f.ok))
}

/// Drains `tenant`'s outbox into `backend` until it is empty, the engine fails, or another
/// drainer holds the tenant. `progress` gets the running count after each batch.
pub async fn drain(
    db: &Db,
    tenant: TenantId,
    backend: &dyn Backend,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Drained> {
    let mut applied = 0u64;
    let mut batches = 0u32;
    loop {
        let tx = db.begin_tenant(tenant).await?;
        if !try_lock(&tx).await? || bulk_import_running(&tx).await? {
            return Ok(Drained::Busy);
        }
        // Each batch's statements are planned for the tables as they are now: a plan cached
        // while `search_documents` was empty (a sequential scan) would stay in use as a drain
        // after a large import grows it to millions of rows.
        tx.execute_unprepared("SET LOCAL plan_cache_mode = force_custom_plan")
            .await?;
        let mut rows = OutboxRow::find_by_statement(stmt(
            "SELECT id, topic, subject_id FROM outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
            vec![(BATCH as i64).into()],
        ))
        .all(&*tx)
        .await?;
        if rows.is_empty() {
            // A writer whose wake-up attached to the job this drain runs for (it was still
            // waiting when the writer asked) may not have committed: its rows are invisible
            // here, and no other job waits for them. Such writers hold the wake lock shared
            // until they commit, so the drain ends only once it holds that lock and the
            // outbox is still empty; otherwise it runs again shortly.
            if !try_xact_lock(&tx, WAKE_KEY).await? {
                return Ok(Drained::Busy);
            }
            let late = OutboxRow::find_by_statement(stmt(
                "SELECT id, topic, subject_id FROM outbox LIMIT 1",
                vec![],
            ))
            .one(&*tx)
            .await?;
            if late.is_some() {
                tx.commit().await?;
                continue;
            }
            tx.execute_unprepared(
                "UPDATE search_state SET last_drained_at = now(), failures = 0, last_error = NULL",
            )
            .await?;
            if applied >= ANALYZE_AFTER_ROWS {
                tx.execute_unprepared("ANALYZE search_documents, search_words")
                    .await?;
            }
            tx.commit().await?;
            return Ok(Drained::Done { applied, batches });
        }
        // Later changes of the same subjects, committed before this statement, are answered
        // by the documents loaded below: claim them too, so no document is built twice.
        let after = rows.iter().map(|r| r.id).max().unwrap_or(0);
        let first: BTreeSet<Uuid> = rows.iter().map(|r| r.subject_id).collect();
        claim_subjects(
            &tx,
            &mut rows,
            after,
            &first.into_iter().collect::<Vec<_>>(),
        )
        .await?;
        let mut persons = BTreeSet::new();
        let mut orgs = BTreeSet::new();
        let mut changed_orgs = BTreeSet::new();
        for r in &rows {
            if r.topic == "organization.created" {
                orgs.insert(r.subject_id);
            } else if r.topic.starts_with("organization.") {
                orgs.insert(r.subject_id);
                changed_orgs.insert(r.subject_id);
            } else {
                persons.insert(r.subject_id);
            }
        }
        let org_ids: Vec<Uuid> = orgs.into_iter().collect();
        if !changed_orgs.is_empty() {
            // Their people show the organization's name and industry (a new organization's
            // people are queued by their links).
            let changed: Vec<Uuid> = changed_orgs.into_iter().collect();
            let people: Vec<Uuid> = PersonId::find_by_statement(stmt(
                "SELECT DISTINCT person_id FROM person_organizations WHERE organization_id = ANY($1)",
                vec![uuid_array(&changed)],
            ))
            .all(&*tx)
            .await?
            .into_iter()
            .map(|p| p.person_id)
            .filter(|p| !persons.contains(p))
            .collect();
            let claimed: BTreeSet<i64> = rows.iter().map(|r| r.id).collect();
            let mut more = Vec::new();
            claim_subjects(&tx, &mut more, after, &people).await?;
            rows.extend(more.into_iter().filter(|r| !claimed.contains(&r.id)));
            persons.extend(people);
        }
        let person_ids: Vec<Uuid> = persons.into_iter().collect();
        let mut docs = document::persons(&tx, &person_ids).await?;
        docs.extend(document::organizations(&tx, &org_ids).await?);
        let live: BTreeSet<Uuid> = docs.iter().map(|d| d.id).collect();
        let deletes: Vec<Uuid> = person_ids
            .iter()
            .chain(org_ids.iter())
            .filter(|id| !live.contains(id))
            .copied()
            .collect();

        if let Err(e) = backend.apply(&tx, &docs, &deletes).await {
            drop(tx);
            let retry_in = record_failure(db, tenant, &e).await?;
            return Ok(Drained::Failed {
                error: e.to_string(),
                retry_in,
            });
        }
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        tx.execute_raw(stmt(
            "DELETE FROM outbox WHERE id = ANY($1)",
            vec![bigint_array(&ids)],
        ))
        .await?;
        tx.execute_raw(stmt(
            "UPDATE search_state SET last_drained_at = now(), failures = 0, last_error = NULL, \
             drained_total = drained_total + $1",
            vec![(rows.len() as i64).into()],
        ))
        .await?;
        tx.commit().await?;
        applied += rows.len() as u64;
        batches += 1;
        progress(applied);
    }
}

/// Adds to `rows` the later pending rows of `subjects` (past the batch's first `BATCH` rows,
/// which are the oldest unlocked ones; a row that commits later with a lower id waits for the
/// next batch).
async fn claim_subjects(
    tx: &TenantTx,
    rows: &mut Vec<OutboxRow>,
    after: i64,
    subjects: &[Uuid],
) -> Result<()> {
    if subjects.is_empty() {
        return Ok(());
    }
    rows.extend(
        OutboxRow::find_by_statement(stmt(
            "SELECT id, topic, subject_id FROM outbox \
             WHERE subject_id = ANY($1) AND id > $2 FOR UPDATE SKIP LOCKED",
            vec![uuid_array(subjects), after.into()],
        ))
        .all(&**tx)
        .await?,
    );
    Ok(())
}

fn bigint_array(ids: &[i64]) -> sea_orm::Value {
    sea_orm::Value::Array(
        sea_orm::sea_query::ArrayType::BigInt,
        Some(Box::new(ids.iter().map(|&i| i.into()).collect())),
    )
}

/// Records an engine failure; returns how long to wait before the next attempt (doubling per
/// consecutive failure, at most [`MAX_BACKOFF`]).
async fn record_failure(db: &Db, tenant: TenantId, e: &Error) -> Result<Duration> {
    #[derive(FromQueryResult)]
    struct Failures {
        failures: i32,
    }
    let tx = db.begin_tenant(tenant).await?;
    let f = Failures::find_by_statement(stmt(
        "UPDATE search_state SET failures = failures + 1, last_error = $1, last_error_at = now() \
         RETURNING failures",
        vec![e.to_string().chars().take(2000).collect::<String>().into()],
    ))
    .one(&*tx)
    .await?
    .map_or(1, |f| f.failures);
    tx.commit().await?;
    Ok(backoff(f))
}

/// 1 s, 2 s, 4 s, … up to [`MAX_BACKOFF`].
pub fn backoff(failures: i32) -> Duration {
    let exp = failures.clamp(1, 16) - 1;
    Duration::from_secs(1u64 << exp).min(MAX_BACKOFF)
}

/// Asks for a drain of `tenant` no earlier than `after` from now (one waiting drain per
/// tenant; an earlier waiting one stays).
pub async fn schedule(db: &Db, tenant: TenantId, after: Duration) -> Result<()> {
    let tx = db.begin_tenant(tenant).await?;
    tx.execute_raw(stmt(
        "INSERT INTO platform.jobs (id, tenant_id, kind, subject_id, run_after) \
         VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5)) \
         ON CONFLICT (tenant_id) WHERE kind = 'search.drain' AND status = 'queued' DO NOTHING",
        vec![
            Uuid::now_v7().into(),
            tenant.0.into(),
            DRAIN_JOB.into(),
            Uuid::nil().into(),
            after.as_secs_f64().into(),
        ],
    ))
    .await?;
    tx.commit().await?;
    Ok(())
}

/// How far the index is behind the data.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Status {
    /// Changes waiting in the outbox.
    pub pending: i64,
    pub oldest_pending_at: Option<DateTime<Utc>>,
    /// Age of the oldest waiting change, in seconds (0 when none waits).
    pub lag_seconds: f64,
    pub last_drained_at: Option<DateTime<Utc>>,
    pub drained_total: i64,
    /// Consecutive failed attempts.
    pub failures: i32,
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
    pub reindexed_at: Option<DateTime<Utc>>,
    pub documents: i64,
}

pub async fn status(tx: &TenantTx) -> Result<Status> {
    Status::find_by_statement(stmt(
        "SELECT o.pending, o.oldest AS oldest_pending_at, \
                COALESCE(extract(epoch FROM now() - o.oldest), 0)::float8 AS lag_seconds, \
                s.last_drained_at, s.drained_total, s.failures, s.last_error, s.last_error_at, \
                s.reindexed_at, (SELECT count(*) FROM search_documents)::bigint AS documents \
         FROM search_state s, \
              (SELECT count(*)::bigint AS pending, \
                      (SELECT created_at FROM outbox ORDER BY id LIMIT 1) AS oldest FROM outbox) o",
        vec![],
    ))
    .one(&**tx)
    .await?
    .ok_or_else(|| Error::Engine("search_state row missing".into()))
}

/// Drains until the outbox is empty or `limit` passes, waiting out busy periods; for tests and
/// the CLI.
pub async fn drain_until_empty(
    db: &Db,
    tenant: TenantId,
    backend: &dyn Backend,
    limit: Duration,
) -> Result<Drained> {
    let started = Instant::now();
    loop {
        match drain(db, tenant, backend, &|_| {}).await? {
            Drained::Busy if started.elapsed() < limit => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            other => return Ok(other),
        }
    }
}
