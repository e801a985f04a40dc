//! The one Relay connection helper every list uses: bounded `first`/`last`, opaque keyset
//! cursors, `pageInfo` from the domain's [`Page`], and `totalCount`, counted only when a client
//! asks for it (in the request's transaction, with the list's own filter), and the cost of a
//! page for the complexity limit.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Object, OutputType};
use futures_util::future::BoxFuture;
use kartei_core::paging::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page, PageRequest};
use kartei_tenancy::db::TenantTx;
use serde::de::DeserializeOwned;

use crate::context::request_tx;
use crate::error::{ApiError, api};

pub type Conn<N> = Connection<String, N, Total>;

/// Counts a list's items (all pages) in the request's transaction.
pub type Counter =
    Box<dyn for<'a> Fn(&'a TenantTx) -> BoxFuture<'a, Result<i64, ApiError>> + Send + Sync>;

/// The fields every connection carries besides its edges.
pub enum Total {
    /// Known when the page was read (small lists of the platform).
    Known(i64),
    /// Counted on demand in the request's tenant transaction.
    Lazy(Counter),
    /// Counted on demand for every timeline of the level at once (nested timelines).
    Timeline(kartei_contacts::timeline::Subject),
    /// Counted on demand in the platform schema (tenants, members, API keys).
    Platform(Box<dyn Fn() -> BoxFuture<'static, Result<i64, ApiError>> + Send + Sync>),
}

#[Object]
impl Total {
    /// The number of items in the whole list (every page), exact. Counted only when asked
    /// for, with the list's filter, in the same snapshot as the page: on a tenant with a
    /// million persons an unfiltered person count takes a few hundred milliseconds, so ask
    /// for it once per filter rather than on every page turn.
    #[graphql(complexity = 5)]
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        match self {
            Total::Known(n) => Ok(*n),
            Total::Lazy(count) => {
                let tx = request_tx(ctx)?.get().await.map_err(|e| e.to_gql())?;
                count(tx).await.map_err(|e| e.to_gql())
            }
            Total::Platform(count) => count().await.map_err(|e| e.to_gql()),
            Total::Timeline(subject) => Ok(crate::loaders::one(
                ctx,
                crate::loaders::TimelineCount(*subject),
            )
            .await?
            .unwrap_or(0)),
        }
    }
}

/// A counter from a domain count function: `counter(move |tx| Box::pin(count(tx, ..)))`.
pub fn counter<F>(f: F) -> Total
where
    F: for<'a> Fn(&'a TenantTx) -> BoxFuture<'a, Result<i64, ApiError>> + Send + Sync + 'static,
{
    Total::Lazy(Box::new(f))
}

pub fn request<K: DeserializeOwned>(
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> async_graphql::Result<PageRequest<K>> {
    PageRequest::parse(first, after.as_deref(), last, before.as_deref()).map_err(api)
}

pub fn connection<T, N: OutputType>(page: Page<T>, map: impl Fn(T) -> N, total: Total) -> Conn<N> {
    let mut conn =
        Connection::with_additional_fields(page.has_previous_page, page.has_next_page, total);
    conn.edges.extend(
        page.items
            .into_iter()
            .map(|(cursor, item)| Edge::new(cursor, map(item))),
    );
    conn
}

/// The complexity of a paged field: its children cost once per row it may return (`first`
/// or `last`, else the default page size), so 48 aliases of a 100-row page with nested
/// fields cost what they do. A page size out of range (below 1, above the maximum) counts
/// as one row: the field refuses it before loading anything, with VALIDATION_FAILED naming
/// the argument, which tells the client more than QUERY_TOO_COMPLEX would.
pub fn cost(first: Option<i32>, last: Option<i32>, child_complexity: usize) -> usize {
    let rows = first.or(last).map_or(DEFAULT_PAGE_SIZE as usize, |n| {
        usize::try_from(n)
            .ok()
            .filter(|n| (1..=MAX_PAGE_SIZE as usize).contains(n))
            .unwrap_or(1)
    });
    1 + rows.saturating_mul(child_complexity)
}

/// A lazy [`Total`] from a domain count: `total!(filter; |tx| persons::count(tx, &filter))`.
/// The names before `;` are cloned into each count (the counter may run more than once).
#[macro_export]
macro_rules! total {
    ($($var:ident),* ; |$tx:ident| $count:expr) => {
        $crate::relay::counter(move |$tx| {
            $(let $var = $var.clone();)*
            Box::pin(async move { Ok::<i64, $crate::error::ApiError>($count.await?) })
        })
    };
}
