//! Keyset pagination in SQL: turns a [`PageRequest`] into a WHERE fragment, an ORDER BY and
//! bound values. Every list query pages through this one helper.

use kartei_core::paging::{Direction, PageRequest};
use sea_orm::Value;

/// `SELECT count(*) {from_where}`: the size of a whole list, for `totalCount`. `from_where`
/// is trusted SQL (`FROM table WHERE …`) with `$n` placeholders for `values`.
pub async fn count(
    conn: &impl sea_orm::ConnectionTrait,
    from_where: &str,
    values: Vec<Value>,
) -> crate::Result<i64> {
    let row = conn
        .query_one_raw(crate::tenants::stmt(
            &format!("SELECT count(*) AS n {from_where}"),
            values,
        ))
        .await?;
    Ok(row
        .map(|r| r.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0))
}

pub struct Keyset {
    /// `col > $n AND col < $m`, or `TRUE`.
    pub condition: String,
    /// `col ASC` or `col DESC`, already flipped for backward pages.
    pub order: String,
    /// `limit + 1`, to learn whether another page exists.
    pub fetch: u64,
    pub values: Vec<Value>,
}

/// `col` is a trusted column expression; `first_param` is the number of the first `$n` to use.
/// With `newest_first`, the list's natural order is descending.
pub fn keyset<K>(col: &str, req: &PageRequest<K>, newest_first: bool, first_param: usize) -> Keyset
where
    K: Clone + Into<Value>,
{
    let (gt, lt) = if newest_first { ("<", ">") } else { (">", "<") };
    let mut parts = Vec::new();
    let mut values = Vec::new();
    let mut n = first_param;
    if let Some(after) = &req.after {
        parts.push(format!("{col} {gt} ${n}"));
        values.push(after.clone().into());
        n += 1;
    }
    if let Some(before) = &req.before {
        parts.push(format!("{col} {lt} ${n}"));
        values.push(before.clone().into());
    }
    let ascending = (req.direction == Direction::Forward) != newest_first;
    Keyset {
        condition: if parts.is_empty() {
            "TRUE".to_owned()
        } else {
            parts.join(" AND ")
        },
        order: format!("{col} {}", if ascending { "ASC" } else { "DESC" }),
        fetch: req.limit + 1,
        values,
    }
}
