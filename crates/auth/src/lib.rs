//! Identity and access: agencies, users, memberships, API keys; password hashing, JWT access
//! tokens, refresh-token families with reuse detection, and rate limits.
//!
//! [`Auth`] is the service the gateway calls. It turns credentials into a [`Principal`] and a
//! principal plus a tenant id into a [`kartei_core::ctx::TenantCtx`]; nothing tenant-scoped runs
//! without that context.

pub mod access;
pub mod apikeys;
pub mod error;
pub mod identity;
pub mod jwt;
pub mod password;
pub mod ratelimit;
pub mod store;

use std::sync::Arc;
use std::time::Duration;

use kartei_core::ctx::Role;
use kartei_core::id::{ApiKeyId, SessionId, TenantId, UserId};
use kartei_tenancy::db::Db;

pub use error::{Error, Result};

use crate::jwt::Jwt;
use crate::ratelimit::Limits;
use crate::store::Store;

/// Who presented valid credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Principal {
    User {
        user_id: UserId,
        session_id: SessionId,
    },
    ApiKey {
        key_id: ApiKeyId,
        tenant_id: TenantId,
        role: Role,
    },
}

impl Principal {
    /// The key rate limits count API calls under.
    pub fn rate_key(&self) -> String {
        match self {
            Principal::User { user_id, .. } => format!("user:{user_id}"),
            Principal::ApiKey { key_id, .. } => format!("key:{key_id}"),
        }
    }

    pub fn user_id(&self) -> Option<UserId> {
        match self {
            Principal::User { user_id, .. } => Some(*user_id),
            Principal::ApiKey { .. } => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct AuthConfig {
    pub jwt: jwt::JwtConfig,
    pub refresh_ttl: Duration,
    /// The longest a session lives, however often it is refreshed.
    pub session_max_age: Duration,
    pub limits: Limits,
}

/// The auth service. Cheap to clone.
#[derive(Clone)]
pub struct Auth {
    pub(crate) db: Db,
    pub(crate) jwt: Arc<Jwt>,
    pub(crate) store: Store,
    pub(crate) limits: Limits,
    pub(crate) refresh_ttl: Duration,
    pub(crate) session_max_age: Duration,
    pub(crate) remembered: Arc<access::RememberedAccess>,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("store", &self.store.kind())
            .finish()
    }
}

impl Auth {
    pub fn new(db: Db, store: Store, config: AuthConfig) -> Result<Self> {
        Ok(Self {
            db,
            jwt: Arc::new(Jwt::new(&config.jwt)?),
            store,
            limits: config.limits,
            refresh_ttl: config.refresh_ttl,
            session_max_age: config.session_max_age,
            remembered: Arc::new(access::RememberedAccess::new()),
        })
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }
}
