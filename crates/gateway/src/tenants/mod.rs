//! Tenant resolvers: the tenants a user can see, tenant lifecycle, members and API keys.

mod mutation;
mod query;
pub(crate) mod types;

pub(crate) use mutation::TenantsMutation;
pub(crate) use query::TenantsQuery;
