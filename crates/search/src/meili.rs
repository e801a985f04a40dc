//! The Meilisearch backend: one index per tenant (`kartei_t_<tenant hex>`, never named from
//! input), settings applied at creation, every task awaited with a timeout, full reindex into
//! `…_next` and then an atomic index swap, deletes on erasure (through the outbox).

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use kartei_core::id::TenantId;
use kartei_tenancy::db::{Db, TenantTx};
use meilisearch_sdk::client::{Client, SwapIndexes};
use meilisearch_sdk::errors::ErrorCode;
use meilisearch_sdk::search::{MatchingStrategies, Selectors};
use meilisearch_sdk::settings::{
    FacetingSettings, MinWordSizeForTypos, PaginationSetting, Settings, TypoToleranceSettings,
};
use meilisearch_sdk::task_info::TaskInfo;
use uuid::Uuid;

use crate::backend::{Backend, Found};
use crate::document::Document;
use crate::query::{FACET_VALUES, FacetCounts, MAX_HITS, Parsed, SearchRequest};
use crate::{Error, Result};

/// Documents per write request during a reindex.
const REINDEX_BATCH: usize = 10_000;

#[derive(Debug)]
pub struct Meili {
    client: Client,
    timeout: Duration,
    /// Indexes known to exist with our settings (per process).
    ready: Mutex<HashSet<String>>,
}

/// The index a tenant's documents live in.
pub fn index_uid(tenant: TenantId) -> String {
    format!("kartei_{}", tenant.schema_name())
}

fn next_uid(tenant: TenantId) -> String {
    format!("{}_next", index_uid(tenant))
}

/// The settings every tenant index gets: what is searched (the folded fields, name first),
/// filtered and sorted on, typo tolerance (one typo from 5 characters, two from 9, none in
/// phone digits), ranking rules and the paging limit.
pub fn index_settings() -> Settings {
    Settings::new()
        .with_searchable_attributes(["searchName", "searchOther", "searchPhones"])
        .with_filterable_attributes([
            "kind",
            "tags",
            "lifecycleStage",
            "city",
            "industry",
            "ownerId",
        ])
        .with_sortable_attributes(["sortName"])
        .with_ranking_rules([
            "words",
            "typo",
            "proximity",
            "attribute",
            "sort",
            "exactness",
        ])
        .with_typo_tolerance(TypoToleranceSettings {
            enabled: Some(true),
            disable_on_attributes: Some(vec!["searchPhones".to_owned()]),
            disable_on_words: None,
            min_word_size_for_typos: Some(MinWordSizeForTypos {
                one_typo: Some(5),
                two_typos: Some(9),
            }),
        })
        .with_pagination(PaginationSetting {
            max_total_hits: MAX_HITS,
        })
        .with_faceting(FacetingSettings {
            max_values_per_facet: 100,
            sort_facet_values_by: None,
        })
}

/// A filter value as a Meilisearch string literal (backslash and quote escaped).
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if matches!(c, '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

fn filter_expression(req: &SearchRequest) -> Option<String> {
    let f = &req.filters;
    let mut parts = Vec::new();
    if let Some(k) = f.kind {
        parts.push(format!("kind = {}", quote(k.as_str())));
    }
    for t in &f.tags {
        parts.push(format!("tags = {}", quote(t)));
    }
    let any = |attr: &str, values: Vec<String>| -> Option<String> {
        (!values.is_empty()).then(|| {
            let list: Vec<String> = values.iter().map(|v| quote(v)).collect();
            format!("{attr} IN [{}]", list.join(", "))
        })
    };
    parts.extend(any("lifecycleStage", f.lifecycle_stages.clone()));
    parts.extend(any("city", f.cities.clone()));
    parts.extend(any("industry", f.industries.clone()));
    parts.extend(any(
        "ownerId",
        f.owners.iter().map(ToString::to_string).collect(),
    ));
    (!parts.is_empty()).then(|| parts.join(" AND "))
}

impl Meili {
    pub fn new(url: &str, api_key: Option<&str>, timeout: Duration) -> Result<Self> {
        let client = Client::new(url, api_key.filter(|k| !k.is_empty()))
            .map_err(|e| Error::Engine(format!("Meilisearch client: {e}")))?;
        Ok(Self {
            client,
            timeout,
            ready: Mutex::new(HashSet::new()),
        })
    }

    /// Bounds one call by the configured timeout.
    async fn bounded<T>(
        &self,
        call: impl std::future::Future<Output = std::result::Result<T, meilisearch_sdk::errors::Error>>,
    ) -> Result<T> {
        match tokio::time::timeout(self.timeout, call).await {
            Ok(r) => r.map_err(Error::from),
            Err(_) => Err(Error::Unavailable(format!(
                "Meilisearch did not answer within {} ms",
                self.timeout.as_millis()
            ))),
        }
    }

    /// Waits for a task; a failed task is an error unless its code is in `tolerated`.
    async fn wait(&self, task: TaskInfo, tolerated: &[ErrorCode]) -> Result<()> {
        let task = self
            .bounded(task.wait_for_completion(
                &self.client,
                Some(Duration::from_millis(25)),
                Some(self.timeout),
            ))
            .await?;
        if task.is_failure() {
            let e = task.unwrap_failure();
            if !tolerated.contains(&e.error_code) {
                return Err(Error::Engine(format!(
                    "{:?}: {}",
                    e.error_code, e.error_message
                )));
            }
        }
        Ok(())
    }

    async fn create_with_settings(&self, uid: &str) -> Result<()> {
        let t = self
            .bounded(self.client.create_index(uid, Some("id")))
            .await?;
        self.wait(t, &[ErrorCode::IndexAlreadyExists]).await?;
        let t = self
            .bounded(self.client.index(uid).set_settings(&index_settings()))
            .await?;
        self.wait(t, &[]).await
    }

    async fn ensure(&self, uid: &str) -> Result<()> {
        if self.ready.lock().map(|r| r.contains(uid)).unwrap_or(false) {
            return Ok(());
        }
        self.create_with_settings(uid).await?;
        if let Ok(mut r) = self.ready.lock() {
            r.insert(uid.to_owned());
        }
        Ok(())
    }

    async fn put(&self, uid: &str, docs: &[Document]) -> Result<()> {
        if docs.is_empty() {
            return Ok(());
        }
        let t = self
            .bounded(self.client.index(uid).add_or_replace(docs, Some("id")))
            .await?;
        self.wait(t, &[]).await
    }
}

#[async_trait]
impl Backend for Meili {
    fn name(&self) -> &'static str {
        "meilisearch"
    }

    async fn apply(&self, tx: &TenantTx, upserts: &[Document], deletes: &[Uuid]) -> Result<()> {
        let uid = index_uid(tx.tenant());
        self.ensure(&uid).await?;
        if !deletes.is_empty() {
            let ids: Vec<String> = deletes.iter().map(ToString::to_string).collect();
            let t = self
                .bounded(self.client.index(&uid).delete_documents(&ids))
                .await?;
            self.wait(t, &[]).await?;
        }
        self.put(&uid, upserts).await
    }

    async fn search(
        &self,
        _db: &Db,
        tenant: TenantId,
        req: &SearchRequest,
        parsed: &Parsed,
    ) -> Result<Found> {
        let uid = index_uid(tenant);
        self.ensure(&uid).await?;
        let index = self.client.index(&uid);
        let text = parsed.words.join(" ");
        let filter = filter_expression(req);
        let facet_names: Vec<&str> = req.facets.iter().map(|f| f.attribute()).collect();
        let sort = ["sortName:asc"];
        let mut q = index.search();
        // Every word must match, as in the in-database backend (Meilisearch's default drops
        // words from the end to fill a page).
        q.with_query(&text)
            .with_matching_strategy(MatchingStrategies::ALL)
            .with_limit(req.limit)
            .with_offset(req.offset);
        if let Some(f) = &filter {
            q.with_filter(f);
        }
        if !facet_names.is_empty() {
            q.with_facets(Selectors::Some(&facet_names));
        }
        if parsed.browse || parsed.phone {
            q.with_sort(&sort);
        }
        let res = self.bounded(q.execute::<Document>()).await?;
        let mut facets = Vec::with_capacity(req.facets.len());
        let dist = res.facet_distribution.unwrap_or_default();
        for &f in &req.facets {
            let mut values: Vec<(String, u64)> = dist
                .get(f.attribute())
                .map(|m| m.iter().map(|(k, v)| (k.clone(), *v as u64)).collect())
                .unwrap_or_default();
            values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            values.truncate(FACET_VALUES);
            facets.push(FacetCounts { facet: f, values });
        }
        let total = res
            .estimated_total_hits
            .or(res.total_hits)
            .unwrap_or(res.hits.len()) as u64;
        Ok(Found {
            docs: res.hits.into_iter().map(|h| h.result).collect(),
            total,
            facets,
        })
    }

    async fn reindex_begin(&self, tx: &TenantTx) -> Result<()> {
        let live = index_uid(tx.tenant());
        let next = next_uid(tx.tenant());
        self.ensure(&live).await?;
        let t = self.bounded(self.client.delete_index(&next)).await?;
        self.wait(t, &[ErrorCode::IndexNotFound]).await?;
        self.create_with_settings(&next).await
    }

    async fn reindex_put(&self, tx: &TenantTx, docs: &[Document]) -> Result<()> {
        let next = next_uid(tx.tenant());
        for chunk in docs.chunks(REINDEX_BATCH) {
            self.put(&next, chunk).await?;
        }
        Ok(())
    }

    async fn reindex_commit(&self, tx: &TenantTx) -> Result<()> {
        let live = index_uid(tx.tenant());
        let next = next_uid(tx.tenant());
        let swap = SwapIndexes {
            indexes: (live, next.clone()),
        };
        let t = self.bounded(self.client.swap_indexes([&swap])).await?;
        self.wait(t, &[]).await?;
        // `next` now holds the old documents.
        let t = self.bounded(self.client.delete_index(&next)).await?;
        self.wait(t, &[ErrorCode::IndexNotFound]).await
    }

    async fn drop_tenant(&self, tenant: TenantId) -> Result<()> {
        let uid = index_uid(tenant);
        let t = self.bounded(self.client.delete_index(&uid)).await?;
        self.wait(t, &[ErrorCode::IndexNotFound]).await?;
        if let Ok(mut r) = self.ready.lock() {
            r.remove(&uid);
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::query::Facet;

    #[test]
    fn filter_values_are_quoted_literals() {
        assert_eq!(quote(r#"a"b\c"#), r#""a\"b\\c""#);
        let req = SearchRequest::new(
            "x",
            crate::query::Filters {
                tags: vec![r#"vip" OR kind = "organization"#.to_owned()],
                cities: vec!["München".into(), "Köln".into()],
                ..Default::default()
            },
            vec![Facet::City],
            None,
            None,
        )
        .unwrap();
        assert_eq!(
            filter_expression(&req).as_deref(),
            Some(r#"tags = "vip\" OR kind = \"organization" AND city IN ["München", "Köln"]"#)
        );
    }
}
