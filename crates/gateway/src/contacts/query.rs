//! Contacts queries.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::{Context, ID, Object};
use kartei_contacts::{
    duplicates, import, organizations, persons, quality, relations, rules, timeline,
};
use kartei_core::ctx::Role;
use kartei_tenancy::db::TenantTx;
use uuid::Uuid;

use super::types::{
    ContactEntity, CustomField, DataQualityReport, DuplicatePair, Import, ImportPreview,
    ImportPreviewRow, Organization, OrganizationFilter, Person, PersonFilter, PersonSort, Picklist,
    PicklistValue, Relation, TimelineEntry, timeline_connection,
};
use crate::contacts::types::ImportFormat;
use crate::context::{services, tenant, tenant_tx};
use crate::error::{api, parse_uuid};
use crate::relay::{self, Conn};

#[derive(Default)]
pub struct ContactsQuery;

/// The relations of a page of persons, by person, when the query asks each row for its
/// organizations (`edges { node { organizations … } }` or `nodes { organizations … }`): one
/// statement for the page's relations and, when `organization` is selected under them, one
/// for their organizations, run with the page. The same statements a loader batch would
/// run, without the batching round: each row's resolver finds its part ready. `None` when
/// the rows' organizations are not asked for (or behind a selection the look-ahead cannot
/// see; the loader still batches those).
async fn relations_of_page(
    ctx: &Context<'_>,
    tx: &TenantTx,
    tenant: Uuid,
    persons: &[Uuid],
) -> async_graphql::Result<Option<HashMap<Uuid, Arc<Vec<Relation>>>>> {
    let look = ctx.look_ahead();
    let rows = [
        look.field("edges").field("node").field("organizations"),
        look.field("nodes").field("organizations"),
    ];
    if persons.is_empty() || !rows.iter().any(|r| r.exists()) {
        return Ok(None);
    }
    let found = relations::of_persons(tx, persons).await.map_err(api)?;
    let mut organizations: HashMap<Uuid, Arc<Organization>> = HashMap::new();
    if rows.iter().any(|r| r.field("organization").exists()) {
        let mut ids: Vec<Uuid> = found.iter().map(|r| r.organization_id).collect();
        ids.sort_unstable();
        ids.dedup();
        organizations = organizations::find_many(tx, &ids)
            .await
            .map_err(api)?
            .into_iter()
            .map(|o| (o.id, Arc::new(Organization::from(o))))
            .collect();
    }
    let mut by_person: HashMap<Uuid, Vec<Relation>> = HashMap::new();
    for r in found {
        let organization = organizations.get(&r.organization_id).cloned();
        by_person
            .entry(r.person_id)
            .or_default()
            .push(Relation::with_organization(r, tenant, organization));
    }
    Ok(Some(
        by_person
            .into_iter()
            .map(|(p, r)| (p, Arc::new(r)))
            .collect(),
    ))
}

/// A person by id, for a viewer; the read is audited (personal-data access).
pub(crate) async fn load_person(
    ctx: &Context<'_>,
    id: uuid::Uuid,
) -> async_graphql::Result<Person> {
    let (t, tx) = tenant_tx(ctx, Role::Viewer).await?;
    let p = persons::get(tx, id).await.map_err(api)?;
    // Reading a person's details is personal-data access: audited.
    kartei_tenancy::audit::record(
        tx,
        &t.actor.audit_label(),
        "person.viewed",
        Some(&id.to_string()),
        serde_json::json!({}),
    )
    .await
    .map_err(api)?;
    Ok(p.into())
}

/// The link between a person and an organization, if there is one.
pub(crate) async fn load_relation(
    ctx: &Context<'_>,
    person: uuid::Uuid,
    organization: uuid::Uuid,
) -> async_graphql::Result<Option<Relation>> {
    let (t, tx) = tenant_tx(ctx, Role::Viewer).await?;
    let rels = relations::of_persons(tx, &[person]).await.map_err(api)?;
    Ok(rels
        .into_iter()
        .find(|r| r.organization_id == organization)
        .map(|r| Relation::of(r, t.tenant_id.0)))
}

/// An organization by id, for a viewer.
pub(crate) async fn load_organization(
    ctx: &Context<'_>,
    id: uuid::Uuid,
) -> async_graphql::Result<Organization> {
    let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
    Ok(organizations::get(tx, id).await.map_err(api)?.into())
}

#[Object]
impl ContactsQuery {
    async fn person(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Person>> {
        load_person(ctx, parse_uuid(&id, "id")?).await.map(Some)
    }

    /// Persons, filtered and sorted; merged records never appear.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "crate::relay::cost(first, last, child_complexity)")]
    async fn persons(
        &self,
        ctx: &Context<'_>,
        filter: Option<PersonFilter>,
        #[graphql(default)] sort: PersonSort,
        #[graphql(default)] descending: bool,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<Person>> {
        let req = relay::request::<persons::SortKey>(first, after, last, before)?;
        let filter = filter.unwrap_or_default().to_domain()?;
        let (t, tx) = tenant_tx(ctx, Role::Viewer).await?;
        let page = persons::list(tx, &filter, sort.into(), descending, &req)
            .await
            .map_err(api)?;
        let ids: Vec<Uuid> = page.items.iter().map(|(_, p)| p.id).collect();
        let relations = relations_of_page(ctx, tx, t.tenant_id.0, &ids).await?;
        Ok(relay::connection(
            page,
            |p| {
                let relations = relations
                    .as_ref()
                    .map(|r| r.get(&p.id).cloned().unwrap_or_default());
                Person {
                    relations,
                    ..Person::from(p)
                }
            },
            crate::total!(filter; |tx| persons::count(tx, &filter)),
        ))
    }

    /// How many persons match the filter.
    async fn person_count(
        &self,
        ctx: &Context<'_>,
        filter: Option<PersonFilter>,
    ) -> async_graphql::Result<i64> {
        let filter = filter.unwrap_or_default().to_domain()?;
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        let n = persons::count(tx, &filter).await.map_err(api)?;
        Ok(n)
    }

    async fn organization(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<Organization>> {
        load_organization(ctx, parse_uuid(&id, "id")?)
            .await
            .map(Some)
    }

    /// Organizations by name.
    #[graphql(complexity = "crate::relay::cost(first, last, child_complexity)")]
    async fn organizations(
        &self,
        ctx: &Context<'_>,
        filter: Option<OrganizationFilter>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<Organization>> {
        let req = relay::request::<persons::SortKey>(first, after, last, before)?;
        let f = filter.unwrap_or_default();
        let filter = organizations::OrganizationFilter {
            query: f.query,
            tags_any: f.tags_any.unwrap_or_default(),
            industry: f.industry,
            lifecycle_stages: f
                .lifecycle_stages
                .unwrap_or_default()
                .into_iter()
                .map(|s| s.as_str().to_owned())
                .collect(),
            city: f.city,
            archived: f.archived,
        };
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        let page = organizations::list(tx, &filter, &req).await.map_err(api)?;
        Ok(relay::connection(
            page,
            Organization::from,
            crate::total!(filter; |tx| organizations::count(tx, &filter)),
        ))
    }

    /// An organization's timeline, newest first.
    #[graphql(complexity = "crate::relay::cost(first, last, child_complexity)")]
    async fn organization_timeline(
        &self,
        ctx: &Context<'_>,
        id: ID,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<TimelineEntry>> {
        let id = parse_uuid(&id, "id")?;
        // An unknown organization is NOT_FOUND, not an empty timeline.
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        organizations::get(tx, id).await.map_err(api)?;
        timeline_connection(
            ctx,
            timeline::Subject::Organization(id),
            (first, after, last, before),
        )
        .await
    }

    /// Every picklist with its values (archived values included, flagged).
    async fn picklists(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Picklist>> {
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        let mut out = Vec::new();
        for p in rules::picklists(tx).await.map_err(api)? {
            let values = rules::picklist_values(tx, &p.key).await.map_err(api)?;
            out.push(Picklist {
                key: p.key,
                label: p.label,
                builtin: p.builtin,
                values: values.into_iter().map(PicklistValue::from).collect(),
            });
        }
        Ok(out)
    }

    async fn custom_fields(
        &self,
        ctx: &Context<'_>,
        entity: Option<ContactEntity>,
    ) -> async_graphql::Result<Vec<CustomField>> {
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        let defs = rules::custom_fields(tx, entity.map(Into::into))
            .await
            .map_err(api)?;
        Ok(defs.into_iter().map(CustomField::from).collect())
    }

    /// Duplicate candidates from the last `scanDuplicates`, best first.
    #[graphql(complexity = "crate::relay::cost(first, last, child_complexity)")]
    async fn duplicate_pairs(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<DuplicatePair>> {
        let req = relay::request::<duplicates::PairKey>(first, after, last, before)?;
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        let page = duplicates::page(tx, &req).await.map_err(api)?;
        Ok(relay::connection(
            page,
            DuplicatePair::from,
            crate::total!(; |tx| duplicates::pairs_count(tx)),
        ))
    }

    /// Persons without an interaction for `months` months and without an open transaction,
    /// longest untouched first (`lastInteractionAt` is their last touch).
    #[graphql(complexity = "crate::relay::cost(first, last, child_complexity)")]
    async fn stale_persons(
        &self,
        ctx: &Context<'_>,
        months: i32,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<Person>> {
        let req = relay::request::<quality::TouchKey>(first, after, last, before)?;
        let months = u32::try_from(months).unwrap_or(0);
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        let page = quality::stale_page(tx, months, &req).await.map_err(api)?;
        Ok(relay::connection(
            page,
            Person::from,
            crate::total!(; |tx| quality::stale_count(tx, months)),
        ))
    }

    /// The tenant's data quality: shares with email/phone, duplicates, stale records.
    async fn data_quality_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 24)] stale_months: i32,
    ) -> async_graphql::Result<DataQualityReport> {
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        let r = quality::report(tx, u32::try_from(stale_months).unwrap_or(0))
            .await
            .map_err(api)?;
        Ok(DataQualityReport::new(r, stale_months))
    }

    /// Reads an uploaded file's header and first rows and suggests a column mapping.
    async fn import_preview(
        &self,
        ctx: &Context<'_>,
        upload_id: ID,
    ) -> async_graphql::Result<ImportPreview> {
        let upload_id = parse_uuid(&upload_id, "uploadId")?;
        let t = tenant(ctx, Role::Member)?;
        let p = import::preview(&services(ctx)?.db, t.tenant_id, upload_id)
            .await
            .map_err(api)?;
        Ok(ImportPreview {
            format: ImportFormat::parse(p.format.as_str()),
            encoding: p.encoding,
            delimiter: p.delimiter,
            headers: p.headers,
            suggested_mapping: p.suggested_mapping,
            suggested_new_fields: p
                .suggested_new_fields
                .into_iter()
                .map(|f| f.map(Into::into))
                .collect(),
            rows: p
                .rows
                .into_iter()
                .map(|(line, cells)| ImportPreviewRow {
                    line: line as i64,
                    cells,
                })
                .collect(),
        })
    }

    #[graphql(name = "import")]
    async fn import_job(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Import>> {
        let id = parse_uuid(&id, "id")?;
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        let i = import::get(tx, id).await.map_err(api)?;
        Ok(Some(i.into()))
    }

    /// Imports, newest first.
    #[graphql(complexity = "crate::relay::cost(first, last, child_complexity)")]
    async fn imports(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<Import>> {
        let req = relay::request::<uuid::Uuid>(first, after, last, before)?;
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        let page = import::page(tx, &req).await.map_err(api)?;
        Ok(relay::connection(
            page,
            Import::from,
            crate::total!(; |tx| import::count(tx)),
        ))
    }
}
