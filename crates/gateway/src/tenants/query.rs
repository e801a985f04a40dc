//! Tenant queries.

use async_graphql::{Context, ID, Object};
use kartei_core::ctx::Role;
use uuid::Uuid;

use crate::context::{principal, services, tenant};
use crate::error::api;
use crate::relay::{self, Conn};
use crate::tenants::types::{ApiKey, Member, Tenant, parse_tenant_id};

#[derive(Default)]
pub struct TenantsQuery;

#[Object]
impl TenantsQuery {
    /// Tenants the caller can see, by slug.
    #[graphql(complexity = "crate::relay::cost(first, last, child_complexity)")]
    async fn tenants(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<Tenant>> {
        let req = relay::request::<String>(first, after, last, before)?;
        let p = principal(ctx)?;
        let page = services(ctx)?
            .auth
            .tenants_page(p, &req)
            .await
            .map_err(api)?;
        let (auth, p) = (services(ctx)?.auth.clone(), *p);
        let total = relay::Total::Platform(Box::new(move || {
            let (auth, p) = (auth.clone(), p);
            Box::pin(async move { Ok(auth.tenants_count(&p).await?) })
        }));
        Ok(relay::connection(page, Tenant::from, total))
    }

    /// One tenant the caller can see.
    async fn tenant(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Tenant>> {
        let id = parse_tenant_id(&id)?;
        let p = principal(ctx)?;
        let t = services(ctx)?
            .auth
            .visible_tenant(p, id)
            .await
            .map_err(api)?;
        Ok(Some(t.into()))
    }

    /// The tenant named by `X-Tenant-Id`.
    async fn current_tenant(&self, ctx: &Context<'_>) -> async_graphql::Result<Tenant> {
        let t = tenant(ctx, Role::Viewer)?;
        let t = services(ctx)?.auth.current_tenant(t).await.map_err(api)?;
        Ok(t.into())
    }

    /// Members of the current tenant, by email.
    #[graphql(complexity = "crate::relay::cost(first, last, child_complexity)")]
    async fn members(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<Member>> {
        let req = relay::request::<String>(first, after, last, before)?;
        let t = tenant(ctx, Role::Viewer)?;
        let page = services(ctx)?.auth.members(t, &req).await.map_err(api)?;
        let (auth, t) = (services(ctx)?.auth.clone(), t.clone());
        let total = relay::Total::Platform(Box::new(move || {
            let (auth, t) = (auth.clone(), t.clone());
            Box::pin(async move { Ok(auth.members_count(&t).await?) })
        }));
        Ok(relay::connection(page, Member::from, total))
    }

    /// API keys of the current tenant, newest first (tenant admins).
    #[graphql(complexity = "crate::relay::cost(first, last, child_complexity)")]
    async fn api_keys(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<ApiKey>> {
        let req = relay::request::<Uuid>(first, after, last, before)?;
        let t = tenant(ctx, Role::Admin)?;
        let page = services(ctx)?.auth.api_keys(t, &req).await.map_err(api)?;
        let (auth, t) = (services(ctx)?.auth.clone(), t.clone());
        let total = relay::Total::Platform(Box::new(move || {
            let (auth, t) = (auth.clone(), t.clone());
            Box::pin(async move { Ok(auth.api_keys_count(&t).await?) })
        }));
        Ok(relay::connection(page, ApiKey::from, total))
    }
}
