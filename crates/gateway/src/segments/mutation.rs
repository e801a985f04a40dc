//! Segments and analytics mutations; each audited in its own transaction.

use async_graphql::{Context, ID, Object};
use chrono::Utc;
use kartei_core::ctx::Role;
use kartei_segments::{abc, bant, lifecycle, segments, target_groups};
use serde_json::json;

use super::types::{
    AbcReport, AbcSettings, BantInput, BantScore, LifecycleRun, LifecycleSettings, Segment,
    SegmentInput, SegmentRefresh, SegmentSnapshot, TargetGroup, TargetGroupInput,
};
use crate::context::tenant_tx;
use crate::error::{api, parse_uuid};

use crate::context::audit as record;

fn ids(v: &[ID]) -> async_graphql::Result<Vec<uuid::Uuid>> {
    v.iter().map(|i| parse_uuid(i, "personIds")).collect()
}

#[derive(Default)]
pub struct SegmentsMutation;

#[Object]
impl SegmentsMutation {
    /// Creates a dynamic segment (with a rule) or a static list (without).
    async fn create_segment(
        &self,
        ctx: &Context<'_>,
        input: SegmentInput,
    ) -> async_graphql::Result<Segment> {
        let (t, tx) = tenant_tx(ctx, Role::Member).await?;
        let actor = t.actor.audit_label();
        let s = segments::create(tx, &input.into(), &actor)
            .await
            .map_err(api)?;
        if s.rule.is_some() {
            kartei_tenancy::jobs::enqueue_after(tx, abc::DAILY_JOB, uuid::Uuid::nil(), Utc::now())
                .await
                .map_err(api)?;
        }
        record(
            tx,
            &actor,
            "segment.created",
            Some(s.id.to_string()),
            json!({"name": s.name, "kind": s.kind, "rule": s.rule}),
        )
        .await?;
        Ok(s.into())
    }

    async fn update_segment(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        input: SegmentInput,
    ) -> async_graphql::Result<Segment> {
        let id = parse_uuid(&id, "id")?;
        let (t, tx) = tenant_tx(ctx, Role::Member).await?;
        let actor = t.actor.audit_label();
        let s = segments::update(tx, id, version, &input.into())
            .await
            .map_err(api)?;
        record(
            tx,
            &actor,
            "segment.updated",
            Some(id.to_string()),
            json!({"name": s.name, "rule": s.rule}),
        )
        .await?;
        Ok(s.into())
    }

    /// Archives a segment that no other segment or target group uses.
    async fn archive_segment(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
    ) -> async_graphql::Result<Segment> {
        let id = parse_uuid(&id, "id")?;
        let (t, tx) = tenant_tx(ctx, Role::Member).await?;
        let actor = t.actor.audit_label();
        let s = segments::archive(tx, id, version).await.map_err(api)?;
        record(
            tx,
            &actor,
            "segment.archived",
            Some(id.to_string()),
            json!({}),
        )
        .await?;
        Ok(s.into())
    }

    /// Brings a dynamic segment's stored membership up to date, recording entries and exits.
    async fn refresh_segment(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<SegmentRefresh> {
        let id = parse_uuid(&id, "id")?;
        let (t, tx) = tenant_tx(ctx, Role::Member).await?;
        let actor = t.actor.audit_label();
        let r = segments::refresh(tx, id, Utc::now(), &actor)
            .await
            .map_err(api)?;
        record(
            tx,
            &actor,
            "segment.refreshed",
            Some(id.to_string()),
            json!({"entered": r.entered, "left": r.left, "members": r.members}),
        )
        .await?;
        Ok(r.into())
    }

    /// Adds persons to a static list; returns how many were new.
    async fn add_segment_members(
        &self,
        ctx: &Context<'_>,
        id: ID,
        person_ids: Vec<ID>,
    ) -> async_graphql::Result<u64> {
        let id = parse_uuid(&id, "id")?;
        let persons = ids(&person_ids)?;
        let (t, tx) = tenant_tx(ctx, Role::Member).await?;
        let actor = t.actor.audit_label();
        let n = segments::add_members(tx, id, &persons, &actor)
            .await
            .map_err(api)?;
        record(
            tx,
            &actor,
            "segment.members_added",
            Some(id.to_string()),
            json!({"added": n}),
        )
        .await?;
        Ok(n)
    }

    async fn remove_segment_members(
        &self,
        ctx: &Context<'_>,
        id: ID,
        person_ids: Vec<ID>,
    ) -> async_graphql::Result<u64> {
        let id = parse_uuid(&id, "id")?;
        let persons = ids(&person_ids)?;
        let (t, tx) = tenant_tx(ctx, Role::Member).await?;
        let actor = t.actor.audit_label();
        let n = segments::remove_members(tx, id, &persons, &actor)
            .await
            .map_err(api)?;
        record(
            tx,
            &actor,
            "segment.members_removed",
            Some(id.to_string()),
            json!({"removed": n}),
        )
        .await?;
        Ok(n)
    }

    /// Freezes the segment's members now (e.g. as a campaign's audience).
    async fn take_segment_snapshot(
        &self,
        ctx: &Context<'_>,
        id: ID,
        label: Option<String>,
    ) -> async_graphql::Result<SegmentSnapshot> {
        let id = parse_uuid(&id, "id")?;
        let (t, tx) = tenant_tx(ctx, Role::Member).await?;
        let actor = t.actor.audit_label();
        let s = segments::snapshot(tx, id, label.as_deref(), &actor)
            .await
            .map_err(api)?;
        record(
            tx,
            &actor,
            "segment.snapshot_taken",
            Some(id.to_string()),
            json!({"snapshot": s.id, "members": s.member_count}),
        )
        .await?;
        Ok(s.into())
    }

    async fn update_abc_settings(
        &self,
        ctx: &Context<'_>,
        input: AbcSettings,
    ) -> async_graphql::Result<AbcSettings> {
        let (t, tx) = tenant_tx(ctx, Role::Admin).await?;
        let actor = t.actor.audit_label();
        let s: abc::AbcSettings = input.into();
        s.save(tx, &actor).await.map_err(api)?;
        record(
            tx,
            &actor,
            "abc_settings.updated",
            None,
            serde_json::to_value(&s).unwrap_or_default(),
        )
        .await?;
        Ok(s.into())
    }

    /// Runs the ABC analysis now (the worker also runs it daily).
    async fn run_abc_analysis(&self, ctx: &Context<'_>) -> async_graphql::Result<AbcReport> {
        let (t, tx) = tenant_tx(ctx, Role::Member).await?;
        let actor = t.actor.audit_label();
        let r = abc::run(tx, Utc::now().date_naive(), &actor)
            .await
            .map_err(api)?;
        record(
            tx,
            &actor,
            "abc.run",
            Some(r.run_id.to_string()),
            json!({"customers": r.customers}),
        )
        .await?;
        Ok(r.into())
    }

    async fn update_lifecycle_settings(
        &self,
        ctx: &Context<'_>,
        input: LifecycleSettings,
    ) -> async_graphql::Result<LifecycleSettings> {
        let (t, tx) = tenant_tx(ctx, Role::Admin).await?;
        let actor = t.actor.audit_label();
        let s: lifecycle::LifecycleSettings = input.into();
        s.save(tx, &actor).await.map_err(api)?;
        record(
            tx,
            &actor,
            "lifecycle_settings.updated",
            None,
            serde_json::to_value(s).unwrap_or_default(),
        )
        .await?;
        Ok(s.into())
    }

    /// Applies the lifecycle rules now (the worker also runs them daily).
    async fn run_lifecycle(&self, ctx: &Context<'_>) -> async_graphql::Result<LifecycleRun> {
        let (t, tx) = tenant_tx(ctx, Role::Member).await?;
        let actor = t.actor.audit_label();
        let c = lifecycle::run(tx, Utc::now()).await.map_err(api)?;
        record(tx, &actor, "lifecycle.run", None, json!({"becameDormant": c.became_dormant, "wokeUp": c.woke_up, "becameExCustomer": c.became_ex_customer, "becameCustomer": c.became_customer})).await?;
        Ok(c.into())
    }

    /// Scores a lead on budget, authority, need and timing (0..25 each).
    async fn score_bant(
        &self,
        ctx: &Context<'_>,
        input: BantInput,
    ) -> async_graphql::Result<BantScore> {
        let person = parse_uuid(&input.person_id, "personId")?;
        let (t, tx) = tenant_tx(ctx, Role::Member).await?;
        let actor = t.actor.audit_label();
        let b = bant::score_person(
            tx,
            person,
            input.version,
            &bant::BantInput {
                budget: input.budget,
                authority: input.authority,
                need: input.need,
                timing: input.timing,
                note: input.note,
            },
            &actor,
        )
        .await
        .map_err(api)?;
        record(
            tx,
            &actor,
            "bant.scored",
            Some(person.to_string()),
            json!({"total": b.total}),
        )
        .await?;
        Ok(b.into())
    }

    async fn create_target_group(
        &self,
        ctx: &Context<'_>,
        input: TargetGroupInput,
    ) -> async_graphql::Result<TargetGroup> {
        let input = input.into_domain()?;
        let (t, tx) = tenant_tx(ctx, Role::Member).await?;
        let actor = t.actor.audit_label();
        let g = target_groups::create(tx, &input, &actor)
            .await
            .map_err(api)?;
        record(
            tx,
            &actor,
            "target_group.created",
            Some(g.id.to_string()),
            json!({"name": g.name, "total": g.total}),
        )
        .await?;
        Ok(g.into())
    }

    async fn update_target_group(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        input: TargetGroupInput,
    ) -> async_graphql::Result<TargetGroup> {
        let id = parse_uuid(&id, "id")?;
        let input = input.into_domain()?;
        let (t, tx) = tenant_tx(ctx, Role::Member).await?;
        let actor = t.actor.audit_label();
        let g = target_groups::update(tx, id, version, &input)
            .await
            .map_err(api)?;
        record(
            tx,
            &actor,
            "target_group.updated",
            Some(id.to_string()),
            json!({"total": g.total}),
        )
        .await?;
        Ok(g.into())
    }

    async fn delete_target_group(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
    ) -> async_graphql::Result<bool> {
        let id = parse_uuid(&id, "id")?;
        let (t, tx) = tenant_tx(ctx, Role::Member).await?;
        let actor = t.actor.audit_label();
        target_groups::delete(tx, id, version).await.map_err(api)?;
        record(
            tx,
            &actor,
            "target_group.deleted",
            Some(id.to_string()),
            json!({}),
        )
        .await?;
        Ok(true)
    }
}
