//! Errors of the campaigns domain, each with one stable [`Code`].

use kartei_core::code::Code;
use kartei_core::validate::FieldErrors;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    /// A tracking link or pixel whose signature does not match.
    #[error("the tracking link is not valid")]
    TokenInvalid,
    #[error("mail: {0}")]
    Mail(String),
    #[error(transparent)]
    Contacts(#[from] kartei_contacts::Error),
    #[error(transparent)]
    Compliance(#[from] kartei_compliance::Error),
    #[error(transparent)]
    Segments(#[from] kartei_segments::Error),
    #[error(transparent)]
    Data(#[from] kartei_tenancy::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn code(&self) -> Code {
        match self {
            Error::Invalid(_) => Code::ValidationFailed,
            Error::NotFound(_) => Code::NotFound,
            Error::Conflict(_) => Code::Conflict,
            Error::TokenInvalid => Code::TokenInvalid,
            Error::Mail(_) => Code::Unavailable,
            Error::Contacts(e) => e.code(),
            Error::Compliance(e) => e.code(),
            Error::Segments(e) => e.code(),
            Error::Data(e) => e.code(),
        }
    }

    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Error::Invalid(FieldErrors::single(field, message))
    }

    pub fn stale(what: &str) -> Self {
        Error::Conflict(format!(
            "the {what} was changed by someone else; reload it and apply your change again"
        ))
    }
}

impl From<sea_orm::DbErr> for Error {
    fn from(e: sea_orm::DbErr) -> Self {
        Error::Data(e.into())
    }
}
