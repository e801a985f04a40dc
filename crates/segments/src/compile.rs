//! Compiles a checked rule tree into one SQL condition over `persons p` (sea-query), and
//! builds the queries segments need from it: count, a keyset page, the id set.
//!
//! User values are always bound parameters: the only SQL text a rule contributes comes from
//! the catalog (fixed column names) and this module. Relative dates ("within the last 12
//! months") are resolved against the evaluation time `at` here, in Rust, and bound as
//! timestamps, so the planner sees plain range conditions it can use indexes for.

use chrono::{DateTime, NaiveDate, Utc};
use kartei_compliance::PolicySettings;
use kartei_compliance::policy::decisions_sql;
use sea_orm::Value;
use sea_orm::sea_query::{
    Alias, ArrayType, Expr, ExprTrait, Order, PostgresQueryBuilder, Query, SelectStatement,
};

use crate::catalog::{Catalog, Source, Ty};
use crate::error::{Error, Result};
use crate::rule::{self, Arg, Cond, Filter, Node, Op, day_start, next_day};

/// What a compile depends on besides the rule.
#[derive(Debug, Clone, Copy)]
pub struct Env<'a> {
    /// The evaluation time relative dates are resolved against.
    pub at: DateTime<Utc>,
    pub policy: PolicySettings,
    pub catalog: &'a Catalog,
}

/// Persons a segment can ever contain: neither archived nor merged away, nor under
/// restriction of processing (Art. 18 GDPR).
pub const BASE: &str =
    "p.merged_into IS NULL AND p.archived_at IS NULL AND p.restricted_at IS NULL";

/// The condition of a rule over `persons p` (without [`BASE`]).
pub fn condition(node: &Node, env: &Env) -> Result<Expr> {
    Compiler { env, depth: 0 }.node(node)
}

/// `SELECT p.id FROM persons p WHERE BASE AND cond`.
pub fn ids_query(cond: Expr) -> SelectStatement {
    Query::select()
        .expr(Expr::cust("p.id"))
        .from_as(Alias::new("persons"), Alias::new("p"))
        .and_where(Expr::cust(BASE))
        .and_where(cond)
        .to_owned()
}

/// `SELECT count(*) AS n FROM persons p WHERE BASE AND cond`.
pub fn count_query(cond: Expr) -> (String, Vec<Value>) {
    let (sql, values) = Query::select()
        .expr_as(Expr::cust("count(*)"), Alias::new("n"))
        .from_as(Alias::new("persons"), Alias::new("p"))
        .and_where(Expr::cust(BASE))
        .and_where(cond)
        .build(PostgresQueryBuilder);
    (sql, values.0)
}

/// Member rows (as [`kartei_contacts::persons::Person`]) by name then id; `backward` reads
/// the order reversed (for `last`/`before` pages). The caller adds the keyset condition.
pub fn page_query(cond: Expr, backward: bool, limit: u64) -> (String, Vec<Value>) {
    let order = if backward { Order::Desc } else { Order::Asc };
    let (sql, values) = Query::select()
        .expr(Expr::cust(kartei_contacts::persons::READ_COLUMNS))
        .from_as(Alias::new("persons"), Alias::new("p"))
        .and_where(Expr::cust(BASE))
        .and_where(cond)
        .order_by_expr(Expr::cust("p.name_key"), order.clone())
        .order_by_expr(Expr::cust("p.id"), order)
        .limit(limit)
        .build(PostgresQueryBuilder);
    (sql, values.0)
}

/// The SQL text and values of a built statement.
pub fn build(q: &SelectStatement) -> (String, Vec<Value>) {
    let (sql, values) = q.build(PostgresQueryBuilder);
    (sql, values.0)
}

fn sql<I: IntoIterator<Item = Value>>(fragment: impl Into<String>, values: I) -> Expr {
    Expr::cust_with_values(fragment.into(), values)
}

fn text_array(items: &[String]) -> Value {
    Value::Array(
        ArrayType::String,
        Some(Box::new(
            items.iter().map(|s| Value::from(s.clone())).collect(),
        )),
    )
}

/// A positive operator and whether the condition is its negation.
fn positive(op: Op) -> (Op, bool) {
    match op {
        Op::Ne => (Op::Eq, true),
        Op::NotIn => (Op::In, true),
        Op::NotContains => (Op::Contains, true),
        Op::HasNone => (Op::HasAny, true),
        Op::NotMemberOf => (Op::MemberOf, true),
        Op::IsEmpty => (Op::IsNotEmpty, true),
        other => (other, false),
    }
}

struct Compiler<'a> {
    env: &'a Env<'a>,
    /// Nesting of inlined segment rules (guards against a cycle stored by other means).
    depth: usize,
}

impl Compiler<'_> {
    fn node(&mut self, node: &Node) -> Result<Expr> {
        Ok(match node {
            Node::And(items) => {
                let mut it = items.iter();
                let first = it.next().map(|n| self.node(n)).transpose()?;
                let mut acc = first.unwrap_or_else(|| Expr::cust("TRUE"));
                for n in it {
                    acc = acc.and(self.node(n)?);
                }
                acc
            }
            Node::Or(items) => {
                let mut it = items.iter();
                let first = it.next().map(|n| self.node(n)).transpose()?;
                let mut acc = first.unwrap_or_else(|| Expr::cust("FALSE"));
                for n in it {
                    acc = acc.or(self.node(n)?);
                }
                acc
            }
            Node::Not(inner) => self.node(inner)?.not(),
            Node::Cond(c) => self.cond(c)?,
        })
    }

    fn cond(&mut self, c: &Cond) -> Result<Expr> {
        let (op, negated) = positive(c.op);
        let e = self.positive(c, op)?;
        Ok(if negated { e.not() } else { e })
    }

    /// The condition for a positive operator; true or false, never NULL.
    fn positive(&mut self, c: &Cond, op: Op) -> Result<Expr> {
        let at = self.env.at;
        Ok(match &c.source {
            Source::Person(col) => {
                predicate(col, 0, &c.ty, op, &c.arg, at, Guard::NotNull)?.expr(vec![])
            }
            Source::PersonCustom(key) => predicate(
                &custom("p", &c.ty),
                1,
                &c.ty,
                op,
                &c.arg,
                at,
                Guard::NotNull,
            )?
            .expr(vec![Value::from(key.clone())]),
            Source::Organization(col) | Source::Relation(col) => {
                let inner = predicate(col, 0, &c.ty, op, &c.arg, at, Guard::NotNull)?;
                organization(inner.expr(vec![]))
            }
            Source::OrganizationCustom(key) => {
                let inner = predicate(
                    &custom("o", &c.ty),
                    1,
                    &c.ty,
                    op,
                    &c.arg,
                    at,
                    Guard::NotNull,
                )?;
                organization(inner.expr(vec![Value::from(key.clone())]))
            }
            Source::InteractionCount => {
                let (from_where, values) = self.events(c)?;
                count(
                    &format!("{from_where} AND i.person_id = p.id"),
                    values,
                    op,
                    &c.arg,
                )?
            }
            Source::InteractionLast => {
                let (from_where, values) = self.events(c)?;
                let col =
                    format!("(SELECT max(i.occurred_at) {from_where} AND i.person_id = p.id)");
                predicate(&col, values.len(), &c.ty, op, &c.arg, at, Guard::Coalesce)?.expr(values)
            }
            Source::TransactionCount
            | Source::TransactionSum
            | Source::TransactionLast
            | Source::TransactionOverdue => {
                let (from_where, values) = self.events(c)?;
                let (agg, arg, empty_holds) = match c.source {
                    Source::TransactionSum => {
                        // Amounts are compared in minor units (cents), exactly.
                        let arg = match &c.arg {
                            Arg::Number(n) => Arg::Number((n * 100.0).round()),
                            Arg::NumberRange(a, b) => {
                                Arg::NumberRange((a * 100.0).round(), (b * 100.0).round())
                            }
                            other => other.clone(),
                        };
                        let holds = holds_at_zero(op, &arg);
                        ("COALESCE(sum(t.amount_minor), 0)", arg, holds)
                    }
                    // No purchase: no last date, so no date condition holds.
                    Source::TransactionLast => ("max(t.issued_on)", c.arg.clone(), false),
                    _ => ("count(*)", c.arg.clone(), holds_at_zero(op, &c.arg)),
                };
                grouped(&from_where, values, agg, &c.ty, op, &arg, at, empty_holds)?
            }
            Source::AbcClass => match (op, &c.arg) {
                (Op::Eq, Arg::Text(v)) => sql(
                    "p.id IN (SELECT a.person_id FROM abc_results a WHERE a.class = $1)",
                    [Value::from(v.clone())],
                ),
                (Op::In, Arg::Texts(v)) => sql(
                    "p.id IN (SELECT a.person_id FROM abc_results a WHERE a.class = ANY($1::text[]))",
                    [text_array(v)],
                ),
                (Op::IsNotEmpty, _) => sql("p.id IN (SELECT a.person_id FROM abc_results a)", []),
                _ => return Err(unsupported(c)),
            },
            Source::Bant(col) => {
                if op == Op::IsNotEmpty {
                    sql(
                        "EXISTS (SELECT 1 FROM bant_scores b WHERE b.person_id = p.id)",
                        [],
                    )
                } else {
                    let col =
                        format!("(SELECT b.{col} FROM bant_scores b WHERE b.person_id = p.id)");
                    predicate(&col, 0, &c.ty, op, &c.arg, at, Guard::Coalesce)?.expr(vec![])
                }
            }
            Source::MayContact => {
                let (Some(channel), Some(purpose), Arg::Bool(want)) =
                    (c.filter.channel, c.filter.purpose.as_deref(), &c.arg)
                else {
                    return Err(unsupported(c));
                };
                let (inner, values) = decisions_sql(&self.env.policy, channel, purpose, at, 1);
                let e = sql(
                    format!(
                        "EXISTS (SELECT 1 FROM ({inner}) d WHERE d.person_id = p.id AND d.allowed)"
                    ),
                    values,
                );
                if *want { e } else { e.not() }
            }
            Source::Segment => {
                let Arg::Uuid(id) = c.arg else {
                    return Err(unsupported(c));
                };
                let Some(seg) = self.env.catalog.segments.get(&id) else {
                    return Err(Error::field(
                        "rule",
                        format!("segment {id} no longer exists"),
                    ));
                };
                match &seg.rule {
                    None => sql(
                        "p.id IN (SELECT m.person_id FROM segment_members m WHERE m.segment_id = $1)",
                        [Value::from(id)],
                    ),
                    Some(rule) => {
                        if self.depth >= rule::MAX_DEPTH {
                            return Err(Error::field("rule", "segment references nest too deeply"));
                        }
                        let inner = rule::parse(rule, self.env.catalog)?;
                        self.depth += 1;
                        let e = self.node(&inner);
                        self.depth -= 1;
                        e?
                    }
                }
            }
        })
    }

    /// `FROM <events> WHERE <belongs to p> AND <filter>` of an aggregate, with its values.
    fn events(&self, c: &Cond) -> Result<(String, Vec<Value>)> {
        let f: &Filter = &c.filter;
        let mut values: Vec<Value> = Vec::new();
        let bind = |v: Value, values: &mut Vec<Value>| {
            values.push(v);
            format!("${}", values.len())
        };
        let (from_where, period) = match c.source {
            Source::InteractionCount | Source::InteractionLast => {
                let mut s =
                    "FROM interactions i WHERE i.person_id = p.id AND i.archived_at IS NULL"
                        .to_owned();
                if !f.kinds.is_empty() {
                    let p = bind(text_array(&f.kinds), &mut values);
                    s += &format!(" AND i.kind = ANY({p}::text[])");
                }
                if !f.directions.is_empty() {
                    let p = bind(text_array(&f.directions), &mut values);
                    s += &format!(" AND i.direction = ANY({p}::text[])");
                }
                (s, f.period.map(|p| ("i.occurred_at", p)))
            }
            Source::TransactionOverdue => {
                let p = bind(Value::from(self.env.at.date_naive()), &mut values);
                (
                    format!(
                        "FROM transactions t WHERE t.person_id IS NOT NULL AND t.archived_at IS NULL \
                         AND t.kind = 'invoice' AND t.status = 'open' AND t.due_on < {p}"
                    ),
                    None,
                )
            }
            _ => {
                let mut s =
                    "FROM transactions t WHERE t.person_id IS NOT NULL AND t.archived_at IS NULL"
                        .to_owned();
                if f.statuses.is_empty() {
                    s += " AND t.status <> 'cancelled'";
                } else {
                    let p = bind(text_array(&f.statuses), &mut values);
                    s += &format!(" AND t.status = ANY({p}::text[])");
                }
                if !f.kinds.is_empty() {
                    let p = bind(text_array(&f.kinds), &mut values);
                    s += &format!(" AND t.kind = ANY({p}::text[])");
                }
                (s, f.period.map(|p| ("t.issued_on", p)))
            }
        };
        let mut s = from_where;
        if let Some((col, period)) = period {
            let (from, to) = period.bounds(self.env.at);
            let dates = col == "t.issued_on";
            let v = |t: DateTime<Utc>| -> Value {
                if dates {
                    Value::from(event_day(t))
                } else {
                    Value::from(t)
                }
            };
            if let Some(t) = from {
                let p = bind(v(t), &mut values);
                s += &format!(" AND {col} >= {p}");
            }
            if let Some(t) = to {
                let p = bind(v(t), &mut values);
                s += &format!(" AND {col} < {p}");
            }
        }
        Ok((s, values))
    }
}

/// The calendar day a bound falls on, for date columns (a bound inside a day counts from
/// that day's start).
pub fn event_day(t: DateTime<Utc>) -> NaiveDate {
    t.date_naive()
}

fn unsupported(c: &Cond) -> Error {
    Error::field(
        "rule",
        format!("'{}' does not take '{}'", c.field, c.op.as_str()),
    )
}

/// The JSONB path of a custom field, cast to its type (`$1` is the key).
fn custom(alias: &str, ty: &Ty) -> String {
    let cast = match ty {
        Ty::Number => "::numeric",
        Ty::Date => "::date",
        Ty::Bool => "::boolean",
        _ => "",
    };
    format!("(({alias}.custom ->> $1){cast})")
}

/// A person has an organization (active, not merged away) satisfying `inner` (over `o`, `po`).
fn organization(inner: Expr) -> Expr {
    Expr::exists(
        Query::select()
            .expr(Expr::cust("1"))
            .from_as(Alias::new("person_organizations"), Alias::new("po"))
            .join_as(
                sea_orm::sea_query::JoinType::InnerJoin,
                Alias::new("organizations"),
                Alias::new("o"),
                Expr::cust("o.id = po.organization_id"),
            )
            .and_where(Expr::cust(
                "po.person_id = p.id AND o.merged_into IS NULL AND o.archived_at IS NULL",
            ))
            .and_where(inner)
            .to_owned(),
    )
}

/// A count aggregate compared with a number; "at least one" and "none" become (NOT) EXISTS.
fn count(from_where: &str, values: Vec<Value>, op: Op, arg: &Arg) -> Result<Expr> {
    let exists = || sql(format!("EXISTS (SELECT 1 {from_where})"), values.clone());
    if let Arg::Number(n) = arg {
        let n = *n;
        let at_least_one = match op {
            Op::Gte => n > 0.0 && n <= 1.0,
            Op::Gt => (0.0..1.0).contains(&n),
            _ => false,
        };
        let none = match op {
            Op::Eq => n == 0.0,
            Op::Lt => n > 0.0 && n <= 1.0,
            Op::Lte => (0.0..1.0).contains(&n),
            _ => false,
        };
        if at_least_one {
            return Ok(exists());
        }
        if none {
            return Ok(exists().not());
        }
    }
    let col = format!("(SELECT count(*) {from_where})");
    Ok(predicate(
        &col,
        values.len(),
        &Ty::Number,
        op,
        arg,
        Utc::now(),
        Guard::None,
    )?
    .expr(values))
}

/// Whether a count or sum condition holds for a person without any matching rows (0).
fn holds_at_zero(op: Op, arg: &Arg) -> bool {
    match (op, arg) {
        (Op::Eq, Arg::Number(n)) => *n == 0.0,
        (Op::Lt, Arg::Number(n)) => 0.0 < *n,
        (Op::Lte, Arg::Number(n)) => 0.0 <= *n,
        (Op::Gt, Arg::Number(n)) => 0.0 > *n,
        (Op::Gte, Arg::Number(n)) => 0.0 >= *n,
        (Op::Between, Arg::NumberRange(a, b)) => *a <= 0.0 && 0.0 <= *b,
        _ => false,
    }
}

/// An aggregate over a person's transactions, decorrelated: one grouped pass over the
/// matching rows instead of a subquery per person (a tenant has far fewer transactions than
/// persons x probes). Persons without rows have the empty aggregate; where the condition holds
/// for it (`sum < 100`), the query keeps everyone except those whose group fails it.
#[allow(clippy::too_many_arguments)]
fn grouped(
    from_where: &str,
    values: Vec<Value>,
    agg: &str,
    ty: &Ty,
    op: Op,
    arg: &Arg,
    at: DateTime<Utc>,
    empty_holds: bool,
) -> Result<Expr> {
    let guard = if agg.starts_with("max(") {
        Guard::Coalesce
    } else {
        Guard::None
    };
    let p = predicate(agg, values.len(), ty, op, arg, at, guard)?;
    let e = if empty_holds {
        Pred {
            sql: format!(
                "NOT EXISTS (SELECT 1 FROM (SELECT t.person_id {from_where} GROUP BY t.person_id \
                 HAVING NOT {}) g WHERE g.person_id = p.id)",
                p.sql
            ),
            values: p.values,
        }
    } else {
        Pred {
            sql: format!(
                "p.id IN (SELECT t.person_id {from_where} GROUP BY t.person_id HAVING {})",
                p.sql
            ),
            values: p.values,
        }
    };
    Ok(e.expr(values))
}

/// How a predicate stays two-valued when its column may be NULL.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Guard {
    /// The column is never NULL.
    None,
    /// `col IS NOT NULL AND ...` (keeps the comparison visible to the planner's index use).
    NotNull,
    /// `COALESCE(..., false)` (for scalar subqueries, which must not run twice).
    Coalesce,
}

/// A predicate fragment with its own `$1..` values.
struct Pred {
    sql: String,
    values: Vec<Value>,
}

impl Pred {
    /// As an expression; `params` are the values the column itself uses (`$1..$k`).
    fn expr(self, params: Vec<Value>) -> Expr {
        let mut all = params;
        all.extend(self.values);
        sql(self.sql, all)
    }
}

/// The positive predicate `op arg` on the value expression `col` of type `ty`. `col` uses
/// `$1..$col_params` itself (a custom-field key, an aggregate's filter), so the predicate's
/// own values are numbered after those; [`Pred::expr`] puts the column's values first.
fn predicate(
    col: &str,
    col_params: usize,
    ty: &Ty,
    op: Op,
    arg: &Arg,
    at: DateTime<Utc>,
    guard: Guard,
) -> Result<Pred> {
    let mut values: Vec<Value> = Vec::new();
    let mut bind = |v: Value| {
        values.push(v);
        format!("${}", values.len() + col_params)
    };
    let ts = *ty == Ty::Timestamp;
    let day_value = |d: NaiveDate| -> Value {
        if ts {
            Value::from(day_start(d))
        } else {
            Value::from(d)
        }
    };
    let instant = |t: DateTime<Utc>| -> Value {
        if ts {
            Value::from(t)
        } else {
            Value::from(t.date_naive())
        }
    };
    let body = match (op, arg) {
        (Op::IsNotEmpty, _) => match ty {
            Ty::Text => format!("{col} <> ''"),
            Ty::Tags => format!("cardinality({col}) > 0"),
            _ => "TRUE".to_owned(),
        },
        (Op::Eq, Arg::Text(s)) => format!("{col} = {}", bind(Value::from(s.clone()))),
        (Op::Eq, Arg::Uuid(u)) => format!("{col} = {}", bind(Value::from(*u))),
        (Op::Eq, Arg::Number(n)) => format!("{col} = {}", bind(Value::from(*n))),
        (Op::Eq, Arg::Date(d)) if ts => {
            let a = bind(day_value(*d));
            let b = bind(day_value(next_day(*d)));
            format!("{col} >= {a} AND {col} < {b}")
        }
        (Op::Eq, Arg::Date(d)) => format!("{col} = {}", bind(day_value(*d))),
        (Op::In, Arg::Texts(v)) => format!("{col} = ANY({}::text[])", bind(text_array(v))),
        (Op::In, Arg::Uuids(v)) => format!(
            "{col} = ANY({}::uuid[])",
            bind(kartei_contacts::sql::uuid_array(v.clone()))
        ),
        (Op::Contains, Arg::Text(s)) => format!(
            "{col} ILIKE {}",
            bind(Value::from(format!(
                "%{}%",
                kartei_contacts::sql::like_escape(s)
            )))
        ),
        (Op::StartsWith, Arg::Text(s)) => format!(
            "{col} ILIKE {}",
            bind(Value::from(format!(
                "{}%",
                kartei_contacts::sql::like_escape(s)
            )))
        ),
        (Op::EndsWith, Arg::Text(s)) => format!(
            "{col} ILIKE {}",
            bind(Value::from(format!(
                "%{}",
                kartei_contacts::sql::like_escape(s)
            )))
        ),
        // Byte order (text_pattern_ops), the same in every locale and in Rust.
        (Op::Between, Arg::TextRange(a, b)) => {
            let a = bind(Value::from(a.clone()));
            let b = bind(Value::from(b.clone()));
            format!("{col} ~>=~ {a} AND {col} ~<=~ {b}")
        }
        (Op::Between, Arg::NumberRange(a, b)) => {
            let a = bind(Value::from(*a));
            let b = bind(Value::from(*b));
            format!("{col} >= {a} AND {col} <= {b}")
        }
        (Op::Lt, Arg::Number(n)) => format!("{col} < {}", bind(Value::from(*n))),
        (Op::Lte, Arg::Number(n)) => format!("{col} <= {}", bind(Value::from(*n))),
        (Op::Gt, Arg::Number(n)) => format!("{col} > {}", bind(Value::from(*n))),
        (Op::Gte, Arg::Number(n)) => format!("{col} >= {}", bind(Value::from(*n))),
        (Op::Before, Arg::Date(d)) => format!("{col} < {}", bind(day_value(*d))),
        (Op::After, Arg::Date(d)) => format!("{col} >= {}", bind(day_value(next_day(*d)))),
        (Op::Between, Arg::DateRange(a, b)) => {
            let a = bind(day_value(*a));
            let b = bind(day_value(next_day(*b)));
            format!("{col} >= {a} AND {col} < {b}")
        }
        (Op::WithinLast, Arg::Span(s)) => {
            let a = bind(instant(s.before(at)));
            let b = bind(instant(at));
            format!("{col} >= {a} AND {col} <= {b}")
        }
        (Op::MoreThanAgo, Arg::Span(s)) => format!("{col} < {}", bind(instant(s.before(at)))),
        (Op::WithinNext, Arg::Span(s)) => {
            let a = bind(instant(at));
            let b = bind(instant(s.after(at)));
            format!("{col} >= {a} AND {col} <= {b}")
        }
        (Op::MonthIs | Op::MonthFromNow, Arg::Int(m)) => {
            let month = if op == Op::MonthIs {
                *m
            } else {
                rule::month_from_now(at.date_naive(), *m)
            };
            let expr = if ts {
                format!("{col} AT TIME ZONE 'UTC'")
            } else {
                col.to_owned()
            };
            format!(
                "(extract(month FROM {expr})::int) = {}",
                bind(Value::from(month))
            )
        }
        (Op::AnniversaryWithinDays, Arg::Int(days)) => {
            let expr = if ts {
                format!("{col} AT TIME ZONE 'UTC'")
            } else {
                col.to_owned()
            };
            let codes = rule::anniversary_codes(at.date_naive(), *days);
            format!(
                "to_char({expr}, 'MMDD') = ANY({}::text[])",
                bind(text_array(&codes))
            )
        }
        (Op::Is, Arg::Bool(b)) => format!("{col} = {}", bind(Value::from(*b))),
        (Op::Has, Arg::Text(s)) => {
            format!(
                "{col} @> {}::text[]",
                bind(text_array(std::slice::from_ref(s)))
            )
        }
        (Op::HasAny, Arg::Texts(v)) => format!("{col} && {}::text[]", bind(text_array(v))),
        (Op::HasAll, Arg::Texts(v)) => format!("{col} @> {}::text[]", bind(text_array(v))),
        _ => {
            return Err(Error::field(
                "rule",
                format!("operator '{}' does not take this value", op.as_str()),
            ));
        }
    };
    let sql = match guard {
        Guard::None => format!("({body})"),
        Guard::NotNull => format!("({col} IS NOT NULL AND {body})"),
        Guard::Coalesce => format!("COALESCE(({body}), false)"),
    };
    Ok(Pred { sql, values })
}
