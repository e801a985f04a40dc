//! Tenant settings: JSON values under dotted keys (`compliance.double_opt_in`), owned by the
//! domain that reads them. Always read and written inside the tenant's transaction.

use chrono::{DateTime, Utc};
use kartei_core::paging::{Page, PageRequest};
use kartei_core::validate::FieldErrors;
use sea_orm::{ConnectionTrait, FromQueryResult};

use crate::db::TenantTx;
use crate::error::{Error, Result};
use crate::paging::keyset;
use crate::tenants::stmt;

/// The largest serialized value accepted for one setting.
pub const MAX_VALUE_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone, FromQueryResult)]
pub struct Setting {
    pub key: String,
    pub value: serde_json::Value,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

pub fn validate_key(key: &str) -> Result<(), &'static str> {
    let mut chars = key.chars();
    let ok = key.len() <= 64
        && chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.');
    if ok {
        Ok(())
    } else {
        Err("must be 1 to 64 characters of a-z, 0-9, '_' and '.', starting with a letter")
    }
}

pub async fn get(tx: &TenantTx, key: &str) -> Result<Option<Setting>> {
    Ok(Setting::find_by_statement(stmt(
        "SELECT key, value, updated_at, updated_by FROM settings WHERE key = $1",
        vec![key.into()],
    ))
    .one(&**tx)
    .await?)
}

pub async fn put(
    tx: &TenantTx,
    key: &str,
    value: serde_json::Value,
    actor: &str,
) -> Result<Setting> {
    let mut errors = FieldErrors::new();
    if let Err(m) = validate_key(key) {
        errors.add("key", m);
    }
    if serde_json::to_vec(&value).map_or(0, |v| v.len()) > MAX_VALUE_BYTES {
        errors.add("value", format!("must be at most {MAX_VALUE_BYTES} bytes"));
    }
    errors.into_result().map_err(Error::Invalid)?;
    Setting::find_by_statement(stmt(
        "INSERT INTO settings (key, value, updated_by) VALUES ($1, $2, $3) \
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, \
             updated_by = EXCLUDED.updated_by, updated_at = now() \
         RETURNING key, value, updated_at, updated_by",
        vec![key.into(), value.into(), actor.into()],
    ))
    .one(&**tx)
    .await?
    .ok_or(Error::NotFound("setting"))
}

pub async fn delete(tx: &TenantTx, key: &str) -> Result<bool> {
    let res = tx
        .execute_raw(stmt(
            "DELETE FROM settings WHERE key = $1",
            vec![key.into()],
        ))
        .await?;
    Ok(res.rows_affected() > 0)
}

pub async fn count(tx: &TenantTx) -> Result<i64> {
    crate::paging::count(&**tx, "FROM settings", vec![]).await
}

pub async fn page(tx: &TenantTx, req: &PageRequest<String>) -> Result<Page<Setting>> {
    let ks = keyset("key", req, false, 1);
    let sql = format!(
        "SELECT key, value, updated_at, updated_by FROM settings WHERE {} ORDER BY {} LIMIT {}",
        ks.condition, ks.order, ks.fetch
    );
    let rows = Setting::find_by_statement(stmt(&sql, ks.values))
        .all(&**tx)
        .await?;
    Ok(Page::from_rows(req, rows, |s| s.key.clone()))
}
