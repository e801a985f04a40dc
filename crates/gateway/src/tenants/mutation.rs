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

#[derive(Default)]
pub struct TenantsMutation;

#[Object]
impl TenantsMutation {
    /// Creates a client company with its own schema (agency admins). The caller becomes owner.
    async fn create_tenant(
        &self,
        ctx: &Context<'_>,
        input: CreateTenantInput,
    ) -> async_graphql::Result<Tenant> {
        let p = principal(ctx)?;
        let t = services(ctx)?
            .auth
            .create_tenant(p, &input.name, input.slug.as_deref())
            .await
            .map_err(api)?;
        Ok(t.into())
    }

    /// Renames the current tenant (tenant admins).
    async fn rename_tenant(
        &self,
        ctx: &Context<'_>,
        name: String,
    ) -> async_graphql::Result<Tenant> {
        let t = tenant(ctx, DomainRole::Admin)?;
        Ok(services(ctx)?
            .auth
            .rename_tenant(t, &name)
            .await
            .map_err(api)?
            .into())
    }

    /// Suspends a tenant: its data stays, every request naming it gets FORBIDDEN.
    async fn suspend_tenant(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Tenant> {
        let id = parse_tenant_id(&id)?;
        let p = principal(ctx)?;
        Ok(services(ctx)?
            .auth
            .set_tenant_status(p, id, TenantStatus::Suspended)
            .await
            .map_err(api)?
            .into())
    }

    async fn reactivate_tenant(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Tenant> {
        let id = parse_tenant_id(&id)?;
        let p = principal(ctx)?;
        Ok(services(ctx)?
            .auth
            .set_tenant_status(p, id, TenantStatus::Active)
            .await
            .map_err(api)?
            .into())
    }

    /// Deletes a tenant and all its data, irreversibly. `confirmSlug` must equal its slug.
    async fn delete_tenant(
        &self,
        ctx: &Context<'_>,
        id: ID,
        confirm_slug: String,
    ) -> async_graphql::Result<bool> {
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
    }

    /// Grants a user of the agency a role in the current tenant (tenant admins).
    async fn set_member(
        &self,
        ctx: &Context<'_>,
        email: String,
        role: Role,
    ) -> async_graphql::Result<Member> {
        let t = tenant(ctx, DomainRole::Admin)?;
        Ok(services(ctx)?
            .auth
            .set_member(t, &email, role.into())
            .await
            .map_err(api)?
            .into())
    }

    async fn remove_member(&self, ctx: &Context<'_>, user_id: ID) -> async_graphql::Result<bool> {
        let t = tenant(ctx, DomainRole::Admin)?;
        let user = UserId(parse_uuid(&user_id, "userId")?);
        services(ctx)?
            .auth
            .remove_member(t, user)
            .await
            .map_err(api)
    }

    /// Creates an API key for the current tenant; the secret is returned only here.
    async fn create_api_key(
        &self,
        ctx: &Context<'_>,
        name: String,
        role: Role,
    ) -> async_graphql::Result<CreatedApiKey> {
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
    }

    async fn revoke_api_key(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<ApiKey> {
        let t = tenant(ctx, DomainRole::Admin)?;
        let id = ApiKeyId(parse_uuid(&id, "id")?);
        Ok(services(ctx)?
            .auth
            .revoke_api_key(t, id)
            .await
            .map_err(api)?
            .into())
    }
}
