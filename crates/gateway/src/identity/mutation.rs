//! Identity mutations.

use async_graphql::{Context, Object};
use kartei_auth::identity::{NewUser, SignUp};

use crate::context::{principal, request, services};
use crate::error::api;
use crate::identity::types::{AuthPayload, CreateUserInput, SignUpInput, User};

#[derive(Default)]
pub struct IdentityMutation;

#[Object]
impl IdentityMutation {
    /// Registers an agency with its first user (an agency admin) and logs them in.
    async fn sign_up(
        &self,
        ctx: &Context<'_>,
        input: SignUpInput,
    ) -> async_graphql::Result<AuthPayload> {
        let req = request(ctx)?;
        let (_, tokens) = services(ctx)?
            .auth
            .sign_up(
                SignUp {
                    agency_name: input.agency_name,
                    display_name: input.display_name,
                    email: input.email,
                    password: input.password,
                },
                &req.client,
            )
            .await
            .map_err(api)?;
        Ok(AuthPayload(tokens))
    }

    async fn login(
        &self,
        ctx: &Context<'_>,
        email: String,
        password: String,
    ) -> async_graphql::Result<AuthPayload> {
        let req = request(ctx)?;
        let (_, tokens) = services(ctx)?
            .auth
            .login(&email, &password, &req.client)
            .await
            .map_err(api)?;
        Ok(AuthPayload(tokens))
    }

    /// Exchanges a refresh token for a new pair (rotation).
    async fn refresh(
        &self,
        ctx: &Context<'_>,
        refresh_token: String,
    ) -> async_graphql::Result<AuthPayload> {
        let tokens = services(ctx)?
            .auth
            .refresh(&refresh_token)
            .await
            .map_err(api)?;
        Ok(AuthPayload(tokens))
    }

    /// Ends the current session.
    async fn logout(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        let p = principal(ctx)?;
        services(ctx)?.auth.logout(p).await.map_err(api)?;
        Ok(true)
    }

    /// Ends every session of the current user; returns how many were ended.
    async fn logout_everywhere(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        let p = principal(ctx)?;
        services(ctx)?.auth.logout_everywhere(p).await.map_err(api)
    }

    /// Changes the password and ends every other session; returns how many were ended.
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        current_password: String,
        new_password: String,
    ) -> async_graphql::Result<u64> {
        let p = principal(ctx)?;
        services(ctx)?
            .auth
            .change_password(p, &current_password, &new_password)
            .await
            .map_err(api)
    }

    /// Adds a user to the caller's agency (agency admins only).
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        input: CreateUserInput,
    ) -> async_graphql::Result<User> {
        let p = principal(ctx)?;
        let user = services(ctx)?
            .auth
            .create_user(
                p,
                NewUser {
                    display_name: input.display_name,
                    email: input.email,
                    password: input.password,
                    agency_admin: input.agency_admin,
                },
            )
            .await
            .map_err(api)?;
        Ok(User(user))
    }
}
