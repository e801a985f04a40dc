//! The tenant audit log: who read, exported, changed or erased what. Append-only (a trigger
//! refuses UPDATE and DELETE); written in the same transaction as the change it records.

use chrono::{DateTime, Utc};
use kartei_core::paging::{Page, PageRequest};
use sea_orm::{ConnectionTrait, FromQueryResult};

use crate::db::TenantTx;
use crate::error::Result;
use crate::paging::keyset;
use crate::tenants::stmt;

#[derive(Debug, Clone, FromQueryResult)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub subject: Option<String>,
    pub detail: serde_json::Value,
}

pub async fn record(
    tx: &TenantTx,
    actor: &str,
    action: &str,
    subject: Option<&str>,
    detail: serde_json::Value,
) -> Result<()> {
    tx.execute_raw(stmt(
        "INSERT INTO audit_log (actor, action, subject, detail) VALUES ($1, $2, $3, $4)",
        vec![
            actor.into(),
            action.into(),
            subject.map(str::to_owned).into(),
            detail.into(),
        ],
    ))
    .await?;
    tx.mark_audited();
    Ok(())
}

/// Narrows the audit log; every given field must match.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// The exact subject (a person's id, say).
    pub subject: Option<String>,
    /// An action, or a prefix ending in `.` (`person.` for everything about persons).
    pub action: Option<String>,
    pub actor: Option<String>,
}

/// The whole log's size under `filter`.
pub async fn count(tx: &TenantTx, filter: &Filter) -> Result<i64> {
    let mut cond = vec!["TRUE".to_owned()];
    let mut values = Vec::new();
    filter_conditions(filter, &mut cond, &mut values);
    crate::paging::count(
        &**tx,
        &format!("FROM audit_log WHERE {}", cond.join(" AND ")),
        values,
    )
    .await
}

fn filter_conditions(filter: &Filter, cond: &mut Vec<String>, values: &mut Vec<sea_orm::Value>) {
    if let Some(s) = &filter.subject {
        values.push(s.clone().into());
        cond.push(format!("subject = ${}", values.len()));
    }
    if let Some(a) = &filter.action {
        if a.ends_with('.') {
            values.push(
                format!(
                    "{}%",
                    a.replace('\\', "\\\\")
                        .replace('%', "\\%")
                        .replace('_', "\\_")
                )
                .into(),
            );
            cond.push(format!("action LIKE ${}", values.len()));
        } else {
            values.push(a.clone().into());
            cond.push(format!("action = ${}", values.len()));
        }
    }
    if let Some(a) = &filter.actor {
        values.push(a.clone().into());
        cond.push(format!("actor = ${}", values.len()));
    }
}

/// One entry of the log.
pub async fn get(tx: &TenantTx, id: i64) -> Result<Option<AuditEntry>> {
    Ok(AuditEntry::find_by_statement(stmt(
        "SELECT id, at, actor, action, subject, detail FROM audit_log WHERE id = $1",
        vec![id.into()],
    ))
    .one(&**tx)
    .await?)
}

/// Newest first.
pub async fn page(
    tx: &TenantTx,
    req: &PageRequest<i64>,
    filter: &Filter,
) -> Result<Page<AuditEntry>> {
    let mut ks = keyset("id", req, true, 1);
    let mut cond = vec![ks.condition.clone()];
    filter_conditions(filter, &mut cond, &mut ks.values);
    let sql = format!(
        "SELECT id, at, actor, action, subject, detail FROM audit_log WHERE {} ORDER BY {} LIMIT {}",
        cond.join(" AND "),
        ks.order,
        ks.fetch
    );
    let rows = AuditEntry::find_by_statement(stmt(&sql, ks.values))
        .all(&**tx)
        .await?;
    Ok(Page::from_rows(req, rows, |e| e.id))
}

/// Platform-level audit (tenant lifecycle), in `platform.audit_events`.
pub async fn record_platform(
    conn: &impl ConnectionTrait,
    agency: kartei_core::id::AgencyId,
    tenant: Option<kartei_core::id::TenantId>,
    actor: &str,
    action: &str,
    detail: serde_json::Value,
) -> Result<()> {
    conn.execute_raw(stmt(
        "INSERT INTO platform.audit_events (agency_id, tenant_id, actor, action, detail) \
         VALUES ($1, $2, $3, $4, $5)",
        vec![
            agency.0.into(),
            tenant.map(|t| t.0).into(),
            actor.into(),
            action.into(),
            detail.into(),
        ],
    ))
    .await?;
    Ok(())
}
