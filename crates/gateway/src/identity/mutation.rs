//! Identity mutations.

use async_graphql::{Context, Object};
use kartei_auth::identity::{NewUser, SignUp};

use crate::context::{principal, request, services};
use crate::error::api;
use crate::identity::types::{
    AuthPayload, ChangePasswordInput, ChangePasswordPayload, ConfirmSignUpInput, CreateUserInput,
    CreateUserPayload, LoginInput, LogoutEverywherePayload, LogoutPayload, RefreshInput,
    SignUpInput, SignUpPayload, User,
};
use crate::payload::settle;

#[derive(Default)]
pub struct IdentityMutation;

#[Object]
impl IdentityMutation {
    /// Asks for a new agency with its first user (an agency admin). The answer is the same
    /// whether or not the address has an account: a mail goes to it either way, with a link
    /// to `confirmSignUp` (valid 24 hours) or, for an existing account, a note to its owner.
    async fn sign_up(
        &self,
        ctx: &Context<'_>,
        input: SignUpInput,
    ) -> async_graphql::Result<SignUpPayload> {
        let r = async {
            let req = request(ctx)?;
            let s = services(ctx)?;
            let found = s
                .auth
                .request_sign_up(
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
            crate::identity::sign_up_mail(s, found).await?;
            Ok(SignUpPayload {
                accepted: Some(true),
                user_errors: vec![],
            })
        };
        settle(ctx, r).await
    }

    /// Uses the token of a sign-up mail: creates the agency and its admin and logs them in.
    /// An unknown, used or expired token is `TOKEN_INVALID`.
    async fn confirm_sign_up(
        &self,
        ctx: &Context<'_>,
        input: ConfirmSignUpInput,
    ) -> async_graphql::Result<AuthPayload> {
        let r = async {
            let auth = &services(ctx)?.auth;
            let user = auth
                .confirm_sign_up(input.token.trim())
                .await
                .map_err(api)?;
            Ok(AuthPayload::from(
                auth.open_session(&user).await.map_err(api)?,
            ))
        };
        settle(ctx, r).await
    }

    /// Signs in; a wrong email or password is `UNAUTHENTICATED`.
    async fn login(
        &self,
        ctx: &Context<'_>,
        input: LoginInput,
    ) -> async_graphql::Result<AuthPayload> {
        let r = async {
            let req = request(ctx)?;
            let (_, tokens) = services(ctx)?
                .auth
                .login(&input.email, &input.password, &req.client)
                .await
                .map_err(api)?;
            Ok(AuthPayload::from(tokens))
        };
        settle(ctx, r).await
    }

    /// Exchanges a refresh token for a new pair (rotation).
    async fn refresh(
        &self,
        ctx: &Context<'_>,
        input: RefreshInput,
    ) -> async_graphql::Result<AuthPayload> {
        let r = async {
            let tokens = services(ctx)?
                .auth
                .refresh(&input.refresh_token)
                .await
                .map_err(api)?;
            Ok(AuthPayload::from(tokens))
        };
        settle(ctx, r).await
    }

    /// Ends the current session.
    async fn logout(&self, ctx: &Context<'_>) -> async_graphql::Result<LogoutPayload> {
        let r = async {
            let p = principal(ctx)?;
            services(ctx)?.auth.logout(p).await.map_err(api)?;
            Ok(LogoutPayload {
                logged_out: Some(true),
                ..Default::default()
            })
        };
        settle(ctx, r).await
    }

    /// Ends every session of the current user.
    async fn logout_everywhere(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<LogoutEverywherePayload> {
        let r = async {
            let p = principal(ctx)?;
            let n = services(ctx)?
                .auth
                .logout_everywhere(p)
                .await
                .map_err(api)?;
            Ok(LogoutEverywherePayload {
                ended_sessions: Some(n),
                ..Default::default()
            })
        };
        settle(ctx, r).await
    }

    /// Changes the password and ends every other session.
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        input: ChangePasswordInput,
    ) -> async_graphql::Result<ChangePasswordPayload> {
        let r = async {
            let p = principal(ctx)?;
            let n = services(ctx)?
                .auth
                .change_password(p, &input.current_password, &input.new_password)
                .await
                .map_err(api)?;
            Ok(ChangePasswordPayload {
                ended_sessions: Some(n),
                ..Default::default()
            })
        };
        settle(ctx, r).await
    }

    /// Adds a user to the caller's agency (agency admins only).
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        input: CreateUserInput,
    ) -> async_graphql::Result<CreateUserPayload> {
        let r = async {
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
            Ok(CreateUserPayload {
                user: Some(User(user)),
                ..Default::default()
            })
        };
        settle(ctx, r).await
    }
}
