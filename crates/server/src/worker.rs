//! The background worker: claims jobs from `platform.jobs` (any tenant), runs them with a
//! heartbeat, and records the outcome. `kartei worker` runs it alone; `kartei serve` runs it
//! in-process unless `worker.in_process = false` (Helm runs separate worker Deployments).

use std::time::Duration;

use std::sync::Arc;

use kartei_compliance::links::Links;
use kartei_compliance::mail::Mailer;
use kartei_tenancy::db::Db;
use kartei_tenancy::jobs::{self, Job};

/// What jobs need besides the database.
#[derive(Debug, Clone)]
pub struct WorkerCtx {
    pub db: Db,
    pub links: Links,
    pub mailer: Mailer,
    pub search: kartei_search::Search,
    pub campaigns: kartei_campaigns::send::Sender,
    pub imports: kartei_contacts::import::run::Options,
}

#[derive(Debug, Clone)]
pub struct WorkerOptions {
    pub poll: Duration,
    pub concurrency: usize,
    /// A job whose heartbeat is older than this is taken over; heartbeats come at a quarter.
    pub stale_after: Duration,
    /// Unique among running workers (`worker.name`, else `<hostname>:<pid>`).
    pub name: String,
}

impl WorkerOptions {
    pub fn from_settings(w: &crate::settings::WorkerSettings) -> Self {
        WorkerOptions {
            poll: Duration::from_millis(w.poll_ms),
            concurrency: w.concurrency,
            stale_after: Duration::from_secs(w.stale_after_secs.max(4)),
            name: w
                .name
                .clone()
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| format!("{}:{}", hostname(), std::process::id())),
        }
    }
}

/// Runs forever (until the task is dropped), `concurrency` jobs at a time.
pub async fn run(ctx: Arc<WorkerCtx>, opts: WorkerOptions) {
    let WorkerOptions {
        poll,
        concurrency,
        stale_after,
        ref name,
    } = opts;
    // `#` and `:` separate the parts of a lock; a name keeps neither.
    let name = name.replace(['#', ':'], "-");
    let incarnation = uuid::Uuid::now_v7().simple().to_string();
    let worker_id = format!("{name}#{incarnation}");
    tracing::info!(worker = %worker_id, concurrency, "worker started");
    // Index settings are put in place here, beside the jobs, never on a search.
    {
        let ctx = ctx.clone();
        tokio::spawn(async move {
            let progress = |done: usize, total: usize, tenant, changed: bool| {
                if changed || done == total {
                    tracing::info!(done, total, tenant_id = %tenant, changed, "search setup");
                }
            };
            if let Err(e) = ctx.search.setup_all(&ctx.db, &progress).await {
                tracing::warn!(error = %e, "search setup at start-up failed; writes retry it");
            }
        });
    }
    // Jobs this name's dead predecessor held are taken over now, not after the stale window.
    loop {
        match jobs::release_dead(&ctx.db, &name, &incarnation).await {
            Ok(n) => {
                if n > 0 {
                    tracing::info!(jobs = n, worker = %name, "taking over the jobs of this worker's previous run");
                }
                break;
            }
            Err(e) => {
                tracing::warn!(error = %e, "worker: cannot reach the job queue; retrying");
                tokio::time::sleep(poll * 4).await;
            }
        }
    }
    let mut tasks = tokio::task::JoinSet::new();
    for slot in 0..concurrency.max(1) {
        let ctx = ctx.clone();
        let id = format!("{worker_id}:{slot}");
        tasks.spawn(async move {
            loop {
                match run_one(&ctx, &id, stale_after).await {
                    Ok(true) => {}
                    Ok(false) => tokio::time::sleep(poll).await,
                    Err(e) => {
                        tracing::warn!(error = %e, "worker: cannot claim jobs; retrying");
                        tokio::time::sleep(poll * 4).await;
                    }
                }
            }
        });
    }
    while tasks.join_next().await.is_some() {}
}

/// Claims and runs one job; false when none was ready.
pub async fn run_one(ctx: &WorkerCtx, worker: &str, stale_after: Duration) -> anyhow::Result<bool> {
    let db = &ctx.db;
    let Some(job) = jobs::claim(db, worker, stale_after.as_secs()).await? else {
        return Ok(false);
    };
    let span =
        tracing::info_span!("job", job_id = %job.id, kind = %job.kind, tenant_id = %job.tenant_id);
    let _enter = span.enter();
    drop(_enter);
    if job.takeovers > 0 {
        tracing::warn!(job_id = %job.id, kind = %job.kind, takeovers = job.takeovers, "taking over a job whose worker died");
    }
    if job.takeovers > jobs::MAX_TAKEOVERS {
        let why = format!(
            "given up: its worker died {} times while running it",
            job.takeovers
        );
        jobs::give_up(db, &job, &why).await?;
        tracing::error!(job_id = %job.id, kind = %job.kind, "{why}");
        // An import in bulk mode dropped indexes the dead runs meant to build at their end.
        if job.kind == kartei_contacts::import::JOB_KIND {
            kartei_contacts::import::bulk::abandon(db, job.tenant(), job.subject_id).await?;
        }
        return Ok(true);
    }
    let beat = {
        let db = db.clone();
        let (id, w) = (job.id, worker.to_owned());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(stale_after / 4).await;
                if let Err(e) = jobs::heartbeat(&db, id, &w).await {
                    tracing::warn!(error = %e, "job heartbeat failed");
                }
            }
        })
    };
    let outcome = execute(ctx, &job).await;
    beat.abort();
    match outcome {
        // Drains run after nearly every write; their rows would only pile up.
        Ok(()) if job.kind == kartei_search::outbox::DRAIN_JOB => jobs::discard(db, job.id).await?,
        Ok(()) => jobs::finish(db, job.id).await?,
        Err(e) => {
            let gave_up = jobs::fail(db, &job, &format!("{e:#}")).await?;
            tracing::error!(job_id = %job.id, error = %format!("{e:#}"), gave_up, "job failed");
        }
    }
    Ok(true)
}

async fn execute(ctx: &WorkerCtx, job: &Job) -> anyhow::Result<()> {
    let db = &ctx.db;
    match job.kind.as_str() {
        kartei_contacts::import::JOB_KIND => {
            let id = job.subject_id;
            let progress = move |p: kartei_contacts::import::run::Progress| {
                tracing::info!(import_id = %id, done = p.done, total = ?p.total, "import progress");
            };
            let imp = kartei_contacts::import::run::run(
                db,
                job.tenant(),
                id,
                &progress,
                &kartei_compliance::imports::ComplianceImportHook,
                ctx.imports,
            )
            .await?;
            tracing::info!(
                import_id = %id, status = %imp.status, created = imp.rows_created,
                updated = imp.rows_updated, unchanged = imp.rows_unchanged, failed = imp.rows_failed,
                "import finished"
            );
            Ok(())
        }
        kartei_compliance::doi::MAIL_JOB => {
            let sent = kartei_compliance::doi::send_confirmation(
                db,
                job.tenant(),
                job.subject_id,
                &ctx.links,
                &ctx.mailer,
            )
            .await?;
            tracing::info!(event_id = %job.subject_id, sent, "double opt-in mail");
            Ok(())
        }
        kartei_compliance::doi::DISCARD_JOB => {
            let tx = db.begin_tenant(job.tenant()).await?;
            let done = kartei_compliance::doi::discard_unconfirmed(&tx, chrono::Utc::now()).await?;
            tx.commit().await?;
            tracing::info!(
                persons = done.persons, next = ?done.next,
                "unconfirmed web-form contacts discarded"
            );
            Ok(())
        }
        kartei_compliance::holds::JOB_KIND => {
            let tx = db.begin_tenant(job.tenant()).await?;
            let deleted = kartei_compliance::holds::run_job(&tx).await?;
            tx.commit().await?;
            if deleted > 0 {
                tracing::info!(deleted, "legal holds ended");
            }
            Ok(())
        }
        kartei_compliance::retention::JOB_KIND => {
            let tx = db.begin_tenant(job.tenant()).await?;
            let res = kartei_compliance::retention::run_job(&tx, job.subject_id).await?;
            tx.commit().await?;
            tracing::info!(policy_id = %job.subject_id, result = ?res, "retention policy run");
            Ok(())
        }
        kartei_segments::abc::DAILY_JOB => {
            let tx = db.begin_tenant(job.tenant()).await?;
            let (changes, report, segments) =
                kartei_segments::lifecycle::daily(&tx, chrono::Utc::now()).await?;
            tx.commit().await?;
            tracing::info!(
                became_dormant = changes.became_dormant,
                woke_up = changes.woke_up,
                became_ex_customer = changes.became_ex_customer,
                became_customer = changes.became_customer,
                abc_customers = report.map(|r| r.customers),
                segments,
                "daily analytics"
            );
            Ok(())
        }
        kartei_search::outbox::DRAIN_JOB => {
            use kartei_search::outbox::{self, Drained};
            let tenant = job.tenant();
            let progress = |n: u64| {
                if n.is_multiple_of(50_000) {
                    tracing::info!(tenant_id = %tenant, drained = n, "search index catching up");
                }
            };
            match outbox::drain(db, tenant, ctx.search.backend(), &progress).await? {
                Drained::Done { applied, batches } => {
                    if applied > 0 {
                        tracing::debug!(applied, batches, "search outbox drained");
                    }
                }
                Drained::Busy => outbox::schedule(db, tenant, Duration::from_secs(1)).await?,
                Drained::Failed { error, retry_in } => {
                    tracing::warn!(
                        error = %error, retry_in_secs = retry_in.as_secs(),
                        "search engine failed; changes stay in the outbox"
                    );
                    outbox::schedule(db, tenant, retry_in).await?;
                }
            }
            Ok(())
        }
        kartei_search::outbox::REINDEX_JOB => {
            let tenant = job.tenant();
            let progress = |p: kartei_search::reindex::Progress| {
                if p.done.is_multiple_of(50_000) || p.done == p.total {
                    tracing::info!(tenant_id = %tenant, done = p.done, total = p.total, "search reindex");
                }
            };
            let r = kartei_search::reindex::reindex(db, tenant, ctx.search.backend(), &progress)
                .await?;
            tracing::info!(
                documents = r.documents,
                took_ms = r.took.as_millis() as u64,
                "search reindexed"
            );
            kartei_search::outbox::schedule(db, tenant, Duration::ZERO).await?;
            Ok(())
        }
        kartei_campaigns::SEND_JOB => {
            use kartei_campaigns::send::{self, Outcome};
            let id = job.subject_id;
            let progress = move |p: send::Progress| {
                tracing::info!(campaign_id = %id, step = p.step, done = p.done, total = p.total, "campaign sending");
            };
            match send::run(db, job.tenant(), id, &ctx.campaigns, &progress).await? {
                Outcome::Done {
                    counts,
                    next,
                    completed,
                } => tracing::info!(
                    campaign_id = %id, sent = counts.sent, skipped = counts.skipped,
                    failed = counts.failed, tasks = counts.tasks, next = ?next, completed,
                    "campaign sends done"
                ),
                Outcome::Busy => {
                    // Another send job of this tenant is running: try again shortly.
                    let tx = db.begin_tenant(job.tenant()).await?;
                    kartei_tenancy::jobs::enqueue_after(
                        &tx,
                        kartei_campaigns::SEND_JOB,
                        id,
                        chrono::Utc::now() + chrono::Duration::seconds(2),
                    )
                    .await?;
                    tx.commit().await?;
                }
                Outcome::NotYet(at) => tracing::info!(campaign_id = %id, %at, "campaign scheduled"),
                Outcome::Stopped => tracing::info!(campaign_id = %id, "campaign not running"),
            }
            Ok(())
        }
        kartei_campaigns::DAILY_JOB => {
            let tx = db.begin_tenant(job.tenant()).await?;
            let run = kartei_campaigns::occasions::daily(&tx, chrono::Utc::now()).await?;
            tx.commit().await?;
            tracing::info!(started = run.started, rounds = ?run.rounds, "daily campaign run");
            Ok(())
        }
        other => anyhow::bail!("unknown job kind {other}"),
    }
}

fn hostname() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "kartei".to_owned())
}
