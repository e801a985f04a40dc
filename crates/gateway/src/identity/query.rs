//! Identity queries.

use async_graphql::{Context, Object};

use crate::context::{principal, services};
use crate::error::{ApiError, api};
use crate::identity::types::User;
use kartei_core::code::Code;

#[derive(Default)]
pub struct IdentityQuery;

#[Object]
impl IdentityQuery {
    /// The logged-in user.
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<User> {
        let Some(user_id) = principal(ctx)?.user_id() else {
            return Err(ApiError::new(Code::Forbidden, "API keys have no user").to_gql());
        };
        Ok(User(services(ctx)?.auth.user(user_id).await.map_err(api)?))
    }
}
