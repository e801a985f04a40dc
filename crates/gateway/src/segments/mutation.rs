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

crate::payload! { CreateSegmentPayload "The result of `createSegment`." { segment: Segment } }

/// The input of `updateSegment`.
#[derive(async_graphql::InputObject)]
pub struct UpdateSegmentInput {
    pub id: ID,
    pub version: i32,
    pub patch: SegmentInput,
}

crate::payload! { UpdateSegmentPayload "The result of `updateSegment`." { segment: Segment } }

/// The input of `archiveSegment`.
#[derive(async_graphql::InputObject)]
pub struct ArchiveSegmentInput {
    pub id: ID,
    pub version: i32,
}

crate::payload! { ArchiveSegmentPayload "The result of `archiveSegment`." { segment: Segment } }

/// The input of `refreshSegment`.
#[derive(async_graphql::InputObject)]
pub struct RefreshSegmentInput {
    pub id: ID,
}

crate::payload! { RefreshSegmentPayload "The result of `refreshSegment`." { refresh: SegmentRefresh } }

/// The input of `addSegmentMembers`.
#[derive(async_graphql::InputObject)]
pub struct AddSegmentMembersInput {
    pub id: ID,
    pub person_ids: Vec<ID>,
}

crate::payload! { AddSegmentMembersPayload "The result of `addSegmentMembers`." { added: u64 } }

/// The input of `removeSegmentMembers`.
#[derive(async_graphql::InputObject)]
pub struct RemoveSegmentMembersInput {
    pub id: ID,
    pub person_ids: Vec<ID>,
}

crate::payload! { RemoveSegmentMembersPayload "The result of `removeSegmentMembers`." { removed: u64 } }

/// The input of `takeSegmentSnapshot`.
#[derive(async_graphql::InputObject)]
pub struct TakeSegmentSnapshotInput {
    pub id: ID,
    pub label: Option<String>,
}

crate::payload! { TakeSegmentSnapshotPayload "The result of `takeSegmentSnapshot`." { snapshot: SegmentSnapshot } }

crate::payload! { UpdateAbcSettingsPayload "The result of `updateAbcSettings`." { settings: AbcSettings } }

crate::payload! { RunAbcAnalysisPayload "The result of `runAbcAnalysis`." { report: AbcReport } }

crate::payload! { UpdateLifecycleSettingsPayload "The result of `updateLifecycleSettings`." { settings: LifecycleSettings } }

crate::payload! { RunLifecyclePayload "The result of `runLifecycle`." { run: LifecycleRun } }

crate::payload! { ScoreBantPayload "The result of `scoreBant`." { bant_score: BantScore } }

crate::payload! { CreateTargetGroupPayload "The result of `createTargetGroup`." { target_group: TargetGroup } }

/// The input of `updateTargetGroup`.
#[derive(async_graphql::InputObject)]
pub struct UpdateTargetGroupInput {
    pub id: ID,
    pub version: i32,
    pub patch: TargetGroupInput,
}

crate::payload! { UpdateTargetGroupPayload "The result of `updateTargetGroup`." { target_group: TargetGroup } }

/// The input of `deleteTargetGroup`.
#[derive(async_graphql::InputObject)]
pub struct DeleteTargetGroupInput {
    pub id: ID,
    pub version: i32,
}

crate::payload! { DeleteTargetGroupPayload "The result of `deleteTargetGroup`." { deleted: bool } }

#[derive(Default)]
pub struct SegmentsMutation;

#[Object]
impl SegmentsMutation {
    /// Creates a dynamic segment (with a rule) or a static list (without).
    async fn create_segment(
        &self,
        ctx: &Context<'_>,
        input: SegmentInput,
    ) -> async_graphql::Result<CreateSegmentPayload> {
        let r = async {
            let (t, tx) = tenant_tx(ctx, Role::Member).await?;
            let actor = t.actor.audit_label();
            let s = segments::create(tx, &input.into(), &actor)
                .await
                .map_err(api)?;
            if s.rule.is_some() {
                kartei_tenancy::jobs::enqueue_after(
                    tx,
                    abc::DAILY_JOB,
                    uuid::Uuid::nil(),
                    Utc::now(),
                )
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
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| CreateSegmentPayload {
                segment: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    async fn update_segment(
        &self,
        ctx: &Context<'_>,
        input: UpdateSegmentInput,
    ) -> async_graphql::Result<UpdateSegmentPayload> {
        let UpdateSegmentInput {
            id,
            version,
            patch: input,
        } = input;
        let r = async {
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
        };
        crate::payload::settle(ctx, async {
            r.await
                .map_err(crate::payload::nest_except("patch", &["id", "version"]))
                .map(|v| UpdateSegmentPayload {
                    segment: Some(v),
                    ..Default::default()
                })
        })
        .await
    }

    /// Archives a segment that no other segment or target group uses.
    async fn archive_segment(
        &self,
        ctx: &Context<'_>,
        input: ArchiveSegmentInput,
    ) -> async_graphql::Result<ArchiveSegmentPayload> {
        let ArchiveSegmentInput { id, version } = input;
        let r = async {
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
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| ArchiveSegmentPayload {
                segment: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    /// Brings a dynamic segment's stored membership up to date, recording entries and exits.
    async fn refresh_segment(
        &self,
        ctx: &Context<'_>,
        input: RefreshSegmentInput,
    ) -> async_graphql::Result<RefreshSegmentPayload> {
        let RefreshSegmentInput { id } = input;
        let r = async {
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
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| RefreshSegmentPayload {
                refresh: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    /// Adds persons to a static list; returns how many were new.
    async fn add_segment_members(
        &self,
        ctx: &Context<'_>,
        input: AddSegmentMembersInput,
    ) -> async_graphql::Result<AddSegmentMembersPayload> {
        let AddSegmentMembersInput { id, person_ids } = input;
        let r = async {
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
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| AddSegmentMembersPayload {
                added: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    async fn remove_segment_members(
        &self,
        ctx: &Context<'_>,
        input: RemoveSegmentMembersInput,
    ) -> async_graphql::Result<RemoveSegmentMembersPayload> {
        let RemoveSegmentMembersInput { id, person_ids } = input;
        let r = async {
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
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| RemoveSegmentMembersPayload {
                removed: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    /// Freezes the segment's members now (e.g. as a campaign's audience).
    async fn take_segment_snapshot(
        &self,
        ctx: &Context<'_>,
        input: TakeSegmentSnapshotInput,
    ) -> async_graphql::Result<TakeSegmentSnapshotPayload> {
        let TakeSegmentSnapshotInput { id, label } = input;
        let r = async {
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
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| TakeSegmentSnapshotPayload {
                snapshot: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    async fn update_abc_settings(
        &self,
        ctx: &Context<'_>,
        input: AbcSettings,
    ) -> async_graphql::Result<UpdateAbcSettingsPayload> {
        let r = async {
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
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| UpdateAbcSettingsPayload {
                settings: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    /// Runs the ABC analysis now (the worker also runs it daily).
    async fn run_abc_analysis(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<RunAbcAnalysisPayload> {
        let r = async {
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
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| RunAbcAnalysisPayload {
                report: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    async fn update_lifecycle_settings(
        &self,
        ctx: &Context<'_>,
        input: LifecycleSettings,
    ) -> async_graphql::Result<UpdateLifecycleSettingsPayload> {
        let r = async {
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
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| UpdateLifecycleSettingsPayload {
                settings: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    /// Applies the lifecycle rules now (the worker also runs them daily).
    async fn run_lifecycle(&self, ctx: &Context<'_>) -> async_graphql::Result<RunLifecyclePayload> {
        let r = async {
            let (t, tx) = tenant_tx(ctx, Role::Member).await?;
            let actor = t.actor.audit_label();
            let c = lifecycle::run(tx, Utc::now()).await.map_err(api)?;
            record(tx, &actor, "lifecycle.run", None, json!({"becameDormant": c.became_dormant, "wokeUp": c.woke_up, "becameExCustomer": c.became_ex_customer, "becameCustomer": c.became_customer})).await?;
            Ok(c.into())
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| RunLifecyclePayload {
                run: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    /// Scores a lead on budget, authority, need and timing (0..25 each).
    async fn score_bant(
        &self,
        ctx: &Context<'_>,
        input: BantInput,
    ) -> async_graphql::Result<ScoreBantPayload> {
        let r = async {
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
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| ScoreBantPayload {
                bant_score: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    async fn create_target_group(
        &self,
        ctx: &Context<'_>,
        input: TargetGroupInput,
    ) -> async_graphql::Result<CreateTargetGroupPayload> {
        let r = async {
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
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| CreateTargetGroupPayload {
                target_group: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    async fn update_target_group(
        &self,
        ctx: &Context<'_>,
        input: UpdateTargetGroupInput,
    ) -> async_graphql::Result<UpdateTargetGroupPayload> {
        let UpdateTargetGroupInput {
            id,
            version,
            patch: input,
        } = input;
        let r = async {
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
        };
        crate::payload::settle(ctx, async {
            r.await
                .map_err(crate::payload::nest_except("patch", &["id", "version"]))
                .map(|v| UpdateTargetGroupPayload {
                    target_group: Some(v),
                    ..Default::default()
                })
        })
        .await
    }

    async fn delete_target_group(
        &self,
        ctx: &Context<'_>,
        input: DeleteTargetGroupInput,
    ) -> async_graphql::Result<DeleteTargetGroupPayload> {
        let DeleteTargetGroupInput { id, version } = input;
        let r = async {
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
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| DeleteTargetGroupPayload {
                deleted: Some(v),
                ..Default::default()
            })
        })
        .await
    }
}
