//! GraphQL shapes of contact search.

use std::sync::Arc;

use async_graphql::connection::{Connection, Edge};
use async_graphql::{ComplexObject, Context, Enum, ID, InputObject, SimpleObject};
use chrono::{DateTime, Utc};
use kartei_core::ctx::Role;
use kartei_search::document::Kind;
use kartei_search::query::{Facet, Filters, SearchResults};
use uuid::Uuid;

use crate::contacts::types::{Organization, Person};
use crate::context::tenant;
use crate::loaders;
use crate::node::{self, Kind as NodeKind};

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ContactKind {
    Person,
    Organization,
}

impl From<Kind> for ContactKind {
    fn from(k: Kind) -> Self {
        match k {
            Kind::Person => ContactKind::Person,
            Kind::Organization => ContactKind::Organization,
        }
    }
}

impl From<ContactKind> for Kind {
    fn from(k: ContactKind) -> Self {
        match k {
            ContactKind::Person => Kind::Person,
            ContactKind::Organization => Kind::Organization,
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum SearchFacet {
    Kind,
    Tags,
    LifecycleStage,
    City,
    Industry,
    Owner,
}

impl From<SearchFacet> for Facet {
    fn from(f: SearchFacet) -> Self {
        match f {
            SearchFacet::Kind => Facet::Kind,
            SearchFacet::Tags => Facet::Tags,
            SearchFacet::LifecycleStage => Facet::LifecycleStage,
            SearchFacet::City => Facet::City,
            SearchFacet::Industry => Facet::Industry,
            SearchFacet::Owner => Facet::Owner,
        }
    }
}

impl From<Facet> for SearchFacet {
    fn from(f: Facet) -> Self {
        match f {
            Facet::Kind => SearchFacet::Kind,
            Facet::Tags => SearchFacet::Tags,
            Facet::LifecycleStage => SearchFacet::LifecycleStage,
            Facet::City => SearchFacet::City,
            Facet::Industry => SearchFacet::Industry,
            Facet::Owner => SearchFacet::Owner,
        }
    }
}

/// All given filters must hold; within one, any of the values.
#[derive(InputObject, Default)]
pub struct SearchFilterInput {
    pub kind: Option<ContactKind>,
    /// Every one of these tags.
    #[graphql(default)]
    pub tags: Vec<String>,
    #[graphql(default)]
    pub lifecycle_stages: Vec<String>,
    #[graphql(default)]
    pub cities: Vec<String>,
    #[graphql(default)]
    pub industries: Vec<String>,
    #[graphql(default)]
    pub owners: Vec<uuid::Uuid>,
}

impl From<SearchFilterInput> for Filters {
    fn from(f: SearchFilterInput) -> Self {
        Filters {
            kind: f.kind.map(Into::into),
            tags: f.tags,
            lifecycle_stages: f.lifecycle_stages,
            cities: f.cities,
            industries: f.industries,
            owners: f.owners,
        }
    }
}

/// A matched field: its text HTML-escaped, the matched words in `<mark>`.
///
/// A value object (no id): one highlighted field of a search hit.
#[derive(SimpleObject)]
pub struct SearchHighlight {
    /// `name`, `organization`, `email`, `city`, `postalCode` or `phone`.
    pub field: String,
    pub html: String,
}

/// One search hit: the fields of a person or organization as they were indexed, with
/// highlights. A value object with no id of its own (a cache keeps it inside its edge);
/// `contactId` names the record, and `person` or `organization` links to it as it is now.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct SearchHit {
    /// The id of the person or organization found.
    pub contact_id: ID,
    pub kind: ContactKind,
    pub name: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// A person's organization, by name as indexed.
    pub organization_name: Option<String>,
    pub position: Option<String>,
    pub email: Option<String>,
    pub phones: Vec<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub tags: Vec<String>,
    pub lifecycle_stage: crate::contacts::types::LifecycleStage,
    pub industry: Option<String>,
    pub owner_id: Option<ID>,
    pub highlights: Vec<SearchHighlight>,
    #[graphql(skip)]
    pub id: Uuid,
}

#[ComplexObject]
impl SearchHit {
    /// The person found; null for an organization (and for a person deleted since).
    async fn person(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Person>> {
        if self.kind != ContactKind::Person {
            return Ok(None);
        }
        tenant(ctx, Role::Viewer)?;
        let p = loaders::one(ctx, loaders::PersonKey(self.id)).await?;
        Ok(p.map(|p| Person::from(Arc::unwrap_or_clone(p))))
    }

    /// The organization found; null for a person (and for an organization deleted since).
    async fn organization(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organization>> {
        if self.kind != ContactKind::Organization {
            return Ok(None);
        }
        tenant(ctx, Role::Viewer)?;
        let o = loaders::one(ctx, loaders::OrganizationKey(self.id)).await?;
        Ok(o.map(|o| Organization::from(Arc::unwrap_or_clone(o))))
    }
}

/// A value object (no id): one value of a search facet.
#[derive(SimpleObject)]
pub struct FacetValue {
    pub value: String,
    pub count: i64,
}

/// A value object (no id): one facet of a search answer.
#[derive(SimpleObject)]
pub struct FacetCount {
    pub facet: SearchFacet,
    /// Most frequent first (at most 20).
    pub values: Vec<FacetValue>,
}

/// What a search answers besides its hits.
#[derive(SimpleObject)]
pub struct SearchExtras {
    /// Matching contacts, counted up to 1,000 (paging reaches the first 1,000). When more
    /// match, this is 1,000 and `totalCountExact` is false: show "1,000+".
    pub total_count: i64,
    /// Whether `totalCount` is exact. When it is not, facet counts cover the first 1,000 hits
    /// (in rank order; without a query, the first 1,000 found) rather than every match: a
    /// broad query never costs a pass over every match.
    pub total_count_exact: bool,
    /// Counted over every match when `totalCountExact`, else over the first 1,000 hits.
    pub facets: Vec<FacetCount>,
    pub took_ms: f64,
    /// `postgres` or `meilisearch`.
    pub backend: String,
}

/// A search's hits as a connection (`edges`, `pageInfo`), with `totalCount`, facets and timing.
pub type SearchResult = Connection<String, SearchHit, SearchExtras>;

pub fn search_result(r: SearchResults) -> SearchResult {
    let extras = SearchExtras {
        total_count: r.total.min(i64::MAX as u64) as i64,
        total_count_exact: r.total_exact,
        took_ms: r.took.as_secs_f64() * 1000.0,
        backend: r.backend.to_owned(),
        facets: r
            .facets
            .into_iter()
            .map(|f| FacetCount {
                facet: f.facet.into(),
                values: f
                    .values
                    .into_iter()
                    .map(|(value, n)| FacetValue {
                        value,
                        count: n.min(i64::MAX as u64) as i64,
                    })
                    .collect(),
            })
            .collect(),
    };
    let mut conn = Connection::with_additional_fields(r.has_previous_page, r.has_next_page, extras);
    conn.edges.extend(r.hits.into_iter().map(|h| {
        let d = h.document;
        let hit = SearchHit {
            contact_id: node::id(
                match d.kind {
                    Kind::Person => NodeKind::Person,
                    Kind::Organization => NodeKind::Organization,
                },
                d.id,
            ),
            id: d.id,
            kind: d.kind.into(),
            name: d.name,
            first_name: d.first_name,
            last_name: d.last_name,
            organization_name: d.organization,
            position: d.position,
            email: d.email,
            phones: d.phones,
            postal_code: d.postal_code,
            city: d.city,
            tags: d.tags,
            lifecycle_stage: crate::contacts::types::LifecycleStage::parse(&d.lifecycle_stage),
            industry: d.industry,
            owner_id: d.owner_id.map(|o| node::id(NodeKind::User, o)),
            highlights: h
                .highlights
                .into_iter()
                .map(|x| SearchHighlight {
                    field: x.field.to_owned(),
                    html: x.html,
                })
                .collect(),
        };
        Edge::new(h.cursor, hit)
    }));
    conn
}

/// A value object (no id): the search backend's state, computed.
#[derive(SimpleObject)]
pub struct SearchStatus {
    /// `postgres` or `meilisearch`.
    pub backend: String,
    /// Changes not yet in the index.
    pub pending_changes: i64,
    pub oldest_pending_at: Option<DateTime<Utc>>,
    /// Age of the oldest pending change in seconds (0 when the index is current).
    pub lag_seconds: f64,
    pub last_drained_at: Option<DateTime<Utc>>,
    /// Consecutive failed attempts to reach the engine (it is retried with backoff).
    pub failures: i32,
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
    pub reindexed_at: Option<DateTime<Utc>>,
}

impl SearchStatus {
    pub fn new(s: kartei_search::outbox::Status, backend: &str) -> Self {
        SearchStatus {
            backend: backend.to_owned(),
            pending_changes: s.pending,
            oldest_pending_at: s.oldest_pending_at,
            lag_seconds: s.lag_seconds,
            last_drained_at: s.last_drained_at,
            failures: s.failures,
            last_error: s.last_error,
            last_error_at: s.last_error_at,
            reindexed_at: s.reindexed_at,
        }
    }
}
