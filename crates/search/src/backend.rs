//! The one interface both search engines implement.

use async_trait::async_trait;
use kartei_core::id::TenantId;
use kartei_tenancy::db::{Db, TenantTx};
use uuid::Uuid;

use crate::Result;
use crate::document::Document;
use crate::query::{FacetCounts, Parsed, SearchRequest};

/// What an engine found: one page of documents in rank order, the total, facet counts.
#[derive(Debug, Default)]
pub struct Found {
    pub docs: Vec<Document>,
    /// Matching documents, at most [`crate::query::MAX_HITS`].
    pub total: u64,
    /// `total` is the exact count (else more match: "1,000+"); facets count every match
    /// only when it is.
    pub total_exact: bool,
    pub facets: Vec<FacetCounts>,
}

/// A search engine. Writes happen during an outbox drain or a reindex, inside the tenant
/// transaction that also deletes the drained outbox rows; an engine outside PostgreSQL must be
/// idempotent (a batch may be applied again after a crash before that commit).
#[async_trait]
pub trait Backend: Send + Sync + std::fmt::Debug {
    /// `postgres` or `meilisearch`.
    fn name(&self) -> &'static str;

    /// Creates or replaces `upserts`, removes `deletes` (missing ids are fine).
    async fn apply(&self, tx: &TenantTx, upserts: &[Document], deletes: &[Uuid]) -> Result<()>;

    /// One page of hits, the total and the requested facets.
    async fn search(
        &self,
        db: &Db,
        tenant: TenantId,
        req: &SearchRequest,
        parsed: &Parsed,
    ) -> Result<Found>;

    /// Starts a full rebuild into a fresh index; readers keep the current one meanwhile.
    async fn reindex_begin(&self, tx: &TenantTx) -> Result<()>;
    /// Adds documents to the fresh index.
    async fn reindex_put(&self, tx: &TenantTx, docs: &[Document]) -> Result<()>;
    /// Makes the fresh index the live one, atomically.
    async fn reindex_commit(&self, tx: &TenantTx) -> Result<()>;

    /// Makes the tenant's index ready for writes and searches (created, settings current),
    /// waiting as long as that takes; idempotent. Returns whether anything changed.
    async fn setup(&self, _tenant: TenantId) -> Result<bool> {
        Ok(false)
    }

    /// Removes everything of a tenant (the tenant was deleted).
    async fn drop_tenant(&self, tenant: TenantId) -> Result<()>;
}
