//! Segments and analytics queries.

use async_graphql::{Context, ID, Json, Object};
use kartei_core::ctx::Role;
use kartei_segments::catalog::{BUILTIN_FIELDS, Catalog, Ty};
use kartei_segments::rule::Op;
use kartei_segments::{abc, bant, lifecycle, segments, target_groups};

use super::types::{
    AbcReport, AbcResult, AbcSettings, BantScore, LifecycleEvent, LifecycleSettings, Segment,
    SegmentField, SegmentPreview, SegmentSnapshot, TargetGroup,
};
use crate::context::tenant_tx;
use crate::error::{api, parse_uuid};
use crate::relay::{self, Conn};
use crate::segments::types::AbcClass;

#[derive(Default)]
pub struct SegmentsQuery;

#[Object]
impl SegmentsQuery {
    async fn segment(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Segment>> {
        let id = parse_uuid(&id, "id")?;
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        let s = segments::get(tx, id).await.map_err(api)?;
        Ok(Some(s.into()))
    }

    /// Active segments and lists, oldest first.
    #[graphql(complexity = "crate::relay::cost(first, last, child_complexity)")]
    async fn segments(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<Segment>> {
        let req = relay::request(first, after, last, before)?;
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        let page = segments::list(tx, &req).await.map_err(api)?;
        Ok(relay::connection(
            page,
            Segment::from,
            crate::total!(; |tx| segments::list_count(tx)),
        ))
    }

    /// What a rule selects, without saving it: its count and its members (a connection).
    /// An invalid rule is VALIDATION_FAILED here.
    async fn preview_segment(
        &self,
        ctx: &Context<'_>,
        rule: Json<serde_json::Value>,
    ) -> async_graphql::Result<SegmentPreview> {
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        let compiler = segments::Compiler::load(tx, chrono::Utc::now())
            .await
            .map_err(api)?;
        let rule = crate::node::bare_ids(rule.0);
        let cond = compiler.rule(&rule, None).map_err(api)?;
        Ok(SegmentPreview { cond })
    }

    /// Every field a rule can use in this tenant, with its operators.
    async fn segment_fields(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<SegmentField>> {
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        let catalog = Catalog::load(tx).await.map_err(api)?;
        let mut names: Vec<String> = BUILTIN_FIELDS.iter().map(|s| (*s).to_owned()).collect();
        let mut custom: Vec<String> = catalog
            .person_custom
            .keys()
            .map(|k| format!("custom.{k}"))
            .chain(
                catalog
                    .organization_custom
                    .keys()
                    .map(|k| format!("organization.custom.{k}")),
            )
            .collect();
        custom.sort();
        names.extend(custom);
        Ok(names
            .into_iter()
            .filter_map(|name| {
                let def = catalog.field(&name)?;
                let values = match &def.ty {
                    Ty::Enum(v) => Some(v.iter().map(|s| (*s).to_owned()).collect()),
                    Ty::Picklist(list) => {
                        let mut v: Vec<String> = catalog
                            .picklists
                            .get(list)
                            .map(|s| s.iter().cloned().collect())
                            .unwrap_or_default();
                        v.sort();
                        Some(v)
                    }
                    _ => None,
                };
                Some(SegmentField {
                    r#type: def.ty.name().to_owned(),
                    operators: Op::allowed(&def.ty)
                        .iter()
                        .filter(|o| {
                            !(matches!(o, Op::IsEmpty | Op::IsNotEmpty) && def.source.never_null())
                        })
                        .map(|o| o.as_str().to_owned())
                        .collect(),
                    field: name,
                    values,
                })
            })
            .collect())
    }

    async fn segment_snapshot(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<SegmentSnapshot>> {
        let id = parse_uuid(&id, "id")?;
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        let s = segments::get_snapshot(tx, id).await.map_err(api)?;
        Ok(Some(s.into()))
    }

    async fn abc_settings(&self, ctx: &Context<'_>) -> async_graphql::Result<AbcSettings> {
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        let s = abc::AbcSettings::load(tx).await.map_err(api)?;
        Ok(s.into())
    }

    /// The latest ABC analysis: distribution per class and the Pareto curve.
    async fn abc_report(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<AbcReport>> {
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        let r = abc::latest(tx).await.map_err(api)?;
        Ok(r.map(Into::into))
    }

    /// Classified customers by rank, optionally of one class.
    #[graphql(complexity = "crate::relay::cost(first, last, child_complexity)")]
    async fn abc_results(
        &self,
        ctx: &Context<'_>,
        class: Option<AbcClass>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<AbcResult>> {
        let req = relay::request(first, after, last, before)?;
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        let class = class.map(AbcClass::as_str);
        let page = abc::results(tx, class, &req).await.map_err(api)?;
        Ok(relay::connection(
            page,
            AbcResult::from,
            crate::total!(; |tx| abc::results_count(tx, class)),
        ))
    }

    async fn abc_result(
        &self,
        ctx: &Context<'_>,
        person_id: ID,
    ) -> async_graphql::Result<Option<AbcResult>> {
        let person = parse_uuid(&person_id, "personId")?;
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        let r = abc::result_of(tx, person).await.map_err(api)?;
        Ok(r.map(Into::into))
    }

    async fn lifecycle_settings(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<LifecycleSettings> {
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        let s = lifecycle::LifecycleSettings::load(tx).await.map_err(api)?;
        Ok(s.into())
    }

    /// A person's automatic lifecycle changes, oldest first.
    async fn lifecycle_events(
        &self,
        ctx: &Context<'_>,
        person_id: ID,
    ) -> async_graphql::Result<Vec<LifecycleEvent>> {
        let person = parse_uuid(&person_id, "personId")?;
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        let v = lifecycle::events_of(tx, person).await.map_err(api)?;
        Ok(v.into_iter().map(Into::into).collect())
    }

    async fn bant_score(
        &self,
        ctx: &Context<'_>,
        person_id: ID,
    ) -> async_graphql::Result<Option<BantScore>> {
        let person = parse_uuid(&person_id, "personId")?;
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        let b = bant::get(tx, person).await.map_err(api)?;
        Ok(b.map(Into::into))
    }

    /// Target groups, most attractive first.
    async fn target_groups(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<TargetGroup>> {
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        let v = target_groups::ranked(tx).await.map_err(api)?;
        Ok(v.into_iter().map(Into::into).collect())
    }

    async fn target_group(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<TargetGroup>> {
        let id = parse_uuid(&id, "id")?;
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        let g = target_groups::get(tx, id).await.map_err(api)?;
        Ok(Some(g.into()))
    }
}
