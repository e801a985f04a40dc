//! The single, closed set of machine-readable error codes clients see in `extensions.code`.
//!
//! Every crate's error enum maps each variant to exactly one [`Code`]; only the gateway puts it on
//! the wire. Adding a variant is a contract change: document it in `frontend-schema/GUIDE.md`.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Code {
    /// No credentials, or credentials that are invalid, expired or revoked.
    Unauthenticated,
    /// Authenticated, but not allowed: no membership, wrong role, suspended tenant.
    Forbidden,
    /// The addressed object does not exist (or is not visible to the caller).
    NotFound,
    /// Input failed validation; `extensions.fields` maps field names to messages.
    ValidationFailed,
    /// The write conflicts with current state: duplicate key, stale version.
    Conflict,
    /// Too many requests; retry after the time in `Retry-After`.
    RateLimited,
    /// The contact has no consent for the channel and purpose.
    ConsentRequired,
    /// The person is under restriction of processing (Art. 18 GDPR): nothing about them
    /// changes until the restriction is lifted (or they are erased).
    Restricted,
    /// A dependency (Postgres, Redis) is unreachable; retrying later may succeed.
    Unavailable,
    /// The request is malformed (not JSON, not a GraphQL document, unknown field).
    BadRequest,
    /// The query nests deeper than the configured limit.
    QueryTooDeep,
    /// The query's computed complexity exceeds the configured limit.
    QueryTooComplex,
    /// The request body exceeds the configured size limit.
    PayloadTooLarge,
    /// A signed public link (double opt-in, unsubscribe) is forged, malformed or for another
    /// action.
    TokenInvalid,
    /// A signed public link is past its expiry.
    TokenExpired,
    /// A single-use public link was already used; nothing was changed.
    TokenUsed,
    /// An unexpected failure; details are logged with the request id, never returned.
    Internal,
}

impl Code {
    pub const ALL: [Code; 17] = [
        Code::Unauthenticated,
        Code::Forbidden,
        Code::NotFound,
        Code::ValidationFailed,
        Code::Conflict,
        Code::RateLimited,
        Code::ConsentRequired,
        Code::Restricted,
        Code::Unavailable,
        Code::BadRequest,
        Code::QueryTooDeep,
        Code::QueryTooComplex,
        Code::PayloadTooLarge,
        Code::TokenInvalid,
        Code::TokenExpired,
        Code::TokenUsed,
        Code::Internal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Code::Unauthenticated => "UNAUTHENTICATED",
            Code::Forbidden => "FORBIDDEN",
            Code::NotFound => "NOT_FOUND",
            Code::ValidationFailed => "VALIDATION_FAILED",
            Code::Conflict => "CONFLICT",
            Code::RateLimited => "RATE_LIMITED",
            Code::ConsentRequired => "CONSENT_REQUIRED",
            Code::Restricted => "RESTRICTED",
            Code::Unavailable => "UNAVAILABLE",
            Code::BadRequest => "BAD_REQUEST",
            Code::QueryTooDeep => "QUERY_TOO_DEEP",
            Code::QueryTooComplex => "QUERY_TOO_COMPLEX",
            Code::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            Code::TokenInvalid => "TOKEN_INVALID",
            Code::TokenExpired => "TOKEN_EXPIRED",
            Code::TokenUsed => "TOKEN_USED",
            Code::Internal => "INTERNAL",
        }
    }

    /// The HTTP status a request failing with only this code should carry.
    pub fn http_status(self) -> u16 {
        match self {
            Code::RateLimited => 429,
            Code::PayloadTooLarge => 413,
            Code::Unavailable => 503,
            Code::BadRequest | Code::QueryTooDeep | Code::QueryTooComplex => 400,
            // GraphQL carries the remaining failures in a 200 response body.
            _ => 200,
        }
    }
}

impl Code {
    /// The status for plain HTTP endpoints (file uploads and downloads), where, unlike in
    /// GraphQL, the status itself must say what went wrong.
    pub fn rest_status(self) -> u16 {
        match self {
            Code::Unauthenticated => 401,
            Code::Forbidden => 403,
            Code::NotFound => 404,
            Code::ValidationFailed => 400,
            Code::ConsentRequired | Code::Restricted => 403,
            Code::Conflict => 409,
            Code::TokenInvalid => 400,
            Code::TokenExpired => 410,
            Code::TokenUsed => 409,
            other => other.http_status(),
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_name_matches_as_str() {
        for code in Code::ALL {
            let json = serde_json::to_value(code).expect("serialize");
            assert_eq!(json, serde_json::Value::String(code.as_str().to_owned()));
        }
    }
}
