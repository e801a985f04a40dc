//! The platform job queue: background work of every tenant (imports today; reindexing and
//! campaign sends later) in `platform.jobs`. Enqueued inside the tenant transaction that
//! creates the work, claimed with `FOR UPDATE SKIP LOCKED`, kept alive by heartbeats; a job
//! whose worker died is claimed again after the worker's `stale_after` and resumes from its own
//! checkpoint. Handlers must therefore be idempotent per checkpoint.

use chrono::{DateTime, Utc};
use kartei_core::id::TenantId;
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

use crate::db::{Db, TenantTx};
use crate::error::Result;
use crate::tenants::stmt;

/// Attempts before a job that keeps failing is given up.
pub const MAX_ATTEMPTS: i32 = 5;

#[derive(Debug, Clone, FromQueryResult)]
pub struct Job {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub kind: String,
    pub subject_id: Uuid,
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
}

impl Job {
    pub fn tenant(&self) -> TenantId {
        TenantId(self.tenant_id)
    }
}

/// Enqueues in the caller's tenant transaction: the job exists iff the work row does.
pub async fn enqueue(tx: &TenantTx, kind: &str, subject_id: Uuid) -> Result<Uuid> {
    let id = Uuid::now_v7();
    tx.execute_raw(stmt(
        "INSERT INTO platform.jobs (id, tenant_id, kind, subject_id) VALUES ($1, $2, $3, $4)",
        vec![
            id.into(),
            tx.tenant().0.into(),
            kind.into(),
            subject_id.into(),
        ],
    ))
    .await?;
    Ok(id)
}

/// Enqueues to run no earlier than `run_after`, unless the same kind of job for the same
/// subject is already waiting (periodic work schedules its next run this way).
pub async fn enqueue_after(
    tx: &TenantTx,
    kind: &str,
    subject_id: Uuid,
    run_after: DateTime<Utc>,
) -> Result<bool> {
    let res = tx
        .execute_raw(stmt(
            "INSERT INTO platform.jobs (id, tenant_id, kind, subject_id, run_after) \
             SELECT $1, $2, $3, $4, $5 WHERE NOT EXISTS (SELECT 1 FROM platform.jobs \
                 WHERE tenant_id = $2 AND kind = $3 AND subject_id = $4 AND status = 'queued')",
            vec![
                Uuid::now_v7().into(),
                tx.tenant().0.into(),
                kind.into(),
                subject_id.into(),
                run_after.into(),
            ],
        ))
        .await?;
    Ok(res.rows_affected() > 0)
}

/// Claims the oldest ready job (queued, or running with a heartbeat older than
/// `stale_after_secs`, i.e. its worker died).
pub async fn claim(db: &Db, worker: &str, stale_after_secs: u64) -> Result<Option<Job>> {
    Ok(Job::find_by_statement(stmt(
        "UPDATE platform.jobs SET status = 'running', attempts = attempts + 1, locked_by = $1, \
             heartbeat_at = now() \
         WHERE id = (SELECT j.id FROM platform.jobs j JOIN platform.tenants t ON t.id = j.tenant_id \
                     WHERE t.status = 'active' AND j.run_after <= now() \
                       AND (j.status = 'queued' OR (j.status = 'running' \
                            AND j.heartbeat_at < now() - make_interval(secs => $2))) \
                     ORDER BY j.run_after, j.created_at LIMIT 1 FOR UPDATE OF j SKIP LOCKED) \
         RETURNING id, tenant_id, kind, subject_id, attempts, created_at",
        vec![worker.into(), (stale_after_secs as f64).into()],
    ))
    .one(db.platform())
    .await?)
}

pub async fn heartbeat(db: &Db, job: Uuid, worker: &str) -> Result<()> {
    db.platform()
        .execute_raw(stmt(
            "UPDATE platform.jobs SET heartbeat_at = now() WHERE id = $1 AND locked_by = $2",
            vec![job.into(), worker.into()],
        ))
        .await?;
    Ok(())
}

pub async fn finish(db: &Db, job: Uuid) -> Result<()> {
    db.platform()
        .execute_raw(stmt(
            "UPDATE platform.jobs SET status = 'done', finished_at = now(), locked_by = NULL \
             WHERE id = $1",
            vec![job.into()],
        ))
        .await?;
    Ok(())
}

/// Removes a finished job whose record nobody needs (frequent housekeeping jobs).
pub async fn discard(db: &Db, job: Uuid) -> Result<()> {
    db.platform()
        .execute_raw(stmt(
            "DELETE FROM platform.jobs WHERE id = $1",
            vec![job.into()],
        ))
        .await?;
    Ok(())
}

/// Records a failure: retried with exponential backoff until [`MAX_ATTEMPTS`], then failed.
/// Returns whether the job was given up.
pub async fn fail(db: &Db, job: &Job, error: &str) -> Result<bool> {
    let give_up = job.attempts >= MAX_ATTEMPTS;
    db.platform()
        .execute_raw(stmt(
            "UPDATE platform.jobs SET status = CASE WHEN $2 THEN 'failed' ELSE 'queued' END, \
                 last_error = $3, locked_by = NULL, \
                 run_after = now() + make_interval(secs => power(2, attempts)::float8 * 5), \
                 finished_at = CASE WHEN $2 THEN now() END \
             WHERE id = $1",
            vec![job.id.into(), give_up.into(), error.into()],
        ))
        .await?;
    Ok(give_up)
}
