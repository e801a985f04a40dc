//! Mutations in one shape (the Relay mutation convention, as GitHub's and Shopify's APIs have
//! it): one `input` argument, a payload type per mutation carrying the changed objects, and
//! `userErrors` for everything the user can fix.
//!
//! A mutation body returns `async_graphql::Result<Payload>` as before; [`settle`] runs it and
//! turns the errors a user can fix (VALIDATION_FAILED, NOT_FOUND, CONFLICT, CONSENT_REQUIRED,
//! RESTRICTED and the public-link codes) into the payload's `userErrors`, with the objects null, undoing
//! what the mutation wrote.
//! Everything else (UNAUTHENTICATED, FORBIDDEN, RATE_LIMITED, UNAVAILABLE, INTERNAL) stays a
//! top-level error.

use async_graphql::{Context, Enum, SimpleObject, Value};

use crate::context::request_tx;
use crate::error::api;

/// What a user can fix, as `userErrors[].code`. A closed set: adding a value is a contract
/// change.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserErrorCode {
    /// An input field failed validation (`field` names it).
    ValidationFailed,
    /// An object the input names does not exist, or is not visible to the caller.
    NotFound,
    /// The change conflicts with current state: a stale `version`, a duplicate key.
    Conflict,
    /// The contact has no consent for the channel and purpose.
    ConsentRequired,
    /// The person is under restriction of processing (Art. 18 GDPR); lift it first.
    Restricted,
    /// A signed public link is forged, malformed or for another action.
    TokenInvalid,
    /// A signed public link is past its expiry.
    TokenExpired,
    /// A single-use public link was already used.
    TokenUsed,
}

impl UserErrorCode {
    fn of(code: &str) -> Option<Self> {
        Some(match code {
            "VALIDATION_FAILED" => Self::ValidationFailed,
            "NOT_FOUND" => Self::NotFound,
            "CONFLICT" => Self::Conflict,
            "CONSENT_REQUIRED" => Self::ConsentRequired,
            "RESTRICTED" => Self::Restricted,
            "TOKEN_INVALID" => Self::TokenInvalid,
            "TOKEN_EXPIRED" => Self::TokenExpired,
            "TOKEN_USED" => Self::TokenUsed,
            _ => return None,
        })
    }
}

/// A problem with the input that the user can fix; the mutation changed nothing.
///
/// A value object (no id): what the user can fix, inside a mutation payload.
#[derive(SimpleObject, Debug, Clone, PartialEq, Eq)]
pub struct UserError {
    /// The path to the input field at fault, from the mutation's argument:
    /// `["input", "postalCode"]`, `["input", "patch", "email"]`. Null when the error is about
    /// the input as a whole (a stale version, a record that does not exist).
    pub field: Option<Vec<String>>,
    pub message: String,
    pub code: UserErrorCode,
}

/// A mutation payload: the objects (all optional) and `userErrors`.
pub trait Payload: Default {
    fn with_errors(errors: Vec<UserError>) -> Self;
}

/// Declares payload types: `payload!(UpdatePersonPayload "The person as changed." { person:
/// Person });` — every object field is nullable (null when the mutation answered
/// `userErrors`), and `userErrors` comes last.
#[macro_export]
macro_rules! payload {
    ($($name:ident $doc:literal { $($(#[$fmeta:meta])* $field:ident : $ty:ty),* $(,)? })*) => {
        $(
            #[doc = $doc]
            #[derive(async_graphql::SimpleObject, Default)]
            pub struct $name {
                $($(#[$fmeta])* pub $field: Option<$ty>,)*
                /// What the user can fix; empty when the mutation succeeded.
                pub user_errors: Vec<$crate::payload::UserError>,
            }

            impl $crate::payload::Payload for $name {
                fn with_errors(errors: Vec<$crate::payload::UserError>) -> Self {
                    Self { user_errors: errors, ..Default::default() }
                }
            }
        )*
    };
}

/// Runs a mutation body and answers its payload. The body runs after a mark in the request's
/// transaction: user-fixable errors undo everything since the mark and become `userErrors`
/// (so a mutation that answers them wrote nothing, while the other mutations of the same
/// request keep what they did); any other error stays top-level and, as before, rolls the
/// whole request back.
pub async fn settle<P: Payload>(
    ctx: &Context<'_>,
    body: impl Future<Output = async_graphql::Result<P>>,
) -> async_graphql::Result<P> {
    // Requests without a tenant (sign-up, login) have no transaction to mark.
    let tx = match request_tx(ctx) {
        Ok(t) => Some(t.get().await.map_err(|e| e.to_gql())?),
        Err(_) => None,
    };
    if let Some(tx) = tx {
        tx.mark().await.map_err(api)?;
    }
    let e = match body.await {
        Ok(p) => {
            if let Some(tx) = tx {
                tx.release_mark().await.map_err(api)?;
            }
            return Ok(p);
        }
        Err(e) => e,
    };
    let Some(errors) = user_errors(&e) else {
        return Err(e);
    };
    if let Some(tx) = tx {
        tx.rollback_to_mark().await.map_err(api)?;
    }
    Ok(P::with_errors(errors))
}

/// The user errors an error carries: one per invalid field (`extensions.fields`), or one for
/// the whole input; `None` for errors the user cannot fix.
fn user_errors(e: &async_graphql::Error) -> Option<Vec<UserError>> {
    let ext = e.extensions.as_ref()?;
    let Some(Value::String(code)) = ext.get("code") else {
        return None;
    };
    let code = UserErrorCode::of(code)?;
    let path = |key: &str| {
        std::iter::once("input".to_owned())
            .chain(key.split('.').map(str::to_owned))
            .collect()
    };
    let errors: Vec<UserError> = match ext.get("fields") {
        Some(Value::Object(fields)) if !fields.is_empty() => fields
            .iter()
            .map(|(k, v)| UserError {
                field: Some(path(k.as_str())),
                message: match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                },
                code,
            })
            .collect(),
        _ => vec![UserError {
            field: None,
            message: e.message.clone(),
            code,
        }],
    };
    Some(errors)
}

/// Nests an error's field names under `prefix` (`patch` for an update's patch), so the paths
/// in `userErrors` point into the input as the client sent it.
pub fn nest(prefix: &'static str) -> impl Fn(async_graphql::Error) -> async_graphql::Error {
    nest_except(prefix, &[])
}

/// [`nest`], leaving the fields named in `keep` (the input's own, like `id` and `version`)
/// where they are.
pub fn nest_except(
    prefix: &'static str,
    keep: &'static [&'static str],
) -> impl Fn(async_graphql::Error) -> async_graphql::Error {
    move |mut e| {
        if let Some(ext) = e.extensions.as_mut()
            && let Some(Value::Object(fields)) = ext.get("fields")
        {
            let nested: async_graphql::indexmap::IndexMap<async_graphql::Name, Value> = fields
                .iter()
                .map(|(k, v)| {
                    let name = if keep.contains(&k.as_str()) {
                        k.to_string()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    (async_graphql::Name::new(name), v.clone())
                })
                .collect();
            ext.set("fields", Value::Object(nested));
        }
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ApiError;
    use kartei_core::code::Code;

    #[test]
    fn fixable_errors_become_user_errors_with_paths_and_the_rest_stay() {
        let invalid = nest("patch")(ApiError::field("postalCode", "is not a postal code").to_gql());
        let got = user_errors(&invalid).expect("user errors");
        assert_eq!(
            got,
            vec![UserError {
                field: Some(vec!["input".into(), "patch".into(), "postalCode".into()]),
                message: "is not a postal code".into(),
                code: UserErrorCode::ValidationFailed,
            }]
        );
        let stale = ApiError::new(Code::Conflict, "stale version").to_gql();
        assert_eq!(
            user_errors(&stale).expect("user errors")[0].field,
            None,
            "a conflict is about the whole input"
        );
        for code in [
            Code::Forbidden,
            Code::Unauthenticated,
            Code::RateLimited,
            Code::Internal,
        ] {
            assert!(
                user_errors(&ApiError::new(code, "no").to_gql()).is_none(),
                "{code}"
            );
        }
    }
}
