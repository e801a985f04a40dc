//! What the HTTP layer learned about a request, handed to resolvers: the principal (if any
//! credentials were sent) and the tenant context (if `X-Tenant-Id` was sent), each already
//! checked, or the error to report when a resolver needs it.

use async_graphql::Context;
use kartei_auth::identity::Client;
use kartei_auth::{Auth, Principal};
use kartei_core::code::Code;
use kartei_core::ctx::{Role, TenantCtx};
use kartei_tenancy::db::{Db, TenantTx};

use crate::error::{ApiError, api};

pub struct RequestCtx {
    pub client: Client,
    pub principal: Option<Result<Principal, ApiError>>,
    pub tenant: Option<Result<TenantCtx, ApiError>>,
}

/// Domain services, shared by every request.
#[derive(Clone)]
pub struct Services {
    pub auth: Auth,
    pub db: Db,
    /// Signs the public links (double opt-in, unsubscribe, subscribe forms).
    pub links: kartei_compliance::links::Links,
    /// Contact search (Meilisearch or in-database).
    pub search: kartei_search::Search,
    /// Signs and checks campaign tracking links.
    pub tracker: kartei_campaigns::tracking::Tracker,
}

pub fn services<'a>(ctx: &'a Context<'_>) -> async_graphql::Result<&'a Services> {
    ctx.data::<Services>()
}

pub fn request<'a>(ctx: &'a Context<'_>) -> async_graphql::Result<&'a RequestCtx> {
    ctx.data::<RequestCtx>()
}

/// The authenticated principal, or UNAUTHENTICATED.
pub fn principal<'a>(ctx: &'a Context<'_>) -> async_graphql::Result<&'a Principal> {
    match &request(ctx)?.principal {
        Some(Ok(p)) => Ok(p),
        Some(Err(e)) => Err(e.to_gql()),
        None => Err(ApiError::new(Code::Unauthenticated, "authentication required").to_gql()),
    }
}

/// The checked tenant context with at least `role`, or the reason there is none.
pub fn tenant<'a>(ctx: &'a Context<'_>, role: Role) -> async_graphql::Result<&'a TenantCtx> {
    principal(ctx)?;
    match &request(ctx)?.tenant {
        Some(Ok(t)) if t.role.allows(role) => Ok(t),
        Some(Ok(_)) => Err(ApiError::new(
            Code::Forbidden,
            format!("this needs the {} role in the tenant", role.as_str()),
        )
        .to_gql()),
        Some(Err(e)) => Err(e.to_gql()),
        None => {
            Err(ApiError::field("X-Tenant-Id", "header is required for this operation").to_gql())
        }
    }
}

/// A transaction confined to the request's tenant schema.
pub async fn tenant_tx(
    ctx: &Context<'_>,
    role: Role,
) -> async_graphql::Result<(TenantCtx, TenantTx)> {
    let t = tenant(ctx, role)?.clone();
    let tx = services(ctx)?
        .db
        .begin_tenant(t.tenant_id)
        .await
        .map_err(api)?;
    Ok((t, tx))
}

/// Writes an audit entry in the resolver's transaction (every mutation records what it did).
pub async fn audit(
    tx: &kartei_tenancy::db::TenantTx,
    actor: &str,
    action: &str,
    subject: Option<String>,
    detail: serde_json::Value,
) -> async_graphql::Result<()> {
    kartei_tenancy::audit::record(tx, actor, action, subject.as_deref(), detail)
        .await
        .map_err(crate::error::api)
}
