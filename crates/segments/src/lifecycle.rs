//! Lifecycle rules: a person becomes dormant after N months without an interaction (and wakes
//! up with the next one); a customer becomes an ex-customer N months after the last purchase
//! (recording the date it happened); a purchase makes an ex-customer, lead or prospect a
//! customer again.
//!
//! A run is incremental: each statement touches only the persons whose state changes, found
//! through the indexes on `last_interaction_at`, `last_purchase_at` and the stage, and records
//! each change in `lifecycle_events`.

use chrono::{DateTime, Months, Utc};
use kartei_tenancy::db::TenantTx;
use kartei_tenancy::settings;
use kartei_tenancy::tenants::stmt;
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Error, Result};

pub const SETTINGS_KEY: &str = "segments.lifecycle";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct LifecycleSettings {
    pub enabled: bool,
    /// Months without an interaction after which a person is dormant.
    pub dormant_after_months: u32,
    /// Months without a purchase after which a customer is an ex-customer.
    pub ex_customer_after_months: u32,
}

impl Default for LifecycleSettings {
    fn default() -> Self {
        LifecycleSettings {
            enabled: true,
            dormant_after_months: 12,
            ex_customer_after_months: 18,
        }
    }
}

impl LifecycleSettings {
    pub async fn load(tx: &TenantTx) -> Result<Self> {
        match settings::get(tx, SETTINGS_KEY).await? {
            None => Ok(Self::default()),
            Some(s) => serde_json::from_value(s.value)
                .map_err(|e| Error::Conflict(format!("setting {SETTINGS_KEY} is malformed: {e}"))),
        }
    }

    pub async fn save(&self, tx: &TenantTx, actor: &str) -> Result<()> {
        let mut e = kartei_core::validate::FieldErrors::new();
        if !(1..=240).contains(&self.dormant_after_months) {
            e.add("dormantAfterMonths", "must be between 1 and 240");
        }
        if !(1..=240).contains(&self.ex_customer_after_months) {
            e.add("exCustomerAfterMonths", "must be between 1 and 240");
        }
        e.into_result().map_err(Error::Invalid)?;
        let value = serde_json::to_value(self)
            .map_err(|e| Error::Conflict(format!("cannot store the lifecycle settings: {e}")))?;
        settings::put(tx, SETTINGS_KEY, value, actor).await?;
        kartei_tenancy::jobs::enqueue_after(tx, crate::abc::DAILY_JOB, Uuid::nil(), Utc::now())
            .await?;
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Changes {
    pub became_dormant: u64,
    pub woke_up: u64,
    pub became_ex_customer: u64,
    pub became_customer: u64,
}

async fn changed(tx: &TenantTx, sql: &str, values: Vec<sea_orm::Value>) -> Result<u64> {
    let row = tx.query_one_raw(stmt(sql, values)).await?;
    let n = row
        .map(|r| r.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0);
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Applies the rules as of `at`.
pub async fn run(tx: &TenantTx, at: DateTime<Utc>) -> Result<Changes> {
    let s = LifecycleSettings::load(tx).await?;
    if !s.enabled {
        return Ok(Changes::default());
    }
    let dormant_cutoff = at
        .checked_sub_months(Months::new(s.dormant_after_months))
        .ok_or_else(|| Error::field("dormantAfterMonths", "reaches before the calendar"))?;
    let ex_cutoff = at
        .date_naive()
        .checked_sub_months(Months::new(s.ex_customer_after_months))
        .ok_or_else(|| Error::field("exCustomerAfterMonths", "reaches before the calendar"))?;
    // Restricted persons (Art. 18 GDPR) are only stored: no analytics, no change.
    let active = "merged_into IS NULL AND archived_at IS NULL AND restricted_at IS NULL";
    // The effective date is when the rule was met: the last touch plus the period.
    let became_dormant = changed(
        tx,
        &format!(
            "WITH ch AS (UPDATE persons SET \
                 dormant_since = ((COALESCE(last_interaction_at, created_at) AT TIME ZONE 'UTC') \
                     + make_interval(months => $2))::date, \
                 version = version + 1 \
             WHERE {active} AND dormant_since IS NULL \
               AND COALESCE(last_interaction_at, created_at) < $1 \
             RETURNING id, dormant_since), \
             ev AS (INSERT INTO lifecycle_events (person_id, change, effective, at) \
                 SELECT id, 'became_dormant', dormant_since, $3 FROM ch) \
             SELECT count(*) AS n FROM ch"
        ),
        vec![
            dormant_cutoff.into(),
            i32::try_from(s.dormant_after_months).unwrap_or(12).into(),
            at.into(),
        ],
    )
    .await?;
    let woke_up = changed(
        tx,
        &format!(
            "WITH ch AS (UPDATE persons SET dormant_since = NULL, version = version + 1 \
             WHERE {active} AND dormant_since IS NOT NULL AND last_interaction_at >= $1 \
             RETURNING id, last_interaction_at), \
             ev AS (INSERT INTO lifecycle_events (person_id, change, effective, at) \
                 SELECT id, 'woke_up', (last_interaction_at AT TIME ZONE 'UTC')::date, $2 FROM ch) \
             SELECT count(*) AS n FROM ch"
        ),
        vec![dormant_cutoff.into(), at.into()],
    )
    .await?;
    let became_ex_customer = changed(
        tx,
        &format!(
            "WITH ch AS (UPDATE persons SET lifecycle_stage = 'ex_customer', \
                 ex_customer_since = (last_purchase_at + make_interval(months => $2))::date, \
                 version = version + 1, updated_at = now() \
             WHERE {active} AND lifecycle_stage = 'customer' AND last_purchase_at < $1 \
             RETURNING id, ex_customer_since), \
             ev AS (INSERT INTO lifecycle_events (person_id, change, from_stage, to_stage, effective, at) \
                 SELECT id, 'became_ex_customer', 'customer', 'ex_customer', ex_customer_since, $3 FROM ch) \
             SELECT count(*) AS n FROM ch"
        ),
        vec![
            ex_cutoff.into(),
            i32::try_from(s.ex_customer_after_months).unwrap_or(18).into(),
            at.into(),
        ],
    )
    .await?;
    let became_customer = changed(
        tx,
        &format!(
            "WITH t AS (SELECT id, lifecycle_stage FROM persons \
                 WHERE {active} AND lifecycle_stage IN ('lead', 'prospect', 'ex_customer') \
                   AND last_purchase_at >= $1 AND last_purchase_at <= $2 FOR UPDATE), \
             ch AS (UPDATE persons p SET lifecycle_stage = 'customer', ex_customer_since = NULL, \
                 version = p.version + 1, updated_at = now() FROM t WHERE p.id = t.id \
                 RETURNING p.id, t.lifecycle_stage AS from_stage, p.last_purchase_at), \
             ev AS (INSERT INTO lifecycle_events (person_id, change, from_stage, to_stage, effective, at) \
                 SELECT id, 'became_customer', from_stage, 'customer', last_purchase_at, $3 FROM ch) \
             SELECT count(*) AS n FROM ch"
        ),
        vec![ex_cutoff.into(), at.date_naive().into(), at.into()],
    )
    .await?;
    // Statistics after a bulk change, so the segments that follow plan for today's stages.
    if became_dormant + woke_up + became_ex_customer + became_customer >= BULK_CHANGES {
        tx.execute_unprepared("ANALYZE persons, lifecycle_events")
            .await?;
    }
    Ok(Changes {
        became_dormant,
        woke_up,
        became_ex_customer,
        became_customer,
    })
}

/// Changes in one run above which the touched tables are analyzed again.
const BULK_CHANGES: u64 = 10_000;

#[derive(Debug, Clone, FromQueryResult)]
pub struct LifecycleEvent {
    pub id: i64,
    pub person_id: Uuid,
    pub change: String,
    pub from_stage: Option<String>,
    pub to_stage: Option<String>,
    pub effective: chrono::NaiveDate,
    pub at: DateTime<Utc>,
}

/// A person's automatic lifecycle changes, oldest first.
pub async fn events_of(tx: &TenantTx, person: Uuid) -> Result<Vec<LifecycleEvent>> {
    Ok(LifecycleEvent::find_by_statement(stmt(
        "SELECT id, person_id, change, from_stage, to_stage, effective, at FROM lifecycle_events \
         WHERE person_id = $1 ORDER BY id LIMIT 1000",
        vec![person.into()],
    ))
    .all(&**tx)
    .await?)
}

/// The worker's daily job: lifecycle, ABC, then every dynamic segment's membership, in one
/// transaction; schedules the next day's run.
pub async fn daily(
    tx: &TenantTx,
    at: DateTime<Utc>,
) -> Result<(Changes, Option<crate::abc::Report>, usize)> {
    let changes = run(tx, at).await?;
    let has_transactions = tx
        .query_one_raw(stmt(
            "SELECT EXISTS (SELECT 1 FROM transactions) AS x",
            vec![],
        ))
        .await?
        .map(|r| r.try_get::<bool>("", "x"))
        .transpose()?
        .unwrap_or(false);
    let report = if has_transactions {
        Some(crate::abc::run(tx, at.date_naive(), "system:daily").await?)
    } else {
        None
    };
    let refreshed = crate::segments::refresh_all(tx, at, "system:daily").await?;
    let next = at + chrono::Duration::days(1);
    kartei_tenancy::jobs::enqueue_after(tx, crate::abc::DAILY_JOB, Uuid::nil(), next).await?;
    Ok((changes, report, refreshed))
}
