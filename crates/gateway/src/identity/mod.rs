//! Identity resolvers: sign-up, login, tokens, the current user, agency users.

mod mutation;
mod query;
pub(crate) mod types;

pub(crate) use mutation::IdentityMutation;
pub(crate) use query::IdentityQuery;
