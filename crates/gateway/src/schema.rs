//! The GraphQL schema: per-domain resolvers merged into one, with depth and complexity limits
//! and introspection by configuration.

use async_graphql::{EmptySubscription, MergedObject, Schema, SchemaBuilder};

use crate::campaigns::{CampaignsMutation, CampaignsQuery};
use crate::compliance::{ComplianceMutation, ComplianceQuery};
use crate::contacts::{ContactsMutation, ContactsQuery};
use crate::identity::{IdentityMutation, IdentityQuery};
use crate::node::NodeQuery;
use crate::search::{SearchMutation, SearchQuery};
use crate::segments::{SegmentsMutation, SegmentsQuery};
use crate::settings::{SettingsMutation, SettingsQuery};
use crate::tenants::{TenantsMutation, TenantsQuery};

#[derive(MergedObject, Default)]
pub struct Query(
    NodeQuery,
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::sdl;

    #[test]
    fn every_connection_has_total_count_and_no_enum_is_a_string() {
        use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
        let doc = async_graphql::parser::parse_schema(sdl()).unwrap();
        let mut connections = 0;
        let mut missing = Vec::new();
        let mut enum_strings = Vec::new();
        let mut enums = std::collections::HashSet::new();
        for def in &doc.definitions {
            if let TypeSystemDefinition::Type(t) = def
                && let TypeKind::Enum(_) = &t.node.kind
            {
                enums.insert(t.node.name.node.to_string());
            }
        }
        // Fields whose name says "one of a closed set"; their values must be a schema enum.
        let enum_like = [
            "status",
            "kind",
            "channel",
            "severity",
            "class",
            "valueClass",
            "goalKind",
            "change",
            "fromStage",
            "toStage",
            "lifecycleStage",
            "event",
            "direction",
            "role",
            "buyingRole",
            "format",
            "entity",
            "source",
        ];
        // Open sets, with the reason they stay text.
        let open = [
            // A value of the tenant's own picklist `source`, not a closed set.
            ("Person", "source"),
            ("Organization", "source"),
            ("SearchHit", "source"),
            // The search engine in use, free text for operators.
            ("SearchHitConnection", "backend"),
        ];
        for def in &doc.definitions {
            let TypeSystemDefinition::Type(t) = def else {
                continue;
            };
            let name = t.node.name.node.as_str();
            let TypeKind::Object(o) = &t.node.kind else {
                continue;
            };
            if name.ends_with("Connection") {
                connections += 1;
                if !o.fields.iter().any(|f| f.node.name.node == "totalCount") {
                    missing.push(name.to_owned());
                }
            }
            for f in &o.fields {
                let field = f.node.name.node.as_str();
                let ty = f.node.ty.node.to_string();
                let base = ty.trim_matches(|c| c == '[' || c == ']' || c == '!');
                if base == "String" && enum_like.contains(&field) && !open.contains(&(name, field))
                {
                    enum_strings.push(format!("{name}.{field}: {ty}"));
                }
            }
        }
        println!("{connections} connection types; enums: {}", enums.len());
        assert!(connections >= 16, "{connections}");
        assert!(
            missing.is_empty(),
            "connections without totalCount: {missing:?}"
        );
        assert!(
            enum_strings.is_empty(),
            "enum-valued outputs typed String ({}): {enum_strings:#?}",
            enum_strings.len()
        );
    }
}
