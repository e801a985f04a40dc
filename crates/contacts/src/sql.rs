//! A small builder for dynamic WHERE clauses with numbered parameters, and helpers to bind
//! columns as arrays for set-based (`UNNEST`) writes.

use kartei_tenancy::db::TenantTx;
use kartei_tenancy::tenants::stmt;
use sea_orm::sea_query::ArrayType;
use sea_orm::{ConnectionTrait, Value};

#[derive(Default)]
pub struct Sql {
    pub parts: Vec<String>,
    pub values: Vec<Value>,
}

impl Sql {
    /// Binds a value and returns its placeholder (`$n`).
    pub fn param(&mut self, v: impl Into<Value>) -> String {
        self.values.push(v.into());
        format!("${}", self.values.len())
    }

    pub fn and(&mut self, cond: String) {
        self.parts.push(cond);
    }

    pub fn where_clause(&self) -> String {
        if self.parts.is_empty() {
            "TRUE".to_owned()
        } else {
            self.parts.join(" AND ")
        }
    }
}

/// Stands for `NULL` inside a bound `text[]` (the driver binds string arrays without nulls).
/// Validated text never contains control characters, so it cannot collide with data.
pub const NULL_MARK: &str = "\u{1}";

/// A `text[]` parameter; `None` elements arrive as [`NULL_MARK`]: read them with
/// [`nullable`].
pub fn text_array(items: Vec<Option<String>>) -> Value {
    Value::Array(
        ArrayType::String,
        Some(Box::new(
            items
                .into_iter()
                .map(|s| Value::String(Some(s.unwrap_or_else(|| NULL_MARK.to_owned()))))
                .collect(),
        )),
    )
}

/// The SQL that turns a [`text_array`] element back into text or `NULL`.
pub fn nullable(col: &str) -> String {
    format!("NULLIF({col}, chr(1))")
}

/// A `uuid[]` parameter.
pub fn uuid_array(items: Vec<uuid::Uuid>) -> Value {
    Value::Array(
        ArrayType::Uuid,
        Some(Box::new(
            items.into_iter().map(|u| Value::Uuid(Some(u))).collect(),
        )),
    )
}

/// A `bytea[]` parameter (of `Vec<u8>`, or `Option<Vec<u8>>` for NULL elements).
pub fn bytes_array<T: Into<Value>>(items: Vec<T>) -> Value {
    Value::Array(
        ArrayType::Bytes,
        Some(Box::new(items.into_iter().map(Into::into).collect())),
    )
}

/// Escapes `%`, `_` and `\` for a LIKE pattern.
pub fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Archives or restores one versioned row of `table` (a fixed name, never input): sets or
/// clears `archived_at` and bumps the version, only if `version` is current and `guard` (a
/// fixed condition) holds. Returns whether the row changed; callers tell NOT_FOUND from
/// CONFLICT.
pub async fn set_archived(
    tx: &TenantTx,
    table: &'static str,
    guard: &'static str,
    id: uuid::Uuid,
    version: i32,
    archived: bool,
) -> Result<bool, sea_orm::DbErr> {
    let res = tx
        .execute_raw(stmt(
            &format!(
                "UPDATE {table} SET archived_at = CASE WHEN $3 THEN COALESCE(archived_at, now()) END, \
                 version = version + 1, updated_at = now() WHERE id = $1 AND version = $2 AND {guard}"
            ),
            vec![id.into(), version.into(), archived.into()],
        ))
        .await?;
    Ok(res.rows_affected() > 0)
}
