//! Tenant settings and the tenant audit log.

use async_graphql::{Context, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use kartei_core::ctx::Role;
use kartei_tenancy::{audit, settings};

use crate::context::tenant_tx;
use crate::error::api;
use crate::identity::types::Actor;
use crate::relay::{self, Conn};

/// A tenant setting: a JSON value under a dotted key.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Setting {
    pub key: String,
    pub value: Json<serde_json::Value>,
    pub updated_at: DateTime<Utc>,
    /// `user:<id>` or `api_key:<id>`.
    pub updated_by: Actor,
}

crate::tenant_keyed!(Setting, Setting, |s| s.key.clone());

impl From<settings::Setting> for Setting {
    fn from(s: settings::Setting) -> Self {
        Setting {
            key: s.key,
            value: Json(s.value),
            updated_at: s.updated_at,
            updated_by: Actor(s.updated_by),
        }
    }
}

/// One entry of the tenant's audit log.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct AuditEntry {
    /// The entry's number in the tenant's log.
    #[graphql(skip)]
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: Actor,
    pub action: String,
    pub subject: Option<String>,
    pub detail: Json<serde_json::Value>,
}

crate::tenant_keyed!(AuditEntry, AuditEntry, |e| e.seq);

impl From<audit::AuditEntry> for AuditEntry {
    fn from(e: audit::AuditEntry) -> Self {
        AuditEntry {
            seq: e.id,
            at: e.at,
            actor: Actor(e.actor),
            action: e.action,
            subject: e.subject,
            detail: Json(e.detail),
        }
    }
}

#[derive(Default)]
pub struct SettingsQuery;

#[Object]
impl SettingsQuery {
    /// Settings of the current tenant, by key.
    #[graphql(complexity = "crate::relay::cost(first, last, child_complexity)")]
    async fn settings(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<Setting>> {
        let req = relay::request::<String>(first, after, last, before)?;
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        let page = settings::page(tx, &req).await.map_err(api)?;
        Ok(relay::connection(
            page,
            Setting::from,
            crate::total!(; |tx| kartei_tenancy::settings::count(tx)),
        ))
    }

    async fn setting(
        &self,
        ctx: &Context<'_>,
        key: String,
    ) -> async_graphql::Result<Option<Setting>> {
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        let s = settings::get(tx, &key).await.map_err(api)?;
        Ok(s.map(Setting::from))
    }

    /// The tenant's audit log, newest first (tenant admins): who viewed, exported, changed,
    /// merged or erased what. `subject` is an id (a person's, say); `action` an action or a
    /// prefix ending in `.` (`person.`).
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "crate::relay::cost(first, last, child_complexity)")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        subject: Option<String>,
        action: Option<String>,
        actor: Option<String>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<AuditEntry>> {
        let req = relay::request::<i64>(first, after, last, before)?;
        let (_, tx) = tenant_tx(ctx, Role::Admin).await?;
        let filter = audit::Filter {
            subject,
            action,
            actor,
        };
        let page = audit::page(tx, &req, &filter).await.map_err(api)?;
        Ok(relay::connection(
            page,
            AuditEntry::from,
            crate::total!(filter; |tx| audit::count(tx, &filter)),
        ))
    }
}

/// Settings a domain validates itself are changed only through that domain's mutation.
fn managed_elsewhere(key: &str) -> async_graphql::Result<()> {
    let owner = match key {
        kartei_compliance::policy::SETTINGS_KEY => "updateCompliancePolicy",
        kartei_segments::abc::SETTINGS_KEY => "updateAbcSettings",
        kartei_segments::lifecycle::SETTINGS_KEY => "updateLifecycleSettings",
        kartei_campaigns::settings::SETTINGS_KEY => "updateCampaignSettings",
        _ => return Ok(()),
    };
    Err(api(crate::error::ApiError::field(
        "key",
        &format!("is managed by {owner}"),
    )))
}

/// The input of `setSetting`.
#[derive(async_graphql::InputObject)]
pub struct SetSettingInput {
    pub key: String,
    pub value: Json<serde_json::Value>,
}

crate::payload! { SetSettingPayload "The result of `setSetting`." { setting: Setting } }

/// The input of `deleteSetting`.
#[derive(async_graphql::InputObject)]
pub struct DeleteSettingInput {
    pub key: String,
}

crate::payload! { DeleteSettingPayload "The result of `deleteSetting`." { deleted: bool } }

#[derive(Default)]
pub struct SettingsMutation;

#[Object]
impl SettingsMutation {
    /// Sets a tenant setting (tenant admins); audited.
    async fn set_setting(
        &self,
        ctx: &Context<'_>,
        input: SetSettingInput,
    ) -> async_graphql::Result<SetSettingPayload> {
        let SetSettingInput { key, value } = input;
        let r = async {
            managed_elsewhere(&key)?;
            let (t, tx) = tenant_tx(ctx, Role::Admin).await?;
            let actor = t.actor.audit_label();
            let s = settings::put(tx, &key, value.0, &actor)
                .await
                .map_err(api)?;
            audit::record(tx, &actor, "setting.set", Some(&key), serde_json::json!({}))
                .await
                .map_err(api)?;
            Ok(s.into())
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| SetSettingPayload {
                setting: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    async fn delete_setting(
        &self,
        ctx: &Context<'_>,
        input: DeleteSettingInput,
    ) -> async_graphql::Result<DeleteSettingPayload> {
        let DeleteSettingInput { key } = input;
        let r = async {
            managed_elsewhere(&key)?;
            let (t, tx) = tenant_tx(ctx, Role::Admin).await?;
            let actor = t.actor.audit_label();
            let deleted = settings::delete(tx, &key).await.map_err(api)?;
            if deleted {
                audit::record(
                    tx,
                    &actor,
                    "setting.deleted",
                    Some(&key),
                    serde_json::json!({}),
                )
                .await
                .map_err(api)?;
            }
            Ok(deleted)
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| DeleteSettingPayload {
                deleted: Some(v),
                ..Default::default()
            })
        })
        .await
    }
}
