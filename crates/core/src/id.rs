//! Typed ids. A [`TenantId`] is the only source of a tenant schema name, so no user text can
//! ever become an SQL identifier.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new, time-ordered id (UUIDv7), so inserts stay index-friendly.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                // Only the canonical hyphenated form; anything else is rejected before it
                // could reach a query.
                if s.len() != 36 {
                    return Err(InvalidId);
                }
                Uuid::parse_str(s).map(Self).map_err(|_| InvalidId)
            }
        }

        impl From<Uuid> for $name {
            fn from(value: Uuid) -> Self {
                Self(value)
            }
        }
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a valid id")]
pub struct InvalidId;

uuid_id!(
    /// A client company of an agency; owns one Postgres schema.
    TenantId
);
uuid_id!(
    /// An agency: the customer of Kartei that runs many tenants.
    AgencyId
);
uuid_id!(
    /// A person who logs in.
    UserId
);
uuid_id!(
    /// A machine credential scoped to one tenant.
    ApiKeyId
);
uuid_id!(
    /// A login session: the family of refresh tokens issued from one login.
    SessionId
);

impl TenantId {
    /// The Postgres schema holding this tenant's data: `t_` plus the id's 32 hex digits.
    /// Built only from the UUID's digits, so it is always a safe, unquoted identifier.
    pub fn schema_name(&self) -> String {
        format!("t_{}", self.0.simple())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_name_is_hex_only() {
        let id = TenantId::new();
        let name = id.schema_name();
        assert_eq!(name.len(), 34);
        assert!(name.starts_with("t_"));
        assert!(name[2..].chars().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn crafted_ids_are_rejected() {
        for bad in [
            "",
            "public",
            "'; drop schema platform cascade; --",
            "00000000000000000000000000000000",
            "{00000000-0000-0000-0000-000000000000}",
            "00000000-0000-0000-0000-00000000000g",
            "00000000-0000-0000-0000-0000000000000",
        ] {
            assert!(bad.parse::<TenantId>().is_err(), "{bad:?} parsed");
        }
        assert!(
            "0191d3c4-5f3a-7cc0-9b1e-2a3b4c5d6e7f"
                .parse::<TenantId>()
                .is_ok()
        );
    }
}
