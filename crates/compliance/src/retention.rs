//! Retention policies: persons with no contact and no business for N months (the staleness
//! review's notion, `quality::inactive_since`), no consent activity and no open request are due. A dry run lists them; a run flags them for erasure (they
//! go to the erasure queue and out of lists) or erases them. The worker runs enabled policies
//! daily (`compliance.retention` jobs); `kartei compliance retention` runs them by hand.

use chrono::{DateTime, Utc};
use kartei_tenancy::audit;
use kartei_tenancy::db::TenantTx;
use kartei_tenancy::tenants::stmt;
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use crate::error::{Error, Result};

pub const JOB_KIND: &str = "compliance.retention";
/// Erasures per run; a larger backlog is worked off by the following (daily) runs. Each
/// erasure scans the free-text columns once, so a run stays within minutes.
pub const MAX_ERASURES_PER_RUN: u64 = 200;

#[derive(Debug, Clone, FromQueryResult, Serialize)]
pub struct Policy {
    pub id: Uuid,
    pub name: String,
    pub inactive_months: i32,
    pub action: String,
    pub enabled: bool,
    pub last_run_at: Option<DateTime<Utc>>,
    pub last_result: Option<serde_json::Value>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str =
    "id, name, inactive_months, action, enabled, last_run_at, last_result, created_by, created_at";

pub async fn list(tx: &TenantTx) -> Result<Vec<Policy>> {
    Ok(Policy::find_by_statement(stmt(
        &format!("SELECT {COLUMNS} FROM retention_policies ORDER BY name"),
        vec![],
    ))
    .all(&**tx)
    .await?)
}

pub async fn get(tx: &TenantTx, id: Uuid) -> Result<Policy> {
    Policy::find_by_statement(stmt(
        &format!("SELECT {COLUMNS} FROM retention_policies WHERE id = $1"),
        vec![id.into()],
    ))
    .one(&**tx)
    .await?
    .ok_or(Error::NotFound("retention policy"))
}

/// Creates or changes a policy; an enabled policy gets its next run scheduled.
pub async fn put(
    tx: &TenantTx,
    id: Option<Uuid>,
    name: &str,
    inactive_months: i32,
    action: &str,
    enabled: bool,
    actor: &str,
) -> Result<Policy> {
    let mut errors = kartei_core::validate::FieldErrors::new();
    if name.trim().is_empty() || name.chars().count() > 100 {
        errors.add("name", "must be 1 to 100 characters");
    }
    if !(1..=600).contains(&inactive_months) {
        errors.add("inactiveMonths", "must be between 1 and 600");
    }
    if !matches!(action, "flag" | "erase") {
        errors.add("action", "must be 'flag' or 'erase'");
    }
    errors.into_result().map_err(Error::Invalid)?;
    let p = match id {
        Some(id) => {
            get(tx, id).await?;
            Policy::find_by_statement(stmt(
                &format!(
                    "UPDATE retention_policies SET name = $2, inactive_months = $3, action = $4, \
                         enabled = $5 WHERE id = $1 RETURNING {COLUMNS}"
                ),
                vec![
                    id.into(),
                    name.trim().into(),
                    inactive_months.into(),
                    action.into(),
                    enabled.into(),
                ],
            ))
            .one(&**tx)
            .await
        }
        None => {
            Policy::find_by_statement(stmt(
                &format!(
                    "INSERT INTO retention_policies (id, name, inactive_months, action, enabled, created_by) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}"
                ),
                vec![
                    Uuid::now_v7().into(),
                    name.trim().into(),
                    inactive_months.into(),
                    action.into(),
                    enabled.into(),
                    actor.into(),
                ],
            ))
            .one(&**tx)
            .await
        }
    }
    .map_err(|e| match kartei_tenancy::Error::from(e) {
        kartei_tenancy::Error::Conflict(_) => {
            Error::field("name", "another retention policy has this name")
        }
        other => other.into(),
    })?
    .ok_or(Error::NotFound("retention policy"))?;
    if p.enabled {
        kartei_tenancy::jobs::enqueue_after(tx, JOB_KIND, p.id, Utc::now()).await?;
    }
    Ok(p)
}

/// The condition "due under this policy" over `persons p`, with the cutoff as `$1`: no contact
/// and no business since (the staleness review's own notion), no consent event since and no
/// open data-subject request. A restricted person is kept (restriction is often asked for
/// instead of erasure, Art. 18(1)(b) and (c)).
fn due() -> String {
    format!(
        "p.merged_into IS NULL AND p.restricted_at IS NULL AND p.created_at < $1 AND {} \
         AND NOT EXISTS (SELECT 1 FROM consent_events e WHERE e.person_id = p.id AND e.at >= $1) \
         AND NOT EXISTS (SELECT 1 FROM data_subject_requests r WHERE r.person_id = p.id AND r.status = 'open')",
        kartei_contacts::quality::inactive_since("$1")
    )
}

pub fn cutoff(months: i32, now: DateTime<Utc>) -> DateTime<Utc> {
    now.checked_sub_months(chrono::Months::new(months.max(0) as u32))
        .unwrap_or(now)
}

#[derive(Debug, Clone, FromQueryResult, Serialize)]
pub struct Due {
    pub id: Uuid,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub last_interaction_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub flagged: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct DryRun {
    pub cutoff: DateTime<Utc>,
    pub total: i64,
    pub sample: Vec<Due>,
}

/// Who is due under the policy now (count and the first `limit`); changes nothing.
pub async fn dry_run(tx: &TenantTx, policy: &Policy, limit: u64) -> Result<DryRun> {
    let cutoff = cutoff(policy.inactive_months, Utc::now());
    #[derive(FromQueryResult)]
    struct N {
        n: i64,
    }
    let total = N::find_by_statement(stmt(
        &format!("SELECT count(*) AS n FROM persons p WHERE {}", due()),
        vec![cutoff.into()],
    ))
    .one(&**tx)
    .await?
    .map_or(0, |n| n.n);
    let sample = Due::find_by_statement(stmt(
        &format!(
            "SELECT p.id, p.first_name, p.last_name, p.email, p.last_interaction_at, p.created_at, \
                 p.erasure_requested_at IS NOT NULL AS flagged \
             FROM persons p WHERE {} ORDER BY p.last_interaction_at NULLS FIRST, p.id LIMIT $2",
            due()
        ),
        vec![cutoff.into(), (limit.min(500) as i64).into()],
    ))
    .all(&**tx)
    .await?;
    Ok(DryRun {
        cutoff,
        total,
        sample,
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct RunResult {
    pub cutoff: DateTime<Utc>,
    pub action: String,
    pub flagged: u64,
    pub erased: u64,
    /// Due but left for the next run (erasures are capped per run).
    pub remaining: i64,
}

/// Applies a policy: flags or erases who is due; audited and remembered on the policy.
pub async fn run(tx: &TenantTx, policy: &Policy, actor: &str) -> Result<RunResult> {
    let cutoff = cutoff(policy.inactive_months, Utc::now());
    let mut res = RunResult {
        cutoff,
        action: policy.action.clone(),
        flagged: 0,
        erased: 0,
        remaining: 0,
    };
    let by = format!("retention:{}", policy.name);
    if policy.action == "flag" {
        res.flagged = tx
            .execute_raw(stmt(
                &format!(
                    "UPDATE persons p SET erasure_requested_at = now(), erasure_requested_by = $2, \
                         archived_at = COALESCE(archived_at, now()), version = version + 1, \
                         updated_at = now() \
                     WHERE {} AND p.erasure_requested_at IS NULL",
                    due()
                ),
                vec![cutoff.into(), by.into()],
            ))
            .await?
            .rows_affected();
    } else {
        #[derive(FromQueryResult)]
        struct Id {
            id: Uuid,
        }
        let ids = Id::find_by_statement(stmt(
            &format!(
                "SELECT p.id FROM persons p WHERE {} ORDER BY p.id LIMIT $2",
                due()
            ),
            vec![cutoff.into(), (MAX_ERASURES_PER_RUN as i64).into()],
        ))
        .all(&**tx)
        .await?;
        let why = format!(
            "retention policy '{}': no activity for {} months",
            policy.name, policy.inactive_months
        );
        for i in ids {
            crate::erasure::erase_person(tx, i.id, actor, &why, None).await?;
            res.erased += 1;
        }
        res.remaining = dry_run(tx, policy, 0).await?.total;
    }
    let result = serde_json::to_value(&res).unwrap_or_else(|_| json!({}));
    tx.execute_raw(stmt(
        "UPDATE retention_policies SET last_run_at = now(), last_result = $2 WHERE id = $1",
        vec![policy.id.into(), result.clone().into()],
    ))
    .await?;
    audit::record(
        tx,
        actor,
        "retention.run",
        Some(&policy.id.to_string()),
        result,
    )
    .await?;
    Ok(res)
}

/// The worker's job: runs the policy if still enabled and schedules the next day's run.
pub async fn run_job(tx: &TenantTx, policy_id: Uuid) -> Result<Option<RunResult>> {
    let policy = match get(tx, policy_id).await {
        Ok(p) => p,
        Err(Error::NotFound(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    if !policy.enabled {
        return Ok(None);
    }
    let res = run(tx, &policy, "system:retention").await?;
    let next = Utc::now() + chrono::Duration::days(1);
    kartei_tenancy::jobs::enqueue_after(tx, JOB_KIND, policy.id, next).await?;
    Ok(Some(res))
}
