//! Prometheus metrics at `GET /metrics`: GraphQL requests and latency by operation and outcome
//! code, rate-limit rejections, the database pool, the job queue, the search outbox lag and
//! (from the campaigns crate) campaign sends by channel and result.
//!
//! The operation label is the operation type and its root fields (`query:contacts`), taken
//! only when every root field exists in the schema; anything else is `invalid`, so clients
//! cannot grow the label set.

use std::collections::HashSet;
use std::sync::LazyLock;
use std::time::Duration;

use actix_web::{HttpResponse, web};
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationType, Selection, TypeKind,
    TypeSystemDefinition,
};
use kartei_tenancy::db::Db;
use prometheus::{
    Encoder, Gauge, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, TextEncoder,
};
use sea_orm::{ConnectionTrait, Statement};

use crate::http::AppState;

struct Metrics {
    requests: IntCounterVec,
    duration: HistogramVec,
    rate_limited: IntCounterVec,
    pool: IntGaugeVec,
    jobs: IntGaugeVec,
    outbox_lag: Gauge,
}

fn build() -> prometheus::Result<Metrics> {
    let m = Metrics {
        requests: IntCounterVec::new(
            Opts::new(
                "kartei_graphql_requests_total",
                "GraphQL requests by operation and outcome code (OK or the first error's code)",
            ),
            &["operation", "code"],
        )?,
        duration: HistogramVec::new(
            HistogramOpts::new(
                "kartei_graphql_request_duration_seconds",
                "GraphQL request latency by operation",
            )
            .buckets(vec![
                0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ]),
            &["operation"],
        )?,
        rate_limited: IntCounterVec::new(
            Opts::new(
                "kartei_rate_limited_total",
                "Requests refused by a rate limit (request: per caller; login: per IP or account; \
                 tenant_share: the tenant held its share of the database pool)",
            ),
            &["scope"],
        )?,
        pool: IntGaugeVec::new(
            Opts::new(
                "kartei_db_pool_connections",
                "Database pool connections (open, idle, in_use, max)",
            ),
            &["state"],
        )?,
        jobs: IntGaugeVec::new(
            Opts::new(
                "kartei_jobs",
                "Background jobs waiting or running, by kind and status",
            ),
            &["kind", "status"],
        )?,
        outbox_lag: Gauge::with_opts(Opts::new(
            "kartei_search_outbox_lag_seconds",
            "Age of the oldest change not yet in the search index (largest over tenants)",
        ))?,
    };
    let r = prometheus::default_registry();
    r.register(Box::new(m.requests.clone()))?;
    r.register(Box::new(m.duration.clone()))?;
    r.register(Box::new(m.rate_limited.clone()))?;
    r.register(Box::new(m.pool.clone()))?;
    r.register(Box::new(m.jobs.clone()))?;
    r.register(Box::new(m.outbox_lag.clone()))?;
    for scope in ["request", "login", "tenant_share"] {
        m.rate_limited.with_label_values(&[scope]);
    }
    kartei_campaigns::metrics::register();
    Ok(m)
}

static METRICS: LazyLock<Option<Metrics>> = LazyLock::new(|| match build() {
    Ok(m) => Some(m),
    Err(e) => {
        tracing::error!(error = %e, "metrics could not be registered");
        None
    }
});

/// The root fields of the schema's query and mutation types.
static ROOT_FIELDS: LazyLock<HashSet<String>> = LazyLock::new(|| {
    let mut out = HashSet::new();
    if let Ok(doc) = async_graphql::parser::parse_schema(crate::sdl()) {
        for def in doc.definitions {
            if let TypeSystemDefinition::Type(t) = def
                && matches!(t.node.name.node.as_str(), "Query" | "Mutation")
                && let TypeKind::Object(o) = &t.node.kind
            {
                for f in &o.fields {
                    out.insert(f.node.name.node.to_string());
                }
            }
        }
    }
    out
});

/// `query:contacts`, `mutation:createCampaign`, `query:campaign+more` (the first root field,
/// `+more` when there are others), or `invalid`: at most two series per root field, whatever
/// clients send. Parses the request's query once; the schema then executes that parsed
/// document (and the handler relabels a document that fails validation `invalid`).
pub fn operation_label(request: &mut async_graphql::Request) -> String {
    let name = request.operation_name.clone();
    match request.parsed_query() {
        Ok(doc) => label_of(doc, name.as_deref()).unwrap_or_else(|| "invalid".into()),
        Err(_) => "invalid".into(),
    }
}

fn label_of(doc: &ExecutableDocument, name: Option<&str>) -> Option<String> {
    let op = match (&doc.operations, name) {
        (DocumentOperations::Single(op), _) => op,
        (DocumentOperations::Multiple(ops), Some(n)) => ops.get(n)?,
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next()?,
        _ => return None,
    };
    let kind = match op.node.ty {
        OperationType::Query => "query",
        OperationType::Mutation => "mutation",
        OperationType::Subscription => return None,
    };
    let mut fields: Vec<&str> = Vec::new();
    for sel in &op.node.selection_set.node.items {
        match &sel.node {
            Selection::Field(f) => {
                let n = f.node.name.node.as_str();
                if n == "__typename" || n == "__schema" || n == "__type" {
                    fields.push("introspection");
                } else if ROOT_FIELDS.contains(n) {
                    fields.push(n);
                } else {
                    return None;
                }
            }
            _ => return None,
        }
    }
    let first = *fields.first()?;
    let more = fields.iter().any(|f| *f != first);
    Some(format!("{kind}:{first}{}", if more { "+more" } else { "" }))
}

pub fn observe(operation: &str, code: &str, elapsed: Duration) {
    if let Some(m) = METRICS.as_ref() {
        m.requests.with_label_values(&[operation, code]).inc();
        m.duration
            .with_label_values(&[operation])
            .observe(elapsed.as_secs_f64());
    }
}

pub fn rate_limited(scope: &str) {
    if let Some(m) = METRICS.as_ref() {
        m.rate_limited.with_label_values(&[scope]).inc();
    }
}

/// A request refused because its tenant held its share of the pool.
pub fn fair_share_refused() {
    rate_limited("tenant_share");
}

/// Reads the gauges that live in the database and renders every registered metric.
pub async fn render(db: &Db) -> String {
    if let Some(m) = METRICS.as_ref() {
        let (open, idle, max) = db.pool_status();
        m.pool.with_label_values(&["open"]).set(i64::from(open));
        m.pool.with_label_values(&["idle"]).set(i64::from(idle));
        m.pool
            .with_label_values(&["in_use"])
            .set(i64::from(open.saturating_sub(idle)));
        m.pool.with_label_values(&["max"]).set(i64::from(max));
        let conn = db.platform();
        let backend = conn.get_database_backend();
        if let Ok(rows) = conn
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT kind, status, count(*) AS n FROM platform.jobs \
                 WHERE status IN ('queued', 'running') GROUP BY kind, status",
            ))
            .await
        {
            m.jobs.reset();
            for r in rows {
                if let (Ok(kind), Ok(status), Ok(n)) = (
                    r.try_get::<String>("", "kind"),
                    r.try_get::<String>("", "status"),
                    r.try_get::<i64>("", "n"),
                ) {
                    m.jobs.with_label_values(&[&kind, &status]).set(n);
                }
            }
        }
        m.outbox_lag.set(outbox_lag(db).await);
    }
    let mut buf = Vec::new();
    if TextEncoder::new()
        .encode(&prometheus::gather(), &mut buf)
        .is_err()
    {
        return String::new();
    }
    String::from_utf8(buf).unwrap_or_default()
}

/// The largest search outbox lag among tenants with a pending drain (at most 100 looked at).
async fn outbox_lag(db: &Db) -> f64 {
    let conn = db.platform();
    let backend = conn.get_database_backend();
    let Ok(rows) = conn
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT DISTINCT tenant_id FROM platform.jobs \
             WHERE kind = 'search.drain' AND status IN ('queued', 'running') LIMIT 100",
        ))
        .await
    else {
        return 0.0;
    };
    let mut lag: f64 = 0.0;
    for r in rows {
        let Ok(id) = r.try_get::<uuid::Uuid>("", "tenant_id") else {
            continue;
        };
        let Ok(tx) = db.begin_tenant(kartei_core::id::TenantId(id)).await else {
            continue;
        };
        if let Ok(s) = kartei_search::outbox::status(&tx).await {
            lag = lag.max(s.lag_seconds);
        }
        let _ = tx.commit().await;
    }
    lag
}

async fn handler(state: web::Data<AppState>) -> HttpResponse {
    let body = render(&state.services.db).await;
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body)
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/metrics", web::get().to(handler));
}
