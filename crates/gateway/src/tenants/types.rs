//! GraphQL types of tenants, memberships and API keys.

use async_graphql::{Enum, ID, InputObject, SimpleObject};
use chrono::{DateTime, Utc};
use kartei_auth::access;
use kartei_auth::apikeys;
use kartei_core::ctx;
use kartei_core::id::TenantId;
use kartei_tenancy::tenants::{self, TenantStatus as DomainStatus};

use crate::error::{ApiError, api};
use crate::node::{self, Kind};

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum TenantStatus {
    Active,
    /// Requests naming a suspended tenant get FORBIDDEN.
    Suspended,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum Role {
    Owner,
    Admin,
    Member,
    Viewer,
}

impl From<ctx::Role> for Role {
    fn from(r: ctx::Role) -> Self {
        match r {
            ctx::Role::Owner => Role::Owner,
            ctx::Role::Admin => Role::Admin,
            ctx::Role::Member => Role::Member,
            ctx::Role::Viewer => Role::Viewer,
        }
    }
}

impl From<Role> for ctx::Role {
    fn from(r: Role) -> Self {
        match r {
            Role::Owner => ctx::Role::Owner,
            Role::Admin => ctx::Role::Admin,
            Role::Member => ctx::Role::Member,
            Role::Viewer => ctx::Role::Viewer,
        }
    }
}

/// A client company of the agency; its data lives in its own schema.
#[derive(SimpleObject)]
pub struct Tenant {
    /// Send as `X-Tenant-Id` to act in this tenant.
    #[graphql(owned)]
    pub id: ID,
    pub name: String,
    pub slug: String,
    pub status: TenantStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<tenants::Tenant> for Tenant {
    fn from(t: tenants::Tenant) -> Self {
        Tenant {
            id: node::id(Kind::Tenant, t.id.0),
            name: t.name,
            slug: t.slug,
            status: match t.status {
                DomainStatus::Active => TenantStatus::Active,
                DomainStatus::Suspended => TenantStatus::Suspended,
            },
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

#[derive(InputObject)]
pub struct CreateTenantInput {
    pub name: String,
    /// Lower-case letters, digits and '-'; derived from the name when omitted.
    pub slug: Option<String>,
}

/// A user's membership of the tenant, with their role.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Member {
    pub user_id: ID,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
}

crate::tenant_keyed!(Member, Member, |m| crate::node::uuid_of(&m.user_id)
    .map(|u| u.to_string())
    .unwrap_or_default());

impl From<access::Member> for Member {
    fn from(m: access::Member) -> Self {
        Member {
            user_id: node::id(Kind::User, m.user_id.0),
            email: m.email,
            display_name: m.display_name,
            role: m.role.into(),
            created_at: m.created_at,
        }
    }
}

#[derive(SimpleObject)]
pub struct ApiKey {
    #[graphql(owned)]
    pub id: ID,
    pub name: String,
    /// The visible start of the key, to recognise it.
    pub prefix: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<apikeys::ApiKey> for ApiKey {
    fn from(k: apikeys::ApiKey) -> Self {
        ApiKey {
            id: node::id(Kind::ApiKey, k.id.0),
            name: k.name,
            prefix: k.prefix,
            role: k.role.into(),
            created_at: k.created_at,
            last_used_at: k.last_used_at,
            revoked_at: k.revoked_at,
        }
    }
}

/// A value object (no id): the one-time reveal of a new key's secret (the key has its id).
#[derive(SimpleObject)]
pub struct CreatedApiKey {
    pub api_key: ApiKey,
    /// The full key. Shown this once; store it in a secret manager.
    pub secret: String,
}

pub fn parse_tenant_id(id: &ID) -> async_graphql::Result<TenantId> {
    id.parse::<TenantId>()
        .map_err(|_| api(ApiError::field("id", "is not a tenant id")))
}
