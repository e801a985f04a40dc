//! Contact search over GraphQL: `searchContacts` (hits with highlights, facet counts, total,
//! time taken, paging), `searchStatus` (the indexer's lag) and `reindexSearch`.

mod types;

use async_graphql::{Context, Object};
use kartei_core::ctx::Role;
use kartei_search::SearchRequest;
use uuid::Uuid;

use crate::context::{services, tenant, tenant_tx};
use crate::error::api;
use types::{SearchFacet, SearchFilterInput, SearchResult, SearchStatus};

#[derive(Default)]
pub struct SearchQuery;

#[Object]
impl SearchQuery {
    /// Finds persons and organizations by part of a name, a misspelt company, a city, an
    /// e-mail or a phone fragment; typo-tolerant, umlauts folded (Müller = Mueller = Muller).
    /// An empty query lists everything matching the filters, by name.
    // GraphQL arguments: a connection's four paging arguments come on top of the search's own.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "crate::relay::cost(first, last, child_complexity)")]
    async fn search_contacts(
        &self,
        ctx: &Context<'_>,
        query: String,
        filters: Option<SearchFilterInput>,
        facets: Option<Vec<SearchFacet>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<SearchResult> {
        let t = tenant(ctx, Role::Viewer)?.tenant_id;
        let req = SearchRequest::paged(
            &query,
            filters.map(Into::into).unwrap_or_default(),
            facets
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            kartei_search::Window {
                first: first.map(i64::from),
                after: after.as_deref(),
                last: last.map(i64::from),
                before: before.as_deref(),
            },
        )
        .map_err(api)?;
        let s = services(ctx)?;
        let res = s.search.search(&s.db, t, &req).await.map_err(api)?;
        Ok(types::search_result(res))
    }

    /// How far the search index is behind the data, and the indexer's last error.
    async fn search_status(&self, ctx: &Context<'_>) -> async_graphql::Result<SearchStatus> {
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        let st = kartei_search::outbox::status(tx).await.map_err(api)?;
        Ok(SearchStatus::new(st, services(ctx)?.search.backend_name()))
    }
}

crate::payload! { ReindexSearchPayload "The result of `reindexSearch`." { started: bool } }

#[derive(Default)]
pub struct SearchMutation;

#[Object]
impl SearchMutation {
    /// Rebuilds this tenant's search index in the background (fresh index, then an atomic
    /// switch); `searchStatus.reindexedAt` tells when it is done.
    async fn reindex_search(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<ReindexSearchPayload> {
        let r = async {
            let (t, tx) = tenant_tx(ctx, Role::Admin).await?;
            kartei_tenancy::audit::record(
                tx,
                &t.actor.audit_label(),
                "search.reindex_requested",
                None,
                serde_json::json!({}),
            )
            .await
            .map_err(api)?;
            kartei_tenancy::jobs::enqueue_after(
                tx,
                kartei_search::outbox::REINDEX_JOB,
                Uuid::nil(),
                chrono::Utc::now(),
            )
            .await
            .map_err(api)?;
            Ok(true)
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| ReindexSearchPayload {
                started: Some(v),
                ..Default::default()
            })
        })
        .await
    }
}
