//! A small builder for dynamic WHERE clauses with numbered parameters, and helpers to bind
//! columns as arrays for set-based (`UNNEST`) writes.

use sea_orm::Value;
use sea_orm::sea_query::ArrayType;

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
