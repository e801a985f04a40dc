//! GraphQL types of identity, mirroring `kartei_auth` types.

use crate::payload::{Payload, UserError};
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use kartei_auth::identity::{self, AgencyRole as DomainAgencyRole};

use crate::context::services;
use crate::error::api;
use crate::node::{self, Kind};

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum AgencyRole {
    /// Reaches every tenant of the agency as owner; manages users and tenants.
    Admin,
    /// Reaches only tenants with a membership.
    Member,
}

#[derive(SimpleObject)]
pub struct Agency {
    pub id: ID,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

pub struct User(pub identity::User);

#[Object]
impl User {
    async fn id(&self) -> ID {
        node::id(Kind::User, self.0.id.0)
    }
    async fn email(&self) -> &str {
        &self.0.email
    }
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    async fn agency_role(&self) -> AgencyRole {
        match self.0.agency_role {
            DomainAgencyRole::Admin => AgencyRole::Admin,
            DomainAgencyRole::Member => AgencyRole::Member,
        }
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn agency(&self, ctx: &Context<'_>) -> async_graphql::Result<Agency> {
        let a = services(ctx)?
            .auth
            .agency(self.0.agency_id)
            .await
            .map_err(api)?;
        Ok(Agency {
            id: node::id(Kind::Agency, a.id),
            name: a.name,
            created_at: a.created_at,
        })
    }
}

/// Tokens from `signUp`, `login` and `refresh`, or what to fix (a wrong password or a used
/// refresh token stay top-level `UNAUTHENTICATED` errors).
#[derive(Default)]
pub struct AuthPayload {
    pub tokens: Option<identity::Tokens>,
    pub user_errors: Vec<UserError>,
}

impl From<identity::Tokens> for AuthPayload {
    fn from(tokens: identity::Tokens) -> Self {
        AuthPayload {
            tokens: Some(tokens),
            user_errors: vec![],
        }
    }
}

impl Payload for AuthPayload {
    fn with_errors(errors: Vec<UserError>) -> Self {
        AuthPayload {
            tokens: None,
            user_errors: errors,
        }
    }
}

#[Object]
impl AuthPayload {
    /// Send as `Authorization: Bearer <accessToken>`; short-lived.
    async fn access_token(&self) -> Option<&str> {
        self.tokens.as_ref().map(|t| t.access_token.as_str())
    }
    /// Exchange once at `refresh` for a new pair; a second use revokes the session.
    async fn refresh_token(&self) -> Option<&str> {
        self.tokens.as_ref().map(|t| t.refresh_token.as_str())
    }
    /// Seconds until the access token expires.
    async fn expires_in(&self) -> Option<u64> {
        self.tokens.as_ref().map(|t| t.expires_in)
    }
    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(t) = &self.tokens else {
            return Ok(None);
        };
        Ok(Some(User(
            services(ctx)?.auth.user(t.user_id).await.map_err(api)?,
        )))
    }
    /// What the user can fix; empty when the mutation succeeded.
    async fn user_errors(&self) -> &[UserError] {
        &self.user_errors
    }
}

/// The input of `login`.
#[derive(InputObject)]
pub struct LoginInput {
    pub email: String,
    pub password: String,
}

/// The input of `refresh`.
#[derive(InputObject)]
pub struct RefreshInput {
    pub refresh_token: String,
}

/// The input of `changePassword`.
#[derive(InputObject)]
pub struct ChangePasswordInput {
    pub current_password: String,
    pub new_password: String,
}

crate::payload! {
    CreateUserPayload "The result of `createUser`." { user: User }
    LogoutPayload "The result of `logout`." {
        /// True: the session is over.
        logged_out: bool,
    }
    LogoutEverywherePayload "The result of `logoutEverywhere`." {
        /// How many sessions were ended.
        ended_sessions: u64,
    }
    ChangePasswordPayload "The result of `changePassword`." {
        /// How many other sessions were ended.
        ended_sessions: u64,
    }
    SignUpPayload "The result of `signUp`: the same whether or not the address has an account." {
        /// True: a mail is on its way to the address (a confirmation link, or, when the
        /// address has an account already, a note to its owner).
        accepted: bool,
    }
}

/// The input of `confirmSignUp`.
#[derive(InputObject)]
pub struct ConfirmSignUpInput {
    /// The token of the link in the confirmation mail.
    pub token: String,
}

#[derive(InputObject)]
pub struct SignUpInput {
    pub agency_name: String,
    pub display_name: String,
    pub email: String,
    pub password: String,
}

#[derive(InputObject)]
pub struct CreateUserInput {
    pub display_name: String,
    pub email: String,
    /// At least 12 characters; not a common password.
    pub password: String,
    #[graphql(default = false)]
    pub agency_admin: bool,
}

/// Who did something, as a value object: a user, an API key of the tenant, or Kartei itself
/// (a scheduled job, a public page). Every `createdBy`, `updatedBy`, `actor`, `author` and
/// the like is one.
pub struct Actor(pub String);

/// The kind of an [`Actor`].
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ActorKind {
    /// A user of the agency.
    User,
    /// An API key of the tenant.
    ApiKey,
    /// Kartei itself: a scheduled job, a send run, an import (`system:…` and the like).
    System,
    /// Someone on a public page: a subscribe form, an unsubscribe or confirmation link.
    Public,
}

impl Actor {
    fn user_id(&self) -> Option<uuid::Uuid> {
        self.0.strip_prefix("user:").and_then(|u| u.parse().ok())
    }
}

/// A value object (no id): who did something, as recorded — a user, an API key of the tenant,
/// or Kartei itself (a scheduled job, a public page); `user` links the user where there is one.
#[Object]
impl Actor {
    /// As recorded: `user:<id>`, `api_key:<id>`, `system:<job>`, `public:<page>`.
    async fn label(&self) -> &str {
        &self.0
    }

    async fn kind(&self) -> ActorKind {
        if self.user_id().is_some() {
            ActorKind::User
        } else if self.0.starts_with("api_key:") {
            ActorKind::ApiKey
        } else if self.0.starts_with("public") {
            ActorKind::Public
        } else {
            ActorKind::System
        }
    }

    /// The user, for a user's action: name and email, shown to the tenant's members. Null
    /// for the other kinds and for a user who is no longer a member of the tenant.
    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(id) = self.user_id() else {
            return Ok(None);
        };
        crate::context::tenant(ctx, kartei_core::ctx::Role::Viewer)?;
        let u = crate::loaders::one(ctx, crate::loaders::UserKey(id)).await?;
        Ok(u.map(|u| User(std::sync::Arc::unwrap_or_clone(u))))
    }
}
