//! Tenant mutations: lifecycle, members, API keys.

use async_graphql::{Context, ID, Object};
use kartei_core::ctx::Role as DomainRole;
use kartei_core::id::{ApiKeyId, UserId};
use kartei_tenancy::tenants::TenantStatus;

use crate::context::{principal, services, tenant};
use crate::error::{api, parse_uuid};
use crate::tenants::types::{
    ApiKey, CreateTenantInput, CreatedApiKey, Member, Role, Tenant, parse_tenant_id,
};

crate::payload! { CreateTenantPayload "The result of `createTenant`." { tenant: Tenant } }

/// The input of `renameTenant`.
#[derive(async_graphql::InputObject)]
pub struct RenameTenantInput {
    pub name: String,
}

crate::payload! { RenameTenantPayload "The result of `renameTenant`." { tenant: Tenant } }

/// The input of `suspendTenant`.
#[derive(async_graphql::InputObject)]
pub struct SuspendTenantInput {
    pub id: ID,
}

crate::payload! { SuspendTenantPayload "The result of `suspendTenant`." { tenant: Tenant } }

/// The input of `reactivateTenant`.
#[derive(async_graphql::InputObject)]
pub struct ReactivateTenantInput {
    pub id: ID,
}

crate::payload! { ReactivateTenantPayload "The result of `reactivateTenant`." { tenant: Tenant } }

/// The input of `deleteTenant`.
#[derive(async_graphql::InputObject)]
pub struct DeleteTenantInput {
    pub id: ID,
    pub confirm_slug: String,
}

crate::payload! { DeleteTenantPayload "The result of `deleteTenant`." { deleted: bool } }

/// The input of `setMember`.
#[derive(async_graphql::InputObject)]
pub struct SetMemberInput {
    pub email: String,
    pub role: Role,
}

crate::payload! { SetMemberPayload "The result of `setMember`." { member: Member } }

/// The input of `removeMember`.
#[derive(async_graphql::InputObject)]
pub struct RemoveMemberInput {
    pub user_id: ID,
}

crate::payload! { RemoveMemberPayload "The result of `removeMember`." { removed: bool } }

/// The input of `createApiKey`.
#[derive(async_graphql::InputObject)]
pub struct CreateApiKeyInput {
    pub name: String,
    pub role: Role,
}

crate::payload! { CreateApiKeyPayload "The result of `createApiKey`." {
    /// The new key and, this once, its secret.
    created: CreatedApiKey
}  }

/// The input of `revokeApiKey`.
#[derive(async_graphql::InputObject)]
pub struct RevokeApiKeyInput {
    pub id: ID,
}

crate::payload! { RevokeApiKeyPayload "The result of `revokeApiKey`." { api_key: ApiKey } }

#[derive(Default)]
pub struct TenantsMutation;

#[Object]
impl TenantsMutation {
    /// Creates a client company with its own schema (agency admins). The caller becomes owner.
    async fn create_tenant(
        &self,
        ctx: &Context<'_>,
        input: CreateTenantInput,
    ) -> async_graphql::Result<CreateTenantPayload> {
        let r = async {
            let p = principal(ctx)?;
            let t = services(ctx)?
                .auth
                .create_tenant(p, &input.name, input.slug.as_deref())
                .await
                .map_err(api)?;
            Ok(t.into())
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| CreateTenantPayload {
                tenant: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    /// Renames the current tenant (tenant admins).
    async fn rename_tenant(
        &self,
        ctx: &Context<'_>,
        input: RenameTenantInput,
    ) -> async_graphql::Result<RenameTenantPayload> {
        let RenameTenantInput { name } = input;
        let r = async {
            let t = tenant(ctx, DomainRole::Admin)?;
            Ok(services(ctx)?
                .auth
                .rename_tenant(t, &name)
                .await
                .map_err(api)?
                .into())
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| RenameTenantPayload {
                tenant: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    /// Suspends a tenant: its data stays, every request naming it gets FORBIDDEN.
    async fn suspend_tenant(
        &self,
        ctx: &Context<'_>,
        input: SuspendTenantInput,
    ) -> async_graphql::Result<SuspendTenantPayload> {
        let SuspendTenantInput { id } = input;
        let r = async {
            let id = parse_tenant_id(&id)?;
            let p = principal(ctx)?;
            Ok(services(ctx)?
                .auth
                .set_tenant_status(p, id, TenantStatus::Suspended)
                .await
                .map_err(api)?
                .into())
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| SuspendTenantPayload {
                tenant: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    async fn reactivate_tenant(
        &self,
        ctx: &Context<'_>,
        input: ReactivateTenantInput,
    ) -> async_graphql::Result<ReactivateTenantPayload> {
        let ReactivateTenantInput { id } = input;
        let r = async {
            let id = parse_tenant_id(&id)?;
            let p = principal(ctx)?;
            Ok(services(ctx)?
                .auth
                .set_tenant_status(p, id, TenantStatus::Active)
                .await
                .map_err(api)?
                .into())
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| ReactivateTenantPayload {
                tenant: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    /// Deletes a tenant and all its data, irreversibly. `confirmSlug` must equal its slug.
    async fn delete_tenant(
        &self,
        ctx: &Context<'_>,
        input: DeleteTenantInput,
    ) -> async_graphql::Result<DeleteTenantPayload> {
        let DeleteTenantInput { id, confirm_slug } = input;
        let r = async {
            let id = parse_tenant_id(&id)?;
            let p = principal(ctx)?;
            let s = services(ctx)?;
            s.auth
                .delete_tenant(p, id, &confirm_slug)
                .await
                .map_err(api)?;
            // The data is gone; an external search index goes too (best effort: a failure is
            // logged, and the index holds nothing reachable without the tenant).
            if let Err(e) = s.search.backend().drop_tenant(id).await {
                tracing::warn!(tenant_id = %id, error = %e, "search index of a deleted tenant not dropped");
            }
            Ok(true)
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| DeleteTenantPayload {
                deleted: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    /// Grants a user of the agency a role in the current tenant (tenant admins).
    async fn set_member(
        &self,
        ctx: &Context<'_>,
        input: SetMemberInput,
    ) -> async_graphql::Result<SetMemberPayload> {
        let SetMemberInput { email, role } = input;
        let r = async {
            let t = tenant(ctx, DomainRole::Admin)?;
            Ok(services(ctx)?
                .auth
                .set_member(t, &email, role.into())
                .await
                .map_err(api)?
                .into())
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| SetMemberPayload {
                member: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    async fn remove_member(
        &self,
        ctx: &Context<'_>,
        input: RemoveMemberInput,
    ) -> async_graphql::Result<RemoveMemberPayload> {
        let RemoveMemberInput { user_id } = input;
        let r = async {
            let t = tenant(ctx, DomainRole::Admin)?;
            let user = UserId(parse_uuid(&user_id, "userId")?);
            services(ctx)?
                .auth
                .remove_member(t, user)
                .await
                .map_err(api)
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| RemoveMemberPayload {
                removed: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    /// Creates an API key for the current tenant; the secret is returned only here.
    async fn create_api_key(
        &self,
        ctx: &Context<'_>,
        input: CreateApiKeyInput,
    ) -> async_graphql::Result<CreateApiKeyPayload> {
        let CreateApiKeyInput { name, role } = input;
        let r = async {
            let t = tenant(ctx, DomainRole::Admin)?;
            let (key, secret) = services(ctx)?
                .auth
                .create_api_key(t, &name, role.into())
                .await
                .map_err(api)?;
            Ok(CreatedApiKey {
                api_key: key.into(),
                secret,
            })
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| CreateApiKeyPayload {
                created: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    async fn revoke_api_key(
        &self,
        ctx: &Context<'_>,
        input: RevokeApiKeyInput,
    ) -> async_graphql::Result<RevokeApiKeyPayload> {
        let RevokeApiKeyInput { id } = input;
        let r = async {
            let t = tenant(ctx, DomainRole::Admin)?;
            let id = ApiKeyId(parse_uuid(&id, "id")?);
            Ok(services(ctx)?
                .auth
                .revoke_api_key(t, id)
                .await
                .map_err(api)?
                .into())
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| RevokeApiKeyPayload {
                api_key: Some(v),
                ..Default::default()
            })
        })
        .await
    }
}
