//! What a template may build: a static upper bound of every value it computes.
//!
//! Templates are written by any member of a tenant and rendered on the server, so a template
//! must not be able to build a string of hundreds of megabytes (`{{ "x" * 100000000 }}`, a
//! `{% set s = s ~ s %}` doubled thirty times, a replace that multiplies its input). minijinja's
//! fuel bounds the number of steps, not what one step allocates; this module bounds the rest.
//! It reads the template's syntax tree once, when the template is saved and again before it is
//! compiled for a render (before, because minijinja's compiler folds constants: it would
//! build `'x' * 100000000` itself), and computes for every expression an upper bound of its size as
//! `reads` variable values (each at most [`VAR_BYTES`] at render time: the render cuts or
//! leaves out longer ones) plus `bytes` of text written in the template. A template whose bound
//! exceeds [`MAX_READS`] or [`MAX_LITERAL_BYTES`] for any one value is refused, naming the line.
//!
//! Together with fuel (the number of steps), the output cap of a render ([`OUTPUT_BYTES`]) and
//! the render's time limit, this bounds the memory and the time one render can take.
//!
//! What the bound cannot follow is refused, with the reason: function calls (`range`,
//! `namespace`, macros), multiplying by anything but a number written in the template (at
//! most [`MAX_FACTOR`]), filters outside [`FILTERS`], and the statements that accumulate text
//! across a loop (`{% set %}…{% endset %}` blocks, filter blocks, macros, includes).

use std::collections::HashMap;

use minijinja::machinery::ast::{self, BinOpKind, CallArg, Expr, Stmt};
use minijinja::machinery::{WhitespaceConfig, parse};
use minijinja::syntax::SyntaxConfig;

/// The most a variable holds at render time (a rendered snippet, a contact's value, all of a
/// contact's custom values together).
pub const VAR_BYTES: usize = 32 * 1024;
/// The most variable values one computed value may combine.
pub const MAX_READS: u64 = 8;
/// The most text written in the template that one computed value may combine.
pub const MAX_LITERAL_BYTES: u64 = 64 * 1024;
/// The largest number a template may multiply by.
pub const MAX_FACTOR: u64 = 1000;
/// The most one text of a template (subject, HTML or plain body) may render to.
pub const OUTPUT_BYTES: usize = 1024 * 1024;

/// The filters a template may use, each with what it can do to its input's size.
pub const FILTERS: &[&str] = &[
    "upper",
    "lower",
    "title",
    "capitalize",
    "trim",
    "striptags",
    "safe",
    "string",
    "first",
    "last",
    "reverse",
    "sort",
    "unique",
    "list",
    "items",
    "dictsort",
    "select",
    "reject",
    "selectattr",
    "rejectattr",
    "map",
    "default",
    "d",
    "abs",
    "int",
    "float",
    "round",
    "bool",
    "length",
    "count",
    "wordcount",
    "sum",
    "min",
    "max",
    "escape",
    "e",
    "tojson",
    "join",
    "replace",
    "indent",
    "center",
];

/// An upper bound of a value's size: `reads` variable values plus `bytes` of template text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Size {
    reads: u64,
    bytes: u64,
}

impl Size {
    /// A number, a boolean or another value of a few bytes.
    const SMALL: Size = Size {
        reads: 0,
        bytes: 64,
    };
    const VAR: Size = Size { reads: 1, bytes: 0 };

    fn text(n: usize) -> Size {
        Size {
            reads: 0,
            bytes: n as u64,
        }
    }

    fn plus(self, o: Size) -> Size {
        Size {
            reads: self.reads.saturating_add(o.reads),
            bytes: self.bytes.saturating_add(o.bytes),
        }
    }

    fn max(self, o: Size) -> Size {
        Size {
            reads: self.reads.max(o.reads),
            bytes: self.bytes.max(o.bytes),
        }
    }

    fn times(self, n: u64) -> Size {
        Size {
            reads: self.reads.saturating_mul(n),
            bytes: self.bytes.saturating_mul(n),
        }
    }
}

/// Why a template was refused, with the line it happened in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub line: u16,
    pub message: String,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

type Checked<T> = std::result::Result<T, Refusal>;

fn refuse<T>(line: u16, message: impl Into<String>) -> Checked<T> {
    Err(Refusal {
        line,
        message: message.into(),
    })
}

/// Checks a template's source. A syntax error is not this module's to report (the caller
/// compiles the template and says so); it passes here.
pub fn check(source: &str, name: &str) -> Checked<()> {
    let Ok(tree) = parse(source, name, SyntaxConfig, WhitespaceConfig::default()) else {
        return Ok(());
    };
    let mut scope = Scope::default();
    stmt(&tree, &mut scope)
}

/// What the template set so far: names bound by `set`, `with` and loops, with their bound.
#[derive(Debug, Clone, Default)]
struct Scope {
    names: HashMap<String, Size>,
}

impl Scope {
    fn get(&self, name: &str) -> Size {
        self.names.get(name).copied().unwrap_or(Size::VAR)
    }

    /// After an `if`: a name is as large as it can be on either branch.
    fn merge(a: Scope, b: Scope) -> Scope {
        let mut names = a.names;
        for (k, v) in b.names {
            let merged = names.get(&k).map_or(v, |a| a.max(v));
            names.insert(k, merged);
        }
        Scope { names }
    }
}

fn body(stmts: &[Stmt<'_>], scope: &mut Scope) -> Checked<()> {
    stmts.iter().try_for_each(|s| stmt(s, scope))
}

fn bind(target: &Expr<'_>, size: Size, scope: &mut Scope) -> Checked<()> {
    match target {
        Expr::Var(v) => {
            scope.names.insert(v.id.to_owned(), size);
            Ok(())
        }
        Expr::List(l) => l.items.iter().try_for_each(|t| bind(t, size, scope)),
        other => refuse(
            other.span().start_line,
            "can set only plain names (no attributes or items)",
        ),
    }
}

fn stmt(s: &Stmt<'_>, scope: &mut Scope) -> Checked<()> {
    match s {
        Stmt::Template(t) => body(&t.children, scope),
        Stmt::EmitExpr(e) => expr(&e.expr, scope).map(drop),
        Stmt::EmitRaw(_) => Ok(()),
        Stmt::ForLoop(f) => {
            let line = f.span().start_line;
            if f.recursive {
                return refuse(line, "recursive loops are not supported");
            }
            let iter = expr(&f.iter, scope)?;
            let mut inner = scope.clone();
            bind(&f.target, iter, &mut inner)?;
            inner
                .names
                .insert("loop".into(), iter.plus(Size::SMALL).plus(iter));
            if let Some(filter) = &f.filter_expr {
                expr(filter, &inner)?;
            }
            body(&f.body, &mut inner)?;
            // `set` inside a loop stays inside it; the else branch runs in the outer scope.
            let mut other = scope.clone();
            body(&f.else_body, &mut other)
        }
        Stmt::IfCond(i) => {
            expr(&i.expr, scope)?;
            let mut yes = scope.clone();
            body(&i.true_body, &mut yes)?;
            let mut no = scope.clone();
            body(&i.false_body, &mut no)?;
            *scope = Scope::merge(yes, no);
            Ok(())
        }
        Stmt::WithBlock(w) => {
            let mut inner = scope.clone();
            for (target, value) in &w.assignments {
                let size = expr(value, scope)?;
                bind(target, size, &mut inner)?;
            }
            body(&w.body, &mut inner)
        }
        Stmt::Set(set) => {
            let size = expr(&set.expr, scope)?;
            bind(&set.target, size, scope)
        }
        Stmt::AutoEscape(a) => {
            expr(&a.enabled, scope)?;
            body(&a.body, scope)
        }
        Stmt::Block(b) => body(&b.body, scope),
        Stmt::SetBlock(b) => refuse(
            b.span().start_line,
            "set blocks are not supported; use {% set name = … %}",
        ),
        Stmt::FilterBlock(b) => refuse(b.span().start_line, "filter blocks are not supported"),
        Stmt::Macro(m) => refuse(
            m.span().start_line,
            "macros are not supported; use snippets for reusable text",
        ),
        Stmt::CallBlock(c) => refuse(c.span().start_line, "call blocks are not supported"),
        Stmt::Do(d) => refuse(d.span().start_line, "do is not supported"),
        Stmt::Import(i) => refuse(i.span().start_line, "imports are not supported"),
        Stmt::FromImport(i) => refuse(i.span().start_line, "imports are not supported"),
        Stmt::Extends(e) => refuse(e.span().start_line, "extends is not supported"),
        Stmt::Include(i) => refuse(i.span().start_line, "includes are not supported"),
    }
}

/// The number a constant expression stands for, if it is a whole or decimal number.
///
/// Only a literal (or a negated one) counts: evaluating a larger constant expression here
/// could itself build the huge value this module guards against.
fn number(e: &Expr<'_>) -> Option<f64> {
    match e {
        Expr::Const(c) if c.value.is_number() => f64::try_from(c.value.clone()).ok(),
        Expr::UnaryOp(u) if matches!(u.op, ast::UnaryOpKind::Neg) => number(&u.expr).map(|n| -n),
        _ => None,
    }
}

/// The length of a constant string argument.
fn const_len(e: &Expr<'_>) -> Option<u64> {
    match e {
        Expr::Const(c) => c.value.as_str().map(|s| s.len() as u64),
        _ => None,
    }
}

fn positional<'a, 'b>(args: &'b [CallArg<'a>], n: usize) -> Option<&'b Expr<'a>> {
    args.iter()
        .filter_map(|a| match a {
            CallArg::Pos(e) => Some(e),
            _ => None,
        })
        .nth(n)
}

fn keyword<'a, 'b>(args: &'b [CallArg<'a>], name: &str) -> Option<&'b Expr<'a>> {
    args.iter().find_map(|a| match a {
        CallArg::Kwarg(k, e) if *k == name => Some(e),
        _ => None,
    })
}

/// Bounds an expression, refusing it (or any part of it) when the bound is too large.
fn expr(e: &Expr<'_>, scope: &Scope) -> Checked<Size> {
    let line = e.span().start_line;
    let size = match e {
        Expr::Var(v) if v.id == "snippets" => {
            return refuse(line, "print a snippet by its key, as in {{ snippets.key }}");
        }
        Expr::Var(v) => scope.get(v.id),
        Expr::Const(c) => match c.value.as_str() {
            Some(s) => Size::text(s.len()),
            None => Size::text(c.value.to_string().len()),
        },
        Expr::GetAttr(a) => match &a.expr {
            Expr::Var(v) if v.id == "snippets" && !scope.names.contains_key("snippets") => {
                Size::VAR
            }
            base => expr(base, scope)?,
        },
        Expr::GetItem(g) => {
            expr(&g.subscript_expr, scope)?;
            expr(&g.expr, scope)?
        }
        Expr::Slice(s) => {
            for part in [&s.start, &s.stop, &s.step].into_iter().flatten() {
                expr(part, scope)?;
            }
            expr(&s.expr, scope)?
        }
        Expr::UnaryOp(u) => match u.op {
            ast::UnaryOpKind::Not => {
                expr(&u.expr, scope)?;
                Size::SMALL
            }
            ast::UnaryOpKind::Neg => expr(&u.expr, scope)?,
        },
        Expr::BinOp(b) => binop(b, scope, line)?,
        Expr::Compare(c) => {
            expr(&c.expr, scope)?;
            for op in &c.ops {
                expr(&op.expr, scope)?;
            }
            Size::SMALL
        }
        Expr::IfExpr(i) => {
            expr(&i.test_expr, scope)?;
            let yes = expr(&i.true_expr, scope)?;
            match &i.false_expr {
                Some(no) => yes.max(expr(no, scope)?),
                None => yes,
            }
        }
        Expr::Filter(f) => filter(f, scope, line)?,
        Expr::Test(t) => {
            expr(&t.expr, scope)?;
            args(&t.args, scope)?;
            Size::SMALL
        }
        Expr::Call(_) => {
            return refuse(
                line,
                "calls a function, which templates cannot (no range, namespace or macros)",
            );
        }
        Expr::List(l) => {
            let mut total = Size::text(2);
            for item in &l.items {
                total = total.plus(expr(item, scope)?).plus(Size::text(2));
            }
            total
        }
        Expr::Map(m) => {
            let mut total = Size::text(2);
            for item in m.keys.iter().chain(&m.values) {
                total = total.plus(expr(item, scope)?).plus(Size::text(2));
            }
            total
        }
    };
    if size.reads > MAX_READS {
        return refuse(
            line,
            format!("builds a value from more than {MAX_READS} variable values; split it up"),
        );
    }
    if size.bytes > MAX_LITERAL_BYTES {
        return refuse(
            line,
            format!("builds a value of more than {MAX_LITERAL_BYTES} bytes of template text"),
        );
    }
    Ok(size)
}

fn args(args: &[CallArg<'_>], scope: &Scope) -> Checked<Size> {
    let mut total = Size::default();
    for a in args {
        let e = match a {
            CallArg::Pos(e)
            | CallArg::Kwarg(_, e)
            | CallArg::PosSplat(e)
            | CallArg::KwargSplat(e) => e,
        };
        total = total.plus(expr(e, scope)?);
    }
    Ok(total)
}

fn binop(b: &ast::BinOp<'_>, scope: &Scope, line: u16) -> Checked<Size> {
    let (left, right) = (expr(&b.left, scope)?, expr(&b.right, scope)?);
    Ok(match b.op {
        BinOpKind::Concat | BinOpKind::Add => left.plus(right),
        BinOpKind::ScAnd | BinOpKind::ScOr => left.max(right),
        BinOpKind::Sub | BinOpKind::Div | BinOpKind::FloorDiv | BinOpKind::Rem => Size::SMALL,
        BinOpKind::Eq
        | BinOpKind::Ne
        | BinOpKind::Lt
        | BinOpKind::Lte
        | BinOpKind::Gt
        | BinOpKind::Gte
        | BinOpKind::In => Size::SMALL,
        BinOpKind::Mul => {
            let (factor, other) = match (number(&b.left), number(&b.right)) {
                (Some(n), _) => (n, right),
                (_, Some(n)) => (n, left),
                _ => {
                    return refuse(
                        line,
                        "multiplies two values; a template may multiply only by a number \
                         written in it",
                    );
                }
            };
            let factor = factor.abs().ceil();
            if factor.is_nan() || factor > MAX_FACTOR as f64 {
                return refuse(line, format!("multiplies by more than {MAX_FACTOR}"));
            }
            other.times((factor as u64).max(1)).max(Size::SMALL)
        }
        BinOpKind::Pow => return refuse(line, "powers are not supported in templates"),
    })
}

fn filter(f: &ast::Filter<'_>, scope: &Scope, line: u16) -> Checked<Size> {
    if !FILTERS.contains(&f.name) {
        return refuse(
            line,
            format!(
                "uses the filter '{}', which templates cannot (allowed: {})",
                f.name,
                FILTERS.join(", ")
            ),
        );
    }
    let input = match &f.expr {
        Some(e) => expr(e, scope)?,
        None => Size::default(),
    };
    let extra = args(&f.args, scope)?;
    Ok(match f.name {
        "length" | "count" | "wordcount" | "abs" | "int" | "float" | "round" | "bool" | "sum" => {
            Size::SMALL
        }
        // Every character may become an entity (`&quot;` is six bytes) or an escape.
        "escape" | "e" | "tojson" => input.times(6).plus(Size::text(2)),
        "default" | "d" => input.max(extra),
        "join" => {
            // n items and n - 1 separators, with n at most the input's size.
            let sep = match positional(&f.args, 0).or_else(|| keyword(&f.args, "d")) {
                None => 0,
                Some(s) => match const_len(s) {
                    Some(n) => n,
                    None => {
                        return refuse(line, "join's separator must be written in the template");
                    }
                },
            };
            input.times(sep.saturating_add(1))
        }
        "replace" => {
            // An empty pattern inserts the replacement between every two characters.
            let Some(new) = positional(&f.args, 1).and_then(const_len) else {
                return refuse(
                    line,
                    "replace's replacement must be written in the template",
                );
            };
            input
                .times(new.saturating_add(1))
                .plus(Size::text(new as usize))
        }
        "indent" => {
            let width = positional(&f.args, 0)
                .or_else(|| keyword(&f.args, "width"))
                .and_then(number)
                .filter(|w| (0.0..=16.0).contains(w));
            let Some(width) = width else {
                return refuse(
                    line,
                    "indent takes a width of at most 16, written in the template",
                );
            };
            input.times(width as u64 + 1)
        }
        "center" => {
            let width = positional(&f.args, 0)
                .and_then(number)
                .filter(|w| (0.0..=200.0).contains(w));
            let Some(width) = width else {
                return refuse(
                    line,
                    "center takes a width of at most 200, written in the template",
                );
            };
            input.plus(Size::text(width as usize))
        }
        // Reordering, selecting, changing case, trimming: never larger than the input.
        _ => input,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn refused(src: &str) -> String {
        check(src, "t.txt").unwrap_err().to_string()
    }

    #[test]
    fn ordinary_templates_pass() {
        for src in [
            "{{ greeting }}\n\n{{ first_name ~ ' ' ~ last_name }} aus {{ city|default('Ihrer Stadt') }}",
            "{% if company %}Ihr Team bei {{ company|upper }}{% else %}Hallo{% endif %}",
            "{% for k, v in custom|items %}{{ k }}: {{ v|e }}\n{% endfor %}",
            "{% set name = first_name|title %}{{ name }} {{ name }}",
            "{{ snippets.sig }} {{ custom.betrag * 1.19 }} {{ (custom.n or 0) + 1 }}",
            "{{ last_name|replace('ß', 'ss') }} {{ [first_name, last_name]|join(' ') }}",
            "{{ 'x' * 3 }}",
        ] {
            assert_eq!(check(src, "t.txt"), Ok(()), "{src}");
        }
    }

    #[test]
    fn amplifiers_are_refused_with_their_line() {
        assert!(refused("{{ 'x' * 100000000 }}").contains("1000"));
        assert!(refused("a\n{{ first_name * 100000 }}").starts_with("line 2"));
        assert!(refused("{{ first_name * last_name }}").contains("multiplies two values"));
        let doubling: String = std::iter::once("{% set s = first_name %}".to_owned())
            .chain((0..30).map(|_| "{% set s = s ~ s %}".to_owned()))
            .collect();
        assert!(refused(&doubling).contains("more than 8 variable values"));
        let chain = "{{ first_name|replace('', 'xxxxxxxxxx')|replace('', 'xxxxxxxxxx') }}";
        assert!(refused(chain).contains("variable values"));
        assert!(refused("{% for i in range(100000) %}x{% endfor %}").contains("function"));
        assert!(refused("{% macro d(s) %}{{ d(s ~ s) }}{% endmacro %}").contains("macros"));
        assert!(refused("{% set ns = namespace(s='x') %}").contains("function"));
        assert!(refused("{{ first_name|format(1) }}").contains("filter 'format'"));
        assert!(refused("{% set x %}{{ first_name }}{% endset %}").contains("set blocks"));
        assert!(refused("{{ snippets }}").contains("by its key"));
        assert!(refused("{{ 2 ** 8 }}").contains("powers"));
        let literal = format!(
            "{{{{ '{}' ~ '{}' }}}}",
            "y".repeat(40_000),
            "y".repeat(40_000)
        );
        assert!(refused(&literal).contains("template text"));
    }

    #[test]
    fn a_set_in_one_branch_counts_on_both() {
        let src = "{% set s = first_name %}{% if city %}{% set s = s ~ s ~ s ~ s %}{% endif %}\
                   {{ s ~ s ~ s }}";
        assert!(refused(src).contains("variable values"));
    }
}
