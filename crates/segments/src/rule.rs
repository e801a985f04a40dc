//! The rule tree of a segment: parsed from JSON and checked against the [`Catalog`] in one
//! pass, so every error names the path to the offending node (`rule.and[2].value`).
//!
//! The JSON form (what the API takes and the database stores):
//!
//! ```json
//! {"and": [
//!   {"field": "abcClass", "op": "in", "value": ["A"]},
//!   {"not": {"field": "dnrReason", "op": "eq", "value": "bad_payer"}},
//!   {"field": "interactions.count", "op": "gte", "value": 2,
//!    "filter": {"kinds": ["call"], "period": {"withinLast": {"amount": 12, "unit": "months"}}}},
//!   {"field": "mayContact", "op": "is", "value": true,
//!    "filter": {"channel": "email", "purpose": "newsletter"}}
//! ]}
//! ```
//!
//! Semantics every backend keeps (the SQL compiler and the tests' in-memory evaluator): a
//! condition is true or false, never unknown. A positive operator on an empty value is false;
//! the negative operators (`ne`, `notIn`, `notContains`, `hasNone`, `notMemberOf`) are exactly
//! `not` of their positive, so they hold for empty values. Text `eq`/`in` compare exactly,
//! `contains`/`startsWith`/`endsWith` ignore case.

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use kartei_compliance::Channel;
use kartei_core::validate::FieldErrors;
use serde_json::Value as Json;
use uuid::Uuid;

use crate::catalog::{
    Catalog, DIRECTIONS, FieldDef, INTERACTION_KINDS, Source, TRANSACTION_KINDS,
    TRANSACTION_STATUSES, Ty,
};
use crate::error::{Error, Result};

pub const MAX_DEPTH: usize = 12;
pub const MAX_NODES: usize = 200;
pub const MAX_LIST: usize = 1000;
pub const MAX_TEXT: usize = 500;
/// Larger magnitudes lose integer precision as `f64` and mean nothing in a CRM.
pub const MAX_NUMBER: f64 = 1e15;

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    Cond(Box<Cond>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Cond {
    pub field: String,
    pub source: Source,
    pub ty: Ty,
    pub op: Op,
    pub arg: Arg,
    pub filter: Filter,
}

macro_rules! ops {
    ($($variant:ident = $s:literal),+ $(,)?) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Op { $($variant),+ }

        impl Op {
            pub const ALL: &'static [Op] = &[$(Op::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $(Op::$variant => $s),+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some(Op::$variant),)+ _ => None }
            }
        }
    };
}

ops!(
    Eq = "eq",
    Ne = "ne",
    In = "in",
    NotIn = "notIn",
    Contains = "contains",
    NotContains = "notContains",
    StartsWith = "startsWith",
    EndsWith = "endsWith",
    Between = "between",
    Lt = "lt",
    Lte = "lte",
    Gt = "gt",
    Gte = "gte",
    Before = "before",
    After = "after",
    WithinLast = "withinLast",
    MoreThanAgo = "moreThanAgo",
    WithinNext = "withinNext",
    MonthIs = "monthIs",
    MonthFromNow = "monthFromNow",
    AnniversaryWithinDays = "anniversaryWithinDays",
    Is = "is",
    Has = "has",
    HasAny = "hasAny",
    HasAll = "hasAll",
    HasNone = "hasNone",
    MemberOf = "memberOf",
    NotMemberOf = "notMemberOf",
    IsEmpty = "isEmpty",
    IsNotEmpty = "isNotEmpty",
);

impl Op {
    /// The operators a type takes.
    pub fn allowed(ty: &Ty) -> &'static [Op] {
        use Op::*;
        match ty {
            Ty::Text => &[
                Eq,
                Ne,
                In,
                NotIn,
                Contains,
                NotContains,
                StartsWith,
                EndsWith,
                Between,
                IsEmpty,
                IsNotEmpty,
            ],
            Ty::Number => &[Eq, Ne, Lt, Lte, Gt, Gte, Between, IsEmpty, IsNotEmpty],
            Ty::Date | Ty::Timestamp => &[
                Eq,
                Ne,
                Before,
                After,
                Between,
                WithinLast,
                MoreThanAgo,
                WithinNext,
                MonthIs,
                MonthFromNow,
                AnniversaryWithinDays,
                IsEmpty,
                IsNotEmpty,
            ],
            Ty::Bool => &[Is, IsEmpty, IsNotEmpty],
            Ty::Enum(_) | Ty::Picklist(_) | Ty::Uuid => &[Eq, Ne, In, NotIn, IsEmpty, IsNotEmpty],
            Ty::Tags => &[Has, HasAny, HasAll, HasNone, IsEmpty, IsNotEmpty],
            Ty::Segment => &[MemberOf, NotMemberOf],
            Ty::Consent => &[Is],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Days,
    Weeks,
    Months,
    Years,
}

/// A span relative to the evaluation time ("12 months").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub amount: u32,
    pub unit: Unit,
}

impl Span {
    pub fn before(self, at: DateTime<Utc>) -> DateTime<Utc> {
        let r = match self.unit {
            Unit::Days => at.checked_sub_signed(chrono::Duration::days(self.amount.into())),
            Unit::Weeks => at.checked_sub_signed(chrono::Duration::weeks(self.amount.into())),
            Unit::Months => at.checked_sub_months(Months::new(self.amount)),
            Unit::Years => at.checked_sub_months(Months::new(self.amount.saturating_mul(12))),
        };
        r.unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    pub fn after(self, at: DateTime<Utc>) -> DateTime<Utc> {
        let r = match self.unit {
            Unit::Days => at.checked_add_signed(chrono::Duration::days(self.amount.into())),
            Unit::Weeks => at.checked_add_signed(chrono::Duration::weeks(self.amount.into())),
            Unit::Months => at.checked_add_months(Months::new(self.amount)),
            Unit::Years => at.checked_add_months(Months::new(self.amount.saturating_mul(12))),
        };
        r.unwrap_or(DateTime::<Utc>::MAX_UTC)
    }
}

/// The checked value of a condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    None,
    Text(String),
    Texts(Vec<String>),
    TextRange(String, String),
    Number(f64),
    NumberRange(f64, f64),
    Date(NaiveDate),
    DateRange(NaiveDate, NaiveDate),
    Span(Span),
    Int(i32),
    Bool(bool),
    Uuid(Uuid),
    Uuids(Vec<Uuid>),
}

/// A period over the events an aggregate counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    WithinLast(Span),
    MoreThanAgo(Span),
    /// Inclusive calendar days; either end may be open.
    Range(Option<NaiveDate>, Option<NaiveDate>),
}

impl Period {
    /// Half-open bounds `[from, to)` in time, evaluated at `at`.
    pub fn bounds(self, at: DateTime<Utc>) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
        match self {
            Period::WithinLast(s) => (Some(s.before(at)), None),
            Period::MoreThanAgo(s) => (None, Some(s.before(at))),
            Period::Range(a, b) => (a.map(day_start), b.map(|d| day_start(next_day(d)))),
        }
    }
}

pub fn day_start(d: NaiveDate) -> DateTime<Utc> {
    d.and_time(chrono::NaiveTime::MIN).and_utc()
}

pub fn next_day(d: NaiveDate) -> NaiveDate {
    d.succ_opt().unwrap_or(NaiveDate::MAX)
}

/// Extra conditions of aggregates and of `mayContact`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Filter {
    pub kinds: Vec<String>,
    pub directions: Vec<String>,
    pub statuses: Vec<String>,
    pub period: Option<Period>,
    pub channel: Option<Channel>,
    pub purpose: Option<String>,
}

/// Parses and checks a rule; every problem is reported with its path.
pub fn parse(json: &Json, catalog: &Catalog) -> Result<Node> {
    let mut p = Parser {
        catalog,
        errors: FieldErrors::new(),
        nodes: 0,
    };
    let node = p.node(json, "rule", 0);
    match node {
        Some(n) if p.errors.is_empty() => Ok(n),
        _ => {
            if p.errors.is_empty() {
                p.errors.add("rule", "is not a valid rule");
            }
            Err(Error::Invalid(p.errors))
        }
    }
}

/// The ids of the segments a rule refers to (`segment` conditions), in order.
pub fn referenced_segments(node: &Node, out: &mut Vec<Uuid>) {
    match node {
        Node::And(v) | Node::Or(v) => v.iter().for_each(|n| referenced_segments(n, out)),
        Node::Not(n) => referenced_segments(n, out),
        Node::Cond(c) => {
            if let Arg::Uuid(id) = c.arg
                && c.ty == Ty::Segment
                && !out.contains(&id)
            {
                out.push(id);
            }
        }
    }
}

/// Refuses a rule whose segment references lead back to `start` (or go deeper than
/// [`MAX_DEPTH`] segments), naming the chain.
pub fn check_cycles(start: Option<Uuid>, node: &Node, catalog: &Catalog) -> Result<()> {
    fn walk(
        start: Option<Uuid>,
        node: &Node,
        catalog: &Catalog,
        chain: &mut Vec<Uuid>,
    ) -> Result<()> {
        let mut refs = Vec::new();
        referenced_segments(node, &mut refs);
        for id in refs {
            if Some(id) == start || chain.contains(&id) {
                let names: Vec<String> = chain
                    .iter()
                    .chain(std::iter::once(&id))
                    .map(|i| {
                        catalog
                            .segments
                            .get(i)
                            .map_or(i.to_string(), |s| s.name.clone())
                    })
                    .collect();
                return Err(Error::field(
                    "rule",
                    format!("segment references form a cycle: {}", names.join(" → ")),
                ));
            }
            if chain.len() >= MAX_DEPTH {
                return Err(Error::field("rule", "segment references nest too deeply"));
            }
            let Some(seg) = catalog.segments.get(&id) else {
                continue;
            };
            if let Some(rule) = &seg.rule {
                let inner = parse(rule, catalog)?;
                chain.push(id);
                walk(start, &inner, catalog, chain)?;
                chain.pop();
            }
        }
        Ok(())
    }
    walk(start, node, catalog, &mut Vec::new())
}

struct Parser<'a> {
    catalog: &'a Catalog,
    errors: FieldErrors,
    nodes: usize,
}

impl Parser<'_> {
    fn fail(&mut self, path: &str, msg: impl Into<String>) -> Option<Node> {
        self.errors.add(path, msg);
        None
    }

    fn node(&mut self, json: &Json, path: &str, depth: usize) -> Option<Node> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return self.fail(path, format!("a rule has at most {MAX_NODES} nodes"));
        }
        if depth > MAX_DEPTH {
            return self.fail(path, format!("a rule nests at most {MAX_DEPTH} levels"));
        }
        let Some(obj) = json.as_object() else {
            return self.fail(path, "must be an object: {and}, {or}, {not} or a condition");
        };
        for key in ["and", "or"] {
            if let Some(list) = obj.get(key) {
                if obj.len() != 1 {
                    return self.fail(path, format!("'{key}' stands alone in its object"));
                }
                let Some(items) = list.as_array() else {
                    return self.fail(&format!("{path}.{key}"), "must be a list of rules");
                };
                if items.is_empty() {
                    return self.fail(&format!("{path}.{key}"), "must not be empty");
                }
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    out.extend(self.node(item, &format!("{path}.{key}[{i}]"), depth + 1));
                }
                if out.len() != items.len() {
                    return None;
                }
                return Some(if key == "and" {
                    Node::And(out)
                } else {
                    Node::Or(out)
                });
            }
        }
        if let Some(inner) = obj.get("not") {
            if obj.len() != 1 {
                return self.fail(path, "'not' stands alone in its object");
            }
            let n = self.node(inner, &format!("{path}.not"), depth + 1)?;
            return Some(Node::Not(Box::new(n)));
        }
        self.cond(obj, path).map(|c| Node::Cond(Box::new(c)))
    }

    fn cond(&mut self, obj: &serde_json::Map<String, Json>, path: &str) -> Option<Cond> {
        for key in obj.keys() {
            if !matches!(key.as_str(), "field" | "op" | "value" | "filter") {
                self.errors.add(
                    format!("{path}.{key}"),
                    "unknown key (a condition has field, op, value and filter)",
                );
                return None;
            }
        }
        let Some(field) = obj.get("field").and_then(Json::as_str) else {
            self.errors.add(format!("{path}.field"), "is required");
            return None;
        };
        let Some(FieldDef { ty, source }) = self.catalog.field(field) else {
            self.errors.add(
                format!("{path}.field"),
                format!("unknown field '{}'", clip(field)),
            );
            return None;
        };
        let Some(op_name) = obj.get("op").and_then(Json::as_str) else {
            self.errors.add(format!("{path}.op"), "is required");
            return None;
        };
        let Some(op) = Op::parse(op_name).filter(|op| Op::allowed(&ty).contains(op)) else {
            let allowed: Vec<&str> = Op::allowed(&ty).iter().map(|o| o.as_str()).collect();
            self.errors.add(
                format!("{path}.op"),
                format!(
                    "'{}' does not apply to {} field '{field}' (use one of: {})",
                    clip(op_name),
                    ty.name(),
                    allowed.join(", ")
                ),
            );
            return None;
        };
        if matches!(op, Op::IsEmpty | Op::IsNotEmpty) && source.never_null() {
            self.errors
                .add(format!("{path}.op"), format!("'{field}' is never empty"));
            return None;
        }
        let vpath = format!("{path}.value");
        let value = obj.get("value").unwrap_or(&Json::Null);
        let arg = self.arg(&ty, op, value, &vpath)?;
        let filter = self.filter(&source, obj.get("filter"), &format!("{path}.filter"))?;
        Some(Cond {
            field: field.to_owned(),
            source,
            ty,
            op,
            arg,
            filter,
        })
    }

    fn arg(&mut self, ty: &Ty, op: Op, v: &Json, path: &str) -> Option<Arg> {
        use Op::*;
        let r: std::result::Result<Arg, String> = match (ty, op) {
            (_, IsEmpty | IsNotEmpty) => none(v),
            (Ty::Text, Eq | Ne | Contains | NotContains | StartsWith | EndsWith) => {
                text(v).map(Arg::Text)
            }
            (Ty::Text, In | NotIn) => texts(v, |_| Ok(())).map(Arg::Texts),
            (Ty::Text, Between) => pair(v, text).map(|(a, b)| Arg::TextRange(a, b)),
            (Ty::Number, Between) => pair(v, number).and_then(|(a, b)| {
                if a <= b {
                    Ok(Arg::NumberRange(a, b))
                } else {
                    Err("the lower bound comes first".into())
                }
            }),
            (Ty::Number, _) => number(v).map(Arg::Number),
            (Ty::Date | Ty::Timestamp, Eq | Ne | Before | After) => date(v).map(Arg::Date),
            (Ty::Date | Ty::Timestamp, Between) => pair(v, date).and_then(|(a, b)| {
                if a <= b {
                    Ok(Arg::DateRange(a, b))
                } else {
                    Err("the earlier date comes first".into())
                }
            }),
            (Ty::Date | Ty::Timestamp, WithinLast | MoreThanAgo | WithinNext) => {
                span(v).map(Arg::Span)
            }
            (Ty::Date | Ty::Timestamp, MonthIs) => int(v, 1, 12).map(Arg::Int),
            (Ty::Date | Ty::Timestamp, MonthFromNow) => int(v, -11, 11).map(Arg::Int),
            (Ty::Date | Ty::Timestamp, AnniversaryWithinDays) => int(v, 0, 366).map(Arg::Int),
            (Ty::Bool | Ty::Consent, Is) => v
                .as_bool()
                .map(Arg::Bool)
                .ok_or_else(|| "must be true or false".into()),
            (Ty::Enum(values), Eq | Ne) => {
                text(v).and_then(|s| one_of(values, &s).map(|_| Arg::Text(s)))
            }
            (Ty::Enum(values), In | NotIn) => texts(v, |s| one_of(values, s)).map(Arg::Texts),
            (Ty::Picklist(list), Eq | Ne) => {
                let known = self.catalog.picklists.get(list);
                text(v).and_then(|s| in_picklist(known, list, &s).map(|_| Arg::Text(s)))
            }
            (Ty::Picklist(list), In | NotIn) => {
                let known = self.catalog.picklists.get(list);
                texts(v, |s| in_picklist(known, list, s)).map(Arg::Texts)
            }
            (Ty::Uuid, Eq | Ne) => uuid(v).map(Arg::Uuid),
            (Ty::Uuid, In | NotIn) => list(v, uuid).map(Arg::Uuids),
            (Ty::Tags, Has) => text(v).map(Arg::Text),
            (Ty::Tags, HasAny | HasAll | HasNone) => texts(v, |_| Ok(())).map(Arg::Texts),
            (Ty::Segment, MemberOf | NotMemberOf) => uuid(v).and_then(|id| {
                if self.catalog.segments.contains_key(&id) {
                    Ok(Arg::Uuid(id))
                } else {
                    Err("no such segment".into())
                }
            }),
            _ => Err("is not valid here".into()),
        };
        match r {
            Ok(a) => Some(a),
            Err(m) => {
                self.errors.add(path, m);
                None
            }
        }
    }

    fn filter(&mut self, source: &Source, f: Option<&Json>, path: &str) -> Option<Filter> {
        let mut out = Filter::default();
        let Some(f) = f.filter(|f| !f.is_null()) else {
            if *source == Source::MayContact {
                self.errors.add(
                    path,
                    "is required: {channel, purpose} of the contact to check",
                );
                return None;
            }
            return Some(out);
        };
        let Some(obj) = f.as_object() else {
            self.errors.add(path, "must be an object");
            return None;
        };
        let allowed: &[&str] = if source.is_interaction() {
            &["kinds", "directions", "period"]
        } else if source.is_transaction() {
            &["kinds", "statuses", "period"]
        } else if *source == Source::MayContact {
            &["channel", "purpose"]
        } else {
            &[]
        };
        for (key, v) in obj {
            let p = format!("{path}.{key}");
            if !allowed.contains(&key.as_str()) {
                self.errors.add(p, "unknown filter for this field");
                return None;
            }
            let r: std::result::Result<(), String> = match key.as_str() {
                "kinds" => {
                    let values = if source.is_interaction() {
                        INTERACTION_KINDS
                    } else {
                        TRANSACTION_KINDS
                    };
                    texts(v, |s| one_of(values, s)).map(|k| out.kinds = k)
                }
                "directions" => texts(v, |s| one_of(DIRECTIONS, s)).map(|d| out.directions = d),
                "statuses" => {
                    texts(v, |s| one_of(TRANSACTION_STATUSES, s)).map(|s| out.statuses = s)
                }
                "period" => period(v).map(|p| out.period = Some(p)),
                "channel" => text(v).and_then(|s| {
                    Channel::parse(&s)
                        .map(|c| out.channel = Some(c))
                        .ok_or_else(|| "must be email, phone, sms, letter or messenger".into())
                }),
                "purpose" => text(v).and_then(|s| {
                    if self.catalog.purposes.contains(&s) {
                        out.purpose = Some(s);
                        Ok(())
                    } else {
                        Err("no such consent purpose".into())
                    }
                }),
                _ => Err("unknown filter".into()),
            };
            if let Err(m) = r {
                self.errors.add(p, m);
                return None;
            }
        }
        if *source == Source::MayContact && (out.channel.is_none() || out.purpose.is_none()) {
            self.errors.add(path, "needs both channel and purpose");
            return None;
        }
        Some(out)
    }
}

fn clip(s: &str) -> String {
    s.chars().take(60).collect()
}

fn none(v: &Json) -> std::result::Result<Arg, String> {
    if v.is_null() {
        Ok(Arg::None)
    } else {
        Err("takes no value".into())
    }
}

fn text(v: &Json) -> std::result::Result<String, String> {
    let s = v.as_str().ok_or("must be a string")?;
    if s.is_empty() {
        return Err("must not be empty".into());
    }
    if s.chars().count() > MAX_TEXT {
        return Err(format!("is longer than {MAX_TEXT} characters"));
    }
    if s.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    Ok(s.to_owned())
}

fn list<T>(
    v: &Json,
    item: impl Fn(&Json) -> std::result::Result<T, String>,
) -> std::result::Result<Vec<T>, String> {
    let items = v.as_array().ok_or("must be a list")?;
    if items.is_empty() {
        return Err("must not be empty".into());
    }
    if items.len() > MAX_LIST {
        return Err(format!("has more than {MAX_LIST} entries"));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, x)| item(x).map_err(|m| format!("entry {i} {m}")))
        .collect()
}

fn texts(
    v: &Json,
    check: impl Fn(&str) -> std::result::Result<(), String>,
) -> std::result::Result<Vec<String>, String> {
    list(v, |x| {
        let s = text(x)?;
        check(&s)?;
        Ok(s)
    })
}

fn pair<T>(
    v: &Json,
    item: impl Fn(&Json) -> std::result::Result<T, String>,
) -> std::result::Result<(T, T), String> {
    match v.as_array().map(Vec::as_slice) {
        Some([a, b]) => Ok((item(a)?, item(b)?)),
        _ => Err("must be a list of two bounds".into()),
    }
}

fn number(v: &Json) -> std::result::Result<f64, String> {
    let n = v.as_f64().ok_or("must be a number")?;
    if !n.is_finite() || n.abs() > MAX_NUMBER {
        return Err(format!(
            "must be between -{MAX_NUMBER:e} and {MAX_NUMBER:e}"
        ));
    }
    Ok(n)
}

fn int(v: &Json, min: i64, max: i64) -> std::result::Result<i32, String> {
    v.as_i64()
        .filter(|n| (min..=max).contains(n))
        .and_then(|n| i32::try_from(n).ok())
        .ok_or_else(|| format!("must be a whole number from {min} to {max}"))
}

fn date(v: &Json) -> std::result::Result<NaiveDate, String> {
    v.as_str()
        .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .filter(|d| (1..=9999).contains(&d.year()))
        .ok_or_else(|| "must be a date YYYY-MM-DD".into())
}

fn uuid(v: &Json) -> std::result::Result<Uuid, String> {
    v.as_str()
        .and_then(|s| Uuid::parse_str(s).ok())
        .ok_or_else(|| "must be an id".into())
}

fn span(v: &Json) -> std::result::Result<Span, String> {
    let obj = v
        .as_object()
        .ok_or("must be {\"amount\": n, \"unit\": \"days|weeks|months|years\"}")?;
    if obj.keys().any(|k| k != "amount" && k != "unit") {
        return Err("takes only amount and unit".into());
    }
    let unit = match obj.get("unit").and_then(Json::as_str) {
        Some("days") => Unit::Days,
        Some("weeks") => Unit::Weeks,
        Some("months") => Unit::Months,
        Some("years") => Unit::Years,
        _ => return Err("unit must be days, weeks, months or years".into()),
    };
    let max = match unit {
        Unit::Days => 36_600,
        Unit::Weeks => 5_300,
        Unit::Months => 1_200,
        Unit::Years => 100,
    };
    let amount = obj
        .get("amount")
        .and_then(Json::as_u64)
        .filter(|n| (1..=max).contains(n))
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| format!("amount must be a whole number from 1 to {max}"))?;
    Ok(Span { amount, unit })
}

fn period(v: &Json) -> std::result::Result<Period, String> {
    let obj = v
        .as_object()
        .ok_or("must be {withinLast}, {moreThanAgo} or {from, to}")?;
    if let Some(s) = obj.get("withinLast") {
        return if obj.len() == 1 {
            span(s).map(Period::WithinLast)
        } else {
            Err("withinLast stands alone".into())
        };
    }
    if let Some(s) = obj.get("moreThanAgo") {
        return if obj.len() == 1 {
            span(s).map(Period::MoreThanAgo)
        } else {
            Err("moreThanAgo stands alone".into())
        };
    }
    if obj.is_empty() || obj.keys().any(|k| k != "from" && k != "to") {
        return Err("must be {withinLast}, {moreThanAgo} or {from, to}".into());
    }
    let from = obj.get("from").map(date).transpose()?;
    let to = obj.get("to").map(date).transpose()?;
    if let (Some(a), Some(b)) = (from, to)
        && a > b
    {
        return Err("from comes before to".into());
    }
    Ok(Period::Range(from, to))
}

fn one_of(values: &[&str], s: &str) -> std::result::Result<(), String> {
    if values.contains(&s) {
        Ok(())
    } else {
        Err(format!("must be one of: {}", values.join(", ")))
    }
}

fn in_picklist(
    known: Option<&std::collections::HashSet<String>>,
    list: &str,
    s: &str,
) -> std::result::Result<(), String> {
    if known.is_some_and(|k| k.contains(s)) {
        Ok(())
    } else {
        Err(format!("'{}' is not a value of picklist '{list}'", clip(s)))
    }
}

/// The month-day codes (`MMDD`) of the next `days` days from `at` (inclusive); a 29 February
/// birthday counts on 28 February in years without one.
pub fn anniversary_codes(at: NaiveDate, days: i32) -> Vec<String> {
    let mut out = Vec::new();
    let mut d = at;
    for _ in 0..=days {
        out.push(format!("{:02}{:02}", d.month(), d.day()));
        if d.month() == 2 && d.day() == 28 && NaiveDate::from_ymd_opt(d.year(), 2, 29).is_none() {
            out.push("0229".into());
        }
        d = next_day(d);
    }
    out.sort();
    out.dedup();
    out
}

/// The calendar month `offset` months from `at` (1..=12).
pub fn month_from_now(at: NaiveDate, offset: i32) -> i32 {
    let m0 = at.month0() as i32 + offset;
    m0.rem_euclid(12) + 1
}
