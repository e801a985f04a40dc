//! Contact search. One [`Backend`] trait, two implementations with the same result shape:
//! [`pg::InDatabase`] (the default: PostgreSQL full text plus trigram similarity, German
//! folding) and [`meili::Meili`] (Meilisearch, an index per tenant, reindex by atomic swap).
//!
//! Both are fed by the tenant's transactional outbox: triggers write every searchable change
//! into `outbox` in the data's own transaction, and [`outbox::drain`] (the worker's
//! `search.drain` job) applies it to the backend, idempotently, with backoff on failure.
//!
//! No HTTP and no GraphQL here.

pub mod backend;
pub mod document;
pub mod error;
pub mod fold;
pub mod highlight;
pub mod meili;
pub mod outbox;
pub mod pg;
pub mod query;
pub mod reindex;

use std::sync::Arc;
use std::time::{Duration, Instant};

use kartei_core::id::TenantId;
use kartei_tenancy::db::Db;

pub use backend::Backend;
pub use error::{Error, Result};
pub use query::{Facet, Filters, SearchRequest, SearchResults, Window};

/// The configured backend, shared by the API and the worker.
#[derive(Clone, Debug)]
pub struct Search {
    backend: Arc<dyn Backend>,
}

impl Search {
    /// The in-database backend.
    pub fn in_database() -> Self {
        Self {
            backend: Arc::new(pg::InDatabase),
        }
    }

    /// Meilisearch at `url` (e.g. `http://meili:7700`); every call is bounded by `timeout`.
    pub fn meilisearch(url: &str, api_key: Option<&str>, timeout: Duration) -> Result<Self> {
        Ok(Self {
            backend: Arc::new(meili::Meili::new(url, api_key, timeout)?),
        })
    }

    /// Meilisearch when a URL is configured, else the in-database backend.
    pub fn from_config(
        url: Option<&str>,
        api_key: Option<&str>,
        timeout: Duration,
    ) -> Result<Self> {
        match url.map(str::trim).filter(|u| !u.is_empty()) {
            Some(u) => Self::meilisearch(u, api_key, timeout),
            None => Ok(Self::in_database()),
        }
    }

    pub fn backend(&self) -> &dyn Backend {
        self.backend.as_ref()
    }

    pub fn backend_name(&self) -> &'static str {
        self.backend.name()
    }

    /// [`Backend::setup`] for every tenant (active or not), reporting each one to `progress`
    /// as `(done, total, changed)`: the start-up and `kartei search setup` step that puts
    /// index settings in place before any search needs them. Idempotent.
    pub async fn setup_all(
        &self,
        db: &Db,
        progress: &(dyn Fn(usize, usize, TenantId, bool) + Sync),
    ) -> Result<usize> {
        use sea_orm::FromQueryResult;
        #[derive(FromQueryResult)]
        struct Row {
            id: uuid::Uuid,
        }
        let rows = Row::find_by_statement(kartei_tenancy::tenants::stmt(
            "SELECT id FROM platform.tenants ORDER BY created_at, id",
            vec![],
        ))
        .all(db.platform())
        .await?;
        let total = rows.len();
        let mut changed = 0;
        for (i, r) in rows.into_iter().enumerate() {
            let tenant = TenantId(r.id);
            let c = self.backend.setup(tenant).await?;
            changed += usize::from(c);
            progress(i + 1, total, tenant, c);
        }
        Ok(changed)
    }

    /// Runs a checked request in `tenant`'s index: hits with highlights, facet counts, total,
    /// time taken.
    pub async fn search(
        &self,
        db: &Db,
        tenant: TenantId,
        req: &SearchRequest,
    ) -> Result<SearchResults> {
        let started = Instant::now();
        let parsed = req.parse();
        let found = if parsed.no_words {
            // Only punctuation: nothing can match.
            backend::Found::default()
        } else {
            self.backend.search(db, tenant, req, &parsed).await?
        };
        Ok(SearchResults::assemble(
            req,
            &parsed,
            found,
            started.elapsed(),
            self.backend.name(),
        ))
    }
}
