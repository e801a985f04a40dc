//! The GraphQL schema: per-domain resolvers merged into one, with depth and complexity limits
//! and introspection by configuration.

use async_graphql::{EmptySubscription, MergedObject, Schema, SchemaBuilder};

use crate::campaigns::{CampaignsMutation, CampaignsQuery};
use crate::compliance::{ComplianceMutation, ComplianceQuery};
use crate::contacts::{ContactsMutation, ContactsQuery};
use crate::identity::{IdentityMutation, IdentityQuery};
use crate::search::{SearchMutation, SearchQuery};
use crate::segments::{SegmentsMutation, SegmentsQuery};
use crate::settings::{SettingsMutation, SettingsQuery};
use crate::tenants::{TenantsMutation, TenantsQuery};

#[derive(MergedObject, Default)]
pub struct Query(
    IdentityQuery,
    TenantsQuery,
    SettingsQuery,
    ContactsQuery,
    ComplianceQuery,
    SegmentsQuery,
    SearchQuery,
    CampaignsQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    IdentityMutation,
    TenantsMutation,
    SettingsMutation,
    ContactsMutation,
    ComplianceMutation,
    SegmentsMutation,
    SearchMutation,
    CampaignsMutation,
);

pub type KarteiSchema = Schema<Query, Mutation, EmptySubscription>;

#[derive(Debug, Clone, Copy)]
pub struct SchemaLimits {
    pub max_depth: usize,
    pub max_complexity: usize,
    pub introspection: bool,
}

impl Default for SchemaLimits {
    fn default() -> Self {
        Self {
            max_depth: 10,
            max_complexity: 3000,
            introspection: true,
        }
    }
}

pub fn build_schema(limits: SchemaLimits) -> SchemaBuilder<Query, Mutation, EmptySubscription> {
    let builder = Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_complexity)
        .limit_recursive_depth(32)
        .limit_directives(16);
    if limits.introspection {
        builder
    } else {
        builder.disable_introspection()
    }
}

/// The schema in SDL, as checked in at `frontend-schema/schema.graphql`.
pub fn sdl() -> String {
    build_schema(SchemaLimits::default()).finish().sdl()
}
