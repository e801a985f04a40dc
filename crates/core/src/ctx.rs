//! Who is acting, and in which tenant. Built by the gateway after authentication and passed
//! first to every tenant-scoped domain call.

use serde::{Deserialize, Serialize};

use crate::id::{ApiKeyId, TenantId, UserId};

/// A member's role inside one tenant, ordered from least to most powerful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Viewer,
    Member,
    Admin,
    Owner,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Member => "member",
            Role::Admin => "admin",
            Role::Owner => "owner",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "viewer" => Some(Role::Viewer),
            "member" => Some(Role::Member),
            "admin" => Some(Role::Admin),
            "owner" => Some(Role::Owner),
            _ => None,
        }
    }

    /// Whether this role may do what `needed` may do.
    pub fn allows(self, needed: Role) -> bool {
        self >= needed
    }
}

/// The principal behind a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Actor {
    User(UserId),
    ApiKey(ApiKeyId),
}

impl Actor {
    /// A stable textual form for audit records: `user:<id>` or `api_key:<id>`.
    pub fn audit_label(&self) -> String {
        match self {
            Actor::User(id) => format!("user:{id}"),
            Actor::ApiKey(id) => format!("api_key:{id}"),
        }
    }
}

/// The tenant a request acts in, the actor, and the actor's role there. Only the auth layer
/// constructs it, after checking membership and tenant status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantCtx {
    pub tenant_id: TenantId,
    pub actor: Actor,
    pub role: Role,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered() {
        assert!(Role::Owner.allows(Role::Admin));
        assert!(Role::Admin.allows(Role::Member));
        assert!(!Role::Viewer.allows(Role::Member));
        for r in [Role::Viewer, Role::Member, Role::Admin, Role::Owner] {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
    }
}
