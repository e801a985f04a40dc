//! ABC analysis: customers ranked by revenue (or margin) over a period and classed by their
//! share of the total (Pareto, default 80/15/5), then downgraded to C for bad payment
//! behaviour (average days late over a limit, or overdue open invoices). One set-based
//! statement computes a run; the results of the latest run back the `abcClass` condition.

use chrono::{DateTime, Months, NaiveDate, Utc};
use kartei_core::paging::{Page, PageRequest};
use kartei_tenancy::db::TenantTx;
use kartei_tenancy::paging::keyset;
use kartei_tenancy::settings;
use kartei_tenancy::tenants::stmt;
use sea_orm::{ConnectionTrait, FromQueryResult, Value};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Error, Result};

pub const SETTINGS_KEY: &str = "segments.abc";
/// The worker's daily analytics job (ABC, lifecycle, segment membership).
pub const DAILY_JOB: &str = "segments.daily";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    Revenue,
    Margin,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct AbcSettings {
    /// The months before the analysis date whose transactions count.
    pub period_months: u32,
    /// Share of the total (percent) the A customers make up together.
    pub a_share: f64,
    /// Share of the total (percent) the B customers make up after the A customers.
    pub b_share: f64,
    pub basis: Basis,
    /// Which transactions count (`invoice`, `order`); counting both double-counts where
    /// orders are invoiced.
    pub kinds: Vec<String>,
    /// Customers paying later than this on average (days) are moved to C; `None` turns it off.
    pub max_avg_days_late: Option<u32>,
    /// Customers with an overdue open invoice are moved to C.
    pub downgrade_overdue: bool,
}

impl Default for AbcSettings {
    fn default() -> Self {
        AbcSettings {
            period_months: 12,
            a_share: 80.0,
            b_share: 15.0,
            basis: Basis::Revenue,
            kinds: vec!["invoice".into()],
            max_avg_days_late: Some(30),
            downgrade_overdue: true,
        }
    }
}

impl AbcSettings {
    pub async fn load(tx: &TenantTx) -> Result<Self> {
        match settings::get(tx, SETTINGS_KEY).await? {
            None => Ok(Self::default()),
            Some(s) => serde_json::from_value(s.value)
                .map_err(|e| Error::Conflict(format!("setting {SETTINGS_KEY} is malformed: {e}"))),
        }
    }

    pub fn check(&self) -> Result<()> {
        let mut e = kartei_core::validate::FieldErrors::new();
        if !(1..=120).contains(&self.period_months) {
            e.add("periodMonths", "must be between 1 and 120");
        }
        if !(self.a_share > 0.0 && self.a_share < 100.0) {
            e.add("aShare", "must be more than 0 and less than 100");
        }
        if !(self.b_share > 0.0 && self.a_share + self.b_share < 100.0) {
            e.add(
                "bShare",
                "must be more than 0, and A and B together less than 100",
            );
        }
        if self.kinds.is_empty()
            || self
                .kinds
                .iter()
                .any(|k| !crate::catalog::TRANSACTION_KINDS.contains(&k.as_str()))
        {
            e.add("kinds", "must be one or both of: invoice, order");
        }
        if self.max_avg_days_late.is_some_and(|d| d > 3650) {
            e.add("maxAvgDaysLate", "must be at most 3650");
        }
        e.into_result().map_err(Error::Invalid)
    }

    pub async fn save(&self, tx: &TenantTx, actor: &str) -> Result<()> {
        self.check()?;
        let value = serde_json::to_value(self)
            .map_err(|e| Error::Conflict(format!("cannot store the ABC settings: {e}")))?;
        settings::put(tx, SETTINGS_KEY, value, actor).await?;
        kartei_tenancy::jobs::enqueue_after(tx, DAILY_JOB, Uuid::nil(), Utc::now()).await?;
        Ok(())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ClassStats {
    pub class: String,
    pub customers: i64,
    pub value_minor: i64,
    /// Share of the total value, 0..1.
    pub value_share: f64,
    /// Share of the classified customers, 0..1.
    pub customer_share: f64,
    /// How many of them are here because of the payment downgrade.
    pub downgraded: i64,
}

/// One point of the Pareto curve: the top `customer_share` of customers make
/// `value_share` of the total.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ParetoPoint {
    pub customer_share: f64,
    pub value_share: f64,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub run_id: Uuid,
    pub computed_at: DateTime<Utc>,
    pub settings: AbcSettings,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub customers: i64,
    pub value_minor: i64,
    pub classes: Vec<ClassStats>,
    pub pareto: Vec<ParetoPoint>,
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct CustomerResult {
    pub person_id: Uuid,
    pub class: String,
    pub value_class: String,
    pub rank: i32,
    pub value_minor: i64,
    pub share: f64,
    pub cumulative_share: f64,
    pub avg_days_late: Option<f64>,
    pub overdue_invoices: i32,
    pub reasons: Vec<String>,
}

const RESULT: &str = "SELECT person_id, class::text AS class, value_class::text AS value_class, rank, \
    value_minor, share, cumulative_share, avg_days_late, overdue_invoices, reasons FROM abc_results";

/// Computes a new run as of `at` and replaces the per-customer results.
pub async fn run(tx: &TenantTx, at: NaiveDate, actor: &str) -> Result<Report> {
    let s = AbcSettings::load(tx).await?;
    s.check()?;
    let from = at
        .checked_sub_months(Months::new(s.period_months))
        .ok_or_else(|| Error::field("periodMonths", "reaches before the calendar"))?;
    let run_id = Uuid::now_v7();
    let value_col = match s.basis {
        Basis::Revenue => "t.amount_minor",
        Basis::Margin => "COALESCE(t.margin_minor, 0)",
    };
    let kinds = Value::Array(
        sea_orm::sea_query::ArrayType::String,
        Some(Box::new(
            s.kinds.iter().map(|k| Value::from(k.clone())).collect(),
        )),
    );
    // The run row first (results reference it); its figures are filled in below.
    tx.execute_raw(stmt(
        "INSERT INTO abc_runs (id, settings, period_from, period_to, customers, revenue_minor, \
         distribution, pareto, actor) VALUES ($1, $2, $3, $4, 0, 0, '[]', '[]', $5)",
        vec![
            run_id.into(),
            serde_json::to_value(&s).unwrap_or_default().into(),
            from.into(),
            at.into(),
            actor.into(),
        ],
    ))
    .await?;
    tx.execute_raw(stmt("DELETE FROM abc_results", vec![]))
        .await?;
    // The run reads every invoice in the period: plan it on current statistics (autovacuum
    // may be off or behind after a bulk load; a fresh tenant's tables were never analyzed).
    tx.execute_unprepared("ANALYZE transactions").await?;
    tx.execute_raw(stmt(
        &format!(
            "WITH v AS ( \
                 SELECT t.person_id, sum({value_col})::bigint AS value \
                 FROM transactions t JOIN persons p ON p.id = t.person_id \
                 WHERE p.merged_into IS NULL AND p.archived_at IS NULL AND p.restricted_at IS NULL \
                   AND t.archived_at IS NULL \
                   AND t.status <> 'cancelled' AND t.kind = ANY($2::text[]) \
                   AND t.issued_on > $3 AND t.issued_on <= $4 \
                 GROUP BY t.person_id), \
             pay AS ( \
                 SELECT t.person_id, \
                   avg(GREATEST(t.paid_on - t.due_on, 0)) FILTER (WHERE t.status = 'paid' \
                       AND t.due_on IS NOT NULL AND t.issued_on > $3 AND t.issued_on <= $4)::float8 AS late, \
                   count(*) FILTER (WHERE t.status = 'open' AND t.due_on < $4)::int AS overdue \
                 FROM transactions t WHERE t.kind = 'invoice' AND t.archived_at IS NULL \
                   AND t.person_id IN (SELECT person_id FROM v) \
                 GROUP BY t.person_id), \
             r AS ( \
                 SELECT v.person_id, v.value, \
                   row_number() OVER w AS rank, \
                   sum(v.value) OVER (w ROWS UNBOUNDED PRECEDING) AS cum, \
                   sum(GREATEST(v.value, 0)) OVER () AS total \
                 FROM v WINDOW w AS (ORDER BY v.value DESC, v.person_id)), \
             c AS ( \
                 SELECT r.*, pay.late, COALESCE(pay.overdue, 0) AS overdue, \
                   CASE WHEN r.total <= 0 OR r.value <= 0 THEN 'C' \
                        WHEN (r.cum - r.value) < r.total * $5 THEN 'A' \
                        WHEN (r.cum - r.value) < r.total * $6 THEN 'B' ELSE 'C' END AS vclass \
                 FROM r LEFT JOIN pay ON pay.person_id = r.person_id) \
             INSERT INTO abc_results (person_id, run_id, class, value_class, rank, value_minor, share, \
                 cumulative_share, avg_days_late, overdue_invoices, reasons) \
             SELECT person_id, $1, \
               CASE WHEN ($7 AND overdue > 0) OR ($8::float8 IS NOT NULL AND late > $8::float8) \
                    THEN 'C' ELSE vclass END, \
               vclass, rank, value, \
               CASE WHEN total > 0 THEN value::float8 / total ELSE 0 END, \
               CASE WHEN total > 0 THEN LEAST(cum::float8 / total, 1) ELSE 0 END, \
               late, overdue, \
               array_remove(ARRAY['VALUE_CLASS_' || vclass, \
                   CASE WHEN $7 AND overdue > 0 AND vclass <> 'C' THEN 'OVERDUE_INVOICES' END, \
                   CASE WHEN $8::float8 IS NOT NULL AND late > $8::float8 AND vclass <> 'C' \
                        THEN 'LATE_PAYMENT' END], NULL) \
             FROM c"
        ),
        vec![
            run_id.into(),
            kinds,
            from.into(),
            at.into(),
            (s.a_share / 100.0).into(),
            ((s.a_share + s.b_share) / 100.0).into(),
            s.downgrade_overdue.into(),
            s.max_avg_days_late.map(f64::from).into(),
        ],
    ))
    .await?;
    tx.execute_unprepared("ANALYZE abc_results").await?;
    let (customers, value_minor, classes) = distribution(tx).await?;
    let pareto = pareto(tx, customers).await?;
    tx.execute_raw(stmt(
        "UPDATE abc_runs SET customers = $2, revenue_minor = $3, distribution = $4, pareto = $5 WHERE id = $1",
        vec![
            run_id.into(),
            customers.into(),
            value_minor.into(),
            serde_json::to_value(&classes).unwrap_or_default().into(),
            serde_json::to_value(&pareto).unwrap_or_default().into(),
        ],
    ))
    .await?;
    latest(tx).await?.ok_or(Error::NotFound("ABC run"))
}

async fn distribution(tx: &TenantTx) -> Result<(i64, i64, Vec<ClassStats>)> {
    #[derive(FromQueryResult)]
    struct Row {
        class: String,
        customers: i64,
        value_minor: i64,
        downgraded: i64,
    }
    let rows = Row::find_by_statement(stmt(
        "SELECT k.class, count(a.person_id) AS customers, \
                COALESCE(sum(GREATEST(a.value_minor, 0)), 0)::bigint AS value_minor, \
                count(a.person_id) FILTER (WHERE a.class <> a.value_class) AS downgraded \
         FROM (VALUES ('A'), ('B'), ('C')) k(class) \
         LEFT JOIN abc_results a ON a.class::text = k.class GROUP BY k.class ORDER BY k.class",
        vec![],
    ))
    .all(&**tx)
    .await?;
    let customers: i64 = rows.iter().map(|r| r.customers).sum();
    let total: i64 = rows.iter().map(|r| r.value_minor).sum();
    let share = |a: i64, b: i64| if b > 0 { a as f64 / b as f64 } else { 0.0 };
    let classes = rows
        .into_iter()
        .map(|r| ClassStats {
            value_share: share(r.value_minor, total),
            customer_share: share(r.customers, customers),
            class: r.class,
            customers: r.customers,
            value_minor: r.value_minor,
            downgraded: r.downgraded,
        })
        .collect();
    Ok((customers, total, classes))
}

/// The Pareto curve at every 5 % of customers (ranked by value).
async fn pareto(tx: &TenantTx, customers: i64) -> Result<Vec<ParetoPoint>> {
    if customers == 0 {
        return Ok(Vec::new());
    }
    let rows = tx
        .query_all_raw(stmt(
            "SELECT ceil(rank * 20.0 / $1)::int AS bucket, max(cumulative_share) AS share \
             FROM abc_results GROUP BY 1 ORDER BY 1",
            vec![customers.into()],
        ))
        .await?;
    let mut out = vec![ParetoPoint {
        customer_share: 0.0,
        value_share: 0.0,
    }];
    let mut last = 0.0;
    let mut by_bucket = std::collections::HashMap::new();
    for r in rows {
        by_bucket.insert(
            r.try_get::<i32>("", "bucket")?,
            r.try_get::<f64>("", "share")?,
        );
    }
    for k in 1..=20 {
        // A bucket without a customer (fewer than 20 customers) carries the previous share.
        if let Some(v) = by_bucket.get(&k) {
            last = *v;
        }
        out.push(ParetoPoint {
            customer_share: f64::from(k) / 20.0,
            value_share: last,
        });
    }
    Ok(out)
}

#[derive(FromQueryResult)]
struct RunRow {
    id: Uuid,
    settings: serde_json::Value,
    period_from: NaiveDate,
    period_to: NaiveDate,
    customers: i64,
    revenue_minor: i64,
    distribution: serde_json::Value,
    pareto: serde_json::Value,
    computed_at: DateTime<Utc>,
}

/// The latest run's report.
pub async fn latest(tx: &TenantTx) -> Result<Option<Report>> {
    let Some(r) = RunRow::find_by_statement(stmt(
        "SELECT id, settings, period_from, period_to, customers, revenue_minor, distribution, \
         pareto, computed_at FROM abc_runs ORDER BY computed_at DESC, id DESC LIMIT 1",
        vec![],
    ))
    .one(&**tx)
    .await?
    else {
        return Ok(None);
    };
    Ok(Some(Report {
        run_id: r.id,
        computed_at: r.computed_at,
        settings: serde_json::from_value(r.settings).unwrap_or_default(),
        period_from: r.period_from,
        period_to: r.period_to,
        customers: r.customers,
        value_minor: r.revenue_minor,
        classes: serde_json::from_value(r.distribution).unwrap_or_default(),
        pareto: serde_json::from_value(r.pareto).unwrap_or_default(),
    }))
}

pub async fn result_of(tx: &TenantTx, person: Uuid) -> Result<Option<CustomerResult>> {
    Ok(CustomerResult::find_by_statement(stmt(
        &format!("{RESULT} WHERE person_id = $1"),
        vec![person.into()],
    ))
    .one(&**tx)
    .await?)
}

/// The number of classified customers (of one class, if given).
pub async fn results_count(tx: &TenantTx, class: Option<&str>) -> Result<i64> {
    Ok(kartei_tenancy::paging::count(
        &**tx,
        &format!("FROM ({RESULT} WHERE ($1::text IS NULL OR class::text = $1)) r"),
        vec![Value::from(class.map(str::to_owned))],
    )
    .await?)
}

/// Classified customers by rank, optionally of one class.
pub async fn results(
    tx: &TenantTx,
    class: Option<&str>,
    req: &PageRequest<i32>,
) -> Result<Page<CustomerResult>> {
    if class.is_some_and(|c| !crate::catalog::ABC_CLASSES.contains(&c)) {
        return Err(Error::field("class", "must be A, B or C"));
    }
    let k = keyset("rank", req, false, 2);
    let mut values = vec![Value::from(class.map(str::to_owned))];
    values.extend(k.values);
    let rows = CustomerResult::find_by_statement(stmt(
        &format!(
            "{RESULT} WHERE ($1::text IS NULL OR class::text = $1) AND {} ORDER BY {} LIMIT {}",
            k.condition, k.order, k.fetch
        ),
        values,
    ))
    .all(&**tx)
    .await?;
    Ok(Page::from_rows(req, rows, |r| r.rank))
}
