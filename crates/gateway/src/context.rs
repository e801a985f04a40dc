//! What the HTTP layer learned about a request, handed to resolvers: the principal (if any
//! credentials were sent) and the tenant context (if `X-Tenant-Id` was sent), each already
//! checked, or the error to report when a resolver needs it.

use std::sync::Arc;

use async_graphql::Context;
use kartei_auth::identity::Client;
use kartei_auth::{Auth, Principal};
use kartei_core::code::Code;
use kartei_core::ctx::{Role, TenantCtx};
use kartei_core::id::TenantId;
use kartei_tenancy::db::{Db, Isolation, TenantTx};
use kartei_tenancy::gate::{Slot, TenantGate};
use tokio::sync::OnceCell;

use crate::error::ApiError;

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
    /// How many pooled connections one tenant's requests may hold at once.
    pub gate: Arc<TenantGate>,
    /// Mails the API sends itself (sign-up confirmations).
    pub mailer: kartei_compliance::mail::Mailer,
}

/// What a GraphQL operation does with its transaction at the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// Reads from one snapshot; committed (it may have written audit records).
    Query,
    /// Writes; committed only if every field succeeded, else nothing is written.
    Mutation,
}

/// The one tenant transaction of a GraphQL operation, shared by every resolver and loader of
/// the request. It is begun on first use (so requests that never touch tenant data hold no
/// connection), after the tenant's fair-share slot is taken, and ended once by the HTTP
/// handler after the whole operation ran ([`RequestTx::finish`]).
pub struct RequestTx {
    db: Db,
    gate: Arc<TenantGate>,
    tenant: TenantId,
    operation: Operation,
    open: OnceCell<(TenantTx, Slot)>,
}

impl RequestTx {
    pub fn new(services: &Services, tenant: TenantId, operation: Operation) -> Self {
        Self {
            db: services.db.clone(),
            gate: services.gate.clone(),
            tenant,
            operation,
            open: OnceCell::new(),
        }
    }

    /// The request's transaction, begun on first use.
    pub async fn get(&self) -> Result<&TenantTx, ApiError> {
        let (tx, _) = self
            .open
            .get_or_try_init(|| async {
                let slot = self.gate.enter(self.tenant).await.map_err(|e| {
                    crate::metrics::fair_share_refused();
                    ApiError::from(e)
                })?;
                let isolation = match self.operation {
                    Operation::Query => Isolation::RepeatableRead,
                    Operation::Mutation => Isolation::ReadCommitted,
                };
                let tx = self.db.begin_tenant_as(self.tenant, isolation).await?;
                Ok::<_, ApiError>((tx, slot))
            })
            .await?;
        Ok(tx)
    }

    /// Whether `finish` rolls back: a mutation whose response carries errors.
    pub fn rolls_back(&self, errors: bool) -> bool {
        self.operation == Operation::Mutation && errors
    }

    /// Ends the transaction (the tenant's slot is freed after it): a mutation commits only when
    /// nothing failed (`errors`: the response carries errors), a query always (its writes are
    /// audit records).
    pub async fn finish(self, errors: bool) -> Result<(), ApiError> {
        let rolls_back = self.rolls_back(errors);
        let Some((tx, _slot)) = self.open.into_inner() else {
            return Ok(());
        };
        if rolls_back {
            return tx.rollback().await.map_err(ApiError::from);
        }
        // Every change is audited: a mutation that wrote without an audit record is a bug,
        // and it is refused here, at the one place every mutation commits. After a mutation
        // answered user errors its undone work may still have given the transaction an id;
        // with nothing audited there is nothing legitimate to keep, so it is rolled back.
        if self.operation == Operation::Mutation && !tx.audited() && tx.rewound() {
            return tx.rollback().await.map_err(ApiError::from);
        }
        if self.operation == Operation::Mutation && !tx.audited() && tx.wrote().await? {
            tracing::error!("a mutation changed tenant data without an audit record");
            let _ = tx.rollback().await;
            return Err(ApiError::new(
                Code::Internal,
                "internal error; it has been logged",
            ));
        }
        tx.commit().await.map_err(ApiError::from)
    }
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

/// The request's transaction in its tenant's schema, for a caller with at least `role`.
/// Every resolver and loader of the request shares it; it is committed (or, for a failed
/// mutation, rolled back) once, after the whole operation ran.
pub async fn tenant_tx<'a>(
    ctx: &'a Context<'_>,
    role: Role,
) -> async_graphql::Result<(TenantCtx, &'a TenantTx)> {
    let t = tenant(ctx, role)?.clone();
    let tx = request_tx(ctx)?.get().await.map_err(|e| e.to_gql())?;
    Ok((t, tx))
}

/// The request's shared transaction handle (present whenever the tenant was resolved).
pub fn request_tx<'a>(ctx: &'a Context<'_>) -> async_graphql::Result<&'a RequestTx> {
    ctx.data::<Arc<RequestTx>>()
        .map(|t| t.as_ref())
        .map_err(|_| ApiError::new(Code::Internal, "no tenant transaction").to_gql())
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
