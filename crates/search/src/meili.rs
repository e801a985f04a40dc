//! The Meilisearch backend: one index per tenant (`kartei_t_<tenant hex>`, never named from
//! input), every task awaited with a timeout, full reindex into `…_next` and then an atomic
//! index swap, deletes on erasure (through the outbox).
//!
//! Settings belong to index creation and to [`Meili::setup`] (`kartei search setup`, the
//! worker's start-up, a reindex): compared with what the index has, applied only when they
//! differ, and awaited with their own deadline ([`SETUP_TIMEOUT`]): Meilisearch may take
//! seconds for a settings task. The search path never touches settings: a search of an index
//! that does not exist yet finds nothing.

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
/// How long index creation and a settings change may take (they re-index the documents).
pub const SETUP_TIMEOUT: Duration = Duration::from_secs(600);

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

/// The settings every tenant index gets: what is searched (the folded fields, name first,
/// then organization, place, the rest), filtered and sorted on, typo tolerance (one typo
/// from 4 characters, two from 9, none in phone digits), ranking rules and the paging limit.
///
/// The ranking rules give the relevance order of the in-database backend: the field first
/// (`attribute`: a name match before an organization match), then fewer typos, then exact
/// words before prefixes (`exactness`: "Groß" before "Großmann"), then alphabetical by the
/// lead key (last name first).
pub fn index_settings() -> Settings {
    Settings::new()
        .with_searchable_attributes([
            "searchName",
            "searchOrganization",
            "searchPlace",
            "searchOther",
            "searchPhones",
        ])
        .with_filterable_attributes([
            "kind",
            "tags",
            "lifecycleStage",
            "city",
            "industry",
            "ownerId",
        ])
        .with_sortable_attributes(["sortName", "searchLead"])
        .with_ranking_rules([
            "words",
            "attribute",
            "typo",
            "exactness",
            "proximity",
            "sort",
        ])
        .with_typo_tolerance(TypoToleranceSettings {
            enabled: Some(true),
            disable_on_attributes: Some(vec!["searchPhones".to_owned()]),
            disable_on_words: None,
            min_word_size_for_typos: Some(MinWordSizeForTypos {
                one_typo: Some(4),
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

/// Whether an index's settings `current` already hold everything `wanted` sets (attribute
/// lists Meilisearch keeps in its own order compared as sets).
fn settings_match(wanted: &Settings, current: &Settings) -> bool {
    let (Ok(serde_json::Value::Object(w)), Ok(serde_json::Value::Object(c))) =
        (serde_json::to_value(wanted), serde_json::to_value(current))
    else {
        return false;
    };
    let normalized = |key: &str, v: &serde_json::Value| -> serde_json::Value {
        match (key, v) {
            ("filterableAttributes" | "sortableAttributes", serde_json::Value::Array(a)) => {
                let mut a = a.clone();
                a.sort_by_key(ToString::to_string);
                serde_json::Value::Array(a)
            }
            _ => v.clone(),
        }
    };
    w.iter().all(|(k, v)| {
        c.get(k)
            .is_some_and(|cv| subset(&normalized(k, v), &normalized(k, cv)))
    })
}

/// `wanted` is contained in `current`: equal, or an object whose set keys all match.
fn subset(wanted: &serde_json::Value, current: &serde_json::Value) -> bool {
    match (wanted, current) {
        (serde_json::Value::Object(w), serde_json::Value::Object(c)) => w
            .iter()
            .filter(|(_, v)| !v.is_null())
            .all(|(k, v)| c.get(k).is_some_and(|cv| subset(v, cv))),
        _ => wanted == current,
    }
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
        self.wait_for(task, tolerated, self.timeout).await
    }

    /// [`Meili::wait`] with its own deadline (index creation and settings changes).
    async fn wait_for(
        &self,
        task: TaskInfo,
        tolerated: &[ErrorCode],
        deadline: Duration,
    ) -> Result<()> {
        let waited = task.wait_for_completion(
            &self.client,
            Some(Duration::from_millis(25)),
            Some(deadline),
        );
        let task = match tokio::time::timeout(deadline + self.timeout, waited).await {
            Ok(r) => r.map_err(Error::from)?,
            Err(_) => {
                return Err(Error::Unavailable(format!(
                    "a Meilisearch task did not finish within {} s",
                    deadline.as_secs()
                )));
            }
        };
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

    /// Creates the index if it is missing and applies [`index_settings`] if the index has
    /// other ones; idempotent. Returns whether anything was changed.
    async fn create_with_settings(&self, uid: &str) -> Result<bool> {
        let wanted = index_settings();
        let index = self.client.index(uid);
        let current = match self.bounded(index.get_settings()).await {
            Ok(s) => Some(s),
            Err(Error::IndexMissing) => {
                let t = self
                    .bounded(self.client.create_index(uid, Some("id")))
                    .await?;
                self.wait_for(t, &[ErrorCode::IndexAlreadyExists], SETUP_TIMEOUT)
                    .await?;
                None
            }
            // Settings this client cannot read: write ours.
            Err(Error::Engine(_)) => None,
            Err(e) => return Err(e),
        };
        if current.as_ref().is_some_and(|c| settings_match(&wanted, c)) {
            return Ok(false);
        }
        let t = self.bounded(index.set_settings(&wanted)).await?;
        self.wait_for(t, &[], SETUP_TIMEOUT).await?;
        Ok(true)
    }

    /// [`Meili::create_with_settings`] once per process and index (the write paths).
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
        let index = self.client.index(&uid);
        let text = parsed.words.join(" ");
        let filter = filter_expression(req);
        let facet_names: Vec<&str> = req.facets.iter().map(|f| f.attribute()).collect();
        let sort = ["sortName:asc"];
        let relevance = ["searchLead:asc"];
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
        // Browsing and phone numbers list by name; words rank, alphabetical within a rank
        // (the last ranking rule).
        if parsed.browse || parsed.phone {
            q.with_sort(&sort);
        } else {
            q.with_sort(&relevance);
        }
        let res = match self.bounded(q.execute::<Document>()).await {
            Ok(r) => r,
            // No document was ever written for this tenant: nothing to find.
            Err(Error::IndexMissing) => return Ok(Found::default()),
            Err(e) => return Err(e),
        };
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
        // Meilisearch counts up to `maxTotalHits` (1,000), as the in-database backend does.
        let total = res
            .estimated_total_hits
            .or(res.total_hits)
            .unwrap_or(res.hits.len())
            .min(MAX_HITS) as u64;
        Ok(Found {
            docs: res.hits.into_iter().map(|h| h.result).collect(),
            total,
            total_exact: total < MAX_HITS as u64,
            facets,
        })
    }

    async fn reindex_begin(&self, tx: &TenantTx) -> Result<()> {
        let live = index_uid(tx.tenant());
        let next = next_uid(tx.tenant());
        self.ensure(&live).await?;
        let t = self.bounded(self.client.delete_index(&next)).await?;
        self.wait(t, &[ErrorCode::IndexNotFound]).await?;
        self.create_with_settings(&next).await.map(|_| ())
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

    async fn setup(&self, tenant: TenantId) -> Result<bool> {
        let uid = index_uid(tenant);
        let changed = self.create_with_settings(&uid).await?;
        if let Ok(mut r) = self.ready.lock() {
            r.insert(uid);
        }
        Ok(changed)
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
