//! The platform job queue: background work of every tenant (imports today; reindexing and
//! campaign sends later) in `platform.jobs`. Enqueued inside the tenant transaction that
//! creates the work, claimed with `FOR UPDATE SKIP LOCKED`, kept alive by heartbeats; a job
//! whose worker died is claimed again after the worker's `stale_after` and resumes from its own
//! checkpoint. Handlers must therefore be idempotent per checkpoint.
//!
//! A worker locks jobs as `<name>#<incarnation>:<slot>`. A worker that starts under a name
//! releases the jobs its dead predecessor of the same name still holds ([`release_dead`]), so a
//! restarted worker resumes them at once instead of after `stale_after`. A takeover is not a
//! failed attempt: `attempts` counts failures, `takeovers` dead workers.

use chrono::{DateTime, Utc};
use kartei_core::id::TenantId;
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

use crate::db::{Db, TenantTx};
use crate::error::Result;
use crate::tenants::stmt;

/// Attempts before a job that keeps failing is given up.
pub const MAX_ATTEMPTS: i32 = 5;
/// Takeovers before a job whose workers keep dying under it is given up (a job that crashes
/// every process that runs it must not take the workers down forever).
pub const MAX_TAKEOVERS: i32 = 25;

#[derive(Debug, Clone, FromQueryResult)]
pub struct Job {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub kind: String,
    pub subject_id: Uuid,
    /// Failed attempts before this one.
    pub attempts: i32,
    /// Times the job was taken over from a worker that died (this claim included).
    pub takeovers: i32,
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
/// `stale_after_secs`, i.e. its worker died; that counts as a takeover, not an attempt).
pub async fn claim(db: &Db, worker: &str, stale_after_secs: u64) -> Result<Option<Job>> {
    Ok(Job::find_by_statement(stmt(
        "UPDATE platform.jobs SET takeovers = takeovers + (status = 'running')::int, \
             status = 'running', locked_by = $1, heartbeat_at = now() \
         WHERE id = (SELECT j.id FROM platform.jobs j JOIN platform.tenants t ON t.id = j.tenant_id \
                     WHERE t.status = 'active' AND j.run_after <= now() \
                       AND (j.status = 'queued' OR (j.status = 'running' \
                            AND j.heartbeat_at < now() - make_interval(secs => $2))) \
                     ORDER BY j.run_after, j.created_at LIMIT 1 FOR UPDATE OF j SKIP LOCKED) \
         RETURNING id, tenant_id, kind, subject_id, attempts, takeovers, created_at",
        vec![worker.into(), (stale_after_secs as f64).into()],
    ))
    .one(db.platform())
    .await?)
}

/// Makes the jobs that an earlier process of worker `name` still holds (it died: a worker
/// name runs in one process at a time) ready to be taken over now, instead of after the stale
/// window. `incarnation` is this process's; returns how many jobs were released.
pub async fn release_dead(db: &Db, name: &str, incarnation: &str) -> Result<u64> {
    Ok(db
        .platform()
        .execute_raw(stmt(
            "UPDATE platform.jobs SET heartbeat_at = '-infinity' \
             WHERE status = 'running' AND split_part(locked_by, '#', 1) = $1 \
               AND split_part(split_part(locked_by, '#', 2), ':', 1) <> $2",
            vec![name.into(), incarnation.into()],
        ))
        .await?
        .rows_affected())
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
    let give_up = job.attempts + 1 >= MAX_ATTEMPTS;
    db.platform()
        .execute_raw(stmt(
            "UPDATE platform.jobs SET status = CASE WHEN $2 THEN 'failed' ELSE 'queued' END, \
                 attempts = attempts + 1, last_error = $3, locked_by = NULL, \
                 run_after = now() + make_interval(secs => power(2, attempts + 1)::float8 * 5), \
                 finished_at = CASE WHEN $2 THEN now() END \
             WHERE id = $1",
            vec![job.id.into(), give_up.into(), error.into()],
        ))
        .await?;
    Ok(give_up)
}

/// Gives a job up for good (its workers kept dying under it).
pub async fn give_up(db: &Db, job: &Job, error: &str) -> Result<()> {
    db.platform()
        .execute_raw(stmt(
            "UPDATE platform.jobs SET status = 'failed', last_error = $2, locked_by = NULL, \
                 finished_at = now() WHERE id = $1",
            vec![job.id.into(), error.into()],
        ))
        .await?;
    Ok(())
}
