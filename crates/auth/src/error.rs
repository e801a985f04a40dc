//! Errors of identity and access control, each mapped to one stable [`Code`].

use kartei_core::code::Code;
use kartei_core::validate::FieldErrors;

use crate::ratelimit::Decision;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Unauthenticated(&'static str),
    #[error("{0}")]
    Forbidden(String),
    #[error("too many requests; retry in {}s", .0.retry_after_secs())]
    RateLimited(Decision),
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    #[error("{0}")]
    Conflict(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A single-use link (a sign-up confirmation) that is unknown, used or expired.
    #[error("{0}")]
    TokenInvalid(&'static str),
    #[error("session store unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Data(#[from] kartei_tenancy::Error),
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn code(&self) -> Code {
        match self {
            Error::Unauthenticated(_) => Code::Unauthenticated,
            Error::Forbidden(_) => Code::Forbidden,
            Error::RateLimited(_) => Code::RateLimited,
            Error::Invalid(_) => Code::ValidationFailed,
            Error::Conflict(_) => Code::Conflict,
            Error::NotFound(_) => Code::NotFound,
            Error::TokenInvalid(_) => Code::TokenInvalid,
            Error::Unavailable(_) => Code::Unavailable,
            Error::Data(e) => e.code(),
            Error::Internal(_) => Code::Internal,
        }
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Error::Invalid(FieldErrors::single(field, message))
    }
}

impl From<sea_orm::DbErr> for Error {
    fn from(e: sea_orm::DbErr) -> Self {
        Error::Data(e.into())
    }
}

impl From<FieldErrors> for Error {
    fn from(e: FieldErrors) -> Self {
        Error::Invalid(e)
    }
}
